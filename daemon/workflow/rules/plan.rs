//! The rules of a round plan: dates in order, teams listed once, targets
//! in the office's register or under an assignment from above, no unit
//! taken over by a higher office, and a follow-up naming what it re-checks.

use serde_json::Value;
use uuid::Uuid;

use super::{Context, Lookup, invalid, read};
use crate::records::Kind;
use crate::submit::{SubmitError, SubmitRequest};
use crate::workflow::bodies::{self, Assignment, RoundPlan};

/// Checks a round plan written here; names the assignment it follows in
/// `body.assignment_id` when its targets fall under one.
pub(super) async fn check(
    ctx: &Context<'_>,
    lk: &Lookup<'_>,
    req: &mut SubmitRequest,
) -> Result<(), SubmitError> {
    let round = req.round_id.clone().ok_or_else(|| {
        invalid("轮次计划须有 round_id（本轮编号，本轮问题共用） (a round_plan needs \"round_id\": the round's id, shared by its findings (e.g. 630202-2024-2))")
    })?;
    let p: RoundPlan = read(Kind::RoundPlan, &req.body)?;
    ctx.taxonomy
        .check_term(&p.term)
        .map_err(|e| invalid(format!("body.term: {e}")))?;
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
            return Err(invalid(format!(
                "body.dates.{}: 日期顺序应为 开始 ≤ 进驻 ≤ 反馈 ≤ 结束 ({} is before {} {}; dates run start ≤ entry (进驻) ≤ feedback (反馈) ≤ end)",
                w[1].0, w[1].1, w[0].0, w[0].1
            )));
        }
    }
    for (i, t) in p.teams.iter().enumerate() {
        if p.teams[..i].iter().any(|o| o.id == t.id) {
            return Err(invalid(format!(
                "body.teams[{i}].id: 巡察组重复 (team {} is listed twice)",
                t.id
            )));
        }
    }
    if let Some(existing) = lk.plan(ctx.me, &round).await?
        && Some(existing.id) != req.id
    {
        return Err(invalid(format!(
            "本轮已有计划；如要修改，请带上其 id 提交 (round {round} already has plan {}; submit with \"id\": \"{}\" to change it)",
            existing.id, existing.id
        )));
    }
    let assignments = lk.assignments(ctx).await?;
    if let Some(id) = p.assignment_id
        && !assignments.iter().any(|(a, _)| a.id == id)
    {
        return Err(invalid(format!(
            "body.assignment_id: 本办公室没有本级或上级下达的该项安排 (no assignment {id} issued by {} or an office above it is held here)",
            ctx.me
        )));
    }
    // The assignment the plan follows: the one named, else the one its
    // first target hosted elsewhere falls under.
    let mut under = p.assignment_id;
    let own_register = lk.register(ctx.me.as_str()).await?;
    for (i, t) in p.targets.iter().enumerate() {
        if let Some(team) = &t.team
            && !p.teams.iter().any(|x| x.id == *team)
        {
            return Err(invalid(format!(
                "body.targets[{i}].team: 该巡察组不在本计划的巡察组中 (no team {team} in body.teams)"
            )));
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
                return Err(invalid(format!(
                    "body.targets[{i}]: 该单位本轮已被提级巡察，本办公室的计划不能以其为对象 (unit {unit} of {host} is taken over by {} for round {round} \
                     (提级巡察, assignment {}); plans of {} may not target it in that round)",
                    e.taking_over, a.id, ctx.me
                )));
            }
        }
        if host == ctx.me.as_str() {
            let Some(reg) = &own_register else {
                return Err(invalid(format!(
                    "body.targets[{i}].unit_id: 本办公室尚无被巡察单位名册，请先导入 (office {} has no unit register yet; import it with `xunlian units import --config FILE UNITS.csv`)",
                    ctx.me
                )));
            };
            if !reg.units.iter().any(|u| u.id == *unit) {
                return Err(invalid(format!(
                    "body.targets[{i}].unit_id: 该单位不在本办公室的名册中 (unit {unit} is not in the register of {}; add it with `xunlian units import`)",
                    ctx.me
                )));
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
                    return Err(invalid(format!(
                        "body.targets[{i}]: 一个轮次计划只能依据一项安排 (unit {unit} of {host} falls under assignment {}, the other \
                         targets under {}; a round plan follows one assignment (plan another round))",
                        a.id,
                        under.map_or_else(String::new, |u| u.to_string())
                    )));
                }
                (None, None) => {
                    return Err(invalid(format!(
                        "body.targets[{i}]: 该单位属于其他办公室：须有本轮的交叉或提级巡察安排 (unit {unit} belongs to office {host}; only a cross or elevated \
                         assignment for this round lets {} inspect it, and none held here does)",
                        ctx.me
                    )));
                }
            }
        }
    }
    if under != p.assignment_id {
        req.body["assignment_id"] = Value::from(under.map(|u| u.to_string()));
    }
    if p.kind == "follow_up" {
        let earlier = p.follow_up_of.as_deref().ok_or_else(|| {
            invalid("body.follow_up_of: 回头看轮次须注明所复查的轮次 (a follow_up (回头看) round names the earlier round it re-checks)")
        })?;
        if lk.plan(ctx.me, earlier).await?.is_none() {
            return Err(invalid(format!(
                "body.follow_up_of: 本办公室没有所复查的轮次 (no round {earlier} of {} is held here)",
                ctx.me
            )));
        }
        for (i, f) in p.rechecks.iter().enumerate() {
            let ok = lk.get(f).await?.is_some_and(|r| {
                r.kind == Kind::Finding
                    && r.origin == *ctx.me
                    && bodies::round_of(&r) == Some(earlier)
            });
            if !ok {
                return Err(invalid(format!(
                    "body.rechecks[{i}]: 不是所复查轮次的问题 ({f} is not a finding of round {earlier} of {})",
                    ctx.me
                )));
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
