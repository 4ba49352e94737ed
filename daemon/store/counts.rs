//! Records held per kind, counted in memory so a status poll does not
//! scan the records table.

use std::collections::BTreeMap;

use super::error::{StoreError, col, sql};

/// Records held per kind, kept in memory: counted once when the store
/// opens, then moved on by every commit and by the rare drop of a damaged
/// copy (a record's kind never changes), so a status poll does not scan a
/// term's worth of records.
#[derive(Default)]
pub(super) struct Counts {
    /// A std lock: never held across an await.
    by_kind: std::sync::Mutex<BTreeMap<String, i64>>,
}

impl Counts {
    /// Counts what `store` holds (at open).
    pub async fn read(pool: &sqlx::AnyPool) -> Result<Counts, StoreError> {
        let rows = sqlx::query("SELECT kind, COUNT(*) AS n FROM records GROUP BY kind")
            .fetch_all(pool)
            .await
            .map_err(sql("counting records"))?;
        let by_kind = rows
            .iter()
            .map(|r| Ok((col(r, "kind")?, col(r, "n")?)))
            .collect::<Result<_, StoreError>>()?;
        Ok(Counts {
            by_kind: std::sync::Mutex::new(by_kind),
        })
    }

    /// Adds one record of each kind in `kinds`.
    pub fn add(&self, kinds: &[&str]) {
        if kinds.is_empty() {
            return;
        }
        let mut by_kind = self.by_kind.lock().unwrap_or_else(|p| p.into_inner());
        for kind in kinds {
            match by_kind.get_mut(*kind) {
                Some(n) => *n += 1,
                None => {
                    by_kind.insert(kind.to_string(), 1);
                }
            }
        }
    }

    /// Takes away one record of `kind` (a damaged copy dropped).
    pub fn remove(&self, kind: &str) {
        let mut by_kind = self.by_kind.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = by_kind.get_mut(kind) {
            *n = (*n - 1).max(0);
        }
    }

    pub fn get(&self) -> Vec<(String, i64)> {
        let by_kind = self.by_kind.lock().unwrap_or_else(|p| p.into_inner());
        by_kind.iter().map(|(k, n)| (k.clone(), *n)).collect()
    }
}
