//! Test harness: real `xunlian daemon` processes on loopback ports with a
//! PKI and configs written by `network init`, driven through the operator
//! API. Each test gets its own temporary directory and free ports.
//! The network benchmarks (`bench/network.rs`, `bench/children.rs`) drive
//! their daemons with it too.

pub mod api;
pub mod browser;
pub mod desk;
pub mod peer;
pub mod ports;
pub mod practice;
pub mod proxy;
pub mod store;
pub mod tree;

pub use store::{create_database, postgres_admin_url};

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

    /// `xunlian submit --config <id's> --kind KIND --file FILE ARGS…`, FILE
    /// being `name` in the network's directory holding `contents`.
    pub fn submit_file(
        &self,
        id: &str,
        kind: &str,
        (name, contents): (&str, &str),
        args: &[&str],
    ) -> std::process::Output {
        let file = self.dir.path().join(name);
        std::fs::write(&file, contents).expect("write the file to submit");
        let config = self.config_arg(id);
        let mut all = vec!["submit", "--config", &config, "--kind", kind, "--file"];
        all.push(file.to_str().expect("a UTF-8 temp path"));
        all.extend_from_slice(args);
        xunlian(&all)
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

    pub fn log(&self, id: &str) -> String {
        std::fs::read_to_string(self.log_path(id)).unwrap_or_default()
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
