//! TLS of the operator listener (`[operator.tls]`): a server certificate
//! only — browsers on the office LAN bring no client certificate; people
//! sign in with their accounts and scripts bring the bearer token — and
//! the client config the `xunlian` commands check that certificate with.
//! Loaded once at start: a new certificate takes a restart.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rustls::{ClientConfig, ServerConfig};

use super::tls::{alpn, roots};
use super::{load_certs, load_key};

/// The operator listener's config: `cert` (leaf first) and its `key`, no
/// client authentication.
pub fn operator_server_config(cert: &Path, key: &Path) -> anyhow::Result<Arc<ServerConfig>> {
    let mut config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(load_certs(cert)?, load_key(key)?)
        .with_context(|| format!("using {} with {}", cert.display(), key.display()))?;
    config.alpn_protocols = alpn();
    Ok(Arc::new(config))
}

/// A client of the operator listener: trusts the CA certificates in `ca`
/// and checks the server's name as usual.
pub fn operator_client_config(ca: &Path) -> anyhow::Result<ClientConfig> {
    let mut config = ClientConfig::builder()
        .with_root_certificates(roots(ca)?)
        .with_no_client_auth();
    config.alpn_protocols = alpn();
    Ok(config)
}
