//! Batch screening jobs: an uploaded file screened off the request threads, with progress.
//!
//! `POST /dash/screen/batch` ([`super::screen`]) reads and checks the upload, then [`start`]s a job and sends the
//! browser to `GET /dash/jobs/{id}`, which shows the progress (a `<progress>` bar; the page reloads itself every
//! second with a meta refresh while the job runs — no script needed) and, once done, the counts, the alerts
//! recorded and the downloads `result.csv` / `result.json`: the bytes `entente screen --input FILE --format
//! csv|json` writes for the same file, lists, threshold and run time (plus the allow-list's `ALLOWED` marks when a
//! decision allows a hit).
//!
//! A running job lives in memory; once it ends, a server with a store writes it there (the newest [`KEEP_STORED`]
//! are kept), so its page and downloads survive a restart. Without a store a restart forgets jobs (the newest
//! [`KEEP`] are kept in memory). A job is visible to the user who started it and to admins.

use super::layout;
use super::session::{UserRole, Visitor, Who};
use crate::state::State;
use axum::extract::{Path, State as S};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, SecondsFormat, Utc};
use entente_app::Progress;
use entente_store::{JobOutcome, StoredJob};
use maud::html;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How many jobs are remembered in memory (the oldest are forgotten first).
pub const KEEP: usize = 50;

/// How many finished jobs the store keeps (the oldest are forgotten first).
pub const KEEP_STORED: usize = 500;

/// What a finished job produced: counts, the alerts recorded and the result files (the store's type, so what is
/// shown before and after a restart is the same).
pub type JobResult = entente_store::JobCounts;

/// Where a job is.
#[derive(Debug, Clone)]
pub enum JobState {
    Running,
    Done(Box<JobResult>),
    Failed(String),
}

/// One batch job.
#[derive(Debug)]
pub struct Job {
    pub id: String,
    pub owner: String,
    /// The uploaded file's name.
    pub name: String,
    pub created: DateTime<Utc>,
    total: AtomicUsize,
    done: AtomicUsize,
    state: Mutex<JobState>,
}

impl Job {
    /// (parties done, parties in all).
    pub fn progress(&self) -> (usize, usize) {
        (self.done.load(Ordering::Relaxed), self.total.load(Ordering::Relaxed))
    }

    pub fn state(&self) -> JobState {
        self.state.lock().map(|s| s.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }

    pub fn set_state(&self, s: JobState) {
        match self.state.lock() {
            Ok(mut g) => *g = s,
            Err(e) => *e.into_inner() = s,
        }
    }

    fn visible_to(&self, who: &Who) -> bool {
        self.owner == who.name || who.role >= UserRole::Admin
    }
}

/// The application's progress reports, counted for the job page.
impl Progress for Job {
    fn start(&self, total: usize, _what: &str) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
    }
    fn inc(&self, n: usize) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
}

/// `1 hit`, `2 hits`.
pub fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A server's jobs in memory, oldest first.
#[derive(Debug, Default)]
pub struct Registry(Mutex<VecDeque<Arc<Job>>>);

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Job>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A new job id: 128 random bits, hex.
fn new_id() -> String {
    use rand_core::RngCore;
    let mut b = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Registers a running job of `owner` for the file `name`.
pub fn start(state: &State, owner: &str, name: &str) -> Arc<Job> {
    let job = Arc::new(Job {
        id: new_id(),
        owner: owner.to_string(),
        name: name.to_string(),
        created: Utc::now(),
        total: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        state: Mutex::new(JobState::Running),
    });
    let mut jobs = state.jobs.lock();
    jobs.push_back(job.clone());
    while jobs.len() > KEEP {
        jobs.pop_front();
    }
    job
}

/// Ends the job: on a server with a store it is written there first (a failed write is logged: the job stays in
/// memory until a restart), then its page shows it done — so a job shown done is one a restart keeps.
pub async fn finish(store: Option<&entente_store::Store>, job: &Job, state: JobState) {
    let state = match (store, state) {
        (Some(store), JobState::Done(r)) => save(store, job, JobOutcome::Done(*r)).await.into(),
        (Some(store), JobState::Failed(e)) => save(store, job, JobOutcome::Failed(e)).await.into(),
        (_, state) => state,
    };
    job.set_state(state);
}

/// A finished job's state, from what the store holds.
impl From<JobOutcome> for JobState {
    fn from(o: JobOutcome) -> JobState {
        match o {
            JobOutcome::Done(r) => JobState::Done(Box::new(r)),
            JobOutcome::Failed(e) => JobState::Failed(e),
        }
    }
}

/// Writes the finished job to the store; gives its outcome back (the results are not copied).
async fn save(store: &entente_store::Store, job: &Job, outcome: JobOutcome) -> JobOutcome {
    let stored = StoredJob {
        id: job.id.clone(),
        owner: job.owner.clone(),
        name: job.name.clone(),
        created: stamp(&job.created),
        finished: stamp(&Utc::now()),
        outcome,
    };
    if let Err(e) = store.save_job(&stored, KEEP_STORED).await {
        crate::log::event("job", &format!("batch job {} was not stored (a restart will forget it): {e}", job.id));
    }
    stored.outcome
}

fn stamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The job with this id: running or finished in memory, else finished in the store. Err when the store could not
/// be read (not the same as no such job).
pub async fn find(state: &State, id: &str) -> Result<Option<Arc<Job>>, entente_store::Error> {
    let mem = state.jobs.lock().iter().find(|j| j.id == id).cloned();
    if mem.is_some() {
        return Ok(mem);
    }
    let Some(store) = state.store.as_ref() else { return Ok(None) };
    let Some(stored) = store.job(id).await? else { return Ok(None) };
    let parties = match &stored.outcome {
        JobOutcome::Done(r) => r.parties,
        JobOutcome::Failed(_) => 0,
    };
    Ok(Some(Arc::new(Job {
        id: stored.id,
        owner: stored.owner,
        name: stored.name,
        created: DateTime::parse_from_rfc3339(&stored.created).map(|t| t.with_timezone(&Utc)).unwrap_or_default(),
        total: AtomicUsize::new(parties),
        done: AtomicUsize::new(parties),
        state: Mutex::new(stored.outcome.into()),
    })))
}

/// A job in a list: its id, file name, start and state in a few words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentJob {
    pub id: String,
    pub name: String,
    /// RFC 3339, UTC, milliseconds (sorts as text).
    pub created: String,
    pub status: String,
}

/// The jobs `who` started, newest first: those in memory and the finished ones in the store.
pub async fn recent(state: &State, who: &Who, limit: usize) -> Vec<RecentJob> {
    let mut out: Vec<RecentJob> = {
        let jobs = state.jobs.lock();
        jobs.iter()
            .filter(|j| j.owner == who.name)
            .map(|j| RecentJob {
                id: j.id.clone(),
                name: j.name.clone(),
                created: stamp(&j.created),
                status: status_text(j),
            })
            .collect()
    };
    if let Some(store) = &state.store {
        match store.jobs(Some(&who.name), limit).await {
            Ok(stored) => {
                let in_memory: Vec<String> = out.iter().map(|o| o.id.clone()).collect();
                for j in stored.into_iter().filter(|j| !in_memory.contains(&j.id)) {
                    let status = match &j.error {
                        Some(e) => format!("failed: {e}"),
                        None => done_text(j.parties, j.alerting),
                    };
                    out.push(RecentJob { id: j.id, name: j.name, created: j.created, status });
                }
            }
            Err(e) => crate::log::event("job", &format!("the store's batch jobs could not be read: {e}")),
        }
    }
    out.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.id.cmp(&a.id)));
    out.truncate(limit);
    out
}

fn done_text(parties: usize, alerting: usize) -> String {
    format!("done: {parties} screened, {alerting} to review")
}

/// A job's state in a few words, for lists.
pub fn status_text(job: &Job) -> String {
    match job.state() {
        JobState::Running => {
            let (done, total) = job.progress();
            format!("running: {done} of {total} parties")
        }
        JobState::Failed(e) => format!("failed: {e}"),
        JobState::Done(r) => done_text(r.parties, r.alerting),
    }
}

pub fn routes() -> Router<Arc<State>> {
    Router::new().route("/dash/jobs/{id}", get(page)).route("/dash/jobs/{id}/{file}", get(download))
}

/// The job if the visitor may see it; else the page to answer (sign in, or 404 — a job of someone else is not
/// admitted to exist).
#[allow(clippy::result_large_err)] // the error is the page to answer, as in the session's role checks
async fn visible(state: &State, v: &Visitor, id: &str) -> Result<(Who, Arc<Job>), Response> {
    let who = v.at_least(UserRole::Viewer, "Seeing a batch job")?.clone();
    match find(state, id).await {
        Ok(Some(j)) if j.visible_to(&who) => Ok((who, j)),
        Err(e) => Err(super::store_error(e, Some(&who))),
        Ok(_) => Err(layout::error_page(
            StatusCode::NOT_FOUND,
            "No such job",
            &format!(
                "There is no batch job with this id for you (a server with a store keeps the newest {KEEP_STORED} \
                 finished jobs; without one a restart forgets them; their alerts stay in the alert list)."
            ),
            Some(&who),
        )),
    }
}

async fn page(S(state): S<Arc<State>>, v: Visitor, Path(id): Path<String>) -> Response {
    let (who, job) = match visible(&state, &v, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let state = job.state();
    let (done, total) = job.progress();
    let running = matches!(state, JobState::Running);
    let main = html! {
        dl.meta {
            dt { "File" } dd style="overflow-wrap: anywhere" { (job.name) }
            dt { "Started" } dd { (job.created.to_rfc3339_opts(SecondsFormat::Secs, true)) " by " (job.owner) }
        }
        @match &state {
            JobState::Running => {
                p role="status" {
                    label for="job-progress" { "Screened " (done) " of " (total) " parties" }
                    " "
                    progress id="job-progress" max=(total.max(1)) value=(done) { (done) " of " (total) }
                }
                p.muted { "This page reloads every second until the job is done." }
            }
            JobState::Failed(e) => {
                p.notice.bad role="alert" { "The job failed: " (e) }
            }
            JobState::Done(r) => {
                p.notice.good role="status" {
                    "Done: " (r.parties) @if r.parties == 1 { " party" } @else { " parties" } " screened, " (r.alerting) " to review"
                    @if r.allowed > 0 { ", " (count(r.allowed, "hit")) " allowed by earlier decisions" }
                    "."
                }
                @match &r.recorded {
                    Ok(ids) if ids.is_empty() && r.already_open == 0 => p { "No alerts were recorded (no list hits to review)." },
                    Ok(ids) => p {
                        (count(ids.len(), "alert")) " recorded"
                        @if r.already_open > 0 { " (" (count(r.already_open, "hit")) " open as alerts already)" }
                        ": " a href="/dash/alerts" { "review them" } "."
                    },
                    Err(why) => p.notice { "No alerts recorded: " (why) },
                }
                ul.actions {
                    li { a href=(format!("/dash/jobs/{}/result.csv", job.id)) download { "Download result.csv" } }
                    li { a href=(format!("/dash/jobs/{}/result.json", job.id)) download { "Download result.json" } }
                }
            }
        }
        p { a href="/dash/screen" { "Screen another name or file" } }
    };
    let mut r = layout::page("Batch screening job", "/dash/screen", Some(&who), main);
    if running {
        r.headers_mut().insert(header::REFRESH, HeaderValue::from_static("1"));
    }
    r
}

async fn download(S(state): S<Arc<State>>, v: Visitor, Path((id, file)): Path<(String, String)>) -> Response {
    let (who, job) = match visible(&state, &v, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let JobState::Done(r) = job.state() else {
        return layout::error_page(
            StatusCode::CONFLICT,
            "Not ready",
            "The job has not finished (or failed); its results are not available.",
            Some(&who),
        );
    };
    let stem = job.name.rsplit_once('.').map(|(s, _)| s).unwrap_or(&job.name);
    let stem: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() || "-_".contains(c) { c } else { '_' }).collect();
    let (body, ctype, ext) = match file.as_str() {
        "result.csv" => (r.csv, "text/csv; charset=utf-8", "csv"),
        "result.json" => (r.json, "application/json", "json"),
        _ => {
            return layout::error_page(
                StatusCode::NOT_FOUND,
                "No such file",
                "A job offers result.csv and result.json.",
                Some(&who),
            )
        }
    };
    let disposition = format!("attachment; filename=\"{stem}-screened.{ext}\"");
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Ok(d) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    resp
}
