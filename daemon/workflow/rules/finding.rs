//! The rules of a finding: a round planned here, the term's taxonomy, a
//! target unit of the round (and the coordinator of a cross or elevated
//! inspection filled in); a common finding brings its redacted copy for the subtree.

use serde_json::Value;
use uuid::Uuid;

use super::{Context, Lookup, assignment, invalid, read, released};
use crate::records::Kind;
use crate::submit::{SubmitError, SubmitRequest};
use crate::workflow::bodies::{self, Finding, RoundPlan};
use crate::workflow::ids;

/// Checks a finding written here and fills its target's host and its
/// coordinator; returns the redacted copy of a common finding.
pub(super) async fn check(
    ctx: &Context<'_>,
    lk: &Lookup<'_>,
    req: &mut SubmitRequest,
) -> Result<Vec<SubmitRequest>, SubmitError> {
    let f: Finding = read(Kind::Finding, &req.body)?;
    if let Some(original) = f.released_of {
        return released::check(ctx, lk, req, original)
            .await
            .map(|()| vec![]);
    }
    if f.redacted_of.is_some() || f.inspected_by.is_some() {
        return Err(invalid(
            "body.redacted_of/inspected_by: 共性问题的下发副本和交叉巡察的反馈副本由系统生成，请勿填写 (copies of common issues and of released cross findings \
             are written by the daemon; leave these out)",
        ));
    }
    let round = match (&req.round_id, &f.round_id) {
        (Some(a), Some(b)) if a != b => {
            return Err(invalid(format!(
                "round_id 与 body.round_id 不一致：一个问题只属于一个轮次 (round_id {a} and body.round_id {b} differ; a finding belongs to one round)"
            )));
        }
        (Some(a), _) | (None, Some(a)) => a.clone(),
        (None, None) => {
            return Err(invalid(
                "问题须注明所属轮次：请填写轮次计划的 round_id (a finding needs its round: set \"round_id\" to the round plan's round_id)",
            ));
        }
    };
    req.round_id = Some(round.clone());
    let plan = lk.plan(ctx.me, &round).await?.ok_or_else(|| {
        invalid(format!(
            "本办公室没有该轮次的巡察计划，请先报送轮次计划 (round {round} has no plan of {} held here; submit the round plan first)",
            ctx.me
        ))
    })?;
    let p: RoundPlan = read(Kind::RoundPlan, &plan.body)?;
    ctx.taxonomy
        .check_finding(&p.term, ctx.level, &f.category, &f.tags)
        .map_err(|e| invalid(format!("body.category/tags: {e}")))?;
    if let Some(team) = &f.team
        && !p.teams.is_empty()
        && !p.teams.iter().any(|t| t.id == *team)
    {
        return Err(invalid(format!(
            "body.team: 本轮没有该巡察组 (round {round} has no team {team})"
        )));
    }
    let mut coordinator = None;
    if let Some(unit) = &f.target_unit
        && !unit.unit_id.is_empty()
    {
        let target_host = |t: &bodies::Target| t.host.clone().unwrap_or_else(|| ctx.me.to_string());
        let target = p
            .targets
            .iter()
            .find(|t| {
                t.unit_id == unit.unit_id && unit.host.as_ref().is_none_or(|h| *h == target_host(t))
            })
            .ok_or_else(|| {
                invalid(format!(
                    "body.target_unit: 该单位不是本轮的巡察对象 (unit {} is not a target of round {round})",
                    unit.unit_id
                ))
            })?;
        let host = target_host(target);
        if host != ctx.me.as_str() {
            req.body["target_unit"]["host"] = Value::from(host.as_str());
            coordinator = assignment::coordinator_for(ctx, lk, &p, &host).await?;
        }
    }
    match (&f.coordinator, &coordinator) {
        (Some(given), Some(c)) if given == c => {}
        (Some(given), _) => {
            return Err(invalid(format!(
                "body.coordinator: 协调办公室由系统按交叉巡察安排填写，请勿填写 ({given} is not the coordinator of a cross inspection of this finding's unit; \
                 the daemon fills it in from the round's assignment: leave it out)"
            )));
        }
        (None, Some(c)) => req.body["coordinator"] = Value::from(c.as_str()),
        (None, None) => {}
    }
    if !f.common {
        return Ok(vec![]);
    }
    let id = *req.id.get_or_insert_with(Uuid::now_v7);
    Ok(vec![SubmitRequest {
        kind: Kind::Finding,
        id: Some(ids::common_copy(&id)),
        round_id: Some(round),
        classification: None,
        body: redacted(&req.body, id),
    }])
}

/// A common finding as shared down the subtree: no facts, evidence, unit
/// or person names.
fn redacted(body: &Value, original: Uuid) -> Value {
    let mut out = serde_json::Map::new();
    for key in [
        "number", "round_id", "category", "tags", "severity", "title", "found_on",
    ] {
        if let Some(v) = body.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    out.insert("common".into(), Value::Bool(true));
    out.insert("redacted_of".into(), Value::String(original.to_string()));
    Value::Object(out)
}
