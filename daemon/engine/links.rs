//! Per-link live state: the wake signal that tells a link new records wait,
//! and the counters operators read (connected, last success, traffic,
//! refusals, the peer's version and certificate expiry).

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::watch;

/// Which way a link points from this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Parent,
    Child,
}

/// Counters and facts about one link, as shown by `status`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkState {
    pub connected: bool,
    pub last_push_ok: Option<DateTime<Utc>>,
    pub last_pull_ok: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub records_in: u64,
    pub records_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Refused records and requests, by reason code.
    pub refusals: BTreeMap<String, u64>,
    pub peer_version: Option<String>,
    pub peer_cert_not_after: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Sessions with the parent that ended in an error, refused
    /// connections included (parent links only).
    pub session_failures: u64,
}

/// One link's wake signal and state.
pub struct Link {
    pub direction: Direction,
    /// Bumped whenever a record is queued for this link.
    wake: watch::Sender<u64>,
    /// A std lock: never held across an await.
    state: Mutex<LinkState>,
}

impl Link {
    pub fn new(direction: Direction) -> Self {
        Link {
            direction,
            wake: watch::channel(0).0,
            state: Mutex::new(LinkState::default()),
        }
    }

    /// Tells whoever serves this link that records are waiting.
    pub fn wake(&self) {
        self.wake.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// A receiver that sees every later [`Link::wake`].
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.wake.subscribe()
    }

    pub fn update(&self, f: impl FnOnce(&mut LinkState)) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut s);
    }

    pub fn snapshot(&self) -> LinkState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn refused(&self, reason: &str) {
        self.update(|s| *s.refusals.entry(reason.to_string()).or_default() += 1);
    }
}
