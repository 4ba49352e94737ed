//! The rules of a cross (交叉巡察) or elevated (提级巡察) assignment where
//! it is issued, and what one means below: the coordinator a cross or
//! elevated finding goes to, which releases it to the host at feedback.
//!
//! Architecture Invariant: only a common superior of every office an
//! assignment names may issue it. [`check`] enforces this at submit, so
//! the operator API, the CLI and the planner are all held to it; offices
//! below trust an assignment only if it comes from an office above them
//! ([`Lookup::assignments`]).

use serde_json::json;

use super::{Context, Lookup, read};
use crate::node::NodeId;
use crate::records::Kind;
use crate::submit::{SubmitError, SubmitRequest, refused};
use crate::workflow::bodies::{Assignment, RoundPlan};
use crate::workflow::snapshot::Tree;

/// `id`, named in `field`, if it is an office strictly below `me`.
pub(in crate::workflow) fn below(
    tree: &Tree,
    field: &str,
    id: &str,
) -> Result<NodeId, SubmitError> {
    let node = NodeId::new(id)
        .map_err(|_| refused!(field, "refuse-office-id", id = crate::clip::clip(id)))?;
    if node == tree.me || !tree.is_ancestor_or_self(&tree.me, &node) {
        return Err(refused!(
            field,
            "refuse-assignment-not-below",
            office = id,
            me = tree.me
        ));
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
            return Err(refused!(
                "body.coordinator",
                "refuse-assignment-coordinator",
                coordinator = c,
                office = ctx.me
            ));
        }
        Some(_) => {}
        None => req.body["coordinator"] = json!(ctx.me.as_str()),
    }
    if a.round.as_deref().is_none_or(str::is_empty) {
        return Err(refused!("body.round", "refuse-assignment-no-round"));
    }
    match (a.kind.as_str(), a.pairs.is_empty(), &a.elevated) {
        ("cross", _, Some(_)) => {
            return Err(refused!(
                "body.elevated",
                "refuse-assignment-cross-elevated"
            ));
        }
        ("elevated", false, _) => {
            return Err(refused!("body.pairs", "refuse-assignment-elevated-pairs"));
        }
        _ => {}
    }
    let tree = lk.tree(ctx).await?;
    for (i, p) in a.pairs.iter().enumerate() {
        let field = format!("body.pairs[{i}]");
        let by = below(&tree, &format!("{field}.inspecting"), &p.inspecting)?;
        let of = below(&tree, &format!("{field}.inspected"), &p.inspected)?;
        if by == of {
            return Err(refused!(field, "refuse-assignment-self", office = by));
        }
        for (upper, lower) in [(&by, &of), (&of, &by)] {
            if tree.is_ancestor_or_self(upper, lower) {
                return Err(refused!(
                    field,
                    "refuse-assignment-cross-above",
                    upper = upper,
                    lower = lower
                ));
            }
        }
        if a.pairs[..i]
            .iter()
            .any(|q| q.inspecting == p.inspecting && q.inspected == p.inspected)
        {
            return Err(refused!(
                field,
                "refuse-assignment-pair-twice",
                by = by,
                of = of
            ));
        }
        registered(lk, &format!("{field}.units"), &p.inspected, &p.units).await?;
    }
    if let Some(e) = &a.elevated {
        let office = below(&tree, "body.elevated.office", &e.office)?;
        let taking = NodeId::new(e.taking_over.as_str()).map_err(|_| {
            refused!(
                "body.elevated.taking_over",
                "refuse-office-id",
                id = crate::clip::clip(&e.taking_over)
            )
        })?;
        if taking != *ctx.me {
            below(&tree, "body.elevated.taking_over", &e.taking_over)?;
        }
        if taking == office || !tree.is_ancestor_or_self(&taking, &office) {
            return Err(refused!(
                "body.elevated.taking_over",
                "refuse-assignment-elevated-not-above",
                taking_over = taking,
                office = office
            ));
        }
        if e.units.is_empty() {
            return Err(refused!(
                "body.elevated.units",
                "refuse-assignment-elevated-units"
            ));
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
    let reg = lk
        .register(office)
        .await?
        .ok_or_else(|| refused!(field, "refuse-assignment-no-register", office = office))?;
    for (k, u) in units.iter().enumerate() {
        if !reg.units.iter().any(|x| x.id == *u) {
            return Err(refused!(
                format!("{field}[{k}]"),
                "refuse-assignment-unit-unregistered",
                unit = u,
                office = office
            ));
        }
    }
    Ok(())
}

/// The coordinating office of the assignment under which round plan `p`
/// of this office inspects units of `host`: findings there go to it, it
/// releases them to `host` at the feedback date and signs off their
/// rectification. For a cross assignment that is the office that issued
/// it; for an elevated one (提级巡察) this office itself, the one taking
/// the units over. None when the plan follows no such assignment.
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
    if !ctx.issued_above(&a) {
        return Ok(None);
    }
    let body: Assignment = read(Kind::Assignment, &a.body)?;
    let crossing = body
        .pairs
        .iter()
        .any(|pair| pair.inspecting == ctx.me.as_str() && pair.inspected == host);
    if crossing && a.origin != *ctx.me {
        return Ok(Some(a.origin.to_string()));
    }
    let elevated = body
        .elevated
        .as_ref()
        .is_some_and(|e| e.taking_over == ctx.me.as_str() && e.office == host);
    Ok(elevated.then(|| ctx.me.to_string()))
}
