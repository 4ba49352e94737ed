//! The peer routes. Each handler authorises the caller first (see
//! [`super::auth`]), then hands the work to the engine and `sync::outbound`.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use chrono::Utc;
use serde::de::DeserializeOwned;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::SizeAbove;
use tower_http::decompression::RequestDecompressionLayer;
use tracing::{debug, warn};

use super::auth::{PeerIdentity, PeerRefusal, authorize_child};
use crate::engine::SharedEngine;
use crate::records::Lane;
use crate::routing::Source;
use crate::store::{Commit, CursorPos, TopologyEntry};
use crate::sync::outbound::serve_pull;
use crate::sync::wire::{
    self, HelloRequest, HelloResponse, LaneCursor, Limits, PullRequest, PushRequest, PushResponse,
};

/// Bodies larger than this are gzip-compressed on the wire (large
/// backlogs); small ones are not worth the CPU.
pub const COMPRESS_ABOVE: u16 = 16 * 1024;

pub fn router(engine: SharedEngine) -> Router {
    // Room for JSON framing around a full batch.
    let limit = engine.config.limits.max_batch_bytes * 2 + 64 * 1024;
    Router::new()
        .route(wire::PATH_HEALTH, post(health))
        .route(wire::PATH_PUSH, post(push))
        .route(wire::PATH_PULL, post(pull))
        .layer(DefaultBodyLimit::max(limit))
        // Outside the limit, so the limit bounds the decompressed size.
        .layer(RequestDecompressionLayer::new())
        .layer(CompressionLayer::new().compress_when(SizeAbove::new(COMPRESS_ABOVE)))
        .with_state(engine)
}

fn parse<T: DeserializeOwned>(peer: &PeerIdentity, body: &Bytes) -> Result<T, PeerRefusal> {
    serde_json::from_slice(body).map_err(|e| {
        warn!(message = "Refused a malformed peer request.", peer = %peer.id, reason = %e);
        PeerRefusal::new(
            StatusCode::BAD_REQUEST,
            "malformed",
            format!("request body: {e}"),
        )
    })
}

fn internal(e: crate::store::StoreError) -> PeerRefusal {
    warn!(message = "Peer request failed inside this node.", error = %e);
    if e.is_full() {
        return PeerRefusal::new(StatusCode::INSUFFICIENT_STORAGE, "full", e.to_string());
    }
    PeerRefusal::new(StatusCode::SERVICE_UNAVAILABLE, "store", e.to_string())
}

async fn health(
    State(engine): State<SharedEngine>,
    Extension(peer): Extension<PeerIdentity>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PeerRefusal> {
    let child = authorize_child(&engine, &peer, &headers)?;
    let req: HelloRequest = parse(&peer, &body)?;
    if req.node != child {
        return Err(PeerRefusal::new(
            StatusCode::FORBIDDEN,
            "identity",
            format!("hello names {} but the certificate names {child}", req.node),
        ));
    }
    let mut entries = vec![TopologyEntry {
        node: child.clone(),
        parent: engine.config.id.clone(),
        level: req.level,
        name: req.name.clone(),
    }];
    let announced = crate::engine::topology_hash(&req.subtree);
    entries.extend(req.subtree);
    engine
        .learn_subtree(&child, entries, announced)
        .await
        .map_err(internal)?;
    crate::sync::outbound::reroute_parked(&engine)
        .await
        .map_err(internal)?;
    if let Some(l) = engine.link(&child) {
        l.update(|s| {
            s.connected = true;
            s.peer_version = Some(req.software_version.clone());
        });
    }
    let mut cursors = Vec::new();
    for lane in Lane::ALL {
        if let Some(pos) = engine.store.cursor(&child, lane).await.map_err(internal)? {
            cursors.push(LaneCursor { lane, pos });
        }
    }
    let limits = &engine.config.limits;
    debug!(message = "Child said hello.", peer = %child, version = %req.software_version);
    Ok(Json(HelloResponse {
        node: engine.config.id.clone(),
        level: engine.config.level,
        name: engine.config.name.clone(),
        software_version: wire::SOFTWARE_VERSION.into(),
        generation: engine.store.generation(),
        ancestors: engine.ancestors_for_child(),
        cursors,
        limits: Limits {
            max_record_bytes: limits.max_record_bytes,
            max_batch_records: limits.max_batch_records,
            max_batch_bytes: limits.max_batch_bytes,
        },
    })
    .into_response())
}

async fn push(
    State(engine): State<SharedEngine>,
    Extension(peer): Extension<PeerIdentity>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PeerRefusal> {
    let child = authorize_child(&engine, &peer, &headers)?;
    let link = engine.link(&child);
    let _permit = engine.push_permit(body.len()).await.ok_or_else(|| {
        PeerRefusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutdown",
            "node is stopping".into(),
        )
    })?;
    let req: PushRequest = parse(&peer, &body)?;
    if !engine.announced_matches(&child, &req.subtree_hash) {
        debug!(message = "Child's subtree changed since its hello; asking it to announce again.", peer = %child);
        return Err(PeerRefusal::new(
            StatusCode::CONFLICT,
            "topology_stale",
            "the subtree you push for differs from what you announced; say hello again".into(),
        ));
    }
    let limits = &engine.config.limits;
    if req.records.len() > limits.max_batch_records {
        if let Some(l) = link {
            l.refused("too_large");
        }
        return Err(PeerRefusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "batch of {} records exceeds the limit of {}",
                req.records.len(),
                limits.max_batch_records
            ),
        ));
    }
    let batch = engine.admit_batch(&child, &Source::Child(child.clone()), &req.records);
    let mut last: [Option<CursorPos>; 2] = [None, None];
    for item in &req.records {
        let slot = &mut last[item.lane.as_i64() as usize];
        if slot.as_ref().is_none_or(|p| p.seq < item.seq) {
            *slot = Some(CursorPos {
                generation: req.generation.clone(),
                seq: item.seq,
                chain: item.chain.clone(),
            });
        }
    }
    let cursors: Vec<(Lane, CursorPos)> = Lane::ALL
        .into_iter()
        .zip(last)
        .filter_map(|(lane, pos)| pos.map(|p| (lane, p)))
        .collect();
    let bytes_in = batch.bytes;
    let applied = engine
        .commit(Commit {
            from: Some(child.clone()),
            items: batch.admitted,
            cursors,
            quarantine: batch.quarantine,
        })
        .await
        .map_err(internal)?
        .applied;
    let stored = applied
        .iter()
        .filter(|a| matches!(a, crate::store::Applied::Stored { .. }))
        .count();
    if let Some(l) = link {
        l.update(|s| {
            s.connected = true;
            s.last_push_ok = Some(Utc::now());
            s.records_in += req.records.len() as u64;
            s.bytes_in += bytes_in;
        });
    }
    let mut out = Vec::new();
    for lane in Lane::ALL {
        if let Some(pos) = engine.store.cursor(&child, lane).await.map_err(internal)? {
            out.push(LaneCursor { lane, pos });
        }
    }
    Ok(Json(PushResponse {
        cursors: out,
        stored,
        unchanged: applied.len() - stored,
        refused: batch.refused,
    })
    .into_response())
}

async fn pull(
    State(engine): State<SharedEngine>,
    Extension(peer): Extension<PeerIdentity>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PeerRefusal> {
    let child = authorize_child(&engine, &peer, &headers)?;
    let req: PullRequest = parse(&peer, &body)?;
    // The body is a slice of the connection's read buffer: held through
    // the long poll, it would pin that buffer (kilobytes per waiting child).
    drop((headers, body));
    for r in &req.refused {
        warn!(
            message = "Child refused a record this node sent it.",
            peer = %child,
            record = %r.id,
            reason = %r.reason
        );
    }
    let resp = serve_pull(&engine, &child, &req).await.map_err(internal)?;
    if let Some(l) = engine.link(&child) {
        let n = resp.records.len() as u64;
        let bytes: u64 = resp
            .records
            .iter()
            .map(|i| i.record.get().len() as u64)
            .sum();
        l.update(|s| {
            s.connected = true;
            s.last_pull_ok = Some(Utc::now());
            s.records_out += n;
            s.bytes_out += bytes;
        });
    }
    Ok(Json(resp).into_response())
}
