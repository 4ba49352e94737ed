//! Certificate identity: reading the node id a certificate carries
//! (`urn:xunlian:node:<id>` URI SAN), loading PEM files, and building the
//! rustls configs of the peer listener and the parent link ([`tls`]) and
//! of the operator listener when it speaks HTTPS ([`operator`]).
//!
//! Architecture Invariant: authorisation uses only the identity read here
//! from a certificate rustls has verified (chain to the network CA,
//! validity dates, CRL).

mod operator;
mod tls;

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};

pub use operator::{operator_client_config, operator_server_config};
pub use tls::{ClientTls, ServerTls, TlsGeneration, client_config, server_config};

use crate::node::NodeId;

/// The TLS files of a node, as named in its config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The network CA certificate every peer must chain to.
    pub ca: PathBuf,
    /// This node's certificate (PEM, leaf first).
    pub cert: PathBuf,
    /// This node's private key (PEM, mode 0600).
    pub key: PathBuf,
    /// Optional CRL of the network CA.
    pub crl: Option<PathBuf>,
}

/// Why a certificate does not name a node.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("certificate does not parse: {0}")]
    Parse(String),
    #[error("certificate carries no urn:xunlian:node: URI SAN")]
    NoNodeId,
    #[error("certificate carries more than one node id ({0} and {1})")]
    ManyNodeIds(String, String),
}

fn parse<'a>(
    cert: &'a CertificateDer<'_>,
) -> Result<x509_parser::certificate::X509Certificate<'a>, IdentityError> {
    x509_parser::parse_x509_certificate(cert)
        .map(|(_, c)| c)
        .map_err(|e| IdentityError::Parse(e.to_string()))
}

/// The node id in the certificate's `urn:xunlian:node:` URI SAN.
pub fn peer_node_id(cert: &CertificateDer<'_>) -> Result<NodeId, IdentityError> {
    let x509 = parse(cert)?;
    let mut found: Option<NodeId> = None;
    if let Ok(Some(san)) = x509.subject_alternative_name() {
        for name in &san.value.general_names {
            if let x509_parser::extensions::GeneralName::URI(uri) = name
                && let Some(id) = NodeId::from_uri_san(uri)
            {
                if let Some(first) = &found {
                    return Err(IdentityError::ManyNodeIds(
                        first.to_string(),
                        id.to_string(),
                    ));
                }
                found = Some(id);
            }
        }
    }
    found.ok_or(IdentityError::NoNodeId)
}

/// When the certificate expires.
pub fn cert_not_after(cert: &CertificateDer<'_>) -> Result<DateTime<Utc>, IdentityError> {
    let x509 = parse(cert)?;
    DateTime::from_timestamp(x509.validity().not_after.timestamp(), 0)
        .ok_or_else(|| IdentityError::Parse("expiry out of range".into()))
}

/// All certificates of a PEM file.
pub fn load_certs(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .with_context(|| format!("reading certificates from {}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing certificates in {}", path.display()))?;
    anyhow::ensure!(!certs.is_empty(), "no certificate in {}", path.display());
    Ok(certs)
}

/// The first certificate of a PEM file.
pub fn load_first_cert(path: &Path) -> anyhow::Result<CertificateDer<'static>> {
    Ok(load_certs(path)?.swap_remove(0))
}

fn load_key(path: &Path) -> anyhow::Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path)
        .with_context(|| format!("reading TLS key {}", path.display()))
}

fn load_crls(path: Option<&Path>) -> anyhow::Result<Vec<CertificateRevocationListDer<'static>>> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    CertificateRevocationListDer::pem_file_iter(path)
        .with_context(|| format!("reading CRL {}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing CRL {}", path.display()))
}
