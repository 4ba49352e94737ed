//! The rule of a released copy of a cross finding (交叉巡察反馈), the one
//! record that carries a cross finding down to the inspected office: only
//! its coordinator writes it, not before the round's feedback date, and
//! only as exactly the redaction of its original ([`released`]).

use chrono::NaiveDate;
use uuid::Uuid;

use super::{Context, Lookup, derived_id, read};
use crate::records::{Kind, Record};
use crate::submit::{SubmitError, SubmitRequest, refused};
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
            refused!(
                "body.released_of",
                "refuse-finding-unknown",
                finding = original
            )
        })?;
    if coordinator_of(&o).as_ref() != Some(ctx.me) {
        return Err(refused!(
            "body.released_of",
            "refuse-release-not-coordinator",
            finding = original,
            office = ctx.me
        ));
    }
    let round = bodies::round_of(&o).unwrap_or_default().to_string();
    match feedback_of(lk, &o).await? {
        None => {
            return Err(refused!(
                "body.released_of",
                "refuse-release-no-feedback",
                round = round,
                office = o.origin
            ));
        }
        Some(d) if d > ctx.today => {
            return Err(refused!(
                "body.released_of",
                "refuse-release-early",
                date = d,
                round = round
            ));
        }
        Some(_) => {}
    }
    if req.body != released(&o) {
        return Err(refused!("body", "refuse-release-not-redaction"));
    }
    derived_id(req, ids::release(&original))?;
    req.round_id = Some(round);
    req.classification.get_or_insert(o.classification);
    Ok(())
}
