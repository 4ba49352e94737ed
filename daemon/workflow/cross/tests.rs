//! The planner against its definition: on random trees, capacities and
//! histories, every plan it gives meets every constraint, and every
//! refusal is right — an exhaustive search finds no plan meeting the
//! constraints, while one exists without the constraint it names.

use proptest::prelude::*;

use super::*;

/// Does `pairs` meet every constraint, written out from the definitions?
fn meets(offices: &[Office], history: &[PastRound], opts: &Options, pairs: &[Pairing]) -> bool {
    let count = |f: &dyn Fn(&Pairing) -> bool| pairs.iter().filter(|p| f(p)).count() as u32;
    let parent = |id: &str| {
        offices
            .iter()
            .find(|o| o.id == id)
            .and_then(|o| o.parent.clone())
    };
    let degrees = offices.iter().all(|o| {
        count(&|p| p.inspecting == o.id) == o.inspects
            && count(&|p| p.inspected == o.id) == o.inspected
    });
    let known = pairs.iter().all(|p| {
        offices.iter().any(|o| o.id == p.inspecting) && offices.iter().any(|o| o.id == p.inspected)
    });
    let once = pairs
        .iter()
        .enumerate()
        .all(|(i, p)| !pairs[..i].contains(p));
    let not_self = pairs.iter().all(|p| p.inspecting != p.inspected);
    let apart = !opts.different_parent
        || pairs.iter().all(|p| {
            let (a, b) = (parent(&p.inspecting), parent(&p.inspected));
            a.is_none() || a != b
        });
    let fresh = pairs.iter().all(|p| {
        !history.iter().take(opts.avoid_last).any(|r| {
            r.pairs
                .iter()
                .any(|(a, b)| *a == p.inspecting && *b == p.inspected)
        })
    });
    let one_way = opts.allow_mutual
        || pairs.iter().all(|p| {
            !pairs
                .iter()
                .any(|q| q.inspecting == p.inspected && q.inspected == p.inspecting)
        });
    degrees && known && once && not_self && apart && fresh && one_way
}

/// Whether any plan meets the constraints: every choice of targets for
/// every office, tried.
fn exists(offices: &[Office], history: &[PastRound], opts: &Options) -> bool {
    fn subsets(items: &[String], k: usize) -> Vec<Vec<String>> {
        if k == 0 {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for (i, first) in items.iter().enumerate() {
            for mut rest in subsets(&items[i + 1..], k - 1) {
                rest.insert(0, first.clone());
                out.push(rest);
            }
        }
        out
    }
    fn go(
        offices: &[Office],
        history: &[PastRound],
        opts: &Options,
        i: usize,
        pairs: &mut Vec<Pairing>,
    ) -> bool {
        let Some(o) = offices.get(i) else {
            return meets(offices, history, opts, pairs);
        };
        let ids: Vec<String> = offices.iter().map(|o| o.id.clone()).collect();
        for targets in subsets(&ids, o.inspects as usize) {
            let n = pairs.len();
            pairs.extend(targets.into_iter().map(|t| Pairing {
                inspecting: o.id.clone(),
                inspected: t,
            }));
            if go(offices, history, opts, i + 1, pairs) {
                return true;
            }
            pairs.truncate(n);
        }
        false
    }
    go(offices, history, opts, 0, &mut Vec::new())
}

/// The options with the named constraint and every one after it lifted:
/// what the planner found satisfiable before it met `c`.
fn before(opts: &Options, c: &Constraint) -> Option<Options> {
    let mut o = opts.clone();
    o.allow_mutual = true;
    match c {
        Constraint::Capacities => return None,
        Constraint::DifferentParent => {
            o.different_parent = false;
            o.avoid_last = 0;
        }
        Constraint::AvoidLast(_) => o.avoid_last = 0,
        Constraint::NoMutual => {}
    }
    Some(o)
}

/// The `before` options with `c` put back.
fn with(mut o: Options, opts: &Options, c: &Constraint) -> Options {
    match c {
        Constraint::Capacities => {}
        Constraint::DifferentParent => o.different_parent = true,
        Constraint::AvoidLast(_) => o.avoid_last = opts.avoid_last,
        Constraint::NoMutual => o.allow_mutual = false,
    }
    o
}

fn office(i: usize) -> String {
    format!("63010{i}")
}

/// Up to five offices under up to three parents, capacities mostly one
/// each, and a history of up to three rounds of random pairings.
fn instance() -> impl Strategy<Value = (Vec<Office>, Vec<PastRound>, Options)> {
    (2usize..=5).prop_flat_map(|n| {
        let offices = proptest::collection::vec(
            (
                proptest::option::weighted(0.9, 0u8..3),
                prop_oneof![4 => Just((1u32, 1u32)), 1 => (0u32..=2, 0u32..=2)],
            ),
            n,
        );
        let rounds =
            proptest::collection::vec(proptest::collection::vec((0..n, 0..n), 0..=n), 0..=3);
        let opts = (0usize..=3, any::<bool>(), any::<bool>(), any::<u64>());
        (offices, rounds, opts).prop_map(|(offices, rounds, (avoid, apart, mutual, seed))| {
            let offices = offices
                .into_iter()
                .enumerate()
                .map(|(i, (parent, (inspects, inspected)))| Office {
                    id: office(i),
                    parent: parent.map(|p| format!("6301{p}0")),
                    inspects,
                    inspected,
                })
                .collect();
            let history = rounds
                .into_iter()
                .enumerate()
                .map(|(r, pairs)| PastRound {
                    round: format!("2025-{r}"),
                    pairs: pairs
                        .into_iter()
                        .map(|(a, b)| (office(a), office(b)))
                        .collect(),
                })
                .collect();
            let opts = Options {
                avoid_last: avoid,
                different_parent: apart,
                allow_mutual: mutual,
                seed,
            };
            (offices, history, opts)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn plans_meet_every_constraint_and_refusals_are_right(
        (offices, history, opts) in instance()
    ) {
        match plan(&offices, &history, &opts) {
            Ok(pairs) => {
                prop_assert!(meets(&offices, &history, &opts, &pairs), "{pairs:?}");
                // Deterministic, whatever order the offices come in.
                let mut reversed = offices.clone();
                reversed.reverse();
                prop_assert_eq!(plan(&reversed, &history, &opts), Ok(pairs));
            }
            Err(PlanError::Unsatisfiable { constraint, detail }) => {
                prop_assert!(!exists(&offices, &history, &opts),
                    "refused ({constraint}: {detail}) though a plan exists");
                if let Some(relaxed) = before(&opts, &constraint) {
                    prop_assert!(exists(&offices, &history, &relaxed),
                        "{constraint} named, but no plan exists without it either");
                    prop_assert!(!exists(&offices, &history, &with(relaxed, &opts, &constraint)),
                        "{constraint} named, but a plan meets it with the constraints before it");
                }
            }
            Err(e @ PlanError::GaveUp(_)) => prop_assert!(false, "{e}"),
        }
    }
}

fn offices(ids: &[(&str, &str)]) -> Vec<Office> {
    ids.iter()
        .map(|(id, parent)| Office::new(*id, Some(parent.to_string())))
        .collect()
}

#[test]
fn three_offices_inspect_in_a_cycle() {
    let o = offices(&[("a", "p"), ("b", "p"), ("c", "p")]);
    let pairs = plan(&o, &[], &Options::default()).unwrap();
    assert_eq!(pairs.len(), 3);
    assert!(meets(&o, &[], &Options::default(), &pairs));
}

#[test]
fn refusals_name_the_constraint() {
    let two = offices(&[("a", "p"), ("b", "q")]);
    let e = plan(&two, &[], &Options::default()).unwrap_err();
    assert!(
        matches!(
            &e,
            PlanError::Unsatisfiable {
                constraint: Constraint::NoMutual,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("--allow-mutual"), "{e}");
    let mutual = Options {
        allow_mutual: true,
        ..Options::default()
    };
    assert_eq!(plan(&two, &[], &mutual).unwrap().len(), 2);

    // Two of three under one parent: both would have to inspect the third.
    let lopsided = offices(&[("a", "p"), ("b", "p"), ("c", "q")]);
    let apart = Options {
        different_parent: true,
        allow_mutual: true,
        ..Options::default()
    };
    let e = plan(&lopsided, &[], &apart).unwrap_err();
    assert!(e.to_string().contains("--different-parent"), "{e}");

    let history = [PastRound {
        round: "2025-3".into(),
        pairs: vec![("a".into(), "b".into()), ("b".into(), "a".into())],
    }];
    let avoid = Options {
        avoid_last: 1,
        allow_mutual: true,
        ..Options::default()
    };
    let e = plan(&two, &history, &avoid).unwrap_err();
    assert!(
        e.to_string()
            .contains("--avoid-last 1 (no pairing repeated from round 2025-3)"),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("no office is left that a, b may inspect"),
        "{e}"
    );

    let mut uneven = offices(&[("a", "p"), ("b", "q"), ("c", "r")]);
    uneven[0].inspects = 2;
    let e = plan(&uneven, &[], &Options::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("inspect 4 times but be inspected 3 times"),
        "{e}"
    );
}

#[test]
fn a_province_of_forty_counties_plans_quickly() {
    let o: Vec<Office> = (0..40)
        .map(|i| Office::new(format!("c{i:02}"), Some(format!("m{}", i % 8))))
        .collect();
    let history = [PastRound {
        round: "last".into(),
        pairs: plan(&o, &[], &Options::default())
            .unwrap()
            .into_iter()
            .map(|p| (p.inspecting, p.inspected))
            .collect(),
    }];
    let opts = Options {
        avoid_last: 1,
        different_parent: true,
        seed: 7,
        ..Options::default()
    };
    let pairs = plan(&o, &history, &opts).unwrap();
    assert!(meets(&o, &history, &opts, &pairs));
}
