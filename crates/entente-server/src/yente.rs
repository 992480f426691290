//! yente-compatible matching: `POST /match/{dataset}`, `GET /search/{dataset}`, `GET /entities/{id}`, with
//! yente's JSON shapes (FollowTheMoney entities with `properties`, `score`, `match`, `features`), so that clients
//! written for yente work unchanged. `dataset` is `default` (every loaded list) or one list's id (`un`, `eu`,
//! `ofac-sdn`, `uk`…). Scores are entente's matcher's; `features` gives its parts and `explanation` (an
//! extension) says why.

use crate::error::ApiError;
use crate::state::{Lists, State};
use axum::extract::{Path, Query as Q, State as S};
use axum::Json;
use entente_screen::index::{Algorithm, Hit, Query, Scratch, SearchOptions};
use entente_screen::model::{DateSpec, Entity, IdKind, Identifier, NameStrength, Schema};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

thread_local! {
    /// Search buffers of this thread, for the lists they were sized for (by address of the `Lists`).
    static SCRATCH: RefCell<Option<(usize, Scratch)>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's search buffers for `lists`.
pub fn with_scratch<R>(lists: &Arc<Lists>, f: impl FnOnce(&mut Scratch) -> R) -> R {
    let tag = Arc::as_ptr(lists) as usize;
    SCRATCH.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(t, _)| *t != tag) {
            *slot = Some((tag, lists.index().scratch()));
        }
        let (_, scratch) = slot.as_mut().expect("set above");
        f(scratch)
    })
}

/// A FollowTheMoney entity as yente returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityResponse {
    /// The entity's id: `<list>:<id in the list>`.
    #[schema(example = "un:9000001")]
    pub id: String,
    #[schema(example = "RI PYONG CHOL")]
    pub caption: String,
    /// FtM schema: Person, Organization, Company, Vessel, Airplane or LegalEntity.
    #[schema(example = "Person")]
    pub schema: String,
    /// FtM properties, each a list of strings (name, alias, weakAlias, birthDate, nationality, country,
    /// idNumber, imoNumber, swiftBic, innCode, ogrnCode, leiCode, passportNumber, program, topics, address…).
    pub properties: BTreeMap<String, Vec<String>>,
    /// The lists it is on.
    pub datasets: Vec<String>,
    pub referents: Vec<String>,
    pub target: bool,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub last_change: Option<String>,
}

/// A scored match.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoredEntityResponse {
    #[serde(flatten)]
    pub entity: EntityResponse,
    /// Match score in [0, 1].
    pub score: f64,
    /// The score's parts: `name` (the name score) and `identifier` (1 when an identifier matched).
    pub features: BTreeMap<String, f64>,
    /// Whether the score reaches the threshold.
    #[serde(rename = "match")]
    pub is_match: bool,
    /// Why (entente's explanation of the score).
    pub explanation: String,
}

/// How many results there are.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalSpec {
    pub value: usize,
    #[schema(example = "eq")]
    pub relation: String,
}

/// An entity to match: a schema and FtM properties (each a string or a list of strings).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EntityExample {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[schema(example = "Person")]
    pub schema: String,
    #[schema(value_type = Object, example = json!({"name": ["Ri Pyong Chol"], "nationality": ["kp"]}))]
    pub properties: BTreeMap<String, StringOrList>,
}

/// A property value: one string or a list of strings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum StringOrList {
    One(String),
    Many(Vec<String>),
}

impl StringOrList {
    fn values(&self) -> Vec<&str> {
        match self {
            StringOrList::One(s) => vec![s.as_str()],
            StringOrList::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// `POST /match/{dataset}` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EntityMatchQuery {
    /// Accepted for compatibility with yente and ignored (entente's matcher has no tunable weights).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub weights: serde_json::Value,
    /// Named queries; the response has one entry per name.
    pub queries: BTreeMap<String, EntityExample>,
}

/// The results of one query.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityMatches {
    pub status: u16,
    pub results: Vec<ScoredEntityResponse>,
    pub total: TotalSpec,
    pub query: EntityExample,
}

/// What the matcher is.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatcherDoc {
    pub name: String,
    pub description: String,
    /// Description of each feature.
    pub features: BTreeMap<String, String>,
}

/// `POST /match/{dataset}` response.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityMatchResponse {
    pub responses: BTreeMap<String, EntityMatches>,
    pub matcher: MatcherDoc,
    pub limit: usize,
}

/// Query parameters of `POST /match/{dataset}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchParams {
    /// Most results per query (1 to 500, default 5).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// Score from which a result is a `match` (0 to 1, default 0.8).
    #[param(minimum = 0.0, maximum = 1.0)]
    pub threshold: Option<f64>,
    /// Results scoring below this are not returned (0 to 1, default 0.5).
    #[param(minimum = 0.0, maximum = 1.0)]
    pub cutoff: Option<f64>,
    /// `entente` (default; also for yente's names such as `logic-v1` or `best`) or `ofac`.
    pub algorithm: Option<String>,
}

/// Query parameters of `GET /search/{dataset}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The name to search for (not blank).
    #[param(pattern = r"\S")]
    pub q: String,
    /// Restrict to one schema (Person, Organization, Company, Vessel, Airplane, LegalEntity).
    pub schema: Option<String>,
    /// Most results (1 to 500, default 10).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// Results to skip (default 0, at most 10,000).
    #[param(minimum = 0, maximum = 10000)]
    pub offset: Option<usize>,
}

/// `GET /search/{dataset}` response.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    pub limit: usize,
    pub offset: usize,
    pub total: TotalSpec,
    pub results: Vec<ScoredEntityResponse>,
    #[schema(value_type = Object)]
    pub facets: BTreeMap<String, serde_json::Value>,
}

fn id_property(kind: IdKind) -> &'static str {
    match kind {
        IdKind::Imo => "imoNumber",
        IdKind::Mmsi => "mmsi",
        IdKind::Inn => "innCode",
        IdKind::Ogrn => "ogrnCode",
        IdKind::Bic => "swiftBic",
        IdKind::Lei => "leiCode",
        IdKind::Passport => "passportNumber",
        IdKind::TaxId => "taxNumber",
        IdKind::Registration => "registrationNumber",
        IdKind::CryptoWallet => "publicKey",
        IdKind::CallSign => "callSign",
        IdKind::Email => "email",
        IdKind::Bik => "bikCode",
        IdKind::NationalId | IdKind::Other => "idNumber",
    }
}

/// An entity in FtM form.
pub fn entity_response(e: &Entity) -> EntityResponse {
    let mut p: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |k: &str, v: String| {
        let vs = p.entry(k.to_string()).or_default();
        if !vs.contains(&v) {
            vs.push(v);
        }
    };
    for n in &e.names {
        let k = match n.strength {
            NameStrength::Primary => "name",
            NameStrength::Alias => "alias",
            NameStrength::Previous => "previousName",
            NameStrength::Weak => "weakAlias",
        };
        add(k, n.value.clone());
    }
    for d in &e.birth_dates {
        add("birthDate", d.to_string());
    }
    let country_prop = if e.schema.is_person() {
        "nationality"
    } else if e.schema.is_object() {
        "flag"
    } else {
        "country"
    };
    for c in &e.countries {
        add(country_prop, c.clone());
    }
    for i in &e.identifiers {
        add(id_property(i.kind), i.value.clone());
    }
    for x in &e.programs {
        add("program", x.clone());
    }
    if let Some(g) = &e.gender {
        add("gender", g.clone());
    }
    for a in &e.addresses {
        add("address", a.clone());
    }
    for n in &e.notes {
        add("notes", n.clone());
    }
    if e.topics.is_empty() {
        add("topics", "sanction".into());
    }
    for t in &e.topics {
        add("topics", t.clone());
    }
    if let Some(d) = &e.listing_date {
        add("createdAt", d.clone());
    }
    EntityResponse {
        id: e.id.clone(),
        caption: e.caption().to_string(),
        schema: e.schema.to_string(),
        properties: p,
        datasets: vec![e.list.clone()],
        referents: Vec::new(),
        target: true,
        first_seen: None,
        last_seen: None,
        last_change: None,
    }
}

fn scored(lists: &Lists, h: &Hit, threshold: f64) -> ScoredEntityResponse {
    let e = &lists.index().entities[h.entity];
    let score = ((h.score as f64) * 1000.0).round() / 1000.0;
    let mut features = BTreeMap::new();
    features.insert("name".to_string(), ((h.name_score as f64) * 1000.0).round() / 1000.0);
    features.insert("identifier".to_string(), if h.explanation.contains(" matches the listed ") { 1.0 } else { 0.0 });
    ScoredEntityResponse {
        entity: entity_response(e),
        score,
        features,
        is_match: score >= threshold,
        explanation: h.explanation.clone(),
    }
}

fn unit(name: &str, v: Option<f64>, default: f64) -> Result<f64, ApiError> {
    let v = v.unwrap_or(default);
    if !(0.0..=1.0).contains(&v) || v.is_nan() {
        return Err(ApiError::bad_request(format!("{name} must be between 0 and 1 (got {v})")));
    }
    Ok(v)
}

fn limit(v: Option<usize>, default: usize) -> Result<usize, ApiError> {
    let v = v.unwrap_or(default);
    if !(1..=500).contains(&v) {
        return Err(ApiError::bad_request(format!("limit must be between 1 and 500 (got {v})")));
    }
    Ok(v)
}

pub fn algorithm(name: Option<&str>) -> Result<Algorithm, ApiError> {
    Ok(match name.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("entente") | Some("best") | Some("default") => Algorithm::Entente,
        Some("ofac") => Algorithm::Ofac,
        Some(s) if s.starts_with("logic") || s.starts_with("name") || s.starts_with("regression") => Algorithm::Entente,
        Some(s) => return Err(ApiError::bad_request(format!("unknown algorithm `{s}` (entente, ofac)"))),
    })
}

fn dataset_check(lists: &Lists, dataset: &str) -> Result<(), ApiError> {
    if lists.knows_dataset(dataset) {
        return Ok(());
    }
    let known: Vec<&str> = lists.index().lists.iter().map(|l| l.list.as_str()).collect();
    Err(ApiError::not_found(format!("no dataset `{dataset}` (default, {})", known.join(", "))))
}

/// The entente queries of one FtM example: one per name (person names also from their parts), with the
/// example's qualifiers.
fn queries_of(ex: &EntityExample) -> Result<Vec<Query>, String> {
    let schema = Schema::parse(&ex.schema)
        .or_else(|| matches!(ex.schema.as_str(), "Thing" | "Asset").then_some(Schema::LegalEntity))
        .ok_or_else(|| {
            format!("unknown schema `{}` (Person, Organization, Company, Vessel, Airplane, LegalEntity)", ex.schema)
        })?;
    let get = |k: &str| ex.properties.get(k).map(|v| v.values()).unwrap_or_default();
    let mut names: Vec<String> = Vec::new();
    for k in ["name", "alias", "previousName", "weakAlias"] {
        names.extend(get(k).into_iter().map(str::to_string));
    }
    let parts: Vec<&str> = ["firstName", "secondName", "middleName", "fatherName", "lastName"]
        .iter()
        .flat_map(|k| get(k).into_iter().take(1))
        .collect();
    if !parts.is_empty() {
        names.push(parts.join(" "));
    }
    names.retain(|n| !n.trim().is_empty());
    let birth_date = get("birthDate").into_iter().find_map(DateSpec::parse);
    let country = ["nationality", "citizenship", "country", "jurisdiction", "flag", "birthCountry"]
        .iter()
        .find_map(|k| get(k).into_iter().find(|v| !v.trim().is_empty()))
        .map(str::to_string);
    let mut identifiers = Vec::new();
    for &(prop, kind) in entente_screen::ftm::ID_PROPERTIES {
        for v in get(prop) {
            if !v.trim().is_empty() {
                identifiers.push(Identifier::new(kind, v, None));
            }
        }
    }
    if names.is_empty() && identifiers.is_empty() {
        return Err("the query has no name (name, alias, firstName/lastName…) and no identifier".into());
    }
    let base = Query { name: String::new(), schema: Some(schema), birth_date, country, identifiers };
    if names.is_empty() {
        return Ok(vec![base]);
    }
    Ok(names.into_iter().map(|name| Query { name, ..base.clone() }).collect())
}

/// Every hit of the queries in `dataset`, best per entity, best first (ties by id), at most `limit`.
fn search_all(lists: &Arc<Lists>, qs: &[Query], dataset: &str, opts: &SearchOptions, limit: usize) -> Vec<Hit> {
    // Ask for more than needed when one list of several is wanted, so the filter leaves enough.
    let wide = if dataset == "default" {
        opts.clone()
    } else {
        SearchOptions { limit: opts.limit.max(limit) * 4, ..opts.clone() }
    };
    let mut all: Vec<Hit> =
        with_scratch(lists, |scratch| qs.iter().flat_map(|q| lists.index().search(q, &wide, scratch)).collect());
    all.retain(|h| lists.in_dataset(dataset, h.entity));
    all.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| lists.index().entities[a.entity].id.cmp(&lists.index().entities[b.entity].id))
    });
    let mut seen = std::collections::HashSet::new();
    all.retain(|h| seen.insert(h.entity));
    all.truncate(limit);
    all
}

fn matcher_doc(algo: Algorithm) -> MatcherDoc {
    let (name, description) = match algo {
        Algorithm::Entente => (
            "entente",
            "entente's explained, cross-script name matcher with birth date, country and identifier qualifiers",
        ),
        Algorithm::Ofac => ("ofac", "reproduces OFAC Sanctions List Search scores (name only)"),
    };
    let mut features = BTreeMap::new();
    features.insert("name".to_string(), "similarity of the best-matching listed name, 0 to 1".to_string());
    features.insert(
        "identifier".to_string(),
        "1 when an identifier (IMO, BIC, INN, passport…) matched exactly".to_string(),
    );
    MatcherDoc { name: name.into(), description: description.into(), features }
}

/// Match entities (yente's API).
#[utoipa::path(post, path = "/match/{dataset}", tag = "screening",
    params(("dataset" = String, Path, description = "`default` (every loaded list) or one list's id (un, eu, ofac-sdn, uk…)"), MatchParams),
    request_body = EntityMatchQuery,
    responses(
        (status = 200, description = "One entry per query, results best first", body = EntityMatchResponse),
        (status = 400, description = "Bad parameters or queries, or a body that is not JSON", body = crate::error::ErrorBody),
        (status = 404, description = "Unknown dataset", body = crate::error::ErrorBody),
        (status = 413, description = "Body larger than the limit", body = crate::error::ErrorBody),
        (status = 415, description = "Not `Content-Type: application/json`", body = crate::error::ErrorBody),
        (status = 422, description = "JSON that is not an EntityMatchQuery", body = crate::error::ErrorBody),
        (status = 503, description = "No lists loaded", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn match_entities(
    S(state): S<Arc<State>>,
    Path(dataset): Path<String>,
    Q(p): Q<MatchParams>,
    Json(body): Json<EntityMatchQuery>,
) -> Result<Json<EntityMatchResponse>, ApiError> {
    let lists = state.lists()?;
    dataset_check(&lists, &dataset)?;
    let limit = limit(p.limit, 5)?;
    let threshold = unit("threshold", p.threshold, 0.8)?;
    let cutoff = unit("cutoff", p.cutoff, 0.5)?;
    let algo = algorithm(p.algorithm.as_deref())?;
    let _ = &body.weights;
    if body.queries.len() > 1000 {
        return Err(ApiError::bad_request(format!("{} queries: at most 1,000 per request", body.queries.len())));
    }
    let mut parsed = BTreeMap::new();
    for (k, ex) in &body.queries {
        let qs = queries_of(ex).map_err(|e| ApiError::bad_request(format!("query `{k}`: {e}")))?;
        parsed.insert(k.clone(), qs);
    }
    let opts = SearchOptions { algorithm: algo, threshold: cutoff as f32, limit };
    let few = body.queries.len() <= 8;
    let run = move || {
        let mut responses = BTreeMap::new();
        for (k, qs) in parsed {
            let hits = search_all(&lists, &qs, &dataset, &opts, limit);
            let results: Vec<ScoredEntityResponse> = hits.iter().map(|h| scored(&lists, h, threshold)).collect();
            let ex = body.queries.get(&k).cloned().expect("parsed from these queries");
            responses.insert(
                k,
                EntityMatches {
                    status: 200,
                    total: TotalSpec { value: results.len(), relation: "eq".into() },
                    results,
                    query: ex,
                },
            );
        }
        responses
    };
    // A few queries are answered on this thread; many go to the blocking pool so they hold up nobody.
    let responses = if few {
        run()
    } else {
        tokio::task::spawn_blocking(run).await.map_err(|e| ApiError::internal(e.to_string()))?
    };
    Ok(Json(EntityMatchResponse { responses, matcher: matcher_doc(algo), limit }))
}

/// Search entities by name (yente's API).
#[utoipa::path(get, path = "/search/{dataset}", tag = "screening",
    params(("dataset" = String, Path, description = "`default` or one list's id"), SearchParams),
    responses(
        (status = 200, description = "Entities whose names resemble `q`, best first", body = SearchResponse),
        (status = 400, description = "Bad parameters", body = crate::error::ErrorBody),
        (status = 404, description = "Unknown dataset", body = crate::error::ErrorBody),
        (status = 503, description = "No lists loaded", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn search(
    S(state): S<Arc<State>>,
    Path(dataset): Path<String>,
    Q(p): Q<SearchParams>,
) -> Result<Json<SearchResponse>, ApiError> {
    let lists = state.lists()?;
    dataset_check(&lists, &dataset)?;
    let limit = limit(p.limit, 10)?;
    let offset = p.offset.unwrap_or(0);
    if offset > 10_000 {
        return Err(ApiError::bad_request(format!("offset must be at most 10,000 (got {offset})")));
    }
    let schema = match p.schema.as_deref() {
        None | Some("") => None,
        Some(s) => Some(Schema::parse(s).ok_or_else(|| ApiError::bad_request(format!("unknown schema `{s}`")))?),
    };
    if p.q.trim().is_empty() {
        return Err(ApiError::bad_request("q must not be empty"));
    }
    let q = Query { name: p.q.clone(), schema, ..Default::default() };
    let want = offset + limit;
    let opts = SearchOptions { algorithm: Algorithm::Entente, threshold: 0.5, limit: want };
    let hits = search_all(&lists, &[q], &dataset, &opts, want);
    let total = hits.len();
    let results = hits.iter().skip(offset).map(|h| scored(&lists, h, 0.8)).collect();
    Ok(Json(SearchResponse {
        limit,
        offset,
        total: TotalSpec { value: total, relation: if total == want { "gte".into() } else { "eq".into() } },
        results,
        facets: BTreeMap::new(),
    }))
}

/// One entity by id (yente's API).
#[utoipa::path(get, path = "/entities/{id}", tag = "screening",
    params(("id" = String, Path, description = "Entity id, `<list>:<id in the list>` (e.g. `un:6908555`)")),
    responses(
        (status = 200, description = "The entity", body = EntityResponse),
        (status = 404, description = "No such entity", body = crate::error::ErrorBody),
        (status = 503, description = "No lists loaded", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn entity(S(state): S<Arc<State>>, Path(id): Path<String>) -> Result<Json<EntityResponse>, ApiError> {
    let lists = state.lists()?;
    let i = lists.by_id.get(&id).ok_or_else(|| ApiError::not_found(format!("no entity `{id}` on the loaded lists")))?;
    Ok(Json(entity_response(&lists.index().entities[*i])))
}

/// For the reconciliation API: the hits of one name query.
pub fn reconcile_hits(lists: &Arc<Lists>, q: Query, dataset: &str, limit: usize) -> Vec<(EntityResponse, f64, bool)> {
    let opts = SearchOptions { algorithm: Algorithm::Entente, threshold: 0.5, limit };
    search_all(lists, &[q], dataset, &opts, limit)
        .iter()
        .map(|h| {
            let s = scored(lists, h, 0.8);
            (s.entity, s.score, s.is_match)
        })
        .collect()
}

pub fn check_dataset(lists: &Lists, dataset: &str) -> Result<(), ApiError> {
    dataset_check(lists, dataset)
}
