//! The access log and server events: one JSON object per line on standard error. A request line has `time`,
//! `method`, `path` (without the query string, which may hold screened names), `status`, `duration_ms` and `key`
//! (the key's id, or null; never the key).

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use std::io::Write;

/// The key id that authenticated a request, put in the response's extensions by the auth layer.
#[derive(Debug, Clone)]
pub struct KeyId(pub String);

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn write_line(v: &serde_json::Value) {
    let mut line = v.to_string();
    line.push('\n');
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// A server event (start, reload, key store re-read, shutdown).
pub fn event(kind: &str, message: &str) {
    write_line(&serde_json::json!({ "time": now(), "event": kind, "message": message }));
}

/// Middleware: one line per request.
pub async fn access_log(req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let key = resp.extensions().get::<KeyId>().map(|k| k.0.clone());
    write_line(&serde_json::json!({
        "time": now(),
        "method": method,
        "path": path,
        "status": resp.status().as_u16(),
        "duration_ms": (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
        "key": key,
    }));
    resp
}
