//! `xunlian network init --tree FILE --dir DIR`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::network::{self, InitOptions, Tree};

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
    #[arg(long)]
    dir: PathBuf,
}

pub fn run(cmd: NetworkCommand) -> anyhow::Result<()> {
    match cmd {
        NetworkCommand::Init(args) => {
            let tree = Tree::load(&args.tree)?;
            let nodes = network::init(&tree, &args.dir, &InitOptions::default())?;
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
