//! The workbench's HTML: the page around every form and list (navigation
//! by role, the person signed in, sign-out), and the fields of a form,
//! each with the rule refusal that concerns it shown beside it.

use std::fmt::Write;

use axum::http::StatusCode;
use axum::response::Response;

use super::accounts::Need;
use super::lang::other;
use super::session::Session;
use crate::api::dashboard;
use crate::i18n::{Lang, label, tl};

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
    /// The language its labels are in.
    pub lang: Lang,
}

impl Form {
    /// A fresh form in `lang` with what was typed.
    pub fn new(lang: Lang, values: Vec<(String, String)>) -> Form {
        Form {
            values,
            problems: Vec::new(),
            lang,
        }
    }

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
            self.problem(name, tl!(self.lang, "wb-required"));
        }
        v
    }

    fn problems_of(&self, name: &str) -> String {
        self.problems
            .iter()
            .filter(|(f, _)| f == name)
            .map(|(_, m)| refusal(m))
            .collect()
    }

    /// The problems that name no field of the form, above it.
    pub fn general_problems(&self) -> String {
        self.problems_of("")
    }

    /// How many rows of `group` (`teams.0.id`, `teams.1.id`…) the form
    /// shows: as many as were posted (at least one), and one more when
    /// its add button was pressed.
    pub fn rows(&self, group: &str) -> usize {
        let prefix = format!("{group}.");
        let posted = self
            .values
            .iter()
            .filter_map(|(k, _)| {
                k.strip_prefix(&prefix)?
                    .split('.')
                    .next()?
                    .parse::<usize>()
                    .ok()
            })
            .map(|i| i + 1)
            .max()
            .unwrap_or(1);
        posted + usize::from(self.value("add") == group)
    }

    /// Every row of `group`, each a numbered fieldset of the fields `row`
    /// gives, then the button that adds a row (posting the form without
    /// saving it: the page works without script).
    pub fn row_set(
        &self,
        group: &str,
        legend: &str,
        add: &str,
        row: impl Fn(usize) -> String,
    ) -> String {
        let g = esc(group);
        let mut h = String::new();
        for i in 0..self.rows(group) {
            let _ = writeln!(
                h,
                "<fieldset data-row=\"{g}.{i}\"><legend>{} {}</legend>{}</fieldset>",
                esc(legend),
                i + 1,
                row(i)
            );
        }
        let _ = writeln!(
            h,
            "<button type=\"submit\" name=\"add\" value=\"{g}\" id=\"add-{g}\" formnovalidate>{}</button>",
            esc(add)
        );
        h
    }

    /// The refusals of `name` where it has no control of its own (a rule
    /// about the rows together).
    pub fn problems_at(&self, name: &str) -> String {
        let p = self.problems_of(name);
        if p.is_empty() {
            return p;
        }
        format!(
            "<div class=\"field\" data-field=\"{}\">{p}</div>\n",
            esc(name)
        )
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

    /// A file to upload, of the types `accept` names.
    pub fn file(&self, name: &str, label: &str, accept: &str) -> String {
        self.wrap(
            name,
            label,
            format!(
                "<input id=\"f-{n}\" name=\"{n}\" type=\"file\" accept=\"{}\">",
                esc(accept),
                n = esc(name)
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
            o.push_str(&tl!(self.lang, "wb-none-yet"));
        }
        self.wrap(name, label, format!("<div class=\"checks\">{o}</div>"))
    }
}

/// A page of the workbench for `session` in `lang`, with the navigation
/// its role may use, the sign-out button and the 中文 / English switch.
pub fn page(
    lang: Lang,
    status: StatusCode,
    session: Option<&Session>,
    title: &str,
    body: &str,
) -> Response {
    let mut nav = String::new();
    if let Some(s) = session {
        let pages = [("/wb".to_string(), tl!(lang, "wb-home"), Need::Anyone)]
            .into_iter()
            .chain(super::forms::links(lang))
            .chain([
                ("/wb/import".into(), tl!(lang, "wb-import"), Need::Enter),
                ("/wb/ledger".into(), tl!(lang, "wb-ledger"), Need::Anyone),
                ("/wb/audit".into(), tl!(lang, "wb-audit"), Need::Audit),
            ]);
        for (path, name, need) in pages {
            if need.allows(s.role) {
                let _ = write!(nav, "<a href=\"{path}\">{name}</a>");
            }
        }
        let _ = write!(
            nav,
            "<span class=\"meta\" id=\"who\">{}</span> <form method=\"post\" action=\"/wb/logout\">\
             {}<button type=\"submit\" id=\"sign-out\">{}</button></form>",
            esc(&tl!(
                lang,
                "wb-signed-in-as",
                user = &s.user,
                role = s.role.name(lang)
            )),
            csrf_field(s),
            tl!(lang, "wb-sign-out")
        );
    }
    let switch = other(lang);
    let html = format!(
        r#"<!doctype html>
<html lang="{html_lang}"><head><meta charset="utf-8"><title>{title} - {app}</title>
<style>{base}{STYLE}</style></head><body>
<h1>{app} <span class="meta">{title}</span></h1>
<nav>{nav} <a id="lang" href="?lang={code}" hreflang="{code}">{other}</a></nav>
{body}
</body></html>
"#,
        html_lang = lang.html(),
        title = esc(title),
        app = tl!(lang, "wb-app"),
        base = dashboard::STYLE,
        code = switch.code(),
        other = tl!(lang, "dash-other-lang"),
    );
    dashboard::page(status, html)
}

/// A refusal, shown beside a field or above the form.
pub fn refusal(message: &str) -> String {
    format!("<p class=\"refusal\" role=\"alert\">{}</p>", esc(message))
}

/// The choices of an enumerated value by code, each shown by its
/// catalogue name (`GROUP-CODE`) in `lang`.
pub fn choices(lang: Lang, group: &str, codes: &[&str]) -> Vec<(String, String)> {
    codes
        .iter()
        .map(|c| (c.to_string(), label(lang, group, c)))
        .collect()
}

/// The hidden CSRF field of a form of `session`.
pub fn csrf_field(session: &Session) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&session.csrf)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(values: &[(&str, &str)]) -> Form {
        Form::new(
            Lang::Zh,
            values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_form_shows_the_rows_posted_and_one_more_when_asked() {
        assert_eq!(form(&[]).rows("teams"), 1);
        assert_eq!(form(&[("teams.0.id", "t1")]).rows("teams"), 1);
        let two = [("teams.0.id", "t1"), ("teams.1.id", ""), ("teams_x", "")];
        assert_eq!(form(&two).rows("teams"), 2);
        assert_eq!(
            form(&[("teams.1.id", ""), ("add", "teams")]).rows("teams"),
            3
        );
        assert_eq!(form(&[("add", "measures")]).rows("teams"), 1);
        let set = form(&[("add", "teams")]).row_set("teams", "组", "加", |i| format!("[{i}]"));
        assert!(set.contains("[1]") && !set.contains("[2]") && set.contains("id=\"add-teams\""));
    }
}
