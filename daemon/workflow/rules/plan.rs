//! The rules of a round plan: dates in order, teams listed once, targets
//! in the office's register or under an assignment from above, no unit
//! taken over by a higher office, and a follow-up naming what it re-checks.

use serde_json::Value;
use uuid::Uuid;

use super::{Context, Lookup, read};
use crate::records::Kind;
use crate::submit::{SubmitError, SubmitRequest, refused};
use crate::workflow::bodies::{self, Assignment, RoundPlan};

/// Checks a round plan written here; names the assignment it follows in
/// `body.assignment_id` when its targets fall under one.
pub(super) async fn check(
    ctx: &Context<'_>,
    lk: &Lookup<'_>,
    req: &mut SubmitRequest,
) -> Result<(), SubmitError> {
    let round = req
        .round_id
        .clone()
        .ok_or_else(|| refused!("round_id", "refuse-plan-no-round"))?;
    let p: RoundPlan = read(Kind::RoundPlan, &req.body)?;
    ctx.taxonomy
        .check_term(&p.term)
        .map_err(|e| e.at("body.term"))?;
    let dates = [
        ("start", p.dates.start),
        ("entry", p.dates.entry),
        ("feedback", p.dates.feedback),
        ("end", p.dates.end),
    ];
    let set: Vec<_> = dates
        .iter()
        .filter_map(|(n, d)| Some((*n, (*d)?)))
        .collect();
    for w in set.windows(2) {
        if w[1].1 < w[0].1 {
            return Err(refused!(
                format!("body.dates.{}", w[1].0),
                "refuse-plan-dates-order",
                date = w[1].1,
                earlier = w[0].0,
                earlier_date = w[0].1
            ));
        }
    }
    for (i, t) in p.teams.iter().enumerate() {
        if p.teams[..i].iter().any(|o| o.id == t.id) {
            return Err(refused!(
                format!("body.teams[{i}].id"),
                "refuse-plan-team-twice",
                team = t.id
            ));
        }
    }
    if let Some(existing) = lk.plan(ctx.me, &round).await?
        && Some(existing.id) != req.id
    {
        return Err(refused!(
            "round_id",
            "refuse-plan-exists",
            round = round,
            plan = existing.id
        ));
    }
    let assignments = lk.assignments(ctx).await?;
    if let Some(id) = p.assignment_id
        && !assignments.iter().any(|(a, _)| a.id == id)
    {
        return Err(refused!(
            "body.assignment_id",
            "refuse-plan-no-assignment",
            assignment = id,
            office = ctx.me
        ));
    }
    // The assignment the plan follows: the one named, else the one its
    // first target hosted elsewhere falls under.
    let mut under = p.assignment_id;
    let own_register = lk.register(ctx.me.as_str()).await?;
    for (i, t) in p.targets.iter().enumerate() {
        if let Some(team) = &t.team
            && !p.teams.iter().any(|x| x.id == *team)
        {
            return Err(refused!(
                format!("body.targets[{i}].team"),
                "refuse-plan-target-team",
                team = team
            ));
        }
        let host = t.host.clone().unwrap_or_else(|| ctx.me.to_string());
        let unit = &t.unit_id;
        for (a, body) in &assignments {
            if let Some(e) = &body.elevated
                && body.round.as_deref() == Some(round.as_str())
                && e.office == host
                && e.taking_over != ctx.me.as_str()
                && e.units.contains(unit)
            {
                return Err(refused!(
                    format!("body.targets[{i}]"),
                    "refuse-plan-target-elevated",
                    unit = unit,
                    host = host,
                    taking_over = e.taking_over,
                    round = round,
                    assignment = a.id,
                    office = ctx.me
                ));
            }
        }
        if host == ctx.me.as_str() {
            let Some(reg) = &own_register else {
                return Err(refused!(
                    format!("body.targets[{i}].unit_id"),
                    "refuse-plan-no-register",
                    office = ctx.me
                ));
            };
            if !reg.units.iter().any(|u| u.id == *unit) {
                return Err(refused!(
                    format!("body.targets[{i}].unit_id"),
                    "refuse-plan-unit-unregistered",
                    unit = unit,
                    office = ctx.me
                ));
            }
        } else {
            let fits = |only: Option<Uuid>| {
                assignments.iter().find(|(a, body)| {
                    only.is_none_or(|id| id == a.id)
                        && covers(body, &round, ctx.me.as_str(), &host, unit)
                })
            };
            match (fits(under), fits(None)) {
                (Some((a, _)), _) => under = Some(a.id),
                (None, Some((a, _))) => {
                    return Err(refused!(
                        format!("body.targets[{i}]"),
                        "refuse-plan-two-assignments",
                        unit = unit,
                        host = host,
                        assignment = a.id,
                        other = under.map_or_else(String::new, |u| u.to_string())
                    ));
                }
                (None, None) => {
                    return Err(refused!(
                        format!("body.targets[{i}]"),
                        "refuse-plan-unit-elsewhere",
                        unit = unit,
                        host = host,
                        office = ctx.me
                    ));
                }
            }
        }
    }
    if under != p.assignment_id {
        req.body["assignment_id"] = Value::from(under.map(|u| u.to_string()));
    }
    if p.kind == "follow_up" {
        let earlier = p
            .follow_up_of
            .as_deref()
            .ok_or_else(|| refused!("body.follow_up_of", "refuse-plan-follow-up-of"))?;
        if lk.plan(ctx.me, earlier).await?.is_none() {
            return Err(refused!(
                "body.follow_up_of",
                "refuse-plan-no-earlier-round",
                round = earlier,
                office = ctx.me
            ));
        }
        for (i, f) in p.rechecks.iter().enumerate() {
            let ok = lk.get(f).await?.is_some_and(|r| {
                r.kind == Kind::Finding
                    && r.origin == *ctx.me
                    && bodies::round_of(&r) == Some(earlier)
            });
            if !ok {
                return Err(refused!(
                    format!("body.rechecks[{i}]"),
                    "refuse-plan-recheck",
                    finding = f,
                    round = earlier,
                    office = ctx.me
                ));
            }
        }
    }
    Ok(())
}

/// Does assignment `a` let `me` inspect `unit` of `host` in `round`?
fn covers(a: &Assignment, round: &str, me: &str, host: &str, unit: &str) -> bool {
    if a.round.as_deref().is_some_and(|r| r != round) {
        return false;
    }
    let cross = a.pairs.iter().any(|p| {
        p.inspecting == me
            && p.inspected == host
            && (p.units.is_empty() || p.units.iter().any(|u| u == unit))
    });
    let elevated = a.elevated.as_ref().is_some_and(|e| {
        e.taking_over == me && e.office == host && e.units.iter().any(|u| u == unit)
    });
    cross || elevated
}
