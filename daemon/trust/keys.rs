//! Signing keys and verifying keys. Each office makes its own signing key
//! pair at the office (`sign.key`, PKCS#8 PEM, mode 0600) and hands out
//! only the public key; the CA's key (`ca.key` of [`crate::pki`]) loads the
//! same way to sign the tree manifest. A key id is the first 16 bytes of
//! the suite's digest over the public key's SubjectPublicKeyInfo DER, in
//! lowercase hex.

use std::path::Path;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P256_SHA256_FIXED,
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, ParsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;
use sm2::dsa::signature::{Signer, Verifier};
use sm2::elliptic_curve::Generate;
use sm2::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};

use super::{Alg, Digest, TrustError};

/// Bytes of key id taken from the digest of the public key.
const KEY_ID_BYTES: usize = 16;

/// The key id of public key `spki_der` (SubjectPublicKeyInfo DER) in `alg`.
pub fn key_id(alg: Alg, spki_der: &[u8]) -> String {
    digest_key_id(alg.digest(), spki_der)
}

/// The key id of `spki_der` under `digest` (signing and sealing keys).
pub(super) fn digest_key_id(digest: Digest, spki_der: &[u8]) -> String {
    crate::hex::encode(&digest.hash(&[spki_der])[..KEY_ID_BYTES])
}

/// Bytes of a signature in its fixed form, r || s, in every suite.
pub const FIXED_SIG: usize = 64;

/// The private half, per suite; an ECDSA key is loaded twice, to sign in
/// ASN.1 DER (the tree manifest) and in the fixed form (record chunks).
enum Pair {
    EcdsaP256 {
        der: EcdsaKeyPair,
        fixed: EcdsaKeyPair,
    },
    Sm2(sm2::dsa::SigningKey),
}

/// The SM2 distinguishing identifier of every signature: the default of
/// GB/T 35276 (`1234567812345678`), as other SM2 implementations use it.
const SM2_DISTID: &str = "1234567812345678";

/// A private signing key with its public key and key id.
pub struct SigningKey {
    alg: Alg,
    pair: Pair,
    spki: Vec<u8>,
    key_id: String,
}

/// Names the key, never shows the private half.
impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Makes a new key pair of `alg` and writes it to `path` (mode 0600),
    /// refusing to replace an existing file.
    pub fn create(path: &Path, alg: Alg) -> Result<Self, TrustError> {
        if path.exists() {
            return Err(TrustError::Key {
                file: path.display().to_string(),
                reason: "already exists; refusing to replace a signing key".into(),
            });
        }
        let failed = || TrustError::Key {
            file: path.display().to_string(),
            reason: format!("generating a {alg} key failed"),
        };
        let pkcs8: Vec<u8> = match alg {
            Alg::EcdsaP256Sha256 => EcdsaKeyPair::generate_pkcs8(
                &ECDSA_P256_SHA256_ASN1_SIGNING,
                &aws_lc_rs::rand::SystemRandom::new(),
            )
            .map_err(|_| failed())?
            .as_ref()
            .to_vec(),
            Alg::Sm2Sm3 => sm2::SecretKey::generate()
                .to_pkcs8_der()
                .map_err(|_| failed())?
                .as_bytes()
                .to_vec(),
        };
        let key = Self::from_pkcs8(&pkcs8).ok_or_else(|| TrustError::Key {
            file: path.display().to_string(),
            reason: "the new key does not load".into(),
        })?;
        crate::pki::write_private(path, pem("PRIVATE KEY", pkcs8.as_ref()).as_bytes()).map_err(
            |e| TrustError::Key {
                file: path.display().to_string(),
                reason: format!("{e:#}"),
            },
        )?;
        Ok(key)
    }

    /// Loads a PKCS#8 PEM key of any known suite (an office's `sign.key`
    /// or the network's `ca.key`).
    pub fn load(path: &Path) -> Result<Self, TrustError> {
        let bad = |reason: String| TrustError::Key {
            file: path.display().to_string(),
            reason,
        };
        let text = std::fs::read(path).map_err(|e| bad(format!("cannot read: {e}")))?;
        let der = PrivatePkcs8KeyDer::from_pem_slice(&text)
            .map_err(|e| bad(format!("not a PKCS#8 PEM private key: {e}")))?;
        Self::from_pkcs8(der.secret_pkcs8_der()).ok_or_else(|| {
            let names: Vec<_> = Alg::ALL.iter().map(|a| a.as_str()).collect();
            bad(format!("not a key of a known suite ({})", names.join(", ")))
        })
    }

    fn from_pkcs8(der: &[u8]) -> Option<Self> {
        Alg::ALL.into_iter().find_map(|alg| {
            let (pair, spki) = match alg {
                Alg::EcdsaP256Sha256 => {
                    let p = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, der).ok()?;
                    let fixed =
                        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der).ok()?;
                    let spki = p.public_key().as_der().ok()?.as_ref().to_vec();
                    (Pair::EcdsaP256 { der: p, fixed }, spki)
                }
                Alg::Sm2Sm3 => {
                    let secret = sm2::SecretKey::from_pkcs8_der(der).ok()?;
                    let k = sm2::dsa::SigningKey::new(SM2_DISTID, &secret).ok()?;
                    let spki = k.verifying_key().to_public_key_der().ok()?.into_vec();
                    (Pair::Sm2(k), spki)
                }
            };
            Some(SigningKey {
                alg,
                key_id: key_id(alg, &spki),
                pair,
                spki,
            })
        })
    }

    pub fn alg(&self) -> Alg {
        self.alg
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key as SubjectPublicKeyInfo DER.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// The public key as base64 of its SubjectPublicKeyInfo DER, as the
    /// tree manifest lists it.
    pub fn public_key_base64(&self) -> String {
        B64.encode(&self.spki)
    }

    /// The signature of `message`: ASN.1 DER in ECDSA, r || s in SM2 (the
    /// tree manifest's form, and offline bundles').
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, TrustError> {
        match &self.pair {
            Pair::EcdsaP256 { der, .. } => self.sign_ecdsa(der, message),
            Pair::Sm2(_) => self.sign_fixed(message).map(Vec::from),
        }
    }

    /// The signature of `message` as r || s, in every suite (the record
    /// chunks' form).
    pub(super) fn sign_fixed(&self, message: &[u8]) -> Result<[u8; FIXED_SIG], TrustError> {
        let failed = || TrustError::Sign {
            key_id: self.key_id.clone(),
        };
        let bytes = match &self.pair {
            Pair::EcdsaP256 { fixed, .. } => self.sign_ecdsa(fixed, message)?,
            Pair::Sm2(k) => k
                .try_sign(message)
                .map(|s: sm2::dsa::Signature| s.to_bytes().to_vec())
                .map_err(|_| failed())?,
        };
        bytes.try_into().map_err(|_| failed())
    }

    fn sign_ecdsa(&self, pair: &EcdsaKeyPair, message: &[u8]) -> Result<Vec<u8>, TrustError> {
        pair.sign(&aws_lc_rs::rand::SystemRandom::new(), message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| TrustError::Sign {
                key_id: self.key_id.clone(),
            })
    }
}

/// A public key ready to verify, parsed once.
pub struct VerifyingKey(Public);

/// The public half, per suite (ECDSA parsed for either signature form).
enum Public {
    EcdsaP256 {
        der: ParsedPublicKey,
        fixed: ParsedPublicKey,
    },
    Sm2(sm2::dsa::VerifyingKey),
}

impl VerifyingKey {
    /// Parses `spki_der` (SubjectPublicKeyInfo DER) as a key of `alg`.
    pub fn from_spki(alg: Alg, spki_der: &[u8]) -> Result<Self, String> {
        let public = match alg {
            Alg::EcdsaP256Sha256 => ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, spki_der)
                .and_then(|der| {
                    let fixed = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, spki_der)?;
                    Ok(Public::EcdsaP256 { der, fixed })
                })
                .map_err(|e| e.to_string()),
            Alg::Sm2Sm3 => sm2::PublicKey::from_public_key_der(spki_der)
                .map_err(|e| e.to_string())
                .and_then(|pk| {
                    sm2::dsa::VerifyingKey::new(SM2_DISTID, pk).map_err(|e| e.to_string())
                })
                .map(Public::Sm2),
        }
        .map_err(|e| format!("not a {alg} public key: {e}"))?;
        Ok(VerifyingKey(public))
    }

    /// Whether `signature` is this key's signature of `message`, in the
    /// form [`SigningKey::sign`] makes (DER in ECDSA).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.0 {
            Public::EcdsaP256 { der, .. } => der.verify_sig(message, signature).is_ok(),
            Public::Sm2(_) => self.verify_fixed(message, signature),
        }
    }

    /// Whether `signature` (r || s) is this key's signature of `message`.
    pub fn verify_fixed(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.0 {
            Public::EcdsaP256 { fixed, .. } => fixed.verify_sig(message, signature).is_ok(),
            Public::Sm2(k) => sm2::dsa::Signature::from_slice(signature)
                .is_ok_and(|s| k.verify(message, &s).is_ok()),
        }
    }
}

/// `der` as a PEM block with `label`, 64 characters a line.
pub(super) fn pem(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn create_load_and_key_id_in_every_suite() {
        for alg in Alg::ALL {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("sign.key");
            let made = SigningKey::create(&path, alg).unwrap();
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            assert!(SigningKey::create(&path, alg).is_err());
            let loaded = SigningKey::load(&path).unwrap();
            assert_eq!(loaded.alg(), alg);
            assert_eq!(loaded.key_id(), made.key_id());
            assert_eq!(loaded.key_id().len(), 32);
            assert_eq!(loaded.key_id(), key_id(alg, made.public_key_der()));
            let vk = VerifyingKey::from_spki(loaded.alg(), loaded.public_key_der()).unwrap();
            let sig = made.sign(b"message").unwrap();
            assert!(vk.verify(b"message", &sig), "{alg}");
            assert!(!vk.verify(b"messagE", &sig), "{alg}");
            let fixed = made.sign_fixed(b"message").unwrap();
            assert!(vk.verify_fixed(b"message", &fixed), "{alg}");
            assert!(!vk.verify_fixed(b"messagE", &fixed), "{alg}");
            // A key of one suite is no key of the other.
            for other in Alg::ALL.into_iter().filter(|o| *o != alg) {
                assert!(VerifyingKey::from_spki(other, loaded.public_key_der()).is_err());
            }
        }
    }

    #[test]
    fn load_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sign.key");
        let err = SigningKey::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("sign.key") && err.contains("cannot read"),
            "{err}"
        );
        std::fs::write(&path, "not a key").unwrap();
        let err = SigningKey::load(&path).unwrap_err().to_string();
        assert!(err.contains("sign.key") && err.contains("PKCS#8"), "{err}");
    }

    #[test]
    fn the_pki_ca_key_loads_and_matches_its_certificate() {
        let dir = tempfile::tempdir().unwrap();
        crate::pki::init_ca(dir.path(), "test CA", 1).unwrap();
        let ca = SigningKey::load(&dir.path().join("ca.key")).unwrap();
        let der = crate::identity::load_first_cert(&dir.path().join("ca.pem")).unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
        assert_eq!(cert.tbs_certificate.subject_pki.raw, ca.public_key_der());
    }
}
