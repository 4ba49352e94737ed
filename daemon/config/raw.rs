//! The TOML file as written by people: serde structs that reject unknown
//! keys, and beside each optional key the default it takes when absent.
//! Nothing here is trusted yet; [`super::Config::load`] resolves and checks
//! it. `config/county.toml` documents every default as a commented-out
//! `# key = value` line in its section; a unit test holds the two equal.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::node::Level;
use crate::records::Kind;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub node: RawNode,
    pub parent: Option<RawParent>,
    pub peer: RawPeer,
    pub operator: RawOperator,
    pub tls: RawTls,
    pub store: RawStore,
    /// Kind name to the highest level it travels up to, or `none`; kinds not
    /// named here follow [`default_routing`].
    #[serde(default)]
    pub routing: BTreeMap<String, String>,
    #[serde(default)]
    pub sync: RawSync,
    #[serde(default)]
    pub schedules: RawSchedules,
    #[serde(default)]
    pub log: RawLog,
    #[serde(default)]
    pub workflow: RawWorkflow,
    /// Absent: Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui: Option<RawUi>,
    /// Optional for now: without it, children's announcements are trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<RawTrust>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNode {
    pub id: String,
    pub name: String,
    pub level: String,
    #[serde(default)]
    pub children: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParent {
    pub id: String,
    pub url: String,
    pub level: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPeer {
    pub listen: String,
    pub max_record_bytes: Option<u64>,
    pub max_batch_records: Option<u64>,
    pub max_batch_bytes: Option<u64>,
    pub long_poll_secs: Option<u64>,
    pub idle_close_secs: Option<u64>,
}

pub const DEFAULT_MAX_RECORD_BYTES: u64 = 256 * 1024;
pub const DEFAULT_MAX_BATCH_RECORDS: u64 = 5000;
pub const DEFAULT_MAX_BATCH_BYTES: u64 = 8 * 1024 * 1024;
pub const DEFAULT_LONG_POLL_SECS: u64 = 25;
/// Added to `long_poll_secs` for the default `idle_close_secs`: a child
/// between two long polls is not idle.
pub const IDLE_CLOSE_GRACE_SECS: u64 = 10;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOperator {
    pub listen: String,
    pub token_file: PathBuf,
    /// Gone: a listener off loopback needs `[operator.tls]`; kept only to
    /// say so when an old config still sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_remote: Option<bool>,
    /// Failed workbench sign-ins (per user name, per address) before
    /// further attempts are refused for `sign_in_lock_secs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in_failures: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in_lock_secs: Option<u64>,
    /// `[operator.tls]`: serve the operator listener over HTTPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<RawOperatorTls>,
}

pub const DEFAULT_SIGN_IN_FAILURES: u64 = 5;
pub const DEFAULT_SIGN_IN_LOCK_SECS: u64 = 900;

/// `[operator.tls]`: the server certificate and key of the operator
/// listener (no client certificates: people sign in, scripts bring the
/// token), and the CA the `xunlian` commands check it with (default
/// `tls.ca`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOperatorTls {
    pub cert: PathBuf,
    pub key: PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<PathBuf>,
}

/// `[trust]`: the tree manifest signed by the network's CA, this office's
/// own signing key and its clue-sealing keys. None has a default; without
/// `seal_key` the office cannot open the clues sealed to it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrust {
    pub manifest: PathBuf,
    pub sign_key: PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal_key: Option<PathBuf>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub crl: Option<PathBuf>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    pub url: String,
    /// No default: without it the store has no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size_mb: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compact_secs: Option<u64>,
}

/// The change log is compacted hourly unless configured.
pub const DEFAULT_COMPACT_SECS: u64 = 3600;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSync {
    pub retry_min_ms: Option<u64>,
    pub retry_max_secs: Option<u64>,
    pub budget_records: Option<u64>,
    pub budget_bytes: Option<u64>,
    pub budget_age_hours: Option<u64>,
    pub ready_parent_down_secs: Option<u64>,
}

pub const DEFAULT_RETRY_MIN_MS: u64 = 200;
pub const DEFAULT_RETRY_MAX_SECS: u64 = 60;
pub const DEFAULT_BUDGET_RECORDS: u64 = 100_000;
pub const DEFAULT_BUDGET_BYTES: u64 = 1 << 30;
pub const DEFAULT_BUDGET_AGE_HOURS: u64 = 72;
/// `/readyz` answers 503 once the parent link is down this long.
pub const DEFAULT_READY_PARENT_DOWN_SECS: u64 = 300;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSchedules {
    pub health: Option<String>,
    pub health_stale_secs: Option<u64>,
    pub supervision: Option<String>,
    pub release: Option<String>,
}

/// The health rollup runs every minute unless configured.
pub const DEFAULT_HEALTH_SCHEDULE: &str = "0 * * * * *";
pub const DEFAULT_HEALTH_STALE_SECS: u64 = 180;
/// Supervision runs daily at 08:00 unless configured.
pub const DEFAULT_SUPERVISION_SCHEDULE: &str = "0 0 8 * * *";
/// Cross findings due for release are released hourly unless configured.
pub const DEFAULT_RELEASE_SCHEDULE: &str = "0 0 * * * *";

/// The deadlines' defaults are the practice's own,
/// [`crate::workflow::Deadlines::default`]; the taxonomy's is the copy built
/// into the binary.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkflow {
    pub taxonomy: Option<PathBuf>,
    pub plan_working_days: Option<u64>,
    pub report_months: Option<u64>,
    pub clue_months: Option<u64>,
    pub green_days: Option<u64>,
    pub yellow_days: Option<u64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLog {
    pub format: Option<String>,
    /// Without one (and without `RUST_LOG`) the log filter is `info`.
    pub filter: Option<String>,
}

/// `[ui]`: what people read.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUi {
    /// `zh` (the default) or `en`: the dashboard's language, and the CLI's
    /// for commands given this file.
    pub lang: Option<String>,
}

/// The language of the dashboard and the CLI unless `[ui]` says otherwise.
pub const DEFAULT_UI_LANG: &str = "zh";

/// `human` or `json`.
pub const DEFAULT_LOG_FORMAT: &str = "human";

/// How far up each kind goes unless `[routing]` says otherwise.
pub fn default_routing(kind: Kind) -> Option<Level> {
    match kind {
        Kind::RoundPlan
        | Kind::Finding
        | Kind::Rectification
        | Kind::Health
        | Kind::UnitRegister
        | Kind::ClueTally => Some(Level::Central),
        Kind::Clue => Some(Level::Provincial),
        Kind::Assignment | Kind::Notice => None,
    }
}
