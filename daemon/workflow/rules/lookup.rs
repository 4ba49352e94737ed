//! What the rules may look up: the records this office holds, the round
//! plans read or prepared during one submit batch, the assignments with
//! authority here, registers, and the tree as this office knows it.

use std::collections::HashMap;

use uuid::Uuid;

use super::Context;
use crate::node::NodeId;
use crate::records::{Kind, Record};
use crate::store::{RecordFilter, Store, StoreError};
use crate::workflow::bodies::{self, Assignment, UnitRegister};
use crate::workflow::ids;
use crate::workflow::snapshot::Tree;

/// Round plans read from the store or prepared during one submit batch, so
/// a bulk of findings of one round reads its plan once.
#[derive(Default)]
pub struct PlanCache(std::sync::Mutex<HashMap<(NodeId, String), Option<Record>>>);

impl PlanCache {
    /// Notes a record prepared in this batch: a round plan replaces what
    /// the cache held for its round.
    pub fn prepared(&self, r: &Record) {
        if r.kind == Kind::RoundPlan
            && let Some(round) = bodies::round_of(r)
        {
            let key = (r.origin.clone(), round.to_string());
            self.lock().insert(key, Some(r.clone()));
        }
    }

    /// A std lock: never held across an await.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(NodeId, String), Option<Record>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What the rules may look up: the records this node holds, plus those
/// prepared earlier in the same submit batch (which win).
pub struct Lookup<'a> {
    store: &'a Store,
    pending: &'a [(Option<usize>, Record)],
    cache: &'a PlanCache,
}

impl<'a> Lookup<'a> {
    pub fn new(
        store: &'a Store,
        pending: &'a [(Option<usize>, Record)],
        cache: &'a PlanCache,
    ) -> Lookup<'a> {
        Lookup {
            store,
            pending,
            cache,
        }
    }

    fn pending(&self) -> impl DoubleEndedIterator<Item = &Record> {
        self.pending.iter().map(|(_, r)| r)
    }

    pub async fn get(&self, id: &Uuid) -> Result<Option<Record>, StoreError> {
        match self.pending().rev().find(|r| r.id == *id) {
            Some(r) => Ok(Some(r.clone())),
            None => self.store.get(id).await,
        }
    }

    /// The round plan of `origin` for `round` (one prepared earlier in the
    /// batch wins: [`PlanCache::prepared`] put it in the cache).
    pub async fn plan(&self, origin: &NodeId, round: &str) -> Result<Option<Record>, StoreError> {
        let key = (origin.clone(), round.to_string());
        if let Some(hit) = self.lock().get(&key) {
            return Ok(hit.clone());
        }
        let found = self
            .store
            .query(&RecordFilter {
                kind: Some(Kind::RoundPlan),
                round_id: Some(round.to_string()),
                origin: Some(origin.clone()),
                since_seq: None,
                since_time: None,
                limit: 1,
            })
            .await?;
        let plan = found.into_iter().next().map(|(_, r)| r);
        self.lock().insert(key, plan.clone());
        Ok(plan)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(NodeId, String), Option<Record>>> {
        self.cache.lock()
    }

    /// Every assignment held that this office or one above it issued, with
    /// its body (one from anywhere else has no authority here).
    pub async fn assignments(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<(Record, Assignment)>, StoreError> {
        let mut all = self.store.records_of_kind(Kind::Assignment).await?;
        all.extend(
            self.pending()
                .filter(|r| r.kind == Kind::Assignment)
                .cloned(),
        );
        Ok(all
            .into_iter()
            .filter(|r| ctx.issued_above(r))
            .filter_map(|r| {
                let a = bodies::read(&r).ok()?;
                Some((r, a))
            })
            .collect())
    }

    /// The unit register of `office`, if held (only one it wrote counts).
    pub async fn register(&self, office: &str) -> Result<Option<UnitRegister>, StoreError> {
        Ok(match self.get(&ids::register(office)).await? {
            Some(r) if r.origin.as_str() == office => bodies::read(&r).ok(),
            _ => None,
        })
    }

    /// The tree as this office knows it: itself, its ancestors, and the
    /// subtree its children announced (names are not needed here).
    pub async fn tree(&self, ctx: &Context<'_>) -> Result<Tree, StoreError> {
        let below: Vec<_> = self
            .store
            .topology()
            .await?
            .into_iter()
            .map(|(e, _)| e)
            .collect();
        Ok(Tree::new(ctx.me, "", ctx.level, ctx.ancestors, &below))
    }
}
