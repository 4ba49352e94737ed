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

use super::{Context, Lookup, invalid, read};
use crate::node::NodeId;
use crate::records::Kind;
use crate::submit::{SubmitError, SubmitRequest};
use crate::workflow::bodies::{Assignment, RoundPlan};
use crate::workflow::snapshot::Tree;

/// `id`, named in `field`, if it is an office strictly below `me`.
pub(in crate::workflow) fn below(
    tree: &Tree,
    field: &str,
    id: &str,
) -> Result<NodeId, SubmitError> {
    let node = NodeId::new(id).map_err(|e| invalid(format!("{field}: {e}")))?;
    if node == tree.me || !tree.is_ancestor_or_self(&tree.me, &node) {
        return Err(invalid(format!(
            "{field}: 该办公室不在本办公室之下：安排须由所涉各办公室的共同上级下达 (office {id} is not below {}; only a common superior of every office an \
             assignment names may issue it (issue it from an office above them all, or wait until \
             {id} has connected and announced itself))",
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
                "body.coordinator: 安排由协调办公室下达 ({c} is not this office ({}); an assignment is issued by its \
                 coordinating office)",
                ctx.me
            )));
        }
        Some(_) => {}
        None => req.body["coordinator"] = json!(ctx.me.as_str()),
    }
    if a.round.as_deref().is_none_or(str::is_empty) {
        return Err(invalid(
            "body.round: 一项安排只对应一个轮次，请填写 round_id (an assignment is for one round; name the round_id its plans will share)",
        ));
    }
    match (a.kind.as_str(), a.pairs.is_empty(), &a.elevated) {
        ("cross", _, Some(_)) => {
            return Err(invalid(
                "body.elevated: 交叉巡察安排只含交叉关系，提级巡察另行下达 (a cross assignment has pairs only; issue the elevated one on its own)",
            ));
        }
        ("elevated", false, _) => {
            return Err(invalid(
                "body.pairs: 提级巡察安排不含交叉关系，交叉巡察另行下达 (an elevated assignment has no pairs; issue the cross one on its own)",
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
                "{field}: 办公室不能巡察自己 (office {by} would inspect itself)"
            )));
        }
        for (upper, lower) in [(&by, &of), (&of, &by)] {
            if tree.is_ancestor_or_self(upper, lower) {
                return Err(invalid(format!(
                    "{field}: 上级巡察下级的单位应使用提级巡察安排 ({upper} is above {lower}; a higher office inspects units below it by \
                     an elevated (提级) assignment, not a cross one)"
                )));
            }
        }
        if a.pairs[..i]
            .iter()
            .any(|q| q.inspecting == p.inspecting && q.inspected == p.inspected)
        {
            return Err(invalid(format!(
                "{field}: 重复的交叉关系 ({by} → {of} is listed twice)"
            )));
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
                "body.elevated.taking_over: 提级巡察由上级办公室接手下级的单位 ({taking} is not above {office}; in an elevated \
                 inspection (提级巡察) a higher office takes over units of a lower one)"
            )));
        }
        if e.units.is_empty() {
            return Err(invalid(
                "body.elevated.units: 请列出被提级巡察的单位 (name the units taken over)",
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
    let reg = lk.register(office).await?.ok_or_else(|| {
        invalid(format!(
            "{field}: 本办公室没有该办公室的名册，无法核对单位 (no unit register of {office} is held here to check the units against; \
             {office} imports it with `xunlian units import` and it climbs to every office above)"
        ))
    })?;
    for (k, u) in units.iter().enumerate() {
        if !reg.units.iter().any(|x| x.id == *u) {
            return Err(invalid(format!(
                "{field}[{k}]: 该单位不在其名册中 (unit {u} is not in the register of {office})"
            )));
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
