//! Offline bundles on the operator API: `POST /api/v1/bundles/export`
//! writes what a link would carry to a neighbour, `POST /api/v1/bundles`
//! admits one (see [`crate::sync::bundle`]; the node owns its store, the
//! CLI is a client).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{ApiError, ApiState, bad_body};
use crate::node::NodeId;
use crate::sync::bundle::{self, Bundle, BundleError};

#[derive(Debug, Deserialize)]
pub(super) struct ExportQuery {
    /// The neighbour the bundle is for (default: the parent).
    #[serde(rename = "for")]
    peer: Option<NodeId>,
    /// Everything the neighbour has not confirmed, not only what earlier
    /// bundles did not carry.
    #[serde(default)]
    all: bool,
}

impl From<BundleError> for ApiError {
    fn from(e: BundleError) -> Self {
        match e {
            BundleError::Refused(_) => ApiError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
            BundleError::Store(s) => s.into(),
        }
    }
}

/// `POST /api/v1/bundles/export?for=PEER[&all=true]`.
pub(super) async fn export(
    State(state): State<ApiState>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let engine = &state.engine;
    let peer = match q.peer {
        Some(p) => p,
        None => engine
            .config
            .parent
            .as_ref()
            .map(|p| p.id.clone())
            .ok_or_else(|| {
                ApiError(
                    StatusCode::BAD_REQUEST,
                    "this office has no parent: name the child with for=ID".into(),
                )
            })?,
    };
    Ok(Json(bundle::export(engine, &peer, q.all).await?).into_response())
}

/// `POST /api/v1/bundles`: the bundle as the body.
pub(super) async fn import(
    State(state): State<ApiState>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let b: Bundle = serde_json::from_slice(&body).map_err(bad_body)?;
    Ok(Json(bundle::import(&state.engine, b).await?).into_response())
}
