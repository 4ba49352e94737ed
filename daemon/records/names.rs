//! The names people use for the enumerated values of record bodies. Every
//! `enum` of a body schema in `schemas/` carries `x-names`: for each code,
//! its Chinese names, the first the one shown, the others also accepted
//! (`"talk_inquiry": ["谈话函询"]`, `"township": ["乡镇（街道）", "乡镇",
//! "街道"]`). An office may write either the code or a name; what is
//! stored, signed and sent is always the code ([`Names::to_codes`], on
//! submit, before the rules and the schema see the body). Readers show
//! the first name ([`Names::name_of`]).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::{Kind, body_schema_text};

/// The names of one enumerated value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub code: String,
    /// Chinese names, the first the one shown.
    pub names: Vec<String>,
}

impl Choice {
    /// The code `value` stands for among `choices`: a code or a name.
    pub fn code_in<'a>(choices: &'a [Choice], value: &str) -> Option<&'a str> {
        choices
            .iter()
            .find(|c| c.code == value || c.names.iter().any(|n| n == value))
            .map(|c| c.code.as_str())
    }
}

/// Every enumerated field of every body kind, by kind and field path
/// (`disposal.method`, `units[].type`: members joined by dots, `[]` for an
/// array's items).
pub struct Names {
    fields: HashMap<(Kind, String), Vec<Choice>>,
}

impl Names {
    /// The names of the schemas built into this binary.
    pub fn builtin() -> &'static Names {
        static BUILTIN: OnceLock<Names> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut fields = HashMap::new();
            for kind in Kind::ALL {
                // The embedded texts are fixed at build time and compiled
                // by `Schemas::builtin`, so one that does not parse is a
                // build defect.
                let schema: Value =
                    serde_json::from_str(body_schema_text(kind)).expect("built-in schema parses");
                collect(kind, &schema, String::new(), &mut fields);
            }
            Names { fields }
        })
    }

    /// The choices of `field` of `kind`, in the schema's order; empty if
    /// the field is not enumerated.
    pub fn choices(&self, kind: Kind, field: &str) -> &[Choice] {
        self.fields
            .get(&(kind, field.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// The code `value` stands for in `field` of `kind`: the code itself or
    /// one of its names.
    pub fn code_of(&self, kind: Kind, field: &str, value: &str) -> Option<&str> {
        Choice::code_in(self.choices(kind, field), value)
    }

    /// The name shown for `code` in `field` of `kind`; a value that is not
    /// one of its codes, as it is.
    pub fn name_of<'a>(&'a self, kind: Kind, field: &str, code: &'a str) -> &'a str {
        self.choices(kind, field)
            .iter()
            .find(|c| c.code == code)
            .and_then(|c| c.names.first())
            .map_or(code, String::as_str)
    }

    /// Replaces, in `body` of `kind`, every enumerated value written by
    /// one of its names with its code. Anything else is left for the
    /// schema to judge.
    pub fn to_codes(&self, kind: Kind, body: &mut Value) {
        for ((k, field), choices) in &self.fields {
            if *k == kind {
                let path: Vec<&str> = field.split('.').collect();
                replace_at(body, &path, choices);
            }
        }
    }
}

/// The `x-names` of every enum below `schema` (at `path`) into `out`.
fn collect(
    kind: Kind,
    schema: &Value,
    path: String,
    out: &mut HashMap<(Kind, String), Vec<Choice>>,
) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    if let (Some(codes), Some(names)) = (obj.get("enum"), obj.get("x-names")) {
        let choices = codes
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|code| Choice {
                code: code.to_string(),
                names: names[code]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            })
            .collect();
        out.insert((kind, path.clone()), choices);
    }
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            let p = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            collect(kind, sub, p, out);
        }
    }
    if let Some(items) = obj.get("items") {
        collect(kind, items, format!("{path}[]"), out);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for sub in obj.get(key).and_then(Value::as_array).into_iter().flatten() {
            collect(kind, sub, path.clone(), out);
        }
    }
}

/// Follows `path` (members, `name[]` for each item of an array) into `v`
/// and replaces a name found there with its code.
fn replace_at(v: &mut Value, path: &[&str], choices: &[Choice]) {
    let Some((first, rest)) = path.split_first() else {
        if let Some(code) = v.as_str().and_then(|s| {
            choices
                .iter()
                .find(|c| c.names.iter().any(|n| n == s))
                .map(|c| c.code.clone())
        }) {
            *v = Value::String(code);
        }
        return;
    };
    let (name, items) = match first.strip_suffix("[]") {
        Some(name) => (name, true),
        None => (*first, false),
    };
    let Some(inner) = v.get_mut(name) else {
        return;
    };
    if items {
        for item in inner.as_array_mut().into_iter().flatten() {
            replace_at(item, rest, choices);
        }
    } else {
        replace_at(inner, rest, choices);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::records::Schemas;

    #[test]
    fn every_enum_of_every_body_names_each_of_its_codes() {
        let names = Names::builtin();
        for kind in Kind::ALL {
            let schema: Value = serde_json::from_str(body_schema_text(kind)).unwrap();
            let mut enums = Vec::new();
            find_enums(&schema, "", &mut enums);
            for (field, codes) in enums {
                // The sealing suite is a technical name, not a person's choice.
                if (kind, field.as_str()) == (Kind::Clue, "sealed.alg") {
                    continue;
                }
                let choices = names.choices(kind, &field);
                let got: Vec<_> = choices.iter().map(|c| c.code.clone()).collect();
                assert_eq!(got, codes, "{kind} {field}: x-names lists every code");
                for c in choices {
                    assert!(!c.names.is_empty(), "{kind} {field} {}: no name", c.code);
                    assert!(
                        c.names[0].chars().any(|ch| ch > '\u{2e80}'),
                        "{kind} {field} {}: the name shown is Chinese",
                        c.code
                    );
                }
                let all: Vec<_> = choices.iter().flat_map(|c| &c.names).collect();
                let mut unique = all.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(
                    unique.len(),
                    all.len(),
                    "{kind} {field}: a name stands for one code"
                );
            }
        }
    }

    fn find_enums(s: &Value, path: &str, out: &mut Vec<(String, Vec<String>)>) {
        let join = |name: &str| {
            if path.is_empty() {
                name.to_string()
            } else {
                format!("{path}.{name}")
            }
        };
        if let Some(codes) = s.get("enum").and_then(Value::as_array) {
            let codes = codes.iter().filter_map(Value::as_str).map(String::from);
            out.push((path.to_string(), codes.collect()));
        }
        for (name, sub) in s
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            find_enums(sub, &join(name), out);
        }
        if let Some(items) = s.get("items") {
            find_enums(items, &format!("{path}[]"), out);
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            for sub in s.get(key).and_then(Value::as_array).into_iter().flatten() {
                find_enums(sub, path, out);
            }
        }
    }

    #[test]
    fn names_become_codes_and_codes_read_as_names() {
        let names = Names::builtin();
        let mut clue = json!({"transfer_to": "纪委监委", "managing_level": "县级",
            "disposal_of": "01a20e06-80e3-7253-b2e5-290e7b2e5ef0",
            "disposal": {"method": "谈话函询", "reported_on": "2026-12-01"}});
        names.to_codes(Kind::Clue, &mut clue);
        assert_eq!(clue["transfer_to"], "discipline_commission");
        assert_eq!(clue["managing_level"], "county");
        assert_eq!(clue["disposal"]["method"], "talk_inquiry");
        let mut register = json!({"units": [{"id": "u1", "name": "雨润镇党委", "type": "乡镇"},
            {"id": "u2", "name": "县教育局", "type": "department"}, {"id": "u3", "type": "某某"}]});
        names.to_codes(Kind::UnitRegister, &mut register);
        assert_eq!(register["units"][0]["type"], "township");
        assert_eq!(register["units"][1]["type"], "department");
        assert_eq!(
            register["units"][2]["type"], "某某",
            "left for the schema to refuse"
        );
        assert!(
            Schemas::builtin()
                .validate_body(Kind::UnitRegister, &register)
                .is_err()
        );
        assert_eq!(names.name_of(Kind::Finding, "severity", "major"), "严重");
        assert_eq!(
            names.name_of(Kind::RoundPlan, "kind", "follow_up"),
            "回头看"
        );
        assert_eq!(names.name_of(Kind::Finding, "severity", "其他"), "其他");
        assert_eq!(
            names.code_of(Kind::Rectification, "status", "退回"),
            Some("reopened")
        );
        assert_eq!(
            names.code_of(Kind::Rectification, "status", "verified"),
            Some("verified")
        );
        assert_eq!(names.code_of(Kind::Notice, "grade", "紫色"), None);
    }

    /// Where the catalogue names the same values for display (in either
    /// language), its Chinese name is the one the schema shows, so what a
    /// person reads is what they may type back.
    #[test]
    fn the_catalogue_shows_the_schemas_names() {
        use crate::i18n::{Lang, has, label};
        let groups: [(Kind, &str, &[&str]); 10] = [
            (Kind::Finding, "severity", &["wb-severity", "severity"]),
            (Kind::UnitRegister, "units[].type", &["wb-unit-type"]),
            (Kind::Clue, "disposal.method", &["wb-method"]),
            (Kind::Clue, "transfer_to", &["wb-transfer-to"]),
            (Kind::Clue, "managing_level", &["wb-managing-level"]),
            (Kind::RoundPlan, "kind", &["wb-round-kind", "plan-kind"]),
            (Kind::Rectification, "status", &["rect-state"]),
            (Kind::Notice, "grade", &["grade"]),
            (Kind::Assignment, "type", &["assignment-kind"]),
            (Kind::Health, "level", &["level"]),
        ];
        let names = Names::builtin();
        for (kind, field, catalogue) in groups {
            for group in catalogue {
                for c in names.choices(kind, field) {
                    if has(&format!("{group}-{}", c.code)) {
                        let shown = label(Lang::Zh, group, &c.code);
                        assert_eq!(
                            shown,
                            names.name_of(kind, field, &c.code),
                            "{group}-{}",
                            c.code
                        );
                    }
                }
            }
        }
    }
}
