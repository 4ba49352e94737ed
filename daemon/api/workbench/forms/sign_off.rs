//! The sign-off form (销号, reviewers): the inspecting office's verdict
//! on a rectification its host reported completed.

use serde_json::json;

use super::{Draft, Held, line_label, opts, put};
use crate::api::workbench::ApiState;
use crate::api::workbench::html::Form;
use crate::i18n::tl;
use crate::records::Kind;
use crate::store::StoreError;
use crate::workflow::ids;
use crate::workflow::rectify::State as RectState;

pub(super) const FIELDS: &[&str] = &["finding_id", "note"];

pub(super) fn fields(held: &Held, f: &Form) -> String {
    let lang = f.lang;
    let me = held.me.as_str();
    let done =
        held.lines_where(|l| l.inspecting_office.as_str() == me && l.state == RectState::Completed);
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
        f.textarea("note", &tl!(lang, "wb-note")),
    ]
    .concat()
}

pub(super) async fn draft(state: &ApiState, f: &mut Form) -> Result<Draft, StoreError> {
    let mut d = Draft::new(Kind::Rectification);
    let chosen = f.required("finding_id");
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
            d.set("status", json!("verified"));
            put(&mut d.body, f, "note", "note");
        }
        None if !chosen.is_empty() => {
            let m = tl!(f.lang, "wb-no-progress");
            f.problem("finding_id", m)
        }
        None => {}
    }
    Ok(d)
}
