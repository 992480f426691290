//! The audit log (`/dash/audit`): newest first, 100 entries a page (`?before=ID` pages back), each with who,
//! when, what and the before/after the store recorded. Signed-in users only (the log names people).

use super::layout;
use super::session::{UserRole, Visitor};
use crate::state::State;
use axum::extract::{Query, State as S};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;
use std::sync::Arc;

pub fn routes() -> Router<Arc<State>> {
    Router::new().route("/dash/audit", get(page))
}

/// Entries per page.
pub const PAGE: i64 = 100;

#[derive(serde::Deserialize, Default)]
struct Before {
    before: Option<i64>,
}

/// A before/after value: short ones inline, long ones folded (first line as the summary).
fn value(s: &Option<String>) -> maud::Markup {
    match s {
        None => html! {},
        Some(t) if t.chars().count() <= 120 && !t.contains('\n') => html! { (t) },
        Some(t) => html! {
            details {
                summary { (t.lines().next().unwrap_or("").chars().take(60).collect::<String>()) " … (" (t.chars().count()) " characters)" }
                pre.diff { (t) }
            }
        },
    }
}

async fn page(S(state): S<Arc<State>>, v: Visitor, Query(q): Query<Before>) -> Result<Response, Response> {
    let who = v.at_least(UserRole::Viewer, "Reading the audit log")?;
    let store = super::store(&state, Some(who))?;
    let entries = store.audit(PAGE, q.before).await.map_err(|e| super::store_error(e, Some(who)))?;
    let older = (entries.len() as i64 == PAGE).then(|| entries.last().map(|e| e.id)).flatten();
    let main = html! {
        p { "Every write to the store, newest first. The log is append-only: the database refuses to change or delete an entry." }
        div.scroll role="region" aria-label="Audit log" tabindex="0" {
            table {
                thead { tr { th scope="col" { "#" } th scope="col" { "When (UTC)" } th scope="col" { "Who" } th scope="col" { "Action" } th scope="col" { "Target" } th scope="col" { "Before" } th scope="col" { "After" } } }
                tbody { @for e in &entries {
                    tr {
                        th scope="row" { (e.id) }
                        td { (e.at) } td { (e.actor) } td { (e.action) } td { (e.target) }
                        td { (value(&e.before)) }
                        td { (value(&e.after)) }
                    }
                } }
            }
        }
        @if let Some(id) = older { p { a href={"/dash/audit?before=" (id)} { "Older entries" } } }
    };
    Ok(layout::page("Audit log", "/dash/audit", Some(who), main))
}
