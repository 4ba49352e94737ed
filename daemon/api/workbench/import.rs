//! Sheets in through the workbench, as `xunlian import` reads them
//! (`workflow::import`: XLSX or CSV in UTF-8 or GBK/GB18030, Chinese
//! headers): every row converted, every converted row checked by
//! `Engine::check_batch`, every problem shown by line and column; only a
//! sheet without any is written, as one batch. And the templates.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::accounts::Need;
use super::html::{Form, choices, csrf_field, esc, page, refusal};
use super::lang::Ui;
use super::session::Session;
use super::{ApiState, Writer, forms, posted_by, signed_in};
use crate::engine::{SubmitError, SubmitRequest};
use crate::i18n::{Lang, label, tl};
use crate::workflow::import::{self, Import, Row, RowError, Sheet, Table};
use crate::workflow::{ids, register};

/// Rows one import may hold (one batch; the API's `MAX_SUBMIT_BATCH`).
const MAX_ROWS: usize = 10_000;

fn sheet_of(code: &str) -> Option<Sheet> {
    match code {
        "units" => Some(Sheet::Units),
        "findings" => Some(Sheet::Findings),
        "progress" => Some(Sheet::Progress),
        _ => None,
    }
}

/// What a sheet may hold, by code.
const SHEETS: [&str; 3] = ["units", "findings", "progress"];

fn render(lang: Lang, session: &Session, status: StatusCode, result: &str) -> Response {
    let templates: String = SHEETS
        .iter()
        .map(|c| {
            format!(
                "<li>{n} <a href=\"/wb/templates/{c}.xlsx\" id=\"template-{c}-xlsx\">XLSX</a> \
                 <a href=\"/wb/templates/{c}.csv\" id=\"template-{c}-csv\">CSV</a></li>",
                n = label(lang, "wb-sheet", c)
            )
        })
        .collect();
    let f = Form::new(lang, vec![("sheet".into(), "units".into())]);
    let body = format!(
        r#"{result}<form method="post" action="/wb/import" enctype="multipart/form-data" id="form-import">{csrf}
{sheet}{file}<button type="submit" id="submit">{submit}</button></form>
<h2>{tpl}</h2><ul>{templates}</ul>"#,
        csrf = csrf_field(session),
        sheet = f.select(
            "sheet",
            &tl!(lang, "wb-sheet"),
            &choices(lang, "wb-sheet", &SHEETS),
            false
        ),
        file = f.file("file", &tl!(lang, "wb-file"), ".xlsx,.xls,.ods,.csv"),
        submit = tl!(lang, "wb-submit"),
        tpl = tl!(lang, "wb-templates"),
    );
    page(lang, status, Some(session), &tl!(lang, "wb-import"), &body)
}

/// `GET /wb/import`
pub(super) async fn page_get(
    State(state): State<ApiState>,
    Ui(lang): Ui,
    headers: HeaderMap,
) -> Response {
    match signed_in(&state, &headers, lang, Need::Enter) {
        Ok(s) => render(lang, &s, StatusCode::OK, ""),
        Err(r) => *r,
    }
}

/// What an upload carried.
#[derive(Default)]
struct Upload {
    csrf: String,
    sheet: String,
    file_name: String,
    bytes: Vec<u8>,
}

async fn read_upload(mut m: Multipart) -> Result<Upload, String> {
    let mut u = Upload::default();
    while let Some(field) = m.next_field().await.map_err(|e| e.body_text())? {
        match field.name().unwrap_or("") {
            "csrf" => u.csrf = field.text().await.map_err(|e| e.body_text())?,
            "sheet" => u.sheet = field.text().await.map_err(|e| e.body_text())?,
            "file" => {
                u.file_name = field.file_name().unwrap_or("").to_string();
                u.bytes = field.bytes().await.map_err(|e| e.body_text())?.to_vec();
            }
            _ => {}
        }
    }
    Ok(u)
}

/// `POST /wb/import`: the sheet checked whole, then written whole.
pub(super) async fn upload(
    State(state): State<ApiState>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Ui(lang): Ui,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let upload = match read_upload(multipart).await {
        Ok(u) => u,
        Err(e) => {
            return page(
                lang,
                StatusCode::BAD_REQUEST,
                None,
                &tl!(lang, "wb-import"),
                &refusal(&e),
            );
        }
    };
    let session = match posted_by(&state, &headers, lang, Need::Enter, &upload.csrf) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let writer = Writer { session, address };
    let (status, result) = match import(lang, &state, &writer, &upload).await {
        Ok(summary) => (
            StatusCode::OK,
            format!(
                "<p class=\"saved\" id=\"saved\">{}：{}</p>",
                tl!(lang, "wb-imported"),
                esc(&summary)
            ),
        ),
        Err(mut errors) => {
            errors.sort();
            let items: String = errors
                .iter()
                .map(|e| {
                    format!(
                        "<li class=\"refusal\" data-line=\"{}\">{}</li>",
                        e.line,
                        esc(&e.to_string())
                    )
                })
                .collect();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "<p class=\"refusal\" id=\"not-saved\">{}</p><ul id=\"problems\">{items}</ul>",
                    tl!(lang, "wb-import-failed", n = errors.len()),
                ),
            )
        }
    };
    render(lang, &writer.session, status, &result)
}

fn whole_file(reason: impl Into<String>) -> Vec<RowError> {
    vec![RowError {
        line: 0,
        column: String::new(),
        reason: reason.into(),
    }]
}

/// Converts, checks and writes `upload`; a summary, or every problem.
async fn import(
    lang: Lang,
    state: &ApiState,
    writer: &Writer,
    upload: &Upload,
) -> Result<String, Vec<RowError>> {
    let sheet = sheet_of(&upload.sheet).ok_or_else(|| whole_file(tl!(lang, "wb-choose-sheet")))?;
    if upload.bytes.is_empty() {
        return Err(whole_file(tl!(lang, "wb-choose-file")));
    }
    let ext = upload.file_name.rsplit_once('.').map_or("", |(_, e)| e);
    let table = import::table_of(ext, upload.bytes.clone()).map_err(whole_file)?;
    let me = state.engine.config.id.to_string();
    let converted = match sheet {
        Sheet::Units => units(lang, state, &table, &me).await?,
        Sheet::Findings => import::findings(&table, &me),
        Sheet::Progress => import::progress(&table, &me),
    };
    let Import { rows, mut errors } = converted;
    if rows.len() > MAX_ROWS {
        return Err(whole_file(tl!(
            lang,
            "wb-too-many-rows",
            rows = rows.len(),
            max = MAX_ROWS
        )));
    }
    let check = state
        .engine
        .check_batch(requests(&rows)?)
        .await
        .map_err(|e| whole_file(e.to_string()))?;
    for (i, e) in &check.refused {
        let line = rows.get(*i).map_or(0, |r| r.line);
        errors.push(import::refusal(sheet, &table, line, &e.to_string()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    match writer.write(state, "import", requests(&rows)?).await {
        Ok(_) => Ok(tl!(
            lang,
            "wb-import-summary",
            rows = table.rows.len(),
            new = check.new,
            unchanged = check.unchanged
        )),
        Err((i, e)) => {
            let line = rows.get(i).map_or(0, |r| r.line);
            let reason = match e {
                SubmitError::Store(e) => format!("{}: {e}", tl!(lang, "wb-store-failed")),
                e => e.to_string(),
            };
            Err(vec![import::refusal(sheet, &table, line, &reason)])
        }
    }
}

/// The submit requests of `rows` (converted rows: a failure is a row's
/// problem all the same).
fn requests(rows: &[Row]) -> Result<Vec<SubmitRequest>, Vec<RowError>> {
    rows.iter()
        .map(|r| {
            serde_json::from_value(r.request.clone()).map_err(|e| RowError {
                line: r.line,
                column: String::new(),
                reason: e.to_string(),
            })
        })
        .collect::<Result<_, _>>()
        .map_err(|e| vec![e])
}

/// The register rows merged into the register held, as its one record.
async fn units(
    lang: Lang,
    state: &ApiState,
    table: &Table,
    me: &str,
) -> Result<Import, Vec<RowError>> {
    let (units, errors) = import::units(table);
    if !errors.is_empty() {
        return Err(errors);
    }
    let held = forms::register_units(state)
        .await
        .map_err(|e| whole_file(format!("{}: {e}", tl!(lang, "wb-store-failed"))))?;
    let request = json!({
        "kind": "unit_register",
        "id": ids::register(me),
        "body": {"office": me, "office_name": state.engine.config.name, "units": register::merge(&held, units)},
    });
    Ok(Import {
        rows: vec![Row { line: 0, request }],
        errors: Vec::new(),
    })
}

/// `GET /wb/templates/{sheet}.{xlsx|csv}`
pub(super) async fn template(
    State(state): State<ApiState>,
    Ui(lang): Ui,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = signed_in(&state, &headers, lang, Need::Anyone) {
        return *r;
    }
    let missing = || {
        page(
            lang,
            StatusCode::NOT_FOUND,
            None,
            "404",
            &format!("<p>{}</p>", tl!(lang, "wb-no-template")),
        )
    };
    let (name, ext) = file.rsplit_once('.').unwrap_or((&file, ""));
    let Some(sheet) = sheet_of(name) else {
        return missing();
    };
    let (bytes, mime) = match ext {
        "xlsx" => match import::template_xlsx(sheet) {
            Ok(b) => (
                b,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            Err(e) => {
                return page(
                    lang,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    None,
                    "500",
                    &esc(&e),
                );
            }
        },
        "csv" => (
            import::template_csv(sheet).into_bytes(),
            "text/csv; charset=utf-8",
        ),
        _ => return missing(),
    };
    let mut resp = ([(header::CONTENT_TYPE, mime)], bytes).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}-template.{ext}\""))
    {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}
