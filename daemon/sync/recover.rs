//! The parent's side of a restored child's recovery (see
//! `engine::recovery`): the records whose origin is the child, as this
//! node holds them, page by page. The child checks each as it would a
//! pushed one (`Engine::admit_recovered`).

use serde_json::value::RawValue;
use tracing::info;

use super::wire::{RecoverRequest, RecoverResponse, RecoveredItem};
use crate::engine::Engine;
use crate::node::NodeId;
use crate::store::StoreError;

/// One page of `child`'s own records after `req.after`, at most the
/// smaller of what it asks and this node's batch limit.
pub async fn serve(
    engine: &Engine,
    child: &NodeId,
    req: &RecoverRequest,
) -> Result<RecoverResponse, StoreError> {
    let limit = req
        .max_records
        .clamp(1, engine.config.limits.max_batch_records);
    let mut rows = engine
        .store()
        .records_of_origin(child, req.after.as_deref(), limit as i64 + 1)
        .await?;
    let done = rows.len() <= limit;
    rows.truncate(limit);
    if req.after.is_none() {
        info!(message = "A child restored from a backup is taking its records back.", peer = %child);
    }
    let records = rows
        .into_iter()
        .map(|r| {
            let record = RawValue::from_string(r.doc).map_err(|e| StoreError::Corrupt {
                id: r.id.clone(),
                reason: e.to_string(),
            })?;
            Ok(RecoveredItem {
                id: r.id,
                version: r.version,
                record,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(RecoverResponse { records, done })
}
