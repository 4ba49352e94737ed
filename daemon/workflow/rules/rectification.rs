//! The rules of a rectification record: the right parties for its
//! finding, a transition the rectification state allows (`rectify`), and
//! the derived id and attempt; repeating what is recorded changes nothing.

use serde_json::Value;

use super::{Context, Lookup, derived_id, read};
use crate::records::{Kind, Record};
use crate::submit::{SubmitError, SubmitRequest, refused};
use crate::workflow::bodies::{self, Finding, Rectification};
use crate::workflow::ids;
use crate::workflow::rectify::{self, Parties, Status};
use crate::workflow::snapshot::host_of;

/// Checks a rectification record written here and fills its derived
/// id, its attempt and who inspected a released cross finding.
pub(super) async fn check(
    ctx: &Context<'_>,
    lk: &Lookup<'_>,
    req: &mut SubmitRequest,
) -> Result<(), SubmitError> {
    let b: Rectification = read(Kind::Rectification, &req.body)?;
    let fid = b
        .finding_id
        .ok_or_else(|| refused!("body.finding_id", "refuse-rectification-no-finding"))?;
    let finding = lk
        .get(&fid)
        .await?
        .filter(|r| r.kind == Kind::Finding)
        .ok_or_else(|| refused!("body.finding_id", "refuse-finding-unknown", finding = fid))?;
    let f: Finding = read(Kind::Finding, &finding.body)?;
    if let Some(c) = &f.coordinator {
        return Err(refused!(
            "body.finding_id",
            "refuse-rectification-cross",
            finding = fid,
            copy = ids::release(&fid),
            coordinator = c
        ));
    }
    // The office whose team found a released cross finding hears of its
    // rectification too.
    match &f.inspected_by {
        Some(by) => req.body["inspected_by"] = Value::from(by.as_str()),
        None => {
            if let Some(obj) = req.body.as_object_mut() {
                obj.remove("inspected_by");
            }
        }
    }
    let status = Status::parse(&b.status).ok_or_else(|| {
        refused!(
            "body.status",
            "refuse-rectification-status",
            status = crate::clip::clip(&b.status)
        )
    })?;
    let host = if f.redacted_of.is_some() {
        // A common issue: every office of the subtree rectifies its own part.
        if b.host_office.is_empty() {
            return Err(refused!(
                "body.host_office",
                "refuse-rectification-common-host"
            ));
        }
        b.host_office.clone()
    } else {
        host_of(&finding, &f)
    };
    if b.host_office != host {
        return Err(refused!(
            "body.host_office",
            "refuse-rectification-host",
            finding = fid,
            host = host
        ));
    }
    if b.inspecting_office != finding.origin.as_str() {
        return Err(refused!(
            "body.inspecting_office",
            "refuse-rectification-inspecting",
            finding = fid,
            origin = finding.origin
        ));
    }
    let progress_id = ids::progress(&fid, &host);
    let verdict_id = ids::verdict(&fid, &host);
    let own = |r: Option<Record>, writer: &str| {
        r.filter(|r| ctx.succession.speaks_for(r.origin.as_str(), writer))
            .and_then(|r| bodies::read::<Rectification>(&r).ok())
    };
    let progress = own(lk.get(&progress_id).await?, &host);
    let verdict = own(lk.get(&verdict_id).await?, finding.origin.as_str());
    let target = if status.is_verdict() {
        verdict_id
    } else {
        progress_id
    };
    derived_id(req, target)?;
    // Repeating what is already recorded is an idempotent no-op.
    if let Some(held) = lk.get(&target).await?
        && let Some(attempt) = held.body.get("attempt")
    {
        let mut same = req.body.clone();
        same["attempt"] = attempt.clone();
        if same == held.body {
            req.body = same;
            return Ok(());
        }
    }
    let state = rectify::fold(progress.as_ref(), verdict.as_ref());
    let parties = Parties {
        finding: &fid.to_string(),
        inspecting: finding.origin.as_str(),
        host: &host,
    };
    // A successor writes as the office it took over.
    let writer = ctx
        .succession
        .acting_as(ctx.me.as_str(), &[parties.inspecting, parties.host]);
    let attempt = rectify::check(
        &parties,
        writer,
        state,
        progress.as_ref().map_or(0, |p| p.attempt),
        status,
        !b.evidence.is_empty(),
    )?;
    req.body["attempt"] = Value::from(attempt);
    Ok(())
}
