//! Peer connections as sessions that end. Each connection that passed the
//! handshake is a [`Session`]: the peer's identity, the certificate chain it
//! presented and when it last carried a request. [`Sessions`] keeps the open
//! ones; when the TLS files are reloaded (a new CRL, say) it checks every
//! session as a new handshake would be checked now and closes those whose
//! certificate is refused. Every request re-checks too ([`Session::recheck`],
//! called by the `Child` extractor), so a request on a connection not yet
//! closed is refused. A session that carries no request for
//! `peer.idle_close_secs` is closed ([`Session::idle`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use rustls_pki_types::CertificateDer;
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};
use tracing::{info, warn};

use super::PeerIdentity;
use crate::identity::{ServerTls, TlsGeneration};

/// How often the TLS files are looked at for a reload between handshakes.
const RELOAD_CHECK_EVERY: Duration = Duration::from_secs(1);

/// One open peer connection.
pub struct Session {
    pub peer: PeerIdentity,
    /// The chain the peer presented at its handshake, leaf first.
    chain: Vec<CertificateDer<'static>>,
    tls: Arc<ServerTls>,
    /// The TLS generation the chain was last found good under.
    checked: AtomicU64,
    /// Cancelled when the certificate is no longer accepted.
    refused: CancellationToken,
    /// Requests being served now.
    in_flight: AtomicUsize,
    /// When the last request ended (or the connection opened).
    last_active: Mutex<Instant>,
}

impl Session {
    /// Whether the certificate is still accepted under the current TLS
    /// files. Checked again only after a reload; a refusal closes the
    /// session, with one warning.
    pub fn recheck(&self) -> Result<(), rustls::Error> {
        if self.refused.is_cancelled() {
            return Err(rustls::Error::General("refused at an earlier check".into()));
        }
        let current = self.tls.generation();
        if current == self.checked.load(Ordering::Relaxed) {
            return Ok(());
        }
        match self.tls.recheck(&self.chain) {
            Ok(generation) => {
                self.checked.store(generation, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                self.refuse(&e);
                Err(e)
            }
        }
    }

    fn refuse(&self, why: &rustls::Error) {
        if !self.refused.is_cancelled() {
            warn!(message = "Closing a peer connection: its certificate is no longer accepted.", peer = %self.peer.id, remote = %self.peer.remote, reason = %why);
            self.refused.cancel();
        }
    }

    /// Completes once the certificate is found refused.
    pub fn refused(&self) -> WaitForCancellationFuture<'_> {
        self.refused.cancelled()
    }

    /// Completes once the session has carried no request for `limit`.
    pub async fn idle(&self, limit: Duration) {
        loop {
            let since = *self.last_active.lock().unwrap_or_else(|p| p.into_inner());
            let busy = self.in_flight.load(Ordering::Acquire) > 0;
            if !busy && since.elapsed() >= limit {
                return;
            }
            let from = if busy { Instant::now() } else { since };
            tokio::time::sleep_until(from + limit).await;
        }
    }

    fn begin_request(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(self.clone())
    }
}

/// A request in progress on a session; its end is the session's last
/// activity.
struct Busy(Arc<Session>);

impl Drop for Busy {
    fn drop(&mut self) {
        *self.0.last_active.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Middleware of every peer route: marks the session busy while a request
/// is served, so a long poll is not idleness.
pub async fn busy_while_serving(
    State(session): State<Arc<Session>>,
    request: Request,
    next: Next,
) -> Response {
    let _busy = session.begin_request();
    next.run(request).await
}

/// The open sessions of the peer listener.
pub struct Sessions {
    tls: Arc<ServerTls>,
    open: Mutex<HashMap<u64, Arc<Session>>>,
    next_key: AtomicU64,
}

/// Removes its session from [`Sessions`] when the connection ends.
pub struct Registered {
    sessions: Arc<Sessions>,
    key: u64,
    pub session: Arc<Session>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.sessions
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}

impl Sessions {
    pub fn new(tls: Arc<ServerTls>) -> Arc<Self> {
        Arc::new(Sessions {
            tls,
            open: Mutex::default(),
            next_key: AtomicU64::new(0),
        })
    }

    /// Registers a connection whose handshake verified `chain` under the
    /// TLS generation `checked`.
    pub fn open(
        self: &Arc<Self>,
        peer: PeerIdentity,
        chain: Vec<CertificateDer<'static>>,
        checked: TlsGeneration,
    ) -> Registered {
        let session = Arc::new(Session {
            peer,
            chain,
            tls: self.tls.clone(),
            checked: AtomicU64::new(checked),
            refused: CancellationToken::new(),
            in_flight: AtomicUsize::new(0),
            last_active: Mutex::new(Instant::now()),
        });
        let key = self.next_key.fetch_add(1, Ordering::Relaxed);
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, session.clone());
        Registered {
            sessions: self.clone(),
            key,
            session,
        }
    }

    /// Until `stop`: after every reload of the TLS files, rechecks every
    /// open session, which closes those whose certificate is now refused.
    pub async fn close_refused_on_reload(&self, stop: CancellationToken) {
        let mut seen = self.tls.generation();
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(RELOAD_CHECK_EVERY) => {}
            }
            let now = self.tls.generation();
            if now == seen {
                continue;
            }
            seen = now;
            let open: Vec<Arc<Session>> = self
                .open
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .values()
                .cloned()
                .collect();
            let refused = open.iter().filter(|s| s.recheck().is_err()).count();
            info!(
                message = "Rechecked open peer connections after a TLS reload.",
                open = open.len(),
                closed = refused
            );
        }
    }
}
