//! Supervision (督办): on a schedule, grade every open rectification this
//! office inspects and every clue awaiting its disposal by time left; send
//! a `notice` down to the host office when an item changes grade (once per
//! change, not every day), and file a summary with the parent.
//!
//! The last grade sent is read back from the notices this office wrote, so
//! the job keeps no state of its own and a restart changes nothing.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::bodies::{self, Notice};
use super::deadlines::{Deadlines, Grade};
use super::ids;
use super::report::{self, LedgerLine};
use super::snapshot::{Snapshot, Tree};
use tokio_util::sync::CancellationToken;

use crate::engine::{Engine, SharedEngine, SubmitError, SubmitRequest};
use crate::node::{Level, NodeId};
use crate::records::{Kind, Record};
use crate::store::RecordFilter;

/// What one supervision run found and sent.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub as_of: String,
    /// Open rectifications by grade.
    pub rectifications: BTreeMap<&'static str, u64>,
    /// Clues awaiting disposal here, by grade.
    pub clues: BTreeMap<&'static str, u64>,
    /// Notices sent on this run.
    pub notices_sent: usize,
}

/// The last supervision grade sent per (finding, host), from notices held.
fn last_sent(notices: &[Record]) -> HashMap<(Uuid, String), Grade> {
    let mut latest: HashMap<(Uuid, String), (&Record, Grade)> = HashMap::new();
    for r in notices {
        let Ok(n) = bodies::read::<Notice>(r) else {
            continue;
        };
        let (Some("supervision"), Some(grade), Some(about)) = (
            n.category.as_deref(),
            n.grade.as_deref().and_then(Grade::parse),
            n.about,
        ) else {
            continue;
        };
        let Some(finding) = about.record_id else {
            continue;
        };
        for host in r.body["to"].as_array().into_iter().flatten() {
            let key = (finding, host.as_str().unwrap_or("").to_string());
            let newer = latest
                .get(&key)
                .is_none_or(|(old, _)| (old.updated_at, old.id) < (r.updated_at, r.id));
            if newer {
                latest.insert(key, (r, grade));
            }
        }
    }
    latest.into_iter().map(|(k, (_, g))| (k, g)).collect()
}

/// The notices to send for `lines` whose grade changed since the last one.
fn notices_for(lines: &[&LedgerLine], sent: &HashMap<(Uuid, String), Grade>) -> Vec<SubmitRequest> {
    lines
        .iter()
        .filter_map(|l| {
            let grade = l.grade?;
            let last = sent
                .get(&(l.finding_id, l.host_office.clone()))
                .copied()
                .unwrap_or(Grade::None);
            if grade == last || grade == Grade::None {
                return None;
            }
            let due = l.due.map(|d| d.to_string()).unwrap_or_default();
            let (what, text) = match grade {
                Grade::Red => (
                    "已逾期",
                    format!("问题“{}”整改已于 {due} 到期，请立即报送整改情况。", l.title),
                ),
                Grade::Yellow => (
                    "临近期限（黄色预警）",
                    format!(
                        "问题“{}”整改期限为 {due}，剩余不足规定天数，请加快推进。",
                        l.title
                    ),
                ),
                _ => (
                    "进入预警期（绿色）",
                    format!("问题“{}”整改期限为 {due}，请按期完成。", l.title),
                ),
            };
            Some(SubmitRequest {
                kind: Kind::Notice,
                id: None,
                round_id: Some(l.round.clone()).filter(|r| !r.is_empty()),
                classification: None,
                body: json!({
                    "title": format!("督办：{}整改{what}", l.number),
                    "text": text,
                    "category": "supervision",
                    "grade": grade.as_str(),
                    "about": {"record_id": l.finding_id.to_string(), "kind": "finding"},
                    "to": [l.host_office],
                }),
            })
        })
        .collect()
}

/// Clues transferred to this office's level from itself or its subtree
/// that await a disposal report, graded by their due date.
fn clue_grades(
    snap: &Snapshot,
    tree: &Tree,
    level: Level,
    deadlines: &Deadlines,
    today: NaiveDate,
) -> Vec<Grade> {
    snap.clue_transfers()
        .into_iter()
        .filter(|(r, c)| {
            c.managing_level == Some(level)
                && tree.is_ancestor_or_self(&tree.me, &r.origin)
                && snap.disposal(tree, r, level).is_none()
        })
        .map(|(r, _)| deadlines.grade(deadlines.clue_due(r.created_at.date_naive()), today))
        .collect()
}

fn count(grades: impl IntoIterator<Item = Grade>) -> BTreeMap<&'static str, u64> {
    let mut m: BTreeMap<&'static str, u64> = Grade::ALL.iter().map(|g| (g.as_str(), 0)).collect();
    for g in grades {
        *m.entry(g.as_str()).or_default() += 1;
    }
    m
}

/// Runs supervision at `engine`'s office as of `today`.
pub async fn run(engine: &Engine, today: NaiveDate) -> Result<Outcome, SubmitError> {
    let deadlines = &engine.config.workflow.deadlines;
    let snap = Snapshot::load(engine.store()).await?;
    let tree = engine.workflow_tree().await?;
    let me: &NodeId = engine.id();
    let mine: Vec<Record> = engine
        .store()
        .query(&RecordFilter {
            kind: Some(Kind::Notice),
            round_id: None,
            origin: Some(me.clone()),
            since_seq: None,
            since_time: None,
            limit: i64::MAX,
        })
        .await?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    let ledger = report::ledger(&snap, deadlines, None, today);
    let open: Vec<&LedgerLine> = ledger
        .iter()
        .filter(|l| l.inspecting_office == *me && !l.state.is_closed())
        .collect();
    let mut reqs = notices_for(&open, &last_sent(&mine));
    let outcome = Outcome {
        as_of: today.to_string(),
        rectifications: count(open.iter().filter_map(|l| l.grade)),
        clues: count(clue_grades(
            &snap,
            &tree,
            engine.config.level,
            deadlines,
            today,
        )),
        notices_sent: reqs.len(),
    };
    if let Some(parent) = &engine.config.parent {
        let red = outcome.rectifications["red"];
        reqs.push(SubmitRequest {
            kind: Kind::Notice,
            id: Some(ids::supervision_summary(me.as_str())),
            round_id: None,
            classification: None,
            body: json!({
                "title": format!("{}督办汇总（{today}）", engine.config.name),
                "text": format!(
                    "未销号整改 {} 项，其中逾期 {red} 项；待报处置线索 {} 项。",
                    open.len(),
                    outcome.clues.values().sum::<u64>()
                ),
                "category": "summary",
                "to": [parent.id.as_str()],
                "summary": {
                    "as_of": today.to_string(),
                    "rectifications": outcome.rectifications,
                    "clues": outcome.clues,
                },
            }),
        });
    }
    if !reqs.is_empty() {
        engine.submit_batch(reqs).await.map_err(|(_, e)| e)?;
    }
    Ok(outcome)
}

/// Runs supervision on `schedules.supervision` until `stop`.
pub async fn run_on_schedule(engine: SharedEngine, stop: CancellationToken) {
    let schedule = engine.config.supervision_schedule.clone();
    crate::schedule::every("supervision", schedule, stop, || async {
        let outcome = run(&engine, chrono::Local::now().date_naive()).await?;
        tracing::info!(
            message = "Supervision graded open items.",
            notices_sent = outcome.notices_sent,
            red = outcome.rectifications.get("red").copied().unwrap_or(0)
        );
        Ok(())
    })
    .await
}
