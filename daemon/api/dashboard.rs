//! `GET /`: the operator dashboard. Server-rendered HTML with inline CSS
//! and no external assets (it must work on an offline network), refreshing
//! itself every few seconds: the tree below this office coloured by health,
//! each link's state, lag and backlog, the quarantine, certificate expiry
//! warnings and the current rounds. In the node's `ui.lang` (Chinese by
//! default), or the language the page asks for with `?lang=`.

use std::collections::BTreeMap;
use std::fmt::Write;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};

use super::StatusReport;
use crate::engine::Engine;
use crate::health::{LinkReport, OfficeHealth, OfficeState};
use crate::i18n::{Lang, label, tl};
use crate::records::Kind;
use crate::store::{QuarantineEntry, RecordFilter, StoreError};

/// Seconds between automatic refreshes.
const REFRESH_SECS: u32 = 5;

/// The pages' one style sheet, inline (no external assets).
pub(super) const STYLE: &str = r#"
body { font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; } h2 { font-size: 1.1em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
.meta, small { color: #666; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.92em; } td, th { padding: 0.25em 0.7em; border-bottom: 1px solid #eee; text-align: left; }
.ok { background: #e3f5e1; } .lagging { background: #fff4d6; } .stale, .down { background: #fbe0e0; } .never, .never_seen { background: #eee; color: #777; }
.badge { display: inline-block; padding: 0 0.5em; border-radius: 0.6em; font-size: 0.85em; }
.badge.ok { background: #2e7d32; color: #fff; } .badge.lagging { background: #b26a00; color: #fff; } .badge.stale { background: #c62828; color: #fff; }
.badge.down { background: #7f0000; color: #fff; } .badge.never, .badge.never_seen { background: #9e9e9e; color: #fff; }
.warn { color: #b26a00; } .num { text-align: right; font-variant-numeric: tabular-nums; }
.counts .count { display: inline-block; margin: 0.3em 0.8em 0.3em 0; padding: 0.1em 0.6em; border-radius: 0.4em; }
#filter { margin: 0.4em 0; padding: 0.3em 0.5em; width: 24em; }
#tree { font-size: 0.92em; }
#tree .row { display: grid; grid-template-columns: 17em 10em minmax(14em, 1fr) 11em 7em 5em 6em 6em; gap: 0 0.7em; padding: 0.25em 0.7em; border-bottom: 1px solid #eee; }
#tree .row[hidden] { display: none; }
#tree .head { font-weight: bold; } #tree .self { background: #f5f5f5; }
.group { border-left: 4px solid #7f0000; margin: 0.2em 0; } .group > summary { list-style: none; cursor: pointer; }
#tree .group > .row > span:first-child { padding-left: 1.5em; } .via { padding: 0 0.7em 0.3em 1.5em; color: #7f0000; }
form.sign-in { max-width: 26em; margin-top: 2em; } form.sign-in input { width: 100%; padding: 0.4em; margin: 0.4em 0; }
"#;

/// The page's one script: hides the office rows that do not contain the
/// filter text, kept across the page's refreshes.
const FILTER_SCRIPT: &str = "const f=document.getElementById('filter');\
const apply=()=>{const q=f.value.trim().toLowerCase();sessionStorage.setItem('xunlian-filter',f.value);\
document.querySelectorAll('#tree .office').forEach(r=>{r.hidden=q!==''&&!r.textContent.toLowerCase().includes(q);});};\
f.value=sessionStorage.getItem('xunlian-filter')||'';f.addEventListener('input',apply);apply();";

/// What the pages may load: their inline style and the filter script (by
/// its hash), nothing else; forms post only here, and no frame may hold
/// them.
fn content_security_policy() -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, FILTER_SCRIPT.as_bytes());
    let hash = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; img-src data:; \
         form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// A page of the dashboard as a response, with its security headers.
pub fn page(status: StatusCode, html: String) -> Response {
    let mut resp = (status, Html(html)).into_response();
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_security_policy()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    for (name, value) in [
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    resp
}

/// The sign-in page shown at `/` without a valid token: a form asking for
/// it (the answer comes back as `?token=`, which sets the cookie).
pub fn sign_in(wrong_token: bool, lang: Lang) -> Response {
    let wrong = if wrong_token {
        format!("<p class=\"warn\">{}</p>", tl!(lang, "dash-wrong-token"))
    } else {
        String::new()
    };
    let html = format!(
        r#"<!doctype html>
<html lang="{html_lang}"><head><meta charset="utf-8"><title>xunlian {title}</title>
<style>{STYLE}</style></head><body>
<h1>xunlian 巡联 <span class="meta">{title}</span></h1>
<form class="sign-in" method="get" action="/">
<input type="hidden" name="lang" value="{code}">
<label for="token">{token} <small>(operator.token_file)</small></label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
{wrong}<button type="submit">{button}</button>
</form></body></html>
"#,
        html_lang = lang.html(),
        code = lang.code(),
        title = tl!(lang, "dash-sign-in-title"),
        token = tl!(lang, "dash-token-label"),
        button = tl!(lang, "dash-sign-in"),
    );
    page(StatusCode::UNAUTHORIZED, html)
}

/// Escapes text for a cell of the page, clipped: a cell quotes at most
/// [`crate::clip::CLIP`] characters (a quarantine reason stored by an
/// older version may be long).
pub(super) fn esc(s: &str) -> String {
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

fn ago(lang: Lang, now: DateTime<Utc>, t: Option<DateTime<Utc>>) -> String {
    match t {
        Some(t) => tl!(lang, "status-ago", secs = (now - t).num_seconds().max(0)),
        None => tl!(lang, "status-never"),
    }
}

/// Renders the dashboard of `engine` in `lang`.
pub async fn render(
    engine: &Engine,
    report: &StatusReport,
    lang: Lang,
) -> Result<String, StoreError> {
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
<html lang="{html_lang}"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{REFRESH_SECS}">
<title>xunlian {id} {name}</title>
<style>{STYLE}</style></head><body>
<h1>{name} <span class="meta">{id} · {level}</span></h1>
<div class="meta">{meta} · <a href="?lang={other_code}" hreflang="{other_code}">{other}</a></div>
"#,
        html_lang = lang.html(),
        id = esc(&report.node),
        name = esc(&report.name),
        level = esc(&label(lang, "level", &report.level)),
        meta = esc(&tl!(
            lang,
            "dash-meta",
            version = &report.software_version,
            generation = &report.generation,
            refreshed = now.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            secs = REFRESH_SECS
        )),
        other_code = other_lang(lang).code(),
        other = tl!(lang, "dash-other-lang"),
    );

    tree(&mut h, report, now, lang);
    links(&mut h, report, now, lang);
    certificates(&mut h, report, own_cert_expiry, now, lang);
    rounds(&mut h, &plans, now, lang);
    quarantine_table(&mut h, &quarantine, lang);
    let held: Vec<String> = report
        .records
        .iter()
        .map(|(k, n)| format!("{} {n}", esc(&label(lang, "record", k))))
        .collect();
    let _ = writeln!(
        h,
        "<h2>{}</h2><p>{}</p><script>{FILTER_SCRIPT}</script></body></html>",
        tl!(lang, "dash-store"),
        if held.is_empty() {
            tl!(lang, "dash-no-records")
        } else {
            held.join(" · ")
        }
    );
    Ok(h)
}

/// The language a link on the page switches to.
fn other_lang(lang: Lang) -> Lang {
    match lang {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    }
}

/// Where a state sorts among the offices: problems first, the worst on top.
fn problem_rank(state: OfficeState) -> u8 {
    match state {
        OfficeState::Down => 0,
        OfficeState::NeverSeen => 1,
        OfficeState::Stale => 2,
        OfficeState::Lagging => 3,
        OfficeState::Ok => 4,
    }
}

/// The offices of `subtree` that head the list — all but those cut off
/// behind a listed relay — problems first, and the offices grouped under
/// each relay, in the same order.
fn problems_first(subtree: &[OfficeHealth]) -> Vec<(&OfficeHealth, Vec<&OfficeHealth>)> {
    let order = |o: &&OfficeHealth| (problem_rank(o.state), o.node.clone());
    let listed: std::collections::BTreeSet<&str> =
        subtree.iter().map(|o| o.node.as_str()).collect();
    let mut behind: BTreeMap<&str, Vec<&OfficeHealth>> = BTreeMap::new();
    let mut heads = Vec::new();
    for o in subtree {
        match o.via.as_deref().filter(|v| listed.contains(v)) {
            Some(relay) => behind.entry(relay).or_default().push(o),
            None => heads.push(o),
        }
    }
    heads.sort_by_key(order);
    heads
        .into_iter()
        .map(|o| {
            let mut group = behind.remove(o.node.as_str()).unwrap_or_default();
            group.sort_by_key(order);
            (o, group)
        })
        .collect()
}

fn tree(h: &mut String, report: &StatusReport, now: DateTime<Utc>, lang: Lang) {
    let counts: Vec<String> = OfficeState::ALL
        .iter()
        .map(|s| {
            let n = report.verdict.offices.get(s.as_str()).copied().unwrap_or(0);
            format!(
                "<span class=\"count {code}\" data-count=\"{code}\">{label} <b>{n}</b></span>",
                code = s.as_str(),
                label = s.label(lang),
            )
        })
        .collect();
    let _ = writeln!(
        h,
        "<h2>{offices}</h2>\n<div class=\"counts\">{counts}</div>\n<input id=\"filter\" type=\"search\" placeholder=\"{filter}\" autocomplete=\"off\">\n<div id=\"tree\">\n<div class=\"row head\"><span>{office}</span><span>{state}</span><span>{reason}</span><span>{since}</span><span>{report}</span><span class=num>{backlog}</span><span class=num>{lag}</span><span class=num>{down}</span></div>",
        offices = tl!(lang, "dash-offices", n = report.subtree.len()),
        counts = counts.join(" "),
        filter = tl!(lang, "dash-filter"),
        office = tl!(lang, "dash-col-office"),
        state = tl!(lang, "dash-col-state"),
        reason = tl!(lang, "dash-col-reason"),
        since = tl!(lang, "dash-col-since"),
        report = tl!(lang, "dash-col-last-report"),
        backlog = tl!(lang, "dash-col-backlog"),
        lag = tl!(lang, "dash-col-lag"),
        down = tl!(lang, "dash-col-links-down"),
    );
    let _ = writeln!(
        h,
        "<div class=\"row self\" data-node=\"{id}\"><span><b>{name}</b> {id}</span><span><span class=\"badge {state}\">{this}</span></span><span>{reason}</span><span></span><span>{now}</span><span class=num>{}</span><span class=num>{:.1}</span><span class=num>{}</span></div>",
        report.links.iter().map(|l| l.backlog_records).sum::<i64>(),
        report.links.iter().map(|l| l.lag_ms).max().unwrap_or(0) as f64 / 1000.0,
        report.links.iter().filter(|l| !l.connected).count(),
        id = esc(&report.node),
        name = esc(&report.name),
        state = report.state.as_str(),
        reason = esc(&report
            .why
            .as_ref()
            .map(|w| w.render(lang))
            .unwrap_or_default()),
        this = tl!(lang, "dash-this-office"),
        now = tl!(lang, "dash-now"),
    );
    for (head, group) in problems_first(&report.subtree) {
        if group.is_empty() {
            office_row(h, head, now, lang);
            continue;
        }
        let _ = writeln!(
            h,
            "<details open class=\"group\" data-relay=\"{id}\"><summary>",
            id = esc(&head.node)
        );
        office_row(h, head, now, lang);
        let _ = writeln!(
            h,
            "<div class=\"via\">{}</div></summary>",
            esc(&tl!(
                lang,
                "dash-unreachable-group",
                n = group.len(),
                id = &head.node
            ))
        );
        for o in group {
            office_row(h, o, now, lang);
        }
        h.push_str("</details>\n");
    }
    h.push_str("</div>\n");
}

/// One office's row: its state, why, since when and its figures.
fn office_row(h: &mut String, o: &OfficeHealth, now: DateTime<Utc>, lang: Lang) {
    let full = o.why.as_ref().map(|w| w.render(lang)).unwrap_or_default();
    let reason = match &o.via {
        Some(via) => tl!(lang, "dash-unreachable-via", via = via),
        None => full.clone(),
    };
    let since = o
        .since
        .map(|t| {
            tl!(
                lang,
                "dash-since",
                t = t.format("%m-%d %H:%M:%S").to_string()
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        h,
        "<div class=\"row office {state}\" data-node=\"{id}\" data-state=\"{state}\"><span>{name} {id} <small>{level}</small></span><span><span class=\"badge {state}\">{label}</span> <small>{state}</small></span><span title=\"{full}\">{reason}{warnings}</span><span>{since}</span><span>{seen}</span><span class=num>{backlog}</span><span class=num>{lag:.1}</span><span class=num>{down}</span></div>",
        id = esc(&o.node),
        name = esc(&o.name),
        level = esc(&label(lang, "level", &o.level)),
        state = o.state.as_str(),
        label = o.state.label(lang),
        full = esc(&full),
        reason = esc(&reason),
        warnings = o
            .warnings
            .iter()
            .map(|w| format!("<br><span class=\"warn\">⚠ {}</span>", esc(w)))
            .collect::<String>(),
        seen = ago(lang, now, o.at),
        backlog = o.backlog_records,
        lag = o.lag_ms as f64 / 1000.0,
        down = o.links_down,
    );
}

fn links(h: &mut String, report: &StatusReport, now: DateTime<Utc>, lang: Lang) {
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<table id=\"links\"><tr>{}</tr>",
        tl!(lang, "dash-links"),
        head_cells(
            lang,
            &[
                "dash-col-peer",
                "dash-col-direction",
                "dash-col-state",
                "dash-col-last-seen",
                "#dash-col-backlog",
                "#dash-col-lag",
                "#dash-col-in",
                "#dash-col-out",
                "dash-col-refusals",
                "dash-col-notes",
            ]
        )
    );
    for l in &report.links {
        let class = if l.connected { "ok" } else { "stale" };
        let refusals: Vec<String> = l
            .refusals
            .iter()
            .map(|(r, n)| reason_cell(lang, r, Some(*n)))
            .collect();
        let _ = writeln!(
            h,
            "<tr class=\"{class}\"><td>{peer}</td><td>{dir}</td><td>{state}</td><td>{seen}</td><td class=num>{backlog}</td><td class=num>{lag:.1}</td><td class=num>{rin}</td><td class=num>{rout}</td><td>{refusals}</td><td class=warn>{notes}</td></tr>",
            peer = esc(&l.peer),
            dir = esc(&label(lang, "dir", &l.direction)),
            state = if l.connected {
                tl!(lang, "status-connected")
            } else {
                tl!(lang, "status-disconnected")
            },
            seen = ago(lang, now, l.last_seen),
            backlog = l.backlog_records,
            lag = l.lag_ms as f64 / 1000.0,
            rin = l.records_in,
            rout = l.records_out,
            refusals = refusals.join(", "),
            notes = link_notes(l, now, lang),
        );
    }
    h.push_str("</table>\n");
}

/// What an operator should read about a link beside its figures: its
/// budget warnings and, while its sessions fail (an error since the last
/// session that opened), since when, with the error in one sentence and
/// its full chain on hover.
fn link_notes(l: &LinkReport, now: DateTime<Utc>, lang: Lang) -> String {
    let mut notes: Vec<String> = l.warnings.iter().map(|w| esc(w)).collect();
    if let Some(error) = &l.last_error {
        let last_ok = [l.last_push_ok, l.last_pull_ok].into_iter().flatten().max();
        notes.push(format!(
            "<span title=\"{chain}\">{}</span>",
            esc(&tl!(
                lang,
                "dash-failing",
                ago = ago(lang, now, last_ok),
                cause = root_cause(error)
            )),
            chain = esc(error),
        ));
    }
    notes.join("; ")
}

/// The innermost cause of an error chain written `outer: inner: cause`
/// (what an HTTP client's chain ends with: "Connection refused").
fn root_cause(chain: &str) -> &str {
    chain
        .rsplit(": ")
        .map(str::trim)
        .find(|c| !c.is_empty())
        .unwrap_or(chain)
}

fn certificates(
    h: &mut String,
    report: &StatusReport,
    own: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    lang: Lang,
) {
    let soon = now + Duration::days(crate::health::CERT_WARNING_DAYS);
    let mut rows = Vec::new();
    if let Some(t) = own {
        rows.push((tl!(lang, "dash-this-office"), t));
    }
    for l in &report.links {
        if let Some(t) = l.peer_cert_not_after {
            rows.push((l.peer.clone(), t));
        }
    }
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<table id=\"certs\"><tr>{}<th></th></tr>",
        tl!(lang, "dash-certificates"),
        head_cells(lang, &["dash-col-holder", "dash-col-expires"])
    );
    for (who, t) in rows {
        let note = if t < now {
            format!(
                "<span class=\"badge stale\">{}</span>",
                tl!(lang, "dash-expired")
            )
        } else if t < soon {
            format!(
                "<span class=\"warn\">{}</span>",
                tl!(lang, "dash-expires-in", days = (t - now).num_days())
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

fn rounds(h: &mut String, plans: &[(i64, crate::records::Record)], now: DateTime<Utc>, lang: Lang) {
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
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<table id=\"rounds\"><tr>{}</tr>",
        tl!(lang, "dash-rounds"),
        head_cells(
            lang,
            &[
                "dash-col-title",
                "dash-col-office",
                "dash-col-kind",
                "dash-col-term-round",
                "dash-col-dates",
            ]
        )
    );
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
            esc(&label(lang, "plan-kind", b["kind"].as_str().unwrap_or("-"))),
            s("/term"),
            b.get("round_no").map(|v| v.to_string()).unwrap_or_default(),
            s("/dates/start"),
            s("/dates/end"),
        );
    }
    h.push_str("</table>\n");
}

fn quarantine_table(h: &mut String, entries: &[QuarantineEntry], lang: Lang) {
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<table id=\"quarantine\"><tr>{}</tr>",
        tl!(lang, "dash-quarantine", n = entries.len()),
        head_cells(
            lang,
            &[
                "dash-col-id",
                "dash-col-when",
                "dash-col-from",
                "dash-col-record",
                "dash-col-kind",
                "dash-col-code",
                "dash-col-reason",
            ]
        )
    );
    for q in entries {
        let when = DateTime::from_timestamp_millis(q.at)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{when}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=warn>{}</td></tr>",
            q.id,
            esc(&q.peer.clone().unwrap_or_else(|| tl!(lang, "dash-local"))),
            esc(q.record_id.as_deref().unwrap_or("?")),
            esc(&q
                .kind
                .as_deref()
                .map_or_else(|| "?".into(), |k| label(lang, "record", k))),
            q.code
                .as_deref()
                .map_or_else(|| "-".into(), |c| reason_cell(lang, c, None)),
            esc(&q.reason)
        );
    }
    h.push_str("</table>\n");
}

/// A peer refusal reason by its name, its code on hover (logs and
/// metrics name it by the code), with how many times when counted.
fn reason_cell(lang: Lang, code: &str, n: Option<u64>) -> String {
    let name = esc(&label(lang, "reason", code));
    let n = n.map(|n| format!(" {n}")).unwrap_or_default();
    format!("<span title=\"{}\">{name}{n}</span>", esc(code))
}

/// A table's header cells from catalogue keys; a key marked `#` heads a
/// column of numbers.
fn head_cells(lang: Lang, keys: &[&str]) -> String {
    keys.iter()
        .map(|k| match k.strip_prefix('#') {
            Some(k) => format!(
                "<th class=num>{}</th>",
                esc(&crate::i18n::message(lang, k, &[]))
            ),
            None => format!("<th>{}</th>", esc(&crate::i18n::message(lang, k, &[]))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_cause_is_the_innermost_part_of_an_error_chain() {
        let chain = "error sending request for url (https://127.0.0.1:9/): client error (Connect): tcp connect error: Connection refused (os error 111)";
        assert_eq!(root_cause(chain), "Connection refused (os error 111)");
        assert_eq!(root_cause("timed out"), "timed out");
    }
}
