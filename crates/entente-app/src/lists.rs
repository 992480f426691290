//! Sanctions lists: the configured sources, fetching them into the store (all or nothing), summarising the loaded
//! lists, and comparing two versions of a list. Typed results; `entente_report::views::lists` renders them.

use crate::screen::{load_lists, ListsRequest};
use crate::{Error, Result};
use entente_screen::lists::{load_paths_with, LoadOptions};
use entente_screen::store::{self, Diff, ListsSummary, Manifest, Source};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// Per-request timeout of a fetch, in seconds.
pub const DEFAULT_FETCH_TIMEOUT_SECS: u64 = 120;
/// Retries per source on network errors and HTTP 5xx.
pub const DEFAULT_FETCH_RETRIES: u32 = 2;

/// The official sources `lists fetch` knows, in order.
pub fn lists_sources() -> &'static [Source] {
    store::SOURCES
}

/// What to fetch, and where to.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    /// The store folder (default: `store::store_dir()`).
    pub dir: Option<PathBuf>,
    /// Source names (default: every source fetched by default).
    pub sources: Vec<String>,
    /// Source name → URL overrides.
    pub urls: BTreeMap<String, String>,
    /// Per-request timeout (at least one second).
    pub timeout: Duration,
    pub retries: u32,
}

impl Default for FetchRequest {
    fn default() -> Self {
        FetchRequest {
            dir: None,
            sources: Vec::new(),
            urls: BTreeMap::new(),
            timeout: Duration::from_secs(DEFAULT_FETCH_TIMEOUT_SECS),
            retries: DEFAULT_FETCH_RETRIES,
        }
    }
}

/// A completed fetch: the new snapshot (now current) and its manifest.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub snapshot: PathBuf,
    pub manifest: Manifest,
}

/// Downloads the requested lists into a new store snapshot and makes it current. Every source must download and
/// parse, or nothing changes. An unknown source, or a URL for a source not fetched, is [`Error::Invalid`]; a failed
/// download is [`Error::Io`].
pub fn lists_fetch(req: &FetchRequest) -> Result<Fetched> {
    store::select_sources(&req.sources, &req.urls).map_err(|e| Error::Invalid(format!("{e:#}")))?;
    let opts = store::FetchOptions {
        dir: req.dir.clone().unwrap_or_else(store::store_dir),
        sources: req.sources.clone(),
        urls: req.urls.clone(),
        timeout: req.timeout.max(Duration::from_secs(1)),
        retries: req.retries,
    };
    let (snapshot, manifest) = store::fetch(&opts).map_err(|e| Error::Io(format!("{e:#}")))?;
    Ok(Fetched { snapshot, manifest })
}

/// Loads the lists and summarises them: per list, entities by type and programme, files, warnings, dates.
pub fn lists_show(req: &ListsRequest) -> Result<ListsSummary> {
    let (loaded, snapshot) = load_lists(req)?;
    Ok(store::summarize(&loaded, snapshot.as_ref().map(|s| &s.manifest)))
}

/// Two versions of a list (files or folders) to compare.
#[derive(Debug, Clone)]
pub struct DiffRequest {
    pub old: PathBuf,
    pub new: PathBuf,
    pub load: LoadOptions,
}

/// Who was added, removed or changed between two versions of a list (entities matched by id).
pub fn lists_diff(req: &DiffRequest) -> Result<Diff> {
    let load = |p: &PathBuf| -> Result<Vec<_>> {
        let loaded = load_paths_with(std::slice::from_ref(p), &req.load).map_err(Error::input)?;
        Ok(loaded.lists.into_iter().flat_map(|l| l.entities).collect())
    };
    let old = load(&req.old)?;
    let new = load(&req.new)?;
    Ok(store::diff(&old, &new))
}
