//! `xunlian pki init|issue|revoke`: the CA steps one at a time.

use std::net::IpAddr;
use std::path::PathBuf;

use chrono::{Duration, Utc};
use clap::{Args, Subcommand};

use crate::node::NodeId;

#[derive(Debug, Subcommand)]
pub enum PkiCommand {
    /// Create a network CA: DIR/ca.pem, DIR/ca.key (0600), DIR/crl.pem.
    Init(InitArgs),
    /// Issue a node certificate carrying urn:xunlian:node:<ID>, and its key.
    Issue(IssueArgs),
    /// Revoke a certificate: add it to the CA's CRL (DIR/crl.pem).
    Revoke(RevokeArgs),
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

pub fn run(cmd: PkiCommand) -> anyhow::Result<()> {
    match cmd {
        PkiCommand::Init(a) => {
            super::init_ca(&a.dir, &a.name, a.days)?;
            println!(
                "CA written to {} (ca.pem, ca.key, crl.pem)",
                a.dir.display()
            );
        }
        PkiCommand::Issue(a) => {
            let now = Utc::now();
            let req = super::IssueRequest {
                node: a.node.clone(),
                dns_names: a.dns,
                ip_addresses: a.ip,
                not_before: now - Duration::hours(1),
                not_after: now + Duration::days(a.days),
            };
            let issued = super::issue(
                &a.ca,
                &req,
                &a.out.join("node.pem"),
                &a.out.join("node.key"),
            )?;
            println!(
                "issued {} for node {} (serial {}, valid until {}) in {}",
                a.out.join("node.pem").display(),
                a.node,
                issued.serial_hex,
                issued.not_after.to_rfc3339(),
                a.out.display()
            );
        }
        PkiCommand::Revoke(a) => {
            let serial = super::revoke(&a.ca, &a.cert)?;
            println!(
                "revoked serial {serial} ({}); CRL rewritten at {} — nodes re-read it without restart",
                a.cert.display(),
                a.ca.join("crl.pem").display()
            );
        }
    }
    Ok(())
}
