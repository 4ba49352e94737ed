//! What each store migration does and whether the release before it can
//! still read a store it migrated, for `xunlian migrate --check`; and which
//! migrations a store has applied, read without migrating it.

use sqlx::AnyPool;

use super::backend::Backend;
use super::error::{StoreError, sql};
use super::{POSTGRES_MIGRATOR, SQLITE_MIGRATOR, sqlite};

/// One migration, as an operator is told of it before upgrading.
#[derive(Debug)]
pub struct MigrationNote {
    pub version: i64,
    /// What it changes (Chinese first).
    pub what: &'static str,
    /// Whether the release before it still opens a store it migrated.
    pub previous_reads: bool,
}

/// Every migration of `migrations/sqlite` and `migrations/postgres`
/// (the same versions on both). The release before each refuses a store
/// with a migration it does not know (sqlx: "migration N was previously
/// applied but is missing"), so none is readable by it: roll back by
/// restoring the backup taken before the upgrade.
pub const NOTES: &[MigrationNote] = &[
    MigrationNote {
        version: 1,
        what: "建立存储 (creates the store: records, change log, outbox, cursors, topology, quarantine)",
        previous_reads: false,
    },
    MigrationNote {
        version: 2,
        what: "为 records.updated_at 建索引 (indexes records by updated_at)",
        previous_reads: false,
    },
    MigrationNote {
        version: 3,
        what: "重建写入路径的表 (rebuilds records, changes and outbox for the write path; rewrites every row)",
        previous_reads: false,
    },
    MigrationNote {
        version: 4,
        what: "变更日志增加 reissue_of 列 (re-issued parked records: a column on the change log)",
        previous_reads: false,
    },
    MigrationNote {
        version: 5,
        what: "隔离区记录拒收代码 (the quarantine keeps the refusal's code)",
        previous_reads: false,
    },
    MigrationNote {
        version: 6,
        what: "工作台账号、会话与操作审计 (workbench accounts, sessions and the audit of writes: new tables)",
        previous_reads: false,
    },
    MigrationNote {
        version: 7,
        what: "签名分块只存一份 (a chunk's signature kept once: a new table and columns on records; no row is rewritten)",
        previous_reads: false,
    },
];

/// A migration of this build and whether a store has applied it.
#[derive(Debug)]
pub struct MigrationState {
    pub version: i64,
    pub applied: bool,
    pub what: &'static str,
    pub previous_reads: bool,
}

/// The migrations of this build for the store at `url`, each with
/// whether it is applied there; the store is read, never created or
/// migrated (a SQLite file that does not exist yet has applied none).
pub async fn migration_states(url: &str) -> Result<Vec<MigrationState>, StoreError> {
    let backend = Backend::of(url);
    let migrator = match backend {
        Backend::Sqlite => &SQLITE_MIGRATOR,
        Backend::Postgres => &POSTGRES_MIGRATOR,
    };
    let applied = match backend {
        Backend::Sqlite if !sqlite::path_of(url)?.exists() => Vec::new(),
        _ => applied_versions(url).await?,
    };
    Ok(migrator
        .iter()
        .map(|m| {
            let note = NOTES.iter().find(|n| n.version == m.version);
            MigrationState {
                version: m.version,
                applied: applied.contains(&m.version),
                what: note.map_or("（未说明）(not described)", |n| n.what),
                previous_reads: note.is_some_and(|n| n.previous_reads),
            }
        })
        .collect())
}

/// The versions the store at `url` has applied (none before its first).
async fn applied_versions(url: &str) -> Result<Vec<i64>, StoreError> {
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(url)
        .await
        .map_err(|source| StoreError::Open {
            url: url.to_string(),
            source,
        })?;
    let exists: i64 = match Backend::of(url) {
        Backend::Sqlite => sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        ),
        Backend::Postgres => sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '_sqlx_migrations'",
        ),
    }
    .fetch_one(&pool)
    .await
    .map_err(sql("looking for the migrations table"))?;
    let versions = if exists == 0 {
        Ok(Vec::new())
    } else {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&pool)
            .await
            .map_err(sql("reading applied migrations"))
    };
    pool.close().await;
    versions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_is_described_on_both_backends() {
        for migrator in [&SQLITE_MIGRATOR, &POSTGRES_MIGRATOR] {
            for m in migrator.iter() {
                assert!(
                    NOTES.iter().any(|n| n.version == m.version),
                    "migration {} ({}) has no note in store/migrations.rs",
                    m.version,
                    m.description
                );
            }
        }
    }
}
