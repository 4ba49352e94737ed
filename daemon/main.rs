//! The `xunlian` binary: parse the command line, set up logging and the
//! crypto provider, dispatch, and print any error once with its causes.

fn main() -> std::process::ExitCode {
    quiet_on_closed_stdout();
    let cli = xunlian::cli::parse();
    // The only crypto provider linked in; installing twice is harmless.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    match xunlian::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", xunlian::cli::error_line(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// A reader that closes standard output early (`xunlian query | head`)
/// ends the command quietly with success, as Unix tools do. The standard
/// library turns the failed write into a panic (it ignores SIGPIPE); this
/// hook exits instead of printing that panic, and leaves every other
/// panic to the default hook.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if payload.starts_with("failed printing to stdout")
            && payload.to_lowercase().contains("broken pipe")
        {
            std::process::exit(0);
        }
        default(info);
    }));
}
