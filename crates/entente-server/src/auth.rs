//! Who may do what. Each route needs a role ([`required`]); a request's role comes from its key
//! (`Authorization: Bearer <key>` or `X-API-Key: <key>`). Without a key, a request on a loopback address may read
//! and screen (unless `--require-key`), and nothing else; on any other address it may do nothing but `/health`,
//! `/ready`, `/openapi.json` and `/docs`. A key that is presented and wrong is 401 everywhere; a valid key with too
//! small a role is 403.

use crate::error::json_error;
use crate::keys::{Check, Role};
use crate::log::KeyId;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The role a route needs; None: open to all.
pub fn required(method: &Method, route: &str) -> Option<Role> {
    match route {
        "/health" | "/ready" | "/openapi.json" | "/docs" | "/" => None,
        "/api/lists/reload" => Some(Role::Write),
        "/api/keys" => Some(Role::Admin),
        "/api/screen"
        | "/api/screen/batch"
        | "/match/{dataset}"
        | "/search/{dataset}"
        | "/entities/{id}"
        | "/reconcile/{dataset}" => Some(Role::Screen),
        _ if *method == Method::GET || *method == Method::HEAD => Some(Role::Read),
        // An unknown method on a known route, or an unknown route: the router answers 404/405 after us.
        _ => Some(Role::Read),
    }
}

/// The role of a request without a key: read and screen on a loopback address (unless `--require-key`), nothing
/// elsewhere.
pub fn anonymous_role(loopback: bool, require_key: bool) -> Option<Role> {
    (loopback && !require_key).then_some(Role::Screen)
}

/// The key a request presents. Two different keys (in `Authorization` and `X-API-Key`) are an error; so is a
/// header that is not text.
fn presented_key(req: &Request) -> Result<Option<String>, &'static str> {
    let h = req.headers();
    let text = |name| -> Result<Option<&str>, &'static str> {
        match h.get(name) {
            None => Ok(None),
            Some(v) => v.to_str().map(|s| Some(s.trim())).map_err(|_| "the key header is not text"),
        }
    };
    let bearer = text(header::AUTHORIZATION)?
        .map(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")).unwrap_or(v).trim());
    let api_key = text(header::HeaderName::from_static("x-api-key"))?;
    match (bearer, api_key) {
        (Some(a), Some(b)) if a != b => Err("two different keys presented (Authorization and X-API-Key)"),
        (Some(k), _) | (None, Some(k)) => Ok(Some(k.to_string())),
        (None, None) => Ok(None),
    }
}

fn unauthorized(message: &str) -> Response {
    let mut r = json_error(StatusCode::UNAUTHORIZED, message);
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"entente\""));
    r
}

/// Middleware: checks the request's key against the route's role.
pub async fn authorize(State(state): State<Arc<crate::state::State>>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let need = match &route {
        Some(r) => required(req.method(), r),
        None => Some(Role::Read), // unknown route: still not answered to strangers
    };
    let key = match presented_key(&req) {
        Ok(k) => k,
        Err(why) => return unauthorized(why),
    };
    let (role, id) = match &key {
        Some(k) => {
            let verifier = state.keys.load_full();
            // A key seen before costs a lookup; a new one an argon2 verification, on the blocking pool.
            let check = match verifier.cached(k) {
                Some(c) => c,
                None => {
                    let k = k.clone();
                    match tokio::task::spawn_blocking(move || verifier.check(&k)).await {
                        Ok(c) => c,
                        Err(_) => Check::Invalid,
                    }
                }
            };
            match check {
                Check::Valid { id, role } => (Some(role), Some(id)),
                Check::Invalid => return unauthorized("the API key is not valid"),
            }
        }
        None => (anonymous_role(state.loopback, state.cfg.require_key), None),
    };
    if let Some(need) = need {
        match role {
            None => {
                return unauthorized(&format!(
                    "this request needs an API key with role `{need}` (Authorization: Bearer <key> or X-API-Key)"
                ))
            }
            Some(r) if r < need && key.is_none() => {
                return unauthorized(&format!(
                    "this request needs an API key with role `{need}`; without a key only reading and screening are open on a loopback address"
                ))
            }
            Some(r) if r < need => {
                let mut resp = json_error(
                    StatusCode::FORBIDDEN,
                    &format!("this API key has role `{r}`; this request needs `{need}`"),
                );
                if let Some(id) = id {
                    resp.extensions_mut().insert(KeyId(id));
                }
                return resp;
            }
            Some(_) => {}
        }
    }
    let mut resp = next.run(req).await;
    if let Some(id) = id {
        resp.extensions_mut().insert(KeyId(id));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strangers_may_read_and_screen_on_loopback_only() {
        let loopback = |a: &str| a.parse::<std::net::SocketAddr>().unwrap().ip().is_loopback();
        assert_eq!(anonymous_role(loopback("127.0.0.1:8080"), false), Some(Role::Screen));
        assert_eq!(anonymous_role(loopback("[::1]:8080"), false), Some(Role::Screen));
        assert_eq!(anonymous_role(loopback("127.0.0.1:8080"), true), None);
        assert_eq!(anonymous_role(loopback("0.0.0.0:8080"), false), None);
        assert_eq!(anonymous_role(loopback("10.1.2.3:8080"), false), None);
    }

    #[test]
    fn routes_need_the_documented_roles() {
        assert_eq!(required(&Method::GET, "/health"), None);
        assert_eq!(required(&Method::GET, "/api/assess"), Some(Role::Read));
        assert_eq!(required(&Method::POST, "/match/{dataset}"), Some(Role::Screen));
        assert_eq!(required(&Method::POST, "/api/lists/reload"), Some(Role::Write));
        assert_eq!(required(&Method::GET, "/api/keys"), Some(Role::Admin));
    }
}
