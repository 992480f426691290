//! Grading in use: how the estimate changes when evidence below a grade is set aside.

use crate::history::{band, Band};
use crate::plan::{NodeDef, Plan, PlanOptions};
use crate::run::{LeafCache, Run};
use entente_core::{Dataset, Grade};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct GradeEffect {
    pub min_grade: String,
    pub all_deliveries: Band,
    pub filtered_deliveries: Band,
    pub all_compensation: Band,
    pub filtered_compensation: Band,
    /// Inputs whose estimate differs under the filter: "containers: pert(…) instead of pert(…)".
    pub changed: Vec<String>,
    /// Items left out under the filter only.
    pub dropped_items: Vec<String>,
}

fn leaves(plan: &Plan) -> Vec<(String, String)> {
    plan.nodes
        .iter()
        .filter_map(|n| match &n.def {
            NodeDef::Leaf { estimate, .. } => Some((n.name.clone(), estimate.dist.to_string())),
            _ => None,
        })
        .collect()
}

/// The bands of both flows of a plan, streamed (exactly those of [`band`] of the run's columns).
fn streamed_flows(plan: &Plan, samples: usize, seed: u64) -> Result<(Band, Band), String> {
    use crate::stream::{stream, Request, Source};
    let probs = vec![0.05, 0.5, 0.95];
    let requests: Vec<Request> = plan
        .flows
        .iter()
        .map(|(_, n)| Request { source: Source::Node(*n), probs: probs.clone(), batch_error: false })
        .collect();
    let s = stream(plan, samples, seed, &requests, 0, &|_| {})?;
    let band = |k: usize| {
        let q = &s.summaries[k].quantiles;
        Band { p5: q[0], p50: q[1], p95: q[2] }
    };
    Ok((band(0), band(1)))
}

/// Runs the model with and without `min_grade` (same seed, unchanged inputs share their draws).
pub fn grade_effect(
    ds: &Dataset,
    opts: &PlanOptions,
    min_grade: Grade,
    samples: usize,
    seed: u64,
) -> Result<GradeEffect, String> {
    let all = Plan::new(ds, &PlanOptions { min_grade: None, ..opts.clone() })?;
    let filtered = Plan::new(ds, &PlanOptions { min_grade: Some(min_grade), ..opts.clone() })?;
    let (la, lf) = (leaves(&all), leaves(&filtered));
    let mut changed = Vec::new();
    for (name, dist) in &la {
        match lf.iter().find(|(n, _)| n == name) {
            None => changed.push(format!("{name}: no estimate meets {min_grade} (was {dist})")),
            Some((_, d)) if d != dist => changed.push(format!("{name}: {d} instead of {dist}")),
            _ => {}
        }
    }
    let dropped_items = filtered
        .excluded
        .iter()
        .filter(|(id, _)| all.items.iter().any(|i| &i.item.id == id))
        .map(|(id, why)| format!("{id}: {why}"))
        .collect();
    let ((ad, ac), (fd, fc)) = if samples > crate::DEFAULT_SAMPLES {
        // too many draws to hold: the same bands, streamed
        (streamed_flows(&all, samples, seed)?, streamed_flows(&filtered, samples, seed)?)
    } else {
        let mut cache = LeafCache::new();
        let ra = Run::with_cache(all, samples, seed, &|_| {}, &mut cache)?;
        let rf = Run::with_cache(filtered, samples, seed, &|_| {}, &mut cache)?;
        let flows = |r: &Run| (band(r.values(r.plan.flows[0].1)), band(r.values(r.plan.flows[1].1)));
        (flows(&ra), flows(&rf))
    };
    Ok(GradeEffect {
        min_grade: min_grade.to_string(),
        all_deliveries: ad,
        filtered_deliveries: fd,
        all_compensation: ac,
        filtered_compensation: fc,
        changed,
        dropped_items,
    })
}
