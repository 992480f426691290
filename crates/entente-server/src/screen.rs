//! entente's own screening API: `POST /api/screen` (JSON queries; the answer is `entente screen --format json`'s
//! bytes for the same queries) and `POST /api/screen/batch` (a CSV, pacs.008 or pain.001 body; the answer is
//! streamed as NDJSON while the parties are screened: first `{"audit": …}`, then one line per party as in `results`
//! of the JSON form, then `{"summary": {"parties": N, "alerts": K}}`). With a store (`--db`), hits that an
//! unexpired false-positive decision allows carry `"allowed": {decision_id, decided_by, note, expires}` and do not
//! count as alerts (the summary then adds `"allowed": N`).

use crate::error::ApiError;
use crate::state::State;
use axum::body::{Body, Bytes};
use axum::extract::{Query as Q, Request, State as S};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use entente_app::screen::{InputFormat, PolicyChoice, ScreenRequest, ScreenRun, DEFAULT_LIMIT, DEFAULT_THRESHOLD};
use entente_app::Silent;
use entente_report::views::screen as view;
use entente_screen::index::Query;
use entente_screen::model::{DateSpec, IdKind, Identifier, Schema};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// An identifier of a screened party.
#[derive(Debug, Deserialize, ToSchema)]
pub struct IdentifierIn {
    /// imo, mmsi, inn, ogrn, bic, lei, passport, nationalid, registration, taxid, wallet, callsign, email, bik.
    #[schema(example = "imo")]
    pub kind: String,
    #[schema(example = "9339301")]
    pub value: String,
}

/// One party to screen.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ScreenQuery {
    /// The name (may be empty when identifiers are given).
    #[serde(default)]
    #[schema(example = "Ri Pyong Chol")]
    pub name: String,
    /// Person, Organization, Company, Vessel, Airplane or LegalEntity.
    #[serde(default)]
    pub schema: Option<String>,
    /// Birth date: YYYY, YYYY-MM or YYYY-MM-DD.
    #[serde(default)]
    pub birth_date: Option<String>,
    /// Country or nationality (ISO code or name).
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub identifiers: Vec<IdentifierIn>,
}

/// `POST /api/screen` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ScreenBody {
    /// At least one party, at most 10,000.
    #[schema(min_items = 1, max_items = 10000)]
    pub queries: Vec<ScreenQuery>,
    /// Report hits scoring at least this (0 to 1, default 0.75).
    #[serde(default)]
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub threshold: Option<f32>,
    /// Most hits per party (1 to 100, default 5).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// entente (default) or ofac.
    #[serde(default)]
    pub algorithm: Option<String>,
    /// Country policy: `default` (built in) or `none`.
    #[serde(default)]
    #[schema(pattern = "^(default|none)?$")]
    pub policy: Option<String>,
}

/// Query parameters of `POST /api/screen`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScreenParams {
    /// json (default), csv or table: `entente screen --format`.
    #[param(value_type = Option<ScreenFormat>)]
    pub format: Option<String>,
}

/// Output format of screening.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ScreenFormat {
    Json,
    Csv,
    Table,
}

fn screen_format(f: Option<&str>) -> Result<(view::Format, &'static str), ApiError> {
    Ok(match f.unwrap_or("json") {
        "json" => (view::Format::Json, "application/json"),
        "csv" => (view::Format::Csv, "text/csv; charset=utf-8"),
        "table" => (view::Format::Table, "text/plain; charset=utf-8"),
        other => return Err(ApiError::bad_request(format!("format `{other}`: json, csv or table"))),
    })
}

fn policy(p: Option<&str>) -> Result<PolicyChoice, ApiError> {
    match p.unwrap_or("default") {
        "default" | "" => Ok(PolicyChoice::Default),
        "none" => Ok(PolicyChoice::None),
        other => Err(ApiError::bad_request(format!("policy `{other}`: default or none"))),
    }
}

fn threshold(t: Option<f32>) -> Result<f32, ApiError> {
    let t = t.unwrap_or(DEFAULT_THRESHOLD);
    if !(0.0..=1.0).contains(&t) {
        return Err(ApiError::bad_request(format!("threshold {t} is not between 0 and 1")));
    }
    Ok(t)
}

fn limit(l: Option<usize>) -> Result<usize, ApiError> {
    let l = l.unwrap_or(DEFAULT_LIMIT);
    if !(1..=100).contains(&l) {
        return Err(ApiError::bad_request(format!("limit {l} is not between 1 and 100")));
    }
    Ok(l)
}

fn query_of(i: usize, q: ScreenQuery) -> Result<Query, ApiError> {
    let bad = |m: String| ApiError::bad_request(format!("queries[{i}]: {m}"));
    let schema = match q.schema.as_deref().filter(|s| !s.trim().is_empty()) {
        None => None,
        Some(s) => Some(Schema::parse(s).ok_or_else(|| bad(format!("unknown schema `{s}`")))?),
    };
    let birth_date = match q.birth_date.as_deref().filter(|s| !s.trim().is_empty()) {
        None => None,
        Some(s) => Some(
            DateSpec::parse(s).ok_or_else(|| bad(format!("birth_date `{s}` is not YYYY, YYYY-MM or YYYY-MM-DD")))?,
        ),
    };
    let mut identifiers = Vec::new();
    for (j, id) in q.identifiers.iter().enumerate() {
        let kind =
            IdKind::parse(&id.kind).ok_or_else(|| bad(format!("identifiers[{j}]: unknown kind `{}`", id.kind)))?;
        if id.value.trim().is_empty() {
            return Err(bad(format!("identifiers[{j}]: empty value")));
        }
        identifiers.push(Identifier::new(kind, &id.value, None));
    }
    if q.name.trim().is_empty() && identifiers.is_empty() {
        return Err(bad("no name and no identifier".into()));
    }
    Ok(Query { name: q.name, schema, birth_date, country: q.country.filter(|c| !c.trim().is_empty()), identifiers })
}

/// Screen parties (`entente screen`).
#[utoipa::path(post, path = "/api/screen", tag = "screening", params(ScreenParams), request_body = ScreenBody,
    responses(
        (status = 200, description = "`entente screen --format json` for these queries: the audit and every party's hits. \
            With a store (`--db`), a hit that an unexpired false-positive decision allows carries `allowed` \
            (decision_id, decided_by, note, expires); in CSV and table, an `ALLOWED decision …` note",
            content((serde_json::Value = "application/json"), (String = "text/csv"), (String = "text/plain"))),
        (status = 400, description = "A bad query or parameter, or a body that is not JSON", body = crate::error::ErrorBody),
        (status = 413, description = "Body larger than the limit", body = crate::error::ErrorBody),
        (status = 415, description = "Not `Content-Type: application/json`", body = crate::error::ErrorBody),
        (status = 422, description = "JSON that is not a ScreenBody", body = crate::error::ErrorBody),
        (status = 503, description = "No lists loaded", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn screen(
    S(state): S<Arc<State>>,
    Q(p): Q<ScreenParams>,
    Json(body): Json<ScreenBody>,
) -> Result<Response, ApiError> {
    let (fmt, ctype) = screen_format(p.format.as_deref())?;
    let lists = state.lists()?;
    if body.queries.is_empty() || body.queries.len() > 10_000 {
        return Err(ApiError::bad_request(format!("{} queries: give 1 to 10,000", body.queries.len())));
    }
    let req = ScreenRequest {
        threshold: threshold(body.threshold)?,
        limit: limit(body.limit)?,
        algorithm: crate::yente::algorithm(body.algorithm.as_deref())?,
        policy: policy(body.policy.as_deref())?,
        queries: body.queries.into_iter().enumerate().map(|(i, q)| query_of(i, q)).collect::<Result<_, _>>()?,
        ..ScreenRequest::default()
    };
    // With a store (`--db`), its unexpired false-positive decisions mark the hits they allow.
    let allow = crate::dashboard::screen::allow_list(&state).await.map_err(ApiError::internal)?;
    let text = tokio::task::spawn_blocking(move || {
        entente_app::screen::screen_with(&lists.loaded, &req, &Silent)
            .map(|o| view::render_marked(fmt, &o.results, &o.audit, false, &allow.apply(&o.results)))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(([(header::CONTENT_TYPE, ctype)], text).into_response())
}

/// Query parameters of `POST /api/screen/batch`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchParams {
    /// auto (default: XML when the body starts with `<`, else CSV), csv or iso20022.
    #[param(pattern = "^(auto|csv|iso20022|xml)?$")]
    pub input: Option<String>,
    /// The name the audit gives the upload (default `upload`).
    pub name: Option<String>,
    /// Report hits scoring at least this (0 to 1, default 0.75).
    #[param(minimum = 0.0, maximum = 1.0)]
    pub threshold: Option<f32>,
    /// Most hits per party (1 to 100, default 5).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// entente (default) or ofac.
    pub algorithm: Option<String>,
    /// Country policy: default or none.
    #[param(pattern = "^(default|none)?$")]
    pub policy: Option<String>,
}

/// Parties screened per step of a batch (one step's lines are sent before the next starts).
const BATCH_STEP: usize = 256;

/// Screen a file: CSV (header row; name/full_name/party/counterparty column), pacs.008 or pain.001.
#[utoipa::path(post, path = "/api/screen/batch", tag = "screening", params(BatchParams),
    request_body(content = String, description = "The file: CSV, or ISO 20022 pacs.008 / pain.001 XML",
        content_type = "text/csv"),
    responses(
        (status = 200, description = "NDJSON, streamed: `{\"audit\": …}`, one line per party, `{\"summary\": …}` \
            (with a store, allow-listed hits carry `allowed` and the summary counts them as `allowed`)",
            content_type = "application/x-ndjson", body = String),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
        (status = 413, description = "Body larger than the batch limit", body = crate::error::ErrorBody),
        (status = 422, description = "The file could not be read (the error names line and field)", body = crate::error::ErrorBody),
        (status = 503, description = "No lists loaded", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn batch(S(state): S<Arc<State>>, Q(p): Q<BatchParams>, req: Request) -> Result<Response, ApiError> {
    let lists = state.lists()?;
    let format = match p.input.as_deref().unwrap_or("auto") {
        "auto" | "" => InputFormat::Auto,
        "csv" => InputFormat::Csv,
        "iso20022" | "xml" => InputFormat::Iso20022,
        other => return Err(ApiError::bad_request(format!("input `{other}`: auto, csv or iso20022"))),
    };
    let threshold = threshold(p.threshold)?;
    let limit = limit(p.limit)?;
    let algorithm = crate::yente::algorithm(p.algorithm.as_deref())?;
    let policy = policy(p.policy.as_deref())?;
    let name = p.name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "upload".into());
    let data: Bytes = axum::body::to_bytes(req.into_body(), state.cfg.batch_limit).await.map_err(|_| {
        ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the upload is larger than the batch limit of {} bytes (entente serve --batch-limit)",
                state.cfg.batch_limit
            ),
        )
    })?;
    if data.is_empty() {
        return Err(ApiError::bad_request("empty body: send the CSV or ISO 20022 file as the request body"));
    }
    let allow = crate::dashboard::screen::allow_list(&state).await.map_err(ApiError::internal)?;
    let csv = ScreenRequest::default().csv;
    let (n1, d1) = (name.clone(), data.clone());
    let parties = tokio::task::spawn_blocking(move || entente_app::screen::parse_input(&n1, &d1, format, &csv))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    // The application's screening run, as the CLI and the dashboard use it: the audit, the policy, and the
    // ownership flags of the lists attached to every hit.
    let req = ScreenRequest { threshold, algorithm, limit, policy, ..ScreenRequest::default() };
    let run = ScreenRun::new(&lists.loaded, &req, vec![entente_app::screen::input_audit(&name, &data)])?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let line = |v: &dyn erased::Ser| -> Bytes {
            let mut s = view::json_safe(&v.json());
            s.push('\n');
            Bytes::from(s)
        };
        #[derive(serde::Serialize)]
        struct AuditLine<'a> {
            audit: &'a entente_screen::audit::Audit,
        }
        if tx.blocking_send(Ok(line(&AuditLine { audit: &run.audit }))).is_err() {
            return;
        }
        let (mut n, mut alerts, mut allowed) = (0usize, 0usize, 0usize);
        for chunk in parties.chunks(BATCH_STEP) {
            let found = run.screen(&lists.loaded, chunk.to_vec());
            let marks = allow.apply(&found);
            let mut buf = Vec::new();
            for (i, r) in found.iter().enumerate() {
                n += 1;
                alerts += usize::from(marks.alerts(i, r));
                if (0..r.hits.len()).any(|j| marks.get(i, j).is_some()) {
                    let mut v = serde_json::to_value(r).unwrap_or_default();
                    view::mark_party(&mut v, i, &marks);
                    buf.extend_from_slice(&line(&v));
                } else {
                    buf.extend_from_slice(&line(r));
                }
            }
            allowed += marks.len();
            if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                return; // the client went away
            }
        }
        let mut summary = serde_json::json!({ "parties": n, "alerts": alerts });
        if allowed > 0 {
            summary["allowed"] = allowed.into();
        }
        let _ = tx.blocking_send(Ok(line(&serde_json::json!({ "summary": summary }))));
    });
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

mod erased {
    /// Anything serialisable, as one JSON line.
    pub trait Ser {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        }
    }
}
