//! `xunlian pki init|issue|revoke|sign-key|manifest`: the CA steps one at
//! a time, and the tree authority's for an existing network: each office
//! makes its signing key and sends the CA only the public half.

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use clap::{Args, Subcommand};

use crate::config::Config;
use crate::i18n::t;
use crate::network::{self, Crypto, Tree};
use crate::node::NodeId;
use crate::pki;

#[derive(Debug, Subcommand)]
pub enum PkiCommand {
    /// Create a network CA: DIR/ca.pem, DIR/ca.key (0600), DIR/crl.pem.
    Init(InitArgs),
    /// Issue a node certificate carrying urn:xunlian:node:<ID>, and its key.
    Issue(IssueArgs),
    /// Revoke a certificate: add it to the CA's CRL (DIR/crl.pem).
    Revoke(RevokeArgs),
    /// At an office: make its record-signing key (mode 0600) and print the
    /// public half as one JSON line to send to the CA.
    SignKey(SignKeyArgs),
    /// At the CA: sign the tree manifest for a tree file with the public
    /// keys the offices sent.
    Manifest(ManifestArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory for the CA files; must not hold a CA key already.
    #[arg(long)]
    dir: PathBuf,
    /// Common name of the CA certificate.
    #[arg(long, default_value = "xunlian network CA")]
    name: String,
    /// Validity of the CA certificate in days.
    #[arg(long, default_value_t = 3650)]
    days: u32,
}

#[derive(Debug, Args)]
pub struct IssueArgs {
    /// The CA directory (from `pki init`).
    #[arg(long)]
    ca: PathBuf,
    /// Node id the certificate names (GB/T 2260 code or letters, digits, - and _).
    #[arg(long)]
    node: NodeId,
    /// Output directory: gets node.pem and node.key (0600).
    #[arg(long)]
    out: PathBuf,
    /// A DNS name the node serves under (repeatable).
    #[arg(long = "dns")]
    dns: Vec<String>,
    /// An IP address the node serves on (repeatable).
    #[arg(long = "ip")]
    ip: Vec<IpAddr>,
    /// Validity in days.
    #[arg(long, default_value_t = 825)]
    days: i64,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The CA directory.
    #[arg(long)]
    ca: PathBuf,
    /// The certificate (PEM) to revoke.
    #[arg(long)]
    cert: PathBuf,
}

#[derive(Debug, Args)]
pub struct SignKeyArgs {
    /// Where to write the key (PKCS#8 PEM, mode 0600); never replaced.
    #[arg(long)]
    out: PathBuf,
    /// Also make a clue-sealing key and add it to this file (PKCS#8 PEM,
    /// mode 0600; keys already there stay, so older clues still open); its
    /// public half goes in the same line.
    #[arg(long)]
    seal_out: Option<PathBuf>,
    /// The office the key is for, named in the public line.
    #[arg(long, conflicts_with = "config")]
    node: Option<NodeId>,
    /// The office's config file, to take the office id from.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The network's suite (`network init --crypto`): `standard` or `sm`.
    #[arg(long, value_enum, default_value_t = Crypto::Standard)]
    crypto: Crypto,
}

#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// The CA directory (from `pki init`); its ca.key signs.
    #[arg(long)]
    ca: PathBuf,
    /// Tree file (TOML), as for `network init`.
    #[arg(long)]
    tree: PathBuf,
    /// The offices' public lines from `pki sign-key`: a file, or a
    /// directory of files (a line without "office" belongs to the office
    /// its file is named after, e.g. 630102.json).
    #[arg(long)]
    keys: PathBuf,
    /// The manifest's version; higher than any the offices hold.
    #[arg(long)]
    version: u64,
    /// Unsigned records dated before this time (RFC 3339, or `now`) pass
    /// as legacy; later ones must be signed.
    #[arg(long, value_parser = parse_time)]
    unsigned_before: Option<DateTime<Utc>>,
    /// Where to write the signed manifest (JSON).
    #[arg(long)]
    out: PathBuf,
    /// The network's suite: every office's key must be of it.
    #[arg(long, value_enum, default_value_t = Crypto::Standard)]
    crypto: Crypto,
}

/// `now` or an RFC 3339 time.
fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    if s == "now" {
        return Ok(Utc::now());
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("expected `now` or an RFC 3339 time: {e}"))
}

pub fn run(cmd: PkiCommand) -> anyhow::Result<()> {
    match cmd {
        PkiCommand::Init(a) => {
            pki::init_ca(&a.dir, &a.name, a.days)?;
            println!(
                "{}",
                t!("pki-ca-written", dir = a.dir.display().to_string())
            );
        }
        PkiCommand::Issue(a) => {
            let now = Utc::now();
            let req = pki::IssueRequest {
                node: a.node.clone(),
                dns_names: a.dns,
                ip_addresses: a.ip,
                not_before: now - Duration::hours(1),
                not_after: now + Duration::days(a.days),
            };
            let issued = pki::issue(
                &a.ca,
                &req,
                &a.out.join("node.pem"),
                &a.out.join("node.key"),
            )?;
            println!(
                "{}",
                t!(
                    "pki-issued",
                    cert = a.out.join("node.pem").display().to_string(),
                    node = a.node.to_string(),
                    serial = &issued.serial_hex,
                    until = issued.not_after.to_rfc3339()
                )
            );
        }
        PkiCommand::Revoke(a) => {
            let serial = pki::revoke(&a.ca, &a.cert)?;
            println!(
                "{}",
                t!(
                    "pki-revoked",
                    serial = serial.to_string(),
                    cert = a.cert.display().to_string(),
                    crl = a.ca.join("crl.pem").display().to_string()
                )
            );
        }
        PkiCommand::SignKey(a) => sign_key(a)?,
        PkiCommand::Manifest(a) => manifest(a)?,
    }
    Ok(())
}

/// Makes the office's key and prints its public line on stdout (what to
/// do with it on stderr, so stdout can go straight to a file).
fn sign_key(a: SignKeyArgs) -> anyhow::Result<()> {
    let office = match (a.node, &a.config) {
        (Some(id), _) => Some(id),
        (None, Some(path)) => Some(Config::load(path)?.id),
        (None, None) => None,
    };
    let keys = network::make_office_keys(&a.out, a.seal_out.as_deref(), a.crypto)?;
    let line = network::public_line(office, &keys);
    println!(
        "{}",
        serde_json::to_string(&line).context("encoding the public line")?
    );
    let seal = match (&a.seal_out, &keys.seal) {
        (Some(path), Some(k)) => t!(
            "pki-seal-key-written",
            key_id = &k.key_id,
            file = path.display().to_string()
        ),
        _ => String::new(),
    };
    eprintln!(
        "{}",
        t!(
            "pki-sign-key-written",
            file = a.out.display().to_string(),
            seal = seal,
            key_id = &keys.sign.key_id
        )
    );
    Ok(())
}

/// Signs the manifest from the tree file and the offices' public lines.
fn manifest(a: ManifestArgs) -> anyhow::Result<()> {
    let tree = Tree::load(&a.tree)?;
    let keys = network::read_public_keys(&a.keys)?;
    let json = network::signed_manifest(
        &a.ca,
        &tree,
        &keys,
        a.crypto.suite(),
        a.version,
        a.unsigned_before,
    )?;
    std::fs::write(&a.out, json).with_context(|| format!("writing {}", a.out.display()))?;
    let legacy = a
        .unsigned_before
        .map(|before| t!("pki-manifest-legacy", before = before.to_rfc3339()))
        .unwrap_or_default();
    println!(
        "{}",
        t!(
            "pki-manifest-signed",
            version = a.version,
            n = tree.nodes.len(),
            legacy = legacy,
            file = a.out.display().to_string()
        )
    );
    Ok(())
}
