//! The domain rules a record must meet where it is written, one file per
//! kind: round plans ([`plan`]), findings ([`finding`]) and the released
//! copies of cross findings ([`released`]), clues ([`clue`]),
//! rectification transitions ([`rectification`]), registers
//! ([`register`]) and assignments ([`assignment`]). They look up what the
//! office holds through [`Lookup`]. Also fills what the daemon derives:
//! the ids of single-purpose records, the attempt of a rectification, the
//! coordinator of a cross finding, and the redacted copy of a common
//! finding.

mod assignment;
mod clue;
mod finding;
mod lookup;
mod plan;
mod rectification;
mod register;
mod released;

use chrono::NaiveDate;
use serde_json::Value;
use uuid::Uuid;

pub(super) use assignment::below;
pub use lookup::{Lookup, PlanCache};

use super::taxonomy::Taxonomy;
use crate::node::{Level, NodeId};
use crate::records::{Kind, Record, Schemas};
use crate::submit::{SubmitError, SubmitRequest, refused};

/// Who is writing, and by which taxonomy.
pub struct Context<'a> {
    pub me: &'a NodeId,
    pub level: Level,
    /// Ancestors, nearest first.
    pub ancestors: &'a [(NodeId, Level)],
    pub taxonomy: &'a Taxonomy,
    /// The day dated rules go by (the feedback date of a release).
    pub today: NaiveDate,
    /// The offices this one took over (from the tree manifest).
    pub succession: &'a super::Succession,
}

impl Context<'_> {
    /// Did this office or one above it write `r`? Only such an assignment
    /// has authority over this office's plans.
    fn issued_above(&self, r: &Record) -> bool {
        r.origin == *self.me || self.ancestors.iter().any(|(a, _)| *a == r.origin)
    }
}

/// The body of a `kind` record as `T`, or a refusal naming the kind.
fn read<T: serde::de::DeserializeOwned>(kind: Kind, body: &Value) -> Result<T, SubmitError> {
    serde_json::from_value(body.clone()).map_err(|e| {
        refused!(
            "body",
            "refuse-body-unreadable",
            kind = kind,
            detail = crate::clip::clip(&e.to_string())
        )
    })
}

/// Checks `req` against the rules of its kind and fills what the daemon
/// derives. Returns further records to write in the same transaction.
pub async fn check_submit(
    ctx: &Context<'_>,
    lk: &Lookup<'_>,
    req: &mut SubmitRequest,
) -> Result<Vec<SubmitRequest>, SubmitError> {
    let checked = match req.kind {
        Kind::RoundPlan => plan::check(ctx, lk, req).await.map(|()| vec![]),
        Kind::Finding => finding::check(ctx, lk, req).await,
        Kind::Clue => clue::check(ctx, lk, req).await.map(|tally| vec![tally]),
        Kind::Rectification => rectification::check(ctx, lk, req).await.map(|()| vec![]),
        Kind::UnitRegister => register::check(ctx, req).map(|()| vec![]),
        Kind::ClueTally => Err(refused!("kind", "refuse-clue-tally-derived")),
        Kind::Assignment => assignment::check(ctx, lk, req).await.map(|()| vec![]),
        Kind::Notice | Kind::Health => Ok(vec![]),
    };
    checked.map_err(|e| schema_first(req.kind, &req.body, e))
}

/// A refusal by the rules, unless the body also breaks its kind's schema:
/// then the schema's refusal, the root cause, which names the field and
/// quotes at most `clip::CLIP` characters of it (a rule's sentence quotes
/// values whole, and the schema bounds their length). Only on the way
/// out: a body the rules accept is checked against its schema once, in
/// `Engine::prepare`.
fn schema_first(kind: Kind, body: &Value, refused: SubmitError) -> SubmitError {
    match refused {
        SubmitError::Invalid(_) | SubmitError::Refused(_) => {
            match Schemas::builtin().validate_body(kind, body) {
                Err(schema) => SubmitError::Invalid(schema.to_string()),
                Ok(()) => refused,
            }
        }
        other => other,
    }
}

/// A derived id: the client may repeat it but not choose another.
fn derived_id(req: &mut SubmitRequest, id: Uuid) -> Result<(), SubmitError> {
    match req.id {
        Some(given) if given != id => Err(refused!(
            "id",
            "refuse-derived-id",
            kind = req.kind,
            id = id
        )),
        _ => {
            req.id = Some(id);
            Ok(())
        }
    }
}
