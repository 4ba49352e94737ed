//! The clue transfer form: to whom, at which managing level, about which
//! of this office's findings.

use serde_json::json;

use super::{Draft, Held, line_label, opts};
use crate::api::workbench::html::{Form, choices};
use crate::i18n::tl;
use crate::records::Kind;

pub(super) const FIELDS: &[&str] = &[
    "transfer_to",
    "managing_level",
    "finding_ids",
    "subject",
    "summary",
];

pub(super) fn fields(held: &Held, f: &Form) -> String {
    let lang = f.lang;
    let me = held.me.as_str();
    let findings = held.lines_where(|l| l.inspecting_office.as_str() == me);
    [
        f.select(
            "transfer_to",
            &tl!(lang, "wb-transfer-to"),
            &choices(
                lang,
                "wb-transfer-to",
                &["discipline_commission", "organization_dept"],
            ),
            false,
        ),
        f.select(
            "managing_level",
            &tl!(lang, "wb-managing-level"),
            &choices(
                lang,
                "wb-managing-level",
                &["central", "provincial", "municipal", "county"],
            ),
            false,
        ),
        f.select(
            "finding_ids",
            &tl!(lang, "wb-findings"),
            &opts(
                findings
                    .iter()
                    .map(|l| (l.finding_id.to_string(), line_label(l))),
            ),
            true,
        ),
        f.input("subject", &tl!(lang, "wb-subject"), "text"),
        f.textarea("summary", &tl!(lang, "wb-summary")),
    ]
    .concat()
}

pub(super) fn draft(f: &mut Form) -> Draft {
    let mut d = Draft::new(Kind::Clue);
    d.set("transfer_to", json!(f.required("transfer_to")));
    d.set("managing_level", json!(f.required("managing_level")));
    d.set("finding_ids", json!(f.all("finding_ids")));
    d.set("subject", json!(f.required("subject")));
    d.set("summary", json!(f.required("summary")));
    d
}
