//! Who is calling, and may they: [`Child`], the extractor every peer route
//! takes, checks that the connection's certificate is still accepted (see
//! [`super::session`]), the protocol version header and that the
//! certificate names one of this node's configured children. A handler that takes a
//! `Child` cannot run for anyone else; every refusal is logged and counted.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use tracing::warn;

use super::session::Session;
use crate::clip::clip;
use crate::engine::{Direction, LinkEvent, SharedEngine};
use crate::node::NodeId;
use crate::sync::inbound::Refusal;
use crate::sync::wire::{
    self, ErrorBody, MIN_PROTOCOL_VERSION, PROTOCOL_HEADER, PROTOCOL_VERSION, ProtocolMismatch,
    Reason,
};

/// The verified identity of the peer on this connection.
#[derive(Debug, Clone)]
pub struct PeerIdentity {
    pub id: NodeId,
    pub not_after: Option<DateTime<Utc>>,
    pub remote: SocketAddr,
}

/// A configured child of this node, speaking a protocol it accepts.
pub struct Child(pub NodeId);

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
    /// `r` answered with `status` rather than the status of its reason
    /// (axum's own replies keep theirs: see `handlers::json_errors`).
    pub(super) fn with_status(status: StatusCode, r: Refusal) -> Self {
        PeerRefusal {
            status,
            body: serde_json::to_value(ErrorBody {
                reason: r.reason,
                message: r.message,
                manifest: r.manifest.map(|m| *m),
            })
            .unwrap_or_default(),
        }
    }
}

impl From<Refusal> for PeerRefusal {
    fn from(r: Refusal) -> Self {
        PeerRefusal::with_status(status_of(r.reason), r)
    }
}

/// The HTTP status a refused request is answered with.
fn status_of(reason: Reason) -> StatusCode {
    match reason {
        Reason::Protocol | Reason::Malformed => StatusCode::BAD_REQUEST,
        Reason::NotAChild | Reason::Identity | Reason::Tree => StatusCode::FORBIDDEN,
        Reason::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Reason::TopologyStale => StatusCode::CONFLICT,
        Reason::Full => StatusCode::INSUFFICIENT_STORAGE,
        Reason::Shutdown | Reason::Store => StatusCode::SERVICE_UNAVAILABLE,
        Reason::Schema
        | Reason::Fingerprint
        | Reason::Future
        | Reason::NotAllowed
        | Reason::Signature
        | Reason::Unknown => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl FromRequestParts<SharedEngine> for Child {
    type Rejection = PeerRefusal;

    async fn from_request_parts(
        parts: &mut Parts,
        engine: &SharedEngine,
    ) -> Result<Self, Self::Rejection> {
        let Some(session) = parts.extensions.get::<Arc<Session>>() else {
            // The accept loop adds the session to every request; a request
            // without one did not come through it.
            return Err(Refusal::new(Reason::NotAChild, "no verified peer identity").into());
        };
        let peer = &session.peer;
        if let Err(e) = session.recheck() {
            engine.count_refusal(&peer.id, Reason::Identity);
            return Err(Refusal::new(
                Reason::Identity,
                format!("certificate of {} is no longer accepted: {e}", peer.id),
            )
            .into());
        }
        let theirs = match protocol_of(&parts.headers) {
            Ok(v) => v,
            Err(message) => {
                warn!(message = "Refused a peer request without a usable protocol version.", peer = %peer.id, reason = %message);
                return Err(Refusal::new(Reason::Protocol, message).into());
            }
        };
        if !(MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&theirs) {
            let message = wire::mismatch_message(theirs, &format!("peer {}", peer.id));
            warn!(message = "Refused a peer on an incompatible protocol.", peer = %peer.id, reason = %message);
            engine.count_refusal(&peer.id, Reason::Protocol);
            return Err(PeerRefusal {
                status: StatusCode::UPGRADE_REQUIRED,
                body: serde_json::to_value(ProtocolMismatch {
                    reason: Reason::Protocol,
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
                link.record(LinkEvent::Seen {
                    cert_not_after: peer.not_after,
                });
                Ok(Child(peer.id.clone()))
            }
            _ => {
                let reason = format!(
                    "certificate names node {}, which is not a configured child of {}",
                    peer.id, engine.config.id
                );
                warn!(message = "Refused a peer that is not a child of this node.", peer = %peer.id, remote = %peer.remote, reason = %reason);
                engine.count_refusal(&peer.id, Reason::NotAChild);
                Err(Refusal::new(Reason::NotAChild, reason).into())
            }
        }
    }
}

/// The protocol version a request's header names, or why there is none:
/// missing, or what was sent instead of a number (clipped).
fn protocol_of(headers: &axum::http::HeaderMap) -> Result<u32, String> {
    let Some(sent) = headers.get(PROTOCOL_HEADER) else {
        return Err(format!("missing {PROTOCOL_HEADER} header"));
    };
    let text = String::from_utf8_lossy(sent.as_bytes());
    text.trim().parse::<u32>().map_err(|_| {
        format!(
            "{PROTOCOL_HEADER} header {:?} is not a protocol version (a number, e.g. {PROTOCOL_VERSION})",
            clip(&text)
        )
    })
}
