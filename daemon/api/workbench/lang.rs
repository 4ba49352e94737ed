//! The workbench's language, per person: Chinese by default (the node's
//! `ui.lang`); the 中文 / English link on every page adds `?lang=` to the
//! page it is on, which sets a cookie so the choice holds for the pages
//! that follow.

use axum::extract::{FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use super::ApiState;
use crate::i18n::Lang;

/// The cookie holding the language chosen.
const COOKIE: &str = "xunlian_wb_lang";

/// A year: the choice outlives sessions.
const KEEP_SECS: u64 = 365 * 24 * 3600;

#[derive(serde::Deserialize)]
struct Asked {
    lang: Option<String>,
}

/// The language a request's `?lang=` asks for.
fn asked(uri: &axum::http::Uri) -> Option<Lang> {
    Query::<Asked>::try_from_uri(uri)
        .ok()?
        .0
        .lang
        .as_deref()
        .and_then(Lang::parse)
}

/// The language the cookie remembers.
fn remembered(headers: &HeaderMap) -> Option<Lang> {
    crate::http::cookie(headers, COOKIE).and_then(Lang::parse)
}

/// The language of a workbench page: asked, remembered, or the node's.
#[derive(Debug, Clone, Copy)]
pub struct Ui(pub Lang);

impl FromRequestParts<ApiState> for Ui {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ApiState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Ui(asked(&parts.uri)
            .or_else(|| remembered(&parts.headers))
            .unwrap_or(state.engine.config.lang)))
    }
}

/// Middleware: a request with `?lang=` gets the cookie that remembers it.
pub async fn remember(req: Request, next: Next) -> Response {
    let chosen = asked(req.uri());
    let mut resp = next.run(req).await;
    if let Some(lang) = chosen {
        let cookie = format!(
            "{COOKIE}={}; SameSite=Strict; Path=/wb; Max-Age={KEEP_SECS}",
            lang.code()
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// The language the switch link offers.
pub fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    }
}
