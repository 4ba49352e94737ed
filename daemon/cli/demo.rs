//! `xunlian demo`: a whole small network in one process — central, two
//! provinces, three municipalities, five counties — on SQLite with a
//! generated PKI, driven through a short scenario over real mutual TLS
//! (`demo/scenario.rs`).

mod scenario;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use crate::config::Config;
use crate::i18n::t;
use crate::network::{self, InitOptions, PortRange, Tree};
use crate::node::NodeId;
use crate::run::RunningNode;
use scenario::scenario;

/// The demo's tree, also shipped as `config/demo-tree.toml`.
const DEMO_TREE: &str = include_str!("../../config/demo-tree.toml");

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the network's PKI, configs and SQLite files (default: a new temporary directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Exit with status 0 after the scenario instead of running until Ctrl-C.
    #[arg(long)]
    once: bool,
    /// Loopback ports to take, as LOW-HIGH (two per office, each checked
    /// free). Default: below the kernel's ephemeral ports, as `network init`.
    #[arg(long)]
    ports: Option<PortRange>,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    crate::telemetry::init(crate::config::LogFormat::Human, Some("warn"));
    let (dir, _temp) = match args.dir {
        Some(d) => (d, None),
        None => {
            let t = tempfile_dir()?;
            (t.clone(), Some(TempDir(t)))
        }
    };
    let tree = Tree::parse(DEMO_TREE).context("the built-in demo tree")?;
    let opts = InitOptions {
        ports: args.ports.unwrap_or_else(PortRange::outside_ephemeral),
        ..InitOptions::default()
    };
    let files = network::init(&tree, &dir, &opts)?;
    println!(
        "{}",
        t!(
            "demo-started",
            n = files.len(),
            dir = dir.display().to_string()
        )
    );

    let mut nodes: BTreeMap<NodeId, RunningNode> = BTreeMap::new();
    for f in &files {
        let config = Arc::new(Config::load(&f.config)?);
        nodes.insert(f.id.clone(), crate::run::start(config).await?);
    }
    let result = scenario(&tree, &nodes).await;
    match &result {
        // Dashboards only while the network runs: `--once` stops it.
        Ok(()) if !args.once => print_dashboards(&tree, &nodes, &dir),
        Ok(()) => {}
        Err(e) => eprintln!("{}", t!("demo-failed", error = format!("{e:#}"))),
    }
    if result.is_ok() && !args.once {
        println!("\n{}", t!("demo-running"));
        super::daemon::shutdown_signal().await?;
    }
    // Stop the counties first, central last, so no child is left to log
    // its parent going away.
    let mut bottom_up: Vec<_> = nodes.into_iter().collect();
    bottom_up.sort_by_key(|(id, _)| std::cmp::Reverse(tree.get(id).map(|n| n.level.rank())));
    for (_, n) in bottom_up {
        n.stop_token().cancel();
        n.shutdown().await;
    }
    // What outlives a `--once` run: a directory the caller named (a
    // temporary one is removed on return).
    if result.is_ok() && args.once && _temp.is_none() {
        println!("{}", t!("demo-kept", dir = dir.display().to_string()));
    }
    result.map(|()| ExitCode::SUCCESS)
}

/// Each office's dashboard address, and how to ask for the network's status.
fn print_dashboards(tree: &Tree, nodes: &BTreeMap<NodeId, RunningNode>, dir: &std::path::Path) {
    println!("\n{}", t!("demo-dashboards"));
    for (id, n) in nodes {
        let name = tree.get(id).map(|t| t.name.as_str()).unwrap_or("");
        let token = std::fs::read_to_string(&n.engine.config.token_file).unwrap_or_default();
        println!(
            "  {id}  http://{}/?token={}  {name}",
            n.operator_addr,
            token.trim()
        );
    }
    println!("{}", t!("demo-try", dir = dir.display().to_string()));
}

/// A temporary directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("xunlian-demo-{}", uuid::Uuid::new_v4()));
    Ok(dir)
}
