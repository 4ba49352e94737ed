//! The route an origin gives a new record, from its kind, its body and the
//! origin's policy. Fixed at submit; every hop applies it unchanged.

use serde_json::Value;

use super::View;
use crate::node::NodeId;
use crate::records::{Kind, Route};

/// Computes the route of a record of `kind` with `body` submitted here.
/// Errors name the body field that holds a bad node id.
pub fn route_for_submit(view: &View, kind: Kind, body: &Value) -> Result<Route, String> {
    let up_to = view.policy.get(&kind).copied().flatten();
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
            for field in ["inspecting_office", "host_office"] {
                if let Some(v) = body.get(field) {
                    to.push((field.to_string(), v));
                }
            }
        }
        Kind::Finding | Kind::Clue | Kind::Health => {}
    }
    let mut ids: Vec<NodeId> = Vec::new();
    for (field, v) in to {
        let id = v
            .as_str()
            .and_then(|s| NodeId::new(s).ok())
            .ok_or_else(|| format!("body.{field}: {v} is not a node id"))?;
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

fn array<'a>(body: &'a Value, field: &str) -> &'a [Value] {
    body.get(field)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}
