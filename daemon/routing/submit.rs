//! The route an origin gives a new record, from its kind, its body and the
//! origin's policy. Fixed at submit; every hop applies it unchanged.

use serde_json::Value;

use super::View;
use crate::node::{Level, NodeId};
use crate::records::{Kind, Route};
use crate::submit::{Refusal, refusal};

/// Computes the route of a record of `kind` with `body` submitted here.
/// Refusals name the body field that holds a bad node id.
pub fn route_for_submit(view: &View, kind: Kind, body: &Value) -> Result<Route, Refusal> {
    let mut up_to = view.policy.get(&kind).copied().flatten();
    let mut to: Vec<(String, &Value)> = Vec::new();
    let mut subtree = false;
    match kind {
        Kind::RoundPlan => {
            for (i, t) in array(body, "targets").iter().enumerate() {
                if let Some(h) = t.get("host") {
                    to.push((format!("targets[{i}].host"), h));
                }
            }
            subtree = body.get("kind").and_then(Value::as_str) == Some("linked");
        }
        Kind::Assignment => {
            for (i, p) in array(body, "pairs").iter().enumerate() {
                for side in ["inspecting", "inspected"] {
                    if let Some(v) = p.get(side) {
                        to.push((format!("pairs[{i}].{side}"), v));
                    }
                }
            }
            if let Some(e) = body.get("elevated") {
                for side in ["taking_over", "office"] {
                    if let Some(v) = e.get(side) {
                        to.push((format!("elevated.{side}"), v));
                    }
                }
            }
        }
        Kind::Notice => {
            let named = array(body, "to");
            subtree = named.is_empty();
            for (i, v) in named.iter().enumerate() {
                to.push((format!("to[{i}]"), v));
            }
        }
        Kind::Rectification => {
            for field in ["inspecting_office", "host_office", "inspected_by"] {
                if let Some(v) = body.get(field) {
                    to.push((field.to_string(), v));
                }
            }
        }
        Kind::Finding => {
            // A redacted copy of a common issue goes down the whole subtree
            // only: the ancestors hold the original.
            if body.get("redacted_of").is_some() {
                up_to = None;
                subtree = true;
            }
            // A cross-inspection finding reaches its coordinator whatever
            // the policy; only its released copy goes down, to the host of
            // the inspected unit and to the office that found it.
            if let Some(c) = body.get("coordinator") {
                to.push(("coordinator".into(), c));
            }
            if body.get("released_of").is_some() {
                if let Some(h) = body.get("target_unit").and_then(|t| t.get("host")) {
                    to.push(("target_unit.host".into(), h));
                }
                if let Some(by) = body.get("inspected_by") {
                    to.push(("inspected_by".into(), by));
                }
            }
        }
        Kind::Clue => up_to = clue_up_to(view, body, up_to)?,
        Kind::ClueTally => {
            // A disposal is counted by the office that transferred the clue
            // too, and by the offices between it and the receiver.
            if body.get("event").and_then(Value::as_str) == Some("disposed")
                && let Some(v) = body.get("transferred_by")
            {
                to.push(("transferred_by".into(), v));
            }
        }
        Kind::Health | Kind::UnitRegister => {}
    }
    let mut ids: Vec<NodeId> = Vec::new();
    for (field, v) in to {
        let id = v
            .as_str()
            .and_then(|s| NodeId::new(s).ok())
            .ok_or_else(|| {
                refusal!(
                    format!("body.{field}"),
                    "refuse-office-id",
                    id = crate::clip::clip(&v.to_string())
                )
            })?;
        if id != view.me && !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(Route {
        up_to,
        to: ids,
        subtree,
    })
}

/// A clue transfer climbs to the level that manages the cadre concerned
/// (no further, and not at all when that is this node's level), within
/// this node's policy; a disposal report climbs as the policy says.
fn clue_up_to(view: &View, body: &Value, policy: Option<Level>) -> Result<Option<Level>, Refusal> {
    let Some(managing) = body.get("managing_level").and_then(Value::as_str) else {
        return Ok(policy);
    };
    let managing: Level = managing.parse().map_err(|_| {
        refusal!(
            "body.managing_level",
            "refuse-level-unknown",
            given = crate::clip::clip(managing)
        )
    })?;
    if managing.rank() >= view.level.rank() {
        return Ok(None);
    }
    match policy {
        Some(cap) if cap.rank() <= managing.rank() => Ok(Some(managing)),
        _ => Err(refusal!(
            "body.managing_level",
            "refuse-clue-routing",
            managing = managing,
            cap = policy.map_or("-", |l| l.as_str())
        )),
    }
}

fn array<'a>(body: &'a Value, field: &str) -> &'a [Value] {
    body.get(field)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}
