//! Packed batches (protocol 3, [`PACKED_SINCE`]): what a push or pull
//! carries of signed records. A record's signature member is ~290 bytes,
//! ~150 of them (algorithm, key id, count, value) the same for all the
//! records of its chunk, up to `trust::CHUNK`. A packed batch sends those
//! once per chunk, in `chunks`, and each record as its signed bytes with
//! its own place, `[chunk, index, proof]`; the receiver joins them back
//! into the doc the sender holds, byte for byte
//! ([`crate::records::join_signed`]), and hashes the record's leaf from
//! the signed bytes as they came ([`crate::trust::Verifier::check_signed`]).
//! A record whose member is not in its canonical place (an unsigned or
//! differently written one) goes as its doc.

use std::collections::HashMap;

use super::wire::{PACKED_SINCE, PackedSig, WireChunk, WireItem};
use crate::engine::Received;
use crate::records::{Signature, split_signed};

/// Whether a batch for a peer that speaks `protocol` may be packed.
pub fn packs(protocol: u32) -> bool {
    protocol >= PACKED_SINCE
}

/// The chunks of a batch being packed, each once.
#[derive(Default)]
pub struct Packer {
    chunks: Vec<WireChunk>,
    /// Each chunk's position in `chunks`, by signature value.
    by_value: HashMap<String, u32>,
}

impl Packer {
    /// `doc` as a packed item's record and signature, its chunk added to
    /// the batch's if new; `doc` itself when it does not split.
    pub fn pack(&mut self, doc: String) -> (String, Option<PackedSig>) {
        let Some((text, sig)) = split_signed(&doc) else {
            return (doc, None);
        };
        let Signature {
            alg,
            key_id,
            index,
            count,
            value,
            proof,
        } = sig;
        let chunk = WireChunk {
            alg,
            key_id,
            count,
            value,
        };
        let no = match self.by_value.get(&chunk.value) {
            // One value with other members: a forgery, or a record
            // admitted unchecked. Sent as it is, for the receiver to judge.
            Some(&no) if self.chunks[no as usize] != chunk => return (doc, None),
            Some(&no) => no,
            None => {
                let no = self.chunks.len() as u32;
                self.by_value.insert(chunk.value.clone(), no);
                self.chunks.push(chunk);
                no
            }
        };
        (text, Some(PackedSig(no, index, proof)))
    }

    /// The batch's chunks, for its `chunks`.
    pub fn chunks(self) -> Vec<WireChunk> {
        self.chunks
    }
}

/// A received item's signature, when packed (None: its `record` is its
/// doc); an item naming a chunk the batch does not hold is refused with
/// why.
pub fn unpack(item: &WireItem, chunks: &[WireChunk]) -> Result<Option<Signature>, String> {
    let Some(PackedSig(no, index, proof)) = &item.sig else {
        return Ok(None);
    };
    let chunk = chunks.get(*no as usize).ok_or_else(|| {
        format!(
            "packed record names chunk {no}, the batch has {}",
            chunks.len()
        )
    })?;
    Ok(Some(Signature {
        alg: chunk.alg.clone(),
        key_id: chunk.key_id.clone(),
        index: *index,
        count: chunk.count,
        value: chunk.value.clone(),
        proof: proof.clone(),
    }))
}

/// The item as the engine admits it, `sig` being what [`unpack`] gave.
pub fn received<'i>(item: &'i WireItem, sig: &'i Option<Signature>) -> Received<'i> {
    let text = item.record.get();
    match sig {
        None => Received::Doc(text),
        Some(sig) => Received::Packed(text, sig),
    }
}
