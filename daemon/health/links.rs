//! Per-link measures as reported to operators and in `health` records.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::i18n::{Lang, tl};
use crate::store::StoreError;
use crate::sync::budget::{budget_warnings, lag_secs};

/// One link of a node, as shown by `status`, `/metrics` and the dashboard.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkReport {
    pub peer: String,
    /// `parent` or `child`.
    pub direction: String,
    pub connected: bool,
    pub last_seen: Option<DateTime<Utc>>,
    pub last_push_ok: Option<DateTime<Utc>>,
    pub last_pull_ok: Option<DateTime<Utc>>,
    /// Records waiting to go to this peer.
    pub backlog_records: i64,
    pub backlog_bytes: i64,
    /// Age in milliseconds of the oldest record waiting for this peer.
    pub lag_ms: i64,
    pub records_in: u64,
    pub records_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Refusals on this link by reason code.
    pub refusals: std::collections::BTreeMap<String, u64>,
    pub peer_version: Option<String>,
    pub peer_cert_not_after: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Sessions with the parent that ended in an error (parent links only;
    /// left out when zero, and absent in health records of older nodes).
    #[serde(default, skip_serializing_if = "super::is_zero")]
    pub session_failures: u64,
    /// Budget warnings in force for this link.
    pub warnings: Vec<String>,
}

impl LinkReport {
    /// What an operator should read about the link beside its figures:
    /// budget warnings and, while its sessions fail (an error since the
    /// last success: a session that opens clears it), that error; a link
    /// that recovered carries no count of old failures.
    pub fn notes(&self, lang: Lang) -> Vec<String> {
        let mut notes = self.warnings.clone();
        notes.extend(
            self.last_error
                .as_ref()
                .map(|e| tl!(lang, "status-failing", error = e)),
        );
        notes
    }
}

/// The measures of every link of `engine`, parent first.
pub async fn link_reports(engine: &Engine) -> Result<Vec<LinkReport>, StoreError> {
    let now = Utc::now().timestamp_millis();
    let mut out = Vec::new();
    for (peer, (direction, s)) in engine.link_states() {
        let backlog = engine.store().outbox_stats(&peer).await?;
        out.push(LinkReport {
            peer: peer.to_string(),
            direction: direction.as_str().into(),
            connected: s.connected,
            last_seen: s.last_seen,
            last_push_ok: s.last_push_ok,
            last_pull_ok: s.last_pull_ok,
            backlog_records: backlog.records,
            backlog_bytes: backlog.bytes,
            lag_ms: (lag_secs(&backlog, now) * 1000.0) as i64,
            records_in: s.records_in,
            records_out: s.records_out,
            bytes_in: s.bytes_in,
            bytes_out: s.bytes_out,
            refusals: s
                .refusals
                .into_iter()
                .map(|(reason, n)| (reason.as_str().to_string(), n))
                .collect(),
            peer_version: s.peer_version,
            peer_cert_not_after: s.peer_cert_not_after,
            last_error: s.last_error,
            session_failures: s.session_failures,
            warnings: budget_warnings(&engine.config.budget, &backlog, now),
        });
    }
    out.sort_by_key(|l| (l.direction != "parent", l.peer.clone()));
    Ok(out)
}
