//! Command-line arguments and entry points for `entente screen` and `entente lists`.
//! The binary only parses argv into these structs and maps the returned code to an exit status.

use crate::audit::{Audit, PolicyAudit, SnapshotAudit};
use crate::index::{Algorithm, Index, Query, SearchOptions};
use crate::iso20022::Party;
use crate::lists::{load_paths_with, LoadOptions, Loaded, OfacPart, ParsedList, SourceFile};
use crate::model::{DateSpec, Schema};
use crate::policy::Policy;
use crate::screen::{parse_id_arg, parties_from_csv, render, safe, screen_all_with_policy, CsvColumns, OutputFormat};
use crate::store;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

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

/// How `--input` is interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// Detect from content: ISO 20022 XML or CSV.
    Auto,
    Csv,
    Iso20022,
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
    #[arg(long, short = 't', default_value_t = 0.75)]
    pub threshold: f32,
    /// Scoring: entente's explained matcher, or OFAC Sanctions List Search parity.
    #[arg(long, value_enum, default_value_t = Algorithm::Entente)]
    pub algorithm: Algorithm,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Most hits reported per screened party.
    #[arg(long, default_value_t = 5)]
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
    /// Country policy file (TOML; default: the built-in policy — KP, IR, SY, CU and the occupied regions of Ukraine).
    #[arg(long, value_name = "FILE")]
    pub country_policy: Option<PathBuf>,
    /// Do not check countries and addresses against any country policy.
    #[arg(long, conflicts_with = "country_policy")]
    pub no_country_policy: bool,
    /// Warn about lists published more than this many days before the run.
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    pub max_list_age: i64,
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

/// How strictly list folders are read (shared by `screen`, `lists show` and `lists diff`).
#[derive(Debug, Clone, Default, Args)]
pub struct LoadArgs {
    /// Skip files in list folders that are not recognised lists (each is named in the result) instead of failing.
    #[arg(long)]
    pub skip_unrecognised: bool,
    /// Load OFAC CSV sets even when these companion files are missing (add, alt, comments; comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "PARTS")]
    pub allow_incomplete_ofac: Vec<OfacPart>,
}

impl LoadArgs {
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            skip_unrecognised: self.skip_unrecognised,
            allow_incomplete_ofac: self.allow_incomplete_ofac.iter().copied().collect(),
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
        #[arg(long, default_value_t = 120)]
        timeout: u64,
        /// Retries per source on network errors and HTTP 5xx.
        #[arg(long, default_value_t = 2)]
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

/// Where the lists came from when no `--lists` was given.
struct StoreInfo {
    manifest: store::Manifest,
    snapshot: String,
}

fn load_lists(paths: &[PathBuf], dir: Option<&PathBuf>, opts: &LoadOptions) -> Result<(Loaded, Option<StoreInfo>)> {
    if !paths.is_empty() {
        return Ok((load_paths_with(paths, opts)?, None));
    }
    let dir = dir.cloned().unwrap_or_else(store::store_dir);
    let (l, m) = store::load_current(&dir)?;
    let snapshot = store::current(&dir)?.0.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok((Loaded { lists: l, skipped: Vec::new() }, Some(StoreInfo { manifest: m, snapshot })))
}

/// Runs `entente screen`; returns the process exit code (0 no hit, 1 hit, 2 error).
pub fn run_screen(args: ScreenArgs) -> Result<i32> {
    screen_inner(args).map_err(terminal_safe)
}

/// Errors quote list and input text (names, field values): make them safe
/// to print, keeping line breaks.
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

fn screen_inner(args: ScreenArgs) -> Result<i32> {
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
    let t0 = Instant::now();
    // Parse inputs before the (slower) list load so input errors surface fast.
    let mut parties: Vec<Party> = Vec::new();
    let schema = match args.party_type {
        PartyType::Person => Some(Schema::Person),
        PartyType::Organization => Some(Schema::Organization),
        PartyType::Company => Some(Schema::Company),
        PartyType::Vessel => Some(Schema::Vessel),
        PartyType::Aircraft => Some(Schema::Airplane),
        PartyType::Any => None,
    };
    let birth_date = match &args.dob {
        Some(d) => Some(DateSpec::parse(d).with_context(|| format!("--dob {d:?} is not a date"))?),
        None => None,
    };
    let ids = args.ids.iter().map(|s| parse_id_arg(s)).collect::<Result<Vec<_>>>()?;
    for n in &args.names {
        parties.push(Party::new(
            "",
            "name",
            Query {
                name: n.clone(),
                schema,
                birth_date: birth_date.clone(),
                country: args.country.clone(),
                identifiers: ids.clone(),
            },
        ));
    }
    if args.names.is_empty() && !ids.is_empty() {
        parties.push(Party::new("", "name", Query { identifiers: ids.clone(), ..Default::default() }));
    }
    let delimiter = match args.delimiter.as_str() {
        "\\t" | "tab" => b'\t',
        d if d.len() == 1 => d.as_bytes()[0],
        d => bail!("--delimiter must be one character, got {d:?}"),
    };
    let mut id_cols = Vec::new();
    for s in &args.id_columns {
        let (k, c) = s.split_once('=').with_context(|| format!("--id-column {s:?} must be KIND=COLUMN"))?;
        let kind = crate::model::IdKind::parse(k).with_context(|| format!("unknown identifier kind {k:?}"))?;
        id_cols.push((kind, c.to_string()));
    }
    let cols = CsvColumns {
        name: args.name_column.clone(),
        country: args.country_column.clone(),
        dob: args.dob_column.clone(),
        schema: args.type_column.clone(),
        ids: id_cols,
        delimiter,
    };
    let run_at = crate::audit::run_time(args.now.as_deref())?;
    let policy = if args.no_country_policy {
        None
    } else {
        Some(match &args.country_policy {
            Some(p) => Policy::load(p)?,
            None => Policy::default_policy(),
        })
    };
    let mut inputs = Vec::new();
    for path in &args.input {
        let data = crate::xml::read_file(path)?;
        let name = path.display().to_string();
        inputs.push(SourceFile { path: name.clone(), sha256: store::sha256_hex(&data), bytes: data.len() as u64 });
        let xml = match args.input_format {
            InputFormat::Csv => false,
            InputFormat::Iso20022 => true,
            InputFormat::Auto => {
                let head = String::from_utf8_lossy(&data[..data.len().min(512)])
                    .trim_start_matches('\u{feff}')
                    .trim_start()
                    .to_string();
                head.starts_with('<')
            }
        };
        let mut ps = if xml { crate::iso20022::parse(&name, &data)? } else { parties_from_csv(&name, &data, &cols)? };
        if args.input.len() > 1 {
            for p in &mut ps {
                p.reference = format!("{name}:{}", p.reference);
            }
        }
        parties.extend(ps);
    }
    let t_inputs = t0.elapsed();
    let (loaded, store_info) = load_lists(&args.lists, None, &args.load.options())?;
    let t_load = t0.elapsed();
    let algorithm = format!("{:?}", args.algorithm).to_ascii_lowercase();
    let mut audit = Audit::new(&loaded, run_at, args.threshold, &algorithm);
    audit.check_age(run_at, args.max_list_age);
    audit.inputs = inputs;
    if let Some(si) = &store_info {
        audit.snapshot = Some(SnapshotAudit { id: si.snapshot.clone(), fetched_at: si.manifest.fetched_at.clone() });
    }
    if let Some(p) = &policy {
        audit.policy = Some(PolicyAudit {
            source: p.source.clone(),
            sha256: p.sha256.clone(),
            jurisdictions: p.jurisdictions.iter().map(|j| j.id.clone()).collect(),
        });
    }
    {
        let mut err = std::io::stderr().lock();
        for w in &audit.warnings {
            let _ = writeln!(err, "warning: {}", safe(w));
        }
        for s in &audit.skipped {
            let _ = writeln!(err, "skipped: {} — {}", safe(&s.path), safe(&s.reason));
        }
    }
    let index = Index::build(loaded.lists);
    let t_index = t0.elapsed();
    let opts = SearchOptions { algorithm: args.algorithm, threshold: args.threshold, limit: args.limit.max(1) };
    let n_parties = parties.len();
    let results = screen_all_with_policy(&index, parties, &opts, policy.as_ref());
    let t_screen = t0.elapsed();
    match &args.output {
        Some(path) => {
            let mut buf = Vec::new();
            render(&index, &results, args.format, args.all_rows, &audit, &mut buf)?;
            std::fs::write(path, buf).with_context(|| format!("{}: cannot write results", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            render(&index, &results, args.format, args.all_rows, &audit, &mut out)?;
            out.flush()?;
        }
    }
    let code = if results.iter().any(|r| r.alerts()) { 1 } else { 0 };
    if let Some(log) = &args.audit_log {
        let alerts: Vec<serde_json::Value> = results
            .iter()
            .filter(|r| r.alerts())
            .map(|r| {
                serde_json::json!({
                    "reference": r.reference,
                    "role": r.role,
                    "query": r.query.name,
                    "amount": r.amount,
                    "note": r.note,
                    "jurisdiction": r.jurisdiction,
                    "hits": r.hits.iter().map(|h| serde_json::json!({
                        "entity_id": index.entities[h.entity].id,
                        "score": (h.score * 1000.0).round() / 1000.0,
                        "matched_name": h.matched_name,
                        "matched_fields": r.matched_fields(h),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        crate::audit::append_log(
            log,
            &serde_json::json!({
                "audit": audit,
                "parties": n_parties,
                "alerts": alerts,
                "exit_code": code,
            }),
        )?;
    }
    if args.verbose {
        let mut err = std::io::stderr().lock();
        let lists: Vec<String> = index
            .lists
            .iter()
            .map(|l| format!("{} {} ({})", l.list, l.entities, l.generated.as_deref().unwrap_or("undated")))
            .collect();
        let _ = writeln!(err, "lists: {}", lists.join(", "));
        if let Some(si) = store_info {
            let _ = writeln!(err, "store snapshot fetched {}", si.manifest.fetched_at);
        }
        let _ = writeln!(
            err,
            "{} entities, {} names; inputs {:?}, load {:?}, index {:?}, screen {} parties {:?}",
            index.entities.len(),
            index.name_count(),
            t_inputs,
            t_load - t_inputs,
            t_index - t_load,
            n_parties,
            t_screen - t_index
        );
    }
    Ok(code)
}

/// Runs `entente lists …`; returns the process exit code.
pub fn run_lists(args: ListsArgs) -> Result<i32> {
    lists_inner(args).map_err(terminal_safe)
}

fn lists_inner(args: ListsArgs) -> Result<i32> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.command {
        ListsCommand::Sources => {
            for s in store::SOURCES {
                writeln!(
                    out,
                    "{:<14} {}{}\n{:<14} {}",
                    s.name,
                    s.description,
                    if s.default { "" } else { " [not fetched by default]" },
                    "",
                    s.url
                )?;
            }
        }
        ListsCommand::Fetch { sources, urls, dir, timeout, retries } => {
            let mut map = BTreeMap::new();
            for u in urls {
                let (k, v) = u.split_once('=').with_context(|| format!("--url {u:?} must be NAME=URL"))?;
                map.insert(k.to_string(), v.to_string());
            }
            let opts = store::FetchOptions {
                dir: dir.unwrap_or_else(store::store_dir),
                sources,
                urls: map,
                timeout: Duration::from_secs(timeout.max(1)),
                retries,
            };
            let (snap, m) = store::fetch(&opts)?;
            writeln!(out, "fetched {} lists into {}", m.files.len(), snap.display())?;
            for f in &m.files {
                writeln!(
                    out,
                    "  {:<10} {:>7} entities  {:>11} bytes  sha256 {}  generated {}",
                    f.source,
                    f.entities,
                    f.bytes,
                    &f.sha256[..16],
                    f.generated.as_deref().unwrap_or("-")
                )?;
            }
        }
        ListsCommand::Show { lists, dir, format, top, load } => {
            let (loaded, info) = load_lists(&lists, dir.as_ref(), &load.options())?;
            show(&loaded, info.as_ref().map(|i| &i.manifest), format, top, &mut out)?;
        }
        ListsCommand::Diff { old, new, format, load } => {
            let o = load.options();
            let a: Vec<_> = load_paths_with(&[old], &o)?.lists.into_iter().flat_map(|l| l.entities).collect();
            let b: Vec<_> = load_paths_with(&[new], &o)?.lists.into_iter().flat_map(|l| l.entities).collect();
            let d = store::diff(&a, &b);
            match format {
                ShowFormat::Json => {
                    writeln!(out, "{}", crate::screen::json_safe(&serde_json::to_string_pretty(&d)?))?;
                }
                ShowFormat::Table => {
                    writeln!(out, "{} added, {} removed, {} changed", d.added.len(), d.removed.len(), d.changed.len())?;
                    for (id, c) in &d.added {
                        writeln!(out, "+ {:<20} {}", safe(id), safe(c))?;
                    }
                    for (id, c) in &d.removed {
                        writeln!(out, "- {:<20} {}", safe(id), safe(c))?;
                    }
                    for c in &d.changed {
                        writeln!(out, "~ {:<20} {}", safe(&c.id), safe(&c.caption))?;
                        for x in &c.changes {
                            writeln!(out, "      {}", safe(x))?;
                        }
                    }
                }
            }
        }
    }
    Ok(0)
}

fn show(
    loaded: &Loaded,
    manifest: Option<&store::Manifest>,
    format: ShowFormat,
    top: usize,
    out: &mut dyn Write,
) -> Result<()> {
    #[derive(serde::Serialize)]
    struct Summary<'a> {
        list: &'a str,
        authority: &'a str,
        format: &'a str,
        source: &'a str,
        generated: Option<&'a str>,
        entities: usize,
        by_type: BTreeMap<String, usize>,
        by_programme: BTreeMap<String, usize>,
        files: &'a [SourceFile],
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        warnings: &'a [String],
    }
    let lists: &[ParsedList] = &loaded.lists;
    let mut sums = Vec::new();
    for l in lists {
        let mut by_type = BTreeMap::new();
        let mut by_prog = BTreeMap::new();
        for e in &l.entities {
            *by_type.entry(e.schema.to_string()).or_insert(0) += 1;
            for p in &e.programs {
                *by_prog.entry(p.clone()).or_insert(0) += 1;
            }
        }
        sums.push(Summary {
            list: &l.list,
            authority: &l.authority,
            format: &l.format,
            source: &l.source,
            generated: l.generated.as_deref(),
            entities: l.entities.len(),
            by_type,
            by_programme: by_prog,
            files: &l.files,
            warnings: &l.warnings,
        });
    }
    match format {
        ShowFormat::Json => {
            let doc = serde_json::json!({
                "fetched_at": manifest.map(|m| m.fetched_at.clone()),
                "lists": sums,
                "skipped": loaded.skipped,
            });
            writeln!(out, "{}", crate::screen::json_safe(&serde_json::to_string_pretty(&doc)?))?;
        }
        ShowFormat::Table => {
            if let Some(m) = manifest {
                writeln!(out, "store snapshot fetched {}", m.fetched_at)?;
            }
            let total: usize = sums.iter().map(|s| s.entities).sum();
            writeln!(out, "{} lists, {} entities", sums.len(), total)?;
            for s in &sums {
                writeln!(
                    out,
                    "\n{} — {} ({}), generated {}",
                    s.list,
                    safe(s.authority),
                    s.format,
                    safe(s.generated.unwrap_or("(no date in file)"))
                )?;
                let modified = std::fs::metadata(s.source)
                    .and_then(|m| m.modified())
                    .map(|t| chrono::DateTime::<chrono::Utc>::from(t).format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|_| "?".into());
                writeln!(out, "  file: {} (modified {modified})", safe(s.source))?;
                for f in s.files {
                    writeln!(out, "  sha256 {}  {}", f.sha256, safe(&f.path))?;
                }
                for w in s.warnings {
                    writeln!(out, "  warning: {}", safe(w))?;
                }
                let types: Vec<String> = s.by_type.iter().map(|(k, v)| format!("{k} {v}")).collect();
                writeln!(out, "  {} entities: {}", s.entities, types.join(", "))?;
                let mut progs: Vec<(&String, &usize)> = s.by_programme.iter().collect();
                progs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                let shown: Vec<String> = progs.iter().take(top).map(|(k, v)| format!("{} {v}", safe(k))).collect();
                let more = if progs.len() > top { format!(" (+{} more)", progs.len() - top) } else { String::new() };
                writeln!(out, "  programmes: {}{}", shown.join(", "), more)?;
            }
            for sk in &loaded.skipped {
                writeln!(out, "\nskipped: {} — {}", safe(&sk.path), safe(&sk.reason))?;
            }
        }
    }
    Ok(())
}
