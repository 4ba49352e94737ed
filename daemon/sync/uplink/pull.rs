//! The child's pull loop: long-polls the parent for what it queued here,
//! admits it, and commits it with the parent's cursors; records refused
//! here are told to the parent with the next pull.

use std::time::Duration;

use super::Session;
use super::client::LinkError;
use crate::engine::LinkEvent;
use crate::routing::Source;
use crate::store::Commit;
use crate::sync::admission::{admit_batch, received_cursors};
use crate::sync::wire::{self, PullRequest, PullResponse, Refused};

impl Session<'_> {
    pub(super) async fn pull_loop(&self) -> Result<(), LinkError> {
        let e = self.engine;
        let peer = &self.parent.id;
        let link = e.link(peer);
        let wait = e.config.limits.long_poll;
        let mut refused: Vec<Refused> = Vec::new();
        loop {
            let req = PullRequest {
                cursors: received_cursors(e, peer).await?,
                wait_ms: wait.as_millis() as u64,
                max_records: e.config.limits.max_batch_records,
                max_bytes: e.config.limits.max_batch_bytes,
                refused: std::mem::take(&mut refused),
                resend: e.resend_wanted(peer).await?,
            };
            let resp: PullResponse = self
                .client
                .post(wire::PATH_PULL, &req, wait + Duration::from_secs(60))
                .await?;
            e.learn_ancestors(&resp.ancestors).await?;
            e.resend(peer, &resp.resend).await?;
            let batch = admit_batch(e, peer, &Source::Parent, &resp.records);
            refused.extend(batch.refused);
            let cursors: Vec<_> = resp
                .cursors
                .iter()
                .map(|c| (c.lane, c.pos.clone()))
                .collect();
            e.commit(Commit {
                from: Some(peer.clone()),
                items: batch.admitted,
                cursors,
                quarantine: batch.quarantine,
            })
            .await?;
            if let Some(l) = &link {
                l.record(LinkEvent::Pulled {
                    records: resp.records.len() as u64,
                    bytes: batch.bytes,
                });
            }
        }
    }
}
