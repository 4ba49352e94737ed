//! Which language the command speaks: `--lang`, else the `ui.lang` of the
//! config file the command names (`--config`), else the locale
//! environment, else Chinese. Chosen before the command line is parsed,
//! since `--help` is already in it.

use std::ffi::OsString;
use std::path::Path;

use crate::i18n::Lang;

/// `--lang` as clap parses it: `zh` or `en` (or a locale naming one).
pub fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| crate::i18n::t!("lang-unknown"))
}

/// The language of a run with these arguments (`args[0]` the program).
pub fn choose(args: &[OsString]) -> Lang {
    let args: Vec<&str> = args.iter().skip(1).filter_map(|a| a.to_str()).collect();
    let value = |long: &str, short: Option<&str>| {
        args.iter().enumerate().find_map(|(i, a)| {
            if let Some(v) = a.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
                Some(v)
            } else if *a == long || short == Some(*a) {
                args.get(i + 1).copied()
            } else {
                None
            }
        })
    };
    if let Some(lang) = value("--lang", None).and_then(Lang::parse) {
        return lang;
    }
    value("--config", Some("-c"))
        .and_then(|path| crate::config::ui_lang(Path::new(path)))
        .unwrap_or_else(Lang::from_env)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_flag_wins_then_the_config_then_the_environment() {
        assert_eq!(
            choose(&args(&["xunlian", "--lang", "en", "status"])),
            Lang::En
        );
        assert_eq!(choose(&args(&["xunlian", "status", "--lang=zh"])), Lang::Zh);
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, "[ui]\nlang = \"en\"\n").unwrap();
        let cfg = cfg.to_str().unwrap();
        assert_eq!(choose(&args(&["xunlian", "status", "-c", cfg])), Lang::En);
        assert_eq!(
            choose(&args(&[
                "xunlian", "--lang", "zh", "status", "--config", cfg
            ])),
            Lang::Zh
        );
    }
}
