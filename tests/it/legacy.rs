//! Moving an existing network to signed records, as its operators would:
//! a network of stage 1 (configs without `[trust]`, stores of unsigned
//! records) gets a signing key made at each office with `xunlian pki
//! sign-key`, whose public line alone goes to the CA; the CA signs the
//! tree manifest with `xunlian pki manifest --unsigned-before now`; each
//! office adds `[trust]` and restarts. What was written before passes as
//! legacy, what is written after is signed, and an unsigned record dated
//! after the switch is refused.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::common::peer::{finding_record, peer_client, peer_post_ok, push_of, tls_of};
use crate::common::tree::TreeBuilder;
use crate::common::{Net, finding, run_ok, xunlian};

const CENTRAL: &str = "000000";
const PROVINCE: &str = "630000";
const CITY: &str = "630100";
const COUNTY: &str = "630102";
const OFFICES: [&str; 4] = [CENTRAL, PROVINCE, CITY, COUNTY];

/// One office per level, each under the one before.
fn chain() -> String {
    TreeBuilder::central()
        .province(PROVINCE, "青海省委巡视办")
        .city(CITY, "西宁市委巡察办", PROVINCE)
        .county(COUNTY, "城东区委巡察办", CITY)
        .toml()
}

/// What the operator API of `office` says of record `id`'s signature.
async fn verified(net: &Net, office: &str, id: &str) -> Value {
    let r = net.get_json(office, &format!("/api/v1/records/{id}")).await;
    r["verified"].clone()
}

/// `record` dated `at` (created and updated).
fn dated(mut record: Value, at: DateTime<Utc>) -> Value {
    record["created_at"] = json!(at.to_rfc3339());
    record["updated_at"] = json!(at.to_rfc3339());
    record
}

/// Stage 1: every config without `[trust]`, no manifest or signing key
/// anywhere; the `[trust]` section taken out, to put back later.
fn without_trust(net: &Net) -> String {
    let mut trust = String::new();
    for id in OFFICES {
        trust = net.take_config_section(id, "trust");
        std::fs::remove_file(net.sign_key(id)).unwrap();
        std::fs::remove_file(net.nodes[id].dir.join("manifest.json")).unwrap();
    }
    trust
}

/// Each office makes its signing key with `pki sign-key`; its public line
/// goes into `keys/<id>.json`, as the CA would keep it.
fn make_sign_keys(net: &Net, keys: &Path) {
    std::fs::create_dir_all(keys).unwrap();
    for id in OFFICES {
        let key = net.sign_key(id).display().to_string();
        let line = run_ok(&[
            "pki",
            "sign-key",
            "--out",
            &key,
            "--config",
            &net.config_arg(id),
        ]);
        let public: Value = serde_json::from_str(line.trim()).unwrap();
        assert_eq!(public["office"], id, "{line}");
        let fields: Vec<&String> = public.as_object().unwrap().keys().collect();
        assert_eq!(
            fields,
            ["alg", "key_id", "not_before", "office", "public_key"],
            "only the public half leaves the office: {line}"
        );
        std::fs::write(keys.join(format!("{id}.json")), line).unwrap();
        let again = xunlian(&["pki", "sign-key", "--out", &key, "--node", id]);
        assert!(!again.status.success(), "a key is never replaced");
    }
}

/// The CA's step: `pki manifest` over the public lines in `keys`, unsigned
/// records dated before `unsigned_before` (`now` or RFC 3339) passing as
/// legacy; the manifest's file and its `unsigned_before`.
fn sign_manifest(net: &Net, keys: &Path, unsigned_before: &str) -> (PathBuf, DateTime<Utc>) {
    let work = net.dir.path();
    let tree = work.join("tree.toml");
    std::fs::write(&tree, chain()).unwrap();
    let manifest = work.join("manifest.json");
    let arg = |p: &Path| p.display().to_string();
    let ca = net.root().join("ca");
    let args = [
        "pki",
        "manifest",
        "--ca",
        &arg(&ca),
        "--tree",
        &arg(&tree),
        "--keys",
        &arg(keys),
        "--version",
        "1",
        "--unsigned-before",
        unsigned_before,
        "--out",
        &arg(&manifest),
    ];
    run_ok(&args);
    let signed: Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    let since = serde_json::from_value(signed["manifest"]["unsigned_before"].clone()).unwrap();
    (manifest, since)
}

/// Office `id` (stopped) switches: the manifest in its directory, its
/// `[trust]` section back in its config.
fn switch(net: &Net, id: &str, manifest: &Path, trust: &str) {
    std::fs::copy(manifest, net.nodes[id].dir.join("manifest.json")).unwrap();
    net.append_config(id, trust);
}

/// Stopping every office, signing with `--unsigned-before now` and
/// starting them switched: nothing unsigned is written after the switch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_network_moves_to_signed_records() {
    let mut net = Net::new(&chain());
    let trust = without_trust(&net);
    net.start_all().await;
    let old = net.submit(COUNTY, "finding", finding("切换前的问题")).await;
    let old_id = old["id"].as_str().unwrap().to_string();
    net.wait_for(CENTRAL, &old_id).await;
    assert!(old["signature"].is_null(), "stage 1 signs nothing: {old}");
    for id in OFFICES {
        net.stop(id);
    }

    // The switch: keys at the offices, the manifest at the CA, `[trust]`
    // back in every config.
    let keys = net.dir.path().join("keys");
    make_sign_keys(&net, &keys);
    let (manifest, unsigned_before) = sign_manifest(&net, &keys, "now");
    for id in OFFICES {
        switch(&net, id, &manifest, &trust);
    }
    net.start_all().await;

    // (a) What central held from before reads as legacy.
    assert_eq!(verified(&net, CENTRAL, &old_id).await, "legacy");

    // (b) The county's next finding arrives signed with its new key.
    let new = net.submit(COUNTY, "finding", finding("切换后的问题")).await;
    let new_id = new["id"].as_str().unwrap();
    net.wait_for(CENTRAL, new_id).await;
    assert_eq!(verified(&net, CENTRAL, new_id).await, "signed");
    let county_line: Value =
        serde_json::from_slice(&std::fs::read(keys.join(format!("{COUNTY}.json"))).unwrap())
            .unwrap();
    let at_central = net
        .get_json(CENTRAL, &format!("/api/v1/records/{new_id}"))
        .await;
    assert_eq!(at_central["signature"]["key_id"], county_line["key_id"]);

    // (c, d) With the municipality's certificate, pushed by hand to the
    // province: an unsigned record dated after the switch is refused for
    // its signature; one dated before it still passes as legacy.
    net.stop(COUNTY);
    net.stop(CITY);
    let http = peer_client(&tls_of(&net, CITY), PROVINCE);
    let hello = json!({"node": CITY, "level": "municipal", "name": "西宁",
        "software_version": "0", "generation": "by-hand", "subtree": []});
    peer_post_ok(&net, &http, PROVINCE, "/peer/v1/health", &hello).await;
    let after = finding_record(COUNTY, "切换后未签名的问题");
    let before = dated(
        finding_record(COUNTY, "切换前未签名的问题"),
        unsigned_before - chrono::Duration::minutes(10),
    );
    let push = push_of("by-hand", [&after, &before]);
    let resp = peer_post_ok(&net, &http, PROVINCE, "/peer/v1/push", &push).await;
    assert_eq!(resp["stored"], 1, "{resp}");
    let refused = resp["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{resp}");
    assert_eq!(refused[0]["id"], after["id"], "{resp}");
    let quarantined = net.quarantine(PROVINCE).await;
    let entry = quarantined
        .iter()
        .find(|e| e["record_id"] == after["id"])
        .unwrap_or_else(|| panic!("not quarantined: {quarantined:?}"));
    assert_eq!(entry["code"], "signature", "{entry}");
    assert!(!net.has(PROVINCE, after["id"].as_str().unwrap()).await);
    let before_id = before["id"].as_str().unwrap();
    assert_eq!(verified(&net, PROVINCE, before_id).await, "legacy");
}

/// With the switch time set ahead, offices switch one at a time while the
/// others keep writing: what an office not yet switched writes before that
/// time still passes an upgraded central as legacy, nothing is
/// quarantined anywhere, and once switched the office signs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_switch_time_ahead_offices_switch_one_at_a_time() {
    let mut net = Net::new(&chain());
    let trust = without_trust(&net);
    let keys = net.dir.path().join("keys");
    make_sign_keys(&net, &keys);
    let ahead = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let (manifest, _) = sign_manifest(&net, &keys, &ahead);
    for id in [CENTRAL, PROVINCE] {
        switch(&net, id, &manifest, &trust);
    }
    net.start_all().await;

    let during = net.submit(COUNTY, "finding", finding("切换中的问题")).await;
    let during_id = during["id"].as_str().unwrap();
    assert!(during["signature"].is_null(), "not switched: {during}");
    net.wait_for(CENTRAL, during_id).await;
    assert_eq!(verified(&net, CENTRAL, during_id).await, "legacy");

    for id in [COUNTY, CITY] {
        net.stop(id);
        switch(&net, id, &manifest, &trust);
        net.start(id).await;
    }
    let after = net.submit(COUNTY, "finding", finding("切换后的问题")).await;
    let after_id = after["id"].as_str().unwrap();
    net.wait_for(CENTRAL, after_id).await;
    assert_eq!(verified(&net, CENTRAL, after_id).await, "signed");
    for id in OFFICES {
        assert_eq!(net.quarantine(id).await, Vec::<Value>::new(), "at {id}");
    }
}
