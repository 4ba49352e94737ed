//! `GET /metrics`: the node's measures in the OpenMetrics text format.
//!
//! Metric names are stable and documented in `docs/operations.md`
//! ("Metrics"); every name is defined here and nowhere else. Values are
//! read at scrape time from the node's status report
//! (`health::StatusReport`) and the engine's per-node refusal counts, so
//! `status` and `/metrics` always agree.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::engine::{Engine, Reason};
use crate::health::{OfficeState, StatusReport, status_report};
use crate::store::StoreError;

/// The content type of the exposition.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

type Labels = Vec<(&'static str, String)>;
type IntGauges = Family<Labels, Gauge>;
type FloatGauges = Family<Labels, Gauge<f64, AtomicU64>>;
type Counters = Family<Labels, Counter>;

/// The exposition of `engine` now.
pub async fn scrape(engine: &Engine) -> Result<String, StoreError> {
    let report = status_report(engine).await?;
    Ok(render(&report, &engine.unlinked_refusals()))
}

/// Renders `report`, and the refusals of callers with no link
/// (`unlinked`), as OpenMetrics text.
fn render(report: &StatusReport, unlinked: &BTreeMap<Reason, u64>) -> String {
    let mut reg = Registry::default();

    let build = IntGauges::default();
    build
        .get_or_create(&vec![
            ("version", report.software_version.clone()),
            ("node", report.node.clone()),
        ])
        .set(1);
    reg.register(
        "xunlian_build_info",
        "Software version and node id of this daemon",
        build.clone(),
    );

    let records = IntGauges::default();
    for (kind, n) in &report.records {
        records.get_or_create(&vec![("kind", kind.clone())]).set(*n);
    }
    reg.register(
        "xunlian_records",
        "Records held in the store, by kind",
        records.clone(),
    );

    let quarantine = Gauge::<i64>::default();
    quarantine.set(report.quarantined);
    reg.register(
        "xunlian_quarantine_records",
        "Records refused and kept in quarantine",
        quarantine.clone(),
    );

    let connected = IntGauges::default();
    let backlog = IntGauges::default();
    let backlog_bytes = IntGauges::default();
    let lag = FloatGauges::default();
    let traffic = Counters::default();
    let traffic_bytes = Counters::default();
    let refusals = Counters::default();
    let cert_expiry = IntGauges::default();
    let session_failures = Counters::default();
    for l in &report.links {
        let link = || vec![("peer", l.peer.clone()), ("direction", l.direction.clone())];
        connected.get_or_create(&link()).set(i64::from(l.connected));
        backlog.get_or_create(&link()).set(l.backlog_records);
        backlog_bytes.get_or_create(&link()).set(l.backlog_bytes);
        lag.get_or_create(&link()).set(l.lag_ms as f64 / 1000.0);
        for (way, n, bytes) in [
            ("in", l.records_in, l.bytes_in),
            ("out", l.records_out, l.bytes_out),
        ] {
            let mut labels = link();
            labels.push(("way", way.to_string()));
            traffic.get_or_create(&labels).inc_by(n);
            traffic_bytes.get_or_create(&labels).inc_by(bytes);
        }
        for (reason, n) in &l.refusals {
            let mut labels = link();
            labels.push(("reason", reason.clone()));
            refusals.get_or_create(&labels).inc_by(*n);
        }
        if l.direction == "parent" {
            session_failures
                .get_or_create(&link())
                .inc_by(l.session_failures);
        }
        if let Some(t) = l.peer_cert_not_after {
            cert_expiry.get_or_create(&link()).set(t.timestamp());
        }
    }
    reg.register(
        "xunlian_link_connected",
        "1 when the link to the peer is up",
        connected.clone(),
    );
    reg.register(
        "xunlian_link_backlog_records",
        "Records waiting to go to the peer",
        backlog.clone(),
    );
    reg.register(
        "xunlian_link_backlog_bytes",
        "Bytes waiting to go to the peer",
        backlog_bytes.clone(),
    );
    reg.register(
        "xunlian_link_lag_seconds",
        "Age of the oldest record waiting to go to the peer",
        lag.clone(),
    );
    reg.register(
        "xunlian_link_records",
        "Records exchanged with the peer, by way (in/out)",
        traffic.clone(),
    );
    reg.register(
        "xunlian_link_bytes",
        "Bytes of records exchanged with the peer, by way",
        traffic_bytes.clone(),
    );
    reg.register(
        "xunlian_link_refusals",
        "Records and requests refused on the link, by reason",
        refusals.clone(),
    );
    reg.register(
        "xunlian_link_session_failures",
        "Sessions with the parent that failed (refused connections included)",
        session_failures.clone(),
    );
    reg.register(
        "xunlian_link_peer_cert_expiry_timestamp_seconds",
        "When the peer's certificate expires (Unix time)",
        cert_expiry.clone(),
    );

    let peer_refusals = Counters::default();
    for (reason, n) in unlinked {
        peer_refusals
            .get_or_create(&vec![("reason", reason.as_str().to_string())])
            .inc_by(*n);
    }
    reg.register(
        "xunlian_peer_refusals",
        "Requests refused to callers with no link to this node (not_a_child), by reason",
        peer_refusals.clone(),
    );

    let offices = Gauge::<i64>::default();
    offices.set(report.subtree.len() as i64);
    let stale = Gauge::<i64>::default();
    stale.set(report.subtree.iter().filter(|o| o.stale).count() as i64);
    let office_state = IntGauges::default();
    for o in &report.subtree {
        office_state
            .get_or_create(&vec![
                ("office", o.node.clone()),
                ("state", o.state.as_str().to_string()),
            ])
            .set(1);
    }
    let node_state = IntGauges::default();
    for state in OfficeState::ALL {
        node_state
            .get_or_create(&vec![("state", state.as_str().to_string())])
            .set(i64::from(report.state == state));
    }
    let last_report = IntGauges::default();
    for o in &report.subtree {
        if let Some(at) = o.at {
            last_report
                .get_or_create(&vec![("office", o.node.clone())])
                .set(at.timestamp());
        }
    }
    reg.register(
        "xunlian_subtree_offices",
        "Offices known below this node",
        offices.clone(),
    );
    reg.register(
        "xunlian_subtree_stale_offices",
        "Offices below this node whose health report is overdue",
        stale.clone(),
    );
    reg.register(
        "xunlian_office_state",
        "1 for each office below this node in its state (ok, lagging, stale, down, never_seen)",
        office_state.clone(),
    );
    reg.register(
        "xunlian_node_state",
        "1 for this node's own state (down: no session with its parent), 0 for the others",
        node_state.clone(),
    );
    reg.register(
        "xunlian_office_last_report_timestamp_seconds",
        "When each office below this node last reported health (Unix time)",
        last_report.clone(),
    );

    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut out, &reg);
    out
}
