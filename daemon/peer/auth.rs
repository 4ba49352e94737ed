//! Who is calling, and may they: the protocol version check and the
//! certificate-identity check every peer request goes through.

use std::net::SocketAddr;

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use tracing::warn;

use crate::engine::{Direction, Engine};
use crate::node::NodeId;
use crate::sync::wire::{
    self, ErrorBody, MIN_PROTOCOL_VERSION, PROTOCOL_HEADER, PROTOCOL_VERSION, ProtocolMismatch,
};

/// The verified identity of the peer on this connection.
#[derive(Debug, Clone)]
pub struct PeerIdentity {
    pub id: NodeId,
    pub not_after: Option<DateTime<Utc>>,
    pub remote: SocketAddr,
}

/// A refused peer request, answered with a JSON reason.
pub struct PeerRefusal {
    status: StatusCode,
    body: serde_json::Value,
}

impl IntoResponse for PeerRefusal {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(self.body)).into_response();
        r.headers_mut()
            .insert(PROTOCOL_HEADER, PROTOCOL_VERSION.into());
        r
    }
}

impl PeerRefusal {
    pub fn new(status: StatusCode, reason: &str, message: String) -> Self {
        PeerRefusal {
            status,
            body: serde_json::to_value(ErrorBody {
                reason: reason.to_string(),
                message,
            })
            .unwrap_or_default(),
        }
    }
}

/// Checks the request's protocol version and that the certificate names one
/// of this node's configured children. Logs and counts every refusal.
pub fn authorize_child(
    engine: &Engine,
    peer: &PeerIdentity,
    headers: &HeaderMap,
) -> Result<NodeId, PeerRefusal> {
    let theirs = headers
        .get(PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u32>().ok());
    let Some(theirs) = theirs else {
        warn!(message = "Refused a peer request without a protocol version.", peer = %peer.id);
        return Err(PeerRefusal::new(
            StatusCode::BAD_REQUEST,
            "protocol",
            format!("missing {PROTOCOL_HEADER} header"),
        ));
    };
    if !(MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&theirs) {
        let message = wire::mismatch_message(theirs, &format!("peer {}", peer.id));
        warn!(message = "Refused a peer on an incompatible protocol.", peer = %peer.id, reason = %message);
        if let Some(l) = engine.link(&peer.id) {
            l.refused("protocol");
        }
        return Err(PeerRefusal {
            status: StatusCode::UPGRADE_REQUIRED,
            body: serde_json::to_value(ProtocolMismatch {
                reason: "protocol".into(),
                message,
                server_protocol: PROTOCOL_VERSION,
                server_min_protocol: MIN_PROTOCOL_VERSION,
                server_software: wire::SOFTWARE_VERSION.into(),
            })
            .unwrap_or_default(),
        });
    }
    match engine.link(&peer.id) {
        Some(link) if link.direction == Direction::Child => {
            link.update(|s| {
                s.last_seen = Some(Utc::now());
                s.peer_cert_not_after = peer.not_after;
            });
            Ok(peer.id.clone())
        }
        _ => {
            let reason = format!(
                "certificate names node {}, which is not a configured child of {}",
                peer.id, engine.config.id
            );
            warn!(message = "Refused a peer that is not a child of this node.", peer = %peer.id, remote = %peer.remote, reason = %reason);
            Err(PeerRefusal::new(
                StatusCode::FORBIDDEN,
                "not_a_child",
                reason,
            ))
        }
    }
}
