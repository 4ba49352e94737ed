//! `GET /`: the operator dashboard. Server-rendered HTML with inline CSS
//! and no external assets (it must work on an offline network), refreshing
//! itself every few seconds: the tree below this office coloured by health,
//! each link's state, lag and backlog, the quarantine, certificate expiry
//! warnings and the current rounds.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{DateTime, Duration, Utc};

use super::StatusReport;
use crate::engine::Engine;
use crate::health::OfficeHealth;
use crate::records::Kind;
use crate::store::{QuarantineEntry, RecordFilter, StoreError};

/// Seconds between automatic refreshes.
const REFRESH_SECS: u32 = 5;

/// Escapes text for a cell of the page, clipped: a cell quotes at most
/// [`crate::clip::CLIP`] characters (a quarantine reason stored by an
/// older version may be long).
fn esc(s: &str) -> String {
    let s = crate::clip::clip(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn ago(now: DateTime<Utc>, t: Option<DateTime<Utc>>) -> String {
    match t {
        Some(t) => format!("{}s ago", (now - t).num_seconds().max(0)),
        None => "never".into(),
    }
}

/// Renders the dashboard of `engine`.
pub async fn render(engine: &Engine, report: &StatusReport) -> Result<String, StoreError> {
    let now = Utc::now();
    let quarantine = engine.store().quarantine_list(20).await?;
    let plans = engine
        .store()
        .query(&RecordFilter {
            kind: Some(Kind::RoundPlan),
            limit: 100_000,
            ..Default::default()
        })
        .await?;
    let own_cert_expiry = crate::identity::load_first_cert(&engine.config.tls.cert)
        .ok()
        .and_then(|c| crate::identity::cert_not_after(&c).ok());

    let mut h = String::with_capacity(16 * 1024);
    let _ = write!(
        h,
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{REFRESH_SECS}">
<title>xunlian {id} {name}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 1.5em; color: #222; }}
h1 {{ font-size: 1.4em; margin-bottom: 0.2em; }} h2 {{ font-size: 1.1em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }}
.meta {{ color: #666; font-size: 0.9em; }}
table {{ border-collapse: collapse; font-size: 0.92em; }} td, th {{ padding: 0.25em 0.7em; border-bottom: 1px solid #eee; text-align: left; }}
.ok {{ background: #e3f5e1; }} .stale {{ background: #fbe0e0; }} .never {{ background: #eee; color: #777; }}
.badge {{ display: inline-block; padding: 0 0.5em; border-radius: 0.6em; font-size: 0.85em; }}
.badge.ok {{ background: #2e7d32; color: #fff; }} .badge.stale {{ background: #c62828; color: #fff; }} .badge.never {{ background: #9e9e9e; color: #fff; }}
.warn {{ color: #b26a00; }} .num {{ text-align: right; font-variant-numeric: tabular-nums; }}
</style></head><body>
<h1>{name} <span class="meta">{id} · {level}</span></h1>
<div class="meta">xunlian {version} · generation {generation} · refreshed {refreshed} (every {REFRESH_SECS}s)</div>
"#,
        id = esc(&report.node),
        name = esc(&report.name),
        level = esc(&report.level),
        version = esc(&report.software_version),
        generation = esc(&report.generation),
        refreshed = now.format("%Y-%m-%d %H:%M:%S UTC"),
    );

    tree(&mut h, report, now);
    links(&mut h, report, now);
    certificates(&mut h, report, own_cert_expiry, now);
    rounds(&mut h, &plans, now);
    quarantine_table(&mut h, &quarantine);
    let held: Vec<String> = report
        .records
        .iter()
        .map(|(k, n)| format!("{} {n}", esc(k)))
        .collect();
    let _ = writeln!(
        h,
        "<h2>Store</h2><p>{}</p></body></html>",
        if held.is_empty() {
            "no records".into()
        } else {
            held.join(" · ")
        }
    );
    Ok(h)
}

fn tree(h: &mut String, report: &StatusReport, now: DateTime<Utc>) {
    let stale = report.subtree.iter().filter(|o| o.stale).count();
    let _ = writeln!(
        h,
        "<h2>Offices ({} below this one, {stale} stale)</h2>\n<table id=\"tree\"><tr><th>office</th><th>health</th><th>last report</th><th class=num>backlog</th><th class=num>lag (s)</th><th class=num>links down</th></tr>",
        report.subtree.len()
    );
    let _ = writeln!(
        h,
        "<tr class=\"ok\" data-node=\"{id}\"><td><b>{name}</b> {id}</td><td><span class=\"badge ok\">this office</span></td><td>now</td><td class=num>{}</td><td class=num>{:.1}</td><td class=num>{}</td></tr>",
        report.links.iter().map(|l| l.backlog_records).sum::<i64>(),
        report.links.iter().map(|l| l.lag_ms).max().unwrap_or(0) as f64 / 1000.0,
        report.links.iter().filter(|l| !l.connected).count(),
        id = esc(&report.node),
        name = esc(&report.name),
    );
    let mut children: BTreeMap<&str, Vec<&OfficeHealth>> = BTreeMap::new();
    for o in &report.subtree {
        children.entry(o.parent.as_str()).or_default().push(o);
    }
    fn walk(
        h: &mut String,
        children: &BTreeMap<&str, Vec<&OfficeHealth>>,
        parent: &str,
        depth: usize,
        now: DateTime<Utc>,
    ) {
        for o in children.get(parent).into_iter().flatten() {
            let class = match (o.stale, o.at) {
                (_, None) => "never",
                (true, _) => "stale",
                (false, _) => "ok",
            };
            let label = match class {
                "never" => "no report",
                "stale" => "stale",
                _ => "healthy",
            };
            let _ = writeln!(
                h,
                "<tr class=\"{class}\" data-node=\"{id}\"><td style=\"padding-left:{pad}em\">{name} {id}</td><td><span class=\"badge {class}\">{label}</span></td><td>{seen}</td><td class=num>{backlog}</td><td class=num>{lag:.1}</td><td class=num>{down}</td></tr>",
                id = esc(&o.node),
                name = esc(&o.name),
                pad = 0.7 + 1.5 * depth as f64,
                seen = ago(now, o.at),
                backlog = o.backlog_records,
                lag = o.lag_ms as f64 / 1000.0,
                down = o.links_down,
            );
            walk(h, children, &o.node, depth + 1, now);
        }
    }
    walk(h, &children, &report.node, 1, now);
    h.push_str("</table>\n");
}

fn links(h: &mut String, report: &StatusReport, now: DateTime<Utc>) {
    h.push_str("<h2>Links</h2>\n<table id=\"links\"><tr><th>peer</th><th>direction</th><th>state</th><th>last seen</th><th class=num>backlog</th><th class=num>lag (s)</th><th class=num>in</th><th class=num>out</th><th>refusals</th><th>notes</th></tr>\n");
    for l in &report.links {
        let class = if l.connected { "ok" } else { "stale" };
        let refusals: Vec<String> = l
            .refusals
            .iter()
            .map(|(r, n)| format!("{} {n}", esc(r)))
            .collect();
        let notes: Vec<String> = l.notes().iter().map(|n| esc(n)).collect();
        let _ = writeln!(
            h,
            "<tr class=\"{class}\"><td>{peer}</td><td>{dir}</td><td>{state}</td><td>{seen}</td><td class=num>{backlog}</td><td class=num>{lag:.1}</td><td class=num>{rin}</td><td class=num>{rout}</td><td>{refusals}</td><td class=warn>{notes}</td></tr>",
            peer = esc(&l.peer),
            dir = esc(&l.direction),
            state = if l.connected {
                "connected"
            } else {
                "disconnected"
            },
            seen = ago(now, l.last_seen),
            backlog = l.backlog_records,
            lag = l.lag_ms as f64 / 1000.0,
            rin = l.records_in,
            rout = l.records_out,
            refusals = refusals.join(", "),
            notes = notes.join("; "),
        );
    }
    h.push_str("</table>\n");
}

fn certificates(
    h: &mut String,
    report: &StatusReport,
    own: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) {
    let soon = now + Duration::days(crate::health::CERT_WARNING_DAYS);
    let mut rows = Vec::new();
    if let Some(t) = own {
        rows.push(("this office".to_string(), t));
    }
    for l in &report.links {
        if let Some(t) = l.peer_cert_not_after {
            rows.push((l.peer.clone(), t));
        }
    }
    h.push_str("<h2>Certificates</h2>\n<table id=\"certs\"><tr><th>holder</th><th>expires</th><th></th></tr>\n");
    for (who, t) in rows {
        let note = if t < now {
            "<span class=\"badge stale\">expired</span>".to_string()
        } else if t < soon {
            format!(
                "<span class=\"warn\">expires in {} days: renew it</span>",
                (t - now).num_days()
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{note}</td></tr>",
            esc(&who),
            t.format("%Y-%m-%d")
        );
    }
    h.push_str("</table>\n");
}

fn rounds(h: &mut String, plans: &[(i64, crate::records::Record)], now: DateTime<Utc>) {
    let today = now.format("%Y-%m-%d").to_string();
    let current: Vec<_> = plans
        .iter()
        .rev()
        .map(|(_, r)| r)
        .filter(|r| {
            let end = r.body.pointer("/dates/end").and_then(|v| v.as_str());
            end.is_none_or(|e| e >= today.as_str())
        })
        .take(20)
        .collect();
    h.push_str("<h2>Current rounds</h2>\n<table id=\"rounds\"><tr><th>title</th><th>office</th><th>kind</th><th>term / round</th><th>dates</th></tr>\n");
    for r in current {
        let b = &r.body;
        let s = |p: &str| {
            b.pointer(p)
                .and_then(|v| v.as_str())
                .map(esc)
                .unwrap_or_default()
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td><td>{} – {}</td></tr>",
            s("/title"),
            esc(r.origin.as_str()),
            s("/kind"),
            s("/term"),
            b.get("round_no").map(|v| v.to_string()).unwrap_or_default(),
            s("/dates/start"),
            s("/dates/end"),
        );
    }
    h.push_str("</table>\n");
}

fn quarantine_table(h: &mut String, entries: &[QuarantineEntry]) {
    let _ = writeln!(
        h,
        "<h2>Quarantine (latest {})</h2>\n<table id=\"quarantine\"><tr><th>id</th><th>when</th><th>from</th><th>record</th><th>kind</th><th>code</th><th>reason</th></tr>",
        entries.len()
    );
    for q in entries {
        let when = DateTime::from_timestamp_millis(q.at)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{when}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=warn>{}</td></tr>",
            q.id,
            esc(q.peer.as_deref().unwrap_or("local")),
            esc(q.record_id.as_deref().unwrap_or("?")),
            esc(q.kind.as_deref().unwrap_or("?")),
            esc(q.code.as_deref().unwrap_or("-")),
            esc(&q.reason)
        );
    }
    h.push_str("</table>\n");
}
