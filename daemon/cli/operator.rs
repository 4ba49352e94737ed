//! The client side of a running node's operator API, found through the
//! node's config file: its address and bearer token, and with
//! `[operator.tls]` HTTPS checked against `operator.tls.ca` (an
//! unspecified listen address is reached on loopback). Every CLI command
//! that talks to a running node goes through here.

use std::path::Path;

use anyhow::{Context, bail};
use serde_json::Value;

use crate::config::Config;
use crate::i18n::{self, t};

/// Address and token of a node's operator API.
pub struct Operator {
    /// `http://ADDR` or `https://ADDR` of the operator listener.
    pub base: String,
    token: String,
    pub http: reqwest::Client,
    /// The node's resolved config (its id, name and level).
    pub config: Config,
}

/// The base URL of `config`'s operator listener and a client for it.
fn client_of(config: &Config) -> anyhow::Result<(String, reqwest::Client)> {
    let mut addr = config.operator_listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let Some(tls) = &config.operator_tls else {
        return Ok((format!("http://{addr}"), reqwest::Client::new()));
    };
    let tls_config = crate::identity::operator_client_config(&tls.ca)
        .with_context(|| format!("operator.tls.ca {}", tls.ca.display()))?;
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config)
        .build()
        .context("building the HTTPS client of the operator API")?;
    Ok((format!("https://{addr}"), http))
}

impl Operator {
    pub fn from_config(path: &Path) -> anyhow::Result<Operator> {
        let config = Config::load(path)?;
        let token = std::fs::read_to_string(&config.token_file)
            .with_context(|| format!("reading operator token {}", config.token_file.display()))?;
        let (base, http) = client_of(&config)?;
        Ok(Operator {
            base,
            token: token.trim().to_string(),
            http,
            config,
        })
    }

    /// `GET base+path`, asking for the command's language.
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        asking(self.http.get(format!("{}{path}", self.base)))
    }

    /// `POST base+path`, asking for the command's language.
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        asking(self.http.post(format!("{}{path}", self.base)))
    }

    /// Sends `req` and returns the JSON answer, or the node's reason.
    pub async fn call(&self, req: reqwest::RequestBuilder) -> anyhow::Result<Value> {
        let resp = self.send(req).await?;
        resp.json().await.context("reading the node's answer")
    }

    /// Like [`Operator::call`], with the value of response header `name`.
    pub async fn call_with_header(
        &self,
        req: reqwest::RequestBuilder,
        name: &str,
    ) -> anyhow::Result<(Value, Option<String>)> {
        let resp = self.send(req).await?;
        let header = resp
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = resp.json().await.context("reading the node's answer")?;
        Ok((body, header))
    }

    /// Like [`Operator::call`], but `None` when the node has no such thing
    /// (HTTP 404).
    pub async fn call_found(&self, req: reqwest::RequestBuilder) -> anyhow::Result<Option<Value>> {
        let resp = req
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| self.unreachable())?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let resp = Self::checked(resp).await?;
        Ok(Some(
            resp.json().await.context("reading the node's answer")?,
        ))
    }

    /// Sends `req` and returns the answer as text (CSV exports).
    pub async fn call_text(&self, req: reqwest::RequestBuilder) -> anyhow::Result<String> {
        let resp = self.send(req).await?;
        resp.text().await.context("reading the node's answer")
    }

    /// Sends `req` and returns the answer's bytes (XLSX exports).
    pub async fn call_bytes(&self, req: reqwest::RequestBuilder) -> anyhow::Result<Vec<u8>> {
        let resp = self.send(req).await?;
        let bytes = resp.bytes().await.context("reading the node's answer")?;
        Ok(bytes.to_vec())
    }

    fn unreachable(&self) -> String {
        t!("node-unreachable", address = &self.base)
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
        let resp = req
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| self.unreachable())?;
        Self::checked(resp).await
    }

    /// The response when it succeeded, else the node's reason as an error.
    async fn checked(resp: reqwest::Response) -> anyhow::Result<reqwest::Response> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        // `reason` in `{code, reason}`; `error`, the body of older nodes.
        let msg = ["reason", "error"]
            .iter()
            .find_map(|k| body.get(k).and_then(Value::as_str))
            .map_or_else(|| t!("node-refused-no-reason"), str::to_string);
        bail!(t!(
            "node-refused",
            status = status.as_u16().to_string(),
            reason = msg
        ));
    }
}

/// `req` with `Accept-Language` naming the command's language, so the
/// node's refusals come in it.
fn asking(req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    req.header(reqwest::header::ACCEPT_LANGUAGE, i18n::current().html())
}
