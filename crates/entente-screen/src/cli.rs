//! Command-line arguments and entry points for `entente screen` and `entente lists`.
//! The binary only parses argv into these structs and maps the returned code to an exit status.

use crate::index::{Algorithm, Index, Query, SearchOptions};
use crate::iso20022::Party;
use crate::lists::{load_paths, ParsedList};
use crate::model::{DateSpec, Schema};
use crate::screen::{parse_id_arg, parties_from_csv, render, screen_all, CsvColumns, OutputFormat};
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
    },
    /// Show who was added, removed or changed between two versions of a list.
    Diff {
        /// Old version (file or folder).
        old: PathBuf,
        /// New version (file or folder).
        new: PathBuf,
        #[arg(long, short = 'f', value_enum, default_value_t = ShowFormat::Table)]
        format: ShowFormat,
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

fn load_lists(paths: &[PathBuf], dir: Option<&PathBuf>) -> Result<(Vec<ParsedList>, Option<store::Manifest>)> {
    if !paths.is_empty() {
        return Ok((load_paths(paths)?, None));
    }
    let dir = dir.cloned().unwrap_or_else(store::store_dir);
    let (l, m) = store::load_current(&dir)?;
    Ok((l, Some(m)))
}

/// Runs `entente screen`; returns the process exit code (0 no hit, 1 hit, 2 error).
pub fn run_screen(args: ScreenArgs) -> Result<i32> {
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
        parties.push(Party {
            reference: String::new(),
            role: "name".into(),
            query: Query {
                name: n.clone(),
                schema,
                birth_date: birth_date.clone(),
                country: args.country.clone(),
                identifiers: ids.clone(),
            },
            free_text: false,
        });
    }
    if args.names.is_empty() && !ids.is_empty() {
        parties.push(Party {
            reference: String::new(),
            role: "name".into(),
            query: Query { identifiers: ids.clone(), ..Default::default() },
            free_text: false,
        });
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
    for path in &args.input {
        let data = crate::xml::read_file(path)?;
        let name = path.display().to_string();
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
    let (lists, manifest) = load_lists(&args.lists, None)?;
    let t_load = t0.elapsed();
    let index = Index::build(lists);
    let t_index = t0.elapsed();
    let opts = SearchOptions { algorithm: args.algorithm, threshold: args.threshold, limit: args.limit.max(1) };
    let n_parties = parties.len();
    let results = screen_all(&index, parties, &opts);
    let t_screen = t0.elapsed();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    render(&index, &results, args.format, args.all_rows, &mut out)?;
    out.flush()?;
    if args.verbose {
        let mut err = std::io::stderr().lock();
        let lists: Vec<String> = index
            .lists
            .iter()
            .map(|l| format!("{} {} ({})", l.list, l.entities, l.generated.as_deref().unwrap_or("undated")))
            .collect();
        let _ = writeln!(err, "lists: {}", lists.join(", "));
        if let Some(m) = manifest {
            let _ = writeln!(err, "store snapshot fetched {}", m.fetched_at);
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
    Ok(if results.iter().any(|r| !r.hits.is_empty()) { 1 } else { 0 })
}

/// Runs `entente lists …`; returns the process exit code.
pub fn run_lists(args: ListsArgs) -> Result<i32> {
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
        ListsCommand::Show { lists, dir, format, top } => {
            let (lists, manifest) = load_lists(&lists, dir.as_ref())?;
            show(&lists, manifest.as_ref(), format, top, &mut out)?;
        }
        ListsCommand::Diff { old, new, format } => {
            let a: Vec<_> = load_paths(&[old])?.into_iter().flat_map(|l| l.entities).collect();
            let b: Vec<_> = load_paths(&[new])?.into_iter().flat_map(|l| l.entities).collect();
            let d = store::diff(&a, &b);
            match format {
                ShowFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &d)?;
                    writeln!(out)?;
                }
                ShowFormat::Table => {
                    writeln!(out, "{} added, {} removed, {} changed", d.added.len(), d.removed.len(), d.changed.len())?;
                    for (id, c) in &d.added {
                        writeln!(out, "+ {id:<20} {c}")?;
                    }
                    for (id, c) in &d.removed {
                        writeln!(out, "- {id:<20} {c}")?;
                    }
                    for c in &d.changed {
                        writeln!(out, "~ {:<20} {}", c.id, c.caption)?;
                        for x in &c.changes {
                            writeln!(out, "      {x}")?;
                        }
                    }
                }
            }
        }
    }
    Ok(0)
}

fn show(
    lists: &[ParsedList],
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
        sha256: Option<&'a str>,
    }
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
        let sha =
            manifest.and_then(|m| m.files.iter().find(|f| l.source.ends_with(&f.file)).map(|f| f.sha256.as_str()));
        sums.push(Summary {
            list: &l.list,
            authority: &l.authority,
            format: &l.format,
            source: &l.source,
            generated: l.generated.as_deref(),
            entities: l.entities.len(),
            by_type,
            by_programme: by_prog,
            sha256: sha,
        });
    }
    match format {
        ShowFormat::Json => {
            serde_json::to_writer_pretty(
                &mut *out,
                &serde_json::json!({
                    "fetched_at": manifest.map(|m| m.fetched_at.clone()),
                    "lists": sums,
                }),
            )?;
            writeln!(out)?;
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
                    s.authority,
                    s.format,
                    s.generated.unwrap_or("(no date in file)")
                )?;
                let modified = std::fs::metadata(s.source)
                    .and_then(|m| m.modified())
                    .map(|t| chrono::DateTime::<chrono::Utc>::from(t).format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|_| "?".into());
                writeln!(out, "  file: {} (modified {modified})", s.source)?;
                if let Some(h) = s.sha256 {
                    writeln!(out, "  sha256: {h}")?;
                }
                let types: Vec<String> = s.by_type.iter().map(|(k, v)| format!("{k} {v}")).collect();
                writeln!(out, "  {} entities: {}", s.entities, types.join(", "))?;
                let mut progs: Vec<(&String, &usize)> = s.by_programme.iter().collect();
                progs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                let shown: Vec<String> = progs.iter().take(top).map(|(k, v)| format!("{k} {v}")).collect();
                let more = if progs.len() > top { format!(" (+{} more)", progs.len() - top) } else { String::new() };
                writeln!(out, "  programmes: {}{}", shown.join(", "), more)?;
            }
        }
    }
    Ok(())
}
