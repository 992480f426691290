//! `report`: everything the publication-grade report shows, computed — the main run, the scenario re-run at a
//! series of as-of dates, the studies' scenarios, the sensitivity of the total, the indicators, the direct counts
//! and (with lists) the sanctions gaps. `entente-report`'s `html` module lays it out; nothing here writes prose.

use crate::gaps::GapsRequest;
use crate::memory::{self, Keeps};
use crate::{DataSource, Error, Progress, Result, RunSpec};
use entente_core::Dataset;
use entente_engine::compare::Comparison;
use entente_engine::history::Timeline;
use entente_engine::sensitivity::Sensitivity;
use entente_engine::triangulate::Triangulation;
use entente_engine::{Assessment, Keep, Run};
use entente_indicators::meetings::{self, MeetingsReport};
use entente_indicators::trade::{self, TradeReport};
use std::path::PathBuf;

/// Most dates on the time series; each is a run of [`timeline_samples`] worlds.
pub const TIMELINE_POINTS: usize = 36;

/// Samples per date of the time series: a hundredth of the main run, at least 2,000.
pub fn timeline_samples(samples: usize) -> usize {
    (samples / 100).clamp(2_000, 20_000).min(samples)
}

/// Samples per study scenario and per hypothesis option: a tenth of the main run, at least 10,000.
pub fn comparison_samples(samples: usize) -> usize {
    (samples / 10).clamp(10_000, 200_000).min(samples)
}

/// Samples of the run behind the sensitivity analysis: a fifth of the main run, at least 10,000.
pub fn sensitivity_samples(samples: usize) -> usize {
    (samples / 5).clamp(10_000, 200_000).min(samples)
}

/// What the report is of.
#[derive(Debug, Clone, Default)]
pub struct ReportRequest {
    pub run: RunSpec,
    /// Sanctions lists (files or folders): add the sanctions-gaps section.
    pub lists: Vec<PathBuf>,
}

/// Everything the report shows, as numbers.
#[derive(Debug)]
pub struct ReportParts {
    pub assessment: Assessment,
    /// The main run (its draws of the total feed the histogram).
    pub run: Run,
    pub comparisons: Vec<Comparison>,
    pub comparison_samples: usize,
    /// The total re-assessed at up to [`TIMELINE_POINTS`] as-of dates (`None`: no earlier date had a value).
    pub timeline: Option<Timeline>,
    pub timeline_samples: usize,
    /// The sensitivity of the deliveries total, from a run of `sensitivity_samples` of the same plan and seed.
    pub sensitivity: Sensitivity,
    pub sensitivity_samples: usize,
    /// Official trade (total turnover) public by the as-of date.
    pub trade: TradeReport,
    /// Meetings public by the as-of date (`None`: none in the dataset, or no report could be made).
    pub meetings: Option<MeetingsReport>,
    pub triangulation: Option<Triangulation>,
    pub gaps: Option<entente_gaps::Gaps>,
    pub seed: u64,
}

pub fn report(ds: &Dataset, data: &DataSource, req: &ReportRequest, progress: &dyn Progress) -> Result<ReportParts> {
    let spec = &req.run;
    let opts = &spec.plan;
    let (samples, seed) = (spec.samples, spec.seed);
    let plan = crate::model::plan(ds, spec)?;
    memory::check(&plan, samples, Keeps::Report)?;
    // The main run serves the figures, and a comparison when a study is of this very scenario (it then needs the
    // items' quantities and prices); the sensitivity analysis draws its own.
    let keep = if ds.studies.iter().any(|s| s.scenario == plan.scenario.id) { Keep::Items } else { Keep::Figures };
    progress.start(entente_engine::sample::chunks(samples), "sampling");
    let run = Run::keeping(plan, samples, seed, &|n| progress.inc(n), keep).map_err(Error::engine);
    progress.finish();
    let run = run?;
    let mut assessment = entente_engine::assess(ds, &run, &[]);
    let cmp_samples = comparison_samples(samples);
    assessment.hypotheses = entente_engine::hypotheses::side_by_side(ds, &run, cmp_samples).map_err(Error::engine)?;
    assessment.judgment = Some(entente_engine::sensitivity::judgment(ds, &run));

    // the scenario re-run with the evidence public on each date (monthly), same seed, fewer samples: the
    // engine's `timeline_at`, so the report and `entente timeline` share one definition
    let tl_samples = timeline_samples(samples);
    let end = run.plan.as_of;
    let timeline = match entente_engine::history::first_valued_date(ds, opts, end).filter(|s| *s < end) {
        Some(start) => {
            let dates = entente_engine::history::timeline_dates(start, end, TIMELINE_POINTS);
            Some(
                entente_engine::history::timeline_at(ds, opts, &dates, tl_samples, seed, &|_| {})
                    .map_err(|e| Error::Engine(format!("time series {e}")))?,
            )
        }
        None => None,
    };
    // each study against its own scenario, with the request's options; the main run serves its own scenario
    let comparisons = entente_engine::compare::compare(ds, opts, cmp_samples, seed, Some(&run), &|_| {})
        .map_err(Error::engine)?
        .comparisons;
    let sens_samples = sensitivity_samples(samples);
    let sens_run = Run::keeping(run.plan.clone(), sens_samples, seed, &|_| {}, Keep::Inputs).map_err(Error::engine)?;
    let sensitivity = entente_engine::sensitivity::sensitivity(&sens_run, sens_run.plan.total);
    drop(sens_run);
    let as_of = assessment.as_of;
    let trade = trade::report(
        &ds.trade,
        &trade::TradeOptions { as_of: Some(as_of), pre_years: trade::DEFAULT_PRE_YEARS.to_vec(), ..Default::default() },
    );
    let meetings = if ds.meetings.is_empty() {
        None
    } else {
        meetings::report(&ds.meetings, &meetings::MeetingOptions { as_of: Some(as_of), ..Default::default() }).ok()
    };
    // direct counts beside the model, at the comparisons' sample count (one run per date a count refers to)
    let triangulation = if ds.checks.is_empty() {
        None
    } else {
        Some(
            entente_engine::triangulate::triangulate(ds, opts, cmp_samples, seed, false, &|_| {})
                .map_err(Error::engine)?,
        )
    };
    let gaps = if req.lists.is_empty() {
        None
    } else {
        Some(crate::gaps::gaps(ds, data, &GapsRequest { lists: req.lists.clone(), as_of: opts.as_of })?)
    };
    Ok(ReportParts {
        assessment,
        run,
        comparisons,
        comparison_samples: cmp_samples,
        timeline,
        timeline_samples: tl_samples,
        sensitivity,
        sensitivity_samples: sens_samples,
        trade,
        meetings,
        triangulation,
        gaps,
        seed,
    })
}
