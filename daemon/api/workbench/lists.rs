//! The workbench's lists: the rectification ledger (整改台账) of every
//! finding held, filtered by round, office, state and grade, with links
//! to its exports (the operator API's, served to people signed in); and
//! the audit of workbench writes, for operators.

use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::accounts::{Need, Role};
use super::html::{Form, choices, esc, page};
use super::lang::Ui;
use super::session::Session;
use super::{ApiState, signed_in};
use crate::api::reports::{self, ReportQuery};
use crate::i18n::{Lang, label, tl};
use crate::workflow::{Snapshot, report};

/// Filters of the ledger (empty: all).
#[derive(Debug, Default, Deserialize)]
pub(super) struct LedgerFilter {
    #[serde(default)]
    round: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    grade: String,
}

/// The code serde gives an enum value (`in_progress`, `red`).
fn code<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The rectification states and supervision grades, by code.
const STATES: [&str; 6] = [
    "awaiting_plan",
    "planned",
    "in_progress",
    "completed",
    "reopened",
    "verified",
];
const GRADES: [&str; 4] = ["none", "green", "yellow", "red"];

/// The page shown when the store cannot be read.
fn store_failed(lang: Lang, session: &Session, title: &str) -> Response {
    page(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        Some(session),
        title,
        &tl!(lang, "wb-store-failed"),
    )
}

/// `GET /wb/ledger?round=&office=&state=&grade=`
pub(super) async fn ledger(
    State(state): State<ApiState>,
    Ui(lang): Ui,
    headers: HeaderMap,
    Query(q): Query<LedgerFilter>,
) -> Response {
    let title = tl!(lang, "wb-ledger");
    let session = match signed_in(&state, &headers, lang, Need::Anyone) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let snap = match Snapshot::load(state.engine.store()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(message = "Workbench ledger could not read the store.", error = %e);
            return store_failed(lang, &session, &title);
        }
    };
    let lines = report::ledger(
        &snap,
        &state.engine.config.workflow.deadlines,
        None,
        chrono::Local::now().date_naive(),
    );
    let mut rounds: Vec<String> = lines.iter().map(|l| l.round.clone()).collect();
    let mut offices: Vec<String> = lines.iter().map(|l| l.host_office.clone()).collect();
    rounds.sort();
    rounds.dedup();
    offices.sort();
    offices.dedup();
    let f = Form::new(
        lang,
        vec![
            ("round".into(), q.round.clone()),
            ("office".into(), q.office.clone()),
            ("state".into(), q.state.clone()),
            ("grade".into(), q.grade.clone()),
        ],
    );
    let same = |o: &[String]| o.iter().map(|v| (v.clone(), v.clone())).collect::<Vec<_>>();
    let mut rows = String::new();
    for l in &lines {
        let (st, grade) = (
            code(&l.state),
            l.grade.as_ref().map(code).unwrap_or_default(),
        );
        let keep = (q.round.is_empty() || l.round == q.round)
            && (q.office.is_empty() || l.host_office == q.office)
            && (q.state.is_empty() || st == q.state)
            && (q.grade.is_empty() || grade == q.grade);
        if !keep {
            continue;
        }
        let _ = write!(
            rows,
            "<tr data-finding=\"{}\" data-state=\"{st}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            l.finding_id,
            esc(&l.number),
            esc(&l.title),
            esc(&l.round),
            l.inspecting_office,
            esc(&l.host_office),
            label(lang, "rect-state", &st),
            label(lang, "grade", &grade),
            l.due.map(|d| d.to_string()).unwrap_or_default(),
            esc(&l.responsible_unit),
        );
    }
    let body = format!(
        "<form method=\"get\" action=\"/wb/ledger\" id=\"filters\">{}{}{}{}<button type=\"submit\">{}</button></form>\
         <p id=\"exports\">{}</p><table id=\"ledger\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{rows}</table>",
        f.select("round", &tl!(lang, "wb-round"), &same(&rounds), false),
        f.select("office", &tl!(lang, "wb-host"), &same(&offices), false),
        f.select(
            "state",
            &tl!(lang, "wb-state"),
            &choices(lang, "rect-state", &STATES),
            false
        ),
        f.select(
            "grade",
            &tl!(lang, "wb-grade"),
            &choices(lang, "grade", &GRADES),
            false
        ),
        tl!(lang, "wb-filter"),
        export_links(lang, &q.round),
        tl!(lang, "wb-number"),
        tl!(lang, "wb-title"),
        tl!(lang, "wb-round"),
        tl!(lang, "wb-inspecting"),
        tl!(lang, "wb-host"),
        tl!(lang, "wb-state"),
        tl!(lang, "wb-grade"),
        tl!(lang, "wb-due"),
        tl!(lang, "wb-responsible-unit"),
    );
    page(lang, StatusCode::OK, Some(&session), &title, &body)
}

/// The ledger's and the findings' export links, of `round` when one is
/// picked.
fn export_links(lang: Lang, round: &str) -> String {
    let href = |file: &str| {
        let mut url = reqwest::Url::parse("http://workbench/wb/exports/").expect("a valid base");
        url.path_segments_mut()
            .expect("an http URL has segments")
            .pop_if_empty()
            .push(file);
        if !round.is_empty() {
            url.query_pairs_mut().append_pair("round", round);
        }
        let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
        esc(&format!("{}{query}", url.path()))
    };
    format!(
        "{} <a href=\"{}\">{}</a> · <a href=\"{}\">{}</a> · {} <a href=\"{}\">{}</a>",
        tl!(lang, "wb-ledger"),
        href("ledger.xlsx"),
        tl!(lang, "export-link-xlsx"),
        href("ledger.csv"),
        tl!(lang, "export-link-csv"),
        tl!(lang, "export-sheet-findings"),
        href("findings.xlsx"),
        tl!(lang, "export-link-xlsx"),
    )
}

/// `GET /wb/exports/{findings|ledger}.{csv|xlsx}?round=`: the operator
/// API's exports for anyone signed in.
pub(super) async fn export(
    State(state): State<ApiState>,
    Ui(lang): Ui,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(mut q): Query<ReportQuery>,
) -> Response {
    if let Err(r) = signed_in(&state, &headers, lang, Need::Anyone) {
        return *r;
    }
    // Headers in the language the person reads the workbench in.
    q.lang.get_or_insert_with(|| lang.code().to_string());
    reports::export_file(&state, &file, &q)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// `GET /wb/audit`: the newest writes made through the workbench.
pub(super) async fn audit(
    State(state): State<ApiState>,
    Ui(lang): Ui,
    headers: HeaderMap,
) -> Response {
    let title = tl!(lang, "wb-audit");
    let session = match signed_in(&state, &headers, lang, Need::Audit) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let entries = match state.engine.store().audit_list(None, 1000).await {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(message = "Workbench audit could not read the store.", error = %e);
            return store_failed(lang, &session, &title);
        }
    };
    let mut rows = String::new();
    for e in &entries {
        let when = chrono::DateTime::from_timestamp_millis(e.at)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_default();
        let role = Role::parse(&e.role).map_or(e.role.clone(), |r| r.name(lang));
        let _ = write!(
            rows,
            "<tr data-user=\"{u}\"><td>{when}</td><td>{u}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td></tr>",
            esc(&role),
            esc(&label(lang, "wb-action", &e.action)),
            esc(e.kind.as_deref().unwrap_or("")),
            esc(e.record_id.as_deref().unwrap_or("")),
            esc(&e.address),
            u = esc(&e.user),
        );
    }
    let body = format!(
        "<table id=\"audit\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{rows}</table>",
        tl!(lang, "wb-when"),
        tl!(lang, "wb-who"),
        tl!(lang, "wb-role"),
        tl!(lang, "wb-action"),
        tl!(lang, "wb-record"),
        tl!(lang, "wb-address"),
    );
    page(lang, StatusCode::OK, Some(&session), &title, &body)
}
