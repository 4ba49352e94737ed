//! Who a record goes to, and whether a peer may send it to us.
//!
//! Architecture Invariant: every routing and "who may send what" decision
//! lives here, as pure functions of the node's [`View`] of the tree and the
//! record. The sync and peer layers only call these functions.
//!
//! Routes are fixed by the origin at submit time ([`route_for_submit`]) and
//! applied at every hop ([`next_hops`]): up to ancestors no higher than the
//! route's `up_to` level (and this node's own policy), down to named
//! offices through the tree (via their lowest common ancestor), or into the
//! whole subtree of the origin. A `clue` never goes down.

mod submit;

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use submit::route_for_submit;

use crate::node::{Level, NodeId};
use crate::records::{Kind, Record};

/// What this node knows of its place in the tree.
#[derive(Debug, Clone)]
pub struct View {
    pub me: NodeId,
    pub level: Level,
    /// The parent and its declared level; None at central.
    pub parent: Option<(NodeId, Level)>,
    /// Every ancestor above this node, nearest first, as told by the parent.
    pub ancestors: Vec<(NodeId, Level)>,
    pub children: Vec<NodeId>,
    /// Each known descendant (children included) mapped to the child link
    /// that leads to it.
    pub below: HashMap<NodeId, NodeId>,
    /// This node's cap on how far up each kind goes.
    pub policy: BTreeMap<Kind, Option<Level>>,
    /// Each office taken over (`network merge-office`) with its successor,
    /// from the tree manifest: the predecessor's records go down to the
    /// successor too, so it can carry on with them.
    pub successors: HashMap<NodeId, NodeId>,
}

/// Where a record came from, for routing purposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Submitted through this node's operator API.
    Local,
    Parent,
    Child(NodeId),
    /// Sent back by the parent to the office that wrote it, after that
    /// office restored its store from a backup (`sync::recover`).
    Recovery,
}

/// The links a record must be forwarded on from here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hops {
    pub links: Vec<NodeId>,
    /// A named destination is not known here yet: route again later.
    pub park: bool,
}

/// Why a peer may not send us a record. Shown to the sender and kept in
/// the quarantine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "origin {origin} is not in the subtree of {child}; a child may only push records of its own subtree"
    )]
    OriginOutsideSubtree { origin: NodeId, child: NodeId },
    #[error("{kind} record {id} is not addressed to {me} or above it")]
    NotAddressedUp {
        kind: Kind,
        id: uuid::Uuid,
        me: NodeId,
    },
    #[error("clue records never travel down; parent {parent} sent clue {id}")]
    ClueDownward { parent: NodeId, id: uuid::Uuid },
    #[error("record {id} recovered from the parent is written by {origin}, not by {me}")]
    NotOwnRecord {
        id: uuid::Uuid,
        origin: NodeId,
        me: NodeId,
    },
    #[error("{kind} record {id} from parent {parent} is not addressed to {me} or its subtree")]
    NotAddressedDown {
        kind: Kind,
        id: uuid::Uuid,
        parent: NodeId,
        me: NodeId,
    },
}

impl View {
    /// The level a `kind` may climb to from here: the lower (nearer) of the
    /// record's own route and this node's policy.
    fn effective_up_to(&self, record: &Record) -> Option<Level> {
        let mine = self.policy.get(&record.kind).copied().flatten()?;
        let theirs = record.route.up_to?;
        Some(if mine.rank() > theirs.rank() {
            mine
        } else {
            theirs
        })
    }

    fn is_ancestor(&self, id: &NodeId) -> bool {
        self.ancestors.iter().any(|(a, _)| a == id)
    }

    /// True when `id` is `child` or lies below it.
    pub fn in_child_subtree(&self, id: &NodeId, child: &NodeId) -> bool {
        self.below.get(id) == Some(child)
    }
}

/// The links record `r` must go on from this node, having come from `from`.
pub fn next_hops(view: &View, r: &Record, from: &Source) -> Hops {
    if *from == Source::Recovery {
        // Every peer it was for had it before this store went back.
        return Hops::default();
    }
    let mut up = false;
    let mut down = BTreeSet::new();
    let mut park = false;

    if *from != Source::Parent
        && let (Some(limit), Some((_, plevel))) = (view.effective_up_to(r), &view.parent)
        && plevel.rank() >= limit.rank()
    {
        up = true;
    }

    for target in &r.route.to {
        if *target == view.me {
            continue;
        }
        match view.below.get(target) {
            Some(child) => {
                if *from != Source::Child(child.clone()) {
                    down.insert(child.clone());
                }
            }
            None if *from == Source::Parent || view.parent.is_none() => park = true,
            None => up = true,
        }
    }

    // A taken-over office's records go down to its successor, from where
    // their way up passes above it (they never climb for it).
    if let Some(s) = view.successors.get(&r.origin)
        && let Some(child) = view.below.get(s)
        && *from != Source::Child(child.clone())
    {
        down.insert(child.clone());
    }

    if r.route.subtree && (r.origin == view.me || view.is_ancestor(&r.origin)) {
        for c in &view.children {
            if *from != Source::Child(c.clone()) {
                down.insert(c.clone());
            }
        }
    }

    if r.kind == Kind::Clue {
        // Architecture Invariant: clues only ever climb.
        down.clear();
        park = false;
    }

    let mut links = Vec::with_capacity(down.len() + 1);
    if up && let Some((p, _)) = &view.parent {
        links.push(p.clone());
    }
    links.extend(down);
    Hops { links, park }
}

/// May `child` push `r` to this node?
pub fn check_from_child(view: &View, child: &NodeId, r: &Record) -> Result<(), Refusal> {
    if !view.in_child_subtree(&r.origin, child) {
        return Err(Refusal::OriginOutsideSubtree {
            origin: r.origin.clone(),
            child: child.clone(),
        });
    }
    let filed_here = r.route.up_to.is_some_and(|l| view.level.rank() >= l.rank());
    let transits =
        r.kind != Kind::Clue && r.route.to.iter().any(|t| !view.in_child_subtree(t, child));
    if filed_here || transits {
        Ok(())
    } else {
        Err(Refusal::NotAddressedUp {
            kind: r.kind,
            id: r.id,
            me: view.me.clone(),
        })
    }
}

/// May the parent send `r` down to this node?
pub fn check_from_parent(view: &View, r: &Record) -> Result<(), Refusal> {
    let parent = view
        .parent
        .as_ref()
        .map(|(p, _)| p.clone())
        .unwrap_or_else(|| view.me.clone());
    if r.kind == Kind::Clue {
        return Err(Refusal::ClueDownward { parent, id: r.id });
    }
    let for_subtree = r.route.subtree && view.is_ancestor(&r.origin);
    let named = r
        .route
        .to
        .iter()
        .any(|t| *t == view.me || view.below.contains_key(t));
    let for_successor = view
        .successors
        .get(&r.origin)
        .is_some_and(|s| *s == view.me || view.below.contains_key(s));
    if for_subtree || named || for_successor {
        Ok(())
    } else {
        Err(Refusal::NotAddressedDown {
            kind: r.kind,
            id: r.id,
            parent,
            me: view.me.clone(),
        })
    }
}

/// May the parent give `r` back to this node after a restore? Only a
/// record this node wrote.
pub fn check_recovered(view: &View, r: &Record) -> Result<(), Refusal> {
    if r.origin == view.me {
        Ok(())
    } else {
        Err(Refusal::NotOwnRecord {
            id: r.id,
            origin: r.origin.clone(),
            me: view.me.clone(),
        })
    }
}

#[cfg(test)]
mod tests;
