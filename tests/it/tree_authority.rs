//! The tree manifest is the authority on who is below whom, against real
//! daemons and a hand-made child holding a real municipal certificate: a
//! hello announcing offices the manifest puts elsewhere (or nowhere) is
//! refused as `tree`; records "from" such offices are refused and never
//! stored at the province or central; the real office's own records still
//! arrive. And a newer manifest put at central reaches every office.

use crate::common::peer::{finding_record, peer_client, peer_post, push_of, signed, tls_of};
use crate::common::tree::small_tree;
use crate::common::{Net, finding, wait_until};
use serde_json::{Value, json};

/// The small tree and a second province holding 东城区 (110101).
fn two_provinces() -> String {
    small_tree()
        .province("110000", "北京市委巡视办")
        .city("110100", "北京市辖区巡察办", "110000")
        .county("110101", "东城区委巡察办", "110100")
        .toml()
}

/// 630100's hello to the province announcing `subtree`.
fn hello(subtree: Value) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"node": "630100", "level": "municipal", "name": "西宁",
        "software_version": "0", "generation": "forger", "subtree": subtree}),
    )
    .unwrap()
}

fn county(id: &str, parent: &str) -> Value {
    json!({"node": id, "parent": parent, "level": "county", "name": id})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_municipality_cannot_speak_for_offices_it_does_not_own() {
    let mut net = Net::new(&two_provinces());
    net.start("000000").await;
    net.start("630000").await;
    let http = peer_client(&tls_of(&net, "630100"), "630000");

    // (a) Announcing another province's county, or one that does not
    // exist, is refused with the reason `tree`, alone or among true ones.
    for (what, subtree) in [
        (
            "another province's county",
            json!([county("110101", "630100")]),
        ),
        ("a nonexistent county", json!([county("630299", "630100")])),
        (
            "both, beside a true one",
            json!([
                county("630102", "630100"),
                county("110101", "630100"),
                county("630299", "630100")
            ]),
        ),
    ] {
        let (status, body) = peer_post(&net, &http, "630000", "/peer/v1/health", hello(subtree))
            .await
            .unwrap();
        assert_eq!(
            (status, &body["reason"]),
            (403, &json!("tree")),
            "{what}: {body}"
        );
    }
    let log = net.log("630000");
    let line = log
        .lines()
        .rev()
        .find(|l| l.contains("contradicts the tree manifest"))
        .unwrap_or_else(|| panic!("no warn line in\n{log}"));
    assert!(
        line.contains("WARN") && line.contains("630100") && line.contains("110101, 630299"),
        "{line}"
    );
    assert!(
        !line.contains("630102"),
        "a true office is not named: {line}"
    );
    let metrics = net.metrics("630000").await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("xunlian_link_refusals_total")
                && l.contains("peer=\"630100\"")
                && l.contains("reason=\"tree\"")
                && l.ends_with(" 3")),
        "{metrics}"
    );
    let status = net.status("630000").await;
    assert!(
        status.to_string().contains("630102"),
        "an office that never connected is known: {status}"
    );

    // (b) After a truthful hello, records whose origins the manifest puts
    // elsewhere or nowhere are refused and quarantined; a true one beside
    // them travels on.
    let (status, body) = peer_post(&net, &http, "630000", "/peer/v1/health", hello(json!([])))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    // The record "from" 110101 carries 110101's own signature, so nothing
    // but its place in the tree refuses it; 630299 has no key, so its
    // record is signed by the sender, 630100. The true one is signed by
    // its origin, 630102.
    let forged = [
        signed(
            finding_record("110101", "冒名的问题"),
            &net.sign_key("110101"),
        ),
        signed(
            finding_record("630299", "虚构的问题"),
            &net.sign_key("630100"),
        ),
    ];
    let true_one = signed(
        finding_record("630102", "真实的问题"),
        &net.sign_key("630102"),
    );
    let push = serde_json::to_vec(&push_of("forger", forged.iter().chain([&true_one]))).unwrap();
    let (status, resp) = peer_post(&net, &http, "630000", "/peer/v1/push", push)
        .await
        .unwrap();
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["refused"].as_array().map(Vec::len), Some(2), "{resp}");
    net.wait_for("000000", true_one["id"].as_str().unwrap())
        .await;
    let quarantined = net.quarantine("630000").await;
    for r in &forged {
        let id = r["id"].as_str().unwrap();
        let e = quarantined
            .iter()
            .find(|e| e["record_id"] == r["id"])
            .unwrap_or_else(|| panic!("{id} not quarantined: {quarantined:?}"));
        assert_eq!(e["code"], "not_allowed", "{e}");
        for office in ["630000", "000000"] {
            assert!(!net.has(office, id).await, "{id} stored at {office}");
        }
    }

    // (c) The real 东城区 connects through its own tree; its records
    // reach central, and the forged ones still never arrive anywhere.
    for id in ["110000", "110100", "110101"] {
        net.start(id).await;
    }
    let own = net
        .submit("110101", "finding", finding("东城区自己的问题"))
        .await;
    net.wait_for("000000", own["id"].as_str().unwrap()).await;
    for r in &forged {
        let id = r["id"].as_str().unwrap();
        for office in ["630000", "000000", "110000", "110100"] {
            assert!(!net.has(office, id).await, "{id} stored at {office}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_manifest_at_central_reaches_every_office() {
    let mut net = Net::new(&small_tree().toml());
    // A node that takes a new manifest asks its children to say hello
    // again at their next push: health every 2 s makes one.
    let offices = [
        "000000", "630000", "630100", "630102", "630103", "630200", "630202",
    ];
    for id in offices {
        net.set_config_line(id, "schedules", "health = \"*/2 * * * * *\"");
    }
    net.start_all().await;
    let central = net.root().join("000000/manifest.json");
    let mut m = xunlian::trust::SignedManifest::from_json(&std::fs::read(&central).unwrap())
        .unwrap()
        .manifest;
    m.version = 2;
    let ca = xunlian::trust::SigningKey::load(&net.root().join("ca/ca.key")).unwrap();
    let json = xunlian::trust::sign(m, &ca).unwrap().to_json().unwrap();
    std::fs::write(&central, json).unwrap();
    net.stop("000000");
    net.start("000000").await;
    for office in &offices[1..] {
        wait_until(&format!("{office} to take manifest version 2"), || {
            let log = net.log(office);
            async move {
                log.lines()
                    .any(|l| l.contains("Took a newer tree manifest") && l.contains("version=2"))
            }
        })
        .await;
    }
}

/// `manifest` with county 630103 moved under 630200, at `version`.
fn moved_630103(manifest: &xunlian::trust::Manifest, version: u64) -> xunlian::trust::Manifest {
    let mut m = manifest.clone();
    let offices = m
        .offices
        .iter()
        .cloned()
        .map(|mut o| {
            if o.id.as_str() == "630103" {
                o.parent = Some("630200".parse().unwrap());
            }
            o
        })
        .collect();
    m.offices = xunlian::trust::Offices::new(offices).unwrap();
    m.version = version;
    m
}

/// How many times `id` refused its manifest file.
fn refusals(net: &Net, id: &str) -> usize {
    net.log(id)
        .lines()
        .filter(|l| l.contains("Refused the tree manifest file"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_manifest_file_in_an_office_dir_changes_nothing() {
    let mut net = Net::new(&small_tree().toml());
    net.start_all().await;
    let file = net.root().join("630100/manifest.json");
    let held = xunlian::trust::SignedManifest::from_json(&std::fs::read(&file).unwrap()).unwrap();

    // Altered after the CA signed it: 630103 moved away, version 2, the
    // CA's signature of version 1 kept.
    let mut altered = held.clone();
    altered.manifest = moved_630103(&held.manifest, 2);
    std::fs::write(&file, altered.to_json().unwrap()).unwrap();
    wait_until("630100 to refuse the altered manifest", || {
        let n = refusals(&net, "630100");
        async move { n == 1 }
    })
    .await;

    // Signed, but by a key that is not the network CA's (version 10: a
    // file of another length, so the watcher sees it within the second).
    let foreign = net.root().join("foreign-ca.key");
    let alg = held.manifest.suite;
    let key = xunlian::trust::SigningKey::create(&foreign, alg).unwrap();
    let forged = xunlian::trust::sign(moved_630103(&held.manifest, 10), &key).unwrap();
    std::fs::write(&file, forged.to_json().unwrap()).unwrap();
    wait_until("630100 to refuse the foreign-signed manifest", || {
        let n = refusals(&net, "630100");
        async move { n == 2 }
    })
    .await;

    // 630100 still holds 630103 as its child: the county's finding reaches
    // central through it, and nothing was taken or quarantined.
    let f = net
        .submit("630103", "finding", finding("伪造清单之后的问题"))
        .await;
    net.wait_for("000000", f["id"].as_str().unwrap()).await;
    let links = net.status("630100").await["links"].clone();
    assert!(
        links
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["peer"] == "630103"),
        "{links:#}"
    );
    assert!(!net.log("630100").contains("Took a newer tree manifest"));
    for id in ["000000", "630000", "630100"] {
        assert!(net.quarantine(id).await.is_empty(), "{id}");
    }
}
