//! Node identity primitives: [`NodeId`] and [`Level`].
//!
//! A node is one inspection office. Its id is the GB/T 2260 code of its
//! area (`630202`), `000000` for the central office, or a name of letters,
//! digits, `-` and `_` for offices without an area code. The level is always
//! declared in configuration, never guessed from the id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Longest node id accepted; keeps ids usable as file names and SAN values.
pub const MAX_NODE_ID_LEN: usize = 64;

/// The id of one office, validated on construction.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NodeId(String);

/// Why a string is not a node id.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NodeIdError {
    #[error("node id is empty")]
    Empty,
    #[error("node id {:?} is longer than {MAX_NODE_ID_LEN} characters", crate::clip::clip(.0))]
    TooLong(String),
    #[error("node id {:?} may contain only ASCII letters, digits, '-' and '_'", crate::clip::clip(.0))]
    BadChar(String),
}

impl NodeId {
    /// Validates `s` as a node id.
    pub fn new(s: impl Into<String>) -> Result<Self, NodeIdError> {
        let s = s.into();
        if s.is_empty() {
            return Err(NodeIdError::Empty);
        }
        if s.len() > MAX_NODE_ID_LEN {
            return Err(NodeIdError::TooLong(s));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(NodeIdError::BadChar(s));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URI SAN that carries this identity in a node certificate.
    pub fn uri_san(&self) -> String {
        format!("{URI_SAN_PREFIX}{}", self.0)
    }

    /// Parses a `urn:xunlian:node:<id>` URI SAN.
    pub fn from_uri_san(uri: &str) -> Option<Self> {
        uri.strip_prefix(URI_SAN_PREFIX)
            .and_then(|id| Self::new(id).ok())
    }
}

/// Prefix of the URI SAN naming a node in its certificate.
pub const URI_SAN_PREFIX: &str = "urn:xunlian:node:";

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for NodeId {
    type Err = NodeIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for NodeId {
    type Error = NodeIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl From<NodeId> for String {
    fn from(id: NodeId) -> String {
        id.0
    }
}

/// The four levels of the network, top first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Central,
    Provincial,
    Municipal,
    County,
}

impl Level {
    pub const ALL: [Level; 4] = [
        Level::Central,
        Level::Provincial,
        Level::Municipal,
        Level::County,
    ];

    /// 0 for central, 3 for county: a smaller rank is higher in the tree.
    pub fn rank(self) -> u8 {
        match self {
            Level::Central => 0,
            Level::Provincial => 1,
            Level::Municipal => 2,
            Level::County => 3,
        }
    }

    /// True when `self` is at or above `other` (central is above all).
    pub fn at_or_above(self, other: Level) -> bool {
        self.rank() <= other.rank()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Central => "central",
            Level::Provincial => "provincial",
            Level::Municipal => "municipal",
            Level::County => "county",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| {
                format!("unknown level {s:?}; expected central, provincial, municipal or county")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids() {
        assert!(NodeId::new("630202").is_ok());
        assert!(NodeId::new("state-grid_01").is_ok());
        assert_eq!(NodeId::new(""), Err(NodeIdError::Empty));
        assert!(matches!(NodeId::new("63 02"), Err(NodeIdError::BadChar(_))));
        assert!(matches!(NodeId::new("乐都"), Err(NodeIdError::BadChar(_))));
        let id = NodeId::new("630202").unwrap();
        assert_eq!(NodeId::from_uri_san(&id.uri_san()), Some(id));
        assert_eq!(NodeId::from_uri_san("urn:other:630202"), None);
    }

    #[test]
    fn levels() {
        assert!(Level::Central.at_or_above(Level::County));
        assert!(!Level::County.at_or_above(Level::Municipal));
        assert_eq!("municipal".parse::<Level>(), Ok(Level::Municipal));
        assert!("city".parse::<Level>().is_err());
    }
}
