//! Table-driven routing checks on a small tree:
//!
//! ```text
//! 000000 ─ 630000 ─┬ 630100 ─┬ 630102
//!                  │         └ 630103
//!                  └ 630200 ── 630202
//! ```

use std::collections::HashMap;

use chrono::Utc;

use super::*;
use crate::records::{Classification, Route};

fn id(s: &str) -> NodeId {
    NodeId::new(s).unwrap()
}

/// The view of `me` in the test tree, with ancestors and subtree known.
fn view(me: &str) -> View {
    let tree: &[(&str, Option<&str>, Level)] = &[
        ("000000", None, Level::Central),
        ("630000", Some("000000"), Level::Provincial),
        ("630100", Some("630000"), Level::Municipal),
        ("630102", Some("630100"), Level::County),
        ("630103", Some("630100"), Level::County),
        ("630200", Some("630000"), Level::Municipal),
        ("630202", Some("630200"), Level::County),
    ];
    let parent_of = |n: &str| tree.iter().find(|t| t.0 == n).and_then(|t| t.1);
    let level_of = |n: &str| tree.iter().find(|t| t.0 == n).unwrap().2;
    let mut ancestors = Vec::new();
    let mut at = parent_of(me);
    while let Some(p) = at {
        ancestors.push((id(p), level_of(p)));
        at = parent_of(p);
    }
    let children: Vec<NodeId> = tree
        .iter()
        .filter(|t| t.1 == Some(me))
        .map(|t| id(t.0))
        .collect();
    let mut below = HashMap::new();
    for t in tree {
        // Walk up from t until just below `me`.
        let mut node = t.0;
        while let Some(p) = parent_of(node) {
            if p == me {
                below.insert(id(t.0), id(node));
                break;
            }
            node = p;
        }
    }
    View {
        me: id(me),
        level: level_of(me),
        parent: parent_of(me).map(|p| (id(p), level_of(p))),
        ancestors,
        children,
        below,
        policy: Kind::ALL
            .iter()
            .map(|k| (*k, crate::config::default_routing(*k)))
            .collect(),
        successors: HashMap::new(),
    }
}

fn record(kind: Kind, origin: &str, route: Route) -> Record {
    Record {
        id: uuid::Uuid::nil(),
        kind,
        origin: id(origin),
        version: 1,
        created_at: Utc::now(),
        updated_at: Utc::now(),
        round_id: None,
        classification: if kind == Kind::Clue {
            Classification::Secret
        } else {
            Classification::Internal
        },
        route,
        body: serde_json::json!({}),
        signature: None,
    }
}

fn up(level: Level) -> Route {
    Route {
        up_to: Some(level),
        ..Route::default()
    }
}

fn to(ids: &[&str]) -> Route {
    Route {
        to: ids.iter().map(|s| id(s)).collect(),
        ..Route::default()
    }
}

fn subtree() -> Route {
    Route {
        subtree: true,
        ..Route::default()
    }
}

fn src(s: &str) -> Source {
    match s {
        "local" => Source::Local,
        "parent" => Source::Parent,
        c => Source::Child(id(c)),
    }
}

/// (at, kind, origin, route, from, expected links, park)
type Case = (
    &'static str,
    Kind,
    &'static str,
    Route,
    &'static str,
    &'static [&'static str],
    bool,
);

#[test]
fn next_hops_table() {
    let cases: Vec<Case> = vec![
        // Filing upward stops at the route's level.
        (
            "630102",
            Kind::Finding,
            "630102",
            up(Level::Central),
            "local",
            &["630100"],
            false,
        ),
        (
            "630000",
            Kind::Finding,
            "630102",
            up(Level::Central),
            "630100",
            &["000000"],
            false,
        ),
        (
            "630100",
            Kind::Finding,
            "630102",
            up(Level::Municipal),
            "630102",
            &[],
            false,
        ),
        (
            "630100",
            Kind::Clue,
            "630102",
            up(Level::Provincial),
            "630102",
            &["630000"],
            false,
        ),
        (
            "630000",
            Kind::Clue,
            "630102",
            up(Level::Provincial),
            "630100",
            &[],
            false,
        ),
        // Nothing goes back up to the parent it came from.
        (
            "630100",
            Kind::Finding,
            "000000",
            up(Level::Central),
            "parent",
            &[],
            false,
        ),
        // Whole subtree of the origin, but not back to the sender.
        (
            "000000",
            Kind::RoundPlan,
            "000000",
            subtree(),
            "local",
            &["630000"],
            false,
        ),
        (
            "630100",
            Kind::RoundPlan,
            "000000",
            subtree(),
            "parent",
            &["630102", "630103"],
            false,
        ),
        (
            "630100",
            Kind::Notice,
            "630100",
            subtree(),
            "local",
            &["630102", "630103"],
            false,
        ),
        // A subtree record from elsewhere never floods this subtree.
        (
            "630100",
            Kind::Notice,
            "630102",
            subtree(),
            "630102",
            &[],
            false,
        ),
        // Named destinations: up to the common ancestor, then down.
        (
            "630103",
            Kind::Rectification,
            "630103",
            to(&["630202"]),
            "local",
            &["630100"],
            false,
        ),
        (
            "630100",
            Kind::Rectification,
            "630103",
            to(&["630202"]),
            "630103",
            &["630000"],
            false,
        ),
        (
            "630000",
            Kind::Rectification,
            "630103",
            to(&["630202"]),
            "630100",
            &["630200"],
            false,
        ),
        (
            "630200",
            Kind::Rectification,
            "630103",
            to(&["630202"]),
            "parent",
            &["630202"],
            false,
        ),
        (
            "630000",
            Kind::Assignment,
            "630000",
            to(&["630103", "630202"]),
            "local",
            &["630100", "630200"],
            false,
        ),
        // Unknown destination: up when it may be elsewhere, parked when the
        // parent says it is below us, parked at the root.
        (
            "630100",
            Kind::Notice,
            "630100",
            to(&["999999"]),
            "local",
            &["630000"],
            false,
        ),
        (
            "630100",
            Kind::Notice,
            "000000",
            to(&["999999"]),
            "parent",
            &[],
            true,
        ),
        (
            "000000",
            Kind::Notice,
            "000000",
            to(&["999999"]),
            "local",
            &[],
            true,
        ),
        // A clue never goes down, even if its route says so.
        (
            "630000",
            Kind::Clue,
            "630000",
            to(&["630102"]),
            "local",
            &[],
            false,
        ),
    ];
    for (at, kind, origin, route, from, want, park) in cases {
        let v = view(at);
        let r = record(kind, origin, route.clone());
        let hops = next_hops(&v, &r, &src(from));
        let got: Vec<&str> = hops.links.iter().map(|l| l.as_str()).collect();
        assert_eq!(
            (got.as_slice(), hops.park),
            (want, park),
            "at {at}: {kind} from {origin} via {from} with {route:?}"
        );
    }
}

#[test]
fn who_may_send_what() {
    let m = view("630100");
    // A child pushes records of its own subtree addressed upward.
    assert!(
        check_from_child(
            &m,
            &id("630102"),
            &record(Kind::Finding, "630102", up(Level::Central))
        )
        .is_ok()
    );
    // County A pushing a record of origin county B.
    let forged = record(Kind::Finding, "630103", up(Level::Central));
    assert!(matches!(
        check_from_child(&m, &id("630102"), &forged),
        Err(Refusal::OriginOutsideSubtree { .. })
    ));
    // A record not addressed above the child.
    assert!(matches!(
        check_from_child(
            &m,
            &id("630102"),
            &record(Kind::Finding, "630102", Route::default())
        ),
        Err(Refusal::NotAddressedUp { .. })
    ));
    // A parent never sends a clue down.
    let c = view("630102");
    assert!(matches!(
        check_from_parent(&c, &record(Kind::Clue, "630000", to(&["630102"]))),
        Err(Refusal::ClueDownward { .. })
    ));
    // A parent sends only what is addressed into our subtree.
    assert!(check_from_parent(&c, &record(Kind::Notice, "630100", subtree())).is_ok());
    assert!(check_from_parent(&c, &record(Kind::Notice, "630000", to(&["630102"]))).is_ok());
    assert!(matches!(
        check_from_parent(&c, &record(Kind::Notice, "630000", to(&["630103"]))),
        Err(Refusal::NotAddressedDown { .. })
    ));
    // A subtree record whose origin is not our ancestor is not ours.
    assert!(check_from_parent(&c, &record(Kind::Notice, "630200", subtree())).is_err());
}

#[test]
fn routes_fixed_at_submit() {
    let p = view("630000");
    let r = route_for_submit(
        &p,
        Kind::Assignment,
        &serde_json::json!({"type": "cross", "pairs": [
            {"inspecting": "630102", "inspected": "630202"},
            {"inspecting": "630202", "inspected": "630102"}]}),
    )
    .unwrap();
    assert_eq!(r.to, vec![id("630102"), id("630202")]);
    assert_eq!(r.up_to, None);
    let linked =
        route_for_submit(&p, Kind::RoundPlan, &serde_json::json!({"kind": "linked"})).unwrap();
    assert!(linked.subtree);
    assert_eq!(linked.up_to, Some(Level::Central));
    let bad = route_for_submit(&p, Kind::Notice, &serde_json::json!({"to": ["not an id"]}));
    assert_eq!(bad.unwrap_err().field, "body.to[0]");
}

#[test]
fn cross_findings_climb_to_the_coordinator_and_only_their_release_goes_down() {
    use serde_json::json;
    // A county whose policy stops findings at its city still reaches the
    // coordinating province with a cross finding; nothing goes down.
    let mut county = view("630102");
    county.policy.insert(Kind::Finding, Some(Level::Municipal));
    let f = route_for_submit(&county, Kind::Finding, &json!({"coordinator": "630000"})).unwrap();
    assert_eq!(f.to, vec![id("630000")]);
    let r = record(Kind::Finding, "630102", f);
    assert_eq!(
        next_hops(&county, &r, &src("local")).links,
        vec![id("630100")]
    );
    assert_eq!(
        next_hops(&view("630100"), &r, &src("630102")).links,
        vec![id("630000")]
    );
    assert!(
        next_hops(&view("630000"), &r, &src("630100"))
            .links
            .is_empty()
    );

    // The released copy goes down to the host of the unit and to the office
    // that found it, through their cities, and up as findings do.
    let p = view("630000");
    let copy = json!({"released_of": "0190d5a8-7c3e-7000-8000-000000000001",
                      "target_unit": {"unit_id": "u1", "host": "630202"},
                      "inspected_by": "630102"});
    let route = route_for_submit(&p, Kind::Finding, &copy).unwrap();
    assert_eq!(route.to, vec![id("630202"), id("630102")]);
    assert!(!route.subtree);
    let r = record(Kind::Finding, "630000", route);
    assert_eq!(
        next_hops(&p, &r, &src("local")).links,
        vec![id("000000"), id("630100"), id("630200")]
    );
    assert_eq!(
        next_hops(&view("630100"), &r, &src("parent")).links,
        vec![id("630102")]
    );
    assert!(check_from_parent(&view("630103"), &r).is_err());

    // Rectification of a released copy keeps the finding office informed.
    let rect = route_for_submit(
        &view("630202"),
        Kind::Rectification,
        &json!({"inspecting_office": "630000", "host_office": "630202",
                "inspected_by": "630102"}),
    )
    .unwrap();
    assert_eq!(rect.to, vec![id("630000"), id("630102")]);
}

/// After a restore the parent gives back only the office's own records,
/// and a recovered record goes on no link (every peer it was for had it).
#[test]
fn a_recovered_record_is_the_offices_own_and_goes_nowhere() {
    let v = view("630100");
    let own = record(Kind::Finding, "630100", up(Level::Central));
    assert_eq!(check_recovered(&v, &own), Ok(()));
    assert_eq!(next_hops(&v, &own, &Source::Recovery), Hops::default());
    let child = record(Kind::Finding, "630102", up(Level::Central));
    assert!(matches!(
        check_recovered(&v, &child),
        Err(Refusal::NotOwnRecord { .. })
    ));
}
