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
use crate::engine::{Reason, Received, Rejection};
use crate::records::{Signature, SignatureText, join_signed, signature_member};

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
        let Some((member, text)) = signature_member(&doc) else {
            return (doc, None);
        };
        let Ok(sig) = SignatureText::parse(text) else {
            return (doc, None);
        };
        let Some(no) = self.chunk_of(&sig) else {
            return (doc, None);
        };
        let packed = PackedSig(no, sig.index, sig.proof.to_string());
        (
            [&doc[..member.start], &doc[member.end..]].concat(),
            Some(packed),
        )
    }

    /// The position of `sig`'s chunk in the batch's, added if new: most
    /// records are of the chunk before them, told by comparing. None when
    /// the batch holds its value with other members (a forgery, or a
    /// record admitted unchecked): sent whole, for the receiver to judge.
    fn chunk_of(&mut self, sig: &SignatureText<'_>) -> Option<u32> {
        let is = |c: &WireChunk| {
            (c.alg.as_str(), c.key_id.as_str(), c.count) == (sig.alg, sig.key_id, sig.count)
        };
        if let Some(last) = self.chunks.last()
            && last.value == sig.value
        {
            return is(last).then(|| self.chunks.len() as u32 - 1);
        }
        if let Some(&no) = self.by_value.get(sig.value) {
            return is(&self.chunks[no as usize]).then_some(no);
        }
        let no = self.chunks.len() as u32;
        self.by_value.insert(sig.value.to_string(), no);
        self.chunks.push(WireChunk {
            alg: sig.alg.to_string(),
            key_id: sig.key_id.to_string(),
            count: sig.count,
            value: sig.value.to_string(),
        });
        Some(no)
    }

    /// The batch's chunks, for its `chunks`.
    pub fn chunks(self) -> Vec<WireChunk> {
        self.chunks
    }
}

/// A received item's signature, when packed (None: its `record` is its
/// doc); an item naming a chunk the batch does not hold is refused as
/// malformed, with why.
pub fn unpack(item: &WireItem, chunks: &[WireChunk]) -> Result<Option<Signature>, Rejection> {
    let Some(PackedSig(no, index, proof)) = &item.sig else {
        return Ok(None);
    };
    let chunk = chunks.get(*no as usize).ok_or_else(|| Rejection {
        code: Reason::Malformed,
        reason: format!(
            "packed record names chunk {no}, the batch has {}",
            chunks.len()
        ),
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
pub fn received(item: &WireItem, sig: Option<Signature>) -> Received<'_> {
    let text = item.record.get();
    match sig {
        None => Received::Doc(text),
        Some(sig) => Received::Packed(text, sig),
    }
}

/// The item's record as its sender holds it, for the quarantine: a packed
/// one joined back whole (its text alone when it does not join).
pub fn doc_of(item: &WireItem, chunks: &[WireChunk]) -> String {
    let text = item.record.get();
    match unpack(item, chunks) {
        Ok(Some(sig)) => join_signed(text, &sig),
        _ => None,
    }
    .unwrap_or_else(|| text.to_string())
}
