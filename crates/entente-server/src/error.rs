//! Errors as JSON: every error response, whatever produced it (a handler, an extractor's rejection, the body limit,
//! the timeout, an unknown route), has the body `{"error": "...", "status": N}`.

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use axum::response::IntoResponse;
use serde::Serialize;

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, in words.
    pub error: String,
    /// The HTTP status, repeated.
    pub status: u16,
}

/// A failed request: a status and a message.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into() }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl From<entente_app::Error> for ApiError {
    fn from(e: entente_app::Error) -> Self {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError { status, message: e.to_string() }
    }
}

impl From<anyhow::Error> for ApiError {
    /// Errors of the screening library (bad input text: CSV, XML): the request's content is at fault.
    fn from(e: anyhow::Error) -> Self {
        ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, message: format!("{e:#}") }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        json_error(self.status, &self.message)
    }
}

/// A JSON error response.
pub fn json_error(status: StatusCode, message: &str) -> axum::response::Response {
    let body = serde_json::to_vec(&ErrorBody { error: message.to_string(), status: status.as_u16() })
        .unwrap_or_else(|_| b"{\"error\":\"error\",\"status\":500}".to_vec());
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// Middleware: an error response that is not JSON yet (an extractor's rejection, 404/405 from the router, 408 from
/// the timeout, 413 from the body limit) becomes `{"error", "status"}`, keeping its text as the message.
pub async fn jsonify_errors(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(b) if !b.is_empty() => String::from_utf8_lossy(&b).trim().to_string(),
        _ => default_message(status),
    };
    let mut out = json_error(status, &text);
    for (k, v) in parts.headers.iter() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

fn default_message(status: StatusCode) -> String {
    match status {
        StatusCode::NOT_FOUND => "no such route".into(),
        StatusCode::METHOD_NOT_ALLOWED => "method not allowed on this route".into(),
        StatusCode::REQUEST_TIMEOUT => "the request took longer than the server's time limit".into(),
        StatusCode::PAYLOAD_TOO_LARGE => "request body larger than the server's limit".into(),
        s => s.canonical_reason().unwrap_or("error").to_string(),
    }
}
