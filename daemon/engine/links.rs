//! Per-link live state: the wake signal that tells a link new records wait,
//! and the counters operators read (connected, last success, traffic,
//! refusals, the peer's version and certificate expiry). The state changes
//! only through [`Link::record`], one [`LinkEvent`] at a time.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tracing::{debug, info};

use super::Reason;
use crate::node::NodeId;

/// Which way a link points from this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Parent,
    Child,
}

impl Direction {
    /// As in reports and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Parent => "parent",
            Direction::Child => "child",
        }
    }
}

/// Counters and facts about one link, as shown by `status`.
#[derive(Debug, Clone, Default)]
pub struct LinkState {
    pub connected: bool,
    pub last_push_ok: Option<DateTime<Utc>>,
    pub last_pull_ok: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub records_in: u64,
    pub records_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Refused records and requests, by reason.
    pub refusals: BTreeMap<Reason, u64>,
    pub peer_version: Option<String>,
    pub peer_cert_not_after: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Sessions with the parent that ended in an error, refused
    /// connections included (parent links only).
    pub session_failures: u64,
}

impl LinkState {
    /// A push or pull went through: the link is up, and `records`
    /// (`bytes`) came in or went out.
    fn exchanged(&mut self, now: DateTime<Utc>, incoming: bool, records: u64, bytes: u64) {
        self.connected = true;
        self.last_seen = Some(now);
        if incoming {
            self.records_in += records;
            self.bytes_in += bytes;
        } else {
            self.records_out += records;
            self.bytes_out += bytes;
        }
    }
}

/// Something that happened on a link. Pushes and pulls are named from the
/// child's side, the one that makes them: on a child link (this node is
/// the parent) a push brings records in and a pull sends them out; on the
/// parent link the other way round.
#[derive(Debug)]
pub enum LinkEvent {
    /// The peer made a request that passed the checks (parent side), with
    /// the expiry of the certificate it presented.
    Seen {
        cert_not_after: Option<DateTime<Utc>>,
    },
    /// A hello went through: the peer runs `peer_version`.
    Connected {
        peer_version: String,
        /// The peer's store generation.
        peer_generation: String,
        /// The parent's certificate expiry (child side; the parent learns
        /// the child's from [`LinkEvent::Seen`]).
        cert_not_after: Option<DateTime<Utc>>,
    },
    /// A push of `records` records (`bytes` of record JSON) went through.
    Pushed { records: u64, bytes: u64 },
    /// A pull of `records` records (`bytes` of record JSON) went through.
    Pulled { records: u64, bytes: u64 },
    /// A request or a record on this link was refused.
    Refused(Reason),
    /// The session with the parent ended in `error`.
    SessionFailed { error: String },
}

/// One link's wake signal and state.
pub struct Link {
    pub peer: NodeId,
    pub direction: Direction,
    /// Bumped whenever a record is queued for this link.
    wake: watch::Sender<u64>,
    /// A std lock: never held across an await.
    state: Mutex<LinkState>,
}

impl Link {
    pub fn new(peer: NodeId, direction: Direction) -> Self {
        Link {
            peer,
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

    pub fn snapshot(&self) -> LinkState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Takes `event` into the link's state. Returns whether the link was
    /// connected before (a failed session that had been up is news).
    pub fn record(&self, event: LinkEvent) -> bool {
        let peer = &self.peer;
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let was_connected = s.connected;
        let now = Utc::now();
        let as_parent = self.direction == Direction::Child;
        match event {
            LinkEvent::Seen { cert_not_after } => {
                s.last_seen = Some(now);
                s.peer_cert_not_after = cert_not_after;
            }
            LinkEvent::Connected {
                peer_version,
                peer_generation,
                cert_not_after,
            } => {
                if as_parent {
                    debug!(message = "Child said hello.", peer = %peer, version = %peer_version);
                } else {
                    if !was_connected {
                        info!(
                            message = "Connected to parent.",
                            peer = %peer,
                            peer_version = %peer_version,
                            peer_generation = %peer_generation
                        );
                    }
                    s.peer_cert_not_after = cert_not_after;
                }
                s.connected = true;
                s.last_error = None;
                s.last_seen = Some(now);
                s.peer_version = Some(peer_version);
            }
            LinkEvent::Pushed { records, bytes } => {
                if !as_parent {
                    debug!(message = "Push finished.", peer = %peer, records);
                }
                s.last_push_ok = Some(now);
                // A push brings records in when this node is the parent.
                s.exchanged(now, as_parent, records, bytes);
            }
            LinkEvent::Pulled { records, bytes } => {
                s.last_pull_ok = Some(now);
                s.exchanged(now, !as_parent, records, bytes);
            }
            LinkEvent::Refused(reason) => *s.refusals.entry(reason).or_default() += 1,
            LinkEvent::SessionFailed { error } => {
                s.connected = false;
                s.last_error = Some(error);
                s.session_failures += 1;
            }
        }
        was_connected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(direction: Direction) -> Link {
        Link::new(NodeId::new("630102").expect("a node id"), direction)
    }

    #[test]
    fn pushes_and_pulls_count_by_which_side_this_node_is() {
        let child = link(Direction::Child);
        child.record(LinkEvent::Pushed {
            records: 3,
            bytes: 30,
        });
        child.record(LinkEvent::Pulled {
            records: 1,
            bytes: 10,
        });
        let s = child.snapshot();
        assert_eq!((s.records_in, s.bytes_in), (3, 30));
        assert_eq!((s.records_out, s.bytes_out), (1, 10));
        assert!(s.connected && s.last_push_ok.is_some() && s.last_pull_ok.is_some());

        let parent = link(Direction::Parent);
        parent.record(LinkEvent::Pushed {
            records: 3,
            bytes: 30,
        });
        let s = parent.snapshot();
        assert_eq!((s.records_out, s.records_in), (3, 0));
    }

    #[test]
    fn a_failed_session_says_whether_the_link_was_up() {
        let parent = link(Direction::Parent);
        let failed = || LinkEvent::SessionFailed {
            error: "refused".into(),
        };
        assert!(!parent.record(failed()));
        parent.record(LinkEvent::Connected {
            peer_version: "1".into(),
            peer_generation: "g".into(),
            cert_not_after: None,
        });
        assert!(parent.record(failed()));
        parent.record(LinkEvent::Refused(Reason::TopologyStale));
        let s = parent.snapshot();
        assert!(!s.connected);
        assert_eq!(s.session_failures, 2);
        assert_eq!(s.last_error.as_deref(), Some("refused"));
        assert_eq!(s.refusals.get(&Reason::TopologyStale), Some(&1));
    }
}
