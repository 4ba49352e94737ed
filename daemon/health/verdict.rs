//! One state per office — `ok`, `lagging`, `stale`, `down`, `never_seen` —
//! with its reason and since when, derived by [`judge`] the same way at
//! every level from what this node holds: each office's own latest health
//! record, and the word of its parent on the link between them (this
//! node's live link when the parent is this node, else the parent's own
//! latest record). Offices behind a relay that is down or never seen are
//! attributed to it (`via`). Also the verdict over this node and its
//! subtree ([`Verdict`]) that `xunlian status`, `/readyz` and the alerts
//! read.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::LinkReport;
use super::why::Why;
use crate::i18n::{Lang, tl};
use crate::node::NodeId;
use crate::store::TopologyEntry;

/// The state of one office as seen from this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficeState {
    /// Reporting on time, nothing over budget.
    Ok,
    /// Reporting on time, but a link of its own is over a backlog budget.
    Lagging,
    /// No health report within `schedules.health_stale_secs`.
    Stale,
    /// Its parent holds no session with it (the office, or its relay to
    /// the parent, is not running or cannot reach it).
    Down,
    /// No health report ever arrived here.
    NeverSeen,
}

impl OfficeState {
    /// Every state, in the order reports count them.
    pub const ALL: [OfficeState; 5] = [
        OfficeState::Ok,
        OfficeState::Lagging,
        OfficeState::Stale,
        OfficeState::Down,
        OfficeState::NeverSeen,
    ];

    /// As in reports, logs and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            OfficeState::Ok => "ok",
            OfficeState::Lagging => "lagging",
            OfficeState::Stale => "stale",
            OfficeState::Down => "down",
            OfficeState::NeverSeen => "never_seen",
        }
    }

    /// How the state reads to a person in `lang` (正常, 滞后…).
    pub fn label(self, lang: Lang) -> String {
        crate::i18n::label(lang, "state", self.as_str())
    }

    /// Whether records from the office stopped arriving here.
    pub fn is_silent(self) -> bool {
        matches!(
            self,
            OfficeState::Stale | OfficeState::Down | OfficeState::NeverSeen
        )
    }
}

/// An office's state with why and since when.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub state: OfficeState,
    /// Why it is not `ok`; `None` when `ok`.
    pub reason: Option<Why>,
    /// Since when the state holds, when known.
    pub since: Option<DateTime<Utc>>,
    /// The relay (down or never seen) this office is unreachable through.
    pub via: Option<NodeId>,
}

impl Judged {
    fn new(state: OfficeState, reason: Why, since: Option<DateTime<Utc>>) -> Judged {
        Judged {
            state,
            reason: Some(reason),
            since,
            via: None,
        }
    }

    fn ok() -> Judged {
        Judged {
            state: OfficeState::Ok,
            reason: None,
            since: None,
            via: None,
        }
    }
}

/// What one office's own latest health record says of it.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// When the office wrote it.
    pub at: Option<DateTime<Utc>>,
    pub backlog_records: i64,
    pub lag_ms: i64,
    pub links_down: i64,
    /// Budget warnings on its links, each naming the peer: the office is
    /// `lagging`.
    pub warnings: Vec<String>,
    /// What it warns about itself (certificate, quarantine): shown beside
    /// its state, which they do not change.
    pub notices: Vec<String>,
    /// Its child links that were down, with the last sign of each child.
    pub children_down: HashMap<NodeId, Option<DateTime<Utc>>>,
}

impl Summary {
    /// The summary of a record written at `at` with `links` and the
    /// office's `own` warnings.
    pub fn of(at: Option<DateTime<Utc>>, links: &[LinkReport], own: Vec<String>) -> Summary {
        Summary {
            at,
            backlog_records: links.iter().map(|l| l.backlog_records).sum(),
            lag_ms: links.iter().map(|l| l.lag_ms).max().unwrap_or(0),
            links_down: links.iter().filter(|l| !l.connected).count() as i64,
            warnings: budget_warnings(links),
            notices: own,
            children_down: links
                .iter()
                .filter(|l| l.direction == "child" && !l.connected)
                .filter_map(|l| Some((NodeId::new(&l.peer).ok()?, l.last_seen)))
                .collect(),
        }
    }
}

/// The budget warnings on `links`, each naming its peer.
fn budget_warnings(links: &[LinkReport]) -> Vec<String> {
    links
        .iter()
        .flat_map(|l| l.warnings.iter().map(move |w| format!("{}: {w}", l.peer)))
        .collect()
}

/// What [`judge`] reads besides the offices' own records.
pub struct Ground<'a> {
    pub me: &'a NodeId,
    pub now: DateTime<Utc>,
    /// `schedules.health_stale_secs`.
    pub stale_after: chrono::Duration,
    /// This node's links, live.
    pub my_links: &'a [LinkReport],
}

/// The state of every office of `entries` (parents before children or
/// not), from the offices' own summaries in `latest`.
pub fn judge(
    ground: &Ground<'_>,
    entries: &[TopologyEntry],
    latest: &BTreeMap<NodeId, Summary>,
) -> BTreeMap<NodeId, Judged> {
    let mut out: BTreeMap<NodeId, Judged> = entries
        .iter()
        .map(|e| (e.node.clone(), judge_one(ground, e, latest)))
        .collect();
    let parents: HashMap<&NodeId, &NodeId> = entries.iter().map(|e| (&e.node, &e.parent)).collect();
    let relays: BTreeMap<NodeId, Option<NodeId>> = out
        .iter()
        .filter(|(_, j)| j.state.is_silent())
        .map(|(node, _)| (node.clone(), cut_off_by(node, &parents, &out)))
        .collect();
    for (node, relay) in relays {
        if let (Some(relay), Some(j)) = (relay, out.get_mut(&node)) {
            let then = Box::new(j.reason.take().unwrap_or(Why::NeverReported));
            j.reason = Some(Why::Unreachable {
                relay: relay.to_string(),
                then,
            });
            j.via = Some(relay);
        }
    }
    out
}

/// The topmost ancestor of `node` below this node that is down or never
/// seen: what cuts `node` off.
fn cut_off_by(
    node: &NodeId,
    parents: &HashMap<&NodeId, &NodeId>,
    judged: &BTreeMap<NodeId, Judged>,
) -> Option<NodeId> {
    let mut relay = None;
    let mut at = *parents.get(node)?;
    // The chain is at most four levels; the bound guards a bad tree.
    for _ in 0..parents.len() {
        let Some(j) = judged.get(at) else { break };
        if matches!(j.state, OfficeState::Down | OfficeState::NeverSeen) {
            relay = Some(at.clone());
        }
        let Some(up) = parents.get(at) else { break };
        at = up;
    }
    relay
}

fn judge_one(
    ground: &Ground<'_>,
    entry: &TopologyEntry,
    latest: &BTreeMap<NodeId, Summary>,
) -> Judged {
    let Some(own) = latest.get(&entry.node) else {
        return Judged::new(OfficeState::NeverSeen, Why::NeverReported, None);
    };
    let at = own.at.unwrap_or(DateTime::<Utc>::MIN_UTC);
    if let Some(last_seen) = parent_says_down(ground, entry, at, latest) {
        return Judged::new(
            OfficeState::Down,
            Why::NoSession {
                parent: entry.parent.to_string(),
                secs: last_seen.map(|t| secs_since(ground.now, t)),
            },
            last_seen.or(own.at),
        );
    }
    if ground.now - at > ground.stale_after {
        return Judged::new(
            OfficeState::Stale,
            Why::NoReportSince {
                secs: secs_since(ground.now, at),
            },
            own.at,
        );
    }
    if !own.warnings.is_empty() {
        return Judged::new(
            OfficeState::Lagging,
            Why::Lagging {
                warnings: own.warnings.clone(),
            },
            Some(ground.now - chrono::Duration::milliseconds(own.lag_ms)),
        );
    }
    Judged::ok()
}

/// When the parent of `entry` says the link to it is down, newer than
/// the office's own report at `at`: the last sign of the office it had.
/// This node's own links are live; another parent speaks through its
/// latest record, while that is fresh.
fn parent_says_down(
    ground: &Ground<'_>,
    entry: &TopologyEntry,
    at: DateTime<Utc>,
    latest: &BTreeMap<NodeId, Summary>,
) -> Option<Option<DateTime<Utc>>> {
    if entry.parent == *ground.me {
        let link = ground
            .my_links
            .iter()
            .find(|l| l.direction == "child" && l.peer == entry.node.as_str())?;
        return (!link.connected).then_some(link.last_seen);
    }
    let parent = latest.get(&entry.parent)?;
    let parent_at = parent.at?;
    let fresh = ground.now - parent_at <= ground.stale_after;
    if !fresh || parent_at < at {
        return None;
    }
    parent.children_down.get(&entry.node).copied()
}

/// The whole seconds from `t` to `now`, for reasons.
fn secs_since(now: DateTime<Utc>, t: DateTime<Utc>) -> i64 {
    (now - t).num_seconds().max(0)
}

/// The verdict over a node and its subtree: healthy only when the node
/// and every office below it are `ok`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    /// `ok`, or `degraded` when anything is not.
    pub status: String,
    /// Offices below this node by state (every state named, zeros too).
    pub offices: BTreeMap<String, usize>,
    /// One sentence per thing not `ok`, this node first, in English
    /// (stable for scripts; people read [`problem_line`]s in their
    /// language).
    pub problems: Vec<String>,
}

impl Verdict {
    /// The verdict from this node's own state and its offices' states.
    pub fn of<'a>(
        own: &Judged,
        me: &NodeId,
        offices: impl IntoIterator<Item = (&'a str, OfficeState, Option<&'a Why>)>,
    ) -> Verdict {
        let mut counts: BTreeMap<String, usize> = OfficeState::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), 0))
            .collect();
        let mut problems = Vec::new();
        if own.state != OfficeState::Ok {
            problems.push(problem(me.as_str(), own.state, own.reason.as_ref()));
        }
        for (node, state, reason) in offices {
            *counts.entry(state.as_str().to_string()).or_default() += 1;
            if state != OfficeState::Ok {
                problems.push(problem(node, state, reason));
            }
        }
        Verdict {
            status: if problems.is_empty() {
                "ok"
            } else {
                "degraded"
            }
            .into(),
            offices: counts,
            problems,
        }
    }

    /// Whether the node and every office below it are `ok`.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The machine form of a problem: `630202 stale: no health report…`.
fn problem(node: &str, state: OfficeState, reason: Option<&Why>) -> String {
    match reason {
        Some(r) => format!("{node} {}: {}", state.as_str(), r.render(Lang::En)),
        None => format!("{node} {}", state.as_str()),
    }
}

/// A problem as a person reads it in `lang`: the office, its state's
/// name and why.
pub fn problem_line(lang: Lang, node: &str, state: OfficeState, reason: Option<&Why>) -> String {
    match reason {
        Some(r) => tl!(
            lang,
            "health-problem",
            node = node,
            state = state.label(lang),
            why = r.render(lang)
        ),
        None => format!("{node} {}", state.label(lang)),
    }
}

/// This node's own state: `down` while it holds no session with its
/// parent, `lagging` while a link of its own is over budget.
pub fn judge_self(links: &[LinkReport], now: DateTime<Utc>) -> Judged {
    if let Some(parent) = links.iter().find(|l| l.direction == "parent")
        && !parent.connected
    {
        return Judged::new(
            OfficeState::Down,
            Why::NoSession {
                parent: parent.peer.clone(),
                secs: parent.last_seen.map(|t| secs_since(now, t)),
            },
            parent.last_seen,
        );
    }
    let warnings = budget_warnings(links);
    if !warnings.is_empty() {
        return Judged::new(OfficeState::Lagging, Why::Lagging { warnings }, None);
    }
    Judged::ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Level;

    fn id(s: &str) -> NodeId {
        NodeId::new(s).expect("a node id")
    }

    fn entry(node: &str, parent: &str, level: Level) -> TopologyEntry {
        TopologyEntry {
            node: id(node),
            parent: id(parent),
            level,
            name: node.into(),
        }
    }

    fn child_link(peer: &str, connected: bool) -> LinkReport {
        serde_json::from_value(serde_json::json!({
            "peer": peer, "direction": "child", "connected": connected,
            "last_seen": null, "last_push_ok": null, "last_pull_ok": null,
            "backlog_records": 0, "backlog_bytes": 0, "lag_ms": 0,
            "records_in": 0, "records_out": 0, "bytes_in": 0, "bytes_out": 0,
            "refusals": {}, "peer_version": null, "peer_cert_not_after": null,
            "last_error": null, "warnings": []
        }))
        .expect("a link report")
    }

    /// A province (this node) with a city 630200 and its county 630202
    /// below, and a never-started city 630100.
    fn tree() -> Vec<TopologyEntry> {
        vec![
            entry("630200", "630000", Level::Municipal),
            entry("630202", "630200", Level::County),
            entry("630100", "630000", Level::Municipal),
        ]
    }

    /// How the province 630000 judges [`tree`] with its child links `up`
    /// and the offices `reported` (id, seconds ago) having reported.
    fn province_judges(up: bool, reported: &[(&str, i64)]) -> BTreeMap<NodeId, Judged> {
        let now = Utc::now();
        let me = id("630000");
        let links = [child_link("630200", up), child_link("630100", up)];
        let ground = Ground {
            me: &me,
            now,
            stale_after: chrono::Duration::seconds(3),
            my_links: &links,
        };
        let latest = reported
            .iter()
            .map(|(n, ago)| {
                let at = now - chrono::Duration::seconds(*ago);
                (id(n), Summary::of(Some(at), &[], Vec::new()))
            })
            .collect();
        judge(&ground, &tree(), &latest)
    }

    #[test]
    fn a_dead_relay_is_down_and_its_descendants_unreachable_via_it() {
        let judged = province_judges(false, &[("630200", 60), ("630202", 60)]);
        assert_eq!(judged[&id("630200")].state, OfficeState::Down);
        let county = &judged[&id("630202")];
        assert_eq!(county.state, OfficeState::Stale);
        assert_eq!(county.via, Some(id("630200")));
        let Some(Why::Unreachable { relay, then }) = &county.reason else {
            panic!("{county:?}")
        };
        assert_eq!(relay, "630200");
        assert!(
            matches!(**then, Why::NoReportSince { secs } if secs >= 60),
            "{then:?}"
        );
        let en = county.reason.as_ref().map(|w| w.render(Lang::En));
        let en = en.unwrap_or_default();
        assert!(en.starts_with("unreachable via 630200"), "{en}");
        assert!(en.contains("no health report since 60s ago"), "{en}");
        let never = &judged[&id("630100")];
        assert_eq!(never.state, OfficeState::NeverSeen);
        assert_eq!(never.reason, Some(Why::NeverReported));
    }

    /// A node cut off from its parent is down, and its problem reads in
    /// the reader's language while the verdict's line stays English.
    #[test]
    fn a_node_without_its_parent_is_down_and_says_so_in_both_languages() {
        let now = Utc::now();
        let mut parent: LinkReport = child_link("630000", false);
        parent.direction = "parent".into();
        parent.last_seen = Some(now - chrono::Duration::seconds(12));
        let own = judge_self(&[parent], now);
        assert_eq!(own.state, OfficeState::Down);
        let want = Why::NoSession {
            parent: "630000".into(),
            secs: Some(12),
        };
        assert_eq!(own.reason, Some(want));
        let verdict = Verdict::of(&own, &id("630200"), []);
        assert_eq!(
            verdict.problems,
            ["630200 down: no session with its parent 630000; last seen 12s ago"]
        );
        let zh = problem_line(Lang::Zh, "630200", own.state, own.reason.as_ref());
        assert!(zh.contains("上级 630000") && zh.contains("12 秒前"), "{zh}");
        let en = problem_line(Lang::En, "630200", own.state, own.reason.as_ref());
        assert!(en.contains("last seen 12s ago"), "{en}");
    }

    #[test]
    fn offices_reporting_on_time_are_ok_and_a_healthy_tree_is_ok() {
        let judged = province_judges(true, &[("630200", 0), ("630202", 0), ("630100", 0)]);
        assert!(judged.values().all(|j| j.state == OfficeState::Ok));
        let verdict = Verdict::of(
            &judge_self(&[], Utc::now()),
            &id("630000"),
            judged.iter().map(|(n, j)| (n.as_str(), j.state, None)),
        );
        assert!(verdict.is_ok(), "{verdict:?}");
        assert_eq!(verdict.offices["ok"], 3);
    }

    #[test]
    fn a_parent_record_newer_than_the_office_says_it_is_down() {
        let now = Utc::now();
        let me = id("000000");
        let ground = Ground {
            me: &me,
            now,
            stale_after: chrono::Duration::seconds(180),
            my_links: &[],
        };
        let entries = vec![
            entry("630000", "000000", Level::Provincial),
            entry("630200", "630000", Level::Municipal),
        ];
        let earlier = Some(now - chrono::Duration::seconds(40));
        let province = Summary::of(Some(now), &[child_link("630200", false)], Vec::new());
        let latest = BTreeMap::from([
            (id("630000"), province),
            (id("630200"), Summary::of(earlier, &[], Vec::new())),
        ]);
        let judged = judge(&ground, &entries, &latest);
        assert_eq!(judged[&id("630200")].state, OfficeState::Down);
        assert_eq!(judged[&id("630000")].state, OfficeState::Ok);
    }
}
