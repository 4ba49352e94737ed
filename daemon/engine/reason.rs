//! [`Reason`]: every code the peer protocol gives for a refused request or
//! record. On the wire (error bodies), in the link counters and in the
//! `reason` label of `xunlian_link_refusals_total` it is the same snake_case
//! string; README.md lists them between `<!-- reasons -->` markers, and a
//! test holds the list and this enum equal.

use serde::{Deserialize, Serialize};

/// Why a peer request or a record was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No protocol header, or no protocol version both sides speak.
    Protocol,
    /// The certificate names no configured child of this node.
    NotAChild,
    /// A hello names another node than the certificate, or the certificate
    /// names no node or is no longer accepted (revoked since the
    /// connection opened).
    Identity,
    /// A request or record that does not parse.
    Malformed,
    /// A batch or record over the configured limits.
    TooLarge,
    /// A push for a subtree the child has not announced: say hello again.
    TopologyStale,
    /// The node is stopping.
    Shutdown,
    /// The store is out of room.
    Full,
    /// The store failed.
    Store,
    /// A record that breaks its kind's schema.
    Schema,
    /// A record other than the id and version its sender declared.
    Fingerprint,
    /// A record dated more than an hour ahead of this node's clock.
    Future,
    /// A record the sender may not send this way.
    NotAllowed,
    /// A hello whose subtree contradicts the tree manifest (an office that
    /// is not below the child there, another parent or level, an unknown
    /// id).
    Tree,
    /// A record whose origin's signature does not verify under the tree
    /// manifest: altered on the way, signed by another office's key, or
    /// unsigned.
    Signature,
    /// A code this build does not know (a newer peer), or an unreadable
    /// refusal.
    #[serde(other)]
    Unknown,
}

impl Reason {
    /// Every reason, in the order README.md lists them.
    pub const ALL: [Reason; 16] = [
        Reason::Protocol,
        Reason::NotAChild,
        Reason::Identity,
        Reason::Malformed,
        Reason::TooLarge,
        Reason::TopologyStale,
        Reason::Shutdown,
        Reason::Full,
        Reason::Store,
        Reason::Schema,
        Reason::Fingerprint,
        Reason::Future,
        Reason::NotAllowed,
        Reason::Tree,
        Reason::Signature,
        Reason::Unknown,
    ];

    /// The code as on the wire and in metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Protocol => "protocol",
            Reason::NotAChild => "not_a_child",
            Reason::Identity => "identity",
            Reason::Malformed => "malformed",
            Reason::TooLarge => "too_large",
            Reason::TopologyStale => "topology_stale",
            Reason::Shutdown => "shutdown",
            Reason::Full => "full",
            Reason::Store => "store",
            Reason::Schema => "schema",
            Reason::Fingerprint => "fingerprint",
            Reason::Future => "future",
            Reason::NotAllowed => "not_allowed",
            Reason::Tree => "tree",
            Reason::Signature => "signature",
            Reason::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Reason;

    #[test]
    fn codes_serialise_as_on_the_wire() {
        for r in Reason::ALL {
            let json = serde_json::to_string(&r).expect("a reason serialises");
            assert_eq!(json, format!("\"{}\"", r.as_str()));
            let back: Reason = serde_json::from_str(&json).expect("and parses back");
            assert_eq!(back, r);
        }
        let newer: Reason = serde_json::from_str("\"rate_limited\"").expect("unknown parses");
        assert_eq!(newer, Reason::Unknown);
    }

    /// Every reason, and every record kind, has a name in the catalogues
    /// (what the quarantine list and the dashboard show people).
    #[test]
    fn every_reason_and_kind_has_its_name() {
        let kinds = crate::records::Kind::ALL.map(|k| format!("record-{}", k.as_str()));
        let reasons = Reason::ALL.map(|r| format!("reason-{}", r.as_str()));
        for key in kinds.iter().chain(&reasons) {
            assert!(crate::i18n::has(key), "{key} is in no catalogue");
        }
    }

    /// The codes README.md lists between its `reasons` markers are exactly
    /// the enum's, in its order.
    #[test]
    fn readme_lists_every_reason() {
        let readme = include_str!("../../README.md");
        let block = readme
            .split("<!-- reasons -->")
            .nth(1)
            .and_then(|rest| rest.split("<!-- /reasons -->").next())
            .expect("README.md has a <!-- reasons --> block");
        let listed: Vec<&str> = block.split('`').skip(1).step_by(2).collect();
        let codes: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(listed, codes);
    }
}
