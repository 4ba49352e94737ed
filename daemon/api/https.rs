//! The operator listener over HTTPS (`[operator.tls]`, required off
//! loopback): the accept loop — the TLS handshake with a deadline, one task
//! per connection, each request told its remote address as axum's
//! `ConnectInfo` — HSTS on every answer, and the graceful end on stop.
//! A client speaking plain HTTP fails the handshake and is closed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::{Extension, Router};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, warn};

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Browsers that once reached the listener over HTTPS keep to it for a
/// year.
const HSTS: &str = "max-age=31536000";

/// Serves `app` over TLS on `listener` until `stop` is cancelled, then
/// lets the open connections finish their requests.
pub(super) async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    app: Router,
    stop: CancellationToken,
) {
    let acceptor = TlsAcceptor::from(tls);
    let connections = TaskTracker::new();
    loop {
        let (tcp, remote) = tokio::select! {
            _ = stop.cancelled() => break,
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    warn!(message = "Accepting an operator connection failed.", error = %e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        connections.spawn(connection(
            acceptor.clone(),
            tcp,
            remote,
            app.clone(),
            stop.clone(),
        ));
    }
    connections.close();
    connections.wait().await;
}

async fn connection(
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    remote: SocketAddr,
    app: Router,
    stop: CancellationToken,
) {
    let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            warn!(message = "Refused an operator connection at the TLS handshake.", remote = %remote, reason = %e);
            return;
        }
        Err(_) => {
            warn!(message = "Operator client did not finish the TLS handshake in time.", remote = %remote);
            return;
        }
    };
    let svc = TowerToHyperService::new(app.layer(Extension(ConnectInfo(remote))));
    let http = Builder::new(TokioExecutor::new());
    let conn = http.serve_connection(TokioIo::new(stream), svc);
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        debug!(message = "Operator connection ended with an error.", remote = %remote, error = %e);
    }
}

/// Adds `Strict-Transport-Security` to an answer sent over TLS.
pub(super) async fn hsts(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(HSTS),
    );
    resp
}
