//! `Net`'s side of the operator API: submit and query records, read a
//! node's status, quarantine and metrics, and wait for a record or an
//! office to arrive, naming where a record is when it does not.

use serde_json::{Value, json};

use super::*;

impl Net {
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
}
