//! Coverage (全覆盖), statistics and the rectification ledger (整改台账),
//! folded from what a node holds. Each office's own figures come from the
//! records it wrote (or, for coverage, the units it hosts); a subtree's
//! figures are its own plus the sums over its children, by construction.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::bodies::{self, Rectification, RoundPlan};
use super::deadlines::{Deadlines, Grade};
use super::rectify::State;
use super::snapshot::{Snapshot, Tree, coordinator_of, host_of, rectified_as};
use crate::node::NodeId;
use crate::records::{Kind, Record};

/// Units in a register and how many were inspected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub units: u64,
    pub inspected: u64,
    pub villages: u64,
    pub villages_inspected: u64,
}

impl Coverage {
    fn add(&mut self, o: &Coverage) {
        self.units += o.units;
        self.inspected += o.inspected;
        self.villages += o.villages;
        self.villages_inspected += o.villages_inspected;
    }

    /// Inspected over units, in percent; None for an empty register.
    pub fn percent(&self) -> Option<f64> {
        (self.units > 0).then(|| 100.0 * self.inspected as f64 / self.units as f64)
    }
}

/// One office's row of a report: its own figures and its subtree's.
#[derive(Debug, Clone, Serialize)]
pub struct Row<T> {
    pub office: NodeId,
    pub name: String,
    /// Depth below the node the report was made at.
    pub depth: usize,
    pub own: T,
    pub subtree: T,
}

/// Figures that add up over a subtree.
trait Additive: Default + Clone {
    fn add(&mut self, other: &Self);
}

impl Additive for Coverage {
    fn add(&mut self, o: &Self) {
        Coverage::add(self, o)
    }
}

/// Rows for every office of `tree`'s subtree, subtree = own + Σ children.
fn rollup<T: Additive>(tree: &Tree, own: impl Fn(&NodeId) -> T) -> Vec<Row<T>> {
    let order = tree.subtree();
    let mut rows: BTreeMap<NodeId, Row<T>> = order
        .iter()
        .map(|(id, depth)| {
            let o = own(id);
            (
                id.clone(),
                Row {
                    office: id.clone(),
                    name: tree.name(id).to_string(),
                    depth: *depth,
                    subtree: o.clone(),
                    own: o,
                },
            )
        })
        .collect();
    // Deepest first, so each child's subtree is complete before its parent's.
    let mut by_depth = order.clone();
    by_depth.sort_by_key(|(_, d)| std::cmp::Reverse(*d));
    for (id, _) in &by_depth {
        let sum = tree
            .children(id)
            .iter()
            .filter_map(|c| rows.get(c).map(|r| r.subtree.clone()))
            .fold(T::default(), |mut acc, s| {
                acc.add(&s);
                acc
            });
        if let Some(r) = rows.get_mut(id) {
            r.subtree.add(&sum);
        }
    }
    order.iter().filter_map(|(id, _)| rows.remove(id)).collect()
}

/// The targets of plans of `term` held here, as (host, unit) pairs.
fn inspected_units(snap: &Snapshot, term: &str) -> BTreeSet<(String, String)> {
    snap.of_kind(Kind::RoundPlan)
        .into_iter()
        .filter_map(|r| Some((r, bodies::read::<RoundPlan>(r).ok()?)))
        .filter(|(_, p)| p.term == term)
        .flat_map(|(r, p)| {
            p.targets.into_iter().map(move |t| {
                let host = t.host.unwrap_or_else(|| r.origin.to_string());
                (host, t.unit_id)
            })
        })
        .collect()
}

/// Coverage of `term` per office of the subtree (by the units each hosts).
pub fn coverage(snap: &Snapshot, tree: &Tree, term: &str) -> Vec<Row<Coverage>> {
    let inspected = inspected_units(snap, term);
    rollup(tree, |office| {
        let Some(reg) = snap.register(office.as_str()) else {
            return Coverage::default();
        };
        let mut c = Coverage::default();
        for u in &reg.units {
            let hit = inspected.contains(&(office.to_string(), u.id.clone()));
            let village = u.kind == "village";
            c.units += 1;
            c.inspected += hit as u64;
            c.villages += village as u64;
            c.villages_inspected += (hit && village) as u64;
        }
        c
    })
}

/// The statistics provincial summaries publish.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub rounds: u64,
    pub units_inspected: u64,
    pub villages_reached: u64,
    pub findings: u64,
    pub by_category: BTreeMap<String, u64>,
    pub by_severity: BTreeMap<String, u64>,
    pub clues: u64,
    pub clues_disposed: u64,
    /// Per round: (findings, verified). Rectification rate = verified / findings.
    pub rectification: BTreeMap<String, (u64, u64)>,
}

impl Additive for Stats {
    fn add(&mut self, o: &Self) {
        self.rounds += o.rounds;
        self.units_inspected += o.units_inspected;
        self.villages_reached += o.villages_reached;
        self.findings += o.findings;
        for (k, v) in &o.by_category {
            *self.by_category.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.by_severity {
            *self.by_severity.entry(k.clone()).or_default() += v;
        }
        self.clues += o.clues;
        self.clues_disposed += o.clues_disposed;
        for (k, (n, v)) in &o.rectification {
            let e = self.rectification.entry(k.clone()).or_default();
            e.0 += n;
            e.1 += v;
        }
    }
}

impl Stats {
    /// Verified over findings, in percent, over all rounds.
    pub fn rectification_rate(&self) -> Option<f64> {
        let (n, v) = self
            .rectification
            .values()
            .fold((0, 0), |(a, b), (n, v)| (a + n, b + v));
        (n > 0).then(|| 100.0 * v as f64 / n as f64)
    }

    /// Disposed over transferred clues, in percent.
    pub fn disposal_rate(&self) -> Option<f64> {
        (self.clues > 0).then(|| 100.0 * self.clues_disposed as f64 / self.clues as f64)
    }
}

/// Statistics per office of the subtree; only `round` when given.
pub fn stats(snap: &Snapshot, tree: &Tree, round: Option<&str>) -> Vec<Row<Stats>> {
    let in_round = |r: &Record| round.is_none_or(|x| bodies::round_of(r) == Some(x));
    let mut own: BTreeMap<NodeId, Stats> = BTreeMap::new();
    let mut targets: BTreeMap<NodeId, BTreeSet<(String, String)>> = BTreeMap::new();
    for r in snap.of_kind(Kind::RoundPlan) {
        let Ok(p) = bodies::read::<RoundPlan>(r) else {
            continue;
        };
        if !in_round(r) {
            continue;
        }
        own.entry(r.origin.clone()).or_default().rounds += 1;
        let t = targets.entry(r.origin.clone()).or_default();
        for target in p.targets {
            t.insert((
                target.host.unwrap_or_else(|| r.origin.to_string()),
                target.unit_id,
            ));
        }
    }
    for (office, units) in targets {
        let s = own.entry(office).or_default();
        for (host, unit) in units {
            s.units_inspected += 1;
            let village = snap.register(&host).is_some_and(|reg| {
                reg.units
                    .iter()
                    .any(|u| u.id == unit && u.kind == "village")
            });
            s.villages_reached += village as u64;
        }
    }
    for (r, f) in snap.findings() {
        if !in_round(r) {
            continue;
        }
        let s = own.entry(r.origin.clone()).or_default();
        s.findings += 1;
        *s.by_category.entry(f.category.clone()).or_default() += 1;
        *s.by_severity.entry(f.severity.clone()).or_default() += 1;
        let verified = snap.state(r, &host_of(r, &f)) == State::Verified;
        let e = s
            .rectification
            .entry(bodies::round_of(r).unwrap_or("").to_string())
            .or_default();
        e.0 += 1;
        e.1 += verified as u64;
    }
    // Clues are counted from their tallies, which go where the secret
    // clues do not: to every ancestor of the transferring office.
    for (r, t) in snap.clue_tallies(tree) {
        if !in_round(r) || t.event != "transferred" {
            continue;
        }
        let s = own.entry(r.origin.clone()).or_default();
        s.clues += 1;
        s.clues_disposed += snap.clue_disposed(tree, &t) as u64;
    }
    rollup(tree, |office| own.get(office).cloned().unwrap_or_default())
}

/// One line of the rectification ledger: a finding and one host office's
/// rectification of it.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerLine {
    pub finding_id: uuid::Uuid,
    pub number: String,
    pub round: String,
    pub title: String,
    pub category: String,
    pub severity: String,
    /// The office that signs the rectification off (销号): the one that
    /// wrote the finding, or for a cross inspection its coordinator.
    pub inspecting_office: NodeId,
    pub host_office: String,
    pub state: State,
    pub attempt: u32,
    /// When the next step is due: the plan while none is filed, then the report.
    pub due: Option<NaiveDate>,
    pub grade: Option<Grade>,
    pub responsible_unit: String,
    pub responsible_person: String,
    pub measures: usize,
}

/// The ledger of every finding held (originals, and for redacted common
/// issues each office that linked its own rectification), graded on
/// `today`. A cross finding whose released copy is held is listed once, as
/// that copy: the record its host rectifies and its coordinator signs off.
pub fn ledger(
    snap: &Snapshot,
    deadlines: &Deadlines,
    round: Option<&str>,
    today: NaiveDate,
) -> Vec<LedgerLine> {
    let mut out = Vec::new();
    for r in snap.of_kind(Kind::Finding) {
        let Ok(f) = bodies::read::<bodies::Finding>(r) else {
            continue;
        };
        let round_id = bodies::round_of(r).unwrap_or("").to_string();
        if round.is_some_and(|x| x != round_id) || snap.release_of(r).is_some() {
            continue;
        }
        let hosts: Vec<String> = if f.redacted_of.is_some() {
            linked_hosts(snap, r)
        } else {
            vec![host_of(r, &f)]
        };
        // A released copy runs on the dates of the round it was found in.
        let planner = f
            .inspected_by
            .as_deref()
            .and_then(|o| NodeId::new(o).ok())
            .unwrap_or_else(|| r.origin.clone());
        let feedback = snap
            .plan(&planner, &round_id)
            .and_then(|(_, p)| p.dates.feedback);
        let (subject, signer) = rectified_as(r);
        // Nothing is due from the host of a cross finding before its copy
        // is released to it (and the release is not held here).
        let cross_unreleased = coordinator_of(r).is_some();
        for host in hosts {
            let (progress, _) = snap.rectification(r, &host);
            let state = snap.state(r, &host);
            let due = feedback
                .filter(|_| !cross_unreleased)
                .map(|fb| match &progress {
                    None => deadlines.plan_due(fb),
                    Some(p) => p.deadline.unwrap_or_else(|| deadlines.report_due(fb)),
                });
            let p = progress.unwrap_or_default();
            out.push(LedgerLine {
                finding_id: r.id,
                number: f.number.clone().unwrap_or_default(),
                round: round_id.clone(),
                title: f.title.clone(),
                category: f.category.clone(),
                severity: f.severity.clone(),
                inspecting_office: signer.clone(),
                host_office: host.clone(),
                state,
                attempt: p.attempt,
                due,
                grade: (!state.is_closed())
                    .then(|| due.map(|d| deadlines.grade(d, today)))
                    .flatten(),
                measures: measures_of(snap, &subject, &host),
                responsible_unit: p.responsible_unit.unwrap_or_default(),
                responsible_person: p.responsible_person.unwrap_or_default(),
            });
        }
    }
    out
}

/// Offices that linked their own rectification to a redacted common issue.
fn linked_hosts(snap: &Snapshot, copy: &Record) -> Vec<String> {
    let mut hosts: Vec<String> = snap
        .of_kind(Kind::Rectification)
        .into_iter()
        .filter_map(|r| Some((r, bodies::read::<Rectification>(r).ok()?)))
        .filter(|(r, b)| {
            b.finding_id == Some(copy.id)
                && r.origin.as_str() == b.host_office
                && super::ids::progress(&copy.id, &b.host_office) == r.id
        })
        .map(|(_, b)| b.host_office)
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// How many measures `host`'s progress record on `subject` lists.
fn measures_of(snap: &Snapshot, subject: &uuid::Uuid, host: &str) -> usize {
    snap.get(&super::ids::progress(subject, host))
        .and_then(|r| r.body.get("measures"))
        .and_then(|m| m.as_array())
        .map_or(0, Vec::len)
}

#[cfg(test)]
mod tests;
