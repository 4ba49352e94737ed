//! What an operator submits and why a submit is refused: the request, the
//! record it stored, and the error. Below both the workflow rules, which
//! check and fill a request, and the engine, which commits it; the engine
//! re-exports these under its own path.

use serde::Deserialize;
use uuid::Uuid;

use crate::i18n::{Lang, label, message, tl};
use crate::records::{Classification, Kind, Record};
use crate::store::StoreError;

/// What an operator submits: the body plus optional envelope fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    pub kind: Kind,
    /// Supplying an id makes the submit idempotent; resubmitting a changed
    /// body under the same id writes a new version.
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub round_id: Option<String>,
    #[serde(default)]
    pub classification: Option<Classification>,
    pub body: serde_json::Value,
}

/// A record as stored by a submit, with its stored JSON (what the API
/// answers, so a bulk submit is not serialised again).
#[derive(Debug)]
pub struct Submitted {
    pub record: Record,
    pub doc: String,
}

/// Why a local submit was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("{0}")]
    Invalid(String),
    /// A domain rule's refusal, read in the requester's language.
    #[error("{0}")]
    Refused(Refusal),
    #[error("{}", self.text(Lang::Zh))]
    NotOwner { id: Uuid, origin: String },
    #[error("{}", self.text(Lang::Zh))]
    Recovering,
    #[error("{}", self.text(Lang::Zh))]
    Conflict(Uuid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SubmitError {
    /// The sentence in `lang`, from the catalogue; a store failure and
    /// an unchecked refusal (the schema's) as they read.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            SubmitError::Refused(r) => r.text(lang),
            SubmitError::Recovering => tl!(lang, "submit-recovering"),
            SubmitError::NotOwner { id, origin } => {
                tl!(
                    lang,
                    "submit-not-owner",
                    id = id.to_string(),
                    origin = origin
                )
            }
            SubmitError::Conflict(id) => tl!(lang, "submit-conflict", id = id.to_string()),
            SubmitError::Invalid(s) => s.clone(),
            SubmitError::Store(e) => e.to_string(),
        }
    }
}

/// Why a domain rule refuses a submit: the field it is about (a path of
/// the request, `body.targets[2].unit_id`, `round_id`; empty when it is
/// about the record as a whole) and a catalogue message with its
/// arguments. Reads `FIELD: sentence`, in Chinese unless asked otherwise
/// ([`Refusal::text`]); the workbench places it next to the field by that
/// prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: String,
    /// The catalogue key, also the stable name of the rule (`refuse-…`).
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Refusal {
    /// The same refusal about `field`.
    pub fn at(self, field: &str) -> Refusal {
        Refusal {
            field: field.to_string(),
            ..self
        }
    }

    /// The refusal in `lang`, its field first.
    pub fn text(&self, lang: Lang) -> String {
        let said = self.sentence(lang);
        if self.field.is_empty() {
            said
        } else {
            format!("{}: {said}", self.field)
        }
    }

    /// The refusal's sentence in `lang`, without its field (for a form
    /// that shows it beside the field); an argument holding an enumerated
    /// value ([`NAMED`]) reads by its name.
    pub fn sentence(&self, lang: Lang) -> String {
        let args: Vec<_> = self
            .args
            .iter()
            .map(|(n, v)| match NAMED.iter().find(|(arg, _)| arg == n) {
                Some((_, group)) => (*n, crate::i18n::arg(label(lang, group, v))),
                None => (*n, crate::i18n::arg(v)),
            })
            .collect();
        message(lang, self.key, &args)
    }
}

/// Refusal arguments that hold a code, and the catalogue group naming
/// it: an office's level (`level-county` 县级), a rectification state.
const NAMED: [(&str, &str); 4] = [
    ("level", "level"),
    ("managing", "level"),
    ("cap", "level"),
    ("state", "rect-state"),
];

impl From<Refusal> for SubmitError {
    fn from(r: Refusal) -> Self {
        SubmitError::Refused(r)
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::Zh))
    }
}

/// A [`Refusal`]: `refusal!(FIELD, KEY, name = value…)`, each
/// value as it displays. The catalogue test checks the key and the
/// argument names.
macro_rules! refusal {
    ($field:expr, $key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::submit::Refusal {
            field: ($field).to_string(),
            key: $key,
            args: vec![$((stringify!($name), ($value).to_string())),*],
        }
    };
}
pub(crate) use refusal;

/// A [`SubmitError::Refused`], written as [`refusal!`].
macro_rules! refused {
    ($field:expr, $key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::submit::SubmitError::Refused($crate::submit::refusal!(
            $field, $key $(, $name = $value)*
        ))
    };
}
pub(crate) use refused;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_field_first_in_either_language_with_codes_named() {
        let r = refusal!(
            "body.managing_level",
            "refuse-clue-level-below",
            level = "county",
            managing = "provincial"
        );
        assert_eq!(
            r.to_string(),
            "body.managing_level: 县级办公室的线索只能移交本级或上级，不能移交省级"
        );
        assert_eq!(
            r.text(Lang::En),
            "body.managing_level: a county office transfers clues to its own level or above, not to provincial"
        );
        let whole = refusal!("", "refuse-clue-tally-derived");
        assert!(!whole.text(Lang::En).starts_with(':'), "{whole}");
        let e = SubmitError::Conflict(Uuid::nil());
        assert!(e.to_string().contains("请重新提交"), "{e}");
        assert!(e.text(Lang::En).ends_with("submit again"), "{e}");
    }
}
