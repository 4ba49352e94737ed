//! One simulated county of the children benchmark: a child of the parent
//! under test that speaks the real peer protocol (`sync::wire`) over its
//! own mutual-TLS client, as `sync::uplink` does, without a store of its
//! own: a hello (`/peer/v1/health`), then a long poll held open on
//! `/peer/v1/pull` side by side with pushes (`/peer/v1/push`) of its health
//! record (same id, next version) every few seconds and of a finding now
//! and then.
//!
//! The records are the crate's own types, valid as the parent checks them:
//! the envelope and body schemas, origin = this county, the route its
//! kind gets by default, versions that grow, and wire items whose seqs and
//! chain hashes (`store::chain_next`) follow a change log kept here.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;
use xunlian::node::{Level, NodeId};
use xunlian::records::{Classification, Kind, Record, Route};
use xunlian::sync::wire::{
    self, HelloRequest, HelloResponse, LaneCursor, PROTOCOL_HEADER, PROTOCOL_VERSION, PullRequest,
    PullResponse, PushRequest, PushResponse, WireItem,
};

/// Request timeouts, as `sync::uplink` sets them (a pull adds its wait).
const HELLO_TIMEOUT: Duration = Duration::from_secs(30);
const PUSH_TIMEOUT: Duration = Duration::from_secs(120);
const PULL_GRACE: Duration = Duration::from_secs(60);
/// Pause after a failed request before the next one.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// Pull batch limits: the parent's defaults.
const PULL_MAX_RECORDS: usize = 5000;
const PULL_MAX_BYTES: usize = 8 * 1024 * 1024;

/// What every simulated county shares: where the parent is, the pace, the
/// counters, and the stop signal.
pub struct Plan {
    /// `https://127.0.0.1:PORT` of the parent's peer listener.
    pub parent_url: String,
    pub parent: NodeId,
    pub health_every: Duration,
    pub finding_every: Duration,
    pub long_poll: Duration,
    pub tally: Tally,
    /// Cancelled at the end of the run: every county drops its connection.
    pub stop: CancellationToken,
}

/// Counters every simulated county adds to.
#[derive(Default)]
pub struct Tally {
    /// Counties whose hello the parent answered.
    pub connected: AtomicU64,
    /// Health records and findings the parent accepted in a push.
    pub health_stored: AtomicU64,
    pub findings_stored: AtomicU64,
    /// Records the parent refused inside an accepted push.
    pub records_refused: AtomicU64,
    /// Push and pull requests answered with success.
    pub pushes: AtomicU64,
    pub pulls: AtomicU64,
    /// Records the parent sent down in pulls.
    pub pulled_records: AtomicU64,
    /// Hello round trips in ms (handshake included), to read percentiles.
    /// A std lock: never held across an await.
    pub hello_ms: Mutex<Vec<f64>>,
    /// Failed requests by kind, with the first message of each kind.
    /// A std lock: never held across an await.
    errors: Mutex<BTreeMap<String, (u64, String)>>,
}

impl Tally {
    fn failed(&self, f: Failure) {
        let mut errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        errors.entry(f.kind).or_insert((0, f.message)).0 += 1;
    }

    /// Failed requests by kind: `{kind: {count, first}}`.
    pub fn errors(&self) -> Value {
        let errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        errors
            .iter()
            .map(|(k, (n, first))| (k.clone(), json!({"count": n, "first": first})))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    pub fn error_count(&self) -> u64 {
        let errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        errors.values().map(|(n, _)| n).sum()
    }
}

/// A failed request: its kind (`timeout`, `connect`, `http 403
/// not_a_child`, ...) and what was said.
struct Failure {
    kind: String,
    message: String,
}

impl Failure {
    fn of(path: &str, e: reqwest::Error) -> Failure {
        let kind = if e.is_timeout() {
            "timeout"
        } else if e.is_connect() {
            "connect"
        } else if e.is_decode() || e.is_body() {
            "body"
        } else {
            "transport"
        };
        Failure {
            kind: format!("{path} {kind}"),
            message: format!("{e:#}"),
        }
    }
}

/// The county's change log, as far as its pushes show it: the sender's seq
/// and chain hash of every change, in one generation.
struct Log {
    generation: String,
    seq: i64,
    chain: String,
}

impl Log {
    /// Appends a change for `record` and returns it as a wire item.
    fn append(&mut self, record: &Record) -> WireItem {
        let id = record.id.to_string();
        let version = record.version as i64;
        self.seq += 1;
        self.chain = xunlian::store::chain_next(&self.chain, &id, version);
        let json = serde_json::to_string(record).expect("a record serialises");
        WireItem {
            lane: record.kind.lane(),
            seq: self.seq,
            id,
            version,
            chain: self.chain.clone(),
            record: RawValue::from_string(json).expect("serialised JSON is JSON"),
        }
    }
}

/// One simulated county.
pub struct County {
    pub id: NodeId,
    /// Its place in the ramp, which also spreads its timers.
    pub index: usize,
    /// Its own client, with its own certificate and connection.
    pub http: reqwest::Client,
    /// Its record-signing key, listed in the tree manifest.
    pub key: xunlian::trust::SigningKey,
}

impl County {
    /// Connects, then pulls and pushes until the plan stops.
    pub async fn run(self, plan: &Plan) {
        tokio::select! {
            _ = plan.stop.cancelled() => {}
            _ = self.session(plan) => {}
        }
    }

    async fn session(&self, plan: &Plan) {
        let t = Instant::now();
        while let Err(f) = self.hello(plan).await {
            plan.tally.failed(f);
            tokio::time::sleep(RETRY_AFTER).await;
        }
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        plan.tally
            .hello_ms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(ms);
        plan.tally.connected.fetch_add(1, Relaxed);
        tokio::join!(self.pull_loop(plan), self.push_loop(plan));
    }

    async fn hello(&self, plan: &Plan) -> Result<(), Failure> {
        let req = HelloRequest {
            node: self.id.clone(),
            level: Level::County,
            name: format!("模拟县{}", self.id),
            software_version: wire::SOFTWARE_VERSION.into(),
            generation: self.generation(),
            subtree: Vec::new(),
            manifest_version: super::SIM_MANIFEST_VERSION,
        };
        let resp: HelloResponse = self
            .post(plan, wire::PATH_HEALTH, &req, HELLO_TIMEOUT)
            .await?;
        if resp.node != plan.parent {
            return Err(Failure {
                kind: "hello wrong parent".into(),
                message: format!("answered by {}, expected {}", resp.node, plan.parent),
            });
        }
        Ok(())
    }

    /// The store generation this county announces (one per run).
    fn generation(&self) -> String {
        format!("bench-{}", self.id)
    }

    /// Long polls, one after the other, each held open by the parent until
    /// something is queued for this county or the wait ends.
    async fn pull_loop(&self, plan: &Plan) {
        let mut cursors: Vec<LaneCursor> = Vec::new();
        loop {
            let req = PullRequest {
                cursors: cursors.clone(),
                wait_ms: plan.long_poll.as_millis() as u64,
                max_records: PULL_MAX_RECORDS,
                max_bytes: PULL_MAX_BYTES,
                refused: Vec::new(),
                resend: Vec::new(),
            };
            let timeout = plan.long_poll + PULL_GRACE;
            match self
                .post::<_, PullResponse>(plan, wire::PATH_PULL, &req, timeout)
                .await
            {
                Ok(resp) => {
                    plan.tally.pulls.fetch_add(1, Relaxed);
                    plan.tally
                        .pulled_records
                        .fetch_add(resp.records.len() as u64, Relaxed);
                    cursors = resp.cursors;
                }
                Err(f) => {
                    plan.tally.failed(f);
                    tokio::time::sleep(RETRY_AFTER).await;
                }
            }
        }
    }

    /// Health every `health_every`, a finding every `finding_every`, each
    /// timer at its own phase so the counties do not push in step. What a
    /// failed push carried is sent again with the next one; an older
    /// version of the health record still waiting is passed over, as the
    /// outbox does.
    async fn push_loop(&self, plan: &Plan) {
        let mut log = Log {
            generation: self.generation(),
            seq: 0,
            chain: String::new(),
        };
        let health_id = xunlian::health::record_id(&self.id);
        let health_key = health_id.to_string();
        let created = Utc::now();
        let mut health_version = 0u64;
        let mut pending: Vec<WireItem> = Vec::new();
        let mut health = self.timer(plan.health_every);
        let mut finding = self.timer(plan.finding_every);
        loop {
            let record = tokio::select! {
                _ = health.tick() => {
                    health_version += 1;
                    pending.retain(|i| i.id != health_key);
                    self.health(plan, health_id, health_version, created)
                }
                _ = finding.tick() => self.finding(log.seq + 1),
            };
            pending.push(log.append(&record));
            let req = PushRequest {
                generation: log.generation.clone(),
                subtree_hash: xunlian::engine::topology_hash(&[]),
                records: std::mem::take(&mut pending),
            };
            match self
                .post::<_, PushResponse>(plan, wire::PATH_PUSH, &req, PUSH_TIMEOUT)
                .await
            {
                Ok(resp) => {
                    let t = &plan.tally;
                    t.pushes.fetch_add(1, Relaxed);
                    t.records_refused
                        .fetch_add(resp.refused.len() as u64, Relaxed);
                    for item in &req.records {
                        if resp.refused.iter().any(|r| r.seq == item.seq) {
                            continue;
                        }
                        let counter = if item.id == health_key {
                            &t.health_stored
                        } else {
                            &t.findings_stored
                        };
                        counter.fetch_add(1, Relaxed);
                    }
                }
                Err(f) => {
                    plan.tally.failed(f);
                    pending = req.records;
                }
            }
        }
    }

    /// A timer of `period` whose first tick falls at this county's phase
    /// within the period (golden-ratio spread: even, and reproducible).
    fn timer(&self, period: Duration) -> tokio::time::Interval {
        let phase = (self.index as f64 * 0.618_033_988_75).fract();
        let first = tokio::time::Instant::now() + period.mul_f64(phase);
        let mut t = tokio::time::interval_at(first, period);
        t.set_missed_tick_behavior(MissedTickBehavior::Delay);
        t
    }

    fn record(
        &self,
        kind: Kind,
        id: Uuid,
        version: u64,
        created: DateTime<Utc>,
        body: Value,
    ) -> Record {
        let mut r = Record {
            id,
            kind,
            origin: self.id.clone(),
            version,
            created_at: created,
            updated_at: Utc::now(),
            round_id: None,
            classification: Classification::Internal,
            route: Route {
                up_to: xunlian::config::default_routing(kind),
                ..Route::default()
            },
            body,
            signature: None,
        };
        xunlian::trust::sign_chunk(std::slice::from_mut(&mut r), &self.key)
            .expect("a simulated county signs its record");
        r
    }

    /// This county's health record: its link to the parent, nothing below.
    fn health(&self, plan: &Plan, id: Uuid, version: u64, created: DateTime<Utc>) -> Record {
        let body = json!({
            "node": self.id, "level": Level::County, "at": Utc::now(),
            "software_version": wire::SOFTWARE_VERSION,
            "links": [{"peer": plan.parent, "direction": "parent", "connected": true}],
            "subtree": [],
        });
        self.record(Kind::Health, id, version, created, body)
    }

    /// A small finding (about 200 bytes of body).
    fn finding(&self, n: i64) -> Record {
        let body = json!({
            "title": format!("{} 模拟问题 {n}", self.id), "severity": "general",
            "category": "grassroots_corruption",
            "facts": "抽查发现部分惠农补贴资金发放不及时，群众反映强烈。",
        });
        self.record(Kind::Finding, Uuid::new_v4(), 1, Utc::now(), body)
    }

    /// Validates one record of each kind this county sends against the
    /// schemas the parent enforces: a mistake here fails the bench at
    /// once instead of filling the parent's quarantine.
    pub fn check_records(&self, plan: &Plan) -> anyhow::Result<()> {
        let schemas = xunlian::records::Schemas::builtin();
        let id = xunlian::health::record_id(&self.id);
        for r in [self.health(plan, id, 1, Utc::now()), self.finding(1)] {
            schemas
                .check(&serde_json::to_value(&r)?)
                .map_err(|e| anyhow::anyhow!("simulated {} record: {e}", r.kind))?;
        }
        Ok(())
    }

    /// POSTs `body` as JSON to `path` on the parent, as `sync::uplink` does.
    async fn post<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        plan: &Plan,
        path: &'static str,
        body: &Req,
        timeout: Duration,
    ) -> Result<Resp, Failure> {
        let json = serde_json::to_vec(body).expect("wire types serialise");
        let resp = self
            .http
            .post(format!("{}{path}", plan.parent_url))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(timeout)
            .body(json)
            .send()
            .await
            .map_err(|e| Failure::of(path, e))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| Failure::of(path, e))?;
        if !status.is_success() {
            let reason = serde_json::from_slice::<wire::ErrorBody>(&bytes)
                .map(|b| b.reason)
                .unwrap_or(wire::Reason::Unknown);
            return Err(Failure {
                kind: format!("{path} http {} {reason}", status.as_u16()),
                message: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| Failure {
            kind: format!("{path} bad answer"),
            message: e.to_string(),
        })
    }
}
