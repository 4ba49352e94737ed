//! The durable store of one node: records, the change log, per-link outbox
//! and cursors, the learned topology, and the quarantine. This file holds
//! the handle ([`Store`]) and opens it.
//!
//! Architecture Invariant: the store does no network IO and makes no routing
//! decisions. Callers hand it records together with the links each must go
//! to; the store applies them in one transaction, so a record, its outbox
//! rows and the cursor that covers it become durable together or not at all.
//!
//! SQLite runs in WAL mode with `synchronous = FULL` (see `sqlite`): a
//! commit that returned survives power loss, which is what "acknowledged
//! only once committed" promises to the sender. Writes are serialised by
//! one async mutex (SQLite has one writer anyway; this avoids busy-snapshot
//! errors on upgrade).
//!
//! Files depend only downward, in three layers:
//! - below the handle: what a commit is made of (`types`, `error`,
//!   `backend`, `chain`), shared SQL (`statements`, `bulk`, `sqlite`), the
//!   caches (`tail`, `counts`), the plan of a group commit (`plan`), the
//!   writers that execute it (`lite`, `pg`, with `checkpoint`) and the
//!   group commit's state (`group`);
//! - the handle: this file, holding the above;
//! - operations on the handle (`impl Store`): `commit` (the group-commit
//!   coordinator), `outbox`, `cursors`, `quarantine`, `records`,
//!   `reissue` (moving a record to the log's end; dropping a damaged
//!   copy), `topology`, `compact`, `backup` (a SQLite store's copies; an
//!   office's own records, for its recovery after a restore);
//!   `migrations` (what each migration does, what a store applied).

mod backend;
mod backup;
mod bulk;
mod chain;
mod checkpoint;
mod commit;
mod compact;
mod counts;
mod cursors;
mod error;
mod group;
mod lite;
mod migrations;
mod outbox;
mod pg;
mod plan;
mod quarantine;
mod records;
mod reissue;
mod sqlite;
mod statements;
mod tail;
mod topology;
mod types;
mod workbench;

use std::str::FromStr;
use std::sync::RwLock;
use std::time::Duration;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

pub use backend::Backend;
pub use backup::{OwnRecord, backup_sqlite, restore_sqlite};
pub use chain::chain_next;
pub use compact::{Compacted, run_compaction};
pub use error::StoreError;
pub use migrations::{MigrationState, migration_states};
pub use outbox::OutboxStats;
pub use records::{RangeItem, RecordFilter};
pub use topology::{Parked, Rerouted, TopologyEntry};
pub use types::{
    Applied, Change, Commit, Committed, CursorPos, Incoming, OutboxItem, QuarantineEntry, now_ms,
};
pub use workbench::{Account, AuditEntry};

use crate::node::NodeId;
use error::sql;

/// A cheap handle to the store; clone it freely.
#[derive(Clone)]
pub struct Store {
    inner: std::sync::Arc<Inner>,
}

struct Inner {
    /// Connections for reads.
    pool: AnyPool,
    /// The connection every write transaction but group commits runs on
    /// (SQLite: one of its own; PostgreSQL: the read pool).
    writer: AnyPool,
    /// The connection group commits run on (see `group::Committer`).
    committer: group::Committer,
    /// SQLite's connections for the outbox read-back (None on PostgreSQL).
    lite_readers: Option<std::sync::Arc<lite::LiteReaders>>,
    /// SQLite or PostgreSQL: how a write transaction begins.
    backend: Backend,
    /// One writer at a time (see module doc).
    write: tokio::sync::Mutex<()>,
    /// Writers waiting for the next group commit.
    queue: group::Queue,
    /// The newest outbox rows of every link, to send without a read.
    tails: tail::Tails,
    /// Records held per kind.
    counts: counts::Counts,
    /// Cached generation id; changes only through `rotate_generation`.
    /// A std lock: never held across an await.
    generation: RwLock<String>,
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Store {
    /// Opens (creating if needed) and migrates the store at `url`, checking
    /// that it belongs to `node`. With `max_bytes`, the store refuses to grow
    /// past that size: writes then fail with [`StoreError::Full`].
    pub async fn open(
        url: &str,
        node: &NodeId,
        max_bytes: Option<u64>,
    ) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            url: url.to_string(),
            source,
        };
        sqlx::any::install_default_drivers();
        let backend = Backend::of(url);
        if backend == Backend::Sqlite {
            sqlite::create_private(&sqlite::path_of(url)?)?;
        }
        let opts = sqlx::any::AnyConnectOptions::from_str(url).map_err(open_err)?;
        let connect = |max_connections| {
            AnyPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(60))
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        match backend {
                            Backend::Sqlite => sqlite::prepare(conn, max_bytes).await,
                            Backend::Postgres => Ok(()),
                        }
                    })
                })
                .connect_with(opts.clone())
        };
        let (pool, writer) = match backend {
            // SQLite has one writer anyway: a connection of its own keeps
            // its page cache warm across commits (a cache is dropped
            // whenever another connection wrote to the file).
            Backend::Sqlite => {
                let writer = connect(1).await.map_err(open_err)?;
                (connect(4).await.map_err(open_err)?, writer)
            }
            Backend::Postgres => {
                let pool = connect(8).await.map_err(open_err)?;
                (pool.clone(), pool)
            }
        };
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        };
        migrator
            .run(&writer)
            .await
            .map_err(|source| StoreError::Migrate {
                url: url.to_string(),
                source,
            })?;

        let owner: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'node'")
            .fetch_optional(&pool)
            .await
            .map_err(sql("reading meta"))?;
        match owner {
            Some(found) if found != node.as_str() => {
                return Err(StoreError::WrongNode {
                    found,
                    expected: node.to_string(),
                });
            }
            Some(_) => {}
            None => {
                sqlx::query(
                    "INSERT INTO meta (key, value) VALUES ('node', $1), ('generation', $2)",
                )
                .bind(node.as_str())
                .bind(uuid::Uuid::new_v4().to_string())
                .execute(&pool)
                .await
                .map_err(sql("initialising meta"))?;
            }
        }
        let generation: String =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'generation'")
                .fetch_one(&pool)
                .await
                .map_err(sql("reading generation"))?;
        let log_end: i64 =
            sqlx::query_scalar("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM changes")
                .fetch_one(&pool)
                .await
                .map_err(sql("reading the log's end"))?;
        let counts = counts::Counts::read(&pool).await?;
        let (committer, lite_readers) = match backend {
            Backend::Sqlite => {
                let path = sqlite::path_of(url)?;
                let checkpoints = checkpoint::Checkpointer::new(pool.clone());
                let writer = lite::LiteWriter::open(&path, max_bytes, checkpoints)?;
                (
                    group::Committer::Lite(std::sync::Arc::new(writer)),
                    Some(std::sync::Arc::new(lite::LiteReaders::new(&path))),
                )
            }
            Backend::Postgres => (
                group::Committer::Pg(pg::PgWriter::connect(url).await?),
                None,
            ),
        };
        Ok(Store {
            inner: std::sync::Arc::new(Inner {
                backend,
                pool,
                writer,
                committer,
                lite_readers,
                queue: group::Queue::default(),
                tails: tail::Tails::new(log_end),
                counts,
                write: tokio::sync::Mutex::new(()),
                generation: RwLock::new(generation),
            }),
        })
    }

    fn pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    /// Begins a write transaction; callers hold `inner.write`. On SQLite it
    /// takes the write lock at once (`BEGIN IMMEDIATE`): a deferred
    /// transaction that reads first and then writes fails at once with
    /// SQLITE_BUSY_SNAPSHOT, bypassing the busy timeout, whenever anything
    /// else wrote to the file since its read began.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.inner.backend {
            Backend::Sqlite => self.inner.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.inner.writer.begin().await,
        }
    }

    /// This store's generation id. Peers keep cursors per generation.
    pub fn generation(&self) -> String {
        self.inner
            .generation
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Gives the store a new generation id: used when a peer shows that this
    /// store went back in time, so every old cursor into it is invalid.
    pub async fn rotate_generation(&self) -> Result<String, StoreError> {
        let _w = self.inner.write.lock().await;
        let fresh = uuid::Uuid::new_v4().to_string();
        sqlx::query("UPDATE meta SET value = $1 WHERE key = 'generation'")
            .bind(&fresh)
            .execute(&self.inner.writer)
            .await
            .map_err(sql("rotating generation"))?;
        *self
            .inner
            .generation
            .write()
            .unwrap_or_else(|p| p.into_inner()) = fresh.clone();
        Ok(fresh)
    }

    /// A value this node keeps about itself (e.g. its learned ancestors).
    pub async fn meta_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(self.pool())
            .await
            .map_err(sql("reading meta"))
    }

    pub async fn meta_set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let _w = self.inner.write.lock().await;
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.inner.writer)
        .await
        .map_err(sql("writing meta"))?;
        Ok(())
    }

    /// Closes the pool, flushing the WAL.
    pub async fn close(&self) {
        self.inner.committer.close().await;
        if let Some(readers) = &self.inner.lite_readers {
            readers.close();
        }
        self.pool().close().await;
        self.inner.writer.close().await;
    }
}

#[cfg(test)]
mod tests;
