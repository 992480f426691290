//! Our estimate beside the published studies: for each study figure, the same coverage (flow and categories)
//! summed in each simulated world, the difference, and the average unit price that would make our quantities
//! reproduce the study's total.

use crate::plan::{Plan, PlanOptions};
use crate::run::Run;
use crate::stats::{quantiles, summarise, Summary};
use chrono::NaiveDate;
use entente_core::{category_label, Dataset, Study};
use serde::Serialize;

/// The price an item would need for our quantities to reach the study's range.
#[derive(Debug, Clone, Serialize)]
pub struct ImpliedPrice {
    pub item: String,
    pub name: String,
    pub unit: String,
    pub quantity_p50: f64,
    pub unit_price_p50: f64,
    /// Our median unit price scaled so that our median total equals the study's low / high figure.
    pub implied_low: f64,
    pub implied_high: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub study: String,
    pub title: String,
    pub scenario: String,
    pub as_of: NaiveDate,
    pub coverage: String,
    pub study_low: f64,
    pub study_high: f64,
    pub ours: Summary,
    /// Our median ÷ the geometric middle of the study's range.
    pub median_ratio: f64,
    /// Do our P5–P95 and the study's range overlap?
    pub overlap: bool,
    pub implied_prices: Vec<ImpliedPrice>,
    /// Category → our median, largest first: what drives our figure.
    pub drivers: Vec<(String, f64)>,
    pub excluded: Vec<String>,
    pub verdict: String,
    pub claims: Vec<String>,
}

/// Compares every study (or those of one scenario) with our estimate for its scenario.
pub fn compare(
    ds: &Dataset,
    scenario: Option<&str>,
    samples: usize,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Comparison>, String> {
    let mut out = Vec::new();
    for study in ds.studies.iter().filter(|s| scenario.is_none_or(|x| x == s.scenario)) {
        let plan = Plan::new(ds, &PlanOptions { scenario: Some(study.scenario.clone()), ..Default::default() })?;
        let run = Run::keeping(plan, samples, seed, progress, crate::Keep::Items)?;
        out.push(compare_one(study, &run));
    }
    Ok(out)
}

fn coverage_text(s: &Study) -> String {
    let mut t = s.coverage.flow.map(|f| f.label().to_string()).unwrap_or_else(|| "all flows".into());
    if !s.coverage.include.is_empty() {
        t += &format!(", only {}", s.coverage.include.iter().map(|c| category_label(c)).collect::<Vec<_>>().join(", "));
    }
    if !s.coverage.exclude.is_empty() {
        t += &format!(
            ", without {}",
            s.coverage.exclude.iter().map(|c| category_label(c)).collect::<Vec<_>>().join(", ")
        );
    }
    t
}

pub fn compare_one(study: &Study, run: &Run) -> Comparison {
    let plan = &run.plan;
    let covered: Vec<_> = plan.items.iter().filter(|i| study.coverage.covers(&i.item)).collect();
    let mut total = vec![0.0; run.samples];
    for it in &covered {
        total.iter_mut().zip(run.values(it.value)).for_each(|(t, v)| *t += v);
    }
    let ours = summarise(&total, &[]);
    let mid = (study.low * study.high).sqrt();
    let median_ratio = ours.p50() / mid;
    let overlap = ours.p5() <= study.high && ours.p95() >= study.low;
    let implied_prices = covered
        .iter()
        .map(|it| {
            let q = quantiles(run.values(it.quantity), &[0.5])[0];
            let p = quantiles(run.values(it.unit_price), &[0.5])[0];
            ImpliedPrice {
                item: it.item.id.clone(),
                name: it.item.name.clone(),
                unit: it.item.unit.to_string(),
                quantity_p50: q,
                unit_price_p50: p,
                implied_low: p * study.low / ours.p50(),
                implied_high: p * study.high / ours.p50(),
            }
        })
        .collect();
    let mut drivers: Vec<(String, f64)> = plan
        .categories
        .iter()
        .filter(|(c, f, _)| {
            study.coverage.flow.is_none_or(|x| x == *f)
                && covered.iter().any(|i| &i.item.category == c && i.item.flow == *f)
        })
        .map(|(c, _, n)| (c.clone(), quantiles(run.values(*n), &[0.5])[0]))
        .collect();
    drivers.sort_by(|a, b| b.1.total_cmp(&a.1));
    let excluded: Vec<String> = plan
        .excluded
        .iter()
        .filter(|(id, _)| plan.items.iter().all(|i| &i.item.id != id))
        .map(|(id, why)| format!("{id}: {why}"))
        .collect();
    let verdict = verdict(study, &ours, median_ratio, &drivers);
    Comparison {
        study: study.id.clone(),
        title: study.title.clone(),
        scenario: plan.scenario.id.clone(),
        as_of: plan.as_of,
        coverage: coverage_text(study),
        study_low: study.low,
        study_high: study.high,
        ours,
        median_ratio,
        overlap,
        implied_prices,
        drivers,
        excluded,
        verdict,
        claims: study.claims.clone(),
    }
}

fn verdict(study: &Study, ours: &Summary, ratio: f64, drivers: &[(String, f64)]) -> String {
    let sum: f64 = drivers.iter().map(|d| d.1).sum();
    let top: Vec<String> = drivers
        .iter()
        .take(2)
        .filter(|_| sum > 0.0)
        .map(|(c, v)| format!("{} ({:.0} % of our median)", category_label(c), 100.0 * v / sum))
        .collect();
    let position = if ours.p95() < study.low {
        "Our whole 90 % interval lies below the study's range".to_string()
    } else if ours.p5() > study.high {
        "Our whole 90 % interval lies above the study's range".to_string()
    } else {
        "Our 90 % interval overlaps the study's range".to_string()
    };
    let mut v = format!("{position}; our median is {ratio:.2}× the middle of the study's range.");
    if !top.is_empty() {
        v += &format!(" Our figure is driven by {}.", top.join(" and "));
    }
    if !(0.67..=1.5).contains(&ratio) {
        v += " The study's unit prices and per-category arithmetic are not published, so the gap cannot be traced to one input; the implied prices below show what the study's total would require of ours.";
    }
    v
}
