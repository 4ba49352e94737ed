//! The tree authority's files: an office's record-signing key and sealing
//! key with the public line it sends the CA, and the tree manifest the CA
//! signs from a tree file and the offices' public keys. `network init` uses both for a
//! new network; `pki sign-key` (at each office) and `pki manifest` (at the
//! CA) for an existing one, so the CA never sees a private key.
//!
//! The public line is one JSON object, `{"office", "key_id", "alg",
//! "public_key", "not_before", "seal"}` (`office` may be left out and then
//! comes from the name of the file the CA keeps it in, `630102.json`;
//! `seal`, `{"key_id", "alg", "public_key"}`, is the sealing key's public
//! half, left out by an office without one); `not_before` is when the
//! office made the keys, less [`KEY_SLACK`], and stays their start in
//! every manifest version signed from the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::Tree;
use crate::node::NodeId;
use crate::trust::{
    self, Alg, Manifest, Office, OfficeKey, Offices, OpeningKeys, SealAlg, SealKey, SigningKey,
};

/// The network a tree manifest names.
const NETWORK_NAME: &str = "xunlian";

/// The cryptography a network chooses at `network init` (`--crypto`):
/// the suite its offices sign records with. TLS is TLS 1.3 with NIST
/// curves either way (rustls speaks no SM2/TLCP; docs/operations.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Crypto {
    /// ECDSA P-256 with SHA-256 (`ecdsa-p256-sha256`).
    #[default]
    Standard,
    /// SM2 with SM3 (`sm2-sm3`), for networks assessed under GB/T 39786.
    Sm,
}

impl Crypto {
    pub fn suite(self) -> Alg {
        match self {
            Crypto::Standard => Alg::EcdsaP256Sha256,
            Crypto::Sm => Alg::Sm2Sm3,
        }
    }

    /// The suite clues are sealed with.
    pub fn seal_suite(self) -> SealAlg {
        match self {
            Crypto::Standard => SealAlg::HpkeX25519Sha256Aes256Gcm,
            Crypto::Sm => SealAlg::Sm2Sm4Gcm,
        }
    }
}

/// How long before its making a key is valid from, for clocks a little
/// apart.
const KEY_SLACK: Duration = Duration::hours(1);

/// The public half of an office's signing key, as the office sends it to
/// the CA (one JSON line).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicKeyLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<NodeId>,
    pub key_id: String,
    pub alg: Alg,
    /// Base64 of the SubjectPublicKeyInfo DER.
    pub public_key: String,
    pub not_before: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<SealLine>,
}

/// The public half of an office's sealing key in its public line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealLine {
    pub key_id: String,
    pub alg: SealAlg,
    /// Base64 of the SubjectPublicKeyInfo DER.
    pub public_key: String,
}

/// An office's public keys as the manifest lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeKeys {
    pub sign: OfficeKey,
    pub seal: Option<SealKey>,
}

impl PublicKeyLine {
    fn into_office_keys(self) -> OfficeKeys {
        let not_before = self.not_before;
        OfficeKeys {
            sign: OfficeKey {
                key_id: self.key_id,
                alg: self.alg,
                public_key: self.public_key,
                not_before,
                not_after: None,
            },
            seal: self.seal.map(|s| SealKey {
                key_id: s.key_id,
                alg: s.alg,
                public_key: s.public_key,
                not_before,
                not_after: None,
            }),
        }
    }
}

/// Makes an office's signing key in the suite of `crypto` at `sign` (mode
/// 0600, never replacing a file) and, with `seal`, a sealing key of
/// `crypto` added to that file (mode 0600;
/// the keys already there stay, so a new one rotates the old out of the
/// manifest while its clues still open), with their manifest entries,
/// valid from now less [`KEY_SLACK`].
pub fn make_office_keys(
    sign: &Path,
    seal: Option<&Path>,
    crypto: Crypto,
) -> anyhow::Result<OfficeKeys> {
    let not_before = Utc::now() - KEY_SLACK;
    let key = SigningKey::create(sign, crypto.suite())?;
    let seal = seal
        .map(|path| OpeningKeys::add_new(path, crypto.seal_suite(), not_before))
        .transpose()?;
    Ok(OfficeKeys {
        sign: OfficeKey::of(&key, not_before),
        seal,
    })
}

/// The line an office sends the CA for `keys`.
pub fn public_line(office: Option<NodeId>, keys: &OfficeKeys) -> PublicKeyLine {
    PublicKeyLine {
        office,
        key_id: keys.sign.key_id.clone(),
        alg: keys.sign.alg,
        public_key: keys.sign.public_key.clone(),
        not_before: keys.sign.not_before,
        seal: keys.seal.as_ref().map(|s| SealLine {
            key_id: s.key_id.clone(),
            alg: s.alg,
            public_key: s.public_key.clone(),
        }),
    }
}

/// The offices' keys from the public lines at `path`: one file, or every
/// file of a directory (names starting with `.` skipped); each non-empty
/// line a [`PublicKeyLine`]. A line without `office` belongs to the office
/// its file is named after. One key per office.
pub fn read_public_keys(path: &Path) -> anyhow::Result<BTreeMap<NodeId, OfficeKeys>> {
    let mut keys = BTreeMap::new();
    let mut from: BTreeMap<NodeId, String> = BTreeMap::new();
    for file in key_files(path)? {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading public keys {}", file.display()))?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let at = format!("{}:{}", file.display(), i + 1);
            let parsed: PublicKeyLine = serde_json::from_str(line).with_context(|| {
                format!("{at}: expected {{\"office\", \"key_id\", \"alg\", \"public_key\", \"not_before\", \"seal\"}}")
            })?;
            let office = match &parsed.office {
                Some(id) => id.clone(),
                None => office_of_file(&file).with_context(|| {
                    format!("{at}: the line names no office and the file name is not an office id")
                })?,
            };
            if let Some(before) = from.insert(office.clone(), at.clone()) {
                bail!("office {office} has two keys: {before} and {at}");
            }
            keys.insert(office, parsed.into_office_keys());
        }
    }
    Ok(keys)
}

/// `path` if it is a file, else the files in it, sorted.
fn key_files(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).with_context(|| format!("reading {}", path.display()))? {
        let entry = entry.with_context(|| format!("reading {}", path.display()))?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !hidden && entry.path().is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// The office a key file is named after (`630102.json` → 630102).
fn office_of_file(file: &Path) -> anyhow::Result<NodeId> {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    Ok(NodeId::new(stem)?)
}

/// Version `version` of the tree manifest for `tree`, every office with
/// its key from `keys` (of the network's `suite`), signed with the CA key
/// in `ca_dir`, as the JSON every office keeps. A key for an office not
/// in the tree, an office of the tree without a key, or a key of another
/// suite is an error naming them.
pub fn signed_manifest(
    ca_dir: &Path,
    tree: &Tree,
    keys: &BTreeMap<NodeId, OfficeKeys>,
    suite: Alg,
    version: u64,
    unsigned_before: Option<DateTime<Utc>>,
) -> anyhow::Result<Vec<u8>> {
    let other_suite: Vec<String> = keys
        .iter()
        .filter(|(_, k)| k.sign.alg != suite)
        .map(|(id, k)| format!("{id} ({})", k.sign.alg))
        .collect();
    if !other_suite.is_empty() {
        bail!(
            "the network signs with {suite}, but the key of office {} is not of that suite",
            other_suite.join(", ")
        );
    }
    let strangers: Vec<String> = keys
        .keys()
        .filter(|id| tree.get(id).is_none())
        .map(|id| id.to_string())
        .collect();
    if !strangers.is_empty() {
        bail!(
            "public key for office {}, which is not in the tree",
            strangers.join(", ")
        );
    }
    let without: Vec<String> = tree
        .nodes
        .iter()
        .filter(|n| !keys.contains_key(&n.id))
        .map(|n| format!("{} ({})", n.id, n.name))
        .collect();
    if !without.is_empty() {
        bail!(
            "no public key for office {}; each office makes one with `xunlian pki sign-key`",
            without.join(", ")
        );
    }
    let offices = tree
        .nodes
        .iter()
        .map(|n| Office {
            id: n.id.clone(),
            name: n.name.clone(),
            level: n.level,
            parent: n.parent.clone(),
            keys: vec![keys[&n.id].sign.clone()],
            seal_keys: keys[&n.id].seal.iter().cloned().collect(),
            successor: None,
        })
        .collect();
    let manifest = Manifest {
        network: NETWORK_NAME.into(),
        version,
        issued_at: Utc::now(),
        suite,
        unsigned_before,
        offices: Offices::new(offices)?,
    };
    let ca_key = SigningKey::load(&ca_dir.join("ca.key"))?;
    Ok(trust::sign(manifest, &ca_key)?.to_json()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &str = "[[node]]\nid = \"000000\"\nname = \"中央\"\nlevel = \"central\"\n\
        [[node]]\nid = \"630000\"\nname = \"青海\"\nlevel = \"provincial\"\nparent = \"000000\"\n";

    fn line(office: Option<&str>, key: &OfficeKeys) -> String {
        let office = office.map(|o| NodeId::new(o).unwrap());
        serde_json::to_string(&public_line(office, key)).unwrap() + "\n"
    }

    /// A temporary directory with a CA in `ca/`.
    fn with_ca() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca");
        crate::pki::init_ca(&ca, "test CA", 1).unwrap();
        (dir, ca)
    }

    #[test]
    fn the_ca_signs_the_keys_the_offices_sent() {
        let (dir, ca) = with_ca();
        let central =
            make_office_keys(&dir.path().join("central.key"), None, Crypto::Standard).unwrap();
        let province = make_office_keys(
            &dir.path().join("province.key"),
            Some(&dir.path().join("province.seal")),
            Crypto::Standard,
        )
        .unwrap();
        let keys = dir.path().join("keys");
        std::fs::create_dir(&keys).unwrap();
        std::fs::write(keys.join("a.json"), line(Some("000000"), &central)).unwrap();
        // Without "office", the file's name says whose it is.
        std::fs::write(keys.join("630000.json"), line(None, &province)).unwrap();
        std::fs::write(keys.join(".hidden"), "not a line").unwrap();

        let tree = Tree::parse(TREE).unwrap();
        let read = read_public_keys(&keys).unwrap();
        let since = Utc::now();
        let json =
            signed_manifest(&ca, &tree, &read, Alg::EcdsaP256Sha256, 7, Some(since)).unwrap();
        let signed = trust::SignedManifest::from_json(&json).unwrap();
        let der = crate::identity::load_first_cert(&ca.join("ca.pem")).unwrap();
        let m = trust::verify(signed, &der).unwrap();
        assert_eq!((m.version, m.unsigned_before), (7, Some(since)));
        let province_id = NodeId::new("630000").unwrap();
        let office = m.office(&province_id).unwrap();
        assert_eq!(office.keys, vec![province.sign]);
        assert_eq!(
            office.seal_keys,
            province.seal.into_iter().collect::<Vec<_>>()
        );
        assert!(
            m.office(&NodeId::new("000000").unwrap())
                .unwrap()
                .seal_keys
                .is_empty()
        );
    }

    #[test]
    fn missing_strange_and_doubled_keys_are_named() {
        let (dir, ca) = with_ca();
        let key = make_office_keys(&dir.path().join("sign.key"), None, Crypto::Standard).unwrap();
        let tree = Tree::parse(TREE).unwrap();
        let file = dir.path().join("all offices.jsonl");

        std::fs::write(&file, line(Some("000000"), &key)).unwrap();
        let keys = read_public_keys(&file).unwrap();
        let err = signed_manifest(&ca, &tree, &keys, Alg::EcdsaP256Sha256, 1, None).unwrap_err();
        assert!(err.to_string().contains("630000 (青海)"), "{err:#}");

        let two = line(Some("000000"), &key) + &line(Some("000000"), &key);
        std::fs::write(&file, two).unwrap();
        let err = read_public_keys(&file).unwrap_err().to_string();
        assert!(err.contains("office 000000 has two keys"), "{err}");
        assert!(
            err.contains("offices.jsonl:1") && err.contains("offices.jsonl:2"),
            "{err}"
        );

        std::fs::write(&file, line(Some("630299"), &key)).unwrap();
        let keys = read_public_keys(&file).unwrap();
        let err = signed_manifest(&ca, &tree, &keys, Alg::EcdsaP256Sha256, 1, None).unwrap_err();
        assert!(err.to_string().contains("630299"), "{err:#}");

        std::fs::write(&file, line(None, &key)).unwrap();
        let err = format!("{:#}", read_public_keys(&file).unwrap_err());
        assert!(err.contains("names no office"), "{err}");
    }
}
