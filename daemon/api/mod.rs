//! The operator API: plain HTTP on a loopback listener, or HTTPS
//! (`[operator.tls]`, [`https`]) on any address; bearer token from a
//! file. Submit and query records, read status, list and settle the
//! quarantine (`quarantine`).
//!
//! Architecture Invariant: only `peer/` and `api/` speak HTTP as servers;
//! this module calls the engine and the store, never the network.

mod assign;
mod bundles;
mod dashboard;
mod https;
mod quarantine;
mod refused;
mod reports;
mod workbench;

use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use crate::health::{StatusReport, status_report};

use crate::clip::clip;
use crate::engine::{Authority, SharedEngine, SubmitError, SubmitRequest};
use crate::i18n::Lang;
use crate::node::NodeId;
use crate::records::{Kind, Record};
use crate::store::RecordFilter;
use crate::trust::{Checked, OpeningKeys, open_clue};
use refused::{Asked, refused};

/// Largest body `POST /api/v1/records` accepts.
const MAX_SUBMIT_BYTES: usize = 64 * 1024 * 1024;
/// Most records one `POST /api/v1/records` may carry (one transaction).
const MAX_SUBMIT_BATCH: usize = 10_000;
/// Longest `wait_ms` a records query may hold.
const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(60);
/// Default and maximum page size of `GET /api/v1/records`.
const DEFAULT_LIMIT: i64 = 1000;
const MAX_LIMIT: i64 = 100_000;

#[derive(Clone)]
struct ApiState {
    engine: SharedEngine,
    /// The bearer token every `/api` request must present.
    token: std::sync::Arc<str>,
    /// The workbench's signed-in people.
    sessions: std::sync::Arc<workbench::Sessions>,
    /// Failed sign-ins, by user name and by address.
    throttle: std::sync::Arc<workbench::SignInThrottle>,
    /// Whether the listener speaks HTTPS: cookies are then `Secure`.
    https: bool,
}

/// An API error: status plus a sentence, answered as `{"code", "reason"}`
/// (the code names the status: [`code_of`]). Every error reply of this
/// API has this body, axum's own too (`crate::http::json_errors`).
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.0,
            Json(json!({ "code": code_of(self.0), "reason": self.1 })),
        )
            .into_response()
    }
}

/// The stable code of an error status, for scripts.
fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        StatusCode::INSUFFICIENT_STORAGE => "full",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_client_error() => "refused",
        _ => "internal",
    }
}

/// axum's own error replies (unknown route, body over the limit, a query
/// that does not parse) in this API's JSON body.
async fn json_errors(req: Request, next: Next) -> Response {
    crate::http::json_errors(req, next, |status, reason| {
        ApiError(status, reason).into_response()
    })
    .await
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        let status = if e.is_full() {
            StatusCode::INSUFFICIENT_STORAGE
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        ApiError(status, e.to_string())
    }
}

/// Serves the operator API until `stop` is cancelled: over TLS when `tls`
/// is given, else plain HTTP (the config allows that on loopback only).
pub async fn serve(
    engine: SharedEngine,
    listener: TcpListener,
    token: String,
    tls: Option<std::sync::Arc<rustls::ServerConfig>>,
    stop: CancellationToken,
) {
    let state = ApiState {
        throttle: std::sync::Arc::new(workbench::SignInThrottle::new(engine.config.sign_in_limit)),
        engine,
        token: token.into(),
        sessions: Default::default(),
        https: tls.is_some(),
    };
    let api = Router::new()
        .route("/api/v1/records", get(list_records).post(submit))
        .route("/api/v1/records/check", post(check))
        .route("/api/v1/records/{id}", get(get_record))
        .route("/api/v1/status", get(status))
        .route("/api/v1/quarantine", get(quarantine::list))
        .route("/api/v1/quarantine/retry", post(quarantine::retry))
        .route("/api/v1/quarantine/discard", post(quarantine::discard))
        .route("/api/v1/reports/coverage", get(reports::coverage))
        .route("/api/v1/reports/stats", get(reports::stats))
        .route("/api/v1/reports/ledger", get(reports::ledger))
        .route("/api/v1/reports/assignments", get(reports::assignments))
        .route("/api/v1/exports/{file}", get(reports::exports))
        .route("/api/v1/supervision/run", post(reports::run_supervision))
        .route("/api/v1/assignments/cross", post(assign::cross))
        .route("/api/v1/assignments/release", post(assign::release))
        .route("/api/v1/bundles", post(bundles::import))
        .route("/api/v1/bundles/export", post(bundles::export))
        .route("/api/v1/users", post(workbench::add_user))
        .route("/api/v1/users/{name}/password", post(workbench::passwd))
        .route(
            "/api/v1/users/{name}/disable",
            post(workbench::disable_user),
        )
        .route("/api/v1/audit", get(workbench::audit))
        .route("/metrics", get(metrics))
        .route("/", get(dashboard_page))
        .layer(middleware::from_fn_with_state(state.clone(), require_token));
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(api)
        .merge(workbench_routes(&listener, state.https))
        .layer(DefaultBodyLimit::max(MAX_SUBMIT_BYTES))
        .layer(middleware::from_fn(json_errors))
        .with_state(state);
    if let Some(tls) = tls {
        let app = app.layer(middleware::map_response(https::hsts));
        return https::serve(listener, tls, app, stop).await;
    }
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await;
    if let Err(e) = result {
        tracing::error!(message = "Operator API stopped with an error.", error = %e);
    }
}

/// The workbench's routes when passwords cannot cross a network in clear:
/// the listener speaks HTTPS, or is on loopback. The config refuses any
/// other address without `[operator.tls]`; this is the second lock.
fn workbench_routes(listener: &TcpListener, https: bool) -> Router<ApiState> {
    match listener.local_addr() {
        Ok(a) if https || a.ip().is_loopback() => workbench::routes(),
        addr => {
            tracing::warn!(
                message = "The workbench (/wb) is not served: the operator listener is not on loopback and has no TLS; passwords would cross the network in clear.",
                listen = ?addr.ok()
            );
            Router::new()
        }
    }
}

async fn require_token(State(state): State<ApiState>, req: Request, next: Next) -> Response {
    let presented = presented_token(&req);
    let from_query = presented.as_ref().is_some_and(|(_, q)| *q);
    let ok = presented.as_ref().is_some_and(|(p, _)| {
        aws_lc_rs::constant_time::verify_slices_are_equal(p.as_bytes(), state.token.as_bytes())
            .is_ok()
    });
    if !ok {
        tracing::warn!(message = "Refused an operator request with a missing or wrong token.", path = %clip(req.uri().path()));
        if req.uri().path() == "/" {
            let asked = Query::<PageQuery>::try_from_uri(req.uri())
                .ok()
                .and_then(|q| q.0.lang.as_deref().and_then(Lang::parse));
            let lang = asked.unwrap_or(state.engine.config.lang);
            return dashboard::sign_in(presented.is_some(), lang);
        }
        return ApiError(
            StatusCode::UNAUTHORIZED,
            "missing or wrong bearer token; use the token from operator.token_file".into(),
        )
        .into_response();
    }
    let mut resp = next.run(req).await;
    if from_query {
        // A browser opened the dashboard with ?token=: keep it in a cookie
        // so the page's own refreshes stay signed in.
        let secure = if state.https { "; Secure" } else { "" };
        let cookie = format!(
            "{TOKEN_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/{secure}",
            state.token
        );
        if let Ok(v) = header::HeaderValue::from_str(&cookie) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    resp
}

/// Cookie that carries the token for the dashboard.
const TOKEN_COOKIE: &str = "xunlian_token";

/// The token a request presents — `Authorization: Bearer`, the `token`
/// query parameter (dashboard links) or the dashboard cookie — and whether
/// it came from the query.
fn presented_token(req: &Request) -> Option<(String, bool)> {
    let h = req.headers();
    if let Some(t) = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some((t.to_string(), false));
    }
    if let Some(q) = req.uri().query()
        && let Some(t) = q.split('&').find_map(|kv| kv.strip_prefix("token="))
    {
        return Some((t.to_string(), true));
    }
    crate::http::cookie(h, TOKEN_COOKIE).map(|t| (t.to_string(), false))
}

async fn healthz(State(state): State<ApiState>) -> impl IntoResponse {
    Json(json!({ "status": "ok", "node": state.engine.config.id }))
}

/// Readiness: 200 when the store takes a write and the parent link is not
/// down past `sync.ready_parent_down_secs`, else 503 with the reasons.
async fn readyz(State(state): State<ApiState>) -> Response {
    let engine = &state.engine;
    let reasons = crate::health::unready_reasons(engine).await;
    let status = if reasons.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let verdict = if reasons.is_empty() {
        "ready"
    } else {
        "unready"
    };
    let body = json!({ "status": verdict, "node": engine.config.id, "reasons": reasons });
    (status, Json(body)).into_response()
}

/// The requests of a submit body: one object, or an array (`many`).
fn submit_requests(body: &[u8]) -> Result<(Vec<SubmitRequest>, bool), ApiError> {
    let many = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let reqs: Vec<SubmitRequest> = if many {
        serde_json::from_slice(body)
    } else {
        serde_json::from_slice(body).map(|r| vec![r])
    }
    .map_err(bad_body)?;
    if reqs.len() > MAX_SUBMIT_BATCH {
        return Err(ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} records in one request; at most {MAX_SUBMIT_BATCH}",
                reqs.len()
            ),
        ));
    }
    Ok((reqs, many))
}

async fn submit(
    State(state): State<ApiState>,
    Asked(lang): Asked,
    body: axum::body::Bytes,
) -> Result<Response, Response> {
    let (reqs, many) = submit_requests(&body).map_err(IntoResponse::into_response)?;
    match state.engine.submit_batch(reqs).await {
        // The stored JSON of each record, as stored: no second serialising.
        Ok(records) if many => {
            let mut out =
                String::with_capacity(records.iter().map(|r| r.doc.len() + 1).sum::<usize>() + 2);
            out.push('[');
            for (k, r) in records.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                out.push_str(&r.doc);
            }
            out.push(']');
            Ok(json_text(StatusCode::CREATED, out))
        }
        Ok(mut records) => Ok(json_text(StatusCode::CREATED, records.remove(0).doc)),
        Err((i, e)) => Err(refused(e, lang, |m| {
            if many {
                format!("records[{i}]: {m}")
            } else {
                m
            }
        })
        .into_response()),
    }
}

/// A request body that is not the JSON a route takes.
fn bad_body(e: serde_json::Error) -> ApiError {
    ApiError(
        StatusCode::BAD_REQUEST,
        format!("request body: {}", clip(&e.to_string())),
    )
}

/// `POST /api/v1/records/check`: what a submit of the same body would
/// do, writing nothing: `{"new", "unchanged", "refused": [{"index",
/// "error"}]}` with every refusal, not only the first (imports check a
/// whole file before writing it as one batch), each in the language
/// asked for.
async fn check(
    State(state): State<ApiState>,
    Asked(lang): Asked,
    body: axum::body::Bytes,
) -> Result<Response, Response> {
    let (reqs, _) = submit_requests(&body).map_err(IntoResponse::into_response)?;
    let c = state
        .engine
        .check_batch(reqs)
        .await
        .map_err(|e| refused(e, lang, |m| m).into_response())?;
    let refused: Vec<_> = c
        .refused
        .iter()
        .map(|(i, e)| json!({"index": i, "error": e.text(lang)}))
        .collect();
    Ok(Json(json!({"new": c.new, "unchanged": c.unchanged, "refused": refused})).into_response())
}

/// A response whose body is JSON text already written.
fn json_text(status: StatusCode, text: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// The HTTP answer to a refused submit, in Chinese; `at` says where in
/// the request. Handlers that know the language asked for use
/// [`refused::refused`].
fn submit_error(e: SubmitError, at: impl Fn(String) -> String) -> ApiError {
    refused(e, Lang::Zh, at).into()
}

/// Query string of `GET /api/v1/records`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    kind: Option<String>,
    round: Option<String>,
    origin: Option<String>,
    /// A change-log position (integer) or an RFC 3339 time.
    since: Option<String>,
    limit: Option<i64>,
    /// When nothing matches, wait up to this long for a record that does.
    wait_ms: Option<u64>,
}

async fn list_records(
    State(state): State<ApiState>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let bad = |m: String| ApiError(StatusCode::BAD_REQUEST, m);
    let mut f = RecordFilter {
        limit: q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        round_id: q.round,
        ..Default::default()
    };
    if let Some(k) = q.kind {
        f.kind = Some(k.parse::<Kind>().map_err(|e| bad(format!("kind: {e}")))?);
    }
    if let Some(o) = q.origin {
        f.origin = Some(NodeId::new(o).map_err(|e| bad(format!("origin: {e}")))?);
    }
    if let Some(s) = q.since {
        if let Ok(seq) = s.parse::<i64>() {
            f.since_seq = Some(seq);
        } else {
            let t = chrono::DateTime::parse_from_rfc3339(&s).map_err(|e| {
                bad(format!(
                    "since: {:?} is neither a seq nor an RFC 3339 time: {e}",
                    clip(&s)
                ))
            })?;
            f.since_time = Some(t.with_timezone(&chrono::Utc).to_rfc3339());
        }
    }
    let wait = std::time::Duration::from_millis(q.wait_ms.unwrap_or(0)).min(MAX_WAIT);
    let deadline = tokio::time::Instant::now() + wait;
    let mut stored = state.engine.subscribe_stored();
    let rows = loop {
        stored.borrow_and_update();
        let rows = state.engine.store().query(&f).await?;
        if !rows.is_empty() || wait.is_zero() {
            break rows;
        }
        match tokio::time::timeout_at(deadline, stored.changed()).await {
            Ok(Ok(())) => continue,
            _ => break rows,
        }
    };
    let last = rows.last().map(|(seq, _)| *seq).unwrap_or(0);
    let authority = state.engine.authority();
    let records: Vec<_> = rows
        .into_iter()
        .map(|(_, r)| as_read(authority.as_deref(), state.engine.opener(), r))
        .collect();
    Ok(([("x-xunlian-last-seq", last.to_string())], Json(records)).into_response())
}

async fn get_record(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let uuid = uuid::Uuid::parse_str(&id).map_err(|e| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("record id {:?}: {e}", clip(&id)),
        )
    })?;
    match state.engine.store().get(&uuid).await? {
        Some(r) => {
            let read = as_read(
                state.engine.authority().as_deref(),
                state.engine.opener(),
                r,
            );
            Ok(Json(read).into_response())
        }
        None => Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no record {id} at this node"),
        )),
    }
}

/// `record` as readers get it: its JSON, the signature's members spelled
/// out ([`crate::records::Signature::members`]), with `verified`, what checking its
/// origin's signature under the tree manifest held says now: `signed`,
/// `legacy` (unsigned, from before the network signed records), `failed`
/// (altered in this store), or `unchecked` (no tree manifest here). A
/// sealed clue this office reads (`opener` opens it) shows its content in
/// clear and `sealed: "opened"`; any other sealed clue keeps its `sealed`
/// box and shows `sealed: "closed"` (`"failed"` if a key of this office
/// is a reader but the box does not open).
fn as_read(
    authority: Option<&Authority>,
    opener: Option<&OpeningKeys>,
    record: Record,
) -> serde_json::Value {
    let verified = match authority.map(|a| a.verifier().check(&record)) {
        None => "unchecked",
        Some(Ok(Checked::Signed(_))) => "signed",
        Some(Ok(Checked::Legacy)) => "legacy",
        Some(Err(_)) => "failed",
    };
    let opened = match (record.body.get("sealed"), opener) {
        (None, _) => None,
        (Some(_), None) => Some(Ok(None)),
        (Some(_), Some(keys)) => Some(open_clue(&record, keys)),
    };
    let signature = record.signature.as_ref().map(|s| s.members());
    let mut v = serde_json::to_value(record).unwrap_or_default();
    v["verified"] = json!(verified);
    if let Some(members) = signature {
        v["signature"] = members;
    }
    match opened {
        None => {}
        Some(Ok(Some(body))) => {
            v["body"] = body;
            v["sealed"] = json!("opened");
        }
        Some(Ok(None)) => v["sealed"] = json!("closed"),
        Some(Err(_)) => v["sealed"] = json!("failed"),
    }
    v
}

async fn status(State(state): State<ApiState>) -> Result<Response, ApiError> {
    Ok(Json(status_report(&state.engine).await?).into_response())
}

/// Query string of the dashboard: `?lang=en` or `?lang=zh` overrides the
/// node's `ui.lang` for this page (its refreshes keep the URL).
#[derive(Debug, Deserialize)]
struct PageQuery {
    lang: Option<String>,
}

async fn dashboard_page(
    State(state): State<ApiState>,
    Query(q): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let lang = q
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(state.engine.config.lang);
    let report = status_report(&state.engine).await?;
    let html = dashboard::render(&state.engine, &report, lang).await?;
    Ok(dashboard::page(StatusCode::OK, html))
}

async fn metrics(State(state): State<ApiState>) -> Result<Response, ApiError> {
    Ok((
        [(
            header::CONTENT_TYPE,
            crate::telemetry::metrics::CONTENT_TYPE,
        )],
        crate::telemetry::metrics::scrape(&state.engine).await?,
    )
        .into_response())
}
