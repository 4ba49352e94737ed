//! The tree manifest: which offices exist, their level, parent and public
//! keys, stated and signed by the network's CA. Held at every office, it is
//! what routing, admission and signature checks believe instead of a
//! child's claims.
//!
//! The signature covers `"xunlian/tree-manifest/v1" || 0x00 ||` the RFC 8785
//! canonical bytes of the manifest (offices sorted by id), made with the
//! CA's key (`ca.key`) and checked with the CA certificate's public key.

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Alg, SealKey, SigningKey, TrustError, VerifyingKey, clip, key_id};
use crate::node::{Level, NodeId};
use crate::records::canonical_json;

/// Domain of manifest signatures, so the CA's signature over a manifest can
/// never be taken for one over a certificate, a CRL or a record chunk.
const MANIFEST_DOMAIN: &[u8] = b"xunlian/tree-manifest/v1";

/// The tree as the network's authority states it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The network's name; a manifest of another network is refused.
    pub network: String,
    /// Grows with every change; an office takes a manifest only if it is
    /// newer than the one it holds ([`Manifest::newer_than`]).
    pub version: u64,
    pub issued_at: DateTime<Utc>,
    /// The suite offices sign records with (new office keys use it).
    pub suite: Alg,
    /// For a network whose stores hold records from before it signed
    /// records: an unsigned record dated (`updated_at`) before this time
    /// is taken as legacy; after it, and without it, every record must be
    /// signed. `network init` leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsigned_before: Option<DateTime<Utc>>,
    pub offices: Offices,
}

/// One office of the tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    pub id: NodeId,
    pub name: String,
    pub level: Level,
    /// `None` for the central office only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<NodeId>,
    /// The office's record-signing keys (more than one while one replaces
    /// another).
    #[serde(default)]
    pub keys: Vec<OfficeKey>,
    /// The office's sealing keys: clues transferred to it are sealed to
    /// the newest valid one ([`super::seal`]). Left out when empty, so a
    /// manifest without sealing keeps its canonical form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seal_keys: Vec<SealKey>,
    /// The office that took this one over (merges); its records stay
    /// verifiable under its own keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successor: Option<NodeId>,
}

/// A public signing key of an office and when it may sign.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeKey {
    pub key_id: String,
    pub alg: Alg,
    /// Base64 of the SubjectPublicKeyInfo DER.
    pub public_key: String,
    pub not_before: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<DateTime<Utc>>,
}

impl OfficeKey {
    /// The manifest entry of `key`'s public half, valid from `not_before`.
    pub fn of(key: &SigningKey, not_before: DateTime<Utc>) -> Self {
        OfficeKey {
            key_id: key.key_id().to_string(),
            alg: key.alg(),
            public_key: key.public_key_base64(),
            not_before,
            not_after: None,
        }
    }

    /// The public key, parsed for verification.
    pub fn verifying_key(&self) -> Result<VerifyingKey, TrustError> {
        let der = self.public_key_der()?;
        VerifyingKey::from_spki(self.alg, &der)
            .map_err(|e| TrustError::Tree(format!("key {}: {e}", clip(&self.key_id))))
    }

    fn public_key_der(&self) -> Result<Vec<u8>, TrustError> {
        B64.decode(&self.public_key).map_err(|e| {
            TrustError::Tree(format!(
                "key {}: public key is not base64: {e}",
                clip(&self.key_id)
            ))
        })
    }

    /// Whether the key may sign at `at`.
    pub fn valid_at(&self, at: DateTime<Utc>) -> bool {
        valid_between(self.not_before, self.not_after, at)
    }
}

/// Whether `at` is within a key's validity: from `not_before`, before
/// `not_after` if set.
pub(super) fn valid_between(
    not_before: DateTime<Utc>,
    not_after: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> bool {
    not_before <= at && not_after.is_none_or(|end| at < end)
}

/// The offices of a manifest, sorted by id, checked to form one tree:
/// unique ids, every parent listed and above its child, only the central
/// office without a parent, key ids unique and matching their keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Office>")]
pub struct Offices(Vec<Office>);

impl TryFrom<Vec<Office>> for Offices {
    type Error = TrustError;
    fn try_from(offices: Vec<Office>) -> Result<Self, TrustError> {
        Offices::new(offices)
    }
}

impl Offices {
    pub fn new(mut offices: Vec<Office>) -> Result<Self, TrustError> {
        offices.sort_by(|a, b| a.id.cmp(&b.id));
        if let Some(w) = offices.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(TrustError::Tree(format!(
                "office {} is listed twice",
                w[0].id
            )));
        }
        let tree = Offices(offices);
        let mut key_ids = HashSet::new();
        for o in tree.iter() {
            let bad = |what: String| TrustError::Tree(format!("office {}: {what}", o.id));
            match &o.parent {
                Some(p) => {
                    let parent = tree
                        .get(p)
                        .ok_or_else(|| bad(format!("parent {p} is not in the manifest")))?;
                    if parent.level.rank() >= o.level.rank() {
                        return Err(bad(format!(
                            "a {} office cannot be under the {} office {p}",
                            o.level, parent.level
                        )));
                    }
                }
                None if o.level != Level::Central => {
                    return Err(bad(format!("a {} office needs a parent", o.level)));
                }
                None => {}
            }
            if let Some(s) = &o.successor
                && (s == &o.id || tree.get(s).is_none())
            {
                return Err(bad(format!("successor {s} is not another listed office")));
            }
            for k in &o.keys {
                if key_id(k.alg, &k.public_key_der()?) != k.key_id {
                    return Err(bad(format!(
                        "key id {} does not match its public key",
                        clip(&k.key_id)
                    )));
                }
                if !key_ids.insert(k.key_id.as_str()) {
                    return Err(bad(format!("key {} is listed twice", k.key_id)));
                }
            }
            for k in &o.seal_keys {
                if !k.id_matches().map_err(|e| bad(e.to_string()))? {
                    return Err(bad(format!(
                        "sealing key id {} does not match its public key",
                        clip(&k.key_id)
                    )));
                }
                if !key_ids.insert(k.key_id.as_str()) {
                    return Err(bad(format!("key {} is listed twice", k.key_id)));
                }
            }
        }
        Ok(tree)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Office> {
        self.0.iter()
    }

    pub fn get(&self, id: &NodeId) -> Option<&Office> {
        self.0
            .binary_search_by(|o| o.id.cmp(id))
            .ok()
            .map(|i| &self.0[i])
    }
}

impl Manifest {
    pub fn office(&self, id: &NodeId) -> Option<&Office> {
        self.offices.get(id)
    }

    /// The offices above `id`, its parent first, up to the central office.
    pub fn ancestors(&self, id: &NodeId) -> impl Iterator<Item = &Office> {
        let parent = |o: &Office| o.parent.as_ref().and_then(|p| self.office(p));
        std::iter::successors(self.office(id).and_then(parent), move |o| parent(o))
    }

    /// Whether `a` is strictly below `b` in the tree.
    pub fn is_descendant(&self, a: &NodeId, of: &NodeId) -> bool {
        self.ancestors(a).any(|o| &o.id == of)
    }

    /// Key `key_id` of `office`, if the manifest lists it there and it is
    /// valid at `at`.
    pub fn key(
        &self,
        office: &NodeId,
        key_id: &str,
        at: DateTime<Utc>,
    ) -> Result<&OfficeKey, TrustError> {
        let o = self
            .office(office)
            .ok_or_else(|| TrustError::UnknownOffice(office.clone()))?;
        let k = o.keys.iter().find(|k| k.key_id == key_id).ok_or_else(|| {
            TrustError::KeyNotOfOffice {
                key_id: clip(key_id),
                office: office.clone(),
            }
        })?;
        if !k.valid_at(at) {
            return Err(TrustError::KeyNotValid {
                key_id: k.key_id.clone(),
                at,
            });
        }
        Ok(k)
    }

    /// The sealing key of `office` to seal to at `at`: the newest valid
    /// one.
    pub fn seal_key(&self, office: &NodeId, at: DateTime<Utc>) -> Option<&SealKey> {
        self.office(office)?
            .seal_keys
            .iter()
            .filter(|k| k.valid_at(at))
            .max_by_key(|k| k.not_before)
    }

    /// Whether this manifest replaces `held`: `Ok(true)` if its version is
    /// higher, `Ok(false)` if it is the same manifest; an older version, a
    /// different manifest of the same version or another network is an
    /// error.
    pub fn newer_than(&self, held: &Manifest) -> Result<bool, TrustError> {
        if self.network != held.network {
            return Err(TrustError::OtherNetwork {
                got: clip(&self.network),
                held: clip(&held.network),
            });
        }
        match self.version.cmp(&held.version) {
            std::cmp::Ordering::Greater => Ok(true),
            std::cmp::Ordering::Less => Err(TrustError::Stale {
                got: self.version,
                held: held.version,
            }),
            std::cmp::Ordering::Equal if self.canonical_bytes()? == held.canonical_bytes()? => {
                Ok(false)
            }
            std::cmp::Ordering::Equal => Err(TrustError::Conflict {
                version: self.version,
            }),
        }
    }

    /// The RFC 8785 bytes of the manifest, offices sorted by id.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, TrustError> {
        let value = serde_json::to_value(self).map_err(|e| TrustError::Json(e.to_string()))?;
        Ok(canonical_json(&value)?)
    }

    fn signed_message(&self) -> Result<Vec<u8>, TrustError> {
        let body = self.canonical_bytes()?;
        Ok([MANIFEST_DOMAIN, &[0], &body].concat())
    }
}

/// A signature named by suite and key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sig {
    pub alg: Alg,
    pub key_id: String,
    /// Base64 of the signature bytes.
    pub value: String,
}

/// A manifest with the CA's signature, as stored and sent (JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedManifest {
    pub manifest: Manifest,
    pub sig: Sig,
}

impl SignedManifest {
    /// Parses a signed manifest (the tree checks run, the signature is not
    /// checked: see [`verify`]).
    pub fn from_json(bytes: &[u8]) -> Result<Self, TrustError> {
        serde_json::from_slice(bytes).map_err(|e| TrustError::Json(e.to_string()))
    }

    pub fn to_json(&self) -> Result<Vec<u8>, TrustError> {
        serde_json::to_vec_pretty(self).map_err(|e| TrustError::Json(e.to_string()))
    }
}

/// Signs `manifest` with the CA's key (`ca.key`, loaded with
/// [`SigningKey::load`]).
pub fn sign(manifest: Manifest, ca_key: &SigningKey) -> Result<SignedManifest, TrustError> {
    let sig = ca_key.sign(&manifest.signed_message()?)?;
    Ok(SignedManifest {
        sig: Sig {
            alg: ca_key.alg(),
            key_id: ca_key.key_id().to_string(),
            value: B64.encode(sig),
        },
        manifest,
    })
}

/// The manifest of `signed` if the CA whose certificate is `ca_cert_der`
/// signed it.
pub fn verify(signed: SignedManifest, ca_cert_der: &[u8]) -> Result<Manifest, TrustError> {
    let (_, cert) = x509_parser::parse_x509_certificate(ca_cert_der)
        .map_err(|e| TrustError::CaCert(format!("does not parse: {e}")))?;
    let spki = cert.tbs_certificate.subject_pki.raw;
    let SignedManifest { manifest, sig } = signed;
    let want = key_id(sig.alg, spki);
    if sig.key_id != want {
        return Err(TrustError::WrongCa {
            got: format!("{} key {}", sig.alg, clip(&sig.key_id)),
            want,
        });
    }
    let ca = VerifyingKey::from_spki(sig.alg, spki).map_err(TrustError::CaCert)?;
    let value = B64
        .decode(&sig.value)
        .map_err(|_| TrustError::BadSignature {
            key_id: want.clone(),
        })?;
    if !ca.verify(&manifest.signed_message()?, &value) {
        return Err(TrustError::BadSignature { key_id: want });
    }
    Ok(manifest)
}
