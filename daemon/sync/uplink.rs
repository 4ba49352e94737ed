//! The child side of the link to the parent: one session at a time, each
//! opened with a hello (`/peer/v1/health`), then a push loop, a pull loop
//! and an announce loop (a new hello whenever this node's subtree changes)
//! side by side until one fails; then back-off with jitter and a new
//! session (a parent whose host refuses connections is probed at a short
//! pace instead, see [`Backoff::next_refused_delay`]). A link that comes up
//! catches up at once: the push loop starts from the parent's cursor and
//! the pull loop from ours.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, info, info_span, warn};

use super::backoff::{Backoff, FailureLog};
use super::outbound::{next_batch, reconcile};
use super::wire::{
    self, HelloRequest, HelloResponse, Limits, PROTOCOL_HEADER, PROTOCOL_VERSION, PullRequest,
    PullResponse, PushRequest, PushResponse, Refused,
};
use crate::config::ParentConfig;
use crate::engine::{Engine, Link, SharedEngine};
use crate::identity::ClientTls;
use crate::records::Lane;
use crate::routing::Source;
use crate::store::Commit;

/// Why a session with the parent ended.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// `source` carries no URL (`without_url`): the message says it once.
    #[error("request to {url} failed: {}", with_causes(source))]
    Http { url: String, source: reqwest::Error },
    #[error("parent refused {path}: HTTP {status} ({reason}): {message}")]
    Refused {
        path: &'static str,
        status: StatusCode,
        /// The parent's reason code, e.g. `topology_stale`.
        reason: String,
        message: String,
    },
    #[error("parent answered {path} with an unreadable body: {reason}")]
    BadAnswer { path: &'static str, reason: String },
    #[error("parent presented node id {found}, expected {expected}")]
    WrongParent { found: String, expected: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("TLS setup: {0:#}")]
    Tls(anyhow::Error),
}

impl LinkError {
    /// Whether the parent's host refused the connection: nothing listens
    /// on the parent's port.
    fn is_refused(&self) -> bool {
        let LinkError::Http { source, .. } = self else {
            return false;
        };
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(source);
        while let Some(e) = cause {
            if let Some(io) = e.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::ConnectionRefused
            {
                return true;
            }
            cause = e.source();
        }
        false
    }
}

/// An error and its causes, `outer: inner: …` (reqwest's own message
/// says only what failed; the causes say why).
fn with_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

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
            let mut session = Session::new(&engine, &parent, &tls);
            let result = tokio::select! {
                _ = stop.cancelled() => return,
                r = session.run(&mut backoff) => r,
            };
            let link = engine.link(&parent.id);
            if let Err(e) = result {
                let delay = if e.is_refused() {
                    backoff.next_refused_delay()
                } else {
                    backoff.next_delay()
                };
                let error = e.to_string();
                if let Some(l) = link {
                    l.update(|s| {
                        if s.connected {
                            // A session that was up broke: news, whatever it says.
                            failures.forget();
                        }
                        s.connected = false;
                        s.last_error = Some(error.clone());
                        s.session_failures += 1;
                    });
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
    }
    .instrument(span)
    .await
}

struct Session<'a> {
    engine: &'a Engine,
    parent: &'a ParentConfig,
    tls: &'a ClientTls,
    client: Option<reqwest::Client>,
}

impl<'a> Session<'a> {
    fn new(engine: &'a Engine, parent: &'a ParentConfig, tls: &'a ClientTls) -> Self {
        Session {
            engine,
            parent,
            tls,
            client: None,
        }
    }

    async fn run(&mut self, backoff: &mut Backoff) -> Result<(), LinkError> {
        let client = build_client(self.tls)?;
        self.client = Some(client);
        // Subscribed before the hello: a change while it is on its way is
        // announced next.
        let mut topology = self.engine.subscribe_topology();
        topology.borrow_and_update();
        let hello = self.hello().await?;
        info!(
            message = "Connected to parent.",
            peer = %self.parent.id,
            peer_version = %hello.software_version,
            peer_generation = %hello.generation
        );
        backoff.reset();
        let limits = hello.limits;
        for lane in Lane::ALL {
            let claimed = hello
                .cursors
                .iter()
                .find(|c| c.lane == lane)
                .map(|c| &c.pos);
            reconcile(self.engine, &self.parent.id, lane, claimed).await?;
        }
        let tls_generation = self.tls.generation();
        tokio::select! {
            r = self.push_loop(&limits) => r,
            r = self.pull_loop() => r,
            r = self.announce_loop(topology) => r,
            _ = tls_reloaded(self.tls, tls_generation) => {
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
            generation: e.store.generation(),
            subtree: e.subtree_entries().await?,
        };
        let resp: HelloResponse = self
            .post(wire::PATH_HEALTH, &req, Duration::from_secs(30))
            .await?;
        if resp.node != self.parent.id {
            return Err(LinkError::WrongParent {
                found: resp.node.to_string(),
                expected: self.parent.id.to_string(),
            });
        }
        e.learn_ancestors(&resp.ancestors).await?;
        if let Some(l) = e.link(&self.parent.id) {
            l.update(|s| {
                s.connected = true;
                s.last_error = None;
                s.last_seen = Some(Utc::now());
                s.peer_version = Some(resp.software_version.clone());
                s.peer_cert_not_after = self.tls.parent_not_after();
            });
        }
        Ok(resp)
    }

    /// Pushes the outbox up, batch after batch, and trims it by what the
    /// parent confirmed. While the parent commits one batch, the next is
    /// cut and encoded, so a backlog streams without a gap; the parent
    /// still commits them one at a time, in order, and the outbox is
    /// trimmed only by what it confirmed.
    async fn push_loop(&self, parent_limits: &Limits) -> Result<(), LinkError> {
        let e = self.engine;
        let peer = &self.parent.id;
        let Some(link) = e.link(peer) else {
            return Ok(());
        };
        let limits = BatchLimits {
            max_records: parent_limits
                .max_batch_records
                .min(e.config.limits.max_batch_records),
            max_bytes: parent_limits
                .max_batch_bytes
                .min(e.config.limits.max_batch_bytes),
        };
        // What the parent has confirmed, per lane (reconciled at hello).
        let acked = [
            e.store.acked(peer, Lane::Urgent).await?,
            e.store.acked(peer, Lane::Bulk).await?,
        ];
        let (confirm, confirmed) = watch::channel(acked);
        tokio::select! {
            r = self.push_batches(link, &limits, acked, &confirm) => r,
            r = self.trim_loop(acked, confirmed) => r,
        }
    }

    /// Sends batch after batch from `after` on, telling `confirm` what the
    /// parent confirmed.
    async fn push_batches(
        &self,
        link: &Link,
        limits: &BatchLimits,
        mut after: [i64; 2],
        confirm: &watch::Sender<[i64; 2]>,
    ) -> Result<(), LinkError> {
        let peer = &self.parent.id;
        let mut wake = link.subscribe();
        let mut ready: Option<Batch> = None;
        loop {
            let batch = match ready.take() {
                Some(b) => b,
                None => {
                    wake.borrow_and_update();
                    match self.cut(after, limits).await? {
                        Next::Batch(b) => b,
                        Next::Passed(passed) => {
                            // Only superseded rows: confirm them ourselves.
                            confirm_up_to(confirm, &changed_lanes(after, passed));
                            after = passed;
                            continue;
                        }
                        Next::Empty => {
                            let _ = wake.changed().await;
                            continue;
                        }
                    }
                }
            };
            let before = after;
            after = batch.passed;
            let (resp, next) = tokio::join!(
                self.send::<PushResponse>(wire::PATH_PUSH, &batch.body, Duration::from_secs(120)),
                self.cut(after, limits),
            );
            let resp = match resp {
                Err(LinkError::Refused { reason, .. }) if reason == "topology_stale" => {
                    // The batch was cut for a subtree the parent has not
                    // heard of yet: tell it, then cut the batch again.
                    self.hello().await?;
                    after = before;
                    ready = None;
                    continue;
                }
                r => r?,
            };
            ready = match next? {
                Next::Batch(b) => Some(b),
                Next::Passed(_) | Next::Empty => None,
            };
            // Only a cursor into the log this batch came from confirms
            // anything: the parent still answers with its cursor of an
            // older generation for a lane the batch did not touch.
            let confirmed: Vec<(Lane, i64)> = resp
                .cursors
                .iter()
                .filter(|c| c.pos.generation == batch.generation)
                .map(|c| (c.lane, c.pos.seq))
                .collect();
            confirm_up_to(confirm, &confirmed);
            for r in &resp.refused {
                warn!(
                    message = "Parent refused a record; it stays in the parent's quarantine.",
                    peer = %peer,
                    record = %r.id,
                    reason = %r.reason
                );
            }
            link.update(|s| {
                s.last_push_ok = Some(Utc::now());
                s.last_seen = s.last_push_ok;
                s.records_out += batch.records;
                s.bytes_out += batch.bytes;
            });
            debug!(message = "Push finished.", peer = %peer, records = batch.records, stored = resp.stored);
        }
    }

    /// Trims the outbox, in order, to what `confirmed` says the parent
    /// has, starting from `trimmed`. Off the push path: a trim is a write
    /// transaction, which waits for the store's write lock behind the group
    /// commits of what children push here, and the next batch need not
    /// wait for it. Confirmations that come while a trim runs are trimmed
    /// together by the next. One lost with the session is made good by the
    /// next hello (`reconcile` trims to the parent's cursor).
    async fn trim_loop(
        &self,
        mut trimmed: [i64; 2],
        mut confirmed: watch::Receiver<[i64; 2]>,
    ) -> Result<(), LinkError> {
        loop {
            if confirmed.changed().await.is_err() {
                // The push loop is gone, and this session with it.
                return std::future::pending().await;
            }
            let now = *confirmed.borrow_and_update();
            let acks = changed_lanes(trimmed, now);
            if !acks.is_empty() {
                self.engine.store.ack(&self.parent.id, &acks).await?;
                trimmed = now;
            }
        }
    }

    /// The next batch after `after`, encoded for the wire.
    async fn cut(&self, after: [i64; 2], limits: &BatchLimits) -> Result<Next, LinkError> {
        let e = self.engine;
        let (items, passed) = next_batch(
            e,
            &self.parent.id,
            after,
            limits.max_records,
            limits.max_bytes,
        )
        .await?;
        if items.is_empty() {
            return Ok(if passed == after {
                Next::Empty
            } else {
                Next::Passed(passed)
            });
        }
        let records = items.len() as u64;
        let bytes: u64 = items.iter().map(|i| i.record.get().len() as u64).sum();
        let req = PushRequest {
            generation: e.store.generation(),
            subtree_hash: e.own_subtree_hash(),
            records: items,
        };
        Ok(Next::Batch(Batch {
            body: encode(wire::PATH_PUSH, &req)?,
            generation: req.generation,
            passed,
            records,
            bytes,
        }))
    }

    async fn pull_loop(&self) -> Result<(), LinkError> {
        let e = self.engine;
        let peer = &self.parent.id;
        let link = e.link(peer);
        let wait = e.config.limits.long_poll;
        let mut refused: Vec<Refused> = Vec::new();
        loop {
            let mut cursors = Vec::new();
            for lane in Lane::ALL {
                if let Some(pos) = e.store.cursor(peer, lane).await? {
                    cursors.push(wire::LaneCursor { lane, pos });
                }
            }
            let req = PullRequest {
                cursors,
                wait_ms: wait.as_millis() as u64,
                max_records: e.config.limits.max_batch_records,
                max_bytes: e.config.limits.max_batch_bytes,
                refused: std::mem::take(&mut refused),
            };
            let resp: PullResponse = self
                .post(wire::PATH_PULL, &req, wait + Duration::from_secs(60))
                .await?;
            e.learn_ancestors(&resp.ancestors).await?;
            let batch = e.admit_batch(peer, &Source::Parent, &resp.records);
            refused.extend(batch.refused);
            let cursors: Vec<_> = resp
                .cursors
                .iter()
                .map(|c| (c.lane, c.pos.clone()))
                .collect();
            let bytes_in = batch.bytes;
            e.commit(Commit {
                from: Some(peer.clone()),
                items: batch.admitted,
                cursors,
                quarantine: batch.quarantine,
            })
            .await?;
            if let Some(l) = link {
                let n = resp.records.len() as u64;
                l.update(|s| {
                    s.last_pull_ok = Some(Utc::now());
                    s.last_seen = s.last_pull_ok;
                    s.records_in += n;
                    s.bytes_in += bytes_in;
                });
            }
        }
    }

    async fn post<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &Req,
        timeout: Duration,
    ) -> Result<Resp, LinkError> {
        self.send(path, &encode(path, body)?, timeout).await
    }

    /// Sends an encoded request body and decodes the answer.
    async fn send<Resp: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &Body,
        timeout: Duration,
    ) -> Result<Resp, LinkError> {
        let url = format!("{}{}", self.parent.url, path);
        let http = |source: reqwest::Error| LinkError::Http {
            url: url.clone(),
            source: source.without_url(),
        };
        let client = self
            .client
            .as_ref()
            .expect("session client is built before any request");
        let mut req = client
            .post(&url)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(timeout);
        if body.gzip {
            req = req.header(reqwest::header::CONTENT_ENCODING, "gzip");
        }
        let resp = req.body(body.bytes.clone()).send().await.map_err(http)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(http)?;
        if !status.is_success() {
            let (reason, message) = serde_json::from_slice::<wire::ErrorBody>(&bytes)
                .map(|b| (b.reason, b.message))
                .unwrap_or_else(|_| {
                    (
                        "unknown".into(),
                        String::from_utf8_lossy(&bytes).into_owned(),
                    )
                });
            return Err(LinkError::Refused {
                path,
                status,
                reason,
                message,
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| LinkError::BadAnswer {
            path,
            reason: e.to_string(),
        })
    }
}

/// Batch limits agreed with the parent.
struct BatchLimits {
    max_records: usize,
    max_bytes: usize,
}

/// What cutting the next batch found.
enum Next {
    Batch(Batch),
    /// No record to send, but superseded rows were passed up to here.
    Passed([i64; 2]),
    /// Nothing new.
    Empty,
}

/// A push request ready to send.
struct Batch {
    body: Body,
    /// The generation of this node's log the batch was cut from.
    generation: String,
    /// The position per lane this batch reaches.
    passed: [i64; 2],
    records: u64,
    bytes: u64,
}

/// An encoded request body.
struct Body {
    bytes: axum::body::Bytes,
    gzip: bool,
}

/// JSON of `body`, gzip-compressed when large.
fn encode<Req: Serialize>(path: &'static str, body: &Req) -> Result<Body, LinkError> {
    let json = serde_json::to_vec(body).map_err(|e| LinkError::BadAnswer {
        path,
        reason: format!("encoding the request: {e}"),
    })?;
    Ok(if json.len() > usize::from(crate::peer::COMPRESS_ABOVE) {
        Body {
            bytes: gzip(&json).into(),
            gzip: true,
        }
    } else {
        Body {
            bytes: json.into(),
            gzip: false,
        }
    })
}

/// Raises the confirmed position of each lane in `acks` (never lowers
/// one: the parent's cursor only moves forward within a session).
fn confirm_up_to(confirm: &watch::Sender<[i64; 2]>, acks: &[(Lane, i64)]) {
    confirm.send_if_modified(|pos| {
        let mut raised = false;
        for (lane, seq) in acks {
            let p = &mut pos[lane.as_i64() as usize];
            if *seq > *p {
                *p = *seq;
                raised = true;
            }
        }
        raised
    });
}

/// The lanes whose position moved from `before` to `after`, with the new seq.
fn changed_lanes(before: [i64; 2], after: [i64; 2]) -> Vec<(Lane, i64)> {
    Lane::ALL
        .into_iter()
        .filter(|l| after[l.as_i64() as usize] != before[l.as_i64() as usize])
        .map(|l| (l, after[l.as_i64() as usize]))
        .collect()
}

/// Gzip of `bytes` (fast level: the link, not the CPU, is the bottleneck).
fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::fast(),
    );
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// An HTTP client presenting this node's certificate and accepting only
/// the configured parent.
fn build_client(tls: &ClientTls) -> Result<reqwest::Client, LinkError> {
    let config = (*tls.current()).clone();
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(90))
        .build()
        .map_err(|e| LinkError::Tls(e.into()))
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
