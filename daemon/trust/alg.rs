//! The named algorithm suites: every signature, key and hash in the trust
//! layer says which suite made it, and everything that signs, verifies,
//! hashes or derives a key id goes through [`Alg`] and [`Digest`], so a
//! second suite (`sm2-sm3`) is one more variant and its match arms.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A 32-byte hash (SHA-256 today; SM3 is 32 bytes too).
pub type Hash = [u8; 32];

/// A signature suite: the signature scheme with the digest it uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Alg {
    /// ECDSA over NIST P-256 with SHA-256, signatures in ASN.1 DER.
    #[serde(rename = "ecdsa-p256-sha256")]
    EcdsaP256Sha256,
}

impl Alg {
    pub const ALL: [Alg; 1] = [Alg::EcdsaP256Sha256];

    /// The wire name, as in every `alg` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::EcdsaP256Sha256 => "ecdsa-p256-sha256",
        }
    }

    /// The digest of this suite: Merkle leaves and nodes, key ids.
    pub fn digest(self) -> Digest {
        match self {
            Alg::EcdsaP256Sha256 => Digest::Sha256,
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

/// A hash function of a suite (`sha256` now, `sm3` with `sm2-sm3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digest {
    Sha256,
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
        let err = "sm2-sm3".parse::<Alg>().unwrap_err();
        assert!(err.contains("ecdsa-p256-sha256"), "{err}");
    }

    #[test]
    fn sha256_of_parts_is_sha256_of_the_concatenation() {
        let whole = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"abcdef");
        assert_eq!(
            Digest::Sha256.hash(&[b"ab", b"", b"cdef"]).as_slice(),
            whole.as_ref()
        );
    }
}
