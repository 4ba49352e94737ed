//! What one group commit writes, worked out before any of it is written:
//! which items are new versions here, the seq and chain hash of each, and
//! the rows of every table. Given the versions held and the log's end it is
//! a pure function of the group, so the SQLite writer (`lite`) and the
//! PostgreSQL writer (`pg`, with `COPY`) execute the same plan, and the
//! tails are told the same rows whichever wrote them.

use std::collections::HashMap;
use std::sync::Arc;

use super::chain::chain_next;
use super::counts::Counts;
use super::statements::join_links;
use super::tail::{TailRow, Tails};
use super::types::{Applied, Change, Commit, CursorPos, Incoming, OutboxRow, QuarantineEntry};
use crate::node::NodeId;
use crate::records::{Classification, Lane, SIGNATURE_FORMAT, Signature, around_signature};

/// A group commit's writes.
pub(super) struct Plan<'g> {
    group: &'g [Commit],
    /// Every item of the group, with the index of its commit.
    items: Vec<(usize, &'g Incoming)>,
    /// Each item's record id as text.
    ids: Vec<String>,
    /// Whether this store held a version of each item's record before.
    held: Vec<bool>,
    /// When the group commits (Unix ms).
    now: i64,
    /// Per commit, what happens to each of its items.
    out: Vec<Vec<Applied>>,
    /// Versions stored, in seq order: (seq, item index, chain hash).
    changes: Vec<(i64, usize, String)>,
    /// Indexes into `changes` of the versions that are current after the
    /// group (a record stored twice in one group keeps its last version:
    /// the earlier one is superseded before anyone could read it).
    latest: Vec<usize>,
    /// `updated_at` of each `latest` record, as stored (RFC 3339).
    updated: Vec<String>,
    /// Each `latest` record's doc cut around its signature member, when
    /// it has one in place (see [`Cut`]).
    cuts: Vec<Option<Cut<'g>>>,
    /// The log's last seq after the group.
    end: i64,
    /// The kind of each record new to this store.
    added: Vec<&'static str>,
}

/// One change-log entry to append.
pub(super) struct ChangeRow<'a> {
    pub seq: i64,
    pub record_id: &'a str,
    pub version: i64,
    pub chain: &'a str,
}

/// A signed record's doc in the pieces the store keeps (migration 0007):
/// the text before and after its signature member, and the signature,
/// whose chunk's members go to `chunks` once and whose own (index,
/// proof) stay in the record's row.
#[derive(Clone, Copy)]
struct Cut<'g> {
    head: &'g str,
    tail: &'g str,
    sig: &'g Signature,
}

/// One row of `chunks`: the members a chunk's records share.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct ChunkRow<'a> {
    pub origin: &'a str,
    pub format: &'static str,
    pub alg: &'a str,
    pub key_id: &'a str,
    pub count: i64,
    pub value: &'a str,
}

impl<'a> ChunkRow<'a> {
    /// The chunk members of `sig`, a signature of `item`'s record.
    fn of(item: &'a Incoming, sig: &'a Signature) -> ChunkRow<'a> {
        ChunkRow {
            origin: item.record.origin.as_str(),
            format: SIGNATURE_FORMAT,
            alg: &sig.alg,
            key_id: &sig.key_id,
            count: sig.count.into(),
            value: &sig.value,
        }
    }

    /// Whether a stored chunk row's members are this one's (the same
    /// `value` signed by the same office and key over as many records).
    pub fn is(&self, origin: &str, format: &str, alg: &str, key_id: &str, count: i64) -> bool {
        (self.origin, self.format, self.alg, self.key_id, self.count)
            == (origin, format, alg, key_id, count)
    }
}

/// The chunks stored, by signature value: each one's row id and members,
/// as the writer found or made them in `chunks` before it writes the
/// records. A record is kept in pieces only when its chunk's members are
/// these (two records may carry one value with different members: a
/// forgery a check refuses, or one admitted unchecked).
pub(super) type ChunkIds<'a> = HashMap<&'a str, (i64, ChunkRow<'a>)>;

/// One record row to insert or update, in the columns' order.
pub(super) struct RecordRow<'a> {
    pub id: &'a str,
    pub kind: &'static str,
    pub origin: &'a str,
    pub version: i64,
    pub seq: i64,
    pub lane: i64,
    pub round_id: Option<&'a str>,
    pub classification: &'static str,
    pub updated_at: &'a str,
    pub received_at: i64,
    pub received_from: Option<&'a str>,
    pub bytes: i64,
    /// The doc, or the text before its signature member when `chunk` is
    /// set.
    pub doc: &'a str,
    /// With `chunk`: the text after the signature member.
    pub doc_tail: Option<&'a str>,
    pub chunk: Option<i64>,
    pub sig_index: Option<i64>,
    pub sig_proof: Option<&'a str>,
}

/// Each item's record id as text, in group order: what the writer looks
/// up before it can plan.
pub(super) fn item_ids(group: &[Commit]) -> Vec<String> {
    group
        .iter()
        .flat_map(|c| c.items.iter().map(|i| i.record.id.to_string()))
        .collect()
}

impl<'g> Plan<'g> {
    /// Plans `group`: `ids` from [`item_ids`], `held` the version this
    /// store holds of each (None when new), `log_end` the log's last seq
    /// and chain hash.
    pub fn new(
        group: &'g [Commit],
        ids: Vec<String>,
        held: &[Option<i64>],
        log_end: (i64, String),
        now: i64,
    ) -> Plan<'g> {
        let items: Vec<(usize, &Incoming)> = group
            .iter()
            .enumerate()
            .flat_map(|(m, c)| c.items.iter().map(move |i| (m, i)))
            .collect();
        let mut versions: HashMap<&str, i64> = ids
            .iter()
            .zip(held)
            .filter_map(|(id, v)| v.map(|v| (id.as_str(), v)))
            .collect();
        let (mut seq, mut chain) = log_end;
        let mut out: Vec<Vec<Applied>> = group
            .iter()
            .map(|c| Vec::with_capacity(c.items.len()))
            .collect();
        let mut changes = Vec::new();
        let mut added = Vec::new();
        for (k, (m, item)) in items.iter().enumerate() {
            let version = item.record.version as i64;
            if versions.get(ids[k].as_str()).is_some_and(|v| *v >= version) {
                out[*m].push(Applied::Unchanged);
                continue;
            }
            if versions.insert(ids[k].as_str(), version).is_none() {
                added.push(item.record.kind.as_str());
            }
            seq += 1;
            chain = chain_next(&chain, &ids[k], version);
            changes.push((seq, k, chain.clone()));
            out[*m].push(Applied::Stored { seq });
        }
        let latest: Vec<usize> = changes
            .iter()
            .enumerate()
            .filter(|(_, (_, k, _))| {
                versions.get(ids[*k].as_str()) == Some(&(items[*k].1.record.version as i64))
            })
            .map(|(c, _)| c)
            .collect();
        let updated = latest
            .iter()
            .map(|c| items[changes[*c].1].1.record.updated_at.to_rfc3339())
            .collect();
        let cuts = latest
            .iter()
            .map(|c| {
                let item: &'g Incoming = items[changes[*c].1].1;
                let sig = item.record.signature.as_ref()?;
                let (head, tail) = around_signature(&item.doc, sig)?;
                Some(Cut { head, tail, sig })
            })
            .collect();
        Plan {
            group,
            items,
            ids,
            held: held.iter().map(Option::is_some).collect(),
            now,
            out,
            changes,
            latest,
            updated,
            cuts,
            end: seq,
            added,
        }
    }

    pub fn changes(&self) -> Vec<ChangeRow<'_>> {
        self.changes
            .iter()
            .map(|(seq, k, chain)| ChangeRow {
                seq: *seq,
                record_id: &self.ids[*k],
                version: self.items[*k].1.record.version as i64,
                chain,
            })
            .collect()
    }

    /// The current versions: (seq, item index, chain hash, item).
    fn current(&self) -> impl Iterator<Item = (i64, usize, &str, &'g Incoming)> + '_ {
        self.latest.iter().map(|c| {
            let (seq, k, chain) = &self.changes[*c];
            (*seq, *k, chain.as_str(), self.items[*k].1)
        })
    }

    /// The chunks of the current versions' signatures, each once.
    pub fn chunks(&self) -> Vec<ChunkRow<'g>> {
        let mut seen = std::collections::HashSet::new();
        let mut last = None;
        self.cuts
            .iter()
            .zip(self.current())
            .filter_map(|(cut, (_, _, _, item))| {
                let sig = cut.as_ref()?.sig;
                let value = sig.value.as_str();
                // A chunk's records come together: most are of the chunk
                // before them, told without hashing the value.
                if last.replace(value) == Some(value) {
                    return None;
                }
                seen.insert(value).then(|| ChunkRow::of(item, sig))
            })
            .collect()
    }

    /// The record rows; a signed record whose chunk is in `chunks` is
    /// kept in pieces, any other whole.
    pub fn records(&self, chunks: &ChunkIds<'_>) -> Vec<RecordRow<'_>> {
        // The chunk of the record before, found again without hashing.
        let mut last: Option<(&str, (i64, ChunkRow<'_>))> = None;
        self.current()
            .zip(&self.updated)
            .zip(&self.cuts)
            .map(|(((seq, k, _, item), updated), cut)| {
                let r = &item.record;
                let stored = cut.and_then(|c| {
                    let value = c.sig.value.as_str();
                    let (id, row) = match last {
                        Some((v, found)) if v == value => found,
                        _ => last.insert((value, *chunks.get(value)?)).1,
                    };
                    (row == ChunkRow::of(item, c.sig)).then_some((c, id))
                });
                RecordRow {
                    id: &self.ids[k],
                    kind: r.kind.as_str(),
                    origin: r.origin.as_str(),
                    version: r.version as i64,
                    seq,
                    lane: r.kind.lane().as_i64(),
                    round_id: r.round_id.as_deref(),
                    classification: classification_str(r.classification),
                    updated_at: updated,
                    received_at: self.now,
                    received_from: self.group[self.items[k].0]
                        .from
                        .as_ref()
                        .map(|f| f.as_str()),
                    bytes: item.doc.len() as i64,
                    doc: stored.map_or(item.doc.as_str(), |(c, _)| c.head),
                    doc_tail: stored.map(|(c, _)| c.tail),
                    chunk: stored.map(|(_, id)| id),
                    sig_index: stored.map(|(c, _)| c.sig.index.into()),
                    sig_proof: stored.map(|(c, _)| c.sig.proof.as_str()),
                }
            })
            .collect()
    }

    /// Ids of the current versions whose record this store held before
    /// the group (rows to replace, for a writer that cannot upsert).
    pub fn replaced(&self) -> Vec<&str> {
        self.current()
            .filter(|(_, k, _, _)| self.held[*k])
            .map(|(_, k, _, _)| self.ids[k].as_str())
            .collect()
    }

    pub fn outbox(&self) -> Vec<OutboxRow<'_>> {
        self.current()
            .flat_map(|(seq, _, _, item)| {
                let lane = item.record.kind.lane().as_i64();
                let bytes = item.doc.len() as i64;
                item.hops
                    .iter()
                    .map(move |p| (p.as_str(), lane, seq, bytes))
            })
            .collect()
    }

    /// (seq, links) of the current versions that wait for a destination.
    pub fn parked(&self) -> Vec<(i64, String)> {
        self.current()
            .filter(|(_, _, _, item)| item.park)
            .map(|(seq, _, _, item)| (seq, join_links(item.hops.iter().map(|h| h.as_str()))))
            .collect()
    }

    /// Receiver cursors the group's commits carry.
    pub fn cursors(&self) -> impl Iterator<Item = (&'g NodeId, Lane, &'g CursorPos)> {
        self.group.iter().flat_map(|c| {
            c.from
                .iter()
                .flat_map(|peer| c.cursors.iter().map(move |(lane, pos)| (peer, *lane, pos)))
        })
    }

    pub fn quarantine(&self) -> impl Iterator<Item = &'g QuarantineEntry> {
        self.group.iter().flat_map(|c| c.quarantine.iter())
    }

    pub fn now(&self) -> i64 {
        self.now
    }

    /// Tells the tails what the committed group queued, and the counts
    /// what it added. Called under the write lock, right after the commit,
    /// so tails grow in seq order.
    pub fn tell(&self, tails: &Tails, counts: &Counts) {
        counts.add(&self.added);
        let mut rows = Vec::new();
        for (seq, k, chain, item) in self.current() {
            if item.hops.is_empty() {
                continue;
            }
            let doc: Arc<str> = Arc::from(item.doc.as_str());
            let change = Arc::new(Change {
                record_id: self.ids[k].clone(),
                version: item.record.version as i64,
                chain: chain.to_string(),
            });
            for peer in &item.hops {
                rows.push(TailRow {
                    peer: peer.as_str(),
                    lane: item.record.kind.lane(),
                    seq,
                    doc: doc.clone(),
                    change: change.clone(),
                });
            }
        }
        tails.committed(self.end, rows);
    }

    /// Per commit, what happened to each of its items.
    pub fn applied(self) -> Vec<Vec<Applied>> {
        self.out
    }
}

fn classification_str(c: Classification) -> &'static str {
    match c {
        Classification::Internal => "internal",
        Classification::Confidential => "confidential",
        Classification::Secret => "secret",
    }
}
