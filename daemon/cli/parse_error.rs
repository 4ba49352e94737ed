//! clap's own parse errors — an unknown argument, a missing or invalid
//! value, a missing subcommand… — in the run's language, from the
//! catalogue (`clap-*` keys) by [`ErrorKind`] with their context: the
//! argument, the value, the valid values, a suggestion, the usage. The
//! exit code stays clap's (2); `--help` and `--version` stay clap's own
//! output.

use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::i18n::{Lang, tl};

/// Prints `e` in `lang` and exits as clap would.
pub fn exit(e: clap::Error, lang: Lang) -> ! {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        _ => {
            eprintln!("{}", render(&e, lang));
            std::process::exit(e.exit_code());
        }
    }
}

/// A context value as text; lists joined by commas.
fn context(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The whole message: what is wrong, the valid values or a suggestion,
/// the usage and where to read more.
fn render(e: &clap::Error, lang: Lang) -> String {
    let get = |kind| context(e, kind).unwrap_or_default();
    let (arg, value) = (get(ContextKind::InvalidArg), get(ContextKind::InvalidValue));
    let said = match e.kind() {
        ErrorKind::InvalidValue if value.is_empty() => tl!(lang, "clap-value-missing", arg = arg),
        ErrorKind::InvalidValue => tl!(lang, "clap-invalid-value", value = value, arg = arg),
        ErrorKind::ValueValidation => tl!(
            lang,
            "clap-value-validation",
            value = value,
            arg = arg,
            detail = std::error::Error::source(e).map_or_else(String::new, |s| s.to_string())
        ),
        ErrorKind::UnknownArgument => tl!(lang, "clap-unknown-argument", arg = arg),
        ErrorKind::InvalidSubcommand => tl!(
            lang,
            "clap-unknown-subcommand",
            name = get(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::NoEquals => tl!(lang, "clap-no-equals", arg = arg),
        ErrorKind::TooManyValues => tl!(lang, "clap-too-many-values", value = value, arg = arg),
        ErrorKind::TooFewValues => tl!(
            lang,
            "clap-too-few-values",
            arg = arg,
            min = get(ContextKind::MinValues),
            actual = get(ContextKind::ActualNumValues)
        ),
        ErrorKind::WrongNumberOfValues => tl!(
            lang,
            "clap-wrong-number-of-values",
            arg = arg,
            expected = get(ContextKind::ExpectedNumValues),
            actual = get(ContextKind::ActualNumValues)
        ),
        ErrorKind::ArgumentConflict => match context(e, ContextKind::PriorArg) {
            Some(prior) if prior != arg => {
                tl!(lang, "clap-argument-conflict", arg = arg, other = prior)
            }
            _ => tl!(lang, "clap-argument-repeated", arg = arg),
        },
        ErrorKind::MissingRequiredArgument => tl!(lang, "clap-missing-required", args = arg),
        ErrorKind::MissingSubcommand => tl!(
            lang,
            "clap-missing-subcommand",
            name = get(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidUtf8 => tl!(lang, "clap-invalid-utf8"),
        _ => tl!(lang, "clap-other", detail = e.kind().to_string()),
    };
    let mut out = tl!(lang, "msg-error", error = said);
    if let Some(values) = context(e, ContextKind::ValidValue).filter(|v| !v.is_empty()) {
        out += "\n  ";
        out += &tl!(lang, "clap-possible-values", values = values);
    }
    if let Some(subs) = context(e, ContextKind::ValidSubcommand).filter(|v| !v.is_empty()) {
        out += "\n  ";
        out += &tl!(lang, "clap-possible-subcommands", names = subs);
    }
    let suggested = [
        ContextKind::SuggestedArg,
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    .find_map(|k| context(e, k));
    if let Some(s) = suggested {
        out += "\n\n  ";
        out += &tl!(lang, "clap-did-you-mean", suggestion = s);
    }
    if let Some(usage) = context(e, ContextKind::Usage) {
        let usage = usage.trim_start_matches("Usage:").trim();
        out += &format!("\n\n{} {usage}", tl!(lang, "help-usage"));
    }
    out + "\n\n" + &tl!(lang, "clap-try-help")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::help;

    fn error(lang: Lang, args: &[&str]) -> clap::Error {
        help::command(lang)
            .try_get_matches_from(args)
            .expect_err("a parse error")
    }

    #[test]
    fn parse_errors_read_in_the_chosen_language_with_their_context() {
        let e = error(Lang::Zh, &["xunlian", "status", "--bogus"]);
        assert_eq!(e.kind(), ErrorKind::UnknownArgument);
        let zh = render(&e, Lang::Zh);
        assert!(
            zh.starts_with("错误：无法识别的参数 '--bogus'") && zh.contains("用法："),
            "{zh}"
        );
        let en = render(&e, Lang::En);
        assert!(
            en.starts_with("error: unexpected argument '--bogus'"),
            "{en}"
        );

        let e = error(
            Lang::En,
            &["xunlian", "network", "init", "--addressing", "nowhere"],
        );
        let en = render(&e, Lang::En);
        assert!(
            en.contains("invalid value 'nowhere' for '--addressing")
                && en.contains("possible values: loopback, hosts"),
            "{en}"
        );
        let zh = render(&e, Lang::Zh);
        assert!(zh.contains("可选值：loopback, hosts"), "{zh}");

        let e = error(Lang::Zh, &["xunlian", "stauts"]);
        let zh = render(&e, Lang::Zh);
        assert!(
            zh.contains("未知的子命令 'stauts'") && zh.contains("status"),
            "{zh}"
        );
        assert_eq!(e.exit_code(), 2);
    }
}
