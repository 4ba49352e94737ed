//! `submit`, `query` and `status`: thin clients of a running node's
//! operator API, found through the node's config file.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use serde_json::{Value, json};

use super::operator::Operator;
use crate::api::StatusReport;
use crate::health::{OfficeState, problem_line};
use crate::i18n::{self, pad, pad_left, t};
use crate::records::Kind;
use crate::workflow::ids;

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The node's TOML config file (gives the operator address and token).
    #[arg(long, short)]
    config: PathBuf,
    /// Record kind: round_plan, finding, clue, rectification, assignment, notice or health.
    #[arg(long)]
    kind: Kind,
    /// JSON file holding the body; or an object with "body" and optional
    /// "id", "round_id", "classification"; or many of these as a JSON
    /// array or JSON lines (bulk submit, with a progress bar on a
    /// terminal): bad items are refused by line and the rest stored; an
    /// item without an id gets one derived from its content, so running
    /// the same file again stores nothing twice. Use - for standard input.
    #[arg(long)]
    file: PathBuf,
    /// Record id (UUID) of a single submit; resubmitting the same id is idempotent.
    #[arg(long)]
    id: Option<uuid::Uuid>,
    /// The round the record belongs to.
    #[arg(long)]
    round: Option<String>,
    /// Bulk submit: print every stored record as a JSON line, not only
    /// the summary.
    #[arg(long)]
    verbose: bool,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
    /// Only records of this kind.
    #[arg(long)]
    kind: Option<Kind>,
    /// Only records of this round.
    #[arg(long)]
    round: Option<String>,
    /// Only records written by this office.
    #[arg(long)]
    origin: Option<String>,
    /// Only records stored after this change-log seq, or updated since this RFC 3339 time.
    #[arg(long, conflicts_with = "after")]
    since: Option<String>,
    /// The next page: records stored after this change-log seq, the one
    /// the previous page's last line on stderr names.
    #[arg(long)]
    after: Option<i64>,
    /// At most this many records (one page); a line on stderr says when
    /// more exist and how to get them.
    #[arg(long, default_value_t = 1000)]
    limit: i64,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The node's TOML config file.
    #[arg(long, short)]
    config: PathBuf,
    /// Print the status as JSON for scripts.
    #[arg(long)]
    json: bool,
}

pub async fn submit(args: SubmitArgs) -> anyhow::Result<ExitCode> {
    let op = Operator::from_config(&args.config)?;
    let text = if args.file == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("reading standard input")?
    } else {
        std::fs::read_to_string(&args.file)
            .with_context(|| format!("reading {}", args.file.display()))?
    };
    let file = args.file.display().to_string();
    let items = parse_submissions(&text).map_err(|bad| {
        anyhow::anyhow!(t!(
            "submit-not-json",
            file = &file,
            n = bad.len(),
            lines = bad.join("\n")
        ))
    })?;
    let bulk = items.len() > 1;
    let mut reqs = Vec::with_capacity(items.len());
    for item in items {
        let mut req = match item.value {
            Value::Object(ref o) if o.contains_key("body") => item.value,
            Value::Object(_) => json!({ "body": item.value }),
            _ => bail!(t!(
                "submit-not-object",
                file = &file,
                place = item.place.to_string()
            )),
        };
        req["kind"] = json!(args.kind);
        if let Some(id) = args.id.filter(|_| !bulk) {
            req["id"] = json!(id);
        }
        if let Some(r) = &args.round {
            req["round_id"] = json!(r);
        }
        if bulk && req.get("id").is_none() && takes_content_id(args.kind, &req) {
            let id = ids::submitted(op.config.id.as_str(), args.kind.as_str(), &req.to_string());
            req["id"] = json!(id);
        }
        reqs.push((item.place, req));
    }
    if !bulk {
        let record = op.call(op.post("/api/v1/records").json(&reqs[0].1)).await?;
        println!("{}", serde_json::to_string_pretty(&record)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut tally = Tally::default();
    let reqs = drop_repeats(reqs, &file, &mut tally);
    let bar = progress(reqs.len() as u64);
    for chunk in reqs.chunks(BULK_CHUNK) {
        let stored = submit_chunk(&op, chunk, &mut tally)
            .await
            .with_context(|| format!("{file}: {}..{}", chunk[0].0, chunk[chunk.len() - 1].0))?;
        bar.suspend(|| {
            for refusal in &tally.refusals[tally.printed..] {
                eprintln!("{file}: {refusal}");
            }
            if args.verbose {
                for r in stored.as_array().into_iter().flatten() {
                    println!("{}", serde_json::to_string(r).unwrap_or_default());
                }
            }
        });
        tally.printed = tally.refusals.len();
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let Tally {
        new,
        unchanged,
        refusals,
        ..
    } = &tally;
    let refused = refusals.len();
    println!(
        "{}",
        t!(
            "submit-summary",
            file = &file,
            new = *new,
            unchanged = *unchanged,
            refused = refused
        )
    );
    Ok(if refused == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// What a bulk submit did so far.
#[derive(Default)]
struct Tally {
    new: u64,
    unchanged: u64,
    /// "第 N 行 (line N): why", in order.
    refusals: Vec<String>,
    /// How many refusals are on the screen.
    printed: usize,
}

/// The items of a bulk submit without the repeats of an earlier item (the
/// same content gives the same id: one record), each repeat said on
/// stderr and counted as unchanged.
fn drop_repeats(reqs: Vec<(Place, Value)>, file: &str, tally: &mut Tally) -> Vec<(Place, Value)> {
    let mut first = std::collections::HashMap::new();
    let mut kept = Vec::with_capacity(reqs.len());
    for (place, req) in reqs {
        let Some(id) = req.get("id").map(Value::to_string) else {
            kept.push((place, req));
            continue;
        };
        match first.entry(id) {
            std::collections::hash_map::Entry::Occupied(earlier) => {
                let earlier: &Place = earlier.get();
                eprintln!(
                    "{}",
                    t!(
                        "submit-repeat",
                        file = file,
                        place = place.to_string(),
                        earlier = earlier.to_string()
                    )
                );
                tally.unchanged += 1;
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(place);
                kept.push((place, req));
            }
        }
    }
    kept
}

/// One request of a bulk submit: the node checks the chunk, its refused
/// items are left out and counted, the rest are stored in one
/// transaction. Returns what the node stored.
async fn submit_chunk(
    op: &Operator,
    chunk: &[(Place, Value)],
    tally: &mut Tally,
) -> anyhow::Result<Value> {
    let reqs: Vec<&Value> = chunk.iter().map(|(_, r)| r).collect();
    let check = op
        .call(op.post("/api/v1/records/check").json(&reqs))
        .await?;
    let mut refused = std::collections::BTreeSet::new();
    for r in check["refused"].as_array().into_iter().flatten() {
        let i = r["index"].as_u64().unwrap_or(0) as usize;
        refused.insert(i);
        let place = chunk
            .get(i)
            .map_or_else(String::new, |(p, _)| p.to_string());
        tally.refusals.push(format!(
            "{place}: {}",
            r["error"].as_str().unwrap_or_default()
        ));
    }
    tally.new += check["new"].as_u64().unwrap_or(0);
    tally.unchanged += check["unchanged"].as_u64().unwrap_or(0);
    let rest: Vec<&Value> = reqs
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !refused.contains(i))
        .map(|(_, r)| r)
        .collect();
    if rest.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    op.call(op.post("/api/v1/records").json(&rest)).await
}

/// Does a bulk item without an id get one from its content? Not where the
/// rules derive the id themselves (a rectification record, the register,
/// a clue's disposal report, a released cross finding) and refuse another.
fn takes_content_id(kind: Kind, req: &Value) -> bool {
    let derived_body = ["disposal_of", "released_of"]
        .iter()
        .any(|k| req["body"].get(k).is_some());
    !matches!(kind, Kind::Rectification | Kind::UnitRegister) && !derived_body
}

/// Records per request of a bulk submit (each request is one transaction).
const BULK_CHUNK: usize = 500;

/// Where an item of a submit file is: a line of JSON lines, or an entry
/// of a JSON array.
#[derive(Debug, Clone, Copy)]
enum Place {
    Line(usize),
    Entry(usize),
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Line(n) => f.write_str(&t!("submit-line", n = *n)),
            Place::Entry(n) => f.write_str(&t!("submit-entry", n = *n)),
        }
    }
}

/// One item of a submit file and where it is.
struct Item {
    place: Place,
    value: Value,
}

/// One JSON object, a JSON array of them, or JSON lines; a bad file gives
/// every line that is not JSON.
fn parse_submissions(text: &str) -> Result<Vec<Item>, Vec<String>> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        let values = match v {
            Value::Array(items) => items,
            other => vec![other],
        };
        return Ok(values
            .into_iter()
            .enumerate()
            .map(|(i, value)| Item {
                place: Place::Entry(i + 1),
                value,
            })
            .collect());
    }
    let mut items = Vec::new();
    let mut bad = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        let place = Place::Line(i + 1);
        match serde_json::from_str(l) {
            Ok(value) => items.push(Item { place, value }),
            Err(e) => bad.push(format!("{place}: {e}")),
        }
    }
    if bad.is_empty() { Ok(items) } else { Err(bad) }
}

/// A progress bar on a terminal for long work; hidden when piped.
fn progress(len: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(&t!("submit-progress")) {
        bar.set_style(style);
    }
    bar
}

pub async fn query(args: QueryArgs) -> anyhow::Result<ExitCode> {
    let op = Operator::from_config(&args.config)?;
    let mut params: Vec<(&str, String)> = vec![("limit", args.limit.to_string())];
    if let Some(k) = args.kind {
        params.push(("kind", k.to_string()));
    }
    if let Some(r) = args.round {
        params.push(("round", r));
    }
    if let Some(o) = args.origin {
        params.push(("origin", o));
    }
    if let Some(s) = args.after.map(|seq| seq.to_string()).or(args.since) {
        params.push(("since", s));
    }
    let (records, last) = op
        .call_with_header(op.get("/api/v1/records").query(&params), LAST_SEQ_HEADER)
        .await?;
    let records = records.as_array().cloned().unwrap_or_default();
    for r in &records {
        println!("{}", serde_json::to_string(r)?);
    }
    let Some(last) = last.filter(|_| records.len() as i64 >= args.limit) else {
        return Ok(ExitCode::SUCCESS);
    };
    // A full page: is there another?
    params.retain(|(k, _)| !matches!(*k, "since" | "limit"));
    params.extend([("since", last.clone()), ("limit", "1".into())]);
    let next = op.call(op.get("/api/v1/records").query(&params)).await?;
    if next.as_array().is_some_and(|n| !n.is_empty()) {
        eprintln!("{}", t!("query-more", last = &last));
    }
    Ok(ExitCode::SUCCESS)
}

/// The response header of `GET /api/v1/records` naming the change-log
/// seq of the last record returned.
const LAST_SEQ_HEADER: &str = "x-xunlian-last-seq";

/// `xunlian status`'s exit code when the node and every office below it
/// are `ok`, when anything is degraded, and when the node cannot be
/// reached (or its answer read): for monitoring systems and scripts.
const STATUS_OK: u8 = 0;
const STATUS_DEGRADED: u8 = 1;
const STATUS_UNREACHABLE: u8 = 2;

pub async fn status(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let op = Operator::from_config(&args.config)?;
    let read = async {
        let value = op.call(op.get("/api/v1/status")).await?;
        let report: StatusReport =
            serde_json::from_value(value.clone()).context("reading the status report")?;
        anyhow::Ok((value, report))
    };
    let (value, report) = match read.await {
        Ok(read) => read,
        Err(e) => {
            eprintln!("{}", super::error_line(&e));
            return Ok(ExitCode::from(STATUS_UNREACHABLE));
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print!(
            "{}",
            render_status(&report, std::io::stdout().is_terminal())
        );
    }
    Ok(ExitCode::from(if report.verdict.is_ok() {
        STATUS_OK
    } else {
        STATUS_DEGRADED
    }))
}

/// A readable table of the node, its links and its subtree, in the run's
/// language, aligned by display width; colour only on a terminal.
fn render_status(r: &StatusReport, colour: bool) -> String {
    let lang = i18n::current();
    let paint = |ok: bool, s: String| match (colour, ok) {
        (false, _) => s,
        (true, true) => format!("\x1b[32m{s}\x1b[0m"),
        (true, false) => format!("\x1b[31m{s}\x1b[0m"),
    };
    let mut out = t!(
        "status-node",
        id = &r.node,
        name = &r.name,
        level = i18n::label(lang, "level", &r.level),
        version = &r.software_version,
        generation = &r.generation
    ) + "\n";
    let held: Vec<String> = r
        .records
        .iter()
        .map(|(k, n)| format!("{} {n}", i18n::label(lang, "record", k)))
        .collect();
    let held = if held.is_empty() {
        t!("status-none")
    } else {
        held.join(", ")
    };
    out += &(t!("status-records", list = held) + "\n");
    out += &(t!("status-quarantined", n = r.quarantined) + "\n");
    let state = r.state.label(lang);
    let verdict = match &r.why {
        Some(why) => format!("{state}: {}", why.render(lang)),
        None => state,
    };
    out += &format!(
        "{}\n",
        paint(
            r.state == OfficeState::Ok,
            t!("status-this-node", verdict = verdict)
        )
    );
    for o in r.subtree.iter().filter(|o| o.state != OfficeState::Ok) {
        let p = problem_line(lang, &o.node, o.state, o.why.as_ref());
        out += &format!("{}\n", paint(false, t!("status-problem", problem = p)));
    }
    out += "\n";
    out += &format!(
        "{} {} {} {} {} {} {}  {}\n",
        pad(&t!("status-col-peer"), 10),
        pad(&t!("status-col-dir"), 7),
        pad(&t!("status-col-state"), 13),
        pad_left(&t!("status-col-backlog"), 8),
        pad_left(&t!("status-col-lag"), 9),
        pad_left(&t!("status-col-in"), 10),
        pad_left(&t!("status-col-out"), 10),
        t!("status-col-notes"),
    );
    for l in &r.links {
        let state = if l.connected {
            t!("status-connected")
        } else {
            t!("status-disconnected")
        };
        out += &format!(
            "{} {} {} {:>8} {:>9.1} {:>10} {:>10}  {}\n",
            pad(&l.peer, 10),
            pad(&i18n::label(lang, "dir", &l.direction), 7),
            paint(l.connected, pad(&state, 13)),
            l.backlog_records,
            l.lag_ms as f64 / 1000.0,
            l.records_in,
            l.records_out,
            l.notes(lang).join("; ")
        );
    }
    if !r.subtree.is_empty() {
        let now = chrono::Utc::now();
        out += &format!(
            "\n{} {} {} {} {} {}  {}\n",
            pad(&t!("status-col-office"), 10),
            pad(&t!("status-col-health"), 10),
            pad_left(&t!("status-col-last-report"), 12),
            pad_left(&t!("status-col-backlog"), 8),
            pad_left(&t!("status-col-lag"), 9),
            pad_left(&t!("status-col-down"), 5),
            t!("status-col-name"),
        );
        for o in &r.subtree {
            let seen =
                o.at.map(|at| t!("status-ago", secs = (now - at).num_seconds().max(0)))
                    .unwrap_or_else(|| t!("status-never"));
            out += &format!(
                "{} {} {} {:>8} {:>9.1} {:>5}  {} ({})\n",
                pad(&o.node, 10),
                paint(o.state == OfficeState::Ok, pad(&o.state.label(lang), 10)),
                pad_left(&seen, 12),
                o.backlog_records,
                o.lag_ms as f64 / 1000.0,
                o.links_down,
                o.name,
                i18n::label(lang, "level", &o.level)
            );
            for w in &o.warnings {
                out += &format!("{:<10} ! {w}\n", "");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::i18n::{Lang, tl};

    /// The progress bar's template survives the catalogue: its
    /// placeholders are literal braces there.
    #[test]
    fn the_progress_template_keeps_its_placeholders() {
        for lang in Lang::ALL {
            let template = tl!(lang, "submit-progress");
            for part in ["{bar:40}", "{pos}/{len}", "{per_sec}", "{eta}"] {
                assert!(template.contains(part), "{part} in {template}");
            }
            indicatif::ProgressStyle::with_template(&template).expect("a valid template");
        }
    }
}
