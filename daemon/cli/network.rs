//! `xunlian network init --tree FILE --dir DIR`, and the changes of a
//! running network's tree: `add-office`, `move-office`, `merge-office`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::i18n::t;
use crate::network::{self, Addressing, Crypto, InitOptions, PortRange, Tree};
use crate::node::{Level, NodeId};

#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Write a CA, every node's certificate, key, token and config (with
    /// free loopback ports) for the tree in FILE.
    Init(InitArgs),
    /// 新增机构 (add an office): its certificate, keys, token and config,
    /// and the signed tree manifest (version + 1) in every office's
    /// directory; its parent and every ancestor take it while running.
    AddOffice(AddOfficeArgs),
    /// 调整隶属关系 (move an office under another parent): the signed tree
    /// manifest (version + 1) everywhere, and the office's config points
    /// at its new parent; restart the moved office to take it.
    MoveOffice(MoveOfficeArgs),
    /// 撤并或更名换码 (merge an office into its successor, or give it a new
    /// code): the successor may update and close its records; the old
    /// office's certificate is revoked.
    MergeOffice(MergeOfficeArgs),
}

#[derive(Debug, Args)]
pub struct MoveOfficeArgs {
    /// The network's directory (`network init --dir`), with `ca/`.
    #[arg(long)]
    dir: PathBuf,
    /// The office to move.
    #[arg(long)]
    id: NodeId,
    /// Its new parent.
    #[arg(long)]
    parent: NodeId,
}

#[derive(Debug, Args)]
pub struct MergeOfficeArgs {
    /// The network's directory (`network init --dir`), with `ca/`.
    #[arg(long)]
    dir: PathBuf,
    /// The office that ends (its records stay and are taken over).
    #[arg(long)]
    from: NodeId,
    /// Its successor.
    #[arg(long)]
    into: NodeId,
}

#[derive(Debug, Args)]
pub struct AddOfficeArgs {
    /// The network's directory (`network init --dir`), with `ca/`.
    #[arg(long)]
    dir: PathBuf,
    /// The new office's id (its administrative code).
    #[arg(long)]
    id: NodeId,
    /// Its name, e.g. 城东区.
    #[arg(long)]
    name: String,
    /// Its level: provincial, municipal or county.
    #[arg(long)]
    level: Level,
    /// The office it reports to.
    #[arg(long)]
    parent: NodeId,
    /// On a loopback network: the ports to take from, as LOW-HIGH (ports
    /// of the network's offices are never taken).
    #[arg(long)]
    ports: Option<PortRange>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Tree file (TOML): one [[node]] table per office with id, name,
    /// level and parent (absent for central).
    #[arg(long)]
    tree: PathBuf,
    /// Output directory; must be empty or absent. Gets DIR/<id>/config.toml per node.
    /// A failed init removes what it wrote, so the same command can be retried.
    #[arg(long)]
    dir: PathBuf,
    /// `loopback`: every node on this machine, free loopback ports.
    /// `hosts`: one host per node named node-<id> (containers), peer port
    /// 7443 on all interfaces, operator API on 127.0.0.1:8443.
    #[arg(long, default_value = "loopback", value_parser = ["loopback", "hosts"])]
    addressing: String,
    /// Store URL for one node, as ID=URL (repeatable), e.g.
    /// 000000=postgres://xunlian@db/xunlian; the others use SQLite files.
    #[arg(long = "store", value_parser = parse_store)]
    stores: Vec<(NodeId, String)>,
    /// With `loopback`: the ports to take, as LOW-HIGH (two per node, each
    /// checked free). Default: the range below the kernel's ephemeral ports
    /// (20000-32767 on most Linux), which outgoing connections never take,
    /// so a stopped node always gets its ports back.
    #[arg(long)]
    ports: Option<PortRange>,
    /// The cryptography of record signatures: `standard` (ECDSA P-256,
    /// SHA-256) or `sm` (SM2, SM3: the commercial-cryptography suite of
    /// GB/T 39786). TLS is TLS 1.3 either way.
    #[arg(long, value_enum, default_value_t = Crypto::Standard)]
    crypto: Crypto,
}

fn parse_store(s: &str) -> Result<(NodeId, String), String> {
    let (id, url) = s.split_once('=').ok_or("expected ID=URL")?;
    Ok((NodeId::new(id).map_err(|e| e.to_string())?, url.to_string()))
}

pub fn run(cmd: NetworkCommand) -> anyhow::Result<()> {
    match cmd {
        NetworkCommand::AddOffice(args) => add_office(args),
        NetworkCommand::MoveOffice(args) => {
            let published = network::move_office(&args.dir, &args.id, &args.parent)?;
            println!(
                "{}",
                t!(
                    "network-moved",
                    office = args.id.to_string(),
                    parent = args.parent.to_string(),
                    version = published.version,
                    n = published.manifests.len()
                )
            );
            let config = args.dir.join(args.id.as_str()).join("config.toml");
            println!(
                "{}",
                t!(
                    "network-moved-restart",
                    office = args.id.to_string(),
                    config = config.display().to_string()
                )
            );
            Ok(())
        }
        NetworkCommand::MergeOffice(args) => {
            let (published, serial) = network::merge_office(&args.dir, &args.from, &args.into)?;
            println!(
                "{}",
                t!(
                    "network-merged",
                    office = args.from.to_string(),
                    into = args.into.to_string(),
                    version = published.version,
                    n = published.manifests.len(),
                    serial = serial.to_string()
                )
            );
            println!(
                "{}",
                t!("network-merged-stop", office = args.from.to_string())
            );
            Ok(())
        }
        NetworkCommand::Init(args) => {
            let tree = Tree::load(&args.tree)?;
            let opts = InitOptions {
                addressing: if args.addressing == "hosts" {
                    Addressing::Hosts
                } else {
                    Addressing::Loopback
                },
                stores: args.stores.into_iter().collect(),
                ports: args.ports.unwrap_or_else(PortRange::outside_ephemeral),
                crypto: args.crypto,
                ..InitOptions::default()
            };
            let nodes = network::init(&tree, &args.dir, &opts)?;
            println!(
                "{}",
                t!(
                    "network-written",
                    n = nodes.len(),
                    dir = args.dir.display().to_string()
                )
            );
            for n in &nodes {
                println!(
                    "  {:<8} peer https://{}  operator http://{}  {}",
                    n.id,
                    n.peer_addr,
                    n.operator_addr,
                    n.config.display()
                );
            }
            println!("{}", t!("network-start-each"));
            Ok(())
        }
    }
}

fn add_office(args: AddOfficeArgs) -> anyhow::Result<()> {
    let office = network::NewOffice {
        id: args.id,
        name: args.name,
        level: args.level,
        parent: args.parent,
    };
    let ports = args.ports.unwrap_or_else(PortRange::outside_ephemeral);
    let (files, published) = network::add_office(&args.dir, &office, ports)?;
    println!(
        "{}",
        t!(
            "network-added",
            office = office.id.to_string(),
            name = &office.name,
            parent = office.parent.to_string(),
            version = published.version,
            n = published.manifests.len()
        )
    );
    println!(
        "  peer https://{}  operator http://{}  {}",
        files.peer_addr,
        files.operator_addr,
        files.config.display()
    );
    println!(
        "{}",
        t!(
            "network-added-start",
            config = files.config.display().to_string()
        )
    );
    Ok(())
}
