//! What the server holds: its configuration, the dataset, the loaded lists (swapped whole on reload) and the key
//! verifier (swapped whole when the key store changes).

use crate::keys::{KeyStore, Verifier};
use arc_swap::{ArcSwap, ArcSwapOption};
use chrono::{DateTime, Utc};
use entente_app::screen::{ListsRequest, LoadedIndex};
use entente_core::Dataset;
use entente_screen::audit::Audit;
use entente_screen::index::Index;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the server runs. [`Config::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (default 127.0.0.1:8080).
    pub addr: SocketAddr,
    /// List files or folders; empty: the current snapshot of the list store.
    pub lists: Vec<PathBuf>,
    /// The list store folder read when `lists` is empty (default: `entente lists`' store).
    pub store: PathBuf,
    /// Dataset folder; None: the embedded dataset.
    pub data: Option<PathBuf>,
    /// Key store file.
    pub keys: PathBuf,
    /// Largest request body, in bytes (default 1 MiB).
    pub body_limit: usize,
    /// Largest body of a batch upload (`POST /api/screen/batch`), in bytes (default 64 MiB).
    pub batch_limit: usize,
    /// Longest time a request may take before its response starts (default 60 s).
    pub timeout: Duration,
    /// Most Monte Carlo samples one model request may ask for (default 1,000,000).
    pub max_samples: usize,
    /// Ask for a key on a loopback address too (anonymous reads and screening refused).
    pub require_key: bool,
    /// How often the list store's current snapshot and the key store are checked for changes (default 2 s).
    pub poll: Duration,
    /// The store (`--db PATH|sqlite:PATH|postgres://…`): the evidence ledger, users, changes and audit log behind
    /// the dashboard. None: no dashboard, the dataset from `data`.
    pub db: Option<String>,
}

impl Config {
    pub fn new() -> Config {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            lists: Vec::new(),
            store: entente_screen::store::store_dir(),
            data: None,
            keys: crate::keys::default_path(),
            body_limit: 1 << 20,
            batch_limit: 64 << 20,
            timeout: Duration::from_secs(60),
            max_samples: 1_000_000,
            require_key: false,
            poll: Duration::from_secs(2),
            db: None,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

/// Loaded lists: the application's loaded index, plus an entity lookup by id for `/entities/{id}`.
pub struct Lists {
    pub loaded: LoadedIndex,
    pub by_id: HashMap<String, usize>,
    pub loaded_at: DateTime<Utc>,
}

impl Lists {
    /// Loads the lists the configuration names: its files and folders, or the store's current snapshot.
    pub fn load(cfg: &Config) -> Result<Lists, entente_app::Error> {
        let req = ListsRequest { paths: cfg.lists.clone(), store_dir: Some(cfg.store.clone()), ..Default::default() };
        let loaded = entente_app::screen::load_index(&req)?;
        let by_id = loaded.index.entities.iter().enumerate().map(|(i, e)| (e.id.clone(), i)).collect();
        Ok(Lists { loaded, by_id, loaded_at: Utc::now() })
    }

    pub fn index(&self) -> &Index {
        &self.loaded.index
    }

    pub fn audit(&self) -> &Audit {
        self.loaded.lists_audit()
    }

    pub fn snapshot(&self) -> Option<&str> {
        self.loaded.snapshot.as_ref().map(|s| s.id.as_str())
    }

    /// True when `dataset` names these lists as a whole (`default`) or one loaded list.
    pub fn knows_dataset(&self, dataset: &str) -> bool {
        dataset == "default" || self.index().lists.iter().any(|l| l.list == dataset)
    }

    /// Whether an entity belongs to `dataset`.
    pub fn in_dataset(&self, dataset: &str, entity: usize) -> bool {
        dataset == "default" || self.index().entities[entity].list == dataset
    }
}

/// The last reload, for `/api/lists` and `/ready`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReloadStatus {
    /// When the last reload attempt ended.
    pub at: Option<String>,
    /// Why the last reload failed (the previous lists stay in force), or null.
    pub error: Option<String>,
}

/// Shared server state.
pub struct State {
    pub cfg: Config,
    /// The dataset, loaded and validated at start.
    pub dataset: Arc<Dataset>,
    pub lists: ArcSwapOption<Lists>,
    pub reload: Mutex<ReloadStatus>,
    /// Serialises reloads (a SIGHUP during a reload waits for it).
    pub reloading: tokio::sync::Mutex<()>,
    pub keys: ArcSwap<Verifier>,
    /// Modification time of the key store when last read.
    pub keys_mtime: Mutex<Option<std::time::SystemTime>>,
    /// Model runs at a time (each already uses every core).
    pub model_runs: tokio::sync::Semaphore,
    /// Whether the listening address is a loopback address.
    pub loopback: bool,
    pub started: DateTime<Utc>,
    /// The store, with `--db`.
    pub store: Option<entente_store::Store>,
    /// The dataset assembled from the store's ledger at its current revision (reloaded when it changes).
    pub ledger: ArcSwapOption<Ledger>,
    /// Dashboard results cached per (ledger revision, request) — see [`crate::dashboard::overview`].
    pub cache: Mutex<HashMap<String, Arc<dyn std::any::Any + Send + Sync>>>,
    /// The dashboard's batch jobs in memory: running, and the newest finished — see [`crate::dashboard::jobs`].
    pub jobs: crate::dashboard::jobs::Registry,
}

/// The ledger's dataset at one revision.
pub struct Ledger {
    pub revision: i64,
    pub dataset: Arc<Dataset>,
}

impl State {
    /// Loads the dataset, the key store and the lists. A dataset or key store error is fatal; so is a list error
    /// when lists were named. Without `--lists` and with nothing fetched, the server starts without lists
    /// (screening answers 503, `/ready` too) and picks them up when `entente lists fetch` makes a snapshot current.
    pub fn load(cfg: Config) -> anyhow::Result<State> {
        let dataset = entente_app::DataSource::from_option(cfg.data.clone()).load().map_err(|e| anyhow::anyhow!(e))?;
        let store = KeyStore::load(&cfg.keys)?;
        let mtime = std::fs::metadata(&cfg.keys).and_then(|m| m.modified()).ok();
        let mut status = ReloadStatus::default();
        let lists = match Lists::load(&cfg) {
            Ok(l) => Some(Arc::new(l)),
            Err(e) if cfg.lists.is_empty() => {
                let msg = e.to_string();
                crate::log::event("lists", &format!("no lists loaded: {msg}"));
                status.error = Some(msg);
                None
            }
            Err(e) => return Err(anyhow::anyhow!(e)),
        };
        status.at = Some(Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        Ok(State {
            loopback: cfg.addr.ip().is_loopback(),
            dataset: Arc::new(dataset),
            lists: ArcSwapOption::new(lists),
            reload: Mutex::new(status),
            reloading: tokio::sync::Mutex::new(()),
            keys: ArcSwap::from_pointee(Verifier::new(store)),
            keys_mtime: Mutex::new(mtime),
            model_runs: tokio::sync::Semaphore::new(1),
            started: Utc::now(),
            store: None,
            ledger: ArcSwapOption::empty(),
            cache: Mutex::new(HashMap::new()),
            jobs: Default::default(),
            cfg,
        })
    }

    /// The dataset the model runs on, with the ledger revision it comes from: with a store, the ledger's current
    /// revision (assembled and validated again only when the revision changed); without, the dataset loaded at
    /// start (revision None).
    pub async fn current_dataset(&self) -> Result<(Option<i64>, Arc<Dataset>), crate::error::ApiError> {
        use crate::error::ApiError;
        let Some(store) = &self.store else { return Ok((None, self.dataset.clone())) };
        let rev = store.revision().await.map_err(|e| ApiError::internal(format!("store: {e}")))?;
        if let Some(l) = self.ledger.load_full() {
            if l.revision == rev {
                return Ok((Some(rev), l.dataset.clone()));
            }
        }
        let files = store.files().await.map_err(|e| ApiError::internal(format!("store: {e}")))?;
        let ds = tokio::task::spawn_blocking(move || entente_data::load(&files))
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?
            .map_err(|e| ApiError::internal(format!("the store's ledger does not validate: {e}")))?;
        let ds = Arc::new(ds);
        self.ledger.store(Some(Arc::new(Ledger { revision: rev, dataset: ds.clone() })));
        Ok((Some(rev), ds))
    }

    /// A cached dashboard result by key (the key names the ledger revision and the request).
    pub fn cache_get<T: Send + Sync + 'static>(&self, key: &str) -> Option<Arc<T>> {
        let v = self.cache.lock().ok()?.get(key).cloned()?;
        v.downcast::<T>().ok()
    }

    /// Keeps a dashboard result (the cache is emptied when it passes 64 entries).
    pub fn cache_put<T: Send + Sync + 'static>(&self, key: &str, value: Arc<T>) {
        if let Ok(mut c) = self.cache.lock() {
            if c.len() >= 64 {
                c.clear();
            }
            c.insert(key.to_string(), value);
        }
    }

    /// The lists, or 503 when none are loaded.
    pub fn lists(&self) -> Result<Arc<Lists>, crate::error::ApiError> {
        self.lists.load_full().ok_or_else(|| {
            let why = self.reload.lock().ok().and_then(|s| s.error.clone()).unwrap_or_default();
            crate::error::ApiError::unavailable(format!("no sanctions lists are loaded: {why}"))
        })
    }

    /// Builds the lists again off the async threads and swaps them in whole; on failure the old lists stay and the
    /// reason is logged and kept for `/api/lists`. Requests in flight finish on the lists they started with.
    pub async fn reload_lists(self: &Arc<Self>, why: &str) -> Result<(), String> {
        let _guard = self.reloading.lock().await;
        let me = self.clone();
        let started = std::time::Instant::now();
        let result = tokio::task::spawn_blocking(move || Lists::load(&me.cfg))
            .await
            .map_err(|e| format!("reload task failed: {e}"))
            .and_then(|r| r.map_err(|e| e.to_string()));
        let at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        match result {
            Ok(l) => {
                let msg = format!(
                    "lists reloaded ({why}) in {} ms: {} entities from {} lists{}",
                    started.elapsed().as_millis(),
                    l.index().entities.len(),
                    l.index().lists.len(),
                    l.snapshot().map(|s| format!(", snapshot {s}")).unwrap_or_default()
                );
                self.lists.store(Some(Arc::new(l)));
                if let Ok(mut s) = self.reload.lock() {
                    *s = ReloadStatus { at: Some(at), error: None };
                }
                crate::log::event("reload", &msg);
                Ok(())
            }
            Err(e) => {
                crate::log::event("reload", &format!("reload ({why}) failed, the previous lists stay in force: {e}"));
                if let Ok(mut s) = self.reload.lock() {
                    *s = ReloadStatus { at: Some(at), error: Some(e.clone()) };
                }
                Err(e)
            }
        }
    }

    /// Reads the key store again when its modification time changed (keys created or revoked while running).
    pub fn refresh_keys(&self) {
        let mtime = std::fs::metadata(&self.cfg.keys).and_then(|m| m.modified()).ok();
        let Ok(mut last) = self.keys_mtime.lock() else { return };
        if *last == mtime {
            return;
        }
        match KeyStore::load(&self.cfg.keys) {
            Ok(store) => {
                let n = store.keys.len();
                self.keys.store(Arc::new(Verifier::new(store)));
                *last = mtime;
                crate::log::event("keys", &format!("key store re-read: {n} keys"));
            }
            Err(e) => crate::log::event("keys", &format!("key store not re-read, the previous keys stay: {e:#}")),
        }
    }

    /// The name of the store's current snapshot (the content of its `current` file), when lists come from it.
    pub fn store_current(&self) -> Option<String> {
        if !self.cfg.lists.is_empty() {
            return None;
        }
        std::fs::read_to_string(self.cfg.store.join("current")).ok().map(|s| s.trim().to_string())
    }
}
