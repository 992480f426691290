//! Every flag, defined once with its documentation; `--help` is generated from here.

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use entente_core::{Grade, Level, TradeMeasure};
use entente_indicators::meetings::{self, By, StatedRate};
use entente_indicators::{trade, Period};
use entente_report::OutputFormat;
use std::path::PathBuf;

/// Examples shown under `entente --help` (ripgrep and hyperfine style: the common runs, ready to copy).
const EXAMPLES: &str = "\
Examples:
  entente assess                              the default scenario, as a table
  entente assess --items --quantiles 0.25,0.75
  entente assess --format csv > assess.csv    one tidy table (level, id, …)
  entente assess --format json | jq .schema_version
  entente explain shells-152mm                how one item's value is composed
  entente validate --data my-dataset          check a dataset folder, every error with file:line
  entente report -o report.html               the self-contained HTML report (-o - for stdout)
  entente completions bash > /etc/bash_completion.d/entente
  entente man > entente.1

Exit codes: 0 success, 1 a screening hit, 2 an error (bad input, dataset or arguments).";

/// The parsed command line: the global flags and one command. `completions` and `man` are answered in `main`;
/// the rest go to `commands::run` as a [`Cli`].
#[derive(Debug, Parser)]
#[command(
    name = "entente",
    version,
    about = "Evidence-based estimates of North Korea–Russia arms and money flows, with graded sources, honest uncertainty and sanctions screening.",
    after_help = EXAMPLES
)]
pub struct CommandLine {
    /// No progress bar and no notes on stderr (errors are still printed).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// With `--format csv`: which of the output's tables to write (1 = the main one; a wrong number lists them).
    /// Each CSV output is one rectangular table.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub csv_table: Option<u16>,
    #[command(subcommand)]
    pub command: TopCommand,
}

// parsed once per process: the size of the largest variant does not matter
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum TopCommand {
    #[command(flatten)]
    Main(Command),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    #[command(
        after_help = "Example:\n  entente completions bash > ~/.local/share/bash-completion/completions/entente"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    #[command(after_help = "Example:\n  entente man > entente.1 && man ./entente.1")]
    Man,
}

/// One command to run.
#[derive(Debug)]
pub struct Cli {
    pub command: Command,
}

#[allow(clippy::large_enum_variant)] // parsed once per process
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Value North Korea's deliveries and Russia's compensation, by category, with uncertainty.
    Assess(AssessArgs),
    /// Show how an item's value is composed: expression, inputs, claims and graded sources.
    Explain(ExplainArgs),
    /// Check a dataset folder and print every error.
    Validate(ValidateArgs),
    /// Put the published studies' figures beside ours, with the unit prices their totals imply.
    Compare(CompareArgs),
    /// Set direct counts (rounds, missiles, valuations) beside what the model implies at their dates; `--condition`
    /// also conditions the estimate on them.
    Triangulate(TriangulateArgs),
    /// Print the compiled model of a scenario (every node's distribution or expression) as JSON.
    Model(ModelCmdArgs),
    /// Which inputs drive the spread: first-order variance indices and a tornado table.
    Sensitivity(SensitivityArgs),
    /// The estimate after each new piece of evidence, and why it moved.
    History(HistoryArgs),
    /// Cumulative deliveries and compensation at each quarter end, as known then.
    Timeline(HistoryArgs),
    /// Screen names, CSV files or ISO 20022 payments against sanctions lists.
    Screen(crate::screen_args::ScreenArgs),
    /// Fetch, show and compare sanctions lists.
    Lists(crate::screen_args::ListsArgs),
    /// Sanctions gaps: each party of the flows against every loaded list, by authority, with dates, lags and ownership.
    Gaps(GapsArgs),
    /// Write the assessment as a self-contained HTML report with charts (or Markdown with SVG charts beside it).
    Report(ReportArgs),
    /// Official Russia–North Korea trade: the series, growth between periods, the pre-2017 level, gaps.
    Trade(TradeArgs),
    /// High-level meetings: counts, the monthly rate with an exact interval, the change point; GDELT import.
    Meetings(MeetingsArgs),
    /// Serve the assessment, the lists and screening over HTTP: a JSON API (OpenAPI at /openapi.json), yente-
    /// and OpenRefine-compatible matching, the HTML report.
    Serve(crate::serve_args::ServeArgs),
    /// Manage the server's API keys (stored as argon2 hashes).
    Keys(crate::serve_args::KeysArgs),
    /// Screening workers behind a NATS JetStream queue: worker, submit, results, lists publish.
    Stream(crate::stream_args::StreamArgs),
    /// The evidence ledger as dataset files: export the embedded dataset or a store's ledger, import into a store.
    Data(crate::data_args::DataCmdArgs),
    /// Dashboard users of a store (`--db`): add, list, set-role.
    Users(crate::data_args::UsersArgs),
}

/// `--data`: where the dataset comes from (its folder, or the embedded one), for every command that reads it.
#[derive(Debug, Args, Clone, Default)]
pub struct DataArgs {
    /// A dataset folder (its TOML files, and actors.toml for `gaps`) to use instead of the embedded default
    /// dataset.
    #[arg(id = "data", long = "data", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

impl DataArgs {
    pub fn source(&self) -> entente_app::DataSource {
        entente_app::DataSource::from_option(self.dir.clone())
    }
}

/// Where the dataset comes from and which scenario and evidence to use.
#[derive(Debug, Args, Clone)]
pub struct ModelArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Scenario to evaluate (default: the dataset's default scenario).
    #[arg(long, value_name = "NAME")]
    pub scenario: Option<String>,
    /// Use only evidence public on or before this date (default: the scenario's as-of date).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// Ignore estimates that rest only on evidence graded below this (e.g. B3: reliability A–B and credibility 1–3).
    #[arg(long, value_name = "GRADE")]
    pub min_grade: Option<Grade>,
    /// Use this option of a structural hypothesis instead of its base, as HYPOTHESIS=OPTION (repeatable), e.g.
    /// `--hypothesis price-basis=production-cost`. `entente assess` shows every option side by side.
    #[arg(long = "hypothesis", value_name = "HYPOTHESIS=OPTION", value_parser = parse_hypothesis)]
    pub hypotheses: Vec<(String, String)>,
    /// Number of Monte Carlo samples, 100 to 100,000,000 (`_` separators allowed: 1_000_000). Memory grows with it;
    /// a run that would not fit in the memory available is refused before it starts.
    #[arg(long, value_name = "N", default_value_t = entente_engine::DEFAULT_SAMPLES, value_parser = parse_samples)]
    pub samples: usize,
    /// Random seed; the same data and seed give byte-identical output.
    #[arg(long, default_value_t = entente_app::DEFAULT_SEED)]
    pub seed: u64,
}

#[derive(Debug, Args, Clone)]
pub struct FormatArgs {
    /// Output format: a terminal table, JSON (with `schema_version`; schemas in docs/schemas/), one tidy CSV table,
    /// or Markdown.
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = format_parser())]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct AssessArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Extra quantiles to report, as probabilities (e.g. 0.25,0.75).
    #[arg(long, value_delimiter = ',', value_parser = parse_probability)]
    pub quantiles: Vec<f64>,
    /// Show each item under its category.
    #[arg(long)]
    pub items: bool,
    /// Also print the comparison with the published studies.
    #[arg(long)]
    pub compare: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Item id (see `entente assess --items`).
    pub item: String,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A dataset folder to check instead of the embedded default dataset.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Deprecated: the folder as a positional argument (use `--data DIR`, as every other command does).
    #[arg(value_name = "DIR", hide = true, conflicts_with = "data")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ModelCmdArgs {
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

/// `--format`'s values, listed in `--help` and in error messages (`md` is an alias of `markdown`).
fn format_parser() -> impl clap::builder::TypedValueParser<Value = OutputFormat> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("table").help("aligned columns for a terminal"),
        PossibleValue::new("json").help("every figure, machine-readable, with schema_version"),
        PossibleValue::new("csv").help("one rectangular table"),
        PossibleValue::new("markdown").alias("md").help("GitHub-flavoured Markdown tables"),
    ])
    .map(|s| s.parse::<OutputFormat>().expect("every possible value parses"))
}

fn parse_probability(s: &str) -> Result<f64, String> {
    let p: f64 = s.trim().parse().map_err(|_| format!("`{s}` is not a number"))?;
    if p > 0.0 && p < 1.0 {
        Ok(p)
    } else {
        Err(format!("{p} is not a probability strictly between 0 and 1"))
    }
}

fn parse_samples(s: &str) -> Result<usize, String> {
    let n: usize = s.replace('_', "").parse().map_err(|_| format!("`{s}` is not a whole number"))?;
    if entente_app::spec::SAMPLES_RANGE.contains(&n) {
        Ok(n)
    } else {
        Err(format!("{n} samples: choose between 100 and 100,000,000"))
    }
}

fn parse_hypothesis(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((h, o)) if !h.trim().is_empty() && !o.trim().is_empty() => Ok((h.trim().into(), o.trim().into())),
        _ => Err(format!("`{s}` is not HYPOTHESIS=OPTION (e.g. price-basis=production-cost)")),
    }
}

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    /// The figure to explain: `total` (deliveries, default), `compensation`, an item id or a category id.
    #[arg(long, default_value = "total")]
    pub figure: String,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

#[derive(Debug, Args)]
pub struct TriangulateArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Also weight the simulated worlds by how well each fits the direct counts (importance weighting with the
    /// likelihood in docs/dataset.md), and show the conditioned figures beside the unconditioned ones.
    #[arg(long)]
    pub condition: bool,
}

#[derive(Debug, Args)]
pub struct GapsArgs {
    /// List files or folders (format detected from content); default: the lists fetched last (`entente lists fetch`).
    #[arg(long, num_args = 1..)]
    pub lists: Vec<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Use only evidence public, designations made and ownership in force on or before this date.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    #[command(flatten)]
    pub format: FormatArgs,
}

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

#[derive(Debug, Args)]
pub struct TradeArgs {
    #[command(flatten)]
    pub data: DataArgs,
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
    #[command(flatten)]
    pub data: DataArgs,
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

// ---- from flags to the application's requests (the only place a flag becomes a request field) ----

impl ModelArgs {
    pub fn source(&self) -> entente_app::DataSource {
        self.data.source()
    }

    pub fn spec(&self) -> entente_app::RunSpec {
        entente_app::RunSpec {
            plan: entente_engine::PlanOptions {
                scenario: self.scenario.clone(),
                as_of: self.as_of,
                min_grade: self.min_grade,
                hypotheses: self.hypotheses.iter().cloned().collect(),
                shipped_by: None,
            },
            samples: self.samples,
            seed: self.seed,
        }
    }
}

impl TradeArgs {
    pub fn options(&self) -> trade::TradeOptions {
        trade::TradeOptions {
            measure: Some(self.measure),
            as_of: self.as_of,
            compare: self.compare.as_ref().map(|v| (v[0], v[1])),
            pre_years: self.pre.clone(),
        }
    }
}

impl MeetingsArgs {
    pub fn request(&self) -> entente_app::indicators::MeetingsRequest {
        entente_app::indicators::MeetingsRequest {
            options: meetings::MeetingOptions {
                as_of: self.as_of,
                since: self.since,
                from: self.from,
                levels: self.levels.clone(),
                by: self.by,
                baseline: if self.no_baseline { None } else { Some(self.baseline.clone()) },
                seed: self.seed,
                ..meetings::MeetingOptions::default()
            },
            gdelt: self.gdelt.iter().cloned().map(entente_app::indicators::GdeltInput::File).collect(),
        }
    }
}
