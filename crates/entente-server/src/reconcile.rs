//! The OpenRefine reconciliation API (version 0.2) on `/reconcile/{dataset}`: without `queries` it answers the
//! service manifest; with `queries` (a JSON object of named queries, as a query parameter or a form field of a
//! POST) it answers candidates per query. Scores are 0–100 as OpenRefine expects.

use crate::error::ApiError;
use crate::state::State;
use axum::extract::{Path, Query as Q, State as S};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use entente_screen::index::Query;
use entente_screen::model::{DateSpec, Schema};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// `queries`, as a query parameter or form field.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct ReconcileParams {
    /// JSON object of named queries: `{"q0": {"query": "Ri Pyong Chol", "type": "Person", "limit": 3,
    /// "properties": [{"pid": "birthDate", "v": "1948"}]}}`. Without it, the service manifest is returned.
    pub queries: Option<String>,
}

/// One reconciliation query.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReconcileQuery {
    pub query: String,
    #[serde(default, rename = "type")]
    pub type_: Option<TypeSpec>,
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub properties: Vec<PropertyValue>,
}

/// A type, as a string or as `{"id", "name"}` (OpenRefine sends either).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum TypeSpec {
    Id(String),
    Many(Vec<String>),
    Obj { id: String },
}

/// A property constraint.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PropertyValue {
    pub pid: String,
    #[schema(value_type = Object)]
    pub v: serde_json::Value,
}

/// A type.
#[derive(Debug, Serialize, ToSchema)]
pub struct TypeRef {
    pub id: String,
    pub name: String,
}

/// One candidate.
#[derive(Debug, Serialize, ToSchema)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub types: Vec<TypeRef>,
    /// 0 to 100.
    pub score: f64,
    #[serde(rename = "match")]
    pub is_match: bool,
}

/// Candidates of one query.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateList {
    pub result: Vec<Candidate>,
}

/// The service manifest.
#[derive(Debug, Serialize, ToSchema)]
pub struct Manifest {
    pub versions: Vec<String>,
    pub name: String,
    #[serde(rename = "identifierSpace")]
    pub identifier_space: String,
    #[serde(rename = "schemaSpace")]
    pub schema_space: String,
    #[serde(rename = "defaultTypes")]
    pub default_types: Vec<TypeRef>,
    /// `{"url": "/entities/{{id}}"}`.
    #[schema(value_type = Object)]
    pub view: serde_json::Value,
}

/// The manifest, or candidates per query.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ReconcileResponse {
    Manifest(Manifest),
    Results(BTreeMap<String, CandidateList>),
}

const TYPES: [&str; 6] = ["Person", "Organization", "Company", "Vessel", "Airplane", "LegalEntity"];

fn manifest(dataset: &str) -> Manifest {
    Manifest {
        versions: vec!["0.2".into()],
        name: format!("entente sanctions lists ({dataset})"),
        identifier_space: "https://followthemoney.tech/entity/".into(),
        schema_space: "https://followthemoney.tech/explorer/schemata/".into(),
        default_types: TYPES.iter().map(|t| TypeRef { id: t.to_string(), name: t.to_string() }).collect(),
        view: serde_json::json!({ "url": "/entities/{{id}}" }),
    }
}

fn answer(state: &State, dataset: &str, queries: Option<&str>) -> Result<Response, ApiError> {
    let lists = state.lists()?;
    crate::yente::check_dataset(&lists, dataset)?;
    let Some(text) = queries.filter(|q| !q.trim().is_empty()) else {
        return Ok(Json(ReconcileResponse::Manifest(manifest(dataset))).into_response());
    };
    let parsed: BTreeMap<String, ReconcileQuery> = serde_json::from_str(text)
        .map_err(|e| ApiError::bad_request(format!("queries: not a JSON object of reconciliation queries: {e}")))?;
    if parsed.len() > 1000 {
        return Err(ApiError::bad_request(format!("{} queries: at most 1,000 per request", parsed.len())));
    }
    let mut out = BTreeMap::new();
    for (k, q) in parsed {
        let schema = match &q.type_ {
            None => None,
            Some(TypeSpec::Id(t)) | Some(TypeSpec::Obj { id: t }) => Schema::parse(t),
            Some(TypeSpec::Many(ts)) => ts.iter().find_map(|t| Schema::parse(t)),
        };
        let limit = q.limit.unwrap_or(5).clamp(1, 100);
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Object(o) => o.get("id").and_then(|x| x.as_str()).map(str::to_string),
            _ => None,
        };
        let mut query = Query { name: q.query.clone(), schema, ..Default::default() };
        for p in &q.properties {
            let Some(v) = text(&p.v) else { continue };
            match p.pid.as_str() {
                "birthDate" => query.birth_date = DateSpec::parse(&v),
                "nationality" | "country" | "jurisdiction" | "citizenship" => query.country = Some(v),
                _ => {}
            }
        }
        let result = if query.name.trim().is_empty() {
            Vec::new()
        } else {
            crate::yente::reconcile_hits(&lists, query, dataset, limit)
                .into_iter()
                .map(|(e, score, is_match)| Candidate {
                    id: e.id,
                    name: e.caption,
                    types: vec![TypeRef { id: e.schema.clone(), name: e.schema }],
                    score: (score * 1000.0).round() / 10.0,
                    is_match,
                })
                .collect()
        };
        out.insert(k, CandidateList { result });
    }
    Ok(Json(ReconcileResponse::Results(out)).into_response())
}

/// OpenRefine reconciliation: the manifest, or candidates for `queries`.
#[utoipa::path(get, path = "/reconcile/{dataset}", tag = "screening",
    params(("dataset" = String, Path, description = "`default` or one list's id"), ReconcileParams),
    responses(
        (status = 200, description = "The service manifest (no `queries`) or candidates per query", body = ReconcileResponse),
        (status = 400, description = "`queries` is not valid", body = crate::error::ErrorBody),
        (status = 404, description = "Unknown dataset", body = crate::error::ErrorBody),
        (status = 503, description = "No lists loaded", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn reconcile_get(
    S(state): S<Arc<State>>,
    Path(dataset): Path<String>,
    Q(p): Q<ReconcileParams>,
) -> Result<Response, ApiError> {
    answer(&state, &dataset, p.queries.as_deref())
}

/// OpenRefine reconciliation: candidates for the form field `queries`.
#[utoipa::path(post, path = "/reconcile/{dataset}", tag = "screening",
    params(("dataset" = String, Path, description = "`default` or one list's id")),
    request_body(content = ReconcileParams, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The manifest (no `queries`) or candidates per query", body = ReconcileResponse),
        (status = 400, description = "`queries` is not valid", body = crate::error::ErrorBody),
        (status = 404, description = "Unknown dataset", body = crate::error::ErrorBody),
        (status = 413, description = "Body larger than the limit", body = crate::error::ErrorBody),
        (status = 415, description = "Not a form", body = crate::error::ErrorBody),
        (status = 422, description = "A form without a readable `queries` field", body = crate::error::ErrorBody),
        (status = 503, description = "No lists loaded", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn reconcile_post(
    S(state): S<Arc<State>>,
    Path(dataset): Path<String>,
    Form(p): Form<ReconcileParams>,
) -> Result<Response, ApiError> {
    answer(&state, &dataset, p.queries.as_deref())
}
