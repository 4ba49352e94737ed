//! Node configuration: one TOML file per node, loaded once at start-up into
//! an immutable [`Config`]. Every error names the file, the key and the
//! reason, and stops start-up.
//!
//! Relative paths in the file are resolved against the file's directory, so
//! a node directory can be moved as a whole.
//!
//! `raw` is the file as written, with each default named beside its key;
//! `sections` resolves it one `[section]` at a time; `source` holds the
//! checks they share. [`Config::from_raw`] only puts the parts together.

mod raw;
mod sections;
mod source;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use raw::{
    RawConfig, RawLog, RawNode, RawOperator, RawOperatorTls, RawParent, RawPeer, RawSchedules,
    RawStore, RawSync, RawTls, RawTrust, RawUi, RawWorkflow, default_routing,
};
pub use sections::parse_cron;
use source::Source;

use crate::i18n::{Lang, t};
use crate::identity::TlsFiles;
use crate::node::{Level, NodeId};
use crate::records::Kind;
use crate::workflow::{Deadlines, Taxonomy};

/// A configuration problem: which file, which key, and why.
#[derive(Debug, thiserror::Error)]
#[error("{}", t!("config-error", file = file.display().to_string(), key = key.as_str(), reason = reason.as_str()))]
pub struct ConfigError {
    pub file: PathBuf,
    pub key: String,
    pub reason: String,
}

/// The parent link of a non-central node.
#[derive(Debug, Clone)]
pub struct ParentConfig {
    pub id: NodeId,
    /// Base URL of the parent's peer listener, `https://host:port`.
    pub url: String,
    /// Declared, not guessed: a county may hang directly under a province.
    pub level: Level,
}

/// Limits the peer listener enforces on what children send.
#[derive(Debug, Clone)]
pub struct PeerLimits {
    pub max_record_bytes: usize,
    pub max_batch_records: usize,
    pub max_batch_bytes: usize,
    /// How long a pull may wait for new records before answering empty.
    pub long_poll: Duration,
    /// How long a peer connection may carry no request before it is closed.
    pub idle_close: Duration,
}

/// `[operator.tls]`, resolved: the listener's certificate and key, and
/// the CA the CLI checks that certificate with.
#[derive(Debug, Clone)]
pub struct OperatorTls {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
}

/// `operator.sign_in_failures` failed sign-ins of one user name, or from
/// one address, within `lock` refuse further attempts for `lock`.
#[derive(Debug, Clone, Copy)]
pub struct SignInLimit {
    pub failures: u32,
    pub lock: Duration,
}

/// Per-link budgets: exceeding one raises a warning, never drops anything.
#[derive(Debug, Clone)]
pub struct Budget {
    pub records: u64,
    pub bytes: u64,
    pub age: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

/// `[trust]`: where the tree manifest and this office's keys are.
#[derive(Debug, Clone)]
pub struct TrustFiles {
    /// The tree manifest signed by the network's CA (`manifest.json`).
    pub manifest: PathBuf,
    /// This office's record-signing key (`sign.key`, mode 0600).
    pub sign_key: PathBuf,
    /// This office's clue-sealing keys (`seal.key`, mode 0600), which open
    /// the clues sealed to it.
    pub seal_key: Option<PathBuf>,
}

/// The validated configuration of one node.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this was loaded from, for messages.
    pub path: PathBuf,
    pub id: NodeId,
    pub name: String,
    pub level: Level,
    pub parent: Option<ParentConfig>,
    pub children: Vec<NodeId>,
    pub peer_listen: SocketAddr,
    pub limits: PeerLimits,
    pub operator_listen: SocketAddr,
    pub token_file: PathBuf,
    /// `[operator.tls]`: the operator listener speaks HTTPS (required off
    /// loopback).
    pub operator_tls: Option<OperatorTls>,
    /// How many failed workbench sign-ins lock a name or an address out.
    pub sign_in_limit: SignInLimit,
    pub tls: TlsFiles,
    /// sqlx URL; relative SQLite paths already resolved.
    pub store_url: String,
    /// Cap on the store's size; at the cap writes fail cleanly ("full").
    pub store_max_bytes: Option<u64>,
    /// How often superseded entries are deleted from the change log.
    pub compact_every: Duration,
    /// Per kind: the highest level it travels up to, `None` for not at all.
    pub routing: BTreeMap<Kind, Option<Level>>,
    pub retry_min: Duration,
    pub retry_max: Duration,
    pub budget: Budget,
    /// `/readyz` answers 503 once the link to the parent has been down
    /// this long.
    pub ready_parent_down: Duration,
    /// Cron expression (6 fields, with seconds) for the health rollup.
    pub health_schedule: cron::Schedule,
    /// An office whose health has not arrived for this long is stale.
    pub health_stale: Duration,
    pub log_format: LogFormat,
    pub log_filter: Option<String>,
    /// Cron expression (6 fields) for supervision (督办) grading.
    pub supervision_schedule: cron::Schedule,
    /// Cron expression (6 fields) for releasing cross-inspection findings
    /// whose feedback date (反馈) has come.
    pub release_schedule: cron::Schedule,
    pub workflow: WorkflowConfig,
    /// `None` without a `[trust]` section: children's announcements are
    /// then trusted.
    pub trust: Option<TrustFiles>,
    /// `ui.lang`: the dashboard's language.
    pub lang: Lang,
}

/// The practice's configuration: taxonomy and deadlines.
#[derive(Debug, Clone)]
pub struct WorkflowConfig {
    pub taxonomy: std::sync::Arc<Taxonomy>,
    pub deadlines: Deadlines,
}

/// The `ui.lang` of the config file at `path`, read without checking the
/// rest: the CLI picks its language before the command reads the file
/// (and reports what is wrong with it, in that language).
pub fn ui_lang(path: &Path) -> Option<Lang> {
    let text = std::fs::read_to_string(path).ok()?;
    let raw: toml::Table = toml::from_str(&text).ok()?;
    Lang::parse(raw.get("ui")?.get("lang")?.as_str()?)
}

impl Config {
    /// Reads, parses and validates `path`. Files named in it must exist.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let src = Source::new(path);
        let text = std::fs::read_to_string(path)
            .map_err(|e| src.err("(file)", t!("config-cannot-read", error = e.to_string())))?;
        let raw: RawConfig = toml::from_str(&text).map_err(|e| {
            let key = e
                .span()
                .map(|s| format!("line {}", text[..s.start].lines().count().max(1)))
                .unwrap_or_else(|| "(syntax)".into());
            src.err(&key, t!("config-toml", error = e.message()))
        })?;
        Self::from_raw(path, raw)
    }

    /// Validates an already parsed file, section by section. `path` is used
    /// for messages and to resolve relative paths.
    pub fn from_raw(path: &Path, raw: RawConfig) -> Result<Config, ConfigError> {
        let src = Source::new(path);
        let node = sections::node(&src, raw.node)?;
        let parent = sections::parent(&src, raw.parent, &node)?;
        let (peer_listen, limits) = sections::peer(&src, &raw.peer)?;
        let tls = sections::tls(&src, &raw.tls)?;
        let operator = sections::operator(&src, &raw.operator, &tls)?;
        let trust = sections::trust(&src, raw.trust.as_ref())?;
        let store = sections::store(&src, &raw.store)?;
        let routing = sections::routing(&src, &raw.routing)?;
        let sync = sections::sync(&src, &raw.sync)?;
        let schedules = sections::schedules(&src, &raw.schedules)?;
        let workflow = sections::workflow(&src, &raw.workflow)?;
        let (log_format, log_filter) = sections::log(&src, raw.log)?;
        let lang = sections::ui(&src, raw.ui)?;
        Ok(Config {
            path: path.to_path_buf(),
            id: node.id,
            name: node.name,
            level: node.level,
            parent,
            children: node.children,
            peer_listen,
            limits,
            operator_listen: operator.listen,
            token_file: operator.token_file,
            operator_tls: operator.tls,
            sign_in_limit: operator.sign_in,
            tls,
            store_url: store.url,
            store_max_bytes: store.max_bytes,
            compact_every: store.compact_every,
            routing,
            retry_min: sync.retry_min,
            retry_max: sync.retry_max,
            budget: sync.budget,
            ready_parent_down: sync.ready_parent_down,
            health_schedule: schedules.health,
            health_stale: schedules.health_stale,
            log_format,
            log_filter,
            supervision_schedule: schedules.supervision,
            release_schedule: schedules.release,
            workflow,
            trust,
            lang,
        })
    }

    /// The highest level `kind` travels up to from this node.
    pub fn up_to(&self, kind: Kind) -> Option<Level> {
        self.routing.get(&kind).copied().flatten()
    }
}

#[cfg(test)]
mod tests;
