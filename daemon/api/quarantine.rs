//! The quarantine on the operator API: `GET /api/v1/quarantine` lists it,
//! `POST /api/v1/quarantine/retry` and `/discard` (`{"ids": [...], "why":
//! "..."}`) settle entries through the engine. Every action leaves one log
//! line naming who (a fingerprint of the operator token, never the token),
//! why, the ids and the outcome.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, ApiState};
use crate::engine::QuarantineError;

/// How many entries the list shows, newest first.
const LIST_LIMIT: i64 = 1000;

/// Body of a retry or discard.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Action {
    ids: Vec<i64>,
    /// Required to discard, optional to retry.
    #[serde(default)]
    why: Option<String>,
}

impl Action {
    /// The reason given, if it says anything.
    fn why(&self) -> Option<&str> {
        self.why.as_deref().map(str::trim).filter(|w| !w.is_empty())
    }
}

impl From<QuarantineError> for ApiError {
    fn from(e: QuarantineError) -> Self {
        match e {
            QuarantineError::Store(e) => e.into(),
            e @ QuarantineError::NoIds => ApiError(StatusCode::BAD_REQUEST, e.to_string()),
            e @ QuarantineError::Unknown(_) => ApiError(StatusCode::NOT_FOUND, e.to_string()),
        }
    }
}

pub(super) async fn list(State(state): State<ApiState>) -> Result<Response, ApiError> {
    Ok(Json(state.engine.store().quarantine_list(LIST_LIMIT).await?).into_response())
}

pub(super) async fn retry(
    State(state): State<ApiState>,
    Json(action): Json<Action>,
) -> Result<Response, ApiError> {
    let who = token_fingerprint(&state.token);
    let why = action.why().unwrap_or("-");
    let done = match state.engine.retry_quarantined(&action.ids).await {
        Ok(done) => done,
        Err(e) => {
            tracing::warn!(message = "Operator retry of quarantined records failed; nothing more changed.",
                operator = %who, why, ids = ?action.ids, error = %e);
            return Err(e.into());
        }
    };
    let (admitted, refused): (Vec<_>, Vec<_>) = done.iter().partition(|r| r.admitted);
    let ids = |rs: &[&crate::engine::Retried]| rs.iter().map(|r| r.id).collect::<Vec<_>>();
    if refused.is_empty() {
        tracing::info!(message = "Operator retried quarantined records; all re-admitted.",
            operator = %who, why, admitted = ?ids(&admitted));
    } else {
        tracing::warn!(message = "Operator retried quarantined records; some were refused again and stay.",
            operator = %who, why, admitted = ?ids(&admitted), refused = ?ids(&refused));
    }
    Ok(Json(json!({ "retried": done })).into_response())
}

pub(super) async fn discard(
    State(state): State<ApiState>,
    Json(action): Json<Action>,
) -> Result<Response, ApiError> {
    let who = token_fingerprint(&state.token);
    let Some(why) = action.why() else {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "say why the records are discarded (\"why\")".into(),
        ));
    };
    match state.engine.discard_quarantined(&action.ids).await {
        Ok(n) => {
            tracing::warn!(message = "Operator discarded quarantined records.",
                operator = %who, why, ids = ?action.ids, discarded = n);
            Ok(Json(json!({ "discarded": n })).into_response())
        }
        Err(e) => {
            tracing::warn!(message = "Operator discard of quarantined records failed; nothing changed.",
                operator = %who, why, ids = ?action.ids, error = %e);
            Err(e.into())
        }
    }
}

/// Who acted, for the log: the first 8 hex digits of the SHA-256 of the
/// operator token (one per node today), never the token itself.
fn token_fingerprint(token: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    crate::hex::encode(&d.as_ref()[..4])
}

#[cfg(test)]
mod tests {
    use super::token_fingerprint;

    #[test]
    fn the_fingerprint_is_short_and_never_the_token() {
        // SHA-256("abc") = ba7816bf...
        assert_eq!(token_fingerprint("abc"), "ba7816bf");
        let secret = "0123456789abcdef0123456789abcdef";
        let fp = token_fingerprint(secret);
        assert_eq!(fp.len(), 8);
        assert!(!secret.contains(&fp));
    }
}
