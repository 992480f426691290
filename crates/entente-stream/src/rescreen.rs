//! The batch look-back: when a list version is published, re-screen every stored counterparty against only the
//! entries the list diff added or changed since an earlier version.
//!
//! - [`submit`] (`entente stream rescreen --since V`): reads the current published version (the target) and `V`
//!   from the broker, diffs them with the application layer's list diff ([`entente_app::lists::lists_diff`]),
//!   and, when entries were added or changed, publishes one rescreen message per counterparty (the
//!   [party store](crate::parties), or the files given) on `entente.screen.rescreen.FORMAT`, with the id
//!   `rescreen:V:TARGET:PARTY-ID` (submitting the same look-back again publishes nothing twice).
//! - A worker ([`Deltas`]) computes the same diff once per version pair, indexes only the added and changed
//!   entities of the target version (a sub-index), screens the counterparty against it (lists only: the country
//!   policy does not depend on the lists and was applied when the party was first screened), and publishes a result
//!   with `rescreen: true`, `since`, `lists_version` = the target, and the ids of the entries screened against.
//!
//! Removed entries are not screened against: a removal cannot make a hit.

use crate::lists::{self, Published};
use crate::message::{PARTY_HEADER, RESCREEN_SINCE_HEADER, RESCREEN_VERSION_HEADER};
use crate::parties::{self, StoredParty};
use crate::setup::StreamSettings;
use crate::submit::{self, OutMessage, SubmitSummary};
use crate::worker::{Lists, ListsVersion};
use anyhow::{bail, Context, Result};
use async_nats::jetstream::{self, object_store};
use entente_app::lists::{lists_diff, DiffRequest};
use entente_app::screen::{LoadedIndex, ScreenRequest, ScreenRun};
use entente_screen::iso20022::Party;
use entente_screen::lists::LoadOptions;
use entente_screen::screen::ScreenedParty;
use entente_screen::store::Diff;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::{Mutex, OnceCell};

/// The message id of a counterparty's rescreen between two versions.
pub fn message_id(since: &str, version: &str, party_id: &str) -> String {
    format!("rescreen:{since}:{version}:{party_id}")
}

/// The ids of the entries added or changed by a diff, sorted.
pub fn changed_ids(d: &Diff) -> Vec<String> {
    let ids: BTreeSet<String> =
        d.added.iter().map(|(id, _)| id.clone()).chain(d.changed.iter().map(|c| c.id.clone())).collect();
    ids.into_iter().collect()
}

/// Downloads two published versions under `dir` and diffs them (entities matched by id).
async fn diff_versions(
    os: &object_store::ObjectStore,
    old: &Published,
    new: &Published,
    dir: &Path,
    load: &LoadOptions,
) -> Result<(Diff, Vec<PathBuf>)> {
    lists::download(os, old, dir).await?;
    let new_paths = lists::download(os, new, dir).await?;
    let req = DiffRequest { old: dir.join(&old.version), new: dir.join(&new.version), load: load.clone() };
    let d = tokio::task::spawn_blocking(move || lists_diff(&req))
        .await?
        .with_context(|| format!("cannot diff list versions {} and {}", old.version, new.version))?;
    Ok((d, new_paths))
}

/// A published version and the one named `since`, read from the broker.
async fn versions(
    kv: &async_nats::jetstream::kv::Store,
    since: &str,
    target: Option<&str>,
) -> Result<(Published, Published)> {
    let new = match target {
        Some(v) => lists::published(kv, v).await?.with_context(|| format!("list version {v:?} was never published"))?,
        None => lists::current(kv)
            .await?
            .context("no list version was published (entente stream lists publish --version V --lists FILE…)")?,
    };
    let old = lists::published(kv, since).await?.with_context(|| {
        format!("--since {since:?}: no such published list version (the current one is {:?})", new.version)
    })?;
    Ok((old, new))
}

/// What a rescreen submission did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RescreenSummary {
    pub since: String,
    /// The target version (the current one).
    pub version: String,
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    /// Counterparties re-submitted (0 when no entry was added or changed).
    pub parties: usize,
    pub submit: SubmitSummary,
}

/// Re-submits counterparties (`counterparties`, else every stored party) against the entries added or changed
/// between version `since` and the current version. List files are downloaded under `dir` and read with `load`.
pub async fn submit(
    client: &async_nats::Client,
    settings: &StreamSettings,
    since: &str,
    counterparties: Option<Vec<OutMessage>>,
    load: &LoadOptions,
    dir: &Path,
) -> Result<RescreenSummary> {
    let js = jetstream::new(client.clone());
    let (os, kv) = lists::buckets(&js, settings.replicas).await?;
    let (old, new) = versions(&kv, since, None).await?;
    let mut s = RescreenSummary { since: since.to_string(), version: new.version.clone(), ..Default::default() };
    if old.version == new.version {
        return Ok(s);
    }
    let (d, _) = diff_versions(&os, &old, &new, dir, load).await?;
    (s.added, s.changed, s.removed) = (d.added.len(), d.changed.len(), d.removed.len());
    if s.added + s.changed == 0 {
        return Ok(s);
    }
    let parties: Vec<StoredParty> = match counterparties {
        Some(ms) => ms
            .into_iter()
            .map(|m| {
                let format = crate::message::Format::from_subject(&m.subject)?;
                Ok(StoredParty { id: m.id, format, reference: Some(m.reference), payload: m.payload })
            })
            .collect::<Result<_>>()?,
        None => {
            let store = parties::bucket(&js, settings.replicas).await?;
            parties::all(&js, &store).await?.into_values().collect()
        }
    };
    let msgs: Vec<OutMessage> = parties
        .into_iter()
        .map(|p| OutMessage {
            subject: p.format.rescreen_subject(),
            id: message_id(since, &new.version, &p.id),
            reference: p.reference.clone().unwrap_or_else(|| p.id.clone()),
            payload: p.payload,
            headers: vec![
                (RESCREEN_SINCE_HEADER.into(), since.into()),
                (RESCREEN_VERSION_HEADER.into(), new.version.clone()),
                (PARTY_HEADER.into(), p.id),
            ],
        })
        .collect();
    s.parties = msgs.len();
    s.submit = submit::publish(client, &msgs, settings).await?;
    Ok(s)
}

/// The added and changed entries of a target version, indexed on their own.
pub struct Delta {
    pub since: String,
    /// The whole target version (its run options, audit, ownership flags and labels).
    pub target: Arc<ListsVersion>,
    /// Only the target's added and changed entities, in the target's list order
    /// ([`LoadedIndex::subset`]).
    pub sub: LoadedIndex,
    /// The target version's run without the country policy.
    run: ScreenRun,
    /// Their ids, sorted.
    pub changed: Vec<String>,
}

impl Delta {
    /// Builds the sub-index of the entries `ids` of a version.
    pub fn new(since: &str, target: Arc<ListsVersion>, ids: Vec<String>) -> Delta {
        let sub = target.index.subset(&ids.iter().map(String::as_str).collect());
        let run = ScreenRun { policy: None, ..target.run.clone() };
        Delta { since: since.to_string(), sub, run, target, changed: ids }
    }

    /// Screens parties against the sub-index with the target version's options (lists only, no country policy);
    /// hits name the target version's lists and carry its ownership flags.
    pub fn screen(&self, parties: Vec<Party>) -> Vec<ScreenedParty> {
        self.run.screen(&self.sub, parties)
    }
}

type Cell = Arc<OnceCell<Arc<Delta>>>;

/// A worker's deltas, built once per version pair (the last few kept) from the versions in the broker.
pub struct Deltas {
    js: jetstream::Context,
    req: ScreenRequest,
    dir: PathBuf,
    replicas: usize,
    cache: Mutex<Vec<((String, String), Cell)>>,
}

/// Version pairs a worker keeps indexed.
const KEEP: usize = 4;

impl Deltas {
    /// `req` gives the load options and screening options of target versions; files go under `dir`.
    pub fn new(js: jetstream::Context, req: ScreenRequest, dir: PathBuf, replicas: usize) -> Deltas {
        Deltas { js, req, dir, replicas, cache: Mutex::new(Vec::new()) }
    }

    /// The delta between `since` and `version`; `lists` is reused when it is the target version. A failure is not
    /// kept: the next message tries again.
    pub async fn get(&self, since: &str, version: &str, lists: &Lists) -> Result<Arc<Delta>> {
        let key = (since.to_string(), version.to_string());
        let cell = {
            let mut cache = self.cache.lock().await;
            match cache.iter().find(|(k, _)| *k == key) {
                Some((_, c)) => c.clone(),
                None => {
                    let c: Cell = Arc::default();
                    cache.push((key, c.clone()));
                    if cache.len() > KEEP {
                        cache.remove(0);
                    }
                    c
                }
            }
        };
        cell.get_or_try_init(|| self.build(since, version, lists)).await.cloned()
    }

    async fn build(&self, since: &str, version: &str, lists: &Lists) -> Result<Arc<Delta>> {
        if since == version {
            bail!("rescreen since {since} against the same version: nothing changed");
        }
        let (os, kv) = lists::buckets(&self.js, self.replicas).await?;
        let (old, new) = versions(&kv, since, Some(version)).await?;
        let dir = self.dir.join("rescreen").join(format!("{since}+{version}"));
        let (d, paths) = diff_versions(&os, &old, &new, &dir, &self.req.lists.load).await?;
        let current = lists.current();
        let target = if current.version == version {
            current
        } else {
            Arc::new(lists::index_files(paths, version, &self.req).await?)
        };
        let ids = changed_ids(&d);
        let since = since.to_string();
        let delta = tokio::task::spawn_blocking(move || Delta::new(&since, target, ids)).await?;
        eprintln!(
            "rescreen {}..{version}: {} added or changed entries indexed ({} entities)",
            delta.since,
            delta.changed.len(),
            delta.sub.index.entities.len()
        );
        Ok(Arc::new(delta))
    }
}
