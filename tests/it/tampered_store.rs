//! A relay's store altered behind its back (issue 18, must-show 2): a byte
//! of a county's finding changed in the municipal store file while the
//! municipality is stopped. The province refuses the altered copy for its
//! signature and quarantines it; the municipality finds its copy damaged,
//! drops it and asks the county to send it again; the original reaches
//! central, and nothing altered is ever stored above the municipality.
//! And the same for a record on its way down.

use serde_json::json;

use crate::common::tree::TreeBuilder;
use crate::common::{Net, finding, test_crypto, wait_until};

/// Text in the finding that the test alters in the store file, and what
/// it becomes: one byte apart.
const ORIGINAL: &[u8] = b"original-7f3a9c";
const ALTERED: &[u8] = b"original-7f3a9d";

/// Replaces every occurrence of `from` in `bytes` with `to` (same length);
/// returns how many there were.
fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) -> usize {
    let mut hits = 0;
    let mut at = 0;
    while let Some(i) = bytes[at..].windows(from.len()).position(|w| w == from) {
        let start = at + i;
        bytes[start..start + to.len()].copy_from_slice(to);
        hits += 1;
        at = start + to.len();
    }
    hits
}

/// Central > 青海 > 西宁 > 城东区: one relay (the municipality) between
/// the county and the province.
fn chain() -> Net {
    let tree = TreeBuilder::central()
        .province("630000", "青海省委巡视办")
        .city("630100", "西宁市委巡察办", "630000")
        .county("630102", "城东区委巡察办", "630100");
    Net::new(&tree.toml())
}

/// An insider alters [`ORIGINAL`] to [`ALTERED`] in the municipality's
/// store file while it is stopped (its write-ahead log checkpointed away).
fn alter_the_municipal_store(net: &mut Net) {
    net.stop("630100");
    let file = net.store_file("630100");
    let wal = file.with_extension("db-wal");
    assert!(
        std::fs::read(&wal).map_or(true, |w| patch(&mut w.clone(), ORIGINAL, ALTERED) == 0),
        "the stopped store has no write-ahead log holding the record"
    );
    let mut bytes = std::fs::read(&file).expect("the municipal store file");
    assert!(
        patch(&mut bytes, ORIGINAL, ALTERED) > 0,
        "the record is in the file"
    );
    std::fs::write(&file, bytes).expect("altering the store file");
}

/// Waits until `at` holds record `id` refused with reason `signature`.
async fn quarantined_for_its_signature(net: &Net, at: &str, id: &str) {
    wait_until(&format!("{at} to quarantine the altered copy"), || async {
        net.quarantine(at)
            .await
            .iter()
            .any(|q| q["record_id"] == id && q["code"] == "signature")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finding_altered_in_a_relays_store_is_refused_and_the_original_still_arrives() {
    let mut net = chain();
    net.start_all().await;

    // The province is down: the finding climbs to the municipality and waits.
    net.stop("630000");
    let mut body = finding("篡改测试");
    body["facts"] = json!(std::str::from_utf8(ORIGINAL).unwrap());
    let stored = net.submit("630102", "finding", body).await;
    let id = stored["id"].as_str().expect("an id").to_string();
    // The submit answers with the stored JSON (the signature packed in one
    // string); a read spells out its members.
    let at_county = net
        .get_json("630102", &format!("/api/v1/records/{id}"))
        .await;
    let county_key = at_county["signature"]["key_id"].clone();
    assert!(county_key.is_string(), "the county signed it: {stored}");
    net.wait_for("630100", &id).await;

    // An insider alters one byte of it in the municipal store file.
    alter_the_municipal_store(&mut net);
    net.start("630100").await;
    net.start("630000").await;

    // The province refused the altered copy for its signature.
    quarantined_for_its_signature(&net, "630000", &id).await;
    // The original, sent again by the county, reaches central.
    net.wait_for("000000", &id).await;
    for at in ["630100", "630000", "000000"] {
        let held = net.get_json(at, &format!("/api/v1/records/{id}")).await;
        assert_eq!(
            held["body"]["facts"].as_str().map(str::as_bytes),
            Some(ORIGINAL),
            "{at} holds the original: {held}"
        );
        assert_eq!(held["signature"]["key_id"], county_key, "{at}: {held}");
        assert_eq!(
            held["verified"], "signed",
            "{at} checked it on reading: {held}"
        );
        assert_eq!(
            held["signature"]["alg"],
            test_crypto().suite().as_str(),
            "signed in the network's suite: {held}"
        );
    }
    let log = net.log("630100");
    assert!(
        log.contains("Dropped a copy of a record that was altered in this store"),
        "the municipality says what it found:\n{log}"
    );
    assert!(
        net.log("630102").contains("Sending records again"),
        "the county sent it again"
    );
}

/// The same on the way down: a notice from the province to a county,
/// altered in the municipal store. The county refuses it and says so in
/// its next pull; the municipality drops its copy and asks the province
/// in its own next pull; the province sends it again and the county gets
/// the original.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_altered_on_its_way_down_is_refused_and_the_original_still_arrives() {
    let mut net = chain();
    // The municipality's long poll to the province ends within 2 s, so its
    // ask goes up soon (its default is 25 s).
    net.set_config_line("630100", "peer", "long_poll_secs = 2");
    net.start_all().await;

    // The county is down: the notice stops at the municipality.
    net.stop("630102");
    let notice = json!({
        "title": "督办通知", "text": std::str::from_utf8(ORIGINAL).unwrap(),
        "category": "supervision", "to": ["630102"],
    });
    let stored = net.submit("630000", "notice", notice).await;
    let id = stored["id"].as_str().expect("an id").to_string();
    net.wait_for("630100", &id).await;

    alter_the_municipal_store(&mut net);
    net.start("630100").await;
    net.start("630102").await;

    quarantined_for_its_signature(&net, "630102", &id).await;
    net.wait_for("630102", &id).await;
    let held = net
        .get_json("630102", &format!("/api/v1/records/{id}"))
        .await;
    assert_eq!(
        held["body"]["text"].as_str().map(str::as_bytes),
        Some(ORIGINAL),
        "the county holds the original: {held}"
    );
    assert_eq!(held["verified"], "signed", "{held}");
    assert!(
        net.log("630000").contains("Sending records again"),
        "the province sent it again"
    );
}
