//! Node configuration: one TOML file per node, loaded once at start-up into
//! an immutable [`Config`]. Every error names the file, the key and the
//! reason, and stops start-up.
//!
//! Relative paths in the file are resolved against the file's directory, so
//! a node directory can be moved as a whole.

mod raw;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use raw::{
    RawConfig, RawLog, RawNode, RawOperator, RawParent, RawPeer, RawSchedules, RawStore, RawSync,
    RawTls, RawWorkflow,
};

use crate::identity::TlsFiles;
use crate::node::{Level, NodeId};
use crate::records::Kind;
use crate::workflow::{Deadlines, Taxonomy};

/// A configuration problem: which file, which key, and why.
#[derive(Debug, thiserror::Error)]
#[error("config {file}: {key}: {reason}")]
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
}

/// The practice's configuration: taxonomy and deadlines.
#[derive(Debug, Clone)]
pub struct WorkflowConfig {
    pub taxonomy: std::sync::Arc<Taxonomy>,
    pub deadlines: Deadlines,
}

/// How far up each kind goes unless the config says otherwise.
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

const DEFAULT_HEALTH_SCHEDULE: &str = "0 * * * * *";
/// Supervision runs daily at 08:00 unless configured.
const DEFAULT_SUPERVISION_SCHEDULE: &str = "0 0 8 * * *";
/// Cross findings due for release are released hourly unless configured.
const DEFAULT_RELEASE_SCHEDULE: &str = "0 0 * * * *";

impl Config {
    /// Reads, parses and validates `path`. Files named in it must exist.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let err = |key: &str, reason: String| ConfigError {
            file: path.to_path_buf(),
            key: key.to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| err("(file)", format!("cannot read: {e}")))?;
        let raw: RawConfig = toml::from_str(&text).map_err(|e| {
            let key = e
                .span()
                .map(|s| format!("line {}", text[..s.start].lines().count().max(1)))
                .unwrap_or_else(|| "(syntax)".into());
            err(&key, e.message().to_string())
        })?;
        Self::from_raw(path, raw)
    }

    /// Validates an already parsed file. `path` is used for messages and to
    /// resolve relative paths.
    pub fn from_raw(path: &Path, raw: RawConfig) -> Result<Config, ConfigError> {
        let err = |key: &str, reason: String| ConfigError {
            file: path.to_path_buf(),
            key: key.to_string(),
            reason,
        };
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &Path| -> PathBuf {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        // Secrets must not be readable by others, as ssh insists for its keys.
        let private = |p: PathBuf, key: &str| -> Result<PathBuf, ConfigError> {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p)
                .map_err(|e| err(key, format!("{}: {e}", p.display())))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(err(
                    key,
                    format!(
                        "{} is readable by group or others (mode {:o}); run: chmod 600 {}",
                        p.display(),
                        mode & 0o777,
                        p.display()
                    ),
                ));
            }
            Ok(p)
        };
        let existing = |key: &str, p: &Path| -> Result<PathBuf, ConfigError> {
            let full = resolve(p);
            if full.is_file() {
                Ok(full)
            } else {
                Err(err(key, format!("file {} does not exist", full.display())))
            }
        };

        let id = NodeId::new(raw.node.id.clone()).map_err(|e| err("node.id", e.to_string()))?;
        let level: Level = raw.node.level.parse().map_err(|e| err("node.level", e))?;
        let mut children = Vec::new();
        for (i, c) in raw.node.children.iter().enumerate() {
            let key = format!("node.children[{i}]");
            let child = NodeId::new(c.clone()).map_err(|e| err(&key, e.to_string()))?;
            if child == id || children.contains(&child) {
                return Err(err(
                    &key,
                    format!("{child} is listed twice or is the node itself"),
                ));
            }
            children.push(child);
        }
        let parent = match (raw.parent, level) {
            (None, Level::Central) => None,
            (None, _) => {
                return Err(err(
                    "parent",
                    format!("a {level} node needs a [parent] section; only central has none"),
                ));
            }
            (Some(_), Level::Central) => {
                return Err(err("parent", "the central node has no parent".into()));
            }
            (Some(p), _) => {
                let pid = NodeId::new(p.id).map_err(|e| err("parent.id", e.to_string()))?;
                if pid == id || children.contains(&pid) {
                    return Err(err(
                        "parent.id",
                        format!("{pid} is this node or one of its children"),
                    ));
                }
                let plevel: Level = p.level.parse().map_err(|e| err("parent.level", e))?;
                if plevel.rank() >= level.rank() {
                    return Err(err(
                        "parent.level",
                        format!(
                            "a {level} node cannot have a {plevel} parent; the parent must be higher"
                        ),
                    ));
                }
                if !p.url.starts_with("https://") {
                    return Err(err(
                        "parent.url",
                        format!("{:?} must be an https:// URL", p.url),
                    ));
                }
                Some(ParentConfig {
                    id: pid,
                    url: p.url.trim_end_matches('/').to_string(),
                    level: plevel,
                })
            }
        };
        let peer_listen: SocketAddr = raw
            .peer
            .listen
            .parse()
            .map_err(|e| err("peer.listen", format!("{:?}: {e}", raw.peer.listen)))?;
        let operator_listen: SocketAddr = raw
            .operator
            .listen
            .parse()
            .map_err(|e| err("operator.listen", format!("{:?}: {e}", raw.operator.listen)))?;
        if !operator_listen.ip().is_loopback() && raw.operator.allow_remote != Some(true) {
            return Err(err(
                "operator.listen",
                format!(
                    "{operator_listen} is not a loopback address; the operator API is for this machine only. \
                     Use 127.0.0.1, or set operator.allow_remote = true if a firewall protects it"
                ),
            ));
        }
        let positive = |key: &str, v: Option<u64>, default: u64| -> Result<u64, ConfigError> {
            match v {
                Some(0) => Err(err(key, "must be greater than 0".into())),
                Some(v) => Ok(v),
                None => Ok(default),
            }
        };
        let limits = PeerLimits {
            max_record_bytes: positive(
                "peer.max_record_bytes",
                raw.peer.max_record_bytes,
                256 * 1024,
            )? as usize,
            max_batch_records: positive("peer.max_batch_records", raw.peer.max_batch_records, 5000)?
                as usize,
            max_batch_bytes: positive(
                "peer.max_batch_bytes",
                raw.peer.max_batch_bytes,
                8 * 1024 * 1024,
            )? as usize,
            long_poll: Duration::from_secs(positive(
                "peer.long_poll_secs",
                raw.peer.long_poll_secs,
                25,
            )?),
        };
        if limits.max_record_bytes > limits.max_batch_bytes {
            return Err(err(
                "peer.max_record_bytes",
                "must not exceed peer.max_batch_bytes".into(),
            ));
        }
        let tls = TlsFiles {
            ca: existing("tls.ca", &raw.tls.ca)?,
            cert: existing("tls.cert", &raw.tls.cert)?,
            key: private(existing("tls.key", &raw.tls.key)?, "tls.key")?,
            crl: raw
                .tls
                .crl
                .as_deref()
                .map(|p| existing("tls.crl", p))
                .transpose()?,
        };
        let token_file = private(
            existing("operator.token_file", &raw.operator.token_file)?,
            "operator.token_file",
        )?;
        let store_url = resolve_store_url(&raw.store.url, base).map_err(|r| err("store.url", r))?;

        let mut routing: BTreeMap<Kind, Option<Level>> = Kind::ALL
            .iter()
            .map(|k| (*k, default_routing(*k)))
            .collect();
        for (k, v) in &raw.routing {
            let key = format!("routing.{k}");
            let kind: Kind = k.parse().map_err(|e| err(&key, e))?;
            let up = if v == "none" {
                None
            } else {
                Some(
                    v.parse::<Level>()
                        .map_err(|e| err(&key, format!("{e}, or none")))?,
                )
            };
            routing.insert(kind, up);
        }

        let retry_min =
            Duration::from_millis(positive("sync.retry_min_ms", raw.sync.retry_min_ms, 200)?);
        let retry_max = Duration::from_secs(positive(
            "sync.retry_max_secs",
            raw.sync.retry_max_secs,
            60,
        )?);
        if retry_min > retry_max {
            return Err(err(
                "sync.retry_min_ms",
                "must not exceed sync.retry_max_secs".into(),
            ));
        }
        let budget = Budget {
            records: positive("sync.budget_records", raw.sync.budget_records, 100_000)?,
            bytes: positive("sync.budget_bytes", raw.sync.budget_bytes, 1 << 30)?,
            age: Duration::from_secs(
                3600 * positive("sync.budget_age_hours", raw.sync.budget_age_hours, 72)?,
            ),
        };
        let health_schedule = parse_cron(
            raw.schedules
                .health
                .as_deref()
                .unwrap_or(DEFAULT_HEALTH_SCHEDULE),
        )
        .map_err(|r| err("schedules.health", r))?;
        let health_stale = Duration::from_secs(positive(
            "schedules.health_stale_secs",
            raw.schedules.health_stale_secs,
            180,
        )?);
        let supervision_schedule = parse_cron(
            raw.schedules
                .supervision
                .as_deref()
                .unwrap_or(DEFAULT_SUPERVISION_SCHEDULE),
        )
        .map_err(|r| err("schedules.supervision", r))?;
        let release_schedule = parse_cron(
            raw.schedules
                .release
                .as_deref()
                .unwrap_or(DEFAULT_RELEASE_SCHEDULE),
        )
        .map_err(|r| err("schedules.release", r))?;
        let workflow = {
            let w = &raw.workflow;
            let taxonomy = match &w.taxonomy {
                None => Taxonomy::builtin().clone(),
                Some(p) => Taxonomy::load(&existing("workflow.taxonomy", p)?)
                    .map_err(|r| err("workflow.taxonomy", r))?,
            };
            let d = Deadlines::default();
            let num = |key: &str, v: Option<u64>, default: u32| -> Result<u32, ConfigError> {
                u32::try_from(positive(key, v, default.into())?)
                    .map_err(|_| err(key, "is too large".into()))
            };
            let deadlines = Deadlines {
                plan_working_days: num(
                    "workflow.plan_working_days",
                    w.plan_working_days,
                    d.plan_working_days,
                )?,
                report_months: num("workflow.report_months", w.report_months, d.report_months)?,
                clue_months: num("workflow.clue_months", w.clue_months, d.clue_months)?,
                green_days: num("workflow.green_days", w.green_days, d.green_days as u32)?.into(),
                yellow_days: num("workflow.yellow_days", w.yellow_days, d.yellow_days as u32)?
                    .into(),
            };
            if deadlines.yellow_days > deadlines.green_days {
                return Err(err(
                    "workflow.yellow_days",
                    "must not exceed workflow.green_days".into(),
                ));
            }
            WorkflowConfig {
                taxonomy: std::sync::Arc::new(taxonomy),
                deadlines,
            }
        };
        let log_format = match raw.log.format.as_deref() {
            None | Some("human") => LogFormat::Human,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(err(
                    "log.format",
                    format!("{other:?}: expected \"human\" or \"json\""),
                ));
            }
        };

        Ok(Config {
            path: path.to_path_buf(),
            id,
            name: raw.node.name,
            level,
            parent,
            children,
            peer_listen,
            limits,
            operator_listen,
            token_file,
            tls,
            store_url,
            store_max_bytes: raw
                .store
                .max_size_mb
                .map(|mb| positive("store.max_size_mb", Some(mb), 1).map(|mb| mb * 1024 * 1024))
                .transpose()?,
            compact_every: Duration::from_secs(positive(
                "store.compact_secs",
                raw.store.compact_secs,
                3600,
            )?),
            routing,
            retry_min,
            retry_max,
            budget,
            health_schedule,
            health_stale,
            log_format,
            log_filter: raw.log.filter,
            supervision_schedule,
            release_schedule,
            workflow,
        })
    }

    /// The highest level `kind` travels up to from this node.
    pub fn up_to(&self, kind: Kind) -> Option<Level> {
        self.routing.get(&kind).copied().flatten()
    }
}

/// Parses a 6-field cron expression, explaining the 6-field form when a
/// classic 5-field one is given.
pub fn parse_cron(expr: &str) -> Result<cron::Schedule, String> {
    let fields = expr.split_whitespace().count();
    if fields == 5 {
        return Err(format!(
            "{expr:?} has 5 fields; xunlian uses 6 with seconds first, e.g. \"0 {expr}\""
        ));
    }
    expr.parse::<cron::Schedule>()
        .map_err(|e| format!("{expr:?} is not a valid cron expression: {e}"))
}

/// Resolves a relative `sqlite://` path against the config directory and
/// adds `mode=rwc`; other URLs pass unchanged.
fn resolve_store_url(url: &str, base: &Path) -> Result<String, String> {
    if let Some(rest) = url.strip_prefix("sqlite://") {
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if path.is_empty() {
            return Err("sqlite:// URL has no file path".into());
        }
        let p = Path::new(path);
        let full = if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        };
        let mut q = query.to_string();
        if !q.contains("mode=") {
            if !q.is_empty() {
                q.push('&');
            }
            q.push_str("mode=rwc");
        }
        Ok(format!("sqlite://{}?{q}", full.display()))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(url.to_string())
    } else {
        Err(format!("{url:?}: expected sqlite://PATH or postgres://..."))
    }
}

#[cfg(test)]
mod tests;
