//! Offline bundles (`xunlian bundle export|import`): a county whose link to
//! its parent never connects carries its findings up and its parent's
//! plans and notices down on files; each bundle carries only what is new,
//! importing twice stores nothing, the acks of one direction trim the
//! other's outbox, and a tampered bundle is refused whole.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::tree::TreeBuilder;
use crate::common::{Net, finding, run_ok, text, xunlian};

const COUNTY: &str = "630102";
const CITY: &str = "630100";

/// `xunlian bundle export` at `office` (for `peer` if given) into `out`:
/// the bundle written.
fn export(net: &Net, office: &str, peer: Option<&str>, out: &Path) -> Value {
    export_with(net, office, peer, out, &[])
}

/// [`export`] with more arguments (`--all`).
fn export_with(net: &Net, office: &str, peer: Option<&str>, out: &Path, more: &[&str]) -> Value {
    let cfg = net.config_arg(office);
    let out_arg = out.display().to_string();
    let mut args = vec!["bundle", "export", "--config", &cfg, "--out", &out_arg];
    if let Some(p) = peer {
        args.extend(["--for", p]);
    }
    args.extend(more);
    run_ok(&args);
    serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap()
}

/// `xunlian bundle import --json` at `office`: the node's answer.
fn import(net: &Net, office: &str, file: &Path) -> Value {
    let cfg = net.config_arg(office);
    let f = file.display().to_string();
    serde_json::from_str(&run_ok(&[
        "bundle", "import", "--config", &cfg, "--json", &f,
    ]))
    .unwrap()
}

/// `xunlian bundle import` at `office` of a bundle that must be refused
/// whole: the error text, which names the file.
fn refused(net: &Net, office: &str, file: &Path) -> String {
    let cfg = net.config_arg(office);
    let f = file.display().to_string();
    let out = xunlian(&["bundle", "import", "--config", &cfg, &f]);
    let t = text(&out);
    assert!(!out.status.success(), "a tampered bundle was admitted: {t}");
    assert!(t.contains(&f), "the error names the file: {t}");
    assert!(t.contains("refused whole"), "{t}");
    t
}

/// The ids of a bundle's records, but for health: every office writes its
/// own each second here, so any bundle may carry a new one.
fn ids(bundle: &Value) -> Vec<String> {
    bundle["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["record"]["kind"] != "health")
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

fn id_of(record: &Value) -> String {
    record["id"].as_str().unwrap().to_string()
}

fn write(path: &Path, v: &Value) -> PathBuf {
    std::fs::write(path, serde_json::to_vec(v).unwrap()).unwrap();
    path.to_path_buf()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_carried_both_ways_with_an_office_that_never_connects() {
    let tree = TreeBuilder::central()
        .province("630000", "青海省委巡视办")
        .city(CITY, "西宁市委巡察办", "630000")
        .county(COUNTY, "城东区委巡察办", CITY);
    let mut net = Net::new(&tree.toml());
    // The county's parent address is a port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    net.set_parent_addr(COUNTY, closed);
    net.start_all().await;
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name);

    // Up: the county's finding, on a bundle.
    let first = id_of(&net.submit(COUNTY, "finding", finding("离线问题一")).await);
    let up = export(&net, COUNTY, None, &file("up1.json"));
    assert!(ids(&up).contains(&first), "{up}");

    // Tampered: a record altered, for another office, a signature of
    // another bundle. Each refused whole.
    let altered = up.to_string().replace("离线问题一", "篡改问题一");
    std::fs::write(file("altered.json"), altered).unwrap();
    let why = refused(&net, CITY, &file("altered.json"));
    assert!(why.contains("signature"), "{why}");
    let why = refused(&net, "630000", &file("up1.json"));
    assert!(why.contains(CITY), "{why}");
    assert!(!net.has(CITY, &first).await, "nothing admitted");

    let answer = import(&net, CITY, &file("up1.json"));
    assert!(answer["stored"].as_u64().unwrap() >= 2, "{answer}");
    assert_eq!(answer["refused"], json!([]), "{answer}");
    net.wait_for("000000", &first).await;
    // Twice: nothing new.
    let again = import(&net, CITY, &file("up1.json"));
    assert_eq!(again["stored"], 0, "{again}");

    // The next bundle carries only what is new.
    assert_eq!(
        ids(&export(&net, COUNTY, None, &file("up2.json"))),
        Vec::<String>::new()
    );
    let second = id_of(&net.submit(COUNTY, "finding", finding("离线问题二")).await);
    let up3 = export(&net, COUNTY, None, &file("up3.json"));
    assert!(ids(&up3).contains(&second), "{up3}");
    assert!(ids(&up).iter().all(|i| !ids(&up3).contains(i)), "{up3}");
    import(&net, CITY, &file("up3.json"));
    net.wait_for("000000", &second).await;

    // Down: central's linked round plan and the city's notice.
    let plan = net
        .submit(
            "000000",
            "round_plan",
            json!({"round_id": "bundle-down", "term": "2021-2026", "round_no": 2,
                   "kind": "linked", "title": "联动巡视"}),
        )
        .await;
    let notice = net
        .submit(CITY, "notice", json!({"title": "督办", "text": "离线下发"}))
        .await;
    net.wait_for(CITY, &id_of(&plan)).await;
    let down = export(&net, CITY, Some(COUNTY), &file("down1.json"));
    assert!(ids(&down).contains(&id_of(&plan)), "{down}");
    assert!(ids(&down).contains(&id_of(&notice)), "{down}");
    assert!(
        !ids(&down).contains(&first),
        "the county's own finding stays up"
    );

    // A signature of another bundle on this one: refused whole.
    let mut forged = down.clone();
    forged["signature"] = up["signature"].clone();
    refused(&net, COUNTY, &write(&file("forged.json"), &forged));
    assert!(!net.has(COUNTY, &id_of(&notice)).await, "nothing admitted");

    let answer = import(&net, COUNTY, &file("down1.json"));
    // The city's acks in its bundle trim the county's outbox for it.
    let rest = ids(&export_with(
        &net,
        COUNTY,
        None,
        &file("rest.json"),
        &["--all"],
    ));
    assert!(
        !rest.contains(&first) && !rest.contains(&second),
        "{rest:?}"
    );
    assert_eq!(answer["refused"], json!([]), "{answer}");
    assert!(net.has(COUNTY, &id_of(&plan)).await);
    assert!(net.has(COUNTY, &id_of(&notice)).await);
    assert_eq!(import(&net, COUNTY, &file("down1.json"))["stored"], 0);
    assert_eq!(
        ids(&export(&net, CITY, Some(COUNTY), &file("down2.json"))),
        Vec::<String>::new()
    );
}
