//! `xunlian assign cross|elevated|release`: cross (交叉巡察) and elevated
//! (提级巡察) inspections arranged at a coordinating office, through its
//! running node's operator API. The node plans, checks and issues; this
//! only states the request and prints the answer.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::operator::Operator;
use crate::i18n::{pad, t};

#[derive(Debug, Subcommand)]
pub enum AssignCommand {
    /// Plan a cross inspection (交叉巡察) between offices below this one and
    /// issue it as an assignment.
    ///
    /// Each office's team inspects another office: never itself, never one
    /// that inspects it back in the same round unless --allow-mutual (so
    /// the plan is made of cycles such as A→B→C→A), each office inspecting
    /// one and inspected by one unless --capacity says otherwise. Only a
    /// common superior of all the offices may issue it. An impossible
    /// request is refused with the constraint that cannot be met.
    ///
    /// The assignment reaches every office it names. Each inspecting office
    /// then plans the round under it (same round id); its findings come up
    /// here and are released, redacted, to the inspected office at the
    /// round's feedback date (反馈); the inspected office rectifies and this
    /// office signs off (销号).
    Cross(CrossArgs),
    /// Take over units of a lower office for one round (提级巡察).
    ///
    /// This office inspects them itself; the office is told, and its own
    /// plans may not target them in that round.
    Elevated(ElevatedArgs),
    /// Release now the cross and elevated findings whose feedback date (反馈) has come.
    ///
    /// Every cross-inspection finding coordinated here whose round's
    /// feedback date has come is released, redacted (no evidence, named
    /// persons or finder; clues never), to the inspected office — as the
    /// `schedules.release` job does. Nothing is released early.
    Release(ReleaseArgs),
}

#[derive(Debug, Args)]
pub struct CrossArgs {
    /// The coordinating node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
    /// The offices taking part, comma-separated node ids (at least two).
    #[arg(long, value_delimiter = ',', required = true)]
    offices: Vec<String>,
    /// The round id the inspecting offices' plans will share.
    #[arg(long)]
    round: String,
    /// No pairing repeated from the last N rounds of cross assignments held here.
    #[arg(long, value_name = "N", default_value_t = 0)]
    avoid_last: usize,
    /// The inspecting and the inspected office have different parents (异地交叉).
    #[arg(long)]
    different_parent: bool,
    /// Permit A→B together with B→A in one round.
    #[arg(long)]
    allow_mutual: bool,
    /// Seed of the planner: the same seed gives the same plan (default: from the round id).
    #[arg(long)]
    seed: Option<u64>,
    /// An office inspecting or inspected other than once, as
    /// OFFICE=INSPECTS/INSPECTED (e.g. 630102=2/1); repeat for more.
    #[arg(long, value_name = "OFFICE=INSPECTS/INSPECTED")]
    capacity: Vec<String>,
    /// Print the plan without issuing it.
    #[arg(long)]
    dry_run: bool,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ElevatedArgs {
    /// The node's TOML config file of the office taking over.
    #[arg(long, short)]
    config: PathBuf,
    /// The lower office whose units are taken over.
    #[arg(long)]
    office: String,
    /// The units taken over, comma-separated unit ids of that office's register.
    #[arg(long, value_delimiter = ',', required = true)]
    units: Vec<String>,
    /// The round id.
    #[arg(long)]
    round: String,
}

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// The coordinating node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
}

pub async fn run(cmd: AssignCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AssignCommand::Cross(a) => cross(a).await,
        AssignCommand::Elevated(a) => elevated(a).await,
        AssignCommand::Release(a) => {
            let op = Operator::from_config(&a.config)?;
            let outcome = op.call(op.post("/api/v1/assignments/release")).await?;
            println!("{}", serde_json::to_string_pretty(&outcome)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `OFFICE=INSPECTS/INSPECTED` → (office, {"inspects", "inspected"}).
fn capacity(arg: &str) -> anyhow::Result<(String, Value)> {
    let parse = || {
        let (office, counts) = arg.split_once('=')?;
        let (inspects, inspected) = counts.split_once('/')?;
        Some((
            office.trim().to_string(),
            json!({"inspects": inspects.trim().parse::<u32>().ok()?,
                   "inspected": inspected.trim().parse::<u32>().ok()?}),
        ))
    };
    parse().with_context(|| {
        format!("--capacity {arg:?}: expected OFFICE=INSPECTS/INSPECTED, e.g. 630102=2/1")
    })
}

async fn cross(a: CrossArgs) -> anyhow::Result<ExitCode> {
    let op = Operator::from_config(&a.config)?;
    let capacities = a
        .capacity
        .iter()
        .map(|c| capacity(c))
        .collect::<anyhow::Result<serde_json::Map<_, _>>>()?;
    let mut req = json!({
        "offices": a.offices, "round": a.round, "avoid_last": a.avoid_last,
        "different_parent": a.different_parent, "allow_mutual": a.allow_mutual,
        "capacities": capacities, "dry_run": a.dry_run,
    });
    if let Some(seed) = a.seed {
        req["seed"] = json!(seed);
    }
    let outcome = op
        .call(op.post("/api/v1/assignments/cross").json(&req))
        .await?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        print!("{}", render_plan(&outcome));
    }
    Ok(ExitCode::SUCCESS)
}

/// The plan as a table in the run's language, aligned by display width
/// (office names are Chinese), and what became of it.
fn render_plan(outcome: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut out = t!(
        "plan-title",
        round = s(&outcome["round"]),
        seed = outcome["seed"].to_string()
    ) + "\n";
    let avoided: Vec<String> = outcome["avoided_rounds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(s)
        .collect();
    if !avoided.is_empty() {
        out += &(t!("plan-avoided", rounds = avoided.join(", ")) + "\n");
    }
    out += &format!(
        "{} {}\n",
        pad(&t!("plan-col-inspecting"), 28),
        t!("plan-col-inspected")
    );
    for p in outcome["pairs"].as_array().into_iter().flatten() {
        let office = |k: &str| format!("{} {}", s(&p[k]), s(&p[&format!("{k}_name")]));
        out += &format!(
            "{} {}\n",
            pad(&office("inspecting"), 28),
            office("inspected")
        );
    }
    out += &match outcome["assignment"]["id"].as_str() {
        Some(id) => t!("plan-issued", id = id, round = s(&outcome["round"])),
        None => t!("plan-dry-run"),
    };
    out + "\n"
}

async fn elevated(a: ElevatedArgs) -> anyhow::Result<ExitCode> {
    let op = Operator::from_config(&a.config)?;
    let me = op.config.id.to_string();
    if a.units.iter().any(String::is_empty) {
        bail!(t!("assign-empty-unit"));
    }
    let req = json!({
        "kind": "assignment",
        "round_id": a.round,
        "body": {
            "type": "elevated", "round": a.round, "coordinator": me,
            "elevated": {"taking_over": me, "office": a.office, "units": a.units},
        },
    });
    let record = op.call(op.post("/api/v1/records").json(&req)).await?;
    println!(
        "{}",
        t!(
            "assign-elevated-issued",
            assignment = record["id"].as_str().unwrap_or(""),
            me = &me,
            units = a.units.join(", "),
            office = &a.office,
            round = &a.round
        )
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn the_plan_table_aligns_chinese_names_by_display_width() {
        let outcome = json!({"round": "r1", "seed": 7, "pairs": [
            {"inspecting": "630102", "inspecting_name": "乐都区委巡察办", "inspected": "630103", "inspected_name": "平安区"},
            {"inspecting": "630202", "inspecting_name": "x", "inspected": "630102", "inspected_name": "乐都"},
        ]});
        let table = super::render_plan(&outcome);
        let starts: Vec<usize> = table
            .lines()
            .filter(|l| l.starts_with("6302") || l.starts_with("6301"))
            .map(|l| l[..l.rfind("630").unwrap()].width())
            .collect();
        assert_eq!(starts, [29, 29], "{table}");
    }
}
