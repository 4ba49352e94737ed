//! Releasing cross-inspection findings at feedback (交叉巡察反馈): the
//! inspecting office's findings go up to the coordinator only (in an
//! elevated inspection, 提级巡察, the inspecting office is the
//! coordinator); at the feedback date (反馈) of the round the coordinator
//! writes a released copy of each — what the feedback tells the inspected
//! party, without evidence references, named persons or the finder —
//! addressed down to the host of the inspected unit (and to the office
//! that found it). The host
//! rectifies that copy and the coordinator signs it off (销号).
//!
//! The release (`jobs::release`) runs on `schedules.release` (hourly by
//! default) and at once with `xunlian assign release`; both only release
//! what [`due`] finds due.
//!
//! Architecture Invariant (no early warning, 跑风漏气): the inspected office
//! receives nothing of a cross inspection's findings before the round's
//! feedback date, and never its clues. Findings only climb (`routing`), to
//! the coordinator; the one record that carries a cross finding down is its
//! released copy, and `rules::released::check` — the rule every finding
//! written at the coordinator meets — accepts a copy only on or after the
//! feedback date and only as exactly the redaction of its original. Clues
//! never travel down (`routing::next_hops`); supervision grades nothing of
//! a cross finding before its release (`report::ledger`).

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use super::bodies;
use super::ids;
use super::snapshot::{Snapshot, coordinator_of};
use crate::node::NodeId;
use crate::records::{Kind, Record};
use crate::submit::SubmitRequest;

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

/// What one release run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub as_of: String,
    /// Copies written on this run (new, or following a changed original).
    pub released: usize,
    /// Cross findings coordinated here whose feedback date has not come.
    pub awaiting_feedback: usize,
}

/// What is due for release at office `me` as of `today`: a copy of every
/// cross finding it coordinates whose round's feedback date has come and
/// whose current copy is not yet released. Returns what the run did and
/// the copies to submit.
pub fn due(snap: &Snapshot, me: &NodeId, today: NaiveDate) -> (Outcome, Vec<SubmitRequest>) {
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
    (outcome, reqs)
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use uuid::Uuid;

    use super::*;
    use crate::records::{Classification, Route};

    const ROUND: &str = "630000-2026-2";

    /// A record of round [`ROUND`] as `origin` wrote it.
    fn record(kind: Kind, origin: &str, id: Uuid, body: Value) -> Record {
        let now = chrono::Utc::now();
        Record {
            id,
            kind,
            origin: NodeId::new(origin).unwrap(),
            version: 3,
            created_at: now,
            updated_at: now,
            round_id: Some(ROUND.into()),
            classification: Classification::Confidential,
            route: Route::default(),
            body,
            signature: None,
        }
    }

    #[test]
    fn a_released_copy_keeps_the_problem_and_leaves_out_sources_and_persons() {
        let original = record(
            Kind::Finding,
            "630102",
            Uuid::now_v7(),
            json!({"round_id": ROUND, "title": "补贴滞留", "facts": "滞留三个月",
                   "severity": "serious", "category": "grassroots_corruption",
                   "target_unit": {"unit_id": "u1", "host": "630202"},
                   "evidence": ["询问笔录"], "responsible": ["马某"], "finder": "韩某",
                   "common": true, "coordinator": "630000"}),
        );
        let copy = released(&original);
        assert_eq!(
            copy,
            json!({"round_id": ROUND, "title": "补贴滞留", "facts": "滞留三个月",
                   "severity": "serious", "category": "grassroots_corruption",
                   "target_unit": {"unit_id": "u1", "host": "630202"},
                   "released_of": original.id.to_string(), "inspected_by": "630102"})
        );
    }

    #[test]
    fn a_cross_finding_is_due_at_its_coordinator_from_the_feedback_date_once() {
        let feedback = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let plan = record(
            Kind::RoundPlan,
            "630102",
            Uuid::now_v7(),
            json!({"dates": {"feedback": feedback.to_string()}}),
        );
        let finding = record(
            Kind::Finding,
            "630102",
            Uuid::now_v7(),
            json!({"title": "补贴滞留", "coordinator": "630000"}),
        );
        let me = NodeId::new("630000").unwrap();
        let snap = Snapshot::from_records([plan.clone(), finding.clone()]);

        let (before, reqs) = due(&snap, &me, feedback.pred_opt().unwrap());
        assert_eq!((before.released, before.awaiting_feedback), (0, 1));
        assert!(reqs.is_empty());

        let (at, reqs) = due(&snap, &me, feedback);
        assert_eq!((at.released, at.awaiting_feedback), (1, 0));
        assert_eq!(reqs[0].id, Some(ids::release(&finding.id)));
        assert_eq!(reqs[0].body, released(&finding));

        let other = NodeId::new("630100").unwrap();
        assert_eq!(due(&snap, &other, feedback).0.awaiting_feedback, 0);

        let copy = record(
            Kind::Finding,
            "630000",
            ids::release(&finding.id),
            released(&finding),
        );
        let held = Snapshot::from_records([plan, finding, copy]);
        assert!(due(&held, &me, feedback).1.is_empty());
    }

    #[test]
    fn an_elevated_finding_is_released_by_the_office_that_found_it_to_the_host() {
        let feedback = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let plan = record(
            Kind::RoundPlan,
            "630200",
            Uuid::now_v7(),
            json!({"dates": {"feedback": feedback.to_string()}}),
        );
        // In an elevated inspection (提级巡察) the inspecting office coordinates.
        let finding = record(
            Kind::Finding,
            "630200",
            Uuid::now_v7(),
            json!({"title": "采购未招标", "coordinator": "630200",
                   "target_unit": {"unit_id": "u2", "host": "630202"}}),
        );
        let me = NodeId::new("630200").unwrap();
        let snap = Snapshot::from_records([plan, finding.clone()]);
        let (outcome, reqs) = due(&snap, &me, feedback);
        assert_eq!(outcome.released, 1);
        assert_eq!(reqs[0].body["target_unit"]["host"], "630202");
        assert_eq!(reqs[0].body["inspected_by"], "630200");
        assert_eq!(reqs[0].body["released_of"], finding.id.to_string());
    }
}
