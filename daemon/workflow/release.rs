//! Releasing cross-inspection findings at feedback (交叉巡察反馈): the
//! inspecting office's findings go up to the coordinator only; at the
//! feedback date (反馈) of the round the coordinator writes a released copy
//! of each — what the feedback tells the inspected party, without evidence
//! references, named persons or the finder — addressed down to the host of
//! the inspected unit (and to the office that found it). The host
//! rectifies that copy and the coordinator signs it off (销号).
//!
//! The release runs on `schedules.release` (hourly by default) and at once
//! with `xunlian assign release`; both only release what is due.
//!
//! Architecture Invariant (no early warning, 跑风漏气): the inspected office
//! receives nothing of a cross inspection's findings before the round's
//! feedback date, and never its clues. Findings only climb (`routing`), to
//! the coordinator; the one record that carries a cross finding down is its
//! released copy, and [`check`] — the rule every finding written at the
//! coordinator meets — accepts a copy only on or after the feedback date
//! and only as exactly the redaction of its original. Clues never travel
//! down (`routing::next_hops`); supervision grades nothing of a cross
//! finding before its release (`report::ledger`).

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::bodies::{self, RoundPlan};
use super::ids;
use super::rules::{Context, Lookup, derived_id, invalid, read};
use super::snapshot::{Snapshot, coordinator_of};
use crate::engine::{Engine, SharedEngine, SubmitError, SubmitRequest};
use crate::records::{Kind, Record};

/// What the released copy keeps of a finding: the problem as the feedback
/// states it. Evidence references, named persons and the finder stay with
/// the coordinator: they can point at sources, and persons are matters for
/// clues, which never reach the inspected office.
const KEPT: [&str; 11] = [
    "number",
    "round_id",
    "team",
    "target_unit",
    "category",
    "tags",
    "severity",
    "title",
    "facts",
    "rule_violated",
    "found_on",
];

/// The body of the copy of cross finding `original` released at feedback.
pub fn released(original: &Record) -> Value {
    let mut out = serde_json::Map::new();
    for key in KEPT {
        if let Some(v) = original.body.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    out.insert("released_of".into(), Value::from(original.id.to_string()));
    out.insert("inspected_by".into(), Value::from(original.origin.as_str()));
    Value::Object(out)
}

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
                "body.released_of: no finding {original} is held here"
            ))
        })?;
    if coordinator_of(&o).as_ref() != Some(ctx.me) {
        return Err(invalid(format!(
            "body.released_of: finding {original} is not a cross-inspection finding coordinated by {}; \
             only its coordinator releases it",
            ctx.me
        )));
    }
    let round = bodies::round_of(&o).unwrap_or_default().to_string();
    match feedback_of(lk, &o).await? {
        None => {
            return Err(invalid(format!(
                "body.released_of: the plan of round {round} of {} held here has no feedback date (反馈); \
                 a cross finding is released at the feedback",
                o.origin
            )));
        }
        Some(d) if d > ctx.today => {
            return Err(invalid(format!(
                "body.released_of: not before the feedback date {d} of round {round}; the inspected \
                 office learns nothing of the findings before it (跑风漏气)"
            )));
        }
        Some(_) => {}
    }
    if req.body != released(&o) {
        return Err(invalid(
            "body: a released copy is exactly the redacted original; `xunlian assign release` writes it",
        ));
    }
    derived_id(req, ids::release(&original), "a released cross finding")?;
    req.round_id = Some(round);
    req.classification.get_or_insert(o.classification);
    Ok(())
}

/// What one release run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub as_of: String,
    /// Copies written on this run (new, or following a changed original).
    pub released: usize,
    /// Cross findings coordinated here whose feedback date has not come.
    pub awaiting_feedback: usize,
}

/// Releases, as of `today`, every cross finding coordinated at `engine`'s
/// office whose round's feedback date has come and whose current copy is
/// not yet released.
pub async fn run(engine: &Engine, today: NaiveDate) -> Result<Outcome, SubmitError> {
    let snap = Snapshot::load(engine.store()).await?;
    let me = engine.id();
    let mut outcome = Outcome {
        as_of: today.to_string(),
        ..Outcome::default()
    };
    let mut reqs = Vec::new();
    for (r, _) in snap.findings() {
        if coordinator_of(r).as_ref() != Some(me) {
            continue;
        }
        let feedback = bodies::round_of(r)
            .and_then(|round| snap.plan(&r.origin, round))
            .and_then(|(_, p)| p.dates.feedback);
        if feedback.is_none_or(|d| d > today) {
            outcome.awaiting_feedback += 1;
            continue;
        }
        let body = released(r);
        if snap.release_of(r).is_some_and(|held| held.body == body) {
            continue;
        }
        reqs.push(SubmitRequest {
            kind: Kind::Finding,
            id: Some(ids::release(&r.id)),
            round_id: r.round_id.clone(),
            classification: Some(r.classification),
            body,
        });
    }
    outcome.released = reqs.len();
    if !reqs.is_empty() {
        engine.submit_batch(reqs).await.map_err(|(_, e)| e)?;
    }
    Ok(outcome)
}

/// Runs the release on `schedules.release` until `stop`.
pub async fn run_on_schedule(engine: SharedEngine, stop: CancellationToken) {
    let schedule = engine.config.release_schedule.clone();
    crate::schedule::every("release", schedule, stop, || async {
        let outcome = run(&engine, chrono::Local::now().date_naive()).await?;
        if outcome.released > 0 {
            tracing::info!(
                message = "Released cross-inspection findings at their feedback date.",
                released = outcome.released,
                awaiting_feedback = outcome.awaiting_feedback
            );
        }
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::node::NodeId;
    use crate::records::{Classification, Route};

    #[test]
    fn a_released_copy_keeps_the_problem_and_leaves_out_sources_and_persons() {
        let now = chrono::Utc::now();
        let original = Record {
            id: Uuid::now_v7(),
            kind: Kind::Finding,
            origin: NodeId::new("630102").unwrap(),
            version: 3,
            created_at: now,
            updated_at: now,
            round_id: Some("630000-2026-2".into()),
            classification: Classification::Confidential,
            route: Route::default(),
            body: json!({"round_id": "630000-2026-2", "title": "补贴滞留", "facts": "滞留三个月",
                         "severity": "serious", "category": "grassroots_corruption",
                         "target_unit": {"unit_id": "u1", "host": "630202"},
                         "evidence": ["询问笔录"], "responsible": ["马某"], "finder": "韩某",
                         "common": true, "coordinator": "630000"}),
            signature: None,
        };
        let copy = released(&original);
        assert_eq!(
            copy,
            json!({"round_id": "630000-2026-2", "title": "补贴滞留", "facts": "滞留三个月",
                   "severity": "serious", "category": "grassroots_corruption",
                   "target_unit": {"unit_id": "u1", "host": "630202"},
                   "released_of": original.id.to_string(), "inspected_by": "630102"})
        );
    }
}
