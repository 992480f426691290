//! Triangulation: the model's implied quantities and values beside direct counts that it does not rest on
//! (`checks.toml`), each at the date or over the period the count refers to, and — only when asked — the
//! estimate conditioned on those counts by importance weighting.
//!
//! **Implied figures.** The model's cumulative figure on date *d* is what it says was *shipped* by *d*, with all
//! the evidence public by the as-of date: the plan with `PlanOptions::shipped_by = d` (running totals take their
//! latest estimate describing a date on or before *d*; items count from their start), the definition the
//! timeline's per-period figures use. Over a period [from, to] the implied figure is, in each simulated world,
//! the cumulative figure on *to* minus that on the day before *from*. Runs on different dates share the seed, so
//! world *i* draws from the same random streams on every date (common random numbers): a world high on shells
//! per container is high on every date, which is what lets a count from 2024 speak about today's total.
//!
//! **Agreement.** A count disagrees with the model when its whole range lies outside the model's P5–P95.
//!
//! **Conditioning** (`--condition`). Each world gets the weight Πₖ Lₖ(mₖ), where mₖ is its implied figure for
//! count *k* and Lₖ the likelihood of the count: 1 inside the claim's range (a point is a range of one value,
//! "at least x" is [x, ∞)), falling off outside it as a normal on the log scale with standard deviation σₖ — the
//! check's `sd_log`, or by default 0.1 × (r + c) from the claim's Admiralty grade (reliability A–E → r = 1–5,
//! credibility 1–5 → c = 1–5, F and 6 count 4). Weighted quantiles of every figure, and the effective sample size
//! (Σw)² / Σw², are reported beside the unweighted ones.

use crate::history::{band, Band};
use crate::plan::{Plan, PlanOptions};
use crate::run::{Keep, Run};
use chrono::NaiveDate;
use entente_core::{Check, CheckMeasure, ClaimValue, Dataset, Flow, Grade, RefersTo};
use rayon::prelude::*;
use serde::Serialize;

/// Effective sample sizes below this share of the samples make conditioned figures unreliable (flagged).
pub const MIN_ESS_SHARE: f64 = 0.01;

/// Whether a check could be set beside the model on this scenario's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Compared.
    Compared,
    /// The count became public after the as-of date: an analyst on that date could not have used it.
    NotYetPublic,
    /// The count refers to a date after the as-of date.
    AfterAsOf,
    /// On the count's date (or at the end of its period) a counted item had begun but no evidence describes its
    /// running total by then: the model cannot say what had been delivered.
    NoEvidenceThen,
}

/// Where a direct count stands against the model's implied 90 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Agreement {
    /// The count's range overlaps the model's P5–P95.
    Within,
    /// The whole count lies above the model's P95: the model implies less than was counted.
    CountAbove,
    /// The whole count lies below the model's P5: the model implies more than was counted.
    CountBelow,
}

/// The likelihood a check uses when conditioning.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Likelihood {
    /// The claim's range ([x, ∞) for "at least", [0, x] for "at most").
    pub low: f64,
    pub high: f64,
    /// Standard deviation on the log scale outside the range.
    pub sd_log: f64,
    /// True when `sd_log` is the default from the grade, false when the check states it.
    pub from_grade: bool,
}

impl Likelihood {
    /// The log of the likelihood of a model figure `m`.
    pub fn log_at(&self, m: f64) -> f64 {
        let z = if m >= self.low && m <= self.high {
            return 0.0;
        } else if m <= 0.0 {
            return f64::NEG_INFINITY;
        } else if m < self.low {
            (self.low / m).ln() / self.sd_log
        } else {
            (m / self.high).ln() / self.sd_log
        };
        -0.5 * z * z
    }
}

/// The default spread of a check's likelihood from its claim's grade: 0.1 × (r + c).
pub fn sd_log_for(grade: Option<Grade>) -> f64 {
    let Some(g) = grade else { return 0.8 };
    let r = match g.reliability {
        entente_core::Reliability::F => 4.0,
        r => (r as u8 + 1) as f64,
    };
    let c = match g.credibility.get() {
        6 => 4.0,
        c => c as f64,
    };
    (r + c) / 10.0
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub claim: String,
    pub measure: CheckMeasure,
    /// The claim's value and unit, grade, and the time it refers to.
    pub value: ClaimValue,
    pub unit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    pub refers_to: RefersTo,
    pub public: NaiveDate,
    /// The counted categories and items, or the variable measured.
    pub categories: Vec<String>,
    pub items: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variable: Option<String>,
    /// The model rests on this very claim (an estimate cites it): the check shows how the estimate follows it,
    /// it is no independent evidence, and conditioning leaves it out (it would count the claim twice).
    pub model_rests_on_it: bool,
    pub status: CheckStatus,
    /// The model has no evidence at the start of the count's period, so `implied` is the cumulative figure at its
    /// end: an upper bound of what the model implies for the period (only a count above it can disagree).
    pub upper_bound: bool,
    /// The model's implied figure (P5 / P50 / P95), when compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implied: Option<Band>,
    /// The same, in the worlds weighted by every count (with `--condition`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implied_conditioned: Option<Band>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Agreement>,
    /// The model's median ÷ the count (its middle for a range, its bound for "at least" / "at most").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_ratio: Option<f64>,
    pub likelihood: Likelihood,
    pub note: String,
}

/// A figure of the scenario, unweighted and conditioned on the counts.
#[derive(Debug, Clone, Serialize)]
pub struct ConditionedFigure {
    /// `flow:KP->RU`, `category:KP->RU:artillery-shells`, … as in `assess`.
    pub id: String,
    pub flow: Flow,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub prior: Band,
    pub conditioned: Band,
}

#[derive(Debug, Clone, Serialize)]
pub struct Conditioning {
    /// Checks whose likelihood enters the weights.
    pub checks: Vec<String>,
    /// (Σw)² / Σw²: how many unweighted worlds the weighted sample is worth.
    pub effective_samples: f64,
    /// The effective sample size is below [`MIN_ESS_SHARE`] of the samples: the conditioned figures rest on too
    /// few worlds to be trusted.
    pub degenerate: bool,
    pub figures: Vec<ConditionedFigure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Triangulation {
    pub scenario: String,
    pub as_of: NaiveDate,
    pub samples: usize,
    pub seed: u64,
    pub checks: Vec<CheckResult>,
    /// Counts whose range lies wholly outside the model's 90 % interval.
    pub disagreements: usize,
    /// With `--condition` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditioning: Option<Conditioning>,
}

/// The span of a claim's value, as a likelihood range.
fn claim_range(v: ClaimValue) -> (f64, f64) {
    match v {
        ClaimValue::Point(x) => (x, x),
        ClaimValue::Range { low, high } => (low, high),
        ClaimValue::AtLeast(x) => (x, f64::INFINITY),
        ClaimValue::AtMost(x) => (0.0, x),
    }
}

/// The count's reference value for a ratio: the middle of a range, else its one number.
fn claim_reference(v: ClaimValue) -> f64 {
    match v {
        ClaimValue::Point(x) | ClaimValue::AtLeast(x) | ClaimValue::AtMost(x) => x,
        ClaimValue::Range { low, high } => (low + high) / 2.0,
    }
}

/// The check's figure in each world of a run (the sum of the counted items' quantities or values); `None` when a
/// counted item had begun by the run's date but had no evidence yet (unknown, not zero). Items not yet begun
/// count zero.
fn figure(check: &Check, run: &Run) -> Vec<f64> {
    if let Some(v) = &check.variable {
        return run.values(run.plan.index[v]).to_vec();
    }
    let items: Vec<_> = run.plan.items.iter().filter(|i| check.counts(&i.item)).collect();
    let mut out = vec![0.0; run.samples];
    for it in items {
        let node = match check.measure {
            CheckMeasure::Quantity => it.quantity,
            CheckMeasure::Value => it.value,
        };
        out.iter_mut().zip(run.values(node)).for_each(|(o, v)| *o += v);
    }
    out
}

/// What a plan says of a check's figure: `None` when a counted item had begun but had no evidence (unknown),
/// `Some(false)` when no counted item had begun (zero, no run needed), `Some(true)` when a run must be read.
fn counted(ds: &Dataset, check: &Check, plan: &Plan, date: NaiveDate) -> Option<bool> {
    if let Some(v) = &check.variable {
        return plan.index.contains_key(v).then_some(true);
    }
    let unknown = ds
        .items
        .iter()
        .filter(|i| check.counts(i) && i.active_at(date))
        .any(|i| plan.items.iter().all(|p| p.item.id != i.id));
    if unknown {
        None
    } else {
        Some(plan.items.iter().any(|i| check.counts(&i.item)))
    }
}

/// True when an estimate of the dataset (or a scenario's override) cites the claim.
fn rests_on(ds: &Dataset, claim: &str) -> bool {
    let cites = |e: &entente_core::Estimate| e.claims.iter().any(|c| c == claim);
    ds.variables.iter().any(|v| match &v.kind {
        entente_core::VariableKind::Estimates(es) => es.iter().any(cites),
        entente_core::VariableKind::Expr(_) => false,
    }) || ds.scenarios.iter().any(|s| s.overrides.values().any(cites))
}

/// The dates (cumulative) each compared check needs: `[to]` or `[day before from, to]`.
fn dates_of(refers: RefersTo, as_of: NaiveDate) -> Vec<NaiveDate> {
    match refers {
        RefersTo::AsOf(d) => vec![d],
        RefersTo::Period { from, to } => {
            vec![from.pred_opt().unwrap_or(from), to.unwrap_or(as_of)]
        }
    }
}

/// Sets every check beside the scenario's implied figures; with `condition`, also weights the worlds by the
/// counts' likelihoods.
pub fn triangulate(
    ds: &Dataset,
    opts: &PlanOptions,
    samples: usize,
    seed: u64,
    condition: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Triangulation, String> {
    let main_plan = Plan::new(ds, opts)?;
    let as_of = main_plan.as_of;
    // which checks can be compared, and on which dates the model must be run
    let mut status = Vec::new();
    let mut dates = vec![as_of];
    for check in &ds.checks {
        let claim = ds.claims.get(&check.claim).ok_or_else(|| format!("check `{}`: unknown claim", check.id))?;
        let ds_dates = dates_of(claim.refers_to, as_of);
        let s = if claim.public > as_of {
            CheckStatus::NotYetPublic
        } else if ds_dates.iter().any(|d| *d > as_of) {
            CheckStatus::AfterAsOf
        } else {
            dates.extend(ds_dates);
            CheckStatus::Compared
        };
        status.push(s);
    }
    dates.sort();
    dates.dedup();
    // a plan per date; a run (same seed on every date) only where a figure must be read
    let plans: Vec<(NaiveDate, Plan)> = dates
        .iter()
        .map(|d| {
            let plan = if *d == as_of {
                main_plan.clone()
            } else {
                Plan::new(ds, &PlanOptions { shipped_by: Some(*d), ..opts.clone() })?
            };
            Ok((*d, plan))
        })
        .collect::<Result<_, String>>()?;
    let plan_at = |d: NaiveDate| &plans.iter().find(|(x, _)| *x == d).expect("a plan per date").1;
    // (end known?, start known?) per check, and the dates whose draws are read
    let mut needed: Vec<NaiveDate> = if condition { vec![as_of] } else { Vec::new() };
    let mut states = Vec::new();
    for (check, st) in ds.checks.iter().zip(&status) {
        let claim = &ds.claims[&check.claim];
        let d = dates_of(claim.refers_to, as_of);
        let state = (*st == CheckStatus::Compared).then(|| {
            let last = *d.last().expect("one date at least");
            let end = counted(ds, check, plan_at(last), last);
            let start = (d.len() == 2).then(|| counted(ds, check, plan_at(d[0]), d[0]));
            if end.is_some() {
                needed.extend(end.filter(|x| *x).map(|_| *d.last().expect("one date")));
                needed.extend(start.flatten().filter(|x| *x).map(|_| d[0]));
            }
            (end, start)
        });
        states.push(state);
    }
    needed.sort();
    needed.dedup();
    // what each date's run must keep: items' quantities and values (Items), input variables (Inputs), both or a
    // computed variable (All)
    let keep_for = |d: NaiveDate| {
        let (mut items, mut leaves, mut all) = (d == as_of && condition, false, false);
        for (check, state) in ds.checks.iter().zip(&states) {
            if state.is_none() || !dates_of(ds.claims[&check.claim].refers_to, as_of).contains(&d) {
                continue;
            }
            match &check.variable {
                None => items = true,
                Some(v) => match plan_at(d).index.get(v).map(|n| &plan_at(d).nodes[*n].def) {
                    Some(crate::plan::NodeDef::Leaf { .. }) => leaves = true,
                    _ => all = true,
                },
            }
        }
        match (items, leaves, all) {
            (_, _, true) | (true, true, _) => Keep::All,
            (false, true, false) => Keep::Inputs,
            _ => Keep::Items,
        }
    };
    let keeps: Vec<(NaiveDate, Keep)> = needed.iter().map(|d| (*d, keep_for(*d))).collect();
    let runs: Vec<(NaiveDate, Run)> = plans
        .into_iter()
        .filter(|(d, _)| needed.contains(d))
        .map(|(d, plan)| {
            let keep = keeps.iter().find(|(x, _)| *x == d).map_or(Keep::Items, |(_, k)| *k);
            Ok((d, Run::keeping(plan, samples, seed, progress, keep).map_err(|e| format!("as of {d}: {e}"))?))
        })
        .collect::<Result<_, String>>()?;
    // the figure on a date: read from its run, or zero when no counted item had begun
    let figure_at = |check: &Check, d: NaiveDate, has_items: bool| match runs.iter().find(|(x, _)| *x == d) {
        Some((_, run)) if has_items => figure(check, run),
        _ => vec![0.0; samples],
    };

    let mut results = Vec::new();
    let mut columns: Vec<(Likelihood, Vec<f64>)> = Vec::new();
    for ((check, mut st), state) in ds.checks.iter().zip(status).zip(states) {
        let claim = &ds.claims[&check.claim];
        let grade = ds.claim_grade(&claim.id);
        let (low, high) = claim_range(claim.value);
        let likelihood = match check.sd_log {
            Some(s) => Likelihood { low, high, sd_log: s, from_grade: false },
            None => Likelihood { low, high, sd_log: sd_log_for(grade), from_grade: true },
        };
        let mut implied_draws = None;
        let mut upper_bound = false;
        if let Some((end, start)) = state {
            let d = dates_of(claim.refers_to, as_of);
            let end = end.map(|has| figure_at(check, *d.last().expect("one date at least"), has));
            let start = start.map(|s| s.map(|has| figure_at(check, d[0], has)));
            implied_draws = match (end, start) {
                (None, _) => None,
                (Some(e), None) => Some(e),
                (Some(e), Some(None)) => {
                    upper_bound = true;
                    Some(e)
                }
                (Some(mut e), Some(Some(s))) => {
                    e.iter_mut().zip(s).for_each(|(a, b)| *a -= b);
                    Some(e)
                }
            };
            if implied_draws.is_none() {
                st = CheckStatus::NoEvidenceThen;
            }
        }
        // against a cumulative upper bound, only a count above it says anything
        let likelihood = if upper_bound { Likelihood { high: f64::INFINITY, ..likelihood } } else { likelihood };
        let implied = implied_draws.as_deref().map(band);
        let agreement = implied.map(|b| {
            if low > b.p95 {
                Agreement::CountAbove
            } else if high < b.p5 && !upper_bound {
                Agreement::CountBelow
            } else {
                Agreement::Within
            }
        });
        let reference = claim_reference(claim.value);
        results.push(CheckResult {
            id: check.id.clone(),
            claim: claim.id.clone(),
            measure: check.measure,
            value: claim.value,
            unit: claim.unit.clone(),
            grade: grade.map(|g| g.to_string()),
            refers_to: claim.refers_to,
            public: claim.public,
            categories: check.categories.clone(),
            items: check.items.clone(),
            variable: check.variable.clone(),
            model_rests_on_it: rests_on(ds, &claim.id),
            status: st,
            upper_bound,
            implied,
            implied_conditioned: None,
            agreement,
            median_ratio: implied.filter(|_| reference > 0.0).map(|b| b.p50 / reference),
            likelihood,
            note: check.note.clone(),
        });
        if let Some(x) = implied_draws.filter(|_| !rests_on(ds, &claim.id)) {
            columns.push((likelihood, x));
        }
    }
    let disagreements = results.iter().filter(|r| matches!(r.agreement, Some(a) if a != Agreement::Within)).count();

    let conditioning = condition.then(|| {
        let weights = weights(&columns, samples);
        let main = &runs.iter().find(|(x, _)| *x == as_of).expect("the as-of date is run when conditioning").1;
        let plan = &main.plan;
        let mut figures = Vec::new();
        for (f, n) in &plan.flows {
            figures.push((format!("flow:{f}"), *f, None, *n));
        }
        for (c, f, n) in &plan.categories {
            figures.push((format!("category:{f}:{c}"), *f, Some(c.clone()), *n));
        }
        let figures: Vec<ConditionedFigure> = figures
            .into_par_iter()
            .map(|(id, flow, category, n)| {
                let x = main.values(n);
                ConditionedFigure { id, flow, category, prior: band(x), conditioned: weighted_band(x, &weights) }
            })
            .collect();
        let (sum, sum_sq) = weights.iter().fold((0.0, 0.0), |(a, b), w| (a + w, b + w * w));
        let effective_samples = if sum_sq > 0.0 { sum * sum / sum_sq } else { 0.0 };
        for (r, (_, x)) in results.iter_mut().filter(|r| r.implied.is_some() && !r.model_rests_on_it).zip(&columns) {
            r.implied_conditioned = Some(weighted_band(x, &weights));
        }
        Conditioning {
            checks: results
                .iter()
                .filter(|r| r.implied.is_some() && !r.model_rests_on_it)
                .map(|r| r.id.clone())
                .collect(),
            effective_samples,
            degenerate: effective_samples < MIN_ESS_SHARE * samples as f64,
            figures,
        }
    });
    Ok(Triangulation {
        scenario: main_plan.scenario.id.clone(),
        as_of,
        samples,
        seed,
        checks: results,
        disagreements,
        conditioning,
    })
}

/// Normalised importance weights (they sum to 1): the product of every check's likelihood in each world,
/// computed on the log scale so that many small likelihoods do not underflow. All zero when no world fits.
pub fn weights(columns: &[(Likelihood, Vec<f64>)], samples: usize) -> Vec<f64> {
    let log: Vec<f64> =
        (0..samples).into_par_iter().map(|i| columns.iter().map(|(l, x)| l.log_at(x[i])).sum()).collect();
    let max = log.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return vec![0.0; samples];
    }
    let w: Vec<f64> = log.iter().map(|l| (l - max).exp()).collect();
    let sum: f64 = w.iter().sum();
    w.into_iter().map(|x| x / sum).collect()
}

/// P5 / P50 / P95 of weighted draws: the smallest draw at which the cumulative weight reaches p (ties in order
/// of the sample index, so the result is deterministic). NaN when every weight is zero.
pub fn weighted_band(x: &[f64], w: &[f64]) -> Band {
    let total: f64 = w.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return Band { p5: f64::NAN, p50: f64::NAN, p95: f64::NAN };
    }
    let order = crate::correlate::argsort(x);
    let q = |p: f64| {
        let target = p * total;
        let mut acc = 0.0;
        for &i in &order {
            acc += w[i as usize];
            if acc >= target {
                return x[i as usize];
            }
        }
        x[*order.last().expect("non-empty") as usize]
    };
    Band { p5: q(0.05), p50: q(0.5), p95: q(0.95) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn likelihood_is_flat_inside_and_log_normal_outside() {
        let l = Likelihood { low: 100.0, high: 200.0, sd_log: 0.5, from_grade: false };
        assert_eq!(l.log_at(150.0), 0.0);
        assert_eq!(l.log_at(100.0), 0.0);
        // one sd above the top of the range on the log scale
        let above = 200.0 * 0.5f64.exp();
        assert!((l.log_at(above) + 0.5).abs() < 1e-12);
        let below = 100.0 / 1.0f64.exp();
        assert!((l.log_at(below) + 2.0).abs() < 1e-12);
        assert_eq!(l.log_at(0.0), f64::NEG_INFINITY);
    }

    #[test]
    fn grade_sets_the_default_spread() {
        let g = |s: &str| Some(s.parse::<Grade>().unwrap());
        assert!((sd_log_for(g("A1")) - 0.2).abs() < 1e-12);
        assert!((sd_log_for(g("B2")) - 0.4).abs() < 1e-12);
        assert!((sd_log_for(g("C3")) - 0.6).abs() < 1e-12);
        assert!((sd_log_for(g("F6")) - 0.8).abs() < 1e-12);
        assert!(sd_log_for(g("B2")) < sd_log_for(g("D4")));
    }

    #[test]
    fn weighted_quantiles_match_unweighted_with_equal_weights_and_follow_the_weights() {
        let x: Vec<f64> = (1..=1000).map(|i| i as f64).collect();
        let w = vec![1.0; 1000];
        let b = weighted_band(&x, &w);
        assert_eq!((b.p5, b.p50, b.p95), (50.0, 500.0, 950.0));
        // all the weight on the top half: the weighted median moves to ~750
        let w: Vec<f64> = (1..=1000).map(|i| if i > 500 { 1.0 } else { 0.0 }).collect();
        let b = weighted_band(&x, &w);
        assert_eq!(b.p50, 750.0);
        assert!(b.p5 > 500.0);
    }

    #[test]
    fn weights_favour_worlds_inside_the_range_and_sum_to_one() {
        let l = Likelihood { low: 10.0, high: 20.0, sd_log: 0.1, from_grade: false };
        let x = vec![5.0, 15.0, 40.0, 18.0];
        let w = weights(&[(l, x)], 4);
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(w[1] > 0.49 && w[3] > 0.49, "{w:?}");
        assert!(w[0] < 1e-6 && w[2] < 1e-6, "{w:?}");
    }
}
