//! Who took over whom (`network merge-office`, also a new code for the
//! same office): the tree manifest names each ended office's successor,
//! which may then write as it. The rectification rules
//! ([`super::rules`]) let a successor report on and sign off its
//! predecessor's rectifications, and the folds ([`super::Snapshot`])
//! count what it wrote there as the predecessor's.

use std::collections::BTreeMap;

use crate::node::NodeId;

/// Each ended office with its successor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Succession(BTreeMap<NodeId, NodeId>);

impl Succession {
    pub fn new(pairs: impl IntoIterator<Item = (NodeId, NodeId)>) -> Self {
        Succession(pairs.into_iter().collect())
    }

    /// Each ended office with its successor.
    pub fn pairs(&self) -> impl Iterator<Item = (&NodeId, &NodeId)> {
        self.0.iter()
    }

    /// Whether `office` was taken over (it has a successor).
    pub fn ended(&self, office: &NodeId) -> bool {
        self.0.contains_key(office)
    }

    /// Whether `writer` may write as `office`: it is that office, or its
    /// successor (or the successor's, and so on).
    pub fn speaks_for(&self, writer: &str, office: &str) -> bool {
        let mut at = office;
        // A chain longer than the map has a cycle; the manifest forbids
        // one, and this stops anyway.
        for _ in 0..=self.0.len() {
            if at == writer {
                return true;
            }
            match self.0.iter().find(|(from, _)| from.as_str() == at) {
                Some((_, to)) => at = to.as_str(),
                None => return false,
            }
        }
        false
    }

    /// The office `writer` writes as among `parties`, first match first:
    /// itself if it is one, else the first it succeeded.
    pub fn acting_as<'a>(&self, writer: &'a str, parties: &[&'a str]) -> &'a str {
        if parties.contains(&writer) {
            return writer;
        }
        parties
            .iter()
            .find(|p| self.speaks_for(writer, p))
            .copied()
            .unwrap_or(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> NodeId {
        NodeId::new(s.to_string()).unwrap()
    }

    #[test]
    fn a_successor_speaks_for_its_predecessors_only() {
        let s = Succession::new([(id("630103"), id("630102")), (id("630102"), id("630199"))]);
        assert!(s.speaks_for("630102", "630103"));
        assert!(s.speaks_for("630199", "630103"), "a successor's successor");
        assert!(s.speaks_for("630103", "630103"));
        assert!(!s.speaks_for("630103", "630102"), "never the other way");
        assert!(!s.speaks_for("630200", "630103"));
        assert_eq!(s.acting_as("630102", &["630100", "630103"]), "630103");
        assert_eq!(s.acting_as("630100", &["630100", "630103"]), "630100");
        assert_eq!(s.acting_as("630200", &["630100", "630103"]), "630200");
    }
}
