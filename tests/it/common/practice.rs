//! What the inspection-practice tests read and wait on: dates relative to
//! today, a finding's line in an office's ledger, an office's row in a
//! report.

use chrono::{Duration, Local};
use serde_json::Value;

use super::{Net, wait_until};

/// Today plus `offset` days, as a date the records carry.
pub fn day(offset: i64) -> String {
    (Local::now().date_naive() + Duration::days(offset)).to_string()
}

/// The ledger state of `finding` hosted at `host`, as `at` sees it.
pub async fn ledger_state(net: &Net, at: &str, finding: &str, host: &str) -> Option<String> {
    let lines = net.get_json(at, "/api/v1/reports/ledger").await;
    lines
        .as_array()?
        .iter()
        .find(|l| l["finding_id"] == finding && l["host_office"] == host)
        .map(|l| l["state"].as_str().unwrap_or_default().to_string())
}

/// Waits until `at` sees `finding` hosted at `host` in state `want`.
pub async fn wait_state(net: &Net, at: &str, finding: &str, host: &str, want: &str) {
    wait_until(&format!("{finding} to be {want} at {at}"), || async {
        ledger_state(net, at, finding, host).await.as_deref() == Some(want)
    })
    .await;
}

/// The row of `office` in `report` (coverage, statistics).
pub fn row<'a>(report: &'a Value, office: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["office"] == office)
        .unwrap_or_else(|| panic!("no row for {office} in {report}"))
}
