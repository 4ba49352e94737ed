//! The named algorithm suites: every signature, key and hash in the trust
//! layer says which suite made it, and everything that signs, verifies,
//! hashes or derives a key id goes through [`Alg`] and [`Digest`]: the
//! standard suite (`ecdsa-p256-sha256`, aws-lc-rs) and the Chinese one
//! (`sm2-sm3`, GB/T 32918 signatures over GB/T 32905 hashes, RustCrypto's
//! `sm2` and `sm3`) differ only in their match arms.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A 32-byte hash (SHA-256 or SM3).
pub type Hash = [u8; 32];

/// A signature suite: the signature scheme with the digest it uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Alg {
    /// ECDSA over NIST P-256 with SHA-256, signatures in ASN.1 DER.
    #[serde(rename = "ecdsa-p256-sha256")]
    EcdsaP256Sha256,
    /// SM2 signatures (GB/T 32918.2, with the default distinguishing
    /// identifier `1234567812345678`) over SM3 (GB/T 32905), signatures
    /// as 64 bytes r || s.
    #[serde(rename = "sm2-sm3")]
    Sm2Sm3,
}

impl Alg {
    pub const ALL: [Alg; 2] = [Alg::EcdsaP256Sha256, Alg::Sm2Sm3];

    /// The wire name, as in every `alg` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::EcdsaP256Sha256 => "ecdsa-p256-sha256",
            Alg::Sm2Sm3 => "sm2-sm3",
        }
    }

    /// The digest of this suite: Merkle leaves and nodes, key ids.
    pub fn digest(self) -> Digest {
        match self {
            Alg::EcdsaP256Sha256 => Digest::Sha256,
            Alg::Sm2Sm3 => Digest::Sm3,
        }
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Alg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Alg::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Alg::ALL.iter().map(|a| a.as_str()).collect();
                format!(
                    "unknown algorithm {:?}; this node knows {}",
                    super::clip(s),
                    names.join(", ")
                )
            })
    }
}

/// A hash function of a suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digest {
    Sha256,
    Sm3,
}

impl Digest {
    /// The hash of the concatenation of `parts`.
    pub fn hash(self, parts: &[&[u8]]) -> Hash {
        match self {
            Digest::Sha256 => {
                let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
                for p in parts {
                    ctx.update(p);
                }
                let mut out = [0u8; 32];
                out.copy_from_slice(ctx.finish().as_ref());
                out
            }
            Digest::Sm3 => {
                use sm3::Digest as _;
                let mut ctx = sm3::Sm3::new();
                for p in parts {
                    ctx.update(p);
                }
                ctx.finalize().into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for a in Alg::ALL {
            assert_eq!(a.as_str().parse::<Alg>().unwrap(), a);
            assert_eq!(
                serde_json::to_value(a).unwrap(),
                serde_json::json!(a.as_str())
            );
        }
        let err = "rsa-pss".parse::<Alg>().unwrap_err();
        assert!(
            err.contains("ecdsa-p256-sha256") && err.contains("sm2-sm3"),
            "{err}"
        );
    }

    #[test]
    fn sha256_of_parts_is_sha256_of_the_concatenation() {
        let whole = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"abcdef");
        assert_eq!(
            Digest::Sha256.hash(&[b"ab", b"", b"cdef"]).as_slice(),
            whole.as_ref()
        );
    }

    #[test]
    fn sm3_of_parts_matches_the_standards_example() {
        // GB/T 32905-2016, Appendix A.1: SM3("abc").
        let want = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0";
        assert_eq!(crate::hex::encode(&Digest::Sm3.hash(&[b"a", b"bc"])), want);
    }
}
