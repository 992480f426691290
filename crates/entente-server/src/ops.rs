//! Operations: liveness, readiness, list status and reload, key listing.

use crate::error::ApiError;
use crate::state::State;
use axum::extract::State as S;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// `/health` and `/ready` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `not ready`.
    pub status: String,
    pub version: String,
    /// Whether sanctions lists are loaded.
    pub lists: bool,
    /// Whether the dataset is loaded (always, once the server answers).
    pub dataset: bool,
}

/// Liveness: the server answers.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "The server is running", body = Health)))]
pub async fn health(S(state): S<Arc<State>>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        lists: state.lists.load().is_some(),
        dataset: true,
    })
}

/// Readiness: lists and dataset loaded (503 until lists are loaded).
#[utoipa::path(get, path = "/ready", tag = "operations",
    responses(
        (status = 200, description = "Lists and dataset are loaded", body = Health),
        (status = 503, description = "No lists loaded yet", body = Health),
    ))]
pub async fn ready(S(state): S<Arc<State>>) -> (StatusCode, Json<Health>) {
    let lists = state.lists.load().is_some();
    let h = Health {
        status: if lists { "ok" } else { "not ready" }.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        lists,
        dataset: true,
    };
    (if lists { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, Json(h))
}

/// `/api/lists` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListsStatus {
    /// Whether lists are loaded.
    pub loaded: bool,
    /// When the lists in force were loaded (RFC 3339).
    pub loaded_at: Option<String>,
    /// The list store snapshot they came from (null for `--lists` paths).
    pub snapshot: Option<String>,
    /// Where they come from: the list paths, or the store folder.
    pub from: Vec<String>,
    pub entities: usize,
    /// Each list in force, as in the screening audit: list, authority, format, source, published (as written),
    /// published_iso, entities, files (each with its SHA-256), warnings (left out when none).
    #[schema(value_type = Vec<Object>)]
    pub lists: Vec<entente_screen::audit::ListAudit>,
    /// Files under the list folders not read, and why.
    #[schema(value_type = Vec<Object>)]
    pub skipped: Vec<entente_screen::lists::Skipped>,
    /// When the last reload ended and why it failed (null when it succeeded).
    #[schema(value_type = Object)]
    pub last_reload: crate::state::ReloadStatus,
}

fn status(state: &State) -> ListsStatus {
    let l = state.lists.load_full();
    let from = if state.cfg.lists.is_empty() {
        vec![state.cfg.store.display().to_string()]
    } else {
        state.cfg.lists.iter().map(|p| p.display().to_string()).collect()
    };
    let last_reload = state.reload.lock().map(|s| s.clone()).unwrap_or_default();
    match l {
        None => ListsStatus {
            loaded: false,
            loaded_at: None,
            snapshot: None,
            from,
            entities: 0,
            lists: Vec::new(),
            skipped: Vec::new(),
            last_reload,
        },
        Some(l) => ListsStatus {
            loaded: true,
            loaded_at: Some(l.loaded_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            snapshot: l.snapshot().map(str::to_string),
            from,
            entities: l.index().entities.len(),
            lists: l.audit().lists.clone(),
            skipped: l.audit().skipped.clone(),
            last_reload,
        },
    }
}

/// Status of the loaded sanctions lists.
#[utoipa::path(get, path = "/api/lists", tag = "lists",
    responses(
        (status = 200, description = "The lists in force, their dates and checksums, the last reload", body = ListsStatus),
        (status = 401, description = "A key is needed", body = crate::error::ErrorBody),
    ),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn lists(S(state): S<Arc<State>>) -> Json<ListsStatus> {
    Json(status(&state))
}

/// Reload the lists now (role `write`). The new lists replace the old ones whole when they have loaded; on failure
/// the old lists stay and the answer is 422 with the reason.
#[utoipa::path(post, path = "/api/lists/reload", tag = "lists",
    responses(
        (status = 200, description = "Reloaded", body = ListsStatus),
        (status = 401, description = "A key is needed", body = crate::error::ErrorBody),
        (status = 403, description = "The key's role is below `write`", body = crate::error::ErrorBody),
        (status = 422, description = "The lists could not be loaded; the previous ones stay", body = crate::error::ErrorBody),
    ),
    security(("api_key" = []), ("bearer" = [])))]
pub async fn reload(S(state): S<Arc<State>>) -> Result<Json<ListsStatus>, ApiError> {
    state.reload_lists("POST /api/lists/reload").await.map_err(|e| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("reload failed, the previous lists stay in force: {e}"))
    })?;
    Ok(Json(status(&state)))
}

/// A key, without its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyInfo {
    pub id: String,
    pub name: Option<String>,
    /// read, screen, write or admin.
    pub role: String,
    pub created: String,
}

/// The API keys (role `admin`): ids, names, roles, creation times — never a key or its hash.
#[utoipa::path(get, path = "/api/keys", tag = "operations",
    responses(
        (status = 200, description = "The keys", body = Vec<KeyInfo>),
        (status = 401, description = "A key is needed", body = crate::error::ErrorBody),
        (status = 403, description = "The key's role is below `admin`", body = crate::error::ErrorBody),
    ),
    security(("api_key" = []), ("bearer" = [])))]
pub async fn keys(S(state): S<Arc<State>>) -> Json<Vec<KeyInfo>> {
    let v = state.keys.load();
    Json(
        v.store()
            .keys
            .iter()
            .map(|k| KeyInfo {
                id: k.id.clone(),
                name: k.name.clone(),
                role: k.role.to_string(),
                created: k.created.clone(),
            })
            .collect(),
    )
}
