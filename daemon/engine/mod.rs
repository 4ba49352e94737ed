//! The running state of one node: its configuration, store, schemas, view
//! of the tree and links. Everything that accepts records funnels through
//! [`Engine::admit`] / [`Engine::commit`], so validation and routing happen
//! in the same order for local submits, pushes and pulls; everything that
//! changes a link's queue is an engine method ([`queues`]) that wakes the
//! link. The store is private: others read it through [`Engine::store`].
//!
//! Files: `authority` (the tree manifest this node believes),
//! `manifest_file` (a newer manifest file taken while running), `ingest`
//! (admit, commit, submit), `queues` (acks, re-queues,
//! parked records), `quarantine` (operators retry or discard refused
//! records), `links` (link state and its events), `reason` (the
//! refusal codes of the protocol), `resend` (records altered in this
//! store, dropped and asked for again).

#[cfg(test)]
mod admit_cases;
mod authority;
mod ingest;
mod links;
pub mod manifest_file;
mod quarantine;
mod queues;
mod reason;
mod recovery;
mod resend;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

pub use authority::Authority;
pub use ingest::{Admitted, BatchCheck, Rejection, SubmitError, SubmitRequest, Submitted, admit};
pub use links::{Direction, Link, LinkEvent, LinkState, SESSION_GRACE};
pub use quarantine::{QuarantineError, Retried};
pub use reason::Reason;
pub use recovery::mark_restored;
pub use resend::MAX_RESEND;

use crate::config::Config;
use crate::node::{Level, NodeId};
use crate::records::Schemas;
use crate::routing::View;
use crate::store::{Store, StoreError, TopologyEntry};
use crate::trust::{OpeningKeys, SigningKey};

/// How many KiB of child pushes (request bodies) are admitted and committed
/// at once: a few full batches, or thousands of small pushes that then
/// share group commits.
const PUSH_KIB_IN_FLIGHT: usize = 16 * 1024;

/// Meta key under which the ancestors learned from the parent are kept.
const ANCESTORS_KEY: &str = "ancestors";

/// Shared handle to a node's runtime state.
pub type SharedEngine = Arc<Engine>;

pub struct Engine {
    pub config: Arc<Config>,
    store: Store,
    pub schemas: &'static Schemas,
    /// A std lock: routing reads it without awaiting.
    view: RwLock<View>,
    /// The parent link (if any) and one per child: the tree manifest's
    /// children when there is one (a newer manifest adds and removes
    /// them, [`Engine::rebuild_below`]), else the config's. A std lock:
    /// never held across an await.
    links: RwLock<HashMap<NodeId, Arc<Link>>>,
    /// Refused requests of callers that have no link (a certificate that
    /// names no configured child), by reason. A std lock: never held
    /// across an await.
    unlinked_refusals: std::sync::Mutex<BTreeMap<Reason, u64>>,
    /// Bumped when the known subtree changes, so the uplink re-announces it.
    topology_changed: watch::Sender<u64>,
    /// Bumped after every commit that stored something, for API long-polls.
    stored: watch::Sender<u64>,
    /// Hash of the subtree this node knows, sent with every push so the
    /// parent notices when it has not yet been told about a change.
    /// A std lock: never held across an await.
    own_subtree_hash: RwLock<String>,
    /// Per child, the hash of the subtree it last announced to us.
    /// A std lock: never held across an await.
    announced: std::sync::Mutex<HashMap<NodeId, String>>,
    /// KiB of pushes admitted and committed at once. A bound keeps many
    /// children pushing full batches together (a municipality after a
    /// network outage) from holding every parsed batch in memory and
    /// thrashing two cores; see [`Engine::push_permit`].
    push_budget: tokio::sync::Semaphore,
    /// Every known descendant by id, with the child link that leads to it:
    /// the store's topology table, kept in memory so that a hello costs
    /// the size of the child's own subtree, not that of the whole (a
    /// municipality with thousands of counties). A std lock: never held
    /// across an await.
    topology: RwLock<BTreeMap<NodeId, (TopologyEntry, NodeId)>>,
    /// Held while a child's announcement is learned, so the table and
    /// `topology` take announcements in the same order.
    learning: tokio::sync::Mutex<()>,
    /// The tree manifest, if the config has `[trust]`. A std lock: never
    /// held across an await.
    authority: RwLock<Option<Arc<Authority>>>,
    /// Records altered in this store that were dropped, by the office asked
    /// to send them again (see [`resend`]). Held across the store write
    /// that keeps a change, so changes keep their order.
    resend: tokio::sync::Mutex<resend::Asks>,
    /// Set while this office takes its own records back from its parent
    /// after a restore (see [`recovery`]): submits wait for it.
    recovering: std::sync::atomic::AtomicBool,
    /// This office's record-signing key (`[trust] sign_key`): every record
    /// it writes is signed with it.
    signer: Option<SigningKey>,
    /// This office's clue-sealing keys (`[trust] seal_key`): what opens
    /// the clues sealed to it.
    opener: Option<OpeningKeys>,
    pub started_at: chrono::DateTime<chrono::Utc>,
}

impl Engine {
    /// Opens the store, loads the tree manifest and builds the node's view
    /// from config and the topology learned earlier.
    pub async fn open(config: Arc<Config>) -> anyhow::Result<SharedEngine> {
        let store = Store::open(&config.store_url, &config.id, config.store_max_bytes).await?;
        let authority = authority::load(&config, &store).await?;
        let wanted = resend::load(&store).await?;
        let recovering = recovery::pending(&store).await?;
        let signer = match &config.trust {
            Some(t) => Some(SigningKey::load(&t.sign_key)?),
            None => None,
        };
        let long_poll = config.limits.long_poll;
        let opener = match config.trust.as_ref().and_then(|t| t.seal_key.as_deref()) {
            Some(path) => Some(OpeningKeys::load(path)?),
            None => None,
        };
        let mut links = HashMap::new();
        if let Some(p) = &config.parent {
            links.insert(
                p.id.clone(),
                Arc::new(Link::new(p.id.clone(), Direction::Parent, long_poll)),
            );
        }
        let children = match &authority {
            Some(a) => a.children(&config.id),
            None => config.children.clone(),
        };
        for c in &children {
            links.insert(
                c.clone(),
                Arc::new(Link::new(c.clone(), Direction::Child, long_poll)),
            );
        }
        let view = View {
            me: config.id.clone(),
            level: config.level,
            parent: config.parent.as_ref().map(|p| (p.id.clone(), p.level)),
            ancestors: Vec::new(),
            children,
            below: HashMap::new(),
            policy: config.routing.clone(),
            successors: HashMap::new(),
        };
        let engine = Arc::new(Engine {
            config,
            store,
            schemas: Schemas::builtin(),
            view: RwLock::new(view),
            links: RwLock::new(links),
            unlinked_refusals: std::sync::Mutex::new(BTreeMap::new()),
            topology_changed: watch::channel(0).0,
            stored: watch::channel(0).0,
            own_subtree_hash: RwLock::new(String::new()),
            announced: std::sync::Mutex::new(HashMap::new()),
            push_budget: tokio::sync::Semaphore::new(PUSH_KIB_IN_FLIGHT),
            topology: RwLock::new(BTreeMap::new()),
            learning: tokio::sync::Mutex::new(()),
            authority: RwLock::new(authority.map(Arc::new)),
            resend: tokio::sync::Mutex::new(wanted),
            recovering: recovering.into(),
            signer,
            opener,
            started_at: chrono::Utc::now(),
        });
        let learned = engine.store.topology().await?;
        *engine.topology.write().unwrap_or_else(|p| p.into_inner()) = learned
            .into_iter()
            .map(|(e, via)| (e.node.clone(), (e, via)))
            .collect();
        engine.rebuild_below();
        engine.follow_move().await?;
        if let Some(json) = engine.store.meta_get(ANCESTORS_KEY).await? {
            let saved: Vec<(String, String)> = serde_json::from_str(&json).unwrap_or_default();
            let ancestors = saved
                .into_iter()
                .filter_map(|(id, level)| Some((NodeId::new(id).ok()?, level.parse().ok()?)))
                .collect();
            engine
                .view
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .ancestors = ancestors;
        }
        Ok(engine)
    }

    /// Waits until a push of `bytes` may be admitted; it may while the
    /// permit lives. None when the node is stopping.
    pub async fn push_permit(&self, bytes: usize) -> Option<tokio::sync::SemaphorePermit<'_>> {
        let kib = (bytes / 1024 + 1).min(PUSH_KIB_IN_FLIGHT);
        self.push_budget
            .acquire_many(u32::try_from(kib).unwrap_or(u32::MAX))
            .await
            .ok()
    }

    /// The tree manifest this node believes, if it has one.
    /// This office's clue-sealing keys, if its config names them.
    pub fn opener(&self) -> Option<&OpeningKeys> {
        self.opener.as_ref()
    }

    /// This office's record-signing key, if it has `[trust]` (offline
    /// bundles are signed with it too).
    pub fn signer(&self) -> Option<&SigningKey> {
        self.signer.as_ref()
    }

    pub fn authority(&self) -> Option<Arc<Authority>> {
        self.authority
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Takes a tree manifest the parent sent (see [`authority::accept`]):
    /// if it replaces the held one, `below` is rebuilt, the subtree is
    /// announced upward again, and every child is asked to say hello again
    /// (its next push is `topology_stale`) so the manifest travels on down.
    /// Returns the version now held when it changed.
    pub async fn offer_manifest(
        &self,
        offered: crate::trust::SignedManifest,
    ) -> anyhow::Result<Option<u64>> {
        let _one_at_a_time = self.learning.lock().await;
        let held = self.authority();
        let Some(new) =
            authority::accept(&self.config, &self.store, held.as_deref(), offered).await?
        else {
            return Ok(None);
        };
        let version = new.manifest().version;
        let before = self.succession();
        let links_before = self.with_view(|v| v.below.clone());
        // Before the view changes: a push admitted under the new tree finds
        // its hash gone and is asked to announce again (`sync::inbound::push`).
        self.announced
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        *self.authority.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(new));
        for gone in self.rebuild_below() {
            self.drop_moved(&gone).await?;
        }
        self.send_the_new_way(&links_before).await?;
        let taken_over: Vec<NodeId> = self
            .succession()
            .pairs()
            .filter(|(from, to)| !before.pairs().any(|(f, t)| f == *from && t == *to))
            .map(|(from, _)| from.clone())
            .collect();
        if !taken_over.is_empty() {
            self.send_to_successors(&taken_over).await?;
        }
        self.retry_after_tree_change().await?;
        self.topology_changed
            .send_modify(|v| *v = v.wrapping_add(1));
        Ok(Some(version))
    }

    /// Who took over whom, as the tree manifest says (empty without one).
    pub fn succession(&self) -> crate::workflow::Succession {
        let Some(a) = self.authority() else {
            return crate::workflow::Succession::default();
        };
        crate::workflow::Succession::new(
            a.manifest()
                .offices
                .iter()
                .filter_map(|o| Some((o.id.clone(), o.successor.clone()?))),
        )
    }

    pub fn id(&self) -> &NodeId {
        &self.config.id
    }

    /// The store, for reads. Writes that change a link's queue are
    /// engine methods (see [`queues`]); records go in through
    /// [`Engine::commit`].
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Counts a refused request from `peer`: on its link, or, for a caller
    /// with no link, per node.
    pub fn count_refusal(&self, peer: &NodeId, reason: Reason) {
        match self.link(peer) {
            Some(l) => {
                l.record(LinkEvent::Refused(reason));
            }
            None => {
                *self
                    .unlinked_refusals
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(reason)
                    .or_default() += 1
            }
        }
    }

    /// Refused requests of callers with no link, by reason.
    pub fn unlinked_refusals(&self) -> BTreeMap<Reason, u64> {
        self.unlinked_refusals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Runs `f` with the current view under the read lock.
    pub fn with_view<T>(&self, f: impl FnOnce(&View) -> T) -> T {
        f(&self.view.read().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn link(&self, peer: &NodeId) -> Option<Arc<Link>> {
        self.links
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(peer)
            .cloned()
    }

    /// Every link now, by peer.
    pub fn links(&self) -> Vec<(NodeId, Arc<Link>)> {
        let links = self.links.read().unwrap_or_else(|p| p.into_inner());
        links.iter().map(|(p, l)| (p.clone(), l.clone())).collect()
    }

    /// Wakes every link in `peers`.
    pub fn wake(&self, peers: impl IntoIterator<Item = NodeId>) {
        let links = self.links.read().unwrap_or_else(|p| p.into_inner());
        for p in peers {
            if let Some(l) = links.get(&p) {
                l.wake();
            }
        }
    }

    /// Makes the child links `children`: a link for each new child, and
    /// the links of offices that are no longer children removed (a moved
    /// office: its requests are refused `not_a_child` from now on), whose
    /// ids it returns.
    fn set_child_links(&self, children: &[NodeId]) -> Vec<NodeId> {
        let mut links = self.links.write().unwrap_or_else(|p| p.into_inner());
        let gone: Vec<NodeId> = links
            .iter()
            .filter(|(id, l)| l.direction == Direction::Child && !children.contains(id))
            .map(|(id, _)| id.clone())
            .collect();
        links.retain(|id, _| !gone.contains(id));
        for c in children {
            if !links.contains_key(c) {
                tracing::info!(message = "New child office from the tree manifest.", child = %c);
                links.insert(
                    c.clone(),
                    Arc::new(Link::new(
                        c.clone(),
                        Direction::Child,
                        self.config.limits.long_poll,
                    )),
                );
            }
        }
        gone
    }

    /// A receiver that sees every later commit that stored a record.
    pub fn subscribe_stored(&self) -> watch::Receiver<u64> {
        self.stored.subscribe()
    }

    fn notify_stored(&self) {
        self.stored.send_modify(|v| *v = v.wrapping_add(1));
    }

    pub fn subscribe_topology(&self) -> watch::Receiver<u64> {
        self.topology_changed.subscribe()
    }

    /// Takes the ancestors the parent told us about, and keeps them in the
    /// store so a restarted node knows them before it reconnects. A list
    /// that is a strict prefix of what we know is a parent that has not yet
    /// reconnected upward itself: it does not shrink our knowledge.
    pub async fn learn_ancestors(&self, told: &[Ancestor]) -> Result<(), StoreError> {
        let told: Vec<(NodeId, Level)> = told.iter().map(|a| (a.id.clone(), a.level)).collect();
        let changed = {
            let mut v = self.view.write().unwrap_or_else(|p| p.into_inner());
            let known_longer =
                v.ancestors.len() > told.len() && v.ancestors[..told.len()] == told[..];
            if known_longer || v.ancestors == told {
                false
            } else {
                v.ancestors = told;
                true
            }
        };
        if changed {
            let json = self.with_view(|v| {
                serde_json::to_string(
                    &v.ancestors
                        .iter()
                        .map(|(id, l)| (id.as_str(), l.as_str()))
                        .collect::<Vec<_>>(),
                )
                .unwrap_or_default()
            });
            self.store.meta_set(ANCESTORS_KEY, &json).await?;
        }
        Ok(())
    }

    /// This node and its ancestors, nearest first: what a child is told.
    pub fn ancestors_for_child(&self) -> Vec<Ancestor> {
        let mut out = vec![Ancestor {
            id: self.config.id.clone(),
            level: self.config.level,
        }];
        self.with_view(|v| {
            out.extend(v.ancestors.iter().map(|(id, level)| Ancestor {
                id: id.clone(),
                level: *level,
            }))
        });
        out
    }

    /// Every office known below this node, for announcing upward and for
    /// the workflow's tree: with a tree manifest, every office it puts
    /// below this one (connected or not); without, the children that said
    /// hello and what they announced.
    pub async fn subtree_entries(&self) -> Result<Vec<TopologyEntry>, StoreError> {
        if let Some(a) = self.authority() {
            return Ok(a.below(self.id()).into_iter().map(|(e, _)| e).collect());
        }
        let topology = self.topology.read().unwrap_or_else(|p| p.into_inner());
        Ok(topology.values().map(|(e, _)| e.clone()).collect())
    }

    /// The hash of the subtree this node knows (see [`topology_hash`]).
    pub fn own_subtree_hash(&self) -> String {
        self.own_subtree_hash
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Remembers the hash of what `child` announced in its hello.
    fn set_announced(&self, child: &NodeId, hash: String) {
        self.announced
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(child.clone(), hash);
    }

    /// True when `child`'s current subtree hash is the one it announced.
    pub fn announced_matches(&self, child: &NodeId, hash: &str) -> bool {
        self.announced
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(child)
            .is_some_and(|h| h == hash)
    }

    /// Takes a child's announcement of itself and its subtree, and the hash
    /// its pushes will carry for it. Entries that claim this node, an
    /// ancestor, or an office another child leads to are dropped with a
    /// warning. Returns whether anything changed.
    ///
    /// The hash is recorded only once the view routes by the subtree, under
    /// the same lock: a child's hellos and pushes may overlap on one
    /// connection, and a push that matches the hash must be checked against
    /// the subtree it was cut for, never an older one.
    pub async fn learn_subtree(
        &self,
        child: &NodeId,
        mut entries: Vec<TopologyEntry>,
        announced: String,
    ) -> Result<bool, StoreError> {
        entries.sort_by(|a, b| a.node.cmp(&b.node));
        let _one_at_a_time = self.learning.lock().await;
        entries.retain(|e| {
            let ok = self.with_view(|v| {
                e.node != v.me
                    && !v.ancestors.iter().any(|(a, _)| *a == e.node)
                    && v.below.get(&e.node).is_none_or(|via| via == child)
            });
            if !ok {
                tracing::warn!(
                    message = "Ignoring a topology claim that conflicts with this node's tree.",
                    peer = %child,
                    node = %e.node
                );
            }
            ok
        });
        let unchanged = {
            let topology = self.topology.read().unwrap_or_else(|p| p.into_inner());
            let mine = topology.values().filter(|(_, via)| via == child);
            mine.map(|(e, _)| e).eq(entries.iter())
        };
        if unchanged {
            self.set_announced(child, announced);
            return Ok(false);
        }
        self.store.replace_subtree(child, &entries).await?;
        {
            // As the table: an office another child already leads to stays his.
            let mut topology = self.topology.write().unwrap_or_else(|p| p.into_inner());
            topology.retain(|_, (_, via)| via != child);
            for e in entries {
                topology
                    .entry(e.node.clone())
                    .or_insert_with(|| (e, child.clone()));
            }
        }
        self.rebuild_below();
        self.set_announced(child, announced);
        self.topology_changed
            .send_modify(|v| *v = v.wrapping_add(1));
        Ok(true)
    }

    /// Rebuilds the child links, `below` and the subtree hash: from the
    /// tree manifest if there is one (the learned topology then only tells
    /// who is alive), else from the children in config and `topology`.
    /// Returns the children whose links went.
    fn rebuild_below(&self) -> Vec<NodeId> {
        let authority = self.authority();
        let children = match &authority {
            Some(a) => a.children(self.id()),
            None => self.config.children.clone(),
        };
        let gone = self.set_child_links(&children);
        let mut below: HashMap<NodeId, NodeId> = HashMap::new();
        for c in &children {
            below.insert(c.clone(), c.clone());
        }
        let hash = if let Some(a) = authority {
            let stated = a.below(self.id());
            for (e, via) in &stated {
                below.insert(e.node.clone(), via.clone());
            }
            // In id order, as the manifest keeps its offices.
            hash_sorted(&stated.iter().map(|(e, _)| e).collect::<Vec<_>>())
        } else {
            let topology = self.topology.read().unwrap_or_else(|p| p.into_inner());
            for (node, (_, via)) in topology.iter() {
                below.entry(node.clone()).or_insert_with(|| via.clone());
            }
            // Keyed by node id: already in the order the hash wants.
            hash_sorted(&topology.values().map(|(e, _)| e).collect::<Vec<_>>())
        };
        *self
            .own_subtree_hash
            .write()
            .unwrap_or_else(|p| p.into_inner()) = hash;
        let successors = self
            .succession()
            .pairs()
            .map(|(a, b)| (a.clone(), b.clone()))
            .collect();
        let mut view = self.view.write().unwrap_or_else(|p| p.into_inner());
        view.below = below;
        view.children = children;
        view.successors = successors;
        gone
    }

    /// The tree as the workflow reports see it from here: this node, its
    /// ancestors and its known subtree.
    pub async fn workflow_tree(&self) -> Result<crate::workflow::Tree, StoreError> {
        let below = self.subtree_entries().await?;
        let ancestors = self.with_view(|v| v.ancestors.clone());
        Ok(crate::workflow::Tree::new(
            &self.config.id,
            &self.config.name,
            self.config.level,
            &ancestors,
            &below,
        ))
    }

    /// Link states by peer, for status and metrics.
    pub fn link_states(&self) -> BTreeMap<NodeId, (Direction, LinkState)> {
        self.links
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(id, l)| (id.clone(), (l.direction, l.snapshot())))
            .collect()
    }
}

/// An ancestor as told to a child (a wire type of the peer protocol).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ancestor {
    pub id: NodeId,
    pub level: Level,
}

/// A hash of a subtree announcement: hex SHA-256 of the entries sorted by
/// node id, as JSON. Both ends compute it the same way.
pub fn topology_hash(entries: &[TopologyEntry]) -> String {
    let mut sorted: Vec<&TopologyEntry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.node.cmp(&b.node));
    hash_sorted(&sorted)
}

/// [`topology_hash`] of entries already sorted by node id.
fn hash_sorted(sorted: &[&TopologyEntry]) -> String {
    let json = serde_json::to_vec(sorted).unwrap_or_default();
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &json);
    crate::hex::encode(d.as_ref())
}
