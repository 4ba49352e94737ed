//! The rules of a clue: transferred to this office's level or above, never
//! through the office that hosts the inspected unit, a cross inspection's
//! to its coordinator; a disposal reported by the level it was transferred
//! to. Each event brings its tally, which counts it without its content.

use serde_json::Value;
use uuid::Uuid;

use super::{Context, Lookup, derived_id, invalid, read};
use crate::node::Level;
use crate::records::Kind;
use crate::submit::{SubmitError, SubmitRequest};
use crate::workflow::bodies::{Clue, Finding};
use crate::workflow::ids;
use crate::workflow::snapshot::host_of;

/// The derived record that counts a clue event without its content.
fn tally(
    clue: Uuid,
    event: &str,
    by: &str,
    managing: Level,
    round: Option<String>,
) -> SubmitRequest {
    let mut body = serde_json::json!({"clue_id": clue, "event": event, "transferred_by": by,
                                      "managing_level": managing});
    if let Some(r) = &round {
        body["round_id"] = Value::from(r.as_str());
    }
    SubmitRequest {
        kind: Kind::ClueTally,
        id: Some(ids::clue_tally(&clue, event)),
        round_id: round,
        classification: None,
        body,
    }
}

/// Checks a clue transfer or disposal report; returns its tally.
pub(super) async fn check(
    ctx: &Context<'_>,
    lk: &Lookup<'_>,
    req: &mut SubmitRequest,
) -> Result<SubmitRequest, SubmitError> {
    let c: Clue = read(Kind::Clue, &req.body)?;
    if let Some(of) = c.disposal_of {
        let clue = lk
            .get(&of)
            .await?
            .filter(|r| r.kind == Kind::Clue)
            .ok_or_else(|| {
                invalid(format!(
                    "body.disposal_of: 本办公室没有该线索 (no clue {of} is held here)"
                ))
            })?;
        let transfer: Clue = read(Kind::Clue, &clue.body)?;
        if transfer.managing_level != Some(ctx.level) {
            return Err(invalid(format!(
                "只有线索移交到的层级的办公室才能报告处置结果 (clue {of} was transferred to the {} level; only the office there reports its disposal, and {} is a {} office)",
                transfer.managing_level.map_or("(unknown)", |l| l.as_str()),
                ctx.me,
                ctx.level
            )));
        }
        derived_id(req, ids::disposal(&of), "a clue's disposal report")?;
        return Ok(tally(
            of,
            "disposed",
            clue.origin.as_str(),
            ctx.level,
            clue.round_id.clone(),
        ));
    }
    let managing = c.managing_level.ok_or_else(|| {
        invalid("body.managing_level: 须填写管辖层级 (body.managing_level is required)")
    })?;
    if managing.rank() > ctx.level.rank() {
        return Err(invalid(format!(
            "body.managing_level: 线索只能移交本级或上级 (a {} office transfers clues to its own level or above, not to {managing})",
            ctx.level
        )));
    }
    for (i, fid) in c.finding_ids.iter().enumerate() {
        let finding = lk
            .get(fid)
            .await?
            .filter(|r| r.kind == Kind::Finding)
            .ok_or_else(|| {
                invalid(format!(
                    "body.finding_ids[{i}]: 本办公室没有该问题 (no finding {fid} is held here)"
                ))
            })?;
        let fb: Finding = read(Kind::Finding, &finding.body)?;
        let host = host_of(&finding, &fb);
        let through = ctx
            .ancestors
            .iter()
            .find(|(a, l)| a.as_str() == host && l.rank() >= managing.rank());
        if let Some((a, _)) = through {
            return Err(invalid(format!(
                "body.finding_ids[{i}]: 线索不得经过被巡察单位所在的办公室 (the clue would pass through office {a}, which hosts the inspected unit; \
                 a clue never reaches the host (transfer it above {a} or to this level))"
            )));
        }
        // A clue of a cross inspection goes to its coordinator, never
        // towards the inspected office.
        if let Some(c) = &fb.coordinator
            && let Some((_, level)) = ctx.ancestors.iter().find(|(a, _)| a.as_str() == c)
            && managing.rank() > level.rank()
        {
            return Err(invalid(format!(
                "body.managing_level: 交叉巡察问题的线索移交给协调办公室 (finding {fid} is of a cross inspection coordinated by {c}; its clues go to \
                 {c}, which transfers them on: set managing_level to {level} or above)"
            )));
        }
    }
    let id = *req.id.get_or_insert_with(Uuid::now_v7);
    Ok(tally(
        id,
        "transferred",
        ctx.me.as_str(),
        managing,
        req.round_id.clone(),
    ))
}
