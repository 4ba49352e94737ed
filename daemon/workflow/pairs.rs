//! Who inspects whom under the cross (交叉) and elevated (提级) assignments
//! a node holds, and where each pair stands — planned, on site (进驻),
//! fed back (反馈), rectifying, closed (销号) — folded from the inspecting
//! office's round plan, its findings (or their released copies) and their
//! rectification.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use super::bodies::{self, Assignment, Finding};
use super::rectify::State;
use super::snapshot::{Snapshot, host_of};
use crate::records::Kind;

/// Where one pair stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PairStatus {
    /// Arranged; the team is not on site yet.
    Planned,
    /// Past the entry date (进驻) of the inspecting office's round.
    OnSite,
    /// Past the feedback date (反馈), or findings released; no
    /// rectification reported yet.
    FedBack,
    /// The host reports rectification; not every finding is signed off.
    Rectifying,
    /// Fed back, and every finding's rectification signed off (销号).
    Closed,
}

/// One pair of an assignment: the office whose team inspects, the office
/// whose units are inspected, and how far they are.
#[derive(Debug, Clone, Serialize)]
pub struct PairRow {
    pub assignment_id: Uuid,
    pub round: String,
    /// `cross` or `elevated`.
    pub kind: String,
    pub coordinator: String,
    pub inspecting: String,
    pub inspected: String,
    /// The units covered (empty: as the inspecting office plans).
    pub units: Vec<String>,
    pub status: PairStatus,
    /// The inspecting office's round plan, once held here.
    pub plan_id: Option<Uuid>,
    pub entry: Option<NaiveDate>,
    pub feedback: Option<NaiveDate>,
    pub findings: u64,
    /// Findings whose copy has been released to the inspected office.
    pub released: u64,
    pub verified: u64,
}

/// Per (inspecting office, round, host), the findings held: (released,
/// rectification state).
type Found = HashMap<(String, String, String), Vec<(bool, State)>>;

/// The findings held, each once: an original (released when its copy is
/// held), or a released copy whose original is not held here.
fn found(snap: &Snapshot) -> Found {
    let mut out: Found = HashMap::new();
    for r in snap.of_kind(Kind::Finding) {
        let Ok(f) = bodies::read::<Finding>(r) else {
            continue;
        };
        if f.redacted_of.is_some() {
            continue;
        }
        let (by, released) = match (f.released_of, &f.inspected_by) {
            (None, _) => (r.origin.to_string(), snap.release_of(r).is_some()),
            (Some(o), Some(by)) if snap.get(&o).is_none() => (by.clone(), true),
            _ => continue,
        };
        let host = host_of(r, &f);
        let state = snap.state(r, &host);
        let round = bodies::round_of(r).unwrap_or("").to_string();
        out.entry((by, round, host))
            .or_default()
            .push((released, state));
    }
    out
}

/// Every pair of every assignment held (only `round`'s when given), with
/// its status as of `today`, ordered by round and offices.
pub fn pairs(snap: &Snapshot, round: Option<&str>, today: NaiveDate) -> Vec<PairRow> {
    let found = found(snap);
    let mut rows = Vec::new();
    for r in snap.of_kind(Kind::Assignment) {
        let Ok(a) = bodies::read::<Assignment>(r) else {
            continue;
        };
        let a_round = a.round.clone().unwrap_or_default();
        if round.is_some_and(|x| x != a_round) {
            continue;
        }
        let mut sides: Vec<(String, String, Vec<String>)> = a
            .pairs
            .iter()
            .map(|p| (p.inspecting.clone(), p.inspected.clone(), p.units.clone()))
            .collect();
        if let Some(e) = &a.elevated {
            sides.push((e.taking_over.clone(), e.office.clone(), e.units.clone()));
        }
        for (inspecting, inspected, units) in sides {
            let plan = crate::node::NodeId::new(inspecting.as_str())
                .ok()
                .and_then(|by| snap.plan(&by, &a_round));
            let (entry, feedback) = plan
                .as_ref()
                .map_or((None, None), |(_, p)| (p.dates.entry, p.dates.feedback));
            let items = found
                .get(&(inspecting.clone(), a_round.clone(), inspected.clone()))
                .map_or(&[][..], Vec::as_slice);
            let count = |f: &dyn Fn(&(bool, State)) -> bool| items.iter().filter(|i| f(i)).count();
            let (n, released) = (items.len(), count(&|(rel, _)| *rel));
            let verified = count(&|(_, s)| s.is_closed());
            let progressed = count(&|(_, s)| *s != State::AwaitingPlan);
            let fed_back = released > 0 || feedback.is_some_and(|d| d <= today);
            let status = if fed_back && n > 0 && verified == n {
                PairStatus::Closed
            } else if progressed > 0 {
                PairStatus::Rectifying
            } else if fed_back {
                PairStatus::FedBack
            } else if entry.is_some_and(|d| d <= today) {
                PairStatus::OnSite
            } else {
                PairStatus::Planned
            };
            rows.push(PairRow {
                assignment_id: r.id,
                round: a_round.clone(),
                kind: a.kind.clone(),
                coordinator: r.origin.to_string(),
                inspecting,
                inspected,
                units,
                status,
                plan_id: plan.map(|(p, _)| p.id),
                entry,
                feedback,
                findings: n as u64,
                released: released as u64,
                verified: verified as u64,
            });
        }
    }
    rows.sort_by(|a, b| {
        (&a.round, &a.inspecting, &a.inspected).cmp(&(&b.round, &b.inspecting, &b.inspected))
    });
    rows
}
