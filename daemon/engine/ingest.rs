//! The one path into the store: validate, authorise, route, commit, wake.

use chrono::Utc;
use uuid::Uuid;

use super::{Engine, Reason};
use crate::clip::clip;
use crate::records::Schemas;
use crate::records::{Classification, Kind, Record, RecordError, origin_doc};
use crate::routing::{self, Source, View};
use crate::store::{Applied, Commit, Committed, Incoming, StoreError};
use crate::submit::refused;
pub use crate::submit::{SubmitError, SubmitRequest, Submitted};
use crate::trust::{CHUNK, Verifier, open_clue, refuse_unsealed, seal_clue, sign_chunk};
use crate::workflow;

/// How far ahead of this node's clock a record's timestamps may be
/// (offices' clocks drift; a record dated further ahead is refused).
const MAX_CLOCK_AHEAD: std::time::Duration = std::time::Duration::from_secs(3600);

/// A record that passed every check, ready to commit.
pub type Admitted = Incoming;

/// A batch run through the rules and prepared, not yet written.
struct Prepared {
    /// The stored record of each unchanged resubmit, by request.
    out: Vec<Option<Submitted>>,
    /// (slot of the request, or None for a derived record, the record)
    records: Vec<(Option<usize>, Record)>,
    /// The refused requests, by index, in order.
    refused: Vec<(usize, SubmitError)>,
}

/// What a batch would do ([`Engine::check_batch`]): how many requests
/// would be stored anew or changed, how many are unchanged resubmits, and
/// every refusal with its request's index.
#[derive(Debug)]
pub struct BatchCheck {
    pub new: usize,
    pub unchanged: usize,
    pub refused: Vec<(usize, SubmitError)>,
}

/// Why a record from a peer was refused: a stable code and a sentence.
#[derive(Debug, Clone)]
pub struct Rejection {
    pub code: Reason,
    pub reason: String,
}

impl Engine {
    /// Validates one record received from a peer: size, JSON, schema, the
    /// fingerprint the sender declared, who may send it, and its origin's
    /// signature (with a tree manifest). Routes it.
    pub fn admit(
        &self,
        source: &Source,
        raw: &str,
        declared: Option<(&str, i64)>,
    ) -> Result<Admitted, Rejection> {
        let authority = self.authority();
        self.with_view(|v| {
            admit(
                self.schemas,
                v,
                authority.as_deref().map(super::Authority::verifier),
                self.config.limits.max_record_bytes,
                source,
                raw,
                declared,
            )
        })
    }

    /// Commits admitted records with the cursors covering them and the
    /// refusals of the same batch, then wakes the links that carry them.
    pub async fn commit(&self, c: Commit) -> Result<Committed, StoreError> {
        let dropped = WakeAllIfDropped(Some(self));
        let done = self.store.commit(c).await;
        dropped.disarm();
        let done = done?;
        let mut wake = std::collections::BTreeSet::new();
        for (item, a) in done.items.iter().zip(&done.applied) {
            if matches!(a, Applied::Stored { .. }) {
                wake.extend(item.hops.iter().cloned());
            }
        }
        if done
            .applied
            .iter()
            .any(|a| matches!(a, Applied::Stored { .. }))
        {
            self.notify_stored();
        }
        self.wake(wake);
        Ok(done)
    }

    /// Creates or updates a record owned by this node.
    pub async fn submit(&self, req: SubmitRequest) -> Result<Record, SubmitError> {
        let mut records = self.submit_batch(vec![req]).await.map_err(|(_, e)| e)?;
        Ok(records.remove(0).record)
    }

    /// Creates or updates many records owned by this node in one
    /// transaction: all are stored or none. Each request first meets the
    /// workflow rules of its kind, which may add derived records (the
    /// redacted copy of a common finding) to the same transaction. An error
    /// names the index of the offending request. Ids must be unique within
    /// a batch. Returns the records of the requests, in order.
    pub async fn submit_batch(
        &self,
        reqs: Vec<SubmitRequest>,
    ) -> Result<Vec<Submitted>, (usize, SubmitError)> {
        if self.recovering() {
            return Err((0, SubmitError::Recovering));
        }
        let Prepared {
            mut out,
            records,
            mut refused,
        } = self.prepare_batch(reqs, false).await?;
        if !refused.is_empty() {
            return Err(refused.remove(0));
        }
        if !records.is_empty() {
            let (slots, records): (Vec<Option<usize>>, Vec<Record>) = records.into_iter().unzip();
            let items = self.seal(records).map_err(|e| (0, e))?;
            let Committed { items, applied } = self
                .commit(Commit {
                    items,
                    ..Commit::default()
                })
                .await
                .map_err(|e| (0, e.into()))?;
            if let Some(k) = applied
                .iter()
                .position(|a| !matches!(a, Applied::Stored { .. }))
            {
                return Err((
                    slots[k].unwrap_or(0),
                    SubmitError::Conflict(items[k].record.id),
                ));
            }
            for (slot, item) in slots.into_iter().zip(items) {
                if let Some(s) = slot {
                    out[s] = Some(Submitted {
                        record: item.record,
                        doc: item.doc,
                    });
                }
            }
        }
        Ok(out
            .into_iter()
            .map(|r| r.expect("every request is answered or committed"))
            .collect())
    }

    /// What [`Engine::submit_batch`] would do with `reqs`, writing nothing:
    /// every request meets the same rules (later ones see the earlier ones
    /// that pass), and every refusal is reported, not only the first. A
    /// store error ends the check.
    pub async fn check_batch(&self, reqs: Vec<SubmitRequest>) -> Result<BatchCheck, SubmitError> {
        let p = self.prepare_batch(reqs, true).await.map_err(|(_, e)| e)?;
        Ok(BatchCheck {
            unchanged: p.out.iter().filter(|o| o.is_some()).count(),
            new: p.records.iter().filter(|(slot, _)| slot.is_some()).count(),
            refused: p.refused,
        })
    }

    /// Runs each request through its rules and [`Engine::prepare`]. With
    /// `all`, a refused request is set aside (with its derived records) and
    /// the rest go on; without, the first refusal ends it. Store errors
    /// always end it.
    async fn prepare_batch(
        &self,
        reqs: Vec<SubmitRequest>,
        all: bool,
    ) -> Result<Prepared, (usize, SubmitError)> {
        let ancestors = self.with_view(|v| v.ancestors.clone());
        let succession = self.succession();
        let ctx = workflow::rules::Context {
            me: &self.config.id,
            level: self.config.level,
            ancestors: &ancestors,
            taxonomy: &self.config.workflow.taxonomy,
            today: chrono::Local::now().date_naive(),
            succession: &succession,
        };
        let cache = workflow::rules::PlanCache::default();
        let n = reqs.len();
        let mut p = Prepared {
            out: (0..n).map(|_| None).collect(),
            records: Vec::new(),
            refused: Vec::new(),
        };
        let mut queue: std::collections::VecDeque<(usize, bool, SubmitRequest)> = reqs
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i, false, r))
            .collect();
        while let Some((i, derived, req)) = queue.pop_front() {
            match self
                .prepare_one(&ctx, &cache, &mut p, i, derived, req)
                .await
            {
                Ok(more) => queue.extend(more.into_iter().map(|r| (i, true, r))),
                Err(e @ SubmitError::Store(_)) => return Err((i, e)),
                Err(e) if all => p.refused.push((i, e)),
                Err(e) => return Err((i, e)),
            }
        }
        Ok(p)
    }

    /// One request of a batch: its rules (unless the daemon derived it),
    /// then [`Engine::prepare`]; an unchanged resubmit answers with the
    /// stored record, anything else joins the records to commit. Returns
    /// the derived records the rules added.
    async fn prepare_one(
        &self,
        ctx: &workflow::rules::Context<'_>,
        cache: &workflow::rules::PlanCache,
        p: &mut Prepared,
        i: usize,
        derived: bool,
        mut req: SubmitRequest,
    ) -> Result<Vec<SubmitRequest>, SubmitError> {
        // Derived records are the daemon's own writing; the rules made them.
        let more = if derived {
            Vec::new()
        } else {
            // An office may write an enumerated value by its Chinese name;
            // the rules, the schema and the signature see its code.
            crate::records::Names::builtin().to_codes(req.kind, &mut req.body);
            let lk = workflow::rules::Lookup::new(&self.store, &p.records, cache);
            workflow::rules::check_submit(ctx, &lk, &mut req).await?
        };
        let slot = (!derived).then_some(i);
        match self.prepare(req).await? {
            Ok(unchanged) => {
                if let Some(s) = slot {
                    let doc = serde_json::to_string(&unchanged)
                        .map_err(|e| SubmitError::Invalid(e.to_string()))?;
                    p.out[s] = Some(Submitted {
                        record: unchanged,
                        doc,
                    });
                }
            }
            Err(record) => {
                cache.prepared(&record);
                p.records.push((slot, record));
            }
        }
        Ok(more)
    }

    /// Builds the next version of a submitted record: `Ok` with the stored
    /// record when the submit changes nothing (idempotent resubmit), `Err`
    /// with the checked, not yet signed record to commit otherwise.
    async fn prepare(&self, req: SubmitRequest) -> Result<Result<Record, Record>, SubmitError> {
        // The whole record, body included, is validated below, once.
        let route = self
            .with_view(|v| routing::route_for_submit(v, req.kind, &req.body))
            .map_err(SubmitError::Refused)?;
        let now = Utc::now();
        // A fresh id cannot exist yet: only a client-supplied one is looked up.
        let (id, existing) = match req.id {
            Some(id) => (id, self.store.get(&id).await?),
            None => (Uuid::now_v7(), None),
        };
        let (version, created_at) = match &existing {
            Some(old) if old.origin != self.config.id => {
                return Err(SubmitError::NotOwner {
                    id,
                    origin: old.origin.to_string(),
                });
            }
            Some(old) if old.kind != req.kind => {
                return Err(refused!(
                    "kind",
                    "refuse-kind-changed",
                    id = id,
                    held = old.kind,
                    kind = req.kind
                ));
            }
            Some(old) => {
                let same = self.same_body(old, &req.body)
                    && old.round_id == req.round_id
                    && req.classification.is_none_or(|c| c == old.classification)
                    && old.route == route;
                if same {
                    return Ok(Ok(old.clone()));
                }
                (old.version + 1, old.created_at)
            }
            None => (1, now),
        };
        let classification = req.classification.unwrap_or(match req.kind {
            Kind::Clue => Classification::Secret,
            _ => Classification::Internal,
        });
        let record = Record {
            id,
            kind: req.kind,
            origin: self.config.id.clone(),
            version,
            created_at,
            updated_at: now,
            round_id: req.round_id,
            classification,
            route,
            body: req.body,
            signature: None,
        };
        let value =
            serde_json::to_value(&record).map_err(|e| SubmitError::Invalid(e.to_string()))?;
        self.schemas
            .check(&value)
            .map_err(|e| SubmitError::Invalid(e.to_string()))?;
        Ok(Err(record))
    }

    /// Whether a submitted `body` is what `old` holds: as stored, or, for
    /// a sealed clue, as it reads once opened (sealing again would give
    /// other ciphertext for the same content).
    fn same_body(&self, old: &Record, body: &serde_json::Value) -> bool {
        old.body == *body
            || self
                .opener
                .as_ref()
                .and_then(|keys| open_clue(old, keys).ok().flatten())
                .is_some_and(|opened| opened == *body)
    }

    /// Seals the content of this office's new clues for their readers
    /// (when the tree manifest gives it a sealing key, see
    /// [`crate::trust::seal_clue`]), then signs its new records with its
    /// key (when it has one), in chunks of [`CHUNK`] (see
    /// [`crate::trust`]), so the signature covers the ciphertext; writes
    /// their JSON and routes them: what a submit commits.
    fn seal(&self, mut records: Vec<Record>) -> Result<Vec<Incoming>, SubmitError> {
        if let Some(authority) = self.authority() {
            for record in &mut records {
                seal_clue(record, authority.manifest())
                    .map_err(|e| SubmitError::Invalid(format!("record {}: {e}", record.id)))?;
            }
        }
        if let Some(key) = &self.signer {
            for chunk in records.chunks_mut(CHUNK) {
                sign_chunk(chunk, key).map_err(|e| SubmitError::Invalid(e.to_string()))?;
            }
        }
        records
            .into_iter()
            .map(|record| {
                // Written from the record, not from a `Value`: serialising a
                // struct straight into a buffer costs less than walking a
                // `Value`'s maps (a few percent of a county's CPU on a bulk
                // submit). A signed record in its canonical text, which
                // the hops check fastest.
                let doc = origin_doc(&record).map_err(|e| SubmitError::Invalid(e.to_string()))?;
                let hops = self.with_view(|v| routing::next_hops(v, &record, &Source::Local));
                Ok(Incoming {
                    record,
                    doc,
                    hops: hops.links,
                    park: hops.park,
                })
            })
            .collect()
    }
}

/// Wakes every link and API waiter when dropped armed: a commit whose
/// future is dropped (a peer hung up mid-request) may still have stored
/// records, and nothing else would wake the links that carry them.
struct WakeAllIfDropped<'a>(Option<&'a Engine>);

impl WakeAllIfDropped<'_> {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for WakeAllIfDropped<'_> {
    fn drop(&mut self) {
        if let Some(e) = self.0 {
            e.notify_stored();
            e.wake(e.links().into_iter().map(|(p, _)| p));
        }
    }
}

/// The checks every record from a peer goes through, in order: size, JSON,
/// schema, clock, the fingerprint the sender declared, who may send it
/// (`routing`), and, when the node holds a tree manifest, its origin's
/// signature and, for a clue, that its content is sealed (`trust`); then
/// its next hops. Pure: no store, no IO (the
/// fuzz target drives it directly).
pub fn admit(
    schemas: &Schemas,
    view: &View,
    trust: Option<&Verifier>,
    max: usize,
    source: &Source,
    raw: &str,
    declared: Option<(&str, i64)>,
) -> Result<Admitted, Rejection> {
    if raw.len() > max {
        return Err(Rejection {
            code: Reason::TooLarge,
            reason: format!(
                "record of {} bytes exceeds the limit of {max} bytes",
                raw.len()
            ),
        });
    }
    let value: serde_json::Value = serde_json::from_str(raw).map_err(|e| Rejection {
        code: Reason::Malformed,
        reason: format!("record is not valid JSON: {}", clip(&e.to_string())),
    })?;
    let record = schemas
        .validate(value)
        .map_err(|e: RecordError| Rejection {
            code: Reason::Schema,
            reason: e.to_string(),
        })?;
    let ahead = record.updated_at.max(record.created_at) - Utc::now();
    if ahead > chrono::Duration::from_std(MAX_CLOCK_AHEAD).unwrap_or(chrono::Duration::MAX) {
        return Err(Rejection {
            code: Reason::Future,
            reason: format!(
                "record {} is dated {}, more than {} minutes ahead of this node's clock",
                record.id,
                record.updated_at.max(record.created_at).to_rfc3339(),
                MAX_CLOCK_AHEAD.as_secs() / 60
            ),
        });
    }
    if record.created_at > record.updated_at {
        return Err(Rejection {
            code: Reason::Schema,
            reason: format!("record {}: created_at is after updated_at", record.id),
        });
    }
    if let Some((id, version)) = declared
        && (record.id.to_string() != id || record.version as i64 != version)
    {
        return Err(Rejection {
            code: Reason::Fingerprint,
            reason: format!(
                "declared {} v{version} but the record is {} v{}",
                clip(id),
                record.id,
                record.version
            ),
        });
    }
    let hops = match source {
        Source::Child(c) => routing::check_from_child(view, c, &record),
        Source::Parent => routing::check_from_parent(view, &record),
        Source::Recovery => routing::check_recovered(view, &record),
        Source::Local => Ok(()),
    }
    .map(|()| routing::next_hops(view, &record, source));
    let hops = hops.map_err(|r| Rejection {
        code: Reason::NotAllowed,
        reason: r.to_string(),
    })?;
    if let Some(v) = trust {
        v.check_doc(&record, raw).map_err(|e| Rejection {
            code: Reason::Signature,
            reason: format!("record {} of {}: {e}", record.id, record.origin),
        })?;
        if let Some(reason) = refuse_unsealed(v.manifest(), &record) {
            return Err(Rejection {
                code: Reason::Schema,
                reason,
            });
        }
    }
    Ok(Incoming {
        record,
        doc: raw.to_string(),
        hops: hops.links,
        park: hops.park,
    })
}
