//! `xunlian daemon --config FILE`: run one node until SIGINT or SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use crate::config::Config;

#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
    /// Log as JSON lines instead of the human format (overrides log.format).
    #[arg(long)]
    log_json: bool,
}

pub async fn run(args: DaemonArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(&args.config)?;
    let format = if args.log_json {
        crate::config::LogFormat::Json
    } else {
        config.log_format
    };
    crate::telemetry::init(format, config.log_filter.as_deref());
    log_open_files_limit(config.children.len());
    let node = crate::run::start(Arc::new(config)).await?;
    shutdown_signal()
        .await
        .context("waiting for a shutdown signal")?;
    tracing::info!(message = "Shutdown requested.");
    node.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// File descriptors a node needs besides one connection per child: the
/// store, listeners, the uplink, operator requests, logs.
const FDS_BESIDES_CHILDREN: u64 = 256;

/// Raises the open-files limit (see [`crate::run::raise_open_files_limit`]),
/// says so, and warns when it is still too low for `children` connections.
fn log_open_files_limit(children: usize) {
    let limit = match crate::run::raise_open_files_limit() {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(message = "Could not read or raise the open-files limit.", error = %e);
            return;
        }
    };
    if limit.soft > limit.before {
        tracing::info!(
            message = "Raised the open-files soft limit to the hard limit.",
            before = limit.before,
            soft = limit.soft,
            hard = limit.hard
        );
    } else {
        tracing::info!(
            message = "Open-files limit.",
            soft = limit.soft,
            hard = limit.hard
        );
    }
    let needed = children as u64 + FDS_BESIDES_CHILDREN;
    if limit.soft < needed {
        tracing::warn!(
            message = "The open-files limit is too low for this node's children; raise the hard limit (ulimit -Hn, LimitNOFILE= in systemd).",
            soft = limit.soft,
            hard = limit.hard,
            children,
            needed
        );
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}
