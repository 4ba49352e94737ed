//! The child side of the link to the parent: one session at a time, each
//! opened with a hello (`/peer/v1/health`), then a push loop ([`push`]), a
//! pull loop ([`pull`]) and an announce loop (a new hello whenever this
//! node's subtree changes) side by side until one fails; then back-off
//! with jitter and a new session (a parent whose host refuses connections
//! is probed at a short pace instead, see
//! [`Backoff::next_refused_delay`]). A link that comes up catches up at
//! once: the push loop starts from the parent's cursor and the pull loop
//! from ours. A store restored from a backup first takes its own records
//! back from the parent ([`recover`]). Requests go through [`client`].

mod client;
mod pull;
mod push;
mod recover;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, info, info_span, warn};

use self::client::{Client, LinkError};
use super::backoff::{Backoff, FailureLog};
use super::wire::{self, HelloRequest, HelloResponse};
use crate::config::ParentConfig;
use crate::engine::{Engine, LinkEvent, SharedEngine};
use crate::identity::ClientTls;
use crate::node::NodeId;
use crate::records::Lane;
use crate::trust::SignedManifest;

/// Runs the link to the parent until `stop` is cancelled.
pub async fn run(engine: SharedEngine, tls: Arc<ClientTls>, stop: CancellationToken) {
    let Some(parent) = engine.config.parent.clone() else {
        return;
    };
    let mut backoff = Backoff::new(engine.config.retry_min, engine.config.retry_max);
    let mut failures = FailureLog::new(engine.config.retry_max);
    let span = info_span!("uplink", peer = %parent.id);
    async move {
        loop {
            let result = tokio::select! {
                _ = stop.cancelled() => return,
                r = Session::run(&engine, &parent, &tls, &mut backoff) => r,
            };
            let Err(e) = result else { continue };
            let delay = if e.is_refused() {
                backoff.next_refused_delay()
            } else {
                backoff.next_delay()
            };
            let error = e.to_string();
            if let Some(l) = engine.link(&parent.id) {
                let was_up = l.record(LinkEvent::SessionFailed {
                    error: error.clone(),
                });
                if was_up {
                    // A session that was up broke: news, whatever it says.
                    failures.forget();
                }
            }
            let retry_in_ms = delay.as_millis() as u64;
            match failures.warn(&error) {
                Some(repeated) => warn!(
                    message = "Link to parent failed; retrying.",
                    peer = %parent.id,
                    error = %error,
                    retry_in_ms,
                    failed_quietly_since_last_warning = repeated
                ),
                None => debug!(
                    message = "Link to parent failed again; retrying.",
                    peer = %parent.id,
                    error = %error,
                    retry_in_ms
                ),
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(delay) => {}
            }
        }
    }
    .instrument(span)
    .await
}

/// One session with the parent, on one client.
struct Session<'a> {
    engine: &'a Engine,
    parent: &'a ParentConfig,
    tls: &'a ClientTls,
    client: Client,
}

impl<'a> Session<'a> {
    /// Opens a session with a hello, reconciles the parent's cursors, then
    /// runs the push, pull and announce loops until one fails or the TLS
    /// files change.
    async fn run(
        engine: &'a Engine,
        parent: &'a ParentConfig,
        tls: &'a ClientTls,
        backoff: &mut Backoff,
    ) -> Result<(), LinkError> {
        let session = Session {
            engine,
            parent,
            tls,
            client: Client::new(tls, &parent.url)?,
        };
        // Subscribed before the hello: a change while it is on its way is
        // announced next.
        let mut topology = engine.subscribe_topology();
        topology.borrow_and_update();
        let hello = session.hello().await?;
        backoff.reset();
        let limits = hello.limits;
        for lane in Lane::ALL {
            let claimed = hello
                .cursors
                .iter()
                .find(|c| c.lane == lane)
                .map(|c| &c.pos);
            engine.reconcile(&parent.id, lane, claimed).await?;
        }
        session.recover().await?;
        let tls_generation = tls.generation();
        tokio::select! {
            r = session.push_loop(&limits) => r,
            r = session.pull_loop() => r,
            r = session.announce_loop(topology) => r,
            _ = tls_reloaded(tls, tls_generation) => {
                info!(message = "TLS files changed; reconnecting with the new certificate.");
                Ok(())
            }
        }
    }

    /// Tells the parent of every change of this node's subtree, on the
    /// session's connection: the push and pull loops go on meanwhile, and
    /// changes that come while one announcement is on its way are told
    /// together by the next (a parent whose children come and go by the
    /// hundred a second sees a few hellos, not one reconnection each).
    async fn announce_loop(&self, mut topology: watch::Receiver<u64>) -> Result<(), LinkError> {
        loop {
            if topology.changed().await.is_err() {
                return std::future::pending().await;
            }
            topology.borrow_and_update();
            debug!(message = "Subtree changed; announcing it to the parent.");
            self.hello().await?;
        }
    }

    async fn hello(&self) -> Result<HelloResponse, LinkError> {
        let e = self.engine;
        let req = HelloRequest {
            node: e.config.id.clone(),
            level: e.config.level,
            name: e.config.name.clone(),
            software_version: wire::SOFTWARE_VERSION.to_string(),
            generation: e.store().generation(),
            subtree: e.subtree_entries().await?,
            manifest_version: e.authority().map_or(0, |a| a.manifest().version),
        };
        let answer = self
            .client
            .post(wire::PATH_HEALTH, &req, Duration::from_secs(30))
            .await;
        let mut resp: HelloResponse = match answer {
            Err(LinkError::Refused {
                reason,
                message,
                path,
                status,
                manifest: Some(offered),
            }) => {
                // Refused under a newer tree than ours: take it, and the
                // next session says hello under it.
                take_manifest(e, &self.parent.id, *offered).await;
                return Err(LinkError::Refused {
                    path,
                    status,
                    reason,
                    message,
                    manifest: None,
                });
            }
            other => other?,
        };
        if resp.node != self.parent.id {
            return Err(LinkError::WrongParent {
                found: resp.node.to_string(),
                expected: self.parent.id.to_string(),
            });
        }
        e.learn_ancestors(&resp.ancestors).await?;
        if let Some(offered) = resp.manifest.take() {
            take_manifest(e, &self.parent.id, offered).await;
        }
        if let Some(l) = e.link(&self.parent.id) {
            l.record(LinkEvent::Connected {
                peer_version: resp.software_version.clone(),
                peer_generation: resp.generation.clone(),
                cert_not_after: self.tls.parent_not_after(),
            });
        }
        Ok(resp)
    }
}

/// Takes the tree manifest `parent` sent; one it refuses is logged and the
/// link goes on with the manifest held.
async fn take_manifest(engine: &Engine, parent: &NodeId, offered: SignedManifest) {
    let version = offered.manifest.version;
    match engine.offer_manifest(offered).await {
        Ok(Some(v)) => {
            info!(message = "Took a newer tree manifest from the parent.", parent = %parent, version = v)
        }
        Ok(None) => {}
        Err(err) => warn!(
            message = "Refused the parent's tree manifest.",
            parent = %parent,
            version,
            error = %format!("{err:#}")
        ),
    }
}

/// Resolves once the client TLS files have been reloaded.
async fn tls_reloaded(tls: &ClientTls, seen: u64) {
    loop {
        tokio::time::sleep(Duration::from_secs(5)).await;
        tls.current();
        if tls.generation() != seen {
            return;
        }
    }
}
