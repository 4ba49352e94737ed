//! rustls configs for both ends of a link, their reload without restart
//! when the certificate, key, CA or CRL files change, and the recheck of a
//! connected client's chain under the files as they are now.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use chrono::{DateTime, Utc};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    ClientConfig, DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig,
    SignatureScheme,
};
use tracing::{info, warn};

use super::{TlsFiles, load_certs, load_crls, load_key, peer_node_id};
use crate::node::NodeId;

/// ALPN offered on both ends.
pub(super) fn alpn() -> Vec<Vec<u8>> {
    vec![b"h2".to_vec(), b"http/1.1".to_vec()]
}

/// The CA certificates of the PEM file `ca`, as trust roots.
pub(super) fn roots(ca: &std::path::Path) -> anyhow::Result<Arc<RootCertStore>> {
    let mut roots = RootCertStore::empty();
    for cert in load_certs(ca)? {
        roots
            .add(cert)
            .with_context(|| format!("adding CA certificate {}", ca.display()))?;
    }
    Ok(Arc::new(roots))
}

/// The peer listener's config: a client certificate chaining to the CA,
/// valid now and not revoked, is mandatory.
pub fn server_config(files: &TlsFiles) -> anyhow::Result<Arc<ServerConfig>> {
    Ok(server_side(files)?.config)
}

/// The peer listener's config and the client verifier inside it, built
/// together so an open connection can be checked by the same rules as the
/// next handshake.
#[derive(Clone)]
struct ServerSide {
    config: Arc<ServerConfig>,
    verifier: Arc<dyn ClientCertVerifier>,
}

fn server_side(files: &TlsFiles) -> anyhow::Result<ServerSide> {
    let verifier = WebPkiClientVerifier::builder(roots(&files.ca)?)
        .with_crls(load_crls(files.crl.as_deref())?)
        .build()
        .context("building the client certificate verifier")?;
    let logging = LoggingClientVerifier {
        inner: verifier.clone(),
    };
    let mut config = ServerConfig::builder()
        .with_client_cert_verifier(Arc::new(logging))
        .with_single_cert(load_certs(&files.cert)?, load_key(&files.key)?)
        .with_context(|| {
            format!(
                "using {} with {}",
                files.cert.display(),
                files.key.display()
            )
        })?;
    config.alpn_protocols = alpn();
    Ok(ServerSide {
        config: Arc::new(config),
        verifier,
    })
}

/// The parent link's config: presents this node's certificate and accepts
/// only a server whose certificate names `expected_server`.
pub fn client_config(files: &TlsFiles, expected_server: &NodeId) -> anyhow::Result<ClientConfig> {
    client_config_noting(files, expected_server, None)
}

/// Where the server certificate's expiry is noted after each verification.
type ExpirySlot = Arc<Mutex<Option<DateTime<Utc>>>>;

fn client_config_noting(
    files: &TlsFiles,
    expected_server: &NodeId,
    seen: Option<ExpirySlot>,
) -> anyhow::Result<ClientConfig> {
    let inner = WebPkiServerVerifier::builder(roots(&files.ca)?)
        .with_crls(load_crls(files.crl.as_deref())?)
        .build()
        .context("building the server certificate verifier")?;
    let verifier = ExpectedServer {
        inner,
        expected: expected_server.clone(),
        seen,
    };
    let mut config = ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_auth_cert(load_certs(&files.cert)?, load_key(&files.key)?)
        .with_context(|| {
            format!(
                "using {} with {}",
                files.cert.display(),
                files.key.display()
            )
        })?;
    config.alpn_protocols = alpn();
    Ok(config)
}

/// Verifies client certificates with WebPKI and logs every refusal with the
/// node id the certificate claims, since the refused client only sees a
/// closed connection.
#[derive(Debug)]
struct LoggingClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
}

impl ClientCertVerifier for LoggingClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.inner
            .verify_client_cert(end_entity, intermediates, now)
            .inspect_err(|e| {
                let claimed = peer_node_id(end_entity)
                    .map(|id| id.to_string())
                    .unwrap_or_else(|_| "(no node id)".into());
                warn!(message = "Refused a client certificate.", peer = %claimed, reason = %e);
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// WebPKI server verification plus: the certificate must name the
/// configured parent.
#[derive(Debug)]
struct ExpectedServer {
    inner: Arc<WebPkiServerVerifier>,
    expected: NodeId,
    /// Gets the verified server certificate's expiry, for link reports.
    seen: Option<ExpirySlot>,
}

impl ServerCertVerifier for ExpectedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let ok = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        match peer_node_id(end_entity) {
            Ok(id) if id == self.expected => {
                if let (Some(slot), Ok(t)) = (&self.seen, super::cert_not_after(end_entity)) {
                    *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(t);
                }
                Ok(ok)
            }
            Ok(id) => Err(rustls::Error::General(format!(
                "server presented node id {id} but the configured parent is {}",
                self.expected
            ))),
            Err(e) => Err(rustls::Error::General(format!("server certificate: {e}"))),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// How often the files are looked at for changes.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// Fingerprint of the files: (mtime, length) of each.
type Stamp = Vec<Option<(SystemTime, u64)>>;

fn stamp(files: &TlsFiles) -> Stamp {
    let mut paths = vec![&files.ca, &files.cert, &files.key];
    paths.extend(files.crl.as_ref());
    paths
        .into_iter()
        .map(|p| {
            std::fs::metadata(p)
                .ok()
                .and_then(|m| Some((m.modified().ok()?, m.len())))
        })
        .collect()
}

/// Builds a config from the files.
type Builder<T> = Box<dyn Fn(&TlsFiles) -> anyhow::Result<T> + Send + Sync>;

/// A config rebuilt when its files change; the previous one stays in use
/// if a rebuild fails (say, a half-written file).
struct Reloading<T> {
    files: TlsFiles,
    build: Builder<T>,
    /// A std lock: held only to compare stamps and swap the value, never
    /// across an await.
    state: Mutex<ReloadState<T>>,
}

struct ReloadState<T> {
    current: T,
    stamp: Stamp,
    checked: Instant,
    generation: u64,
}

impl<T: Clone> Reloading<T> {
    fn new(
        files: TlsFiles,
        build: impl Fn(&TlsFiles) -> anyhow::Result<T> + Send + Sync + 'static,
    ) -> anyhow::Result<Self> {
        let stamp = stamp(&files);
        let current = build(&files)?;
        Ok(Reloading {
            files,
            build: Box::new(build),
            state: Mutex::new(ReloadState {
                current,
                stamp,
                checked: Instant::now(),
                generation: 0,
            }),
        })
    }

    fn current(&self) -> T {
        self.latest().0
    }

    /// The current value and its generation, reloading first if the files
    /// changed.
    fn latest(&self) -> (T, u64) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.checked.elapsed() >= CHECK_EVERY {
            s.checked = Instant::now();
            let now = stamp(&self.files);
            if now != s.stamp {
                match (self.build)(&self.files) {
                    Ok(fresh) => {
                        s.current = fresh;
                        s.stamp = now;
                        s.generation += 1;
                        info!(message = "Reloaded TLS files.", cert = %self.files.cert.display());
                    }
                    Err(e) => {
                        warn!(message = "TLS files changed but do not load; keeping the previous ones.", error = %format!("{e:#}"));
                    }
                }
            }
        }
        (s.current.clone(), s.generation)
    }

    fn generation(&self) -> u64 {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .generation
    }
}

/// The peer listener's TLS config, reloaded when its files change.
pub struct ServerTls(Reloading<ServerSide>);

/// Which reload of the TLS files a check was made against.
pub type TlsGeneration = u64;

impl ServerTls {
    pub fn load(files: TlsFiles) -> anyhow::Result<Self> {
        Ok(ServerTls(Reloading::new(files, server_side)?))
    }

    /// The config for the next handshake.
    pub fn current(&self) -> Arc<ServerConfig> {
        self.0.current().config
    }

    /// The current generation, reloading first if the files changed.
    pub fn generation(&self) -> TlsGeneration {
        self.0.latest().1
    }

    /// Checks the certificate chain a client presented at its handshake
    /// against the current CA and CRL, as a new handshake would be now;
    /// returns the generation checked against.
    pub fn recheck(
        &self,
        chain: &[CertificateDer<'static>],
    ) -> Result<TlsGeneration, rustls::Error> {
        let (side, generation) = self.0.latest();
        let (end_entity, intermediates) = chain
            .split_first()
            .ok_or(rustls::Error::NoCertificatesPresented)?;
        side.verifier
            .verify_client_cert(end_entity, intermediates, UnixTime::now())?;
        Ok(generation)
    }
}

/// The parent link's TLS config, reloaded when its files change.
pub struct ClientTls {
    configs: Reloading<Arc<ClientConfig>>,
    /// Expiry of the parent's certificate as last verified.
    parent_expiry: ExpirySlot,
}

impl ClientTls {
    pub fn load(files: TlsFiles, expected_server: &NodeId) -> anyhow::Result<Self> {
        let expected = expected_server.clone();
        let parent_expiry: ExpirySlot = Arc::default();
        let slot = parent_expiry.clone();
        let configs = Reloading::new(files, move |f| {
            client_config_noting(f, &expected, Some(slot.clone())).map(Arc::new)
        })?;
        Ok(ClientTls {
            configs,
            parent_expiry,
        })
    }

    /// When the parent's certificate expires, as seen at the last handshake.
    pub fn parent_not_after(&self) -> Option<DateTime<Utc>> {
        *self.parent_expiry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The config for the next connection.
    pub fn current(&self) -> Arc<ClientConfig> {
        self.configs.current()
    }

    /// Increments on every successful reload.
    pub fn generation(&self) -> TlsGeneration {
        self.configs.generation()
    }
}
