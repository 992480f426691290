//! `entente report`: the whole assessment as one self-contained HTML document (or Markdown with the charts as
//! SVG files beside it). The engine computes — the main run, the scenario re-run at a series of as-of dates,
//! the studies' scenarios — and `entente_report::html` lays it out. The file is written to a temporary file in
//! the target folder and renamed, so a failure never leaves a half-written report (see `output::OutputTarget`:
//! `-o -` is standard output, a symbolic link is written through, a folder, FIFO or device is refused).

use crate::cli::ModelArgs;
use crate::commands::load;
use crate::output::{progress, OutputTarget};
use anyhow::{anyhow, bail, Result};
use chrono::NaiveDate;
use clap::Args;
use entente_core::Dataset;
use entente_engine::compare::{compare_with, Comparison};
use entente_engine::{estimate_keeping, Keep, Plan, PlanOptions, Run};
use entente_report::html::data::timeline_dates;
use entente_report::html::{self, Indicators, MeetingSeries, ReportData, TimelinePoint, Tornado, TornadoBar, TradeBar};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Where to write the report (HTML, or Markdown with `<name>-<chart>.svg` files beside it).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// html (one self-contained file) or markdown (tables; charts as separate SVG files).
    #[arg(long, default_value = "html", value_parser = ["html", "markdown", "md"])]
    pub format: String,
    /// Sanctions lists (files or folders): add the sanctions-gaps section of `entente gaps` to the report.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub lists: Vec<PathBuf>,
}

/// Most dates on the time series; each is a run of [`timeline_samples`] worlds.
const TIMELINE_POINTS: usize = 36;

/// Samples per date of the time series: a hundredth of the main run, at least 2,000.
fn timeline_samples(samples: usize) -> usize {
    (samples / 100).clamp(2_000, 20_000).min(samples)
}

/// Samples per study scenario: a tenth of the main run, at least 10,000.
fn comparison_samples(samples: usize) -> usize {
    (samples / 10).clamp(10_000, 200_000).min(samples)
}

/// Samples of the run behind the sensitivity analysis: a fifth of the main run, at least 10,000.
fn sensitivity_samples(samples: usize) -> usize {
    (samples / 5).clamp(10_000, 200_000).min(samples)
}

/// Most bars on the tornado.
const TORNADO_BARS: usize = 12;

pub fn report(a: ReportArgs) -> Result<u8> {
    let markdown = a.format != "html";
    // checked before any work: `-` is standard output, a link is written through, a folder/FIFO/device refused
    let target = OutputTarget::check(&a.output, "report")?;
    if markdown && target.is_stdout() {
        bail!("a Markdown report writes its charts as SVG files beside it: give `-o` a file name (`-o -` is for HTML)");
    }
    let ds = load(&a.model)?;
    let opts = crate::commands::plan_options(&a.model);
    let (samples, seed) = (a.model.samples, a.model.seed);

    let pb = progress(entente_engine::sample::chunks(samples), "sampling");
    // The main run serves the figures, and a comparison when a study is of this very scenario (it then needs the
    // items' quantities and prices); the sensitivity analysis draws its own.
    let scenario = opts.scenario.as_deref().unwrap_or(&ds.default_scenario);
    let keep = if ds.studies.iter().any(|s| s.scenario == scenario) { Keep::Items } else { Keep::Figures };
    let (run, mut assessment) =
        estimate_keeping(&ds, &opts, samples, seed, &[], &|n| pb.inc(n as u64), keep).map_err(|e| anyhow!(e))?;
    pb.finish_and_clear();
    assessment.hypotheses =
        entente_engine::hypotheses::side_by_side(&ds, &run, comparison_samples(samples)).map_err(|e| anyhow!(e))?;

    let tl_samples = timeline_samples(samples);
    let timeline = timeline(&ds, &opts, &run, tl_samples, seed)?;
    let cmp_samples = comparison_samples(samples);
    let comparisons = comparisons(&ds, &run, &opts, cmp_samples, seed)?;
    let (indicators, indicators_note) = indicators(&ds, assessment.as_of);
    let tornado = sensitivity(&ds, &run, sensitivity_samples(samples), seed)?;
    assessment.judgment = Some(entente_engine::sensitivity::judgment(&ds, &run));
    // direct counts beside the model, at the comparisons' sample count (one run per date a count refers to)
    let triangulation = if ds.checks.is_empty() {
        None
    } else {
        Some(
            entente_engine::triangulate::triangulate(&ds, &opts, cmp_samples, seed, false, &|_| {})
                .map_err(|e| anyhow!(e))?,
        )
    };

    let gaps = crate::gaps::for_report(&ds, a.model.data.as_deref(), &a.lists, a.model.as_of)?;
    let data = ReportData {
        ds: &ds,
        assessment: &assessment,
        run: &run,
        comparisons: &comparisons,
        comparison_samples: cmp_samples,
        timeline: &timeline,
        timeline_samples: tl_samples,
        indicators: indicators.as_ref(),
        indicators_note,
        sensitivity: tornado.as_ref(),
        sensitivity_note: "the total depends on no uncertain input.".into(),
        triangulation: triangulation.as_ref(),
        gaps: gaps.as_ref(),
        generator: format!("entente {}", env!("CARGO_PKG_VERSION")),
    };
    if markdown {
        let stem = a.output.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
        let (md, files) = html::markdown(&data, &stem).map_err(|e| anyhow!(e))?;
        let dir = a.output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        for (name, svg) in files {
            OutputTarget::check(&dir.join(name), "chart")?.write(svg.as_bytes(), "chart")?;
        }
        target.write(md.as_bytes(), "report")?;
    } else {
        let page = html::html(&data).map_err(|e| anyhow!(e))?;
        target.write(page.as_bytes(), "report")?;
    }
    if !target.is_stdout() {
        crate::output::note(&format!("wrote {}", target.shown()));
    }
    Ok(0)
}

/// The scenario re-run with the evidence public on each date (monthly), same seed, fewer samples: the engine's
/// `timeline_at`, so the report and `entente timeline` share one definition.
fn timeline(ds: &Dataset, opts: &PlanOptions, run: &Run, samples: usize, seed: u64) -> Result<Vec<TimelinePoint>> {
    let end = run.plan.as_of;
    let Some(start) = entente_engine::history::first_valued_date(ds, opts, end).filter(|s| *s < end) else {
        return Ok(Vec::new());
    };
    let dates = timeline_dates(start, end, TIMELINE_POINTS);
    let tl = entente_engine::history::timeline_at(ds, opts, &dates, samples, seed, &|_| {})
        .map_err(|e| anyhow!("time series {e}"))?;
    Ok(tl
        .points
        .iter()
        .map(|p| TimelinePoint { date: p.date, p5: p.deliveries.p5, p50: p.deliveries.p50, p95: p.deliveries.p95 })
        .collect())
}

/// Each study against its own scenario; the main run is reused when it is that scenario on its own date.
fn comparisons(ds: &Dataset, run: &Run, opts: &PlanOptions, samples: usize, seed: u64) -> Result<Vec<Comparison>> {
    let mut runs: Vec<(String, Run)> = Vec::new();
    let mut out = Vec::new();
    for study in &ds.studies {
        let reuse = study.scenario == run.plan.scenario.id
            && run.plan.as_of == run.plan.scenario.as_of
            && opts.min_grade.is_none();
        if reuse {
            out.push(compare_with(ds, study, run));
            continue;
        }
        if !runs.iter().any(|(s, _)| *s == study.scenario) {
            let plan = Plan::new(ds, &PlanOptions { scenario: Some(study.scenario.clone()), ..Default::default() })
                .map_err(|e| anyhow!(e))?;
            let r = Run::keeping(plan, samples, seed, &|_| {}, Keep::Items).map_err(|e| anyhow!(e))?;
            runs.push((study.scenario.clone(), r));
        }
        let r = &runs.iter().find(|(s, _)| *s == study.scenario).expect("just added").1;
        out.push(compare_with(ds, study, r));
    }
    Ok(out)
}

/// The tornado of the deliveries total, from `entente_engine::sensitivity` on a smaller run of the same plan
/// and seed (the bars are point evaluations; the first-order indices in the note are estimated from the draws).
fn sensitivity(ds: &Dataset, run: &Run, samples: usize, seed: u64) -> Result<Option<Tornado>> {
    let r = Run::keeping(run.plan.clone(), samples, seed, &|_| {}, Keep::Inputs).map_err(|e| anyhow!(e))?;
    let s = entente_engine::sensitivity::sensitivity(&r, r.plan.total);
    if s.inputs.is_empty() {
        return Ok(None);
    }
    let bars =
        s.inputs.iter().map(|i| TornadoBar { label: i.variable.clone(), low: i.at_p5, high: i.at_p95 }).collect();
    let top: Vec<String> = s.inputs.iter().take(4).map(|i| format!("{} {:.2}", i.variable, i.first_order)).collect();
    let note = format!(
        "Each bar is the total with one input at its own P5 (hatched) and P95 (dark), every other input at its median; the line is the total with all inputs at their medians ({}). Widest bars first. Share of the total's variance each input explains alone (first-order index): {}; together {:.2}{}. From {} samples, seed {seed}. Inputs: {}",
        entente_report::num::usd(s.base),
        top.join(", "),
        s.sum_first_order,
        if s.sum_first_order < 0.95 {
            " (the rest comes from interactions such as quantity × price)"
        } else if s.sum_first_order > 1.05 {
            " (above 1 because some inputs are correlated and share their effect)"
        } else {
            ""
        },
        entente_core::group(r.samples as f64),
        s.inputs.iter().take(TORNADO_BARS).filter_map(|i| ds.variable(&i.variable).map(|v| format!("{} = {}", i.variable, v.description))).collect::<Vec<_>>().join("; ")
    );
    Ok(Some(html::data::tornado(s.base, bars, TORNADO_BARS, note)))
}

/// Official trade (total turnover) and meetings per month with the change point, from `entente-indicators`,
/// with the evidence public by the report's as-of date.
fn indicators(ds: &Dataset, as_of: NaiveDate) -> (Option<Indicators>, String) {
    use entente_indicators::{meetings, trade};
    let tr = trade::report(
        &ds.trade,
        &trade::TradeOptions { as_of: Some(as_of), pre_years: trade::DEFAULT_PRE_YEARS.to_vec(), ..Default::default() },
    );
    let trade_bars: Vec<TradeBar> = tr
        .figures
        .iter()
        .map(|f| TradeBar {
            label: f.label.clone(),
            value_usd: f.value_usd,
            measure: "total".into(),
            source: f.source.clone(),
            derived: f.derived,
        })
        .collect();
    let mut trade_note = String::from("Total turnover as published; partial-year figures are not annualised here (`entente trade` annualises them and shows exports and imports apart).");
    if !tr.gaps.is_empty() {
        trade_note += &format!(
            " Years with no official figure: {}.",
            tr.gaps.iter().map(|g| g.year.to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    if !tr.conflicts.is_empty() {
        trade_note += &format!(" {} pairs of figures for one period disagree; both are shown.", tr.conflicts.len());
    }
    let meetings = if ds.meetings.is_empty() {
        None
    } else {
        meetings::report(&ds.meetings, &meetings::MeetingOptions { as_of: Some(as_of), ..Default::default() }).ok().map(
            |m| MeetingSeries {
                months: m.counts.iter().map(|b| (b.from, b.count as u32)).collect(),
                change_point: m.change.as_ref().map(|c| c.map_month.first_day()),
                note: m
                    .change
                    .as_ref()
                    .map(|c| c.verdict.clone())
                    .unwrap_or_else(|| "No change point could be estimated.".into()),
            },
        )
    };
    if trade_bars.is_empty() && meetings.is_none() {
        return (None, "the dataset has no trade figures or meetings.".into());
    }
    (Some(Indicators { trade: trade_bars, trade_note, meetings }), String::new())
}
