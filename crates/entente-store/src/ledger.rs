//! The evidence ledger as records: each dataset file split losslessly into a preamble and records, and
//! assembled back byte for byte. Pure functions; no database.
//!
//! Splitting rules (so that `assemble(&split(file, text)) == text` for every input):
//! - **TOML**: a record starts at a top-level table header (`[[claim]]`, `[gdp]`) together with the comment lines
//!   directly above it (no blank line between them), and runs until the next record starts. Sub-tables of the
//!   same top-level key (`[[variable.estimate]]`, `[[actor.role]]`, `[[hypothesis.option.override]]`) belong to
//!   their parent record. Blank lines and detached comment blocks (section banners) after a record's last key
//!   end that record. Everything before the first record is the preamble (kind `preamble`, id `_preamble`).
//!   A record's id is its string `id` key when that is present and unique in the file, else `kind[n]` (`n`
//!   counting the records of that kind from 0, e.g. `gdp[1]`). Text that is not valid TOML is kept as one
//!   preamble record.
//! - **CSV**: the header line is one record (kind `header`, id `_header`), every further line one record (kind
//!   `row`). A row's id is its natural key: the values of the file's key columns joined by `|` (`trade.csv`:
//!   from, to, measure, source; `meetings.csv`: start, end, place, source; other files: every column), with
//!   `~2`, `~3`… appended to repeats. Row ids therefore survive insertions elsewhere in the file; editing a key
//!   column changes the row's id.

use crate::FieldError;
use std::collections::{BTreeMap, HashMap};
use toml_edit::{DocumentMut, ImDocument, Item};

/// One piece of a dataset file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub file: String,
    /// `preamble`, the top-level TOML key (`claim`, `source`, …), `header` or `row`.
    pub kind: String,
    pub id: String,
    /// 0-based order within the file.
    pub position: i64,
    pub text: String,
}

/// toml_edit's item and value constructor, for [`set_fields`] callers without their own toml_edit.
pub use toml_edit::{value as toml_value, Item as TomlItem};

pub const PREAMBLE_ID: &str = "_preamble";
pub const HEADER_ID: &str = "_header";

/// Whether `file` is split as CSV (by its extension).
pub fn is_csv(file: &str) -> bool {
    file.ends_with(".csv")
}

/// Splits one dataset file into records (see the module docs for the rules).
pub fn split(file: &str, text: &str) -> Vec<Record> {
    let pieces = if is_csv(file) { split_csv(file, text) } else { split_toml(text) };
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, (kind, id, text))| Record { file: file.to_string(), kind, id, position: i as i64, text })
        .collect()
}

/// The file's text from its records, in position order.
pub fn assemble(records: &[Record]) -> String {
    let mut sorted: Vec<&Record> = records.iter().collect();
    sorted.sort_by_key(|r| r.position);
    sorted.iter().map(|r| r.text.as_str()).collect()
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1).filter(|&i| i < text.len()));
    v
}

fn split_toml(text: &str) -> Vec<(String, String, String)> {
    let whole = || vec![("preamble".to_string(), PREAMBLE_ID.to_string(), text.to_string())];
    let Ok(doc) = ImDocument::parse(text) else { return whole() };
    // every table header: (byte offset, first key of its path, id value if a top-level table)
    let mut headers: Vec<(usize, Vec<String>, Option<String>)> = Vec::new();
    collect_headers(doc.as_table(), &mut Vec::new(), &mut headers);
    headers.sort_by_key(|h| h.0);
    let starts = line_starts(text);
    let line_of = |off: usize| starts.partition_point(|&s| s <= off) - 1;
    let lines: Vec<&str> =
        starts.iter().enumerate().map(|(i, &s)| &text[s..starts.get(i + 1).copied().unwrap_or(text.len())]).collect();
    // record starts: (line index where the record begins, kind, id key)
    let mut recs: Vec<(usize, String, Option<String>)> = Vec::new();
    let mut current: Option<String> = None;
    for (off, path, id) in headers {
        let head = path[0].clone();
        if path.len() == 1 || current.as_deref() != Some(head.as_str()) {
            let mut line = line_of(off);
            // a header must start its line for the split to be line-based; otherwise keep it inside the record
            if !text[starts[line]..off].trim().is_empty() {
                continue;
            }
            if let Some(prev) = recs.last() {
                if prev.0 >= line {
                    continue;
                }
            }
            let floor = recs.last().map(|r| r.0 + 1).unwrap_or(0);
            while line > floor && lines[line - 1].trim_start().starts_with('#') {
                line -= 1;
            }
            recs.push((line, head.clone(), if path.len() == 1 { id } else { None }));
            current = Some(head);
        }
    }
    if recs.is_empty() {
        return whole();
    }
    let mut id_count: HashMap<String, usize> = HashMap::new();
    for r in &recs {
        if let Some(id) = &r.2 {
            *id_count.entry(format!("{}\u{0}{}", r.1, id)).or_default() += 1;
        }
    }
    let mut kind_n: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(recs.len() + 1);
    let first = starts[recs[0].0];
    out.push(("preamble".to_string(), PREAMBLE_ID.to_string(), text[..first].to_string()));
    let mut used: HashMap<String, usize> = HashMap::new();
    for (i, (line, kind, id)) in recs.iter().enumerate() {
        let n = kind_n.entry(kind.clone()).or_default();
        let fallback = format!("{kind}[{n}]");
        *n += 1;
        let mut rid = match id {
            Some(id)
                if id_count.get(&format!("{kind}\u{0}{id}")) == Some(&1) && !id.is_empty() && !id.starts_with('_') =>
            {
                id.clone()
            }
            _ => fallback,
        };
        // ids are unique within a file (two kinds may share an id value)
        let k = used.entry(rid.clone()).or_default();
        *k += 1;
        if *k > 1 {
            rid = format!("{kind}:{rid}");
        }
        let s = starts[*line];
        let e = recs.get(i + 1).map(|r| starts[r.0]).unwrap_or(text.len());
        out.push((kind.clone(), rid, text[s..e].to_string()));
    }
    out
}

fn collect_headers(
    table: &toml_edit::Table,
    path: &mut Vec<String>,
    out: &mut Vec<(usize, Vec<String>, Option<String>)>,
) {
    for (key, item) in table.iter() {
        path.push(key.to_string());
        let id_of = |t: &toml_edit::Table| t.get("id").and_then(|v| v.as_str()).map(str::to_string);
        match item {
            Item::Table(t) => {
                if let (Some(span), false) = (t.span(), t.is_implicit() || t.is_dotted()) {
                    out.push((span.start, path.clone(), id_of(t)));
                }
                collect_headers(t, path, out);
            }
            Item::ArrayOfTables(a) => {
                for t in a.iter() {
                    if let Some(span) = t.span() {
                        out.push((span.start, path.clone(), id_of(t)));
                    }
                    collect_headers(t, path, out);
                }
            }
            _ => {}
        }
        path.pop();
    }
}

/// Key columns of the known CSV files (a row's id).
fn csv_key_columns(file: &str) -> Option<&'static [&'static str]> {
    match file {
        "trade.csv" => Some(&["from", "to", "measure", "source"]),
        "meetings.csv" => Some(&["start", "end", "place", "source"]),
        _ => None,
    }
}

fn parse_csv_line(line: &str) -> Option<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(line.as_bytes());
    let rec = rdr.records().next()?.ok()?;
    Some(rec.iter().map(str::to_string).collect())
}

fn split_csv(file: &str, text: &str) -> Vec<(String, String, String)> {
    // CSV records are lines; a quoted field spanning lines is kept whole by joining until quotes balance.
    let mut pieces: Vec<String> = Vec::new();
    let mut cur = String::new();
    for line in text.split_inclusive('\n') {
        cur.push_str(line);
        if cur.matches('"').count() & 1 == 0 {
            pieces.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        pieces.push(cur);
    }
    let mut out = Vec::with_capacity(pieces.len());
    let mut iter = pieces.into_iter();
    let Some(header) = iter.next() else { return out };
    let columns = parse_csv_line(&header).unwrap_or_default();
    let keys: Vec<usize> = match csv_key_columns(file) {
        Some(names) if names.iter().all(|n| columns.iter().any(|c| c.trim() == *n)) => {
            names.iter().map(|n| columns.iter().position(|c| c.trim() == *n).unwrap()).collect()
        }
        _ => (0..columns.len()).collect(),
    };
    out.push(("header".to_string(), HEADER_ID.to_string(), header));
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, row) in iter.enumerate() {
        let base = match parse_csv_line(&row) {
            Some(vals) if !row.trim().is_empty() => {
                keys.iter().map(|&k| vals.get(k).map(|v| v.as_str()).unwrap_or("")).collect::<Vec<_>>().join("|")
            }
            _ => format!("line-{}", i + 2),
        };
        let n = seen.entry(base.clone()).or_default();
        *n += 1;
        let id = if *n == 1 { base } else { format!("{base}~{n}") };
        out.push(("row".to_string(), id, row));
    }
    out
}

/// Splits every file of a dataset.
pub fn split_files(files: &BTreeMap<String, String>) -> BTreeMap<String, Vec<Record>> {
    files.iter().map(|(name, text)| (name.clone(), split(name, text))).collect()
}

/// Sets keys of one TOML record (its top-level table), keeping its comments, key order and formatting of the
/// keys not touched. A key set to `Item::None` is removed. Dotted names (`estimate.low`) are not supported:
/// a record's sub-tables are edited through its text.
pub fn set_fields(record_text: &str, fields: &[(&str, Item)]) -> Result<String, FieldError> {
    let err = |field: &str, message: String| FieldError {
        file: String::new(),
        id: String::new(),
        field: field.to_string(),
        message,
    };
    let mut doc: DocumentMut =
        record_text.parse().map_err(|e: toml_edit::TomlError| err("", format!("not valid TOML: {}", e.message())))?;
    let keys: Vec<String> = doc.as_table().iter().map(|(k, _)| k.to_string()).collect();
    let [key] = keys.as_slice() else {
        return Err(err("", format!("a record holds exactly one top-level table, found {}", keys.len())));
    };
    let table: &mut toml_edit::Table = match doc.get_mut(key) {
        Some(Item::ArrayOfTables(a)) if a.len() == 1 => a.get_mut(0).unwrap(),
        Some(Item::Table(t)) => t,
        _ => return Err(err("", "a record holds exactly one top-level table".into())),
    };
    for (name, value) in fields {
        if name.is_empty() || name.contains('.') {
            return Err(err(name, "field names are plain keys".into()));
        }
        if value.is_none() {
            table.remove(name);
            continue;
        }
        match table.get_mut(name) {
            Some(existing) if existing.is_value() && value.is_value() => {
                let decor = existing.as_value().unwrap().decor().clone();
                *existing = value.clone();
                *existing.as_value_mut().unwrap().decor_mut() = decor;
            }
            Some(existing) => *existing = value.clone(),
            None => {
                // new keys go after the last plain key, before any sub-table
                table.insert(name, value.clone());
            }
        }
    }
    Ok(doc.to_string())
}
