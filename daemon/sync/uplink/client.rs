//! The child's HTTP client to its parent: mutual TLS accepting only the
//! configured parent, the protocol header on every request, gzip above
//! [`COMPRESS_ABOVE`], and [`LinkError`], why a request (and so the
//! session) failed.

use std::time::Duration;

use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::clip::clip;
use crate::identity::ClientTls;
use crate::sync::wire::{
    self, COMPRESS_ABOVE, ErrorBody, PROTOCOL_HEADER, PROTOCOL_VERSION, ProtocolMismatch, Reason,
};

/// Why a session with the parent ended.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// `source` carries no URL (`without_url`): the message says it once.
    #[error("request to {url} failed: {}", with_causes(source))]
    Http { url: String, source: reqwest::Error },
    #[error("parent refused {path}: HTTP {status} ({reason}): {message}")]
    Refused {
        path: &'static str,
        status: StatusCode,
        reason: Reason,
        message: String,
        /// The parent's newer tree manifest, sent with a `tree` refusal.
        manifest: Option<Box<crate::trust::SignedManifest>>,
    },
    #[error("parent answered {path} with an unreadable body: {reason}")]
    BadAnswer { path: &'static str, reason: String },
    #[error("parent presented node id {found}, expected {expected}")]
    WrongParent { found: String, expected: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("TLS setup: {0:#}")]
    Tls(anyhow::Error),
}

impl LinkError {
    /// Whether the parent's host refused the connection: nothing listens
    /// on the parent's port.
    pub fn is_refused(&self) -> bool {
        let LinkError::Http { source, .. } = self else {
            return false;
        };
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(source);
        while let Some(e) = cause {
            if let Some(io) = e.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::ConnectionRefused
            {
                return true;
            }
            cause = e.source();
        }
        false
    }
}

/// An error and its causes, `outer: inner: …` (reqwest's own message
/// says only what failed; the causes say why).
fn with_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

/// One session's connection to the parent at `base_url`.
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    /// The protocol spoken: [`PROTOCOL_VERSION`] until the parent refuses
    /// it for an older one both speak (see [`wire::negotiate`]).
    protocol: std::sync::atomic::AtomicU32,
}

impl Client {
    /// A client presenting this node's certificate and accepting only the
    /// configured parent.
    pub fn new(tls: &ClientTls, base_url: &str) -> Result<Self, LinkError> {
        let config = (*tls.current()).clone();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(90))
            .build()
            .map_err(|e| LinkError::Tls(e.into()))?;
        Ok(Client {
            http,
            base_url: base_url.to_string(),
            protocol: PROTOCOL_VERSION.into(),
        })
    }

    /// The protocol this session speaks with the parent.
    pub fn protocol(&self) -> u32 {
        self.protocol.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Encodes `body`, sends it to `path` and decodes the answer.
    pub async fn post<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &Req,
        timeout: Duration,
    ) -> Result<Resp, LinkError> {
        self.send(path, &Body::encode(path, body)?, timeout).await
    }

    /// Sends an encoded request body and decodes the answer; refused for
    /// its protocol by a parent that speaks an older one both speak, sends
    /// it again in that one, which the session keeps.
    pub async fn send<Resp: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &Body,
        timeout: Duration,
    ) -> Result<Resp, LinkError> {
        let tried = self.protocol();
        match self.send_as(tried, path, body, timeout).await {
            Err(SendError::Mismatch(path, mismatch)) => match wire::negotiate(&mismatch, tried) {
                Some(older) => {
                    tracing::info!(
                        message = "Parent speaks an older protocol; speaking it.",
                        protocol = older,
                        parent_software = %clip(&mismatch.server_software)
                    );
                    self.protocol
                        .store(older, std::sync::atomic::Ordering::Relaxed);
                    self.send_as(older, path, body, timeout)
                        .await
                        .map_err(SendError::into_link_error)
                }
                None => Err(SendError::Mismatch(path, mismatch).into_link_error()),
            },
            other => other.map_err(SendError::into_link_error),
        }
    }

    async fn send_as<Resp: DeserializeOwned>(
        &self,
        protocol: u32,
        path: &'static str,
        body: &Body,
        timeout: Duration,
    ) -> Result<Resp, SendError> {
        let url = format!("{}{}", self.base_url, path);
        let http = |source: reqwest::Error| LinkError::Http {
            url: url.clone(),
            source: source.without_url(),
        };
        let mut req = self
            .http
            .post(&url)
            .header(PROTOCOL_HEADER, protocol.to_string())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(timeout);
        if body.gzip {
            req = req.header(reqwest::header::CONTENT_ENCODING, "gzip");
        }
        let resp = req.body(body.bytes.clone()).send().await.map_err(http)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(http)?;
        if status == StatusCode::UPGRADE_REQUIRED
            && let Ok(mismatch) = serde_json::from_slice::<ProtocolMismatch>(&bytes)
        {
            return Err(SendError::Mismatch(path, Box::new(mismatch)));
        }
        if !status.is_success() {
            let (reason, message, manifest) = serde_json::from_slice::<ErrorBody>(&bytes)
                .map(|b| (b.reason, clip(&b.message), b.manifest.map(Box::new)))
                .unwrap_or_else(|_| {
                    let text = clip(&String::from_utf8_lossy(&bytes));
                    (Reason::Unknown, text, None)
                });
            return Err(LinkError::Refused {
                path,
                status,
                reason,
                message,
                manifest,
            }
            .into());
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            LinkError::BadAnswer {
                path,
                reason: e.to_string(),
            }
            .into()
        })
    }
}

/// Why one send failed: the parent refused the protocol (the child may
/// speak an older one), or anything else.
enum SendError {
    Mismatch(&'static str, Box<ProtocolMismatch>),
    Link(LinkError),
}

impl From<LinkError> for SendError {
    fn from(e: LinkError) -> Self {
        SendError::Link(e)
    }
}

impl SendError {
    fn into_link_error(self) -> LinkError {
        match self {
            SendError::Link(e) => e,
            SendError::Mismatch(path, m) => LinkError::Refused {
                path,
                status: StatusCode::UPGRADE_REQUIRED,
                reason: m.reason,
                message: clip(&m.message),
                manifest: None,
            },
        }
    }
}

/// An encoded request body.
pub struct Body {
    bytes: axum::body::Bytes,
    gzip: bool,
}

impl Body {
    /// JSON of `body`, gzip-compressed when large.
    pub fn encode<Req: Serialize>(path: &'static str, body: &Req) -> Result<Body, LinkError> {
        let json = serde_json::to_vec(body).map_err(|e| LinkError::BadAnswer {
            path,
            reason: format!("encoding the request: {e}"),
        })?;
        Ok(if json.len() > usize::from(COMPRESS_ABOVE) {
            Body {
                bytes: gzip(&json).into(),
                gzip: true,
            }
        } else {
            Body {
                bytes: json.into(),
                gzip: false,
            }
        })
    }
}

/// Gzip of `bytes` (fast level: the link, not the CPU, is the bottleneck).
fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::fast(),
    );
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}
