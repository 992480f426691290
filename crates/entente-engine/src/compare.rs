//! Our estimate beside the published studies: for each study figure, the same coverage (flow and categories)
//! summed in each simulated world, the difference, and the average unit price that would make our quantities
//! reproduce the study's total; and, where the study publishes its own quantities by category, our quantity,
//! unit price and value of each category beside the study's, with the inputs that drive any gap.
//!
//! The engine returns numbers and enums; the words are made in `entente-report`'s views.

use crate::history::{band, Band};
use crate::plan::{Plan, PlanOptions};
use crate::run::Run;
use crate::sensitivity::{leaf_bands, swings};
use crate::stats::{quantiles, summarise, Summary};
use chrono::NaiveDate;
use entente_core::{category_label, Dataset, Study, StudyCategory};
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

/// Where one range stands against another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// Our whole 90 % interval lies below the study's range.
    Below,
    /// Our 90 % interval and the study's range overlap.
    Overlaps,
    /// Our whole 90 % interval lies above the study's range.
    Above,
}

impl Position {
    /// Our P5–P95 against the range [low, high].
    pub fn of(ours: &Band, low: f64, high: f64) -> Self {
        if ours.p95 < low {
            Position::Below
        } else if ours.p5 > high {
            Position::Above
        } else {
            Position::Overlaps
        }
    }
}

/// One input that drives our quantity of a category: the category's quantity with the input at its own P5 and
/// P95, every other input at its median.
#[derive(Debug, Clone, Serialize)]
pub struct Driver {
    pub variable: String,
    pub input_p5: f64,
    pub input_p95: f64,
    pub quantity_at_p5: f64,
    pub quantity_at_p95: f64,
    /// Moving this input alone within its own 90 % interval brings our quantity into the study's range.
    pub reaches_study: bool,
    /// The input rests only on analyst assumptions (graded F6), not on reported evidence.
    pub assumption: bool,
    /// The claims its estimate rests on.
    pub claims: Vec<String>,
}

/// Why our quantity of a category differs from the study's (or does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryFinding {
    /// No item of ours in this category is in the model on this date (see `excluded`).
    NotInModel,
    /// Our items count something else (a compound unit such as person-months): quantities are not comparable.
    UnitsDiffer,
    /// Our 90 % interval of the quantity overlaps the study's range: a value gap, if any, is in the price.
    QuantityAgrees,
    /// Our quantity is above or below the study's: `drivers` are the inputs that set it.
    QuantityDiffers(Position),
}

/// One category: our quantity, unit price and value beside the study's.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryComparison {
    pub category: String,
    /// The study's quantity range and unit.
    pub study_low: f64,
    pub study_high: f64,
    pub study_unit: String,
    /// The study's value for the category, when published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub study_value: Option<(f64, f64)>,
    /// The study's unit price (its value ÷ its quantity, low to high), when it publishes a value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub study_unit_price: Option<(f64, f64)>,
    /// The units our items of the category count in.
    pub our_units: Vec<String>,
    /// Our items in the category on this date.
    pub items: Vec<String>,
    /// Our quantity (the sum of the items' quantities), when comparable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Band>,
    /// Our average unit price (value ÷ quantity in each world), when comparable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Band>,
    /// Our value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Band>,
    /// Our median quantity ÷ the middle of the study's range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity_ratio: Option<f64>,
    /// The study's quantities at our median unit price (low, high): what the study's counts are worth at our
    /// prices, to tell a gap in quantity from a gap in price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub study_quantity_at_our_price: Option<(f64, f64)>,
    pub finding: CategoryFinding,
    /// Inputs that set our quantity, widest effect first (at most three).
    pub drivers: Vec<Driver>,
    /// Items of the category left out on this date, with the reason.
    pub excluded: Vec<(String, String)>,
    pub claims: Vec<String>,
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
    pub position: Position,
    pub implied_prices: Vec<ImpliedPrice>,
    /// Category → our median, largest first: what drives our figure.
    pub drivers: Vec<(String, f64)>,
    pub excluded: Vec<String>,
    /// The study's own quantities by category beside ours (empty when it publishes none).
    pub categories: Vec<CategoryComparison>,
    pub claims: Vec<String>,
}

/// When a study became public: the latest public date of its claims (`None` for a study citing no claim).
pub fn study_public(ds: &Dataset, study: &Study) -> Option<NaiveDate> {
    study.claims.iter().filter_map(|c| ds.claims.get(c)).map(|c| c.public).max()
}

/// The date a study became public, when that is after the request's as-of date (the study is then not compared).
fn published_after_as_of(ds: &Dataset, opts: &PlanOptions, study: &Study) -> Option<NaiveDate> {
    study_public(ds, study).filter(|public| opts.as_of.is_some_and(|as_of| *public > as_of))
}

/// The comparisons of a request, and the studies it left out because they were not public by its as-of date.
#[derive(Debug, Clone, Serialize)]
pub struct Comparisons {
    pub comparisons: Vec<Comparison>,
    /// Studies (id, the date they became public) published after the as-of date: a run as of a date uses only
    /// what was public then, so they are not compared.
    pub not_public: Vec<(String, NaiveDate)>,
}

/// Compares every study (or those of `opts.scenario`) with our estimate for its scenario, honouring the rest of
/// `opts`: each study's scenario is planned with the same as-of date, grade filter and hypothesis options, and a
/// study not public by the as-of date is left out (listed in [`Comparisons::not_public`]). `reuse` is a run the
/// caller already has: a study of that run's scenario is compared with it instead of a new run, when the run was
/// made with these options and keeps the items.
pub fn compare(
    ds: &Dataset,
    opts: &PlanOptions,
    samples: usize,
    seed: u64,
    reuse: Option<&Run>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Comparisons, String> {
    let mut out = Comparisons { comparisons: Vec::new(), not_public: Vec::new() };
    let mut runs: Vec<Run> = Vec::new();
    for study in ds.studies.iter().filter(|s| opts.scenario.as_deref().is_none_or(|x| x == s.scenario)) {
        if let Some(public) = published_after_as_of(ds, opts, study) {
            out.not_public.push((study.id.clone(), public));
            continue;
        }
        if let Some(r) = reuse.filter(|r| r.plan.scenario.id == study.scenario) {
            out.comparisons.push(compare_with(ds, study, r));
            continue;
        }
        // studies of one scenario share its run
        let k = match runs.iter().position(|r| r.plan.scenario.id == study.scenario) {
            Some(k) => k,
            None => {
                let plan = Plan::new(ds, &PlanOptions { scenario: Some(study.scenario.clone()), ..opts.clone() })?;
                runs.push(Run::keeping(plan, samples, seed, progress, crate::Keep::Items)?);
                runs.len() - 1
            }
        };
        out.comparisons.push(compare_with(ds, study, &runs[k]));
    }
    Ok(out)
}

/// The number of runs [`compare`] makes (for a progress bar): one per scenario of the studies it compares (those
/// public by the as-of date).
pub fn runs_needed(ds: &Dataset, opts: &PlanOptions) -> usize {
    let mut scenarios: Vec<&str> = ds
        .studies
        .iter()
        .filter(|s| opts.scenario.as_deref().is_none_or(|x| x == s.scenario))
        .filter(|s| published_after_as_of(ds, opts, s).is_none())
        .map(|s| s.scenario.as_str())
        .collect();
    scenarios.sort_unstable();
    scenarios.dedup();
    scenarios.len()
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

/// As [`compare_with`], without the dataset: the study's per-category comparison then cannot name which inputs
/// rest only on analyst assumptions (they are all reported as evidence-based).
pub fn compare_one(study: &Study, run: &Run) -> Comparison {
    compare_with(&Dataset::default(), study, run)
}

/// One study against a run of its scenario (keeping at least `Keep::Items`).
pub fn compare_with(ds: &Dataset, study: &Study, run: &Run) -> Comparison {
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
    let position = Position::of(&Band { p5: ours.p5(), p50: ours.p50(), p95: ours.p95() }, study.low, study.high);
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
    let bands = if study.categories.is_empty() { Vec::new() } else { leaf_bands(plan, run.seed) };
    let categories = study.categories.iter().map(|c| compare_category(ds, study, c, run, &bands)).collect();
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
        position,
        implied_prices,
        drivers,
        excluded,
        categories,
        claims: study.claims.clone(),
    }
}

/// A unit that counts things: no product or quotient (person-months are not a count of persons).
fn is_count(unit: &str) -> bool {
    !unit.contains(['*', '/'])
}

fn compare_category(
    ds: &Dataset,
    study: &Study,
    sc: &StudyCategory,
    run: &Run,
    bands: &[Option<[f64; 3]>],
) -> CategoryComparison {
    let plan = &run.plan;
    let in_category = |flow: entente_core::Flow, category: &str| {
        category == sc.category && study.coverage.flow.is_none_or(|f| f == flow)
    };
    let items: Vec<_> = plan.items.iter().filter(|i| in_category(i.item.flow, &i.item.category)).collect();
    let excluded: Vec<(String, String)> = plan
        .excluded
        .iter()
        .filter(|(id, _)| {
            ds.item(id).is_some_and(|i| in_category(i.flow, &i.category)) && plan.items.iter().all(|i| &i.item.id != id)
        })
        .cloned()
        .collect();
    let mut our_units: Vec<String> = items.iter().map(|i| i.item.unit.to_string()).collect();
    our_units.sort();
    our_units.dedup();
    let study_value = sc.value_low.zip(sc.value_high);
    let study_unit_price = study_value.filter(|_| sc.low > 0.0).map(|(vl, vh)| (vl / sc.high, vh / sc.low));
    let mut c = CategoryComparison {
        category: sc.category.clone(),
        study_low: sc.low,
        study_high: sc.high,
        study_unit: sc.unit.clone(),
        study_value,
        study_unit_price,
        our_units: our_units.clone(),
        items: items.iter().map(|i| i.item.id.clone()).collect(),
        quantity: None,
        unit_price: None,
        value: None,
        quantity_ratio: None,
        study_quantity_at_our_price: None,
        finding: CategoryFinding::NotInModel,
        drivers: Vec::new(),
        excluded,
        claims: sc.claims.clone(),
    };
    if items.is_empty() {
        return c;
    }
    let mut value = vec![0.0; run.samples];
    for it in &items {
        value.iter_mut().zip(run.values(it.value)).for_each(|(t, v)| *t += v);
    }
    c.value = Some(band(&value));
    if !our_units.iter().all(|u| is_count(u)) {
        c.finding = CategoryFinding::UnitsDiffer;
        return c;
    }
    let mut quantity = vec![0.0; run.samples];
    for it in &items {
        quantity.iter_mut().zip(run.values(it.quantity)).for_each(|(t, v)| *t += v);
    }
    let q = band(&quantity);
    let prices: Vec<f64> = value.iter().zip(&quantity).filter(|(_, q)| **q > 0.0).map(|(v, q)| v / q).collect();
    let price = (!prices.is_empty()).then(|| band(&prices));
    let mid = if sc.low > 0.0 { (sc.low * sc.high).sqrt() } else { sc.high / 2.0 };
    c.quantity_ratio = (mid > 0.0).then(|| q.p50 / mid);
    c.study_quantity_at_our_price = price.map(|p| (sc.low * p.p50, sc.high * p.p50));
    c.unit_price = price;
    c.quantity = Some(q);
    let position = Position::of(&q, sc.low, sc.high);
    if position == Position::Overlaps {
        c.finding = CategoryFinding::QuantityAgrees;
        return c;
    }
    c.finding = CategoryFinding::QuantityDiffers(position);
    let targets: Vec<usize> = items.iter().map(|i| i.quantity).collect();
    let (_, sw) = swings(plan, bands, &targets);
    c.drivers = sw
        .into_iter()
        .take(3)
        .map(|s| {
            let claims = plan.claims_of(s.node);
            let assumption = !claims.is_empty() && claims.iter().all(|x| ds.claim_is_assumption(x));
            let (lo, hi) = (s.at_p5.min(s.at_p95), s.at_p5.max(s.at_p95));
            Driver {
                variable: s.variable,
                input_p5: s.input_p5,
                input_p95: s.input_p95,
                quantity_at_p5: s.at_p5,
                quantity_at_p95: s.at_p95,
                reaches_study: lo <= sc.high && hi >= sc.low,
                assumption,
                claims,
            }
        })
        .collect();
    c
}
