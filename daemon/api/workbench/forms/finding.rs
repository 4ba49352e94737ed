//! The finding form: categories from the taxonomy of the terms this
//! office plans rounds in, severity, common issue, the unit inspected.

use serde_json::json;

use super::{Draft, Held, opts, put};
use crate::api::workbench::ApiState;
use crate::api::workbench::html::{Form, choices};
use crate::i18n::tl;
use crate::records::{Kind, Names};
use crate::workflow::ids;

pub(super) const FIELDS: &[&str] = &[
    "round_id",
    "number",
    "title",
    "category",
    "severity",
    "common",
    "target_unit",
    "team",
    "facts",
    "found_on",
];

pub(super) fn fields(state: &ApiState, held: &Held, f: &Form) -> String {
    let lang = f.lang;
    let taxonomy = &state.engine.config.workflow.taxonomy;
    let level = state.engine.config.level;
    let mut terms: Vec<&str> = held.plans.iter().map(|(_, p)| p.term.as_str()).collect();
    if terms.is_empty() {
        terms.extend(taxonomy.terms().last());
    }
    terms.sort_unstable();
    terms.dedup();
    let mut categories: Vec<(String, String)> = Vec::new();
    for t in terms {
        for (id, name) in taxonomy.categories(t, level) {
            if !categories.iter().any(|(c, _)| c == id) {
                categories.push((id.into(), name.into()));
            }
        }
    }
    let rounds = opts(
        held.plans
            .iter()
            .map(|(r, p)| (r.clone(), format!("{}（{r}）", p.title))),
    );
    let severities: Vec<&str> = Names::builtin()
        .choices(Kind::Finding, "severity")
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    [
        f.select("round_id", &tl!(lang, "wb-round"), &rounds, false),
        f.input("number", &tl!(lang, "wb-number"), "text"),
        f.input("title", &tl!(lang, "wb-title"), "text"),
        f.select("category", &tl!(lang, "wb-category"), &categories, false),
        f.select(
            "severity",
            &tl!(lang, "wb-severity"),
            &choices(lang, "wb-severity", &severities),
            false,
        ),
        f.checks(
            "common",
            &tl!(lang, "wb-common"),
            &opts([("true", tl!(lang, "wb-yes"))]),
        ),
        f.select(
            "target_unit",
            &tl!(lang, "wb-target-unit"),
            &held.unit_options(),
            false,
        ),
        f.input("team", &tl!(lang, "wb-team"), "text"),
        f.textarea("facts", &tl!(lang, "wb-facts")),
        f.input("found_on", &tl!(lang, "wb-found-on"), "date"),
    ]
    .concat()
}

pub(super) fn draft(held: &Held, f: &mut Form) -> Draft {
    let mut d = Draft::new(Kind::Finding);
    d.round_id = Some(f.required("round_id"));
    let number = f.required("number");
    d.id = Some(ids::imported(held.me.as_str(), "finding", &number));
    d.set("number", json!(number));
    d.set("title", json!(f.required("title")));
    d.set("category", json!(f.required("category")));
    d.set("severity", json!(f.required("severity")));
    if f.value("common") == "true" {
        d.set("common", json!(true));
    }
    let unit = f.value("target_unit").to_string();
    if !unit.is_empty() {
        d.set(
            "target_unit",
            json!({"unit_id": unit, "unit_name": held.unit_name(&unit)}),
        );
    }
    for field in ["team", "facts", "found_on"] {
        put(&mut d.body, f, field, field);
    }
    d
}
