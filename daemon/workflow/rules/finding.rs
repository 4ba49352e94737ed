//! The rules of a finding: a round planned here, the term's taxonomy, a
//! target unit of the round (and the coordinator of a cross or elevated
//! inspection filled in); a common finding brings its redacted copy for the subtree.

use serde_json::Value;
use uuid::Uuid;

use super::{Context, Lookup, assignment, read, released};
use crate::records::Kind;
use crate::submit::{SubmitError, SubmitRequest, refused};
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
        return Err(refused!(
            "body.redacted_of/inspected_by",
            "refuse-finding-copy-derived"
        ));
    }
    let round = match (&req.round_id, &f.round_id) {
        (Some(a), Some(b)) if a != b => {
            return Err(refused!(
                "body.round_id",
                "refuse-finding-two-rounds",
                round = a,
                body_round = b
            ));
        }
        (Some(a), _) | (None, Some(a)) => a.clone(),
        (None, None) => {
            return Err(refused!("round_id", "refuse-finding-no-round"));
        }
    };
    req.round_id = Some(round.clone());
    let plan = lk.plan(ctx.me, &round).await?.ok_or_else(|| {
        refused!(
            "round_id",
            "refuse-finding-no-plan",
            round = round,
            office = ctx.me
        )
    })?;
    let p: RoundPlan = read(Kind::RoundPlan, &plan.body)?;
    ctx.taxonomy
        .check_finding(&p.term, ctx.level, &f.category, &f.tags)
        .map_err(|e| e.at("body.category/tags"))?;
    if let Some(team) = &f.team
        && !p.teams.is_empty()
        && !p.teams.iter().any(|t| t.id == *team)
    {
        return Err(refused!(
            "body.team",
            "refuse-finding-no-team",
            round = round,
            team = team
        ));
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
                refused!(
                    "body.target_unit",
                    "refuse-finding-not-a-target",
                    unit = unit.unit_id,
                    round = round
                )
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
            return Err(refused!(
                "body.coordinator",
                "refuse-finding-coordinator",
                given = given
            ));
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
