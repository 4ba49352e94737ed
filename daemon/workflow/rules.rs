//! The domain rules a record must meet where it is written: round plans
//! (dates, teams, targets in the register or under an assignment, no unit
//! taken over by a higher office), findings (a known round, the term's
//! taxonomy), clues (how far up, never through the host), rectification
//! transitions, registers; assignments ([`super::assign`]) and released
//! cross findings ([`super::release`]) have their own modules. Also fills
//! what the daemon derives: the ids of single-purpose records, the attempt
//! of a rectification, the coordinator of a cross finding, and the
//! redacted copy of a common finding.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::Value;
use uuid::Uuid;

use super::bodies::{self, Assignment, Clue, Finding, Rectification, RoundPlan, UnitRegister};
use super::ids;
use super::rectify::{self, Parties, Status};
use super::snapshot::{Tree, host_of};
use super::taxonomy::Taxonomy;
use super::{assign, release};
use crate::engine::{SubmitError, SubmitRequest};
use crate::node::{Level, NodeId};
use crate::records::{Kind, Record};
use crate::store::{Incoming, RecordFilter, Store, StoreError};

/// Who is writing, and by which taxonomy.
pub struct Context<'a> {
    pub me: &'a NodeId,
    pub level: Level,
    /// Ancestors, nearest first.
    pub ancestors: &'a [(NodeId, Level)],
    pub taxonomy: &'a Taxonomy,
    /// The day dated rules go by (the feedback date of a release).
    pub today: NaiveDate,
}

impl Context<'_> {
    /// Did this office or one above it write `r`? Only such an assignment
    /// has authority over this office's plans.
    pub(super) fn issued_above(&self, r: &Record) -> bool {
        r.origin == *self.me || self.ancestors.iter().any(|(a, _)| *a == r.origin)
    }
}

/// Round plans read from the store or prepared during one submit batch, so
/// a bulk of findings of one round reads its plan once.
#[derive(Default)]
pub struct PlanCache(std::sync::Mutex<HashMap<(NodeId, String), Option<Record>>>);

impl PlanCache {
    /// Notes a record prepared in this batch: a round plan replaces what
    /// the cache held for its round.
    pub fn prepared(&self, r: &Record) {
        if r.kind == Kind::RoundPlan
            && let Some(round) = bodies::round_of(r)
        {
            let key = (r.origin.clone(), round.to_string());
            self.lock().insert(key, Some(r.clone()));
        }
    }

    /// A std lock: never held across an await.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(NodeId, String), Option<Record>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What the rules may look up: the records this node holds, plus those
/// prepared earlier in the same submit batch (which win).
pub struct Lookup<'a> {
    store: &'a Store,
    pending: &'a [(Option<usize>, Incoming)],
    cache: &'a PlanCache,
}

impl<'a> Lookup<'a> {
    pub fn new(
        store: &'a Store,
        pending: &'a [(Option<usize>, Incoming)],
        cache: &'a PlanCache,
    ) -> Lookup<'a> {
        Lookup {
            store,
            pending,
            cache,
        }
    }

    fn pending(&self) -> impl DoubleEndedIterator<Item = &Record> {
        self.pending.iter().map(|(_, i)| &i.record)
    }

    pub async fn get(&self, id: &Uuid) -> Result<Option<Record>, StoreError> {
        match self.pending().rev().find(|r| r.id == *id) {
            Some(r) => Ok(Some(r.clone())),
            None => self.store.get(id).await,
        }
    }

    /// The round plan of `origin` for `round` (one prepared earlier in the
    /// batch wins: [`PlanCache::prepared`] put it in the cache).
    pub async fn plan(&self, origin: &NodeId, round: &str) -> Result<Option<Record>, StoreError> {
        let key = (origin.clone(), round.to_string());
        if let Some(hit) = self.lock().get(&key) {
            return Ok(hit.clone());
        }
        let found = self
            .store
            .query(&RecordFilter {
                kind: Some(Kind::RoundPlan),
                round_id: Some(round.to_string()),
                origin: Some(origin.clone()),
                since_seq: None,
                since_time: None,
                limit: 1,
            })
            .await?;
        let plan = found.into_iter().next().map(|(_, r)| r);
        self.lock().insert(key, plan.clone());
        Ok(plan)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(NodeId, String), Option<Record>>> {
        self.cache.lock()
    }

    /// Every assignment held that this office or one above it issued, with
    /// its body (one from anywhere else has no authority here).
    pub async fn assignments(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<(Record, Assignment)>, StoreError> {
        let mut all = self.store.records_of_kind(Kind::Assignment).await?;
        all.extend(
            self.pending()
                .filter(|r| r.kind == Kind::Assignment)
                .cloned(),
        );
        Ok(all
            .into_iter()
            .filter(|r| ctx.issued_above(r))
            .filter_map(|r| {
                let a = bodies::read(&r).ok()?;
                Some((r, a))
            })
            .collect())
    }

    /// The unit register of `office`, if held (only one it wrote counts).
    pub async fn register(&self, office: &str) -> Result<Option<UnitRegister>, StoreError> {
        Ok(match self.get(&ids::register(office)).await? {
            Some(r) if r.origin.as_str() == office => bodies::read(&r).ok(),
            _ => None,
        })
    }

    /// The tree as this office knows it: itself, its ancestors, and the
    /// subtree its children announced (names are not needed here).
    pub async fn tree(&self, ctx: &Context<'_>) -> Result<Tree, StoreError> {
        let below: Vec<_> = self
            .store
            .topology()
            .await?
            .into_iter()
            .map(|(e, _)| e)
            .collect();
        Ok(Tree::new(ctx.me, "", ctx.level, ctx.ancestors, &below))
    }
}

pub(super) fn invalid(msg: impl Into<String>) -> SubmitError {
    SubmitError::Invalid(msg.into())
}

pub(super) fn read<T: serde::de::DeserializeOwned>(
    kind: Kind,
    body: &Value,
) -> Result<T, SubmitError> {
    serde_json::from_value(body.clone()).map_err(|e| invalid(format!("{kind} body: {e}")))
}

/// Checks `req` against the rules of its kind and fills what the daemon
/// derives. Returns further records to write in the same transaction.
pub async fn check_submit(
    ctx: &Context<'_>,
    lk: &Lookup<'_>,
    req: &mut SubmitRequest,
) -> Result<Vec<SubmitRequest>, SubmitError> {
    match req.kind {
        Kind::RoundPlan => check_plan(ctx, lk, req).await.map(|()| vec![]),
        Kind::Finding => check_finding(ctx, lk, req).await,
        Kind::Clue => check_clue(ctx, lk, req).await.map(|tally| vec![tally]),
        Kind::Rectification => check_rectification(ctx, lk, req).await.map(|()| vec![]),
        Kind::UnitRegister => check_register(ctx, req).map(|()| vec![]),
        Kind::ClueTally => Err(invalid(
            "clue_tally records are written by the daemon when a clue is transferred or disposed; submit the clue",
        )),
        Kind::Assignment => assign::check(ctx, lk, req).await.map(|()| vec![]),
        Kind::Notice | Kind::Health => Ok(vec![]),
    }
}

/// A derived id: the client may repeat it but not choose another.
pub(super) fn derived_id(req: &mut SubmitRequest, id: Uuid, what: &str) -> Result<(), SubmitError> {
    match req.id {
        Some(given) if given != id => Err(invalid(format!(
            "the id of {what} is derived ({id}); leave \"id\" out"
        ))),
        _ => {
            req.id = Some(id);
            Ok(())
        }
    }
}

async fn check_plan(
    ctx: &Context<'_>,
    lk: &Lookup<'_>,
    req: &mut SubmitRequest,
) -> Result<(), SubmitError> {
    let round = req.round_id.clone().ok_or_else(|| {
        invalid("a round_plan needs \"round_id\": the round's id, shared by its findings (e.g. 630202-2024-2)")
    })?;
    let p: RoundPlan = read(Kind::RoundPlan, &req.body)?;
    ctx.taxonomy
        .check_term(&p.term)
        .map_err(|e| invalid(format!("body.term: {e}")))?;
    let dates = [
        ("start", p.dates.start),
        ("entry", p.dates.entry),
        ("feedback", p.dates.feedback),
        ("end", p.dates.end),
    ];
    let set: Vec<_> = dates
        .iter()
        .filter_map(|(n, d)| Some((*n, (*d)?)))
        .collect();
    for w in set.windows(2) {
        if w[1].1 < w[0].1 {
            return Err(invalid(format!(
                "body.dates.{}: {} is before {} {}; dates run start ≤ entry (进驻) ≤ feedback (反馈) ≤ end",
                w[1].0, w[1].1, w[0].0, w[0].1
            )));
        }
    }
    for (i, t) in p.teams.iter().enumerate() {
        if p.teams[..i].iter().any(|o| o.id == t.id) {
            return Err(invalid(format!(
                "body.teams[{i}].id: team {} is listed twice",
                t.id
            )));
        }
    }
    if let Some(existing) = lk.plan(ctx.me, &round).await?
        && Some(existing.id) != req.id
    {
        return Err(invalid(format!(
            "round {round} already has plan {}; submit with \"id\": \"{}\" to change it",
            existing.id, existing.id
        )));
    }
    let assignments = lk.assignments(ctx).await?;
    if let Some(id) = p.assignment_id
        && !assignments.iter().any(|(a, _)| a.id == id)
    {
        return Err(invalid(format!(
            "body.assignment_id: no assignment {id} issued by {} or an office above it is held here",
            ctx.me
        )));
    }
    // The assignment the plan follows: the one named, else the one its
    // first target hosted elsewhere falls under.
    let mut under = p.assignment_id;
    let own_register = lk.register(ctx.me.as_str()).await?;
    for (i, t) in p.targets.iter().enumerate() {
        if let Some(team) = &t.team
            && !p.teams.iter().any(|x| x.id == *team)
        {
            return Err(invalid(format!(
                "body.targets[{i}].team: no team {team} in body.teams"
            )));
        }
        let host = t.host.clone().unwrap_or_else(|| ctx.me.to_string());
        let unit = &t.unit_id;
        for (a, body) in &assignments {
            if let Some(e) = &body.elevated
                && body.round.as_deref() == Some(round.as_str())
                && e.office == host
                && e.taking_over != ctx.me.as_str()
                && e.units.contains(unit)
            {
                return Err(invalid(format!(
                    "body.targets[{i}]: unit {unit} of {host} is taken over by {} for round {round} \
                     (提级巡察, assignment {}); plans of {} may not target it in that round",
                    e.taking_over, a.id, ctx.me
                )));
            }
        }
        if host == ctx.me.as_str() {
            let Some(reg) = &own_register else {
                return Err(invalid(format!(
                    "body.targets[{i}].unit_id: office {} has no unit register yet; import it with `xunlian units import --config FILE UNITS.csv`",
                    ctx.me
                )));
            };
            if !reg.units.iter().any(|u| u.id == *unit) {
                return Err(invalid(format!(
                    "body.targets[{i}].unit_id: unit {unit} is not in the register of {}; add it with `xunlian units import`",
                    ctx.me
                )));
            }
        } else {
            let fits = |only: Option<Uuid>| {
                assignments.iter().find(|(a, body)| {
                    only.is_none_or(|id| id == a.id)
                        && covers(body, &round, ctx.me.as_str(), &host, unit)
                })
            };
            match (fits(under), fits(None)) {
                (Some((a, _)), _) => under = Some(a.id),
                (None, Some((a, _))) => {
                    return Err(invalid(format!(
                        "body.targets[{i}]: unit {unit} of {host} falls under assignment {}, the other \
                         targets under {}; a round plan follows one assignment (plan another round)",
                        a.id,
                        under.map_or_else(String::new, |u| u.to_string())
                    )));
                }
                (None, None) => {
                    return Err(invalid(format!(
                        "body.targets[{i}]: unit {unit} belongs to office {host}; only a cross or elevated \
                         assignment for this round lets {} inspect it, and none held here does",
                        ctx.me
                    )));
                }
            }
        }
    }
    if under != p.assignment_id {
        req.body["assignment_id"] = Value::from(under.map(|u| u.to_string()));
    }
    if p.kind == "follow_up" {
        let earlier = p.follow_up_of.as_deref().ok_or_else(|| {
            invalid("body.follow_up_of: a follow_up (回头看) round names the earlier round it re-checks")
        })?;
        if lk.plan(ctx.me, earlier).await?.is_none() {
            return Err(invalid(format!(
                "body.follow_up_of: no round {earlier} of {} is held here",
                ctx.me
            )));
        }
        for (i, f) in p.rechecks.iter().enumerate() {
            let ok = lk.get(f).await?.is_some_and(|r| {
                r.kind == Kind::Finding
                    && r.origin == *ctx.me
                    && bodies::round_of(&r) == Some(earlier)
            });
            if !ok {
                return Err(invalid(format!(
                    "body.rechecks[{i}]: {f} is not a finding of round {earlier} of {}",
                    ctx.me
                )));
            }
        }
    }
    Ok(())
}

/// Does assignment `a` let `me` inspect `unit` of `host` in `round`?
fn covers(a: &Assignment, round: &str, me: &str, host: &str, unit: &str) -> bool {
    if a.round.as_deref().is_some_and(|r| r != round) {
        return false;
    }
    let cross = a.pairs.iter().any(|p| {
        p.inspecting == me
            && p.inspected == host
            && (p.units.is_empty() || p.units.iter().any(|u| u == unit))
    });
    let elevated = a.elevated.as_ref().is_some_and(|e| {
        e.taking_over == me && e.office == host && e.units.iter().any(|u| u == unit)
    });
    cross || elevated
}

async fn check_finding(
    ctx: &Context<'_>,
    lk: &Lookup<'_>,
    req: &mut SubmitRequest,
) -> Result<Vec<SubmitRequest>, SubmitError> {
    let f: Finding = read(Kind::Finding, &req.body)?;
    if let Some(original) = f.released_of {
        return release::check(ctx, lk, req, original)
            .await
            .map(|()| vec![]);
    }
    if f.redacted_of.is_some() || f.inspected_by.is_some() {
        return Err(invalid(
            "body.redacted_of/inspected_by: copies of common issues and of released cross findings \
             are written by the daemon; leave these out",
        ));
    }
    let round = match (&req.round_id, &f.round_id) {
        (Some(a), Some(b)) if a != b => {
            return Err(invalid(format!(
                "round_id {a} and body.round_id {b} differ; a finding belongs to one round"
            )));
        }
        (Some(a), _) | (None, Some(a)) => a.clone(),
        (None, None) => {
            return Err(invalid(
                "a finding needs its round: set \"round_id\" to the round plan's round_id",
            ));
        }
    };
    req.round_id = Some(round.clone());
    let plan = lk.plan(ctx.me, &round).await?.ok_or_else(|| {
        invalid(format!(
            "round {round} has no plan of {} held here; submit the round plan first",
            ctx.me
        ))
    })?;
    let p: RoundPlan = read(Kind::RoundPlan, &plan.body)?;
    ctx.taxonomy
        .check_finding(&p.term, ctx.level, &f.category, &f.tags)
        .map_err(|e| invalid(format!("body.category/tags: {e}")))?;
    if let Some(team) = &f.team
        && !p.teams.is_empty()
        && !p.teams.iter().any(|t| t.id == *team)
    {
        return Err(invalid(format!(
            "body.team: round {round} has no team {team}"
        )));
    }
    let mut coordinator = None;
    if let Some(unit) = &f.target_unit
        && !unit.unit_id.is_empty()
    {
        let target_host = |t: &bodies::Target| t.host.clone().unwrap_or_else(|| ctx.me.to_string());
        let target = p
            .targets
            .iter()
            .find(|t| {
                t.unit_id == unit.unit_id && unit.host.as_ref().is_none_or(|h| *h == target_host(t))
            })
            .ok_or_else(|| {
                invalid(format!(
                    "body.target_unit: unit {} is not a target of round {round}",
                    unit.unit_id
                ))
            })?;
        let host = target_host(target);
        if host != ctx.me.as_str() {
            req.body["target_unit"]["host"] = Value::from(host.as_str());
            coordinator = assign::coordinator_for(ctx, lk, &p, &host).await?;
        }
    }
    match (&f.coordinator, &coordinator) {
        (Some(given), Some(c)) if given == c => {}
        (Some(given), _) => {
            return Err(invalid(format!(
                "body.coordinator: {given} is not the coordinator of a cross inspection of this finding's unit; \
                 the daemon fills it in from the round's assignment: leave it out"
            )));
        }
        (None, Some(c)) => req.body["coordinator"] = Value::from(c.as_str()),
        (None, None) => {}
    }
    if !f.common {
        return Ok(vec![]);
    }
    let id = *req.id.get_or_insert_with(Uuid::now_v7);
    Ok(vec![SubmitRequest {
        kind: Kind::Finding,
        id: Some(ids::common_copy(&id)),
        round_id: Some(round),
        classification: None,
        body: redacted(&req.body, id),
    }])
}

/// A common finding as shared down the subtree: no facts, evidence, unit
/// or person names.
fn redacted(body: &Value, original: Uuid) -> Value {
    let mut out = serde_json::Map::new();
    for key in [
        "number", "round_id", "category", "tags", "severity", "title", "found_on",
    ] {
        if let Some(v) = body.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    out.insert("common".into(), Value::Bool(true));
    out.insert("redacted_of".into(), Value::String(original.to_string()));
    Value::Object(out)
}

/// The derived record that counts a clue event without its content.
fn tally(
    clue: Uuid,
    event: &str,
    by: &str,
    managing: Level,
    round: Option<String>,
) -> SubmitRequest {
    let mut body = serde_json::json!({"clue_id": clue, "event": event, "transferred_by": by,
                                      "managing_level": managing});
    if let Some(r) = &round {
        body["round_id"] = Value::from(r.as_str());
    }
    SubmitRequest {
        kind: Kind::ClueTally,
        id: Some(ids::clue_tally(&clue, event)),
        round_id: round,
        classification: None,
        body,
    }
}

/// Checks a clue transfer or disposal report; returns its tally.
async fn check_clue(
    ctx: &Context<'_>,
    lk: &Lookup<'_>,
    req: &mut SubmitRequest,
) -> Result<SubmitRequest, SubmitError> {
    let c: Clue = read(Kind::Clue, &req.body)?;
    if let Some(of) = c.disposal_of {
        let clue = lk
            .get(&of)
            .await?
            .filter(|r| r.kind == Kind::Clue)
            .ok_or_else(|| invalid(format!("body.disposal_of: no clue {of} is held here")))?;
        let transfer: Clue = read(Kind::Clue, &clue.body)?;
        if transfer.managing_level != Some(ctx.level) {
            return Err(invalid(format!(
                "clue {of} was transferred to the {} level; only the office there reports its disposal, and {} is a {} office",
                transfer.managing_level.map_or("(unknown)", |l| l.as_str()),
                ctx.me,
                ctx.level
            )));
        }
        derived_id(req, ids::disposal(&of), "a clue's disposal report")?;
        return Ok(tally(
            of,
            "disposed",
            clue.origin.as_str(),
            ctx.level,
            clue.round_id.clone(),
        ));
    }
    let managing = c
        .managing_level
        .ok_or_else(|| invalid("body.managing_level is required"))?;
    if managing.rank() > ctx.level.rank() {
        return Err(invalid(format!(
            "body.managing_level: a {} office transfers clues to its own level or above, not to {managing}",
            ctx.level
        )));
    }
    for (i, fid) in c.finding_ids.iter().enumerate() {
        let finding = lk
            .get(fid)
            .await?
            .filter(|r| r.kind == Kind::Finding)
            .ok_or_else(|| {
                invalid(format!(
                    "body.finding_ids[{i}]: no finding {fid} is held here"
                ))
            })?;
        let fb: Finding = read(Kind::Finding, &finding.body)?;
        let host = host_of(&finding, &fb);
        let through = ctx
            .ancestors
            .iter()
            .find(|(a, l)| a.as_str() == host && l.rank() >= managing.rank());
        if let Some((a, _)) = through {
            return Err(invalid(format!(
                "body.finding_ids[{i}]: the clue would pass through office {a}, which hosts the inspected unit; \
                 a clue never reaches the host (transfer it above {a} or to this level)"
            )));
        }
        // A clue of a cross inspection goes to its coordinator, never
        // towards the inspected office.
        if let Some(c) = &fb.coordinator
            && let Some((_, level)) = ctx.ancestors.iter().find(|(a, _)| a.as_str() == c)
            && managing.rank() > level.rank()
        {
            return Err(invalid(format!(
                "body.managing_level: finding {fid} is of a cross inspection coordinated by {c}; its clues go to \
                 {c}, which transfers them on: set managing_level to {level} or above"
            )));
        }
    }
    let id = *req.id.get_or_insert_with(Uuid::now_v7);
    Ok(tally(
        id,
        "transferred",
        ctx.me.as_str(),
        managing,
        req.round_id.clone(),
    ))
}

async fn check_rectification(
    ctx: &Context<'_>,
    lk: &Lookup<'_>,
    req: &mut SubmitRequest,
) -> Result<(), SubmitError> {
    let b: Rectification = read(Kind::Rectification, &req.body)?;
    let fid = b
        .finding_id
        .ok_or_else(|| invalid("body.finding_id is required"))?;
    let finding = lk
        .get(&fid)
        .await?
        .filter(|r| r.kind == Kind::Finding)
        .ok_or_else(|| invalid(format!("body.finding_id: no finding {fid} is held here")))?;
    let f: Finding = read(Kind::Finding, &finding.body)?;
    if let Some(c) = &f.coordinator {
        return Err(invalid(format!(
            "body.finding_id: {fid} is a cross-inspection finding; its host rectifies the copy {} that \
             coordinator {c} releases to it at the feedback date (反馈), and {c} signs it off",
            ids::release(&fid)
        )));
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
    let status = Status::parse(&b.status)
        .ok_or_else(|| invalid(format!("body.status: unknown status {:?}", b.status)))?;
    let host = if f.redacted_of.is_some() {
        // A common issue: every office of the subtree rectifies its own part.
        if b.host_office.is_empty() {
            return Err(invalid(
                "body.host_office: name the office whose rectification of this common issue this is",
            ));
        }
        b.host_office.clone()
    } else {
        host_of(&finding, &f)
    };
    if b.host_office != host {
        return Err(invalid(format!(
            "body.host_office: the host office of finding {fid} is {host}"
        )));
    }
    if b.inspecting_office != finding.origin.as_str() {
        return Err(invalid(format!(
            "body.inspecting_office: finding {fid} was written by {}, the office that inspects and signs off",
            finding.origin
        )));
    }
    let progress_id = ids::progress(&fid, &host);
    let verdict_id = ids::verdict(&fid, &host);
    let own = |r: Option<Record>, writer: &str| {
        r.filter(|r| r.origin.as_str() == writer)
            .and_then(|r| bodies::read::<Rectification>(&r).ok())
    };
    let progress = own(lk.get(&progress_id).await?, &host);
    let verdict = own(lk.get(&verdict_id).await?, finding.origin.as_str());
    let target = if status.is_verdict() {
        verdict_id
    } else {
        progress_id
    };
    derived_id(req, target, "a rectification record")?;
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
    let attempt = rectify::check(
        &parties,
        ctx.me.as_str(),
        state,
        progress.as_ref().map_or(0, |p| p.attempt),
        status,
        !b.evidence.is_empty(),
    )
    .map_err(|e| invalid(e.to_string()))?;
    req.body["attempt"] = Value::from(attempt);
    Ok(())
}

fn check_register(ctx: &Context<'_>, req: &mut SubmitRequest) -> Result<(), SubmitError> {
    let reg: UnitRegister = read(Kind::UnitRegister, &req.body)?;
    if reg.office != ctx.me.as_str() {
        return Err(invalid(format!(
            "body.office: {} may only write its own register, not {}'s",
            ctx.me, reg.office
        )));
    }
    for (i, u) in reg.units.iter().enumerate() {
        if reg.units[..i].iter().any(|o| o.id == u.id) {
            return Err(invalid(format!(
                "body.units[{i}].id: unit {} is listed twice",
                u.id
            )));
        }
    }
    derived_id(req, ids::register(ctx.me.as_str()), "a unit register")
}
