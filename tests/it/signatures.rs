//! Records signed end to end, against real daemons: an insider holding the
//! municipality's certificate and its own signing key pushes records "from"
//! its county straight to the province, signed with its own key, altered
//! after the county signed them, or unsigned. Each is refused for its
//! signature, quarantined as `signature`, counted on the link, and never
//! stored at the province or central; the link keeps going, and what the
//! real county submits reaches central with the county's own signature.

use std::path::Path;

use crate::common::peer::{finding_record, peer_client, peer_post_ok, push_of, signed, tls_of};
use crate::common::tree::small_tree;
use crate::common::{Net, finding};
use serde_json::{Value, json};

/// The insider: the municipality, pushing to its parent.
const INSIDER: &str = "630100";
/// The county below it, whose records the insider relays.
const COUNTY: &str = "630102";
const PROVINCE: &str = "630000";
const CENTRAL: &str = "000000";

/// What a relay would like to change in a county's finding: one byte of
/// its body ("1" to "9").
const WRITTEN: &str = "挪用资金100万元";
const ALTERED: &str = "挪用资金900万元";

/// The county's finding `r` (signed by the county) with one byte of its
/// body changed after signing.
fn altered(r: &Value) -> Value {
    let text = serde_json::to_string(r).unwrap();
    assert_eq!(text.matches(WRITTEN).count(), 1, "{text}");
    serde_json::from_str(&text.replacen(WRITTEN, ALTERED, 1)).unwrap()
}

/// The key id of the signing key at `path`.
fn key_id(path: &Path) -> String {
    let key = xunlian::trust::SigningKey::load(path).expect("signing key");
    key.key_id().to_string()
}

/// The count of `xunlian_link_refusals_total` for `peer` and `reason` in
/// `metrics`, if the line is there.
fn refusals(metrics: &str, peer: &str, reason: &str) -> Option<u64> {
    metrics
        .lines()
        .filter(|l| l.starts_with("xunlian_link_refusals_total"))
        .find(|l| {
            l.contains(&format!("peer=\"{peer}\"")) && l.contains(&format!("reason=\"{reason}\""))
        })
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_cannot_forge_or_alter_a_countys_records() {
    let mut net = Net::new(&small_tree().toml());
    net.start(CENTRAL).await;
    net.start(PROVINCE).await;
    let http = peer_client(&tls_of(&net, INSIDER), PROVINCE);
    let hello = json!({"node": INSIDER, "level": "municipal", "name": "西宁",
        "software_version": "0", "generation": "insider", "subtree": []});
    peer_post_ok(&net, &http, PROVINCE, "/peer/v1/health", &hello).await;

    let (insider_key, county_key) = (net.sign_key(INSIDER), net.sign_key(COUNTY));
    let genuine = signed(finding_record(COUNTY, WRITTEN), &county_key);
    // What the province answers for each: the county's origin with the
    // insider's key is a key of another office; the altered record's proof
    // leads to a root the county never signed.
    let insider_kid = key_id(&insider_key);
    let bad = [
        (
            "signed with the insider's key",
            signed(finding_record(COUNTY, "冒名的问题"), &insider_key),
            format!("key {insider_kid} is not a key of office {COUNTY}"),
        ),
        (
            "altered after the county signed it",
            altered(&genuine),
            "chunk signature does not verify".to_string(),
        ),
        (
            "unsigned",
            finding_record(COUNTY, "未签名的问题"),
            "record is unsigned".to_string(),
        ),
    ];
    // Beside them, a record the county did sign, relayed as it is.
    let relayed = signed(finding_record(COUNTY, "如实转发的问题"), &county_key);
    let push = push_of("insider", bad.iter().map(|(_, r, _)| r).chain([&relayed]));
    let resp = peer_post_ok(&net, &http, PROVINCE, "/peer/v1/push", &push).await;
    assert_eq!(resp["stored"], 1, "{resp}");
    let refused = resp["refused"].as_array().unwrap();
    assert_eq!(refused.len(), bad.len(), "{resp}");
    for ((what, r, says), got) in bad.iter().zip(refused) {
        assert_eq!(got["id"], r["id"], "{what}: {resp}");
        let reason = got["reason"].as_str().unwrap();
        assert!(reason.contains(says), "{what}: {reason}");
    }
    net.wait_for(CENTRAL, relayed["id"].as_str().unwrap()).await;

    // Quarantined at the province as `signature`, with the insider named.
    let quarantined = net.quarantine(PROVINCE).await;
    for (what, r, _) in &bad {
        let e = quarantined
            .iter()
            .find(|e| e["record_id"] == r["id"])
            .unwrap_or_else(|| panic!("{what}: not quarantined: {quarantined:?}"));
        assert_eq!(
            (&e["code"], &e["peer"]),
            (&json!("signature"), &json!(INSIDER)),
            "{what}: {e}"
        );
    }
    // Counted on the link.
    let metrics = net.metrics(PROVINCE).await;
    assert_eq!(
        refusals(&metrics, INSIDER, "signature"),
        Some(bad.len() as u64),
        "{metrics}"
    );

    // The link keeps going: the real municipality and county connect, and
    // the county's next finding reaches central, signed by the county.
    net.start(INSIDER).await;
    net.start(COUNTY).await;
    let next = net
        .submit(COUNTY, "finding", finding("县里的下一个问题"))
        .await;
    let next_id = next["id"].as_str().unwrap();
    net.wait_for(CENTRAL, next_id).await;
    let at_central = net
        .get_json(CENTRAL, &format!("/api/v1/records/{next_id}"))
        .await;
    assert_eq!(
        at_central["signature"]["key_id"],
        key_id(&county_key),
        "{at_central}"
    );

    // None of the refused records was stored at the province or central.
    for (what, r, _) in &bad {
        let id = r["id"].as_str().unwrap();
        for office in [PROVINCE, CENTRAL] {
            assert!(!net.has(office, id).await, "{what}: stored at {office}");
        }
    }
}
