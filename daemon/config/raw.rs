//! The TOML file as written by people: serde structs that reject unknown
//! keys. Nothing here is trusted yet; [`super::Config::load`] resolves and
//! checks it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub node: RawNode,
    pub parent: Option<RawParent>,
    pub peer: RawPeer,
    pub operator: RawOperator,
    pub tls: RawTls,
    pub store: RawStore,
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
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOperator {
    pub listen: String,
    pub token_file: PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_remote: Option<bool>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size_mb: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compact_secs: Option<u64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSync {
    pub retry_min_ms: Option<u64>,
    pub retry_max_secs: Option<u64>,
    pub budget_records: Option<u64>,
    pub budget_bytes: Option<u64>,
    pub budget_age_hours: Option<u64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSchedules {
    pub health: Option<String>,
    pub health_stale_secs: Option<u64>,
    pub supervision: Option<String>,
    pub release: Option<String>,
}

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
    pub filter: Option<String>,
}
