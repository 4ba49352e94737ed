//! The peer listener, HTTP and mTLS only: the accept loop (TLS handshake,
//! the certificate's node id), the [`auth::Child`] extractor and thin
//! handlers serving this node's children (`/peer/v1/health`,
//! `/peer/v1/push`, `/peer/v1/pull`) that call `sync`, where the protocol
//! lives.
//!
//! Architecture Invariant: a peer's identity is the node id in the
//! certificate it presented, read once per connection after rustls verified
//! the chain, validity and CRL. Who may call what is decided in
//! [`auth`] from that identity alone, by an extractor every route takes.

mod auth;
mod handlers;

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, warn};

pub use auth::PeerIdentity;

use crate::engine::SharedEngine;
use crate::identity::{self, ServerTls};

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
    let app = handlers::router(engine.clone());
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
        let acceptor = TlsAcceptor::from(tls.current());
        let app = app.clone();
        let stop = stop.clone();
        tracker.spawn(async move {
            let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    warn!(message = "Refused a peer at the TLS handshake.", remote = %remote, reason = %e);
                    return;
                }
                Err(_) => {
                    warn!(message = "Peer did not finish the TLS handshake in time.", remote = %remote);
                    return;
                }
            };
            let peer = {
                let (_, conn) = stream.get_ref();
                let cert = conn.peer_certificates().and_then(|c| c.first());
                match cert.map(|c| (identity::peer_node_id(c), identity::cert_not_after(c))) {
                    Some((Ok(id), not_after)) => PeerIdentity {
                        id,
                        not_after: not_after.ok(),
                        remote,
                    },
                    Some((Err(e), _)) => {
                        warn!(message = "Refused a peer certificate without a usable node id.", remote = %remote, reason = %e);
                        return;
                    }
                    None => {
                        warn!(message = "Refused a peer without a client certificate.", remote = %remote);
                        return;
                    }
                }
            };
            debug!(message = "Peer connected.", peer = %peer.id, remote = %remote);
            let svc = TowerToHyperService::new(app.layer(axum::Extension(peer)));
            let mut builder = Builder::new(TokioExecutor::new());
            // No Date header: nothing reads it, and on HTTP/2 each new value
            // is a new entry in the connection's header table (kilobytes
            // per child over time).
            builder.http1().auto_date_header(false);
            builder
                .http2()
                .max_concurrent_streams(MAX_STREAMS_PER_CHILD)
                .auto_date_header(false);
            let conn = builder.serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                r = conn => if let Err(e) = r {
                    debug!(message = "Peer connection ended with an error.", remote = %remote, error = %e);
                },
                _ = stop.cancelled() => {}
            }
        });
    }
}
