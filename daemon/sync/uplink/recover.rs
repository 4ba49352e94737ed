//! The child's side of recovery after a restore (see `engine::recovery`):
//! before anything else on the first session, take back page by page every
//! record of ours the parent holds, each admitted as its own
//! (`Engine::admit_recovered`; a refused one is quarantined), then open
//! submits again.

use std::time::Duration;

use tracing::{info, warn};

use super::Session;
use super::client::LinkError;
use crate::store::{Commit, QuarantineEntry};
use crate::sync::wire::{self, RecoverRequest, RecoverResponse};

impl Session<'_> {
    pub(super) async fn recover(&self) -> Result<(), LinkError> {
        let e = self.engine;
        if !e.recovering() {
            return Ok(());
        }
        let peer = &self.parent.id;
        if self.client.protocol() < wire::RECOVER_SINCE {
            warn!(message = "Store restored from a backup, but the parent runs a release without recovery: writes stay refused until the parent is upgraded (upgrade parents first).", peer = %peer, protocol = self.client.protocol());
            return Ok(());
        }
        info!(message = "Store restored from a backup: taking this office's records back from the parent before writing.", peer = %peer);
        let mut after = None;
        let (mut stored, mut refused) = (0usize, 0usize);
        loop {
            let req = RecoverRequest {
                after: after.take(),
                max_records: e.config.limits.max_batch_records,
            };
            let resp: RecoverResponse = self
                .client
                .post(wire::PATH_RECOVER, &req, Duration::from_secs(120))
                .await?;
            let mut items = Vec::with_capacity(resp.records.len());
            let mut quarantine = Vec::new();
            for item in &resp.records {
                let raw = item.record.get();
                match e.admit_recovered(raw, (&item.id, item.version)) {
                    Ok(a) => items.push(a),
                    Err(rej) => {
                        warn!(message = "Refused a record the parent gave back; quarantined.", peer = %peer, record = %item.id, reason = %rej.reason);
                        quarantine.push(QuarantineEntry::new(
                            Some(peer),
                            raw,
                            rej.code.as_str(),
                            rej.reason,
                        ));
                    }
                }
            }
            refused += quarantine.len();
            let committed = e
                .commit(Commit {
                    from: Some(peer.clone()),
                    items,
                    cursors: Vec::new(),
                    quarantine,
                })
                .await?;
            stored += committed
                .applied
                .iter()
                .filter(|a| matches!(a, crate::store::Applied::Stored { .. }))
                .count();
            after = resp.records.last().map(|r| r.id.clone());
            if resp.done || after.is_none() {
                break;
            }
        }
        e.recovered().await?;
        info!(message = "Recovered this office's records from the parent; writes are open again.", peer = %peer, newer_than_backup = stored, refused);
        Ok(())
    }
}
