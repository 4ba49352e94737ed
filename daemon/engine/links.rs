//! Per-link live state: the wake signal that tells a link new records wait,
//! and the counters operators read (connected, last success, traffic,
//! refusals, the peer's version and certificate expiry). The state changes
//! only through [`Link::record`], one [`LinkEvent`] at a time, and
//! [`Link::hold_poll`] while a child's long poll waits.
//!
//! Architecture Invariant: a link is `connected` only while the peer holds
//! a session — on a child link, a long poll of the child waiting here or a
//! request of the child started within the long-poll limit plus
//! [`SESSION_GRACE`]; on the parent link, a session opened by a hello that
//! has not failed and an answer of the parent within the same window. A
//! killed peer therefore shows disconnected within that window, and a
//! reconnect shows connected at once. See [`Session::held`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// How long past the long-poll limit a link stays connected without a
/// sign of its peer: the gap between one long poll and the next, and a
/// slow answer under load.
pub const SESSION_GRACE: Duration = Duration::from_secs(10);

/// Counters and facts about one link, as shown by `status`.
#[derive(Debug, Clone, Default)]
pub struct LinkState {
    /// Whether the peer holds a session now (see [`Session::held`]).
    pub connected: bool,
    pub last_push_ok: Option<DateTime<Utc>>,
    pub last_pull_ok: Option<DateTime<Utc>>,
    /// The last sign of the peer's session: a request of a child, an
    /// answer of the parent.
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
    /// A push or pull went through: `records` (`bytes`) came in or went
    /// out.
    fn exchanged(&mut self, incoming: bool, records: u64, bytes: u64) {
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

/// What tells whether the peer holds a session on a link.
#[derive(Debug, Default)]
struct Session {
    /// Parent link: a hello went through and no session failed since.
    /// Child link: the child made a request since this node started.
    open: bool,
    /// Long polls of the child waiting here now (child links).
    polls_waiting: u32,
}

impl Session {
    /// Whether the peer holds a session at `now`: the session is open and
    /// a poll of the child waits here, or the last sign of the peer
    /// (`last_seen`) is within `window` (the long-poll limit plus
    /// [`SESSION_GRACE`]).
    fn held(&self, last_seen: Option<DateTime<Utc>>, now: DateTime<Utc>, window: Duration) -> bool {
        let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
        self.open && (self.polls_waiting > 0 || last_seen.is_some_and(|t| now - t <= window))
    }
}

/// A link's facts and session, under one lock.
#[derive(Debug, Default)]
struct Inner {
    facts: LinkState,
    session: Session,
}

/// One link's wake signal and state.
pub struct Link {
    pub peer: NodeId,
    pub direction: Direction,
    /// The long-poll limit plus [`SESSION_GRACE`]: how long a link stays
    /// connected without a sign of its peer.
    window: Duration,
    /// Bumped whenever a record is queued for this link.
    wake: watch::Sender<u64>,
    /// A std lock: never held across an await.
    state: Mutex<Inner>,
}

/// Held while a child's long poll waits on its link; dropping it (the
/// answer went out, or the child hung up) ends the wait.
pub struct PollGuard(Arc<Link>);

impl Drop for PollGuard {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.session.polls_waiting = s.session.polls_waiting.saturating_sub(1);
    }
}

impl Link {
    /// A link to `peer` whose long polls wait at most `long_poll`.
    pub fn new(peer: NodeId, direction: Direction, long_poll: Duration) -> Self {
        Link {
            peer,
            direction,
            window: long_poll + SESSION_GRACE,
            wake: watch::channel(0).0,
            state: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks a long poll of the child waiting on this link until the guard
    /// drops.
    pub fn hold_poll(self: &Arc<Self>) -> PollGuard {
        self.lock().session.polls_waiting += 1;
        PollGuard(self.clone())
    }

    /// Tells whoever serves this link that records are waiting.
    pub fn wake(&self) {
        self.wake.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// A receiver that sees every later [`Link::wake`].
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.wake.subscribe()
    }

    /// The link's state now, `connected` as of now.
    pub fn snapshot(&self) -> LinkState {
        self.snapshot_at(Utc::now())
    }

    fn snapshot_at(&self, now: DateTime<Utc>) -> LinkState {
        let inner = self.lock();
        let mut s = inner.facts.clone();
        s.connected = inner.session.held(s.last_seen, now, self.window);
        s
    }

    /// Takes `event` into the link's state. Returns whether the link was
    /// connected before (a failed session that had been up is news).
    pub fn record(&self, event: LinkEvent) -> bool {
        self.record_at(event, Utc::now())
    }

    fn record_at(&self, event: LinkEvent, now: DateTime<Utc>) -> bool {
        let peer = &self.peer;
        let mut inner = self.lock();
        let was_connected = inner.session.held(inner.facts.last_seen, now, self.window);
        let Inner { facts: s, session } = &mut *inner;
        let as_parent = self.direction == Direction::Child;
        match event {
            LinkEvent::Seen { cert_not_after } => {
                session.open = true;
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
                session.open = true;
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
                s.exchanged(as_parent, records, bytes);
                if !as_parent {
                    s.last_seen = Some(now);
                }
            }
            LinkEvent::Pulled { records, bytes } => {
                s.last_pull_ok = Some(now);
                s.exchanged(!as_parent, records, bytes);
                // The parent answered. (On a child link the answer to a
                // poll says nothing of the child: it may have hung up.)
                if !as_parent {
                    s.last_seen = Some(now);
                }
            }
            LinkEvent::Refused(reason) => *s.refusals.entry(reason).or_default() += 1,
            LinkEvent::SessionFailed { error } => {
                session.open = false;
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

    const LONG_POLL: Duration = Duration::from_secs(25);

    fn link(direction: Direction) -> Arc<Link> {
        Arc::new(Link::new(
            NodeId::new("630102").expect("a node id"),
            direction,
            LONG_POLL,
        ))
    }

    fn secs(n: i64) -> chrono::Duration {
        chrono::Duration::seconds(n)
    }

    fn hello() -> LinkEvent {
        LinkEvent::Connected {
            peer_version: "1".into(),
            peer_generation: "g".into(),
            cert_not_after: None,
        }
    }

    #[test]
    fn pushes_and_pulls_count_by_which_side_this_node_is() {
        let child = link(Direction::Child);
        child.record(LinkEvent::Seen {
            cert_not_after: None,
        });
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
    fn a_child_is_connected_while_its_poll_waits_or_it_asked_within_the_window() {
        let child = link(Direction::Child);
        let t0 = Utc::now();
        assert!(!child.snapshot_at(t0).connected, "never seen");
        child.record_at(
            LinkEvent::Seen {
                cert_not_after: None,
            },
            t0,
        );
        let window = secs(35);
        assert!(child.snapshot_at(t0 + window).connected);
        assert!(!child.snapshot_at(t0 + window + secs(1)).connected);
        {
            let _poll = child.hold_poll();
            assert!(
                child.snapshot_at(t0 + secs(600)).connected,
                "a waiting poll holds the session"
            );
        }
        assert!(!child.snapshot_at(t0 + secs(600)).connected);
        // The answer to a poll is no sign of the child: it may be gone.
        child.record_at(
            LinkEvent::Pulled {
                records: 0,
                bytes: 0,
            },
            t0 + secs(600),
        );
        assert!(!child.snapshot_at(t0 + secs(600)).connected);
        // A new request: connected at once.
        child.record_at(
            LinkEvent::Seen {
                cert_not_after: None,
            },
            t0 + secs(601),
        );
        assert!(child.snapshot_at(t0 + secs(601)).connected);
    }

    #[test]
    fn the_parent_is_connected_while_the_session_stands_and_it_answers() {
        let parent = link(Direction::Parent);
        let t0 = Utc::now();
        parent.record_at(hello(), t0);
        assert!(parent.snapshot_at(t0 + secs(35)).connected);
        assert!(
            !parent.snapshot_at(t0 + secs(36)).connected,
            "no answer within the window"
        );
        parent.record_at(
            LinkEvent::Pulled {
                records: 0,
                bytes: 0,
            },
            t0 + secs(36),
        );
        assert!(parent.snapshot_at(t0 + secs(36)).connected);
        parent.record_at(
            LinkEvent::SessionFailed {
                error: "reset".into(),
            },
            t0 + secs(37),
        );
        assert!(!parent.snapshot_at(t0 + secs(37)).connected);
    }

    #[test]
    fn a_failed_session_says_whether_the_link_was_up() {
        let parent = link(Direction::Parent);
        let failed = || LinkEvent::SessionFailed {
            error: "refused".into(),
        };
        assert!(!parent.record(failed()));
        parent.record(hello());
        assert!(parent.record(failed()));
        parent.record(LinkEvent::Refused(Reason::TopologyStale));
        let s = parent.snapshot();
        assert!(!s.connected);
        assert_eq!(s.session_failures, 2);
        assert_eq!(s.last_error.as_deref(), Some("refused"));
        assert_eq!(s.refusals.get(&Reason::TopologyStale), Some(&1));
    }
}
