//! Batch screening jobs: an uploaded file screened off the request threads, with progress.
//!
//! `POST /dash/screen/batch` ([`super::screen`]) reads and checks the upload, then [`start`]s a job and sends the
//! browser to `GET /dash/jobs/{id}`, which shows the progress (a `<progress>` bar; the page reloads itself every
//! second with a meta refresh while the job runs — no script needed) and, once done, the counts, the alerts
//! recorded and the downloads `result.csv` / `result.json`: the bytes `entente screen --input FILE --format
//! csv|json` writes for the same file, lists, threshold and run time (plus the allow-list's `ALLOWED` marks when a
//! decision allows a hit).
//!
//! Jobs live in memory (a restart forgets them; their alerts are in the store). A job is visible to the user who
//! started it and to admins. The last [`KEEP`] jobs are kept.

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
use maud::html;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// How many jobs are remembered (the oldest are forgotten first).
pub const KEEP: usize = 50;

/// What a finished job produced.
#[derive(Debug, Clone)]
pub struct JobResult {
    /// `entente screen --format csv` bytes.
    pub csv: String,
    /// `entente screen --format json` bytes.
    pub json: String,
    pub parties: usize,
    /// Parties that need a reviewer (allowed hits left out).
    pub alerting: usize,
    /// List hits (allowed ones included).
    pub hits: usize,
    /// Hits an allow-list decision allows.
    pub allowed: usize,
    /// Alert ids recorded in the store, or why none were.
    pub recorded: Result<Vec<i64>, String>,
    /// Hits not recorded because the same name and entity is an open alert already.
    pub already_open: usize,
}

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

fn registry() -> &'static Mutex<VecDeque<Arc<Job>>> {
    static JOBS: OnceLock<Mutex<VecDeque<Arc<Job>>>> = OnceLock::new();
    JOBS.get_or_init(|| Mutex::new(VecDeque::new()))
}

/// A new job id: 128 random bits, hex.
fn new_id() -> String {
    use rand_core::RngCore;
    let mut b = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Registers a running job of `owner` for the file `name`.
pub fn start(owner: &str, name: &str) -> Arc<Job> {
    let job = Arc::new(Job {
        id: new_id(),
        owner: owner.to_string(),
        name: name.to_string(),
        created: Utc::now(),
        total: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        state: Mutex::new(JobState::Running),
    });
    let mut jobs = registry().lock().unwrap_or_else(|e| e.into_inner());
    jobs.push_back(job.clone());
    while jobs.len() > KEEP {
        jobs.pop_front();
    }
    job
}

/// The job with this id, if it is still remembered.
pub fn find(id: &str) -> Option<Arc<Job>> {
    registry().lock().unwrap_or_else(|e| e.into_inner()).iter().find(|j| j.id == id).cloned()
}

/// The jobs `who` may see, newest first.
pub fn recent(who: &Who) -> Vec<Arc<Job>> {
    let jobs = registry().lock().unwrap_or_else(|e| e.into_inner());
    jobs.iter().rev().filter(|j| j.visible_to(who)).cloned().collect()
}

/// A job's state in a few words, for lists.
pub fn status_text(job: &Job) -> String {
    match job.state() {
        JobState::Running => {
            let (done, total) = job.progress();
            format!("running: {done} of {total} parties")
        }
        JobState::Failed(e) => format!("failed: {e}"),
        JobState::Done(r) => format!("done: {} screened, {} to review", r.parties, r.alerting),
    }
}

pub fn routes() -> Router<Arc<State>> {
    Router::new().route("/dash/jobs/{id}", get(page)).route("/dash/jobs/{id}/{file}", get(download))
}

/// The job if the visitor may see it; else the page to answer (sign in, or 404 — a job of someone else is not
/// admitted to exist).
#[allow(clippy::result_large_err)] // the error is the page to answer, as in the session's role checks
fn visible(v: &Visitor, id: &str) -> Result<(Who, Arc<Job>), Response> {
    let who = v.at_least(UserRole::Viewer, "Seeing a batch job")?.clone();
    match find(id) {
        Some(j) if j.visible_to(&who) => Ok((who, j)),
        _ => Err(layout::error_page(
            StatusCode::NOT_FOUND,
            "No such job",
            "There is no batch job with this id for you (jobs are kept in memory: a restart forgets them; their \
             alerts stay in the alert list).",
            Some(&who),
        )),
    }
}

async fn page(v: Visitor, Path(id): Path<String>) -> Response {
    let (who, job) = match visible(&v, &id) {
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

async fn download(S(_state): S<Arc<State>>, v: Visitor, Path((id, file)): Path<(String, String)>) -> Response {
    let (who, job) = match visible(&v, &id) {
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
