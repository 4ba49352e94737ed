//! The workbench's forms: the unit register, round plans (targets picked
//! from the register), findings (categories from the term's taxonomy),
//! clue transfers, rectification progress with evidence, and sign-off
//! (销号, reviewers only). Each builds the submit request the API takes and
//! writes it through `Engine::submit_batch`; a refusal is shown beside the
//! field its rule names (`body.<field>` in the reason).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Form as Posted, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::accounts::Need;
use super::html::{Form, choices, csrf_field, esc, page, refusal};
use super::lang::Ui;
use super::session::Session;
use super::{ApiState, Writer, posted_by, signed_in};
use crate::engine::{SubmitError, SubmitRequest};
use crate::i18n::{Lang, tl};
use crate::node::NodeId;
use crate::records::Kind;
use crate::store::{RecordFilter, StoreError};
use crate::workflow::bodies::{RoundPlan, Unit, UnitRegister};
use crate::workflow::import::SEVERITIES;
use crate::workflow::rectify::State as RectState;
use crate::workflow::report::{self, LedgerLine};
use crate::workflow::{Snapshot, bodies, ids, register};

/// The forms, by the last part of their path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormKind {
    Units,
    Plan,
    Finding,
    Clue,
    Progress,
    SignOff,
}

impl FormKind {
    fn from_path(p: &str) -> Option<FormKind> {
        Some(match p {
            "units" => FormKind::Units,
            "plan" => FormKind::Plan,
            "finding" => FormKind::Finding,
            "clue" => FormKind::Clue,
            "progress" => FormKind::Progress,
            "signoff" => FormKind::SignOff,
            _ => return None,
        })
    }

    fn path(self) -> &'static str {
        match self {
            FormKind::Units => "units",
            FormKind::Plan => "plan",
            FormKind::Finding => "finding",
            FormKind::Clue => "clue",
            FormKind::Progress => "progress",
            FormKind::SignOff => "signoff",
        }
    }

    fn title(self, lang: Lang) -> String {
        match self {
            FormKind::Units => tl!(lang, "wb-units"),
            FormKind::Plan => tl!(lang, "wb-plan"),
            FormKind::Finding => tl!(lang, "wb-finding"),
            FormKind::Clue => tl!(lang, "wb-clue"),
            FormKind::Progress => tl!(lang, "wb-progress"),
            FormKind::SignOff => tl!(lang, "wb-sign-off"),
        }
    }

    fn need(self) -> Need {
        match self {
            FormKind::SignOff => Need::SignOff,
            _ => Need::Enter,
        }
    }

    /// The form's field names (also the body paths their rules name).
    fn fields(self) -> &'static [&'static str] {
        match self {
            FormKind::Units => &["units.id", "units.name", "units.type"],
            FormKind::Plan => &[
                "round_id",
                "term",
                "round_no",
                "kind",
                "title",
                "dates.start",
                "dates.entry",
                "dates.feedback",
                "dates.end",
                "teams.id",
                "teams.name",
                "teams.leader",
                "targets",
            ],
            FormKind::Finding => &[
                "round_id",
                "number",
                "title",
                "category",
                "severity",
                "common",
                "target_unit",
                "team",
                "facts",
                "found_on",
            ],
            FormKind::Clue => &[
                "transfer_to",
                "managing_level",
                "finding_ids",
                "subject",
                "summary",
            ],
            FormKind::Progress => &[
                "finding_id",
                "status",
                "deadline",
                "responsible_unit",
                "responsible_person",
                "measures.goal",
                "measures.measures",
                "measures.responsible_leader",
                "measures.lead_department",
                "evidence",
                "note",
            ],
            FormKind::SignOff => &["finding_id", "note"],
        }
    }
}

/// What the forms offer to choose from: this office's register, its
/// round plans and the ledger lines it holds.
struct Held {
    me: NodeId,
    units: Vec<Unit>,
    plans: Vec<(String, RoundPlan)>,
    lines: Vec<LedgerLine>,
}

/// The units of this office's register as held now.
pub(super) async fn register_units(state: &ApiState) -> Result<Vec<Unit>, StoreError> {
    let me = &state.engine.config.id;
    Ok(
        match state
            .engine
            .store()
            .get(&ids::register(me.as_str()))
            .await?
        {
            Some(r) => serde_json::from_value::<UnitRegister>(r.body)
                .map(|r| r.units)
                .unwrap_or_default(),
            None => Vec::new(),
        },
    )
}

async fn load_held(state: &ApiState) -> Result<Held, StoreError> {
    let engine = &state.engine;
    let me = engine.config.id.clone();
    let store = engine.store();
    let units = register_units(state).await?;
    let plans = store
        .query(&RecordFilter {
            kind: Some(Kind::RoundPlan),
            origin: Some(me.clone()),
            limit: 10_000,
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter_map(|(_, r)| {
            let round = bodies::round_of(&r)?.to_string();
            bodies::read::<RoundPlan>(&r).ok().map(|p| (round, p))
        })
        .collect();
    let snap = Snapshot::load(store).await?;
    let lines = report::ledger(
        &snap,
        &engine.config.workflow.deadlines,
        None,
        chrono::Local::now().date_naive(),
    );
    Ok(Held {
        me,
        units,
        plans,
        lines,
    })
}

fn opts<I: IntoIterator<Item = (S, T)>, S: Into<String>, T: Into<String>>(
    it: I,
) -> Vec<(String, String)> {
    it.into_iter().map(|(v, s)| (v.into(), s.into())).collect()
}

/// The codes of an import's choice list (code, its Chinese names).
fn codes<'a>(list: &[(&'a str, &[&str])]) -> Vec<&'a str> {
    list.iter().map(|(c, _)| *c).collect()
}

fn line_label(l: &LedgerLine) -> String {
    format!("{} {}（{}）", l.number, l.title, l.host_office)
}

impl Held {
    fn unit_options(&self) -> Vec<(String, String)> {
        opts(
            self.units
                .iter()
                .map(|u| (u.id.clone(), format!("{}（{}）", u.name, u.id))),
        )
    }

    fn unit_name(&self, id: &str) -> String {
        self.units
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    }

    fn lines_where(&self, keep: impl Fn(&LedgerLine) -> bool) -> Vec<&LedgerLine> {
        self.lines.iter().filter(|l| keep(l)).collect()
    }
}

/// The fields of `kind`'s form.
fn fields(state: &ApiState, kind: FormKind, held: &Held, f: &Form) -> String {
    let me = held.me.as_str();
    let lang = f.lang;
    match kind {
        FormKind::Units => {
            let mut listed = String::from("<ul id=\"units\">");
            for u in &held.units {
                listed.push_str(&format!("<li>{}（{}）</li>", esc(&u.name), esc(&u.id)));
            }
            listed.push_str("</ul>");
            [
                listed,
                f.input("units.id", &tl!(lang, "wb-unit-id"), "text"),
                f.input("units.name", &tl!(lang, "wb-unit-name"), "text"),
                f.select(
                    "units.type",
                    &tl!(lang, "wb-unit-type"),
                    &choices(lang, "wb-unit-type", &codes(&register::TYPES)),
                    false,
                ),
            ]
            .concat()
        }
        FormKind::Plan => {
            let taxonomy = &state.engine.config.workflow.taxonomy;
            [
                f.input("round_id", &tl!(lang, "wb-round-id"), "text"),
                f.select(
                    "term",
                    &tl!(lang, "wb-term"),
                    &opts(taxonomy.terms().map(|t| (t, t))),
                    false,
                ),
                f.input("round_no", &tl!(lang, "wb-round-no"), "number"),
                f.select(
                    "kind",
                    &tl!(lang, "wb-round-kind"),
                    &choices(lang, "wb-round-kind", &["regular", "special", "mobile"]),
                    false,
                ),
                f.input("title", &tl!(lang, "wb-title"), "text"),
                f.input("dates.start", &tl!(lang, "wb-start"), "date"),
                f.input("dates.entry", &tl!(lang, "wb-entry"), "date"),
                f.input("dates.feedback", &tl!(lang, "wb-feedback"), "date"),
                f.input("dates.end", &tl!(lang, "wb-end"), "date"),
                "<fieldset>".into(),
                f.input("teams.id", &tl!(lang, "wb-team-id"), "text"),
                f.input("teams.name", &tl!(lang, "wb-team-name"), "text"),
                f.input("teams.leader", &tl!(lang, "wb-team-leader"), "text"),
                "</fieldset>".into(),
                f.checks("targets", &tl!(lang, "wb-targets"), &held.unit_options()),
            ]
            .concat()
        }
        FormKind::Finding => {
            let taxonomy = &state.engine.config.workflow.taxonomy;
            let level = state.engine.config.level;
            let mut terms: Vec<&str> = held.plans.iter().map(|(_, p)| p.term.as_str()).collect();
            if terms.is_empty() {
                terms.extend(taxonomy.terms().last());
            }
            terms.sort_unstable();
            terms.dedup();
            let mut categories: Vec<(String, String)> = Vec::new();
            for t in terms {
                for (id, name) in taxonomy.categories(t, level) {
                    if !categories.iter().any(|(c, _)| c == id) {
                        categories.push((id.into(), name.into()));
                    }
                }
            }
            let rounds = opts(
                held.plans
                    .iter()
                    .map(|(r, p)| (r.clone(), format!("{}（{r}）", p.title))),
            );
            [
                f.select("round_id", &tl!(lang, "wb-round"), &rounds, false),
                f.input("number", &tl!(lang, "wb-number"), "text"),
                f.input("title", &tl!(lang, "wb-title"), "text"),
                f.select("category", &tl!(lang, "wb-category"), &categories, false),
                f.select(
                    "severity",
                    &tl!(lang, "wb-severity"),
                    &choices(lang, "wb-severity", &codes(SEVERITIES)),
                    false,
                ),
                f.checks(
                    "common",
                    &tl!(lang, "wb-common"),
                    &opts([("true", tl!(lang, "wb-yes"))]),
                ),
                f.select(
                    "target_unit",
                    &tl!(lang, "wb-target-unit"),
                    &held.unit_options(),
                    false,
                ),
                f.input("team", &tl!(lang, "wb-team"), "text"),
                f.textarea("facts", &tl!(lang, "wb-facts")),
                f.input("found_on", &tl!(lang, "wb-found-on"), "date"),
            ]
            .concat()
        }
        FormKind::Clue => {
            let findings = held.lines_where(|l| l.inspecting_office.as_str() == me);
            [
                f.select(
                    "transfer_to",
                    &tl!(lang, "wb-transfer-to"),
                    &choices(
                        lang,
                        "wb-transfer-to",
                        &["discipline_commission", "organization_dept"],
                    ),
                    false,
                ),
                f.select(
                    "managing_level",
                    &tl!(lang, "wb-managing-level"),
                    &choices(
                        lang,
                        "wb-managing-level",
                        &["central", "provincial", "municipal", "county"],
                    ),
                    false,
                ),
                f.select(
                    "finding_ids",
                    &tl!(lang, "wb-findings"),
                    &opts(
                        findings
                            .iter()
                            .map(|l| (l.finding_id.to_string(), line_label(l))),
                    ),
                    true,
                ),
                f.input("subject", &tl!(lang, "wb-subject"), "text"),
                f.textarea("summary", &tl!(lang, "wb-summary")),
            ]
            .concat()
        }
        FormKind::Progress => {
            let open = held.lines_where(|l| l.host_office == me && l.state != RectState::Verified);
            let statuses = choices(lang, "rect-state", &["planned", "in_progress", "completed"]);
            [
                f.select(
                    "finding_id",
                    &tl!(lang, "wb-finding"),
                    &opts(
                        open.iter()
                            .map(|l| (l.finding_id.to_string(), line_label(l))),
                    ),
                    false,
                ),
                f.select("status", &tl!(lang, "wb-status"), &statuses, false),
                f.input("deadline", &tl!(lang, "wb-deadline"), "date"),
                f.input(
                    "responsible_unit",
                    &tl!(lang, "wb-responsible-unit"),
                    "text",
                ),
                f.input(
                    "responsible_person",
                    &tl!(lang, "wb-responsible-person"),
                    "text",
                ),
                "<fieldset>".into(),
                f.input("measures.goal", &tl!(lang, "wb-goal"), "text"),
                f.input("measures.measures", &tl!(lang, "wb-measures"), "text"),
                f.input(
                    "measures.responsible_leader",
                    &tl!(lang, "wb-leader"),
                    "text",
                ),
                f.input(
                    "measures.lead_department",
                    &tl!(lang, "wb-lead-dept"),
                    "text",
                ),
                "</fieldset>".into(),
                f.textarea("evidence", &tl!(lang, "wb-evidence")),
                f.textarea("note", &tl!(lang, "wb-note")),
            ]
            .concat()
        }
        FormKind::SignOff => {
            let done = held.lines_where(|l| {
                l.inspecting_office.as_str() == me && l.state == RectState::Completed
            });
            [
                f.select(
                    "finding_id",
                    &tl!(lang, "wb-finding"),
                    &opts(
                        done.iter().map(|l| {
                            (format!("{}|{}", l.finding_id, l.host_office), line_label(l))
                        }),
                    ),
                    false,
                ),
                f.textarea("note", &tl!(lang, "wb-note")),
            ]
            .concat()
        }
    }
}

/// Sets `field` of `body` to the form's value, when one was given.
fn put(body: &mut Map<String, Value>, f: &Form, field: &str, key: &str) {
    let v = f.value(field);
    if !v.is_empty() {
        body.insert(key.into(), json!(v));
    }
}

/// The request `kind`'s form makes, or the form with its problems.
async fn request(
    state: &ApiState,
    kind: FormKind,
    held: &Held,
    f: &mut Form,
) -> Result<Option<SubmitRequest>, StoreError> {
    let me = held.me.as_str();
    let mut body = Map::new();
    let mut round_id = None;
    let mut id = None;
    let record_kind = match kind {
        FormKind::Units => {
            let unit = Unit {
                id: f.required("units.id"),
                name: f.required("units.name"),
                kind: f.required("units.type"),
            };
            id = Some(ids::register(me));
            body.insert("office".into(), json!(me));
            body.insert("office_name".into(), json!(state.engine.config.name));
            body.insert(
                "units".into(),
                json!(register::merge(&held.units, vec![unit])),
            );
            Kind::UnitRegister
        }
        FormKind::Plan => {
            round_id = Some(f.required("round_id"));
            body.insert("term".into(), json!(f.required("term")));
            match f.required("round_no").parse::<u32>() {
                Ok(n) => {
                    body.insert("round_no".into(), json!(n));
                }
                Err(_) => {
                    let m = tl!(f.lang, "wb-whole-number");
                    f.problem("round_no", m)
                }
            }
            body.insert("kind".into(), json!(f.required("kind")));
            body.insert("title".into(), json!(f.required("title")));
            let mut dates = Map::new();
            for d in ["start", "entry", "feedback", "end"] {
                put(&mut dates, f, &format!("dates.{d}"), d);
            }
            body.insert("dates".into(), Value::Object(dates));
            let team = f.value("teams.id").to_string();
            if !team.is_empty() {
                body.insert(
                    "teams".into(),
                    json!([{"id": team, "name": f.value("teams.name"), "leader": f.value("teams.leader")}]),
                );
            }
            let targets: Vec<Value> = f
                .all("targets")
                .into_iter()
                .map(|u| {
                    let mut t = json!({"unit_id": u, "unit_name": held.unit_name(u)});
                    if !team.is_empty() {
                        t["team"] = json!(team);
                    }
                    t
                })
                .collect();
            body.insert("targets".into(), json!(targets));
            Kind::RoundPlan
        }
        FormKind::Finding => {
            round_id = Some(f.required("round_id"));
            let number = f.required("number");
            id = Some(ids::imported(me, "finding", &number));
            body.insert("number".into(), json!(number));
            body.insert("title".into(), json!(f.required("title")));
            body.insert("category".into(), json!(f.required("category")));
            body.insert("severity".into(), json!(f.required("severity")));
            if f.value("common") == "true" {
                body.insert("common".into(), json!(true));
            }
            let unit = f.value("target_unit").to_string();
            if !unit.is_empty() {
                body.insert(
                    "target_unit".into(),
                    json!({"unit_id": unit, "unit_name": held.unit_name(&unit)}),
                );
            }
            for field in ["team", "facts", "found_on"] {
                put(&mut body, f, field, field);
            }
            Kind::Finding
        }
        FormKind::Clue => {
            body.insert("transfer_to".into(), json!(f.required("transfer_to")));
            body.insert("managing_level".into(), json!(f.required("managing_level")));
            body.insert("finding_ids".into(), json!(f.all("finding_ids")));
            body.insert("subject".into(), json!(f.required("subject")));
            body.insert("summary".into(), json!(f.required("summary")));
            Kind::Clue
        }
        FormKind::Progress => {
            let fid = f.required("finding_id");
            let line = held
                .lines
                .iter()
                .find(|l| l.finding_id.to_string() == fid && l.host_office == me);
            body.insert("finding_id".into(), json!(fid));
            body.insert(
                "inspecting_office".into(),
                json!(
                    line.map(|l| l.inspecting_office.to_string())
                        .unwrap_or_default()
                ),
            );
            body.insert("host_office".into(), json!(me));
            body.insert("status".into(), json!(f.required("status")));
            for field in ["deadline", "responsible_unit", "responsible_person", "note"] {
                put(&mut body, f, field, field);
            }
            let mut measure = Map::new();
            for m in ["goal", "measures", "responsible_leader", "lead_department"] {
                put(&mut measure, f, &format!("measures.{m}"), m);
            }
            if !measure.is_empty() {
                body.insert("measures".into(), json!([measure]));
            }
            let evidence: Vec<&str> = f
                .value("evidence")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            if !evidence.is_empty() {
                body.insert("evidence".into(), json!(evidence));
            }
            Kind::Rectification
        }
        FormKind::SignOff => {
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
                    body = p.body.as_object().cloned().unwrap_or_default();
                    body.remove("attempt");
                    body.remove("inspected_by");
                    body.remove("note");
                    body.insert("status".into(), json!("verified"));
                    put(&mut body, f, "note", "note");
                }
                None if !chosen.is_empty() => {
                    let m = tl!(f.lang, "wb-no-progress");
                    f.problem("finding_id", m)
                }
                None => {}
            }
            Kind::Rectification
        }
    };
    if !f.problems.is_empty() {
        return Ok(None);
    }
    Ok(Some(SubmitRequest {
        kind: record_kind,
        id,
        round_id,
        classification: None,
        body: Value::Object(body),
    }))
}

/// The field a refusal's reason names (`body.<field>…`, or the round),
/// among `fields`; `""` when none.
fn field_of(reason: &str, fields: &[&str]) -> String {
    let path = reason
        .split_once("body.")
        .map(|(_, rest)| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .next()
                .unwrap_or("")
                .trim_end_matches('.')
        })
        .unwrap_or_else(|| {
            if reason.starts_with("round") {
                "round_id"
            } else {
                ""
            }
        });
    if path.is_empty() {
        return String::new();
    }
    fields
        .iter()
        .find(|f| {
            **f == path || path.starts_with(&format!("{f}.")) || f.starts_with(&format!("{path}."))
        })
        .map_or(String::new(), |f| f.to_string())
}

/// The page of `kind`'s form, with what was typed and its problems.
fn render(
    state: &ApiState,
    kind: FormKind,
    session: &Session,
    held: &Held,
    f: &Form,
    saved: Option<String>,
) -> Response {
    let lang = f.lang;
    let status = if f.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let saved = saved
        .map(|s| {
            format!(
                "<p class=\"saved\" id=\"saved\">{}：{}</p>",
                tl!(lang, "wb-saved"),
                esc(&s)
            )
        })
        .unwrap_or_default();
    let warn = if f.problems.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"refusal\" id=\"not-saved\">{}</p>",
            tl!(lang, "wb-not-saved")
        )
    };
    let body = format!(
        "{saved}{warn}{general}<form method=\"post\" action=\"/wb/forms/{path}\" id=\"form-{path}\">{csrf}{fields}\
         <button type=\"submit\" id=\"submit\">{submit}</button></form>",
        general = f.general_problems(kind.fields()),
        path = kind.path(),
        csrf = csrf_field(session),
        fields = fields(state, kind, held, f),
        submit = tl!(lang, "wb-submit"),
    );
    page(lang, status, Some(session), &kind.title(lang), &body)
}

fn store_failed(lang: Lang, session: &Session, e: StoreError) -> Response {
    tracing::error!(message = "Workbench form could not read the store.", error = %e);
    let failed = tl!(lang, "wb-store-failed");
    page(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        Some(session),
        &failed,
        &refusal(&failed),
    )
}

fn not_found(lang: Lang) -> Response {
    page(
        lang,
        StatusCode::NOT_FOUND,
        None,
        "404",
        &format!("<p>{}</p>", tl!(lang, "wb-no-form")),
    )
}

/// `GET /wb/forms/{form}`
pub(super) async fn show(
    State(state): State<ApiState>,
    Ui(lang): Ui,
    Path(form): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(kind) = FormKind::from_path(&form) else {
        return not_found(lang);
    };
    let session = match signed_in(&state, &headers, lang, kind.need()) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    match load_held(&state).await {
        Ok(held) => render(
            &state,
            kind,
            &session,
            &held,
            &Form::new(lang, Vec::new()),
            None,
        ),
        Err(e) => store_failed(lang, &session, e),
    }
}

/// `POST /wb/forms/{form}`: writes the form's record, or shows why not.
pub(super) async fn save(
    State(state): State<ApiState>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Ui(lang): Ui,
    Path(form): Path<String>,
    headers: HeaderMap,
    Posted(values): Posted<Vec<(String, String)>>,
) -> Response {
    let Some(kind) = FormKind::from_path(&form) else {
        return not_found(lang);
    };
    let mut f = Form::new(lang, values);
    let session = match posted_by(&state, &headers, lang, kind.need(), f.value("csrf")) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let held = match load_held(&state).await {
        Ok(h) => h,
        Err(e) => return store_failed(lang, &session, e),
    };
    let req = match request(&state, kind, &held, &mut f).await {
        Ok(Some(req)) => req,
        Ok(None) => return render(&state, kind, &session, &held, &f, None),
        Err(e) => return store_failed(lang, &session, e),
    };
    let writer = Writer { session, address };
    let action = if kind == FormKind::SignOff {
        "sign_off"
    } else {
        "submit"
    };
    match writer.write(&state, action, vec![req]).await {
        Ok(stored) => {
            let saved = stored
                .first()
                .map(|s| format!("{} {}", s.record.kind.as_str(), s.record.id))
                .unwrap_or_default();
            match load_held(&state).await {
                Ok(held) => render(
                    &state,
                    kind,
                    &writer.session,
                    &held,
                    &Form::new(lang, Vec::new()),
                    Some(saved),
                ),
                Err(e) => store_failed(lang, &writer.session, e),
            }
        }
        Err((_, SubmitError::Store(e))) => store_failed(lang, &writer.session, e),
        Err((_, e)) => {
            let reason = e.to_string();
            f.problem(
                &field_of(&reason, kind.fields()),
                format!("{}：{reason}", tl!(lang, "wb-refused")),
            );
            render(&state, kind, &writer.session, &held, &f, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_lands_on_the_field_its_rule_names() {
        let fields = FormKind::Plan.fields();
        assert_eq!(
            field_of(
                "body.dates.feedback 2026-01-01 is before body.dates.entry",
                fields
            ),
            "dates.feedback"
        );
        assert_eq!(
            field_of("body.targets: unit u9 is not in the register", fields),
            "targets"
        );
        assert_eq!(field_of("body.teams[0].id: empty", fields), "teams.id");
        assert_eq!(
            field_of("round x has no plan", FormKind::Finding.fields()),
            "round_id"
        );
        assert_eq!(
            field_of(
                "body.category/tags: category \"x\" is not",
                FormKind::Finding.fields()
            ),
            "category"
        );
        assert_eq!(field_of("something else", fields), "");
    }
}
