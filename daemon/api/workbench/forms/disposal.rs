//! The clue disposal form: the office a clue was transferred to (its
//! managing level is this office's) reports how it disposed of it — 谈话函询,
//! 初步核实, 暂存待查 or 予以了结 — as the clue's disposal report.

use serde_json::{Map, Value, json};

use super::{Draft, Held, opts, put};
use crate::api::workbench::html::{Form, choices};
use crate::i18n::{label, tl};
use crate::records::Kind;

pub(super) const FIELDS: &[&str] = &[
    "disposal_of",
    "disposal.method",
    "disposal.reported_on",
    "disposal.note",
];

/// The ways a clue is disposed of, by code.
const METHODS: [&str; 4] = ["talk_inquiry", "preliminary_verification", "hold", "close"];

pub(super) fn fields(held: &Held, f: &Form) -> String {
    let lang = f.lang;
    let clues = opts(held.clues.iter().map(|c| {
        let to = c.transfer_to.as_deref().unwrap_or_default();
        (
            c.id.to_string(),
            format!(
                "{}（{} → {}）",
                c.id,
                c.origin,
                label(lang, "wb-transfer-to", to)
            ),
        )
    }));
    [
        f.select("disposal_of", &tl!(lang, "wb-clue-chosen"), &clues, false),
        f.select(
            "disposal.method",
            &tl!(lang, "wb-method"),
            &choices(lang, "wb-method", &METHODS),
            false,
        ),
        f.input("disposal.reported_on", &tl!(lang, "wb-reported-on"), "date"),
        f.textarea("disposal.note", &tl!(lang, "wb-note")),
    ]
    .concat()
}

pub(super) fn draft(f: &mut Form) -> Draft {
    let mut d = Draft::new(Kind::Clue);
    d.set("disposal_of", json!(f.required("disposal_of")));
    let mut disposal = Map::new();
    disposal.insert("method".into(), json!(f.required("disposal.method")));
    put(&mut disposal, f, "disposal.reported_on", "reported_on");
    put(&mut disposal, f, "disposal.note", "note");
    d.set("disposal", Value::Object(disposal));
    d
}
