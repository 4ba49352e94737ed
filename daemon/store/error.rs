//! The store's error type, and the two helpers every query uses to attach
//! what was being done to a sqlx error or a column read.

use sqlx::Row;
use sqlx::any::AnyRow;

/// A store failure, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("opening store {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error("creating {path}: {source}")]
    Create {
        path: String,
        source: std::io::Error,
    },
    #[error("migrating store {url}: {source}")]
    Migrate {
        url: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error(
        "store belongs to node {found}, not {expected}; point store.url at this node's own store"
    )]
    WrongNode { found: String, expected: String },
    #[error("store {what}: {source}")]
    Sql {
        what: &'static str,
        source: sqlx::Error,
    },
    #[error("store {what}: {source}")]
    Sqlite {
        what: &'static str,
        source: rusqlite::Error,
    },
    #[error(
        "store is full ({what}): the disk or store.max_size_mb is exhausted; nothing was written. \
         Free space or raise the limit; senders keep their records and retry"
    )]
    Full { what: &'static str },
    #[error("the store's writer stopped before answering (the node is shutting down)")]
    Interrupted,
    #[error("store holds a record that no longer parses ({id}): {reason}")]
    Corrupt { id: String, reason: String },
}

impl StoreError {
    /// True when the store cannot take more data.
    pub fn is_full(&self) -> bool {
        matches!(self, StoreError::Full { .. })
    }
}

/// Tags a sqlx error with the operation. A full disk or store becomes
/// [`StoreError::Full`].
pub(super) fn sql(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| {
        // SQLITE_FULL (13), possibly as an extended code.
        let full = source
            .as_database_error()
            .and_then(|e| e.code())
            .and_then(|c| c.parse::<i64>().ok())
            .is_some_and(|c| c & 0xff == 13);
        if full {
            StoreError::Full { what }
        } else {
            StoreError::Sql { what, source }
        }
    }
}

/// Reads a required column, mapping errors to the store's error type.
pub(super) fn col<'r, T>(row: &'r AnyRow, name: &'static str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(name).map_err(sql("decoding row"))
}
