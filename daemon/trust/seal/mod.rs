//! Sealed clues: a clue's personal content ([`SEALED_FIELDS`]) encrypted at
//! its origin for the office it is transferred to and for the origin
//! itself, with their sealing keys from the tree manifest, so the offices
//! between them store and forward ciphertext only. Each office keeps its
//! private sealing keys in `seal.key` ([`OpeningKeys`]: several, so a
//! rotated key still opens older clues); the manifest lists the public
//! halves ([`SealKey`]).
//!
//! A sealed body keeps what routing, rules and tallies read
//! (`transfer_to`, `managing_level`, `finding_ids`) and holds the rest in
//! `sealed`: `{alg, ct, to: [{key_id, enc, key}]}`: `ct` is AES-256-GCM of
//! the JSON object of the sealed fields under a fresh content key (zero
//! nonce: a key seals one message), and each `to` entry that key wrapped
//! with HPKE ([`super::hpke`]) for one reader's key. Both use the same
//! associated data, binding the box to its record: `"xunlian/sealed-clue/
//! v1" 0x00 id 0x00 origin`.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aws_lc_rs::agreement::{PrivateKey, X25519};
use aws_lc_rs::encoding::AsBigEndian;
use aws_lc_rs::rand::SecureRandom;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Utc};
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sm2::elliptic_curve::Generate;
use sm2::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};

use super::hpke::{self, HpkeError, KEY_BYTES};
use super::{Digest, Manifest, clip};
use crate::node::{Level, NodeId};
use crate::records::{Kind, Record};

/// The fields of a clue that name or describe a person: sealed.
pub const SEALED_FIELDS: [&str; 2] = ["subject", "summary"];

/// Domain of sealed-clue associated data and HPKE `info`.
const SEAL_DOMAIN: &[u8] = b"xunlian/sealed-clue/v1";

/// The DER before the 32 key bytes of an X25519 SubjectPublicKeyInfo
/// (RFC 8410).
const X25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
];
/// The DER before the 32 key bytes of an X25519 PKCS#8 private key
/// (RFC 8410).
const X25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
];

/// A sealing suite, named in every sealed box and sealing key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SealAlg {
    /// HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
    /// AES-256-GCM (RFC 9180); content under AES-256-GCM.
    #[serde(rename = "hpke-x25519-sha256-aes256gcm")]
    HpkeX25519Sha256Aes256Gcm,
    /// The Chinese suite: the content key encrypted with SM2 (GB/T
    /// 32918.4, C1C3C2, SM3) for each reader, the content under SM4-GCM
    /// (GB/T 32907). SM2 encryption takes no associated data: the record
    /// binding is the content cipher's, so a wrapped key moved to another
    /// record opens nothing there.
    #[serde(rename = "sm2-sm4gcm")]
    Sm2Sm4Gcm,
}

/// SM4 in GCM with a 96-bit nonce.
type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;

/// A private sealing key, per suite.
enum Private {
    X25519(PrivateKey),
    Sm2(sm2::SecretKey),
}

impl Private {
    /// The SubjectPublicKeyInfo DER of the public half.
    fn spki(&self) -> Result<Vec<u8>, String> {
        match self {
            Private::X25519(k) => {
                let public = k
                    .compute_public_key()
                    .map_err(|_| "no public key".to_string())?;
                Ok([X25519_SPKI_PREFIX.as_slice(), public.as_ref()].concat())
            }
            Private::Sm2(k) => k
                .public_key()
                .to_public_key_der()
                .map(|d| d.into_vec())
                .map_err(|e| e.to_string()),
        }
    }
}

/// Every step that differs between suites is one `match` here: key making
/// and loading, wrapping the content key for a reader, and the content
/// cipher. A second suite (SM2/SM4) is one more variant and its arms.
impl SealAlg {
    pub const ALL: [SealAlg; 2] = [SealAlg::HpkeX25519Sha256Aes256Gcm, SealAlg::Sm2Sm4Gcm];

    /// The digest of the suite's key ids.
    fn digest(self) -> Digest {
        match self {
            SealAlg::HpkeX25519Sha256Aes256Gcm => Digest::Sha256,
            SealAlg::Sm2Sm4Gcm => Digest::Sm3,
        }
    }

    /// Bytes of a content key: AES-256's 32, SM4's 16.
    fn content_key_len(self) -> usize {
        match self {
            SealAlg::HpkeX25519Sha256Aes256Gcm => 32,
            SealAlg::Sm2Sm4Gcm => 16,
        }
    }

    /// The key id of public key `spki_der` (as for signing keys).
    pub fn key_id(self, spki_der: &[u8]) -> String {
        super::keys::digest_key_id(self.digest(), spki_der)
    }

    /// A new private key: its PKCS#8 DER and the key.
    fn generate(self) -> Result<(Vec<u8>, Private), String> {
        match self {
            SealAlg::HpkeX25519Sha256Aes256Gcm => {
                let k = PrivateKey::generate(&X25519).map_err(|_| "key generation failed")?;
                let seed: aws_lc_rs::encoding::Curve25519SeedBin<'_> =
                    k.as_be_bytes().map_err(|_| "key export failed")?;
                let der = [X25519_PKCS8_PREFIX.as_slice(), seed.as_ref()].concat();
                Ok((der, Private::X25519(k)))
            }
            SealAlg::Sm2Sm4Gcm => {
                let k = sm2::SecretKey::generate();
                let der = k.to_pkcs8_der().map_err(|_| "key export failed")?;
                Ok((der.as_bytes().to_vec(), Private::Sm2(k)))
            }
        }
    }

    /// The key of this suite in PKCS#8 DER `der`, if it is one.
    fn parse_pkcs8(self, der: &[u8]) -> Option<Private> {
        match self {
            SealAlg::HpkeX25519Sha256Aes256Gcm => {
                let raw = der
                    .strip_prefix(X25519_PKCS8_PREFIX.as_slice())
                    .filter(|k| k.len() == KEY_BYTES)?;
                PrivateKey::from_private_key(&X25519, raw)
                    .ok()
                    .map(Private::X25519)
            }
            SealAlg::Sm2Sm4Gcm => sm2::SecretKey::from_pkcs8_der(der).ok().map(Private::Sm2),
        }
    }

    /// `content_key` wrapped for the public key `spki` (SubjectPublicKeyInfo
    /// DER): `(enc, wrapped)`.
    fn wrap(
        self,
        spki: &[u8],
        aad: &[u8],
        content_key: &[u8],
    ) -> Result<(Vec<u8>, Vec<u8>), SealError> {
        match self {
            SealAlg::HpkeX25519Sha256Aes256Gcm => {
                let raw = spki
                    .strip_prefix(X25519_SPKI_PREFIX.as_slice())
                    .filter(|k| k.len() == KEY_BYTES)
                    .ok_or_else(|| SealError::Malformed("not an X25519 public key".into()))?;
                Ok(hpke::X25519_SHA256_AES256GCM.seal(raw, SEAL_DOMAIN, aad, content_key)?)
            }
            SealAlg::Sm2Sm4Gcm => {
                let public = sm2::PublicKey::from_public_key_der(spki)
                    .map_err(|_| SealError::Malformed("not an SM2 public key".into()))?;
                let wrapped =
                    sm2::pke::EncryptingKey::new_with_mode(public, sm2::pke::Mode::C1C3C2)
                        .encrypt(
                            &mut sm2::elliptic_curve::common::getrandom::SysRng,
                            content_key,
                        )
                        .map_err(|_| SealError::Malformed("SM2 encryption failed".into()))?;
                Ok((Vec::new(), wrapped))
            }
        }
    }

    /// The content key `wrapped` for `private`.
    fn unwrap(
        self,
        private: &Private,
        enc: &[u8],
        aad: &[u8],
        wrapped: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        match (self, private) {
            (SealAlg::HpkeX25519Sha256Aes256Gcm, Private::X25519(k)) => {
                Ok(hpke::X25519_SHA256_AES256GCM.open(k, enc, SEAL_DOMAIN, aad, wrapped)?)
            }
            (SealAlg::Sm2Sm4Gcm, Private::Sm2(k)) => sm2::pke::DecryptingKey::new_with_mode(
                k.to_nonzero_scalar(),
                sm2::pke::Mode::C1C3C2,
            )
            .decrypt(wrapped)
            .map_err(|_| SealError::Malformed("the SM2-wrapped key does not open".into())),
            (alg, _) => Err(SealError::Malformed(format!(
                "a key of another suite than {alg}"
            ))),
        }
    }

    /// The content ciphertext of `plain` under a fresh `key` (used once).
    fn seal_content(self, key: &[u8], aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, SealError> {
        match self {
            SealAlg::HpkeX25519Sha256Aes256Gcm => {
                Ok(hpke::aes256gcm_seal(key, [0; 12], aad, plain)?)
            }
            SealAlg::Sm2Sm4Gcm => sm4_gcm(key)?
                .encrypt(&[0; 12].into(), Payload { msg: plain, aad })
                .map_err(|_| SealError::Malformed("SM4-GCM sealing failed".into())),
        }
    }

    fn open_content(self, key: &[u8], aad: &[u8], ct: &[u8]) -> Result<Vec<u8>, SealError> {
        match self {
            SealAlg::HpkeX25519Sha256Aes256Gcm => Ok(hpke::aes256gcm_open(key, [0; 12], aad, ct)?),
            SealAlg::Sm2Sm4Gcm => sm4_gcm(key)?
                .decrypt(&[0; 12].into(), Payload { msg: ct, aad })
                .map_err(|_| SealError::Malformed("the SM4-GCM content does not open".into())),
        }
    }
}

/// SM4-GCM under `key` (a content key, used once: the nonce is fixed).
fn sm4_gcm(key: &[u8]) -> Result<Sm4Gcm, SealError> {
    Sm4Gcm::new_from_slice(key).map_err(|_| SealError::Malformed("an SM4 key is 16 bytes".into()))
}

impl std::fmt::Display for SealAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SealAlg::HpkeX25519Sha256Aes256Gcm => "hpke-x25519-sha256-aes256gcm",
            SealAlg::Sm2Sm4Gcm => "sm2-sm4gcm",
        })
    }
}

/// Why a clue could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("sealing key {file}: {reason}")]
    KeyFile { file: String, reason: String },
    #[error(
        "office {0} has no sealing key in the tree manifest; the CA lists one per office (`xunlian pki sign-key --seal-out`)"
    )]
    NoReaderKey(NodeId),
    #[error("clue {id}: no office at the {level} level above {origin} in the tree manifest")]
    NoReader {
        id: uuid::Uuid,
        level: Level,
        origin: NodeId,
    },
    #[error("sealing key {key_id}: {reason}")]
    BadKey { key_id: String, reason: String },
    #[error("sealed part: {0}")]
    Malformed(String),
    #[error(
        "the readers' sealing keys are of different suites ({0}); the CA lists keys of one suite"
    )]
    MixedSuites(String),
    #[error("{0}")]
    Hpke(#[from] HpkeError),
}

/// A public sealing key of an office, as the tree manifest lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealKey {
    pub key_id: String,
    pub alg: SealAlg,
    /// Base64 of the SubjectPublicKeyInfo DER.
    pub public_key: String,
    pub not_before: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<DateTime<Utc>>,
}

impl SealKey {
    /// Whether the key's id matches its public key (checked with the tree).
    pub(super) fn id_matches(&self) -> Result<bool, SealError> {
        Ok(self.alg.key_id(&self.spki()?) == self.key_id)
    }

    fn spki(&self) -> Result<Vec<u8>, SealError> {
        B64.decode(&self.public_key)
            .map_err(|e| self.bad(format!("not base64: {e}")))
    }

    fn bad(&self, reason: String) -> SealError {
        SealError::BadKey {
            key_id: clip(&self.key_id),
            reason,
        }
    }

    /// Whether the key may be sealed to at `at`.
    pub fn valid_at(&self, at: DateTime<Utc>) -> bool {
        super::manifest::valid_between(self.not_before, self.not_after, at)
    }
}

/// One private sealing key.
struct OpeningKey {
    alg: SealAlg,
    key_id: String,
    private: Private,
}

/// This office's private sealing keys (`seal.key`: PKCS#8 PEM blocks,
/// mode 0600; the newest last). A key stays in the file after it is
/// replaced in the manifest, so the clues sealed to it still open.
pub struct OpeningKeys(Vec<OpeningKey>);

/// Names the keys, never shows them.
impl std::fmt::Debug for OpeningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|k| &k.key_id))
            .finish()
    }
}

impl OpeningKeys {
    /// Loads every key of `path`.
    pub fn load(path: &Path) -> Result<Self, SealError> {
        let bad = |reason: String| SealError::KeyFile {
            file: path.display().to_string(),
            reason,
        };
        let text = std::fs::read(path).map_err(|e| bad(format!("cannot read: {e}")))?;
        let mut keys = Vec::new();
        for der in PrivatePkcs8KeyDer::pem_slice_iter(&text) {
            let der = der.map_err(|e| bad(format!("not PKCS#8 PEM: {e}")))?;
            let (alg, private) = SealAlg::ALL
                .into_iter()
                .find_map(|alg| Some((alg, alg.parse_pkcs8(der.secret_pkcs8_der())?)))
                .ok_or_else(|| bad("not a sealing key of a known suite".into()))?;
            let key_id = alg.key_id(&private.spki().map_err(bad)?);
            keys.push(OpeningKey {
                alg,
                key_id,
                private,
            });
        }
        if keys.is_empty() {
            return Err(bad("holds no key".into()));
        }
        Ok(OpeningKeys(keys))
    }

    /// Makes a new key pair of `alg`, adds it to `path` (creating it with
    /// mode 0600; the keys already there stay) and returns its manifest
    /// entry, valid from `not_before`.
    pub fn add_new(
        path: &Path,
        alg: SealAlg,
        not_before: DateTime<Utc>,
    ) -> Result<SealKey, SealError> {
        let bad = |reason: String| SealError::KeyFile {
            file: path.display().to_string(),
            reason,
        };
        let (pkcs8, private) = alg.generate().map_err(bad)?;
        let mut text = match std::fs::read(path) {
            Ok(old) => old,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(bad(format!("cannot read: {e}"))),
        };
        text.extend_from_slice(super::keys::pem("PRIVATE KEY", &pkcs8).as_bytes());
        crate::pki::write_private(path, &text).map_err(|e| bad(format!("{e:#}")))?;
        let spki = private.spki().map_err(bad)?;
        Ok(SealKey {
            key_id: alg.key_id(&spki),
            alg,
            public_key: B64.encode(spki),
            not_before,
            not_after: None,
        })
    }

    /// The private key `key_id` of suite `alg`, if this office holds it.
    fn get(&self, alg: SealAlg, key_id: &str) -> Option<&Private> {
        self.0
            .iter()
            .find(|k| k.alg == alg && k.key_id == key_id)
            .map(|k| &k.private)
    }
}

/// The sealed part of a clue's body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sealed {
    pub alg: SealAlg,
    /// Base64 of the AES-256-GCM ciphertext (tag appended) of the sealed
    /// fields' JSON object.
    pub ct: String,
    /// The content key, wrapped for each reader.
    pub to: Vec<Wrapped>,
}

/// The content key wrapped with HPKE for one reader's key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wrapped {
    pub key_id: String,
    /// Base64 of HPKE's `enc` (the ephemeral public key).
    pub enc: String,
    /// Base64 of the wrapped content key.
    pub key: String,
}

/// The associated data binding a box to its record.
fn aad(record: &Record) -> Vec<u8> {
    [
        SEAL_DOMAIN,
        &[0],
        record.id.to_string().as_bytes(),
        &[0],
        record.origin.as_str().as_bytes(),
    ]
    .concat()
}

/// Whether `record` is a clue with any [`SEALED_FIELDS`] in clear.
fn has_clear_content(record: &Record) -> bool {
    record.kind == Kind::Clue && SEALED_FIELDS.iter().any(|f| record.body.get(f).is_some())
}

/// Whether the manifest gives `record`'s origin a sealing key at the
/// record's time: then its clues must be sealed.
fn origin_seals(manifest: &Manifest, record: &Record) -> bool {
    manifest
        .seal_key(&record.origin, record.updated_at)
        .is_some()
}

/// The offices that read a clue: the ancestor of its origin at its
/// `managing_level` (none when that is the origin's own level), and the
/// origin.
fn readers(manifest: &Manifest, record: &Record) -> Result<Vec<NodeId>, SealError> {
    let mut readers = vec![record.origin.clone()];
    let managing = record
        .body
        .get("managing_level")
        .and_then(Value::as_str)
        .and_then(|l| l.parse::<Level>().ok());
    let own = manifest.office(&record.origin).map(|o| o.level);
    if let Some(level) = managing.filter(|l| Some(*l) != own) {
        let reader = manifest
            .ancestors(&record.origin)
            .find(|o| o.level == level)
            .ok_or_else(|| SealError::NoReader {
                id: record.id,
                level,
                origin: record.origin.clone(),
            })?;
        readers.push(reader.id.clone());
    }
    Ok(readers)
}

/// Seals `record`'s personal content in place, before it is signed: a
/// clue with content in clear whose origin has a sealing key in
/// `manifest`. Anything else is left as it is.
pub fn seal_clue(record: &mut Record, manifest: &Manifest) -> Result<(), SealError> {
    if !has_clear_content(record) || !origin_seals(manifest, record) {
        return Ok(());
    }
    let mut keys = Vec::new();
    for office in readers(manifest, record)? {
        let key = manifest
            .seal_key(&office, record.updated_at)
            .ok_or(SealError::NoReaderKey(office))?;
        keys.push(key);
    }
    let body = record
        .body
        .as_object_mut()
        .ok_or_else(|| SealError::Malformed("the body is not an object".into()))?;
    let mut content = Map::new();
    for f in SEALED_FIELDS {
        if let Some(v) = body.remove(f) {
            content.insert(f.to_string(), v);
        }
    }
    let alg = keys[0].alg;
    if keys.iter().any(|k| k.alg != alg) {
        let suites: Vec<String> = keys
            .iter()
            .map(|k| format!("{} {}", k.key_id, k.alg))
            .collect();
        return Err(SealError::MixedSuites(suites.join(", ")));
    }
    let mut content_key = vec![0u8; alg.content_key_len()];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut content_key)
        .map_err(|_| SealError::Malformed("no random content key".into()))?;
    let plain = serde_json::to_vec(&content).map_err(|e| SealError::Malformed(e.to_string()))?;
    let aad = aad(record);
    let ct = alg.seal_content(&content_key, &aad, &plain)?;
    let mut to = Vec::new();
    for k in keys {
        let (enc, wrapped) = alg.wrap(&k.spki()?, &aad, &content_key)?;
        to.push(Wrapped {
            key_id: k.key_id.clone(),
            enc: B64.encode(enc),
            key: B64.encode(wrapped),
        });
    }
    let sealed = Sealed {
        alg,
        ct: B64.encode(ct),
        to,
    };
    let sealed = serde_json::to_value(sealed).map_err(|e| SealError::Malformed(e.to_string()))?;
    record.body["sealed"] = sealed;
    Ok(())
}

/// `record`'s body as its origin wrote it, the sealed fields back in
/// clear, if it is sealed and one of `keys` is a reader: `Ok(None)` when
/// it is not sealed or not for this office.
pub fn open_clue(record: &Record, keys: &OpeningKeys) -> Result<Option<Value>, SealError> {
    let Some(sealed) = record.body.get("sealed") else {
        return Ok(None);
    };
    let sealed: Sealed = serde_json::from_value(sealed.clone())
        .map_err(|e| SealError::Malformed(clip(&e.to_string())))?;
    let Some((w, private)) = sealed
        .to
        .iter()
        .find_map(|w| keys.get(sealed.alg, &w.key_id).map(|k| (w, k)))
    else {
        return Ok(None);
    };
    let b64 = |what: &str, s: &str| {
        B64.decode(s)
            .map_err(|e| SealError::Malformed(format!("{what} is not base64: {e}")))
    };
    let aad = aad(record);
    let content_key =
        sealed
            .alg
            .unwrap(private, &b64("enc", &w.enc)?, &aad, &b64("key", &w.key)?)?;
    let plain = sealed
        .alg
        .open_content(&content_key, &aad, &b64("ct", &sealed.ct)?)?;
    let content: Map<String, Value> = serde_json::from_slice(&plain).map_err(|e| {
        SealError::Malformed(format!("the opened content is not a JSON object: {e}"))
    })?;
    let mut body = record.body.clone();
    if let Some(fields) = body.as_object_mut() {
        fields.remove("sealed");
        fields.extend(content);
    }
    Ok(Some(body))
}

/// Why `record`, received from a peer, may not be stored: a clue whose
/// origin had a sealing key at its time but carries content in clear.
pub fn refuse_unsealed(manifest: &Manifest, record: &Record) -> Option<String> {
    (has_clear_content(record) && origin_seals(manifest, record)).then(|| {
        format!(
            "clue {} of {} carries {} in clear, but its origin has a sealing key: clues are sealed at their origin",
            record.id,
            record.origin,
            SEALED_FIELDS.join("/")
        )
    })
}

#[cfg(test)]
mod tests;
