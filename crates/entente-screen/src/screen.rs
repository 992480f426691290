//! Screening inputs (names, CSV, ISO 20022) and result rendering (table,
//! JSON, CSV).

use crate::audit::Audit;
use crate::index::{Hit, Index, Query, Scratch, SearchOptions};
use crate::iso20022::{Amount, Field, Location, Party};
use crate::model::{DateSpec, IdKind, Identifier, Schema};
use crate::policy::{JurisdictionHit, Policy};
use crate::xml::ParseError;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::io::Write;

/// Column mapping for CSV input.
#[derive(Debug, Clone, Default)]
pub struct CsvColumns {
    pub name: Option<String>,
    pub country: Option<String>,
    pub dob: Option<String>,
    pub schema: Option<String>,
    /// (identifier kind, column)
    pub ids: Vec<(IdKind, String)>,
    pub delimiter: u8,
}

/// Reads parties from a CSV file with a header row. Without `--name-column`
/// the first of `name`, `full_name`, `party`, `counterparty` (any case) is used.
pub fn parties_from_csv(source_name: &str, data: &[u8], cols: &CsvColumns) -> Result<Vec<Party>> {
    let text = crate::xml::decode_text(source_name, data)?;
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(if cols.delimiter == 0 { b',' } else { cols.delimiter })
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .with_context(|| format!("{source_name}: cannot read CSV header"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |want: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(want));
    let find_req = |want: &str| -> Result<usize> {
        find(want).with_context(|| format!("{source_name}: no column {want:?} (columns: {})", headers.join(", ")))
    };
    let name_col = match &cols.name {
        Some(n) => find_req(n)?,
        None => {
            ["name", "full_name", "party", "counterparty", "beneficiary"].iter().find_map(|c| find(c)).with_context(
                || format!("{source_name}: no name column; pass --name-column (columns: {})", headers.join(", ")),
            )?
        }
    };
    let opt = |c: &Option<String>, defaults: &[&str]| -> Result<Option<usize>> {
        match c {
            Some(n) => find_req(n).map(Some),
            None => Ok(defaults.iter().find_map(|d| find(d))),
        }
    };
    let country_col = opt(&cols.country, &["country", "nationality"])?;
    let dob_col = opt(&cols.dob, &["dob", "date_of_birth", "birth_date"])?;
    let schema_col = opt(&cols.schema, &["type", "schema"])?;
    let mut id_cols = Vec::new();
    for (k, c) in &cols.ids {
        id_cols.push((*k, find_req(c)?));
    }
    if cols.ids.is_empty() {
        for (k, c) in [
            (IdKind::Imo, "imo"),
            (IdKind::Bic, "bic"),
            (IdKind::Lei, "lei"),
            (IdKind::Inn, "inn"),
            (IdKind::Ogrn, "ogrn"),
        ] {
            if let Some(i) = find(c) {
                id_cols.push((k, i));
            }
        }
    }
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| {
            let (line, byte) = e.position().map(|p| (p.line() as usize, p.byte() as usize)).unwrap_or((0, 0));
            let mut pe = ParseError::at(source_name, text.as_bytes(), byte, format!("malformed CSV: {e}"));
            if line > 0 {
                pe.line = line;
            }
            pe
        })?;
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(str::trim).filter(|s| !s.is_empty());
        let name = get(Some(name_col)).unwrap_or("").to_string();
        let identifiers: Vec<Identifier> =
            id_cols.iter().filter_map(|(k, i)| get(Some(*i)).map(|v| Identifier::new(*k, v, None))).collect();
        if name.is_empty() && identifiers.is_empty() {
            continue;
        }
        let mut p = Party::new(
            &format!("{}", n + 1),
            "row",
            Query {
                name: name.clone(),
                schema: get(schema_col).and_then(Schema::parse),
                birth_date: get(dob_col).and_then(DateSpec::parse),
                country: get(country_col).map(str::to_string),
                identifiers: identifiers.clone(),
            },
        );
        if !name.is_empty() {
            p.fields.push(Field { field: headers[name_col].clone(), value: name });
        }
        for (k, i) in &id_cols {
            if let Some(v) = get(Some(*i)) {
                let _ = k;
                p.fields.push(Field { field: headers[*i].clone(), value: v.to_string() });
            }
        }
        if let (Some(c), Some(v)) = (country_col, get(country_col)) {
            p.locations.push(Location { field: headers[c].clone(), value: v.to_string(), is_code: true });
        }
        out.push(p);
    }
    Ok(out)
}

/// Result for one screened party.
#[derive(Debug, Clone, Serialize)]
pub struct PartyResult {
    pub reference: String,
    pub role: String,
    pub query: Query,
    pub hits: Vec<Hit>,
    /// Sub-fields screened for this party, with their values.
    pub fields: Vec<Field>,
    pub amount: Option<Amount>,
    /// Set when the party could not be screened (see [`Party::note`]).
    pub note: Option<String>,
    /// Country-policy alerts (country codes, address text).
    pub jurisdiction: Vec<JurisdictionHit>,
}

impl PartyResult {
    /// True when this party needs a reviewer: a list hit, a policy alert or
    /// nothing that could be screened.
    pub fn alerts(&self) -> bool {
        !self.hits.is_empty() || !self.jurisdiction.is_empty() || self.note.is_some()
    }

    /// The sub-fields that produced a hit: identifiers whose value the
    /// explanation cites, and the name (or text) fields when the name matched.
    pub fn matched_fields(&self, h: &Hit) -> Vec<String> {
        let mut out = Vec::new();
        for f in &self.fields {
            let id_match = h.explanation.contains(&format!("{} matches the listed", f.value));
            let name_field = f.field.ends_with("/Nm") || !self.query.name.is_empty() && f.value == self.query.name;
            let text_field = h.explanation.starts_with("in ") && self.query.name.contains(f.value.as_str());
            if id_match || (h.name_score > 0.0 && (name_field || text_field)) {
                out.push(f.field.clone());
            }
        }
        if out.is_empty() {
            out.push(if self.role == "name" { "name".into() } else { "name / identifiers".into() });
        }
        out
    }
}

/// Screens free text by sliding windows of 2–4 words (plus its identifiers),
/// keeping the best hit per entity.
fn screen_free_text(index: &Index, p: &Party, opts: &SearchOptions, scratch: &mut Scratch) -> Vec<Hit> {
    let words: Vec<&str> = p.query.name.split_whitespace().collect();
    let mut all: Vec<Hit> = Vec::new();
    let ids_only = Query { identifiers: p.query.identifiers.clone(), ..Default::default() };
    all.extend(index.search(&ids_only, opts, scratch));
    for len in 2..=4usize {
        for w in words.windows(len) {
            let q = Query { name: w.join(" "), ..Default::default() };
            for mut h in index.search(&q, opts, scratch) {
                h.explanation = format!("in {} text: {}", p.role, h.explanation);
                all.push(h);
            }
        }
        if words.len() < len {
            break;
        }
    }
    all.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| index.entities[a.entity].id.cmp(&index.entities[b.entity].id))
    });
    let mut seen = std::collections::HashSet::new();
    all.retain(|h| seen.insert(h.entity));
    all.truncate(opts.limit);
    all
}

/// Screens all parties in parallel (lists only, no country policy).
pub fn screen_all(index: &Index, parties: Vec<Party>, opts: &SearchOptions) -> Vec<PartyResult> {
    screen_all_with_policy(index, parties, opts, None)
}

/// Screens all parties in parallel against the lists and, when given, the
/// country policy (country codes and address / free text of every party).
pub fn screen_all_with_policy(
    index: &Index,
    parties: Vec<Party>,
    opts: &SearchOptions,
    policy: Option<&Policy>,
) -> Vec<PartyResult> {
    use rayon::prelude::*;
    parties
        .into_par_iter()
        .map_init(
            || index.scratch(),
            |scratch, p| {
                let screenable = !p.query.name.trim().is_empty() || !p.query.identifiers.is_empty();
                let hits = if !screenable {
                    Vec::new()
                } else if p.free_text {
                    screen_free_text(index, &p, opts, scratch)
                } else {
                    index.search(&p.query, opts, scratch)
                };
                let mut jurisdiction = Vec::new();
                if let Some(pol) = policy {
                    for l in &p.locations {
                        let found = if l.is_code {
                            pol.check_country(&l.field, &l.value)
                        } else {
                            pol.check_text(&l.field, &l.value)
                        };
                        for j in found {
                            if !jurisdiction
                                .iter()
                                .any(|x: &JurisdictionHit| x.jurisdiction == j.jurisdiction && x.field == j.field)
                            {
                                jurisdiction.push(j);
                            }
                        }
                    }
                    if p.role == "name" {
                        if let Some(c) = &p.query.country {
                            jurisdiction.extend(pol.check_country("--country", c));
                        }
                    }
                }
                PartyResult {
                    reference: p.reference,
                    role: p.role,
                    query: p.query,
                    hits,
                    fields: p.fields,
                    amount: p.amount,
                    note: p.note,
                    jurisdiction,
                }
            },
        )
        .collect()
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
}

/// True for characters that must not reach a terminal raw: C0/C1 controls,
/// DEL (escape sequences start with ESC or C1 CSI) and bidirectional
/// overrides that reorder what is displayed.
fn dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text safe to print: dangerous characters become visible `\u{..}` escapes.
pub fn safe(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(dangerous) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars().map(|c| if dangerous(c) { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() }).collect(),
    )
}

/// JSON text with every dangerous character written as a `\uXXXX` escape
/// (serde_json escapes C0 controls but writes DEL, C1 and bidi controls raw);
/// the JSON value is unchanged.
pub fn json_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if dangerous(c) && !c.is_ascii_control() || c == '\u{7f}' {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Serialize)]
struct JsonHit<'a> {
    score: f32,
    entity_id: &'a str,
    list: &'a str,
    authority: &'a str,
    schema: String,
    caption: &'a str,
    matched_name: &'a str,
    matched_fields: Vec<String>,
    programs: &'a [String],
    explanation: &'a str,
    list_source: &'a str,
    list_published: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonResult<'a> {
    reference: &'a str,
    role: &'a str,
    query: &'a Query,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: &'a Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: &'a Option<String>,
    fields: &'a [Field],
    jurisdiction: &'a [JurisdictionHit],
    hits: Vec<JsonHit<'a>>,
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Index of the list (in `index.lists` and the audit) an entity came from.
fn list_of(index: &Index, entity: usize) -> usize {
    let mut end = 0;
    for (i, l) in index.lists.iter().enumerate() {
        end += l.entities;
        if entity < end {
            return i;
        }
    }
    index.lists.len().saturating_sub(1)
}

/// How a screened party is shown: agents by BIC and name.
fn who(r: &PartyResult) -> String {
    let name = truncate(&r.query.name, 60);
    if r.role == "name" {
        return format!("{:?}", safe(&name));
    }
    let mut s = format!("{} [{}]", safe(&r.reference), safe(&r.role));
    if r.role.contains("agent") {
        if let Some(b) = r.query.identifiers.iter().find(|i| i.kind == crate::model::IdKind::Bic) {
            s.push_str(&format!(" BIC {}", safe(&b.value)));
        }
        if let Some(b) = r.query.identifiers.iter().find(|i| i.kind != crate::model::IdKind::Bic) {
            s.push_str(&format!(" {} {}", b.kind, safe(&b.value)));
        }
    }
    if !name.is_empty() {
        s.push_str(&format!(" {:?}", safe(&name)));
    } else if !r.role.contains("agent") {
        if let Some(f) = r.fields.first() {
            s.push_str(&format!(" {}", safe(&f.value)));
        }
    }
    if let Some(a) = &r.amount {
        s.push_str(&format!("  ({} {})", safe(&a.value), safe(&a.currency)));
    }
    s
}

/// Renders results with their audit trail. `all_rows` also emits parties
/// without alerts (CSV/table).
pub fn render(
    index: &Index,
    results: &[PartyResult],
    fmt: OutputFormat,
    all_rows: bool,
    audit: &Audit,
    out: &mut dyn Write,
) -> Result<()> {
    let la = |e: usize| audit.lists.get(list_of(index, e));
    match fmt {
        OutputFormat::Json => {
            let v: Vec<JsonResult> = results
                .iter()
                .map(|r| JsonResult {
                    reference: &r.reference,
                    role: &r.role,
                    query: &r.query,
                    amount: &r.amount,
                    note: &r.note,
                    fields: &r.fields,
                    jurisdiction: &r.jurisdiction,
                    hits: r
                        .hits
                        .iter()
                        .map(|h| {
                            let e = &index.entities[h.entity];
                            let l = la(h.entity);
                            JsonHit {
                                score: (h.score * 1000.0).round() / 1000.0,
                                entity_id: &e.id,
                                list: &e.list,
                                authority: &e.authority,
                                schema: e.schema.to_string(),
                                caption: e.caption(),
                                matched_name: &h.matched_name,
                                matched_fields: r.matched_fields(h),
                                programs: &e.programs,
                                explanation: &h.explanation,
                                list_source: l.map(|l| l.source.as_str()).unwrap_or(""),
                                list_published: l.and_then(|l| l.published_iso.as_deref().or(l.published.as_deref())),
                            }
                        })
                        .collect(),
                })
                .collect();
            let doc = serde_json::json!({ "audit": audit, "results": v });
            let text = serde_json::to_string_pretty(&doc)?;
            writeln!(out, "{}", json_safe(&text))?;
        }
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            let header = [
                "row",
                "role",
                "query",
                "score",
                "entity_id",
                "list",
                "schema",
                "matched_name",
                "caption",
                "programs",
                "explanation",
                "field",
                "amount",
                "currency",
                "list_source",
                "list_published",
                "list_sha256",
                "threshold",
                "algorithm",
                "version",
                "run_at",
            ];
            w.write_record(header)?;
            let threshold = format!("{:.2}", audit.threshold);
            let tail = |src: &str, publ: &str, sha: &str| -> Vec<String> {
                vec![
                    src.to_string(),
                    publ.to_string(),
                    sha.to_string(),
                    threshold.clone(),
                    audit.algorithm.clone(),
                    format!("{} {}", audit.tool, audit.version),
                    audit.run_at.clone(),
                ]
            };
            let write = |w: &mut csv::Writer<&mut dyn Write>, rec: Vec<String>| -> Result<()> {
                w.write_record(rec.iter().map(|f| safe(f).into_owned()))?;
                Ok(())
            };
            for r in results {
                let (amount, currency) =
                    r.amount.as_ref().map(|a| (a.value.clone(), a.currency.clone())).unwrap_or_default();
                let base = |score: String| -> Vec<String> {
                    vec![r.reference.clone(), r.role.clone(), r.query.name.clone(), score]
                };
                if !r.alerts() && all_rows {
                    let mut rec = base(String::new());
                    rec.extend(vec![String::new(); 7]);
                    rec.extend([String::new(), amount.clone(), currency.clone()]);
                    rec.extend(tail("", "", ""));
                    write(&mut w, rec)?;
                }
                if let Some(n) = &r.note {
                    let mut rec = base(String::new());
                    rec.extend(["".into(), "".into(), "".into(), "".into(), "".into(), "".into(), n.clone()]);
                    rec.extend([String::new(), amount.clone(), currency.clone()]);
                    rec.extend(tail("", "", ""));
                    write(&mut w, rec)?;
                }
                for j in &r.jurisdiction {
                    // Policy alerts have no name-match score: the score column stays empty.
                    let mut rec = base(String::new());
                    rec.extend([
                        format!("policy:{}", j.jurisdiction),
                        "country-policy".into(),
                        "Jurisdiction".into(),
                        j.value.clone(),
                        j.name.clone(),
                        String::new(),
                        format!("{}: {}", j.evidence, j.reason),
                        j.field.clone(),
                        amount.clone(),
                        currency.clone(),
                    ]);
                    let (src, sha) =
                        audit.policy.as_ref().map(|p| (p.source.clone(), p.sha256.clone())).unwrap_or_default();
                    rec.extend(tail(&src, "", &sha));
                    write(&mut w, rec)?;
                }
                for h in &r.hits {
                    let e = &index.entities[h.entity];
                    let l = la(h.entity);
                    let mut rec = base(format!("{:.3}", h.score));
                    rec.extend([
                        e.id.clone(),
                        e.list.clone(),
                        e.schema.to_string(),
                        h.matched_name.clone(),
                        e.caption().to_string(),
                        e.programs.join("; "),
                        h.explanation.clone(),
                        r.matched_fields(h).join("; "),
                        amount.clone(),
                        currency.clone(),
                    ]);
                    let sha = l
                        .map(|l| l.files.iter().map(|f| f.sha256.as_str()).collect::<Vec<_>>().join(" "))
                        .unwrap_or_default();
                    rec.extend(tail(
                        l.map(|l| l.source.as_str()).unwrap_or(""),
                        l.and_then(|l| l.published_iso.as_deref().or(l.published.as_deref())).unwrap_or(""),
                        &sha,
                    ));
                    write(&mut w, rec)?;
                }
            }
            // Audit rows: every list, skipped file and warning, so that a file
            // without hits still says what it was screened against.
            let blank = |n: usize| vec![String::new(); n];
            for l in &audit.lists {
                let mut rec =
                    vec!["audit".into(), "list".into(), String::new(), String::new(), String::new(), l.list.clone()];
                rec.extend(blank(4));
                rec.push(format!("{} entities, {}", l.entities, l.authority));
                rec.extend(blank(3));
                let sha = l.files.iter().map(|f| f.sha256.as_str()).collect::<Vec<_>>().join(" ");
                rec.extend(tail(&l.source, l.published_iso.as_deref().or(l.published.as_deref()).unwrap_or(""), &sha));
                write(&mut w, rec)?;
            }
            for (role, text) in audit
                .skipped
                .iter()
                .map(|s| ("skipped", format!("{}: {}", s.path, s.reason)))
                .chain(audit.warnings.iter().map(|x| ("warning", x.clone())))
            {
                let mut rec = vec!["audit".into(), role.into()];
                rec.extend(blank(8));
                rec.push(text);
                rec.extend(blank(3));
                rec.extend(tail("", "", ""));
                write(&mut w, rec)?;
            }
            w.flush()?;
        }
        OutputFormat::Table => {
            let mut any = false;
            for r in results {
                if !r.alerts() {
                    if all_rows {
                        writeln!(out, "{}: no match", who(r))?;
                    }
                    continue;
                }
                any = true;
                writeln!(out, "{}", who(r))?;
                if let Some(n) = &r.note {
                    writeln!(out, "  !!    {}", safe(n))?;
                }
                for j in &r.jurisdiction {
                    writeln!(
                        out,
                        "  POLICY {:<16} {}: {} in {} = {:?}",
                        j.jurisdiction,
                        safe(&j.name),
                        j.evidence,
                        safe(&j.field),
                        safe(&truncate(&j.value, 60))
                    )?;
                    writeln!(out, "        {}", safe(&j.reason))?;
                }
                for h in &r.hits {
                    let e = &index.entities[h.entity];
                    writeln!(
                        out,
                        "  {:.2}  {:<18} {:<12} {}  [{}]",
                        h.score,
                        safe(&truncate(&e.id, 18)),
                        e.schema,
                        safe(&truncate(e.caption(), 50)),
                        safe(&truncate(&e.programs.join(", "), 40))
                    )?;
                    writeln!(out, "        {}", safe(&h.explanation))?;
                    writeln!(out, "        matched {}", safe(&r.matched_fields(h).join(", ")))?;
                }
            }
            if !any {
                writeln!(out, "no matches at or above the threshold")?;
            }
            audit.write_footer(out)?;
        }
    }
    Ok(())
}

/// Parses `KIND=VALUE` identifier arguments.
pub fn parse_id_arg(s: &str) -> Result<Identifier> {
    let (k, v) = s.split_once('=').with_context(|| format!("identifier {s:?} must be KIND=VALUE, e.g. imo=9339301"))?;
    let Some(kind) = IdKind::parse(k) else {
        bail!("unknown identifier kind {k:?} (imo, mmsi, inn, ogrn, bic, lei, passport, ...)")
    };
    Ok(Identifier::new(kind, v, None))
}
