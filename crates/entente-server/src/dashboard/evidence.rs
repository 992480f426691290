//! Evidence: sources and claims with filters (`grade` — at least this grade, `from`/`to` — public between,
//! `category` — feeds a figure of this category, `q` — full text), each claim with the figures that depend on it
//! (items link to `/dash/explain/{item}`); claim and source detail pages; the explanation of one item.

use super::layout;
use super::overview::{overview, parse_as_of, AsOfQuery, Overview};
use super::session::{UserRole, Visitor, Who};
use crate::state::State;
use axum::extract::{Path, Query, State as S};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use entente_app::{RunSpec, Silent};
use entente_core::{category_label, Claim, Dataset, Grade, Source};
use entente_engine::{FigureKind, PlanOptions};
use maud::{html, Markup};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/dash/evidence", get(list))
        .route("/dash/claims/{id}", get(claim_page))
        .route("/dash/sources/{id}", get(source_page))
        .route("/dash/explain/{item}", get(explain_page))
}

/// A figure that rests on a claim.
#[derive(Debug, Clone)]
pub struct Dependent {
    pub id: String,
    pub label: String,
    pub kind: FigureKind,
    pub category: Option<String>,
}

/// For each claim, the figures of the assessment that rest on it.
pub fn dependents(o: &Overview) -> BTreeMap<String, Vec<Dependent>> {
    let mut m: BTreeMap<String, Vec<Dependent>> = BTreeMap::new();
    for f in &o.assessed.assessment.figures {
        for c in &f.claims {
            m.entry(c.clone()).or_default().push(Dependent {
                id: f.id.clone(),
                label: f.label.clone(),
                kind: f.kind,
                category: f.category.clone(),
            });
        }
    }
    m
}

/// The filters of the evidence page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Filters {
    pub grade: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub category: Option<String>,
    pub q: Option<String>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The filters checked: each error names its field.
struct Checked {
    grade: Option<Grade>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    category: Option<String>,
    q: Option<String>,
}

fn check(f: &Filters) -> Result<Checked, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let grade = nonempty(&f.grade).and_then(|g| match g.parse::<Grade>() {
        Ok(g) => Some(g),
        Err(_) => {
            errors.push(("grade", format!("`{g}` is not a grade such as B3 (reliability A–F, credibility 1–6)")));
            None
        }
    });
    let mut date = |k: &'static str, v: &Option<String>| {
        nonempty(v).and_then(|s| match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push((k, format!("`{s}` is not a date YYYY-MM-DD")));
                None
            }
        })
    };
    let from = date("from", &f.from);
    let to = date("to", &f.to);
    if let (Some(a), Some(b)) = (from, to) {
        if a > b {
            errors.push(("to", format!("{b} is before the start date {a}")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Checked {
        grade,
        from,
        to,
        category: nonempty(&f.category).map(str::to_string),
        q: nonempty(&f.q).map(str::to_lowercase),
    })
}

fn claim_text(ds: &Dataset, c: &Claim) -> String {
    let mut t = format!("{} {} {} {}", c.id, c.measure, c.unit, c.note);
    for s in &c.sources {
        if let Some(s) = ds.sources.get(s) {
            t += &format!(" {} {} {}", s.id, s.title, s.publisher);
        }
    }
    t.to_lowercase()
}

fn source_text(s: &Source) -> String {
    format!("{} {} {} {} {}", s.id, s.title, s.publisher, s.url, s.note).to_lowercase()
}

async fn list(S(state): S<Arc<State>>, v: Visitor, Query(f): Query<Filters>) -> Result<Response, Response> {
    let who = v.reader()?;
    let o = overview(&state, None)
        .await
        .map_err(|e| layout::error_page(e.status, "The estimate failed", &e.message, who))?;
    let deps = dependents(&o);
    let ds = &o.dataset;
    let categories: BTreeSet<String> =
        o.assessed.assessment.figures.iter().filter_map(|f| f.category.clone()).collect();
    let (checked, errors) = match check(&f) {
        Ok(c) => (Some(c), Vec::new()),
        Err(e) => (None, e),
    };
    let err = |k: &str| errors.iter().find(|(n, _)| *n == k).map(|(_, m)| m.as_str());
    let claims: Vec<&Claim> = match &checked {
        None => Vec::new(),
        Some(c) => ds
            .claims
            .values()
            .filter(|cl| c.grade.is_none_or(|g| ds.claim_grade(&cl.id).is_some_and(|x| x.meets(g))))
            .filter(|cl| c.from.is_none_or(|d| cl.public >= d) && c.to.is_none_or(|d| cl.public <= d))
            .filter(|cl| {
                c.category.as_ref().is_none_or(|cat| {
                    deps.get(&cl.id).is_some_and(|d| d.iter().any(|x| x.category.as_ref() == Some(cat)))
                })
            })
            .filter(|cl| c.q.as_ref().is_none_or(|q| claim_text(ds, cl).contains(q.as_str())))
            .collect(),
    };
    let sources: Vec<&Source> = match &checked {
        None => Vec::new(),
        Some(c) => ds
            .sources
            .values()
            .filter(|s| c.grade.is_none_or(|g| s.grade.meets(g)))
            .filter(|s| {
                c.from.is_none_or(|d| s.published.is_some_and(|p| p >= d))
                    && c.to.is_none_or(|d| s.published.is_some_and(|p| p <= d))
            })
            .filter(|s| c.category.as_ref().is_none_or(|_| claims.iter().any(|cl| cl.sources.contains(&s.id))))
            .filter(|s| c.q.as_ref().is_none_or(|q| source_text(s).contains(q.as_str())))
            .collect(),
    };
    let val = |s: &Option<String>| s.clone().unwrap_or_default();
    let cat_opts = std::iter::once("=any category".to_string())
        .chain(categories.iter().map(|c| format!("{c}={}", category_label(c))))
        .collect::<Vec<_>>()
        .join("|");
    let cat_kind = format!("select:{cat_opts}");
    let can_edit = who.is_some_and(|w| w.role >= UserRole::Analyst);
    let main = html! {
        form.filters method="get" action="/dash/evidence" aria-label="Filter the evidence" {
            (layout::Field { name: "q", label: "Search", value: &val(&f.q), hint: None, error: err("q"), kind: "search", required: false }.markup())
            (layout::Field { name: "grade", label: "Grade at least", value: &val(&f.grade), hint: Some("e.g. B3"), error: err("grade"), kind: "text", required: false }.markup())
            (layout::Field { name: "from", label: "Public from", value: &val(&f.from), hint: None, error: err("from"), kind: "date", required: false }.markup())
            (layout::Field { name: "to", label: "Public to", value: &val(&f.to), hint: None, error: err("to"), kind: "date", required: false }.markup())
            (layout::Field { name: "category", label: "Category", value: &val(&f.category), hint: None, error: None, kind: &cat_kind, required: false }.markup())
            div.actions { button type="submit" { "Filter" } a href="/dash/evidence" { "Clear" } }
        }
        @if !errors.is_empty() {
            p.notice.bad role="alert" { "Fix the filters: " @for (k, m) in &errors { (k) ": " (m) ". " } }
        }
        @if can_edit {
            p.actions { a.button href="/dash/edit/claim" { "Add a claim" } a.button href="/dash/edit/source" { "Add a source" } }
        }
        h2 { "Claims (" (claims.len()) ")" }
        div.scroll role="region" aria-label="Claims" tabindex="0" {
            table.wide {
                thead { tr {
                    th scope="col" { "Claim" } th scope="col" { "Measure" } th scope="col" { "Value" }
                    th scope="col" { "Grade" } th scope="col" { "Public" } th scope="col" { "Figures that depend on it" }
                } }
                tbody { @for c in &claims { (claim_row(ds, c, deps.get(&c.id).map(Vec::as_slice).unwrap_or(&[]))) } }
            }
        }
        h2 { "Sources (" (sources.len()) ")" }
        div.scroll role="region" aria-label="Sources" tabindex="0" {
            table.wide {
                thead { tr { th scope="col" { "Source" } th scope="col" { "Title" } th scope="col" { "Publisher" } th scope="col" { "Published" } th scope="col" { "Grade" } } }
                tbody { @for s in &sources {
                    tr {
                        th scope="row" { a href={"/dash/sources/" (s.id)} { (s.id) } }
                        td { (s.title) } td { (s.publisher) }
                        td { (s.published.map(|d| d.to_string()).unwrap_or_default()) }
                        td { (s.grade) }
                    }
                } }
            }
        }
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok(layout::respond(status, layout::Page { title: "Evidence", nav: "/dash/evidence", who, main }.markup()))
}

fn figures_cell(deps: &[Dependent]) -> Markup {
    html! {
        @if deps.is_empty() { span.muted { "none in the current estimate" } }
        ul.figs {
            @for d in deps.iter().filter(|d| d.kind == FigureKind::Item) {
                li { a href={"/dash/explain/" (d.id.strip_prefix("item:").unwrap_or(&d.id))} { (d.label) } }
            }
            @for d in deps.iter().filter(|d| d.kind != FigureKind::Item) {
                li { (d.label) }
            }
        }
    }
}

fn claim_row(ds: &Dataset, c: &Claim, deps: &[Dependent]) -> Markup {
    html! {
        tr {
            th scope="row" { a href={"/dash/claims/" (c.id)} { (c.id) } }
            td { (c.measure) }
            td { (c.value) " " (c.unit) }
            td { (ds.claim_grade(&c.id).map(|g| g.to_string()).unwrap_or_default()) }
            td { (c.public) }
            td { (figures_cell(deps)) }
        }
    }
}

fn not_found(what: &str, id: &str, who: Option<&Who>) -> Response {
    layout::error_page(
        StatusCode::NOT_FOUND,
        &format!("No such {what}"),
        &format!("There is no {what} `{id}` in the ledger."),
        who,
    )
}

async fn claim_page(S(state): S<Arc<State>>, v: Visitor, Path(id): Path<String>) -> Result<Response, Response> {
    let who = v.reader()?;
    let o = overview(&state, None)
        .await
        .map_err(|e| layout::error_page(e.status, "The estimate failed", &e.message, who))?;
    let ds = &o.dataset;
    let c = ds.claims.get(&id).ok_or_else(|| not_found("claim", &id, who))?;
    let deps = dependents(&o);
    let can_edit = who.is_some_and(|w| w.role >= UserRole::Analyst);
    let main = html! {
        dl {
            dt { "Measure" } dd { (c.measure) }
            dt { "Value" } dd { (c.value) " " (c.unit) }
            dt { "Grade" } dd { (ds.claim_grade(&c.id).map(|g| g.to_string()).unwrap_or_default()) }
            dt { "Public" } dd { (c.public) }
            dt { "Sources" } dd { @for s in &c.sources { a href={"/dash/sources/" (s)} { (s) } " " } }
            @if let Some(o) = &c.originator { dt { "Originator" } dd { a href={"/dash/sources/" (o)} { (o) } } }
            @if c.derived { dt { "Derived" } dd { "yes (arithmetic on sourced numbers)" } }
            @if !c.informed_by.is_empty() { dt { "Informed by" } dd { @for s in &c.informed_by { a href={"/dash/claims/" (s)} { (s) } " " } } }
            @if !c.note.is_empty() { dt { "Note" } dd { (c.note) } }
        }
        h2 { "Figures that depend on it" }
        (figures_cell(deps.get(&c.id).map(Vec::as_slice).unwrap_or(&[])))
        @if can_edit { p { a.button href={"/dash/edit/claim/" (c.id)} { "Edit this claim" } } }
    };
    Ok(layout::page(&format!("Claim {}", c.id), "/dash/evidence", who, main))
}

async fn source_page(S(state): S<Arc<State>>, v: Visitor, Path(id): Path<String>) -> Result<Response, Response> {
    let who = v.reader()?;
    let (_, ds) = state.current_dataset().await.map_err(|e| layout::error_page(e.status, "Store", &e.message, who))?;
    let s = ds.sources.get(&id).ok_or_else(|| not_found("source", &id, who))?;
    let claims: Vec<&Claim> =
        ds.claims.values().filter(|c| c.sources.contains(&s.id) || c.originator.as_ref() == Some(&s.id)).collect();
    let can_edit = who.is_some_and(|w| w.role >= UserRole::Analyst);
    let main = html! {
        dl {
            dt { "Title" } dd { (s.title) }
            dt { "Publisher" } dd { (s.publisher) }
            dt { "Address" } dd { a href=(s.url) rel="noreferrer" { (s.url) } }
            dt { "Published" } dd { (s.published.map(|d| d.to_string()).unwrap_or_default()) }
            dt { "Grade" } dd { (s.grade) }
            @if s.assumption { dt { "Analyst assumption" } dd { "made " (s.made.map(|d| d.to_string()).unwrap_or_default()) } }
            @if s.originator { dt { "Originator" } dd { "yes" } }
            @if !s.note.is_empty() { dt { "Note" } dd { (s.note) } }
        }
        h2 { "Claims citing it (" (claims.len()) ")" }
        ul { @for c in &claims { li { a href={"/dash/claims/" (c.id)} { (c.id) } ": " (c.measure) } } }
        @if can_edit { p { a.button href={"/dash/edit/source/" (s.id)} { "Edit this source" } } }
    };
    Ok(layout::page(&format!("Source {}", s.id), "/dash/evidence", who, main))
}

async fn explain_page(
    S(state): S<Arc<State>>,
    v: Visitor,
    Path(item): Path<String>,
    Query(q): Query<AsOfQuery>,
) -> Result<Response, Response> {
    let who = v.reader()?;
    let as_of = parse_as_of(&q).map_err(|e| layout::error_page(StatusCode::BAD_REQUEST, "Bad date", &e, who))?;
    let (rev, ds) =
        state.current_dataset().await.map_err(|e| layout::error_page(e.status, "Store", &e.message, who))?;
    let spec = RunSpec { plan: PlanOptions { as_of, ..PlanOptions::default() }, ..RunSpec::default() };
    let key = format!("explain:{rev:?}:{as_of:?}:{item}");
    let e = match state.cache_get::<entente_engine::explain::Explanation>(&key) {
        Some(e) => e,
        None => {
            let _permit = state.model_runs.acquire().await.map_err(|e| super::store_error(e, who))?;
            let it = item.clone();
            let e = tokio::task::spawn_blocking(move || entente_app::model::explain(&ds, &spec, &it, &Silent))
                .await
                .map_err(|e| super::store_error(e, who))?
                .map_err(|e| {
                    let e = crate::error::ApiError::from(e);
                    layout::error_page(e.status, "Cannot explain", &e.message, who)
                })?;
            let e = Arc::new(e);
            state.cache_put(&key, e.clone());
            e
        }
    };
    let doc = entente_report::views::explain::doc(&e, true);
    let main = html! {
        p { "Evidence as of " (e.as_of) ", scenario " (e.scenario) ". " a href="/dash" { "Back to the overview" } }
        (layout::doc(&doc))
        h2 { "Sources" }
        ul { @for s in &e.sources { li { a href={"/dash/sources/" (s.id)} { (s.id) } ": " (s.title) } } }
    };
    Ok(layout::page(&format!("Explain: {}", e.name), "/dash", who, main))
}
