//! An office whose store was restored from a backup takes back from its
//! parent every record it wrote that the parent holds (those it sent up
//! after the backup was taken), before it writes again: its next version
//! of a record is then above every version the network has seen, so no
//! version number is used twice. `xunlian restore` marks the store
//! ([`mark_restored`]); the uplink asks the parent (`sync::uplink`, the
//! parent's side `sync::recover`); submits are refused until it is done.

use std::sync::atomic::Ordering;

use super::{Admitted, Engine, Rejection};
use crate::routing::Source;
use crate::store::{Store, StoreError};

/// The meta key saying a restored store still has to hear from its parent.
const RECOVERY_KEY: &str = "recover_from_parent";
const PENDING: &str = "pending";

/// Marks a store just put back from a backup: a new generation (peers'
/// cursors into the old one are void, so each link resends everything),
/// and, for an office with a parent, recovery pending. Returns the new
/// generation id.
pub async fn mark_restored(store: &Store, has_parent: bool) -> Result<String, StoreError> {
    let generation = store.rotate_generation().await?;
    if has_parent {
        store.meta_set(RECOVERY_KEY, PENDING).await?;
    }
    Ok(generation)
}

/// Whether `store` still has to recover its records from its parent.
pub(super) async fn pending(store: &Store) -> Result<bool, StoreError> {
    Ok(store.meta_get(RECOVERY_KEY).await?.as_deref() == Some(PENDING))
}

impl Engine {
    /// Whether this office is still taking its records back from its
    /// parent after a restore (submits are refused meanwhile).
    pub fn recovering(&self) -> bool {
        self.recovering.load(Ordering::Acquire)
    }

    /// Checks a record the parent gave back: [`Engine::admit`]'s checks,
    /// with routing's word that it is this office's own
    /// (`routing::check_recovered`); it goes on no link.
    pub fn admit_recovered(&self, raw: &str, declared: (&str, i64)) -> Result<Admitted, Rejection> {
        self.admit(&Source::Recovery, raw, Some(declared))
    }

    /// Ends recovery: the parent gave back everything it holds of ours.
    pub async fn recovered(&self) -> Result<(), StoreError> {
        self.store.meta_set(RECOVERY_KEY, "done").await?;
        self.recovering.store(false, Ordering::Release);
        Ok(())
    }
}
