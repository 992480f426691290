//! Structural hypotheses side by side: the estimate under each option of each modelling choice (the price
//! basis, the scope of a count), every other choice at the run's own option, and — only where the analyst stated
//! weights — the combined figure, a mixture that takes each simulated world from one option with its weight.

use crate::assess::ratio_of as ratio;
use crate::history::{band, Band};
use crate::plan::{Plan, PlanOptions};
use crate::run::{Keep, LeafCache, Run};
use crate::sample::{rng, stream_id};
use entente_core::{Dataset, Flow};
use rand::Rng;
use serde::Serialize;

/// The estimate under one option.
#[derive(Debug, Clone, Serialize)]
pub struct OptionResult {
    pub option: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Is this the option the main figures use?
    pub in_use: bool,
    /// Why the option cannot be evaluated at this as-of date (its evidence was not public yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliveries: Option<Band>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compensation: Option<Band>,
    /// Deliveries ÷ compensation per world.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<Band>,
    /// (category, flow, median) for every category of the run.
    pub categories: Vec<(String, Flow, f64)>,
    /// Monte Carlo samples behind these figures (the main run's for the option in use).
    pub samples: usize,
    pub claims: Vec<String>,
}

/// The weighted mixture of a hypothesis's options.
#[derive(Debug, Clone, Serialize)]
pub struct Combined {
    pub deliveries: Band,
    pub compensation: Band,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<Band>,
    /// The graded assumption that states the weights.
    pub claims: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HypothesisResult {
    pub hypothesis: String,
    pub title: String,
    pub options: Vec<OptionResult>,
    /// Present only when the analyst stated weights and every option could be evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub combined: Option<Combined>,
    /// Monte Carlo samples of each option not in use, and of the combined figure.
    pub samples: usize,
    pub note: String,
}

/// What the options in use are read from: the main run's flows, ratio and category medians, and its first
/// worlds (for the weighted mixture).
#[derive(Debug, Clone)]
pub struct InUse<'a> {
    pub plan: &'a Plan,
    pub seed: u64,
    pub samples: usize,
    pub deliveries: Band,
    pub compensation: Band,
    pub ratio: Option<Band>,
    /// (category, flow, median) for every category of the run.
    pub categories: Vec<(String, Flow, f64)>,
    /// The first worlds of the two flows: at least as many as each option not in use is run with.
    pub flows: (Vec<f64>, Vec<f64>),
}

impl<'a> InUse<'a> {
    /// The figures of a run keeping at least its flows and categories, with its first `prefix` worlds.
    pub fn of_run(run: &'a Run, prefix: usize) -> Self {
        let mut r = OptionResult {
            option: String::new(),
            title: String::new(),
            weight: None,
            in_use: true,
            unavailable: None,
            deliveries: None,
            compensation: None,
            ratio: None,
            categories: Vec::new(),
            samples: run.samples,
            claims: Vec::new(),
        };
        let (kp, ru) = fill(&mut r, run);
        let prefix = prefix.min(run.samples);
        InUse {
            plan: &run.plan,
            seed: run.seed,
            samples: run.samples,
            deliveries: r.deliveries.expect("filled"),
            compensation: r.compensation.expect("filled"),
            ratio: r.ratio,
            categories: r.categories,
            flows: (kp[..prefix].to_vec(), ru[..prefix].to_vec()),
        }
    }
}

/// The figures of one run: flows, ratio and category medians.
fn fill(r: &mut OptionResult, run: &Run) -> (Vec<f64>, Vec<f64>) {
    let p = &run.plan;
    let (kp, ru) = (run.values(p.flows[0].1).to_vec(), run.values(p.flows[1].1).to_vec());
    r.deliveries = Some(band(&kp));
    r.compensation = Some(band(&ru));
    r.ratio = ratio(&kp, &ru).map(|x| band(&x));
    r.categories = p.categories.iter().map(|(c, f, n)| (c.clone(), *f, band(run.values(*n)).p50)).collect();
    (kp, ru)
}

/// Every hypothesis of the dataset under each of its options, every other hypothesis at the run's option. The
/// options `main` uses are read from `main` itself (a run keeping at least its flows and categories), so they
/// match the headline exactly; each other option is a run of `samples` draws with the same seed (inputs it does
/// not change keep their draws, so the differences are the option's alone). The weighted mixture takes its
/// worlds from the first `samples` worlds of every option.
pub fn side_by_side(ds: &Dataset, main: &Run, samples: usize) -> Result<Vec<HypothesisResult>, String> {
    side_by_side_of(ds, &InUse::of_run(main, samples), samples)
}

/// [`side_by_side`] with the options in use read from `main` (see [`InUse`]).
pub fn side_by_side_of(ds: &Dataset, main: &InUse, samples: usize) -> Result<Vec<HypothesisResult>, String> {
    let opts = PlanOptions {
        scenario: Some(main.plan.scenario.id.clone()),
        as_of: Some(main.plan.as_of),
        min_grade: main.plan.min_grade,
        hypotheses: main.plan.basis.iter().map(|b| (b.hypothesis.clone(), b.option.clone())).collect(),
        shipped_by: None,
    };
    let (seed, samples) = (main.seed, samples.min(main.samples));
    let mut cache = LeafCache::new();
    let mut out = Vec::new();
    for h in &ds.hypotheses {
        let in_use = opts.hypotheses.get(&h.id).unwrap_or(&h.base);
        let mut options = Vec::new();
        let mut flows: Vec<Option<(Vec<f64>, Vec<f64>)>> = Vec::new();
        for o in &h.options {
            let mut r = OptionResult {
                option: o.id.clone(),
                title: o.title.clone(),
                weight: o.weight,
                in_use: &o.id == in_use,
                unavailable: None,
                deliveries: None,
                compensation: None,
                ratio: None,
                categories: Vec::new(),
                samples: if &o.id == in_use { main.samples } else { samples },
                claims: o.claims.clone(),
            };
            if r.in_use {
                r.deliveries = Some(main.deliveries);
                r.compensation = Some(main.compensation);
                r.ratio = main.ratio;
                r.categories = main.categories.clone();
                flows.push(Some((main.flows.0[..samples].to_vec(), main.flows.1[..samples].to_vec())));
                options.push(r);
                continue;
            }
            let mut pinned = opts.clone();
            pinned.hypotheses.insert(h.id.clone(), o.id.clone());
            match Plan::new(ds, &pinned) {
                Err(why) => {
                    r.unavailable = Some(why);
                    flows.push(None);
                }
                Ok(plan) => {
                    let run = Run::with_cache_keeping(plan, samples, seed, &|_| {}, &mut cache, Keep::Figures)?;
                    flows.push(Some(fill(&mut r, &run)));
                }
            }
            options.push(r);
        }
        let combined = if h.weighted() && flows.iter().all(Option::is_some) {
            // one uniform per world picks the option: a mixture with the stated weights
            let cum: Vec<f64> = h
                .options
                .iter()
                .scan(0.0, |acc, o| {
                    *acc += o.weight.unwrap_or(0.0);
                    Some(*acc)
                })
                .collect();
            let mut g = rng(seed, stream_id(&format!("hypothesis:{}", h.id)), 0);
            let (mut kp, mut ru) = (Vec::with_capacity(samples), Vec::with_capacity(samples));
            for i in 0..samples {
                let u: f64 = g.gen();
                let k = cum.iter().position(|c| u < *c).unwrap_or(cum.len() - 1);
                let (a, b) = flows[k].as_ref().expect("all options evaluated");
                kp.push(a[i]);
                ru.push(b[i]);
            }
            Some(Combined {
                deliveries: band(&kp),
                compensation: band(&ru),
                ratio: ratio(&kp, &ru).map(|x| band(&x)),
                claims: h.weight_claims.clone(),
            })
        } else {
            None
        };
        out.push(HypothesisResult {
            hypothesis: h.id.clone(),
            title: h.title.clone(),
            options,
            combined,
            samples,
            note: h.note.clone(),
        });
    }
    Ok(out)
}
