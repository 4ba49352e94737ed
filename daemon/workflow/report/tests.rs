//! Property: for random trees and random workflows, the statistics and
//! coverage every node reports equal a direct count over the records that
//! reached it, and at every office the subtree figure is its own plus the
//! sum over its children.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::node::Level;
use crate::records::{Classification, Record, Route};
use crate::store::TopologyEntry;
use crate::workflow::ids;

const TERM: &str = "2021-2026";
const CATEGORIES: [&str; 3] = [
    "grassroots_corruption",
    "policy_delivery",
    "weak_party_organizations",
];
const SEVERITIES: [&str; 3] = ["general", "serious", "major"];

struct Office {
    id: NodeId,
    level: Level,
    parent: Option<usize>,
}

/// One generated record: the highest level it climbs to, and the office
/// below its origin it is also addressed to.
struct Written {
    record: Record,
    up_to: Level,
    down_to: Option<usize>,
}

/// What the generator knows to be true of each office's own work.
#[derive(Default, Clone)]
struct Truth {
    /// (round, term, targets)
    plans: Vec<(String, &'static str, BTreeSet<String>)>,
    register: Vec<(String, bool)>,
    /// (round, category, severity, verified)
    findings: Vec<(String, String, String, bool)>,
    /// (clue id, managing level, disposed by)
    clues: Vec<(Uuid, Level, Option<usize>)>,
}

struct World {
    offices: Vec<Office>,
    written: Vec<Written>,
    truth: Vec<Truth>,
}

fn record(kind: Kind, id: Uuid, origin: &NodeId, round: Option<&str>, body: Value) -> Record {
    let now = Utc::now();
    Record {
        id,
        kind,
        origin: origin.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
        round_id: round.map(str::to_string),
        classification: Classification::Internal,
        route: Route::default(),
        body,
        signature: None,
    }
}

impl World {
    fn ancestors(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = self.offices[i].parent;
        while let Some(p) = cur {
            out.push(p);
            cur = self.offices[p].parent;
        }
        out
    }

    fn random(seed: u64) -> World {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut offices = vec![Office {
            id: NodeId::new("000000").unwrap(),
            level: Level::Central,
            parent: None,
        }];
        let add = |offices: &mut Vec<Office>, level, parent| {
            let n = offices.len();
            offices.push(Office {
                id: NodeId::new(format!("n{n}")).unwrap(),
                level,
                parent: Some(parent),
            });
            n
        };
        for _ in 0..rng.random_range(1..=2) {
            let p = add(&mut offices, Level::Provincial, 0);
            for _ in 0..rng.random_range(0..=2) {
                let m = add(&mut offices, Level::Municipal, p);
                for _ in 0..rng.random_range(0..=3) {
                    add(&mut offices, Level::County, m);
                }
            }
            if rng.random_bool(0.3) {
                // A province-administered county (省直管县).
                add(&mut offices, Level::County, p);
            }
        }
        let mut world = World {
            truth: vec![Truth::default(); offices.len()],
            offices,
            written: Vec::new(),
        };
        for i in 0..world.offices.len() {
            world.work(i, &mut rng);
        }
        world
    }

    /// Random work of office `i`: a register, plans, findings with their
    /// rectification, clues and their disposal.
    fn work(&mut self, i: usize, rng: &mut StdRng) {
        let me = self.offices[i].id.clone();
        let mut t = Truth::default();
        let units: Vec<(String, bool)> = (0..rng.random_range(0..6))
            .map(|u| (format!("u{u}"), rng.random_bool(0.4)))
            .collect();
        if !units.is_empty() {
            let list: Vec<Value> = units
                .iter()
                .map(|(u, v)| json!({"id": u, "name": u, "type": if *v { "village" } else { "department" }}))
                .collect();
            let body = json!({"office": me, "units": list});
            self.write(
                record(
                    Kind::UnitRegister,
                    ids::register(me.as_str()),
                    &me,
                    None,
                    body,
                ),
                Level::Central,
            );
        }
        t.register = units.clone();
        for k in 0..rng.random_range(0..3) {
            let round = format!("{me}-r{k}");
            let term = if rng.random_bool(0.8) {
                TERM
            } else {
                "2016-2021"
            };
            let targets: BTreeSet<String> = units
                .iter()
                .filter(|_| rng.random_bool(0.5))
                .map(|(u, _)| u.clone())
                .collect();
            let list: Vec<Value> = targets.iter().map(|u| json!({"unit_id": u})).collect();
            let body = json!({"term": term, "round_no": k + 1, "kind": "regular", "title": "r", "targets": list});
            self.write(
                record(
                    Kind::RoundPlan,
                    Uuid::from_u128(rng.random()),
                    &me,
                    Some(&round),
                    body,
                ),
                Level::Central,
            );
            t.plans.push((round.clone(), term, targets));
            for _ in 0..rng.random_range(0..3) {
                let fid = Uuid::from_u128(rng.random());
                let category = CATEGORIES[rng.random_range(0..3)];
                let severity = SEVERITIES[rng.random_range(0..3)];
                let body = json!({"title": "f", "category": category, "severity": severity, "round_id": round});
                self.write(
                    record(Kind::Finding, fid, &me, Some(&round), body),
                    Level::Central,
                );
                let stage = rng.random_range(0..4);
                let rect = |status: &str| json!({"finding_id": fid, "inspecting_office": me, "host_office": me, "status": status, "attempt": 1});
                if stage >= 1 {
                    let status = if stage >= 2 {
                        "completed"
                    } else {
                        "in_progress"
                    };
                    self.write(
                        record(
                            Kind::Rectification,
                            ids::progress(&fid, me.as_str()),
                            &me,
                            Some(&round),
                            rect(status),
                        ),
                        Level::Central,
                    );
                }
                if stage >= 2 {
                    let verdict = if stage == 3 { "verified" } else { "reopened" };
                    self.write(
                        record(
                            Kind::Rectification,
                            ids::verdict(&fid, me.as_str()),
                            &me,
                            Some(&round),
                            rect(verdict),
                        ),
                        Level::Central,
                    );
                }
                t.findings
                    .push((round.clone(), category.into(), severity.into(), stage == 3));
            }
        }
        for _ in 0..rng.random_range(0..3) {
            let mut chain = vec![i];
            chain.extend(self.ancestors(i));
            let receiver = chain[rng.random_range(0..chain.len())];
            let managing = self.offices[receiver].level;
            let cid = Uuid::from_u128(rng.random());
            let body = json!({"transfer_to": "discipline_commission", "managing_level": managing, "summary": "s"});
            self.write(record(Kind::Clue, cid, &me, None, body), managing);
            let tally = |event: &str| json!({"clue_id": cid, "event": event, "transferred_by": me, "managing_level": managing});
            self.write(
                record(
                    Kind::ClueTally,
                    ids::clue_tally(&cid, "transferred"),
                    &me,
                    None,
                    tally("transferred"),
                ),
                Level::Central,
            );
            let disposed = rng.random_bool(0.5).then_some(receiver);
            if let Some(r) = disposed {
                let body = json!({"disposal_of": cid, "disposal": {"method": "talk_inquiry"}});
                let by = self.offices[r].id.clone();
                self.write(
                    record(Kind::Clue, ids::disposal(&cid), &by, None, body),
                    Level::Central,
                );
                let rec = record(
                    Kind::ClueTally,
                    ids::clue_tally(&cid, "disposed"),
                    &by,
                    None,
                    tally("disposed"),
                );
                self.written.push(Written {
                    record: rec,
                    up_to: Level::Central,
                    down_to: Some(i),
                });
            }
            t.clues.push((cid, managing, disposed));
        }
        self.truth[i] = t;
    }

    fn write(&mut self, record: Record, up_to: Level) {
        self.written.push(Written {
            record,
            up_to,
            down_to: None,
        });
    }

    fn index(&self, id: &NodeId) -> usize {
        self.offices.iter().position(|o| o.id == *id).unwrap()
    }

    /// The records that reach office `x`: its own, and those of offices
    /// below it that climb as far as its level.
    fn held_at(&self, x: usize) -> Vec<Record> {
        self.written
            .iter()
            .filter(|w| {
                let origin = self.index(&w.record.origin);
                let up = origin == x
                    || (self.ancestors(origin).contains(&x)
                        && self.offices[x].level.rank() >= w.up_to.rank());
                // Down from the origin to the addressee, through the offices between.
                let down = w.down_to.is_some_and(|d| {
                    (d == x || self.ancestors(d).contains(&x))
                        && self.ancestors(x).contains(&origin)
                });
                up || down
            })
            .map(|w| w.record.clone())
            .collect()
    }

    fn children(&self, x: usize) -> Vec<usize> {
        (0..self.offices.len())
            .filter(|c| self.offices[*c].parent == Some(x))
            .collect()
    }

    fn below(&self, x: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = self.children(x);
        while let Some(c) = stack.pop() {
            stack.extend(self.children(c));
            out.push(c);
        }
        out
    }

    /// The tree as office `x` knows it.
    fn tree_at(&self, x: usize) -> Tree {
        let o = &self.offices[x];
        let ancestors: Vec<(NodeId, Level)> = self
            .ancestors(x)
            .into_iter()
            .map(|a| (self.offices[a].id.clone(), self.offices[a].level))
            .collect();
        let below: Vec<TopologyEntry> = self
            .below(x)
            .into_iter()
            .map(|b| TopologyEntry {
                node: self.offices[b].id.clone(),
                parent: self.offices[self.offices[b].parent.unwrap()].id.clone(),
                level: self.offices[b].level,
                name: String::new(),
            })
            .collect();
        Tree::new(&o.id, "", o.level, &ancestors, &below)
    }

    /// Office `o`'s own statistics as counted directly from the truth
    /// (all of it reaches every office above `o`).
    fn expected_stats(&self, o: usize) -> Stats {
        let t = &self.truth[o];
        let villages: BTreeSet<&String> = t
            .register
            .iter()
            .filter(|(_, v)| *v)
            .map(|(u, _)| u)
            .collect();
        let mut s = Stats {
            rounds: t.plans.len() as u64,
            ..Stats::default()
        };
        let targeted: BTreeSet<&String> = t.plans.iter().flat_map(|(_, _, ts)| ts).collect();
        s.units_inspected = targeted.len() as u64;
        s.villages_reached = targeted.iter().filter(|u| villages.contains(*u)).count() as u64;
        for (round, category, severity, verified) in &t.findings {
            s.findings += 1;
            *s.by_category.entry(category.clone()).or_default() += 1;
            *s.by_severity.entry(severity.clone()).or_default() += 1;
            let e = s.rectification.entry(round.clone()).or_default();
            e.0 += 1;
            e.1 += *verified as u64;
        }
        // Clue tallies reach every ancestor of the transferring office, and
        // a disposal's tally every office between it and the receiver.
        for (_, _, disposed) in &t.clues {
            s.clues += 1;
            s.clues_disposed += disposed.is_some() as u64;
        }
        s
    }

    fn expected_coverage(&self, o: usize) -> Coverage {
        let t = &self.truth[o];
        let targeted: BTreeSet<&String> = t
            .plans
            .iter()
            .filter(|(_, term, _)| *term == TERM)
            .flat_map(|(_, _, ts)| ts)
            .collect();
        let mut c = Coverage::default();
        for (u, village) in &t.register {
            let hit = targeted.contains(u);
            c.units += 1;
            c.inspected += hit as u64;
            c.villages += *village as u64;
            c.villages_inspected += (hit && *village) as u64;
        }
        c
    }
}

/// Every row's subtree figure is its own plus its children's subtree figures.
fn check_sums<T: Additive + PartialEq + std::fmt::Debug>(rows: &[Row<T>], tree: &Tree) {
    let by_id: BTreeMap<&NodeId, &Row<T>> = rows.iter().map(|r| (&r.office, r)).collect();
    for r in rows {
        let mut sum = r.own.clone();
        for c in tree.children(&r.office) {
            sum.add(&by_id[&c].subtree);
        }
        assert_eq!(
            r.subtree, sum,
            "subtree of {} is not own + children",
            r.office
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn figures_equal_a_direct_count_and_subtrees_add_up(seed in any::<u64>()) {
        let world = World::random(seed);
        for x in 0..world.offices.len() {
            let snap = Snapshot::from_records(world.held_at(x));
            let tree = world.tree_at(x);
            let stats = stats(&snap, &tree, None);
            let coverage = coverage(&snap, &tree, TERM);
            let mut offices = vec![x];
            offices.extend(world.below(x));
            prop_assert_eq!(stats.len(), offices.len());
            for row in &stats {
                let o = world.index(&row.office);
                prop_assert_eq!(&row.own, &world.expected_stats(o), "stats of {} at {}", row.office, world.offices[x].id);
            }
            for row in &coverage {
                let o = world.index(&row.office);
                prop_assert_eq!(&row.own, &world.expected_coverage(o), "coverage of {} at {}", row.office, world.offices[x].id);
            }
            check_sums(&stats, &tree);
            check_sums(&coverage, &tree);
        }
    }
}
