//! Sealed clues against real daemons: a county's clue for its province
//! climbs through the municipality as ciphertext. The municipality's store
//! files (database, WAL, shared memory) hold no byte of its subject or
//! summary and its API shows the sealed box only; the province and the
//! county open it. A clue in clear from an office that has a sealing key
//! is refused on the way. An office makes and rotates its sealing keys
//! with `pki sign-key --seal-out`, and the CA lists them with `pki
//! manifest`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::peer::{peer_client, peer_post_ok, push_of, signed, tls_of};
use crate::common::tree::{TreeBuilder, small_tree};
use crate::common::{Net, run_ok};
use serde_json::{Value, json};

const CENTRAL: &str = "000000";
const PROVINCE: &str = "630000";
const CITY: &str = "630100";
const COUNTY: &str = "630102";

/// The person a clue names, and what it says: unique to this test.
const SUBJECT: &str = "李某某-7c1e";
const SUMMARY: &str = "涉嫌违规收受礼金-7c1e";

/// The network of the tests, with the four offices of the clue's way
/// (central, the province, the municipality, the county) running.
async fn started() -> Net {
    let mut net = Net::new(&small_tree().toml());
    for id in [CENTRAL, PROVINCE, CITY, COUNTY] {
        net.start(id).await;
    }
    net
}

/// Every byte of `id`'s SQLite store files that exist: the database, its
/// WAL and its shared-memory index.
fn store_bytes(net: &Net, id: &str) -> Vec<u8> {
    let db = net.store_file(id);
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", db.display())) {
            bytes.extend(b);
        }
    }
    assert!(!bytes.is_empty(), "no store file at {}", db.display());
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn read_at(net: &Net, id: &str, record: &str) -> Value {
    net.get_json(id, &format!("/api/v1/records/{record}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clue_for_the_province_is_ciphertext_at_the_municipality() {
    let mut net = started().await;
    let body = json!({"transfer_to": "discipline_commission", "managing_level": "provincial",
                      "summary": SUMMARY, "subject": SUBJECT});
    let clue = net.submit(COUNTY, "clue", body.clone()).await;
    let cid = clue["id"].as_str().unwrap().to_string();
    // Submitted again unchanged, it is the same version: the county
    // compares what it opens, not the ciphertext.
    let (status, again) = net
        .post(
            COUNTY,
            "/api/v1/records",
            &json!({"kind": "clue", "id": cid, "body": body}),
        )
        .await;
    assert!((200..300).contains(&status), "{again}");
    assert_eq!(again["version"], 1, "{again}");
    // What the county stored and answered is already sealed.
    let answered = clue.to_string();
    assert!(!answered.contains(SUBJECT), "{answered}");
    assert_eq!(
        clue["body"]["sealed"]["alg"],
        crate::common::test_crypto().seal_suite().to_string(),
        "sealed in the network's suite: {clue}"
    );
    net.wait_for(CITY, &cid).await;
    net.wait_for(PROVINCE, &cid).await;

    // The province, its reader, and the county, its writer, open it.
    for reader in [PROVINCE, COUNTY] {
        let r = read_at(&net, reader, &cid).await;
        assert_eq!(
            (&r["body"]["subject"], &r["body"]["summary"]),
            (&json!(SUBJECT), &json!(SUMMARY)),
            "{reader}: {r}"
        );
        assert_eq!(
            (&r["sealed"], &r["verified"]),
            (&json!("opened"), &json!("signed"))
        );
        assert!(r["body"].get("sealed").is_none(), "{reader}: {r}");
    }
    // Routing read nothing sealed: the clue stopped at the province.
    assert!(!net.has(CENTRAL, &cid).await);

    // The municipality's files hold the record, but none of its content.
    net.kill(CITY);
    let bytes = store_bytes(&net, CITY);
    assert!(contains(&bytes, &cid), "the clue is not in {CITY}'s store");
    for secret in [SUBJECT, SUMMARY] {
        assert!(!contains(&bytes, secret), "{CITY}'s store holds {secret:?}");
    }

    // Restarted, its API shows the sealed box only.
    net.start(CITY).await;
    let r = read_at(&net, CITY, &cid).await;
    let text = r.to_string();
    assert!(!text.contains(SUBJECT) && !text.contains(SUMMARY), "{text}");
    assert_eq!(r["sealed"], "closed", "{r}");
    assert_eq!(r["verified"], "signed", "{r}");
    assert_eq!(
        r["body"]["sealed"]["to"].as_array().unwrap().len(),
        2,
        "{r}"
    );
    assert_eq!(r["body"]["managing_level"], "provincial", "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clue_in_clear_from_a_sealing_office_is_refused() {
    let mut net = Net::new(&small_tree().toml());
    net.start(CENTRAL).await;
    net.start(PROVINCE).await;
    // The municipality relays a clue of its county in clear, signed with
    // the county's key (a county on a build that does not seal).
    let http = peer_client(&tls_of(&net, CITY), PROVINCE);
    let hello = json!({"node": CITY, "level": "municipal", "name": "西宁",
        "software_version": "0", "generation": "relay", "subtree": []});
    peer_post_ok(&net, &http, PROVINCE, "/peer/v1/health", &hello).await;
    let now = chrono::Utc::now().to_rfc3339();
    let clear = json!({
        "id": uuid::Uuid::new_v4().to_string(), "kind": "clue", "origin": COUNTY,
        "version": 1, "created_at": now, "updated_at": now, "classification": "secret",
        "route": {"up_to": "provincial"},
        "body": {"transfer_to": "discipline_commission", "managing_level": "provincial",
                 "summary": SUMMARY, "subject": SUBJECT},
    });
    let clear = signed(clear, &net.sign_key(COUNTY));
    let push = push_of("relay", [&clear]);
    let resp = peer_post_ok(&net, &http, PROVINCE, "/peer/v1/push", &push).await;
    assert_eq!(resp["stored"], 0, "{resp}");
    let reason = resp["refused"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("in clear"), "{resp}");
    let q = net.quarantine(PROVINCE).await;
    let entry = q.iter().find(|e| e["record_id"] == clear["id"]);
    assert_eq!(entry.map(|e| &e["code"]), Some(&json!("schema")), "{q:?}");
    assert!(!net.has(PROVINCE, clear["id"].as_str().unwrap()).await);
}

/// `pki sign-key` for `office` with its keys in `dir`: the public line.
fn sign_key_line(dir: &Path, office: &str, sign: &str) -> Value {
    let (sign, seal) = (dir.join(sign), dir.join("seal.key"));
    let line = run_ok(&[
        "pki",
        "sign-key",
        "--out",
        sign.to_str().unwrap(),
        "--seal-out",
        seal.to_str().unwrap(),
        "--node",
        office,
    ]);
    serde_json::from_str(line.trim()).unwrap()
}

#[test]
fn sealing_keys_are_made_and_rotated_at_the_office_and_listed_by_the_ca() {
    let work = tempfile::tempdir().unwrap();
    let path = |p: &str| work.path().join(p).display().to_string();
    run_ok(&["pki", "init", "--dir", &path("ca")]);
    let central = work.path().join(CENTRAL);
    let province = work.path().join(PROVINCE);
    std::fs::create_dir_all(&central).unwrap();
    std::fs::create_dir_all(&province).unwrap();

    let first = sign_key_line(&province, PROVINCE, "sign.key");
    let fields: Vec<&String> = first["seal"].as_object().unwrap().keys().collect();
    assert_eq!(fields, ["alg", "key_id", "public_key"], "{first}");
    assert_eq!(first["seal"]["alg"], "hpke-x25519-sha256-aes256gcm");
    // A new key joins the old one in seal.key: older clues still open.
    let second = sign_key_line(&province, PROVINCE, "sign-2.key");
    let seal = province.join("seal.key");
    let held = format!("{:?}", xunlian::trust::OpeningKeys::load(&seal).unwrap());
    for line in [&first, &second] {
        let kid = line["seal"]["key_id"].as_str().unwrap();
        assert!(held.contains(kid), "{held} lacks {kid}");
    }
    let mode = std::fs::metadata(&seal).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // The CA lists the newest line's sealing key; an office without one
    // (central, keys made before sealing) is listed without.
    let central_line = run_ok(&[
        "pki",
        "sign-key",
        "--out",
        central.join("sign.key").to_str().unwrap(),
        "--node",
        CENTRAL,
    ]);
    let keys = work.path().join("keys.jsonl");
    std::fs::write(&keys, format!("{central_line}{second}\n")).unwrap();
    let tree = work.path().join("tree.toml");
    std::fs::write(
        &tree,
        TreeBuilder::central().province(PROVINCE, "青海").toml(),
    )
    .unwrap();
    run_ok(&[
        "pki",
        "manifest",
        "--ca",
        &path("ca"),
        "--tree",
        tree.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
        "--version",
        "2",
        "--out",
        &path("manifest.json"),
    ]);
    let signed: Value =
        serde_json::from_slice(&std::fs::read(path("manifest.json")).unwrap()).unwrap();
    let offices = signed["manifest"]["offices"].as_array().unwrap();
    let listed = |id: &str| offices.iter().find(|o| o["id"] == id).unwrap().clone();
    assert_eq!(
        listed(PROVINCE)["seal_keys"][0]["key_id"],
        second["seal"]["key_id"]
    );
    assert!(listed(CENTRAL).get("seal_keys").is_none(), "{signed}");
}
