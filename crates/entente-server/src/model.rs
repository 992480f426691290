//! The model endpoints: the CLI's commands with its options as query parameters. Each handler parses the query
//! into the application's request, calls the same `entente-app` function and renders with the same
//! `entente-report` view as the CLI, so `GET /api/assess?samples=2000&seed=7&format=json` is byte for byte
//! `entente assess --samples 2000 --seed 7 --format json`.
//!
//! Model runs are CPU-bound and already use every core: they run one at a time, on the blocking pool.

use crate::error::ApiError;
use crate::state::State;
use axum::extract::{Path, RawQuery, State as S};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use entente_app::{indicators, model, RunSpec, Silent};
use entente_core::Grade;
use entente_engine::PlanOptions;
use entente_report::{show, views, OutputFormat};
use std::sync::Arc;
use utoipa::IntoParams;

/// A query string: its pairs, in order (a parameter may repeat).
struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    fn parse(raw: Option<String>, allowed: &[&str]) -> Result<Params, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
            .map_err(|e| ApiError::bad_request(format!("query string: {e}")))?;
        for (k, _) in &pairs {
            if !allowed.contains(&k.as_str()) {
                return Err(ApiError::bad_request(format!("unknown parameter `{k}` (known: {})", allowed.join(", "))));
            }
        }
        Ok(Params { pairs })
    }

    /// The value of a parameter given once (an error when given twice).
    fn one(&self, k: &str) -> Result<Option<&str>, ApiError> {
        let mut it = self.pairs.iter().filter(|(n, _)| n == k);
        let first = it.next().map(|(_, v)| v.as_str());
        if it.next().is_some() {
            return Err(ApiError::bad_request(format!("parameter `{k}` given more than once")));
        }
        Ok(first)
    }

    fn all<'a>(&'a self, k: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs.iter().filter(move |(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    fn parsed<T>(&self, k: &str, what: &str, f: impl Fn(&str) -> Option<T>) -> Result<Option<T>, ApiError> {
        match self.one(k)? {
            None => Ok(None),
            Some(v) => {
                f(v).map(Some).ok_or_else(|| ApiError::bad_request(format!("parameter `{k}`: `{v}` is not {what}")))
            }
        }
    }

    fn flag(&self, k: &str) -> Result<bool, ApiError> {
        Ok(self
            .parsed(k, "true or false", |v| match v {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            })?
            .unwrap_or(false))
    }

    fn date(&self, k: &str) -> Result<Option<chrono::NaiveDate>, ApiError> {
        self.parsed(k, "a date YYYY-MM-DD", |v| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
    }

    fn format(&self) -> Result<OutputFormat, ApiError> {
        Ok(self
            .parsed("format", "json, csv, table or markdown", |v| v.parse::<OutputFormat>().ok())?
            .unwrap_or(OutputFormat::Json))
    }

    /// The run: plan options, samples, seed.
    fn spec(&self, max_samples: usize) -> Result<RunSpec, ApiError> {
        let d = RunSpec::default();
        let samples = self
            .parsed("samples", "a whole number", |v| whole(v).and_then(|n| usize::try_from(n).ok()))?
            .unwrap_or(d.samples);
        if !entente_app::spec::SAMPLES_RANGE.contains(&samples) {
            return Err(ApiError::bad_request(format!("{samples} samples: choose between 100 and 100,000,000")));
        }
        if samples > max_samples {
            return Err(ApiError::bad_request(format!(
                "{samples} samples: this server runs at most {max_samples} per request (entente serve --max-samples)"
            )));
        }
        let seed = self.parsed("seed", "a whole number", whole)?.unwrap_or(d.seed);
        let min_grade = self.parsed("min_grade", "a grade such as B3", |v| v.parse::<Grade>().ok())?;
        let mut hypotheses = Vec::new();
        for h in self.all("hypothesis") {
            match h.split_once('=') {
                Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
                    hypotheses.push((a.trim().to_string(), b.trim().to_string()))
                }
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "parameter `hypothesis`: `{h}` is not HYPOTHESIS=OPTION (e.g. price-basis=production-cost)"
                    )))
                }
            }
        }
        let plan = PlanOptions {
            scenario: self.one("scenario")?.map(str::to_string),
            as_of: self.date("as_of")?,
            min_grade,
            hypotheses: hypotheses.into_iter().collect(),
            ..PlanOptions::default()
        };
        Ok(RunSpec { plan, samples, seed })
    }
}

/// A whole number written with digits only (no sign, no separators).
fn whole(v: &str) -> Option<u64> {
    (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())).then(|| v.parse().ok()).flatten()
}

const RUN_KEYS: [&str; 7] = ["samples", "seed", "scenario", "as_of", "min_grade", "hypothesis", "format"];

fn keys(extra: &[&'static str]) -> Vec<&'static str> {
    RUN_KEYS.iter().copied().chain(extra.iter().copied()).collect()
}

fn content_type(fmt: OutputFormat) -> &'static str {
    match fmt {
        OutputFormat::Json => "application/json",
        OutputFormat::Csv => "text/csv; charset=utf-8",
        OutputFormat::Markdown => "text/markdown; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    }
}

/// Runs `f` on the blocking pool, one model run at a time, and answers its text with the format's type.
async fn run(
    state: &Arc<State>,
    ctype: &'static str,
    f: impl FnOnce(&entente_core::Dataset) -> Result<String, ApiError> + Send + 'static,
) -> Result<Response, ApiError> {
    let _permit = state.model_runs.acquire().await.map_err(|e| ApiError::internal(e.to_string()))?;
    let ds = state.current_dataset().await?.1;
    let body = tokio::task::spawn_blocking(move || f(&ds))
        .await
        .map_err(|e| ApiError::internal(format!("the model run failed: {e}")))??;
    Ok(([(header::CONTENT_TYPE, ctype)], body).into_response())
}

/// Query parameters every model endpoint takes.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RunParams {
    /// Monte Carlo samples, 100 to the server's maximum (default 200,000; `entente serve --max-samples`, default
    /// 1,000,000).
    #[param(minimum = 100, maximum = 1_000_000)]
    samples: Option<u64>,
    /// Random seed, a whole number from 0 to 2^64-1 (default 20241028); the same data and seed give
    /// byte-identical output.
    #[param(value_type = Option<String>, pattern = "^[0-9]{1,20}$")]
    seed: Option<u64>,
    /// Scenario to evaluate (default: the dataset's default scenario).
    scenario: Option<String>,
    /// Use only evidence public on or before this date (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    as_of: Option<String>,
    /// Ignore estimates resting only on evidence graded below this (e.g. B3).
    min_grade: Option<String>,
    /// HYPOTHESIS=OPTION, repeatable (e.g. price-basis=production-cost).
    #[param(explode = true)]
    hypothesis: Option<Vec<String>>,
    /// json (default), csv, table or markdown (md).
    #[param(value_type = Option<FormatParam>)]
    format: Option<String>,
}

/// Output format.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum FormatParam {
    Json,
    Csv,
    Table,
    Markdown,
    /// The same as markdown.
    Md,
}

/// Extra parameters of `/api/assess`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AssessParams {
    /// Extra quantiles, comma-separated probabilities strictly between 0 and 1 (e.g. 0.25,0.75).
    quantiles: Option<String>,
    /// Show each item under its category (table format; the other formats always have them).
    items: Option<bool>,
    /// Also compare with the published studies.
    compare: Option<bool>,
}

/// Extra parameters of `/api/sensitivity`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SensitivityParams {
    /// The figure to explain: total (default), compensation, an item id or a category id.
    figure: Option<String>,
}

/// The assessment (`entente assess`).
#[utoipa::path(get, path = "/api/assess", tag = "model", params(RunParams, AssessParams),
    responses(
        (status = 200, description = "The assessment in the format asked for (JSON: `entente assess --format json`)",
            content((serde_json::Value = "application/json"), (String = "text/csv"), (String = "text/markdown"), (String = "text/plain"))),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
        (status = 404, description = "An unknown scenario, hypothesis or option", body = crate::error::ErrorBody),
        (status = 413, description = "The run would not fit in memory", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn assess(S(state): S<Arc<State>>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let p = Params::parse(q, &keys(&["quantiles", "items", "compare"]))?;
    let fmt = p.format()?;
    let mut quantiles = Vec::new();
    if let Some(qs) = p.one("quantiles")? {
        for s in qs.split(',').filter(|s| !s.trim().is_empty()) {
            let v: f64 =
                s.trim().parse().map_err(|_| ApiError::bad_request(format!("quantiles: `{s}` is not a number")))?;
            quantiles.push(v);
        }
    }
    let req = model::AssessRequest { run: p.spec(state.cfg.max_samples)?, quantiles, compare: p.flag("compare")? };
    let items = p.flag("items")?;
    run(&state, content_type(fmt), move |ds| {
        let r = model::assess(ds, &req, &Silent)?;
        Ok(views::assess::render(fmt, &r, items))
    })
    .await
}

/// One item explained (`entente explain ITEM`).
#[utoipa::path(get, path = "/api/explain/{item}", tag = "model",
    params(("item" = String, Path, description = "Item id (see /api/assess)"), RunParams),
    responses(
        (status = 200, description = "The item's quantity, price and value with their inputs",
            content((serde_json::Value = "application/json"), (String = "text/csv"), (String = "text/markdown"), (String = "text/plain"))),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
        (status = 404, description = "An unknown item, scenario or option", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn explain(
    S(state): S<Arc<State>>,
    Path(item): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(q, &RUN_KEYS)?;
    let fmt = p.format()?;
    let spec = p.spec(state.cfg.max_samples)?;
    run(&state, content_type(fmt), move |ds| {
        let e = model::explain(ds, &spec, &item, &Silent)?;
        Ok(show(fmt, &e, views::explain::doc))
    })
    .await
}

/// Our figures beside the published studies (`entente compare`).
#[utoipa::path(get, path = "/api/compare", tag = "model", params(RunParams),
    responses(
        (status = 200, description = "The comparison",
            content((serde_json::Value = "application/json"), (String = "text/csv"), (String = "text/markdown"), (String = "text/plain"))),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
        (status = 404, description = "An unknown scenario", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn compare(S(state): S<Arc<State>>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let p = Params::parse(q, &RUN_KEYS)?;
    let fmt = p.format()?;
    let spec = p.spec(state.cfg.max_samples)?;
    run(&state, content_type(fmt), move |ds| {
        let cs = model::compare(ds, &spec, &Silent)?;
        Ok(views::compare::render(fmt, &cs))
    })
    .await
}

/// What drives a figure (`entente sensitivity`).
#[utoipa::path(get, path = "/api/sensitivity", tag = "model", params(RunParams, SensitivityParams),
    responses(
        (status = 200, description = "First-order indices, the tornado and the judgment",
            content((serde_json::Value = "application/json"), (String = "text/csv"), (String = "text/markdown"), (String = "text/plain"))),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
        (status = 404, description = "An unknown figure, scenario or option", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn sensitivity(S(state): S<Arc<State>>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let p = Params::parse(q, &keys(&["figure"]))?;
    let fmt = p.format()?;
    let spec = p.spec(state.cfg.max_samples)?;
    let figure = p.one("figure")?.unwrap_or("total").to_string();
    run(&state, content_type(fmt), move |ds| {
        let s = model::sensitivity(ds, &spec, &figure, &Silent)?;
        Ok(show(fmt, &s, views::sensitivity::doc))
    })
    .await
}

/// Deliveries by the year shipped against GDP (`entente history`).
#[utoipa::path(get, path = "/api/history", tag = "model", params(RunParams),
    responses(
        (status = 200, description = "The history",
            content((serde_json::Value = "application/json"), (String = "text/csv"), (String = "text/markdown"), (String = "text/plain"))),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
        (status = 404, description = "An unknown scenario or option", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn history(S(state): S<Arc<State>>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let p = Params::parse(q, &RUN_KEYS)?;
    let fmt = p.format()?;
    let spec = p.spec(state.cfg.max_samples)?;
    run(&state, content_type(fmt), move |ds| {
        let h = model::history(ds, &spec, &Silent)?;
        Ok(show(fmt, &h, views::history::history_doc))
    })
    .await
}

/// Cumulative deliveries and compensation at each quarter end, as known then (`entente timeline`).
#[utoipa::path(get, path = "/api/timeline", tag = "model", params(RunParams),
    responses(
        (status = 200, description = "The timeline",
            content((serde_json::Value = "application/json"), (String = "text/csv"), (String = "text/markdown"), (String = "text/plain"))),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
        (status = 404, description = "An unknown scenario or option", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn timeline(S(state): S<Arc<State>>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let p = Params::parse(q, &RUN_KEYS)?;
    let fmt = p.format()?;
    let spec = p.spec(state.cfg.max_samples)?;
    run(&state, content_type(fmt), move |ds| {
        let tl = model::timeline(ds, &spec, &Silent)?;
        Ok(show(fmt, &tl, views::history::timeline_doc))
    })
    .await
}

/// Parameters of `/api/trade`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct TradeParams {
    /// Use only figures public on or before this date (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    as_of: Option<String>,
    /// Growth from BASE to LATER as `BASE,LATER` (periods: 2023, 2024H1, 2024Q3, 2024-03, 2016-01..2016-08).
    compare: Option<String>,
    /// total (default), kp-exports or kp-imports.
    measure: Option<String>,
    /// Full years for the pre-2017 level, comma-separated (default 2016,2017).
    pre: Option<String>,
    /// json (default), csv, table or markdown (md).
    #[param(value_type = Option<FormatParam>)]
    format: Option<String>,
}

/// Official Russia–North Korea trade (`entente trade`).
#[utoipa::path(get, path = "/api/trade", tag = "model", params(TradeParams),
    responses(
        (status = 200, description = "The trade series, growth and gaps",
            content((serde_json::Value = "application/json"), (String = "text/csv"), (String = "text/markdown"), (String = "text/plain"))),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn trade(S(state): S<Arc<State>>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    use entente_core::TradeMeasure;
    use entente_indicators::period::Period;
    use entente_indicators::trade::{TradeOptions, DEFAULT_PRE_YEARS};
    let p = Params::parse(q, &["as_of", "compare", "measure", "pre", "format"])?;
    let fmt = p.format()?;
    let compare = match p.one("compare")? {
        None => None,
        Some(v) => {
            let parts: Vec<&str> = v.split(',').map(str::trim).collect();
            let [a, b] = parts[..] else {
                return Err(ApiError::bad_request(format!("parameter `compare`: `{v}` is not BASE,LATER")));
            };
            let per =
                |s: &str| Period::parse(s).map_err(|e| ApiError::bad_request(format!("parameter `compare`: {}", e.0)));
            Some((per(a)?, per(b)?))
        }
    };
    let measure = p.parsed("measure", "total, kp-exports or kp-imports", |v| match v {
        "total" => Some(TradeMeasure::Total),
        "kp-exports" => Some(TradeMeasure::KpExports),
        "kp-imports" => Some(TradeMeasure::KpImports),
        _ => None,
    })?;
    let pre_years = match p.one("pre")? {
        None => DEFAULT_PRE_YEARS.to_vec(),
        Some(v) => v
            .split(',')
            .map(|y| {
                y.trim()
                    .parse::<i32>()
                    .map_err(|_| ApiError::bad_request(format!("parameter `pre`: `{y}` is not a year")))
            })
            .collect::<Result<_, _>>()?,
    };
    let opts = TradeOptions {
        measure: Some(measure.unwrap_or(TradeMeasure::Total)),
        as_of: p.date("as_of")?,
        compare,
        pre_years,
    };
    run(&state, content_type(fmt), move |ds| {
        let r = indicators::trade(ds, &opts);
        Ok(show(fmt, &r, views::trade::doc))
    })
    .await
}

/// Parameters of `/api/meetings`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct MeetingsParams {
    /// Use only meetings held on or before this date (YYYY-MM-DD); it also ends the observation window.
    #[param(value_type = Option<String>, format = Date)]
    as_of: Option<String>,
    /// Start of the window for the mean monthly rate (YYYY-MM-DD or YYYY-MM; default 2023-07-01).
    since: Option<String>,
    /// Take the log as complete from this date (default: the month of the first meeting).
    from: Option<String>,
    /// Only meetings at this level, repeatable: head-of-state, minister, deputy, delegation, call.
    #[param(explode = true)]
    level: Option<Vec<String>>,
    /// month (default), quarter or year.
    by: Option<String>,
    /// The earlier rate as stated, e.g. `<5/year`.
    baseline: Option<String>,
    /// Do not compare with a stated baseline.
    no_baseline: Option<bool>,
    /// Seed of the bootstrap p-value of the change point, a whole number from 0 to 2^64-1 (default 20230701).
    #[param(value_type = Option<String>, pattern = "^[0-9]{1,20}$")]
    seed: Option<u64>,
    /// json (default), csv, table or markdown (md).
    #[param(value_type = Option<FormatParam>)]
    format: Option<String>,
}

/// High-level meetings (`entente meetings`; GDELT import is the CLI's only).
#[utoipa::path(get, path = "/api/meetings", tag = "model", params(MeetingsParams),
    responses(
        (status = 200, description = "Counts, the rate with its interval, the change point",
            content((serde_json::Value = "application/json"), (String = "text/csv"), (String = "text/markdown"), (String = "text/plain"))),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn meetings(S(state): S<Arc<State>>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    use entente_core::Level;
    use entente_indicators::meetings::{By, MeetingOptions, StatedRate, DEFAULT_BASELINE};
    use entente_indicators::period::parse_start_date;
    let p = Params::parse(q, &["as_of", "since", "from", "level", "by", "baseline", "no_baseline", "seed", "format"])?;
    let fmt = p.format()?;
    let start = |k: &str| -> Result<Option<chrono::NaiveDate>, ApiError> {
        p.one(k)?
            .map(|v| parse_start_date(v).map_err(|e| ApiError::bad_request(format!("parameter `{k}`: {}", e.0))))
            .transpose()
    };
    let mut levels = Vec::new();
    for l in p.all("level") {
        levels.push(Level::parse(l).ok_or_else(|| {
            ApiError::bad_request(format!(
                "parameter `level`: `{l}` is not head-of-state, minister, deputy, delegation or call"
            ))
        })?);
    }
    let by: By = match p.one("by")? {
        None => By::default(),
        Some(v) => v.parse().map_err(|e: String| ApiError::bad_request(format!("parameter `by`: {e}")))?,
    };
    let no_baseline = p.flag("no_baseline")?;
    let baseline_text = p.one("baseline")?;
    if no_baseline && baseline_text.is_some() {
        return Err(ApiError::bad_request("`baseline` and `no_baseline` exclude each other"));
    }
    let baseline = StatedRate::parse(baseline_text.unwrap_or(DEFAULT_BASELINE))
        .map_err(|e| ApiError::bad_request(format!("parameter `baseline`: {}", e.0)))?;
    let defaults = MeetingOptions::default();
    let options = MeetingOptions {
        as_of: p.date("as_of")?,
        since: start("since")?.unwrap_or(defaults.since),
        from: start("from")?,
        levels,
        by,
        baseline: if no_baseline { None } else { Some(baseline) },
        seed: p.parsed("seed", "a whole number", whole)?.unwrap_or(defaults.seed),
        ..defaults
    };
    let req = indicators::MeetingsRequest { options, gdelt: Vec::new() };
    run(&state, content_type(fmt), move |ds| {
        let m = indicators::meetings(ds, &req)?;
        Ok(views::meetings::render(fmt, &m))
    })
    .await
}

/// The HTML report (`entente report`), without the sanctions-gaps section.
#[utoipa::path(get, path = "/api/report", tag = "model",
    params(
        ("samples" = Option<u64>, Query, minimum = 100, maximum = 1_000_000, description = "Monte Carlo samples (default 200,000)"),
        ("seed" = Option<String>, Query, pattern = "^[0-9]{1,20}$", description = "Random seed, 0 to 2^64-1"),
        ("scenario" = Option<String>, Query, description = "Scenario"),
        ("as_of" = Option<String>, Query, format = Date, description = "Evidence public on or before this date"),
        ("min_grade" = Option<String>, Query, description = "Grade filter, e.g. B3"),
        ("hypothesis" = Option<Vec<String>>, Query, explode = true, description = "HYPOTHESIS=OPTION, repeatable"),
    ),
    responses(
        (status = 200, description = "One self-contained HTML page", content_type = "text/html", body = String),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
        (status = 404, description = "An unknown scenario or option", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn report(S(state): S<Arc<State>>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let p = Params::parse(q, &RUN_KEYS[..6])?;
    let spec = p.spec(state.cfg.max_samples)?;
    let source = entente_app::DataSource::from_option(state.cfg.data.clone());
    run(&state, "text/html; charset=utf-8", move |ds| {
        let req = entente_app::report::ReportRequest { run: spec, lists: Vec::new() };
        let parts = entente_app::report::report(ds, &source, &req, &Silent)?;
        let generator = format!("entente {}", env!("CARGO_PKG_VERSION"));
        entente_report::html::from_parts(ds, &parts, &generator).map_err(ApiError::internal)
    })
    .await
}
