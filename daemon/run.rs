//! Starting and stopping one node: open the engine, bind the peer and
//! operator listeners, spawn the uplink, and shut all of it down on one
//! cancellation token with a grace deadline. Also the process-wide
//! open-files limit a daemon raises before it starts.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::config::Config;
use crate::engine::{Engine, SharedEngine};
use crate::identity::{ClientTls, ServerTls};

/// How long shutdown waits for tasks before giving up on them.
const GRACE: Duration = Duration::from_secs(10);

/// The open-files limit (`RLIMIT_NOFILE`) of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFilesLimit {
    /// The soft limit before [`raise_open_files_limit`].
    pub before: u64,
    /// The soft limit in force now.
    pub soft: u64,
    /// The ceiling an unprivileged process can raise its soft limit to.
    pub hard: u64,
}

/// Raises this process's soft open-files limit to its hard limit, as
/// servers do: every child keeps a connection (and a long poll) open, and
/// the usual soft limit of 1024 is below what a parent with a thousand
/// counties needs. A hard limit of "unlimited" is left as it is (Linux
/// refuses an infinite soft limit for open files).
pub fn raise_open_files_limit() -> std::io::Result<OpenFilesLimit> {
    use rlimit::Resource;
    let (before, hard) = Resource::NOFILE.get()?;
    if before < hard && hard != rlimit::INFINITY {
        Resource::NOFILE.set(hard, hard)?;
    }
    let (soft, hard) = Resource::NOFILE.get()?;
    Ok(OpenFilesLimit { before, soft, hard })
}

/// A node that is up: its engine, bound addresses and stop handle.
pub struct RunningNode {
    pub engine: SharedEngine,
    pub peer_addr: SocketAddr,
    pub operator_addr: SocketAddr,
    stop: CancellationToken,
    tracker: TaskTracker,
}

/// Starts the node described by `config`.
pub async fn start(config: Arc<Config>) -> anyhow::Result<RunningNode> {
    let token = std::fs::read_to_string(&config.token_file)
        .with_context(|| format!("reading operator token {}", config.token_file.display()))?
        .trim()
        .to_string();
    anyhow::ensure!(
        !token.is_empty(),
        "operator token file {} is empty; write a long random token into it",
        config.token_file.display()
    );
    let server_tls =
        Arc::new(ServerTls::load(config.tls.clone()).context("loading peer TLS files")?);
    let operator_tls = config
        .operator_tls
        .as_ref()
        .map(|t| crate::identity::operator_server_config(&t.cert, &t.key))
        .transpose()
        .context("loading the operator listener's TLS files (operator.tls)")?;
    let client_tls = match &config.parent {
        Some(p) => Some(Arc::new(
            ClientTls::load(config.tls.clone(), &p.id)
                .context("loading TLS files for the parent link")?,
        )),
        None => None,
    };
    let engine = Engine::open(config.clone())
        .await
        .with_context(|| format!("opening the store and tree manifest of node {}", config.id))?;
    let peer_listener = TcpListener::bind(config.peer_listen)
        .await
        .with_context(|| format!("binding peer.listen {}", config.peer_listen))?;
    let operator_listener = TcpListener::bind(config.operator_listen)
        .await
        .with_context(|| format!("binding operator.listen {}", config.operator_listen))?;
    let peer_addr = peer_listener.local_addr()?;
    let operator_addr = operator_listener.local_addr()?;

    let stop = CancellationToken::new();
    let tracker = TaskTracker::new();
    tracker.spawn(crate::peer::serve(
        engine.clone(),
        peer_listener,
        server_tls,
        stop.clone(),
        tracker.clone(),
    ));
    tracker.spawn(crate::api::serve(
        engine.clone(),
        operator_listener,
        token,
        operator_tls,
        stop.clone(),
    ));
    tracker.spawn(crate::sync::budget::watch(engine.clone(), stop.clone()));
    tracker.spawn(crate::engine::manifest_file::watch(
        engine.clone(),
        stop.clone(),
    ));
    tracker.spawn(crate::health::run(engine.clone(), stop.clone()));
    tracker.spawn(crate::store::run_compaction(
        engine.store().clone(),
        config.compact_every,
        stop.clone(),
    ));
    tracker.spawn(crate::jobs::supervise::run_on_schedule(
        engine.clone(),
        stop.clone(),
    ));
    tracker.spawn(crate::jobs::release::run_on_schedule(
        engine.clone(),
        stop.clone(),
    ));
    if let Some(tls) = client_tls {
        tracker.spawn(crate::sync::uplink::run(engine.clone(), tls, stop.clone()));
    }
    info!(
        message = "Node started.",
        node = %config.id,
        level = %config.level,
        peer_listen = %peer_addr,
        operator_listen = %operator_addr,
        operator_https = config.operator_tls.is_some(),
        generation = %engine.store().generation()
    );
    Ok(RunningNode {
        engine,
        peer_addr,
        operator_addr,
        stop,
        tracker,
    })
}

impl RunningNode {
    /// Stops every task, waits up to the grace deadline, closes the store.
    pub async fn shutdown(self) {
        self.stop.cancel();
        self.tracker.close();
        if tokio::time::timeout(GRACE, self.tracker.wait())
            .await
            .is_err()
        {
            warn!(
                message = "Some tasks did not stop within the grace period.",
                node = %self.engine.config.id,
                grace_secs = GRACE.as_secs()
            );
        }
        self.engine.store().close().await;
        info!(message = "Node stopped.", node = %self.engine.config.id);
    }

    /// A token that is cancelled when the node is told to stop.
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }
}
