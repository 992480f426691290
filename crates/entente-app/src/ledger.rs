//! Ledger workflows every front end calls: preview a change (the headline figures before and after), propose and
//! approve it in the store, and export / import the dataset files.
//!
//! The store itself (`entente-store`) holds the ledger as records and does the SQL; here are the steps around it
//! that need the model (preview) or the file system (export, import).

use crate::model::{assess, AssessRequest};
use crate::{Progress, RunSpec};
use entente_engine::{Assessment, FigureKind};
use entente_store::{ChangeSet, Files, Store};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The store crate, for front ends that reach it through the application layer.
pub use entente_store as store;

/// A failed ledger workflow.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The store refused (invalid change or dataset, conflict, not allowed, not found) or failed.
    #[error(transparent)]
    Store(#[from] entente_store::Error),
    /// The model could not be run on the dataset before or after the change.
    #[error(transparent)]
    App(#[from] crate::Error),
    /// The export target is not a dataset folder, or a file could not be read or written.
    #[error("{0}")]
    Io(String),
}

impl LedgerError {
    /// The HTTP status a server answers this error with.
    pub fn status(&self) -> u16 {
        match self {
            LedgerError::Store(e) => match e {
                entente_store::Error::Invalid(_)
                | entente_store::Error::Dataset(_)
                | entente_store::Error::BadInput(_) => 422,
                entente_store::Error::Conflict { .. } => 409,
                entente_store::Error::Forbidden(_) => 403,
                entente_store::Error::NotFound(_) => 404,
                _ => 500,
            },
            LedgerError::App(e) => e.status(),
            LedgerError::Io(_) => 500,
        }
    }
}

pub type Result<T, E = LedgerError> = std::result::Result<T, E>;

/// One figure's summary: 5th percentile, median, 95th percentile, mean.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FigureStat {
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
    pub mean: f64,
}

/// A figure before and after a change (None where the figure exists on one side only).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FigureDelta {
    pub id: String,
    pub label: String,
    pub kind: FigureKind,
    pub unit: String,
    pub before: Option<FigureStat>,
    pub after: Option<FigureStat>,
}

impl FigureDelta {
    /// Whether the change moved the figure at all.
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// The effect of a change on the estimate.
#[derive(Debug, Clone)]
pub struct Preview {
    pub before: Assessment,
    pub after: Assessment,
    /// Every figure of either side, in the order of `before` then the new ones of `after`.
    pub figures: Vec<FigureDelta>,
}

fn stat(a: &Assessment, id: &str) -> Option<FigureStat> {
    a.figure(id).map(|f| FigureStat {
        p05: f.summary.q(0.05),
        p50: f.summary.q(0.5),
        p95: f.summary.q(0.95),
        mean: f.summary.mean,
    })
}

fn load(files: &Files, what: &str) -> crate::Result<entente_core::Dataset> {
    entente_data::load(files).map_err(|e| crate::Error::Dataset {
        what: what.into(),
        errors: e.to_string(),
        count: e.0.len(),
    })
}

/// The headline figures before and after applying `change` to `files` (the current ledger: `Store::files`, or
/// a dataset folder's files), with the same run spec on both sides. A change that does not apply or validate
/// is `Store(Invalid(per-field errors))`. Pure computation (CPU-bound: a server runs it on a blocking thread).
pub fn preview(files: &Files, change: &ChangeSet, spec: &RunSpec, progress: &dyn Progress) -> Result<Preview> {
    spec.check()?;
    let after_files = entente_store::apply(files, change).map_err(entente_store::Error::Invalid)?;
    let req = AssessRequest { run: spec.clone(), quantiles: Vec::new(), compare: false };
    let before = assess(&load(files, "the current ledger")?, &req, progress)?.assessment;
    let after = assess(&load(&after_files, "the ledger after the change")?, &req, progress)?.assessment;
    let mut figures: Vec<FigureDelta> = before
        .figures
        .iter()
        .map(|f| FigureDelta {
            id: f.id.clone(),
            label: f.label.clone(),
            kind: f.kind,
            unit: f.unit.clone(),
            before: stat(&before, &f.id),
            after: stat(&after, &f.id),
        })
        .collect();
    for f in &after.figures {
        if before.figure(&f.id).is_none() {
            figures.push(FigureDelta {
                id: f.id.clone(),
                label: f.label.clone(),
                kind: f.kind,
                unit: f.unit.clone(),
                before: None,
                after: stat(&after, &f.id),
            });
        }
    }
    Ok(Preview { before, after, figures })
}

/// Proposes a change (validated on the current ledger). Returns the change id.
pub async fn propose(store: &Store, author: &str, change: &ChangeSet) -> Result<i64> {
    Ok(store.propose(author, change).await?)
}

/// Approves a change (re-validated on the current ledger; a conflict if its records moved on). Returns the
/// new ledger revision.
pub async fn approve(store: &Store, id: i64, reviewer: &str) -> Result<i64> {
    Ok(store.approve(id, reviewer).await?)
}

/// Dataset file names an export writes and an import reads.
pub fn dataset_file_names() -> Vec<&'static str> {
    entente_data::TOML_FILES
        .iter()
        .chain(entente_data::OPTIONAL_TOML_FILES.iter())
        .chain(entente_data::CSV_FILES.iter())
        .copied()
        .chain([entente_data::actors::ACTORS_FILE])
        .collect()
}

/// Reads a dataset folder: its dataset files and `actors.toml` when present. Errors name the file.
pub fn read_dataset(dir: &Path) -> Result<Files> {
    let mut files = entente_data::read_dir(dir).map_err(entente_store::Error::Dataset)?;
    let actors = dir.join(entente_data::actors::ACTORS_FILE);
    if actors.exists() {
        let bytes = entente_data::read_regular_file(&actors)
            .map_err(|e| LedgerError::Io(format!("cannot read {}: {e}", actors.display())))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            LedgerError::Io(format!(
                "{}: not UTF-8 text (invalid byte at offset {})",
                actors.display(),
                e.utf8_error().valid_up_to()
            ))
        })?;
        files.files.insert(entente_data::actors::ACTORS_FILE.to_string(), text);
    }
    Ok(files)
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The ledger's new revision.
    pub revision: i64,
    /// Files the ledger held before that the folder lacks (optional files such as `trade.csv` or `actors.toml`):
    /// the import replaces the whole ledger, so they are gone now. A front end must say so.
    pub removed: Vec<String>,
}

/// Imports a dataset folder into the store: read, validated (every error, nothing stored when any), stored in
/// one transaction. The folder replaces the whole ledger; files it lacks are named in [`Imported::removed`].
pub async fn import(store: &Store, dir: &Path, actor: &str) -> Result<Imported> {
    let files = read_dataset(dir)?;
    let before = store.files().await?;
    let removed = before.files.keys().filter(|n| !files.files.contains_key(*n)).cloned().collect();
    let revision = store.import(&files, actor).await?;
    Ok(Imported { revision, removed })
}

/// Writes `files` into `dir` (created if missing). Each file is written to a temporary file in `dir`, synced and
/// renamed over the target, so a crash never leaves a half-written file. Dataset files of `dir` that `files`
/// lacks are removed; other files are left alone. A non-empty `dir` that holds no dataset file is refused unless
/// `force`. Returns the paths written.
pub fn export(files: &Files, dir: &Path, force: bool) -> Result<Vec<PathBuf>> {
    let io = |what: &str, p: &Path, e: std::io::Error| LedgerError::Io(format!("{what} {}: {e}", p.display()));
    let known = dataset_file_names();
    if dir.exists() {
        if !dir.is_dir() {
            return Err(LedgerError::Io(format!("{} is not a folder", dir.display())));
        }
        let mut entries = std::fs::read_dir(dir).map_err(|e| io("cannot read", dir, e))?.peekable();
        let non_empty = entries.peek().is_some();
        let is_dataset = known.iter().any(|n| dir.join(n).is_file());
        if non_empty && !is_dataset && !force {
            return Err(LedgerError::Io(format!(
                "{} is not empty and holds no entente dataset (sources.toml, claims.toml, …); \
                 choose an empty or new folder, or use --force",
                dir.display()
            )));
        }
    } else {
        std::fs::create_dir_all(dir).map_err(|e| io("cannot create", dir, e))?;
    }
    for name in files.files.keys() {
        if !known.contains(&name.as_str()) {
            return Err(LedgerError::Io(format!("{name}: not a dataset file name")));
        }
    }
    let mut written = Vec::new();
    for (name, text) in &files.files {
        let target = dir.join(name);
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &target)
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(io("cannot write", &target, e));
        }
        written.push(target);
    }
    for name in &known {
        if !files.files.contains_key(*name) && dir.join(name).is_file() {
            std::fs::remove_file(dir.join(name)).map_err(|e| io("cannot remove", &dir.join(name), e))?;
        }
    }
    // the renames are durable once the folder is synced
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(written)
}
