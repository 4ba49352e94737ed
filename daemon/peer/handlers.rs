//! The peer routes: each takes an authorised [`Child`] (see
//! [`super::auth`]), parses the body and hands the work to `sync`
//! (`inbound` for hello and push, `outbound` for pull, `recover` for a
//! restored child's own records).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::SizeAbove;
use tower_http::decompression::RequestDecompressionLayer;
use tracing::warn;

use super::auth::{Child, PeerRefusal};
use crate::clip::clip;
use crate::engine::SharedEngine;
use crate::node::NodeId;
use crate::sync::inbound::{self, Refusal};
use crate::sync::outbound::serve_pull;
use crate::sync::wire::{self, COMPRESS_ABOVE, Reason};

pub fn router(engine: SharedEngine) -> Router {
    // Room for JSON framing around a full batch.
    let limit = engine.config.limits.max_batch_bytes * 2 + 64 * 1024;
    Router::new()
        .route(wire::PATH_HEALTH, post(health))
        .route(wire::PATH_PUSH, post(push))
        .route(wire::PATH_PULL, post(pull))
        .route(wire::PATH_RECOVER, post(recover))
        .layer(DefaultBodyLimit::max(limit))
        // Inside compression, so it reads axum's plain bodies as written.
        .layer(middleware::from_fn(json_errors))
        // Outside the limit, so the limit bounds the decompressed size.
        .layer(RequestDecompressionLayer::new())
        .layer(CompressionLayer::new().compress_when(SizeAbove::new(COMPRESS_ABOVE)))
        .with_state(engine)
}

/// axum's own error replies (unknown path, body over the limit, a body
/// that does not decompress) in the protocol's error body, [`ErrorBody`]
/// (`wire`), with their status: a child logs the reason.
async fn json_errors(req: Request, next: Next) -> Response {
    crate::http::json_errors(req, next, |status, message| {
        let reason = match status {
            StatusCode::PAYLOAD_TOO_LARGE => Reason::TooLarge,
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => Reason::Protocol,
            s if s.is_client_error() => Reason::Malformed,
            _ => Reason::Unknown,
        };
        PeerRefusal::with_status(status, Refusal::new(reason, message)).into_response()
    })
    .await
}

fn parse<T: DeserializeOwned>(peer: &NodeId, body: &Bytes) -> Result<T, Refusal> {
    serde_json::from_slice(body).map_err(|e| {
        let e = clip(&e.to_string());
        warn!(message = "Refused a malformed peer request.", peer = %peer, reason = %e);
        Refusal::new(Reason::Malformed, format!("request body: {e}"))
    })
}

async fn health(
    State(engine): State<SharedEngine>,
    Child(child): Child,
    body: Bytes,
) -> Result<Response, PeerRefusal> {
    let req = parse(&child, &body)?;
    Ok(Json(inbound::hello(&engine, &child, req).await?).into_response())
}

async fn push(
    State(engine): State<SharedEngine>,
    Child(child): Child,
    body: Bytes,
) -> Result<Response, PeerRefusal> {
    let _permit = engine
        .push_permit(body.len())
        .await
        .ok_or_else(|| Refusal::new(Reason::Shutdown, "node is stopping"))?;
    let req = parse(&child, &body)?;
    Ok(Json(inbound::push(&engine, &child, req).await?).into_response())
}

async fn pull(
    State(engine): State<SharedEngine>,
    Child(child): Child,
    body: Bytes,
) -> Result<Response, PeerRefusal> {
    let req = parse(&child, &body)?;
    // The body is a slice of the connection's read buffer: held through
    // the long poll, it would pin that buffer (kilobytes per waiting child).
    drop(body);
    let resp = serve_pull(&engine, &child, &req)
        .await
        .map_err(Refusal::from)?;
    Ok(Json(resp).into_response())
}

async fn recover(
    State(engine): State<SharedEngine>,
    Child(child): Child,
    body: Bytes,
) -> Result<Response, PeerRefusal> {
    let req = parse(&child, &body)?;
    let resp = crate::sync::recover::serve(&engine, &child, &req)
        .await
        .map_err(Refusal::from)?;
    Ok(Json(resp).into_response())
}
