//! Checking records at a hop: the origin's key per the tree manifest, the
//! record's inclusion proof, and the chunk signature, of which a bounded
//! cache remembers the ones already checked, so a hop pays one signature
//! check per chunk and origin, not one per record.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;

use super::chunk::{chunk_message, record_leaf};
use super::keys::FIXED_SIG;
use super::merkle::{self, NODE, Node};
use super::{Alg, CHUNK, Hash, Manifest, SigError, TrustError, VerifyingKey, clip};
use crate::records::Record;

/// How many checked chunk signatures the cache holds (32 bytes each): far
/// more chunks than are in flight on all links at once.
const ROOT_CACHE: usize = 4096;

/// The most hashes a proof in a chunk of [`CHUNK`] records has.
const MAX_PATH: usize = CHUNK.ilog2() as usize;

/// What a record's signature was checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub key_id: String,
    /// True when the chunk signature had been checked before (no ECDSA).
    pub from_cache: bool,
}

/// What checking a record found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Signed by its origin.
    Signed(Verified),
    /// Unsigned, dated before the manifest's `unsigned_before`: written
    /// before the network signed records.
    Legacy,
}

/// The record checks of one node under one tree manifest. Shared by all
/// links (`&self`); a new manifest means a new `Verifier`.
pub struct Verifier {
    manifest: Manifest,
    keys: HashMap<String, VerifyingKey>,
    cache: Mutex<RootCache>,
    signature_checks: AtomicU64,
}

/// The chunk signatures found valid, oldest dropped first.
#[derive(Default)]
struct RootCache {
    seen: HashSet<Hash>,
    order: VecDeque<Hash>,
}

impl RootCache {
    fn insert(&mut self, entry: Hash) {
        if self.seen.insert(entry) {
            self.order.push_back(entry);
            if self.order.len() > ROOT_CACHE
                && let Some(old) = self.order.pop_front()
            {
                self.seen.remove(&old);
            }
        }
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
            .map(|k| Ok((k.key_id.clone(), k.verifying_key()?)))
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
    pub fn check(&self, record: &Record) -> Result<Checked, SigError> {
        let legacy = record.signature.is_none()
            && self
                .manifest
                .unsigned_before
                .is_some_and(|t| record.updated_at < t);
        if legacy {
            return Ok(Checked::Legacy);
        }
        self.verify(record).map(Checked::Signed)
    }

    /// Checks that `record` was signed by its origin: the key is one of
    /// the origin's in the manifest and valid at `updated_at`, the proof
    /// leads from the record to a root, and the origin signed that root.
    pub fn verify(&self, record: &Record) -> Result<Verified, SigError> {
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
        let path = decode_proof(&sig.proof)?;
        let d = alg.digest();
        let leaf = record_leaf(d, record).map_err(SigError::Canonical)?;
        let root = merkle::root_from_path(d, leaf, sig.index as usize, count, &path)
            .map_err(SigError::Proof)?;
        let bad = || SigError::BadSignature {
            key_id: key.key_id.clone(),
        };
        // Room for base64's estimate (it rounds up to whole quads).
        let mut value = [0u8; FIXED_SIG + 2];
        if B64.decode_slice(&sig.value, &mut value) != Ok(FIXED_SIG) {
            return Err(bad());
        }
        let value = &value[..FIXED_SIG];
        let entry = d.hash(&[
            key.key_id.as_bytes(),
            &[0],
            &sig.count.to_be_bytes(),
            &root,
            value,
        ]);
        let verified = |from_cache| Verified {
            key_id: key.key_id.clone(),
            from_cache,
        };
        if self.cache().seen.contains(&entry) {
            return Ok(verified(true));
        }
        self.signature_checks.fetch_add(1, Ordering::Relaxed);
        let vk = self.keys.get(&key.key_id).ok_or_else(|| {
            SigError::Key(TrustError::Tree(format!(
                "key {} not parsed",
                clip(&key.key_id)
            )))
        })?;
        if !vk.verify_fixed(&chunk_message(&record.origin, sig.count, &root), value) {
            return Err(bad());
        }
        self.cache().insert(entry);
        Ok(verified(false))
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, RootCache> {
        // The cache holds only checked entries; one a panicking thread
        // left half-updated is still sound.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The sibling hashes of a proof: unpadded base64 of at most [`MAX_PATH`]
/// hashes of [`NODE`] bytes.
fn decode_proof(proof: &str) -> Result<Vec<Node>, SigError> {
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
    Ok(bytes[..n]
        .chunks_exact(NODE)
        .map(|h| h.try_into().unwrap_or([0; NODE]))
        .collect())
}
