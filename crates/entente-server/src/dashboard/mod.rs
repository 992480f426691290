//! The dashboard: server-rendered HTML pages (maud, auto-escaped) on top of the store, mounted under `/dash`
//! (and `/login`, `/logout`) when `entente serve --db` names one. Pages use session sign-in ([`session`]), not API
//! keys; every POST passes the CSRF guard. No build step and no script is needed: one embedded stylesheet
//! ([`layout::CSS`]).
//!
//! Pages: overview ([`overview`]), evidence with claims, sources and explanations ([`evidence`]), claim and source
//! forms with preview and proposal ([`edit`]), change review ([`changes`]), the audit log ([`audit`]), users and
//! API keys ([`admin`]); screening, batch jobs, list status and alert review are in [`screen`], [`jobs`],
//! [`lists`] and [`alerts`].
//!
//! Handlers answer `Result<Response, Response>`: the error is a whole page (403, 404, a sign-in redirect), so its
//! size is that of any response.
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod alerts;
pub mod audit;
pub mod changes;
pub mod edit;
pub mod evidence;
pub mod jobs;
pub mod layout;
pub mod lists;
pub mod overview;
pub mod screen;
pub mod session;

use crate::state::State;
use axum::extract::{Form, Query, State as S};
use axum::http::{header, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::CookieJar;
use maud::html;
use session::{Visitor, Who};
use std::sync::Arc;

/// Every dashboard route, with the CSRF guard. Merged into the server's router when a store is configured.
pub fn routes(state: Arc<State>) -> Router<Arc<State>> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route(layout::CSS_PATH, get(css))
        .merge(overview::routes())
        .merge(evidence::routes())
        .merge(edit::routes())
        .merge(changes::routes())
        .merge(audit::routes())
        .merge(admin::routes())
        .merge(screen::routes())
        .merge(alerts::routes())
        .merge(lists::routes())
        .merge(jobs::routes())
        .route("/dash/{*rest}", get(unknown_page))
        .layer(from_fn_with_state(state, session::csrf_guard))
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400, immutable"),
        ],
        layout::CSS,
    )
        .into_response()
}

async fn unknown_page(v: Visitor, uri: axum::http::Uri) -> Response {
    layout::error_page(
        StatusCode::NOT_FOUND,
        "Page not found",
        &format!("There is no dashboard page at {}.", uri.path()),
        v.who.as_ref(),
    )
}

/// The store, or a 503 page (the dashboard is mounted only with a store, so this is a safeguard).
pub fn store<'a>(state: &'a State, who: Option<&Who>) -> Result<&'a entente_store::Store, Response> {
    state.store.as_ref().ok_or_else(|| {
        layout::error_page(StatusCode::SERVICE_UNAVAILABLE, "No store", "This server runs without --db.", who)
    })
}

/// A store error as a page.
pub fn store_error(e: impl std::fmt::Display, who: Option<&Who>) -> Response {
    layout::error_page(StatusCode::INTERNAL_SERVER_ERROR, "Store error", &format!("The store failed: {e}"), who)
}

/// Where to go after signing in: a dashboard path only (never another site).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/dash") && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/dash".to_string(),
    }
}

#[derive(serde::Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

fn login_form(next: &str, name: &str, error: Option<&str>) -> maud::Markup {
    html! {
        @if let Some(e) = error { p.notice.bad role="alert" id="login-error" { (e) } }
        form.stack method="post" action="/login" {
            input type="hidden" name="next" value=(next);
            (layout::Field { name: "name", label: "User name", value: name, hint: None, error: None, kind: "text", required: true }.markup())
            (layout::Field { name: "password", label: "Password", value: "", hint: None, error: None, kind: "password", required: true }.markup())
            div.actions { button type="submit" { "Sign in" } }
        }
        p.muted { "Accounts are created by an admin (Admin page, or " code { "entente users add" } "). Five wrong passwords in a row lock an account for 15 minutes." }
    }
}

async fn login_page(v: Visitor, Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    layout::page("Sign in", "", v.who.as_ref(), login_form(&next, "", None))
}

#[derive(serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn login(S(state): S<Arc<State>>, jar: CookieJar, Form(f): Form<LoginForm>) -> Response {
    let next = safe_next(f.next.as_deref());
    let st = match store(&state, None) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let fail = |status: StatusCode, msg: &str| {
        layout::respond(
            status,
            layout::Page { title: "Sign in", nav: "", who: None, main: login_form(&next, &f.name, Some(msg)) }.markup(),
        )
    };
    if f.name.trim().is_empty() || f.password.is_empty() {
        return fail(
            StatusCode::BAD_REQUEST,
            "Enter your user name and your password (field `name`, field `password`).",
        );
    }
    match st.login(f.name.trim(), &f.password).await {
        Ok(user) => match st.create_session(&user.name).await {
            Ok(s) => {
                let jar = jar.add(session::session_cookie(s.token));
                (jar, Redirect::to(&next)).into_response()
            }
            Err(e) => store_error(e, None),
        },
        Err(entente_store::LoginError::Locked { until }) => fail(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "This account is locked after repeated wrong passwords. Try again after {} (UTC).",
                until.replace('T', " ")
            ),
        ),
        Err(entente_store::LoginError::Invalid) => fail(StatusCode::UNAUTHORIZED, "Wrong user name or password."),
        Err(e) => store_error(e, None),
    }
}

async fn logout(S(state): S<Arc<State>>, jar: CookieJar) -> Response {
    if let (Some(st), Some(token)) = (state.store.as_ref(), jar.get(session::COOKIE).map(|c| c.value().to_string())) {
        if let Err(e) = st.end_session(&token).await {
            return store_error(e, None);
        }
    }
    (jar.remove(session::removal_cookie()), Redirect::to("/login")).into_response()
}
