//! The rectification progress form: the host office reports a finding
//! planned, in progress or completed, with its measures (a row each; add
//! rows for more) and evidence.

use serde_json::{Map, Value, json};

use super::{Draft, Held, line_label, opts, put};
use crate::api::workbench::html::{Form, choices};
use crate::i18n::tl;
use crate::records::Kind;
use crate::workflow::rectify::State as RectState;

pub(super) const FIELDS: &[&str] = &[
    "finding_id",
    "status",
    "deadline",
    "responsible_unit",
    "responsible_person",
    "measures.#.goal",
    "measures.#.measures",
    "measures.#.responsible_leader",
    "measures.#.lead_department",
    "evidence",
    "note",
];

/// The fields of a measure.
const MEASURE: [&str; 4] = ["goal", "measures", "responsible_leader", "lead_department"];

pub(super) fn fields(held: &Held, f: &Form) -> String {
    let lang = f.lang;
    let me = held.me.as_str();
    let open = held.lines_where(|l| l.host_office == me && l.state != RectState::Verified);
    let statuses = choices(lang, "rect-state", &["planned", "in_progress", "completed"]);
    [
        f.select(
            "finding_id",
            &tl!(lang, "wb-finding"),
            &opts(
                open.iter()
                    .map(|l| (l.finding_id.to_string(), line_label(l))),
            ),
            false,
        ),
        f.select("status", &tl!(lang, "wb-status"), &statuses, false),
        f.input("deadline", &tl!(lang, "wb-deadline"), "date"),
        f.input(
            "responsible_unit",
            &tl!(lang, "wb-responsible-unit"),
            "text",
        ),
        f.input(
            "responsible_person",
            &tl!(lang, "wb-responsible-person"),
            "text",
        ),
        f.row_set(
            "measures",
            &tl!(lang, "wb-measures-set"),
            &tl!(lang, "wb-add-measure"),
            |i| {
                let labels = [
                    tl!(lang, "wb-goal"),
                    tl!(lang, "wb-measures"),
                    tl!(lang, "wb-leader"),
                    tl!(lang, "wb-lead-dept"),
                ];
                MEASURE
                    .iter()
                    .zip(&labels)
                    .map(|(m, label)| f.input(&format!("measures.{i}.{m}"), label, "text"))
                    .collect::<String>()
            },
        ),
        f.textarea("evidence", &tl!(lang, "wb-evidence")),
        f.textarea("note", &tl!(lang, "wb-note")),
    ]
    .concat()
}

pub(super) fn draft(held: &Held, f: &mut Form) -> Draft {
    let me = held.me.as_str();
    let mut d = Draft::new(Kind::Rectification);
    let fid = f.required("finding_id");
    let line = held
        .lines
        .iter()
        .find(|l| l.finding_id.to_string() == fid && l.host_office == me);
    d.set("finding_id", json!(fid));
    d.set(
        "inspecting_office",
        json!(
            line.map(|l| l.inspecting_office.to_string())
                .unwrap_or_default()
        ),
    );
    d.set("host_office", json!(me));
    d.set("status", json!(f.required("status")));
    for field in ["deadline", "responsible_unit", "responsible_person", "note"] {
        put(&mut d.body, f, field, field);
    }
    let measures: Vec<Map<String, Value>> = (0..f.rows("measures"))
        .map(|i| {
            let mut measure = Map::new();
            for m in MEASURE {
                put(&mut measure, f, &format!("measures.{i}.{m}"), m);
            }
            measure
        })
        .filter(|m| !m.is_empty())
        .collect();
    if !measures.is_empty() {
        d.set("measures", json!(measures));
    }
    let evidence: Vec<&str> = f
        .value("evidence")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if !evidence.is_empty() {
        d.set("evidence", json!(evidence));
    }
    d
}
