//! The model commands: assess, explain, validate, compare, model, sensitivity, history, timeline, triangulate.
//! Each takes a loaded dataset and a typed request and returns the engine's typed result; front ends render it
//! with `entente-report` (`views::<command>`), so the CLI and the server give the same bytes for the same seed.

use crate::memory::{self, Keeps};
use crate::{Error, Progress, Result, RunSpec};
use entente_core::Dataset;
use entente_engine::compare::Comparisons;
use entente_engine::describe::ModelDescription;
use entente_engine::explain::Explanation;
use entente_engine::history::{History, Timeline};
use entente_engine::sensitivity::Sensitivity;
use entente_engine::triangulate::Triangulation;
use entente_engine::{Assessment, Keep, Plan, Run};
use serde::Serialize;

/// `assess`: the headline figures with their uncertainty.
#[derive(Debug, Clone, Default)]
pub struct AssessRequest {
    pub run: RunSpec,
    /// Extra quantiles to report (probabilities strictly between 0 and 1).
    pub quantiles: Vec<f64>,
    /// Also compare with the published studies (same plan options).
    pub compare: bool,
}

/// The result of `assess`.
#[derive(Debug, Clone)]
pub struct Assessed {
    /// The figures, the judgment, every hypothesis option side by side, and the effect of the grade filter.
    pub assessment: Assessment,
    /// The comparison with the studies, when asked for.
    pub comparisons: Option<Comparisons>,
}

/// Runs the model and summarises it: figures, the analytic judgment, each structural hypothesis's options side by
/// side, and (with a grade filter) what the filter changed.
pub fn assess(ds: &Dataset, req: &AssessRequest, progress: &dyn Progress) -> Result<Assessed> {
    let spec = &req.run;
    check_quantiles(&req.quantiles)?;
    let plan = plan(ds, spec)?;
    memory::check(&plan, spec.samples, Keeps::Figures)?;
    // The options in use are read from the main run; each other option is a run of its own, of at most a quarter
    // of the default sample count (medians to about 0.1 %), so that the side-by-side costs a fraction of the
    // headline.
    let per_option = spec.samples.min(entente_engine::DEFAULT_SAMPLES / 4);
    progress.start(entente_engine::sample::chunks(spec.samples), "sampling");
    let mut assessment = if spec.samples > entente_engine::DEFAULT_SAMPLES {
        // Above the default the run is streamed: the very same figures, in memory that does not grow with the
        // sample count (see entente_engine::stream).
        let a = entente_engine::assess_streaming(ds, plan, spec.samples, spec.seed, &req.quantiles, per_option, &|n| {
            progress.inc(n)
        })
        .map_err(Error::engine);
        progress.finish();
        a?
    } else {
        let run =
            Run::keeping(plan, spec.samples, spec.seed, &|n| progress.inc(n), Keep::Figures).map_err(Error::engine);
        progress.finish();
        let run = run?;
        let mut a = entente_engine::assess(ds, &run, &req.quantiles);
        a.judgment = Some(entente_engine::sensitivity::judgment(ds, &run));
        a.hypotheses = entente_engine::hypotheses::side_by_side(ds, &run, per_option).map_err(Error::engine)?;
        a
    };
    if let Some(g) = spec.plan.min_grade {
        assessment.grade_effect = Some(
            entente_engine::grading::grade_effect(ds, &spec.plan, g, spec.samples, spec.seed).map_err(Error::engine)?,
        );
    }
    let comparisons = if req.compare { Some(compare(ds, spec, progress)?) } else { None };
    Ok(Assessed { assessment, comparisons })
}

/// `explain`: how one item's value is composed.
pub fn explain(ds: &Dataset, spec: &RunSpec, item: &str, progress: &dyn Progress) -> Result<Explanation> {
    if ds.item(item).is_none() {
        let known: Vec<&str> = ds.items.iter().map(|i| i.id.as_str()).collect();
        return Err(Error::NotFound(format!("unknown item `{item}` (known: {})", known.join(", "))));
    }
    let run = run(ds, spec, Keep::All, Keeps::AllNodes, progress)?;
    entente_engine::explain::explain(ds, &run, item).ok_or_else(|| {
        let why = run.plan.excluded.iter().find(|(i, _)| *i == item).map(|(_, w)| w.clone()).unwrap_or_default();
        Error::Invalid(format!(
            "item `{item}` is not part of scenario `{}` as of {}: {why}",
            run.plan.scenario.id, run.plan.as_of
        ))
    })
}

/// What a valid dataset holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DatasetCounts {
    pub sources: usize,
    pub claims: usize,
    pub variables: usize,
    pub items: usize,
    pub scenarios: usize,
    pub trade_figures: usize,
    pub meetings: usize,
}

/// `validate`: loads a dataset and counts what it holds; a dataset with errors is an [`Error::Dataset`] listing
/// every error with file and line.
pub fn validate(data: &crate::DataSource) -> Result<DatasetCounts> {
    let ds = data.load()?;
    Ok(DatasetCounts {
        sources: ds.sources.len(),
        claims: ds.claims.len(),
        variables: ds.variables.len(),
        items: ds.items.len(),
        scenarios: ds.scenarios.len(),
        trade_figures: ds.trade.len(),
        meetings: ds.meetings.len(),
    })
}

/// `compare`: every study (or those of the request's scenario) beside our estimate of its scenario, with the
/// request's as-of date, grade filter and hypothesis options; studies not yet public on the as-of date are left
/// out and listed.
pub fn compare(ds: &Dataset, spec: &RunSpec, progress: &dyn Progress) -> Result<Comparisons> {
    let plan = plan(ds, spec)?;
    memory::check(&plan, spec.samples, Keeps::AllNodes)?;
    let runs = entente_engine::compare::runs_needed(ds, &spec.plan);
    progress.start(runs * entente_engine::sample::chunks(spec.samples), "sampling");
    let r = entente_engine::compare::compare(ds, &spec.plan, spec.samples, spec.seed, None, &|n| progress.inc(n))
        .map_err(Error::engine);
    progress.finish();
    r
}

/// `model`: the compiled model of a scenario, every node's distribution or expression. Draws no samples.
pub fn describe(ds: &Dataset, plan_options: &entente_engine::PlanOptions) -> Result<ModelDescription> {
    let plan = Plan::new(ds, plan_options).map_err(Error::Invalid)?;
    Ok(entente_engine::describe::describe(ds, &plan))
}

/// `sensitivity`: which inputs drive the spread of one figure (`total`/`deliveries`, `compensation`, an item id
/// or a category id).
pub fn sensitivity(ds: &Dataset, spec: &RunSpec, figure: &str, progress: &dyn Progress) -> Result<Sensitivity> {
    let plan = plan(ds, spec)?;
    let node = figure_node(&plan, figure)?;
    let run = run_plan(plan, spec, Keep::Inputs, Keeps::AllNodes, progress)?;
    Ok(entente_engine::sensitivity::sensitivity(&run, node))
}

/// `history`: the estimate after each new piece of evidence, and why it moved.
pub fn history(ds: &Dataset, spec: &RunSpec, progress: &dyn Progress) -> Result<History> {
    let plan = plan(ds, spec)?;
    memory::check(&plan, spec.samples, Keeps::AllNodes)?;
    let steps = entente_engine::history::evidence_dates(ds, plan.as_of).len();
    progress.start(steps * entente_engine::sample::chunks(spec.samples), "replaying evidence");
    let h = entente_engine::history::history(ds, &spec.plan, spec.samples, spec.seed, &|n| progress.inc(n));
    progress.finish();
    h.map_err(Error::engine)
}

/// `timeline`: cumulative deliveries and compensation at each quarter end, as known then.
pub fn timeline(ds: &Dataset, spec: &RunSpec, progress: &dyn Progress) -> Result<Timeline> {
    let plan = plan(ds, spec)?;
    memory::check(&plan, spec.samples, Keeps::AllNodes)?;
    progress.start(0, "replaying quarters");
    let tl = entente_engine::history::timeline(ds, &spec.plan, spec.samples, spec.seed, &|n| progress.inc(n));
    progress.finish();
    tl.map_err(Error::engine)
}

/// `triangulate`: direct counts beside what the model implies at their dates; with `condition`, the estimate
/// also conditioned on them by importance weighting.
pub fn triangulate(ds: &Dataset, spec: &RunSpec, condition: bool, progress: &dyn Progress) -> Result<Triangulation> {
    if ds.checks.is_empty() {
        return Err(Error::Invalid(
            "the dataset has no direct counts to triangulate against (checks.toml is missing or empty)".into(),
        ));
    }
    let plan = plan(ds, spec)?;
    memory::check(&plan, spec.samples, Keeps::AllNodes)?;
    progress.start(0, "running the model at each count's date");
    let t = entente_engine::triangulate::triangulate(ds, &spec.plan, spec.samples, spec.seed, condition, &|n| {
        progress.inc(n)
    });
    progress.finish();
    t.map_err(Error::engine)
}

/// Plans a request after checking its sample count. A plan that cannot be made is the request's fault (an
/// unknown scenario or hypothesis option, an as-of date before any evidence): the dataset was validated on load.
pub(crate) fn plan(ds: &Dataset, spec: &RunSpec) -> Result<Plan> {
    spec.check()?;
    Plan::new(ds, &spec.plan).map_err(Error::Invalid)
}

/// Plans and runs a request, keeping `keep`, after checking that the run fits in memory.
pub(crate) fn run(ds: &Dataset, spec: &RunSpec, keep: Keep, keeps: Keeps, progress: &dyn Progress) -> Result<Run> {
    run_plan(plan(ds, spec)?, spec, keep, keeps, progress)
}

fn run_plan(plan: Plan, spec: &RunSpec, keep: Keep, keeps: Keeps, progress: &dyn Progress) -> Result<Run> {
    memory::check(&plan, spec.samples, keeps)?;
    progress.start(entente_engine::sample::chunks(spec.samples), "sampling");
    let r = Run::keeping(plan, spec.samples, spec.seed, &|n| progress.inc(n), keep).map_err(Error::engine);
    progress.finish();
    r
}

fn check_quantiles(qs: &[f64]) -> Result<()> {
    match qs.iter().find(|p| !(**p > 0.0 && **p < 1.0)) {
        Some(p) => Err(Error::Invalid(format!("quantile {p} is not a probability strictly between 0 and 1"))),
        None => Ok(()),
    }
}

/// Resolves a figure name to a node of the plan: `total` (or `deliveries`), `compensation`, an item or a
/// category id.
pub fn figure_node(plan: &Plan, figure: &str) -> Result<usize> {
    let found = match figure {
        "total" | "deliveries" => Some(plan.flows[0].1),
        "compensation" => Some(plan.flows[1].1),
        f => plan
            .items
            .iter()
            .find(|i| i.item.id == f)
            .map(|i| i.value)
            .or_else(|| plan.categories.iter().find(|(c, _, _)| c == f).map(|(_, _, n)| *n)),
    };
    found.ok_or_else(|| {
        let mut known: Vec<String> = vec!["total".into(), "compensation".into()];
        known.extend(plan.categories.iter().map(|(c, _, _)| c.clone()));
        known.extend(plan.items.iter().map(|i| i.item.id.clone()));
        Error::NotFound(format!("unknown figure `{figure}` (known: {})", known.join(", ")))
    })
}
