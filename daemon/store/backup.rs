//! A SQLite store's copies: taken while the node runs (`VACUUM INTO`, a
//! consistent snapshot read beside the daemon's connections) and put back
//! while it is stopped, after checking that the copy is this node's
//! store. And reading back every record an office wrote, for the office
//! that restored such a copy (see `sync::recover`). A PostgreSQL store is
//! copied with `pg_dump` and put back with `pg_restore`
//! (docs/operations.md).

use std::path::Path;

use super::Store;
use super::error::{StoreError, col, sql};
use super::sqlite;
use super::statements::{chunk_join, record_doc};
use crate::node::NodeId;

/// Copies the SQLite store at `url` into `out` (a new file, private like
/// the store) while the node may be writing; returns the copy's size.
pub fn backup_sqlite(url: &str, out: &Path) -> Result<u64, StoreError> {
    let db = sqlite::path_of(url)?;
    let created = |source| StoreError::Create {
        path: out.display().to_string(),
        source,
    };
    {
        use std::os::unix::fs::OpenOptionsExt;
        // `VACUUM INTO` writes into an empty file: made private first.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(out)
            .map_err(created)?;
    }
    let copied = (|| {
        let conn = rusqlite::Connection::open_with_flags(
            &db,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.execute("VACUUM INTO ?1", [out.display().to_string()])?;
        Ok(())
    })();
    if let Err(source) = copied {
        let _ = std::fs::remove_file(out);
        return Err(StoreError::Sqlite {
            what: "copying the store (VACUUM INTO)",
            source,
        });
    }
    Ok(std::fs::metadata(out).map_err(created)?.len())
}

/// Puts the copy `from` in place of the SQLite store at `url` (the node
/// stopped): refused unless `from` is a store of `node`. The store's old
/// WAL and SHM files go with it.
pub fn restore_sqlite(url: &str, from: &Path, node: &NodeId) -> Result<(), StoreError> {
    let owner = (|| {
        let conn = rusqlite::Connection::open_with_flags(
            from,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.query_row("SELECT value FROM meta WHERE key = 'node'", [], |r| {
            r.get::<_, String>(0)
        })
    })()
    .map_err(|source| StoreError::Sqlite {
        what: "reading the backup's owner (is it a xunlian store?)",
        source,
    })?;
    if owner != node.as_str() {
        return Err(StoreError::WrongNode {
            found: owner,
            expected: node.to_string(),
        });
    }
    let db = sqlite::path_of(url)?;
    sqlite::create_private(&db)?;
    let staged = db.with_extension("restoring");
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| StoreError::Create { path, source }
    };
    let _ = std::fs::remove_file(&staged);
    sqlite::create_private(&staged)?;
    std::fs::copy(from, &staged).map_err(io(&staged))?;
    // `copy` gives the copy the backup file's mode: private again.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o600))
            .map_err(io(&staged))?;
    }
    for suffix in ["-wal", "-shm"] {
        let side = format!("{}{suffix}", db.display());
        match std::fs::remove_file(&side) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io(Path::new(&side))(e));
            }
            _ => {}
        }
    }
    std::fs::rename(&staged, &db).map_err(io(&db))
}

/// A record as held, for the office that wrote it.
#[derive(Debug)]
pub struct OwnRecord {
    pub id: String,
    pub version: i64,
    pub doc: String,
}

impl Store {
    /// Up to `limit` records whose origin is `origin`, by id, after `after`.
    pub async fn records_of_origin(
        &self,
        origin: &NodeId,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OwnRecord>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT r.id, r.version, ",
            record_doc!(),
            " AS doc FROM records r",
            chunk_join!(),
            "WHERE r.origin = $1 AND r.id > $2 ORDER BY r.id LIMIT $3"
        ))
        .bind(origin.as_str())
        .bind(after.unwrap_or(""))
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .map_err(sql("reading an office's own records"))?;
        rows.iter()
            .map(|r| {
                Ok(OwnRecord {
                    id: col(r, "id")?,
                    version: col(r, "version")?,
                    doc: col(r, "doc")?,
                })
            })
            .collect()
    }
}
