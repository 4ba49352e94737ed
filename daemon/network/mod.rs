//! `xunlian network init`: from a tree file, write a whole network for a
//! pilot or a test: the CA, every node's certificate and key, an operator
//! token per node, and every node's config with free loopback ports.
//!
//! Layout: `DIR/ca/` (CA, CRL), `DIR/<id>/config.toml`, `DIR/<id>/node.pem`,
//! `DIR/<id>/node.key`, `DIR/<id>/operator.token`, `DIR/<id>/data/`, and
//! the tree authority's files: `DIR/<id>/sign.key` and `DIR/<id>/seal.key`
//! (the office's own record-signing and clue-sealing keys, made in its
//! directory) and `DIR/<id>/manifest.json` (version 1 of the tree
//! manifest, every office with its public keys,
//! signed with the CA key; the same file in every office's directory),
//! both made by [`authority`]. [`offices`] changes the tree of a network
//! that runs (`network add-office`, `move-office`, `merge-office`).

mod authority;
mod offices;
mod ports;
mod tree;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{Duration, Utc};

pub use authority::{
    Crypto, OfficeKeys, PublicKeyLine, SealLine, make_office_keys, public_line, read_public_keys,
    signed_manifest,
};
pub use offices::{NewOffice, Published, add_office, merge_office, move_office, newest_manifest};
pub use ports::PortRange;
pub use tree::{Tree, TreeNode};

use crate::config::{
    RawConfig, RawLog, RawNode, RawOperator, RawParent, RawPeer, RawSchedules, RawStore, RawSync,
    RawTls, RawTrust, RawWorkflow,
};
use crate::node::NodeId;
use crate::pki;

/// Names of the tree authority's files in every office's directory.
const SIGN_KEY_FILE: &str = "sign.key";
const SEAL_KEY_FILE: &str = "seal.key";
const MANIFEST_FILE: &str = "manifest.json";

/// Where `network init` put one node.
#[derive(Debug, Clone)]
pub struct NodeFiles {
    pub id: NodeId,
    pub dir: PathBuf,
    pub config: PathBuf,
    pub peer_addr: SocketAddr,
    pub operator_addr: SocketAddr,
}

/// Options of `network init`.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// Extra settings written into every config's `[sync]` section.
    pub retry_max_secs: Option<u64>,
    /// Written into every config's `[schedules]` section.
    pub health_schedule: Option<String>,
    pub health_stale_secs: Option<u64>,
    /// Where the nodes listen and find their parents.
    pub addressing: Addressing,
    /// Store URLs for some nodes (the others get an SQLite file).
    pub stores: BTreeMap<NodeId, String>,
    /// Loopback ports to choose from with [`Addressing::Loopback`].
    pub ports: PortRange,
    /// The suite every office signs records with.
    pub crypto: Crypto,
}

/// How the nodes of a generated network reach each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addressing {
    /// All on this machine: free loopback ports (pilots, tests, the demo).
    Loopback,
    /// One host per node named `node-<id>` (containers): the peer listener
    /// on `0.0.0.0:PEER_PORT`, the operator API on `127.0.0.1:OPERATOR_PORT`.
    Hosts,
}

/// The SQLite store of a node without a store URL of its own. In
/// containers `data/` is a volume, whose root the container runtime makes
/// (often 0755): the store gets a directory the daemon creates itself, 0700.
fn default_store_url(addressing: &Addressing) -> &'static str {
    match addressing {
        Addressing::Loopback => "sqlite://data/xunlian.db",
        Addressing::Hosts => "sqlite://data/store/xunlian.db",
    }
}

/// Ports used with [`Addressing::Hosts`].
pub const PEER_PORT: u16 = 7443;
pub const OPERATOR_PORT: u16 = 8443;

/// The host name of `id` with [`Addressing::Hosts`].
pub fn host_of(id: &NodeId) -> String {
    format!("node-{id}")
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            retry_max_secs: Some(5),
            health_schedule: None,
            health_stale_secs: None,
            addressing: Addressing::Loopback,
            stores: BTreeMap::new(),
            ports: PortRange::outside_ephemeral(),
            crypto: Crypto::Standard,
        }
    }
}

/// Writes the network of `tree` under `dir` (which must be empty or
/// absent). If writing fails, what was written goes again (`dir` itself
/// too, unless it was there before), so the same command can be retried.
pub fn init(tree: &Tree, dir: &Path, opts: &InitOptions) -> anyhow::Result<Vec<NodeFiles>> {
    let existed = dir.exists();
    if existed
        && dir
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{} is not empty; choose a new directory for the network",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    write_network(tree, dir, opts).map_err(|err| match remove_partial(dir, existed) {
        Ok(()) => err,
        Err(cleanup) => err.context(format!(
            "and removing what was written under {} failed ({cleanup:#}); remove it before retrying",
            dir.display()
        )),
    })
}

/// Removes a failed `init`'s files: `dir` itself if `init` created it,
/// else everything in it.
fn remove_partial(dir: &Path, existed: bool) -> std::io::Result<()> {
    if !existed {
        return std::fs::remove_dir_all(dir);
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// The files of [`init`], written into the empty directory `dir`.
fn write_network(tree: &Tree, dir: &Path, opts: &InitOptions) -> anyhow::Result<Vec<NodeFiles>> {
    let ca_dir = dir.join("ca");
    pki::init_ca(&ca_dir, "xunlian network CA", 3650)?;

    let mut ports: BTreeMap<NodeId, (SocketAddr, SocketAddr)> = BTreeMap::new();
    let mut picker = ports::PortPicker::new(opts.ports);
    for n in &tree.nodes {
        if opts.addressing == Addressing::Hosts {
            let peer = SocketAddr::from(([0, 0, 0, 0], PEER_PORT));
            let op = SocketAddr::from(([127, 0, 0, 1], OPERATOR_PORT));
            ports.insert(n.id.clone(), (peer, op));
            continue;
        }
        ports.insert(n.id.clone(), (picker.take()?, picker.take()?));
    }
    drop(picker);
    for id in opts.stores.keys() {
        if tree.get(id).is_none() {
            bail!("--store names {id}, which is not in the tree");
        }
    }

    let children = tree.children();
    let mut out = Vec::new();
    let mut keys = BTreeMap::new();
    for n in &tree.nodes {
        let node_dir = dir.join(n.id.as_str());
        let made = office_files(&ca_dir, &node_dir, &n.id, &opts.addressing, opts.crypto)?;
        keys.insert(n.id.clone(), made);
        let (peer_addr, operator_addr) = ports[&n.id];
        let parent = n.parent.as_ref().map(|p| {
            let parent = tree.get(p).expect("tree checked: every parent exists");
            RawParent {
                id: p.to_string(),
                url: match opts.addressing {
                    Addressing::Loopback => format!("https://127.0.0.1:{}", ports[p].0.port()),
                    Addressing::Hosts => format!("https://{}:{PEER_PORT}", host_of(p)),
                },
                level: parent.level.to_string(),
            }
        });
        let raw = RawConfig {
            node: RawNode {
                id: n.id.to_string(),
                name: n.name.clone(),
                level: n.level.to_string(),
                children: children[&n.id].iter().map(|c| c.to_string()).collect(),
            },
            parent,
            peer: RawPeer {
                listen: peer_addr.to_string(),
                max_record_bytes: None,
                max_batch_records: None,
                max_batch_bytes: None,
                long_poll_secs: None,
                idle_close_secs: None,
            },
            operator: RawOperator {
                listen: operator_addr.to_string(),
                token_file: "operator.token".into(),
                allow_remote: None,
                sign_in_failures: None,
                sign_in_lock_secs: None,
                tls: None,
            },
            tls: RawTls {
                ca: "../ca/ca.pem".into(),
                cert: "node.pem".into(),
                key: "node.key".into(),
                crl: Some("../ca/crl.pem".into()),
            },
            store: RawStore {
                url: opts
                    .stores
                    .get(&n.id)
                    .cloned()
                    .unwrap_or_else(|| default_store_url(&opts.addressing).into()),
                max_size_mb: None,
                compact_secs: None,
            },
            routing: BTreeMap::new(),
            sync: RawSync {
                retry_max_secs: opts.retry_max_secs,
                ..Default::default()
            },
            schedules: RawSchedules {
                health: opts.health_schedule.clone(),
                health_stale_secs: opts.health_stale_secs,
                supervision: None,
                release: None,
            },
            log: RawLog::default(),
            workflow: RawWorkflow::default(),
            trust: Some(RawTrust {
                manifest: MANIFEST_FILE.into(),
                sign_key: SIGN_KEY_FILE.into(),
                seal_key: Some(SEAL_KEY_FILE.into()),
            }),
            ui: None,
        };
        let config = node_dir.join("config.toml");
        write_config(&config, &raw, "network init")?;
        out.push(NodeFiles {
            id: n.id.clone(),
            dir: node_dir,
            config,
            peer_addr,
            operator_addr,
        });
    }
    let manifest = signed_manifest(&ca_dir, tree, &keys, opts.crypto.suite(), 1, None)?;
    for n in &out {
        let path = n.dir.join(MANIFEST_FILE);
        std::fs::write(&path, &manifest).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(out)
}

/// Makes `node_dir` with what an office keeps itself: its private store
/// directory, certificate and key issued by the CA in `ca_dir`, operator
/// token, and record-signing and clue-sealing keys; returns the keys'
/// public halves for the manifest.
fn office_files(
    ca_dir: &Path,
    node_dir: &Path,
    id: &NodeId,
    addressing: &Addressing,
    crypto: Crypto,
) -> anyhow::Result<OfficeKeys> {
    std::fs::create_dir_all(node_dir)
        .with_context(|| format!("creating {}", node_dir.display()))?;
    // The store's directory: private, as the daemon checks at start.
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(node_dir.join("data"))
        .with_context(|| format!("creating {}/data", node_dir.display()))?;
    let now = Utc::now();
    pki::issue(
        ca_dir,
        &pki::IssueRequest {
            node: id.clone(),
            dns_names: match addressing {
                Addressing::Loopback => vec!["localhost".into()],
                Addressing::Hosts => vec![host_of(id), "localhost".into()],
            },
            ip_addresses: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
            not_before: now - Duration::hours(1),
            not_after: now + Duration::days(825),
        },
        &node_dir.join("node.pem"),
        &node_dir.join("node.key"),
    )?;
    pki::write_private(&node_dir.join("operator.token"), random_token().as_bytes())?;
    make_office_keys(
        &node_dir.join(SIGN_KEY_FILE),
        Some(&node_dir.join(SEAL_KEY_FILE)),
        crypto,
    )
}

/// Writes `raw` to `path` under a header naming the office and the
/// command (`by`) that wrote it.
fn write_config(path: &Path, raw: &RawConfig, by: &str) -> anyhow::Result<()> {
    let text = toml::to_string(raw).context("writing config")?;
    let header = format!(
        "# xunlian node {} ({}), written by `xunlian {by}`.\n# Start it with: xunlian daemon --config {}\n\n",
        raw.node.id,
        raw.node.name,
        path.display()
    );
    std::fs::write(path, header + &text).with_context(|| format!("writing {}", path.display()))
}

/// 32 random bytes, hex.
fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    crate::hex::encode(&bytes)
}
