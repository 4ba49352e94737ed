//! The peer listener, HTTP and mTLS only: the accept loop (TLS handshake,
//! the certificate's node id, the connection's [`session`] and its end),
//! the [`auth::Child`] extractor and thin handlers serving this node's
//! children (`/peer/v1/health`, `/peer/v1/push`, `/peer/v1/pull`) that call
//! `sync`, where the protocol lives.
//!
//! Architecture Invariant: a peer's identity is the node id in the
//! certificate it presented, read once per connection after rustls verified
//! the chain, validity and CRL; the chain is checked again under every
//! reload of the TLS files, and a connection whose certificate is then
//! refused is closed. Who may call what is decided in [`auth`] from that
//! identity alone, by an extractor every route takes.

mod auth;
mod handlers;
mod session;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use rustls_pki_types::CertificateDer;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};

pub use auth::PeerIdentity;

use auth::PeerRefusal;
use session::Sessions;

use crate::engine::SharedEngine;
use crate::identity::{self, ServerTls, TlsGeneration};
use crate::sync::inbound::Refusal;
use crate::sync::wire::Reason;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// HTTP/2 streams one child may have open at once. It needs three (hello,
/// a push, its long poll); hyper's default of 200 would let one connection
/// hold far more request state than a child ever needs, times thousands of
/// children on a municipality.
const MAX_STREAMS_PER_CHILD: u32 = 16;

/// Serves the peer API on `listener` until `stop` is cancelled.
pub async fn serve(
    engine: SharedEngine,
    listener: TcpListener,
    tls: Arc<ServerTls>,
    stop: CancellationToken,
    tracker: TaskTracker,
) {
    let shared = Shared {
        app: handlers::router(engine.clone()),
        sessions: Sessions::new(tls.clone()),
        idle_close: engine.config.limits.idle_close,
        stop: stop.clone(),
    };
    tracker.spawn({
        let sessions = shared.sessions.clone();
        let stop = stop.clone();
        async move { sessions.close_refused_on_reload(stop).await }
    });
    loop {
        let (tcp, remote) = tokio::select! {
            _ = stop.cancelled() => return,
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    warn!(message = "Accepting a peer connection failed.", error = %e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        // Read before the config: a reload in between only means one more
        // check of this connection's certificate later.
        let generation = tls.generation();
        let acceptor = TlsAcceptor::from(tls.current());
        let shared = shared.clone();
        tracker.spawn(async move {
            if let Some(stream) = handshake(acceptor, tcp, remote).await {
                shared.serve_connection(stream, remote, generation).await;
            }
        });
    }
}

type PeerStream = tokio_rustls::server::TlsStream<TcpStream>;

async fn handshake(
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    remote: SocketAddr,
) -> Option<PeerStream> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(s)) => Some(s),
        Ok(Err(e)) => {
            warn!(message = "Refused a peer at the TLS handshake.", remote = %remote, reason = %e);
            None
        }
        Err(_) => {
            warn!(message = "Peer did not finish the TLS handshake in time.", remote = %remote);
            None
        }
    }
}

/// What every connection of the listener shares.
#[derive(Clone)]
struct Shared {
    app: Router,
    sessions: Arc<Sessions>,
    idle_close: Duration,
    stop: CancellationToken,
}

impl Shared {
    /// Serves one connection after its handshake (verified under the TLS
    /// generation `generation`) until it ends, is refused, idles out or the
    /// node stops.
    async fn serve_connection(
        &self,
        stream: PeerStream,
        remote: SocketAddr,
        generation: TlsGeneration,
    ) {
        let chain = stream
            .get_ref()
            .1
            .peer_certificates()
            .unwrap_or_default()
            .to_vec();
        let peer = match identify(&chain, remote) {
            Ok(peer) => peer,
            Err(reason) => {
                warn!(message = "Refused a peer certificate without a usable node id.", remote = %remote, reason = %reason);
                refuse_connection(stream, reason).await;
                return;
            }
        };
        debug!(message = "Peer connected.", peer = %peer.id, remote = %remote);
        let registered = self.sessions.open(peer, chain, generation);
        let session = &registered.session;
        let svc = TowerToHyperService::new(
            self.app
                .clone()
                .layer(axum::middleware::from_fn_with_state(
                    session.clone(),
                    session::busy_while_serving,
                ))
                .layer(axum::Extension(session.clone())),
        );
        let http = http_builder();
        let conn = http.serve_connection(TokioIo::new(stream), svc);
        tokio::pin!(conn);
        let mut closing = false;
        loop {
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        debug!(message = "Peer connection ended with an error.", remote = %remote, error = %e);
                    }
                    return;
                }
                _ = self.stop.cancelled() => return,
                // Dropping the connection closes it at once.
                _ = session.refused() => return,
                _ = session.idle(self.idle_close), if !closing => {
                    info!(message = "Closing an idle peer connection.", peer = %session.peer.id, remote = %remote, idle_secs = self.idle_close.as_secs());
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
                _ = tokio::time::sleep(HANDSHAKE_TIMEOUT), if closing => return,
            }
        }
    }
}

/// The identity a verified certificate chain names, or why it names none.
fn identify(chain: &[CertificateDer<'static>], remote: SocketAddr) -> Result<PeerIdentity, String> {
    let Some(cert) = chain.first() else {
        return Err("no client certificate".into());
    };
    let id = identity::peer_node_id(cert).map_err(|e| e.to_string())?;
    Ok(PeerIdentity {
        id,
        not_after: identity::cert_not_after(cert).ok(),
        remote,
    })
}

/// Answers every request on a connection whose certificate chains to the
/// CA but names no node with 403 and `reason`, for a while, then closes it.
async fn refuse_connection(stream: PeerStream, reason: String) {
    let refuse = Router::new().fallback(move || {
        let refusal = Refusal::new(Reason::Identity, format!("client certificate: {reason}"));
        async move { PeerRefusal::from(refusal) }
    });
    let http = http_builder();
    let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(refuse));
    let _ = tokio::time::timeout(HANDSHAKE_TIMEOUT, conn).await;
}

/// The HTTP server settings of a peer connection.
fn http_builder() -> Builder<TokioExecutor> {
    let mut builder = Builder::new(TokioExecutor::new());
    // No Date header: nothing reads it, and on HTTP/2 each new value
    // is a new entry in the connection's header table (kilobytes
    // per child over time).
    builder.http1().auto_date_header(false);
    builder
        .http2()
        .max_concurrent_streams(MAX_STREAMS_PER_CHILD)
        .auto_date_header(false);
    builder
}
