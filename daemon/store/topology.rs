//! The subtree below this node as its children announced it, and the
//! records parked until a destination in it becomes known.
//!
//! Invariant: a link's outbox grows in seq order, so a sender that has
//! passed a seq never looks below it again. A parked record that gets
//! somewhere new to go is therefore re-issued at the end of the change log
//! (see [`Store::reissue_parked`]), never queued at its old seq.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};

use super::Store;
use super::backend::Backend;
use super::chain::chain_next;
use super::error::{StoreError, col, sql};
use super::records::RangeItem;
use super::statements::{self, join_links, split_links};
use super::tail::TailRow;
use super::types::{Change, OutboxRow, now_ms};
use crate::node::{Level, NodeId};
use crate::records::Lane;

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
        let rows = sqlx::query(
            "SELECT r.id, r.seq, r.doc, r.received_from, p.links
             FROM parked p JOIN records r ON r.seq = p.seq ORDER BY p.seq",
        )
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
            if let Some(done) = reissue(self.inner.backend, &mut tx, r, &mut end).await? {
                reissued.push(done);
            }
        }
        // Rows of records superseded since they were parked (a newer
        // version was routed, and parked, on its own).
        let stale = sqlx::query("DELETE FROM parked WHERE seq NOT IN (SELECT seq FROM records)");
        execute(&mut tx, stale, "dropping stale parked rows").await?;
        tx.commit().await.map_err(sql("committing re-issue"))?;
        // Told under the write lock, in seq order, like any commit.
        let rows = reissued
            .iter()
            .flat_map(|d| {
                d.peers.iter().map(|peer| TailRow {
                    peer,
                    lane: d.lane,
                    seq: d.seq,
                    doc: d.doc.clone(),
                    change: d.change.clone(),
                })
            })
            .collect();
        self.inner.tails.committed(end.0, rows);
        Ok(reissued
            .iter()
            .flat_map(|d| d.peers.iter().filter_map(|p| NodeId::new(p.as_str()).ok()))
            .collect())
    }
}

/// A parked record re-issued at `seq`, queued for `peers`.
struct Reissued {
    peers: BTreeSet<String>,
    lane: Lane,
    seq: i64,
    doc: Arc<str>,
    change: Arc<Change>,
}

/// Runs one statement of a re-issue.
async fn execute<'q>(
    tx: &mut Transaction<'static, Any>,
    q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    what: &'static str,
) -> Result<(), StoreError> {
    q.execute(&mut **tx).await.map_err(sql(what))?;
    Ok(())
}

/// Applies one new route (see [`Store::reissue_parked`]); `end` is the
/// log's last seq and chain, moved on by a re-issue.
async fn reissue(
    backend: Backend,
    tx: &mut Transaction<'static, Any>,
    r: &Rerouted,
    end: &mut (i64, String),
) -> Result<Option<Reissued>, StoreError> {
    let unpark = || sqlx::query("DELETE FROM parked WHERE seq = $1").bind(r.seq);
    let row = sqlx::query(
        "SELECT r.id, r.version, r.lane, r.bytes, r.doc, p.links
         FROM parked p JOIN records r ON r.seq = p.seq WHERE p.seq = $1",
    )
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
    let id: String = col(&row, "id")?;
    let version: i64 = col(&row, "version")?;
    let lane_no: i64 = col(&row, "lane")?;
    let bytes: i64 = col(&row, "bytes")?;
    let lane = Lane::from_i64(lane_no).ok_or_else(|| StoreError::Corrupt {
        id: id.clone(),
        reason: format!("lane {lane_no}"),
    })?;
    let seq = end.0 + 1;
    let chain = chain_next(&end.1, &id, version);
    *end = (seq, chain.clone());
    let insert = sqlx::query(
        "INSERT INTO changes (seq, record_id, version, chain, reissue_of) VALUES ($1, $2, $3, $4, $5)",
    );
    let insert = insert
        .bind(seq)
        .bind(id.clone())
        .bind(version)
        .bind(chain.clone())
        .bind(r.seq);
    execute(tx, insert, "re-issuing a parked record").await?;
    let moved = sqlx::query("UPDATE records SET seq = $1 WHERE seq = $2")
        .bind(seq)
        .bind(r.seq);
    execute(tx, moved, "moving a re-issued record").await?;
    let pending = sqlx::query("SELECT peer FROM outbox WHERE seq = $1")
        .bind(r.seq)
        .fetch_all(&mut **tx)
        .await
        .map_err(sql("reading a parked record's queued rows"))?;
    let mut peers: BTreeSet<String> = pending
        .iter()
        .map(|p| col::<String>(p, "peer"))
        .collect::<Result<_, _>>()?;
    let moved = sqlx::query("UPDATE outbox SET seq = $1 WHERE seq = $2")
        .bind(seq)
        .bind(r.seq);
    execute(tx, moved, "moving a parked record's queued rows").await?;
    let rows: Vec<OutboxRow<'_>> = new.iter().map(|p| (*p, lane_no, seq, bytes)).collect();
    statements::queue(backend, tx, &rows, now_ms()).await?;
    peers.extend(new.iter().map(|p| p.to_string()));
    execute(tx, unpark(), "unparking").await?;
    if r.park {
        let links = join_links(queued.iter().copied().chain(new.iter().copied()));
        let q = sqlx::query("INSERT INTO parked (seq, links) VALUES ($1, $2)")
            .bind(seq)
            .bind(links);
        execute(tx, q, "parking a re-issued record").await?;
    }
    let doc: String = col(&row, "doc")?;
    Ok(Some(Reissued {
        peers,
        lane,
        seq,
        doc: Arc::from(doc),
        change: Arc::new(Change {
            record_id: id,
            version,
            chain,
        }),
    }))
}
