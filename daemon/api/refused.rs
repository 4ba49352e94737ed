//! A refused submit on the operator API, in the language the request asks
//! for: `Accept-Language` naming English (`en`, `en-US`…) gets English,
//! anything else Chinese. A rule's refusal also names, for scripts and
//! forms, the field it is about and the rule (its catalogue key):
//! `{"code", "reason", "field", "rule"}`.

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{ApiError, code_of};
use crate::engine::SubmitError;
use crate::i18n::Lang;

/// The language a request asks for by `Accept-Language`: the first
/// language named that has a catalogue, else Chinese.
pub(super) struct Asked(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for Asked {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Asked(accept_language(&parts.headers)))
    }
}

fn accept_language(headers: &HeaderMap) -> Lang {
    headers
        .get_all(header::ACCEPT_LANGUAGE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|tag| Lang::parse(tag.split(';').next().unwrap_or_default().trim()))
        .unwrap_or_default()
}

/// The answer to a refused submit: the status and sentence of an
/// [`ApiError`], plus the field and rule of a rule's refusal.
pub(super) struct Refused {
    error: ApiError,
    rule: Option<(String, &'static str)>,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let ApiError(status, reason) = self.error;
        let mut body = json!({ "code": code_of(status), "reason": reason });
        if let Some((field, rule)) = self.rule {
            body["field"] = json!(field);
            body["rule"] = json!(rule);
        }
        (status, Json(body)).into_response()
    }
}

impl From<Refused> for ApiError {
    fn from(r: Refused) -> Self {
        r.error
    }
}

/// The HTTP answer to a refused submit in `lang`; `at` says where in the
/// request (`records[3]: …`).
pub(super) fn refused(e: SubmitError, lang: Lang, at: impl Fn(String) -> String) -> Refused {
    let status = match e {
        SubmitError::Store(e) => {
            return Refused {
                error: e.into(),
                rule: None,
            };
        }
        SubmitError::Conflict(_) => StatusCode::CONFLICT,
        SubmitError::Recovering => StatusCode::SERVICE_UNAVAILABLE,
        SubmitError::NotOwner { .. } => StatusCode::FORBIDDEN,
        SubmitError::Invalid(_) | SubmitError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let rule = match &e {
        SubmitError::Refused(r) => Some((r.field.clone(), r.key)),
        _ => None,
    };
    Refused {
        error: ApiError(status, at(e.text(lang))),
        rule,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_only_when_asked_for() {
        let asked = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_LANGUAGE, v.parse().unwrap());
            accept_language(&h)
        };
        assert_eq!(asked("en"), Lang::En);
        assert_eq!(asked("en-US,en;q=0.9"), Lang::En);
        assert_eq!(asked("fr-FR, en;q=0.5"), Lang::En);
        assert_eq!(asked("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(asked("*"), Lang::Zh);
        assert_eq!(accept_language(&HeaderMap::new()), Lang::Zh);
    }
}
