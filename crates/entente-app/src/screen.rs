//! Screening: names, CSV files and ISO 20022 payments (pacs.008, pain.001) against sanctions lists and a country
//! policy, with the audit trail of every run.
//!
//! Two ways in:
//! - [`screen`]: one request, one run — load the lists ([`ScreenRequest::lists`]), build the index, screen
//!   (what `entente screen` does);
//! - [`load_index`] once, then [`screen_with`] for every request against the same [`LoadedIndex`] (what a server
//!   does: it keeps one index in memory, shares it between requests, and swaps in a new one when the lists
//!   change). Building the index is the slow part; screening a party takes microseconds.
//!
//! Results are data ([`ScreenOutcome`]): the parties with their resolved hits, the audit, whether anything
//! alerts. `entente_report::views::screen` renders them as the table, JSON or CSV the CLI prints.

use crate::{Error, Progress, Result};
use chrono::{DateTime, Utc};
use entente_screen::audit::{Audit, PolicyAudit, SnapshotAudit};
use entente_screen::index::{Algorithm, Index, ListInfo, Query, SearchOptions};
use entente_screen::iso20022::Party;
use entente_screen::lists::{load_paths_with, LoadOptions, Loaded, ParsedList, SourceFile};
use entente_screen::model::OwnershipFlag;
use entente_screen::policy::Policy;
use entente_screen::screen::{parties_from_csv, resolve, screen_all_with_policy, CsvColumns, ScreenedParty};
use entente_screen::store::{self, Manifest};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Hits scoring below this are not reported.
pub const DEFAULT_THRESHOLD: f32 = 0.75;
/// Most hits reported per screened party.
pub const DEFAULT_LIMIT: usize = 5;
/// Lists published more than this many days before the run are warned about.
pub const DEFAULT_MAX_LIST_AGE_DAYS: i64 = 30;

/// Which lists to load: the given files and folders, else the store's current snapshot.
#[derive(Debug, Clone, Default)]
pub struct ListsRequest {
    /// List files or folders (format detected from content). Empty: the lists fetched last.
    pub paths: Vec<PathBuf>,
    /// The store folder read when `paths` is empty (default: `store::store_dir()`, i.e. `$ENTENTE_LISTS_DIR`, else
    /// `$XDG_DATA_HOME/entente/lists`).
    pub store_dir: Option<PathBuf>,
    /// How strictly list folders are read.
    pub load: LoadOptions,
}

/// The store snapshot lists were loaded from.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The snapshot's folder name (its fetch time, e.g. `20261129T101500Z`).
    pub id: String,
    pub manifest: Manifest,
}

/// Loads the lists a request names: the paths strictly (every file a recognised, complete list, or an error naming
/// it, unless skipped by the options), or the store's current snapshot with every checksum verified.
pub fn load_lists(req: &ListsRequest) -> Result<(Loaded, Option<Snapshot>)> {
    if !req.paths.is_empty() {
        return Ok((load_paths_with(&req.paths, &req.load).map_err(Error::input)?, None));
    }
    let dir = req.store_dir.clone().unwrap_or_else(store::store_dir);
    let (lists, manifest) = store::load_current(&dir).map_err(Error::input)?;
    let id = store::current(&dir)
        .map_err(Error::input)?
        .0
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((Loaded { lists, skipped: Vec::new() }, Some(Snapshot { id, manifest })))
}

/// Lists loaded and indexed, ready to screen against any number of times (it is `Send + Sync`: share it behind an
/// `Arc` and swap the `Arc` to reload).
pub struct LoadedIndex {
    /// The searchable entities of every list.
    pub index: Index,
    /// The store snapshot the lists came from (`None` when they were given as paths).
    pub snapshot: Option<Snapshot>,
    /// Time to read and parse the lists.
    pub load_time: Duration,
    /// Time to build the index.
    pub index_time: Duration,
    /// Parties caught without being listed themselves (owned or controlled by listed parties, per the loaded FtM
    /// ownership records and the UK list's parent / subsidiary data), by the screener's entity id: attached to
    /// every hit on them ([`ScreenedHit::ownership`](entente_screen::screen::ScreenedHit::ownership)).
    pub ownership: BTreeMap<String, Vec<OwnershipFlag>>,
    /// The lists' part of every run's audit (lists with files, hashes and dates, skipped files, the lists' own
    /// warnings, the snapshot); each run adds its time, parameters, inputs, policy and age warnings.
    lists_audit: Audit,
}

impl LoadedIndex {
    /// The lists' part of the audit trail (run time, threshold and algorithm are placeholders here).
    pub fn lists_audit(&self) -> &Audit {
        &self.lists_audit
    }

    /// An index of only the entities whose ids are in `ids` (the entries a list diff added or changed, for a
    /// rescreen), in this index's list order, with the same lists (names, sources, dates), audit, snapshot and
    /// ownership flags: a hit on the subset reads as a hit on the whole index would. Load and index times are
    /// those of building the subset.
    pub fn subset(&self, ids: &BTreeSet<&str>) -> LoadedIndex {
        let t0 = Instant::now();
        let full = &self.index;
        let mut at = 0;
        let lists = full
            .lists
            .iter()
            .map(|info| {
                let mut l = ParsedList::new(&info.list, &info.authority, &info.format, &info.source);
                l.generated = info.generated.clone();
                let end = (at + info.entities).min(full.entities.len());
                l.entities = full.entities[at..end].iter().filter(|e| ids.contains(e.id.as_str())).cloned().collect();
                at = end;
                l
            })
            .collect();
        let ownership = self
            .ownership
            .iter()
            .filter(|(id, _)| ids.contains(id.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        LoadedIndex {
            index: Index::build(lists),
            snapshot: self.snapshot.clone(),
            load_time: Duration::ZERO,
            index_time: t0.elapsed(),
            ownership,
            lists_audit: self.lists_audit.clone(),
        }
    }
}

impl std::fmt::Debug for LoadedIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedIndex")
            .field("lists", &self.index.lists)
            .field("entities", &self.index.entities.len())
            .field("snapshot", &self.snapshot.as_ref().map(|s| &s.id))
            .finish()
    }
}

/// Loads the lists a request names and builds the index.
pub fn load_index(req: &ListsRequest) -> Result<LoadedIndex> {
    let t0 = Instant::now();
    let (loaded, snapshot) = load_lists(req)?;
    let load_time = t0.elapsed();
    let mut lists_audit = Audit::new(&loaded, DateTime::UNIX_EPOCH, 0.0, "");
    lists_audit.snapshot =
        snapshot.as_ref().map(|s| SnapshotAudit { id: s.id.clone(), fetched_at: s.manifest.fetched_at.clone() });
    let t1 = Instant::now();
    let graph = entente_gaps::ownership_graph(&loaded.lists).map_err(Error::input)?;
    let ownership = entente_gaps::ownership::flags_by_entity(&graph, None);
    let index = Index::build(loaded.lists);
    Ok(LoadedIndex { index, snapshot, load_time, index_time: t1.elapsed(), ownership, lists_audit })
}

/// How an input is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// From content: ISO 20022 XML when it starts with `<`, else CSV.
    #[default]
    Auto,
    /// CSV with a header row (see [`CsvColumns`]).
    Csv,
    /// ISO 20022 pacs.008 or pain.001, any version.
    Iso20022,
}

/// A file or upload to screen.
#[derive(Debug, Clone)]
pub enum Input {
    /// A file, read whole (at most 1 GiB); named by its path.
    File { path: PathBuf, format: InputFormat },
    /// Bytes already in memory (an upload), with the name results and errors give it.
    Bytes { name: String, data: Vec<u8>, format: InputFormat },
}

/// Which country policy to apply.
#[derive(Debug, Clone, Default)]
pub enum PolicyChoice {
    /// The built-in policy (KP, IR, SY, CU and the occupied regions of Ukraine).
    #[default]
    Default,
    /// A policy file (TOML).
    File(PathBuf),
    /// A policy already loaded.
    Loaded(Policy),
    /// No country policy: countries and addresses are not checked.
    None,
}

/// One screening run.
#[derive(Debug, Clone)]
pub struct ScreenRequest {
    /// Names (and identifier-only queries) to screen, each with whatever qualifiers are known.
    pub queries: Vec<Query>,
    /// Files or uploads to screen: CSV or ISO 20022 payments.
    pub inputs: Vec<Input>,
    /// How CSV inputs are read (columns, delimiter).
    pub csv: CsvColumns,
    /// The lists, for [`screen`] ([`screen_with`] uses its index instead).
    pub lists: ListsRequest,
    /// Report hits scoring at least this (0–1).
    pub threshold: f32,
    pub algorithm: Algorithm,
    /// Most hits per party (at least 1).
    pub limit: usize,
    pub policy: PolicyChoice,
    /// Warn about lists published more than this many days before the run.
    pub max_list_age_days: i64,
    /// The run time recorded in the audit (default: now).
    pub now: Option<DateTime<Utc>>,
}

impl Default for ScreenRequest {
    fn default() -> Self {
        ScreenRequest {
            queries: Vec::new(),
            inputs: Vec::new(),
            csv: CsvColumns { delimiter: b',', ..Default::default() },
            lists: ListsRequest::default(),
            threshold: DEFAULT_THRESHOLD,
            algorithm: Algorithm::Entente,
            limit: DEFAULT_LIMIT,
            policy: PolicyChoice::Default,
            max_list_age_days: DEFAULT_MAX_LIST_AGE_DAYS,
            now: None,
        }
    }
}

impl ScreenRequest {
    /// Checks the request before any work: a threshold in [0, 1] and something to screen.
    pub fn check(&self) -> Result<()> {
        self.check_options()?;
        if self.queries.is_empty() && self.inputs.is_empty() {
            return Err(Error::Invalid("nothing to screen: give names, identifiers or an input".into()));
        }
        Ok(())
    }

    /// Checks the options (the threshold is in [0, 1]).
    pub fn check_options(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(Error::Invalid(format!("threshold {} is not between 0 and 1", self.threshold)));
        }
        Ok(())
    }
}

/// Counts and timings of a run (for `--verbose` and a server's metrics).
#[derive(Debug, Clone)]
pub struct ScreenStats {
    /// The lists screened against (name, entity count, date as written).
    pub lists: Vec<ListInfo>,
    pub entities: usize,
    pub names: usize,
    pub parties: usize,
    /// Time to read and parse the inputs.
    pub inputs_time: Duration,
    /// Time to load the lists and to build the index (zero in [`screen_with`], which re-uses an index).
    pub load_time: Duration,
    pub index_time: Duration,
    pub screen_time: Duration,
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct ScreenOutcome {
    /// Every screened party in input order, with its hits, policy alerts and notes.
    pub results: Vec<ScreenedParty>,
    /// The audit trail: lists (hashes, dates), skipped files, policy, inputs, threshold, algorithm, version, run
    /// time and warnings (stale lists, allowed gaps).
    pub audit: Audit,
    /// True when any party needs a reviewer (a hit, a policy alert, or nothing screenable).
    pub any_alert: bool,
    pub stats: ScreenStats,
}

impl ScreenOutcome {
    /// The record `--audit-log` appends (one JSON line per run, keys sorted): the audit, the number of parties,
    /// each alerting party with its hits, and `exit_code` — the CLI's status for the run (1 when anything alerts,
    /// else 0).
    pub fn audit_record(&self) -> serde_json::Value {
        let alerts: Vec<serde_json::Value> = self
            .results
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
                        "entity_id": h.entity_id,
                        "score": (h.score * 1000.0).round() / 1000.0,
                        "matched_name": h.matched_name,
                        "matched_fields": h.matched_fields,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        entente_screen::audit::sorted_keys(serde_json::json!({
            "audit": self.audit,
            "parties": self.stats.parties,
            "alerts": alerts,
            "exit_code": i32::from(self.any_alert),
        }))
    }
}

/// Appends the run's [`ScreenOutcome::audit_record`] as one line to an audit log file.
pub fn append_audit_log(path: &std::path::Path, outcome: &ScreenOutcome) -> Result<()> {
    entente_screen::audit::append_log(path, &outcome.audit_record()).map_err(|e| Error::Io(format!("{e:#}")))
}

/// Reads one input into parties: CSV rows or the parties of every ISO 20022 transaction.
pub fn parse_input(name: &str, data: &[u8], format: InputFormat, csv: &CsvColumns) -> Result<Vec<Party>> {
    let xml = match format {
        InputFormat::Csv => false,
        InputFormat::Iso20022 => true,
        InputFormat::Auto => {
            let head = String::from_utf8_lossy(&data[..data.len().min(512)]);
            head.trim_start_matches('\u{feff}').trim_start().starts_with('<')
        }
    };
    if xml {
        entente_screen::iso20022::parse(name, data).map_err(Error::input)
    } else {
        parties_from_csv(name, data, csv).map_err(Error::input)
    }
}

/// The policy a request chooses (loading its file).
pub fn resolve_policy(choice: &PolicyChoice) -> Result<Option<Policy>> {
    Ok(match choice {
        PolicyChoice::Default => Some(Policy::default_policy()),
        PolicyChoice::File(p) => Some(Policy::load(p).map_err(Error::input)?),
        PolicyChoice::Loaded(p) => Some(p.clone()),
        PolicyChoice::None => None,
    })
}

/// The audit record of an input: its name, SHA-256 and size.
pub fn input_audit(name: &str, data: &[u8]) -> SourceFile {
    SourceFile { path: name.to_string(), sha256: store::sha256_hex(data), bytes: data.len() as u64 }
}

/// The request's parties (names first, then each input's) and the audit of its inputs.
fn parties(req: &ScreenRequest) -> Result<(Vec<Party>, Vec<SourceFile>)> {
    let mut parties: Vec<Party> = req.queries.iter().map(|q| Party::new("", "name", q.clone())).collect();
    let mut audit = Vec::new();
    let several = req.inputs.len() > 1;
    for input in &req.inputs {
        let (name, data, format) = match input {
            Input::File { path, format } => {
                (path.display().to_string(), entente_screen::xml::read_file(path).map_err(Error::input)?, *format)
            }
            Input::Bytes { name, data, format } => (name.clone(), data.clone(), *format),
        };
        audit.push(input_audit(&name, &data));
        let mut ps = parse_input(&name, &data, format, &req.csv)?;
        if several {
            for p in &mut ps {
                p.reference = format!("{name}:{}", p.reference);
            }
        }
        parties.extend(ps);
    }
    Ok((parties, audit))
}

/// One run against a loaded index, prepared: its audit (the lists' part, plus run time, threshold, algorithm,
/// inputs, policy and stale-list warnings), the country policy and the search options. [`screen_with`] screens
/// every party at once; a server streaming a large upload calls [`ScreenRun::screen`] on one slice of parties at a
/// time and sends each slice's results as they come.
#[derive(Debug, Clone)]
pub struct ScreenRun {
    pub audit: Audit,
    pub policy: Option<Policy>,
    pub options: SearchOptions,
}

impl ScreenRun {
    /// Prepares a run of `req` (its threshold, algorithm, limit, policy, list age and time; not its queries or
    /// inputs) against `index`, whose inputs were `inputs`.
    pub fn new(index: &LoadedIndex, req: &ScreenRequest, inputs: Vec<SourceFile>) -> Result<ScreenRun> {
        req.check_options()?;
        Ok(Self::with_policy(index, req, resolve_policy(&req.policy)?, inputs))
    }

    /// As [`ScreenRun::new`], with the request's policy already resolved.
    fn with_policy(index: &LoadedIndex, req: &ScreenRequest, policy: Option<Policy>, inputs: Vec<SourceFile>) -> Self {
        let run_at = req.now.unwrap_or_else(Utc::now);
        let mut audit = index.lists_audit.clone();
        audit.set_run(run_at, req.threshold, &format!("{:?}", req.algorithm).to_ascii_lowercase());
        audit.check_age(run_at, req.max_list_age_days);
        audit.inputs = inputs;
        audit.policy = policy.as_ref().map(|p| PolicyAudit {
            source: p.source.clone(),
            sha256: p.sha256.clone(),
            jurisdictions: p.jurisdictions.iter().map(|j| j.id.clone()).collect(),
        });
        let options = SearchOptions { algorithm: req.algorithm, threshold: req.threshold, limit: req.limit.max(1) };
        ScreenRun { audit, policy, options }
    }

    /// Screens parties (in parallel) and resolves their hits; results are in the parties' order.
    pub fn screen(&self, index: &LoadedIndex, parties: Vec<Party>) -> Vec<ScreenedParty> {
        let found = screen_all_with_policy(&index.index, parties, &self.options, self.policy.as_ref());
        found
            .into_iter()
            .map(|r| {
                let mut p = resolve(&index.index, &self.audit, r);
                for h in &mut p.hits {
                    if let Some(f) = index.ownership.get(&h.entity_id) {
                        h.ownership = f.clone();
                    }
                }
                p
            })
            .collect()
    }
}

/// Screens a request: reads the policy and the inputs, loads the lists it names, builds the index, screens.
pub fn screen(req: &ScreenRequest, progress: &dyn Progress) -> Result<ScreenOutcome> {
    req.check()?;
    let t0 = Instant::now();
    let policy = resolve_policy(&req.policy)?;
    let (parties, inputs) = parties(req)?;
    let inputs_time = t0.elapsed();
    let index = load_index(&req.lists)?;
    Ok(run(&index, req, policy, parties, inputs, inputs_time, progress))
}

/// Screens a request against an index already loaded ([`load_index`]); the request's `lists` are not read.
pub fn screen_with(index: &LoadedIndex, req: &ScreenRequest, progress: &dyn Progress) -> Result<ScreenOutcome> {
    req.check()?;
    let t0 = Instant::now();
    let policy = resolve_policy(&req.policy)?;
    let (parties, inputs) = parties(req)?;
    let mut outcome = run(index, req, policy, parties, inputs, t0.elapsed(), progress);
    outcome.stats.load_time = Duration::ZERO;
    outcome.stats.index_time = Duration::ZERO;
    Ok(outcome)
}

fn run(
    loaded: &LoadedIndex,
    req: &ScreenRequest,
    policy: Option<Policy>,
    parties: Vec<Party>,
    inputs: Vec<SourceFile>,
    inputs_time: Duration,
    progress: &dyn Progress,
) -> ScreenOutcome {
    let run = ScreenRun::with_policy(loaded, req, policy, inputs);
    let n = parties.len();
    progress.start(n, "screening");
    let t = Instant::now();
    let results = run.screen(loaded, parties);
    let screen_time = t.elapsed();
    progress.inc(n);
    progress.finish();
    let any_alert = results.iter().any(ScreenedParty::alerts);
    let index = &loaded.index;
    let stats = ScreenStats {
        lists: index.lists.clone(),
        entities: index.entities.len(),
        names: index.name_count(),
        parties: n,
        inputs_time,
        load_time: loaded.load_time,
        index_time: loaded.index_time,
        screen_time,
    };
    ScreenOutcome { results, audit: run.audit, any_alert, stats }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_needs_something_to_screen_and_a_threshold_in_range() {
        let mut req = ScreenRequest::default();
        assert!(matches!(req.check(), Err(Error::Invalid(m)) if m.contains("nothing to screen")));
        req.queries.push(Query { name: "x".into(), ..Default::default() });
        assert!(req.check().is_ok());
        req.threshold = 1.5;
        assert!(matches!(req.check(), Err(Error::Invalid(m)) if m.contains("between 0 and 1")));
    }

    #[test]
    fn input_format_is_detected_from_content() {
        let csv = CsvColumns { delimiter: b',', ..Default::default() };
        let ps = parse_input("a.csv", b"name,country\nIvan Petrov,RU\n", InputFormat::Auto, &csv).unwrap();
        assert_eq!((ps.len(), ps[0].query.name.as_str()), (1, "Ivan Petrov"));
        let e = parse_input("a.xml", b"\xef\xbb\xbf  <Document>", InputFormat::Auto, &csv).unwrap_err();
        assert!(matches!(e, Error::Input(m) if m.contains("a.xml")));
    }

    #[test]
    fn a_subset_gives_the_hits_of_its_entities_exactly_as_the_whole_index_does_and_none_of_the_others() {
        let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../entente-screen/tests/fixtures/un_small.xml");
        let req = ScreenRequest {
            lists: ListsRequest { paths: vec![PathBuf::from(fixture)], ..Default::default() },
            policy: PolicyChoice::None,
            ..Default::default()
        };
        let full = load_index(&req.lists).unwrap();
        let run = ScreenRun::new(&full, &req, Vec::new()).unwrap();
        let party = || vec![Party::new("1", "name", Query { name: "Ri Pyong-chol".into(), ..Default::default() })];
        let whole = run.screen(&full, party());
        let id = whole[0].hits.first().expect("the fixture lists Ri Pyong-chol").entity_id.clone();
        let others: Vec<&str> = full.index.entities.iter().map(|e| e.id.as_str()).filter(|e| *e != id).collect();
        assert!(!others.is_empty());

        let sub = full.subset(&BTreeSet::from([id.as_str()]));
        assert_eq!(sub.index.entities.len(), 1);
        assert_eq!(
            sub.index.lists.iter().map(|l| (&l.list, &l.source)).collect::<Vec<_>>(),
            full.index.lists.iter().map(|l| (&l.list, &l.source)).collect::<Vec<_>>()
        );
        let json = |r: &[ScreenedParty]| serde_json::to_string(r).unwrap();
        assert_eq!(json(&run.screen(&sub, party())), json(&whole));

        let rest = full.subset(&others.into_iter().collect());
        assert_eq!(rest.index.entities.len(), full.index.entities.len() - 1);
        assert!(run.screen(&rest, party())[0].hits.iter().all(|h| h.entity_id != id));
    }
}
