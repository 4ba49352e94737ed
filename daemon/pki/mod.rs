//! The network's certificate authority, kept as files: `ca.pem` (the CA
//! certificate), `ca.key` (its key, mode 0600), `crl.pem` (the current
//! revocation list) and `revoked.txt` (one revoked serial per line, the
//! source the CRL is rebuilt from).
//!
//! Node certificates carry the node's identity as the URI SAN
//! `urn:xunlian:node:<id>`, beside DNS/IP SANs for the address they serve
//! (WebPKI checks only those), and may be used as TLS server and client.

use std::io::Write;
use std::net::IpAddr;
use std::path::Path;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevokedCertParams, SanType, SerialNumber,
};

use crate::node::NodeId;

/// What to put in a node certificate.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    pub node: NodeId,
    /// DNS names the node serves under (checked by the connecting side).
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<IpAddr>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

/// What was issued.
#[derive(Debug, Clone)]
pub struct IssuedCert {
    pub serial_hex: String,
    pub not_after: DateTime<Utc>,
}

/// Creates a CA in `dir`. Refuses to overwrite an existing CA key.
pub fn init_ca(dir: &Path, common_name: &str, validity_days: u32) -> anyhow::Result<()> {
    let key_path = dir.join("ca.key");
    if key_path.exists() {
        bail!(
            "{} already exists; refusing to replace a CA key",
            key_path.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let key = KeyPair::generate().context("generating the CA key")?;
    let now = Utc::now();
    let mut params = CertificateParams::default();
    params.distinguished_name = name(common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = to_time(now - chrono::Duration::hours(1))?;
    params.not_after = to_time(now + chrono::Duration::days(validity_days.into()))?;
    params.serial_number = Some(random_serial());
    let cert = params
        .self_signed(&key)
        .context("signing the CA certificate")?;
    write_private(&key_path, key.serialize_pem().as_bytes())?;
    write_public(&dir.join("ca.pem"), cert.pem().as_bytes())?;
    write_public(&dir.join("revoked.txt"), b"")?;
    write_crl(dir)
}

/// Issues a node certificate and key signed by the CA in `ca_dir`.
pub fn issue(
    ca_dir: &Path,
    req: &IssueRequest,
    cert_out: &Path,
    key_out: &Path,
) -> anyhow::Result<IssuedCert> {
    let issuer = load_issuer(ca_dir)?;
    let key = KeyPair::generate().context("generating the node key")?;
    let mut params = CertificateParams::default();
    params.distinguished_name = name(req.node.as_str());
    let mut sans = vec![SanType::URI(
        req.node
            .uri_san()
            .try_into()
            .context("node id as URI SAN")?,
    )];
    for d in &req.dns_names {
        sans.push(SanType::DnsName(
            d.clone()
                .try_into()
                .with_context(|| format!("DNS name {d:?}"))?,
        ));
    }
    sans.extend(req.ip_addresses.iter().map(|ip| SanType::IpAddress(*ip)));
    params.subject_alt_names = sans;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params.not_before = to_time(req.not_before)?;
    params.not_after = to_time(req.not_after)?;
    params.use_authority_key_identifier_extension = true;
    let serial = random_serial();
    params.serial_number = Some(serial.clone());
    let cert = params
        .signed_by(&key, &issuer)
        .with_context(|| format!("signing the certificate of {}", req.node))?;
    if let Some(dir) = cert_out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    write_private(key_out, key.serialize_pem().as_bytes())?;
    write_public(cert_out, cert.pem().as_bytes())?;
    Ok(IssuedCert {
        serial_hex: crate::hex::encode(serial.as_ref()),
        not_after: req.not_after,
    })
}

/// Revokes the certificate in `cert_pem` and rewrites the CRL.
pub fn revoke(ca_dir: &Path, cert_pem: &Path) -> anyhow::Result<String> {
    let der = crate::identity::load_first_cert(cert_pem)?;
    let (_, x509) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| anyhow::anyhow!("parsing {}: {e}", cert_pem.display()))?;
    let serial = crate::hex::encode(x509.tbs_certificate.raw_serial());
    let list = dir_file(ca_dir, "revoked.txt");
    let existing =
        std::fs::read_to_string(&list).with_context(|| format!("reading {}", list.display()))?;
    if !existing
        .lines()
        .any(|l| l.split_whitespace().next() == Some(serial.as_str()))
    {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&list)
            .with_context(|| format!("opening {}", list.display()))?;
        writeln!(f, "{serial} {}", Utc::now().timestamp())
            .with_context(|| format!("writing {}", list.display()))?;
    }
    write_crl(ca_dir)?;
    Ok(serial)
}

/// Rebuilds `crl.pem` from `revoked.txt`, with a CRL number that grows.
fn write_crl(ca_dir: &Path) -> anyhow::Result<()> {
    let issuer = load_issuer(ca_dir)?;
    let list = dir_file(ca_dir, "revoked.txt");
    let text =
        std::fs::read_to_string(&list).with_context(|| format!("reading {}", list.display()))?;
    let mut revoked = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut parts = line.split_whitespace();
        let (Some(serial), Some(at)) = (parts.next(), parts.next()) else {
            continue;
        };
        let bad = || {
            format!(
                "{}:{}: expected \"SERIAL_HEX UNIX_TIME\"",
                list.display(),
                i + 1
            )
        };
        let bytes = crate::hex::decode(serial)
            .map_err(anyhow::Error::msg)
            .with_context(bad)?;
        let at: i64 = at.parse().with_context(bad)?;
        revoked.push(RevokedCertParams {
            serial_number: SerialNumber::from_slice(&bytes),
            revocation_time: time::OffsetDateTime::from_unix_timestamp(at).with_context(bad)?,
            reason_code: None,
            invalidity_date: None,
        });
    }
    let now = Utc::now();
    let params = CertificateRevocationListParams {
        this_update: to_time(now - chrono::Duration::minutes(5))?,
        next_update: to_time(now + chrono::Duration::days(30))?,
        crl_number: SerialNumber::from(now.timestamp_micros() as u64),
        issuing_distribution_point: None,
        revoked_certs: revoked,
        key_identifier_method: KeyIdMethod::Sha256,
    };
    let crl = params.signed_by(&issuer).context("signing the CRL")?;
    // Write then rename, so a node reloading the CRL never sees half a file.
    let path = dir_file(ca_dir, "crl.pem");
    let tmp = dir_file(ca_dir, "crl.pem.tmp");
    write_public(&tmp, crl.pem().context("encoding the CRL")?.as_bytes())?;
    std::fs::rename(&tmp, &path).with_context(|| format!("replacing {}", path.display()))
}

fn load_issuer(ca_dir: &Path) -> anyhow::Result<Issuer<'static, KeyPair>> {
    let key_path = dir_file(ca_dir, "ca.key");
    let cert_path = dir_file(ca_dir, "ca.pem");
    let key_pem = std::fs::read_to_string(&key_path)
        .with_context(|| format!("reading CA key {}", key_path.display()))?;
    let cert_pem = std::fs::read_to_string(&cert_path)
        .with_context(|| format!("reading CA certificate {}", cert_path.display()))?;
    let key = KeyPair::from_pem(&key_pem)
        .with_context(|| format!("parsing CA key {}", key_path.display()))?;
    Issuer::from_ca_cert_pem(&cert_pem, key)
        .with_context(|| format!("parsing CA certificate {}", cert_path.display()))
}

fn dir_file(dir: &Path, name: &str) -> std::path::PathBuf {
    dir.join(name)
}

fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

fn to_time(t: DateTime<Utc>) -> anyhow::Result<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp())
        .with_context(|| format!("time {t} out of range"))
}

/// 16 random bytes with the top bit clear, so the serial is positive.
fn random_serial() -> SerialNumber {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[0] &= 0x7f;
    b[0] |= 0x01;
    SerialNumber::from_slice(&b)
}

/// Writes `contents` to a new file readable by its owner only (0600), as
/// keys and tokens must be.
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(contents)
        .with_context(|| format!("writing {}", path.display()))?;
    f.sync_all()
        .with_context(|| format!("syncing {}", path.display()))
}

fn write_public(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn ca_issue_revoke_round_trip() {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca");
        init_ca(&ca, "test CA", 30).unwrap();
        assert!(
            init_ca(&ca, "again", 30).is_err(),
            "never replaces a CA key"
        );
        let now = Utc::now();
        let req = IssueRequest {
            node: NodeId::new("630202").unwrap(),
            dns_names: vec!["localhost".into()],
            ip_addresses: vec!["127.0.0.1".parse().unwrap()],
            not_before: now,
            not_after: now + chrono::Duration::days(1),
        };
        let cert = dir.path().join("n/node.pem");
        let key = dir.path().join("n/node.key");
        let issued = issue(&ca, &req, &cert, &key).unwrap();
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let der = crate::identity::load_first_cert(&cert).unwrap();
        assert_eq!(
            crate::identity::peer_node_id(&der).unwrap().as_str(),
            "630202"
        );
        assert_eq!(revoke(&ca, &cert).unwrap(), issued.serial_hex);
        revoke(&ca, &cert).unwrap();
        let list = std::fs::read_to_string(ca.join("revoked.txt")).unwrap();
        assert_eq!(
            list.lines().count(),
            1,
            "revoking twice lists the serial once"
        );
    }
}
