//! The log of health changes: one warn line when an office below this node
//! goes stale or down and one when it recovers; one when a link of this
//! node has been down longer than [`SESSION_GRACE`] and one when it comes
//! back; one when this node's certificate enters its warning window and
//! one when it expires. Read every [`EVERY`] from the same state `status` shows — never
//! per request — and at most [`MOST_LINES`] office lines a look (the rest
//! in one line), so a dead province does not flood central's log.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::{LinkReport, OfficeHealth, OfficeState};
use crate::engine::{Engine, SESSION_GRACE};

/// How often the watcher looks.
const EVERY: Duration = Duration::from_secs(5);

/// Office lines logged in one look; the rest are counted in one line.
const MOST_LINES: usize = 20;

/// Logs changes of health until `stop`.
pub async fn watch(engine: &Engine, stop: CancellationToken) {
    let mut log = EventLog::default();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
        let looked = async {
            let links = super::link_reports(engine).await?;
            let offices = super::subtree(engine, &links).await?;
            Ok::<_, crate::store::StoreError>((links, offices))
        };
        match looked.await {
            Ok((links, offices)) => {
                let now = Utc::now();
                log.links(&links, now);
                log.offices(&offices);
                log.certificate(engine, now);
            }
            Err(e) => debug!(message = "Cannot read health for the event log.", error = %e),
        }
    }
}

/// What the watcher last saw and told.
#[derive(Default)]
struct EventLog {
    /// Per link peer: since when it has been seen down, and whether that
    /// was told.
    links: HashMap<String, LinkWatch>,
    /// Per office: its last state, and whether its trouble was told.
    offices: HashMap<String, (OfficeState, bool)>,
    /// The warning last told about this node's certificate: told again
    /// only when it gets worse (expiring, then expired) or is renewed.
    certificate: Option<CertWatch>,
}

/// How this node's certificate stood when last told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CertWatch {
    Expiring,
    Expired,
}

#[derive(Default)]
struct LinkWatch {
    down_since: Option<DateTime<Utc>>,
    told: bool,
}

impl EventLog {
    /// Tells once when this node's certificate (`tls.cert`) enters its
    /// warning window, once when it expires, and once when a renewed one
    /// is out of it again.
    fn certificate(&mut self, engine: &Engine, now: DateTime<Utc>) {
        let path = &engine.config.tls.cert;
        let Some(not_after) = crate::identity::load_first_cert(path)
            .ok()
            .and_then(|c| crate::identity::cert_not_after(&c).ok())
        else {
            return;
        };
        let state = super::warnings::cert_warning(not_after, now).map(|_| {
            if not_after <= now {
                CertWatch::Expired
            } else {
                CertWatch::Expiring
            }
        });
        if state == self.certificate {
            return;
        }
        match state {
            Some(s) => warn!(
                message = "This node's certificate is expiring or expired: renew it (xunlian pki issue); daemons re-read it without restart.",
                state = ?s,
                not_after = %not_after.to_rfc3339(),
                cert = %path.display()
            ),
            None => warn!(
                message = "This node's certificate is out of its warning window again.",
                not_after = %not_after.to_rfc3339(),
                cert = %path.display()
            ),
        }
        self.certificate = state;
    }

    fn links(&mut self, links: &[LinkReport], now: DateTime<Utc>) {
        let grace = chrono::Duration::from_std(SESSION_GRACE).unwrap_or(chrono::Duration::MAX);
        for l in links {
            let w = self.links.entry(l.peer.clone()).or_default();
            if l.connected {
                if w.told {
                    let down_secs = w.down_since.map_or(0, |t| (now - t).num_seconds());
                    warn!(
                        message = "Link up again.",
                        peer = %l.peer,
                        direction = %l.direction,
                        down_secs
                    );
                }
                *w = LinkWatch::default();
                continue;
            }
            // Down since the last sign of the peer, or since first seen
            // down when there was none.
            let since = *w.down_since.get_or_insert(l.last_seen.unwrap_or(now));
            if !w.told && now - since > grace {
                warn!(
                    message = "Link down.",
                    peer = %l.peer,
                    direction = %l.direction,
                    last_seen = %l.last_seen.map_or("never".into(), |t| t.to_rfc3339()),
                    error = %l.last_error.as_deref().unwrap_or("")
                );
                w.told = true;
            }
        }
    }

    fn offices(&mut self, offices: &[OfficeHealth]) {
        let mut untold = 0;
        let mut lines = 0;
        for o in offices {
            let Some(&(before, told)) = self.offices.get(&o.node) else {
                self.offices.insert(o.node.clone(), (o.state, false));
                continue;
            };
            let now_told = match change(before, o.state) {
                Change::Worse if lines < MOST_LINES => {
                    warn!(
                        message = "Office went silent.",
                        office = %o.node,
                        name = %o.name,
                        state = o.state.as_str(),
                        reason = %o.reason.as_deref().unwrap_or("")
                    );
                    lines += 1;
                    true
                }
                Change::Worse => {
                    untold += 1;
                    true
                }
                Change::Recovered if told && lines < MOST_LINES => {
                    warn!(
                        message = "Office recovered.",
                        office = %o.node,
                        name = %o.name,
                        state = o.state.as_str(),
                        was = before.as_str()
                    );
                    lines += 1;
                    false
                }
                Change::Recovered => false,
                Change::Same => told,
            };
            self.offices.insert(o.node.clone(), (o.state, now_told));
        }
        if untold > 0 {
            warn!(
                message = "More offices went silent; see `xunlian status`.",
                offices = untold
            );
        }
    }
}

/// How an office's state changed, for the log.
#[derive(Debug, PartialEq)]
enum Change {
    /// It went stale, or down (from ok, lagging, or stale).
    Worse,
    /// It came back to ok or lagging from stale or down.
    Recovered,
    /// Nothing to tell.
    Same,
}

fn change(before: OfficeState, after: OfficeState) -> Change {
    let rank = |s: OfficeState| match s {
        OfficeState::Stale => 1,
        OfficeState::Down => 2,
        _ => 0,
    };
    match (rank(before), rank(after)) {
        (b, a) if a > b => Change::Worse,
        (b, 0) if b > 0 => Change::Recovered,
        _ => Change::Same,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OfficeState::*;

    #[test]
    fn going_silent_and_coming_back_are_told_and_nothing_else() {
        assert_eq!(change(Ok, Stale), Change::Worse);
        assert_eq!(change(Stale, Down), Change::Worse);
        assert_eq!(change(Lagging, Down), Change::Worse);
        assert_eq!(change(Down, Ok), Change::Recovered);
        assert_eq!(change(Stale, Lagging), Change::Recovered);
        assert_eq!(change(Down, Stale), Change::Same, "a restart on its way");
        assert_eq!(change(NeverSeen, Ok), Change::Same);
        assert_eq!(change(Ok, Lagging), Change::Same);
    }
}
