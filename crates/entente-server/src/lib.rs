//! `entente serve`: the HTTP front end. The same application functions and renderers as the CLI
//! (`entente-app`, `entente-report`) behind a JSON API, with yente-compatible matching (`/match`, `/search`,
//! `/entities`), the OpenRefine reconciliation API, an OpenAPI 3.1 document (`/openapi.json`) and a docs page
//! (`/docs`) that loads nothing from elsewhere.
//!
//! Operations: API keys with roles ([`keys`], [`auth`]), request body and time limits, no CORS headers, one JSON
//! access-log line per request on standard error ([`log`]), graceful shutdown on SIGTERM or Ctrl-C, and list
//! reloads on SIGHUP, on `POST /api/lists/reload` and when the list store's current snapshot changes (`entente lists
//! fetch`), built off the request threads and swapped in whole ([`state::State::reload_lists`]).
//!
//! Architecture invariant: no workflow here — each handler parses its request into the application's types, calls
//! `entente-app`, and renders with `entente-report`, exactly as the CLI does.

pub mod auth;
pub mod dashboard;
pub mod docs;
pub mod error;
pub mod keys;
pub mod log;
pub mod model;
pub mod ops;
pub mod reconcile;
pub mod screen;
pub mod state;
pub mod yente;

pub use state::{Config, State};

use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use utoipa::OpenApi;

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "entente", description = "Estimates of the Russia–DPRK arms-for-compensation flows and sanctions screening. \
        Errors are `{\"error\": \"...\", \"status\": N}`. Without a key, a loopback server answers reads and screening; \
        any other address needs a key (`Authorization: Bearer <key>` or `X-API-Key`)."),
    paths(
        ops::health, ops::ready, ops::lists, ops::reload, ops::keys,
        model::assess, model::explain, model::compare, model::sensitivity, model::history, model::timeline,
        model::trade, model::meetings, model::report,
        screen::screen, screen::batch,
        yente::match_entities, yente::search, yente::entity,
        reconcile::reconcile_get, reconcile::reconcile_post,
    ),
    components(schemas(error::ErrorBody, model::FormatParam, screen::ScreenFormat)),
    modifiers(&SecurityAddon),
    tags(
        (name = "model", description = "The assessment: the CLI's model commands, same bytes for the same seed"),
        (name = "screening", description = "Sanctions screening: entente's API, yente's API, OpenRefine reconciliation"),
        (name = "lists", description = "The sanctions lists in force"),
        (name = "operations", description = "Health, readiness, keys"),
    )
)]
pub struct ApiDoc;

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))));
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document as JSON.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

async fn openapi_handler() -> impl axum::response::IntoResponse {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ([(axum::http::header::CONTENT_TYPE, "application/json")], DOC.get_or_init(openapi_json).clone())
}

async fn not_found(uri: axum::http::Uri) -> crate::error::ApiError {
    crate::error::ApiError::not_found(format!("no route {} (see /docs)", uri.path()))
}

/// The application: every route and layer.
pub fn router(state: Arc<State>) -> Router {
    let cfg = &state.cfg;
    let index =
        if state.store.is_some() { get(|| async { axum::response::Redirect::to("/dash") }) } else { get(docs::index) };
    let api = Router::new()
        .route("/", index)
        .route("/docs", get(docs::page))
        .route("/openapi.json", get(openapi_handler))
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .route("/api/lists", get(ops::lists))
        .route("/api/lists/reload", post(ops::reload))
        .route("/api/keys", get(ops::keys))
        .route("/api/assess", get(model::assess))
        .route("/api/explain/{item}", get(model::explain))
        .route("/api/compare", get(model::compare))
        .route("/api/sensitivity", get(model::sensitivity))
        .route("/api/history", get(model::history))
        .route("/api/timeline", get(model::timeline))
        .route("/api/trade", get(model::trade))
        .route("/api/meetings", get(model::meetings))
        .route("/api/report", get(model::report))
        .route("/api/screen", post(screen::screen))
        .route("/api/screen/batch", post(screen::batch).layer(DefaultBodyLimit::max(cfg.batch_limit)))
        .route("/match/{dataset}", post(yente::match_entities))
        .route("/search/{dataset}", get(yente::search))
        .route("/entities/{id}", get(yente::entity))
        .route("/reconcile/{dataset}", get(reconcile::reconcile_get).post(reconcile::reconcile_post))
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), auth::authorize))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            cfg.timeout,
        ))
        .layer(from_fn(error::jsonify_errors));
    // The dashboard (with a store): HTML pages with session sign-in, outside the API's key check and JSON errors.
    let app = match &state.store {
        Some(_) => api.merge(dashboard::routes(state.clone()).layer(
            tower_http::timeout::TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, cfg.timeout),
        )),
        None => api,
    };
    app.layer(DefaultBodyLimit::max(cfg.body_limit)).layer(from_fn(log::access_log)).with_state(state)
}

/// A server running on a runtime: its address and a way to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.done.await.unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

/// Loads everything, binds `cfg.addr` (port 0: any free port) and serves on the current runtime until
/// [`Running::stop`]. Background tasks (store polling, key store re-reading, SIGHUP) run beside it.
pub async fn start(cfg: Config) -> anyhow::Result<Running> {
    let listener = tokio::net::TcpListener::bind(cfg.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.addr))?;
    let addr = listener.local_addr()?;
    let cfg = Config { addr, ..cfg };
    let store = match &cfg.db {
        Some(url) => Some(
            entente_store::open(url)
                .await
                .map_err(|e| anyhow::anyhow!("cannot open the store {}: {e}", redact(url)))?,
        ),
        None => None,
    };
    let mut state = tokio::task::spawn_blocking(move || State::load(cfg)).await??;
    state.store = store;
    if state.store.is_some() {
        // The ledger must assemble into a valid dataset before the server answers.
        state.current_dataset().await.map_err(|e| anyhow::anyhow!("{}", e.message))?;
    }
    let state = Arc::new(state);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    spawn_watchers(state.clone());
    let app = router(state.clone());
    let done = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service())
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    Ok(Running { addr, state, stop: Some(tx), done })
}

/// A store URL without its password (`postgres://user:secret@host/db` → `postgres://user:***@host/db`), for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (auth, host) = match rest.rsplit_once('@') {
        Some(p) => p,
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Polls the list store's `current` file and the key store, and reloads on SIGHUP.
fn spawn_watchers(state: Arc<State>) {
    let s = state.clone();
    tokio::spawn(async move {
        let mut last = s.store_current();
        let mut tick = tokio::time::interval(s.cfg.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let st = s.clone();
            let _ = tokio::task::spawn_blocking(move || st.refresh_keys()).await;
            let now = s.store_current();
            if now.is_some() && now != last {
                let why = format!("the list store's current snapshot is now {}", now.as_deref().unwrap_or(""));
                // A failed reload is tried again at the next change only; the reason is logged and in /api/lists.
                let _ = s.reload_lists(&why).await;
                last = now;
            }
        }
    });
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hup) = signal(SignalKind::hangup()) else { return };
        while hup.recv().await.is_some() {
            let _ = state.reload_lists("SIGHUP").await;
        }
    });
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Runs the server until `until` resolves, then shuts down gracefully.
pub async fn serve_until(cfg: Config, until: impl Future<Output = ()>) -> anyhow::Result<()> {
    let r = start(cfg).await?;
    let lists = r.state.lists.load().as_ref().map(|l| l.index().entities.len());
    log::event(
        "start",
        &format!(
            "entente {} listening on http://{} ({}; {}; docs at /docs{})",
            env!("CARGO_PKG_VERSION"),
            r.addr,
            match lists {
                Some(n) => format!("{n} list entities"),
                None => "no lists loaded".into(),
            },
            if r.state.loopback && !r.state.cfg.require_key {
                "loopback: reads and screening open without a key".to_string()
            } else {
                "every request needs a key".to_string()
            },
            match &r.state.cfg.db {
                Some(db) => format!("; dashboard at /dash on the store {}", redact(db)),
                None => String::new(),
            }
        ),
    );
    until.await;
    log::event("shutdown", "stopping: finishing requests in flight");
    r.stop().await?;
    log::event("shutdown", "stopped");
    Ok(())
}

/// `entente serve`: builds a runtime and serves until SIGTERM or Ctrl-C.
pub fn serve(cfg: Config) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(serve_until(cfg, shutdown_signal()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn store_urls_lose_their_password_in_messages() {
        assert_eq!(super::redact("postgres://ana:s3cret@db:5432/entente"), "postgres://ana:***@db:5432/entente");
        assert_eq!(super::redact("postgres://ana@db/entente"), "postgres://ana@db/entente");
        assert_eq!(super::redact("/var/lib/entente.db"), "/var/lib/entente.db");
    }
}
