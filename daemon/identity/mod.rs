//! STUB (replaced by the identity module).
use crate::node::NodeId;
use chrono::{DateTime, Utc};
use rustls_pki_types::CertificateDer;
use std::path::PathBuf;
use std::sync::Arc;
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub crl: Option<PathBuf>,
}
pub fn peer_node_id(_c: &CertificateDer<'_>) -> Result<NodeId, String> {
    todo!()
}
pub fn cert_not_after(_c: &CertificateDer<'_>) -> Result<DateTime<Utc>, String> {
    todo!()
}
pub struct ServerTls;
impl ServerTls {
    pub fn load(_f: TlsFiles) -> anyhow::Result<Self> {
        todo!()
    }
    pub fn current(&self) -> Arc<rustls::ServerConfig> {
        todo!()
    }
}
pub struct ClientTls;
impl ClientTls {
    pub fn load(_f: TlsFiles, _e: &NodeId) -> anyhow::Result<Self> {
        todo!()
    }
    pub fn current(&self) -> Arc<rustls::ClientConfig> {
        todo!()
    }
    pub fn generation(&self) -> u64 {
        0
    }
}
