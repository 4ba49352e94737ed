//! Test harness: real `xunlian daemon` processes on loopback ports with a
//! PKI and configs written by `network init`, driven through the operator
//! API. Each test gets its own temporary directory and free ports.
//! The network benchmarks (`bench/network.rs`, `bench/children.rs`) drive
//! their daemons with it too.

pub mod desk;
pub mod peer;
pub mod ports;
pub mod practice;
pub mod proxy;
pub mod tree;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use xunlian::network::{self, InitOptions, NodeFiles, Tree};

/// How long any awaited condition may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(45);

pub struct Net {
    pub dir: tempfile::TempDir,
    pub nodes: BTreeMap<String, NodeFiles>,
    procs: BTreeMap<String, Child>,
    http: reqwest::Client,
    /// The ports of this network, claimed from every other test's.
    _ports: ports::PortBlock,
    /// Held while a test round is checked and planned, so concurrent
    /// findings plan it once.
    opening_round: tokio::sync::Mutex<()>,
}

/// Runs the `xunlian` binary with `args`.
pub fn xunlian(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xunlian"))
        .args(args)
        // Chinese unless a test asks for English: the locale of the
        // machine running the tests does not choose.
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .output()
        .expect("run xunlian")
}

/// Standard output and error of a run, for assertions and messages.
pub fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The suite the test networks sign with: `XUNLIAN_TEST_CRYPTO=sm` runs
/// the suite on SM2/SM3 (as `tests/run.sh`'s third pass does).
pub fn test_crypto() -> network::Crypto {
    match std::env::var("XUNLIAN_TEST_CRYPTO").as_deref() {
        Ok("sm") => network::Crypto::Sm,
        Ok("standard") | Err(_) => network::Crypto::Standard,
        Ok(other) => panic!("XUNLIAN_TEST_CRYPTO={other:?}: expected `sm` or `standard`"),
    }
}

/// `xunlian ARGS`, which must succeed; its standard output.
pub fn run_ok(args: &[&str]) -> String {
    let out = xunlian(args);
    assert!(out.status.success(), "xunlian {args:?}: {}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

pub fn install_crypto() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

impl Net {
    /// Writes the network of `tree` into a fresh temporary directory.
    pub fn new(tree: &str) -> Net {
        install_crypto();
        let dir = tempfile::tempdir().expect("temp dir");
        let tree = Tree::parse(tree).expect("test tree");
        let ports = ports::PortBlock::claim();
        let opts = InitOptions {
            ports: ports.range,
            retry_max_secs: Some(1),
            // Health every second, stale after three: fast enough for tests.
            health_schedule: Some("* * * * * *".into()),
            health_stale_secs: Some(3),
            crypto: test_crypto(),
            ..InitOptions::default()
        };
        let files = network::init(&tree, &dir.path().join("net"), &opts).expect("network init");
        if let Some(admin) = postgres_admin_url() {
            // The top of the tree on PostgreSQL, as provinces and central run.
            for n in &tree.nodes {
                if n.level.rank() <= xunlian::node::Level::Provincial.rank() {
                    let f = files.iter().find(|f| f.id == n.id).expect("node files");
                    let url = create_database(&admin);
                    let text = std::fs::read_to_string(&f.config).unwrap();
                    let text = text.replace(
                        "url = \"sqlite://data/xunlian.db\"",
                        &format!("url = \"{url}\""),
                    );
                    std::fs::write(&f.config, text).unwrap();
                }
            }
        }
        Net {
            dir,
            nodes: files.into_iter().map(|f| (f.id.to_string(), f)).collect(),
            procs: BTreeMap::new(),
            http: reqwest::Client::new(),
            _ports: ports,
            opening_round: tokio::sync::Mutex::new(()),
        }
    }

    /// Points `id`'s parent URL at `addr` (a fault proxy); call before start.
    pub fn set_parent_addr(&self, id: &str, addr: std::net::SocketAddr) {
        let path = &self.nodes[id].config;
        let text = std::fs::read_to_string(path).unwrap();
        let text: String = text
            .lines()
            .map(|l| {
                if l.starts_with("url = \"https://") {
                    format!("url = \"https://{addr}\"")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(path, text).unwrap();
    }

    /// Adds `line` under `[section]` of `id`'s config (before start),
    /// replacing a line for the same key.
    pub fn set_config_line(&self, id: &str, section: &str, line: &str) {
        let path = &self.nodes[id].config;
        let key = line.split('=').next().unwrap().trim();
        let text = std::fs::read_to_string(path).unwrap();
        let text: String = text
            .lines()
            .filter(|l| l.split('=').next().map(str::trim) != Some(key))
            .map(|l| {
                if l == format!("[{section}]") {
                    format!("{l}\n{line}")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(path, text).unwrap();
    }

    /// Removes `[section]` and its lines from `id`'s config (before
    /// start); the removed text, to put back with [`Net::append_config`].
    pub fn take_config_section(&self, id: &str, section: &str) -> String {
        let path = &self.nodes[id].config;
        let text = std::fs::read_to_string(path).unwrap();
        let (mut kept, mut taken) = (Vec::new(), Vec::new());
        let mut inside = false;
        for line in text.lines() {
            if line.starts_with('[') {
                inside = line == format!("[{section}]");
            }
            if inside { &mut taken } else { &mut kept }.push(line);
        }
        assert!(!taken.is_empty(), "no [{section}] in {}", path.display());
        std::fs::write(path, kept.join("\n") + "\n").unwrap();
        taken.join("\n") + "\n"
    }

    /// Appends `text` (whole sections) to `id`'s config (before start).
    pub fn append_config(&self, id: &str, text: &str) {
        let path = &self.nodes[id].config;
        let old = std::fs::read_to_string(path).unwrap();
        std::fs::write(path, format!("{old}\n{text}")).unwrap();
    }

    /// The process id of `id`'s daemon, if running.
    pub fn pid(&self, id: &str) -> Option<u32> {
        self.procs.get(id).map(|c| c.id())
    }

    /// Whether the daemon of `id` is running (started by this harness).
    pub fn is_running(&self, id: &str) -> bool {
        self.pid(id).is_some()
    }

    /// The config file of `id`, as a command-line argument.
    pub fn config_arg(&self, id: &str) -> String {
        self.nodes[id].config.display().to_string()
    }

    /// The loopback ports this network may take (for `network add-office
    /// --ports`).
    pub fn port_range(&self) -> network::PortRange {
        self._ports.range
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("net")
    }

    pub fn log_path(&self, id: &str) -> PathBuf {
        self.nodes[id].dir.join("daemon.log")
    }

    /// The record-signing key of office `id` (`sign.key` beside its
    /// config, made there by `network init`).
    pub fn sign_key(&self, id: &str) -> PathBuf {
        self.nodes[id].dir.join("sign.key")
    }

    /// Starts the daemon of `id` and waits for its operator API.
    pub async fn start(&mut self, id: &str) {
        self.spawn(id);
        let url = format!("http://{}/healthz", self.nodes[id].operator_addr);
        wait_healthy(id, &self.http, &url).await;
    }

    /// Starts the daemon of `id` without waiting for it (a test that
    /// reaches it some other way, over HTTPS say, waits itself with
    /// [`wait_healthy`]).
    pub fn spawn(&mut self, id: &str) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path(id))
            .expect("log file");
        let child = Command::new(daemon_binary())
            .args(["daemon", "--config"])
            .arg(&self.nodes[id].config)
            .env("RUST_LOG", "info,xunlian=debug")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn xunlian daemon");
        self.procs.insert(id.to_string(), child);
    }

    pub async fn start_all(&mut self) {
        let ids: Vec<String> = self.nodes.keys().cloned().collect();
        for id in ids {
            self.start(&id).await;
        }
    }

    /// SIGKILL, no chance to flush anything.
    pub fn kill(&mut self, id: &str) {
        if let Some(mut c) = self.procs.remove(id) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait for a clean exit.
    pub fn stop(&mut self, id: &str) {
        if let Some(mut c) = self.procs.remove(id) {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let _ = c.wait();
        }
    }

    /// The operator token of `id`.
    pub fn token_of(&self, id: &str) -> String {
        self.token(id)
    }

    /// `GET /metrics` of `id`.
    pub async fn metrics(&self, id: &str) -> String {
        self.http
            .get(self.api(id, "/metrics"))
            .bearer_auth(self.token(id))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text")
    }

    fn token(&self, id: &str) -> String {
        std::fs::read_to_string(self.nodes[id].dir.join("operator.token"))
            .expect("token")
            .trim()
            .to_string()
    }

    fn api(&self, id: &str, path: &str) -> String {
        format!("http://{}{}", self.nodes[id].operator_addr, path)
    }

    /// Submits a record at `id` and returns the stored record. A finding
    /// of [`TEST_ROUND`] first gets its round plan at `id` (see
    /// [`Net::open_test_round`]); a round plan's `round_id` may sit in the
    /// body and is moved to the envelope.
    pub async fn submit(&self, id: &str, kind: &str, mut body: Value) -> Value {
        if kind == "finding" && body["round_id"] == TEST_ROUND {
            self.open_test_round(id).await;
        }
        let mut req = json!({ "kind": kind });
        if kind == "round_plan"
            && let Some(round) = body.as_object_mut().and_then(|b| b.remove("round_id"))
        {
            req["round_id"] = round;
        }
        req["body"] = body;
        let (status, v) = self.post(id, "/api/v1/records", &req).await;
        assert!(
            (200..300).contains(&status),
            "submit at {id} failed: {status} {v}"
        );
        v
    }

    /// Submits a record at `id` expecting a refusal; returns the rule
    /// that refused it and the reason, in English (`Accept-Language: en`):
    /// "refuse-KEY: FIELD: sentence".
    pub async fn refused(&self, id: &str, kind: &str, body: Value) -> String {
        let resp = self
            .http
            .post(self.api(id, "/api/v1/records"))
            .bearer_auth(self.token(id))
            .header("accept-language", "en")
            .json(&json!({"kind": kind, "body": body}))
            .send()
            .await
            .expect("operator API request");
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 422, "expected a refusal at {id}, got {v}");
        format!(
            "{}: {}",
            v["rule"].as_str().unwrap_or("-"),
            v["reason"].as_str().unwrap_or_default()
        )
    }

    /// POSTs `body` to the operator API of `id`: status and JSON answer.
    pub async fn post(&self, id: &str, path: &str, body: &Value) -> (u16, Value) {
        let resp = self
            .http
            .post(self.api(id, path))
            .bearer_auth(self.token(id))
            .json(body)
            .send()
            .await
            .expect("operator API request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// GETs `path` (with its query) from the operator API of `id`.
    pub async fn get_json(&self, id: &str, path: &str) -> Value {
        self.get_ok(id, path)
            .await
            .json()
            .await
            .expect("JSON answer")
    }

    /// GETs `path` from the operator API of `id` as text.
    pub async fn get_text(&self, id: &str, path: &str) -> String {
        self.get_ok(id, path)
            .await
            .text()
            .await
            .expect("text answer")
    }

    async fn get_ok(&self, id: &str, path: &str) -> reqwest::Response {
        let resp = self
            .http
            .get(self.api(id, path))
            .bearer_auth(self.token(id))
            .send()
            .await
            .expect("operator API request");
        assert!(
            resp.status().is_success(),
            "GET {path} at {id}: {}",
            resp.status()
        );
        resp
    }

    /// Files the plan of [`TEST_ROUND`] at `id` unless `id` holds it: a
    /// finding belongs to a round its office planned.
    pub async fn open_test_round(&self, id: &str) {
        let _one_at_a_time = self.opening_round.lock().await;
        let resp = self
            .http
            .get(self.api(id, "/api/v1/records"))
            .query(&[
                ("kind", "round_plan"),
                ("round", TEST_ROUND),
                ("origin", id),
            ])
            .bearer_auth(self.token(id))
            .send()
            .await
            .expect("round query");
        assert!(
            resp.status().is_success(),
            "round query at {id}: {}",
            resp.status()
        );
        if resp
            .json::<Vec<Value>>()
            .await
            .expect("round answer")
            .is_empty()
        {
            let plan = json!({"round_id": TEST_ROUND, "term": "2021-2026", "round_no": 1,
                              "kind": "regular", "title": "测试轮次"});
            Box::pin(self.submit(id, "round_plan", plan)).await;
        }
    }

    /// Records of `kind` held at `id`, in change-log order.
    pub async fn query(&self, id: &str, kind: &str) -> Vec<Value> {
        let resp = self
            .http
            .get(self.api(id, "/api/v1/records"))
            .query(&[("kind", kind), ("limit", "100000")])
            .bearer_auth(self.token(id))
            .send()
            .await
            .expect("query request");
        assert!(
            resp.status().is_success(),
            "query at {id}: {}",
            resp.status()
        );
        resp.json::<Vec<Value>>().await.expect("query answer")
    }

    pub async fn has(&self, id: &str, record_id: &str) -> bool {
        let resp = self
            .http
            .get(self.api(id, &format!("/api/v1/records/{record_id}")))
            .bearer_auth(self.token(id))
            .send()
            .await;
        resp.is_ok_and(|r| r.status().is_success())
    }

    pub async fn status(&self, id: &str) -> Value {
        self.http
            .get(self.api(id, "/api/v1/status"))
            .bearer_auth(self.token(id))
            .send()
            .await
            .expect("status")
            .json()
            .await
            .expect("status json")
    }

    pub async fn quarantine(&self, id: &str) -> Vec<Value> {
        self.http
            .get(self.api(id, "/api/v1/quarantine"))
            .bearer_auth(self.token(id))
            .send()
            .await
            .expect("quarantine")
            .json()
            .await
            .expect("quarantine json")
    }

    /// Waits until `id` holds the record with `record_id`; on timeout the
    /// failure says which offices do hold it and how every link stands.
    pub async fn wait_for(&self, id: &str, record_id: &str) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !self.has(id, record_id).await {
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "timed out waiting for record {record_id} at {id}\n{}",
                    self.whereabouts(record_id).await
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Which running offices hold `record_id` (with its kind, origin and
    /// version), and each one's links, for a failure message.
    async fn whereabouts(&self, record_id: &str) -> String {
        let mut out = String::new();
        for node in self.procs.keys() {
            let held = self
                .http
                .get(self.api(node, &format!("/api/v1/records/{record_id}")))
                .bearer_auth(self.token(node))
                .send()
                .await;
            let held = match held {
                Ok(r) if r.status().is_success() => {
                    let r: Value = r.json().await.unwrap_or_default();
                    format!(
                        "holds it ({} from {} v{})",
                        r["kind"], r["origin"], r["version"]
                    )
                }
                Ok(_) => "does not hold it".to_string(),
                Err(e) => format!("does not answer ({e})"),
            };
            let links = match self
                .http
                .get(self.api(node, "/api/v1/status"))
                .bearer_auth(self.token(node))
                .send()
                .await
            {
                Ok(r) => r
                    .json::<Value>()
                    .await
                    .map(|s| s["links"].to_string())
                    .unwrap_or_default(),
                Err(_) => String::new(),
            };
            out += &format!("  {node}: {held}; links {links}\n");
        }
        out
    }

    /// Waits until `id` knows every office of `offices` below it (their
    /// parents announced them), as its workflow rules and reports see it.
    pub async fn wait_knows(&self, id: &str, offices: &[&str]) {
        wait_until(&format!("{id} to know {offices:?} below it"), || async {
            let rows = self.get_json(id, "/api/v1/reports/coverage").await["rows"].clone();
            let rows = rows.as_array().cloned().unwrap_or_default();
            offices
                .iter()
                .all(|o| rows.iter().any(|r| r["office"] == *o))
        })
        .await;
    }

    /// Waits until `id` holds `n` records of `kind`.
    pub async fn wait_count(&self, id: &str, kind: &str, n: usize) {
        wait_until(&format!("{n} {kind} records at {id}"), || async {
            self.query(id, kind).await.len() >= n
        })
        .await;
    }

    pub fn log(&self, id: &str) -> String {
        std::fs::read_to_string(self.log_path(id)).unwrap_or_default()
    }

    pub fn store_file(&self, id: &str) -> PathBuf {
        self.nodes[id].dir.join("data/xunlian.db")
    }

    /// The store URL `id` runs on (SQLite file or PostgreSQL database).
    pub fn store_url(&self, id: &str) -> String {
        xunlian::config::Config::load(&self.nodes[id].config)
            .expect("config")
            .store_url
    }

    /// A connection pool on `id`'s store, read beside the daemon; close it
    /// when done.
    pub async fn open_store(&self, id: &str) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.store_url(id))
            .await
            .expect("open store")
    }

    /// How many entries of `record_id` `id`'s change log holds.
    pub async fn log_entries_of(&self, id: &str, record_id: &str) -> i64 {
        let pool = self.open_store(id).await;
        let n = sqlx::query_scalar("SELECT COUNT(*) FROM changes WHERE record_id = $1")
            .bind(record_id)
            .fetch_one(&pool)
            .await
            .expect("count changes");
        pool.close().await;
        n
    }

    /// Records of which some version was appended to `id`'s change log
    /// more than once (must be none: applied exactly once in effect). A
    /// parked record re-issued at the log's end is not applied again.
    pub async fn applied_twice(&self, id: &str) -> Vec<String> {
        let pool = self.open_store(id).await;
        let rows = sqlx::query(
            "SELECT record_id FROM changes WHERE reissue_of IS NULL GROUP BY record_id, version HAVING COUNT(*) > 1",
        )
        .fetch_all(&pool)
        .await
        .expect("query changes");
        pool.close().await;
        rows.iter()
            .map(|r| sqlx::Row::get::<String, _>(r, "record_id"))
            .collect()
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        let ids: Vec<String> = self.procs.keys().cloned().collect();
        for id in ids {
            self.kill(&id);
        }
        if std::thread::panicking() {
            // Keep the whole logs, and show their tails, to debug the failure.
            let keep = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join("failed-logs")
                .join(uuid::Uuid::new_v4().to_string());
            let _ = std::fs::create_dir_all(&keep);
            for id in self.nodes.keys() {
                let _ = std::fs::copy(self.log_path(id), keep.join(format!("{id}.log")));
                // And the SQLite stores (with their WAL), to inspect.
                let data = self.nodes[id].dir.join("data");
                for f in std::fs::read_dir(&data).into_iter().flatten().flatten() {
                    let _ = std::fs::copy(
                        f.path(),
                        keep.join(format!("{id}.{}", f.file_name().to_string_lossy())),
                    );
                }
            }
            eprintln!("daemon logs kept in {}", keep.display());
            for id in self.nodes.keys() {
                let log = self.log(id);
                let tail: Vec<&str> = log.lines().rev().take(40).collect();
                eprintln!("---- log of {id} (last {} lines) ----", tail.len());
                for line in tail.iter().rev() {
                    eprintln!("{line}");
                }
            }
        }
    }
}

/// With `XUNLIAN_TEST_STORE=postgres`, the admin URL of the throwaway
/// PostgreSQL that `tests/run.sh` started (`XUNLIAN_TEST_PG`).
pub fn postgres_admin_url() -> Option<String> {
    if std::env::var("XUNLIAN_TEST_STORE").ok().as_deref() != Some("postgres") {
        return None;
    }
    Some(std::env::var("XUNLIAN_TEST_PG").expect(
        "XUNLIAN_TEST_STORE=postgres needs XUNLIAN_TEST_PG (a PostgreSQL admin URL); ./tests/run.sh starts one",
    ))
}

/// Creates a fresh database on the test PostgreSQL; returns its URL.
pub fn create_database(admin: &str) -> String {
    let name = format!("xunlian_{}", uuid::Uuid::new_v4().simple());
    let out = Command::new("psql")
        .args([
            admin,
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            &format!("CREATE DATABASE {name}"),
        ])
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "CREATE DATABASE: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    format!("{base}/{name}")
}

/// Waits until `url` (the `/healthz` of node `id`) answers 200 to `http`.
pub async fn wait_healthy(id: &str, http: &reqwest::Client, url: &str) {
    wait_until(&format!("{id} to answer /healthz"), || async move {
        http.get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
}

/// Polls `cond` until it holds, failing the test after [`PATIENCE`].
pub async fn wait_until<F, Fut>(what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if cond().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The `xunlian` binary daemons run: this build's, or `XUNLIAN_BIN` (a
/// profiling build, say) when set.
pub fn daemon_binary() -> PathBuf {
    std::env::var_os("XUNLIAN_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_xunlian")))
}

/// Copies a SQLite store (with its WAL) to `to`.
pub fn copy_store(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    for suffix in ["", "-wal", "-shm"] {
        let src = PathBuf::from(format!("{}{suffix}", from.display()));
        let dst = PathBuf::from(format!("{}{suffix}", to.display()));
        if src.exists() {
            std::fs::copy(&src, &dst).expect("copy store");
        } else {
            let _ = std::fs::remove_file(&dst);
        }
    }
}

/// The round of the findings [`finding`] writes; [`Net::submit`] plans it
/// at an office before the office's first finding.
pub const TEST_ROUND: &str = "test-2026-1";

/// A finding of [`TEST_ROUND`], in a county's or city's taxonomy.
pub fn finding(title: &str) -> Value {
    json!({ "title": title, "severity": "general", "category": "grassroots_corruption",
            "round_id": TEST_ROUND })
}
