//! The estimate through time. `history` re-plans the scenario at every date on which new evidence became public
//! and shows how and why the figure moved; `timeline` re-plans at quarter ends to show cumulative deliveries as
//! they were known. Both re-use the draws of inputs whose estimate did not change ([`LeafCache`]).

use crate::plan::{NodeDef, Plan, PlanOptions};
use crate::run::{LeafCache, Run};
use crate::stats::quantiles;
use chrono::{Datelike, NaiveDate};
use entente_core::{Dataset, VariableKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// P5 / P50 / P95 of a flow.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Band {
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// P5 / P50 / P95 of a column.
pub fn band(x: &[f64]) -> Band {
    let q = quantiles(x, &[0.05, 0.5, 0.95]);
    Band { p5: q[0], p50: q[1], p95: q[2] }
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryStep {
    pub date: NaiveDate,
    /// What changed on this date: "containers: pert(…) (claims a, b)" or "item oil begins".
    pub changes: Vec<String>,
    pub claims: Vec<String>,
    pub deliveries: Band,
    pub compensation: Band,
    /// Change of the deliveries median from the previous step, as a fraction (None for the first step).
    pub median_change: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub scenario: String,
    pub as_of: NaiveDate,
    pub samples: usize,
    pub seed: u64,
    pub steps: Vec<HistoryStep>,
}

/// The dates on which the model's evidence changed, up to `until`.
pub fn evidence_dates(ds: &Dataset, until: NaiveDate) -> Vec<NaiveDate> {
    let mut dates = BTreeSet::new();
    for v in &ds.variables {
        if let VariableKind::Estimates(es) = &v.kind {
            dates.extend(es.iter().filter_map(|e| e.public));
        }
    }
    dates.extend(ds.items.iter().filter_map(|i| i.from));
    dates.into_iter().filter(|d| *d <= until).collect()
}

/// Leaf name → description of the estimate in force (to diff two plans).
fn in_force(plan: &Plan) -> BTreeMap<String, (String, Vec<String>)> {
    plan.nodes
        .iter()
        .filter_map(|n| match &n.def {
            NodeDef::Leaf { estimate, .. } => {
                Some((n.name.clone(), (estimate.dist.to_string(), estimate.claims.clone())))
            }
            _ => None,
        })
        .collect()
}

fn flows(run: &Run) -> (Band, Band) {
    (band(run.values(run.plan.flows[0].1)), band(run.values(run.plan.flows[1].1)))
}

/// The estimate after each new piece of evidence.
pub fn history(
    ds: &Dataset,
    opts: &PlanOptions,
    samples: usize,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<History, String> {
    let last = Plan::new(ds, opts)?;
    let mut cache = LeafCache::new();
    let mut steps: Vec<HistoryStep> = Vec::new();
    let mut prev_force: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    let mut prev_items: BTreeSet<String> = BTreeSet::new();
    for date in evidence_dates(ds, last.as_of) {
        let plan = Plan::new(ds, &PlanOptions { as_of: Some(date), ..opts.clone() })?;
        let force = in_force(&plan);
        let items: BTreeSet<String> = plan.items.iter().map(|i| i.item.id.clone()).collect();
        let mut changes = Vec::new();
        let mut claims = BTreeSet::new();
        for (name, (dist, cl)) in &force {
            if prev_force.get(name).is_none_or(|(d, c)| d != dist || c != cl) {
                let was = prev_force.get(name).map(|(d, _)| format!(" (was {d})")).unwrap_or_default();
                changes.push(format!("{name}: {dist}{was}"));
                claims.extend(cl.iter().cloned());
            }
        }
        for i in items.difference(&prev_items) {
            changes.push(format!("item {i} enters the model"));
        }
        prev_force = force;
        prev_items = items;
        if changes.is_empty() {
            continue; // evidence for something not (yet) used
        }
        let run = Run::with_cache(plan, samples, seed, progress, &mut cache)?;
        let (deliveries, compensation) = flows(&run);
        let median_change =
            steps.last().filter(|p| p.deliveries.p50 > 0.0).map(|p| deliveries.p50 / p.deliveries.p50 - 1.0);
        steps.push(HistoryStep {
            date,
            changes,
            claims: claims.into_iter().collect(),
            deliveries,
            compensation,
            median_change,
        });
    }
    Ok(History { scenario: last.scenario.id.clone(), as_of: last.as_of, samples, seed, steps })
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelinePoint {
    /// Quarter end.
    pub date: NaiveDate,
    pub label: String,
    /// Cumulative value delivered by this date, as known on this date.
    pub deliveries: Band,
    pub compensation: Band,
    /// Growth of the deliveries median over the quarter.
    pub deliveries_median_increase: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub scenario: String,
    pub as_of: NaiveDate,
    pub samples: usize,
    pub seed: u64,
    pub points: Vec<TimelinePoint>,
    /// Cumulative value *shipped* by each year's end (and the as-of date), with all evidence public by the
    /// as-of date: running totals placed at the dates their claims describe.
    pub shipped: Vec<TimelinePoint>,
    /// Deliveries per calendar year, by the year they were shipped, as a share of that year's GDP.
    pub years: Vec<YearShare>,
}

/// One calendar year of deliveries against North Korea's GDP.
#[derive(Debug, Clone, Serialize)]
pub struct YearShare {
    pub year: i32,
    /// Median value shipped by the year's end minus that shipped by the previous year's end.
    pub deliveries_median: f64,
    pub cumulative_median: f64,
    /// GDP of the year (None when the dataset has no figure for it).
    pub gdp_usd: Option<f64>,
    pub share_of_gdp: Option<f64>,
    /// Cumulative deliveries over the GDP of the same year.
    pub cumulative_share_of_gdp: Option<f64>,
}

/// Groups timeline points by calendar year and sets each year against that year's GDP (a figure public by
/// `as_of`).
pub fn years(ds: &Dataset, points: &[TimelinePoint], as_of: NaiveDate) -> Vec<YearShare> {
    let mut out: Vec<YearShare> = Vec::new();
    let mut prev = 0.0;
    for (k, p) in points.iter().enumerate() {
        let last_of_year = points.get(k + 1).is_none_or(|n| n.date.year() != p.date.year());
        if !last_of_year {
            continue;
        }
        let gdp = ds.gdp_for(p.date.year()).filter(|g| g.public <= as_of).map(|g| g.usd);
        let added = p.deliveries.p50 - prev;
        out.push(YearShare {
            year: p.date.year(),
            deliveries_median: added,
            cumulative_median: p.deliveries.p50,
            gdp_usd: gdp,
            share_of_gdp: gdp.map(|g| added / g),
            cumulative_share_of_gdp: gdp.map(|g| p.deliveries.p50 / g),
        });
        prev = p.deliveries.p50;
    }
    out
}

fn quarter_end(d: NaiveDate) -> NaiveDate {
    let q_last_month = ((d.month() - 1) / 3 + 1) * 3;
    let first_next = if q_last_month == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), q_last_month + 1, 1)
    };
    first_next.and_then(|x| x.pred_opt()).expect("valid quarter end")
}

/// The first date on which the model has an item to value, if any.
pub fn first_valued_date(ds: &Dataset, opts: &PlanOptions, until: NaiveDate) -> Option<NaiveDate> {
    evidence_dates(ds, until)
        .into_iter()
        .find(|d| Plan::new(ds, &PlanOptions { as_of: Some(*d), ..opts.clone() }).is_ok_and(|p| !p.items.is_empty()))
}

/// Cumulative deliveries and compensation at each quarter end from the first evidence to the as-of date.
pub fn timeline(
    ds: &Dataset,
    opts: &PlanOptions,
    samples: usize,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Timeline, String> {
    let last = Plan::new(ds, opts)?;
    let mut ends = Vec::new();
    if let Some(first) = first_valued_date(ds, opts, last.as_of) {
        let mut d = quarter_end(first);
        while d < last.as_of {
            ends.push(d);
            d = quarter_end(d.succ_opt().expect("date in range"));
        }
        ends.push(last.as_of);
    }
    timeline_at(ds, opts, &ends, samples, seed, progress)
}

/// Cumulative deliveries and compensation as known on each of `dates` (the scenario re-planned with the
/// evidence public by then; inputs whose estimate did not change keep their draws), and — for the per-year
/// figures — what was shipped by each year's end, with all the evidence public by the as-of date.
pub fn timeline_at(
    ds: &Dataset,
    opts: &PlanOptions,
    dates: &[NaiveDate],
    samples: usize,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Timeline, String> {
    let last = Plan::new(ds, opts)?;
    let mut cache = LeafCache::new();
    let points =
        points_at(ds, dates, samples, seed, progress, &mut cache, |d| PlanOptions { as_of: Some(d), ..opts.clone() })?;
    // year ends from the first point's year, and the as-of date itself
    let mut ends: Vec<NaiveDate> = Vec::new();
    if let (Some(first), Some(end)) = (dates.first(), dates.last()) {
        for y in first.year()..end.year() {
            ends.push(NaiveDate::from_ymd_opt(y, 12, 31).expect("valid year end"));
        }
        ends.push(*end);
    }
    let shipped = points_at(ds, &ends, samples, seed, progress, &mut cache, |d| PlanOptions {
        as_of: Some(last.as_of),
        shipped_by: Some(d),
        ..opts.clone()
    })?;
    let years = years(ds, &shipped, last.as_of);
    Ok(Timeline { scenario: last.scenario.id.clone(), as_of: last.as_of, samples, seed, points, shipped, years })
}

fn points_at(
    ds: &Dataset,
    dates: &[NaiveDate],
    samples: usize,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
    cache: &mut LeafCache,
    options: impl Fn(NaiveDate) -> PlanOptions,
) -> Result<Vec<TimelinePoint>, String> {
    let mut points: Vec<TimelinePoint> = Vec::new();
    for &date in dates {
        let plan = Plan::new(ds, &options(date))?;
        let run = Run::with_cache(plan, samples, seed, progress, cache).map_err(|e| format!("as of {date}: {e}"))?;
        let (deliveries, compensation) = flows(&run);
        let prev = points.last().map_or(0.0, |p| p.deliveries.p50);
        let label = if date == quarter_end(date) {
            format!("{} Q{}", date.year(), (date.month() - 1) / 3 + 1)
        } else {
            date.to_string()
        };
        points.push(TimelinePoint {
            date,
            label,
            deliveries,
            compensation,
            deliveries_median_increase: deliveries.p50 - prev,
        });
    }
    Ok(points)
}

/// `start`, the first of every following month before `end`, then `end` itself; at most `max_points` dates
/// (the step grows by whole months to fit). Empty if `start > end`.
pub fn timeline_dates(start: NaiveDate, end: NaiveDate, max_points: usize) -> Vec<NaiveDate> {
    if start > end {
        return Vec::new();
    }
    let months = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32;
    let step = ((months as usize + 1).div_ceil(max_points.saturating_sub(1).max(1))).max(1);
    let mut out = vec![start];
    let mut m = step;
    while (m as i32) <= months {
        let total = start.year() * 12 + start.month0() as i32 + m as i32;
        let d = NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1).expect("valid month");
        if d > start && d < end {
            out.push(d);
        }
        m += step;
    }
    if end > start {
        out.push(end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_ends() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(quarter_end(d("2024-02-26")), d("2024-03-31"));
        assert_eq!(quarter_end(d("2024-12-01")), d("2024-12-31"));
        assert_eq!(quarter_end(d("2024-07-01")), d("2024-09-30"));
    }
}
