//! Cross (交叉巡察) and elevated (提级巡察) assignments: the rules an
//! assignment meets where it is issued, what it means below (the
//! coordinator a cross finding goes to), and issuing a cross inspection
//! planned by [`super::cross`].
//!
//! Architecture Invariant: only a common superior of every office an
//! assignment names may issue it. [`check`] enforces this at submit, so
//! the operator API, the CLI and the planner are all held to it; offices
//! below trust an assignment only if it comes from an office above them
//! (`rules::Lookup::assignments`).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::bodies::{self, Assignment, RoundPlan};
use super::cross::{self, Office, Options, PastRound};
use super::rules::{Context, Lookup, invalid, read};
use super::snapshot::Tree;
use crate::engine::{Engine, SubmitError, SubmitRequest};
use crate::node::NodeId;
use crate::records::{Kind, Record};

/// `id`, named in `field`, if it is an office strictly below `me`.
fn below(tree: &Tree, field: &str, id: &str) -> Result<NodeId, SubmitError> {
    let node = NodeId::new(id).map_err(|e| invalid(format!("{field}: {e}")))?;
    if node == tree.me || !tree.is_ancestor_or_self(&tree.me, &node) {
        return Err(invalid(format!(
            "{field}: office {id} is not below {}; only a common superior of every office an \
             assignment names may issue it (issue it from an office above them all, or wait until \
             {id} has connected and announced itself)",
            tree.me
        )));
    }
    Ok(node)
}

/// Checks an assignment submitted here: issued by this office for one
/// round, naming only offices below it; a cross pair joins two offices
/// neither of which is above the other; an elevated one has a higher
/// office take over named units of a lower one. Units named must be in
/// the register of the office that hosts them.
pub(super) async fn check(
    ctx: &Context<'_>,
    lk: &Lookup<'_>,
    req: &mut SubmitRequest,
) -> Result<(), SubmitError> {
    let a: Assignment = read(Kind::Assignment, &req.body)?;
    match &a.coordinator {
        Some(c) if c != ctx.me.as_str() => {
            return Err(invalid(format!(
                "body.coordinator: {c} is not this office ({}); an assignment is issued by its \
                 coordinating office",
                ctx.me
            )));
        }
        Some(_) => {}
        None => req.body["coordinator"] = json!(ctx.me.as_str()),
    }
    if a.round.as_deref().is_none_or(str::is_empty) {
        return Err(invalid(
            "body.round: an assignment is for one round; name the round_id its plans will share",
        ));
    }
    match (a.kind.as_str(), a.pairs.is_empty(), &a.elevated) {
        ("cross", _, Some(_)) => {
            return Err(invalid(
                "body.elevated: a cross assignment has pairs only; issue the elevated one on its own",
            ));
        }
        ("elevated", false, _) => {
            return Err(invalid(
                "body.pairs: an elevated assignment has no pairs; issue the cross one on its own",
            ));
        }
        _ => {}
    }
    let tree = lk.tree(ctx).await?;
    for (i, p) in a.pairs.iter().enumerate() {
        let field = format!("body.pairs[{i}]");
        let by = below(&tree, &format!("{field}.inspecting"), &p.inspecting)?;
        let of = below(&tree, &format!("{field}.inspected"), &p.inspected)?;
        if by == of {
            return Err(invalid(format!(
                "{field}: office {by} would inspect itself"
            )));
        }
        for (upper, lower) in [(&by, &of), (&of, &by)] {
            if tree.is_ancestor_or_self(upper, lower) {
                return Err(invalid(format!(
                    "{field}: {upper} is above {lower}; a higher office inspects units below it by \
                     an elevated (提级) assignment, not a cross one"
                )));
            }
        }
        if a.pairs[..i]
            .iter()
            .any(|q| q.inspecting == p.inspecting && q.inspected == p.inspected)
        {
            return Err(invalid(format!("{field}: {by} → {of} is listed twice")));
        }
        registered(lk, &format!("{field}.units"), &p.inspected, &p.units).await?;
    }
    if let Some(e) = &a.elevated {
        let office = below(&tree, "body.elevated.office", &e.office)?;
        let taking = NodeId::new(e.taking_over.as_str())
            .map_err(|err| invalid(format!("body.elevated.taking_over: {err}")))?;
        if taking != *ctx.me {
            below(&tree, "body.elevated.taking_over", &e.taking_over)?;
        }
        if taking == office || !tree.is_ancestor_or_self(&taking, &office) {
            return Err(invalid(format!(
                "body.elevated.taking_over: {taking} is not above {office}; in an elevated \
                 inspection (提级巡察) a higher office takes over units of a lower one"
            )));
        }
        if e.units.is_empty() {
            return Err(invalid("body.elevated.units: name the units taken over"));
        }
        registered(lk, "body.elevated.units", &e.office, &e.units).await?;
    }
    Ok(())
}

/// Checks that every unit in `units` (named in `field`) is in the
/// register of `office`.
async fn registered(
    lk: &Lookup<'_>,
    field: &str,
    office: &str,
    units: &[String],
) -> Result<(), SubmitError> {
    if units.is_empty() {
        return Ok(());
    }
    let reg = lk.register(office).await?.ok_or_else(|| {
        invalid(format!(
            "{field}: no unit register of {office} is held here to check the units against; \
             {office} imports it with `xunlian units import` and it climbs to every office above"
        ))
    })?;
    for (k, u) in units.iter().enumerate() {
        if !reg.units.iter().any(|x| x.id == *u) {
            return Err(invalid(format!(
                "{field}[{k}]: unit {u} is not in the register of {office}"
            )));
        }
    }
    Ok(())
}

/// The coordinating office of the cross assignment under which round plan
/// `p` of this office inspects units of `host`: findings there go to it,
/// it releases them at the feedback date and signs off their
/// rectification. None for an elevated assignment (this office is the
/// higher one itself) or one this office coordinates.
pub(super) async fn coordinator_for(
    ctx: &Context<'_>,
    lk: &Lookup<'_>,
    p: &RoundPlan,
    host: &str,
) -> Result<Option<String>, SubmitError> {
    let Some(id) = p.assignment_id else {
        return Ok(None);
    };
    let Some(a) = lk.get(&id).await? else {
        return Ok(None);
    };
    let body: Assignment = read(Kind::Assignment, &a.body)?;
    let crossing = body
        .pairs
        .iter()
        .any(|pair| pair.inspecting == ctx.me.as_str() && pair.inspected == host);
    Ok((crossing && ctx.issued_above(&a) && a.origin != *ctx.me).then(|| a.origin.to_string()))
}

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
fn history(held: &[(Record, Assignment)], round: &str) -> Vec<PastRound> {
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

/// Plans the cross inspection `req` asks for at this office, from the
/// tree it knows and the cross assignments it holds, and unless it is a
/// dry run issues it as an `assignment` record.
pub async fn plan_cross(engine: &Engine, req: CrossRequest) -> Result<CrossOutcome, SubmitError> {
    if req.round.is_empty() {
        return Err(invalid("round: name the round_id the plans will share"));
    }
    if req.offices.len() < 2 {
        return Err(invalid(
            "offices: a cross inspection needs at least two offices",
        ));
    }
    let tree = engine.workflow_tree().await?;
    let mut offices = Vec::new();
    for (i, id) in req.offices.iter().enumerate() {
        if req.offices[..i].contains(id) {
            return Err(invalid(format!("offices: {id} is listed twice")));
        }
        let node = below(&tree, "offices", id)?;
        let mut o = Office::new(id.clone(), tree.parent(&node).map(|p| p.to_string()));
        if let Some(c) = req.capacities.get(id) {
            (o.inspects, o.inspected) = (c.inspects, c.inspected);
        }
        offices.push(o);
    }
    if let Some(k) = req.capacities.keys().find(|k| !req.offices.contains(k)) {
        return Err(invalid(format!(
            "capacities: {k} is not one of the offices"
        )));
    }
    let held: Vec<(Record, Assignment)> = engine
        .store()
        .records_of_kind(Kind::Assignment)
        .await?
        .into_iter()
        .filter_map(|r| Some((r.clone(), bodies::read::<Assignment>(&r).ok()?)))
        .filter(|(_, a)| a.kind == "cross")
        .collect();
    let me = engine.id();
    if !req.dry_run
        && let Some((r, _)) = held
            .iter()
            .find(|(r, a)| r.origin == *me && a.round.as_deref() == Some(req.round.as_str()))
    {
        return Err(invalid(format!(
            "round: round {} already has cross assignment {} issued here; plan another round \
             (a dry run shows a plan without issuing it)",
            req.round, r.id
        )));
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
    let seed = opts.seed;
    // A CPU-bound search: off the async workers.
    let pairs = tokio::task::spawn_blocking(move || cross::plan(&offices, &history, &opts))
        .await
        .map_err(|e| invalid(format!("the planner stopped: {e}")))?
        .map_err(|e| invalid(e.to_string()))?;
    let assignment = if req.dry_run {
        None
    } else {
        let body = json!({
            "type": "cross",
            "round": req.round,
            "coordinator": me.as_str(),
            "pairs": pairs.iter().map(|p| json!({
                "inspecting": p.inspecting, "inspected": p.inspected, "units": []
            })).collect::<Vec<_>>(),
        });
        Some(
            engine
                .submit(SubmitRequest {
                    kind: Kind::Assignment,
                    id: None,
                    round_id: Some(req.round.clone()),
                    classification: None,
                    body,
                })
                .await?,
        )
    };
    let name = |id: &str| {
        NodeId::new(id)
            .map(|n| tree.name(&n).to_string())
            .unwrap_or_default()
    };
    Ok(CrossOutcome {
        round: req.round,
        seed,
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
        assignment,
    })
}
