//! Screening in the dashboard: a name form (`GET|POST /dash/screen`), recording a screen's hits as alerts
//! (`POST /dash/screen/record`, analyst and up) and batch uploads (`POST /dash/screen/batch`: CSV, pacs.008 or
//! pain.001, multipart; screened as a job with progress, see [`super::jobs`]).
//!
//! Screening is the application's ([`entente_app::screen`]) against the server's loaded lists, exactly as
//! `/api/screen` and the CLI; every hit is shown with its explanation, matched fields, list, publication date and
//! ownership flags. Hits that an unexpired false-positive decision allows ([`entente_app::allow`]) are shown as
//! allowed, with the decision, and are neither counted as alerts nor recorded again.
//!
//! Names are sent by POST, never in a URL (screened names do not end up in access logs or browser history).

use super::jobs::{self, JobResult, JobState};
use super::layout::{self, Field};
use super::session::{UserRole, Visitor, Who};
use crate::state::State;
use axum::extract::{DefaultBodyLimit, Form, Multipart, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use entente_app::allow::{AllowEntry, AllowList, AllowMarks};
use entente_app::screen::{InputFormat, ScreenOutcome, ScreenRequest, ScreenRun, DEFAULT_THRESHOLD};
use entente_app::{Progress, Silent};
use entente_report::views::screen as view;
use entente_screen::index::Query;
use entente_screen::model::{DateSpec, IdKind, Identifier, Schema};
use entente_screen::screen::ScreenedParty;
use maud::{html, Markup};
use serde::Deserialize;
use std::sync::Arc;

/// Parties screened per progress step of a batch job.
const STEP: usize = 256;

pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/dash/screen", get(form_page).post(screen_name))
        .route("/dash/screen/record", post(record))
        // The upload's own limit (the server's --batch-limit) is enforced while reading it, with a clear page.
        .route("/dash/screen/batch", post(batch).layer(DefaultBodyLimit::disable()))
}

/// The allow-list in force now: the store's unexpired false-positive decisions (empty without a store).
pub async fn allow_list(state: &State) -> Result<AllowList, String> {
    let Some(store) = state.store.as_ref() else { return Ok(AllowList::default()) };
    let entries = store.allow_list().await.map_err(|e| format!("cannot read the allow-list: {e}"))?;
    Ok(AllowList::new(
        entries.into_iter().map(|a| AllowEntry {
            query_key: a.query_key,
            entity_id: a.entity_id,
            expires: a.expires,
            decision_id: a.decision_id,
            note: a.note,
            decided_by: a.decided_by,
        }),
        chrono::Utc::now(),
    ))
}

/// The alerts to record for a run: every list hit that no decision allows.
pub fn new_alerts(results: &[ScreenedParty], marks: &AllowMarks) -> Vec<entente_store::NewAlert> {
    let mut out = Vec::new();
    for (i, r) in results.iter().enumerate() {
        for (j, h) in r.hits.iter().enumerate() {
            if marks.get(i, j).is_some() {
                continue;
            }
            let query = if r.query.name.trim().is_empty() {
                entente_app::allow::query_key(&r.query)
            } else {
                r.query.name.clone()
            };
            out.push(entente_store::NewAlert {
                query,
                entity_id: h.entity_id.clone(),
                entity_name: h.caption.clone(),
                list: h.list.clone(),
                score: (f64::from(h.score) * 1000.0).round() / 1000.0,
                explanation_json: serde_json::to_string(h).unwrap_or_default(),
            });
        }
    }
    out
}

/// Records the alerts not already open (one open alert per normalised query and entity: a name screened again, or
/// twice in one file, is not recorded twice). Returns the new ids and how many were open already.
pub async fn record_new(
    store: &entente_store::Store,
    actor: &str,
    alerts: Vec<entente_store::NewAlert>,
) -> Result<(Vec<i64>, usize), entente_store::Error> {
    use entente_app::allow::normalize_key;
    let mut open: std::collections::HashSet<(String, String)> =
        store.alerts(true).await?.into_iter().map(|a| (normalize_key(&a.query), a.entity_id)).collect();
    let n = alerts.len();
    let fresh: Vec<_> =
        alerts.into_iter().filter(|a| open.insert((normalize_key(&a.query), a.entity_id.clone()))).collect();
    let skipped = n - fresh.len();
    if fresh.is_empty() {
        return Ok((Vec::new(), skipped));
    }
    Ok((store.record_alerts(actor, &fresh).await?, skipped))
}

/// The name form's fields (all text; checked by [`NameForm::query`]).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct NameForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub dob: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub threshold: String,
}

/// Errors by field name.
type FieldErrors = Vec<(&'static str, String)>;

fn threshold_of(t: &str) -> Result<f32, String> {
    let t = t.trim();
    if t.is_empty() {
        return Ok(DEFAULT_THRESHOLD);
    }
    match t.parse::<f32>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("threshold `{t}` is not a number between 0 and 1")),
    }
}

impl NameForm {
    /// The query and threshold the form asks for, or an error per bad field.
    pub fn query(&self) -> Result<(Query, f32), FieldErrors> {
        let mut errors = FieldErrors::new();
        let schema = match self.kind.trim() {
            "" | "any" => None,
            k => match Schema::parse(k) {
                Some(s) => Some(s),
                None => {
                    errors.push(("kind", format!("unknown kind `{k}`")));
                    None
                }
            },
        };
        let birth_date = match self.dob.trim() {
            "" => None,
            d => match DateSpec::parse(d) {
                Some(s) => Some(s),
                None => {
                    errors.push(("dob", format!("date of birth `{d}` is not YYYY, YYYY-MM or YYYY-MM-DD")));
                    None
                }
            },
        };
        let mut identifiers = Vec::new();
        if !self.id.trim().is_empty() {
            match self.id.trim().split_once('=') {
                Some((k, v)) if !v.trim().is_empty() => match IdKind::parse(k.trim()) {
                    Some(kind) => identifiers.push(Identifier::new(kind, v, None)),
                    None => errors.push((
                        "id",
                        format!("unknown identifier kind `{}` (imo, mmsi, inn, bic, lei, passport, …)", k.trim()),
                    )),
                },
                _ => {
                    errors.push(("id", format!("identifier `{}` is not KIND=VALUE (e.g. imo=9339301)", self.id.trim())))
                }
            }
        }
        if self.name.trim().is_empty() && identifiers.is_empty() && !errors.iter().any(|(f, _)| *f == "id") {
            errors.push(("name", "enter a name (or an identifier)".into()));
        }
        let threshold = threshold_of(&self.threshold).unwrap_or_else(|e| {
            errors.push(("threshold", e));
            DEFAULT_THRESHOLD
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        let country = Some(self.country.trim().to_string()).filter(|c| !c.is_empty());
        Ok((Query { name: self.name.trim().to_string(), schema, birth_date, country, identifiers }, threshold))
    }

    fn hidden(&self) -> Markup {
        html! {
            input type="hidden" name="name" value=(self.name);
            input type="hidden" name="kind" value=(self.kind);
            input type="hidden" name="dob" value=(self.dob);
            input type="hidden" name="country" value=(self.country);
            input type="hidden" name="id" value=(self.id);
            input type="hidden" name="threshold" value=(self.threshold);
        }
    }
}

fn error_of<'a>(errors: &'a FieldErrors, field: &str) -> Option<&'a str> {
    errors.iter().find(|(f, _)| *f == field).map(|(_, e)| e.as_str())
}

const KINDS: &str = "select:any=Any|Person|Organization|Company|Vessel|Airplane|LegalEntity=Legal entity";

fn name_form(who: Option<&Who>, f: &NameForm, errors: &FieldErrors) -> Markup {
    let threshold = if f.threshold.is_empty() { format!("{DEFAULT_THRESHOLD}") } else { f.threshold.clone() };
    html! {
        section aria-labelledby="name-h" {
            h2 id="name-h" { "Screen a name" }
            @if !errors.is_empty() {
                p.notice.bad role="alert" { "The form has errors: " (errors.iter().map(|(f, e)| format!("{f}: {e}")).collect::<Vec<_>>().join("; ")) }
            }
            form.stack method="post" action="/dash/screen" {
                @if let Some(w) = who { (layout::csrf_field(w)) }
                (Field { name: "name", label: "Name", value: &f.name, hint: Some("A person, company, vessel or aircraft; any script."), error: error_of(errors, "name"), kind: "text", required: false }.markup())
                (Field { name: "kind", label: "Kind", value: if f.kind.is_empty() { "any" } else { &f.kind }, hint: None, error: error_of(errors, "kind"), kind: KINDS, required: false }.markup())
                (Field { name: "dob", label: "Date of birth or incorporation", value: &f.dob, hint: Some("YYYY, YYYY-MM or YYYY-MM-DD"), error: error_of(errors, "dob"), kind: "text", required: false }.markup())
                (Field { name: "country", label: "Country or nationality", value: &f.country, hint: Some("ISO code or name"), error: error_of(errors, "country"), kind: "text", required: false }.markup())
                (Field { name: "id", label: "Identifier", value: &f.id, hint: Some("KIND=VALUE, e.g. imo=9339301"), error: error_of(errors, "id"), kind: "text", required: false }.markup())
                (Field { name: "threshold", label: "Threshold", value: &threshold, hint: Some("Report hits scoring at least this (0 to 1)"), error: error_of(errors, "threshold"), kind: "text", required: false }.markup())
                div.actions { button type="submit" { "Screen" } }
            }
        }
    }
}

/// What every rendering of the screening page needs beyond its forms: the upload limit and the visitor's recent
/// batch jobs (from memory and the store).
struct PageCtx {
    limit: usize,
    recent: Vec<jobs::RecentJob>,
}

async fn page_ctx(state: &State, who: Option<&Who>) -> PageCtx {
    let recent = match who {
        Some(w) => jobs::recent(state, w, 10).await,
        None => Vec::new(),
    };
    PageCtx { limit: state.cfg.batch_limit, recent }
}

fn batch_form(who: Option<&Who>, error: Option<&str>, ctx: &PageCtx) -> Markup {
    let limit = ctx.limit;
    html! {
        section aria-labelledby="batch-h" {
            h2 id="batch-h" { "Screen a file" }
            @match who {
                None => p { a href="/login?next=/dash/screen" { "Sign in" } " to screen a file." },
                Some(w) => {
                    @if let Some(e) = error { p.notice.bad role="alert" id="batch-error" style="overflow-wrap: anywhere" { (e) } }
                    form.stack method="post" action=(format!("/dash/screen/batch?csrf={}", w.csrf)) enctype="multipart/form-data" {
                        div.field {
                            label for="f-file" { "File (required)" }
                            input id="f-file" type="file" name="file" required accept=".csv,.txt,.xml,text/csv,application/xml,text/xml"
                                aria-describedby="f-file-hint" aria-invalid=[error.map(|_| "true")];
                            span.hint id="f-file-hint" {
                                "CSV with a header row (a name, full_name, party or counterparty column), or ISO 20022 pacs.008 / pain.001 XML; at most "
                                (limit / (1 << 20)) " MiB."
                            }
                        }
                        (Field { name: "input", label: "Format", value: "auto", hint: None, error: None, kind: "select:auto=Detect from content|csv=CSV|iso20022=ISO 20022 XML", required: false }.markup())
                        (Field { name: "threshold", label: "Threshold", value: &format!("{DEFAULT_THRESHOLD}"), hint: Some("Report hits scoring at least this (0 to 1)"), error: None, kind: "text", required: false }.markup())
                        div.actions { button type="submit" { "Upload and screen" } }
                    }
                    @if w.role < UserRole::Analyst {
                        p.muted { "Hits of a file are recorded as alerts when an analyst (or higher) screens it." }
                    }
                    @if !ctx.recent.is_empty() {
                        h3 { "Your recent files" }
                        ul style="overflow-wrap: anywhere" {
                            @for j in &ctx.recent {
                                li { a href=(format!("/dash/jobs/{}", j.id)) { (j.name) } " — " (j.status) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn ownership_lines(h: &entente_screen::screen::ScreenedHit) -> Markup {
    html! { @for f in &h.ownership { br; strong { "Ownership: " } (view::ownership_text(f)) } }
}

/// One party's hits, policy alerts and note as HTML.
fn party_markup(i: usize, r: &ScreenedParty, marks: &AllowMarks, audit: &entente_screen::audit::Audit) -> Markup {
    let label = if r.query.name.is_empty() { entente_app::allow::query_key(&r.query) } else { r.query.name.clone() };
    html! {
        @if let Some(n) = &r.note { p.notice.bad style="overflow-wrap: anywhere" { (n) } }
        @if !r.jurisdiction.is_empty() {
            div.scroll role="region" aria-label=(format!("Country policy alerts for {label}")) tabindex="0" {
                table {
                    caption { "Country policy alerts" }
                    thead { tr { th scope="col" { "Jurisdiction" } th scope="col" { "Field" } th scope="col" { "Value" } th scope="col" { "Why" } } }
                    tbody { @for j in &r.jurisdiction { tr {
                        th scope="row" { (j.name) " (" (j.jurisdiction) ")" }
                        td { (j.field) } td { (j.value) } td { (j.evidence) ": " (j.reason) }
                    } } }
                }
            }
        }
        @if r.hits.is_empty() {
            @if r.jurisdiction.is_empty() && r.note.is_none() {
                p.notice role="status" { "No match at or above the threshold for " strong { (label) } "." }
            }
        } @else {
            div.scroll role="region" aria-label=(format!("Hits for {label}")) tabindex="0" {
                // Wide enough to read on a phone: the box scrolls rather than squeezing the columns.
                table style="min-width: 48em" {
                    caption { "Hits for " (label) }
                    thead { tr {
                        th scope="col" { "Entity" }
                        th scope="col" class="num" { "Score" }
                        th scope="col" { "Status" }
                        th scope="col" { "Listed name" }
                        th scope="col" { "List" }
                        th scope="col" { "Programs" }
                        th scope="col" { "Explanation" }
                    } }
                    tbody {
                        @for (j, h) in r.hits.iter().enumerate() {
                            @let sha = h.list_index.and_then(|k| audit.lists.get(k)).map(|l| l.files.iter().map(|f| f.sha256.as_str()).collect::<Vec<_>>().join(" ")).unwrap_or_default();
                            tr {
                                th scope="row" { code { (h.entity_id) } }
                                td.num { (format!("{:.3}", h.score)) }
                                td {
                                    @match marks.get(i, j) {
                                        Some(a) => {
                                            span.badge.allowed { "Allowed" }
                                            " by decision " (a.decision_id) " (" (a.decided_by) ", until " (a.expires) ")"
                                            @if !a.note.is_empty() { ": " (a.note) }
                                        }
                                        None => span.badge.alert { "Alert" },
                                    }
                                }
                                td { (h.caption) " (" (h.schema.to_string()) ")" br; span.muted { "matched " (h.matched_name) } }
                                td {
                                    (h.list) " · " (h.authority)
                                    @if let Some(p) = &h.list_published { br; span.muted { "published " (p) } }
                                    @if !sha.is_empty() { br; span.muted style="word-break: break-all" { "sha256 " (sha) } }
                                }
                                td { (h.programs.join(", ")) }
                                td { (h.explanation) br; span.muted { "matched fields: " (h.matched_fields.join(", ")) } (ownership_lines(h)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The audit of a run in short: when, threshold, algorithm, lists with dates.
fn audit_markup(a: &entente_screen::audit::Audit) -> Markup {
    html! {
        // Warnings quote list file paths: long words wrap rather than widen the page on a phone.
        details style="overflow-wrap: anywhere" {
            summary { "Audit trail: screened at " (a.run_at) ", threshold " (format!("{:.2}", a.threshold)) ", " (a.lists.len()) " lists" }
            ul {
                @for l in &a.lists {
                    li { (l.list) " (" (l.authority) "): " (l.entities) " entities, published "
                        (l.published_iso.as_deref().or(l.published.as_deref()).unwrap_or("(no date in file)")) }
                }
                @if let Some(p) = &a.policy { li { "Country policy " (p.source) ": " (p.jurisdictions.join(", ")) } }
                @for w in &a.warnings { li { "Warning: " (w) } }
            }
            p { a href="/dash/lists" { "List status with hashes" } }
        }
    }
}

/// What the screening page shows besides its forms.
#[derive(Default)]
struct Shown<'a> {
    results: Option<(&'a ScreenOutcome, &'a AllowMarks)>,
    notice: Option<Markup>,
    batch_error: Option<&'a str>,
}

/// The screening page: the name form (with `form`'s values and errors), results when there are any, the batch
/// form.
fn screen_page(
    status: StatusCode,
    who: Option<&Who>,
    form: &NameForm,
    errors: &FieldErrors,
    shown: Shown<'_>,
    ctx: &PageCtx,
) -> Response {
    let Shown { results, notice, batch_error } = shown;
    let main = html! {
        @if let Some(n) = notice { (n) }
        (name_form(who, form, errors))
        @if let Some((o, marks)) = results {
            section aria-labelledby="results-h" {
                h2 id="results-h" { "Results" }
                @let hits: usize = o.results.iter().map(|r| r.hits.len()).sum();
                p role="status" {
                    (jobs::count(hits, "hit"))
                    @if !marks.is_empty() { ", " (marks.len()) " allowed by earlier decisions" }
                    "; " @if marks.any_alert(&o.results) { strong { "needs review" } } @else { "nothing to review" } "."
                }
                @for (i, r) in o.results.iter().enumerate() { (party_markup(i, r, marks, &o.audit)) }
                (audit_markup(&o.audit))
                @let open = o.results.iter().enumerate().any(|(i, r)| (0..r.hits.len()).any(|j| marks.get(i, j).is_none()));
                @if open {
                    @match who {
                        Some(w) if w.role >= UserRole::Analyst => {
                            form method="post" action="/dash/screen/record" {
                                (layout::csrf_field(w))
                                (form.hidden())
                                button type="submit" { "Record these hits as alerts" }
                            }
                        }
                        _ => p.muted { "An analyst can record these hits as alerts for review." },
                    }
                }
            }
        }
        (batch_form(who, batch_error, ctx))
    };
    layout::respond(status, layout::Page { title: "Screening", nav: "/dash/screen", who, main }.markup())
}

async fn form_page(S(state): S<Arc<State>>, v: Visitor) -> Response {
    let who = match v.reader() {
        Ok(w) => w,
        Err(r) => return r,
    };
    let ctx = page_ctx(&state, who).await;
    screen_page(StatusCode::OK, who, &NameForm::default(), &Vec::new(), Shown::default(), &ctx)
}

/// Screens one query against the loaded lists and applies the allow-list.
async fn run_one(state: &Arc<State>, query: Query, threshold: f32) -> Result<(ScreenOutcome, AllowMarks), String> {
    let lists = state.lists().map_err(|e| e.message)?;
    let allow = allow_list(state).await?;
    let req = ScreenRequest { queries: vec![query], threshold, ..ScreenRequest::default() };
    let outcome = tokio::task::spawn_blocking(move || entente_app::screen::screen_with(&lists.loaded, &req, &Silent))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let marks = allow.apply(&outcome.results);
    Ok((outcome, marks))
}

async fn screen_name(S(state): S<Arc<State>>, v: Visitor, Form(f): Form<NameForm>) -> Response {
    // screening results are personal data: signed-in users only
    let who = match v.at_least(UserRole::Viewer, "Screening a name") {
        Ok(w) => Some(w),
        Err(r) => return r,
    };
    let ctx = page_ctx(&state, who).await;
    let (query, threshold) = match f.query() {
        Ok(q) => q,
        Err(errors) => return screen_page(StatusCode::UNPROCESSABLE_ENTITY, who, &f, &errors, Shown::default(), &ctx),
    };
    match run_one(&state, query, threshold).await {
        Ok((o, marks)) => screen_page(
            StatusCode::OK,
            who,
            &f,
            &Vec::new(),
            Shown { results: Some((&o, &marks)), ..Default::default() },
            &ctx,
        ),
        Err(e) => {
            let n = html! { p.notice.bad role="alert" { "Screening failed: " (e) } };
            screen_page(
                StatusCode::SERVICE_UNAVAILABLE,
                who,
                &f,
                &Vec::new(),
                Shown { notice: Some(n), ..Default::default() },
                &ctx,
            )
        }
    }
}

/// Records the hits of a screen as alerts: the name is screened again (the browser sends the form, not the hits),
/// hits an allow-list decision allows are left out.
async fn record(S(state): S<Arc<State>>, v: Visitor, Form(f): Form<NameForm>) -> Response {
    let who = match v.at_least(UserRole::Analyst, "Recording alerts") {
        Ok(w) => w.clone(),
        Err(r) => return r,
    };
    let ctx = page_ctx(&state, Some(&who)).await;
    let store = match super::store(&state, Some(&who)) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    let (query, threshold) = match f.query() {
        Ok(q) => q,
        Err(errors) => {
            return screen_page(StatusCode::UNPROCESSABLE_ENTITY, Some(&who), &f, &errors, Shown::default(), &ctx)
        }
    };
    let (o, marks) = match run_one(&state, query, threshold).await {
        Ok(x) => x,
        Err(e) => {
            let n = html! { p.notice.bad role="alert" { "Screening failed: " (e) } };
            return screen_page(
                StatusCode::SERVICE_UNAVAILABLE,
                Some(&who),
                &f,
                &Vec::new(),
                Shown { notice: Some(n), ..Default::default() },
                &ctx,
            );
        }
    };
    let alerts = new_alerts(&o.results, &marks);
    let notice = if alerts.is_empty() {
        html! { p.notice role="status" { "Nothing recorded: no hit needs review." } }
    } else {
        match record_new(&store, &who.name, alerts).await {
            Ok((ids, open)) => html! {
                p.notice role="status" {
                    @if ids.is_empty() { "Nothing recorded: " } @else {
                        "Recorded " (jobs::count(ids.len(), "alert")) " ("
                        (ids.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", "))
                        "). "
                    }
                    @if open > 0 { (jobs::count(open, "hit")) " open as alerts already. " }
                    a href="/dash/alerts" { "Review them" } "."
                }
            },
            Err(e) => return super::store_error(e, Some(&who)),
        }
    };
    screen_page(
        StatusCode::OK,
        Some(&who),
        &f,
        &Vec::new(),
        Shown { results: Some((&o, &marks)), notice: Some(notice), ..Default::default() },
        &ctx,
    )
}

/// A batch upload as read from the form.
struct Upload {
    name: String,
    data: Vec<u8>,
    format: InputFormat,
    threshold: f32,
}

/// A short text field of the upload form (at most 256 bytes, UTF-8).
async fn small_text(
    mut field: axum::extract::multipart::Field<'_>,
    name: &str,
) -> Result<String, (StatusCode, String)> {
    let bad = |m: String| (StatusCode::UNPROCESSABLE_ENTITY, format!("field `{name}`: {m}"));
    let mut buf = Vec::new();
    while let Some(c) = field.chunk().await.map_err(|e| bad(e.to_string()))? {
        buf.extend_from_slice(&c);
        if buf.len() > 256 {
            return Err(bad("longer than 256 bytes".into()));
        }
    }
    String::from_utf8(buf).map_err(|_| bad("not UTF-8 text".into()))
}

/// Reads the multipart form: `file` (at most `limit` bytes), `input`, `threshold`. Errors name the field.
async fn read_upload(mut m: Multipart, limit: usize) -> Result<Upload, (StatusCode, String)> {
    let bad = |m: String| (StatusCode::UNPROCESSABLE_ENTITY, m);
    let (mut name, mut data, mut format, mut threshold) = (None, None, InputFormat::Auto, DEFAULT_THRESHOLD);
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err((StatusCode::BAD_REQUEST, format!("the upload could not be read: {e}"))),
        };
        match field.name().unwrap_or("") {
            "file" => {
                let file_name = field.file_name().unwrap_or("upload").to_string();
                let mut buf = Vec::new();
                let mut field = field;
                loop {
                    match field.chunk().await {
                        Ok(Some(c)) => {
                            if buf.len() + c.len() > limit {
                                return Err((
                                    StatusCode::PAYLOAD_TOO_LARGE,
                                    format!(
                                        "field `file`: {file_name} is larger than this server's batch limit of {limit} bytes (entente serve --batch-limit)"
                                    ),
                                ));
                            }
                            buf.extend_from_slice(&c);
                        }
                        Ok(None) => break,
                        Err(e) => {
                            return Err((StatusCode::BAD_REQUEST, format!("field `file`: the upload broke off: {e}")))
                        }
                    }
                }
                // Only the base name: a browser may send a path.
                let base = file_name.rsplit(['/', '\\']).next().unwrap_or("upload").trim().to_string();
                name = Some(if base.is_empty() { "upload".to_string() } else { base });
                data = Some(buf);
            }
            "input" => {
                let v = small_text(field, "input").await?;
                format = match v.trim() {
                    "" | "auto" => InputFormat::Auto,
                    "csv" => InputFormat::Csv,
                    "iso20022" | "xml" => InputFormat::Iso20022,
                    other => return Err(bad(format!("field `input`: `{other}` is not auto, csv or iso20022"))),
                };
            }
            "threshold" => {
                let v = small_text(field, "threshold").await?;
                threshold = threshold_of(&v).map_err(|e| bad(format!("field `threshold`: {e}")))?;
            }
            _ => {} // csrf (checked from the query by the guard) and anything else
        }
    }
    let (Some(name), Some(data)) = (name, data) else {
        return Err(bad("field `file`: no file was sent; choose a CSV or ISO 20022 file".into()));
    };
    if data.is_empty() {
        return Err(bad(format!("field `file`: {name} is empty")));
    }
    Ok(Upload { name, data, format, threshold })
}

async fn batch(S(state): S<Arc<State>>, v: Visitor, m: Multipart) -> Response {
    let who = match v.at_least(UserRole::Viewer, "Screening a file") {
        Ok(w) => w.clone(),
        Err(r) => return r,
    };
    let limit = state.cfg.batch_limit;
    let ctx = page_ctx(&state, Some(&who)).await;
    let fail = |status: StatusCode, msg: &str| {
        screen_page(
            status,
            Some(&who),
            &NameForm::default(),
            &Vec::new(),
            Shown { batch_error: Some(msg), ..Default::default() },
            &ctx,
        )
    };
    let up = match read_upload(m, limit).await {
        Ok(u) => u,
        Err((status, msg)) => return fail(status, &msg),
    };
    let lists = match state.lists() {
        Ok(l) => l,
        Err(e) => return fail(StatusCode::SERVICE_UNAVAILABLE, &e.message),
    };
    let allow = match allow_list(&state).await {
        Ok(a) => a,
        Err(e) => return fail(StatusCode::INTERNAL_SERVER_ERROR, &e),
    };
    // Read every party before anything runs: a bad file is refused whole, with its line and field.
    let csv = ScreenRequest::default().csv;
    let Upload { name, data, format, threshold } = up;
    let n = name.clone();
    let parsed = tokio::task::spawn_blocking(move || {
        // The audit's record of the input (name, SHA-256, size); the bytes are not kept after this.
        let input = entente_app::screen::input_audit(&n, &data);
        entente_app::screen::parse_input(&n, &data, format, &csv).map(|p| (p, input))
    });
    let (parties, input) = match parsed.await {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return fail(StatusCode::UNPROCESSABLE_ENTITY, &format!("field `file`: {e}")),
        Err(e) => return fail(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let job = jobs::start(&state, &who.name, &name);
    let id = job.id.clone();
    let store = if who.role >= UserRole::Analyst { state.store.clone() } else { None };
    let job_store = state.store.clone();
    let viewer = who.role < UserRole::Analyst;
    let actor = who.name.clone();
    tokio::spawn(async move {
        let j = job.clone();
        let inputs = vec![input];
        let req = ScreenRequest { threshold, ..ScreenRequest::default() };
        let screened = tokio::task::spawn_blocking(move || {
            let run = ScreenRun::new(&lists.loaded, &req, inputs)?;
            j.start(parties.len(), "screening");
            let mut results = Vec::with_capacity(parties.len());
            for chunk in parties.chunks(STEP) {
                results.extend(run.screen(&lists.loaded, chunk.to_vec()));
                j.inc(chunk.len());
            }
            Progress::finish(&*j);
            let marks = allow.apply(&results);
            let csv = view::render_marked(view::Format::Csv, &results, &run.audit, false, &marks);
            let json = view::render_marked(view::Format::Json, &results, &run.audit, false, &marks);
            let alerts = new_alerts(&results, &marks);
            let r = JobResult {
                csv,
                json,
                parties: results.len(),
                alerting: results.iter().enumerate().filter(|(i, r)| marks.alerts(*i, r)).count(),
                hits: results.iter().map(|r| r.hits.len()).sum(),
                allowed: marks.len(),
                recorded: Ok(Vec::new()),
                already_open: 0,
            };
            Ok::<_, entente_app::Error>((r, alerts))
        })
        .await;
        let state = match screened {
            Err(e) => JobState::Failed(format!("the screening task failed: {e}")),
            Ok(Err(e)) => JobState::Failed(e.to_string()),
            Ok(Ok((mut r, alerts))) => {
                r.recorded = match (&store, alerts.is_empty()) {
                    (_, true) => Ok(Vec::new()),
                    (Some(s), false) => match record_new(s, &actor, alerts).await {
                        Ok((ids, open)) => {
                            r.already_open = open;
                            Ok(ids)
                        }
                        Err(e) => Err(format!("the store failed: {e}")),
                    },
                    (None, false) if viewer => Err("recording alerts needs the analyst role".into()),
                    (None, false) => Err("this server has no store".into()),
                };
                JobState::Done(Box::new(r))
            }
        };
        jobs::finish(job_store.as_ref(), &job, state).await;
    });
    Redirect::to(&format!("/dash/jobs/{id}")).into_response()
}
