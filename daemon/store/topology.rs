//! The subtree below this node as its children announced it, and the
//! records parked until a destination in it becomes known.
//!
//! Invariant: a link's outbox grows in seq order, so a sender that has
//! passed a seq never looks below it again. A parked record that gets
//! somewhere new to go is therefore re-issued at the end of the change log
//! (see [`Store::reissue_parked`] and `reissue`), never queued at its old
//! seq.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};

use super::Store;
use super::error::{StoreError, col, sql};
use super::records::RangeItem;
use super::reissue::{Held, Reissued, execute, move_to_end};
use super::statements::{self, chunk_join, join_links, record_doc, split_links};
use crate::node::{Level, NodeId};

/// A parked record routed again with what is known now.
#[derive(Debug)]
pub struct Rerouted {
    /// The seq it is parked at.
    pub seq: i64,
    /// Every link it must go on from here.
    pub links: Vec<NodeId>,
    /// A named destination is still unknown.
    pub park: bool,
}

/// A parked record and the links it was queued on so far.
#[derive(Debug)]
pub struct Parked {
    pub item: RangeItem,
    pub queued_on: BTreeSet<String>,
}

impl Rerouted {
    /// Whether applying this route changes anything for `parked`: a link
    /// it was never queued on, or nothing left to wait for.
    pub fn changes(&self, parked: &Parked) -> bool {
        !self.park
            || self
                .new_links(|l| parked.queued_on.contains(l))
                .next()
                .is_some()
    }

    /// The links of this route that `queued` says the record was not
    /// queued on yet.
    fn new_links<'a>(
        &'a self,
        queued: impl Fn(&str) -> bool + 'a,
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.links
            .iter()
            .map(NodeId::as_str)
            .filter(move |l| !queued(l))
    }
}

/// One office below this node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopologyEntry {
    pub node: NodeId,
    pub parent: NodeId,
    pub level: Level,
    pub name: String,
}

impl Store {
    /// Every known descendant with the child link that leads to it.
    pub async fn topology(&self) -> Result<Vec<(TopologyEntry, NodeId)>, StoreError> {
        let rows = sqlx::query("SELECT node, parent, level, name, via FROM topology ORDER BY node")
            .fetch_all(self.pool())
            .await
            .map_err(sql("reading topology"))?;
        rows.iter()
            .map(|r| {
                let text = |name: &'static str| col::<String>(r, name);
                let bad = |what: &str, v: String| StoreError::Corrupt {
                    id: format!("topology {what}"),
                    reason: v,
                };
                let node = NodeId::new(text("node")?).map_err(|e| bad("node", e.to_string()))?;
                let parent =
                    NodeId::new(text("parent")?).map_err(|e| bad("parent", e.to_string()))?;
                let via = NodeId::new(text("via")?).map_err(|e| bad("via", e.to_string()))?;
                let level: Level = text("level")?.parse().map_err(|e| bad("level", e))?;
                Ok((
                    TopologyEntry {
                        node,
                        parent,
                        level,
                        name: text("name")?,
                    },
                    via,
                ))
            })
            .collect()
    }

    /// Replaces what is known below child `via` with `entries`.
    pub async fn replace_subtree(
        &self,
        via: &NodeId,
        entries: &[TopologyEntry],
    ) -> Result<(), StoreError> {
        let _w = self.inner.write.lock().await;
        let mut tx = self
            .begin_write()
            .await
            .map_err(sql("beginning topology"))?;
        sqlx::query("DELETE FROM topology WHERE via = $1")
            .bind(via.as_str())
            .execute(&mut *tx)
            .await
            .map_err(sql("clearing topology"))?;
        for e in entries {
            sqlx::query(
                "INSERT INTO topology (node, parent, level, name, via) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (node) DO NOTHING",
            )
            .bind(e.node.as_str())
            .bind(e.parent.as_str())
            .bind(e.level.as_str())
            .bind(&e.name)
            .bind(via.as_str())
            .execute(&mut *tx)
            .await
            .map_err(sql("saving topology"))?;
        }
        tx.commit().await.map_err(sql("committing topology"))?;
        Ok(())
    }

    /// Records waiting for a destination to become known, with their seq
    /// and the links they were queued on so far.
    pub async fn parked(&self) -> Result<Vec<Parked>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT r.id, r.seq, ",
            record_doc!(),
            " AS doc, r.received_from, p.links FROM parked p JOIN records r ON r.seq = p.seq",
            chunk_join!(),
            "ORDER BY p.seq"
        ))
        .fetch_all(self.pool())
        .await
        .map_err(sql("reading parked"))?;
        rows.iter()
            .map(|r| {
                let id: String = col(r, "id")?;
                let doc: String = col(r, "doc")?;
                let record = serde_json::from_str(&doc).map_err(|e| StoreError::Corrupt {
                    id,
                    reason: e.to_string(),
                })?;
                let links: String = col(r, "links")?;
                Ok(Parked {
                    item: RangeItem {
                        seq: col(r, "seq")?,
                        record,
                        doc,
                        received_from: col(r, "received_from")?,
                    },
                    queued_on: split_links(&links).map(str::to_string).collect(),
                })
            })
            .collect()
    }

    /// Applies the new routes of parked records. One with links it was
    /// never queued on is re-issued: a new entry of the same version at
    /// the end of the change log, its record row moved there with the
    /// rows still queued for it, and queued on the new links; it stays
    /// parked (at the new seq) while `park` holds. One with nowhere new to
    /// go stays where it is, or leaves the parked list when nothing waits.
    /// A record superseded since it was read is left alone. Returns the
    /// links that got rows.
    pub async fn reissue_parked(
        &self,
        rerouted: &[Rerouted],
    ) -> Result<BTreeSet<NodeId>, StoreError> {
        let _w = self.inner.write.lock().await;
        let mut tx = self
            .begin_write()
            .await
            .map_err(sql("beginning re-issue"))?;
        let mut end = statements::log_end(&mut tx).await?;
        let mut reissued = Vec::new();
        for r in rerouted {
            if let Some(done) = reissue(self, &mut tx, r, &mut end).await? {
                reissued.push(done);
            }
        }
        // Rows of records superseded since they were parked (a newer
        // version was routed, and parked, on its own).
        let stale = sqlx::query("DELETE FROM parked WHERE seq NOT IN (SELECT seq FROM records)");
        execute(&mut tx, stale, "dropping stale parked rows").await?;
        tx.commit().await.map_err(sql("committing re-issue"))?;
        Ok(self.told(end.0, &reissued))
    }
}

/// Applies one new route (see [`Store::reissue_parked`]); `end` is the
/// log's last seq and chain, moved on by a re-issue.
async fn reissue(
    store: &Store,
    tx: &mut Transaction<'static, Any>,
    r: &Rerouted,
    end: &mut (i64, String),
) -> Result<Option<Reissued>, StoreError> {
    let unpark = || sqlx::query("DELETE FROM parked WHERE seq = $1").bind(r.seq);
    let row = sqlx::query(concat!(
        "SELECT r.id, r.version, r.lane, r.bytes, ",
        record_doc!(),
        " AS doc, p.links FROM parked p JOIN records r ON r.seq = p.seq",
        chunk_join!(),
        "WHERE p.seq = $1"
    ))
    .bind(r.seq)
    .fetch_optional(&mut **tx)
    .await
    .map_err(sql("reading a parked record"))?;
    let Some(row) = row else {
        return Ok(None); // Superseded: its row goes with the stale ones.
    };
    let queued: String = col(&row, "links")?;
    let queued: BTreeSet<&str> = split_links(&queued).collect();
    let new: Vec<&str> = r.new_links(|l| queued.contains(l)).collect();
    if new.is_empty() {
        if !r.park {
            execute(tx, unpark(), "unparking").await?;
        }
        return Ok(None);
    }
    let done = move_to_end(store, tx, r.seq, Held::from_row(&row)?, &new, end).await?;
    execute(tx, unpark(), "unparking").await?;
    if r.park {
        let links = join_links(queued.iter().copied().chain(new.iter().copied()));
        let q = sqlx::query("INSERT INTO parked (seq, links) VALUES ($1, $2)")
            .bind(done.seq)
            .bind(links);
        execute(tx, q, "parking a re-issued record").await?;
    }
    Ok(Some(done))
}
