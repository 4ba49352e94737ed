//! Issuing a cross inspection (交叉巡察) planned by [`super::cross`]: the
//! request, the pairings of past rounds to avoid, and the assignment to
//! issue. The rules every assignment meets where it is issued, and what
//! it means below, are `rules::assignment`.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::bodies::{self, Assignment};
use super::cross::{self, Office, Options, PastRound};
use super::rules::below;
use super::snapshot::Tree;
use crate::node::NodeId;
use crate::records::{Kind, Record};
use crate::submit::{SubmitError, SubmitRequest, refused};

/// How many offices one office inspects and is inspected by.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    pub inspects: u32,
    pub inspected: u32,
}

/// A request to plan (and unless `dry_run`, issue) a cross inspection.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossRequest {
    /// The offices taking part; all below this office.
    pub offices: Vec<String>,
    /// The round the plans of the inspecting offices will share.
    pub round: String,
    /// No pairing repeated from this many most recent rounds held here.
    #[serde(default)]
    pub avoid_last: usize,
    #[serde(default)]
    pub different_parent: bool,
    #[serde(default)]
    pub allow_mutual: bool,
    /// Seeds the planner; derived from the round when absent.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Offices that inspect or are inspected other than once.
    #[serde(default)]
    pub capacities: BTreeMap<String, Capacity>,
    #[serde(default)]
    pub dry_run: bool,
}

/// One pairing of a plan, with the offices' names for people.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedPair {
    pub inspecting: String,
    pub inspecting_name: String,
    pub inspected: String,
    pub inspected_name: String,
}

/// What planning a cross inspection gave.
#[derive(Debug, Clone, Serialize)]
pub struct CrossOutcome {
    pub round: String,
    pub seed: u64,
    /// The past rounds whose pairings were avoided, most recent first.
    pub avoided_rounds: Vec<String>,
    pub pairs: Vec<PlannedPair>,
    /// The assignment issued; none on a dry run.
    pub assignment: Option<Record>,
}

/// The seed of a round with none given: the same round always plans alike.
fn seed_of(round: &str) -> u64 {
    // FNV-1a, 64 bits.
    round.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The pairings of the cross assignments held, per round, most recent
/// round first (by its newest assignment), leaving out `round` itself.
fn history(held: &[(&Record, Assignment)], round: &str) -> Vec<PastRound> {
    // round → (its newest assignment's time, its pairings)
    type Pairings = Vec<(String, String)>;
    let mut rounds: HashMap<&str, (chrono::DateTime<chrono::Utc>, Pairings)> = HashMap::new();
    for (r, a) in held {
        let Some(ar) = a.round.as_deref().filter(|ar| *ar != round) else {
            continue;
        };
        let e = rounds.entry(ar).or_insert((r.created_at, Vec::new()));
        e.0 = e.0.max(r.created_at);
        e.1.extend(
            a.pairs
                .iter()
                .map(|p| (p.inspecting.clone(), p.inspected.clone())),
        );
    }
    let mut out: Vec<_> = rounds.into_iter().collect();
    out.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    out.into_iter()
        .map(|(round, (_, pairs))| PastRound {
            round: round.to_string(),
            pairs,
        })
        .collect()
}

/// A planned cross inspection: what to answer and, unless it is a dry
/// run, the assignment to issue (whose record then fills
/// `outcome.assignment`).
#[derive(Debug)]
pub struct CrossPlan {
    pub outcome: CrossOutcome,
    pub issue: Option<SubmitRequest>,
}

/// Plans the cross inspection `req` asks for at the office `tree` is seen
/// from, avoiding the pairings of the cross assignments among `held` (the
/// assignment records it holds). A CPU-bound search: run it off the async
/// workers.
pub fn plan_cross(
    tree: &Tree,
    held: &[Record],
    req: CrossRequest,
) -> Result<CrossPlan, SubmitError> {
    if req.round.is_empty() {
        return Err(refused!("round", "refuse-cross-no-round"));
    }
    if req.offices.len() < 2 {
        return Err(refused!("offices", "refuse-cross-two-offices"));
    }
    let mut offices = Vec::new();
    for (i, id) in req.offices.iter().enumerate() {
        if req.offices[..i].contains(id) {
            return Err(refused!(
                "offices",
                "refuse-cross-office-twice",
                office = id
            ));
        }
        let node = below(tree, "offices", id)?;
        let mut o = Office::new(id.clone(), tree.parent(&node).map(|p| p.to_string()));
        if let Some(c) = req.capacities.get(id) {
            (o.inspects, o.inspected) = (c.inspects, c.inspected);
        }
        offices.push(o);
    }
    if let Some(k) = req.capacities.keys().find(|k| !req.offices.contains(k)) {
        return Err(refused!("capacities", "refuse-cross-capacity", office = k));
    }
    let held: Vec<(&Record, Assignment)> = held
        .iter()
        .filter_map(|r| Some((r, bodies::read::<Assignment>(r).ok()?)))
        .filter(|(_, a)| a.kind == "cross")
        .collect();
    let me = &tree.me;
    if !req.dry_run
        && let Some((r, _)) = held
            .iter()
            .find(|(r, a)| r.origin == *me && a.round.as_deref() == Some(req.round.as_str()))
    {
        return Err(refused!(
            "round",
            "refuse-cross-round-taken",
            round = req.round,
            assignment = r.id
        ));
    }
    let history = history(&held, &req.round);
    let opts = Options {
        avoid_last: req.avoid_last,
        different_parent: req.different_parent,
        allow_mutual: req.allow_mutual,
        seed: req.seed.unwrap_or_else(|| seed_of(&req.round)),
    };
    let avoided_rounds = history
        .iter()
        .take(opts.avoid_last)
        .map(|r| r.round.clone())
        .collect();
    let pairs = cross::plan(&offices, &history, &opts)
        .map_err(|e| refused!("offices", "refuse-cross-unplannable", detail = e))?;
    let issue = (!req.dry_run).then(|| SubmitRequest {
        kind: Kind::Assignment,
        id: None,
        round_id: Some(req.round.clone()),
        classification: None,
        body: json!({
            "type": "cross",
            "round": req.round,
            "coordinator": me.as_str(),
            "pairs": pairs.iter().map(|p| json!({
                "inspecting": p.inspecting, "inspected": p.inspected, "units": []
            })).collect::<Vec<_>>(),
        }),
    });
    let name = |id: &str| {
        NodeId::new(id)
            .map(|n| tree.name(&n).to_string())
            .unwrap_or_default()
    };
    let outcome = CrossOutcome {
        round: req.round,
        seed: opts.seed,
        avoided_rounds,
        pairs: pairs
            .into_iter()
            .map(|p| PlannedPair {
                inspecting_name: name(&p.inspecting),
                inspected_name: name(&p.inspected),
                inspecting: p.inspecting,
                inspected: p.inspected,
            })
            .collect(),
        assignment: None,
    };
    Ok(CrossPlan { outcome, issue })
}
