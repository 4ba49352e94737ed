//! `xunlian network init --tree FILE --dir DIR`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::network::{self, Addressing, Crypto, InitOptions, PortRange, Tree};
use crate::node::NodeId;

#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Write a CA, every node's certificate, key, token and config (with
    /// free loopback ports) for the tree in FILE.
    Init(InitArgs),
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
                "Wrote a network of {} nodes under {}:",
                nodes.len(),
                args.dir.display()
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
            println!("Start each with: xunlian daemon --config DIR/<id>/config.toml");
            Ok(())
        }
    }
}
