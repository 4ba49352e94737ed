//! The rules of a clue: transferred to this office's level or above, never
//! through the office that hosts the inspected unit, a cross inspection's
//! to its coordinator; a disposal reported by the level it was transferred
//! to. Each event brings its tally, which counts it without its content.

use serde_json::Value;
use uuid::Uuid;

use super::{Context, Lookup, derived_id, read};
use crate::node::Level;
use crate::records::Kind;
use crate::submit::{SubmitError, SubmitRequest, refused};
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
            .ok_or_else(|| refused!("body.disposal_of", "refuse-clue-unknown", clue = of))?;
        let transfer: Clue = read(Kind::Clue, &clue.body)?;
        if transfer.managing_level != Some(ctx.level) {
            return Err(refused!(
                "body.disposal_of",
                "refuse-clue-disposal-level",
                clue = of,
                managing = transfer.managing_level.map_or("?", |l| l.as_str()),
                office = ctx.me,
                level = ctx.level
            ));
        }
        derived_id(req, ids::disposal(&of))?;
        return Ok(tally(
            of,
            "disposed",
            clue.origin.as_str(),
            ctx.level,
            clue.round_id.clone(),
        ));
    }
    let managing = c
        .managing_level
        .ok_or_else(|| refused!("body.managing_level", "refuse-clue-managing-level"))?;
    if managing.rank() > ctx.level.rank() {
        return Err(refused!(
            "body.managing_level",
            "refuse-clue-level-below",
            level = ctx.level,
            managing = managing
        ));
    }
    for (i, fid) in c.finding_ids.iter().enumerate() {
        let finding = lk
            .get(fid)
            .await?
            .filter(|r| r.kind == Kind::Finding)
            .ok_or_else(|| {
                refused!(
                    format!("body.finding_ids[{i}]"),
                    "refuse-finding-unknown",
                    finding = fid
                )
            })?;
        let fb: Finding = read(Kind::Finding, &finding.body)?;
        let host = host_of(&finding, &fb);
        let through = ctx
            .ancestors
            .iter()
            .find(|(a, l)| a.as_str() == host && l.rank() >= managing.rank());
        if let Some((a, _)) = through {
            return Err(refused!(
                format!("body.finding_ids[{i}]"),
                "refuse-clue-through-host",
                host = a
            ));
        }
        // A clue of a cross inspection goes to its coordinator, never
        // towards the inspected office.
        if let Some(c) = &fb.coordinator
            && let Some((_, level)) = ctx.ancestors.iter().find(|(a, _)| a.as_str() == c)
            && managing.rank() > level.rank()
        {
            return Err(refused!(
                "body.managing_level",
                "refuse-clue-cross-coordinator",
                finding = fid,
                coordinator = c,
                level = level
            ));
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
