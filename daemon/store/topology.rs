//! The subtree below this node as its children announced it, and the
//! records parked until a destination in it becomes known.

use serde::{Deserialize, Serialize};

use super::RangeItem;
use super::bulk::MultiRow;
use super::{Store, StoreError, col, sql};
use crate::node::{Level, NodeId};

static UNPARK: MultiRow = MultiRow::list("DELETE FROM parked WHERE seq IN (", ")");

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

    /// Records waiting for a destination to become known, with their seq.
    pub async fn parked(&self) -> Result<Vec<RangeItem>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.id, r.seq, r.doc, r.received_from FROM parked p JOIN records r ON r.seq = p.seq ORDER BY p.seq",
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
                Ok(RangeItem {
                    seq: col(r, "seq")?,
                    record,
                    doc,
                    received_from: col(r, "received_from")?,
                })
            })
            .collect()
    }

    /// Takes `seqs` off the parked list (stale or fully routed rows).
    pub async fn unpark(&self, seqs: &[i64]) -> Result<(), StoreError> {
        let _w = self.inner.write.lock().await;
        let mut tx = self.begin_write().await.map_err(sql("beginning unpark"))?;
        UNPARK
            .execute(self.inner.backend, &mut tx, seqs, "unparking", |q, seq| {
                q.bind(*seq)
            })
            .await?;
        sqlx::query("DELETE FROM parked WHERE seq NOT IN (SELECT seq FROM records)")
            .execute(&mut *tx)
            .await
            .map_err(sql("dropping stale parked rows"))?;
        tx.commit().await.map_err(sql("committing unpark"))?;
        Ok(())
    }
}
