//! One resolver per section of the file: each takes its raw section, fills
//! in the defaults named in [`super::raw`], checks what it can check alone,
//! and returns its part of [`super::Config`] or an error naming the key.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::raw::{
    DEFAULT_BUDGET_AGE_HOURS, DEFAULT_BUDGET_BYTES, DEFAULT_BUDGET_RECORDS, DEFAULT_COMPACT_SECS,
    DEFAULT_HEALTH_SCHEDULE, DEFAULT_HEALTH_STALE_SECS, DEFAULT_LOG_FORMAT, DEFAULT_LONG_POLL_SECS,
    DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_BATCH_RECORDS, DEFAULT_MAX_RECORD_BYTES,
    DEFAULT_READY_PARENT_DOWN_SECS, DEFAULT_RELEASE_SCHEDULE, DEFAULT_RETRY_MAX_SECS,
    DEFAULT_RETRY_MIN_MS, DEFAULT_SIGN_IN_FAILURES, DEFAULT_SIGN_IN_LOCK_SECS,
    DEFAULT_SUPERVISION_SCHEDULE, DEFAULT_UI_LANG, IDLE_CLOSE_GRACE_SECS, RawLog, RawNode,
    RawOperator, RawParent, RawPeer, RawSchedules, RawStore, RawSync, RawTls, RawTrust, RawUi,
    RawWorkflow, default_routing,
};
use super::source::Source;
use super::{
    Budget, ConfigError, LogFormat, OperatorTls, ParentConfig, PeerLimits, SignInLimit, TrustFiles,
    WorkflowConfig,
};
use crate::i18n::{Lang, t};
use crate::identity::TlsFiles;
use crate::node::{Level, NodeId};
use crate::records::Kind;
use crate::workflow::{Deadlines, Taxonomy};

type Resolved<T> = Result<T, ConfigError>;

const SECS_PER_HOUR: u64 = 3600;
const BYTES_PER_MB: u64 = 1024 * 1024;

/// `[node]`: who this node is and which offices hang below it.
pub(super) struct NodeSection {
    pub id: NodeId,
    pub name: String,
    pub level: Level,
    pub children: Vec<NodeId>,
}

pub(super) fn node(src: &Source<'_>, raw: RawNode) -> Resolved<NodeSection> {
    let id = node_id(src, "node.id", raw.id)?;
    let level = level(src, "node.level", &raw.level)?;
    let mut children = Vec::new();
    for (i, c) in raw.children.into_iter().enumerate() {
        let key = format!("node.children[{i}]");
        let child = node_id(src, &key, c)?;
        if child == id || children.contains(&child) {
            return Err(src.err(&key, t!("config-child-twice", child = child.as_str())));
        }
        children.push(child);
    }
    Ok(NodeSection {
        id,
        name: raw.name,
        level,
        children,
    })
}

/// `[parent]`: present exactly when the node is not central, and above it.
pub(super) fn parent(
    src: &Source<'_>,
    raw: Option<RawParent>,
    node: &NodeSection,
) -> Resolved<Option<ParentConfig>> {
    let level = node.level;
    let p = match (raw, level) {
        (None, Level::Central) => return Ok(None),
        (None, _) => {
            return Err(src.err("parent", t!("config-needs-parent", level = level.as_str())));
        }
        (Some(_), Level::Central) => {
            return Err(src.err("parent", t!("config-central-no-parent")));
        }
        (Some(p), _) => p,
    };
    let pid = node_id(src, "parent.id", p.id)?;
    if pid == node.id || node.children.contains(&pid) {
        return Err(src.err(
            "parent.id",
            t!("config-parent-is-self", parent = pid.as_str()),
        ));
    }
    let plevel = self::level(src, "parent.level", &p.level)?;
    if plevel.rank() >= level.rank() {
        return Err(src.err(
            "parent.level",
            t!(
                "config-parent-not-higher",
                level = level.as_str(),
                parent_level = plevel.as_str()
            ),
        ));
    }
    if !p.url.starts_with("https://") {
        return Err(src.err(
            "parent.url",
            t!("config-parent-not-https", url = format!("{:?}", p.url)),
        ));
    }
    Ok(Some(ParentConfig {
        id: pid,
        url: p.url.trim_end_matches('/').to_string(),
        level: plevel,
    }))
}

/// `[peer]`: where children are served, and the limits on what they send.
pub(super) fn peer(src: &Source<'_>, raw: &RawPeer) -> Resolved<(SocketAddr, PeerLimits)> {
    let listen = listen_addr(src, "peer.listen", &raw.listen)?;
    let size = |key: &str, v: Option<u64>, default: u64| -> Resolved<usize> {
        let n = src.positive(key, v, default)?;
        usize::try_from(n).map_err(|_| src.err(key, t!("config-too-large")))
    };
    let long_poll_secs = src.positive(
        "peer.long_poll_secs",
        raw.long_poll_secs,
        DEFAULT_LONG_POLL_SECS,
    )?;
    let limits = PeerLimits {
        max_record_bytes: size(
            "peer.max_record_bytes",
            raw.max_record_bytes,
            DEFAULT_MAX_RECORD_BYTES,
        )?,
        max_batch_records: size(
            "peer.max_batch_records",
            raw.max_batch_records,
            DEFAULT_MAX_BATCH_RECORDS,
        )?,
        max_batch_bytes: size(
            "peer.max_batch_bytes",
            raw.max_batch_bytes,
            DEFAULT_MAX_BATCH_BYTES,
        )?,
        long_poll: Duration::from_secs(long_poll_secs),
        idle_close: Duration::from_secs(src.positive(
            "peer.idle_close_secs",
            raw.idle_close_secs,
            long_poll_secs + IDLE_CLOSE_GRACE_SECS,
        )?),
    };
    if limits.max_record_bytes > limits.max_batch_bytes {
        return Err(src.err("peer.max_record_bytes", t!("config-record-over-batch")));
    }
    Ok((listen, limits))
}

/// `[operator]`, resolved.
pub(super) struct OperatorSection {
    pub listen: SocketAddr,
    pub token_file: PathBuf,
    pub tls: Option<OperatorTls>,
    pub sign_in: SignInLimit,
}

/// `[operator]`: the operator API's address and its token file, a secret;
/// `[operator.tls]`, without which the listener must be on loopback
/// (passwords and the token must not cross a network in clear); the
/// sign-in limit of the workbench.
pub(super) fn operator(
    src: &Source<'_>,
    raw: &RawOperator,
    node_tls: &TlsFiles,
) -> Resolved<OperatorSection> {
    let listen = listen_addr(src, "operator.listen", &raw.listen)?;
    if raw.allow_remote.is_some() {
        return Err(src.err(
            "operator.allow_remote",
            t!("config-operator-allow-remote-gone"),
        ));
    }
    let tls = raw
        .tls
        .as_ref()
        .map(|t| {
            Ok(OperatorTls {
                cert: src.existing("operator.tls.cert", &t.cert)?,
                key: src.secret("operator.tls.key", &t.key)?,
                ca: match &t.ca {
                    Some(ca) => src.existing("operator.tls.ca", ca)?,
                    None => node_tls.ca.clone(),
                },
            })
        })
        .transpose()?;
    if !listen.ip().is_loopback() && tls.is_none() {
        return Err(src.err(
            "operator.listen",
            t!("config-operator-needs-tls", listen = listen.to_string()),
        ));
    }
    let failures = src.positive(
        "operator.sign_in_failures",
        raw.sign_in_failures,
        DEFAULT_SIGN_IN_FAILURES,
    )?;
    let sign_in = SignInLimit {
        failures: u32::try_from(failures)
            .map_err(|_| src.err("operator.sign_in_failures", t!("config-too-large")))?,
        lock: Duration::from_secs(src.positive(
            "operator.sign_in_lock_secs",
            raw.sign_in_lock_secs,
            DEFAULT_SIGN_IN_LOCK_SECS,
        )?),
    };
    Ok(OperatorSection {
        listen,
        token_file: src.secret("operator.token_file", &raw.token_file)?,
        tls,
        sign_in,
    })
}

fn listen_addr(src: &Source<'_>, key: &str, addr: &str) -> Resolved<SocketAddr> {
    addr.parse().map_err(|e: std::net::AddrParseError| {
        let addr = format!("{addr:?}");
        src.err(
            key,
            t!("config-bad-address", addr = addr, error = e.to_string()),
        )
    })
}

/// `[tls]`: the files must exist, and the key must be private.
pub(super) fn tls(src: &Source<'_>, raw: &RawTls) -> Resolved<TlsFiles> {
    Ok(TlsFiles {
        ca: src.existing("tls.ca", &raw.ca)?,
        cert: src.existing("tls.cert", &raw.cert)?,
        key: src.secret("tls.key", &raw.key)?,
        crl: raw
            .crl
            .as_deref()
            .map(|p| src.existing("tls.crl", p))
            .transpose()?,
    })
}

/// `[trust]`: the manifest must exist and the keys be private. The
/// manifest's signature is checked when the node starts, with `tls.ca`.
pub(super) fn trust(src: &Source<'_>, raw: Option<&RawTrust>) -> Resolved<Option<TrustFiles>> {
    raw.map(|t| {
        Ok(TrustFiles {
            manifest: src.existing("trust.manifest", &t.manifest)?,
            sign_key: src.secret("trust.sign_key", &t.sign_key)?,
            seal_key: t
                .seal_key
                .as_deref()
                .map(|p| src.secret("trust.seal_key", p))
                .transpose()?,
        })
    })
    .transpose()
}

/// `[store]`: where records are kept, how large they may grow, how often
/// the change log is compacted.
pub(super) struct StoreSection {
    pub url: String,
    pub max_bytes: Option<u64>,
    pub compact_every: Duration,
}

pub(super) fn store(src: &Source<'_>, raw: &RawStore) -> Resolved<StoreSection> {
    Ok(StoreSection {
        url: store_url(src, &raw.url)?,
        max_bytes: raw
            .max_size_mb
            .map(|mb| {
                src.nonzero("store.max_size_mb", mb)
                    .map(|mb| mb * BYTES_PER_MB)
            })
            .transpose()?,
        compact_every: Duration::from_secs(src.positive(
            "store.compact_secs",
            raw.compact_secs,
            DEFAULT_COMPACT_SECS,
        )?),
    })
}

/// The store URL, checked: a relative `sqlite://` path is resolved against
/// the config directory, gets `mode=rwc`, and its directory and files
/// (database, WAL, shared memory) must be private if they exist already;
/// other URLs pass unchanged (PostgreSQL's files are its server's).
fn store_url(src: &Source<'_>, url: &str) -> Resolved<String> {
    const KEY: &str = "store.url";
    let Some(rest) = url.strip_prefix("sqlite://") else {
        return if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(url.to_string())
        } else {
            Err(src.err(KEY, t!("config-store-url", url = format!("{url:?}"))))
        };
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() {
        return Err(src.err(KEY, t!("config-sqlite-no-path")));
    }
    let p = Path::new(path);
    let full = if p.is_absolute() {
        p.to_path_buf()
    } else {
        src.dir().join(p)
    };
    if let Some(dir) = full.parent() {
        src.private_if_present(KEY, dir)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        src.private_if_present(KEY, Path::new(&format!("{}{suffix}", full.display())))?;
    }
    let mut q = query.to_string();
    if !q.contains("mode=") {
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str("mode=rwc");
    }
    Ok(format!("sqlite://{}?{q}", full.display()))
}

/// `[routing]`: every kind's highest level, the defaults overridden by the
/// kinds the file names.
pub(super) fn routing(
    src: &Source<'_>,
    raw: &BTreeMap<String, String>,
) -> Resolved<BTreeMap<Kind, Option<Level>>> {
    let mut routing: BTreeMap<Kind, Option<Level>> = Kind::ALL
        .iter()
        .map(|k| (*k, default_routing(*k)))
        .collect();
    for (k, v) in raw {
        let key = format!("routing.{k}");
        let kind: Kind = k.parse().map_err(|e| src.err(&key, e))?;
        let up =
            if v == "none" {
                None
            } else {
                Some(v.parse::<Level>().map_err(|_| {
                    src.err(&key, t!("config-level-or-none", value = format!("{v:?}")))
                })?)
            };
        routing.insert(kind, up);
    }
    Ok(routing)
}

/// `[sync]`: the uplink's back-off and the per-link budgets.
pub(super) struct SyncSection {
    pub retry_min: Duration,
    pub retry_max: Duration,
    pub budget: Budget,
    pub ready_parent_down: Duration,
}

pub(super) fn sync(src: &Source<'_>, raw: &RawSync) -> Resolved<SyncSection> {
    let retry_min = Duration::from_millis(src.positive(
        "sync.retry_min_ms",
        raw.retry_min_ms,
        DEFAULT_RETRY_MIN_MS,
    )?);
    let retry_max = Duration::from_secs(src.positive(
        "sync.retry_max_secs",
        raw.retry_max_secs,
        DEFAULT_RETRY_MAX_SECS,
    )?);
    if retry_min > retry_max {
        return Err(src.err("sync.retry_min_ms", t!("config-retry")));
    }
    let budget = Budget {
        records: src.positive(
            "sync.budget_records",
            raw.budget_records,
            DEFAULT_BUDGET_RECORDS,
        )?,
        bytes: src.positive("sync.budget_bytes", raw.budget_bytes, DEFAULT_BUDGET_BYTES)?,
        age: Duration::from_secs(
            SECS_PER_HOUR
                * src.positive(
                    "sync.budget_age_hours",
                    raw.budget_age_hours,
                    DEFAULT_BUDGET_AGE_HOURS,
                )?,
        ),
    };
    let ready_parent_down = Duration::from_secs(src.positive(
        "sync.ready_parent_down_secs",
        raw.ready_parent_down_secs,
        DEFAULT_READY_PARENT_DOWN_SECS,
    )?);
    Ok(SyncSection {
        retry_min,
        retry_max,
        budget,
        ready_parent_down,
    })
}

/// `[schedules]`: when the periodic jobs run, and when health goes stale.
pub(super) struct SchedulesSection {
    pub health: cron::Schedule,
    pub health_stale: Duration,
    pub supervision: cron::Schedule,
    pub release: cron::Schedule,
}

pub(super) fn schedules(src: &Source<'_>, raw: &RawSchedules) -> Resolved<SchedulesSection> {
    let schedule = |key: &str, expr: &Option<String>, default: &str| {
        parse_cron(expr.as_deref().unwrap_or(default)).map_err(|r| src.err(key, r))
    };
    Ok(SchedulesSection {
        health: schedule("schedules.health", &raw.health, DEFAULT_HEALTH_SCHEDULE)?,
        health_stale: Duration::from_secs(src.positive(
            "schedules.health_stale_secs",
            raw.health_stale_secs,
            DEFAULT_HEALTH_STALE_SECS,
        )?),
        supervision: schedule(
            "schedules.supervision",
            &raw.supervision,
            DEFAULT_SUPERVISION_SCHEDULE,
        )?,
        release: schedule("schedules.release", &raw.release, DEFAULT_RELEASE_SCHEDULE)?,
    })
}

/// Parses a 6-field cron expression, explaining the 6-field form when a
/// classic 5-field one is given.
pub fn parse_cron(expr: &str) -> Result<cron::Schedule, String> {
    let fields = expr.split_whitespace().count();
    if fields == 5 {
        return Err(t!("config-cron-five", expr = expr));
    }
    expr.parse::<cron::Schedule>().map_err(|e| {
        t!(
            "config-cron",
            expr = format!("{expr:?}"),
            error = e.to_string()
        )
    })
}

/// `[workflow]`: the taxonomy and the practice's deadlines, defaults from
/// [`Deadlines::default`].
pub(super) fn workflow(src: &Source<'_>, raw: &RawWorkflow) -> Resolved<WorkflowConfig> {
    let taxonomy = match &raw.taxonomy {
        None => Taxonomy::builtin().clone(),
        Some(p) => Taxonomy::load(&src.existing("workflow.taxonomy", p)?)
            .map_err(|r| src.err("workflow.taxonomy", r))?,
    };
    let d = Deadlines::default();
    let num = |key: &str, v: Option<u64>, default: u32| -> Resolved<u32> {
        u32::try_from(src.positive(key, v, default.into())?)
            .map_err(|_| src.err(key, t!("config-too-large")))
    };
    let deadlines = Deadlines {
        plan_working_days: num(
            "workflow.plan_working_days",
            raw.plan_working_days,
            d.plan_working_days,
        )?,
        report_months: num("workflow.report_months", raw.report_months, d.report_months)?,
        clue_months: num("workflow.clue_months", raw.clue_months, d.clue_months)?,
        green_days: num("workflow.green_days", raw.green_days, d.green_days as u32)?.into(),
        yellow_days: num(
            "workflow.yellow_days",
            raw.yellow_days,
            d.yellow_days as u32,
        )?
        .into(),
    };
    if deadlines.yellow_days > deadlines.green_days {
        return Err(src.err("workflow.yellow_days", t!("config-yellow")));
    }
    Ok(WorkflowConfig {
        taxonomy: Arc::new(taxonomy),
        deadlines,
    })
}

/// `[log]`: the format, and the filter `RUST_LOG` overrides.
pub(super) fn log(src: &Source<'_>, raw: RawLog) -> Resolved<(LogFormat, Option<String>)> {
    let format = match raw.format.as_deref().unwrap_or(DEFAULT_LOG_FORMAT) {
        "human" => LogFormat::Human,
        "json" => LogFormat::Json,
        other => {
            return Err(src.err(
                "log.format",
                t!("config-log-format", value = format!("{other:?}")),
            ));
        }
    };
    Ok((format, raw.filter))
}

/// `[ui]`: the language, `zh` (the default) or `en`.
pub(super) fn ui(src: &Source<'_>, raw: Option<RawUi>) -> Resolved<Lang> {
    let code = raw.and_then(|u| u.lang);
    let code = code.as_deref().unwrap_or(DEFAULT_UI_LANG);
    match code {
        "zh" | "zh-CN" => Ok(Lang::Zh),
        "en" => Ok(Lang::En),
        other => Err(src.err(
            "ui.lang",
            t!("config-ui-lang", value = format!("{other:?}")),
        )),
    }
}

/// A node id at `key`.
fn node_id(src: &Source<'_>, key: &str, raw: String) -> Resolved<NodeId> {
    let value = format!("{:?}", crate::clip::clip(&raw));
    NodeId::new(raw).map_err(|_| src.err(key, t!("config-node-id", value = value)))
}

/// A level at `key`.
fn level(src: &Source<'_>, key: &str, raw: &str) -> Resolved<Level> {
    raw.parse()
        .map_err(|_: String| src.err(key, t!("config-level", value = format!("{raw:?}"))))
}
