//! The page shell every dashboard page uses: a skip link, a header with the site name, the navigation and who is
//! signed in, one `main` landmark holding the page's single `h1`, and a footer. Also the small building blocks
//! pages share: tables from `entente-report` documents, labelled form fields with their errors, the CSRF field and
//! error pages.

use super::session::{UserRole, Who};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use entente_report::{Align, Doc, Table};
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// The stylesheet, served at [`CSS_PATH`].
pub const CSS: &str = include_str!("static/app.css");
/// Where the stylesheet is served (versioned by the crate version, so it may be cached for long).
pub const CSS_PATH: &str = concat!("/dash/app-", env!("CARGO_PKG_VERSION"), ".css");

/// The navigation: (path, label, least role to see it; None: everyone who may read).
const NAV: [(&str, &str, Option<UserRole>); 9] = [
    ("/dash", "Overview", None),
    ("/dash/evidence", "Evidence", None),
    ("/dash/changes", "Changes", None),
    ("/dash/screen", "Screening", None),
    ("/dash/alerts", "Alerts", None),
    ("/dash/lists", "Lists", None),
    ("/dash/audit", "Audit log", Some(UserRole::Viewer)),
    ("/dash/admin", "Admin", Some(UserRole::Admin)),
    ("/docs", "API", None),
];

/// One page: its title (also the `h1`), the nav entry it belongs to, who is asking and the content of `main`.
pub struct Page<'a> {
    pub title: &'a str,
    /// The path of the nav entry to mark as current.
    pub nav: &'a str,
    pub who: Option<&'a Who>,
    pub main: Markup,
}

impl Page<'_> {
    /// The whole document.
    pub fn markup(&self) -> Markup {
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (self.title) " · entente" }
                    link rel="stylesheet" href=(CSS_PATH);
                }
                body {
                    a.skip href="#main" { "Skip to content" }
                    header.site {
                        a.brand href="/dash" { "entente" }
                        nav.main aria-label="Main" {
                            ul {
                                @for (path, label, need) in NAV {
                                    @if need.is_none_or(|r| self.who.is_some_and(|w| w.role >= r)) {
                                        li {
                                            @if path == self.nav {
                                                a href=(path) aria-current="page" { (label) }
                                            } @else {
                                                a href=(path) { (label) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        div.who {
                            @if let Some(w) = self.who {
                                span { "Signed in as " strong { (w.name) } " (" (w.role.as_str()) ")" }
                                form method="post" action="/logout" {
                                    (csrf_field(w))
                                    button.link type="submit" { "Sign out" }
                                }
                            } @else {
                                a href="/login" { "Sign in" }
                            }
                        }
                    }
                    main id="main" tabindex="-1" {
                        h1 { (self.title) }
                        (self.main)
                    }
                    footer.site {
                        "entente " (env!("CARGO_PKG_VERSION")) " · estimates with their evidence; every change reviewed and audited."
                    }
                }
            }
        }
    }
}

/// An HTML response with the security headers every dashboard page carries.
pub fn respond(status: StatusCode, markup: Markup) -> Response {
    let mut r = (status, markup.into_string()).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    r
}

/// A page answered with 200.
pub fn page(title: &str, nav: &str, who: Option<&Who>, main: Markup) -> Response {
    respond(StatusCode::OK, Page { title, nav, who, main }.markup())
}

/// An error page: the status, a title and what to do.
pub fn error_page(status: StatusCode, title: &str, message: &str, who: Option<&Who>) -> Response {
    let main = html! {
        p.notice.bad role="alert" { (message) }
        p { a href="/dash" { "Back to the overview" } }
    };
    respond(status, Page { title, nav: "", who, main }.markup())
}

/// 403 with a page saying which role the action needs.
pub fn forbidden(who: &Who, need: UserRole, what: &str) -> Response {
    error_page(
        StatusCode::FORBIDDEN,
        "Not allowed",
        &format!(
            "{what} needs the role `{}` or higher; you are signed in as {} with the role `{}`. Ask an admin.",
            need.as_str(),
            who.name,
            who.role.as_str()
        ),
        Some(who),
    )
}

/// The hidden CSRF field every POST form carries.
pub fn csrf_field(who: &Who) -> Markup {
    html! { input type="hidden" name="csrf" value=(who.csrf); }
}

/// A labelled form field: label, control, hint and the field's error (linked with `aria-describedby`, the
/// control marked `aria-invalid`).
pub struct Field<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub value: &'a str,
    pub hint: Option<&'a str>,
    pub error: Option<&'a str>,
    /// "text", "date", "url", "password", "number", "textarea", or "select:opt1|opt2|…".
    pub kind: &'a str,
    pub required: bool,
}

impl Field<'_> {
    pub fn markup(&self) -> Markup {
        let id = format!("f-{}", self.name);
        let hint_id = format!("{id}-hint");
        let err_id = format!("{id}-error");
        let mut described = Vec::new();
        if self.hint.is_some() {
            described.push(hint_id.clone());
        }
        if self.error.is_some() {
            described.push(err_id.clone());
        }
        let described = (!described.is_empty()).then(|| described.join(" "));
        let invalid = self.error.map(|_| "true");
        html! {
            div.field {
                label for=(id) { (self.label) @if self.required { " (required)" } }
                @if let Some(opts) = self.kind.strip_prefix("select:") {
                    select id=(id) name=(self.name) aria-describedby=[described.as_deref()] aria-invalid=[invalid] {
                        @for o in opts.split('|') {
                            @let (value, text) = o.split_once('=').unwrap_or((o, o));
                            option value=(value) selected[value == self.value] { (text) }
                        }
                    }
                } @else if self.kind == "textarea" {
                    textarea id=(id) name=(self.name) aria-describedby=[described.as_deref()] aria-invalid=[invalid]
                        required[self.required] { (self.value) }
                } @else {
                    input id=(id) type=(self.kind) name=(self.name) value=(self.value)
                        aria-describedby=[described.as_deref()] aria-invalid=[invalid] required[self.required];
                }
                @if let Some(h) = self.hint { span.hint id=(hint_id) { (h) } }
                @if let Some(e) = self.error { span.error id=(err_id) { (e) } }
            }
        }
    }
}

/// A table from an `entente-report` document: column headers with `scope="col"`, the first cell of each row as a
/// row header, numeric columns right-aligned; inside a box that scrolls on a narrow screen.
pub fn table(t: &Table, caption: Option<&str>) -> Markup {
    table_in(t, caption, caption.unwrap_or("table"))
}

/// A table in its scroll box named `label` for assistive technology (no visible caption: a heading above it says
/// the same). Each box on a page needs its own name.
pub fn labelled_table(t: &Table, label: &str) -> Markup {
    table_in(t, None, label)
}

fn table_in(t: &Table, caption: Option<&str>, label: &str) -> Markup {
    let right = |i: usize| t.align.get(i) == Some(&Align::Right);
    html! {
        div.scroll role="region" aria-label=(label) tabindex="0" {
            table {
                @if let Some(c) = caption { caption.muted { (c) } }
                thead { tr { @for (i, h) in t.headers.iter().enumerate() {
                    th scope="col" class=[right(i).then_some("num")] {
                        // the report's first column often has no header: name it for screen readers
                        @if h.is_empty() { span.visually-hidden { "Figure" } } @else { (h) }
                    }
                } } }
                tbody {
                    @for r in &t.rows {
                        tr class=[r.strong.then_some("strong")] {
                            @for (i, c) in r.cells.iter().enumerate() {
                                @if i == 0 {
                                    th scope="row" { (c) }
                                } @else {
                                    td class=[right(i).then_some("num")] { (c) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A whole `entente-report` document: its metadata as a list, each section as an `h2` with its table and notes.
pub fn doc(d: &Doc) -> Markup {
    html! {
        @if !d.meta.is_empty() {
            dl.meta { @for (k, v) in &d.meta { dt { (k) } dd { (v) } } }
        }
        @for s in &d.sections {
            @if !s.heading.is_empty() { h2 { (s.heading) } }
            @if let Some(t) = &s.table {
                @if s.heading.is_empty() { (table(t, None)) } @else { (labelled_table(t, &s.heading)) }
            }
            @for n in &s.notes { p.muted { (n) } }
        }
    }
}

/// An SVG drawn by `entente-report`'s charts, inline (it carries its own accessible name and description).
pub fn svg(svg: &str) -> Markup {
    PreEscaped(svg.to_string())
}
