//! Change review: the list of proposals (`/dash/changes?status=`), one change with each record before and after
//! (`/dash/changes/{id}`), and a reviewer's approve / reject / revert (POST). The store re-validates on approval,
//! refuses an author approving their own change and a change whose records moved on since (a conflict), and
//! audits every decision.

use super::layout;
use super::session::{UserRole, Visitor, Who};
use crate::state::State;
use axum::extract::{Form, Path, Query, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use entente_store::{Change, Status};
use maud::{html, Markup};
use std::sync::Arc;

pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/dash/changes", get(list))
        .route("/dash/changes/{id}", get(detail))
        .route("/dash/changes/{id}/approve", post(approve))
        .route("/dash/changes/{id}/reject", post(reject))
        .route("/dash/changes/{id}/revert", post(revert))
}

#[derive(serde::Deserialize, Default)]
struct StatusQuery {
    status: Option<String>,
}

fn badge(s: Status) -> Markup {
    html! { span class={"badge " (s.as_str())} { (s.as_str()) } }
}

fn summary(c: &Change) -> String {
    c.edits.iter().map(|e| format!("{} {} {}", e.op.as_str(), e.file, e.id)).collect::<Vec<_>>().join("; ")
}

async fn list(S(state): S<Arc<State>>, v: Visitor, Query(q): Query<StatusQuery>) -> Result<Response, Response> {
    let who = v.reader()?;
    let store = super::store(&state, who)?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            s.parse::<Status>()
                .map_err(|e| layout::error_page(StatusCode::BAD_REQUEST, "Bad filter", &format!("status: {e}"), who))?,
        ),
    };
    let changes = store.changes(status).await.map_err(|e| super::store_error(e, who))?;
    let cur = q.status.clone().unwrap_or_default();
    let main = html! {
        form.filters method="get" action="/dash/changes" {
            (layout::Field { name: "status", label: "Status", value: &cur, hint: None, error: None,
                kind: "select:=all|proposed=proposed|approved=approved|rejected=rejected|reverted=reverted", required: false }.markup())
            div.actions { button type="submit" { "Show" } }
        }
        @if changes.is_empty() { p { "No changes." } }
        @else {
            div.scroll role="region" aria-label="Changes" tabindex="0" {
                table {
                    thead { tr { th scope="col" { "Change" } th scope="col" { "Status" } th scope="col" { "Author" } th scope="col" { "Proposed" } th scope="col" { "Edits" } th scope="col" { "Why" } } }
                    tbody { @for c in &changes {
                        tr {
                            th scope="row" { a href={"/dash/changes/" (c.id)} { "#" (c.id) } }
                            td { (badge(c.status)) }
                            td { (c.author) }
                            td { (c.created) }
                            td { (summary(c)) }
                            td { (c.note) }
                        }
                    } }
                }
            }
        }
    };
    Ok(layout::page("Changes", "/dash/changes", who, main))
}

fn decision_forms(c: &Change, w: &Who) -> Markup {
    let own = c.author == w.name;
    html! {
        @if c.status == Status::Proposed {
            @if own {
                p.muted { "You proposed this change: another reviewer decides it." }
            } @else {
                div.actions {
                    form method="post" action={"/dash/changes/" (c.id) "/approve"} {
                        (layout::csrf_field(w))
                        button type="submit" { "Approve and apply" }
                    }
                }
                form.stack method="post" action={"/dash/changes/" (c.id) "/reject"} {
                    (layout::csrf_field(w))
                    (layout::Field { name: "note", label: "Why reject it", value: "", hint: None, error: None, kind: "textarea", required: true }.markup())
                    div.actions { button.danger type="submit" { "Reject" } }
                }
            }
        }
        @if c.status == Status::Approved {
            form method="post" action={"/dash/changes/" (c.id) "/revert"} {
                (layout::csrf_field(w))
                button.danger type="submit" { "Revert this change" }
                span.muted { " (applies the inverse as a new, audited change)" }
            }
        }
    }
}

/// One edited record: its lines removed and added (a line diff, `del` / `ins`), then the whole text before and
/// after, folded.
pub fn diff(before: Option<&str>, after: Option<&str>) -> Markup {
    use similar::{ChangeTag, TextDiff};
    let (b, a) = (before.unwrap_or(""), after.unwrap_or(""));
    let d = TextDiff::from_lines(b, a);
    html! {
        pre.diff.lines aria-label="Lines removed (−) and added (+)" {
            @for c in d.iter_all_changes() {
                @let line = c.value().trim_end_matches('\n');
                @match c.tag() {
                    ChangeTag::Delete => { del { "− " (line) } }
                    ChangeTag::Insert => { ins { "+ " (line) } }
                    ChangeTag::Equal => { "  " (line) "\n" }
                }
            }
        }
        details {
            summary { "The whole record before and after" }
            div.diffgrid {
                div { h3 { "Before" } pre.diff.before { (before.unwrap_or("(none: the record is new)")) } }
                div { h3 { "After" } pre.diff.after { (after.unwrap_or("(none: the record is deleted)")) } }
            }
        }
    }
}

async fn detail(S(state): S<Arc<State>>, v: Visitor, Path(id): Path<i64>) -> Result<Response, Response> {
    let who = v.reader()?;
    let store = super::store(&state, who)?;
    let c = store.change(id).await.map_err(|e| match e {
        entente_store::Error::NotFound(m) => layout::error_page(StatusCode::NOT_FOUND, "No such change", &m, who),
        e => super::store_error(e, who),
    })?;
    let main = html! {
        dl {
            dt { "Status" } dd { (badge(c.status)) }
            dt { "Author" } dd { (c.author) }
            dt { "Proposed" } dd { (c.created) " on ledger revision " (c.base_revision) }
            dt { "Why" } dd { (c.note) }
            @if let Some(r) = c.reverts { dt { "Reverts" } dd { a href={"/dash/changes/" (r)} { "#" (r) } } }
            @if let Some(d) = &c.decided_by { dt { "Decided by" } dd { (d) " at " (c.decided_at.clone().unwrap_or_default()) } }
            @if let Some(n) = &c.decision_note { dt { "Decision note" } dd { (n) } }
            @if let Some(r) = c.applied_revision { dt { "Applied as revision" } dd { (r) } }
        }
        @for e in &c.edits {
            h2 { (e.op.as_str()) " " (e.file) " · " (e.id) }
            (diff(e.before.as_deref(), e.after.as_deref()))
        }
        @if let Some(w) = who.filter(|w| w.role >= UserRole::Reviewer) {
            h2 { "Decision" }
            (decision_forms(&c, w))
        }
    };
    Ok(layout::page(&format!("Change #{}", c.id), "/dash/changes", who, main))
}

fn decided(r: Result<impl Sized, entente_store::Error>, id: i64, who: &Who, what: &str) -> Result<Response, Response> {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/dash/changes/{id}")).into_response()),
        Err(e) => {
            let status = match &e {
                entente_store::Error::NotFound(_) => StatusCode::NOT_FOUND,
                entente_store::Error::Forbidden(_) => StatusCode::FORBIDDEN,
                entente_store::Error::Conflict { .. } | entente_store::Error::Invalid(_) => StatusCode::CONFLICT,
                entente_store::Error::BadInput(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            Err(layout::error_page(status, &format!("Could not {what} change #{id}"), &e.to_string(), Some(who)))
        }
    }
}

async fn approve(S(state): S<Arc<State>>, v: Visitor, Path(id): Path<i64>) -> Result<Response, Response> {
    let who = v.at_least(UserRole::Reviewer, "Approving a change")?;
    let store = super::store(&state, Some(who))?;
    decided(store.approve(id, &who.name).await, id, who, "approve")
}

#[derive(serde::Deserialize)]
struct RejectForm {
    #[serde(default)]
    note: String,
}

async fn reject(
    S(state): S<Arc<State>>,
    v: Visitor,
    Path(id): Path<i64>,
    Form(f): Form<RejectForm>,
) -> Result<Response, Response> {
    let who = v.at_least(UserRole::Reviewer, "Rejecting a change")?;
    let store = super::store(&state, Some(who))?;
    if f.note.trim().is_empty() {
        return Err(layout::error_page(
            StatusCode::BAD_REQUEST,
            "Say why",
            "note: a rejection needs a reason (the author reads it).",
            Some(who),
        ));
    }
    decided(store.reject(id, &who.name, f.note.trim()).await, id, who, "reject")
}

async fn revert(S(state): S<Arc<State>>, v: Visitor, Path(id): Path<i64>) -> Result<Response, Response> {
    let who = v.at_least(UserRole::Reviewer, "Reverting a change")?;
    let store = super::store(&state, Some(who))?;
    match store.revert(id, &who.name).await {
        Ok(_) => Ok(Redirect::to(&format!("/dash/changes/{id}")).into_response()),
        Err(e) => decided(Err::<(), _>(e), id, who, "revert"),
    }
}
