//! Dashboard sessions: the `entente_session` cookie (HttpOnly; Secure; SameSite=Strict; Path=/), the
//! [`Visitor`] extractor that turns it into a [`Who`], role checks that answer a clear 403 page, and the CSRF
//! guard every dashboard POST passes through ([`csrf_guard`]).
//!
//! CSRF: a form POST (`application/x-www-form-urlencoded`) must carry the session's token in the hidden field
//! `csrf`; any other body (a multipart upload) must carry it in the `X-CSRF-Token` header or the `csrf` query
//! parameter. A POST whose `Origin` (or `Sec-Fetch-Site`) says it comes from another site is refused whatever it
//! carries. `POST /login` has no session yet: only the origin check applies to it.

use crate::state::State;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State as S};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use std::sync::Arc;

pub use entente_store::UserRole;

/// The session cookie's name.
pub const COOKIE: &str = "entente_session";

/// Who is signed in.
#[derive(Debug, Clone)]
pub struct Who {
    pub name: String,
    pub role: UserRole,
    /// The session's CSRF token: every POST form carries it.
    pub csrf: String,
}

/// The visitor of a dashboard page: signed in or not, and whether an anonymous visitor may read.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub who: Option<Who>,
    /// Anonymous visitors may read on a loopback server started without `--require-key`.
    pub anonymous_read: bool,
    /// The path and query asked for (to come back to after signing in).
    pub here: String,
}

impl Visitor {
    /// May read every page: signed in (any role), or anonymous on an open loopback server. Otherwise: to the
    /// sign-in page.
    pub fn reader(&self) -> Result<Option<&Who>, Response> {
        match &self.who {
            Some(w) => Ok(Some(w)),
            None if self.anonymous_read => Ok(None),
            None => Err(self.to_login()),
        }
    }

    /// Signed in with at least `need`; anonymous: to the sign-in page; a smaller role: 403 naming the role.
    pub fn at_least(&self, need: UserRole, what: &str) -> Result<&Who, Response> {
        match &self.who {
            None => Err(self.to_login()),
            Some(w) if w.role < need => Err(super::layout::forbidden(w, need, what)),
            Some(w) => Ok(w),
        }
    }

    fn to_login(&self) -> Response {
        Redirect::to(&format!("/login?next={}", urlencode(&self.here))).into_response()
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|e| e[1..].to_string()).unwrap_or_default()
}

/// The session token a request carries, if any.
pub fn token_of(headers: &axum::http::HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers).get(COOKIE).map(|c| c.value().to_string()).filter(|t| !t.is_empty())
}

/// The signed-in user of a request (None: no cookie, an unknown or expired session, or no store).
pub async fn who(state: &State, headers: &axum::http::HeaderMap) -> Option<Who> {
    let store = state.store.as_ref()?;
    let token = token_of(headers)?;
    let s = store.session(&token).await.ok().flatten()?;
    Some(Who { name: s.user, role: s.role, csrf: s.csrf })
}

impl FromRequestParts<Arc<State>> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<State>) -> Result<Self, Self::Rejection> {
        if let Some(v) = parts.extensions.get::<Visitor>() {
            return Ok(v.clone());
        }
        let who = who(state, &parts.headers).await;
        let here = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/dash".into());
        let v = Visitor { who, anonymous_read: anonymous_read(state), here };
        parts.extensions.insert(v.clone());
        Ok(v)
    }
}

/// Whether anonymous visitors may read the dashboard: on a loopback address without `--require-key`, as for the
/// JSON API's reads.
pub fn anonymous_read(state: &State) -> bool {
    state.loopback && !state.cfg.require_key
}

/// The cookie that holds a new session. It lives as long as the browser session; the store ends the session
/// itself after its lifetime (`entente_store::SESSION_HOURS`).
pub fn session_cookie(token: String) -> Cookie<'static> {
    Cookie::build((COOKIE, token)).http_only(true).secure(true).same_site(SameSite::Strict).path("/").build()
}

/// The cookie to remove from the jar on sign-out (same name and path).
pub fn removal_cookie() -> Cookie<'static> {
    Cookie::build((COOKIE, "")).http_only(true).secure(true).same_site(SameSite::Strict).path("/").build()
}

/// Compares two tokens in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// True when the request says it comes from another site (`Sec-Fetch-Site: cross-site`, or an `Origin` whose
/// host is not the `Host` asked for).
fn cross_site(headers: &axum::http::HeaderMap) -> bool {
    let text = |h| headers.get(h).and_then(|v: &axum::http::HeaderValue| v.to_str().ok());
    if text("sec-fetch-site") == Some("cross-site") {
        return true;
    }
    match (text(header::ORIGIN.as_str()), text(header::HOST.as_str())) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let o = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
            o != host
        }
        _ => false,
    }
}

/// Middleware on the dashboard's routes: every POST passes the origin check, and every POST but `/login` must
/// come from a signed-in session and carry its CSRF token.
pub async fn csrf_guard(S(state): S<Arc<State>>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    if cross_site(req.headers()) {
        return refuse(None, "This form was sent from another site; it was not accepted.");
    }
    if req.uri().path() == "/login" {
        return next.run(req).await;
    }
    let Some(w) = who(&state, req.headers()).await else {
        return super::layout::error_page(
            StatusCode::UNAUTHORIZED,
            "Please sign in",
            "Your session has ended (or you have not signed in). Sign in and send the form again.",
            None,
        );
    };
    let ctype = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let from_header = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
    let from_query = req
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|p| p.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
    if ctype.starts_with("application/x-www-form-urlencoded") {
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, state.cfg.body_limit).await {
            Ok(b) => b,
            Err(_) => {
                return super::layout::error_page(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Form too large",
                    &format!("The form is larger than this server accepts ({} bytes).", state.cfg.body_limit),
                    Some(&w),
                );
            }
        };
        let field = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|p| p.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
        if !field.or(from_header).is_some_and(|t| same_token(&t, &w.csrf)) {
            return refuse(
                Some(&w),
                "The form's security token (field `csrf`) is missing or out of date. Reload the page and send it again.",
            );
        }
        return next.run(Request::from_parts(parts, Body::from(bytes))).await;
    }
    if !from_header.or(from_query).is_some_and(|t| same_token(&t, &w.csrf)) {
        return refuse(
            Some(&w),
            "The request's security token (`csrf`) is missing or out of date. Reload the page and send it again.",
        );
    }
    next.run(req).await
}

fn refuse(who: Option<&Who>, why: &str) -> Response {
    super::layout::error_page(StatusCode::FORBIDDEN, "Request refused", why, who)
}
