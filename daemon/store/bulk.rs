//! Multi-row statements: one `INSERT … VALUES (…), (…), …` or one
//! `… WHERE id IN (…)` for many rows instead of one statement per row.
//!
//! Why: every statement is a round trip to the database (for SQLite, a hop
//! to sqlx's worker thread and back, two context switches), and at tens of
//! thousands of records a second those round trips, not SQLite, were the
//! cost of a commit. A batch of n rows is cut into chunks whose sizes are
//! powers of two (at most [`MAX_ROWS`]), so each table has a handful of
//! distinct statement texts, built once and prepared once per connection.
//!
//! On SQLite the placeholders are anonymous (`?`): sqlx looks up the name of
//! every numbered parameter, and SQLite finds a name by a linear scan, so a
//! statement with thousands of `$n` would bind in quadratic time.

use std::sync::OnceLock;

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Transaction};

use super::backend::Backend;
use super::error::{StoreError, sql};

/// The largest chunk, in rows. 256 rows × 13 columns stays far below the
/// bind limits of SQLite (32,766) and PostgreSQL (65,535).
pub const MAX_ROWS: usize = 256;

/// Chunk sizes 1, 2, 4, …, MAX_ROWS: how many distinct texts a statement has.
const SIZES: usize = MAX_ROWS.trailing_zeros() as usize + 1;

/// A statement over many rows: `head` + one `(…)` group per row of `cols`
/// placeholders, joined by `sep`, + `tail`.
pub struct MultiRow {
    head: &'static str,
    cols: usize,
    /// How one row's placeholders are grouped: `"({})"` for VALUES rows,
    /// `"{}"` for an IN list.
    group: (&'static str, &'static str),
    tail: &'static str,
    /// The statement text per backend (SQLite, PostgreSQL) and chunk size
    /// (index k: 2^k rows).
    texts: [OnceLock<Vec<String>>; 2],
}

impl MultiRow {
    /// `INSERT INTO … VALUES` + rows + `tail` (e.g. an ON CONFLICT clause).
    pub const fn values(head: &'static str, cols: usize, tail: &'static str) -> MultiRow {
        MultiRow {
            head,
            cols,
            group: ("(", ")"),
            tail,
            texts: [OnceLock::new(), OnceLock::new()],
        }
    }

    /// `head` + a comma-separated list of single placeholders + `tail`,
    /// e.g. `SELECT … WHERE id IN (` … `)`.
    pub const fn list(head: &'static str, tail: &'static str) -> MultiRow {
        MultiRow {
            head,
            cols: 1,
            group: ("", ""),
            tail,
            texts: [OnceLock::new(), OnceLock::new()],
        }
    }

    /// The text for a chunk of 2^k rows.
    fn text(&'static self, backend: Backend, k: usize) -> &'static str {
        let texts = self.texts[backend as usize].get_or_init(|| {
            (0..SIZES)
                .map(|k| {
                    let rows = 1usize << k;
                    let mut s = String::from(self.head);
                    let mut n = 0;
                    for r in 0..rows {
                        if r > 0 {
                            s.push(',');
                        }
                        s.push_str(self.group.0);
                        for c in 0..self.cols {
                            if c > 0 {
                                s.push(',');
                            }
                            match backend {
                                Backend::Sqlite => s.push('?'),
                                Backend::Postgres => {
                                    n += 1;
                                    s.push('$');
                                    s.push_str(&n.to_string());
                                }
                            }
                        }
                        s.push_str(self.group.1);
                    }
                    s.push_str(self.tail);
                    s
                })
                .collect()
        });
        &texts[k]
    }

    /// The chunks `rows` is cut into, each with its statement text.
    pub fn chunks<'r, T>(
        &'static self,
        backend: Backend,
        rows: &'r [T],
    ) -> Vec<(&'static str, &'r [T])> {
        let mut out = Vec::new();
        let mut rest = rows;
        while !rest.is_empty() {
            let size = if rest.len() >= MAX_ROWS {
                MAX_ROWS
            } else {
                // The largest power of two that fits.
                1 << (usize::BITS - 1 - rest.len().leading_zeros())
            };
            let (chunk, more) = rest.split_at(size);
            out.push((self.text(backend, size.trailing_zeros() as usize), chunk));
            rest = more;
        }
        out
    }

    /// Executes the statement over all `rows` in `tx`; `bind` binds one
    /// row's `cols` values in column order.
    pub async fn execute<'r, T>(
        &'static self,
        backend: Backend,
        tx: &mut Transaction<'static, Any>,
        rows: &'r [T],
        what: &'static str,
        bind: impl Fn(Query<'r, Any, AnyArguments>, &'r T) -> Query<'r, Any, AnyArguments>,
    ) -> Result<(), StoreError> {
        for (text, chunk) in self.chunks(backend, rows) {
            let mut q = sqlx::query(text);
            for row in chunk {
                q = bind(q, row);
            }
            q.execute(&mut **tx).await.map_err(sql(what))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static INSERT: MultiRow =
        MultiRow::values("INSERT INTO t (a, b) VALUES ", 2, " ON CONFLICT DO NOTHING");
    static SELECT: MultiRow = MultiRow::list("SELECT a FROM t WHERE a IN (", ")");

    #[test]
    fn texts_number_placeholders_across_rows() {
        let rows = [1, 2, 3];
        let chunks = INSERT.chunks(Backend::Postgres, &rows);
        assert_eq!(
            chunks
                .iter()
                .map(|(t, c)| (*t, c.len()))
                .collect::<Vec<_>>(),
            vec![
                (
                    "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4) ON CONFLICT DO NOTHING",
                    2
                ),
                (
                    "INSERT INTO t (a, b) VALUES ($1,$2) ON CONFLICT DO NOTHING",
                    1
                ),
            ]
        );
        assert_eq!(
            SELECT.chunks(Backend::Postgres, &rows[..2])[0].0,
            "SELECT a FROM t WHERE a IN ($1,$2)"
        );
        assert_eq!(
            INSERT.chunks(Backend::Sqlite, &rows[..2])[0].0,
            "INSERT INTO t (a, b) VALUES (?,?),(?,?) ON CONFLICT DO NOTHING"
        );
    }

    #[test]
    fn chunks_cover_every_row_once_in_order() {
        for n in [0usize, 1, 5, 255, 256, 257, 1000] {
            let rows: Vec<usize> = (0..n).collect();
            let chunks = INSERT.chunks(Backend::Sqlite, &rows);
            let flat: Vec<usize> = chunks.iter().flat_map(|(_, c)| c.iter().copied()).collect();
            assert_eq!(flat, rows, "n = {n}");
            assert!(
                chunks
                    .iter()
                    .all(|(_, c)| c.len().is_power_of_two() && c.len() <= MAX_ROWS)
            );
        }
    }
}
