//! Screening inputs (names, CSV, ISO 20022) and result rendering (table,
//! JSON, CSV).

use crate::index::{Hit, Index, Query, Scratch, SearchOptions};
use crate::iso20022::Party;
use crate::model::{DateSpec, IdKind, Identifier, Schema};
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
        out.push(Party {
            reference: format!("{}", n + 1),
            role: "row".into(),
            query: Query {
                name,
                schema: get(schema_col).and_then(Schema::parse),
                birth_date: get(dob_col).and_then(DateSpec::parse),
                country: get(country_col).map(str::to_string),
                identifiers,
            },
            free_text: false,
        });
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
                h.explanation = format!("in remittance text: {}", h.explanation);
                all.push(h);
            }
        }
        if words.len() < len {
            break;
        }
    }
    all.sort_by(|a, b| b.score.partial_cmp(&a.score).unwrap_or(std::cmp::Ordering::Equal));
    let mut seen = std::collections::HashSet::new();
    all.retain(|h| seen.insert(h.entity));
    all.truncate(opts.limit);
    all
}

/// Screens all parties in parallel.
pub fn screen_all(index: &Index, parties: Vec<Party>, opts: &SearchOptions) -> Vec<PartyResult> {
    use rayon::prelude::*;
    parties
        .into_par_iter()
        .map_init(
            || index.scratch(),
            |scratch, p| {
                let hits = if p.free_text {
                    screen_free_text(index, &p, opts, scratch)
                } else {
                    index.search(&p.query, opts, scratch)
                };
                PartyResult { reference: p.reference, role: p.role, query: p.query, hits }
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

#[derive(Serialize)]
struct JsonHit<'a> {
    score: f32,
    entity_id: &'a str,
    list: &'a str,
    authority: &'a str,
    schema: String,
    caption: &'a str,
    matched_name: &'a str,
    programs: &'a [String],
    explanation: &'a str,
}

#[derive(Serialize)]
struct JsonResult<'a> {
    reference: &'a str,
    role: &'a str,
    query: &'a Query,
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

/// Renders results. `all_rows` also emits parties without hits (CSV/table).
pub fn render(
    index: &Index,
    results: &[PartyResult],
    fmt: OutputFormat,
    all_rows: bool,
    out: &mut dyn Write,
) -> Result<()> {
    match fmt {
        OutputFormat::Json => {
            let v: Vec<JsonResult> = results
                .iter()
                .map(|r| JsonResult {
                    reference: &r.reference,
                    role: &r.role,
                    query: &r.query,
                    hits: r
                        .hits
                        .iter()
                        .map(|h| {
                            let e = &index.entities[h.entity];
                            JsonHit {
                                score: (h.score * 1000.0).round() / 1000.0,
                                entity_id: &e.id,
                                list: &e.list,
                                authority: &e.authority,
                                schema: e.schema.to_string(),
                                caption: e.caption(),
                                matched_name: &h.matched_name,
                                programs: &e.programs,
                                explanation: &h.explanation,
                            }
                        })
                        .collect(),
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
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
            ])?;
            for r in results {
                if r.hits.is_empty() && all_rows {
                    w.write_record([r.reference.as_str(), &r.role, &r.query.name, "", "", "", "", "", "", "", ""])?;
                }
                for h in &r.hits {
                    let e = &index.entities[h.entity];
                    w.write_record([
                        r.reference.as_str(),
                        &r.role,
                        &r.query.name,
                        &format!("{:.3}", h.score),
                        &e.id,
                        &e.list,
                        &e.schema.to_string(),
                        &h.matched_name,
                        e.caption(),
                        &e.programs.join("; "),
                        &h.explanation,
                    ])?;
                }
            }
            w.flush()?;
        }
        OutputFormat::Table => {
            let mut any = false;
            for r in results {
                if r.hits.is_empty() {
                    if all_rows {
                        writeln!(out, "{} {} {:?}: no match", r.reference, r.role, r.query.name)?;
                    }
                    continue;
                }
                any = true;
                let who = if r.role == "name" {
                    format!("{:?}", r.query.name)
                } else {
                    format!("{} [{}] {:?}", r.reference, r.role, truncate(&r.query.name, 60))
                };
                writeln!(out, "{who}")?;
                for h in &r.hits {
                    let e = &index.entities[h.entity];
                    writeln!(
                        out,
                        "  {:.2}  {:<18} {:<12} {}  [{}]",
                        h.score,
                        truncate(&e.id, 18),
                        e.schema,
                        truncate(e.caption(), 50),
                        truncate(&e.programs.join(", "), 40)
                    )?;
                    writeln!(out, "        {}", h.explanation)?;
                }
            }
            if !any {
                writeln!(out, "no matches at or above the threshold")?;
            }
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
