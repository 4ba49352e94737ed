//! The workbench's forms, one file per form: the unit register
//! ([`units`]), round plans with their teams and targets picked from the
//! register ([`plan`]), findings with categories from the term's taxonomy
//! ([`finding`]), clue transfers ([`clue`]), rectification progress with
//! measures and evidence ([`progress`]), clue disposal reports
//! ([`disposal`]), and the verdicts, sign-off (销号) and reopening (退回),
//! for reviewers ([`sign_off`]). Each drafts the submit request the API
//! takes; it is written through `Engine::submit_batch`, so the API's rules
//! apply, and a refusal is shown beside the field (or row) its rule names
//! (`body.<field>`, `body.teams[1].id` in the reason).

mod clue;
mod disposal;
mod finding;
mod plan;
mod progress;
mod sign_off;
mod units;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Form as Posted, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::accounts::Need;
use super::html::{Form, csrf_field, esc, page, refusal};
use super::lang::Ui;
use super::session::Session;
use super::{ApiState, Writer, posted_by, signed_in};
use crate::engine::{SubmitError, SubmitRequest};
use crate::i18n::{Lang, tl};
use crate::node::NodeId;
use crate::records::Kind;
use crate::store::{RecordFilter, StoreError};
use crate::workflow::bodies::{Clue, RoundPlan, Unit, UnitRegister};
use crate::workflow::report::{self, LedgerLine};
use crate::workflow::{Snapshot, bodies, ids};
use sign_off::Verdict;

/// The forms, by the last part of their path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormKind {
    Units,
    Plan,
    Finding,
    Clue,
    Progress,
    Disposal,
    SignOff,
    Reopen,
}

impl FormKind {
    /// Every form, in the order of the navigation.
    const ALL: [FormKind; 8] = [
        FormKind::Units,
        FormKind::Plan,
        FormKind::Finding,
        FormKind::Clue,
        FormKind::Disposal,
        FormKind::Progress,
        FormKind::SignOff,
        FormKind::Reopen,
    ];

    fn from_path(p: &str) -> Option<FormKind> {
        Some(match p {
            "units" => FormKind::Units,
            "plan" => FormKind::Plan,
            "finding" => FormKind::Finding,
            "clue" => FormKind::Clue,
            "progress" => FormKind::Progress,
            "disposal" => FormKind::Disposal,
            "signoff" => FormKind::SignOff,
            "reopen" => FormKind::Reopen,
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
            FormKind::Disposal => "disposal",
            FormKind::SignOff => "signoff",
            FormKind::Reopen => "reopen",
        }
    }

    fn title(self, lang: Lang) -> String {
        match self {
            FormKind::Units => tl!(lang, "wb-units"),
            FormKind::Plan => tl!(lang, "wb-plan"),
            FormKind::Finding => tl!(lang, "wb-finding"),
            FormKind::Clue => tl!(lang, "wb-clue"),
            FormKind::Progress => tl!(lang, "wb-progress"),
            FormKind::Disposal => tl!(lang, "wb-disposal"),
            FormKind::SignOff => tl!(lang, "wb-sign-off"),
            FormKind::Reopen => tl!(lang, "wb-reopen"),
        }
    }

    fn need(self) -> Need {
        match self {
            FormKind::SignOff | FormKind::Reopen => Need::SignOff,
            _ => Need::Enter,
        }
    }

    /// The form's field names (also the body paths their rules name).
    fn fields(self) -> &'static [&'static str] {
        match self {
            FormKind::Units => units::FIELDS,
            FormKind::Plan => plan::FIELDS,
            FormKind::Finding => finding::FIELDS,
            FormKind::Clue => clue::FIELDS,
            FormKind::Progress => progress::FIELDS,
            FormKind::Disposal => disposal::FIELDS,
            FormKind::SignOff => Verdict::SignOff.fields(),
            FormKind::Reopen => Verdict::Reopen.fields(),
        }
    }

    /// What the audit records a write of this form as.
    fn action(self) -> &'static str {
        match self {
            FormKind::SignOff => "sign_off",
            FormKind::Reopen => "reopen",
            _ => "submit",
        }
    }
}

/// Every form's link for the navigation: (path, title, who may use it).
pub(super) fn links(lang: Lang) -> impl Iterator<Item = (String, String, Need)> {
    FormKind::ALL
        .into_iter()
        .map(move |k| (format!("/wb/forms/{}", k.path()), k.title(lang), k.need()))
}

/// What the forms offer to choose from: this office's register, its
/// round plans and the ledger lines it holds.
struct Held {
    me: NodeId,
    units: Vec<Unit>,
    plans: Vec<(String, RoundPlan)>,
    lines: Vec<LedgerLine>,
    /// Clues transferred to this office's level, not yet disposed of
    /// (loaded for the disposal form).
    clues: Vec<HeldClue>,
}

/// A clue this office may report the disposal of.
struct HeldClue {
    id: Uuid,
    origin: NodeId,
    transfer_to: Option<String>,
}

/// The clues transferred to this office's level whose disposal it has
/// not reported.
async fn clues_to_dispose(state: &ApiState) -> Result<Vec<HeldClue>, StoreError> {
    let clues: Vec<(Uuid, NodeId, Clue)> = state
        .engine
        .store()
        .query(&RecordFilter {
            kind: Some(Kind::Clue),
            limit: 10_000,
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter_map(|(_, r)| Some((r.id, r.origin.clone(), bodies::read::<Clue>(&r).ok()?)))
        .collect();
    let level = state.engine.config.level;
    Ok(clues
        .iter()
        .filter(|(id, _, c)| {
            c.disposal_of.is_none()
                && c.managing_level == Some(level)
                && !clues.iter().any(|(_, _, d)| d.disposal_of == Some(*id))
        })
        .map(|(id, origin, c)| HeldClue {
            id: *id,
            origin: origin.clone(),
            transfer_to: c.transfer_to.clone(),
        })
        .collect())
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

/// What `kind`'s form offers (the clues only for the disposal form).
async fn load_held(state: &ApiState, kind: FormKind) -> Result<Held, StoreError> {
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
        clues: if kind == FormKind::Disposal {
            clues_to_dispose(state).await?
        } else {
            Vec::new()
        },
    })
}

fn opts<I: IntoIterator<Item = (S, T)>, S: Into<String>, T: Into<String>>(
    it: I,
) -> Vec<(String, String)> {
    it.into_iter().map(|(v, s)| (v.into(), s.into())).collect()
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
    match kind {
        FormKind::Units => units::fields(held, f),
        FormKind::Plan => plan::fields(state, held, f),
        FormKind::Finding => finding::fields(state, held, f),
        FormKind::Clue => clue::fields(held, f),
        FormKind::Progress => progress::fields(held, f),
        FormKind::Disposal => disposal::fields(held, f),
        FormKind::SignOff => sign_off::fields(Verdict::SignOff, held, f),
        FormKind::Reopen => sign_off::fields(Verdict::Reopen, held, f),
    }
}

/// Sets `field` of `body` to the form's value, when one was given.
fn put(body: &mut Map<String, Value>, f: &Form, field: &str, key: &str) {
    let v = f.value(field);
    if !v.is_empty() {
        body.insert(key.into(), json!(v));
    }
}

/// The record a form writes, as it drafts it.
struct Draft {
    kind: Kind,
    id: Option<Uuid>,
    round_id: Option<String>,
    body: Map<String, Value>,
}

impl Draft {
    fn new(kind: Kind) -> Draft {
        Draft {
            kind,
            id: None,
            round_id: None,
            body: Map::new(),
        }
    }

    fn set(&mut self, key: &str, value: Value) {
        self.body.insert(key.into(), value);
    }
}

/// The request `kind`'s form makes, or `None` with the form's problems.
async fn request(
    state: &ApiState,
    kind: FormKind,
    held: &Held,
    f: &mut Form,
) -> Result<Option<SubmitRequest>, StoreError> {
    let d = match kind {
        FormKind::Units => units::draft(state, held, f),
        FormKind::Plan => plan::draft(held, f),
        FormKind::Finding => finding::draft(held, f),
        FormKind::Clue => clue::draft(f),
        FormKind::Progress => progress::draft(held, f),
        FormKind::Disposal => disposal::draft(f),
        FormKind::SignOff => sign_off::draft(Verdict::SignOff, state, f).await?,
        FormKind::Reopen => sign_off::draft(Verdict::Reopen, state, f).await?,
    };
    if !f.problems.is_empty() {
        return Ok(None);
    }
    Ok(Some(SubmitRequest {
        kind: d.kind,
        id: d.id,
        round_id: d.round_id,
        classification: None,
        body: Value::Object(d.body),
    }))
}

/// The field a refusal's reason names (`body.<path>…`, or the round)
/// among `fields`, whose `#` stands for a row's number
/// (`body.teams[1].id` is `teams.1.id` of `teams.#.id`); `""` when none.
fn field_of(reason: &str, fields: &[&str]) -> String {
    let path: String = reason
        .split_once("body.")
        .map(|(_, rest)| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || "_.[]".contains(c)))
                .next()
                .unwrap_or("")
                .replace('[', ".")
                .replace(']', "")
                .trim_end_matches('.')
                .to_string()
        })
        .unwrap_or_else(|| {
            if reason.starts_with("round") {
                "round_id".into()
            } else {
                String::new()
            }
        });
    if path.is_empty() {
        return String::new();
    }
    let at: Vec<&str> = path.split('.').collect();
    fields
        .iter()
        .find_map(|f| {
            let mut named = Vec::new();
            for (k, part) in f.split('.').enumerate() {
                match (part, at.get(k)) {
                    ("#", Some(n)) if n.parse::<usize>().is_ok() => named.push(*n),
                    ("#", None) => named.push("0"),
                    (p, Some(a)) if p == *a => named.push(p),
                    (p, None) => named.push(p),
                    _ => return None,
                }
            }
            Some(named.join("."))
        })
        .unwrap_or_default()
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
                "<p class=\"saved\" id=\"saved\">{}</p>",
                esc(&tl!(lang, "wb-saved", record = s))
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
        general = f.general_problems(),
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
    match load_held(&state, kind).await {
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
    let held = match load_held(&state, kind).await {
        Ok(h) => h,
        Err(e) => return store_failed(lang, &session, e),
    };
    // A row added: the same form again, one row longer, nothing saved.
    if !f.value("add").is_empty() {
        return render(&state, kind, &session, &held, &f, None);
    }
    let req = match request(&state, kind, &held, &mut f).await {
        Ok(Some(req)) => req,
        Ok(None) => return render(&state, kind, &session, &held, &f, None),
        Err(e) => return store_failed(lang, &session, e),
    };
    let writer = Writer { session, address };
    match writer.write(&state, kind.action(), vec![req]).await {
        Ok(stored) => {
            let saved = stored
                .first()
                .map(|s| format!("{} {}", s.record.kind.as_str(), s.record.id))
                .unwrap_or_default();
            match load_held(&state, kind).await {
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
            // Placed by the field its reason names; beside that field a
            // rule's sentence needs no field path.
            let at = field_of(&e.to_string(), kind.fields());
            let said = match &e {
                SubmitError::Refused(r) if !at.is_empty() => r.sentence(lang),
                _ => e.text(lang),
            };
            f.problem(&at, tl!(lang, "wb-refused", reason = said));
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
        assert_eq!(
            field_of("body.teams[1].id: 巡察组重复", fields),
            "teams.1.id"
        );
        assert_eq!(field_of("body.teams: empty", fields), "teams.0.id");
        assert_eq!(
            field_of("body.measures[2].goal: empty", FormKind::Progress.fields()),
            "measures.2.goal"
        );
        assert_eq!(
            field_of("body.targets[0].team: 该巡察组不在", fields),
            "targets"
        );
        assert_eq!(
            field_of(
                "body.disposal_of: 本办公室没有该线索",
                FormKind::Disposal.fields()
            ),
            "disposal_of"
        );
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
