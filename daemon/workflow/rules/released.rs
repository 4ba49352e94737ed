//! The rule of a released copy of a cross finding (交叉巡察反馈), the one
//! record that carries a cross finding down to the inspected office: only
//! its coordinator writes it, not before the round's feedback date, and
//! only as exactly the redaction of its original ([`released`]).

use chrono::NaiveDate;
use uuid::Uuid;

use super::{Context, Lookup, derived_id, invalid, read};
use crate::records::{Kind, Record};
use crate::submit::{SubmitError, SubmitRequest};
use crate::workflow::bodies::{self, RoundPlan};
use crate::workflow::ids;
use crate::workflow::release::released;
use crate::workflow::snapshot::coordinator_of;

/// The feedback date (反馈) of the round `finding` was found in, from the
/// plan of the office that found it.
async fn feedback_of(lk: &Lookup<'_>, finding: &Record) -> Result<Option<NaiveDate>, SubmitError> {
    let Some(round) = bodies::round_of(finding) else {
        return Ok(None);
    };
    let Some(plan) = lk.plan(&finding.origin, round).await? else {
        return Ok(None);
    };
    Ok(read::<RoundPlan>(Kind::RoundPlan, &plan.body)?
        .dates
        .feedback)
}

/// Checks a released copy of finding `original` written here: this office
/// coordinates it, the feedback date has come, and the body is exactly the
/// redaction of the original.
pub(super) async fn check(
    ctx: &Context<'_>,
    lk: &Lookup<'_>,
    req: &mut SubmitRequest,
    original: Uuid,
) -> Result<(), SubmitError> {
    let o = lk
        .get(&original)
        .await?
        .filter(|r| r.kind == Kind::Finding)
        .ok_or_else(|| {
            invalid(format!(
                "body.released_of: 本办公室没有该问题 (no finding {original} is held here)"
            ))
        })?;
    if coordinator_of(&o).as_ref() != Some(ctx.me) {
        return Err(invalid(format!(
            "body.released_of: 只有协调办公室才能反馈交叉巡察问题 (finding {original} is not a cross-inspection finding coordinated by {}; \
             only its coordinator releases it)",
            ctx.me
        )));
    }
    let round = bodies::round_of(&o).unwrap_or_default().to_string();
    match feedback_of(lk, &o).await? {
        None => {
            return Err(invalid(format!(
                "body.released_of: 该轮计划没有反馈日期 (the plan of round {round} of {} held here has no feedback date (反馈); \
                 a cross finding is released at the feedback)",
                o.origin
            )));
        }
        Some(d) if d > ctx.today => {
            return Err(invalid(format!(
                "body.released_of: 反馈日期之前不能反馈（防止跑风漏气） (not before the feedback date {d} of round {round}; the inspected \
                 office learns nothing of the findings before it (跑风漏气))"
            )));
        }
        Some(_) => {}
    }
    if req.body != released(&o) {
        return Err(invalid(
            "body: 反馈副本须与脱敏原件完全一致 (a released copy is exactly the redacted original; `xunlian assign release` writes it)",
        ));
    }
    derived_id(req, ids::release(&original), "a released cross finding")?;
    req.round_id = Some(round);
    req.classification.get_or_insert(o.classification);
    Ok(())
}
