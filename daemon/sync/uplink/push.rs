//! The child's push loop: batch after batch from the outbox up to the
//! parent, the next cut while the parent commits the last, and the outbox
//! trimmed (in a loop of its own) by what the parent confirmed.

use std::time::Duration;

use tokio::sync::watch;
use tracing::warn;

use super::Session;
use super::client::{Body, LinkError};
use crate::engine::{Link, LinkEvent};
use crate::records::{Lane, PerLane};
use crate::sync::admission::refused_signatures;
use crate::sync::outbound::next_batch;
use crate::sync::wire::{self, Limits, PushRequest, PushResponse, Reason};

/// Batch limits agreed with the parent.
struct BatchLimits {
    max_records: usize,
    max_bytes: usize,
}

/// What cutting the next batch found.
enum Next {
    Batch(Batch),
    /// No record to send, but superseded rows were passed up to here.
    Passed(PerLane<i64>),
    /// Nothing new.
    Empty,
}

/// A push request ready to send.
struct Batch {
    body: Body,
    /// The generation of this node's log the batch was cut from.
    generation: String,
    /// The position per lane this batch reaches.
    passed: PerLane<i64>,
    records: u64,
    bytes: u64,
}

impl Session<'_> {
    /// Pushes the outbox up, batch after batch, and trims it by what the
    /// parent confirmed. While the parent commits one batch, the next is
    /// cut and encoded, so a backlog streams without a gap; the parent
    /// still commits them one at a time, in order, and the outbox is
    /// trimmed only by what it confirmed.
    pub(super) async fn push_loop(&self, parent_limits: &Limits) -> Result<(), LinkError> {
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
        let mut acked = PerLane::default();
        for lane in Lane::ALL {
            *acked.get_mut(lane) = e.store().acked(peer, lane).await?;
        }
        let (confirm, confirmed) = watch::channel(acked);
        tokio::select! {
            r = self.push_batches(&link, &limits, acked, &confirm) => r,
            r = self.trim_loop(acked, confirmed) => r,
        }
    }

    /// Sends batch after batch from `after` on, telling `confirm` what the
    /// parent confirmed.
    async fn push_batches(
        &self,
        link: &Link,
        limits: &BatchLimits,
        mut after: PerLane<i64>,
        confirm: &watch::Sender<PerLane<i64>>,
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
                self.client.send::<PushResponse>(
                    wire::PATH_PUSH,
                    &batch.body,
                    Duration::from_secs(120)
                ),
                self.cut(after, limits),
            );
            let resp = match resp {
                Err(LinkError::Refused {
                    reason: Reason::TopologyStale,
                    ..
                }) => {
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
            self.engine
                .recheck(peer, &refused_signatures(&resp.refused))
                .await?;
            link.record(LinkEvent::Pushed {
                records: batch.records,
                bytes: batch.bytes,
            });
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
        mut trimmed: PerLane<i64>,
        mut confirmed: watch::Receiver<PerLane<i64>>,
    ) -> Result<(), LinkError> {
        loop {
            if confirmed.changed().await.is_err() {
                // The push loop is gone, and this session with it.
                return std::future::pending().await;
            }
            let now = *confirmed.borrow_and_update();
            let acks = changed_lanes(trimmed, now);
            if !acks.is_empty() {
                self.engine.ack(&self.parent.id, &acks).await?;
                trimmed = now;
            }
        }
    }

    /// The next batch after `after`, encoded for the wire.
    async fn cut(&self, after: PerLane<i64>, limits: &BatchLimits) -> Result<Next, LinkError> {
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
            generation: e.store().generation(),
            subtree_hash: e.own_subtree_hash(),
            records: items,
        };
        Ok(Next::Batch(Batch {
            body: Body::encode(wire::PATH_PUSH, &req)?,
            generation: req.generation,
            passed,
            records,
            bytes,
        }))
    }
}

/// Raises the confirmed position of each lane in `acks` (never lowers
/// one: the parent's cursor only moves forward within a session).
fn confirm_up_to(confirm: &watch::Sender<PerLane<i64>>, acks: &[(Lane, i64)]) {
    confirm.send_if_modified(|pos| {
        let mut raised = false;
        for (lane, seq) in acks {
            let p = pos.get_mut(*lane);
            if *seq > *p {
                *p = *seq;
                raised = true;
            }
        }
        raised
    });
}

/// The lanes whose position moved from `before` to `after`, with the new seq.
fn changed_lanes(before: PerLane<i64>, after: PerLane<i64>) -> Vec<(Lane, i64)> {
    after
        .iter()
        .filter(|(lane, seq)| before.get(*lane) != *seq)
        .map(|(lane, seq)| (lane, *seq))
        .collect()
}
