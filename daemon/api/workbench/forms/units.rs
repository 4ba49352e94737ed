//! The unit register form: one unit added to (or updated in) this
//! office's register, the register held listed above it.

use serde_json::json;

use super::{Draft, Held};
use crate::api::workbench::ApiState;
use crate::api::workbench::html::{Form, choices, esc};
use crate::i18n::tl;
use crate::records::{Kind, Names};
use crate::workflow::bodies::Unit;
use crate::workflow::{ids, register};

pub(super) const FIELDS: &[&str] = &["units.id", "units.name", "units.type"];

pub(super) fn fields(held: &Held, f: &Form) -> String {
    let lang = f.lang;
    let mut listed = String::from("<ul id=\"units\">");
    for u in &held.units {
        listed.push_str(&format!("<li>{}（{}）</li>", esc(&u.name), esc(&u.id)));
    }
    listed.push_str("</ul>");
    let types: Vec<&str> = Names::builtin()
        .choices(Kind::UnitRegister, "units[].type")
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    [
        listed,
        f.input("units.id", &tl!(lang, "wb-unit-id"), "text"),
        f.input("units.name", &tl!(lang, "wb-unit-name"), "text"),
        f.select(
            "units.type",
            &tl!(lang, "wb-unit-type"),
            &choices(lang, "wb-unit-type", &types),
            false,
        ),
    ]
    .concat()
}

pub(super) fn draft(state: &ApiState, held: &Held, f: &mut Form) -> Draft {
    let me = held.me.as_str();
    let unit = Unit {
        id: f.required("units.id"),
        name: f.required("units.name"),
        kind: f.required("units.type"),
    };
    let mut d = Draft::new(Kind::UnitRegister);
    d.id = Some(ids::register(me));
    d.set("office", json!(me));
    d.set("office_name", json!(state.engine.config.name));
    d.set("units", json!(register::merge(&held.units, vec![unit])));
    d
}
