//! The demo's scenario, step by step over the running network: registers,
//! a linked round from the top, county rounds and findings climbing up, a
//! clue to the city, a common issue shared down redacted, a rectification
//! signed off (销号) and seen closed at central, a supervision notice, a
//! cross inspection planned by a province and its finding released at
//! feedback, and the figures at central.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::engine::SubmitRequest;
use crate::i18n::t;
use crate::jobs;
use crate::network::Tree;
use crate::node::{Level, NodeId};
use crate::records::{Kind, Record};
use crate::run::RunningNode;
use crate::workflow::assign::CrossRequest;
use crate::workflow::{Snapshot, report};

/// How long any one step of the scenario may take before the demo fails.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

type Nodes = BTreeMap<NodeId, RunningNode>;

fn id(s: &str) -> NodeId {
    NodeId::new(s).expect("demo ids are valid")
}

pub async fn scenario(tree: &Tree, nodes: &Nodes) -> anyhow::Result<()> {
    let counties: Vec<NodeId> = tree
        .nodes
        .iter()
        .filter(|n| n.level == Level::County)
        .map(|n| n.id.clone())
        .collect();
    let name = |c: &NodeId| tree.get(c).map(|n| n.name.clone()).unwrap_or_default();

    step(t!("demo-step-1"));
    for c in &counties {
        let units: Vec<Value> = [
            ("u1", "城关镇党委", "township"),
            ("u2", "东关村党支部", "village"),
            ("u3", "县教育局党组", "department"),
            ("u4", "县城投公司党委", "state_enterprise"),
        ]
        .iter()
        .map(|(i, n, t)| json!({"id": i, "name": n, "type": t}))
        .collect();
        submit(
            &nodes[c],
            Kind::UnitRegister,
            None,
            json!({"office": c, "office_name": name(c), "units": units}),
        )
        .await?;
    }
    done(t!("demo-done-1", n = counties.len()));

    step(t!("demo-step-2"));
    let plan = submit(
        &nodes[&id("000000")],
        Kind::RoundPlan,
        Some("000000-2026-3"),
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
    done(t!(
        "demo-done-2",
        id = plan.id.to_string(),
        n = counties.len()
    ));

    step(t!("demo-step-3"));
    let mut findings = Vec::new();
    for c in &counties {
        let round = format!("{c}-2026-3");
        submit(
            &nodes[c],
            Kind::RoundPlan,
            Some(&round),
            json!({
                "term": "2021-2026", "round_no": 3, "kind": "linked", "title": format!("{}联动巡察", name(c)),
                "dates": {"start": "2026-03-01", "entry": "2026-03-05", "feedback": "2026-05-20", "end": "2026-06-30"},
                "teams": [{"id": "t1", "name": "第一巡察组", "leader": "张组长"}],
                "targets": [{"unit_id": "u1", "unit_name": "城关镇党委", "team": "t1"},
                            {"unit_id": "u2", "unit_name": "东关村党支部", "team": "t1"}]
            }),
        )
        .await?;
        let f = submit(
            &nodes[c],
            Kind::Finding,
            Some(&round),
            json!({
                "number": format!("[2026]{c}-1组-01号"), "team": "t1",
                "target_unit": {"unit_id": "u2", "unit_name": "东关村党支部"},
                "title": format!("{}：惠民补贴发放不及时、不精准", name(c)),
                "severity": "serious", "category": "grassroots_corruption",
                "facts": "抽查发现部分补贴资金滞留超过三个月。",
            }),
        )
        .await?;
        findings.push(f);
    }
    for f in &findings {
        wait_for(&nodes[&id("000000")], f).await?;
    }
    done(t!("demo-done-3", n = findings.len()));

    step(t!("demo-step-4"));
    let clue = submit(
        &nodes[&id("630202")],
        Kind::Clue,
        None,
        json!({"transfer_to": "discipline_commission", "managing_level": "municipal",
               "finding_ids": [findings_of(&findings, "630202")?.id], "summary": "村干部涉嫌截留补贴"}),
    )
    .await?;
    wait_for(&nodes[&id("630200")], &clue).await?;
    absent(&nodes[&id("630203")], &clue).await?;
    done(t!("demo-done-4"));

    step(t!("demo-step-5"));
    submit(
        &nodes[&id("630200")],
        Kind::RoundPlan,
        Some("630200-2026-3"),
        json!({"term": "2021-2026", "round_no": 3, "kind": "special", "title": "惠民资金专项巡察"}),
    )
    .await?;
    let common = submit(
        &nodes[&id("630200")],
        Kind::Finding,
        Some("630200-2026-3"),
        json!({"title": "惠民补贴审核把关不严", "severity": "general", "category": "policy_delivery",
               "common": true, "facts": "多个乡镇存在同类问题。", "responsible": ["某局长"]}),
    )
    .await?;
    let copy_id = crate::workflow::ids::common_copy(&common.id);
    for c in ["630202", "630203"] {
        wait_until(&nodes[&id(c)], &copy_id).await?;
    }
    done(t!("demo-done-5", id = copy_id.to_string()));

    step(t!("demo-step-6"));
    let f = findings_of(&findings, "630102")?;
    let county = &nodes[&id("630102")];
    for (status, extra) in [
        (
            "in_progress",
            json!({"measures": [{"goal": "补发到位", "measures": "逐户核对、限期补发",
                                              "responsible_leader": "王副县长", "lead_department": "民政局"}]}),
        ),
        ("completed", json!({"evidence": ["补发凭证汇总表.pdf"]})),
        ("verified", json!({})),
    ] {
        let mut body = json!({"finding_id": f.id, "inspecting_office": "630102", "host_office": "630102",
                              "status": status, "deadline": "2026-07-20"});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        submit(county, Kind::Rectification, None, body).await?;
    }
    let verdict = crate::workflow::ids::verdict(&f.id, "630102");
    wait_until(&nodes[&id("000000")], &verdict).await?;
    done(t!("demo-done-6"));

    step(t!("demo-step-7"));
    let province = &nodes[&id("630000")];
    let cross_round = "630000-2026-4";
    let outcome = jobs::cross::plan_cross(
        &province.engine,
        CrossRequest {
            offices: ["630102", "630103", "630202", "630203"]
                .map(String::from)
                .to_vec(),
            round: cross_round.into(),
            different_parent: true,
            seed: Some(1),
            ..CrossRequest::default()
        },
    )
    .await?;
    let assignment = outcome
        .assignment
        .context("the cross plan was not issued")?;
    for p in &outcome.pairs {
        wait_for(&nodes[&id(&p.inspecting)], &assignment).await?;
        done(t!(
            "demo-pair",
            by = p.inspecting.as_str(),
            by_name = p.inspecting_name.as_str(),
            of = p.inspected.as_str(),
            of_name = p.inspected_name.as_str()
        ));
    }
    let pair = &outcome.pairs[0];
    let (by, of) = (&nodes[&id(&pair.inspecting)], &nodes[&id(&pair.inspected)]);
    let today = chrono::Local::now().date_naive();
    let date = |days: i64| (today + chrono::Duration::days(days)).to_string();
    submit(
        by,
        Kind::RoundPlan,
        Some(cross_round),
        json!({
            "term": "2021-2026", "round_no": 4, "kind": "cross", "title": "交叉巡察",
            "dates": {"start": date(-30), "entry": date(-25), "feedback": date(0), "end": date(30)},
            "teams": [{"id": "t1", "name": "交叉巡察组", "leader": "李组长"}],
            "targets": [{"unit_id": "u3", "unit_name": "县教育局党组", "host": pair.inspected, "team": "t1"}]
        }),
    )
    .await?;
    let found = submit(
        by,
        Kind::Finding,
        Some(cross_round),
        json!({
            "number": "[2026]交叉-1组-01号", "team": "t1",
            "target_unit": {"unit_id": "u3", "unit_name": "县教育局党组"},
            "title": "教育专项资金使用不规范", "severity": "general", "category": "policy_delivery",
            "facts": "部分专项资金未按规定用途使用。", "evidence": ["会计凭证第8册"]
        }),
    )
    .await?;
    wait_for(province, &found).await?;
    absent(of, &found).await?;
    jobs::release::run(&province.engine, today).await?;
    wait_until(of, &crate::workflow::ids::release(&found.id)).await?;
    done(t!(
        "demo-done-7",
        by = pair.inspecting.as_str(),
        of = pair.inspected.as_str()
    ));

    step(t!("demo-step-8"));
    let top = &nodes[&id("000000")].engine;
    let snap = Snapshot::load(top.store()).await?;
    let tree_view = top.workflow_tree().await?;
    let stats = report::stats(&snap, &tree_view, None);
    let coverage = report::coverage(&snap, &tree_view, "2021-2026");
    if let (Some(s), Some(c)) = (stats.first(), coverage.first()) {
        let s = &s.subtree;
        let percent = |v: Option<f64>| v.map_or("-".into(), |r| format!("{r:.1}%"));
        done(t!(
            "demo-stats",
            rounds = s.rounds,
            units = s.units_inspected,
            villages = s.villages_reached,
            findings = s.findings,
            rate = percent(s.rectification_rate()).as_str()
        ));
        done(t!(
            "demo-coverage",
            inspected = c.subtree.inspected,
            total = c.subtree.units,
            percent = percent(c.subtree.percent()).as_str()
        ));
    }
    println!("\n{}", t!("demo-complete"));
    Ok(())
}

/// A step's heading.
fn step(s: String) {
    println!("\n{s}");
}

/// What a step showed, under its heading.
fn done(s: String) {
    println!("   {s}");
}

fn findings_of<'a>(findings: &'a [Record], origin: &str) -> anyhow::Result<&'a Record> {
    findings
        .iter()
        .find(|f| f.origin.as_str() == origin)
        .with_context(|| format!("no finding of {origin}"))
}

async fn submit(
    node: &RunningNode,
    kind: Kind,
    round: Option<&str>,
    body: Value,
) -> anyhow::Result<Record> {
    let req = SubmitRequest {
        kind,
        id: None,
        round_id: round.map(str::to_string),
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
    wait_version(node, &record.id, record.version).await
}

/// Waits until `node` holds a record with `id`.
async fn wait_until(node: &RunningNode, id: &uuid::Uuid) -> anyhow::Result<()> {
    wait_version(node, id, 1).await
}

async fn wait_version(node: &RunningNode, id: &uuid::Uuid, version: u64) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
    let mut stored = node.engine.subscribe_stored();
    loop {
        stored.borrow_and_update();
        if let Some(r) = node.engine.store().get(id).await?
            && r.version >= version
        {
            return Ok(());
        }
        if tokio::time::timeout_at(deadline, stored.changed())
            .await
            .is_err()
        {
            bail!(
                "record {id} did not reach {} within {:?}",
                node.engine.config.id,
                STEP_TIMEOUT
            );
        }
    }
}

/// Fails if `node` holds `record`: it was not addressed there.
async fn absent(node: &RunningNode, record: &Record) -> anyhow::Result<()> {
    if node.engine.store().get(&record.id).await?.is_some() {
        bail!(
            "{} {} reached {}, which it is not addressed to",
            record.kind,
            record.id,
            node.engine.config.id
        );
    }
    Ok(())
}
