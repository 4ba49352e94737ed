//! What the two HTTP servers (`api`, `peer`) share: no error reply leaves
//! as plain text. axum answers some requests itself — a path no route
//! serves (404), a method a route does not take (405), a body over the
//! limit (413), a body or query string its extractors cannot read (400,
//! 415, 422) — with a plain-text or empty body. [`json_errors`], a
//! middleware on each server's router, turns each such reply into that
//! server's JSON error body, quoting at most [`clip`] of what axum said.
//! And [`cookie`]: one cookie of a request.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::clip::clip;

/// Bytes of a plain error body read to quote it (axum's are a line).
const PLAIN_BODY_LIMIT: usize = 16 * 1024;

/// Runs `req`; an error reply that is not JSON is replaced by
/// `json(status, reason)`, the server's JSON body for it. An HTML page
/// (the dashboard's sign-in page) is written for a person and passes.
pub async fn json_errors(
    req: Request,
    next: Next,
    json: impl FnOnce(StatusCode, String) -> Response,
) -> Response {
    let method = req.method().clone();
    let path = clip(req.uri().path());
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&resp) || is_page(&resp) {
        return resp;
    }
    let said = axum::body::to_bytes(resp.into_body(), PLAIN_BODY_LIMIT)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let reason = match status {
        StatusCode::NOT_FOUND if said.is_empty() => format!("no route serves {method} {path}"),
        StatusCode::METHOD_NOT_ALLOWED => format!("{path} does not take {method}"),
        _ if said.is_empty() => status.canonical_reason().unwrap_or("error").to_string(),
        _ => format!("{path}: {}", clip(&said)),
    };
    json(status, reason)
}

fn is_page(resp: &Response<Body>) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

fn is_json(resp: &Response<Body>) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == HeaderValue::from_static("application/json"))
}

/// The value of the cookie `name` among a request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(name)?.strip_prefix('='))
}
