//! `entente screen` and `entente lists`: the flags, and the front end's part of each run — flags → request →
//! `entente_app::screen` / `entente_app::lists` → `entente_report::views` → standard output or `-o FILE` → exit code
//! (0 nothing alerts, 1 something alerts; errors are 2, in main.rs).

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use entente_app::lists::{lists_diff, lists_fetch, lists_show, lists_sources, DiffRequest, FetchRequest};
use entente_app::screen::{Input, ListsRequest, PolicyChoice, ScreenOutcome, ScreenRequest};
use entente_report::views;
use entente_report::views::screen::safe;
use entente_screen::index::{Algorithm, Query};
use entente_screen::lists::{LoadOptions, OfacPart};
use entente_screen::model::{DateSpec, IdKind, Schema};
use entente_screen::screen::{parse_id_arg, CsvColumns};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Kind of party a name denotes (narrows matching to compatible list entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PartyType {
    Person,
    Organization,
    Company,
    Vessel,
    Aircraft,
    Any,
}

impl PartyType {
    fn schema(self) -> Option<Schema> {
        match self {
            PartyType::Person => Some(Schema::Person),
            PartyType::Organization => Some(Schema::Organization),
            PartyType::Company => Some(Schema::Company),
            PartyType::Vessel => Some(Schema::Vessel),
            PartyType::Aircraft => Some(Schema::Airplane),
            PartyType::Any => None,
        }
    }
}

/// How `--input` is interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// Detect from content: ISO 20022 XML or CSV.
    Auto,
    Csv,
    Iso20022,
}

impl From<InputFormat> for entente_app::screen::InputFormat {
    fn from(f: InputFormat) -> Self {
        match f {
            InputFormat::Auto => Self::Auto,
            InputFormat::Csv => Self::Csv,
            InputFormat::Iso20022 => Self::Iso20022,
        }
    }
}

/// Scoring algorithm (`--algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmArg {
    /// entente's explained, cross-script matcher with qualifiers.
    Entente,
    /// Reproduces OFAC Sanctions List Search scores (name only).
    Ofac,
}

impl From<AlgorithmArg> for Algorithm {
    fn from(a: AlgorithmArg) -> Self {
        match a {
            AlgorithmArg::Entente => Algorithm::Entente,
            AlgorithmArg::Ofac => Algorithm::Ofac,
        }
    }
}

/// Output format of `entente screen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
}

impl From<OutputFormat> for views::screen::Format {
    fn from(f: OutputFormat) -> Self {
        match f {
            OutputFormat::Table => Self::Table,
            OutputFormat::Json => Self::Json,
            OutputFormat::Csv => Self::Csv,
        }
    }
}

/// Parts of an OFAC legacy CSV set besides the primary file (`--allow-incomplete-ofac`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OfacPartArg {
    /// `add.csv` / `cons_add.csv`: addresses.
    Add,
    /// `alt.csv` / `cons_alt.csv`: aliases.
    Alt,
    /// `sdn_comments.csv` / `cons_comments.csv`: remark overflow.
    Comments,
}

impl From<OfacPartArg> for OfacPart {
    fn from(p: OfacPartArg) -> Self {
        match p {
            OfacPartArg::Add => OfacPart::Add,
            OfacPartArg::Alt => OfacPart::Alt,
            OfacPartArg::Comments => OfacPart::Comments,
        }
    }
}

/// Arguments of `entente screen`.
#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// Names to screen (persons, companies, vessels; any script).
    pub names: Vec<String>,
    /// Screen a file: CSV with a header row, or ISO 20022 pacs.008 / pain.001 XML. Repeatable.
    #[arg(long, short = 'i')]
    pub input: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,
    /// List files or folders (format detected from content); default: the lists fetched last.
    #[arg(long, num_args = 1..)]
    pub lists: Vec<PathBuf>,
    /// Report hits scoring at least this (0–1).
    #[arg(long, short = 't', default_value_t = entente_app::screen::DEFAULT_THRESHOLD)]
    pub threshold: f32,
    /// Scoring: entente's explained matcher, or OFAC Sanctions List Search parity.
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Entente)]
    pub algorithm: AlgorithmArg,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Most hits reported per screened party.
    #[arg(long, default_value_t = entente_app::screen::DEFAULT_LIMIT)]
    pub limit: usize,
    /// Also list parties that matched nothing.
    #[arg(long)]
    pub all_rows: bool,
    /// Type of the NAMES given on the command line.
    #[arg(long = "type", value_enum, default_value_t = PartyType::Any)]
    pub party_type: PartyType,
    /// Date of birth / incorporation for the NAMES (YYYY, YYYY-MM-DD, DD/MM/YYYY).
    #[arg(long)]
    pub dob: Option<String>,
    /// Country / nationality for the NAMES (name or ISO code).
    #[arg(long)]
    pub country: Option<String>,
    /// Identifier for the NAMES, KIND=VALUE (imo, mmsi, inn, ogrn, bic, lei, passport...). Repeatable.
    #[arg(long = "id")]
    pub ids: Vec<String>,
    /// CSV: column holding the name (default: name/full_name/party/counterparty).
    #[arg(long)]
    pub name_column: Option<String>,
    /// CSV: column holding the country.
    #[arg(long)]
    pub country_column: Option<String>,
    /// CSV: column holding the date of birth.
    #[arg(long)]
    pub dob_column: Option<String>,
    /// CSV: column holding the party type (person/organization/vessel).
    #[arg(long)]
    pub type_column: Option<String>,
    /// CSV: identifier column, KIND=COLUMN (e.g. imo=imo_number). Repeatable.
    #[arg(long = "id-column")]
    pub id_columns: Vec<String>,
    /// CSV field delimiter.
    #[arg(long, default_value = ",")]
    pub delimiter: String,
    /// Print load/index/screen timings to stderr.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Run time recorded in the audit trail (RFC 3339 or YYYY-MM-DD; default: $SOURCE_DATE_EPOCH, else now).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Append one JSON line per run (audit trail and results) to FILE.
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// Write the results to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The country policy and the list-age warning (shared by `screen` and `stream worker`).
#[derive(Debug, Clone, Args)]
pub struct PolicyArgs {
    /// Country policy file (TOML; default: the built-in policy — KP, IR, SY, CU and the occupied regions of Ukraine).
    #[arg(long, value_name = "FILE")]
    pub country_policy: Option<PathBuf>,
    /// Do not check countries and addresses against any country policy.
    #[arg(long, conflicts_with = "country_policy")]
    pub no_country_policy: bool,
    /// Warn about lists published more than this many days before the run.
    #[arg(long, default_value_t = entente_app::screen::DEFAULT_MAX_LIST_AGE_DAYS, value_name = "DAYS")]
    pub max_list_age: i64,
}

impl PolicyArgs {
    pub fn choice(&self) -> PolicyChoice {
        match (&self.country_policy, self.no_country_policy) {
            (_, true) => PolicyChoice::None,
            (Some(p), false) => PolicyChoice::File(p.clone()),
            (None, false) => PolicyChoice::Default,
        }
    }
}

/// How strictly list folders are read (shared by `screen`, `lists show` and `lists diff`).
#[derive(Debug, Clone, Default, Args)]
pub struct LoadArgs {
    /// Skip files in list folders that are not recognised lists (each is named in the result) instead of failing.
    #[arg(long)]
    pub skip_unrecognised: bool,
    /// Load OFAC CSV sets even when these companion files are missing (add, alt, comments; comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "PARTS")]
    pub allow_incomplete_ofac: Vec<OfacPartArg>,
}

impl LoadArgs {
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            skip_unrecognised: self.skip_unrecognised,
            allow_incomplete_ofac: self.allow_incomplete_ofac.iter().map(|&p| p.into()).collect(),
        }
    }
}

/// Arguments of `entente lists`.
#[derive(Debug, Args)]
pub struct ListsArgs {
    #[command(subcommand)]
    pub command: ListsCommand,
}

/// `entente lists …` subcommands.
#[derive(Debug, Subcommand)]
pub enum ListsCommand {
    /// Download the official lists into the store (all or nothing).
    Fetch {
        /// Sources to fetch (default: un, ofac-sdn, ofac-cons, eu, uk). Repeatable.
        #[arg(long = "source")]
        sources: Vec<String>,
        /// Override a source URL: NAME=URL. Repeatable.
        #[arg(long = "url")]
        urls: Vec<String>,
        /// Store folder (default $ENTENTE_LISTS_DIR or $XDG_DATA_HOME/entente/lists).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Per-request timeout in seconds.
        #[arg(long, default_value_t = entente_app::lists::DEFAULT_FETCH_TIMEOUT_SECS)]
        timeout: u64,
        /// Retries per source on network errors and HTTP 5xx.
        #[arg(long, default_value_t = entente_app::lists::DEFAULT_FETCH_RETRIES)]
        retries: u32,
    },
    /// Summarise the loaded lists: per list, entity type and programme; file dates.
    Show {
        /// List files or folders; default: the lists fetched last.
        #[arg(long, num_args = 1..)]
        lists: Vec<PathBuf>,
        /// Store folder to read when --lists is not given.
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, short = 'f', value_enum, default_value_t = ShowFormat::Table)]
        format: ShowFormat,
        /// Programmes shown per list in the table.
        #[arg(long, default_value_t = 10)]
        top: usize,
        #[command(flatten)]
        load: LoadArgs,
    },
    /// Show who was added, removed or changed between two versions of a list.
    Diff {
        /// Old version (file or folder).
        old: PathBuf,
        /// New version (file or folder).
        new: PathBuf,
        #[arg(long, short = 'f', value_enum, default_value_t = ShowFormat::Table)]
        format: ShowFormat,
        #[command(flatten)]
        load: LoadArgs,
    },
    /// Print the configured sources and their URLs.
    Sources,
}

/// Output of `lists show` / `lists diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Table,
    Json,
}

impl From<ShowFormat> for views::lists::Format {
    fn from(f: ShowFormat) -> Self {
        match f {
            ShowFormat::Table => Self::Table,
            ShowFormat::Json => Self::Json,
        }
    }
}

/// Errors quote list and input text (names, field values): make them safe to print, keeping line breaks.
fn terminal_safe(e: anyhow::Error) -> anyhow::Error {
    let text = format!("{e:#}");
    let lines: Vec<String> = text.split('\n').map(|l| safe(l).into_owned()).collect();
    let clean = lines.join("\n");
    if clean == text {
        e
    } else {
        anyhow::anyhow!(clean)
    }
}

/// Writes bytes to standard output.
fn print(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

/// Runs `entente screen`; returns the exit code (0 nothing alerts, 1 something alerts).
pub fn run_screen(args: ScreenArgs) -> Result<u8> {
    screen(args).map_err(terminal_safe)
}

/// The screening request the flags describe (flag syntax is checked here, with messages naming the flags).
fn request(args: &ScreenArgs) -> Result<ScreenRequest> {
    if !(0.0..=1.0).contains(&args.threshold) {
        bail!("--threshold must be between 0 and 1");
    }
    if args.names.is_empty() && args.input.is_empty() && args.ids.is_empty() {
        if let Some(p) = args.lists.iter().find(|p| !p.exists()) {
            bail!(
                "nothing to screen, and --lists got {:?}, which does not exist: put NAMES before --lists (--lists takes several paths)",
                p.display().to_string()
            );
        }
        bail!("nothing to screen: give NAMES, --id KIND=VALUE or --input FILE");
    }
    let birth_date = match &args.dob {
        Some(d) => Some(DateSpec::parse(d).with_context(|| format!("--dob {d:?} is not a date"))?),
        None => None,
    };
    let ids = args.ids.iter().map(|s| parse_id_arg(s)).collect::<Result<Vec<_>>>()?;
    let mut queries: Vec<Query> = args
        .names
        .iter()
        .map(|n| Query {
            name: n.clone(),
            schema: args.party_type.schema(),
            birth_date: birth_date.clone(),
            country: args.country.clone(),
            identifiers: ids.clone(),
        })
        .collect();
    if args.names.is_empty() && !ids.is_empty() {
        queries.push(Query { identifiers: ids, ..Default::default() });
    }
    let delimiter = match args.delimiter.as_str() {
        "\\t" | "tab" => b'\t',
        d if d.len() == 1 => d.as_bytes()[0],
        d => bail!("--delimiter must be one character, got {d:?}"),
    };
    let mut id_cols = Vec::new();
    for s in &args.id_columns {
        let (k, c) = s.split_once('=').with_context(|| format!("--id-column {s:?} must be KIND=COLUMN"))?;
        let kind = IdKind::parse(k).with_context(|| format!("unknown identifier kind {k:?}"))?;
        id_cols.push((kind, c.to_string()));
    }
    let csv = CsvColumns {
        name: args.name_column.clone(),
        country: args.country_column.clone(),
        dob: args.dob_column.clone(),
        schema: args.type_column.clone(),
        ids: id_cols,
        delimiter,
    };
    let now = entente_screen::audit::run_time(args.now.as_deref())?;
    let format = args.input_format.into();
    Ok(ScreenRequest {
        queries,
        inputs: args.input.iter().map(|p| Input::File { path: p.clone(), format }).collect(),
        csv,
        lists: ListsRequest { paths: args.lists.clone(), store_dir: None, load: args.load.options() },
        threshold: args.threshold,
        algorithm: args.algorithm.into(),
        limit: args.limit,
        policy: args.policy.choice(),
        max_list_age_days: args.policy.max_list_age,
        now: Some(now),
    })
}

fn screen(args: ScreenArgs) -> Result<u8> {
    let req = request(&args)?;
    let outcome = entente_app::screen::screen(&req, &entente_app::Silent)?;
    eprint!("{}", views::screen::notices(&outcome.audit));
    let text = views::screen::render(args.format.into(), &outcome.results, &outcome.audit, args.all_rows);
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("{}: cannot write results", path.display()))?
        }
        None => print(text.as_bytes())?,
    }
    let code = u8::from(outcome.any_alert);
    if let Some(log) = &args.audit_log {
        entente_app::screen::append_audit_log(log, &outcome)?;
    }
    if args.verbose {
        eprint!("{}", timings(&outcome));
    }
    Ok(code)
}

/// `--verbose`: the lists, the store snapshot, the index size and where the time went.
fn timings(o: &ScreenOutcome) -> String {
    let s = &o.stats;
    let lists: Vec<String> = s
        .lists
        .iter()
        .map(|l| format!("{} {} ({})", l.list, l.entities, l.generated.as_deref().unwrap_or("undated")))
        .collect();
    let mut out = format!("lists: {}\n", lists.join(", "));
    if let Some(snap) = &o.audit.snapshot {
        out.push_str(&format!("store snapshot fetched {}\n", snap.fetched_at));
    }
    out.push_str(&format!(
        "{} entities, {} names; inputs {:?}, load {:?}, index {:?}, screen {} parties {:?}\n",
        s.entities, s.names, s.inputs_time, s.load_time, s.index_time, s.parties, s.screen_time
    ));
    out
}

/// Runs `entente lists …`; returns the exit code (0).
pub fn run_lists(args: ListsArgs) -> Result<u8> {
    lists(args).map_err(terminal_safe)
}

fn lists(args: ListsArgs) -> Result<u8> {
    let text = match args.command {
        ListsCommand::Sources => views::lists::sources(lists_sources()),
        ListsCommand::Fetch { sources, urls, dir, timeout, retries } => {
            let mut map = BTreeMap::new();
            for u in urls {
                let (k, v) = u.split_once('=').with_context(|| format!("--url {u:?} must be NAME=URL"))?;
                map.insert(k.to_string(), v.to_string());
            }
            let req = FetchRequest { dir, sources, urls: map, timeout: Duration::from_secs(timeout), retries };
            let f = lists_fetch(&req)?;
            views::lists::fetched(&f.snapshot, &f.manifest)
        }
        ListsCommand::Show { lists, dir, format, top, load } => {
            let summary = lists_show(&ListsRequest { paths: lists, store_dir: dir, load: load.options() })?;
            views::lists::show(&summary, format.into(), top)
        }
        ListsCommand::Diff { old, new, format, load } => {
            let d = lists_diff(&DiffRequest { old, new, load: load.options() })?;
            views::lists::diff(&d, format.into())
        }
    };
    print(text.as_bytes())?;
    Ok(0)
}
