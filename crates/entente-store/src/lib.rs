//! The entente store: the evidence ledger (the dataset files split into records), users and sessions, change
//! proposals with review, screening alerts and decisions (the allow-list), finished batch screening jobs, and an
//! append-only audit log, in SQLite (one file, WAL) or PostgreSQL. All SQL of entente lives in this crate.
//!
//! Every write is one transaction, so a crash (kill -9) leaves either the old or the new state. Writers are
//! serialised: SQLite transactions that write start with `BEGIN IMMEDIATE`; on PostgreSQL they lock the one
//! `ledger_meta` row first. Times are UTC RFC 3339 text (`2026-12-03T15:04:05.123Z`) in both backends, ids i64.
//!
//! SQL placeholders are `$1, $2, …` everywhere: the `any` driver passes SQL through unchanged, PostgreSQL only
//! knows `$N`, and SQLite reads `$N` as the N-th argument (sqlx-sqlite binds `?NNN` and `$NNN` by number).

mod alerts;
mod change;
mod jobs;
pub mod ledger;
mod users;

pub use alerts::{query_key, Alert, Allow, AuditEntry, Decision, NewAlert, Verdict, DEFAULT_ALLOW_DAYS};
pub use change::{
    apply, apply_edits, apply_resolved, field_errors, validate, ChangeSet, Edit, FieldError, Op, ResolvedEdit,
};
pub use entente_data::Files;
pub use jobs::{JobCounts, JobOutcome, JobSummary, StoredJob};
pub use ledger::Record;
pub use users::{LoginError, NewSession, Session, User, UserRole, LOCK_AFTER_FAILURES, LOCK_MINUTES, SESSION_HOURS};

use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Row, Transaction};
use std::collections::BTreeMap;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Store errors. `Invalid` and `Dataset` carry every validation error; the others name what failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // (no #[source]: the message already holds the cause, and error chains would print it twice)
    #[error("database error: {0}")]
    Db(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    #[error("the dataset is not valid:\n{0}")]
    Dataset(entente_data::DataErrors),
    #[error("the change is not valid:\n{}", list(.0))]
    Invalid(Vec<FieldError>),
    #[error("change {id} conflicts with the current ledger: {} changed since it was proposed", .records.join(", "))]
    Conflict { id: i64, records: Vec<String> },
    #[error("{0} not found")]
    NotFound(String),
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("{0}")]
    BadInput(String),
    #[error("the stored ledger is damaged: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Db(e)
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Error::Migrate(e)
    }
}

fn list(errors: &[FieldError]) -> String {
    errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The status of a change proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Proposed,
    Approved,
    Rejected,
    Reverted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Proposed => "proposed",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Reverted => "reverted",
        }
    }
}

impl std::str::FromStr for Status {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "proposed" => Ok(Status::Proposed),
            "approved" => Ok(Status::Approved),
            "rejected" => Ok(Status::Rejected),
            "reverted" => Ok(Status::Reverted),
            _ => Err(Error::BadInput(format!("unknown change status `{s}` (proposed, approved, rejected, reverted)"))),
        }
    }
}

/// One edit of a stored change: the record and its text before and after (None for an added / deleted record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEdit {
    pub file: String,
    pub id: String,
    pub op: Op,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A stored change proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: i64,
    pub author: String,
    pub note: String,
    pub status: Status,
    pub created: String,
    /// The ledger revision the change was proposed on.
    pub base_revision: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    /// The revision the change produced when it was applied.
    pub applied_revision: Option<i64>,
    /// For a revert: the change it undoes.
    pub reverts: Option<i64>,
    pub edits: Vec<ChangeEdit>,
}

/// A handle on the store; cheap to clone (a connection pool).
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// Now, as stored: UTC RFC 3339 with milliseconds.
pub fn now() -> String {
    fmt_time(chrono::Utc::now())
}

pub(crate) fn fmt_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A digest of a whole dataset (file names and texts), as audited for imports.
pub fn files_sha256(files: &Files) -> String {
    let mut h = Sha256::new();
    for (name, text) in &files.files {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The sqlx URL and backend of a `--db` value: `PATH`, `sqlite:PATH` or `postgres://…`.
pub fn parse_url(url: &str) -> Result<(String, Backend)> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((url.to_string(), Backend::Postgres));
    }
    if url.trim().is_empty() {
        return Err(Error::BadInput("the database is empty: give a file path, sqlite:PATH or postgres://…".into()));
    }
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    if path.contains("://") {
        return Err(Error::BadInput(format!(
            "unsupported database `{url}`: give a file path, sqlite:PATH or postgres://…"
        )));
    }
    if path.contains('?') {
        return Ok((format!("sqlite://{path}"), Backend::Sqlite));
    }
    // percent-encode what a URL would read differently
    let enc: String = path
        .chars()
        .map(|c| match c {
            '%' => "%25".to_string(),
            '#' => "%23".to_string(),
            ' ' => "%20".to_string(),
            c => c.to_string(),
        })
        .collect();
    Ok((format!("sqlite://{enc}?mode=rwc"), Backend::Sqlite))
}

static DRIVERS: std::sync::Once = std::sync::Once::new();

/// Opens (creating and migrating if needed) the store at `url`: `PATH`, `sqlite:PATH` or `postgres://…`. If the
/// ledger is empty it is seeded from the embedded dataset (audited as `seed`).
pub async fn open(url: &str) -> Result<Store> {
    DRIVERS.call_once(sqlx::any::install_default_drivers);
    let (sqlx_url, backend) = parse_url(url)?;
    let pool = AnyPoolOptions::new()
        .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL: readers never block the writer. synchronous=FULL: a committed transaction survives
                    // power loss too (NORMAL would only survive a process crash); writes are rare, the cost small.
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA synchronous = FULL",
                        "PRAGMA foreign_keys = ON",
                        "PRAGMA busy_timeout = 10000",
                    ] {
                        sqlx::query(pragma).execute(&mut *conn).await?;
                    }
                }
                Ok(())
            })
        })
        .connect(&sqlx_url)
        .await?;
    match backend {
        Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&pool).await?,
        Backend::Postgres => sqlx::migrate!("migrations/postgres").run(&pool).await?,
    }
    let store = Store { pool, backend };
    store.seed().await?;
    Ok(store)
}

/// The embedded dataset as files (the dataset files and `actors.toml`).
pub fn embedded_files() -> Files {
    let mut files: BTreeMap<String, String> =
        entente_data::EMBEDDED.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    files.insert(entente_data::actors::ACTORS_FILE.to_string(), entente_data::actors::EMBEDDED_ACTORS.to_string());
    Files { files }
}

impl Store {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool (for tests and tools; all SQL of entente stays in this crate).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await
    }

    /// Starts a writing transaction; writers are serialised (see the crate docs).
    pub(crate) async fn write_tx(&self) -> Result<Transaction<'static, Any>> {
        match self.backend {
            Backend::Sqlite => Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT revision FROM ledger_meta WHERE id = 1 FOR UPDATE").execute(&mut *tx).await?;
                Ok(tx)
            }
        }
    }

    /// Appends one entry to the audit log for an action taken outside the store (an API key created or revoked
    /// by an admin, say): who, what, on what, and the state before and after as text. Append-only like every
    /// audit entry; the action and target must not be empty. Returns the entry's id.
    pub async fn record_audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        before: Option<&str>,
        after: Option<&str>,
    ) -> Result<i64> {
        if actor.trim().is_empty() || action.trim().is_empty() {
            return Err(Error::BadInput("an audit entry needs an actor and an action".into()));
        }
        let mut tx = self.write_tx().await?;
        let id = Self::audit_in(&mut tx, actor, action, target, before, after).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub(crate) async fn audit_in(
        tx: &mut Transaction<'static, Any>,
        actor: &str,
        action: &str,
        target: &str,
        before: Option<&str>,
        after: Option<&str>,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO audit (at, actor, action, target, before_text, after_text) VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id",
        )
        .bind(now())
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(before)
        .bind(after)
        .fetch_one(&mut **tx)
        .await?;
        Ok(row.try_get(0)?)
    }

    async fn seed(&self) -> Result<()> {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM ledger_file").fetch_one(&self.pool).await?.try_get(0)?;
        if n > 0 {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM ledger_file").fetch_one(&mut *tx).await?.try_get(0)?;
        if n > 0 {
            return Ok(());
        }
        let files = embedded_files();
        let rev = Self::replace_files_in(&mut tx, &files, true).await?;
        Self::audit_in(
            &mut tx,
            "system",
            "seed",
            "ledger",
            None,
            Some(&format!("sha256:{} revision {rev}", files_sha256(&files))),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn revision_in(tx: &mut Transaction<'static, Any>) -> Result<i64> {
        Ok(sqlx::query("SELECT revision FROM ledger_meta WHERE id = 1").fetch_one(&mut **tx).await?.try_get(0)?)
    }

    async fn bump_revision_in(tx: &mut Transaction<'static, Any>) -> Result<i64> {
        let rev = Self::revision_in(tx).await? + 1;
        sqlx::query("UPDATE ledger_meta SET revision = $1 WHERE id = 1").bind(rev).execute(&mut **tx).await?;
        Ok(rev)
    }

    /// Writes the given files' records (replacing those files, or all files when `all`), bumps the revision.
    async fn replace_files_in(tx: &mut Transaction<'static, Any>, files: &Files, all: bool) -> Result<i64> {
        let rev = Self::bump_revision_in(tx).await?;
        if all {
            sqlx::query("DELETE FROM ledger_record").execute(&mut **tx).await?;
            sqlx::query("DELETE FROM ledger_file").execute(&mut **tx).await?;
        }
        for (name, text) in &files.files {
            if !all {
                sqlx::query("DELETE FROM ledger_record WHERE file = $1").bind(name).execute(&mut **tx).await?;
                sqlx::query("DELETE FROM ledger_file WHERE name = $1").bind(name).execute(&mut **tx).await?;
            }
            sqlx::query("INSERT INTO ledger_file (name, sha256, revision) VALUES ($1, $2, $3)")
                .bind(name)
                .bind(sha256_hex(text.as_bytes()))
                .bind(rev)
                .execute(&mut **tx)
                .await?;
            // many rows per statement (5 parameters a row, well under both backends' limits)
            for chunk in ledger::split(name, text).chunks(200) {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| {
                        let b = i * 5;
                        format!("(${}, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5)
                    })
                    .collect();
                let sql = format!("INSERT INTO ledger_record (file, id, pos, kind, body) VALUES {}", values.join(", "));
                let mut q = sqlx::query(&sql);
                for r in chunk {
                    q = q.bind(&r.file).bind(&r.id).bind(r.position).bind(&r.kind).bind(&r.text);
                }
                q.execute(&mut **tx).await?;
            }
        }
        Ok(rev)
    }

    /// The ledger revision; it goes up by one with every applied change or import.
    pub async fn revision(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT revision FROM ledger_meta WHERE id = 1").fetch_one(&self.pool).await?.try_get(0)?)
    }

    async fn files_from<'e, E>(ex: E) -> Result<Files>
    where
        E: sqlx::Executor<'e, Database = Any>,
    {
        let rows = sqlx::query(
            "SELECT f.name, f.sha256, r.body FROM ledger_file f LEFT JOIN ledger_record r ON r.file = f.name \
             ORDER BY f.name, r.pos",
        )
        .fetch_all(ex)
        .await?;
        let mut files: BTreeMap<String, String> = BTreeMap::new();
        let mut hashes: BTreeMap<String, String> = BTreeMap::new();
        for row in rows {
            let name: String = row.try_get(0)?;
            let hash: String = row.try_get(1)?;
            let body: Option<String> = row.try_get(2)?;
            files.entry(name.clone()).or_default().push_str(body.as_deref().unwrap_or(""));
            hashes.insert(name, hash);
        }
        for (name, text) in &files {
            if sha256_hex(text.as_bytes()) != hashes[name] {
                return Err(Error::Corrupt(format!("{name}: its records do not assemble to the stored SHA-256")));
            }
        }
        Ok(Files { files })
    }

    /// The current ledger, assembled into the dataset's files (each checked against its stored SHA-256).
    pub async fn files(&self) -> Result<Files> {
        Self::files_from(&self.pool).await
    }

    /// The records of one file, in order.
    pub async fn records(&self, file: &str) -> Result<Vec<Record>> {
        let rows = sqlx::query("SELECT file, kind, id, pos, body FROM ledger_record WHERE file = $1 ORDER BY pos")
            .bind(file)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Record {
                    file: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    id: r.try_get(2)?,
                    position: r.try_get(3)?,
                    text: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Replaces the whole ledger with `files`, after validating them (every error is returned, nothing stored
    /// when any). One transaction; audited with the SHA-256 of the dataset before and after. Returns the new
    /// revision.
    pub async fn import(&self, files: &Files, actor: &str) -> Result<i64> {
        validate(files).map_err(Error::Dataset)?;
        let mut tx = self.write_tx().await?;
        let before = Self::files_from(&mut *tx).await?;
        let rev = Self::replace_files_in(&mut tx, files, true).await?;
        Self::audit_in(
            &mut tx,
            actor,
            "import",
            "ledger",
            Some(&format!("sha256:{}", files_sha256(&before))),
            Some(&format!("sha256:{} revision {rev}", files_sha256(files))),
        )
        .await?;
        tx.commit().await?;
        Ok(rev)
    }

    /// Proposes a change: it must apply to the current ledger and the result validate; the per-field errors
    /// otherwise (`Error::Invalid`). Returns the change id. Audited.
    pub async fn propose(&self, author: &str, change: &ChangeSet) -> Result<i64> {
        let files = self.files().await?;
        let base = self.revision().await?;
        let (_, resolved) = apply_resolved(&files, change).map_err(Error::Invalid)?;
        let mut tx = self.write_tx().await?;
        let id = Self::insert_change_in(&mut tx, author, &change.note, Status::Proposed, base, None, &resolved).await?;
        Self::audit_in(&mut tx, author, "propose", &format!("change {id}"), None, Some(&edits_json(&resolved))).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn insert_change_in(
        tx: &mut Transaction<'static, Any>,
        author: &str,
        note: &str,
        status: Status,
        base: i64,
        reverts: Option<i64>,
        edits: &[ResolvedEdit],
    ) -> Result<i64> {
        let id: i64 = sqlx::query(
            "INSERT INTO change (author, note, status, created, base_revision, reverts) VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id",
        )
        .bind(author)
        .bind(note)
        .bind(status.as_str())
        .bind(now())
        .bind(base)
        .bind(reverts)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        for (seq, e) in edits.iter().enumerate() {
            sqlx::query(
                "INSERT INTO change_edit (change_id, seq, file, record_id, op, before_text, after_text) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(seq as i64)
            .bind(&e.file)
            .bind(&e.id)
            .bind(e.op.as_str())
            .bind(e.before.as_deref())
            .bind(e.after.as_deref())
            .execute(&mut **tx)
            .await?;
        }
        Ok(id)
    }

    async fn change_from(ex: &mut sqlx::AnyConnection, id: i64) -> Result<Change> {
        let row = sqlx::query(
            "SELECT id, author, note, status, created, base_revision, decided_by, decided_at, decision_note, \
             applied_revision, reverts FROM change WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *ex)
        .await?
        .ok_or_else(|| Error::NotFound(format!("change {id}")))?;
        let mut c = change_row(&row)?;
        let rows = sqlx::query(
            "SELECT file, record_id, op, before_text, after_text FROM change_edit WHERE change_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&mut *ex)
        .await?;
        c.edits = rows.iter().map(edit_row).collect::<Result<_>>()?;
        Ok(c)
    }

    /// One change with its edits.
    pub async fn change(&self, id: i64) -> Result<Change> {
        let mut conn = self.pool.acquire().await?;
        Self::change_from(&mut conn, id).await
    }

    /// Changes, newest first, optionally of one status (with their edits).
    pub async fn changes(&self, status: Option<Status>) -> Result<Vec<Change>> {
        let rows = sqlx::query(
            "SELECT id, author, note, status, created, base_revision, decided_by, decided_at, decision_note, \
             applied_revision, reverts FROM change WHERE ($1 = '' OR status = $1) ORDER BY id DESC",
        )
        .bind(status.map(|s| s.as_str()).unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<Change> = rows.iter().map(change_row).collect::<Result<_>>()?;
        let edits = sqlx::query(
            "SELECT change_id, file, record_id, op, before_text, after_text FROM change_edit ORDER BY change_id, seq",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut by_change: BTreeMap<i64, Vec<ChangeEdit>> = BTreeMap::new();
        for r in &edits {
            let cid: i64 = r.try_get(0)?;
            by_change.entry(cid).or_default().push(ChangeEdit {
                file: r.try_get(1)?,
                id: r.try_get(2)?,
                op: r.try_get::<String, _>(3)?.parse().map_err(Error::Corrupt)?,
                before: r.try_get(4)?,
                after: r.try_get(5)?,
            });
        }
        for c in &mut out {
            c.edits = by_change.remove(&c.id).unwrap_or_default();
        }
        Ok(out)
    }

    /// Applies resolved edits to the current ledger inside `tx`: each record must still hold the text the edit
    /// was made on (else a conflict), the result must validate. Returns the new revision.
    async fn apply_in(
        tx: &mut Transaction<'static, Any>,
        change_id: i64,
        edits: &[ChangeEdit],
    ) -> Result<(i64, Vec<ResolvedEdit>)> {
        let current = Self::files_from(&mut **tx).await?;
        let mut conflicts = Vec::new();
        let mut split: BTreeMap<&str, Vec<Record>> = BTreeMap::new();
        for e in edits {
            let recs = split
                .entry(e.file.as_str())
                .or_insert_with(|| current.files.get(&e.file).map(|t| ledger::split(&e.file, t)).unwrap_or_default());
            let now_text = recs.iter().find(|r| r.id == e.id).map(|r| r.text.clone());
            if now_text != e.before {
                conflicts.push(format!("{} {}", e.file, e.id));
            }
        }
        if !conflicts.is_empty() {
            return Err(Error::Conflict { id: change_id, records: conflicts });
        }
        let set = ChangeSet {
            note: String::new(),
            edits: edits
                .iter()
                .map(|e| Edit { file: e.file.clone(), id: e.id.clone(), op: e.op, text: e.after.clone() })
                .collect(),
        };
        let (new, resolved) = apply_resolved(&current, &set).map_err(Error::Invalid)?;
        let touched: BTreeMap<String, String> =
            resolved.iter().map(|e| (e.file.clone(), new.files[&e.file].clone())).collect();
        let rev = Self::replace_files_in(tx, &Files { files: touched }, false).await?;
        Ok((rev, resolved))
    }

    /// Approves a proposed change: re-validated on the current ledger and applied; a record that changed since
    /// the proposal is a conflict (`Error::Conflict`), the change stays proposed. An author may not approve their
    /// own change. Returns the new revision.
    pub async fn approve(&self, id: i64, reviewer: &str) -> Result<i64> {
        let mut tx = self.write_tx().await?;
        let c = Self::change_from(&mut tx, id).await?;
        if c.status != Status::Proposed {
            return Err(Error::BadInput(format!("change {id} is {}, not proposed", c.status.as_str())));
        }
        if c.author == reviewer {
            return Err(Error::Forbidden(format!("{reviewer} proposed change {id} and may not approve it")));
        }
        let (rev, _) = Self::apply_in(&mut tx, id, &c.edits).await?;
        Self::decide_change_in(&mut tx, id, Status::Approved, reviewer, None, Some(rev)).await?;
        Self::audit_in(
            &mut tx,
            reviewer,
            "approve",
            &format!("change {id}"),
            Some(&change_edits_json(&c.edits, true)),
            Some(&change_edits_json(&c.edits, false)),
        )
        .await?;
        tx.commit().await?;
        Ok(rev)
    }

    async fn decide_change_in(
        tx: &mut Transaction<'static, Any>,
        id: i64,
        status: Status,
        by: &str,
        note: Option<&str>,
        rev: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE change SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4, \
             applied_revision = COALESCE($5, applied_revision) WHERE id = $6",
        )
        .bind(status.as_str())
        .bind(by)
        .bind(now())
        .bind(note)
        .bind(rev)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Rejects a proposed change with a note. Audited.
    pub async fn reject(&self, id: i64, reviewer: &str, note: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let c = Self::change_from(&mut tx, id).await?;
        if c.status != Status::Proposed {
            return Err(Error::BadInput(format!("change {id} is {}, not proposed", c.status.as_str())));
        }
        Self::decide_change_in(&mut tx, id, Status::Rejected, reviewer, Some(note), None).await?;
        Self::audit_in(&mut tx, reviewer, "reject", &format!("change {id}"), None, Some(note)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reverts an approved change: its inverse is applied as a new approved change (conflict if the records
    /// changed since), the original is marked reverted. Audited. Returns the new revision.
    pub async fn revert(&self, id: i64, reviewer: &str) -> Result<i64> {
        let mut tx = self.write_tx().await?;
        let c = Self::change_from(&mut tx, id).await?;
        if c.status != Status::Approved {
            return Err(Error::BadInput(format!(
                "change {id} is {}, only an approved change can be reverted",
                c.status.as_str()
            )));
        }
        // the inverse, last edit first; the record of an undone delete comes back at the end of its kind. A
        // record is found by the text the change gave it (an edit may have changed its id, e.g. a CSV row's key
        // columns); when no record holds that text any more, the id of the edit stands and the revert conflicts.
        let current = Self::files_from(&mut *tx).await?;
        let mut split: BTreeMap<String, Vec<Record>> = BTreeMap::new();
        let mut inverse = Vec::with_capacity(c.edits.len());
        for e in c.edits.iter().rev() {
            let recs = split
                .entry(e.file.clone())
                .or_insert_with(|| current.files.get(&e.file).map(|t| ledger::split(&e.file, t)).unwrap_or_default());
            let id = match (&e.op, &e.after) {
                (Op::Add | Op::Update, Some(after)) => {
                    let found: Vec<&Record> = recs.iter().filter(|r| &r.text == after).collect();
                    match found.as_slice() {
                        [one] => one.id.clone(),
                        _ => e.id.clone(),
                    }
                }
                _ => e.id.clone(),
            };
            inverse.push(ChangeEdit {
                file: e.file.clone(),
                id,
                op: match e.op {
                    Op::Add => Op::Delete,
                    Op::Delete => Op::Add,
                    Op::Update => Op::Update,
                },
                before: e.after.clone(),
                after: e.before.clone(),
            });
        }
        let (rev, resolved) = Self::apply_in(&mut tx, id, &inverse).await?;
        let base = rev - 1;
        let new_id = Self::insert_change_in(
            &mut tx,
            reviewer,
            &format!("revert of change {id}"),
            Status::Approved,
            base,
            Some(id),
            &resolved,
        )
        .await?;
        Self::decide_change_in(&mut tx, new_id, Status::Approved, reviewer, None, Some(rev)).await?;
        Self::decide_change_in(
            &mut tx,
            id,
            Status::Reverted,
            reviewer,
            Some(&format!("reverted by change {new_id}")),
            None,
        )
        .await?;
        Self::audit_in(
            &mut tx,
            reviewer,
            "revert",
            &format!("change {id}"),
            Some(&change_edits_json(&inverse, true)),
            Some(&change_edits_json(&inverse, false)),
        )
        .await?;
        tx.commit().await?;
        Ok(rev)
    }
}

fn change_row(row: &AnyRow) -> Result<Change> {
    Ok(Change {
        id: row.try_get(0)?,
        author: row.try_get(1)?,
        note: row.try_get(2)?,
        status: row.try_get::<String, _>(3)?.parse()?,
        created: row.try_get(4)?,
        base_revision: row.try_get(5)?,
        decided_by: row.try_get(6)?,
        decided_at: row.try_get(7)?,
        decision_note: row.try_get(8)?,
        applied_revision: row.try_get(9)?,
        reverts: row.try_get(10)?,
        edits: Vec::new(),
    })
}

fn edit_row(r: &AnyRow) -> Result<ChangeEdit> {
    Ok(ChangeEdit {
        file: r.try_get(0)?,
        id: r.try_get(1)?,
        op: r.try_get::<String, _>(2)?.parse().map_err(Error::Corrupt)?,
        before: r.try_get(3)?,
        after: r.try_get(4)?,
    })
}

fn edits_json(edits: &[ResolvedEdit]) -> String {
    let v: Vec<serde_json::Value> = edits
        .iter()
        .map(|e| serde_json::json!({"file": e.file, "id": e.id, "op": e.op.as_str(), "before": e.before, "after": e.after}))
        .collect();
    serde_json::Value::Array(v).to_string()
}

/// The records' texts before (or after) a change's edits, as audited: `[{file, id, op, text}]`.
fn change_edits_json(edits: &[ChangeEdit], before: bool) -> String {
    let v: Vec<serde_json::Value> = edits
        .iter()
        .map(|e| {
            serde_json::json!({"file": e.file, "id": e.id, "op": e.op.as_str(),
                "text": if before { &e.before } else { &e.after }})
        })
        .collect();
    serde_json::Value::Array(v).to_string()
}

/// sqlx, for tools and tests that need a raw connection (e.g. to create a PostgreSQL schema).
pub use sqlx;

/// The Tokio runtime type, for callers without one of their own (the CLI).
pub use tokio::runtime::Runtime;

/// A Tokio runtime for callers without one (the CLI): `entente_store::runtime()?.block_on(async { … })`.
pub fn runtime() -> std::io::Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()
}
