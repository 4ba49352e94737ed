//! How every SQLite connection of a store is set up, in one place: the
//! pragmas that make a commit durable (WAL, `synchronous = FULL`), the busy
//! timeout, the page cache, checkpoints left to `checkpoint`, and the size
//! cap. The sqlx pools and the group commits' own rusqlite connection
//! (`lite`) both run [`pragmas`]; the outbox read-back connections run
//! [`READ_BACK_PRAGMAS`].
//!
//! SQLite keeps these per connection, not per file: a connection opened
//! without them would commit without syncing or checkpoint on its own.
//!
//! Nothing of a store is readable by anyone but its owner, from creation:
//! [`create_private`] makes the directory 0700 and the database file 0600
//! before SQLite opens it, and SQLite creates the `-wal` and `-shm` files
//! with the database file's mode (its unix VFS copies it). This is per
//! file, not a process umask, so it holds however the daemon was started
//! and touches nothing else the process writes. Config loading refuses an
//! existing store that group or others can read (`config::sections`).

use std::str::FromStr;

use super::error::StoreError;

/// SQLite's page size (the default, which xunlian keeps).
pub(super) const PAGE_SIZE: u64 = 4096;

/// Settings of every connection that writes, or reads through sqlx.
const SETTINGS: [&str; 5] = [
    // A commit that returned survives power loss (see the store's module
    // doc).
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA busy_timeout = 30000",
    // 16 MiB of page cache per connection (SQLite's default is 2 MiB): a
    // provincial store's indexes stay in memory instead of being re-read
    // per lookup. Allocated only as pages are used.
    "PRAGMA cache_size = -16384",
    // Checkpoints run off the commit path (see `checkpoint`).
    "PRAGMA wal_autocheckpoint = 0",
];

/// The statements that set up a connection: [`SETTINGS`], then, with
/// `max_bytes`, the cap past which writes fail as full.
pub(super) fn pragmas(max_bytes: Option<u64>) -> Vec<String> {
    let mut pragmas: Vec<String> = SETTINGS.iter().map(|p| p.to_string()).collect();
    if let Some(b) = max_bytes {
        // An integer we computed: safe to format into SQL.
        pragmas.push(format!(
            "PRAGMA max_page_count = {}",
            (b / PAGE_SIZE).max(1)
        ));
    }
    pragmas
}

/// Settings of an outbox read-back connection (see `lite::LiteReaders`):
/// it only reads, and passes over each page once, so a small cache.
pub(super) const READ_BACK_PRAGMAS: &str =
    "PRAGMA query_only = ON; PRAGMA busy_timeout = 30000; PRAGMA cache_size = -1024;";

/// Sets up a new sqlx connection (see [`pragmas`]).
pub(super) async fn prepare(
    conn: &mut sqlx::AnyConnection,
    max_bytes: Option<u64>,
) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    for pragma in pragmas(max_bytes) {
        conn.execute(sqlx::AssertSqlSafe(pragma)).await?;
    }
    Ok(())
}

/// The file a `sqlite://` URL names, as sqlx reads it.
pub(super) fn path_of(url: &str) -> Result<std::path::PathBuf, StoreError> {
    let opts =
        sqlx::sqlite::SqliteConnectOptions::from_str(url).map_err(|source| StoreError::Open {
            url: url.to_string(),
            source,
        })?;
    Ok(opts.get_filename().to_path_buf())
}

/// Creates the store's directory (0700) and its empty database file (0600)
/// if they do not exist yet; existing ones are left as they are (config
/// loading has checked their modes).
pub(super) fn create_private(db: &std::path::Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let failed = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |source| StoreError::Create { path, source }
    };
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(failed(dir))?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(db)
        .map_err(failed(db))?;
    Ok(())
}
