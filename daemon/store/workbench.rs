//! The workbench's rows: people's accounts (name, role, argon2 hash,
//! disabled) and the audit of every write made through it. What a role
//! may do and how a password is checked live in `api::workbench`; this
//! file only keeps and reads the rows.

use super::Store;
use super::error::{StoreError, col, sql};
use super::types::now_ms;

/// One account as stored.
#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub role: String,
    /// The argon2 hash as a PHC string.
    pub hash: String,
    pub disabled: bool,
}

/// One write made through the workbench.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    /// Milliseconds since the epoch.
    pub at: i64,
    pub user: String,
    pub role: String,
    /// What was done (`submit`, `import`, `sign_in`, …).
    pub action: String,
    pub kind: Option<String>,
    pub record_id: Option<String>,
    /// The address the request came from.
    pub address: String,
}

impl Store {
    /// Adds an account; false when the name is taken.
    pub async fn account_add(
        &self,
        name: &str,
        role: &str,
        hash: &str,
    ) -> Result<bool, StoreError> {
        let _w = self.inner.write.lock().await;
        let added = sqlx::query(
            "INSERT INTO workbench_users (name, role, hash, disabled, changed_at) VALUES ($1, $2, $3, 0, $4) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(role)
        .bind(hash)
        .bind(now_ms())
        .execute(&self.inner.writer)
        .await
        .map_err(sql("adding an account"))?
        .rows_affected();
        Ok(added == 1)
    }

    /// Sets an account's hash (and enables it again); false when there is
    /// no such account.
    pub async fn account_set_hash(&self, name: &str, hash: &str) -> Result<bool, StoreError> {
        let _w = self.inner.write.lock().await;
        let n = sqlx::query(
            "UPDATE workbench_users SET hash = $1, disabled = 0, changed_at = $2 WHERE name = $3",
        )
        .bind(hash)
        .bind(now_ms())
        .bind(name)
        .execute(&self.inner.writer)
        .await
        .map_err(sql("setting a password"))?
        .rows_affected();
        Ok(n == 1)
    }

    /// Disables an account; false when there is no such account.
    pub async fn account_disable(&self, name: &str) -> Result<bool, StoreError> {
        let _w = self.inner.write.lock().await;
        let n =
            sqlx::query("UPDATE workbench_users SET disabled = 1, changed_at = $1 WHERE name = $2")
                .bind(now_ms())
                .bind(name)
                .execute(&self.inner.writer)
                .await
                .map_err(sql("disabling an account"))?
                .rows_affected();
        Ok(n == 1)
    }

    /// The account named `name`, if any.
    pub async fn account(&self, name: &str) -> Result<Option<Account>, StoreError> {
        let row =
            sqlx::query("SELECT name, role, hash, disabled FROM workbench_users WHERE name = $1")
                .bind(name)
                .fetch_optional(self.pool())
                .await
                .map_err(sql("reading an account"))?;
        row.map(|r| {
            Ok(Account {
                name: col(&r, "name")?,
                role: col(&r, "role")?,
                hash: col(&r, "hash")?,
                disabled: col::<i64>(&r, "disabled")? != 0,
            })
        })
        .transpose()
    }

    /// Appends one audit entry (its `id` and `at` are set here).
    pub async fn audit_append(&self, e: &AuditEntry) -> Result<(), StoreError> {
        let _w = self.inner.write.lock().await;
        sqlx::query(
            "INSERT INTO workbench_audit (at, user_name, role, action, kind, record_id, address) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(now_ms())
        .bind(&e.user)
        .bind(&e.role)
        .bind(&e.action)
        .bind(e.kind.as_deref())
        .bind(e.record_id.as_deref())
        .bind(&e.address)
        .execute(&self.inner.writer)
        .await
        .map_err(sql("writing the audit"))?;
        Ok(())
    }

    /// The newest `limit` audit entries, of `user` only when given.
    pub async fn audit_list(
        &self,
        user: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, user_name, role, action, kind, record_id, address FROM workbench_audit \
             WHERE ($1 = '' OR user_name = $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(user.unwrap_or(""))
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .map_err(sql("reading the audit"))?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: col(r, "id")?,
                    at: col(r, "at")?,
                    user: col(r, "user_name")?,
                    role: col(r, "role")?,
                    action: col(r, "action")?,
                    kind: col(r, "kind")?,
                    record_id: col(r, "record_id")?,
                    address: col(r, "address")?,
                })
            })
            .collect()
    }
}
