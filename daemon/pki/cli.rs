//! STUB
#[derive(Debug, clap::Subcommand)]
pub enum PkiCommand {
    Init,
}
pub fn run(_c: PkiCommand) -> anyhow::Result<()> {
    todo!()
}
