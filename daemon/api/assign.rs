//! Cross (交叉) and elevated (提级) inspections on the operator API:
//! planning and issuing a cross inspection, and releasing cross findings
//! whose feedback date (反馈) has come, as the `schedules.release` job does.
//! Elevated assignments are plain `POST /api/v1/records` submits; both
//! kinds are checked by the workflow rules where they are written.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::refused::{Asked, Refused, refused};
use super::{ApiState, bad_body};
use crate::jobs::{cross, release};
use crate::workflow::assign;

/// `POST /api/v1/assignments/cross`: plan a cross inspection between
/// offices below this one; with `"dry_run": true` only show the plan,
/// else issue it as an `assignment` record.
pub(super) async fn cross(
    State(state): State<ApiState>,
    Asked(lang): Asked,
    body: axum::body::Bytes,
) -> Result<Response, Response> {
    let req: assign::CrossRequest =
        serde_json::from_slice(&body).map_err(|e| bad_body(e).into_response())?;
    let dry = req.dry_run;
    let outcome = cross::plan_cross(&state.engine, req)
        .await
        .map_err(|e| refused(e, lang, |m| m).into_response())?;
    let status = if dry {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(outcome)).into_response())
}

/// `POST /api/v1/assignments/release`: release now every cross finding
/// coordinated here whose feedback date has come (always as of today: a
/// release is never early).
pub(super) async fn release(
    State(state): State<ApiState>,
    Asked(lang): Asked,
) -> Result<Response, Refused> {
    let outcome = release::run(&state.engine, chrono::Local::now().date_naive())
        .await
        .map_err(|e| refused(e, lang, |m| m))?;
    Ok(Json(outcome).into_response())
}
