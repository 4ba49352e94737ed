//! Why an office is not `ok`, as data ([`Why`]): the status JSON carries
//! it (`why`, with a stable `code`) beside an English `reason`, and every
//! place a person reads it renders it from the catalogue in the reader's
//! language (`health-why-…`). A lagging office's warnings are its own
//! words, from its health record, and are shown as they are.

use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, tl};

/// Why an office's state is not `ok`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Why {
    /// No health report from it ever arrived here.
    NeverReported,
    /// Its parent holds no session with it; `secs` since the parent last
    /// heard from it, when it ever did.
    NoSession { parent: String, secs: Option<i64> },
    /// Its latest health report is `secs` old.
    NoReportSince { secs: i64 },
    /// Links over a budget, in the office's own words.
    Lagging { warnings: Vec<String> },
    /// Cut off behind `relay` (down or never seen); `then` is what it
    /// would be said of the office itself.
    Unreachable { relay: String, then: Box<Why> },
}

impl Why {
    /// The stable code of the outermost reason (`never_reported`,
    /// `no_session`, `no_report_since`, `lagging`, `unreachable`).
    pub fn code(&self) -> &'static str {
        match self {
            Why::NeverReported => "never_reported",
            Why::NoSession { .. } => "no_session",
            Why::NoReportSince { .. } => "no_report_since",
            Why::Lagging { .. } => "lagging",
            Why::Unreachable { .. } => "unreachable",
        }
    }

    /// The sentence a person reads, in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Why::NeverReported => tl!(lang, "health-why-never-reported"),
            Why::NoSession {
                parent,
                secs: Some(secs),
            } => tl!(lang, "health-why-no-session", parent = parent, secs = *secs),
            Why::NoSession { parent, secs: None } => {
                tl!(lang, "health-why-no-session-ever", parent = parent)
            }
            Why::NoReportSince { secs } => tl!(lang, "health-why-no-report-since", secs = *secs),
            Why::Lagging { warnings } => warnings.join("; "),
            Why::Unreachable { relay, then } => tl!(
                lang,
                "health-why-unreachable",
                relay = relay,
                then = then.render(lang)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each reason reads in Chinese and in English, with its figures, and
    /// keeps its code through JSON.
    #[test]
    fn every_reason_reads_in_both_languages_and_keeps_its_code() {
        let why = Why::Unreachable {
            relay: "630200".into(),
            then: Box::new(Why::NoSession {
                parent: "630200".into(),
                secs: Some(12),
            }),
        };
        let en = why.render(Lang::En);
        assert!(en.starts_with("unreachable via 630200"), "{en}");
        assert!(en.contains("12s ago"), "{en}");
        let zh = why.render(Lang::Zh);
        assert!(zh.contains("630200") && zh.contains("12"), "{zh}");
        assert!(zh.contains("不可达"), "{zh}");
        let json = serde_json::to_value(&why).expect("a reason serialises");
        assert_eq!(json["code"], "unreachable");
        assert_eq!(json["then"]["code"], "no_session");
        let back: Why = serde_json::from_value(json).expect("and reads back");
        assert_eq!(back, why);
        for why in [
            Why::NeverReported,
            Why::NoSession {
                parent: "630000".into(),
                secs: None,
            },
            Why::NoReportSince { secs: 7 },
        ] {
            for lang in Lang::ALL {
                let text = why.render(lang);
                assert!(!text.starts_with("health-why"), "{text}");
            }
        }
        let lagging = Why::Lagging {
            warnings: vec!["630202: backlog 5000 over 1000".into()],
        };
        assert_eq!(lagging.render(Lang::Zh), "630202: backlog 5000 over 1000");
    }
}
