//! Every flag, defined once with its documentation; `--help` is generated from here.

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use entente_core::Grade;
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
    Triangulate(crate::triangulate::TriangulateArgs),
    /// Print the compiled model of a scenario (every node's distribution or expression) as JSON.
    Model(ModelCmdArgs),
    /// Which inputs drive the spread: first-order variance indices and a tornado table.
    Sensitivity(crate::analysis::SensitivityArgs),
    /// The estimate after each new piece of evidence, and why it moved.
    History(crate::analysis::HistoryArgs),
    /// Cumulative deliveries and compensation at each quarter end, as known then.
    Timeline(crate::analysis::HistoryArgs),
    /// Screen names, CSV files or ISO 20022 payments against sanctions lists.
    Screen(entente_screen::cli::ScreenArgs),
    /// Fetch, show and compare sanctions lists.
    Lists(entente_screen::cli::ListsArgs),
    /// Sanctions gaps: each party of the flows against every loaded list, by authority, with dates, lags and ownership.
    Gaps(crate::gaps::GapsArgs),
    /// Write the assessment as a self-contained HTML report with charts (or Markdown with SVG charts beside it).
    Report(crate::report::ReportArgs),
    /// Official Russia–North Korea trade: the series, growth between periods, the pre-2017 level, gaps.
    Trade(crate::indicators::TradeArgs),
    /// High-level meetings: counts, the monthly rate with an exact interval, the change point; GDELT import.
    Meetings(crate::indicators::MeetingsArgs),
}

/// Where the dataset comes from and which scenario and evidence to use.
#[derive(Debug, Args, Clone)]
pub struct ModelArgs {
    /// A dataset folder to use instead of the embedded default dataset.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
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
    #[arg(long, default_value_t = 20241028)]
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
    if (100..=100_000_000).contains(&n) {
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
