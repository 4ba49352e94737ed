//! The in-memory tail of every link's outbox: the rows commits queued,
//! with their documents, kept until the peer confirms them. A link that
//! keeps up sends what was just committed without reading it back from the
//! database; a link that falls behind (a peer down for days) reads the
//! outbox table as before. The table stays the durable truth; the tail is
//! a cache of its newest rows.
//!
//! Invariant: for each (peer, lane), every outbox row with seq > `from` is
//! in `entries`, in seq order. As with the table, a row whose record has a
//! newer version is skipped when read (but passed). Commits append under
//! the store's write lock, where seqs are allocated in order, and run in a
//! task of their own, so a committed transaction is always told here (a
//! tail that never heard of committed rows would pass over them, and they
//! would be trimmed unsent). Whatever queues rows out of order (re-queueing
//! for a peer that lost data, routing parked records) resets those tails
//! ([`ResetOnDrop`]), so reads at or below their new `from` go to the
//! database.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use super::types::{Change, OutboxItem, OutboxRow};
use crate::records::Lane;

/// Bytes of documents all tails together may hold. Past it, the tail being
/// appended to is dropped (its link reads the database until it catches
/// up), so one lagging link cannot hold the memory of the others.
const BUDGET_BYTES: usize = 64 * 1024 * 1024;

/// Bookkeeping bytes counted per entry on top of its document.
const ENTRY_OVERHEAD: usize = 160;

/// One row a commit queued, as the sender will need it.
pub struct TailRow<'a> {
    pub peer: &'a str,
    pub lane: Lane,
    pub seq: i64,
    pub doc: Arc<str>,
    pub change: Arc<Change>,
}

#[derive(Default)]
pub struct Tails {
    /// A std lock: never held across an await.
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Where the change log ended when the store opened: a link without a
    /// tail has had no rows queued by a commit since, so none above it.
    floor: i64,
    /// The last seq of the change log this store has committed.
    log_end: i64,
    links: HashMap<(String, Lane), LinkTail>,
    /// Per record with entries here: the seq of its newest version, and
    /// how many entries of it are held (so it can be forgotten).
    latest: HashMap<String, (i64, usize)>,
    bytes: usize,
}

impl State {
    fn hold(&mut self, e: &Entry) {
        let l = self
            .latest
            .entry(e.change.record_id.clone())
            .or_insert((e.seq, 0));
        l.0 = l.0.max(e.seq);
        l.1 += 1;
        self.bytes += e.cost();
    }

    fn release<'a>(&mut self, entries: impl IntoIterator<Item = &'a Entry>) {
        for e in entries {
            if let Some(l) = self.latest.get_mut(&e.change.record_id) {
                l.1 -= 1;
                if l.1 == 0 {
                    self.latest.remove(&e.change.record_id);
                }
            }
            self.bytes -= e.cost();
        }
    }

    fn is_latest(&self, e: &Entry) -> bool {
        self.latest
            .get(&e.change.record_id)
            .is_none_or(|l| l.0 == e.seq)
    }
}

struct LinkTail {
    /// Every outbox row of the link above this seq is in `entries`.
    from: i64,
    entries: VecDeque<Entry>,
}

struct Entry {
    seq: i64,
    doc: Arc<str>,
    change: Arc<Change>,
}

impl Entry {
    fn cost(&self) -> usize {
        self.doc.len() + ENTRY_OVERHEAD
    }
}

impl Tails {
    /// Tails for a store whose change log ends at `log_end`: nothing at or
    /// below it is cached.
    pub fn new(log_end: i64) -> Tails {
        Tails {
            state: Mutex::new(State {
                floor: log_end,
                log_end,
                ..State::default()
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the rows of a commit that ended the log at `log_end`. Called
    /// with the store's write lock held, after the transaction committed.
    pub fn committed(&self, log_end: i64, rows: Vec<TailRow<'_>>) {
        let mut s = self.lock();
        let floor = s.floor;
        s.log_end = s.log_end.max(log_end);
        for row in rows {
            let entry = Entry {
                seq: row.seq,
                doc: row.doc,
                change: row.change,
            };
            let over = s.bytes + entry.cost() > BUDGET_BYTES;
            if !over {
                s.hold(&entry);
            }
            let tail = s
                .links
                .entry((row.peer.to_string(), row.lane))
                .or_insert_with(|| LinkTail {
                    from: floor,
                    entries: VecDeque::new(),
                });
            if over {
                // Drop this link's tail: it reads the database up to here.
                let dropped = std::mem::take(&mut tail.entries);
                tail.from = row.seq;
                s.release(&dropped);
                continue;
            }
            tail.entries.push_back(entry);
        }
    }

    /// Up to `max_records` / about `max_bytes` (at least one record) of the
    /// link's rows after `after`, with the last seq passed; None when the
    /// tail does not hold everything after `after` (read the database).
    pub fn read(
        &self,
        peer: &str,
        lane: Lane,
        after: i64,
        max_records: usize,
        max_bytes: usize,
    ) -> Option<(Vec<OutboxItem>, i64)> {
        let s = self.lock();
        let key = (peer.to_string(), lane);
        let (from, entries) = match s.links.get(&key) {
            Some(t) => (t.from, Some(&t.entries)),
            None => (s.floor, None),
        };
        if after < from {
            return None;
        }
        let mut items = Vec::new();
        let mut passed = after;
        let mut bytes = 0usize;
        let start = entries.map_or(0, |e| e.partition_point(|x| x.seq <= after));
        for e in entries.into_iter().flat_map(|e| e.range(start..)) {
            if items.len() >= max_records || (!items.is_empty() && bytes + e.doc.len() > max_bytes)
            {
                break;
            }
            passed = e.seq;
            if !s.is_latest(e) {
                continue;
            }
            bytes += e.doc.len();
            items.push(OutboxItem {
                lane,
                seq: e.seq,
                doc: e.doc.to_string(),
                change: Change::clone(&e.change),
            });
        }
        Some((items, passed))
    }

    /// Forgets the link's rows up to `seq` (the peer confirmed them).
    pub fn trim(&self, peer: &str, lane: Lane, seq: i64) {
        let mut s = self.lock();
        let Some(tail) = s.links.get_mut(&(peer.to_string(), lane)) else {
            return;
        };
        let n = tail.entries.partition_point(|e| e.seq <= seq);
        let gone: Vec<Entry> = tail.entries.drain(..n).collect();
        if tail.entries.is_empty() {
            tail.entries = VecDeque::new();
        }
        s.release(&gone);
    }

    /// Arms a [`ResetOnDrop`] for the links of `rows`.
    pub fn reset_on_drop(&self, rows: &[OutboxRow<'_>]) -> ResetOnDrop<'_> {
        let mut links: Vec<(String, Lane)> = rows
            .iter()
            .filter_map(|(peer, lane, _, _)| Some((peer.to_string(), Lane::from_i64(*lane)?)))
            .collect();
        links.sort();
        links.dedup();
        ResetOnDrop { tails: self, links }
    }

    /// The link got rows the tail did not see in seq order: from now on the
    /// database answers for everything up to the end of the log. Called
    /// with the store's write lock held.
    fn reset(&self, peer: &str, lane: Lane) {
        let mut s = self.lock();
        let log_end = s.log_end;
        let tail = s.links.insert(
            (peer.to_string(), lane),
            LinkTail {
                from: log_end,
                entries: VecDeque::new(),
            },
        );
        if let Some(t) = tail {
            s.release(&t.entries);
        }
    }
}

/// Resets the tails of some links when dropped: held by a write that
/// queues rows out of seq order, from before its commit, so those links
/// read the table from then on, committed or not, even if the write's
/// future is dropped while it commits. Dropped under the store's write
/// lock (declared after its guard).
pub struct ResetOnDrop<'a> {
    tails: &'a Tails,
    links: Vec<(String, Lane)>,
}

impl Drop for ResetOnDrop<'_> {
    fn drop(&mut self) {
        for (peer, lane) in self.links.drain(..) {
            self.tails.reset(&peer, lane);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(peer: &str, seq: i64) -> TailRow<'_> {
        TailRow {
            peer,
            lane: Lane::Bulk,
            seq,
            doc: Arc::from(format!("doc{seq}")),
            change: Arc::new(Change {
                record_id: format!("r{seq}"),
                version: 1,
                chain: String::new(),
            }),
        }
    }

    fn seqs(t: &Tails, peer: &str, after: i64, max: usize) -> Option<(Vec<i64>, i64)> {
        t.read(peer, Lane::Bulk, after, max, usize::MAX)
            .map(|(items, passed)| (items.iter().map(|i| i.seq).collect(), passed))
    }

    #[test]
    fn serves_what_was_committed_after_open_and_nothing_before() {
        let t = Tails::new(10);
        assert_eq!(
            seqs(&t, "a", 5, 10),
            None,
            "seqs before open are in the table"
        );
        assert_eq!(seqs(&t, "a", 10, 10), Some((vec![], 10)));
        t.committed(13, vec![row("a", 11), row("b", 12), row("a", 13)]);
        assert_eq!(seqs(&t, "a", 10, 10), Some((vec![11, 13], 13)));
        assert_eq!(seqs(&t, "a", 11, 10), Some((vec![13], 13)));
        assert_eq!(seqs(&t, "a", 10, 1), Some((vec![11], 11)));
        assert_eq!(seqs(&t, "b", 10, 10), Some((vec![12], 12)));
        t.trim("a", Lane::Bulk, 11);
        assert_eq!(seqs(&t, "a", 11, 10), Some((vec![13], 13)));
        assert_eq!(seqs(&t, "a", 10, 10), Some((vec![13], 13)));
    }

    #[test]
    fn a_superseded_version_is_passed_not_sent() {
        let t = Tails::new(0);
        let mut newer = row("a", 2);
        newer.change = Arc::new(Change {
            record_id: "r1".into(),
            version: 2,
            chain: String::new(),
        });
        t.committed(2, vec![row("a", 1), newer]);
        assert_eq!(seqs(&t, "a", 0, 10), Some((vec![2], 2)));
        t.trim("a", Lane::Bulk, 2);
        let s = t.lock();
        assert!(s.latest.is_empty() && s.bytes == 0);
    }

    #[test]
    fn a_reset_sends_reads_below_the_log_end_to_the_table() {
        let t = Tails::new(0);
        t.committed(2, vec![row("a", 1), row("a", 2)]);
        t.reset("a", Lane::Bulk);
        assert_eq!(seqs(&t, "a", 0, 10), None);
        assert_eq!(seqs(&t, "a", 2, 10), Some((vec![], 2)));
        t.committed(3, vec![row("a", 3)]);
        assert_eq!(seqs(&t, "a", 2, 10), Some((vec![3], 3)));
        let s = t.lock();
        assert_eq!(
            s.bytes,
            s.links[&("a".into(), Lane::Bulk)].entries[0].cost()
        );
    }

    #[test]
    fn rows_queued_out_of_order_are_read_from_the_table() {
        let t = Tails::new(0);
        t.committed(4, vec![row("a", 3), row("a", 4)]);
        assert_eq!(seqs(&t, "b", 0, 10), Some((vec![], 0)));
        // Seqs 1 and 2 re-queued for b (it lost them): the guard resets
        // b's tail whether or not the write completes.
        let bulk = Lane::Bulk.as_i64();
        drop(t.reset_on_drop(&[("b", bulk, 1, 4), ("b", bulk, 2, 4)]));
        assert_eq!(seqs(&t, "b", 0, 10), None, "1 and 2 are in the table");
        assert_eq!(seqs(&t, "b", 4, 10), Some((vec![], 4)));
        assert_eq!(seqs(&t, "a", 2, 10), Some((vec![3, 4], 4)), "a untouched");
    }

    #[test]
    fn over_budget_a_tail_is_dropped_not_grown() {
        let t = Tails::new(0);
        let big: Arc<str> = Arc::from("x".repeat(BUDGET_BYTES / 2));
        let mut rows: Vec<TailRow<'_>> = (1..=3).map(|s| row("a", s)).collect();
        for r in &mut rows {
            r.doc = big.clone();
        }
        t.committed(3, rows);
        // The second did not fit: the tail was dropped and starts after it.
        assert_eq!(seqs(&t, "a", 0, 10), None);
        assert_eq!(seqs(&t, "a", 2, 10), Some((vec![3], 3)));
        assert_eq!(t.lock().bytes, BUDGET_BYTES / 2 + ENTRY_OVERHEAD);
    }
}
