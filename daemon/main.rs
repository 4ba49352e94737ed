//! The `xunlian` binary: parse the command line, set up logging and the
//! crypto provider, dispatch, and print any error once with its causes.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = xunlian::cli::Cli::parse();
    // The only crypto provider linked in; installing twice is harmless.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    match xunlian::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
