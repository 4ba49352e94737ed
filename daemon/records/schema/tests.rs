//! Schema enforcement, table-driven.

use serde_json::{Value, json};

use super::*;

fn example(kind: Kind) -> Value {
    let path = format!(
        "{}/schemas/examples/{}.json",
        env!("CARGO_MANIFEST_DIR"),
        kind.as_str()
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn record(kind: Kind, body: Value) -> Value {
    json!({
        "id": "01a20e06-80e3-7253-b2e5-290e7b2e5ef0",
        "kind": kind.as_str(),
        "origin": "630202",
        "version": 1,
        "created_at": "2026-11-24T08:00:00Z",
        "updated_at": "2026-11-24T08:00:00.123+08:00",
        "classification": if kind == Kind::Clue { "secret" } else { "internal" },
        "route": {"up_to": "central"},
        "body": body,
    })
}

#[test]
fn every_shipped_example_is_valid() {
    for kind in Kind::ALL {
        let r = Schemas::builtin().validate(record(kind, example(kind)));
        assert!(r.is_ok(), "{kind}: {}", r.unwrap_err());
    }
}

#[test]
fn invalid_records_name_the_field() {
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let finding = || record(Kind::Finding, example(Kind::Finding));
    let mut r = finding();
    r["body"].as_object_mut().unwrap().remove("title");
    cases.push((r, "/body"));
    let mut r = finding();
    r["body"]["severity"] = json!("big");
    cases.push((r, "/body/severity"));
    let mut r = finding();
    r["body"]["colour"] = json!("red");
    cases.push((r, "colour"));
    let mut r = finding();
    r["origin"] = json!("63 02");
    cases.push((r, "/origin"));
    let mut r = finding();
    r["version"] = json!(0);
    cases.push((r, "/version"));
    let mut r = finding();
    r["kind"] = json!("memo");
    cases.push((r, "unknown record kind"));
    let mut r = record(Kind::Clue, example(Kind::Clue));
    r["classification"] = json!("internal");
    cases.push((r, "/classification"));
    let mut r = record(Kind::Clue, example(Kind::Clue));
    r["route"]["to"] = json!(["630100"]);
    cases.push((r, "/route/to"));
    let mut r = finding();
    r["extra"] = json!(1);
    cases.push((r, "extra"));
    for (value, want) in cases {
        let err = Schemas::builtin().validate(value).unwrap_err().to_string();
        assert!(err.contains(want), "{err:?} should mention {want}");
    }
}

#[test]
fn a_schema_change_changes_what_is_accepted() {
    let mut finding: Value = serde_json::from_str(body_schema_text(Kind::Finding)).unwrap();
    finding["required"]
        .as_array_mut()
        .unwrap()
        .push(json!("number"));
    let text = finding.to_string();
    let bodies: Vec<(Kind, &str)> = Kind::ALL
        .iter()
        .map(|k| {
            (
                *k,
                if *k == Kind::Finding {
                    text.as_str()
                } else {
                    body_schema_text(*k)
                },
            )
        })
        .collect();
    let stricter = Schemas::from_sources(ENVELOPE_SCHEMA, &bodies).unwrap();
    let mut body = example(Kind::Finding);
    body.as_object_mut().unwrap().remove("number");
    let r = record(Kind::Finding, body);
    assert!(Schemas::builtin().check(&r).is_ok());
    let err = stricter.check(&r).unwrap_err().to_string();
    assert!(err.contains("number"), "{err}");
}
