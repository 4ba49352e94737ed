//! Headless Chromium driven over WebDriver (`chromedriver`): open a
//! workbench page, fill and click, save a form, keep a screenshot.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use base64::Engine as _;
use serde_json::{Value, json};

use super::wait_until;

/// A WebDriver session of headless Chromium, through `chromedriver`.
pub struct Browser {
    http: reqwest::Client,
    /// The workbench's `http://ADDRESS`.
    base: String,
    /// `http://127.0.0.1:PORT/session/ID`
    session: String,
    driver: Child,
    shots: PathBuf,
}

/// The key of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    pub async fn start(base: &str, scratch: &Path, shots: &Path) -> Browser {
        std::fs::create_dir_all(shots).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "chromedriver must be installed (tests/run.sh installs Debian's chromium-driver)",
            );
        let http = reqwest::Client::new();
        let root = format!("http://127.0.0.1:{port}");
        wait_until("chromedriver to answer", || {
            let (http, url) = (http.clone(), format!("{root}/status"));
            async move {
                http.get(url)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
            }
        })
        .await;
        let profile = scratch.join(format!("chromium-{}", uuid::Uuid::new_v4()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--window-size=1280,1400", format!("--user-data-dir={}", profile.display()),
            ]}
        }}});
        let resp: Value = http
            .post(format!("{root}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new WebDriver session")
            .json()
            .await
            .unwrap();
        let id = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {resp}"))
            .to_string();
        Browser {
            http,
            base: base.to_string(),
            session: format!("{root}/session/{id}"),
            driver,
            shots: shots.to_path_buf(),
        }
    }

    pub async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.session));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("WebDriver command");
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "WebDriver {path}: {status} {v}");
        v["value"].clone()
    }

    /// Opens the workbench page at `path`.
    pub async fn open(&mut self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    /// Signs in at the login page and waits for `then` (`#who` when
    /// signed in, `.refusal` when refused) on the page the form leads to.
    pub async fn sign_in(&mut self, user: &str, password: &str, then: &str) {
        self.open("/wb/login").await;
        self.type_into("#user", user).await;
        self.type_into("#password", password).await;
        self.click("#sign-in").await;
        self.wait_for(then).await;
    }

    /// Types into the form field named `name` (its id is `f-NAME`).
    pub async fn fill(&mut self, name: &str, value: &str) {
        self.type_into(&format!("#f-{}", name.replace('.', "\\.")), value)
            .await;
    }

    pub async fn fill_all(&mut self, fields: &[(&str, &str)]) {
        for (name, value) in fields {
            self.fill(name, value).await;
        }
    }

    /// Submits the form and waits for it to be saved: the saved line.
    pub async fn save(&mut self) -> String {
        self.click("#submit").await;
        self.text("#saved").await
    }

    pub async fn try_find(&self, css: &str) -> Option<String> {
        let resp = self
            .http
            .post(format!("{}/element", self.session))
            .json(&json!({"using": "css selector", "value": css}))
            .send()
            .await
            .ok()?;
        let v: Value = resp.json().await.ok()?;
        v["value"][ELEMENT].as_str().map(str::to_string)
    }

    /// Waits for an element matching `css`; its reference.
    pub async fn wait_for(&self, css: &str) -> String {
        let deadline = tokio::time::Instant::now() + crate::common::PATIENCE;
        loop {
            if let Some(e) = self.try_find(css).await {
                return e;
            }
            if tokio::time::Instant::now() > deadline {
                let raw = self
                    .http
                    .post(format!("{}/element", self.session))
                    .json(&json!({"using": "css selector", "value": css}))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                panic!("no {css} on the page ({raw}):\n{}", self.source().await);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    pub async fn type_into(&mut self, css: &str, value: &str) {
        let e = self.wait_for(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            Some(json!({"text": value})),
        )
        .await;
    }

    /// Sets an input's value directly (date inputs read keystrokes by locale).
    pub async fn set_value(&mut self, css: &str, value: &str) {
        let e = self.wait_for(css).await;
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": "arguments[0].value = arguments[1];",
                        "args": [{ELEMENT: e}, value]})),
        )
        .await;
    }

    pub async fn click(&mut self, css: &str) {
        let e = self.wait_for(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Picks the option `value` of the select named `name`.
    pub async fn select(&mut self, name: &str, value: &str) {
        self.click(&format!(
            "select[name=\"{name}\"] option[value=\"{value}\"]"
        ))
        .await;
    }

    pub async fn text(&self, css: &str) -> String {
        let e = self.wait_for(css).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{e}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn source(&self) -> String {
        self.cmd(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// A PNG of the page, under the test's directory and in
    /// `target/screenshots/`.
    pub async fn screenshot(&self, name: &str) {
        let b64 = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        let path = self.shots.join(name);
        std::fs::write(&path, &png).unwrap();
        let kept = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .unwrap()
            .join("screenshots");
        std::fs::create_dir_all(&kept).unwrap();
        std::fs::copy(&path, kept.join(name)).unwrap();
        eprintln!("workbench screenshot: {}", kept.join(name).display());
    }

    pub async fn quit(mut self) {
        let _ = self.http.delete(&self.session).send().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
