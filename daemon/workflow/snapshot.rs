//! What the reports fold over: the workflow records a node holds
//! ([`Snapshot`]) and the part of the tree it knows ([`Tree`]: itself, its
//! ancestors and its subtree).

use std::collections::{BTreeMap, HashMap};

use uuid::Uuid;

use super::bodies::{self, Clue, ClueTally, Finding, Rectification, RoundPlan, UnitRegister};
use super::ids;
use super::rectify::{self, State};
use super::succession::Succession;
use crate::node::{Level, NodeId};
use crate::records::{Kind, Record};
use crate::store::{Store, StoreError, TopologyEntry};

/// The kinds the workflow folds over.
pub const KINDS: [Kind; 7] = [
    Kind::RoundPlan,
    Kind::Finding,
    Kind::Clue,
    Kind::Rectification,
    Kind::UnitRegister,
    Kind::Assignment,
    Kind::ClueTally,
];

/// The workflow records held at one node, by id.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub records: HashMap<Uuid, Record>,
    /// Successors write as the offices they took over.
    pub succession: Succession,
}

impl Snapshot {
    pub fn from_records(records: impl IntoIterator<Item = Record>) -> Snapshot {
        Snapshot {
            records: records
                .into_iter()
                .filter(|r| KINDS.contains(&r.kind))
                .map(|r| (r.id, r))
                .collect(),
            succession: Succession::default(),
        }
    }

    /// The same records, folded with successors writing as the offices
    /// they took over.
    pub fn with_succession(mut self, succession: Succession) -> Snapshot {
        self.succession = succession;
        self
    }

    /// Reads every workflow record the store holds.
    pub async fn load(store: &Store) -> Result<Snapshot, StoreError> {
        let mut all = Vec::new();
        for kind in KINDS {
            all.extend(store.records_of_kind(kind).await?);
        }
        Ok(Snapshot::from_records(all))
    }

    pub fn get(&self, id: &Uuid) -> Option<&Record> {
        self.records.get(id)
    }

    /// Records of `kind`, in a stable order (by id).
    pub fn of_kind(&self, kind: Kind) -> Vec<&Record> {
        let mut v: Vec<&Record> = self.records.values().filter(|r| r.kind == kind).collect();
        v.sort_by_key(|r| r.id);
        v
    }

    /// The round plan of `origin` for `round`.
    pub fn plan(&self, origin: &NodeId, round: &str) -> Option<(&Record, RoundPlan)> {
        self.of_kind(Kind::RoundPlan)
            .into_iter()
            .find(|r| r.origin == *origin && bodies::round_of(r) == Some(round))
            .and_then(|r| Some((r, bodies::read(r).ok()?)))
    }

    /// The register of `office`, if held (only one its origin wrote counts).
    pub fn register(&self, office: &str) -> Option<UnitRegister> {
        let r = self.get(&ids::register(office))?;
        let reg: UnitRegister = bodies::read(r).ok()?;
        (r.origin.as_str() == office && reg.office == office).then_some(reg)
    }

    /// Findings that are originals (not redacted or released copies), with bodies.
    pub fn findings(&self) -> Vec<(&Record, Finding)> {
        self.of_kind(Kind::Finding)
            .into_iter()
            .filter_map(|r| Some((r, bodies::read::<Finding>(r).ok()?)))
            .filter(|(_, f)| f.redacted_of.is_none() && f.released_of.is_none())
            .collect()
    }

    /// The copy of cross finding `original` released to the inspected
    /// office, if held (only one its coordinator wrote counts).
    pub fn release_of(&self, original: &Record) -> Option<&Record> {
        let coordinator = coordinator_of(original)?;
        self.get(&ids::release(&original.id))
            .filter(|r| r.kind == Kind::Finding && r.origin == coordinator)
    }

    /// Clue transfers (not disposal reports), with bodies.
    pub fn clue_transfers(&self) -> Vec<(&Record, Clue)> {
        self.of_kind(Kind::Clue)
            .into_iter()
            .filter_map(|r| Some((r, bodies::read::<Clue>(r).ok()?)))
            .filter(|(_, c)| c.disposal_of.is_none())
            .collect()
    }

    /// Clue tallies written by the right office: a transfer by the office
    /// it names, a disposal by an office at the managing level at or above it.
    pub fn clue_tallies(&self, tree: &Tree) -> Vec<(&Record, ClueTally)> {
        self.of_kind(Kind::ClueTally)
            .into_iter()
            .filter_map(|r| Some((r, bodies::read::<ClueTally>(r).ok()?)))
            .filter(|(r, t)| match t.event.as_str() {
                "transferred" => r.origin.as_str() == t.transferred_by,
                "disposed" => {
                    tree.level(&r.origin) == Some(t.managing_level)
                        && NodeId::new(t.transferred_by.as_str())
                            .is_ok_and(|by| tree.is_ancestor_or_self(&r.origin, &by))
                }
                _ => false,
            })
            .collect()
    }

    /// Whether the disposal of the clue `transfer` counts is held.
    pub fn clue_disposed(&self, tree: &Tree, transfer: &ClueTally) -> bool {
        self.get(&ids::clue_tally(&transfer.clue_id, "disposed"))
            .filter(|r| r.kind == Kind::ClueTally)
            .and_then(|r| Some((r, bodies::read::<ClueTally>(r).ok()?)))
            .is_some_and(|(r, t)| {
                t.event == "disposed"
                    && t.clue_id == transfer.clue_id
                    && tree.level(&r.origin) == Some(transfer.managing_level)
                    && NodeId::new(transfer.transferred_by.as_str())
                        .is_ok_and(|by| tree.is_ancestor_or_self(&r.origin, &by))
            })
    }

    /// The disposal of `clue` (a transfer from `from` at `managing`
    /// level), if one written by the receiving office is held.
    pub fn disposal(&self, tree: &Tree, clue: &Record, managing: Level) -> Option<&Record> {
        let d = self.get(&ids::disposal(&clue.id))?;
        let receiver_ok = tree.level(&d.origin) == Some(managing)
            && tree.is_ancestor_or_self(&d.origin, &clue.origin);
        receiver_ok.then_some(d)
    }

    /// The host office's progress record and the signing office's verdict
    /// on `finding` (on its released copy, for a cross finding), each only
    /// if written by the right office.
    pub fn rectification(
        &self,
        finding: &Record,
        host: &str,
    ) -> (Option<Rectification>, Option<Rectification>) {
        let read = |id: Uuid, writer: &str| {
            self.get(&id)
                .filter(|r| self.succession.speaks_for(r.origin.as_str(), writer))
                .and_then(|r| bodies::read::<Rectification>(r).ok())
        };
        let (subject, signer) = rectified_as(finding);
        (
            read(ids::progress(&subject, host), host),
            read(ids::verdict(&subject, host), signer.as_str()),
        )
    }

    /// The state of `host`'s rectification of `finding`.
    pub fn state(&self, finding: &Record, host: &str) -> State {
        let (p, v) = self.rectification(finding, host);
        rectify::fold(p.as_ref(), v.as_ref())
    }
}

/// The office responsible for rectifying a finding: the host of its
/// target unit, or the finding office itself.
pub fn host_of(finding: &Record, body: &Finding) -> String {
    body.target_unit
        .as_ref()
        .and_then(|t| t.host.clone())
        .unwrap_or_else(|| finding.origin.to_string())
}

/// The coordinating office of a cross-inspection finding (交叉巡察), as
/// its inspecting office's rules wrote it; `None` for any other finding.
pub fn coordinator_of(finding: &Record) -> Option<NodeId> {
    let c = finding.body.get("coordinator")?.as_str()?;
    NodeId::new(c).ok()
}

/// The record a finding is rectified against, and the office that signs
/// the rectification off (销号): a cross finding's copy released to the
/// host, signed off by the coordinator; any other finding itself, signed
/// off by the office that wrote it.
pub fn rectified_as(finding: &Record) -> (Uuid, NodeId) {
    match coordinator_of(finding) {
        Some(c) => (ids::release(&finding.id), c),
        None => (finding.id, finding.origin.clone()),
    }
}

#[derive(Debug, Clone)]
struct TreeNode {
    parent: Option<NodeId>,
    name: String,
    level: Level,
}

/// The part of the tree a node knows: itself, its ancestors and its subtree.
#[derive(Debug, Clone)]
pub struct Tree {
    pub me: NodeId,
    nodes: BTreeMap<NodeId, TreeNode>,
}

impl Tree {
    /// `ancestors` nearest first, as the parent told them.
    pub fn new(
        me: &NodeId,
        name: &str,
        level: Level,
        ancestors: &[(NodeId, Level)],
        below: &[TopologyEntry],
    ) -> Tree {
        let mut nodes = BTreeMap::new();
        nodes.insert(
            me.clone(),
            TreeNode {
                parent: ancestors.first().map(|(a, _)| a.clone()),
                name: name.to_string(),
                level,
            },
        );
        for (i, (a, l)) in ancestors.iter().enumerate() {
            nodes.insert(
                a.clone(),
                TreeNode {
                    parent: ancestors.get(i + 1).map(|(p, _)| p.clone()),
                    name: String::new(),
                    level: *l,
                },
            );
        }
        for e in below {
            nodes.insert(
                e.node.clone(),
                TreeNode {
                    parent: Some(e.parent.clone()),
                    name: e.name.clone(),
                    level: e.level,
                },
            );
        }
        Tree {
            me: me.clone(),
            nodes,
        }
    }

    pub fn level(&self, id: &NodeId) -> Option<Level> {
        self.nodes.get(id).map(|n| n.level)
    }

    pub fn name(&self, id: &NodeId) -> &str {
        self.nodes.get(id).map(|n| n.name.as_str()).unwrap_or("")
    }

    /// The parent of `id`, if known here.
    pub fn parent(&self, id: &NodeId) -> Option<&NodeId> {
        self.nodes.get(id)?.parent.as_ref()
    }

    pub fn children(&self, id: &NodeId) -> Vec<NodeId> {
        self.nodes
            .iter()
            .filter(|(_, n)| n.parent.as_ref() == Some(id))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// True when `a` is `b` or above it.
    pub fn is_ancestor_or_self(&self, a: &NodeId, b: &NodeId) -> bool {
        let mut cur = Some(b.clone());
        let mut steps = 0;
        while let Some(c) = cur {
            if c == *a {
                return true;
            }
            steps += 1;
            if steps > self.nodes.len() {
                return false;
            }
            cur = self.nodes.get(&c).and_then(|n| n.parent.clone());
        }
        false
    }

    /// This node and its subtree, depth first, each with its depth below me.
    pub fn subtree(&self) -> Vec<(NodeId, usize)> {
        let mut out = Vec::new();
        let mut stack = vec![(self.me.clone(), 0)];
        while let Some((n, d)) = stack.pop() {
            let mut kids = self.children(&n);
            kids.reverse();
            stack.extend(kids.into_iter().map(|k| (k, d + 1)));
            out.push((n, d));
        }
        out
    }
}
