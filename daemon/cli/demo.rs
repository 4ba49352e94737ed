//! `xunlian demo`: a whole small network in one process — central, two
//! provinces, three municipalities, five counties — on SQLite with a
//! generated PKI, driven through a short scenario over real mutual TLS.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use serde_json::json;

use crate::config::Config;
use crate::engine::SubmitRequest;
use crate::network::{self, InitOptions, Tree};
use crate::node::NodeId;
use crate::records::{Kind, Record};
use crate::run::RunningNode;

/// The demo's tree, also shipped as `config/demo-tree.toml`.
const DEMO_TREE: &str = include_str!("../../config/demo-tree.toml");
/// How long any one step of the scenario may take before the demo fails.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the network's PKI, configs and SQLite files (default: a new temporary directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Exit with status 0 after the scenario instead of running until Ctrl-C.
    #[arg(long)]
    once: bool,
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
    let files = network::init(&tree, &dir, &InitOptions::default())?;
    println!(
        "xunlian demo: {} offices under {}",
        files.len(),
        dir.display()
    );

    let mut nodes: BTreeMap<NodeId, RunningNode> = BTreeMap::new();
    for f in &files {
        let config = Arc::new(Config::load(&f.config)?);
        nodes.insert(f.id.clone(), crate::run::start(config).await?);
    }
    let result = scenario(&tree, &nodes).await;
    match &result {
        Ok(()) => {
            println!("\nDashboards (the token is also in DIR/<id>/operator.token):");
            for (id, n) in &nodes {
                let name = tree.get(id).map(|t| t.name.as_str()).unwrap_or("");
                let token =
                    std::fs::read_to_string(&n.engine.config.token_file).unwrap_or_default();
                println!(
                    "  {id}  http://{}/?token={}  {name}",
                    n.operator_addr,
                    token.trim()
                );
            }
            println!(
                "Try: xunlian status --config {}/000000/config.toml",
                dir.display()
            );
        }
        Err(e) => eprintln!("demo failed: {e:#}"),
    }
    if result.is_ok() && !args.once {
        println!("\nThe network keeps running; press Ctrl-C to stop.");
        super::daemon::shutdown_signal().await?;
    }
    // Stop every node at once so no child logs its parent going away.
    for n in nodes.values() {
        n.stop_token().cancel();
    }
    for (_, n) in nodes {
        n.shutdown().await;
    }
    result.map(|()| ExitCode::SUCCESS)
}

async fn scenario(tree: &Tree, nodes: &BTreeMap<NodeId, RunningNode>) -> anyhow::Result<()> {
    let id = |s: &str| NodeId::new(s).expect("demo ids are valid");
    let counties: Vec<NodeId> = tree
        .nodes
        .iter()
        .filter(|n| n.level == crate::node::Level::County)
        .map(|n| n.id.clone())
        .collect();

    step("1. Central issues a linked round (联动巡视); it reaches every county.");
    let plan = submit(
        &nodes[&id("000000")],
        Kind::RoundPlan,
        json!({
            "term": "2021-2026", "round_no": 3, "kind": "linked",
            "title": "关于乡村振兴政策落实情况的联动专项巡视",
            "dates": {"start": "2026-03-01", "entry": "2026-03-05", "feedback": "2026-05-20", "end": "2026-06-30"},
            "focus": "群众身边不正之风和腐败问题"
        }),
    )
    .await?;
    for c in &counties {
        wait_for(&nodes[c], &plan).await?;
    }
    println!(
        "   round plan {} is at all {} counties",
        plan.id,
        counties.len()
    );

    step("2. Every county files a finding; each climbs to central through its city and province.");
    let mut findings = Vec::new();
    for c in &counties {
        let name = tree.get(c).map(|n| n.name.clone()).unwrap_or_default();
        let f = submit(
            &nodes[c],
            Kind::Finding,
            json!({
                "title": format!("{name}：惠民补贴发放不及时、不精准"),
                "severity": "serious",
                "category": "群众身边腐败和作风问题",
                "facts": "抽查发现部分补贴资金滞留超过三个月。",
                "common": false
            }),
        )
        .await?;
        findings.push(f);
    }
    for f in &findings {
        wait_for(&nodes[&id("000000")], f).await?;
    }
    println!("   central holds all {} findings", findings.len());

    step("3. 海东市 sends a supervision notice (督办) to its own counties only.");
    let notice = submit(
        &nodes[&id("630200")],
        Kind::Notice,
        json!({"title": "关于加快整改进度的督办通知", "text": "请于本月底前报送整改进展。", "category": "supervision"}),
    )
    .await?;
    for c in ["630202", "630203"] {
        wait_for(&nodes[&id(c)], &notice).await?;
    }
    let stray = nodes[&id("630102")].engine.store.get(&notice.id).await?;
    if stray.is_some() {
        bail!("the notice of 630200 reached 630102, outside its subtree");
    }
    println!("   notice reached 630202 and 630203, and not 630102");

    step("4. 青海省 arranges a cross inspection (交叉巡察) between counties of two cities.");
    let assignment = submit(
        &nodes[&id("630000")],
        Kind::Assignment,
        json!({
            "type": "cross", "round": "2026-2", "coordinator": "630000",
            "pairs": [
                {"inspecting": "630102", "inspected": "630202", "units": []},
                {"inspecting": "630202", "inspected": "630102", "units": []}
            ]
        }),
    )
    .await?;
    for c in ["630102", "630202"] {
        wait_for(&nodes[&id(c)], &assignment).await?;
    }
    println!("   assignment reached 630102 (西宁) and 630202 (海东) through 630000");
    println!("\nScenario complete.");
    Ok(())
}

fn step(s: &str) {
    println!("\n{s}");
}

async fn submit(node: &RunningNode, kind: Kind, body: serde_json::Value) -> anyhow::Result<Record> {
    let req = SubmitRequest {
        kind,
        id: None,
        round_id: None,
        classification: None,
        body,
    };
    node.engine
        .submit(req)
        .await
        .with_context(|| format!("submitting a {kind} at {}", node.engine.config.id))
}

/// Waits until `node` holds `record` (at least its version).
async fn wait_for(node: &RunningNode, record: &Record) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
    loop {
        if let Some(r) = node.engine.store.get(&record.id).await?
            && r.version >= record.version
        {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            bail!(
                "{} {} did not reach {} within {:?}",
                record.kind,
                record.id,
                node.engine.config.id,
                STEP_TIMEOUT
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
