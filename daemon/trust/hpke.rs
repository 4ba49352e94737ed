//! HPKE base mode (RFC 9180) with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256
//! and AES-256-GCM, single-shot (one message per encapsulation), built on
//! aws-lc-rs: the primitive [`super::seal`] wraps a clue's content key
//! with, once per reader. Checked against RFC 9180 Appendix A.1.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::agreement::{self, PrivateKey, UnparsedPublicKey, X25519};
use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Prk};
use aws_lc_rs::hmac;

/// Bytes of an X25519 key, public or private, and of `enc`.
pub const KEY_BYTES: usize = 32;
/// Bytes of an AEAD nonce (`Nn`).
const NONCE_BYTES: usize = 12;

/// The identifiers of one HPKE suite and the key length of its AEAD. Its
/// `seal` and `open` use AES-256-GCM, the AEAD of the one suite they serve
/// ([`X25519_SHA256_AES256GCM`]); another AEAD id serves the key schedule
/// only (the RFC's AES-128-GCM vector).
pub(super) struct Suite {
    kem: u16,
    kdf: u16,
    aead: u16,
    /// `Nk`.
    key_len: usize,
}

/// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM.
pub(super) const X25519_SHA256_AES256GCM: Suite = Suite {
    kem: 0x0020,
    kdf: 0x0001,
    aead: 0x0002,
    key_len: 32,
};

/// Why HPKE failed: a bad key, a bad `enc`, or a ciphertext that does not
/// open (wrong key, altered bytes, other `aad` or `info`).
#[derive(Debug, thiserror::Error)]
#[error("HPKE: {0}")]
pub struct HpkeError(pub &'static str);

impl Suite {
    fn kem_id(&self) -> Vec<u8> {
        [b"KEM".as_slice(), &self.kem.to_be_bytes()].concat()
    }

    fn hpke_id(&self) -> Vec<u8> {
        [
            b"HPKE".as_slice(),
            &self.kem.to_be_bytes(),
            &self.kdf.to_be_bytes(),
            &self.aead.to_be_bytes(),
        ]
        .concat()
    }

    /// `Encap(pkR)` with the ephemeral key `sk_e`: `(shared_secret, enc)`.
    fn encap(&self, pk_r: &[u8], sk_e: &PrivateKey) -> Result<([u8; 32], Vec<u8>), HpkeError> {
        let enc = sk_e
            .compute_public_key()
            .map_err(|_| HpkeError("no public key for the ephemeral key"))?
            .as_ref()
            .to_vec();
        let dh = diffie_hellman(sk_e, pk_r)?;
        Ok((self.extract_and_expand(&dh, &[&enc, pk_r].concat()), enc))
    }

    /// `Decap(enc, skR)`.
    fn decap(&self, enc: &[u8], sk_r: &PrivateKey) -> Result<[u8; 32], HpkeError> {
        let pk_r = sk_r
            .compute_public_key()
            .map_err(|_| HpkeError("no public key for the private key"))?;
        let dh = diffie_hellman(sk_r, enc)?;
        Ok(self.extract_and_expand(&dh, &[enc, pk_r.as_ref()].concat()))
    }

    fn extract_and_expand(&self, dh: &[u8], kem_context: &[u8]) -> [u8; 32] {
        let kem = self.kem_id();
        let prk = labeled_extract(&kem, &[], b"eae_prk", dh);
        let mut shared = [0u8; 32];
        labeled_expand(&kem, &prk, b"shared_secret", kem_context, &mut shared);
        shared
    }

    /// `KeySchedule` in mode_base: `(key, base_nonce)`.
    fn key_schedule(&self, shared: &[u8], info: &[u8]) -> (Vec<u8>, [u8; NONCE_BYTES]) {
        let id = self.hpke_id();
        let psk_id_hash = labeled_extract(&id, &[], b"psk_id_hash", &[]);
        let info_hash = labeled_extract(&id, &[], b"info_hash", info);
        let context = [[0u8].as_slice(), &psk_id_hash, &info_hash].concat();
        let secret = labeled_extract(&id, shared, b"secret", &[]);
        let mut key = vec![0u8; self.key_len];
        labeled_expand(&id, &secret, b"key", &context, &mut key);
        let mut nonce = [0u8; NONCE_BYTES];
        labeled_expand(&id, &secret, b"base_nonce", &context, &mut nonce);
        (key, nonce)
    }

    /// `SealBase(pkR, info, aad, pt)` with a fresh ephemeral key: `(enc, ct)`.
    pub fn seal(
        &self,
        pk_r: &[u8],
        info: &[u8],
        aad: &[u8],
        pt: &[u8],
    ) -> Result<(Vec<u8>, Vec<u8>), HpkeError> {
        let sk_e = PrivateKey::generate(&X25519).map_err(|_| HpkeError("no ephemeral key"))?;
        let (shared, enc) = self.encap(pk_r, &sk_e)?;
        let (key, nonce) = self.key_schedule(&shared, info);
        Ok((enc, aes256gcm_seal(&key, nonce, aad, pt)?))
    }

    /// `OpenBase(enc, skR, info, aad, ct)`.
    pub fn open(
        &self,
        sk_r: &PrivateKey,
        enc: &[u8],
        info: &[u8],
        aad: &[u8],
        ct: &[u8],
    ) -> Result<Vec<u8>, HpkeError> {
        let shared = self.decap(enc, sk_r)?;
        let (key, nonce) = self.key_schedule(&shared, info);
        aes256gcm_open(&key, nonce, aad, ct)
    }
}

/// The X25519 shared secret of `sk` and the peer's raw public key `pk`.
fn diffie_hellman(sk: &PrivateKey, pk: &[u8]) -> Result<Vec<u8>, HpkeError> {
    if pk.len() != KEY_BYTES {
        return Err(HpkeError("an X25519 public key is 32 bytes"));
    }
    agreement::agree(
        sk,
        UnparsedPublicKey::new(&X25519, pk),
        HpkeError("X25519 agreement failed"),
        |dh| Ok(dh.to_vec()),
    )
}

/// `LabeledExtract(salt, label, ikm)`: HKDF-Extract is HMAC keyed with the
/// salt (an empty salt is the same key as 32 zero bytes).
fn labeled_extract(suite_id: &[u8], salt: &[u8], label: &[u8], ikm: &[u8]) -> [u8; 32] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, salt);
    let tag = hmac::sign(
        &key,
        &[b"HPKE-v1".as_slice(), suite_id, label, ikm].concat(),
    );
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// `LabeledExpand(prk, label, info, L)` into `out` (`L` = its length).
fn labeled_expand(suite_id: &[u8], prk: &[u8], label: &[u8], info: &[u8], out: &mut [u8]) {
    let len = u16::try_from(out.len())
        .expect("HPKE expands at most 32 bytes")
        .to_be_bytes();
    let parts: [&[u8]; 5] = [&len, b"HPKE-v1", suite_id, label, info];
    Prk::new_less_safe(HKDF_SHA256, prk)
        .expand(&parts, Len(out.len()))
        .and_then(|okm| okm.fill(out))
        .expect("HKDF-SHA256 expands up to 8160 bytes");
}

/// An output length for aws-lc-rs's HKDF.
struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn aes256gcm_key(key: &[u8]) -> Result<LessSafeKey, HpkeError> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| HpkeError("an AES-256 key is 32 bytes"))
}

/// AES-256-GCM of `pt` under `key` (32 bytes), the tag appended.
pub(super) fn aes256gcm_seal(
    key: &[u8],
    nonce: [u8; NONCE_BYTES],
    aad: &[u8],
    pt: &[u8],
) -> Result<Vec<u8>, HpkeError> {
    let mut out = pt.to_vec();
    aes256gcm_key(key)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut out,
        )
        .map_err(|_| HpkeError("AES-256-GCM sealing failed"))?;
    Ok(out)
}

/// The plaintext of AES-256-GCM ciphertext `ct` (tag appended).
pub(super) fn aes256gcm_open(
    key: &[u8],
    nonce: [u8; NONCE_BYTES],
    aad: &[u8],
    ct: &[u8],
) -> Result<Vec<u8>, HpkeError> {
    let mut buf = ct.to_vec();
    let pt = aes256gcm_key(key)?
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut buf,
        )
        .map_err(|_| HpkeError("ciphertext does not open"))?;
    Ok(pt.to_vec())
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::aead::AES_128_GCM;

    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        crate::hex::decode(s).unwrap()
    }

    /// RFC 9180 A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM,
    /// mode_base. The KEM and the key schedule are the same code as the
    /// AES-256-GCM suite's (only the AEAD id and `Nk` differ).
    #[test]
    fn rfc9180_a1_base_mode_vector() {
        let a1 = Suite {
            aead: 0x0001,
            key_len: 16,
            ..X25519_SHA256_AES256GCM
        };
        let info = hex("4f6465206f6e2061204772656369616e2055726e");
        let sk_e = PrivateKey::from_private_key(
            &X25519,
            &hex("52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736"),
        )
        .unwrap();
        let sk_r = PrivateKey::from_private_key(
            &X25519,
            &hex("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8"),
        )
        .unwrap();
        let pk_r = hex("3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d");
        assert_eq!(sk_r.compute_public_key().unwrap().as_ref(), pk_r);

        let (shared, enc) = a1.encap(&pk_r, &sk_e).unwrap();
        assert_eq!(
            enc,
            hex("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431")
        );
        let want = hex("fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc");
        assert_eq!(shared.to_vec(), want);
        assert_eq!(a1.decap(&enc, &sk_r).unwrap().to_vec(), want);

        let (key, nonce) = a1.key_schedule(&shared, &info);
        assert_eq!(key, hex("4531685d41d65f03dc48f6b8302c05b0"));
        assert_eq!(nonce.to_vec(), hex("56d890e5accaaf011cff4b7d"));

        // Sequence 0: the base nonce itself.
        let key = UnboundKey::new(&AES_128_GCM, &key).unwrap();
        let mut ct = hex("4265617574792069732074727574682c20747275746820626561757479");
        LessSafeKey::new(key)
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(hex("436f756e742d30")),
                &mut ct,
            )
            .unwrap();
        assert_eq!(
            ct,
            hex(
                "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a"
            )
        );
    }

    #[test]
    fn seal_opens_with_the_right_key_only() {
        let suite = X25519_SHA256_AES256GCM;
        let sk = PrivateKey::generate(&X25519).unwrap();
        let pk = sk.compute_public_key().unwrap();
        let (enc, ct) = suite.seal(pk.as_ref(), b"info", b"aad", b"secret").unwrap();
        assert_eq!(
            suite.open(&sk, &enc, b"info", b"aad", &ct).unwrap(),
            b"secret"
        );
        assert!(suite.open(&sk, &enc, b"info", b"other", &ct).is_err());
        assert!(suite.open(&sk, &enc, b"other", b"aad", &ct).is_err());
        let other = PrivateKey::generate(&X25519).unwrap();
        assert!(suite.open(&other, &enc, b"info", b"aad", &ct).is_err());
        let mut bad = ct.clone();
        bad[0] ^= 1;
        assert!(suite.open(&sk, &enc, b"info", b"aad", &bad).is_err());
    }
}
