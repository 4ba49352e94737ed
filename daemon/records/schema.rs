//! JSON Schema enforcement: the files in `schemas/` are compiled into the
//! binary and checked on submit and at every hop. They are the one source
//! of truth for what a record may contain. A refusal quotes at most
//! [`CLIP`] characters of what it refuses.

use std::collections::HashMap;
use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

use super::{Kind, Record};
use crate::clip::{CLIP, clip};

/// The schema texts built into this binary.
pub const ENVELOPE_SCHEMA: &str = include_str!("../../schemas/envelope.schema.json");

/// The body schema text of `kind`.
pub fn body_schema_text(kind: Kind) -> &'static str {
    match kind {
        Kind::RoundPlan => include_str!("../../schemas/round_plan.schema.json"),
        Kind::Finding => include_str!("../../schemas/finding.schema.json"),
        Kind::Clue => include_str!("../../schemas/clue.schema.json"),
        Kind::Rectification => include_str!("../../schemas/rectification.schema.json"),
        Kind::Assignment => include_str!("../../schemas/assignment.schema.json"),
        Kind::Notice => include_str!("../../schemas/notice.schema.json"),
        Kind::Health => include_str!("../../schemas/health.schema.json"),
        Kind::UnitRegister => include_str!("../../schemas/unit_register.schema.json"),
        Kind::ClueTally => include_str!("../../schemas/clue_tally.schema.json"),
    }
}

/// How many schema violations one error message lists.
const MAX_LISTED: usize = 5;

/// Why a record was refused, naming the offending fields.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("record is not a JSON object")]
    NotAnObject,
    #[error("{0}")]
    UnknownKind(String),
    #[error("envelope: {0}")]
    Envelope(String),
    #[error("{kind} body: {errors}")]
    Body { kind: Kind, errors: String },
    #[error("record does not decode: {0}")]
    Decode(String),
}

/// A schema text that does not compile.
#[derive(Debug, thiserror::Error)]
#[error("schema {name}: {reason}")]
pub struct SchemaError {
    pub name: String,
    pub reason: String,
}

/// Compiled validators for the envelope and every kind.
pub struct Schemas {
    envelope: Validator,
    bodies: HashMap<Kind, Validator>,
}

impl Schemas {
    /// The schemas built into this binary, compiled once.
    pub fn builtin() -> &'static Schemas {
        static BUILTIN: OnceLock<Schemas> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let bodies: Vec<(Kind, &str)> = Kind::ALL
                .iter()
                .map(|k| (*k, body_schema_text(*k)))
                .collect();
            // The embedded texts are fixed at build time and covered by
            // tests, so failing to compile them is a build defect.
            Schemas::from_sources(ENVELOPE_SCHEMA, &bodies).expect("built-in schemas compile")
        })
    }

    /// Compiles validators from schema texts (tests use this to show that a
    /// schema change changes what is accepted).
    pub fn from_sources(envelope: &str, bodies: &[(Kind, &str)]) -> Result<Schemas, SchemaError> {
        let compile = |name: &str, text: &str| -> Result<Validator, SchemaError> {
            let err = |reason: String| SchemaError {
                name: name.to_string(),
                reason,
            };
            let value: Value = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
            jsonschema::validator_for(&value).map_err(|e| err(e.to_string()))
        };
        let mut map = HashMap::new();
        for (kind, text) in bodies {
            map.insert(*kind, compile(kind.as_str(), text)?);
        }
        for kind in Kind::ALL {
            if !map.contains_key(&kind) {
                return Err(SchemaError {
                    name: kind.as_str().into(),
                    reason: "no schema given".into(),
                });
            }
        }
        Ok(Schemas {
            envelope: compile("envelope", envelope)?,
            bodies: map,
        })
    }

    /// Checks a whole record (envelope, then its kind's body) and decodes
    /// it, moving the body out of `value` rather than copying it.
    pub fn validate(&self, value: Value) -> Result<Record, RecordError> {
        self.check(&value)?;
        serde_json::from_value(value).map_err(|e| RecordError::Decode(clip(&e.to_string())))
    }

    /// Checks a whole record: its envelope, then its kind's body.
    pub fn check(&self, value: &Value) -> Result<(), RecordError> {
        let obj = value.as_object().ok_or(RecordError::NotAnObject)?;
        if let Some(kind) = obj.get("kind").and_then(Value::as_str)
            && kind.parse::<Kind>().is_err()
        {
            return Err(RecordError::UnknownKind(kind.parse::<Kind>().unwrap_err()));
        }
        if let Some(errors) = describe(&self.envelope, value, "") {
            return Err(RecordError::Envelope(errors));
        }
        let kind: Kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .and_then(|k| k.parse().ok())
            .ok_or_else(|| RecordError::Envelope("/kind: missing".into()))?;
        let body = obj.get("body").unwrap_or(&Value::Null);
        self.validate_body(kind, body)
    }

    /// Checks a body against its kind's schema.
    pub fn validate_body(&self, kind: Kind, body: &Value) -> Result<(), RecordError> {
        let validator = &self.bodies[&kind];
        match describe(validator, body, "/body") {
            Some(errors) => Err(RecordError::Body { kind, errors }),
            None => Ok(()),
        }
    }
}

/// What a violation says, quoting the offending value only when short: a
/// long one is named "value" (`masked`), so the reason keeps what is wrong
/// with it (e.g. "is longer than 200 characters") instead of the value.
fn violation(e: &jsonschema::ValidationError<'_>) -> String {
    let said = e.to_string();
    if said.chars().count() <= CLIP {
        said
    } else {
        clip(&e.masked().to_string())
    }
}

/// The first few violations as `pointer: reason` (pointers and reasons
/// clipped), or None when valid.
fn describe(validator: &Validator, value: &Value, prefix: &str) -> Option<String> {
    // The common case, valid, without collecting errors.
    if validator.is_valid(value) {
        return None;
    }
    let mut listed = Vec::new();
    let mut total = 0usize;
    for e in validator.iter_errors(value) {
        total += 1;
        if listed.len() < MAX_LISTED {
            let path = e.instance_path().to_string();
            let at = if path.is_empty() && prefix.is_empty() {
                "/".to_string()
            } else {
                format!("{prefix}{path}")
            };
            listed.push(format!("{}: {}", clip(&at), violation(&e)));
        }
    }
    if total == 0 {
        return None;
    }
    let mut msg = listed.join("; ");
    if total > listed.len() {
        msg.push_str(&format!(" (and {} more)", total - listed.len()));
    }
    Some(msg)
}

#[cfg(test)]
mod tests;
