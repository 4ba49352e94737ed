//! Fuzzes what a parent does with a child's push body: decode the request,
//! then run every record through the same admission checks the daemon uses
//! (size, JSON, schema, clock, fingerprint, routing authorisation) and the
//! canonical encoding. Nothing may panic, whatever the bytes.
#![no_main]

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use xunlian::node::{Level, NodeId};
use xunlian::records::{Kind, Schemas, canonical_bytes};
use xunlian::routing::{Source, View};
use xunlian::sync::wire::PushRequest;

/// Municipality 630100 with counties 630102 and 630103 below it.
fn view() -> &'static View {
    static VIEW: OnceLock<View> = OnceLock::new();
    VIEW.get_or_init(|| {
        let id = |s: &str| NodeId::new(s).expect("valid id");
        let children = vec![id("630102"), id("630103")];
        let below: HashMap<NodeId, NodeId> = children.iter().map(|c| (c.clone(), c.clone())).collect();
        let policy: BTreeMap<Kind, Option<Level>> =
            Kind::ALL.iter().map(|k| (*k, xunlian::config::default_routing(*k))).collect();
        View {
            me: id("630100"),
            level: Level::Municipal,
            parent: Some((id("630000"), Level::Provincial)),
            ancestors: vec![(id("630000"), Level::Provincial), (id("000000"), Level::Central)],
            children,
            below,
            policy,
            successors: HashMap::new(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(req) = serde_json::from_slice::<PushRequest>(data) else { return };
    let source = Source::Child(NodeId::new("630102").expect("valid id"));
    for item in &req.records {
        let admitted = xunlian::engine::admit(
            Schemas::builtin(),
            view(),
            None,
            256 * 1024,
            &source,
            item.record.get(),
            Some((&item.id, item.version)),
        );
        if let Ok(a) = admitted {
            let _ = canonical_bytes(&a.record);
        }
    }
});
