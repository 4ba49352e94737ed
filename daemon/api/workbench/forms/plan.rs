//! The round plan form: the round's dates and its teams, a row each (add
//! rows for more), each with the units it inspects picked from the
//! register: the plan's targets.

use serde_json::{Map, Value, json};

use super::{Draft, Held, opts, put};
use crate::api::workbench::ApiState;
use crate::api::workbench::html::{Form, choices};
use crate::i18n::tl;
use crate::records::Kind;

pub(super) const FIELDS: &[&str] = &[
    "round_id",
    "term",
    "round_no",
    "kind",
    "title",
    "dates.start",
    "dates.entry",
    "dates.feedback",
    "dates.end",
    "teams.#.id",
    "teams.#.name",
    "teams.#.leader",
    "teams.#.targets",
    "targets",
];

pub(super) fn fields(state: &ApiState, held: &Held, f: &Form) -> String {
    let lang = f.lang;
    let taxonomy = &state.engine.config.workflow.taxonomy;
    [
        f.input("round_id", &tl!(lang, "wb-round-id"), "text"),
        f.select(
            "term",
            &tl!(lang, "wb-term"),
            &opts(taxonomy.terms().map(|t| (t, t))),
            false,
        ),
        f.input("round_no", &tl!(lang, "wb-round-no"), "number"),
        f.select(
            "kind",
            &tl!(lang, "wb-round-kind"),
            &choices(lang, "wb-round-kind", &["regular", "special", "mobile"]),
            false,
        ),
        f.input("title", &tl!(lang, "wb-title"), "text"),
        f.input("dates.start", &tl!(lang, "wb-start"), "date"),
        f.input("dates.entry", &tl!(lang, "wb-entry"), "date"),
        f.input("dates.feedback", &tl!(lang, "wb-feedback"), "date"),
        f.input("dates.end", &tl!(lang, "wb-end"), "date"),
        f.row_set(
            "teams",
            &tl!(lang, "wb-team"),
            &tl!(lang, "wb-add-team"),
            |i| {
                [
                    f.input(&format!("teams.{i}.id"), &tl!(lang, "wb-team-id"), "text"),
                    f.input(
                        &format!("teams.{i}.name"),
                        &tl!(lang, "wb-team-name"),
                        "text",
                    ),
                    f.input(
                        &format!("teams.{i}.leader"),
                        &tl!(lang, "wb-team-leader"),
                        "text",
                    ),
                    f.checks(
                        &format!("teams.{i}.targets"),
                        &tl!(lang, "wb-targets"),
                        &held.unit_options(),
                    ),
                ]
                .concat()
            },
        ),
        f.problems_at("targets"),
    ]
    .concat()
}

pub(super) fn draft(held: &Held, f: &mut Form) -> Draft {
    let mut d = Draft::new(Kind::RoundPlan);
    d.round_id = Some(f.required("round_id"));
    d.set("term", json!(f.required("term")));
    match f.required("round_no").parse::<u32>() {
        Ok(n) => d.set("round_no", json!(n)),
        Err(_) => {
            let m = tl!(f.lang, "wb-whole-number");
            f.problem("round_no", m)
        }
    }
    d.set("kind", json!(f.required("kind")));
    d.set("title", json!(f.required("title")));
    let mut dates = Map::new();
    for day in ["start", "entry", "feedback", "end"] {
        put(&mut dates, f, &format!("dates.{day}"), day);
    }
    d.set("dates", Value::Object(dates));
    let mut teams = Vec::new();
    let mut targets = Vec::new();
    for i in 0..f.rows("teams") {
        let team = f.value(&format!("teams.{i}.id")).to_string();
        if !team.is_empty() {
            teams.push(json!({"id": team,
                              "name": f.value(&format!("teams.{i}.name")),
                              "leader": f.value(&format!("teams.{i}.leader"))}));
        }
        for u in f.all(&format!("teams.{i}.targets")) {
            let mut t = json!({"unit_id": u, "unit_name": held.unit_name(u)});
            if !team.is_empty() {
                t["team"] = json!(team);
            }
            targets.push(t);
        }
    }
    if !teams.is_empty() {
        d.set("teams", json!(teams));
    }
    d.set("targets", json!(targets));
    d
}
