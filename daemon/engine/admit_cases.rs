//! The table of admission cases for [`admit`]: every way it refuses a
//! record from a peer (with the code the sender and the counters see) and
//! the ways it admits one (with the links the record goes on from here).
//! Each row is raw bytes as they arrive, where they came from, the
//! fingerprint the sender declared, and the outcome.
//!
//! The node deciding is the municipality 630100:
//!
//! ```text
//! 000000 ─ 630000 ─┬ 630100 ─┬ 630102
//!                  │         └ 630103
//!                  └ 630200 ── 630202
//! ```

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::{Reason, admit};
use crate::node::{Level, NodeId};
use crate::records::{Kind, Schemas};
use crate::routing::{Source, View};

/// The size limit the table admits under (`limits.max_record_bytes`).
const MAX_BYTES: usize = 16 * 1024;

/// The id every record of the table carries unless a row says otherwise.
const RECORD_ID: &str = "01a20e06-80e3-7253-b2e5-290e7b2e5ef0";

fn id(s: &str) -> NodeId {
    NodeId::new(s).expect("a valid office id")
}

/// What 630100 knows of the tree: its parent and ancestors, its two
/// counties, and the routing policy of a default config.
fn municipality() -> View {
    let counties = [id("630102"), id("630103")];
    View {
        me: id("630100"),
        level: Level::Municipal,
        parent: Some((id("630000"), Level::Provincial)),
        ancestors: vec![
            (id("630000"), Level::Provincial),
            (id("000000"), Level::Central),
        ],
        below: counties
            .iter()
            .map(|c| (c.clone(), c.clone()))
            .collect::<HashMap<_, _>>(),
        children: counties.to_vec(),
        policy: Kind::ALL
            .iter()
            .map(|k| (*k, crate::config::default_routing(*k)))
            .collect(),
        successors: HashMap::new(),
    }
}

/// The shipped example body of `kind` (`schemas/examples/`).
fn example_body(kind: Kind) -> Value {
    let path = format!(
        "{}/schemas/examples/{}.json",
        env!("CARGO_MANIFEST_DIR"),
        kind.as_str()
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A record of `kind` from `origin` with `route`, dated now, carrying the
/// example body of its kind: valid as it stands.
fn record(kind: Kind, origin: &str, route: Value) -> Value {
    json!({
        "id": RECORD_ID,
        "kind": kind.as_str(),
        "origin": origin,
        "version": 1,
        "created_at": Utc::now().to_rfc3339(),
        "updated_at": Utc::now().to_rfc3339(),
        "classification": if kind == Kind::Clue { "secret" } else { "internal" },
        "route": route,
        "body": example_body(kind),
    })
}

/// `r` last updated at `at`.
fn updated(mut r: Value, at: DateTime<Utc>) -> Value {
    r["updated_at"] = json!(at.to_rfc3339());
    r
}

/// What must become of a row.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    /// Admitted, to go on these links (parked when a destination named is
    /// not known here yet).
    Admitted {
        links: &'static [&'static str],
        park: bool,
    },
    /// Refused with this code.
    Refused(Reason),
}

use Outcome::{Admitted, Refused};

/// One row: what arrives, from where, with which declared fingerprint.
struct Case {
    what: &'static str,
    raw: String,
    from: Source,
    declared: Option<(String, i64)>,
    want: Outcome,
}

/// A row whose sender declares the record's own id and version 1 (as a
/// peer's push does), or nothing for a local submit.
fn case(what: &'static str, from: &str, raw: impl Into<String>, want: Outcome) -> Case {
    let from = match from {
        "local" => Source::Local,
        "parent" => Source::Parent,
        child => Source::Child(id(child)),
    };
    let declared = (from != Source::Local).then(|| (RECORD_ID.to_string(), 1));
    Case {
        what,
        raw: raw.into(),
        from,
        declared,
        want,
    }
}

impl Case {
    /// The same row with the sender declaring `id` v`version` instead.
    fn declaring(mut self, id: &str, version: i64) -> Case {
        self.declared = Some((id.to_string(), version));
        self
    }
}

/// Every row, refusals first in the order the checks run. One row a line.
#[rustfmt::skip]
fn cases() -> Vec<Case> {
    let finding = || record(Kind::Finding, "630102", json!({"up_to": "central"}));
    let notice = |origin: &str, route: Value| record(Kind::Notice, origin, route).to_string();
    let clue = |origin: &str, up_to: &str| record(Kind::Clue, origin, json!({"up_to": up_to})).to_string();
    let mut huge = finding();
    huge["body"]["facts"] = json!("滞".repeat(MAX_BYTES));
    let mut untitled = finding();
    untitled["body"].as_object_mut().expect("an object body").remove("title");
    let backwards = updated(finding(), Utc::now() - Duration::hours(1)).to_string();
    let soon = updated(finding(), Utc::now() + Duration::minutes(30)).to_string();
    let later = updated(finding(), Utc::now() + Duration::hours(2)).to_string();
    let other = "00000000-0000-0000-0000-000000000000";
    let up = Admitted { links: &["630000"], park: false };
    let here = Admitted { links: &[], park: false };
    let counties = Admitted { links: &["630102", "630103"], park: false };
    vec![
        case("larger than the limit", "630102", huge.to_string(), Refused(Reason::TooLarge)),
        case("larger than the limit and not JSON", "630102", "x".repeat(MAX_BYTES + 1), Refused(Reason::TooLarge)),
        case("not JSON", "630102", "not json", Refused(Reason::Malformed)),
        case("cut off mid-record", "630102", r#"{"id": "01a20e06"#, Refused(Reason::Malformed)),
        case("JSON but not a record", "630102", "[1, 2]", Refused(Reason::Schema)),
        case("a finding without a title", "630102", untitled.to_string(), Refused(Reason::Schema)),
        case("created after it was updated", "630102", backwards, Refused(Reason::Schema)),
        case("dated two hours ahead", "630102", later.clone(), Refused(Reason::Future)),
        case("dated ahead and misdeclared", "630102", later, Refused(Reason::Future)).declaring(other, 1),
        case("declared under another id", "630102", finding().to_string(), Refused(Reason::Fingerprint)).declaring(other, 1),
        case("declared at another version", "630102", finding().to_string(), Refused(Reason::Fingerprint)).declaring(RECORD_ID, 2),
        case("a county's record from its sibling", "630103", finding().to_string(), Refused(Reason::NotAllowed)),
        case("a county's record from another city's county", "630202", finding().to_string(), Refused(Reason::NotAllowed)),
        case("a child's notice for its own subtree only", "630102", notice("630102", json!({"subtree": true})), Refused(Reason::NotAllowed)),
        case("a clue sent down by the parent", "parent", clue("630000", "provincial"), Refused(Reason::NotAllowed)),
        case("the parent's notice for another city's county", "parent", notice("630000", json!({"to": ["630202"]})), Refused(Reason::NotAllowed)),
        case("a sibling city's notice for its subtree", "parent", notice("630200", json!({"subtree": true})), Refused(Reason::NotAllowed)),
        case("a local finding filed up", "local", record(Kind::Finding, "630100", json!({"up_to": "central"})).to_string(), up),
        case("a local record of any origin (submit checked it)", "local", finding().to_string(), up),
        case("a child's finding filed up", "630102", finding().to_string(), up),
        case("a child's finding half an hour ahead", "630102", soon, up),
        case("a child's clue filed here", "630102", clue("630102", "municipal"), here),
        case("a child's clue capped at the province", "630102", clue("630102", "central"), up),
        case("a child's notice for its sibling", "630102", notice("630102", json!({"to": ["630103"]})), Admitted { links: &["630103"], park: false }),
        case("a child's notice for another city's county", "630102", notice("630102", json!({"to": ["630202"]})), up),
        case("the parent's notice for the subtree", "parent", notice("630000", json!({"subtree": true})), counties),
        case("central's notice for the subtree", "parent", notice("000000", json!({"subtree": true})), counties),
        case("the parent's notice for one county", "parent", notice("630000", json!({"to": ["630102"]})), Admitted { links: &["630102"], park: false }),
        case("the parent's notice for here", "parent", notice("630000", json!({"to": ["630100"]})), here),
        case("the parent's notice for here and a county yet to join", "parent", notice("630000", json!({"to": ["630100", "630109"]})), Admitted { links: &[], park: true }),
    ]
}

#[test]
fn admission_table() {
    let view = municipality();
    for c in cases() {
        let declared = c.declared.as_ref().map(|(id, v)| (id.as_str(), *v));
        let got = admit(
            Schemas::builtin(),
            &view,
            None,
            MAX_BYTES,
            &c.from,
            &c.raw,
            declared,
        );
        match (&c.want, got) {
            (Admitted { links, park }, Ok(a)) => {
                let got: Vec<&str> = a.hops.iter().map(NodeId::as_str).collect();
                assert_eq!(
                    (got.as_slice(), a.park),
                    (*links, *park),
                    "{}: links and park",
                    c.what
                );
                assert_eq!(a.doc, c.raw, "{}: kept byte for byte", c.what);
            }
            (Refused(code), Err(r)) => {
                assert_eq!(r.code, *code, "{}: {}", c.what, r.reason);
                assert!(!r.reason.is_empty(), "{}: a reason for the sender", c.what);
            }
            (want, Ok(a)) => panic!("{}: admitted (to {:?}), wanted {want:?}", c.what, a.hops),
            (want, Err(r)) => panic!(
                "{}: refused ({}: {}), wanted {want:?}",
                c.what,
                r.code.as_str(),
                r.reason
            ),
        }
    }
}

/// The signature checks of `admit` under a tree manifest that lists the
/// two counties with their keys and takes unsigned records dated before
/// `unsigned_before` as legacy.
#[test]
fn signatures() {
    use crate::trust::{self, Manifest, Office, OfficeKey, Offices, SigningKey, Verifier};

    let dir = tempfile::tempdir().expect("a temporary directory");
    let since = Utc::now() - Duration::days(1);
    let key = |name: &str| {
        SigningKey::create(&dir.path().join(name), trust::Alg::EcdsaP256Sha256)
            .expect("a new signing key")
    };
    let (k102, k103) = (key("102.key"), key("103.key"));
    let office = |i: &str, level: Level, parent: Option<&str>, k: Option<&SigningKey>| Office {
        id: id(i),
        name: i.into(),
        level,
        parent: parent.map(id),
        keys: k.map(|k| OfficeKey::of(k, since)).into_iter().collect(),
        seal_keys: Vec::new(),
        successor: None,
    };
    let manifest = Manifest {
        network: "test".into(),
        version: 1,
        issued_at: since,
        suite: trust::Alg::EcdsaP256Sha256,
        unsigned_before: Some(since),
        offices: Offices::new(vec![
            office("000000", Level::Central, None, None),
            office("630000", Level::Provincial, Some("000000"), None),
            office("630100", Level::Municipal, Some("630000"), None),
            office("630102", Level::County, Some("630100"), Some(&k102)),
            office("630103", Level::County, Some("630100"), Some(&k103)),
        ])
        .expect("one tree"),
    };
    let verifier = Verifier::new(manifest).expect("keys parse");
    let signed = |r: Value, k: &SigningKey| {
        let mut rec = [serde_json::from_value(r).expect("a record")];
        trust::sign_chunk(&mut rec, k).expect("signs");
        serde_json::to_string(&rec[0]).expect("serialises")
    };
    let finding = || record(Kind::Finding, "630102", json!({"up_to": "central"}));
    let mut legacy = updated(finding(), since - Duration::hours(1));
    legacy["created_at"] = legacy["updated_at"].clone();
    let good = signed(finding(), &k102);
    let altered = good.replacen("\"version\":1", "\"version\":2", 1);
    assert_ne!(altered, good, "the version is in the record");
    let rows = [
        ("signed by its origin", good.clone(), None),
        ("a signed field altered", altered, Some(Reason::Signature)),
        (
            "signed with a sibling's key",
            signed(finding(), &k103),
            Some(Reason::Signature),
        ),
        (
            "unsigned, dated now",
            finding().to_string(),
            Some(Reason::Signature),
        ),
        (
            "unsigned, dated before unsigned_before",
            legacy.to_string(),
            None,
        ),
    ];
    let view = municipality();
    let child = Source::Child(id("630102"));
    for (what, raw, want) in rows {
        let got = admit(
            Schemas::builtin(),
            &view,
            Some(&verifier),
            MAX_BYTES,
            &child,
            &raw,
            None,
        );
        match (want, got) {
            (None, Ok(_)) => {}
            (Some(code), Err(r)) => assert_eq!(r.code, code, "{what}: {}", r.reason),
            (want, got) => panic!("{what}: wanted {want:?}, got {:?}", got.map(|a| a.hops)),
        }
    }
}

/// Every code `admit` refuses with appears in the table.
#[test]
fn the_table_covers_every_refusal() {
    let table: Vec<Reason> = cases()
        .iter()
        .filter_map(|c| match c.want {
            Refused(code) => Some(code),
            Admitted { .. } => None,
        })
        .collect();
    for code in [
        Reason::TooLarge,
        Reason::Malformed,
        Reason::Schema,
        Reason::Future,
        Reason::Fingerprint,
        Reason::NotAllowed,
    ] {
        assert!(table.contains(&code), "no row refused with {code:?}");
    }
}
