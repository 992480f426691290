//! `entente trade` and `entente meetings`: their arguments and their run functions. Kept out of `cli.rs` and
//! `commands.rs` so that those files only name them.

use crate::cli::FormatArgs;
use crate::output::print;
use anyhow::{anyhow, Result};
use chrono::NaiveDate;
use clap::Args;
use entente_core::{Dataset, Level, TradeMeasure};
use entente_indicators::meetings::{self, By, MeetingOptions, StatedRate};
use entente_indicators::{gdelt, trade, Period};
use entente_report::{render, views, OutputFormat};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct TradeArgs {
    /// A dataset folder to use instead of the embedded default dataset.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Use only figures public on or before this date.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// Growth from BASE to LATER, partial periods annualised (default: the last full year against each period of
    /// the latest year). Periods: 2023, 2024H1, 2024Q3, 2024-03, 2016-01..2016-08, 2023-01-01..2023-11-16.
    #[arg(long, num_args = 2, value_names = ["BASE", "LATER"], value_parser = parse_period)]
    pub compare: Option<Vec<Period>>,
    /// Which figures: total, kp-exports (North Korea → Russia) or kp-imports (Russia → North Korea).
    #[arg(long, default_value = "total", value_parser = parse_measure)]
    pub measure: TradeMeasure,
    /// Full years that stand for the level before the 2017 sanctions.
    #[arg(long, value_delimiter = ',', value_name = "YEARS", default_values_t = trade::DEFAULT_PRE_YEARS)]
    pub pre: Vec<i32>,
}

#[derive(Debug, Args)]
pub struct MeetingsArgs {
    /// A dataset folder to use instead of the embedded default dataset.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Use only meetings held (started) on or before this date; it also ends the observation window.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// Start of the window for the mean monthly rate (YYYY-MM-DD or YYYY-MM).
    #[arg(long, value_name = "DATE", default_value = "2023-07-01", value_parser = parse_date)]
    pub since: NaiveDate,
    /// Take the log as complete from this date (default: the month of the first meeting). Meetings before it are
    /// left out; months from it on with no meeting count zero.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// Only meetings at this level (repeatable): head-of-state, minister, deputy, delegation, call.
    #[arg(long = "level", value_name = "LEVEL", value_parser = parse_level)]
    pub levels: Vec<Level>,
    /// Count per month, quarter or year.
    #[arg(long, default_value = "month", value_parser = parse_by)]
    pub by: By,
    /// The earlier rate as stated, e.g. `<5/year` (FNF 2024: fewer than five a year before July 2023).
    #[arg(long, value_name = "RATE", default_value = meetings::DEFAULT_BASELINE, value_parser = parse_rate)]
    pub baseline: StatedRate,
    /// Do not compare with a stated baseline.
    #[arg(long, conflicts_with = "baseline")]
    pub no_baseline: bool,
    /// GDELT 2.0 event files to add (CAMEO 042/043/044/046 between RUS and PRK actors; repeats merged; events
    /// matching a meeting already in the log are not counted twice).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub gdelt: Vec<PathBuf>,
    /// Random seed of the bootstrap p-value of the change point.
    #[arg(long, default_value_t = 20230701)]
    pub seed: u64,
}

fn parse_period(s: &str) -> Result<Period, String> {
    Period::parse(s).map_err(|e| e.0)
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    entente_indicators::period::parse_start_date(s).map_err(|e| e.0)
}

fn parse_level(s: &str) -> Result<Level, String> {
    Level::parse(s).ok_or_else(|| format!("`{s}` is not a level (head-of-state, minister, deputy, delegation, call)"))
}

fn parse_by(s: &str) -> Result<By, String> {
    s.parse()
}

fn parse_rate(s: &str) -> Result<StatedRate, String> {
    StatedRate::parse(s).map_err(|e| e.0)
}

fn parse_measure(s: &str) -> Result<TradeMeasure, String> {
    match s.trim() {
        "total" => Ok(TradeMeasure::Total),
        "kp-exports" => Ok(TradeMeasure::KpExports),
        "kp-imports" => Ok(TradeMeasure::KpImports),
        _ => Err(format!("`{s}` is not total, kp-exports or kp-imports")),
    }
}

fn load(data: &Option<PathBuf>) -> Result<Dataset> {
    match data {
        Some(dir) => {
            entente_data::load_dir(dir).map_err(|e| anyhow!("the dataset in {} has errors:\n{e}", dir.display()))
        }
        None => entente_data::load_embedded().map_err(|e| anyhow!("the embedded dataset has errors:\n{e}")),
    }
}

pub fn trade(a: TradeArgs) -> Result<u8> {
    let ds = load(&a.data)?;
    let opt = trade::TradeOptions {
        measure: Some(a.measure),
        as_of: a.as_of,
        compare: a.compare.map(|v| (v[0], v[1])),
        pre_years: a.pre,
    };
    let r = trade::report(&ds.trade, &opt);
    let fmt = a.format.format;
    print(&render(fmt, &views::trade::doc(&r, fmt != OutputFormat::Csv), &r))?;
    Ok(0)
}

/// What GDELT added.
#[derive(Debug, Serialize)]
struct GdeltSummary {
    files: Vec<String>,
    rows: usize,
    events: usize,
    merged_meetings: usize,
    matched_log: usize,
    added: usize,
}

#[derive(Debug, Serialize)]
struct MeetingsOut<'a> {
    #[serde(flatten)]
    report: &'a meetings::MeetingsReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    gdelt: Option<GdeltSummary>,
}

pub fn meetings(a: MeetingsArgs) -> Result<u8> {
    let ds = load(&a.data)?;
    let mut log = ds.meetings.clone();
    let mut summary = None;
    if !a.gdelt.is_empty() {
        let mut events = Vec::new();
        let mut rows = 0;
        for f in &a.gdelt {
            // a FIFO or device would block the read or never end: only regular files (or links to them) are read
            if std::fs::metadata(f).is_ok_and(|m| !m.is_file()) {
                return Err(anyhow!("cannot import GDELT events from {}: not a regular file", f.display()));
            }
            let imp = gdelt::import_file(f).map_err(|e| anyhow!("cannot import GDELT events:\n{e}"))?;
            rows += imp.rows;
            events.extend(imp.events);
        }
        let merged = gdelt::merge(&events, "gdelt");
        let n_merged = merged.len();
        let (added, matched) = meetings::not_in_log(&log, merged);
        summary = Some(GdeltSummary {
            files: a.gdelt.iter().map(|p| p.display().to_string()).collect(),
            rows,
            events: events.len(),
            merged_meetings: n_merged,
            matched_log: matched,
            added: added.len(),
        });
        log.extend(added);
    }
    let opt = MeetingOptions {
        as_of: a.as_of,
        since: a.since,
        from: a.from,
        levels: a.levels,
        by: a.by,
        baseline: if a.no_baseline { None } else { Some(a.baseline) },
        seed: a.seed,
        ..MeetingOptions::default()
    };
    let r = meetings::report(&log, &opt).map_err(|e| anyhow!(e))?;
    let fmt = a.format.format;
    let mut doc = views::meetings::doc(&r, fmt != OutputFormat::Csv);
    if let Some(s) = &summary {
        doc.meta.push((
            "GDELT".into(),
            format!(
                "{} event(s) in {} row(s) → {} meeting(s) after merging repeats; {} already in the log, {} added (graded low: machine-coded)",
                s.events, s.rows, s.merged_meetings, s.matched_log, s.added
            ),
        ));
    }
    print(&render(fmt, &doc, &MeetingsOut { report: &r, gdelt: summary }))?;
    Ok(0)
}
