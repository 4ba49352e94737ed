//! Quarantine operations against real daemons: records a parent refused
//! are listed with their code; `xunlian quarantine retry` runs them
//! through the same checks again once the cause is fixed (they then travel
//! on to their destination) and keeps those still refused with the new
//! reason; `discard` drops them; both log who and why, and an unknown id
//! changes nothing.

use crate::common::peer::{finding_record, peer_client, peer_post_ok, push_of, signed, tls_of};
use crate::common::tree::small_tree;
use crate::common::{Net, text, xunlian};
use serde_json::{Value, json};

/// The province's record limit while the cause stands: below a finding.
const TIGHT_LIMIT: usize = 256;

/// Runs `xunlian quarantine ARGS…`, checks that it succeeds (or fails,
/// with `ok` false) saying `says`, and returns its standard output and
/// error.
fn quarantine(args: &[&str], ok: bool, says: &str) -> String {
    let out = xunlian(&[&["quarantine"], args].concat());
    let said = text(&out);
    assert_eq!(out.status.success(), ok, "{args:?}: {said}");
    assert!(said.contains(says), "{args:?} should say {says:?}: {said}");
    said
}

/// The province's quarantine entries, by the record they hold.
async fn entry_of(net: &Net, record: &Value) -> Option<Value> {
    net.quarantine("630000")
        .await
        .into_iter()
        .find(|e| e["record_id"] == record["id"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_records_are_retried_once_the_cause_is_fixed_or_discarded() {
    let mut net = Net::new(&small_tree().toml());
    // A policy of the province's config its operator can fix: a record
    // limit below the size of a finding.
    net.set_config_line(
        "630000",
        "peer",
        &format!("max_record_bytes = {TIGHT_LIMIT}"),
    );
    net.start("630000").await;
    let province = net.config_arg("630000");

    // The municipality says hello before its county ever connected, so it
    // announces nothing below it, then pushes two findings its county
    // wrote (signed with the county's key: genuine records): they are over
    // the province's record limit and refused.
    let http = peer_client(&tls_of(&net, "630100"), "630000");
    let hello = json!({"node": "630100", "level": "municipal", "name": "西宁",
        "software_version": "0", "generation": "early", "subtree": []});
    peer_post_ok(&net, &http, "630000", "/peer/v1/health", &hello).await;
    let county_key = net.sign_key("630102");
    let (early, other) = (
        signed(finding_record("630102", "先到的问题"), &county_key),
        signed(finding_record("630102", "重复的问题"), &county_key),
    );
    for r in [&early, &other] {
        assert!(serde_json::to_string(r).unwrap().len() > TIGHT_LIMIT);
    }
    let push = push_of("early", [&early, &other]);
    let resp = peer_post_ok(&net, &http, "630000", "/peer/v1/push", &push).await;
    assert_eq!(resp["refused"].as_array().map(Vec::len), Some(2), "{resp}");

    // Listed with the code, as JSON and for people.
    let json = quarantine(&["list", "--config", &province, "--json"], true, "");
    let listed: Vec<Value> = serde_json::from_str(&json).unwrap();
    let e = listed
        .iter()
        .find(|e| e["record_id"] == early["id"])
        .unwrap();
    assert_eq!(
        (&e["code"], &e["peer"], &e["kind"]),
        (&json!("too_large"), &json!("630100"), &json!("finding"))
    );
    let early_q = e["id"].to_string();
    let other_q = entry_of(&net, &other).await.unwrap()["id"].to_string();
    // People read the refusal by its name; scripts have the code in --json.
    let table = quarantine(&["list", "--config", &province], true, "超过大小上限");
    assert!(table.starts_with("编号"), "{table}");
    assert!(table.contains(early["id"].as_str().unwrap()), "{table}");
    let english = quarantine(
        &["list", "--config", &province, "--lang", "en"],
        true,
        "too large",
    );
    assert!(
        english.starts_with("ID\tWHEN\tFROM\tRECORD\tKIND\tREFUSED AS\tDETAIL")
            && english.contains("\tfinding\t"),
        "{english}"
    );
    let page = net.get_text("630000", "/").await;
    assert!(
        page.contains("<th>拒收类别</th>")
            && page.contains("<span title=\"too_large\">超过大小上限</span>"),
        "the dashboard names the refusal, its code on hover"
    );

    // Retried before the cause is fixed: refused again, kept with the reason.
    let said = quarantine(
        &["retry", "--config", &province, &early_q],
        false,
        "已重新接收 0 条，仍被拒绝 1 条",
    );
    let limit = format!("exceeds the limit of {TIGHT_LIMIT} bytes");
    assert!(said.contains(&limit), "{said}");
    let kept = entry_of(&net, &early).await.expect("still quarantined");
    assert_eq!(kept["code"], "too_large");

    // An unknown id is named, and nothing else changes: the known one is
    // neither retried nor discarded with it. Discarding needs a reason.
    let unknown = "no quarantine entry 999999";
    quarantine(
        &["retry", "-c", &province, &early_q, "999999"],
        false,
        unknown,
    );
    let discard = ["discard", "-c", &province, &other_q, "999999", "--why", "x"];
    quarantine(&discard, false, unknown);
    quarantine(&["discard", "-c", &province, &other_q], false, "--why");
    let other_id = other_q.parse::<i64>().unwrap();
    for (path, body, want) in [
        ("discard", json!({"ids": [other_id]}), 400),
        ("discard", json!({"ids": [other_id], "why": "  "}), 400),
        ("retry", json!({"ids": []}), 400),
        ("retry", json!({"ids": [other_id, 999999]}), 404),
    ] {
        let path = format!("/api/v1/quarantine/{path}");
        let (status, answer) = net.post("630000", &path, &body).await;
        assert_eq!(status, want, "{path} {body}: {answer}");
    }
    assert_eq!(net.quarantine("630000").await.len(), 2);

    // The cause is fixed: the province restarts with the default limit,
    // and the rest of the tree connects. The retry re-admits the finding,
    // which travels on to central like any record.
    net.stop("630000");
    net.set_config_line("630000", "peer", "max_record_bytes = 262144");
    net.start("630000").await;
    net.start("000000").await;
    net.start("630100").await;
    net.start("630102").await;
    net.wait_knows("630000", &["630102"]).await;
    let retry = [
        "retry",
        "-c",
        &province,
        &early_q,
        "--why",
        "已放宽记录上限",
    ];
    quarantine(&retry, true, "已重新接收 1 条");
    net.wait_for("000000", early["id"].as_str().unwrap()).await;
    assert!(entry_of(&net, &early).await.is_none());

    // The other is discarded, with who and why in the log.
    let discard = ["discard", "-c", &province, &other_q, "--why", "重复报送"];
    quarantine(&discard, true, "已丢弃 1 条");
    assert!(net.quarantine("630000").await.is_empty());
    assert!(!net.has("630000", other["id"].as_str().unwrap()).await);

    let token = net.token_of("630000");
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let who = xunlian::hex::encode(&digest.as_ref()[..4]);
    let log = net.log("630000");
    let line = |what: &str| {
        log.lines()
            .find(|l| l.contains(what))
            .unwrap_or_else(|| panic!("no log line {what:?} in\n{log}"))
            .to_string()
    };
    let retried = line("all re-admitted");
    assert!(
        retried.contains(&who) && retried.contains("已放宽记录上限"),
        "{retried}"
    );
    let again = line("some were refused again");
    assert!(again.contains(&who) && again.contains(&early_q), "{again}");
    let discarded = line("Operator discarded");
    assert!(
        discarded.contains(&who) && discarded.contains("重复报送") && discarded.contains(&other_q),
        "{discarded}"
    );
    assert!(!log.contains(&token), "the token itself is never logged");
}
