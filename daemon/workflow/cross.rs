//! The cross-inspection planner (交叉巡察): which office's team inspects
//! which office, so that acquaintances do not inspect each other.
//!
//! [`plan`] is a pure function of the offices (with their parents and
//! capacities), the pairings of past rounds and the options; it returns
//! pairings that meet every constraint, or the constraint that no plan can
//! meet. The constraints are layered in the order they are reported:
//!
//! 1. capacities: every office inspects `inspects` offices and is inspected
//!    `inspected` times (1 and 1 by default), and no office inspects itself;
//! 2. `different_parent` (异地交叉): the two offices of a pair have different
//!    parents;
//! 3. `avoid_last` N: no pairing (directed) repeated from the last N rounds;
//! 4. unless `allow_mutual`, no reciprocal pair (A→B with B→A) — so with
//!    one inspection each the plan is made of cycles such as A→B→C→A.
//!
//! Layers 1–3 only forbid pairings, so whether a plan exists under them is
//! a bipartite flow problem, answered exactly. The last layer is searched:
//! a backtracking over the offices in a seeded order, each choosing its
//! targets in a seeded order, pruned by the flow relaxation of what is
//! left. The same inputs and seed always give the same plan, whatever the
//! order the offices are listed in.

use std::fmt;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::Serialize;

/// An office taking part, with its parent and how many inspections it
/// gives and receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    pub id: String,
    /// For `different_parent`; `None` matches no other office.
    pub parent: Option<String>,
    /// How many offices its teams inspect.
    pub inspects: u32,
    /// How many offices' teams inspect it.
    pub inspected: u32,
}

impl Office {
    /// An office that inspects one office and is inspected by one.
    pub fn new(id: impl Into<String>, parent: Option<String>) -> Office {
        Office {
            id: id.into(),
            parent,
            inspects: 1,
            inspected: 1,
        }
    }
}

/// The pairings of one past round. A history lists rounds most recent first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastRound {
    pub round: String,
    /// (inspecting, inspected)
    pub pairs: Vec<(String, String)>,
}

/// What the caller asks of a plan beyond the capacities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// No pairing repeated from this many most recent past rounds.
    pub avoid_last: usize,
    /// The two offices of a pair have different parents (异地交叉).
    pub different_parent: bool,
    /// Permit A→B together with B→A.
    pub allow_mutual: bool,
    /// Seeds the order the search tries offices and targets in.
    pub seed: u64,
}

/// One pairing of a plan: `inspecting`'s team inspects `inspected`'s units.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Pairing {
    pub inspecting: String,
    pub inspected: String,
}

/// A constraint no plan can meet (together with the ones before it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    Capacities,
    DifferentParent,
    /// The rounds whose pairings may not repeat, most recent first.
    AvoidLast(Vec<String>),
    NoMutual,
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Constraint::Capacities => f.write_str(
                "the capacities (each office inspects and is inspected as often as --capacity says, \
                 once by default, and never inspects itself)",
            ),
            Constraint::DifferentParent => f.write_str(
                "--different-parent (the inspecting and the inspected office have different parents, 异地交叉)",
            ),
            Constraint::AvoidLast(rounds) => write!(
                f,
                "--avoid-last {} (no pairing repeated from round{} {})",
                rounds.len(),
                if rounds.len() == 1 { "" } else { "s" },
                rounds.join(", ")
            ),
            Constraint::NoMutual => f.write_str(
                "no reciprocal pairs (A→B together with B→A; --allow-mutual permits them)",
            ),
        }
    }
}

/// Why no plan came out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("no plan meets {constraint}: {detail}")]
    Unsatisfiable {
        constraint: Constraint,
        detail: String,
    },
    #[error(
        "the search for a plan gave up after {0} steps without an answer; \
         name fewer offices or relax a constraint"
    )]
    GaveUp(u64),
}

/// Steps the search may take before it gives up (a request far beyond
/// what an office plans; small and usual ones take a few hundred).
const MAX_STEPS: u64 = 2_000_000;

/// Plans the pairings of one round. See the module doc for the constraints.
pub fn plan(
    offices: &[Office],
    history: &[PastRound],
    opts: &Options,
) -> Result<Vec<Pairing>, PlanError> {
    let mut offices = offices.to_vec();
    offices.sort_by(|a, b| a.id.cmp(&b.id));
    let n = offices.len();
    let out: Vec<u32> = offices.iter().map(|o| o.inspects).collect();
    let inn: Vec<u32> = offices.iter().map(|o| o.inspected).collect();
    let (gives, takes) = (out.iter().sum::<u32>(), inn.iter().sum::<u32>());
    if gives != takes {
        return Err(PlanError::Unsatisfiable {
            constraint: Constraint::Capacities,
            detail: format!(
                "the offices would inspect {gives} times but be inspected {takes} times; the totals must match"
            ),
        });
    }
    let index = |id: &str| offices.iter().position(|o| o.id == id);
    let mut allowed: Vec<Vec<bool>> = (0..n).map(|i| (0..n).map(|j| i != j).collect()).collect();
    // Each layer: its constraint, and which pairings (i inspects j) it keeps.
    type Keep = Box<dyn Fn(usize, usize) -> bool>;
    let mut layers: Vec<(Constraint, Keep)> = Vec::new();
    if opts.different_parent {
        let parents: Vec<Option<String>> = offices.iter().map(|o| o.parent.clone()).collect();
        layers.push((
            Constraint::DifferentParent,
            Box::new(move |i, j| parents[i].is_none() || parents[i] != parents[j]),
        ));
    }
    let recent = &history[..opts.avoid_last.min(history.len())];
    if !recent.is_empty() {
        let mut seen = vec![vec![false; n]; n];
        for (a, b) in recent.iter().flat_map(|r| &r.pairs) {
            if let (Some(i), Some(j)) = (index(a), index(b)) {
                seen[i][j] = true;
            }
        }
        let rounds = recent.iter().map(|r| r.round.clone()).collect();
        layers.push((
            Constraint::AvoidLast(rounds),
            Box::new(move |i, j| !seen[i][j]),
        ));
    }
    let names =
        |idx: Vec<usize>| -> Vec<&str> { idx.into_iter().map(|i| &*offices[i].id).collect() };
    let check = |allowed: &[Vec<bool>], constraint: Constraint| {
        let placed = max_flow(allowed, &out, &inn);
        if placed == gives {
            return Ok(());
        }
        let no_target = (0..n).filter(|&i| out[i] > 0 && !allowed[i].contains(&true));
        let no_target: Vec<usize> = no_target.collect();
        let no_inspector: Vec<usize> = (0..n)
            .filter(|&j| inn[j] > 0 && !allowed.iter().any(|row| row[j]))
            .collect();
        let detail = if !no_target.is_empty() {
            format!(
                "no office is left that {} may inspect",
                names(no_target).join(", ")
            )
        } else if !no_inspector.is_empty() {
            format!(
                "no office is left that may inspect {}",
                names(no_inspector).join(", ")
            )
        } else {
            format!("the pairings left give only {placed} of the {gives} inspections needed")
        };
        Err(PlanError::Unsatisfiable { constraint, detail })
    };
    check(&allowed, Constraint::Capacities)?;
    for (constraint, keep) in layers {
        for (i, row) in allowed.iter_mut().enumerate() {
            for (j, a) in row.iter_mut().enumerate() {
                *a = *a && keep(i, j);
            }
        }
        check(&allowed, constraint)?;
    }
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    let candidates = (0..n)
        .map(|i| {
            let mut c: Vec<usize> = (0..n).filter(|&j| allowed[i][j]).collect();
            c.shuffle(&mut rng);
            c
        })
        .collect();
    let mut search = Search {
        allowed: &allowed,
        out,
        inn,
        chosen: vec![vec![false; n]; n],
        no_mutual: !opts.allow_mutual,
        order,
        candidates,
        steps: 0,
    };
    if !search.run(0, 0)? {
        return Err(PlanError::Unsatisfiable {
            constraint: Constraint::NoMutual,
            detail: "every plan the other constraints allow pairs two offices both ways".into(),
        });
    }
    let mut pairs: Vec<Pairing> = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .filter(|&(i, j)| search.chosen[i][j])
        .map(|(i, j)| Pairing {
            inspecting: offices[i].id.clone(),
            inspected: offices[j].id.clone(),
        })
        .collect();
    pairs.sort();
    Ok(pairs)
}

/// The backtracking search under every constraint.
struct Search<'a> {
    allowed: &'a [Vec<bool>],
    /// Inspections each office still gives / receives.
    out: Vec<u32>,
    inn: Vec<u32>,
    chosen: Vec<Vec<bool>>,
    no_mutual: bool,
    /// Offices in the order they choose.
    order: Vec<usize>,
    /// Per office, the offices it may inspect, in the order it tries them.
    candidates: Vec<Vec<usize>>,
    steps: u64,
}

impl Search<'_> {
    /// May `i` inspect `j`, given what is chosen?
    fn open(&self, i: usize, j: usize) -> bool {
        self.allowed[i][j] && !self.chosen[i][j] && !(self.no_mutual && self.chosen[j][i])
    }

    /// Can what is left still be met, ignoring reciprocity among the
    /// pairings not chosen yet?
    fn feasible(&self) -> bool {
        let n = self.out.len();
        let open: Vec<Vec<bool>> = (0..n)
            .map(|i| (0..n).map(|j| self.open(i, j)).collect())
            .collect();
        max_flow(&open, &self.out, &self.inn) == self.out.iter().sum::<u32>()
    }

    /// Completes office `order[k]` from its candidate `from` on, then the
    /// offices after it. True when a plan was found (left in `chosen`).
    fn run(&mut self, k: usize, from: usize) -> Result<bool, PlanError> {
        let Some(&i) = self.order.get(k) else {
            return Ok(true);
        };
        if self.out[i] == 0 {
            return Ok(self.feasible() && self.run(k + 1, 0)?);
        }
        for c in from..self.candidates[i].len() {
            let j = self.candidates[i][c];
            if self.inn[j] == 0 || !self.open(i, j) {
                continue;
            }
            self.steps += 1;
            if self.steps > MAX_STEPS {
                return Err(PlanError::GaveUp(self.steps));
            }
            self.chosen[i][j] = true;
            self.out[i] -= 1;
            self.inn[j] -= 1;
            if self.run(k, c + 1)? {
                return Ok(true);
            }
            self.chosen[i][j] = false;
            self.out[i] += 1;
            self.inn[j] += 1;
        }
        Ok(false)
    }
}

/// The most inspections that can be placed: a maximum flow from
/// inspecting offices (capacity `out`) over allowed pairings (capacity 1)
/// to inspected offices (capacity `inn`), by augmenting paths.
fn max_flow(allowed: &[Vec<bool>], out: &[u32], inn: &[u32]) -> u32 {
    let n = out.len();
    let mut used = vec![vec![false; n]; n];
    let mut given = vec![0u32; n];
    let mut taken = vec![0u32; n];
    let mut total = 0;
    loop {
        // A path: an office with inspections left, over an unused pairing
        // to an inspected office, back over a used pairing to the office
        // that would give it up, and so on, to an office that can take more.
        let mut from_left: Vec<Option<usize>> = vec![None; n];
        let mut from_right: Vec<Option<usize>> = vec![None; n];
        let mut seen = vec![false; n];
        let mut queue: std::collections::VecDeque<usize> =
            (0..n).filter(|&i| given[i] < out[i]).collect();
        for &i in &queue {
            seen[i] = true;
        }
        let mut end = None;
        'search: while let Some(i) = queue.pop_front() {
            for j in 0..n {
                if !allowed[i][j] || used[i][j] || from_left[j].is_some() {
                    continue;
                }
                from_left[j] = Some(i);
                if taken[j] < inn[j] {
                    end = Some(j);
                    break 'search;
                }
                for k in 0..n {
                    if used[k][j] && !seen[k] {
                        seen[k] = true;
                        from_right[k] = Some(j);
                        queue.push_back(k);
                    }
                }
            }
        }
        let Some(mut j) = end else {
            return total;
        };
        taken[j] += 1;
        total += 1;
        while let Some(i) = from_left[j] {
            used[i][j] = true;
            match from_right[i] {
                Some(prev) => {
                    used[i][prev] = false;
                    j = prev;
                }
                None => {
                    given[i] += 1;
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
