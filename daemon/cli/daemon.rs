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
    let node = crate::run::start(Arc::new(config)).await?;
    shutdown_signal()
        .await
        .context("waiting for a shutdown signal")?;
    tracing::info!(message = "Shutdown requested.");
    node.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}
