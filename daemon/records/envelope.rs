//! The record envelope: the fields every record carries whatever its kind.
//!
//! The envelope is what routing, storage and sync look at; the body is
//! kind-specific and only checked against its JSON Schema.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::node::{Level, NodeId};

/// The record kinds of the SPEC. Names are the wire and schema names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    RoundPlan,
    Finding,
    Clue,
    Rectification,
    Assignment,
    Notice,
    Health,
    /// An office's register of the units under it (for coverage).
    UnitRegister,
    /// That a clue was transferred or disposed, without its content (for
    /// clue figures above the level the clue goes to).
    ClueTally,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::RoundPlan,
        Kind::Finding,
        Kind::Clue,
        Kind::Rectification,
        Kind::Assignment,
        Kind::Notice,
        Kind::Health,
        Kind::UnitRegister,
        Kind::ClueTally,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RoundPlan => "round_plan",
            Kind::Finding => "finding",
            Kind::Clue => "clue",
            Kind::Rectification => "rectification",
            Kind::Assignment => "assignment",
            Kind::Notice => "notice",
            Kind::Health => "health",
            Kind::UnitRegister => "unit_register",
            Kind::ClueTally => "clue_tally",
        }
    }

    /// The sync lane of this kind. Urgent kinds are sent before any bulk
    /// backlog, so a plan or notice is never stuck behind days of findings.
    pub fn lane(self) -> Lane {
        match self {
            Kind::RoundPlan | Kind::Assignment | Kind::Notice => Lane::Urgent,
            Kind::Finding
            | Kind::Clue
            | Kind::Rectification
            | Kind::Health
            | Kind::UnitRegister
            | Kind::ClueTally => Lane::Bulk,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown record kind {:?}; expected one of {}",
                    crate::clip::clip(s),
                    names.join(", ")
                )
            })
    }
}

/// A priority class on every link. Order holds per origin within a lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    Urgent,
    Bulk,
}

impl Lane {
    pub const ALL: [Lane; 2] = [Lane::Urgent, Lane::Bulk];

    /// Stored as a small integer; lower is served first.
    pub fn as_i64(self) -> i64 {
        match self {
            Lane::Urgent => 0,
            Lane::Bulk => 1,
        }
    }

    pub fn from_i64(v: i64) -> Option<Lane> {
        match v {
            0 => Some(Lane::Urgent),
            1 => Some(Lane::Bulk),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Urgent => "urgent",
            Lane::Bulk => "bulk",
        }
    }
}

/// How widely a record may be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    Internal,
    Confidential,
    Secret,
}

/// Where a record goes, fixed by its origin at submit time and applied
/// mechanically at every hop (each hop may stop it earlier by its own policy).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Ancestors of the origin receive the record up to and including this
    /// level; `None` means the record does not go up for filing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_to: Option<Level>,
    /// Named destination offices anywhere in the tree, reached through the
    /// lowest common ancestor of the origin and each destination.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<NodeId>,
    /// When true every office below the origin receives the record.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub subtree: bool,
}

/// The origin's signature, carried with the record through every hop and
/// store. Signatures are made over chunks of records (see the `trust` module):
/// `value` signs the root of a Merkle tree over up to
/// `trust::CHUNK` records the origin committed together, and
/// `index`, `count` and `proof` prove this record's place under that root.
///
/// On the wire and in stores it is one string, its members separated by
/// single spaces: `v2 ALG KEY_ID INDEX/COUNT VALUE [PROOF]`, e.g.
/// `v2 ecdsa-p256-sha256 3f0a…(32 hex) 5/64 (86 base64) (128 base64)`,
/// ~290 bytes of JSON a record; the proof is left out in a chunk of one.
/// `v2` is the format (format 1, an object with 32-byte proof hashes and
/// DER signatures, ~500 bytes, is no longer read: see the trust module).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// Signature algorithm, e.g. `ecdsa-p256-sha256`.
    pub alg: String,
    /// Which key of the origin signed: the key id the tree manifest lists
    /// for the origin's office.
    pub key_id: String,
    /// This record's leaf position in its chunk, from 0.
    pub index: u32,
    /// How many records the chunk holds.
    pub count: u32,
    /// Unpadded base64 of the signature over the chunk message (the
    /// domain, the origin, the count and the chunk's Merkle root): 64
    /// bytes, r || s.
    pub value: String,
    /// Unpadded base64 of the sibling hashes from this record's leaf up to
    /// the root, 16 bytes each (empty in a chunk of one).
    pub proof: String,
}

/// The tag of the signature format this node writes and reads.
pub const SIGNATURE_FORMAT: &str = "v2";

impl Signature {
    /// The members as a JSON object, for readers (the operator API).
    pub fn members(&self) -> serde_json::Value {
        serde_json::json!({
            "format": SIGNATURE_FORMAT,
            "alg": self.alg,
            "key_id": self.key_id,
            "index": self.index,
            "count": self.count,
            "value": self.value,
            "proof": self.proof,
        })
    }

    /// Whether `text` is this signature's packed form, compared piece by
    /// piece as it is written, without writing it out.
    pub fn is_text(&self, text: &str) -> bool {
        let mut rest = text;
        let mut take = |piece: &str| match rest.strip_prefix(piece) {
            Some(r) => {
                rest = r;
                true
            }
            None => false,
        };
        let (mut index, mut count) = ([0; 10], [0; 10]);
        take(SIGNATURE_FORMAT)
            && take(" ")
            && take(&self.alg)
            && take(" ")
            && take(&self.key_id)
            && take(" ")
            && take(decimal(self.index, &mut index))
            && take("/")
            && take(decimal(self.count, &mut count))
            && take(" ")
            && take(&self.value)
            && (self.proof.is_empty() || (take(" ") && take(&self.proof)))
            && rest.is_empty()
    }

    /// The length of the packed form, in bytes.
    pub fn text_len(&self) -> usize {
        let digits = |n: u32| n.checked_ilog10().unwrap_or(0) as usize + 1;
        let proof = if self.proof.is_empty() {
            0
        } else {
            1 + self.proof.len()
        };
        SIGNATURE_FORMAT.len()
            + 1
            + self.alg.len()
            + 1
            + self.key_id.len()
            + 1
            + digits(self.index)
            + 1
            + digits(self.count)
            + 1
            + self.value.len()
            + proof
    }
}

/// `n` in decimal, written into `buf`.
fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[at..]).unwrap_or_default()
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Signature {
            alg,
            key_id,
            index,
            count,
            value,
            proof,
        } = self;
        write!(
            f,
            "{SIGNATURE_FORMAT} {alg} {key_id} {index}/{count} {value}"
        )?;
        if !proof.is_empty() {
            write!(f, " {proof}")?;
        }
        Ok(())
    }
}

impl FromStr for Signature {
    type Err = String;

    /// Reads the packed form; checks its shape only (the trust module
    /// checks what it says).
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.split(' ');
        let mut next = |what: &str| {
            parts
                .next()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| format!("signature lacks its {what}"))
        };
        let format = next("format")?;
        if format != SIGNATURE_FORMAT {
            return Err(format!(
                "signature format {:?} is not {SIGNATURE_FORMAT}",
                crate::clip::clip(format)
            ));
        }
        let (alg, key_id) = (next("algorithm")?.to_string(), next("key id")?.to_string());
        let position = next("index/count")?;
        let (index, count) = position
            .split_once('/')
            .and_then(|(i, n)| Some((i.parse().ok()?, n.parse().ok()?)))
            .ok_or_else(|| {
                format!(
                    "signature position {:?} is not INDEX/COUNT",
                    crate::clip::clip(position)
                )
            })?;
        let value = next("value")?.to_string();
        let proof = parts.next().unwrap_or_default().to_string();
        if parts.next().is_some() || (proof.is_empty() && s.ends_with(' ')) {
            return Err("signature has members after its proof".into());
        }
        Ok(Signature {
            alg,
            key_id,
            index,
            count,
            value,
            proof,
        })
    }
}

impl Serialize for Signature {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One record: envelope fields plus the kind-specific body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Stable identity across versions; client-supplied ids make submit idempotent.
    pub id: Uuid,
    pub kind: Kind,
    /// The authoring node, the only one that may write new versions.
    pub origin: NodeId,
    /// The owner's counter: a higher version replaces a lower one, an equal
    /// or lower one is a no-op. Starts at 1.
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The inspection round this record belongs to, where it applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_id: Option<String>,
    pub classification: Classification,
    pub route: Route,
    pub body: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
}
