//! Signing at the origin: records committed together are signed in chunks
//! of at most [`CHUNK`], one signature over the Merkle root of the chunk,
//! and each record carries that signature with its own inclusion proof.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;

use super::merkle::{self, Node};
use super::{Digest, SigningKey, TrustError};
use crate::node::NodeId;
use crate::records::{Record, Signature, canonical_bytes};

/// The most records one signature covers. A hop checks one signature per
/// chunk (~30-60 µs of ECDSA) instead of one per record, so at 64 records
/// the signature check costs a hop under 1 µs a record; each record then
/// carries a proof of 6 hashes (log2 64, 96 bytes, 128 in base64). Twice
/// the chunk would halve the signature cost and add one hash per record:
/// 64 is where the two meet. The bytes, not the checks, are what a hop
/// pays most for (bench/RESULTS.md, 2026-12-07).
pub const CHUNK: usize = 64;

/// Domain of record-chunk signatures (v2: 16-byte tree hashes; the v1
/// domain signed 32-byte ones).
const CHUNK_DOMAIN: &[u8] = b"xunlian/record-chunk/v2";

/// What the origin signs for a chunk: the domain, its own office id, the
/// number of records and the chunk's root, so a root signed by one office
/// is nobody else's and a record's `count` cannot be changed unnoticed
/// (with the count fixed, the proof fixes the `index` too).
pub(super) fn chunk_message(origin: &NodeId, count: u32, root: &Node) -> Vec<u8> {
    [
        CHUNK_DOMAIN,
        &[0],
        origin.as_str().as_bytes(),
        &[0],
        &count.to_be_bytes(),
        root,
    ]
    .concat()
}

/// The Merkle leaf of `record` (its canonical bytes, signature excluded).
pub(super) fn record_leaf(d: Digest, record: &Record) -> Result<Node, String> {
    canonical_bytes(record)
        .map(|bytes| merkle::leaf(d, &bytes))
        .map_err(|e| super::clip(&e.to_string()))
}

/// Signs `records` (1 to [`CHUNK`] of them, all of one origin: the office
/// that owns `key`) as one chunk and fills each record's `signature`.
pub fn sign_chunk(records: &mut [Record], key: &SigningKey) -> Result<(), TrustError> {
    let Some(origin) = records.first().map(|r| r.origin.clone()) else {
        return Err(TrustError::Chunk("no records".into()));
    };
    if records.len() > CHUNK {
        return Err(TrustError::Chunk(format!(
            "{} records, at most {CHUNK} a chunk",
            records.len()
        )));
    }
    if let Some(r) = records.iter().find(|r| r.origin != origin) {
        return Err(TrustError::Chunk(format!(
            "records of {origin} and {} in one chunk",
            r.origin
        )));
    }
    let d = key.alg().digest();
    let leaves = records
        .iter()
        .map(|r| record_leaf(d, r).map_err(|e| TrustError::Chunk(format!("record {}: {e}", r.id))))
        .collect::<Result<Vec<_>, _>>()?;
    let (root, paths) = merkle::root_and_paths(d, &leaves);
    let count = records.len() as u32;
    let value = B64.encode(key.sign_fixed(&chunk_message(&origin, count, &root))?);
    for ((index, r), path) in records.iter_mut().enumerate().zip(paths) {
        r.signature = Some(Signature {
            alg: key.alg().to_string(),
            key_id: key.key_id().to_string(),
            index: index as u32,
            count,
            value: value.clone(),
            proof: B64.encode(path.concat()),
        });
    }
    Ok(())
}
