//! Trust: who may speak for which office. The tree manifest, signed by the
//! network's CA, says which offices exist, where they sit and which keys
//! they sign with; every record is signed by its origin, in chunks; every
//! hop checks both before it stores or forwards anything. This note is the
//! design; the submodules implement it.
//!
//! # Threat model
//! An insider holding one office's machine and keys, a relay included,
//! must not write a record in another office's name or alter a record it
//! relays without the next hop noticing. So nothing a peer says about the
//! tree is believed (the manifest is), and nothing a relay forwards is
//! believed unless its origin's signature checks out.
//!
//! # Algorithms ([`alg`])
//! Every signature, key and manifest names its suite ([`Alg`], serialised
//! as a string: `ecdsa-p256-sha256` today). Signing, verifying, key ids
//! and hashing all `match` on the suite, so the Chinese suite (`sm2-sm3`,
//! SM2 signatures with SM3 hashes) is one more variant of [`Alg`] and
//! [`Digest`] with its arms in `alg` and `keys`; nothing else changes, and
//! a network moves by listing new keys in the manifest beside the old.
//!
//! # Keys ([`keys`])
//! Each office makes its own signing key pair at the office (`sign.key`,
//! PKCS#8 PEM, mode 0600) and gives out only the public key; the CA never
//! sees it. A key id is the first 16 bytes of the suite's digest over the
//! public key's SubjectPublicKeyInfo DER, in lowercase hex (32
//! characters). The CA's own key (`ca.key` of [`crate::pki`], ECDSA P-256)
//! signs the manifest; its key id is computed the same way from the CA
//! certificate.
//!
//! # The tree manifest ([`manifest`])
//! `{network, version, issued_at, suite, offices: [{id, name, level,
//! parent, keys: [{key_id, alg, public_key, not_before, not_after}],
//! successor}]}`. Parsing checks it is one tree (unique ids, parents listed
//! and above their children, only central without a parent, key ids
//! unique and matching their keys). Signed message: `"xunlian/tree-
//! manifest/v1" 0x00` then the RFC 8785 canonical bytes (offices sorted by
//! id), by the CA key; sent as JSON `{manifest, sig: {alg, key_id,
//! value}}` and checked with the CA certificate's key. A node replaces its
//! manifest only by one of the same network with a higher version
//! ([`Manifest::newer_than`]); the same version with other bytes is an
//! error, not a choice.
//!
//! # What a record's signature covers
//! The record's canonical bytes ([`crate::records::canonical_bytes`]):
//! RFC 8785 JSON of the whole record, envelope and body, without its
//! `signature` field. Every envelope field (id, kind, origin, version,
//! times, round, classification, route) and every body byte is covered.
//!
//! # Chunks ([`chunk`], [`merkle`])
//! One ECDSA check costs 30-80 µs (73-86 µs a record checked alone on a
//! busy machine, `bench/trust.rs`), a hop 13-20 µs a record on a quiet
//! machine (40-55 on a busy one, `bench/hop.rs`), and signatures may add
//! ~30 %: per-record signatures are out. Measured with chunks of 64 (busy
//! machine, bench/RESULTS.md of 2026-12-07 04:15), the check costs a hop
//! ~11-13 µs a record and the signature's ~500 bytes as much or more
//! across its stages: +55-108 % (median 75 %), over that budget. The origin
//! signs the records it commits together in chunks of at most [`CHUNK`]:
//! a Merkle tree (RFC 6962 shape: leaf = H(0x00 || canonical bytes), node
//! = H(0x01 || left || right), an odd last node promoted) and one
//! signature over `"xunlian/record-chunk/v1" 0x00 origin 0x00 count root`
//! (count as 4 bytes big-endian, so no field of a record's signature can
//! change unnoticed: the proof binds `index` and `path`). Each
//! record carries, in its envelope's `signature` (`alg`, `key_id`, `value`
//! = the chunk signature, `index`, `count`, `path` = sibling hashes), all
//! it needs to be checked alone: records of a chunk can be stored,
//! compacted, forwarded and re-sent apart, and a record keeps its
//! signature as long as it is not changed (a new version is a new chunk).
//!
//! # What each hop checks ([`Verifier::verify`])
//! 1. The signature's `key_id` is a key of the record's `origin` in the
//!    manifest, of the named suite, valid at the record's `updated_at` (a
//!    key of another office is an origin forgery).
//! 2. The proof leads from the record's leaf to a root.
//! 3. The origin's key signed that root, unless this (key, root,
//!    signature) was checked before: a bounded cache keeps checked chunk
//!    signatures, so a hop does one ECDSA check per chunk, not per record.
//!
//! A refusal is a [`SigError`] with a short reason (peer values clipped).
//! Key validity is judged at the record's own `updated_at`, so a key
//! retired in the manifest (its `not_after` set) still verifies what it
//! signed before; a stolen key must be retired with a `not_after` before
//! the theft, and the office re-signs its later records with a new key.
//!
//! What the signature protects is the record's canonical form: a relay
//! that re-encodes the JSON (member order, escapes) or swaps an ECDSA
//! signature for its mirror image (s for n − s, equally valid) changes no
//! signed byte and is not refused; everything an office reads is still
//! what the origin wrote.
//!
//! # Changing algorithms
//! A new suite is added as a variant; offices get keys of it listed in a
//! new manifest version beside their old ones; records name the suite they
//! were signed with and stay verifiable until the old keys are retired.

mod alg;
mod chunk;
mod error;
mod keys;
mod manifest;
mod merkle;
mod verifier;

#[cfg(test)]
mod tests;

pub use alg::{Alg, Digest, Hash};
pub use chunk::{CHUNK, sign_chunk};
pub(crate) use error::clip;
pub use error::{SigError, TrustError};
pub use keys::{SigningKey, VerifyingKey, key_id};
pub use manifest::{Manifest, Office, OfficeKey, Offices, Sig, SignedManifest, sign, verify};
pub use verifier::{Checked, Verified, Verifier};
