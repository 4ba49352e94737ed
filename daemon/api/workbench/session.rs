//! Sessions of the workbench, in memory: a random id in an HttpOnly,
//! SameSite=Strict cookie (also Secure when the listener speaks HTTPS), the person and role behind it, a CSRF token
//! every POST must carry, and an idle expiry. A restart signs everyone out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

use super::accounts::Role;

/// A session unused this long is over.
const IDLE: Duration = Duration::from_secs(8 * 3600);

/// The cookie holding the session id.
pub const COOKIE: &str = "xunlian_wb";

/// One signed-in person.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
    pub role: Role,
    /// The token every form of this session posts back.
    pub csrf: String,
    last_used: Instant,
}

/// Every open session, by id.
#[derive(Debug, Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    crate::hex::encode(&bytes)
}

impl Sessions {
    /// Opens a session for `user`: its id and the session.
    pub fn open(&self, user: &str, role: Role) -> (String, Session) {
        let id = random_token();
        let s = Session {
            user: user.to_string(),
            role,
            csrf: random_token(),
            last_used: Instant::now(),
        };
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|_, s| s.last_used.elapsed() < IDLE);
        open.insert(id.clone(), s.clone());
        (id, s)
    }

    /// The session the request's cookie names, if open and not expired
    /// (its idle clock restarts).
    pub fn of(&self, headers: &HeaderMap) -> Option<Session> {
        let id = cookie(headers)?;
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let s = open.get_mut(&id)?;
        if s.last_used.elapsed() >= IDLE {
            open.remove(&id);
            return None;
        }
        s.last_used = Instant::now();
        Some(s.clone())
    }

    /// Ends the session the request's cookie names.
    pub fn end(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers) {
            self.open
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
        }
    }

    /// Ends every session of `user` (password changed, account disabled).
    pub fn end_all_of(&self, user: &str) {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, s| s.user != user);
    }
}

impl Session {
    /// Whether `presented` is this session's CSRF token.
    pub fn csrf_ok(&self, presented: &str) -> bool {
        aws_lc_rs::constant_time::verify_slices_are_equal(
            presented.as_bytes(),
            self.csrf.as_bytes(),
        )
        .is_ok()
    }
}

/// The `Set-Cookie` value that opens (`Some(id)`) or clears the session;
/// `Secure` (sent over HTTPS only) when the listener speaks HTTPS.
pub fn set_cookie(id: Option<&str>, https: bool) -> String {
    let secure = if https { "; Secure" } else { "" };
    let (id, max_age) = match id {
        Some(id) => (id, IDLE.as_secs()),
        None => ("", 0),
    };
    format!("{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/wb; Max-Age={max_age}{secure}")
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    crate::http::cookie(headers, COOKIE)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
}
