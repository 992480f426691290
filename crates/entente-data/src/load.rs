//! Turns the dataset's files into a validated [`Dataset`]. Two passes: the first collects the ids each file
//! declares (and finds duplicates), the second reads every entry and checks each reference, unit and date
//! against them. All errors of all files are gathered before anything is returned.

use crate::error::{DataError, DataErrors};
use crate::reader::{line_of, valid_id, Entry, FileReader};
use chrono::NaiveDate;
use entente_core::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use toml_edit::{ImDocument, Item};

#[path = "checks.rs"]
mod checks;

/// The dataset's files by name, as text. Optional files may be absent.
pub struct Files {
    pub files: BTreeMap<String, String>,
}

pub const TOML_FILES: [&str; 6] =
    ["sources.toml", "claims.toml", "variables.toml", "items.toml", "scenarios.toml", "reference.toml"];

/// TOML files a dataset may carry.
pub const OPTIONAL_TOML_FILES: [&str; 2] = ["hypotheses.toml", "checks.toml"];

/// Where an entry stands, for errors found after reading.
#[derive(Clone)]
struct Loc {
    file: &'static str,
    line: Option<usize>,
    path: String,
}

struct Parsed {
    name: &'static str,
    text: String,
    doc: Option<ImDocument<String>>,
}

/// Loads and validates a dataset from its files.
pub fn load(files: &Files) -> Result<Dataset, DataErrors> {
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for name in TOML_FILES.into_iter().chain(OPTIONAL_TOML_FILES) {
        let Some(text) = files.files.get(name) else {
            if OPTIONAL_TOML_FILES.contains(&name) {
                continue;
            }
            errors.push(DataError {
                file: name.into(),
                line: None,
                path: String::new(),
                field: String::new(),
                message: "file is missing".into(),
            });
            parsed.push(Parsed { name, text: String::new(), doc: None });
            continue;
        };
        let doc = match ImDocument::parse(text.clone()) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(DataError {
                    file: name.into(),
                    line: e.span().map(|s| line_of(text, s.start)),
                    path: String::new(),
                    field: String::new(),
                    message: format!("not valid TOML: {}", e.message().trim().replace('\n', "; ")),
                });
                None
            }
        };
        parsed.push(Parsed { name, text: text.clone(), doc });
    }
    let mut ds = Dataset::default();
    let mut st = State::default();
    for p in &parsed {
        let Some(doc) = &p.doc else {
            st.broken.insert(p.name);
            continue;
        };
        let mut r = FileReader::new(p.name, &p.text, &mut errors);
        match p.name {
            "sources.toml" => read_sources(&mut r, doc, &mut ds, &mut st),
            "claims.toml" => read_claims(&mut r, doc, &mut ds, &mut st),
            "variables.toml" => read_variables(&mut r, doc, &mut ds, &mut st),
            "items.toml" => read_items(&mut r, doc, &mut ds, &mut st),
            "scenarios.toml" => read_scenarios(&mut r, doc, &mut ds, &mut st),
            "reference.toml" => read_reference(&mut r, doc, &mut ds, &mut st),
            "hypotheses.toml" => read_hypotheses(&mut r, doc, &mut ds, &mut st),
            "checks.toml" => checks::read_checks(&mut r, doc, &mut ds, &mut st),
            _ => unreachable!(),
        }
    }
    if let Some(text) = files.files.get("trade.csv") {
        ds.trade = crate::csvfiles::read_trade("trade.csv", text, &st.source_ids, &mut errors);
    }
    if let Some(text) = files.files.get("meetings.csv") {
        ds.meetings = crate::csvfiles::read_meetings("meetings.csv", text, &st.source_ids, &mut errors);
    }
    date_undated_estimates(&mut ds);
    cross_check(&ds, &st, &mut errors);
    if errors.is_empty() {
        Ok(ds)
    } else {
        errors.sort_by(|a, b| {
            let order = |f: &str| TOML_FILES.iter().chain(&OPTIONAL_TOML_FILES).position(|x| *x == f).unwrap_or(99);
            (order(&a.file), &a.file, a.line).cmp(&(order(&b.file), &b.file, b.line))
        });
        errors.dedup();
        Err(DataErrors(errors))
    }
}

/// References and expressions whose check needs every file read first.
#[derive(Default)]
struct State {
    /// (claim id referenced, where)
    claim_refs: Vec<(String, Loc, String)>,
    source_refs: Vec<(String, Loc, String)>,
    variable_locs: HashMap<String, Loc>,
    item_locs: Vec<(Loc, Loc)>,
    scenario_refs: Vec<(String, Loc)>,
    override_refs: Vec<(String, Loc, String)>,
    /// (originator source id, where it is named)
    originator_refs: Vec<(String, Loc)>,
    /// Where each claim lists what informed it.
    informed_locs: HashMap<String, Loc>,
    /// Where each claim gives its public date.
    claim_locs: HashMap<String, Loc>,
    /// Scenario id → where each of its overrides stands.
    override_locs: HashMap<(String, String), Loc>,
    gdp_locs: Vec<Loc>,
    /// (counterpart item id, where), in item order
    counterpart_refs: Vec<(String, Loc)>,
    /// Ids declared in each file, even by entries that failed to read, so one mistake is reported once and
    /// not again at every place that refers to the broken entry.
    source_ids: BTreeSet<String>,
    claim_ids: BTreeSet<String>,
    var_ids: BTreeSet<String>,
    scenario_ids: BTreeSet<String>,
    /// Files that are not valid TOML (or missing): references into them are not checked.
    broken: BTreeSet<&'static str>,
}

fn loc(r: &FileReader, span: Option<Range<usize>>, path: &str) -> Loc {
    Loc { file: leak(r.file), line: span.map(|s| r.line(s.start)), path: path.to_string() }
}

fn leak(s: &str) -> &'static str {
    TOML_FILES.iter().chain(&OPTIONAL_TOML_FILES).copied().find(|f| *f == s).unwrap_or("dataset")
}

/// The entries of an array of tables `[[key]]`, with paths `key[i]`; an error if `key` is something else.
fn entries<'d>(r: &mut FileReader, doc: &'d ImDocument<String>, key: &str, required: bool) -> Vec<Entry<'d>> {
    let root = doc.as_table();
    for (k, item) in root.iter() {
        let allowed = match r.file {
            "scenarios.toml" => ["scenario", "default"].contains(&k),
            "reference.toml" => ["gdp", "study"].contains(&k),
            "variables.toml" => ["variable", "correlation"].contains(&k),
            _ => k == key,
        };
        if !allowed {
            r.error(item.span().or_else(|| root.key(k).and_then(|x| x.span())), "", k, "unknown top-level key");
        }
    }
    match root.get(key) {
        None => {
            if required {
                r.error(None, "", key, format!("no [[{key}]] entries"));
            }
            Vec::new()
        }
        Some(Item::ArrayOfTables(aot)) => {
            aot.iter().enumerate().map(|(i, t)| Entry::new(t, format!("{key}[{i}]"))).collect()
        }
        Some(other) => {
            r.error(other.span(), "", key, format!("expected [[{key}]] entries, found {}", other.type_name()));
            Vec::new()
        }
    }
}

/// Reads `id`, checks its form and uniqueness, and names the entry after it in later messages.
fn read_id(r: &mut FileReader, e: &mut Entry, seen: &mut BTreeSet<String>, allow_hyphen: bool) -> Option<String> {
    let id = r.string(e, "id", true)?;
    let span = r.span_of(e, "id");
    e.path = format!("{} ({id})", e.path);
    if !valid_id(&id, allow_hyphen) {
        let form =
            if allow_hyphen { "[a-z][a-z0-9_-]*" } else { "[a-z][a-z0-9_]* (no hyphens: ids are used in expressions)" };
        r.error(span.clone(), &e.path, "id", format!("`{id}` is not a valid id ({form})"));
    }
    if !seen.insert(id.clone()) {
        r.error(span, &e.path, "id", format!("duplicate id `{id}`"));
    }
    Some(id)
}

fn read_sources(r: &mut FileReader, doc: &ImDocument<String>, ds: &mut Dataset, st: &mut State) {
    let mut seen = BTreeSet::new();
    for mut e in entries(r, doc, "source", true) {
        let id = read_id(r, &mut e, &mut seen, true);
        r.unknown_keys(
            &e,
            &[
                "id",
                "title",
                "publisher",
                "url",
                "published",
                "reliability",
                "credibility",
                "assumption",
                "made",
                "originator",
                "note",
            ],
        );
        let title = r.string(&e, "title", true);
        let publisher = r.string(&e, "publisher", true);
        let url = r.text(&e, "url");
        let published = r.date(&e, "published", false);
        let reliability = r.string(&e, "reliability", true).and_then(|s| {
            let mut cs = s.chars();
            let rel = match (cs.next(), cs.next()) {
                (Some(c), None) => Reliability::from_letter(c),
                _ => None,
            };
            if rel.is_none() {
                let span = r.span_of(&e, "reliability");
                r.error(span, &e.path, "reliability", format!("`{s}` is not a reliability grade A–F"));
            }
            rel
        });
        let credibility = r.integer(&e, "credibility", true).and_then(|n| {
            let c = u8::try_from(n).ok().and_then(Credibility::new);
            if c.is_none() {
                let span = r.span_of(&e, "credibility");
                r.error(span, &e.path, "credibility", format!("{n} is not a credibility grade 1–6"));
            }
            c
        });
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            let span = r.span_of(&e, "url");
            r.error(span, &e.path, "url", format!("`{url}` is not an http(s) URL"));
        }
        let note = r.text(&e, "note");
        let assumption = r.boolean(&e, "assumption");
        let originator = r.boolean(&e, "originator");
        let made = r.date(&e, "made", false);
        if assumption && made.is_none() && !e.table.contains_key("made") {
            r.error(
                e.span.clone(),
                &e.path,
                "made",
                "missing: an analyst assumption carries the date it was made (`made = YYYY-MM-DD`)",
            );
        }
        if assumption && originator {
            r.error(r.span_of(&e, "originator"), &e.path, "originator", "an analyst assumption is not an originator");
        }
        if let (Some(id), Some(title), Some(publisher), Some(reliability), Some(credibility)) =
            (id, title, publisher, reliability, credibility)
        {
            let grade = Grade { reliability, credibility };
            if assumption && grade.to_string() != "F6" {
                r.error(
                    r.span_of(&e, "assumption"),
                    &e.path,
                    "assumption",
                    format!("an analyst assumption is graded F6, not {grade}"),
                );
            }
            // a duplicate id is an error already: the first entry stands
            ds.sources.entry(id.clone()).or_insert(Source {
                id,
                title,
                publisher,
                url,
                published,
                grade,
                assumption,
                made,
                originator,
                note,
            });
        }
    }
    st.source_ids = seen;
}

fn read_claims(r: &mut FileReader, doc: &ImDocument<String>, ds: &mut Dataset, st: &mut State) {
    let mut seen = BTreeSet::new();
    for mut e in entries(r, doc, "claim", true) {
        let id = read_id(r, &mut e, &mut seen, true);
        r.unknown_keys(
            &e,
            &[
                "id",
                "sources",
                "originator",
                "credibility",
                "informed_by",
                "measure",
                "value",
                "unit",
                "as_of",
                "period",
                "public",
                "derived",
                "note",
            ],
        );
        let sources = r.string_list(&e, "sources");
        let here = loc(r, r.span_of(&e, "sources"), &e.path);
        if sources.is_empty() {
            r.error(
                r.span_of(&e, "sources").or(e.span.clone()),
                &e.path,
                "sources",
                "a claim needs at least one source",
            );
        }
        for s in &sources {
            st.source_refs.push((s.clone(), here.clone(), "sources".into()));
        }
        let measure = r.string(&e, "measure", true);
        let unit = r.string(&e, "unit", true);
        if let Some(u) = &unit {
            if let Err(m) = Unit::parse(u) {
                r.error(r.span_of(&e, "unit"), &e.path, "unit", m);
            }
        }
        let value = read_claim_value(r, &e);
        let public = r.date(&e, "public", true);
        let as_of = r.date(&e, "as_of", false);
        let period = read_period(r, &e, "period", false);
        let refers_to = match (as_of, period) {
            (Some(d), None) => Some(RefersTo::AsOf(d)),
            (None, Some((Some(from), to))) => Some(RefersTo::Period { from, to }),
            (Some(_), Some(_)) => {
                r.error(r.span_of(&e, "period"), &e.path, "period", "give either `as_of` or `period`, not both");
                None
            }
            (None, Some((None, _))) => None,
            (None, None) => {
                if !e.table.contains_key("as_of") && !e.table.contains_key("period") {
                    r.error(e.span.clone(), &e.path, "as_of", "missing: give `as_of` (a stock) or `period` (a flow)");
                }
                None
            }
        };
        if let (Some(public), Some(RefersTo::AsOf(d) | RefersTo::Period { from: d, .. })) = (public, refers_to) {
            if d > public {
                r.error(
                    r.span_of(&e, "public"),
                    &e.path,
                    "public",
                    format!("public date {public} is before the date the claim refers to ({d})"),
                );
            }
        }
        let derived = r.boolean(&e, "derived");
        let originator = r.string(&e, "originator", false);
        if let Some(o) = &originator {
            st.originator_refs.push((o.clone(), loc(r, r.span_of(&e, "originator"), &e.path)));
        }
        let credibility = r.integer(&e, "credibility", false).and_then(|n| {
            let c = u8::try_from(n).ok().and_then(Credibility::new);
            if c.is_none() {
                let span = r.span_of(&e, "credibility");
                r.error(span, &e.path, "credibility", format!("{n} is not a credibility grade 1–6"));
            }
            c
        });
        if let Some(id) = &id {
            st.claim_locs.insert(id.clone(), loc(r, r.span_of(&e, "public").or(e.span.clone()), &e.path));
        }
        let informed_by = r.string_list(&e, "informed_by");
        if !informed_by.is_empty() {
            let here = loc(r, r.span_of(&e, "informed_by"), &e.path);
            for c in &informed_by {
                st.claim_refs.push((c.clone(), here.clone(), "informed_by".into()));
            }
            if let Some(id) = &id {
                st.informed_locs.insert(id.clone(), here);
            }
        }
        let note = r.text(&e, "note");
        if let (Some(id), Some(measure), Some(value), Some(unit), Some(refers_to), Some(public)) =
            (id, measure, value, unit, refers_to, public)
        {
            ds.claims.insert(
                id.clone(),
                Claim {
                    id,
                    sources,
                    measure,
                    value,
                    unit,
                    refers_to,
                    public,
                    derived,
                    originator,
                    credibility,
                    informed_by,
                    note,
                },
            );
        }
    }
    st.claim_ids = seen;
}

fn read_claim_value(r: &mut FileReader, e: &Entry) -> Option<ClaimValue> {
    let v = match e.table.get("value") {
        None => {
            r.error(e.span.clone(), &e.path, "value", "missing");
            return None;
        }
        Some(Item::Value(toml_edit::Value::InlineTable(_))) | Some(Item::Table(_)) => r.sub_entry(e, "value")?,
        Some(_) => return r.number(e, "value", true).map(ClaimValue::Point),
    };
    r.unknown_keys(&v, &["point", "low", "high", "at_least", "at_most"]);
    let keys: Vec<&str> =
        ["point", "low", "high", "at_least", "at_most"].into_iter().filter(|k| v.table.contains_key(k)).collect();
    let value = match keys.as_slice() {
        ["point"] => ClaimValue::Point(r.number(&v, "point", true)?),
        ["low", "high"] => {
            let (low, high) = (r.number(&v, "low", true)?, r.number(&v, "high", true)?);
            if low > high {
                r.error(r.span_of(&v, "low"), &v.path, "low", format!("low {low} is greater than high {high}"));
                return None;
            }
            ClaimValue::Range { low, high }
        }
        ["at_least"] => ClaimValue::AtLeast(r.number(&v, "at_least", true)?),
        ["at_most"] => ClaimValue::AtMost(r.number(&v, "at_most", true)?),
        _ => {
            r.error(
                v.span.clone(),
                &v.path,
                "",
                "give exactly one of { point }, { low, high }, { at_least }, { at_most }",
            );
            return None;
        }
    };
    Some(value)
}

/// `period = { from = …, to = … }`: checks that it does not end before it starts.
fn read_period(
    r: &mut FileReader,
    e: &Entry,
    key: &str,
    need_from: bool,
) -> Option<(Option<NaiveDate>, Option<NaiveDate>)> {
    let p = r.sub_entry(e, key)?;
    r.unknown_keys(&p, &["from", "to"]);
    let from = r.date(&p, "from", need_from || !p.table.contains_key("to"));
    let to = r.date(&p, "to", false);
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            r.error(r.span_of(&p, "to"), &p.path, "to", format!("period ends ({t}) before it starts ({f})"));
            return None;
        }
    }
    Some((from, to))
}

fn read_estimate(r: &mut FileReader, e: &Entry, st: &mut State, dated: bool) -> Option<Estimate> {
    let dist = r.distribution(e);
    let public = if dated { r.date(e, "public", true) } else { None };
    let claims = r.string_list(e, "claims");
    let here = loc(r, r.span_of(e, "claims"), &e.path);
    for c in &claims {
        st.claim_refs.push((c.clone(), here.clone(), "claims".into()));
    }
    let note = r.text(e, "note");
    let (dist, truncation) = dist?;
    if dated && public.is_none() {
        return None;
    }
    Some(Estimate { public, dist, truncation, claims, note })
}

const DIST_KEYS: [&str; 10] = ["dist", "value", "low", "mode", "high", "mean", "sd", "min", "max", "claims"];

fn read_variables(r: &mut FileReader, doc: &ImDocument<String>, ds: &mut Dataset, st: &mut State) {
    let mut seen = BTreeSet::new();
    for mut e in entries(r, doc, "variable", true) {
        let mut known = vec!["id", "unit", "description", "expr", "estimate", "cumulative", "note"];
        known.extend(DIST_KEYS);
        let id = read_id(r, &mut e, &mut seen, false);
        r.unknown_keys(&e, &known);
        let unit = r.string(&e, "unit", true).and_then(|u| match Unit::parse(&u) {
            Ok(u) => Some(u),
            Err(m) => {
                r.error(r.span_of(&e, "unit"), &e.path, "unit", m);
                None
            }
        });
        let description = r.text(&e, "description");
        let has_dist = e.table.contains_key("dist") || e.table.contains_key("value");
        let has_expr = e.table.contains_key("expr");
        let has_est = e.table.contains_key("estimate");
        let kind = match (has_dist, has_expr, has_est) {
            (true, false, false) => read_estimate(r, &e, st, false).map(|est| VariableKind::Estimates(vec![est])),
            (false, true, false) => r.string(&e, "expr", true).and_then(|s| match Expr::parse(&s) {
                Ok(x) => Some(VariableKind::Expr(x)),
                Err(m) => {
                    r.error(r.span_of(&e, "expr"), &e.path, "expr", m);
                    None
                }
            }),
            (false, false, true) => read_dated_estimates(r, &e, st).map(VariableKind::Estimates),
            (false, false, false) => {
                r.error(
                    e.span.clone(),
                    &e.path,
                    "dist",
                    "missing: give a distribution, an `expr` or [[variable.estimate]] entries",
                );
                None
            }
            _ => {
                r.error(
                    e.span.clone(),
                    &e.path,
                    "",
                    "give only one of: a distribution, an `expr`, or [[variable.estimate]] entries",
                );
                None
            }
        };
        if let Some(id) = &id {
            st.variable_locs.insert(id.clone(), loc(r, e.span.clone(), &e.path));
        }
        if let (Some(id), Some(unit), Some(kind)) = (id, unit, kind) {
            let cumulative = r.boolean(&e, "cumulative");
            if cumulative && matches!(kind, VariableKind::Expr(_)) {
                r.error(
                    r.span_of(&e, "cumulative"),
                    &e.path,
                    "cumulative",
                    "only a variable with estimates can be a running total (an expression follows its inputs)",
                );
            }
            ds.variables.push(Variable { id, unit, description, kind, cumulative });
        }
    }
    st.var_ids = seen;
    let corr_entries = match doc.as_table().get("correlation") {
        Some(Item::ArrayOfTables(aot)) => {
            aot.iter().enumerate().map(|(i, t)| Entry::new(t, format!("correlation[{i}]"))).collect()
        }
        Some(other) => {
            r.error(other.span(), "", "correlation", "expected [[correlation]] entries");
            Vec::new()
        }
        None => Vec::new(),
    };
    let mut pairs = BTreeSet::new();
    for e in corr_entries {
        r.unknown_keys(&e, &["variables", "rank", "claims", "note"]);
        let vars = r.string_list(&e, "variables");
        let rank = r.number(&e, "rank", true);
        let claims = r.string_list(&e, "claims");
        let here = loc(r, r.span_of(&e, "claims"), &e.path);
        for c in &claims {
            st.claim_refs.push((c.clone(), here.clone(), "claims".into()));
        }
        let note = r.text(&e, "note");
        let span = r.span_of(&e, "variables");
        let [a, b] = vars.as_slice() else {
            r.error(span, &e.path, "variables", "give exactly two variable ids");
            continue;
        };
        if a == b {
            r.error(span, &e.path, "variables", format!("`{a}` cannot be correlated with itself"));
            continue;
        }
        let mut ok = true;
        for v in [a, b] {
            match ds.variables.iter().find(|x| &x.id == v) {
                None if !st.var_ids.contains(v) => {
                    r.error(span.clone(), &e.path, "variables", format!("unknown variable `{v}`"));
                    ok = false;
                }
                Some(x) if matches!(x.kind, VariableKind::Expr(_)) => {
                    r.error(
                        span.clone(),
                        &e.path,
                        "variables",
                        format!("`{v}` is computed by an expression; correlate its inputs instead"),
                    );
                    ok = false;
                }
                _ => {}
            }
        }
        let key = if a < b { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
        if !pairs.insert(key) {
            r.error(span.clone(), &e.path, "variables", format!("the pair `{a}`, `{b}` is correlated twice"));
            ok = false;
        }
        if let Some(x) = rank {
            if !(x > -1.0 && x < 1.0) {
                r.error(
                    r.span_of(&e, "rank"),
                    &e.path,
                    "rank",
                    format!("{x} is not a correlation strictly between -1 and 1"),
                );
                ok = false;
            }
        }
        if let (true, Some(rank)) = (ok, rank) {
            ds.correlations.push(Correlation { a: a.clone(), b: b.clone(), rank, claims, note });
        }
    }
}

fn read_dated_estimates(r: &mut FileReader, e: &Entry, st: &mut State) -> Option<Vec<Estimate>> {
    let Some(Item::ArrayOfTables(aot)) = e.table.get("estimate") else {
        r.error(r.span_of(e, "estimate"), &e.path, "estimate", "expected [[variable.estimate]] entries");
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (i, t) in aot.iter().enumerate() {
        let est_entry = Entry::new(t, format!("{}.estimate[{i}]", e.path));
        let mut known = vec!["public", "note"];
        known.extend(DIST_KEYS);
        r.unknown_keys(&est_entry, &known);
        match read_estimate(r, &est_entry, st, true) {
            Some(est) => {
                if out.iter().any(|o: &Estimate| o.public == est.public) {
                    r.error(
                        r.span_of(&est_entry, "public"),
                        &est_entry.path,
                        "public",
                        "two estimates have the same public date",
                    );
                    ok = false;
                }
                out.push(est);
            }
            None => ok = false,
        }
    }
    out.sort_by_key(|x| x.public);
    (ok && !out.is_empty()).then_some(out)
}

fn read_items(r: &mut FileReader, doc: &ImDocument<String>, ds: &mut Dataset, st: &mut State) {
    let mut seen = BTreeSet::new();
    for mut e in entries(r, doc, "item", true) {
        let id = read_id(r, &mut e, &mut seen, true);
        r.unknown_keys(
            &e,
            &["id", "name", "flow", "category", "unit", "quantity", "unit_price", "period", "counterpart", "note"],
        );
        let counterpart = r.string(&e, "counterpart", false);
        if let Some(c) = &counterpart {
            st.counterpart_refs.push((c.clone(), loc(r, r.span_of(&e, "counterpart"), &e.path)));
        }
        let name = r.string(&e, "name", true);
        let flow = r.string(&e, "flow", true).and_then(|f| {
            let flow = Flow::parse(&f);
            if flow.is_none() {
                r.error(r.span_of(&e, "flow"), &e.path, "flow", format!("`{f}` is not a flow (KP->RU or RU->KP)"));
            }
            flow
        });
        let category = r.string(&e, "category", true);
        if let Some(c) = &category {
            if !valid_id(c, true) {
                r.error(r.span_of(&e, "category"), &e.path, "category", format!("`{c}` is not a valid category name"));
            }
        }
        let unit = r.string(&e, "unit", true).and_then(|u| match Unit::parse(&u) {
            Ok(u) => Some(u),
            Err(m) => {
                r.error(r.span_of(&e, "unit"), &e.path, "unit", m);
                None
            }
        });
        let expr = |r: &mut FileReader, key: &str| {
            r.string(&e, key, true).and_then(|s| match Expr::parse(&s) {
                Ok(x) => Some(x),
                Err(m) => {
                    r.error(r.span_of(&e, key), &e.path, key, m);
                    None
                }
            })
        };
        let quantity = expr(r, "quantity");
        let unit_price = expr(r, "unit_price");
        let period =
            if e.table.contains_key("period") { read_period(r, &e, "period", false) } else { Some((None, None)) };
        let note = r.text(&e, "note");
        st.item_locs.push((loc(r, r.span_of(&e, "quantity"), &e.path), loc(r, r.span_of(&e, "unit_price"), &e.path)));
        if let (
            Some(id),
            Some(name),
            Some(flow),
            Some(category),
            Some(unit),
            Some(quantity),
            Some(unit_price),
            Some((from, to)),
        ) = (id, name, flow, category, unit, quantity, unit_price, period)
        {
            ds.items.push(entente_core::Item {
                id,
                name,
                flow,
                category,
                unit,
                quantity,
                unit_price,
                from,
                to,
                counterpart,
                note,
            });
        } else {
            st.item_locs.pop();
        }
    }
}

fn read_scenarios(r: &mut FileReader, doc: &ImDocument<String>, ds: &mut Dataset, st: &mut State) {
    let root = Entry::new(doc.as_table(), String::new());
    let default = r.string(&root, "default", true);
    let mut seen = BTreeSet::new();
    for mut e in entries(r, doc, "scenario", true) {
        let id = read_id(r, &mut e, &mut seen, true);
        r.unknown_keys(&e, &["id", "title", "description", "as_of", "gdp_year", "override"]);
        let title = r.string(&e, "title", true);
        let description = r.text(&e, "description");
        let as_of = r.date(&e, "as_of", true);
        let gdp_year = r.integer(&e, "gdp_year", false).map(|y| y as i32);
        if let Some(y) = gdp_year {
            st.scenario_refs.push((format!("gdp:{y}"), loc(r, r.span_of(&e, "gdp_year"), &e.path)));
        }
        let mut overrides = BTreeMap::new();
        match e.table.get("override") {
            None => {}
            Some(Item::ArrayOfTables(aot)) => {
                for (i, t) in aot.iter().enumerate() {
                    let oe = Entry::new(t, format!("{}.override[{i}]", e.path));
                    let mut known = vec!["variable", "note", "public"];
                    known.extend(DIST_KEYS);
                    r.unknown_keys(&oe, &known);
                    let var = r.string(&oe, "variable", true);
                    if let Some(v) = &var {
                        st.override_refs.push((
                            v.clone(),
                            loc(r, r.span_of(&oe, "variable"), &oe.path),
                            "variable".into(),
                        ));
                    }
                    if let (Some(v), Some(est)) = (var, read_estimate(r, &oe, st, false)) {
                        if let Some(sid) = &id {
                            st.override_locs.insert((sid.clone(), v.clone()), loc(r, oe.span.clone(), &oe.path));
                        }
                        if overrides.insert(v.clone(), est).is_some() {
                            r.error(
                                r.span_of(&oe, "variable"),
                                &oe.path,
                                "variable",
                                format!("`{v}` is overridden twice"),
                            );
                        }
                    }
                }
            }
            Some(other) => r.error(other.span(), &e.path, "override", "expected [[scenario.override]] entries"),
        }
        if let (Some(id), Some(title), Some(as_of)) = (id, title, as_of) {
            ds.scenarios.push(Scenario { id, title, description, as_of, gdp_year, overrides });
        }
    }
    st.scenario_ids = seen.clone();
    if let Some(d) = default {
        if !seen.contains(&d) {
            r.error(r.span_of(&root, "default"), "", "default", format!("unknown scenario `{d}`"));
        }
        ds.default_scenario = d;
    }
}

fn read_reference(r: &mut FileReader, doc: &ImDocument<String>, ds: &mut Dataset, st: &mut State) {
    let mut years = BTreeSet::new();
    for e in entries(r, doc, "gdp", true) {
        r.unknown_keys(&e, &["year", "usd", "basis", "claims", "public", "measure", "note"]);
        let measure = r.string(&e, "measure", false).unwrap_or_else(|| "unstated".into());
        if !["nominal", "real", "unstated"].contains(&measure.as_str()) {
            r.error(r.span_of(&e, "measure"), &e.path, "measure", format!("`{measure}` is not `nominal` or `real`"));
        }
        let year = r.integer(&e, "year", true).map(|y| y as i32);
        let public = r.date(&e, "public", false);
        let usd = r.number(&e, "usd", true);
        if let Some(u) = usd {
            if u <= 0.0 {
                r.error(r.span_of(&e, "usd"), &e.path, "usd", format!("GDP {u} must be positive"));
            }
        }
        let basis = r.string(&e, "basis", true);
        let claims = r.string_list(&e, "claims");
        let here = loc(r, r.span_of(&e, "claims"), &e.path);
        for c in &claims {
            st.claim_refs.push((c.clone(), here.clone(), "claims".into()));
        }
        if let Some(y) = year {
            if !years.insert(y) {
                r.error(r.span_of(&e, "year"), &e.path, "year", format!("GDP for {y} given twice"));
            }
        }
        if let (Some(year), Some(usd), Some(basis)) = (year, usd, basis) {
            st.gdp_locs.push(loc(r, e.span.clone(), &e.path));
            // dated by its claims in `date_undated_estimates` when no `public` is given
            ds.gdp.push(Gdp { year, usd, basis, claims, public: public.unwrap_or(NaiveDate::MIN), measure });
        }
    }
    let mut seen = BTreeSet::new();
    let doc_entries = {
        let root = doc.as_table();
        match root.get("study") {
            Some(Item::ArrayOfTables(aot)) => {
                aot.iter().enumerate().map(|(i, t)| Entry::new(t, format!("study[{i}]"))).collect()
            }
            _ => Vec::new(),
        }
    };
    for mut e in doc_entries {
        let id = read_id(r, &mut e, &mut seen, true);
        r.unknown_keys(
            &e,
            &["id", "title", "scenario", "flow", "include", "exclude", "low", "high", "claims", "note", "category"],
        );
        let categories = checks::read_study_categories(r, &e, ds, st);
        let title = r.string(&e, "title", true);
        let scenario = r.string(&e, "scenario", true);
        if let Some(s) = &scenario {
            st.scenario_refs.push((s.clone(), loc(r, r.span_of(&e, "scenario"), &e.path)));
        }
        let flow = r.string(&e, "flow", false).and_then(|f| {
            let flow = Flow::parse(&f);
            if flow.is_none() {
                r.error(r.span_of(&e, "flow"), &e.path, "flow", format!("`{f}` is not a flow (KP->RU or RU->KP)"));
            }
            flow
        });
        let include = r.string_list(&e, "include");
        let exclude = r.string_list(&e, "exclude");
        let (low, high) = (r.number(&e, "low", true), r.number(&e, "high", true));
        if let (Some(l), Some(h)) = (low, high) {
            if l > h {
                r.error(r.span_of(&e, "low"), &e.path, "low", format!("low {l} is greater than high {h}"));
            }
        }
        let claims = r.string_list(&e, "claims");
        let here = loc(r, r.span_of(&e, "claims"), &e.path);
        for c in &claims {
            st.claim_refs.push((c.clone(), here.clone(), "claims".into()));
        }
        let note = r.text(&e, "note");
        if let (Some(id), Some(title), Some(scenario), Some(low), Some(high)) = (id, title, scenario, low, high) {
            ds.studies.push(Study {
                id,
                title,
                scenario,
                coverage: Coverage { flow, include, exclude },
                categories,
                low,
                high,
                claims,
                note,
            });
        }
    }
}

fn read_hypotheses(r: &mut FileReader, doc: &ImDocument<String>, ds: &mut Dataset, st: &mut State) {
    let mut seen = BTreeSet::new();
    // variable → hypothesis that replaces it: one modelling choice per variable, or the choices are not separate
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    for mut e in entries(r, doc, "hypothesis", true) {
        let id = read_id(r, &mut e, &mut seen, true);
        r.unknown_keys(&e, &["id", "title", "base", "option", "weight_claims", "note"]);
        let title = r.string(&e, "title", true);
        let base = r.string(&e, "base", true);
        let weight_claims = r.string_list(&e, "weight_claims");
        let here = loc(r, r.span_of(&e, "weight_claims"), &e.path);
        for c in &weight_claims {
            st.claim_refs.push((c.clone(), here.clone(), "weight_claims".into()));
        }
        let note = r.text(&e, "note");
        let mut options: Vec<HypothesisOption> = Vec::new();
        let mut option_ids = BTreeSet::new();
        let mut ok = true;
        match e.table.get("option") {
            Some(Item::ArrayOfTables(aot)) => {
                for (i, t) in aot.iter().enumerate() {
                    let mut oe = Entry::new(t, format!("{}.option[{i}]", e.path));
                    let oid = read_id(r, &mut oe, &mut option_ids, true);
                    r.unknown_keys(&oe, &["id", "title", "weight", "claims", "override", "note"]);
                    let otitle = r.string(&oe, "title", true);
                    let weight = r.number(&oe, "weight", false);
                    if let Some(w) = weight {
                        if !(0.0..=1.0).contains(&w) {
                            r.error(
                                r.span_of(&oe, "weight"),
                                &oe.path,
                                "weight",
                                format!("{w} is not a weight in [0, 1]"),
                            );
                            ok = false;
                        }
                    }
                    let claims = r.string_list(&oe, "claims");
                    let here = loc(r, r.span_of(&oe, "claims"), &oe.path);
                    for c in &claims {
                        st.claim_refs.push((c.clone(), here.clone(), "claims".into()));
                    }
                    let onote = r.text(&oe, "note");
                    let mut overrides = BTreeMap::new();
                    match oe.table.get("override") {
                        None => {}
                        Some(Item::ArrayOfTables(aot)) => {
                            for (k, t) in aot.iter().enumerate() {
                                let ve = Entry::new(t, format!("{}.override[{k}]", oe.path));
                                let mut known = vec!["variable", "note"];
                                known.extend(DIST_KEYS);
                                r.unknown_keys(&ve, &known);
                                let var = r.string(&ve, "variable", true);
                                let vspan = r.span_of(&ve, "variable");
                                if let Some(v) = &var {
                                    st.override_refs.push((
                                        v.clone(),
                                        loc(r, vspan.clone(), &ve.path),
                                        "variable".into(),
                                    ));
                                    if let Some(h) = &id {
                                        match owner.get(v) {
                                            Some(other) if other != h => {
                                                r.error(
                                                    vspan.clone(),
                                                    &ve.path,
                                                    "variable",
                                                    format!("`{v}` is already replaced by hypothesis `{other}`: one hypothesis per variable"),
                                                );
                                                ok = false;
                                            }
                                            _ => {
                                                owner.insert(v.clone(), h.clone());
                                            }
                                        }
                                    }
                                }
                                match (var, read_estimate(r, &ve, st, false)) {
                                    (Some(v), Some(est)) => {
                                        if overrides.insert(v.clone(), est).is_some() {
                                            r.error(vspan, &ve.path, "variable", format!("`{v}` is replaced twice"));
                                            ok = false;
                                        }
                                    }
                                    _ => ok = false,
                                }
                            }
                        }
                        Some(other) => {
                            r.error(
                                other.span(),
                                &oe.path,
                                "override",
                                "expected [[hypothesis.option.override]] entries",
                            );
                            ok = false;
                        }
                    }
                    match (oid, otitle) {
                        (Some(oid), Some(otitle)) => options.push(HypothesisOption {
                            id: oid,
                            title: otitle,
                            weight,
                            overrides,
                            claims,
                            note: onote,
                        }),
                        _ => ok = false,
                    }
                }
            }
            _ => {
                r.error(
                    r.span_of(&e, "option").or(e.span.clone()),
                    &e.path,
                    "option",
                    "give at least two [[hypothesis.option]] entries",
                );
                ok = false;
            }
        }
        if ok && options.len() < 2 {
            r.error(e.span.clone(), &e.path, "option", "a hypothesis needs at least two options");
            ok = false;
        }
        if let Some(b) = &base {
            if ok && !options.iter().any(|o| &o.id == b) {
                r.error(r.span_of(&e, "base"), &e.path, "base", format!("`{b}` is not one of its options"));
                ok = false;
            }
        }
        let weighted = options.iter().filter(|o| o.weight.is_some()).count();
        if ok && weighted > 0 {
            if weighted < options.len() {
                r.error(e.span.clone(), &e.path, "weight", "give a weight to every option or to none");
                ok = false;
            } else {
                let sum: f64 = options.iter().filter_map(|o| o.weight).sum();
                if (sum - 1.0).abs() > 1e-9 {
                    r.error(
                        e.span.clone(),
                        &e.path,
                        "weight",
                        format!("the options' weights sum to {}, not 1", (sum * 1e9).round() / 1e9),
                    );
                    ok = false;
                }
                if weight_claims.is_empty() {
                    r.error(
                        e.span.clone(),
                        &e.path,
                        "weight_claims",
                        "weights need `weight_claims`: the graded assumption that states them, with its reasoning",
                    );
                    ok = false;
                }
            }
        }
        if let (true, Some(id), Some(title), Some(base)) = (ok, id, title, base) {
            ds.hypotheses.push(Hypothesis { id, title, base, options, weight_claims, note });
        }
    }
}

/// An undated estimate, override or GDP figure is dated by the latest of its claims: a run as of an earlier
/// date must not use it, or `--as-of` would leak evidence from the future.
fn date_undated_estimates(ds: &mut Dataset) {
    let claims = &ds.claims;
    let latest = |ids: &[String]| ids.iter().filter_map(|c| claims.get(c)).map(|c| c.public).max();
    let date = |e: &mut Estimate| {
        if e.public.is_none() {
            e.public = latest(&e.claims);
        }
    };
    for v in &mut ds.variables {
        if let VariableKind::Estimates(es) = &mut v.kind {
            es.iter_mut().for_each(date);
            es.sort_by_key(|e| e.public);
        }
    }
    for s in &mut ds.scenarios {
        s.overrides.values_mut().for_each(date);
    }
    for h in &mut ds.hypotheses {
        for o in &mut h.options {
            o.overrides.values_mut().for_each(date);
        }
    }
    for g in &mut ds.gdp {
        if g.public == NaiveDate::MIN {
            if let Some(p) = latest(&g.claims) {
                g.public = p;
            }
        }
    }
}

fn push(errors: &mut Vec<DataError>, at: &Loc, field: &str, message: String) {
    errors.push(DataError { file: at.file.into(), line: at.line, path: at.path.clone(), field: field.into(), message });
}

/// Checks that need the whole dataset: references, units, cycles, negative quantities.
fn cross_check(ds: &Dataset, st: &State, errors: &mut Vec<DataError>) {
    for (id, at, field) in &st.source_refs {
        if !st.source_ids.contains(id) && !st.broken.contains("sources.toml") {
            push(errors, at, field, format!("unknown source `{id}`"));
        }
    }
    for (id, at, field) in &st.claim_refs {
        if !st.claim_ids.contains(id) && !st.broken.contains("claims.toml") {
            push(errors, at, field, format!("unknown claim `{id}`"));
        }
    }
    for (id, at) in &st.scenario_refs {
        if let Some(year) = id.strip_prefix("gdp:") {
            if !ds.gdp.iter().any(|g| g.year.to_string() == year) {
                push(errors, at, "gdp_year", format!("no [[gdp]] entry for {year} in reference.toml"));
            }
        } else if !st.scenario_ids.contains(id) && !st.broken.contains("scenarios.toml") {
            push(errors, at, "scenario", format!("unknown scenario `{id}`"));
        }
    }
    for (id, at) in &st.originator_refs {
        match ds.sources.get(id) {
            Some(s) if !s.originator => push(
                errors,
                at,
                "originator",
                format!("source `{id}` is not an originator (mark it `originator = true`)"),
            ),
            None if !st.source_ids.contains(id) && !st.broken.contains("sources.toml") => {
                push(errors, at, "originator", format!("unknown source `{id}`"))
            }
            _ => {}
        }
    }
    // A claim cannot be public before what it was derived from; an assumption cannot be dated before the
    // evidence its reasoning uses, nor after the day it was made.
    for c in ds.claims.values() {
        if let Some(at) = st.informed_locs.get(&c.id) {
            for d in c.informed_by.iter().filter_map(|d| ds.claims.get(d)) {
                if d.public > c.public {
                    push(
                        errors,
                        at,
                        "public",
                        format!(
                            "claim is public on {} but is informed by claim `{}`, public only on {}",
                            c.public, d.id, d.public
                        ),
                    );
                }
            }
        }
        for s in c.sources.iter().filter_map(|s| ds.sources.get(s)) {
            if let (true, Some(made)) = (s.assumption, s.made) {
                if c.public > made {
                    push(
                        errors,
                        &st.claim_locs[&c.id],
                        "public",
                        format!("assumption `{}` was made on {made}, after its claim's public date {}", s.id, c.public),
                    );
                }
            }
        }
    }
    for (id, at) in &st.counterpart_refs {
        let owner = ds.items.iter().find(|i| i.counterpart.as_deref() == Some(id.as_str()));
        match (ds.item(id), owner) {
            (None, _) => push(errors, at, "counterpart", format!("unknown item `{id}`")),
            (Some(c), Some(o)) if c.flow == o.flow => push(
                errors,
                at,
                "counterpart",
                format!("`{id}` is on the same flow ({}): a counterpart is on the other side", c.flow),
            ),
            _ => {}
        }
    }
    for (g, at) in ds.gdp.iter().zip(&st.gdp_locs) {
        if g.public == NaiveDate::MIN {
            push(errors, at, "public", format!("GDP for {} has no date: give `public` or cite claims", g.year));
        }
    }
    // A scenario replays what was known on its as-of date: its overrides may not rest on later evidence.
    for sc in &ds.scenarios {
        for (v, est) in &sc.overrides {
            if let (Some(p), Some(at)) = (est.public, st.override_locs.get(&(sc.id.clone(), v.clone()))) {
                if p > sc.as_of {
                    push(
                        errors,
                        at,
                        "claims",
                        format!(
                            "scenario `{}` is as of {} but its override of `{v}` rests on a claim public only on {p}",
                            sc.id, sc.as_of
                        ),
                    );
                }
            }
        }
    }
    // An estimate may only rest on evidence that was public when it was made, or `--as-of` would leak the future.
    for v in &ds.variables {
        if let VariableKind::Estimates(es) = &v.kind {
            for (k, est) in es.iter().enumerate() {
                let Some(public) = est.public else { continue };
                for c in est.claims.iter().filter_map(|c| ds.claims.get(c)) {
                    if c.public > public {
                        push(
                            errors,
                            &st.variable_locs[&v.id],
                            &format!("estimate[{k}].public"),
                            format!(
                                "estimate is dated {public} but rests on claim `{}`, public only on {}",
                                c.id, c.public
                            ),
                        );
                    }
                }
            }
        }
    }
    let units: HashMap<&str, &Unit> = ds.variables.iter().map(|v| (v.id.as_str(), &v.unit)).collect();
    let unit_of = |name: &str| units.get(name).map(|u| (*u).clone());
    // An expression is unit-checked only when all its variables were read; otherwise the variable's own error
    // has been reported already.
    let vars_ok = |x: &Expr| {
        !st.broken.contains("variables.toml")
            && x.variables().iter().all(|v| units.contains_key(v) || !st.var_ids.contains(*v))
    };
    for (id, at, field) in &st.override_refs {
        if !st.var_ids.contains(id) && !st.broken.contains("variables.toml") {
            push(errors, at, field, format!("unknown variable `{id}`"));
        } else if matches!(ds.variable(id).map(|v| &v.kind), Some(VariableKind::Expr(_))) {
            push(errors, at, field, format!("`{id}` is computed by an expression and cannot be overridden"));
        }
    }
    for v in &ds.variables {
        let at = &st.variable_locs[&v.id];
        if let VariableKind::Expr(x) = &v.kind {
            if !vars_ok(x) {
                continue;
            }
            match x.unit(&unit_of) {
                Ok(u) if u != v.unit => {
                    push(errors, at, "expr", format!("expression has unit {u}, but the variable's unit is {}", v.unit))
                }
                Ok(_) => {}
                Err(m) => push(errors, at, "expr", m),
            }
        }
    }
    check_cycles(ds, st, errors);
    for (item, (qloc, ploc)) in ds.items.iter().zip(&st.item_locs) {
        if !vars_ok(&item.quantity) || !vars_ok(&item.unit_price) {
            continue;
        }
        let qu = item.quantity.unit(&unit_of);
        match &qu {
            Ok(u) if *u != item.unit => {
                push(errors, qloc, "quantity", format!("quantity has unit {u}, but the item's unit is {}", item.unit))
            }
            Err(m) => push(errors, qloc, "quantity", m.clone()),
            _ => {}
        }
        match item.unit_price.unit(&unit_of) {
            Ok(_) if qu.is_err() => {}
            Ok(pu) => {
                let total = item.unit.mul(&pu);
                if total != Unit::usd() {
                    push(
                        errors,
                        ploc,
                        "unit_price",
                        format!(
                            "unit {pu} does not combine with quantity unit {} (need {}): {} × {pu} = {total}, not USD",
                            item.unit,
                            Unit::usd().div(&item.unit),
                            item.unit
                        ),
                    );
                }
            }
            Err(m) => push(errors, ploc, "unit_price", m),
        }
        // Negative quantities: a leaf that can be negative feeding a quantity is an error.
        for var in item.quantity.variables().into_iter().chain(item.unit_price.variables()) {
            if let Some(VariableKind::Estimates(es)) = ds.variable(var).map(|v| &v.kind) {
                for (k, est) in es.iter().enumerate() {
                    let lb = est.truncation.min.map_or(est.dist.lower_bound(), |m| m.max(est.dist.lower_bound()));
                    if lb < 0.0 {
                        let at = &st.variable_locs[var];
                        let field = if es.len() > 1 { format!("estimate[{k}]") } else { "dist".to_string() };
                        push(
                            errors,
                            at,
                            &field,
                            format!("can be negative ({}), but it feeds item `{}`: quantities and prices must not be negative (add `min = 0`)", est.dist, item.id),
                        );
                    }
                }
            }
        }
    }
}

fn check_cycles(ds: &Dataset, st: &State, errors: &mut Vec<DataError>) {
    let deps: HashMap<&str, Vec<&str>> = ds
        .variables
        .iter()
        .map(|v| (v.id.as_str(), if let VariableKind::Expr(x) = &v.kind { x.variables() } else { Vec::new() }))
        .collect();
    // 0 = unvisited, 1 = on stack, 2 = done
    let mut state: HashMap<&str, u8> = HashMap::new();
    let mut reported = BTreeSet::new();
    fn visit<'a>(
        n: &'a str,
        deps: &HashMap<&'a str, Vec<&'a str>>,
        state: &mut HashMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
        cycles: &mut Vec<Vec<&'a str>>,
    ) {
        match state.get(n) {
            Some(2) => return,
            Some(1) => {
                let start = stack.iter().position(|x| *x == n).unwrap_or(0);
                cycles.push(stack[start..].to_vec());
                return;
            }
            _ => {}
        }
        state.insert(n, 1);
        stack.push(n);
        for d in deps.get(n).into_iter().flatten() {
            if deps.contains_key(d) {
                visit(d, deps, state, stack, cycles);
            }
        }
        stack.pop();
        state.insert(n, 2);
    }
    let mut cycles = Vec::new();
    for v in &ds.variables {
        visit(&v.id, &deps, &mut state, &mut Vec::new(), &mut cycles);
    }
    for c in cycles {
        let mut key = c.clone();
        key.sort();
        if reported.insert(key) {
            let at = &st.variable_locs[c[0]];
            let path: Vec<&str> = c.iter().copied().chain([c[0]]).collect();
            push(errors, at, "expr", format!("cycle: {}", path.join(" -> ")));
        }
    }
}
