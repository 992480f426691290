//! Alert review: `GET /dash/alerts` lists open alerts (each with its explanation and, for analysts, a decision
//! form) and decided ones; `POST /dash/alerts/{id}/decide` records a verdict — true match or false positive —
//! with a note (analyst and up). A false positive puts (query, entity) on the allow-list until an expiry chosen
//! here (default 90 days); later screens show such hits as allowed ([`super::screen`]). The store audits every
//! decision.

use super::layout;
use super::session::{UserRole, Visitor, Who};
use crate::state::State;
use axum::extract::{Form, Path, Query, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use entente_store::{Alert, Verdict, DEFAULT_ALLOW_DAYS};
use maud::{html, Markup};
use serde::Deserialize;
use std::sync::Arc;

/// Most alerts shown per section.
pub const SHOWN: usize = 100;

/// The expiries offered for a false positive, in days.
pub const ALLOW_DAYS: [u32; 5] = [30, 90, 180, 365, 730];

pub fn routes() -> Router<Arc<State>> {
    Router::new().route("/dash/alerts", get(page)).route("/dash/alerts/{id}/decide", post(decide))
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    /// `open`: only open alerts.
    show: Option<String>,
    /// The alert just decided (a notice says so).
    decided: Option<i64>,
}

/// The decision form's fields.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    pub verdict: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub allow_days: String,
}

/// Errors by field name.
type FieldErrors = Vec<(&'static str, String)>;

/// A decision form sent back with its errors.
struct Failed<'a> {
    id: i64,
    form: &'a DecideForm,
    errors: &'a FieldErrors,
}

/// A checked decision: verdict, note, allow-list days (false positives only).
type Checked = (Verdict, String, Option<u32>);

/// Checks a decision form, with an error per bad field.
fn check(f: &DecideForm) -> Result<Checked, FieldErrors> {
    let mut errors = Vec::new();
    let verdict = match f.verdict.as_str() {
        "true-match" => Some(Verdict::TrueMatch),
        "false-positive" => Some(Verdict::FalsePositive),
        "" => {
            errors.push(("verdict", "choose true match or false positive".to_string()));
            None
        }
        v => {
            errors.push(("verdict", format!("`{v}` is not true-match or false-positive")));
            None
        }
    };
    let note = f.note.trim().to_string();
    if note.is_empty() {
        errors.push(("note", "write why (the note is kept with the decision and in the audit log)".to_string()));
    } else if note.chars().count() > 2000 {
        errors.push(("note", "at most 2,000 characters".to_string()));
    }
    let days = match f.allow_days.trim() {
        "" => DEFAULT_ALLOW_DAYS,
        d => match d.parse::<u32>() {
            Ok(n) if (1..=3650).contains(&n) => n,
            _ => {
                errors.push(("allow_days", format!("`{d}` is not a number of days from 1 to 3650")));
                DEFAULT_ALLOW_DAYS
            }
        },
    };
    match verdict {
        Some(v) if errors.is_empty() => Ok((v, note, (v == Verdict::FalsePositive).then_some(days))),
        _ => Err(errors),
    }
}

/// The explanation and matched fields kept with an alert (the hit's JSON).
fn explanation(a: &Alert) -> (String, String) {
    let v: serde_json::Value = serde_json::from_str(&a.explanation_json).unwrap_or_default();
    let text = v.get("explanation").and_then(|e| e.as_str()).unwrap_or("").to_string();
    let fields = v
        .get("matched_fields")
        .and_then(|f| f.as_array())
        .map(|f| f.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", "))
        .unwrap_or_default();
    (text, fields)
}

fn decide_form(w: &Who, a: &Alert, f: &DecideForm, errors: &[(&'static str, String)]) -> Markup {
    let id = a.id;
    let err = |field: &str| errors.iter().find(|(k, _)| *k == field).map(|(_, e)| e.clone());
    let (ev, en, ed) = (err("verdict"), err("note"), err("allow_days"));
    let days = if f.allow_days.is_empty() { DEFAULT_ALLOW_DAYS.to_string() } else { f.allow_days.clone() };
    html! {
        form.stack method="post" action=(format!("/dash/alerts/{id}/decide")) aria-label=(format!("Decide alert {id}")) {
            (layout::csrf_field(w))
            @if !errors.is_empty() {
                p.notice.bad role="alert" { "The decision was not recorded: " (errors.iter().map(|(k, e)| format!("{k}: {e}")).collect::<Vec<_>>().join("; ")) }
            }
            fieldset.field aria-describedby=[ev.as_ref().map(|_| format!("a{id}-verdict-error"))] {
                legend { "Verdict (required)" }
                label { input type="radio" name="verdict" value="true-match" checked[f.verdict == "true-match"]; " True match" }
                label { input type="radio" name="verdict" value="false-positive" checked[f.verdict == "false-positive"]; " False positive" }
                @if let Some(e) = &ev { span.error id=(format!("a{id}-verdict-error")) { (e) } }
            }
            div.field {
                label for=(format!("a{id}-note")) { "Note (required)" }
                textarea id=(format!("a{id}-note")) name="note" required
                    aria-invalid=[en.as_ref().map(|_| "true")]
                    aria-describedby=[en.as_ref().map(|_| format!("a{id}-note-error"))] { (f.note) }
                @if let Some(e) = &en { span.error id=(format!("a{id}-note-error")) { (e) } }
            }
            div.field {
                label for=(format!("a{id}-days")) { "A false positive stays allowed for" }
                select id=(format!("a{id}-days")) name="allow_days" aria-describedby=(format!("a{id}-days-hint"))
                    aria-invalid=[ed.as_ref().map(|_| "true")] {
                    @for d in ALLOW_DAYS {
                        option value=(d) selected[d.to_string() == days] { (d) " days" }
                    }
                }
                span.hint id=(format!("a{id}-days-hint")) { "Later screens of this name show this entity as allowed until then." }
                @if let Some(e) = &ed { span.error { (e) } }
            }
            div.actions { button type="submit" { "Record decision" } }
        }
    }
}

fn alerts_page(
    status: StatusCode,
    who: Option<&Who>,
    alerts: &[Alert],
    only_open: bool,
    notice: Option<Markup>,
    failed: Option<Failed<'_>>,
) -> Response {
    let (mut open, mut decided): (Vec<&Alert>, Vec<&Alert>) = alerts.iter().partition(|a| a.decision.is_none());
    // The oldest open alerts first (a form sent back with errors on top), the latest decisions first.
    if let Some(f) = &failed {
        open.sort_by_key(|a| a.id != f.id);
    }
    decided.reverse();
    let can_decide = who.filter(|w| w.role >= UserRole::Analyst);
    let main = html! {
        @if let Some(n) = notice { (n) }
        p {
            @if only_open { a href="/dash/alerts" { "Show decided alerts too" } }
            @else { a href="/dash/alerts?show=open" { "Show open alerts only" } }
        }
        section aria-labelledby="open-h" {
            h2 id="open-h" { "Open alerts (" (open.len()) ")" }
            @if open.is_empty() { p { "No open alerts. Screen names or files and record their hits to review them here." } }
            @if can_decide.is_none() && !open.is_empty() {
                p.muted { "Deciding alerts needs the analyst role." }
            }
            @if open.len() > SHOWN { p { "Showing the first " (SHOWN) "; decide them to see the next." } }
            @for a in open.iter().take(SHOWN) {
                @let (text, fields) = explanation(a);
                article.card style="overflow-wrap: anywhere" id=(format!("alert-{}", a.id)) aria-labelledby=(format!("alert-{}-h", a.id)) {
                    h3 id=(format!("alert-{}-h", a.id)) { "Alert " (a.id) ": " (a.query) " → " (a.entity_name) }
                    dl.meta {
                        dt { "Entity" } dd { code { (a.entity_id) } " on " (a.list) }
                        dt { "Score" } dd { (format!("{:.3}", a.score)) }
                        dt { "Explanation" } dd { (text) @if !fields.is_empty() { br; span.muted { "matched fields: " (fields) } } }
                        dt { "Recorded" } dd { (a.created) " by " (a.actor) }
                    }
                    @if let Some(w) = can_decide {
                        @match &failed {
                            Some(x) if x.id == a.id => (decide_form(w, a, x.form, x.errors)),
                            _ => (decide_form(w, a, &DecideForm::default(), &[])),
                        }
                    }
                }
            }
        }
        @if !only_open {
            section aria-labelledby="decided-h" {
                h2 id="decided-h" { "Decided alerts (" (decided.len()) ")" }
                @if decided.is_empty() { p { "None yet." } } @else {
                    @if decided.len() > SHOWN { p { "The latest " (SHOWN) " decisions; the audit log has every one." } }
                    div.scroll role="region" aria-label="Decided alerts" tabindex="0" {
                        table {
                            thead { tr {
                                th scope="col" { "Alert" }
                                th scope="col" { "Query" }
                                th scope="col" { "Entity" }
                                th scope="col" class="num" { "Score" }
                                th scope="col" { "Verdict" }
                                th scope="col" { "Note" }
                                th scope="col" { "Decided" }
                                th scope="col" { "Allowed until" }
                            } }
                            tbody {
                                @for a in decided.iter().take(SHOWN) {
                                    @if let Some(d) = &a.decision {
                                        tr id=(format!("alert-{}", a.id)) {
                                            th scope="row" { (a.id) }
                                            td { (a.query) }
                                            td { (a.entity_name) " " code { (a.entity_id) } " (" (a.list) ")" }
                                            td.num { (format!("{:.3}", a.score)) }
                                            td { @match d.verdict { Verdict::TrueMatch => "True match", Verdict::FalsePositive => "False positive" } }
                                            td { (d.note) }
                                            td { (d.decided_at) " by " (d.decided_by) }
                                            td { (d.allow_expires.as_deref().unwrap_or("—")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout::respond(status, layout::Page { title: "Screening alerts", nav: "/dash/alerts", who, main }.markup())
}

async fn page(S(state): S<Arc<State>>, v: Visitor, Query(q): Query<PageQuery>) -> Response {
    // screened names are personal data: signed-in users only, even on an open loopback server
    let who = match v.at_least(UserRole::Viewer, "Reading screening alerts") {
        Ok(w) => Some(w),
        Err(r) => return r,
    };
    let store = match super::store(&state, who) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let only_open = q.show.as_deref() == Some("open");
    let alerts = match store.alerts(only_open).await {
        Ok(a) => a,
        Err(e) => return super::store_error(e, who),
    };
    let decided = q.decided.and_then(|id| alerts.iter().find(|a| a.id == id));
    let notice = decided.and_then(|a| a.decision.as_ref().map(|d| (a, d))).map(|(a, d)| {
        html! {
            p.notice role="status" {
                "Alert " (a.id) " decided: "
                @match d.verdict { Verdict::TrueMatch => "true match.", Verdict::FalsePositive => "false positive." }
                @if let Some(e) = &d.allow_expires { " " (a.query) " → " (a.entity_name) " is allowed in later screens until " (e) "." }
            }
        }
    });
    alerts_page(StatusCode::OK, who, &alerts, only_open, notice, None)
}

async fn decide(S(state): S<Arc<State>>, v: Visitor, Path(id): Path<i64>, Form(f): Form<DecideForm>) -> Response {
    let who = match v.at_least(UserRole::Analyst, "Deciding an alert") {
        Ok(w) => w.clone(),
        Err(r) => return r,
    };
    let store = match super::store(&state, Some(&who)) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let alert = match store.alert(id).await {
        Ok(a) => a,
        Err(entente_store::Error::NotFound(_)) => {
            return layout::error_page(
                StatusCode::NOT_FOUND,
                "No such alert",
                &format!("There is no alert {id}."),
                Some(&who),
            )
        }
        Err(e) => return super::store_error(e, Some(&who)),
    };
    if let Some(d) = &alert.decision {
        return layout::error_page(
            StatusCode::CONFLICT,
            "Already decided",
            &format!("Alert {id} was decided by {} at {}; a decision is recorded once.", d.decided_by, d.decided_at),
            Some(&who),
        );
    }
    let (verdict, note, days) = match check(&f) {
        Ok(x) => x,
        Err(errors) => {
            let alerts = store.alerts(true).await.unwrap_or_else(|_| vec![alert]);
            return alerts_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&who),
                &alerts,
                true,
                None,
                Some(Failed { id, form: &f, errors: &errors }),
            );
        }
    };
    match store.decide(id, verdict, &note, &who.name, days).await {
        Ok(_) => Redirect::to(&format!("/dash/alerts?decided={id}#alert-{id}")).into_response(),
        Err(entente_store::Error::BadInput(m)) => {
            layout::error_page(StatusCode::CONFLICT, "Not recorded", &m, Some(&who))
        }
        Err(e) => super::store_error(e, Some(&who)),
    }
}
