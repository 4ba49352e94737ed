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
//! as a string: `ecdsa-p256-sha256`, or `sm2-sm3` for a network made with
//! `network init --crypto sm`: SM2 signatures over SM3 hashes). Signing,
//! verifying, key ids and hashing all `match` on the suite, so a suite is
//! one variant of [`Alg`] and [`Digest`] with its arms in `alg` and
//! `keys`; nothing else changes, and a network moves by listing new keys
//! in the manifest beside the old. The CA signs the manifest with its
//! TLS key (ECDSA P-256) in either network.
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
//! ~30 %: per-record signatures are out. The origin signs the records it
//! commits together in chunks of at most [`CHUNK`]: a Merkle tree (RFC
//! 6962 shape: leaf = H(0x00 || canonical bytes), node = H(0x01 || left ||
//! right), an odd last node promoted, every hash cut to its first 16
//! bytes) and one signature over `"xunlian/record-chunk/v2" 0x00 origin
//! 0x00 count root` (count as 4 bytes big-endian, so no member of a
//! record's signature can change unnoticed: with the count signed, the
//! proof fixes the `index`). Each record carries, in its envelope's `signature`, all it
//! needs to be checked alone: records of a chunk can be stored,
//! compacted, forwarded and re-sent apart, and a record keeps its
//! signature as long as it is not changed (a new version is a new chunk).
//!
//! # The signature's bytes (format v2)
//! What a hop pays most for is not the check but the signature's bytes,
//! carried through every stage (parse, store, read, gzip): format 1 (an
//! object: six base64 SHA-256 proof hashes, a DER signature) took ~500
//! bytes a record and, with the check, a hop 55-108 % more CPU
//! (bench/RESULTS.md, 2026-12-07 04:15). Format v2 packs it into one
//! string, `v2 ALG KEY_ID INDEX/COUNT VALUE [PROOF]`
//! ([`crate::records::Signature`]): the signature as 64 bytes r || s
//! (ECDSA and SM2 alike), the proof as 16-byte hashes, both in unpadded
//! base64: at most 275 bytes. The operator API spells its members out.
//! Measured (bench/RESULTS.md, 2026-12-07 15:10, callgrind, not the
//! release build): the bytes now cost a hop +14.5 % instructions (format
//! 1: +36-50 % of its time), the check +47 %, mostly SHA-256: +61.5 % in
//! all, still over the ~30 % the issue asks. With the tree cache (below,
//! 2026-12-07 15:38): the check +35.4 %, +50.1 % in all. With the
//! canonical form's fast paths (18:09): the check +29.2 % (52.0 k
//! instructions a record), +43.8 % in all; the check is now mostly the
//! leaf's SHA-256 (24 k under valgrind's AVX code) and the chunk's ECDSA
//! (11 k), the canonical form 6.7 k. With the leaf hashed from the
//! received text ([`Verifier::check_doc`], 20:30), in CPU time natively,
//! each way alone, findings of varying length: +33 to +37 % in all, about
//! half of it the check and half the bytes. Stores keep a chunk's shared
//! members once (`store::plan`, migration 0007; 2026-12-07 22:30): a
//! signed store 17 % larger than an unsigned one instead of 53 %, the
//! hop's CPU unchanged.
//!
//! Why 16-byte tree hashes are enough: to pass an altered record under a
//! signed root, a relay needs a second preimage of a leaf or node it did
//! not choose, 2^128 work (2^88 against 2^40 stored records at once).
//! Collisions cost 2^64, but only whoever chooses both records can use
//! one, and that is the origin, which can sign either record anyway; the
//! signed message binds the origin, the count and the domain, and a v2
//! root is never read as a v1 one (the domain names the version).
//! Records signed in format 1 (only stores of test networks from before
//! v2) no longer read: a hop refuses them as `schema`.
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
//! The records of a chunk travel together, so the cache keeps more than
//! the root: per checked chunk (named by key, count and the signature's
//! bytes, no hashing), every tree hash a checked proof led through or
//! along, at its level and position; each is bound to the signed root. A
//! record's walk up its own proof stops hashing at the first hash known
//! at that level and position, and the rest of its proof must equal the
//! known siblings there (else it is walked to its own root, which is not
//! the signed one). A chunk of 64 in order then costs 64 leaf hashes, ~63
//! node hashes and one signature check, not 64 × 7 hashes; every record
//! is still bound to the signed root by its own leaf, index, count and
//! proof, so one altered record is refused while its chunk-mates pass.
//!
//! A refusal is a [`SigError`] with a short reason (peer values clipped).
//! A signature whose packed form does not parse (too few members, not
//! `v2`) is no record: the hop refuses it as `schema`.
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
//! # Where it runs
//! The origin signs in `Engine::seal` (every record an office writes goes
//! through a submit) and writes each signed record's doc in its canonical
//! form with the `signature` member in its sorted place
//! ([`crate::records::origin_doc`]); every hop checks in `engine::admit`,
//! after the routing check, with [`Verifier::check_doc`], which for a
//! chunk already in its cache hashes the received text with that member
//! cut out instead of serialising the record again (a hash bound to the
//! signed root is the signed bytes, so nothing else is taken on trust; a
//! text in another form gives no bound hash and is checked the usual
//! way): an unsigned record passes only
//! as legacy, dated before the manifest's `unsigned_before` (for a network
//! whose stores predate signing; `network init` leaves it out, so every
//! record must be signed). The operator API tells readers what the check
//! says of each record now (`verified`: signed, legacy, failed, unchecked).
//!
//! # A record refused for its signature is fetched again
//! The refusal carries its code (`signature`) back to the sender. The
//! sender checks its own stored copy: if it verifies, the refusal is the
//! receiver's (an older manifest?) and stays in its quarantine. If not,
//! the copy was altered in the sender's store: the sender drops it and,
//! in the same transaction, notes that it wants it again from the office
//! it received it from; that office hears the ask in the pull (a child in
//! the answer to its long poll, a parent in the next pull request),
//! re-issues the record on that link if routing sends it there, and the
//! intact original travels on to every destination. A relay whose own
//! copy is also altered is caught the same way one level further down.
//!
//! # Sealed clues ([`seal`], [`hpke`])
//! Signatures stop a relay from altering a clue; they do not stop it from
//! reading one, and a municipality relays its counties' clues about
//! cadres it may work with. So a clue's personal content (`subject`,
//! `summary`) is encrypted at its origin, before signing (the signature
//! covers the ciphertext), for its readers: the office at its
//! `managing_level` (the ancestor of that level in the manifest) and the
//! origin itself. Routing, rules and tallies read only the fields left in
//! clear (`transfer_to`, `managing_level`, `finding_ids`; disposal
//! reports are not sealed).
//!
//! Each office makes a sealing key pair at the office (`seal.key`, X25519
//! in RFC 8410 PKCS#8 PEM, mode 0600; several keys, so a rotated one still
//! opens old clues); the manifest lists the public halves per office
//! (`seal_keys`: `{key_id, alg, public_key, not_before, not_after}`, key
//! ids as for signing keys, left out when empty so older manifests keep
//! their canonical bytes). The suite, [`SealAlg`], is named in every box:
//! `hpke-x25519-sha256-aes256gcm`, HPKE base mode (RFC 9180) with
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and AES-256-GCM, built on
//! aws-lc-rs (X25519, HMAC, HKDF-Expand, AES-GCM) and checked against RFC
//! 9180 A.1. The content is encrypted once, AES-256-GCM under a fresh
//! random key; the key is wrapped with HPKE for each reader's newest valid
//! key. The box, `body.sealed = {alg, ct, to: [{key_id, enc, key}]}`, is
//! bound to its record by the associated data of both layers
//! (`"xunlian/sealed-clue/v1" 0x00 id 0x00 origin`), so a box moved to
//! another record does not open. An SM suite is one more [`SealAlg`]
//! variant with its arms.
//!
//! A hop refuses (`schema`) a clue in clear whose origin had a sealing key
//! at the clue's `updated_at`: an office that seals never sends content in
//! clear, and clues written before the office had a key stay as they were.
//! Only readers open, and only to show: the operator API opens with the
//! office's `seal.key` and marks the record `sealed: "opened"`, else
//! leaves the box (`"closed"`).
//!
//! # Changing algorithms
//! A new suite is added as a variant; offices get keys of it listed in a
//! new manifest version beside their old ones; records name the suite they
//! were signed with and stay verifiable until the old keys are retired.

mod alg;
mod chunk;
mod error;
mod hpke;
mod keys;
mod manifest;
mod merkle;
mod seal;
mod verifier;

#[cfg(test)]
mod tests;

pub(crate) use crate::clip::clip;
pub use alg::{Alg, Digest, Hash};
pub use chunk::{CHUNK, sign_chunk};
pub use error::{SigError, TrustError};
pub use keys::{SigningKey, VerifyingKey, key_id};
pub use manifest::{Manifest, Office, OfficeKey, Offices, Sig, SignedManifest, sign, verify};
pub use seal::{
    OpeningKeys, SEALED_FIELDS, SealAlg, SealError, SealKey, Sealed, open_clue, refuse_unsealed,
    seal_clue,
};
pub use verifier::{Checked, Verified, Verifier};
