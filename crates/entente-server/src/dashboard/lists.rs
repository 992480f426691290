//! `GET /dash/lists`: the sanctions lists in force — each list with its authority, publication date, entity count,
//! files and SHA-256 hashes, when they were loaded, the store snapshot they came from, list warnings (stale lists)
//! and the last reload. The same records as `/api/lists` and the screening audit.

use super::layout;
use super::session::Visitor;
use crate::state::State;
use axum::extract::State as S;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use entente_app::screen::DEFAULT_MAX_LIST_AGE_DAYS;
use maud::html;
use std::sync::Arc;

pub fn routes() -> Router<Arc<State>> {
    Router::new().route("/dash/lists", get(page))
}

async fn page(S(state): S<Arc<State>>, v: Visitor) -> Response {
    let who = match v.reader() {
        Ok(w) => w,
        Err(r) => return r,
    };
    let lists = state.lists.load_full();
    let reload = state.reload.lock().map(|s| s.clone()).unwrap_or_default();
    let from = if state.cfg.lists.is_empty() {
        vec![format!("the list store {}", state.cfg.store.display())]
    } else {
        state.cfg.lists.iter().map(|p| p.display().to_string()).collect()
    };
    let main = html! {
        @match &lists {
            None => {
                p.notice.bad role="alert" style="overflow-wrap: anywhere" {
                    "No sanctions lists are loaded, so screening is unavailable. "
                    @if let Some(e) = &reload.error { "Reason: " (e) }
                }
                p { "Fetch lists with " code { "entente lists fetch" } " or start the server with " code { "--lists" } "." }
            }
            Some(l) => {
                @let audit = {
                    let mut a = l.audit().clone();
                    a.check_age(chrono::Utc::now(), DEFAULT_MAX_LIST_AGE_DAYS);
                    a
                };
                dl.meta {
                    dt { "Loaded" } dd { (l.loaded_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)) }
                    dt { "From" } dd style="overflow-wrap: anywhere" { (from.join(", ")) }
                    @if let Some(s) = &l.loaded.snapshot {
                        dt { "Snapshot" } dd { (s.id) " (fetched " (s.manifest.fetched_at) ")" }
                    }
                    dt { "Entities" } dd { (l.index().entities.len()) }
                    dt { "Load time" } dd { (format!("{} ms read, {} ms index", l.loaded.load_time.as_millis(), l.loaded.index_time.as_millis())) }
                }
                // Paths and hashes stay whole: on a narrow screen the box scrolls sideways instead.
                div.scroll role="region" aria-label="Lists in force" tabindex="0" {
                    table style="min-width: 40em" {
                        caption.muted { "Lists in force (" (audit.lists.len()) ")" }
                        thead { tr {
                            th scope="col" { "List" }
                            th scope="col" { "Authority" }
                            th scope="col" { "Published" }
                            th scope="col" class="num" { "Entities" }
                            th scope="col" { "Format" }
                            th scope="col" { "Files and SHA-256" }
                        } }
                        tbody {
                            @for la in &audit.lists {
                                tr {
                                    th scope="row" { (la.list) }
                                    td { (la.authority) }
                                    td {
                                        @match (&la.published_iso, &la.published) {
                                            (Some(iso), _) => time datetime=(iso) { (iso) },
                                            (None, Some(p)) => (p),
                                            (None, None) => span.muted { "no date in the file" },
                                        }
                                    }
                                    td.num { (la.entities) }
                                    td { (la.format) }
                                    td {
                                        ul.plain {
                                            @for f in &la.files {
                                                li { (f.path) " " code.hash { (f.sha256) } " (" (f.bytes) " bytes)" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if !audit.warnings.is_empty() {
                    h2 { "Warnings" }
                    ul style="overflow-wrap: anywhere" { @for w in &audit.warnings { li { (w) } } }
                }
                @if !audit.skipped.is_empty() {
                    h2 { "Files not read" }
                    ul style="overflow-wrap: anywhere" { @for s in &audit.skipped { li { (s.path) ": " (s.reason) } } }
                }
            }
        }
        h2 { "Last reload" }
        p style="overflow-wrap: anywhere" {
            @match (&reload.at, &reload.error) {
                (Some(at), None) => { "Succeeded at " (at) "." },
                (Some(at), Some(e)) => { "Failed at " (at) ": " (e) " (the previous lists stay in force)." },
                (None, _) => { "None yet." },
            }
        }
    };
    layout::page("Sanctions lists", "/dash/lists", who, main)
}
