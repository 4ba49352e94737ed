//! Checking records at a hop: the origin's key per the tree manifest, the
//! record's inclusion proof, and the chunk signature, of which a bounded
//! cache remembers the ones already checked, so a hop pays one signature
//! check per chunk and origin, not one per record.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;

use super::chunk::{chunk_message, record_leaf};
use super::keys::FIXED_SIG;
use super::merkle::{self, MAX_PATH, NODE, Node, path_len, sibling_of, walk};
use super::{Alg, CHUNK, Manifest, SigError, TrustError, VerifyingKey, clip};
use crate::records::{Record, Signature, around_signature};

/// How many checked chunks the cache holds (~2 KiB each, their tree's
/// checked hashes): far more chunks than are in flight on all links at
/// once.
const ROOT_CACHE: usize = 1024;

/// Where each level of a chunk's tree starts in [`ChunkTree::nodes`]
/// (leaves first), and how many hashes a tree of [`CHUNK`] leaves has.
const LEVEL_AT: [usize; MAX_PATH + 1] = level_offsets();
const TREE_NODES: usize = 2 * CHUNK - 1;

const fn level_offsets() -> [usize; MAX_PATH + 1] {
    let mut at = [0; MAX_PATH + 1];
    let mut l = 1;
    while l <= MAX_PATH {
        at[l] = at[l - 1] + (CHUNK >> (l - 1));
        l += 1;
    }
    at
}
/// What a record's signature was checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<'v> {
    /// The manifest's key id (borrowed: a check allocates nothing).
    pub key_id: &'v str,
    /// True when the chunk signature had been checked before (no ECDSA).
    pub from_cache: bool,
}

/// What checking a record found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked<'v> {
    /// Signed by its origin.
    Signed(Verified<'v>),
    /// Unsigned, dated before the manifest's `unsigned_before`: written
    /// before the network signed records.
    Legacy,
}

/// The record checks of one node under one tree manifest. Shared by all
/// links (`&self`); a new manifest means a new `Verifier`.
pub struct Verifier {
    manifest: Manifest,
    /// Each office key parsed, with a number naming it in the cache.
    keys: HashMap<String, (u32, VerifyingKey)>,
    cache: Mutex<RootCache>,
    signature_checks: AtomicU64,
}

/// Names a signed chunk without hashing: the key (its number in
/// [`Verifier::keys`]), the record count and the signature's bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ChunkId {
    key: u32,
    count: u32,
    value: [u8; FIXED_SIG],
}

impl std::hash::Hash for ChunkId {
    /// The map's hash takes the key, the count and the signature's first
    /// 8 bytes, not all 64 (the map's hasher is keyed at random, so chosen
    /// bytes cannot aim at collisions); equality still compares them all.
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        h.write_u32(self.key);
        h.write_u32(self.count);
        h.write(&self.value[..8]);
    }
}

/// What is known of a checked chunk: its signed root and every hash of its
/// tree that a checked proof led through or along (a path's nodes and
/// their siblings), each at its level and position. A hash found here is
/// bound to the signed root already.
struct ChunkTree {
    root: Node,
    nodes: [Node; TREE_NODES],
    /// Which of `nodes` are known, one bit each.
    known: u128,
}

impl ChunkTree {
    fn get(&self, level: usize, pos: usize) -> Option<&Node> {
        let i = LEVEL_AT[level] + pos;
        (self.known >> i & 1 == 1).then(|| &self.nodes[i])
    }

    fn set(&mut self, level: usize, pos: usize, node: Node) {
        let i = LEVEL_AT[level] + pos;
        self.nodes[i] = node;
        self.known |= 1 << i;
    }

    /// Learns the hashes a bound walk from leaf `index` passed, level by
    /// level from the leaf: each node and its sibling.
    fn learn(&mut self, index: usize, path: &[(Node, Option<Node>)]) {
        let mut pos = index;
        for (level, (node, sibling)) in path.iter().enumerate() {
            self.set(level, pos, *node);
            if let Some(s) = sibling {
                self.set(level, pos ^ 1, *s);
            }
            pos /= 2;
        }
    }
}

/// The chunks found validly signed, oldest dropped first.
#[derive(Default)]
struct RootCache {
    trees: HashMap<ChunkId, Box<ChunkTree>>,
    order: VecDeque<ChunkId>,
}

impl RootCache {
    /// The tree of `id` signed over `root`, made if new (a tree of the
    /// same id over another root is replaced: only one of them can be
    /// what the key signed).
    fn tree(&mut self, id: ChunkId, root: Node) -> &mut ChunkTree {
        let fresh = || {
            Box::new(ChunkTree {
                root,
                nodes: [[0; NODE]; TREE_NODES],
                known: 0,
            })
        };
        if !self.trees.contains_key(&id) {
            self.order.push_back(id);
            if self.order.len() > ROOT_CACHE
                && let Some(old) = self.order.pop_front()
            {
                self.trees.remove(&old);
            }
        }
        let tree = self.trees.entry(id).or_insert_with(fresh);
        if tree.root != root {
            *tree = fresh();
        }
        tree
    }
}

/// A record's proof, decoded on the stack.
struct Proof {
    hashes: [Node; MAX_PATH],
    len: usize,
}

impl Proof {
    fn hashes(&self) -> &[Node] {
        &self.hashes[..self.len]
    }
}

impl Verifier {
    /// A verifier for `manifest` (already verified), with every office key
    /// parsed once.
    pub fn new(manifest: Manifest) -> Result<Self, TrustError> {
        let keys = manifest
            .offices
            .iter()
            .flat_map(|o| &o.keys)
            .zip(0..)
            .map(|(k, n)| Ok((k.key_id.clone(), (n, k.verifying_key()?))))
            .collect::<Result<_, TrustError>>()?;
        Ok(Verifier {
            manifest,
            keys,
            cache: Mutex::default(),
            signature_checks: AtomicU64::new(0),
        })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// How many signatures this verifier has checked (cache misses): for
    /// tests and metrics.
    pub fn signature_checks(&self) -> u64 {
        self.signature_checks.load(Ordering::Relaxed)
    }

    /// Checks `record` as every hop does: an unsigned record passes only
    /// as [`Checked::Legacy`], dated before the manifest's
    /// `unsigned_before`; any other must verify ([`Verifier::verify`]).
    pub fn check(&self, record: &Record) -> Result<Checked<'_>, SigError> {
        self.check_inner(record, None)
    }

    /// [`Verifier::check`] of a record received as `doc`, the text it was
    /// parsed from. When `doc` is the origin's canonical text
    /// ([`crate::records::origin_doc`], as offices write their records)
    /// and the record's chunk was checked before, its leaf is hashed from
    /// `doc` with the signature member cut out, instead of from the record
    /// serialised again: the canonical form is the larger part of a check.
    /// Sound because a hash bound to the signed root is the signed bytes
    /// themselves, so `doc` is those bytes with one member added (the
    /// member cut out, [`around_signature`], holds the record's own
    /// signature), and the record parsed from it holds its `signature` at
    /// the top level, so that member is the one added: the signed bytes
    /// have none there, and one added inside an object would leave the
    /// record none. Any other text takes the usual way. `record` must be the record parsed from `doc`.
    pub fn check_doc(&self, record: &Record, doc: &str) -> Result<Checked<'_>, SigError> {
        self.check_inner(record, Some(doc))
    }

    fn check_inner(&self, record: &Record, doc: Option<&str>) -> Result<Checked<'_>, SigError> {
        let legacy = record.signature.is_none()
            && self
                .manifest
                .unsigned_before
                .is_some_and(|t| record.updated_at < t);
        if legacy {
            return Ok(Checked::Legacy);
        }
        self.verify_inner(record, doc).map(Checked::Signed)
    }

    /// Checks that `record` was signed by its origin: the key is one of
    /// the origin's in the manifest and valid at `updated_at`, the proof
    /// leads from the record to a root, and the origin signed that root.
    ///
    /// Records of one chunk arrive together, so the cache keeps, per
    /// checked chunk, the tree hashes its checked proofs passed: a
    /// record's walk up its proof stops hashing at the first node found
    /// there at the same level and position (already bound to the signed
    /// root), and the rest of its proof must equal the known siblings. A
    /// chunk of 64 in order costs ~64 leaf and ~63 node hashes and one
    /// signature check, not 64 × 7 hashes.
    pub fn verify(&self, record: &Record) -> Result<Verified<'_>, SigError> {
        self.verify_inner(record, None)
    }

    fn verify_inner(&self, record: &Record, doc: Option<&str>) -> Result<Verified<'_>, SigError> {
        let sig = record.signature.as_ref().ok_or(SigError::Unsigned)?;
        let alg: Alg = sig.alg.parse().map_err(SigError::Alg)?;
        let key = self
            .manifest
            .key(&record.origin, &sig.key_id, record.updated_at)
            .map_err(SigError::Key)?;
        if key.alg != alg {
            return Err(SigError::AlgMismatch {
                key_id: key.key_id.clone(),
                sig: alg.to_string(),
                key: key.alg.to_string(),
            });
        }
        let count = sig.count as usize;
        if count == 0 || count > CHUNK {
            return Err(SigError::Proof("chunk size out of range"));
        }
        let index = sig.index as usize;
        if index >= count {
            return Err(SigError::Proof("leaf index outside the chunk"));
        }
        let proof = decode_proof(&sig.proof)?;
        if proof.len != path_len(index, count) {
            return Err(SigError::Proof(if proof.len < path_len(index, count) {
                "proof path too short"
            } else {
                "proof path too long"
            }));
        }
        let bad = || SigError::BadSignature {
            key_id: key.key_id.clone(),
        };
        let (key_no, vk) = self.keys.get(&key.key_id).ok_or_else(|| {
            SigError::Key(TrustError::Tree(format!(
                "key {} not parsed",
                clip(&key.key_id)
            )))
        })?;
        // Room for base64's estimate (it rounds up to whole quads).
        let mut value = [0u8; FIXED_SIG + 2];
        if B64.decode_slice(&sig.value, &mut value) != Ok(FIXED_SIG) {
            return Err(bad());
        }
        let id = ChunkId {
            key: *key_no,
            count: sig.count,
            value: value[..FIXED_SIG].try_into().unwrap_or([0; FIXED_SIG]),
        };
        let d = alg.digest();
        let verified = |from_cache| Verified {
            key_id: &key.key_id,
            from_cache,
        };
        if let Some(leaf) = doc.and_then(|doc| doc_leaf(d, doc, sig))
            && self.known_in_cache(id, d, leaf, index, count, &proof)
        {
            return Ok(verified(true));
        }
        let leaf = record_leaf(d, record).map_err(SigError::Canonical)?;
        if self.known_in_cache(id, d, leaf, index, count, &proof) {
            return Ok(verified(true));
        }
        let walk = walk(d, leaf, index, count, proof.hashes());
        let root = walk.path[walk.levels].0;
        let cached = self.cache().trees.get(&id).is_some_and(|t| t.root == root);
        if !cached {
            self.signature_checks.fetch_add(1, Ordering::Relaxed);
            if !vk.verify_fixed(&chunk_message(&record.origin, sig.count, &root), &id.value) {
                return Err(bad());
            }
        }
        self.cache()
            .tree(id, root)
            .learn(index, &walk.path[..=walk.levels]);
        Ok(verified(cached))
    }

    /// Whether the cache knows a hash on `leaf`'s way up in chunk `id`,
    /// reached by hashing with `proof`, with the rest of `proof` equal to
    /// the known siblings above it: then the leaf is bound to the root
    /// that chunk's signature was checked over.
    fn known_in_cache(
        &self,
        id: ChunkId,
        d: super::Digest,
        leaf: Node,
        index: usize,
        count: usize,
        proof: &Proof,
    ) -> bool {
        let mut cache = self.cache();
        let Some(tree) = cache.trees.get_mut(&id) else {
            return false;
        };
        let (mut hash, mut pos, mut size) = (leaf, index, count);
        let mut siblings = proof.hashes().iter();
        let mut level = 0;
        // The hashes passed below the known node, to learn once bound.
        let mut passed = [([0; NODE], None); MAX_PATH];
        // Hash up until a known node.
        while tree.get(level, pos) != Some(&hash) {
            if size == 1 {
                return false;
            }
            let sibling = match sibling_of(pos, size).map(|_| siblings.next()) {
                Some(None) => return false,
                Some(Some(s)) => Some(*s),
                None => None,
            };
            passed[level] = (hash, sibling);
            if let Some(s) = &sibling {
                hash = if pos % 2 == 1 {
                    merkle::node(d, s, &hash)
                } else {
                    merkle::node(d, &hash, s)
                };
            }
            (pos, size, level) = (pos / 2, size.div_ceil(2), level + 1);
        }
        let below = level;
        // The rest of the proof must be the known siblings.
        while size > 1 {
            if let Some(sib) = sibling_of(pos, size)
                && siblings.next() != tree.get(level, sib)
            {
                return false;
            }
            (pos, size, level) = (pos / 2, size.div_ceil(2), level + 1);
        }
        if siblings.next().is_some() {
            return false;
        }
        tree.learn(index, &passed[..below]);
        true
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, RootCache> {
        // The cache holds only checked entries; one a panicking thread
        // left half-updated is still sound.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The leaf of a record whose text is `doc` and whose signature is
/// `sig`, taken as its canonical text with the signature member in its
/// sorted place: `doc` without its last `,"signature":"…"` member
/// ([`around_signature`]). None when `doc` has no such member; a `doc` of
/// another form gives a leaf no signed tree holds.
pub(super) fn doc_leaf(d: super::Digest, doc: &str, sig: &Signature) -> Option<Node> {
    let (head, tail) = around_signature(doc, sig)?;
    Some(merkle::leaf_of_pieces(d, head.as_bytes(), tail.as_bytes()))
}

/// The sibling hashes of a proof: unpadded base64 of at most [`MAX_PATH`]
/// hashes of [`NODE`] bytes.
fn decode_proof(proof: &str) -> Result<Proof, SigError> {
    let mut bytes = [0u8; MAX_PATH * NODE];
    if proof.len() > (MAX_PATH * NODE).div_ceil(3) * 4 {
        return Err(SigError::Proof("proof path too long"));
    }
    let n = B64
        .decode_slice(proof, &mut bytes)
        .map_err(|_| SigError::Proof("proof is not base64"))?;
    if n % NODE != 0 {
        return Err(SigError::Proof("proof is not a whole number of hashes"));
    }
    let mut out = Proof {
        hashes: [[0; NODE]; MAX_PATH],
        len: n / NODE,
    };
    for (h, b) in out.hashes.iter_mut().zip(bytes[..n].chunks_exact(NODE)) {
        h.copy_from_slice(b);
    }
    Ok(out)
}
