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
/// `index`, `count` and `path` prove this record's place under that root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Signature algorithm, e.g. `ecdsa-p256-sha256`.
    pub alg: String,
    /// Which key of the origin signed: the key id the tree manifest lists
    /// for the origin's office.
    pub key_id: String,
    /// Base64 of the signature bytes over the chunk message (the domain,
    /// the origin and the chunk's Merkle root).
    pub value: String,
    /// This record's leaf position in its chunk, from 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub index: u32,
    /// How many records the chunk holds (0: no chunk proof, not verifiable).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub count: u32,
    /// Base64 of the sibling hashes from this record's leaf up to the root.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
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
