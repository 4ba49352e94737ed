//! The workbench on the office LAN: an operator listener off loopback
//! needs `[operator.tls]` (the node refuses to start without it, in
//! Chinese, naming the keys); with it the workbench and the API answer
//! over HTTPS only — plain HTTP to that port fails — the session cookie
//! is `Secure`, answers carry HSTS, and `xunlian status` finds its way
//! with the CA from the config. Repeated failed sign-ins lock the name
//! and the address out, the right password too, until the lock ends.
//! Every connection goes to 127.0.0.1: the traffic stays on loopback.

use serde_json::json;

use crate::common::tree::small_tree;
use crate::common::{Net, text, wait_healthy, wait_until, xunlian};

const COUNTY: &str = "630102";
const PASSWORD: &str = "clerk-password-1";
const FORM: &str = "application/x-www-form-urlencoded";

/// Moves `id`'s operator listener from 127.0.0.1 to every address (the
/// office LAN), same port.
fn listen_on_the_lan(net: &Net, id: &str) {
    let addr = net.nodes[id].operator_addr;
    let path = &net.nodes[id].config;
    let config = std::fs::read_to_string(path).unwrap();
    let loopback = format!("listen = \"{addr}\"");
    assert!(config.contains(&loopback), "{config}");
    let lan = format!("listen = \"0.0.0.0:{}\"", addr.port());
    std::fs::write(path, config.replace(&loopback, &lan)).unwrap();
}

/// An HTTPS client trusting only the network's CA, not following
/// redirects (the sign-in answers are asserted as they come).
fn https_client(net: &Net) -> reqwest::Client {
    let ca = std::fs::read(net.root().join("ca/ca.pem")).unwrap();
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_listener_off_loopback_without_tls_is_refused_at_start() {
    let net = Net::new(&small_tree().toml());
    listen_on_the_lan(&net, COUNTY);
    let out = xunlian(&["daemon", "--config", &net.config_arg(COUNTY)]);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("operator.listen")
            && said.contains("[operator.tls]")
            && said.contains("不是本机回环地址"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_operator_tls_the_workbench_and_the_api_answer_over_https_only() {
    let mut net = Net::new(&small_tree().toml());
    listen_on_the_lan(&net, COUNTY);
    net.append_config(
        COUNTY,
        "[operator.tls]\ncert = \"node.pem\"\nkey = \"node.key\"\n",
    );
    net.spawn(COUNTY);
    let port = net.nodes[COUNTY].operator_addr.port();
    let base = format!("https://127.0.0.1:{port}");
    let https = https_client(&net);
    wait_healthy(COUNTY, &https, &format!("{base}/healthz")).await;

    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP must not be answered: {plain:?}");

    let token = net.token_of(COUNTY);
    let status = https
        .get(format!("{base}/api/v1/status"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(status.status().as_u16(), 200);
    assert_eq!(
        status.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let added = https
        .post(format!("{base}/api/v1/users"))
        .bearer_auth(&token)
        .json(&json!({"name": "clerk1", "role": "clerk", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(added.status().is_success(), "{:?}", added.text().await);

    let page = https.get(format!("{base}/wb/login")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("id=\"sign-in\""));
    let signed_in = https
        .post(format!("{base}/wb/login"))
        .header("content-type", FORM)
        .body(format!("user=clerk1&password={PASSWORD}"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status().as_u16(), 303);
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("; Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );

    // The county's parent is down, so `status` exits non-zero; what it
    // read over HTTPS is the node's own report.
    let out = xunlian(&["status", "--config", &net.config_arg(COUNTY)]);
    let said = text(&out);
    assert!(said.contains(&format!("节点 {COUNTY}")), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failed_sign_ins_lock_out_even_the_right_password_until_the_lock_ends() {
    let mut net = Net::new(&small_tree().toml());
    net.set_config_line(COUNTY, "operator", "sign_in_lock_secs = 3");
    net.start(COUNTY).await;
    let (status, v) = net
        .post(
            COUNTY,
            "/api/v1/users",
            &json!({"name": "clerk1", "role": "clerk", "password": PASSWORD}),
        )
        .await;
    assert!((200..300).contains(&status), "{v}");
    let base = format!("http://{}", net.nodes[COUNTY].operator_addr);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let sign_in = |password: &'static str| {
        http.post(format!("{base}/wb/login"))
            .header("content-type", FORM)
            .body(format!("user=clerk1&password={password}"))
            .send()
    };

    for attempt in 1..=5 {
        let r = sign_in("wrong-password").await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "attempt {attempt}");
    }
    let sixth = sign_in("wrong-password").await.unwrap();
    assert_eq!(sixth.status().as_u16(), 429);
    let right = sign_in(PASSWORD).await.unwrap();
    assert_eq!(
        right.status().as_u16(),
        429,
        "locked, the right password too"
    );
    assert!(right.headers().contains_key("retry-after"));
    let page = right.text().await.unwrap();
    assert!(page.contains("登录失败次数过多"), "{page}");

    wait_until("the sign-in lock to end", || async {
        sign_in(PASSWORD)
            .await
            .is_ok_and(|r| r.status().as_u16() == 303)
    })
    .await;
    let audit = crate::common::run_ok(&[
        "audit",
        "--config",
        &net.config_arg(COUNTY),
        "--user",
        "clerk1",
    ]);
    assert!(
        audit.contains("登录锁定") && audit.contains("\t登录\t"),
        "{audit}"
    );
}
