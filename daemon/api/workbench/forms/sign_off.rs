//! The inspecting office's verdicts on a rectification its host reported
//! completed (reviewers only): sign-off (销号), or reopening it (退回) with
//! a reason, which sends the host back to a new attempt.

use serde_json::json;

use super::{Draft, Held, line_label, opts};
use crate::api::workbench::ApiState;
use crate::api::workbench::html::Form;
use crate::i18n::tl;
use crate::records::Kind;
use crate::store::StoreError;
use crate::workflow::ids;
use crate::workflow::rectify::State as RectState;

/// Which verdict a form gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    SignOff,
    Reopen,
}

impl Verdict {
    /// The status the verdict records.
    fn status(self) -> &'static str {
        match self {
            Verdict::SignOff => "verified",
            Verdict::Reopen => "reopened",
        }
    }

    pub(super) fn fields(self) -> &'static [&'static str] {
        match self {
            Verdict::SignOff => &["finding_id", "note"],
            Verdict::Reopen => &["finding_id", "reason"],
        }
    }
}

pub(super) fn fields(verdict: Verdict, held: &Held, f: &Form) -> String {
    let lang = f.lang;
    let me = held.me.as_str();
    let done =
        held.lines_where(|l| l.inspecting_office.as_str() == me && l.state == RectState::Completed);
    let words = match verdict {
        Verdict::SignOff => f.textarea("note", &tl!(lang, "wb-note")),
        Verdict::Reopen => f.textarea("reason", &tl!(lang, "wb-reason")),
    };
    [
        f.select(
            "finding_id",
            &tl!(lang, "wb-finding"),
            &opts(
                done.iter()
                    .map(|l| (format!("{}|{}", l.finding_id, l.host_office), line_label(l))),
            ),
            false,
        ),
        words,
    ]
    .concat()
}

/// The verdict on the progress the host reported: its record with the
/// verdict's status and words.
pub(super) async fn draft(
    verdict: Verdict,
    state: &ApiState,
    f: &mut Form,
) -> Result<Draft, StoreError> {
    let mut d = Draft::new(Kind::Rectification);
    let chosen = f.required("finding_id");
    let words = match verdict {
        Verdict::SignOff => f.value("note").to_string(),
        Verdict::Reopen => f.required("reason"),
    };
    let progress = match chosen
        .split_once('|')
        .and_then(|(fid, host)| Some((uuid::Uuid::parse_str(fid).ok()?, host)))
    {
        Some((fid, host)) => state.engine.store().get(&ids::progress(&fid, host)).await?,
        None => None,
    };
    match progress {
        Some(p) => {
            d.body = p.body.as_object().cloned().unwrap_or_default();
            d.body.remove("attempt");
            d.body.remove("inspected_by");
            d.body.remove("note");
            d.set("status", json!(verdict.status()));
            if !words.is_empty() {
                d.set("note", json!(words));
            }
        }
        None if !chosen.is_empty() => {
            let m = tl!(f.lang, "wb-no-progress");
            f.problem("finding_id", m)
        }
        None => {}
    }
    Ok(d)
}
