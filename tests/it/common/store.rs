//! The stores of a test network: each node's SQLite file or PostgreSQL
//! database (a fresh one per node on the test PostgreSQL `tests/run.sh`
//! started), opened directly to look at what a node holds.

use std::path::PathBuf;
use std::process::Command;

use super::*;

impl Net {
    pub fn store_file(&self, id: &str) -> PathBuf {
        self.nodes[id].dir.join("data/xunlian.db")
    }

    /// The store URL `id` runs on (SQLite file or PostgreSQL database).
    pub fn store_url(&self, id: &str) -> String {
        xunlian::config::Config::load(&self.nodes[id].config)
            .expect("config")
            .store_url
    }

    /// A connection pool on `id`'s store, read beside the daemon; close it
    /// when done.
    pub async fn open_store(&self, id: &str) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.store_url(id))
            .await
            .expect("open store")
    }

    /// How many entries of `record_id` `id`'s change log holds.
    pub async fn log_entries_of(&self, id: &str, record_id: &str) -> i64 {
        let pool = self.open_store(id).await;
        let n = sqlx::query_scalar("SELECT COUNT(*) FROM changes WHERE record_id = $1")
            .bind(record_id)
            .fetch_one(&pool)
            .await
            .expect("count changes");
        pool.close().await;
        n
    }

    /// Records of which some version was appended to `id`'s change log
    /// more than once (must be none: applied exactly once in effect). A
    /// parked record re-issued at the log's end is not applied again.
    pub async fn applied_twice(&self, id: &str) -> Vec<String> {
        let pool = self.open_store(id).await;
        let rows = sqlx::query(
            "SELECT record_id FROM changes WHERE reissue_of IS NULL GROUP BY record_id, version HAVING COUNT(*) > 1",
        )
        .fetch_all(&pool)
        .await
        .expect("query changes");
        pool.close().await;
        rows.iter()
            .map(|r| sqlx::Row::get::<String, _>(r, "record_id"))
            .collect()
    }
}

/// With `XUNLIAN_TEST_STORE=postgres`, the admin URL of the throwaway
/// PostgreSQL that `tests/run.sh` started (`XUNLIAN_TEST_PG`).
pub fn postgres_admin_url() -> Option<String> {
    if std::env::var("XUNLIAN_TEST_STORE").ok().as_deref() != Some("postgres") {
        return None;
    }
    Some(std::env::var("XUNLIAN_TEST_PG").expect(
        "XUNLIAN_TEST_STORE=postgres needs XUNLIAN_TEST_PG (a PostgreSQL admin URL); ./tests/run.sh starts one",
    ))
}

/// Creates a fresh database on the test PostgreSQL; returns its URL.
pub fn create_database(admin: &str) -> String {
    let name = format!("xunlian_{}", uuid::Uuid::new_v4().simple());
    let out = Command::new("psql")
        .args([
            admin,
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            &format!("CREATE DATABASE {name}"),
        ])
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "CREATE DATABASE: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    format!("{base}/{name}")
}
