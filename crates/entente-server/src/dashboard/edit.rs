//! Claim and source forms (`GET|POST /dash/edit/claim[/{id}]`, `/dash/edit/source[/{id}]`). The form edits the
//! record's TOML text key by key (toml_edit: the record's comments, key order and any key the form does not show
//! are kept), then the change is checked by the store's `apply` — the dataset validator the CLI uses — and every
//! error is shown beside its field. "Preview" runs the estimate on the changed ledger and shows it before and
//! after; "Submit" makes a proposal for a reviewer (nothing is stored until then, and nothing partial ever).

use super::layout::{self, Field};
use super::session::{UserRole, Visitor, Who};
use crate::state::State;
use axum::extract::{Form, Path, State as S};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use entente_store::{ChangeSet, Edit, FieldError, Op};
use maud::{html, Markup};
use std::collections::BTreeMap;
use std::sync::Arc;
use toml_edit::{Array, DocumentMut, InlineTable, Item, Value};

pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/dash/edit/claim", get(new_claim).post(post_new_claim))
        .route("/dash/edit/claim/{id}", get(edit_claim).post(post_edit_claim))
        .route("/dash/edit/source", get(new_source).post(post_new_source))
        .route("/dash/edit/source/{id}", get(edit_source).post(post_edit_source))
}

/// How a form field maps onto the record's TOML.
#[derive(Clone, Copy, PartialEq)]
enum Conv {
    Str,
    /// Comma-separated ids → an array of strings.
    List,
    Date,
    Bool,
    Int,
}

/// One field of a form: the TOML key, its label, the input kind, hint, whether required, conversion.
struct Spec {
    key: &'static str,
    label: &'static str,
    kind: &'static str,
    hint: Option<&'static str>,
    required: bool,
    conv: Conv,
}

const fn f(key: &'static str, label: &'static str, kind: &'static str, required: bool, conv: Conv) -> Spec {
    Spec { key, label, kind, hint: None, required, conv }
}

const fn h(mut s: Spec, hint: &'static str) -> Spec {
    s.hint = Some(hint);
    s
}

/// A kind of record the dashboard edits.
struct Kind {
    /// `claim` or `source`: the TOML table and the URL segment.
    table: &'static str,
    file: &'static str,
    title: &'static str,
    fields: &'static [Spec],
}

const CLAIM_FIELDS: &[Spec] = &[
    h(f("sources", "Sources", "text", true, Conv::List), "Source ids, separated by commas"),
    h(f("originator", "Originator", "text", false, Conv::Str), "The originator's source id, when known"),
    f("measure", "Measure", "text", true, Conv::Str),
    // value: value_kind + value_a + value_b, handled apart
    f("unit", "Unit", "text", true, Conv::Str),
    // when: as_of or period_from/period_to, handled apart
    h(f("public", "Public from", "date", true, Conv::Date), "The first day the claim could be known"),
    h(
        f("derived", "Derived", "select:false=no|true=yes (arithmetic on sourced numbers)", false, Conv::Bool),
        "DERIVED: no source states the number itself",
    ),
    h(
        f(
            "credibility",
            "Credibility",
            "select:=from the sources|1=1 confirmed|2=2 probably true|3=3 possibly true|4=4 doubtful|5=5 improbable|6=6 cannot be judged",
            false,
            Conv::Int,
        ),
        "Only when graded per claim",
    ),
    h(f("informed_by", "Informed by", "text", false, Conv::List), "Claim ids, separated by commas"),
    f("note", "Note", "textarea", false, Conv::Str),
];

const SOURCE_FIELDS: &[Spec] = &[
    f("title", "Title", "text", true, Conv::Str),
    f("publisher", "Publisher", "text", true, Conv::Str),
    f("url", "Address (URL)", "url", true, Conv::Str),
    h(f("published", "Published", "date", false, Conv::Date), "Where only a month or year is known, its last day"),
    f(
        "reliability",
        "Reliability",
        "select:A=A completely reliable|B=B usually reliable|C=C fairly reliable|D=D not usually reliable|E=E unreliable|F=F cannot be judged",
        true,
        Conv::Str,
    ),
    f(
        "credibility",
        "Credibility",
        "select:1=1 confirmed|2=2 probably true|3=3 possibly true|4=4 doubtful|5=5 improbable|6=6 cannot be judged",
        true,
        Conv::Int,
    ),
    h(
        f("assumption", "Analyst assumption", "select:false=no|true=yes", false, Conv::Bool),
        "An explicit analyst assumption (graded F6)",
    ),
    h(f("made", "Assumption made on", "date", false, Conv::Date), "Required for an analyst assumption"),
    h(
        f("originator", "Originator", "select:false=no|true=yes", false, Conv::Bool),
        "An agency or person statements come from",
    ),
    f("note", "Note", "textarea", false, Conv::Str),
];

const CLAIM: Kind = Kind { table: "claim", file: "claims.toml", title: "claim", fields: CLAIM_FIELDS };
const SOURCE: Kind = Kind { table: "source", file: "sources.toml", title: "source", fields: SOURCE_FIELDS };

type Values = BTreeMap<String, String>;
type Errors = BTreeMap<String, String>;

/// The form's values read from a record's text.
fn values_of(kind: &Kind, text: &str) -> Values {
    let mut v = Values::new();
    let Ok(doc) = text.parse::<DocumentMut>() else { return v };
    let Some(t) = doc.get(kind.table).and_then(|i| i.as_array_of_tables()).and_then(|a| a.get(0)) else { return v };
    let show = |i: &Item| -> String {
        match i {
            Item::Value(Value::String(s)) => s.value().clone(),
            Item::Value(Value::Array(a)) => a
                .iter()
                .map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string()))
                .collect::<Vec<_>>()
                .join(", "),
            Item::Value(x) => x.to_string().trim().to_string(),
            _ => String::new(),
        }
    };
    for (k, i) in t.iter() {
        v.insert(k.to_string(), show(i));
    }
    if kind.table == "claim" {
        if let Some(val) = t.get("value").and_then(|i| i.as_inline_table()) {
            let num = |k: &str| val.get(k).map(|x| x.to_string().trim().to_string());
            let (k, a, b) = if let Some(p) = num("point") {
                ("point", p, String::new())
            } else if let (Some(l), Some(hh)) = (num("low"), num("high")) {
                ("range", l, hh)
            } else if let Some(x) = num("at_least") {
                ("at_least", x, String::new())
            } else if let Some(x) = num("at_most") {
                ("at_most", x, String::new())
            } else {
                ("point", String::new(), String::new())
            };
            v.insert("value_kind".into(), k.into());
            v.insert("value_a".into(), a);
            v.insert("value_b".into(), b);
        }
        if let Some(p) = t.get("period").and_then(|i| i.as_inline_table()) {
            for (k, name) in [("from", "period_from"), ("to", "period_to")] {
                if let Some(x) = p.get(k) {
                    v.insert(name.into(), x.to_string().trim().to_string());
                }
            }
        }
    }
    v
}

fn number(s: &str) -> Option<f64> {
    let t: String = s.trim().chars().filter(|c| *c != '_' && *c != ',').collect();
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn date(s: &str) -> Option<toml_edit::Datetime> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    s.trim().parse::<toml_edit::Datetime>().ok()
}

fn num_value(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        Value::from(x as i64)
    } else {
        Value::from(x)
    }
}

/// Sets (or, when empty, removes) the record's keys from the form's values; errors name the form field.
fn write_record(kind: &Kind, base: Option<&str>, id: &str, v: &Values) -> Result<String, Errors> {
    let mut errors = Errors::new();
    let text = base.map(str::to_string).unwrap_or_else(|| format!("[[{}]]\n", kind.table));
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        Errors::from([("".to_string(), format!("the record is not valid TOML: {}", e.message()))])
    })?;
    let table = doc
        .get_mut(kind.table)
        .and_then(|i| i.as_array_of_tables_mut())
        .and_then(|a| a.get_mut(0))
        .ok_or_else(|| Errors::from([("".to_string(), format!("the record holds no [[{}]] table", kind.table))]))?;
    if base.is_none() {
        table.insert("id", toml_edit::value(id));
    }
    let get = |k: &str| v.get(k).map(|s| s.trim()).unwrap_or("");
    let set = |table: &mut toml_edit::Table, key: &str, item: Option<Item>| match item {
        Some(i) => {
            table.insert(key, i);
        }
        None => {
            table.remove(key);
        }
    };
    for s in kind.fields {
        let raw = get(s.key);
        if raw.is_empty() {
            if s.required {
                errors.insert(s.key.into(), format!("{} is required", s.label));
            }
            if !(s.conv == Conv::Bool && base.is_some() && !table.contains_key(s.key)) {
                set(table, s.key, None);
            }
            continue;
        }
        let item = match s.conv {
            Conv::Str => Some(toml_edit::value(raw)),
            Conv::List => {
                let mut a = Array::new();
                for x in raw.split(',').map(str::trim).filter(|x| !x.is_empty()) {
                    a.push(x);
                }
                Some(toml_edit::value(a))
            }
            Conv::Date => match date(raw) {
                Some(d) => Some(toml_edit::value(d)),
                None => {
                    errors.insert(s.key.into(), format!("`{raw}` is not a date YYYY-MM-DD"));
                    continue;
                }
            },
            Conv::Bool => match raw {
                "true" => Some(toml_edit::value(true)),
                // false is the default: an absent key keeps records short
                "false" => None,
                _ => {
                    errors.insert(s.key.into(), format!("`{raw}` is not yes or no"));
                    continue;
                }
            },
            Conv::Int => match raw.parse::<i64>() {
                Ok(n) => Some(toml_edit::value(n)),
                Err(_) => {
                    errors.insert(s.key.into(), format!("`{raw}` is not a whole number"));
                    continue;
                }
            },
        };
        set(table, s.key, item);
    }
    if kind.table == "claim" {
        // value
        let (k, a, b) = (get("value_kind"), get("value_a"), get("value_b"));
        let na = number(a);
        let nb = number(b);
        if a.is_empty() {
            errors.insert("value_a".into(), "Value is required".into());
        } else if na.is_none() {
            errors.insert("value_a".into(), format!("`{a}` is not a number"));
        }
        let mut t = InlineTable::new();
        match (k, na) {
            ("range", Some(x)) => match nb {
                Some(y) => {
                    t.insert("low", num_value(x));
                    t.insert("high", num_value(y));
                }
                None => {
                    errors.insert("value_b".into(), format!("a range needs its high end (`{b}` is not a number)"));
                }
            },
            ("point" | "at_least" | "at_most", Some(x)) => {
                t.insert(k, num_value(x));
            }
            (_, Some(_)) => {
                errors.insert("value_kind".into(), format!("`{k}` is not one of point, range, at_least, at_most"));
            }
            _ => {}
        }
        if !t.is_empty() {
            table.insert("value", toml_edit::value(t));
        }
        // when: as_of, or a period
        let (as_of, from, to) = (get("as_of"), get("period_from"), get("period_to"));
        if !as_of.is_empty() {
            match date(as_of) {
                Some(d) => {
                    table.insert("as_of", toml_edit::value(d));
                    table.remove("period");
                }
                None => {
                    errors.insert("as_of".into(), format!("`{as_of}` is not a date YYYY-MM-DD"));
                }
            }
            if !from.is_empty() || !to.is_empty() {
                errors.insert("as_of".into(), "give either a date (as of) or a period, not both".into());
            }
        } else if !from.is_empty() {
            let mut p = InlineTable::new();
            match date(from) {
                Some(d) => {
                    p.insert("from", Value::from(d));
                }
                None => {
                    errors.insert("period_from".into(), format!("`{from}` is not a date YYYY-MM-DD"));
                }
            }
            if !to.is_empty() {
                match date(to) {
                    Some(d) => {
                        p.insert("to", Value::from(d));
                    }
                    None => {
                        errors.insert("period_to".into(), format!("`{to}` is not a date YYYY-MM-DD"));
                    }
                }
            }
            table.insert("period", toml_edit::value(p));
            table.remove("as_of");
        } else {
            errors.insert("as_of".into(), "give the date the claim refers to (as of), or a period".into());
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(doc.to_string())
}

/// The form field a validator error belongs beside.
fn field_of(kind: &Kind, e: &FieldError) -> String {
    let f = e.field.split(['.', '[']).next().unwrap_or("");
    match f {
        "value" => "value_a".into(),
        "period" => "period_from".into(),
        "as_of" | "id" => f.into(),
        _ if kind.fields.iter().any(|s| s.key == f) => f.into(),
        _ => String::new(),
    }
}

/// Where a validator error is shown and what it says. An error on the edited record goes beside its field; an
/// error on another record that the edit broke (an estimate resting on the claim, say) goes beside the field whose
/// new (changed) value the message quotes, naming that record; anything else above the form.
fn place(kind: &Kind, e: &FieldError, values: &Values, orig: &Values, record: &str) -> (String, String) {
    let k = field_of(kind, e);
    if !k.is_empty() && e.file == kind.file && (e.id.is_empty() || e.id == record) {
        return (k, e.message.clone());
    }
    let field = if e.field.is_empty() { String::new() } else { format!(" {}", e.field) };
    let whole = format!("{} {}{field}: {}", e.file, e.id, e.message);
    let quoted = values
        .iter()
        .filter(|(name, v)| name.as_str() != "change_note" && v.trim().chars().count() >= 4)
        .filter(|(name, v)| orig.get(name.as_str()).is_none_or(|o| o.trim() != v.trim()))
        .find(|(_, v)| e.message.contains(v.trim()))
        .map(|(name, _)| name.clone());
    (quoted.unwrap_or_default(), whole)
}

/// [`place`], with the errors on the new estimate's variable record beside the estimate's fields.
fn place_any(
    kind: &Kind,
    e: &FieldError,
    values: &Values,
    orig: &Values,
    record: &str,
    est_var: &str,
) -> (String, String) {
    if kind.table == "claim" && !est_var.is_empty() && e.file == "variables.toml" && e.id == est_var {
        return (estimate_field(e), format!("the new estimate of {est_var}: {}", e.message));
    }
    place(kind, e, values, orig, record)
}

/// What a form shows: values, errors, and (after Preview) the estimate before and after.
struct FormState {
    id: Option<String>,
    values: Values,
    errors: Errors,
    preview: Option<Preview>,
    status: StatusCode,
    /// Claims only: the variables a new estimate may be added to, and those whose estimates cite the claim now.
    vars: Vec<VarInfo>,
    cited_by: Vec<String>,
}

/// A variable a claim form may add an estimate to: one with dated estimates (`[[variable.estimate]]`) or with a
/// single undated distribution, which then becomes its first dated estimate (see [`date_the_estimate`]). A variable
/// given by an expression follows its inputs and takes no estimate.
#[derive(Debug, Clone)]
struct VarInfo {
    id: String,
    unit: String,
    description: String,
}

/// The variables an estimate may be added to, in file order, and the ids of the variables whose estimates cite
/// `claim`.
fn variables_of(records: &[entente_store::Record], claim: Option<&str>) -> (Vec<VarInfo>, Vec<String>) {
    let mut vars = Vec::new();
    let mut cited = Vec::new();
    for r in records.iter().filter(|r| r.kind == "variable") {
        let Ok(doc) = r.text.parse::<DocumentMut>() else { continue };
        let Some(t) = doc.get("variable").and_then(|i| i.as_array_of_tables()).and_then(|a| a.get(0)) else {
            continue;
        };
        let text = |k: &str| t.get(k).and_then(|i| i.as_str()).unwrap_or("").to_string();
        let cites = |t: &toml_edit::Table| {
            claim.is_some_and(|c| {
                t.get("claims").and_then(|i| i.as_array()).is_some_and(|a| a.iter().any(|x| x.as_str() == Some(c)))
            })
        };
        let estimates = t.get("estimate").and_then(|i| i.as_array_of_tables());
        if cites(t) || estimates.is_some_and(|a| a.iter().any(cites)) {
            cited.push(r.id.clone());
        }
        if estimates.is_some() || t.contains_key("dist") || t.contains_key("value") {
            vars.push(VarInfo { id: r.id.clone(), unit: text("unit"), description: text("description") });
        }
    }
    (vars, cited)
}

/// Each claim's public date, from the ledger's claim records.
fn claim_dates(records: &[entente_store::Record]) -> BTreeMap<String, chrono::NaiveDate> {
    let mut out = BTreeMap::new();
    for r in records.iter().filter(|r| r.kind == "claim") {
        let Ok(doc) = r.text.parse::<DocumentMut>() else { continue };
        let public = doc
            .get("claim")
            .and_then(|i| i.as_array_of_tables())
            .and_then(|a| a.get(0))
            .and_then(|t| t.get("public"))
            .and_then(|i| i.as_datetime())
            .and_then(|d| chrono::NaiveDate::parse_from_str(&d.to_string(), "%Y-%m-%d").ok());
        if let Some(d) = public {
            out.insert(r.id.clone(), d);
        }
    }
    out
}

/// The distributions an estimate may take, with the parameters each needs (the dataset's keys).
const DISTS: &[(&str, &[&str])] = &[
    ("pert", &["low", "mode", "high"]),
    ("triangular", &["low", "mode", "high"]),
    ("uniform", &["low", "high"]),
    ("lognormal", &["low", "high"]),
    ("normal", &["mean", "sd"]),
    ("point", &["value"]),
];
const EST_PARAMS: &[&str] = &["low", "mode", "high", "mean", "sd", "value"];

/// The keys of a variable's undated estimate: its distribution, truncation, claims and note.
const UNDATED_KEYS: &[&str] = &["dist", "value", "low", "mode", "high", "mean", "sd", "min", "max", "claims", "note"];

/// A variable's single undated estimate made its first dated one (`[[variable.estimate]]`), dated as the loader
/// dates an undated estimate: by the latest public date of its claims. The model reads the variable exactly as
/// before, as of every date; the keys keep their comments. `claim_public` gives a claim's public date.
fn date_the_estimate(
    var: &mut toml_edit::Table,
    claim_public: &dyn Fn(&str) -> Option<chrono::NaiveDate>,
) -> Result<(), String> {
    let claims: Vec<String> = var
        .get("claims")
        .and_then(|i| i.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let Some(public) = claims.iter().filter_map(|c| claim_public(c)).max() else {
        return Err("this variable's estimate cites no claim with a public date, so it cannot be dated: \
            give it one in variables.toml first"
            .to_string());
    };
    let mut first = toml_edit::Table::new();
    first.decor_mut().set_prefix("\n");
    let public: toml_edit::Datetime =
        public.format("%Y-%m-%d").to_string().parse().map_err(|e: toml_edit::DatetimeParseError| e.to_string())?;
    first.insert("public", toml_edit::value(public));
    for k in UNDATED_KEYS {
        if let Some((key, item)) = var.remove_entry(k) {
            first.insert_formatted(&key, item);
        }
    }
    let mut aot = toml_edit::ArrayOfTables::new();
    aot.push(first);
    var.insert("estimate", Item::ArrayOfTables(aot));
    Ok(())
}

/// The variable record with a new dated estimate appended (`[[variable.estimate]]`: public, dist and its
/// parameters, claims, note), edited with toml_edit so the record's comments and other estimates are kept; a
/// variable with one undated estimate has it dated first ([`date_the_estimate`]). Errors name the form's `est_…`
/// fields.
fn append_estimate(
    var_text: &str,
    claim: &str,
    public: Option<toml_edit::Datetime>,
    v: &Values,
    claim_public: &dyn Fn(&str) -> Option<chrono::NaiveDate>,
) -> Result<String, Errors> {
    let mut errors = Errors::new();
    let get = |k: &str| v.get(k).map(|s| s.trim()).unwrap_or("");
    let mut doc: DocumentMut = var_text.parse().map_err(|e: toml_edit::TomlError| {
        Errors::from([(
            "est_variable".to_string(),
            format!("the variable's record is not valid TOML: {}", e.message()),
        )])
    })?;
    let var = doc.get_mut("variable").and_then(|i| i.as_array_of_tables_mut()).and_then(|a| a.get_mut(0)).ok_or_else(
        || Errors::from([("est_variable".to_string(), "the record holds no [[variable]] table".to_string())]),
    )?;
    let dist = get("est_dist");
    let Some((_, params)) = DISTS.iter().find(|(d, _)| *d == dist) else {
        let known: Vec<&str> = DISTS.iter().map(|(d, _)| *d).collect();
        return Err(Errors::from([("est_dist".to_string(), format!("`{dist}` is not one of {}", known.join(", ")))]));
    };
    let mut est = toml_edit::Table::new();
    est.decor_mut().set_prefix("\n");
    if let Some(p) = public {
        est.insert("public", toml_edit::value(p));
    }
    est.insert("dist", toml_edit::value(dist));
    for k in EST_PARAMS {
        let raw = get(&format!("est_{k}"));
        let needed = params.contains(k);
        if raw.is_empty() {
            if needed {
                errors.insert(format!("est_{k}"), format!("a {dist} needs `{k}`"));
            }
            continue;
        }
        if !needed {
            errors.insert(format!("est_{k}"), format!("a {dist} has no `{k}`: leave it empty"));
            continue;
        }
        match number(raw) {
            Some(x) => {
                est.insert(k, toml_edit::value(num_value(x)));
            }
            None => {
                errors.insert(format!("est_{k}"), format!("`{raw}` is not a number"));
            }
        }
    }
    let mut claims = Array::new();
    claims.push(claim);
    est.insert("claims", toml_edit::value(claims));
    if !get("est_note").is_empty() {
        est.insert("note", toml_edit::value(get("est_note")));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let undated = var.contains_key("dist") || var.contains_key("value");
    if undated && !var.contains_key("estimate") && !var.contains_key("expr") {
        date_the_estimate(var, claim_public).map_err(|m| Errors::from([("est_variable".to_string(), m)]))?;
    }
    match var.get_mut("estimate").and_then(|i| i.as_array_of_tables_mut()) {
        Some(a) => a.push(est),
        None => {
            return Err(Errors::from([(
                "est_variable".to_string(),
                "this variable follows an expression of others (`expr`): it takes no estimate of its own".to_string(),
            )]))
        }
    }
    Ok(doc.to_string())
}

/// The form field beside which an error on the new estimate's variable record is shown.
fn estimate_field(e: &FieldError) -> String {
    let last = e.field.rsplit('.').next().unwrap_or("");
    match last {
        "public" => "public".into(),
        "dist" | "low" | "mode" | "high" | "mean" | "sd" | "value" | "note" => format!("est_{last}"),
        _ => "est_variable".into(),
    }
}

/// The headline before and after a change.
pub struct Preview {
    pub before: Headline,
    pub after: Headline,
    /// Every figure the change moves.
    pub moved: Vec<entente_app::ledger::FigureDelta>,
    pub ms: u128,
}

/// What the preview compares: the deliveries' P5, median and P95, and the share of their spread resting on strong
/// evidence and on weak evidence or assumptions.
#[derive(Debug, Clone, Copy)]
pub struct Headline {
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    pub strong: f64,
    pub weak: f64,
}

impl Headline {
    pub fn of(a: &entente_engine::Assessment) -> Headline {
        let t = a.total();
        let (strong, weak) = a
            .judgment
            .as_ref()
            .map(|j| (j.grade_mix.strong, j.grade_mix.weak + j.grade_mix.assumption))
            .unwrap_or((f64::NAN, f64::NAN));
        Headline { p5: t.summary.p5(), p50: t.summary.p50(), p95: t.summary.p95(), strong, weak }
    }
}

fn form(kind: &Kind, who: &Who, st: &FormState) -> Markup {
    let err = |k: &str| st.errors.get(k).map(String::as_str);
    let val = |k: &str| st.values.get(k).cloned().unwrap_or_default();
    let action = match &st.id {
        Some(id) => format!("/dash/edit/{}/{id}", kind.table),
        None => format!("/dash/edit/{}", kind.table),
    };
    let general: Vec<&String> = st.errors.iter().filter(|(k, _)| k.is_empty()).map(|(_, m)| m).collect();
    html! {
        @if !st.errors.is_empty() {
            div.notice.bad role="alert" id="form-errors" {
                p { strong { "The " (kind.title) " was not accepted: " (st.errors.len()) " problem(s)." } " Each is shown beside its field." }
                @if !general.is_empty() { ul { @for m in &general { li { (m) } } } }
            }
        }
        @if let Some(p) = &st.preview { (preview_markup(p)) }
        form.stack method="post" action=(action) novalidate {
            (layout::csrf_field(who))
            @if st.id.is_none() {
                (Field { name: "id", label: "Id", value: &val("id"), hint: Some("Lower case, digits and hyphens, e.g. rusi-2025-shells"), error: err("id"), kind: "text", required: true }.markup())
            }
            @for s in kind.fields {
                @if kind.table == "claim" && s.key == "unit" {
                    fieldset {
                        legend { "Value" }
                        (Field { name: "value_kind", label: "Kind", value: &val("value_kind"), hint: None, error: err("value_kind"), kind: "select:point=a point|range=a range (low–high)|at_least=at least|at_most=at most", required: true }.markup())
                        (Field { name: "value_a", label: "Value (or low end)", value: &val("value_a"), hint: Some("A number, e.g. 1.7e9 or 1700000000"), error: err("value_a"), kind: "text", required: true }.markup())
                        (Field { name: "value_b", label: "High end (ranges only)", value: &val("value_b"), hint: None, error: err("value_b"), kind: "text", required: false }.markup())
                    }
                }
                (Field { name: s.key, label: s.label, value: &val(s.key), hint: s.hint, error: err(s.key), kind: s.kind, required: s.required }.markup())
                @if kind.table == "claim" && s.key == "unit" {
                    fieldset {
                        legend { "What the claim refers to: a date, or a period" }
                        (Field { name: "as_of", label: "As of", value: &val("as_of"), hint: None, error: err("as_of"), kind: "date", required: false }.markup())
                        (Field { name: "period_from", label: "Period from", value: &val("period_from"), hint: None, error: err("period_from"), kind: "date", required: false }.markup())
                        (Field { name: "period_to", label: "Period to", value: &val("period_to"), hint: Some("Empty: open-ended"), error: err("period_to"), kind: "date", required: false }.markup())
                    }
                }
            }
            @if kind.table == "claim" { (estimate_fieldset(st)) }
            (Field { name: "change_note", label: "Why this change (for the reviewer)", value: &val("change_note"), hint: None, error: err("change_note"), kind: "textarea", required: true }.markup())
            div.actions {
                button.secondary type="submit" name="action" value="preview" { "Preview" }
                button type="submit" name="action" value="submit" { "Submit for review" }
                @if st.id.is_some() {
                    button.danger type="submit" name="action" value="delete" { "Propose deleting it" }
                }
            }
        }
    }
}

/// What a claim moves, in words: nothing by itself; the estimates that cite it.
fn claim_effect(st: &FormState) -> Markup {
    html! {
        p #claim-effect {
            "A claim is evidence, not a model input: on its own it moves no figure. The numbers come from the \
             variables' dated estimates, which cite claims; a figure changes when an estimate resting on this claim \
             is added or changed. "
            @if st.cited_by.is_empty() {
                "No variable's estimate cites this claim today."
            } @else {
                "Estimates of " @for (i, v) in st.cited_by.iter().enumerate() {
                    @if i > 0 { ", " } code { (v) }
                } " cite this claim today."
            }
        }
    }
}

/// The optional section of the claim form that adds a dated estimate resting on the claim to a variable.
fn estimate_fieldset(st: &FormState) -> Markup {
    let err = |k: &str| st.errors.get(k).map(String::as_str);
    let val = |k: &str| st.values.get(k).cloned().unwrap_or_default();
    let mut vars = String::from("=— none: only the claim —");
    for v in &st.vars {
        let desc = v.description.replace(['|', '='], " ");
        vars.push_str(&format!("|{}={} — {desc} ({})", v.id, v.id, v.unit.replace(['|', '='], " ")));
    }
    let dists = DISTS.iter().map(|(d, p)| format!("{d}={d} ({})", p.join(", "))).collect::<Vec<_>>().join("|");
    let dist = if val("est_dist").is_empty() { "pert".to_string() } else { val("est_dist") };
    html! {
        fieldset #estimate {
            legend { "Use this claim in a new estimate (optional)" }
            (claim_effect(st))
            p.hint { "Choose a variable to add a dated estimate to it, public from the claim's public date and \
                resting on this claim. The claim and the estimate are proposed together, as one change." }
            (Field { name: "est_variable", label: "Variable", value: &val("est_variable"), hint: None, error: err("est_variable"), kind: &format!("select:{vars}"), required: false }.markup())
            (Field { name: "est_dist", label: "Distribution", value: &dist, hint: Some("Its parameters in brackets; leave the others empty"), error: err("est_dist"), kind: &format!("select:{dists}"), required: false }.markup())
            (Field { name: "est_low", label: "Low", value: &val("est_low"), hint: Some("pert, triangular, uniform; for a lognormal the 5th percentile"), error: err("est_low"), kind: "text", required: false }.markup())
            (Field { name: "est_mode", label: "Most likely (mode)", value: &val("est_mode"), hint: Some("pert, triangular"), error: err("est_mode"), kind: "text", required: false }.markup())
            (Field { name: "est_high", label: "High", value: &val("est_high"), hint: Some("pert, triangular, uniform; for a lognormal the 95th percentile"), error: err("est_high"), kind: "text", required: false }.markup())
            (Field { name: "est_mean", label: "Mean", value: &val("est_mean"), hint: Some("normal"), error: err("est_mean"), kind: "text", required: false }.markup())
            (Field { name: "est_sd", label: "Standard deviation", value: &val("est_sd"), hint: Some("normal"), error: err("est_sd"), kind: "text", required: false }.markup())
            (Field { name: "est_value", label: "Value", value: &val("est_value"), hint: Some("point"), error: err("est_value"), kind: "text", required: false }.markup())
            (Field { name: "est_note", label: "Estimate note", value: &val("est_note"), hint: None, error: err("est_note"), kind: "textarea", required: false }.markup())
        }
    }
}

fn preview_markup(p: &Preview) -> Markup {
    use entente_report::num::{in_unit, pct, usd};
    let row = |label: &str, b: Headline| {
        html! { tr { th scope="row" { (label) } td.num { (usd(b.p50)) } td.num { (usd(b.p5)) } td.num { (usd(b.p95)) }
        td.num { (pct(b.strong)) } td.num { (pct(b.weak)) } } }
    };
    html! {
        section.notice aria-labelledby="preview-h" id="preview" {
            h2 #preview-h { "Preview: the headline before and after" }
            div.scroll role="region" aria-label="Preview" tabindex="0" {
                table {
                    thead { tr { th scope="col" { "Deliveries (KP→RU)" } th.num scope="col" { "Median" } th.num scope="col" { "P5" } th.num scope="col" { "P95" }
                        th.num scope="col" { "Spread on strong evidence" } th.num scope="col" { "On weak evidence or assumptions" } } }
                    tbody { (row("Now", p.before)) (row("With this change", p.after)) }
                }
            }
            @if p.moved.is_empty() {
                p { "No figure moves: no estimate rests on what this change alters. A claim moves a figure only \
                    through an estimate that cites it (add one below)." }
            } @else {
                div.scroll role="region" aria-label="Figures the change moves" tabindex="0" {
                    table {
                        caption { "Figures the change moves (median, 90 % interval)" }
                        thead { tr { th scope="col" { "Figure" } th.num scope="col" { "Now" } th.num scope="col" { "With this change" } } }
                        tbody { @for f in &p.moved {
                            tr {
                                th scope="row" { (f.label) }
                                @for side in [f.before, f.after] {
                                    td.num { @if let Some(x) = side { (in_unit(x.p50, &f.unit)) " (" (in_unit(x.p05, &f.unit)) "–" (in_unit(x.p95, &f.unit)) ")" } @else { "—" } }
                                }
                            }
                        } }
                    }
                }
            }
            p.muted { "Computed in " (p.ms) " ms at the default sample count and seed. Nothing is stored until you submit and a reviewer approves." }
        }
    }
}

fn page_title(kind: &Kind, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("Edit {} {id}", kind.title),
        None => format!("Add a {}", kind.title),
    }
}

fn render(kind: &Kind, who: &Who, st: &FormState) -> Response {
    let title = page_title(kind, st.id.as_deref());
    layout::respond(
        st.status,
        layout::Page { title: &title, nav: "/dash/evidence", who: Some(who), main: form(kind, who, st) }.markup(),
    )
}

/// The record's current text, or a 404 page.
async fn current_text(state: &State, kind: &Kind, id: &str, who: &Who) -> Result<String, Response> {
    let store = super::store(state, Some(who))?;
    let recs = store.records(kind.file).await.map_err(|e| super::store_error(e, Some(who)))?;
    recs.into_iter().find(|r| r.id == id && r.kind == kind.table).map(|r| r.text).ok_or_else(|| {
        layout::error_page(
            StatusCode::NOT_FOUND,
            "Not found",
            &format!("There is no {} `{id}` in the ledger.", kind.title),
            Some(who),
        )
    })
}

async fn show(state: Arc<State>, v: Visitor, kind: &Kind, id: Option<String>) -> Result<Response, Response> {
    let who = v.at_least(UserRole::Analyst, "Proposing a change")?;
    let values = match &id {
        Some(id) => values_of(kind, &current_text(&state, kind, id, who).await?),
        None => {
            let mut v = Values::new();
            if kind.table == "claim" {
                v.insert("value_kind".into(), "point".into());
            } else {
                v.insert("reliability".into(), "C".into());
                v.insert("credibility".into(), "3".into());
            }
            v
        }
    };
    let (vars, cited_by) = claim_context(&state, kind, id.as_deref(), who).await?;
    Ok(render(
        kind,
        who,
        &FormState { id, values, errors: Errors::new(), preview: None, status: StatusCode::OK, vars, cited_by },
    ))
}

/// For a claim form: the variables with dated estimates and those citing the claim (empty for a source).
async fn claim_context(
    state: &State,
    kind: &Kind,
    id: Option<&str>,
    who: &Who,
) -> Result<(Vec<VarInfo>, Vec<String>), Response> {
    if kind.table != "claim" {
        return Ok((Vec::new(), Vec::new()));
    }
    let store = super::store(state, Some(who))?;
    let recs = store.records("variables.toml").await.map_err(|e| super::store_error(e, Some(who)))?;
    Ok(variables_of(&recs, id))
}

async fn submit(
    state: Arc<State>,
    v: Visitor,
    kind: &Kind,
    id: Option<String>,
    form: Vec<(String, String)>,
) -> Result<Response, Response> {
    let who = v.at_least(UserRole::Analyst, "Proposing a change")?;
    let store = super::store(&state, Some(who))?;
    let values: Values = form.into_iter().filter(|(k, _)| k != "csrf").collect();
    let action = values.get("action").map(String::as_str).unwrap_or("preview").to_string();
    let (vars, cited_by) = claim_context(&state, kind, id.as_deref(), who).await?;
    let mut st = FormState {
        id: id.clone(),
        values,
        errors: Errors::new(),
        preview: None,
        status: StatusCode::UNPROCESSABLE_ENTITY,
        vars,
        cited_by,
    };
    let mut orig = Values::new();
    let change_note = st.values.get("change_note").map(|s| s.trim().to_string()).unwrap_or_default();
    let edit = if action == "delete" {
        let Some(id) = &id else {
            st.errors.insert(String::new(), "only an existing record can be deleted".into());
            return Ok(render(kind, who, &st));
        };
        Edit { file: kind.file.into(), id: id.clone(), op: Op::Delete, text: None }
    } else {
        let base = match &id {
            Some(id) => Some(current_text(&state, kind, id, who).await?),
            None => None,
        };
        orig = base.as_deref().map(|b| values_of(kind, b)).unwrap_or_default();
        let new_id = st.values.get("id").map(|s| s.trim().to_string()).unwrap_or_default();
        if id.is_none() && new_id.is_empty() {
            st.errors.insert("id".into(), "Id is required".into());
        }
        match write_record(kind, base.as_deref(), &new_id, &st.values) {
            Ok(text) if st.errors.is_empty() => Edit {
                file: kind.file.into(),
                id: id.clone().unwrap_or(new_id),
                op: if id.is_some() { Op::Update } else { Op::Add },
                text: Some(text),
            },
            Ok(_) => return Ok(render(kind, who, &st)),
            Err(e) => {
                st.errors.extend(e);
                return Ok(render(kind, who, &st));
            }
        }
    };
    if (action == "submit" || action == "delete") && change_note.is_empty() {
        st.errors.insert("change_note".into(), "Say why (the reviewer reads it)".into());
    }
    let mut edits = vec![edit];
    // A new estimate resting on the claim: the variable's record with a [[variable.estimate]] appended.
    let est_var = st.values.get("est_variable").map(|s| s.trim().to_string()).unwrap_or_default();
    if kind.table == "claim" && action != "delete" && !est_var.is_empty() {
        let recs = store.records("variables.toml").await.map_err(|e| super::store_error(e, Some(who)))?;
        match recs.iter().find(|r| r.kind == "variable" && r.id == est_var) {
            None => {
                st.errors.insert("est_variable".into(), format!("there is no variable `{est_var}`"));
            }
            Some(r) => {
                let public = st.values.get("public").and_then(|p| date(p));
                let claim_id = edits[0].id.clone();
                // the claims' public dates, this claim's as the form gives it
                let claims = store.records("claims.toml").await.map_err(|e| super::store_error(e, Some(who)))?;
                let mut dates = claim_dates(&claims);
                match st.values.get("public").and_then(|p| chrono::NaiveDate::parse_from_str(p.trim(), "%Y-%m-%d").ok())
                {
                    Some(d) => dates.insert(claim_id.clone(), d),
                    None => dates.remove(&claim_id),
                };
                match append_estimate(&r.text, &claim_id, public, &st.values, &|c| dates.get(c).copied()) {
                    Ok(text) => edits.push(Edit {
                        file: "variables.toml".into(),
                        id: est_var.clone(),
                        op: Op::Update,
                        text: Some(text),
                    }),
                    Err(e) => st.errors.extend(e),
                }
            }
        }
        if edits.len() < 2 {
            return Ok(render(kind, who, &st));
        }
    }
    let change = ChangeSet { note: change_note, edits };
    // The validator: the same as the CLI's, on the whole ledger with this change.
    let files = store.files().await.map_err(|e| super::store_error(e, Some(who)))?;
    let after = match entente_store::apply(&files, &change) {
        Ok(f) => Some(f),
        Err(errs) => {
            for e in errs {
                let (k, msg) = place_any(kind, &e, &st.values, &orig, &change.edits[0].id, &est_var);
                st.errors.entry(k).and_modify(|m| *m = format!("{m}; {msg}")).or_insert(msg);
            }
            None
        }
    };
    if after.is_none() {
        return Ok(render(kind, who, &st));
    }
    if !st.errors.is_empty() {
        return Ok(render(kind, who, &st));
    }
    if action == "preview" {
        st.preview = Some(
            preview(&state, files, change)
                .await
                .map_err(|e| layout::error_page(e.status, "Preview failed", &e.message, Some(who)))?,
        );
        st.status = StatusCode::OK;
        return Ok(render(kind, who, &st));
    }
    match store.propose(&who.name, &change).await {
        Ok(cid) => Ok(Redirect::to(&format!("/dash/changes/{cid}")).into_response()),
        Err(entente_store::Error::Invalid(errs)) => {
            for e in errs {
                let (k, msg) = place_any(kind, &e, &st.values, &orig, &change.edits[0].id, &est_var);
                st.errors.entry(k).and_modify(|m| *m = format!("{m}; {msg}")).or_insert(msg);
            }
            Ok(render(kind, who, &st))
        }
        Err(e) => Err(super::store_error(e, Some(who))),
    }
}

/// The estimate now and with the change, at the default run spec: the application's ledger preview
/// (`entente_app::ledger::preview`, the same as every front end's), on the blocking pool, one model run at a time.
pub async fn preview(
    state: &Arc<State>,
    files: entente_data::Files,
    change: ChangeSet,
) -> Result<Preview, crate::error::ApiError> {
    use crate::error::ApiError;
    let started = std::time::Instant::now();
    let _permit = state.model_runs.acquire().await.map_err(|e| ApiError::internal(e.to_string()))?;
    let p = tokio::task::spawn_blocking(move || {
        entente_app::ledger::preview(&files, &change, &entente_app::RunSpec::default(), &entente_app::Silent)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| {
        ApiError::new(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), e.to_string())
    })?;
    Ok(Preview {
        before: Headline::of(&p.before),
        after: Headline::of(&p.after),
        moved: p.figures.into_iter().filter(|f| f.changed()).collect(),
        ms: started.elapsed().as_millis(),
    })
}

async fn new_claim(S(s): S<Arc<State>>, v: Visitor) -> Result<Response, Response> {
    show(s, v, &CLAIM, None).await
}
async fn edit_claim(S(s): S<Arc<State>>, v: Visitor, Path(id): Path<String>) -> Result<Response, Response> {
    show(s, v, &CLAIM, Some(id)).await
}
async fn new_source(S(s): S<Arc<State>>, v: Visitor) -> Result<Response, Response> {
    show(s, v, &SOURCE, None).await
}
async fn edit_source(S(s): S<Arc<State>>, v: Visitor, Path(id): Path<String>) -> Result<Response, Response> {
    show(s, v, &SOURCE, Some(id)).await
}
async fn post_new_claim(
    S(s): S<Arc<State>>,
    v: Visitor,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    submit(s, v, &CLAIM, None, f).await
}
async fn post_edit_claim(
    S(s): S<Arc<State>>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    submit(s, v, &CLAIM, Some(id), f).await
}
async fn post_new_source(
    S(s): S<Arc<State>>,
    v: Visitor,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    submit(s, v, &SOURCE, None, f).await
}
async fn post_edit_source(
    S(s): S<Arc<State>>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    submit(s, v, &SOURCE, Some(id), f).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_form_becomes_a_record_and_back() {
        let v: Values = [
            ("sources", "a, b"),
            ("measure", "shells delivered"),
            ("value_kind", "range"),
            ("value_a", "1,000,000"),
            ("value_b", "2e6"),
            ("unit", "shell"),
            ("period_from", "2023-08-01"),
            ("public", "2024-01-02"),
            ("derived", "false"),
            ("credibility", ""),
            ("note", "n"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let text = write_record(&CLAIM, None, "x-1", &v).unwrap();
        assert!(text.contains("id = \"x-1\""), "{text}");
        assert!(text.contains("value = { low = 1000000, high = 2000000 }"), "{text}");
        assert!(text.contains("period = { from = 2023-08-01 }"), "{text}");
        assert!(!text.contains("derived"), "{text}");
        let back = values_of(&CLAIM, &text);
        assert_eq!(back["value_kind"], "range");
        assert_eq!(back["sources"], "a, b");
        assert_eq!(back["period_from"], "2023-08-01");
    }

    #[test]
    fn form_errors_name_their_fields() {
        let v: Values =
            [("value_kind", "point"), ("value_a", "lots"), ("public", "2024-13-01"), ("as_of", "2024-01-01")]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
        let e = write_record(&CLAIM, None, "x", &v).unwrap_err();
        assert!(e["value_a"].contains("`lots` is not a number"));
        assert!(e["public"].contains("not a date"));
        assert!(e["sources"].contains("required"));
        assert!(e["measure"].contains("required"));
        assert!(!e.contains_key("as_of"));
    }

    #[test]
    fn a_new_estimate_is_appended_to_the_variable_keeping_its_comments() {
        let base = "# containers\n[[variable]]\nid = \"c\"\nunit = \"container\" # count\n\n[[variable.estimate]]\npublic = 2024-01-01\ndist = \"pert\"\nlow = 1\nmode = 2\nhigh = 3\nclaims = [\"a\"]\n\n";
        let v: Values = [
            ("est_dist", "pert"),
            ("est_low", "60,000"),
            ("est_mode", "70000"),
            ("est_high", "9e4"),
            ("est_note", "n"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let none = |_: &str| None;
        let text = append_estimate(base, "new-claim", date("2025-09-01"), &v, &none).unwrap();
        assert!(text.starts_with(&base[..base.len() - 1]), "{text}");
        assert!(
            text.ends_with("[[variable.estimate]]\npublic = 2025-09-01\ndist = \"pert\"\nlow = 60000\nmode = 70000\nhigh = 90000\nclaims = [\"new-claim\"]\nnote = \"n\"\n\n"),
            "{text}"
        );
        let mut bad = v.clone();
        bad.insert("est_mode".into(), "".into());
        bad.insert("est_sd".into(), "3".into());
        bad.insert("est_high".into(), "lots".into());
        let e = append_estimate(base, "x", None, &bad, &none).unwrap_err();
        assert!(e["est_mode"].contains("a pert needs `mode`"), "{e:?}");
        assert!(e["est_sd"].contains("has no `sd`"), "{e:?}");
        assert!(e["est_high"].contains("`lots` is not a number"), "{e:?}");
        bad.insert("est_dist".into(), "cauchy".into());
        assert!(append_estimate(base, "x", None, &bad, &none).unwrap_err()["est_dist"].contains("not one of"));
    }

    /// The embedded dataset with one variable's record replaced by `text`, loaded by the CLI's loader: its
    /// variables as JSON, and the variable's record as it stands in the embedded file.
    fn embedded_with(var: &str, text: Option<&str>) -> (String, String) {
        let mut files: BTreeMap<String, String> =
            entente_data::EMBEDDED.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        let mut recs = entente_store::ledger::split_files(&files);
        let vars = recs.get_mut("variables.toml").unwrap();
        let r = vars.iter_mut().find(|r| r.kind == "variable" && r.id == var).unwrap();
        let original = r.text.clone();
        if let Some(t) = text {
            r.text = t.to_string();
        }
        files.insert("variables.toml".into(), entente_store::ledger::assemble(vars));
        let ds = entente_data::load(&entente_data::Files { files }).unwrap_or_else(|e| panic!("{e}"));
        (serde_json::to_string(&ds.variables).unwrap(), original)
    }

    #[test]
    fn an_undated_estimate_is_dated_by_its_latest_claim_and_reads_the_same() {
        let recs = entente_store::ledger::split_files(
            &entente_data::EMBEDDED.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect(),
        );
        let dates = claim_dates(&recs["claims.toml"]);
        assert_eq!(dates.len(), recs["claims.toml"].iter().filter(|r| r.kind == "claim").count());
        for var in ["price_kn23", "troop_cap", "shells_per_container_122"] {
            let (before, text) = embedded_with(var, None);
            let mut doc: DocumentMut = text.parse().unwrap();
            let t = doc["variable"].as_array_of_tables_mut().unwrap().get_mut(0).unwrap();
            date_the_estimate(t, &|c| dates.get(c).copied()).unwrap();
            let dated = doc.to_string();
            assert!(dated.contains("[[variable.estimate]]\npublic = "), "{dated}");
            // the loader reads it as before: same distribution, claims, note and (derived) public date
            let (after, _) = embedded_with(var, Some(&dated));
            assert_eq!(before, after, "{var}: {dated}");
        }
        // price_kn23's latest claim is value-bloomberg-2023
        let (_, text) = embedded_with("price_kn23", None);
        let mut doc: DocumentMut = text.parse().unwrap();
        let t = doc["variable"].as_array_of_tables_mut().unwrap().get_mut(0).unwrap();
        date_the_estimate(t, &|c| dates.get(c).copied()).unwrap();
        let latest = [
            "price-srbm-kida-2022",
            "price-srbm-bennett-2022",
            "price-srbm-scmp-2022",
            "price-scud-export-2016",
            "value-bloomberg-2023",
        ]
        .iter()
        .map(|c| dates[*c])
        .max()
        .unwrap();
        assert!(doc.to_string().contains(&format!("public = {latest}\n")), "{doc}");
        // no claim with a date: an error beside the variable, nothing written
        let mut doc: DocumentMut = text.parse().unwrap();
        let t = doc["variable"].as_array_of_tables_mut().unwrap().get_mut(0).unwrap();
        assert!(date_the_estimate(t, &|_| None).unwrap_err().contains("cannot be dated"));
    }

    #[test]
    fn a_new_estimate_on_an_undated_variable_dates_the_old_one_first_and_an_expression_takes_none() {
        let base = "[[variable]]\nid = \"p\"\nunit = \"USD\"\ndist = \"pert\" # the old one\nlow = 1\nmode = 2\nhigh = 3\nclaims = [\"a\", \"b\"]\nnote = \"old\"\n";
        let v: Values = [("est_dist", "point"), ("est_value", "5")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let dates = |c: &str| match c {
            "a" => day("2023-01-05"),
            "b" => day("2024-02-01"),
            _ => None,
        };
        let text = append_estimate(base, "n", date("2025-01-01"), &v, &dates).unwrap();
        assert_eq!(
            text,
            "[[variable]]\nid = \"p\"\nunit = \"USD\"\n\n[[variable.estimate]]\npublic = 2024-02-01\ndist = \"pert\" # the old one\nlow = 1\nmode = 2\nhigh = 3\nclaims = [\"a\", \"b\"]\nnote = \"old\"\n\n[[variable.estimate]]\npublic = 2025-01-01\ndist = \"point\"\nvalue = 5\nclaims = [\"n\"]\n"
        );
        let e = append_estimate(base, "n", date("2025-01-01"), &v, &|_| None).unwrap_err();
        assert!(e["est_variable"].contains("cannot be dated"), "{e:?}");
        let expr = "[[variable]]\nid = \"q\"\nunit = \"1\"\nexpr = \"p * 2\"\n";
        let e = append_estimate(expr, "n", date("2025-01-01"), &v, &dates).unwrap_err();
        assert!(e["est_variable"].contains("expression"), "{e:?}");
    }

    #[test]
    fn an_update_keeps_comments_and_unknown_keys() {
        let base = "# a comment\n[[source]]\nid = \"s\"\ntitle = \"T\"\npublisher = \"P\"\nurl = \"https://x\"\nreliability = \"B\"\ncredibility = 2\nextra = 1\n";
        let mut v = values_of(&SOURCE, base);
        v.insert("title".into(), "New".into());
        let text = write_record(&SOURCE, Some(base), "s", &v).unwrap();
        assert!(text.starts_with("# a comment\n[[source]]\nid = \"s\"\ntitle = \"New\""), "{text}");
        assert!(text.contains("extra = 1"), "{text}");
    }
}
