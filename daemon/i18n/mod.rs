//! Chinese first: the message catalogues (Fluent, one file per language
//! under `i18n/`, compiled in) and the choice of language. Simplified
//! Chinese is the default; English is chosen by `--lang en`, by
//! `ui.lang = "en"` in a node's config, or by `LC_ALL`/`LC_MESSAGES`/`LANG`
//! starting with `en`. Every text a person reads — CLI help and messages,
//! tables, the dashboard, the names of enumerated values — is looked up
//! here by key with [`t!`] (the process's language) or
//! [`tl!`] (a given one). Logs stay English.

mod width;

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU8, Ordering};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

pub use width::{pad, pad_left};

/// A language the catalogues are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 简体中文, the default.
    #[default]
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// `zh`, `zh-CN`, `zh_CN.UTF-8`, `en`, `en-US`, `en_GB.UTF-8`…: the
    /// language part decides; `None` for any other language.
    pub fn parse(s: &str) -> Option<Lang> {
        let lang = s
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match lang.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The code a config file or URL names it by.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The HTML `lang` attribute.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// English when the locale environment asks for it (the first of
    /// `LC_ALL`, `LC_MESSAGES`, `LANG` that is set decides), else Chinese.
    pub fn from_env() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            .and_then(|s| Lang::parse(&s))
            .unwrap_or_default()
    }
}

/// The catalogue files, compiled in.
const SOURCES: [(Lang, &str, &str); 2] = [
    (Lang::Zh, "zh-CN", include_str!("../../i18n/zh-CN.ftl")),
    (Lang::En, "en", include_str!("../../i18n/en.ftl")),
];

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static BUNDLES: LazyLock<Vec<FluentBundle<FluentResource>>> = LazyLock::new(|| {
        SOURCES
            .iter()
            .map(|(_, tag, text)| {
                let id: unic_langid::LanguageIdentifier =
                    tag.parse().expect("a valid language tag");
                let mut b = FluentBundle::new_concurrent(vec![id]);
                // Isolation marks (U+2068/2069) around arguments would end
                // up in terminals and CSV cells.
                b.set_use_isolating(false);
                let res = FluentResource::try_new((*text).to_string())
                    .unwrap_or_else(|(_, e)| panic!("i18n/{tag}.ftl does not parse: {e:?}"));
                b.add_resource(res)
                    .unwrap_or_else(|e| panic!("i18n/{tag}.ftl: {e:?}"));
                b
            })
            .collect()
    });
    let i = SOURCES
        .iter()
        .position(|(l, _, _)| *l == lang)
        .expect("every language has a catalogue");
    &BUNDLES[i]
}

/// The process's language (the CLI sets it once, at start-up).
static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Sets the language [`t!`] uses.
pub fn set_current(lang: Lang) {
    CURRENT.store(lang as u8, Ordering::Relaxed);
}

/// The language [`t!`] uses: Chinese unless set otherwise.
pub fn current() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::En,
        _ => Lang::Zh,
    }
}

/// Whether `key` is in the catalogues.
pub fn has(key: &str) -> bool {
    bundle(Lang::Zh).has_message(key)
}

/// The text of `key` in `lang` with `args`; the key itself when missing
/// (the catalogue test keeps that from happening).
pub fn message(lang: Lang, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let b = bundle(lang);
    let Some(pattern) = b.get_message(key).and_then(|m| m.value()) else {
        return key.to_string();
    };
    let mut fargs = FluentArgs::new();
    for (name, value) in args {
        fargs.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    b.format_pattern(pattern, Some(&fargs), &mut errors)
        .into_owned()
}

/// How an enumerated value reads: the message `GROUP-CODE`
/// (`state-lagging`, `level-county`, `severity-serious`), or the code
/// itself for a value the catalogue does not name (one a newer peer
/// sent).
pub fn label(lang: Lang, group: &str, code: &str) -> String {
    let key = format!("{group}-{code}");
    if has(&key) {
        message(lang, &key, &[])
    } else {
        code.to_string()
    }
}

/// The text of a catalogue key in the process's language:
/// `t!("status-none")`, `t!("status-quarantined", n = 3)`.
macro_rules! t {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::tl!($crate::i18n::current(), $key $(, $name = $value)*)
    };
}
pub(crate) use t;

/// The text of a catalogue key in a given language:
/// `tl!(lang, "dash-offices", n = 3)`.
macro_rules! tl {
    ($lang:expr, $key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::message(
            $lang,
            $key,
            &[$((stringify!($name), $crate::i18n::arg($value))),*],
        )
    };
}
pub(crate) use tl;

/// A value as a Fluent argument: numbers stay numbers, the rest is text.
pub fn arg<'a>(v: impl Into<Arg<'a>>) -> FluentValue<'a> {
    v.into().0
}

/// What [`arg`] accepts.
pub struct Arg<'a>(FluentValue<'a>);

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Arg(FluentValue::from(n))
            }
        }
    )*};
}
number_args!(i32, i64, u32, u64, usize);

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg(FluentValue::from(s))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg(FluentValue::from(s.as_str()))
    }
}

impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg(FluentValue::from(s))
    }
}

#[cfg(test)]
mod tests;
