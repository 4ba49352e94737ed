//! Accounts of the workbench: the three roles and what each may do,
//! argon2 password hashes, and the operator API's `/api/v1/users` (what
//! `xunlian user add|passwd|disable` calls) and `/api/v1/audit`.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::super::{ApiError, ApiState};
use crate::i18n::{Lang, label};
use crate::store::Account;

/// Shortest password accepted.
const MIN_PASSWORD: usize = 8;

/// What a person does at the workbench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// 录入: enters and imports records.
    Clerk,
    /// 审核: signs rectifications off.
    Reviewer,
    /// 运维: reads the audit.
    Operator,
}

impl Role {
    /// The role a code (`clerk`) or Chinese name (`录入`) names.
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim() {
            "clerk" | "录入" => Some(Role::Clerk),
            "reviewer" | "审核" => Some(Role::Reviewer),
            "operator" | "运维" => Some(Role::Operator),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Operator => "operator",
        }
    }

    /// How the role reads in `lang` (录入, clerk).
    pub fn name(self, lang: Lang) -> String {
        label(lang, "wb-role", self.code())
    }
}

/// What a page or form needs of the person using it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Any signed-in person (lists, the ledger).
    Anyone,
    /// Entering records and imports: clerks.
    Enter,
    /// Signing off: reviewers.
    SignOff,
    /// The audit: operators.
    Audit,
}

impl Need {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Need::Anyone => true,
            Need::Enter => role == Role::Clerk,
            Need::SignOff => role == Role::Reviewer,
            Need::Audit => role == Role::Operator,
        }
    }
}

/// The argon2 hash of `password` (PHC string), with a fresh salt.
fn hash(password: &str) -> Result<String, ApiError> {
    let salt: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("salt: {e}")))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("hashing: {e}")))
}

/// Whether `password` is the one `account` was given (and it is enabled).
pub fn verify(account: &Account, password: &str) -> bool {
    !account.disabled
        && PasswordHash::new(&account.hash).is_ok_and(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
}

/// Body of `POST /api/v1/users` and `…/{name}/password`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::api) struct NewAccount {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    password: String,
}

fn checked_password(p: &str) -> Result<&str, ApiError> {
    if p.chars().count() < MIN_PASSWORD {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "密码至少 {MIN_PASSWORD} 个字符 (password: at least {MIN_PASSWORD} characters)"
            ),
        ));
    }
    Ok(p)
}

/// `POST /api/v1/users {name, role, password}`: a new account.
pub(in crate::api) async fn add(
    State(state): State<ApiState>,
    Json(a): Json<NewAccount>,
) -> Result<Response, ApiError> {
    let invalid = |m: String| ApiError(StatusCode::UNPROCESSABLE_ENTITY, m);
    let name = a.name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(invalid(format!(
            "用户名 {name:?} 须为 1 到 64 个字符 (name: 1 to 64 characters)"
        )));
    }
    let role = Role::parse(&a.role).ok_or_else(|| {
        invalid(format!(
            "角色 {:?} 不存在，可选：录入 clerk、审核 reviewer、运维 operator (role: clerk, reviewer or operator)",
            crate::clip::clip(&a.role)
        ))
    })?;
    let h = hash(checked_password(&a.password)?)?;
    if !state
        .engine
        .store()
        .account_add(name, role.code(), &h)
        .await?
    {
        return Err(ApiError(
            StatusCode::CONFLICT,
            format!("用户 {name} 已存在 (user {name} exists)"),
        ));
    }
    tracing::info!(message = "Workbench account added.", user = %name, role = role.code());
    Ok((
        StatusCode::CREATED,
        Json(json!({"name": name, "role": role.code()})),
    )
        .into_response())
}

/// `POST /api/v1/users/{name}/password {password}`: a new password (and
/// the account enabled again, its sign-in lock lifted).
pub(in crate::api) async fn passwd(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Json(a): Json<NewAccount>,
) -> Result<Response, ApiError> {
    let h = hash(checked_password(&a.password)?)?;
    found(
        &name,
        state.engine.store().account_set_hash(&name, &h).await?,
    )?;
    state.sessions.end_all_of(&name);
    state.throttle.clear_user(&name);
    tracing::info!(message = "Workbench password set.", user = %name);
    Ok(Json(json!({"name": name})).into_response())
}

/// `POST /api/v1/users/{name}/disable`: no more sign-ins; its sessions end.
pub(in crate::api) async fn disable(
    State(state): State<ApiState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    found(&name, state.engine.store().account_disable(&name).await?)?;
    state.sessions.end_all_of(&name);
    tracing::info!(message = "Workbench account disabled.", user = %name);
    Ok(Json(json!({"name": name, "disabled": true})).into_response())
}

fn found(name: &str, found: bool) -> Result<(), ApiError> {
    if found {
        Ok(())
    } else {
        Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("没有用户 {name} (no user {name})"),
        ))
    }
}

/// Query of `GET /api/v1/audit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::api) struct AuditQuery {
    user: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/audit?user=&limit=`: the newest workbench writes.
pub(in crate::api) async fn audit(
    State(state): State<ApiState>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    let rows = state
        .engine
        .store()
        .audit_list(q.user.as_deref(), q.limit.unwrap_or(1000).clamp(1, 100_000))
        .await?;
    Ok(Json(rows).into_response())
}
