//! The workbench's HTML: the page around every form and list (navigation
//! by role, the person signed in, sign-out), and the fields of a form,
//! each with the rule refusal that concerns it shown beside it.

use std::fmt::Write;

use axum::http::StatusCode;
use axum::response::Response;

use super::accounts::Need;
use super::session::Session;
use super::text;
use crate::api::dashboard;

pub(in crate::api) use dashboard::esc;

/// The workbench's additions to the dashboard's style sheet.
const STYLE: &str = r#"
nav a { margin-right: 1em; } nav form { display: inline; }
.field { margin: 0.6em 0; } .field label { display: block; font-weight: bold; font-size: 0.92em; }
.field input[type=text], .field input[type=date], .field input[type=number], .field input[type=password], .field select, .field textarea { width: 28em; padding: 0.3em; }
.field textarea { height: 4em; }
.refusal { color: #b00020; margin: 0.2em 0; } .saved { color: #2e7d32; } .checks label { display: inline; font-weight: normal; margin-right: 1em; }
fieldset { margin: 0.8em 0; border: 1px solid #ddd; }
"#;

/// The form a page posts: what was typed (kept on a refusal) and the
/// problems found, by field name.
#[derive(Debug, Default)]
pub struct Form {
    pub values: Vec<(String, String)>,
    /// (field, message): a field of the form, or `""` for the whole form.
    pub problems: Vec<(String, String)>,
}

impl Form {
    pub fn value(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect()
    }

    /// Notes `message` against `field`.
    pub fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push((field.to_string(), message.into()));
    }

    /// The value of a required field, or a problem noted.
    pub fn required(&mut self, name: &str) -> String {
        let v = self.value(name).to_string();
        if v.is_empty() {
            self.problem(name, text::REQUIRED);
        }
        v
    }

    fn problems_of(&self, name: &str) -> String {
        self.problems
            .iter()
            .filter(|(f, _)| f == name)
            .map(|(_, m)| format!("<p class=\"refusal\" role=\"alert\">{}</p>", esc(m)))
            .collect()
    }

    /// The problems that name no field of the form, above it.
    pub fn general_problems(&self, fields: &[&str]) -> String {
        self.problems
            .iter()
            .filter(|(f, _)| !fields.contains(&f.as_str()))
            .map(|(_, m)| format!("<p class=\"refusal\" role=\"alert\">{}</p>", esc(m)))
            .collect()
    }

    fn wrap(&self, name: &str, label: &str, control: String) -> String {
        format!(
            "<div class=\"field\" data-field=\"{n}\"><label for=\"f-{n}\">{l}</label>{control}{p}</div>\n",
            n = esc(name),
            l = esc(label),
            p = self.problems_of(name)
        )
    }

    /// A one-line input (`kind`: text, date, number, password).
    pub fn input(&self, name: &str, label: &str, kind: &str) -> String {
        self.wrap(
            name,
            label,
            format!(
                "<input id=\"f-{n}\" name=\"{n}\" type=\"{kind}\" value=\"{v}\">",
                n = esc(name),
                v = esc(self.value(name))
            ),
        )
    }

    pub fn textarea(&self, name: &str, label: &str) -> String {
        self.wrap(
            name,
            label,
            format!(
                "<textarea id=\"f-{n}\" name=\"{n}\">{v}</textarea>",
                n = esc(name),
                v = esc(self.value(name))
            ),
        )
    }

    /// A choice among `options` (value, shown); `multiple` for several.
    pub fn select(
        &self,
        name: &str,
        label: &str,
        options: &[(String, String)],
        multiple: bool,
    ) -> String {
        let chosen = self.all(name);
        let mut o = String::new();
        if !multiple {
            o.push_str("<option value=\"\">—</option>");
        }
        for (v, shown) in options {
            let sel = if chosen.contains(&v.as_str()) {
                " selected"
            } else {
                ""
            };
            let _ = write!(
                o,
                "<option value=\"{}\"{sel}>{}</option>",
                esc(v),
                esc(shown)
            );
        }
        let multiple = if multiple { " multiple" } else { "" };
        self.wrap(
            name,
            label,
            format!(
                "<select id=\"f-{n}\" name=\"{n}\"{multiple}>{o}</select>",
                n = esc(name)
            ),
        )
    }

    /// A check box per option, all named `name`.
    pub fn checks(&self, name: &str, label: &str, options: &[(String, String)]) -> String {
        let chosen = self.all(name);
        let mut o = String::new();
        for (k, (v, shown)) in options.iter().enumerate() {
            let on = if chosen.contains(&v.as_str()) {
                " checked"
            } else {
                ""
            };
            let _ = write!(
                o,
                "<label><input type=\"checkbox\" id=\"f-{n}-{k}\" name=\"{n}\" value=\"{}\"{on}> {}</label>",
                esc(v),
                esc(shown),
                n = esc(name)
            );
        }
        if options.is_empty() {
            o.push_str(text::NONE_YET);
        }
        self.wrap(name, label, format!("<div class=\"checks\">{o}</div>"))
    }
}

/// A page of the workbench for `session`, with the navigation its role
/// may use and the sign-out button.
pub fn page(status: StatusCode, session: Option<&Session>, title: &str, body: &str) -> Response {
    let mut nav = String::new();
    if let Some(s) = session {
        for (path, name, need) in [
            ("/wb", text::HOME, Need::Anyone),
            ("/wb/forms/units", text::UNITS, Need::Enter),
            ("/wb/forms/plan", text::PLAN, Need::Enter),
            ("/wb/forms/finding", text::FINDING, Need::Enter),
            ("/wb/forms/clue", text::CLUE, Need::Enter),
            ("/wb/forms/progress", text::PROGRESS, Need::Enter),
            ("/wb/import", text::IMPORT, Need::Enter),
            ("/wb/forms/signoff", text::SIGN_OFF, Need::SignOff),
            ("/wb/ledger", text::LEDGER, Need::Anyone),
            ("/wb/audit", text::AUDIT, Need::Audit),
        ] {
            if need.allows(s.role) {
                let _ = write!(nav, "<a href=\"{path}\">{name}</a>");
            }
        }
        let _ = write!(
            nav,
            "<span class=\"meta\" id=\"who\">{}（{}）</span> <form method=\"post\" action=\"/wb/logout\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\" id=\"sign-out\">{}</button></form>",
            esc(&s.user),
            s.role.name(),
            esc(&s.csrf),
            text::SIGN_OUT
        );
    }
    let html = format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} - {app}</title>
<style>{base}{STYLE}</style></head><body>
<h1>{app} <span class="meta">{title}</span></h1>
<nav>{nav}</nav>
{body}
</body></html>
"#,
        title = esc(title),
        app = text::APP,
        base = dashboard::STYLE,
    );
    dashboard::page(status, html)
}

/// The hidden CSRF field of a form of `session`.
pub fn csrf_field(session: &Session) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&session.csrf)
    )
}
