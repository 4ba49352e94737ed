//! `--help` in the chosen language: the derived command's texts are
//! replaced, command by command, from the catalogue. A command's about is
//! `cmd-PATH` (`cmd-quarantine-list`), its examples `ex-PATH`, an
//! argument's help `arg-PATH-ID` or, shared by every command, `arg-ID`;
//! clap's own headings come from `help-*` keys. The root's about is
//! `cmd-xunlian`.

use clap::{Arg, ArgAction, Command, CommandFactory};

use super::Cli;
use crate::i18n::{self, Lang};

/// The whole command line, its help in `lang`.
pub fn command(lang: Lang) -> Command {
    localise(Cli::command(), "xunlian", lang)
}

/// The catalogue key of an argument's help: the command's own, else the
/// shared one.
pub(super) fn arg_key(path: &str, id: &str) -> String {
    let own = format!("arg-{path}-{id}");
    if i18n::has(&own) {
        own
    } else {
        format!("arg-{id}")
    }
}

fn text(lang: Lang, key: &str) -> String {
    i18n::message(lang, key, &[])
}

fn localise(mut cmd: Command, path: &str, lang: Lang) -> Command {
    let template = format!(
        "{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}\n\n{}{{after-help}}",
        text(lang, "help-usage"),
        text(lang, "help-examples"),
    );
    let ids: Vec<(String, bool)> = cmd
        .get_arguments()
        .map(|a| (a.get_id().to_string(), a.is_positional()))
        .collect();
    for (id, positional) in ids {
        let help = text(lang, &arg_key(path, &id));
        let heading = text(
            lang,
            if positional {
                "help-arguments"
            } else {
                "help-options"
            },
        );
        // Defaults and values are said in the help text, in its language.
        cmd = cmd.mut_arg(id, |a| {
            let takes_value = a.get_action().takes_values();
            a.help(help)
                .long_help(None)
                .help_heading(heading)
                .hide_default_value(takes_value)
                .hide_possible_values(takes_value)
        });
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        let sub_path = format!("{path}-{name}");
        cmd = cmd.mut_subcommand(name, |s| localise(s, &sub_path, lang));
    }
    let options = text(lang, "help-options");
    cmd = cmd
        .about(text(lang, &format!("cmd-{path}")))
        .long_about(None)
        .after_help(text(lang, &format!("ex-{path}")))
        .help_template(template)
        .subcommand_help_heading(text(lang, "help-commands"))
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(text(lang, "arg-help"))
                .help_heading(options.clone()),
        );
    if path == "xunlian" {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(text(lang, "arg-version"))
                .help_heading(options),
        );
    }
    cmd
}

/// Every command's path and its argument ids, for the catalogue test.
#[cfg(test)]
fn walk(cmd: &Command, path: &str, out: &mut Vec<(String, Vec<String>)>) {
    out.push((
        path.to_string(),
        cmd.get_arguments()
            .map(|a| a.get_id().to_string())
            .collect(),
    ));
    for s in cmd.get_subcommands() {
        walk(s, &format!("{path}-{}", s.get_name()), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_and_argument_has_its_help_and_example_in_the_catalogue() {
        let mut all = Vec::new();
        walk(&Cli::command(), "xunlian", &mut all);
        let mut missing = Vec::new();
        for (path, ids) in &all {
            for key in [format!("cmd-{path}"), format!("ex-{path}")] {
                if !i18n::has(&key) {
                    missing.push(key);
                }
            }
            for id in ids {
                let key = arg_key(path, id);
                if !i18n::has(&key) {
                    missing.push(format!("{key} (or arg-{path}-{id})"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "not in the catalogues:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn the_help_is_chinese_by_default_and_english_on_request() {
        let zh = command(Lang::Zh).render_help().to_string();
        assert!(
            zh.contains("用法") && zh.contains("命令") && zh.contains("示例"),
            "{zh}"
        );
        let en = command(Lang::En).render_help().to_string();
        assert!(
            en.contains("Usage") && en.contains("Commands") && en.contains("Examples"),
            "{en}"
        );
        command(Lang::Zh).debug_assert();
    }
}
