//! The workflow's views on the operator API: coverage (全覆盖), statistics,
//! the rectification ledger (整改台账), cross and elevated assignments by
//! pair, CSV and XLSX exports for Excel, and running supervision (督办) now. Every view is a fold over what this node holds
//! (`workflow::report`), so it covers this office and its subtree.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, ApiState, submit_error};
use crate::i18n::Lang;
use crate::jobs::supervise;
use crate::workflow::report::LedgerLine;
use crate::workflow::{Snapshot, export, pairs, report};

/// Query string of the reports: a term or a round, and a day to grade on.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReportQuery {
    /// Coverage: the term (届); the newest term of the taxonomy by default.
    term: Option<String>,
    /// Statistics, ledger, exports: only this round.
    round: Option<String>,
    /// Ledger, assignments and supervision: as of this day (YYYY-MM-DD), today by default.
    as_of: Option<String>,
    /// Exports: the language of the headers (`zh`, `en`); the node's
    /// `ui.lang` by default.
    pub(super) lang: Option<String>,
}

impl ReportQuery {
    fn as_of(&self) -> Result<NaiveDate, ApiError> {
        match &self.as_of {
            None => Ok(chrono::Local::now().date_naive()),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| {
                ApiError(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "as_of: {:?} is not a date (YYYY-MM-DD): {e}",
                        crate::clip::clip(s)
                    ),
                )
            }),
        }
    }

    fn lang(&self, state: &ApiState) -> Lang {
        self.lang
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or(state.engine.config.lang)
    }
}

async fn snapshot(state: &ApiState) -> Result<Snapshot, ApiError> {
    let snap = Snapshot::load(state.engine.store()).await?;
    Ok(snap.with_succession(state.engine.succession()))
}

/// `GET /api/v1/reports/coverage?term=`
pub(super) async fn coverage(
    State(state): State<ApiState>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let taxonomy = &state.engine.config.workflow.taxonomy;
    let term = match q.term {
        Some(t) => {
            taxonomy
                .check_term(&t)
                .map_err(|e| ApiError(StatusCode::BAD_REQUEST, format!("term: {e}")))?;
            t
        }
        None => taxonomy.terms().last().unwrap_or_default().to_string(),
    };
    let snap = snapshot(&state).await?;
    let tree = state.engine.workflow_tree().await?;
    let rows = report::coverage(&snap, &tree, &term);
    Ok(Json(json!({ "term": term, "rows": rows })).into_response())
}

/// `GET /api/v1/reports/stats?round=`
pub(super) async fn stats(
    State(state): State<ApiState>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let snap = snapshot(&state).await?;
    let tree = state.engine.workflow_tree().await?;
    let rows = report::stats(&snap, &tree, q.round.as_deref());
    Ok(Json(json!({ "round": q.round, "rows": rows })).into_response())
}

async fn ledger_lines(state: &ApiState, q: &ReportQuery) -> Result<Vec<LedgerLine>, ApiError> {
    let snap = snapshot(state).await?;
    let deadlines = &state.engine.config.workflow.deadlines;
    Ok(report::ledger(
        &snap,
        deadlines,
        q.round.as_deref(),
        q.as_of()?,
    ))
}

/// `GET /api/v1/reports/assignments?round=&as_of=`: who inspects whom
/// under the cross and elevated assignments held, and where each pair stands.
pub(super) async fn assignments(
    State(state): State<ApiState>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let snap = snapshot(&state).await?;
    let rows = pairs::pairs(&snap, q.round.as_deref(), q.as_of()?);
    Ok(Json(json!({ "round": q.round, "rows": rows })).into_response())
}

/// `GET /api/v1/reports/ledger?round=&as_of=`
pub(super) async fn ledger(
    State(state): State<ApiState>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    Ok(Json(ledger_lines(&state, &q).await?).into_response())
}

/// What an export holds.
#[derive(Debug, Clone, Copy)]
enum What {
    /// The findings list (问题清单).
    Findings,
    /// The rectification ledger (整改台账).
    Ledger,
}

/// The formats an export is served in.
#[derive(Debug, Clone, Copy)]
enum Format {
    Csv,
    Xlsx,
}

/// The content type of an XLSX workbook.
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// What and in which format an export file name asks for:
/// `findings.csv`, `ledger.xlsx`…
fn export_of(file: &str) -> Option<(What, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let what = match name {
        "findings" => What::Findings,
        "ledger" => What::Ledger,
        _ => return None,
    };
    let format = match ext {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        _ => return None,
    };
    Some((what, format))
}

/// The export `file` (`findings.csv`, `findings.xlsx`, `ledger.csv`,
/// `ledger.xlsx`) of `q.round` (the ledger as of `q.as_of`), headers in
/// `q.lang`, as a download; the operator API and the workbench serve it.
pub(super) async fn export_file(
    state: &ApiState,
    file: &str,
    q: &ReportQuery,
) -> Result<Response, ApiError> {
    let Some((what, format)) = export_of(file) else {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!(
                "no export {:?}; there are findings.csv, findings.xlsx, ledger.csv and ledger.xlsx",
                crate::clip::clip(file)
            ),
        ));
    };
    let taxonomy = &state.engine.config.workflow.taxonomy;
    let lang = q.lang(state);
    let table = match what {
        What::Findings => {
            export::findings(&snapshot(state).await?, taxonomy, q.round.as_deref(), lang)
        }
        What::Ledger => export::ledger(&ledger_lines(state, q).await?, taxonomy, lang),
    };
    let (content_type, bytes) = match format {
        Format::Csv => ("text/csv; charset=utf-8", table.csv().into_bytes()),
        Format::Xlsx => {
            let bytes = table.xlsx().map_err(|e| {
                ApiError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("writing {file}: {e}"),
                )
            })?;
            (XLSX_TYPE, bytes)
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/v1/exports/{findings|ledger}.{csv|xlsx}?round=&as_of=&lang=`
pub(super) async fn exports(
    State(state): State<ApiState>,
    Path(file): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    export_file(&state, &file, &q).await
}

/// `POST /api/v1/supervision/run`: grade and notify now, as the
/// `schedules.supervision` job does (always as of today: notices are
/// records, never what-ifs).
pub(super) async fn run_supervision(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let outcome = supervise::run(&state.engine, chrono::Local::now().date_naive())
        .await
        .map_err(|e| submit_error(e, |m| m))?;
    Ok(Json(outcome).into_response())
}
