//! The overview (`GET /dash`): the headline estimate with its judgment, every structural hypothesis's options
//! side by side, the report's charts (categories, balance, and the estimate over time as `entente timeline` gives it), and an as-of stepper through the dates at which evidence became public
//! (`?as_of=YYYY-MM-DD`).
//!
//! The assessment is the application's (`entente_app::model::assess` at the default run spec, the same figures as
//! `entente assess`), computed once per (ledger revision, as-of date) and kept ([`crate::State::cache_get`]), so a
//! warm page is a render, not a run.

use super::layout;
use super::session::Visitor;
use crate::error::ApiError;
use crate::state::State;
use axum::extract::{Query, State as S};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use entente_app::model::{AssessRequest, Assessed};
use entente_app::{RunSpec, Silent};
use entente_core::{Dataset, Flow};
use entente_engine::{FigureKind, PlanOptions};
use entente_report::html::{charts, data};
use entente_report::num::{pct, sig3, usd};
use maud::{html, Markup};
use std::sync::Arc;

pub fn routes() -> Router<Arc<State>> {
    Router::new().route("/dash", get(page))
}

/// One assessment with what the overview draws from it.
pub struct Overview {
    pub revision: Option<i64>,
    pub dataset: Arc<Dataset>,
    pub assessed: Assessed,
    /// (id, title, SVG) of the report's charts.
    pub charts: Vec<(String, String, String)>,
    /// The dates at which evidence (a claim) became public, ascending.
    pub dates: Vec<NaiveDate>,
}

/// The assessment as of a date (None: today) on the ledger's current revision, from the cache or run now.
pub async fn overview(state: &Arc<State>, as_of: Option<NaiveDate>) -> Result<Arc<Overview>, ApiError> {
    let (revision, dataset) = state.current_dataset().await?;
    let spec = RunSpec { plan: PlanOptions { as_of, ..PlanOptions::default() }, ..RunSpec::default() };
    let key = format!("overview:{revision:?}:{as_of:?}:{}:{}", spec.samples, spec.seed);
    if let Some(o) = state.cache_get::<Overview>(&key) {
        return Ok(o);
    }
    let _permit = state.model_runs.acquire().await.map_err(|e| ApiError::internal(e.to_string()))?;
    if let Some(o) = state.cache_get::<Overview>(&key) {
        return Ok(o); // computed while this request waited its turn
    }
    let ds = dataset.clone();
    let o = tokio::task::spawn_blocking(move || -> Result<Overview, ApiError> {
        let req = AssessRequest { run: spec, quantiles: Vec::new(), compare: false };
        let assessed = entente_app::model::assess(&ds, &req, &Silent)?;
        let mut charts = draw(&assessed);
        // the history of the estimate: `entente timeline`, drawn as the report draws it
        let timeline = entente_app::model::timeline(&ds, &req.run, &Silent)?;
        let mut points: Vec<data::TimelinePoint> = timeline
            .points
            .iter()
            .map(|t| data::TimelinePoint {
                date: t.date,
                p5: t.deliveries.p5,
                p50: t.deliveries.p50,
                p95: t.deliveries.p95,
            })
            .collect();
        let a = &assessed.assessment;
        if let Some(last) = points.last_mut().filter(|p| p.date == a.as_of) {
            let t = &a.total().summary;
            (last.p5, last.p50, last.p95) = (t.p5(), t.p50(), t.p95());
        }
        if points.len() >= 2 {
            match charts::timeline(&points, "Value of deliveries") {
                Ok(c) => charts.push((c.id, c.title, c.svg)),
                Err(e) => charts.push(("timeline".into(), format!("chart not drawn: {e}"), String::new())),
            }
        }
        let mut dates: Vec<NaiveDate> = ds.claims.values().map(|c| c.public).collect();
        dates.sort();
        dates.dedup();
        Ok(Overview { revision, dataset: ds, assessed, charts, dates })
    })
    .await
    .map_err(|e| ApiError::internal(format!("the model run failed: {e}")))??;
    let o = Arc::new(o);
    state.cache_put(&key, o.clone());
    Ok(o)
}

/// The report's charts of one assessment (a chart that cannot be drawn is left out with its error as its title).
fn draw(assessed: &Assessed) -> Vec<(String, String, String)> {
    let a = &assessed.assessment;
    let mut out = Vec::new();
    let bars = data::stacked_by_category(a);
    if !bars.is_empty() {
        match charts::stacked_categories(&bars) {
            Ok(c) => out.push((c.id, c.title, c.svg)),
            Err(e) => out.push(("categories".into(), format!("chart not drawn: {e}"), String::new())),
        }
    }
    match entente_report::html::sections::balance_chart(a) {
        Ok(Some((c, _))) => out.push((c.id, c.title, c.svg)),
        Ok(None) => {}
        Err(e) => out.push(("balance".into(), format!("chart not drawn: {e}"), String::new())),
    }
    out
}

#[derive(serde::Deserialize, Default)]
pub struct AsOfQuery {
    pub as_of: Option<String>,
}

/// `?as_of=` as a date; empty means today.
pub fn parse_as_of(q: &AsOfQuery) -> Result<Option<NaiveDate>, String> {
    match q.as_of.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("as_of: `{s}` is not a date YYYY-MM-DD")),
    }
}

async fn page(S(state): S<Arc<State>>, v: Visitor, Query(q): Query<AsOfQuery>) -> Result<Response, Response> {
    let who = v.reader()?;
    let as_of = parse_as_of(&q).map_err(|e| layout::error_page(StatusCode::BAD_REQUEST, "Bad date", &e, who))?;
    let o = overview(&state, as_of)
        .await
        .map_err(|e| layout::error_page(e.status, "The estimate failed", &e.message, who))?;
    Ok(layout::page("Overview", "/dash", who, body(&o)))
}

fn band(f: &entente_engine::Figure) -> String {
    format!("{} (90 % interval {} – {})", usd(f.summary.p50()), usd(f.summary.p5()), usd(f.summary.p95()))
}

fn body(o: &Overview) -> Markup {
    let a = &o.assessed.assessment;
    let total = a.total();
    let prev = o.dates.iter().rev().find(|d| **d < a.as_of);
    let next = o.dates.iter().find(|d| **d > a.as_of);
    let comp = a.figure(&format!("flow:{}", Flow::RuToKp));
    let ratio = a.figures.iter().find(|f| f.kind == FigureKind::Ratio);
    let doc = entente_report::views::assess::doc(a, true, false);
    let is_hyp = |h: &str| a.hypotheses.iter().any(|x| h.contains(&x.title));
    html! {
        section.headline aria-labelledby="headline-h" {
            h2 #headline-h { "Headline estimate" }
            p {
                "North Korean deliveries to Russia (" (a.scenario_title) "), evidence as of " (a.as_of) ":"
                span.big data-figure=(total.id) { (usd(total.summary.p50())) }
                "median; 90 % interval " (usd(total.summary.p5())) " – " (usd(total.summary.p95())) "."
            }
            // the basis the money rests on is part of the headline, never hidden (the hypotheses below show the others)
            @if !a.basis.is_empty() {
                p data-basis {
                    "On the basis of: "
                    @for (i, b) in a.basis.iter().enumerate() {
                        @if i > 0 { "; " }
                        (b.title.to_lowercase()) ": " strong { (b.option_title) } " (" code { (b.option) } ")"
                        @if !b.pinned_by_scenario.is_empty() { " — the scenario fixes " (b.pinned_by_scenario.join(", ")) " itself" }
                    }
                    ". The other options are side by side below."
                }
            }
            @if let Some(c) = comp { p { "Identified Russian compensation: " (band(c)) "." } }
            @if let Some(r) = ratio {
                p { "Deliveries per dollar of compensation: " (sig3(r.summary.p50())) " (90 %: " (sig3(r.summary.p5())) "–" (sig3(r.summary.p95())) ")." }
            }
            @if let Some(j) = &a.judgment {
                p {
                    "Confidence from the evidence grades: " strong { (format!("{:?}", j.confidence).to_lowercase()) } "."
                    @if let Some(p) = j.p_deliveries_exceed_compensation {
                        " Probability that the deliveries exceed the identified compensation: " (pct(p)) "."
                    }
                }
                p data-grade-mix {
                    "The spread of the estimate rests on strong evidence (A–B, 1–2) for " (pct(j.grade_mix.strong))
                    ", fair evidence for " (pct(j.grade_mix.fair)) ", weak evidence for " (pct(j.grade_mix.weak))
                    " and analyst assumptions for " (pct(j.grade_mix.assumption)) "."
                }
            }
            p.muted { (entente_core::group(a.samples as f64)) " Monte Carlo samples, seed " (a.seed)
                @if let Some(r) = o.revision { "; ledger revision " (r) } "." }
        }
        nav.stepper aria-label="Evidence date" {
            @if let Some(p) = prev { a.button href={"/dash?as_of=" (p)} rel="prev" { "← as of " (p) } }
            form method="get" action="/dash" {
                div.field {
                    label for="as_of" { "Evidence as of" }
                    input #as_of type="date" name="as_of" value=(a.as_of);
                }
                button.secondary type="submit" { "Show" }
            }
            @if let Some(n) = next { a.button href={"/dash?as_of=" (n)} rel="next" { "as of " (n) " →" } }
            @if next.is_some() { a href="/dash" { "Today" } }
        }
        h2 { "Hypotheses side by side" }
        @if a.hypotheses.is_empty() { p.muted { "The dataset states no structural hypotheses." } }
        div.cards {
            @for s in doc.sections.iter().filter(|s| is_hyp(&s.heading)) {
                div.card {
                    h3 { (s.heading) }
                    @if let Some(t) = &s.table { (layout::labelled_table(t, &s.heading)) }
                    @for n in &s.notes { p.muted { (n) } }
                }
            }
        }
        h2 { "Charts" }
        @for (id, title, svg) in &o.charts {
            figure id={"chart-" (id)} {
                (layout::svg(svg))
                figcaption { (title) }
            }
        }
        h2 { "Figures" }
        p { "Each item links to its explanation; the evidence behind every figure is on the "
            a href="/dash/evidence" { "Evidence" } " page." }
        @for s in doc.sections.iter().filter(|s| !is_hyp(&s.heading)) {
            @if !s.heading.is_empty() { h3 { (s.heading) } }
            @if let Some(t) = &s.table { (layout::labelled_table(t, if s.heading.is_empty() { "Figures" } else { &s.heading })) }
            @for n in &s.notes { p.muted { (n) } }
        }
        h3 { "Items" }
        div.scroll role="region" aria-label="Items" tabindex="0" {
            table {
                thead { tr { th scope="col" { "Item" } th scope="col" { "Category" } th.num scope="col" { "Median" } th.num scope="col" { "P5" } th.num scope="col" { "P95" } } }
                tbody {
                    @for f in a.figures.iter().filter(|f| f.kind == FigureKind::Item) {
                        @let item = f.id.strip_prefix("item:").unwrap_or(&f.id);
                        tr {
                            th scope="row" { a href={"/dash/explain/" (item) "?as_of=" (a.as_of)} { (f.label) } }
                            td { (f.category.as_deref().map(entente_core::category_label).unwrap_or_default()) }
                            td.num { (usd(f.summary.p50())) }
                            td.num { (usd(f.summary.p5())) }
                            td.num { (usd(f.summary.p95())) }
                        }
                    }
                }
            }
        }
    }
}
