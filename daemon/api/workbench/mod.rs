//! The workbench (巡察工作台) at `/wb` on the operator listener: people
//! with accounts (`accounts`: 录入 clerk, 审核 reviewer, 运维 operator)
//! sign in (`session`), enter the unit register, round plans, findings,
//! clue transfers and disposals, rectification progress, sign-offs and
//! reopenings through forms (`forms`), import sheets and download
//! templates (`import`), and read the ledger and the audit (`lists`).
//! Server-rendered HTML, no script, the dashboard's security headers; in
//! Chinese, or in English for a person who chose it (`lang`).
//!
//! Every form goes through `Engine::submit_batch` (imports check first
//! with `Engine::check_batch`), so it applies the same rules as the API;
//! a refusal is shown beside the field it names. Every write is audited
//! (`Store::audit_append`): who, when, what record, from which address.
//! Too many failed sign-ins lock a name or an address out for a while
//! (`throttle`).

mod accounts;
mod forms;
mod html;
mod import;
mod lang;
mod lists;
mod session;
mod throttle;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Form as Posted, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub(super) use accounts::{add as add_user, audit, disable as disable_user, passwd};
pub use session::Sessions;
pub use throttle::SignInThrottle;

use super::ApiState;
use crate::engine::{SubmitError, SubmitRequest, Submitted};
use crate::i18n::{Lang, tl};
use crate::store::AuditEntry;
use accounts::{Need, Role};
use html::{esc, page, refusal};
use lang::Ui;
use session::Session;

/// The workbench's routes (outside the bearer token: people sign in).
pub(super) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/wb", get(home))
        .route("/wb/login", get(login_page).post(login))
        .route("/wb/logout", post(logout))
        .route("/wb/forms/{form}", get(forms::show).post(forms::save))
        .route("/wb/import", get(import::page_get).post(import::upload))
        .route("/wb/templates/{file}", get(import::template))
        .route("/wb/ledger", get(lists::ledger))
        .route("/wb/exports/{file}", get(lists::export))
        .route("/wb/audit", get(lists::audit))
        .layer(middleware::from_fn(lang::remember))
}

/// Who is writing, from where: what the audit records.
pub(super) struct Writer {
    pub session: Session,
    pub address: SocketAddr,
}

/// The session of a page's request, if its role may see the page; else
/// the answer to give (to the sign-in page, or refused).
pub(super) fn signed_in(
    state: &ApiState,
    headers: &HeaderMap,
    lang: Lang,
    need: Need,
) -> Result<Session, Box<Response>> {
    let Some(s) = state.sessions.of(headers) else {
        return Err(Box::new(Redirect::to("/wb/login").into_response()));
    };
    if !need.allows(s.role) {
        let forbidden = tl!(lang, "wb-forbidden");
        return Err(Box::new(page(
            lang,
            StatusCode::FORBIDDEN,
            Some(&s),
            &forbidden,
            &refusal(&forbidden),
        )));
    }
    Ok(s)
}

/// As [`signed_in`], for a POST: the form must carry the session's CSRF
/// token too.
pub(super) fn posted_by(
    state: &ApiState,
    headers: &HeaderMap,
    lang: Lang,
    need: Need,
    csrf: &str,
) -> Result<Session, Box<Response>> {
    let s = signed_in(state, headers, lang, need)?;
    if !s.csrf_ok(csrf) {
        tracing::warn!(message = "Refused a workbench POST without its session's CSRF token.", user = %s.user);
        let expired = tl!(lang, "wb-expired");
        return Err(Box::new(page(
            lang,
            StatusCode::FORBIDDEN,
            None,
            &expired,
            &format!(
                "{}<p><a href=\"/wb/login\">{}</a></p>",
                refusal(&expired),
                tl!(lang, "wb-sign-in")
            ),
        )));
    }
    Ok(s)
}

impl Writer {
    /// Stores `reqs` as one batch through the engine's rules and audits
    /// each record written as `action`.
    pub async fn write(
        &self,
        state: &ApiState,
        action: &str,
        reqs: Vec<SubmitRequest>,
    ) -> Result<Vec<Submitted>, (usize, SubmitError)> {
        let stored = state.engine.submit_batch(reqs).await?;
        for s in &stored {
            self.audit(
                state,
                action,
                Some(s.record.kind.as_str()),
                Some(&s.record.id.to_string()),
            )
            .await;
        }
        Ok(stored)
    }

    /// Appends one audit entry; a failure is logged (the write stands).
    pub async fn audit(
        &self,
        state: &ApiState,
        action: &str,
        kind: Option<&str>,
        record: Option<&str>,
    ) {
        let entry = AuditEntry {
            id: 0,
            at: 0,
            user: self.session.user.clone(),
            role: self.session.role.code().to_string(),
            action: action.to_string(),
            kind: kind.map(str::to_string),
            record_id: record.map(str::to_string),
            address: self.address.ip().to_string(),
        };
        if let Err(e) = state.engine.store().audit_append(&entry).await {
            tracing::error!(message = "Could not audit a workbench write.", user = %entry.user, action, error = %e);
        }
    }
}

async fn home(State(state): State<ApiState>, Ui(lang): Ui, headers: HeaderMap) -> Response {
    let s = match signed_in(&state, &headers, lang, Need::Anyone) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let config = &state.engine.config;
    let body = format!(
        "<p>{} {} — {}</p><p class=\"meta\">{}</p>",
        esc(&config.name),
        config.id,
        esc(&tl!(
            lang,
            "wb-signed-in-as",
            user = &s.user,
            role = s.role.name(lang)
        )),
        match s.role {
            Role::Clerk => tl!(lang, "wb-home-clerk"),
            Role::Reviewer => tl!(lang, "wb-home-reviewer"),
            Role::Operator => tl!(lang, "wb-home-operator"),
        }
    );
    page(lang, StatusCode::OK, Some(&s), &tl!(lang, "wb-home"), &body)
}

fn login_form(lang: Lang, status: StatusCode, wrong: bool) -> Response {
    let wrong = if wrong {
        refusal(&tl!(lang, "wb-bad-login"))
    } else {
        String::new()
    };
    let body = format!(
        r#"<form class="sign-in" method="post" action="/wb/login">
<label for="user">{}</label><input id="user" name="user" type="text" autocomplete="username" required autofocus>
<label for="password">{}</label><input id="password" name="password" type="password" autocomplete="current-password" required>
{wrong}<button type="submit" id="sign-in">{}</button></form>"#,
        tl!(lang, "wb-user"),
        tl!(lang, "wb-password"),
        tl!(lang, "wb-sign-in")
    );
    page(lang, status, None, &tl!(lang, "wb-sign-in"), &body)
}

async fn login_page(Ui(lang): Ui) -> Response {
    login_form(lang, StatusCode::OK, false)
}

#[derive(serde::Deserialize)]
struct Credentials {
    user: String,
    password: String,
}

async fn login(
    State(state): State<ApiState>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Ui(lang): Ui,
    Posted(c): Posted<Credentials>,
) -> Response {
    let name = c.user.trim();
    if let Some(left) = state.throttle.locked(name, address.ip()) {
        tracing::warn!(message = "Refused a workbench sign-in: too many failures.", user = %crate::clip::clip(name), address = %address);
        return locked_out(lang, left);
    }
    let account = match state.engine.store().account(name).await {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(message = "Could not read a workbench account.", error = %e);
            return page(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                &tl!(lang, "wb-sign-in"),
                &tl!(lang, "wb-store-failed"),
            );
        }
    };
    let Some((account, role)) = account
        .filter(|a| accounts::verify(a, &c.password))
        .and_then(|a| Role::parse(&a.role).map(|r| (a, r)))
    else {
        tracing::warn!(message = "Refused a workbench sign-in.", user = %crate::clip::clip(name), address = %address);
        if state.throttle.failed(name, address.ip()) {
            lock_started(&state, name, address).await;
        }
        return login_form(lang, StatusCode::UNAUTHORIZED, true);
    };
    state.throttle.succeeded(name, address.ip());
    let (id, session) = state.sessions.open(&account.name, role);
    Writer { session, address }
        .audit(&state, "sign_in", None, None)
        .await;
    let mut resp = Redirect::to("/wb").into_response();
    if let Ok(v) = HeaderValue::from_str(&session::set_cookie(Some(&id), state.https)) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// The sign-in page refusing every attempt for `left` more.
fn locked_out(lang: Lang, left: std::time::Duration) -> Response {
    let minutes = left.as_secs().div_ceil(60).max(1);
    let why = tl!(lang, "wb-sign-in-locked", minutes = minutes);
    let mut resp = page(
        lang,
        StatusCode::TOO_MANY_REQUESTS,
        None,
        &tl!(lang, "wb-sign-in"),
        &format!(
            "<p class=\"refusal\" role=\"alert\" id=\"locked\">{}</p>",
            esc(&why)
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&left.as_secs().max(1).to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// Logs and audits that `name` (and `address`) just got locked out.
async fn lock_started(state: &ApiState, name: &str, address: SocketAddr) {
    let limit = state.engine.config.sign_in_limit;
    tracing::warn!(
        message = "Workbench sign-in locked after repeated failures.",
        user = %crate::clip::clip(name),
        address = %address,
        failures = limit.failures,
        lock_secs = limit.lock.as_secs()
    );
    let entry = AuditEntry {
        id: 0,
        at: 0,
        user: crate::clip::clip(name),
        role: String::new(),
        action: "sign_in_locked".into(),
        kind: None,
        record_id: None,
        address: address.ip().to_string(),
    };
    if let Err(e) = state.engine.store().audit_append(&entry).await {
        tracing::error!(message = "Could not audit a sign-in lock.", error = %e);
    }
}

#[derive(serde::Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(state): State<ApiState>,
    Ui(lang): Ui,
    headers: HeaderMap,
    Posted(f): Posted<CsrfOnly>,
) -> Response {
    if posted_by(&state, &headers, lang, Need::Anyone, &f.csrf).is_ok() {
        state.sessions.end(&headers);
    }
    let mut resp = Redirect::to("/wb/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&session::set_cookie(None, state.https)) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}
