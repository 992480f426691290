//! Loading list files: format detection from content, folder walking, and the
//! in-memory collection of parsed lists.
//!
//! Loading never screens against less than it was asked to: every file in a
//! list folder must be a recognised, complete list. Documentation and schema
//! files (`*.md`, `*.txt`, `*.xsd`, `*.pdf`, checksums, hidden files) are not
//! read but are named in [`Loaded::skipped`]; any other file that is not a
//! list (empty, an HTML error page, an unknown CSV…) is an error naming it,
//! unless [`LoadOptions::skip_unrecognised`] is set, in which case it is
//! skipped and named too. OFAC CSV sets must have every companion file unless
//! [`LoadOptions::allow_incomplete_ofac`] names the missing ones.

use crate::model::Entity;
use crate::ofac_csv::{CsvFile, CsvSet};
use crate::store::sha256_hex;
use crate::xml::read_file;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One file read to build a list, with its checksum.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SourceFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// One parsed list file (or OFAC CSV set).
#[derive(Debug, Clone, Serialize)]
pub struct ParsedList {
    /// `un`, `eu`, `uk`, `ofac-sdn`, `ofac-cons`, `ftm`.
    pub list: String,
    pub authority: String,
    /// Detected format (`un-xml`, `eu-fsf-xml`, `uk-xml`, `ofac-xml`, `ofac-csv`, `ftm-jsonl`...).
    pub format: String,
    pub source: String,
    /// Generation / publication date stated inside the file, as written there.
    pub generated: Option<String>,
    pub entities: Vec<Entity>,
    /// Every file read for this list, with its SHA-256 (filled by the loader).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<SourceFile>,
    /// Things the user should know about this list (allowed gaps, orphan rows...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl ParsedList {
    pub fn new(list: &str, authority: &str, format: &str, source: &str) -> ParsedList {
        ParsedList {
            list: list.into(),
            authority: authority.into(),
            format: format.into(),
            source: source.into(),
            generated: None,
            entities: Vec::new(),
            files: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The publication date as an ISO date, read according to the format's
    /// convention (OFAC `MM/DD/YYYY`, UK `DD/MM/YYYY`, ISO elsewhere).
    pub fn published(&self) -> Option<chrono::NaiveDate> {
        parse_publication_date(self.generated.as_deref()?, &self.format)
    }
}

/// Reads a publication date written in a list's own convention.
pub fn parse_publication_date(s: &str, format: &str) -> Option<chrono::NaiveDate> {
    use chrono::NaiveDate;
    let s = s.trim();
    let head = s.get(..10).unwrap_or(s);
    if let Ok(d) = NaiveDate::parse_from_str(head, "%Y-%m-%d") {
        return Some(d);
    }
    let us = format.starts_with("ofac");
    let fmt = if us { "%m/%d/%Y" } else { "%d/%m/%Y" };
    NaiveDate::parse_from_str(s.split_whitespace().next().unwrap_or(s), fmt).ok()
}

/// Parts of an OFAC legacy CSV set besides the primary file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OfacPart {
    /// `add.csv` / `cons_add.csv`: addresses.
    Add,
    /// `alt.csv` / `cons_alt.csv`: aliases.
    Alt,
    /// `sdn_comments.csv` / `cons_comments.csv`: remark overflow.
    Comments,
}

impl OfacPart {
    fn what(self) -> &'static str {
        match self {
            OfacPart::Add => "addresses",
            OfacPart::Alt => "aliases (a.k.a. names)",
            OfacPart::Comments => "remark overflow",
        }
    }
}

/// How strictly lists are loaded.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Skip (and name) files in list folders that are not recognised lists,
    /// instead of failing.
    pub skip_unrecognised: bool,
    /// OFAC CSV companion files that may be missing.
    pub allow_incomplete_ofac: BTreeSet<OfacPart>,
}

/// A file under a list folder that was not screened against, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// The result of loading list paths.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub lists: Vec<ParsedList>,
    pub skipped: Vec<Skipped>,
}

/// The formats we can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    UnXml,
    EuXml,
    UkXml,
    OfacXml,
    OfacAdvancedXml,
    OfacCsv,
    FtmJsonl,
    /// XLSX / ODS / XLS workbook (UK OFSI ConList or FCDO summary).
    Spreadsheet,
    /// CSV export of the UK ConList or the FCDO list.
    UkCsv,
}

/// Detects the format from the first bytes of a file.
pub fn detect(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Some(Format::Spreadsheet);
    }
    let n = head.len().min(8192);
    let s = String::from_utf8_lossy(&head[..n]);
    let t = s.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('<') {
        if s.contains("<CONSOLIDATED_LIST") {
            return Some(Format::UnXml);
        }
        if s.contains("fpi/fsd/export") || s.contains("<sanctionEntity") {
            return Some(Format::EuXml);
        }
        if s.contains("<sdnList") {
            return Some(Format::OfacXml);
        }
        if s.contains("<Sanctions")
            && (s.contains("ADVANCED_XML")
                || s.contains("<DateOfIssue")
                || s.contains("<ReferenceValueSets")
                || s.contains("sanctions/1.0"))
        {
            return Some(Format::OfacAdvancedXml);
        }
        if s.contains("<Designations") {
            return Some(Format::UkXml);
        }
        return None;
    }
    if t.starts_with('{') {
        return Some(Format::FtmJsonl);
    }
    let first = t.lines().next().unwrap_or("").to_ascii_lowercase();
    // OFAC legacy CSV: "<digits>," at the start of the first line, or a header
    // row added by a spreadsheet re-save ("ID,Name,Type,..." / "ent_num,...").
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && t.as_bytes().get(digits) == Some(&b',') {
        return Some(Format::OfacCsv);
    }
    if first.starts_with("id,name,type") || first.starts_with("ent_num,") {
        return Some(Format::OfacCsv);
    }
    let plain = first.replace('"', "");
    if plain.starts_with("last updated,")
        || plain.contains("name 6,name 1")
        || (plain.contains("unique id") && (plain.contains("ofsi group id") || plain.contains("designation type")))
    {
        return Some(Format::UkCsv);
    }
    None
}

/// Says what a file that is not a recognised list looks like.
pub fn diagnose(head: &[u8]) -> String {
    let s = String::from_utf8_lossy(&head[..head.len().min(8192)]);
    let t = s.trim_start_matches('\u{feff}').trim();
    let lower = t.to_ascii_lowercase();
    if t.is_empty() {
        "empty file".into()
    } else if lower.starts_with("<!doctype html") || lower.starts_with("<html") || lower.contains("<html") {
        "an HTML page, not a list (a failed download or an error page?)".into()
    } else if t.starts_with('<') {
        "XML, but not a known sanctions-list schema".into()
    } else {
        "not a recognised list format (expected UN/EU/UK/OFAC XML, OFAC CSV, UK ConList/FCDO spreadsheet or CSV, FtM JSON lines)".into()
    }
}

fn read_head(path: &Path) -> Vec<u8> {
    let mut head = Vec::with_capacity(8192);
    if let Ok(f) = std::fs::File::open(path) {
        use std::io::Read;
        let _ = f.take(8192).read_to_end(&mut head);
    }
    head
}

/// Parses one file whose format is detected from its content (strict options).
pub fn parse_file(path: &Path) -> Result<ParsedList> {
    parse_file_with(path, &LoadOptions::default())
}

/// Parses one file whose format is detected from its content.
pub fn parse_file_with(path: &Path, opts: &LoadOptions) -> Result<ParsedList> {
    let data = read_file(path)?;
    let name = path.display().to_string();
    let format = match detect(&data) {
        Some(f) => f,
        None => bail!("{name}: {}", diagnose(&data)),
    };
    let mut parsed = match format {
        Format::UnXml => crate::un::parse(&name, &data)?,
        Format::EuXml => crate::eu::parse(&name, &data)?,
        Format::UkXml => crate::uk::parse(&name, &data)?,
        Format::OfacXml => crate::ofac_xml::parse(&name, &data)?,
        Format::OfacAdvancedXml => crate::ofac_advanced::parse(&name, &data)?,
        Format::FtmJsonl => crate::ftm::parse(&name, &data)?,
        Format::Spreadsheet => crate::uk_spreadsheet::parse_workbook(&name, &data)?,
        Format::UkCsv => crate::uk_spreadsheet::parse_csv(&name, &data)?,
        Format::OfacCsv => return parse_ofac_csv_primary(path, data, opts),
    };
    parsed.files = vec![SourceFile { path: name, sha256: sha256_hex(&data), bytes: data.len() as u64 }];
    if parsed.list.starts_with("ofac") {
        check_ofac_kind(&mut parsed)?;
    }
    Ok(parsed)
}

/// Programme tags that only appear on OFAC's consolidated non-SDN list.
const NON_SDN_PROGRAMS: &[&str] = &["NS-", "FSE-", "561", "CAPTA", "CMIC", "PLC", "SSI", "MBS"];

fn non_sdn_marker(e: &Entity) -> bool {
    e.programs.iter().any(|p| NON_SDN_PROGRAMS.iter().any(|c| p.starts_with(c)))
        || e.notes.iter().any(|n| n.contains("Not on the SDN List") || n.contains("Subject to Directive"))
}

/// Which OFAC list the content is: `ofac-cons` when at least half of the
/// entries carry non-SDN programmes (NS-PLC, FSE, CAPTA, CMIC, MBS...),
/// sectoral directives or "Not on the SDN List" notes.
pub fn ofac_kind_from_content(entities: &[Entity]) -> &'static str {
    let marked = entities.iter().filter(|e| non_sdn_marker(e)).count();
    if !entities.is_empty() && marked * 2 >= entities.len() {
        "ofac-cons"
    } else {
        "ofac-sdn"
    }
}

/// What the file name says an OFAC file is, if anything.
fn ofac_kind_from_name(source: &str) -> Option<&'static str> {
    let f = Path::new(source).file_name().map(|f| f.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if f.contains("cons") {
        Some("ofac-cons")
    } else if f.contains("sdn") {
        Some("ofac-sdn")
    } else {
        None
    }
}

/// Sets the OFAC list id from the content and refuses a file whose name
/// claims the other list (a consolidated file saved as `sdn.xml`).
fn check_ofac_kind(l: &mut ParsedList) -> Result<()> {
    let kind = ofac_kind_from_content(&l.entities);
    if let Some(named) = ofac_kind_from_name(&l.source) {
        if named != kind {
            bail!(
                "{}: the file name says {named}, but the content is the {} (judged from programmes and remarks) — rename the file or fetch the right list",
                l.source,
                if kind == "ofac-cons" { "OFAC consolidated non-SDN list" } else { "OFAC SDN list" }
            );
        }
    }
    if l.list != kind {
        l.list = kind.to_string();
        let prefix = format!("{kind}:");
        for e in &mut l.entities {
            e.list = kind.to_string();
            if let Some((_, id)) = e.id.split_once(':') {
                e.id = format!("{prefix}{id}");
            }
        }
    }
    Ok(())
}

/// Companion file names of an OFAC primary CSV, per part.
fn companion_names(cons: bool, part: OfacPart) -> &'static [&'static str] {
    match (cons, part) {
        (false, OfacPart::Add) => &["add.csv", "sdn_address.csv", "sdn_add.csv"],
        (false, OfacPart::Alt) => &["alt.csv", "sdn_alt.csv", "sdn_alias.csv"],
        (false, OfacPart::Comments) => &["sdn_comments.csv", "comments.csv"],
        (true, OfacPart::Add) => &["cons_add.csv"],
        (true, OfacPart::Alt) => &["cons_alt.csv"],
        (true, OfacPart::Comments) => &["cons_comments.csv"],
    }
}

/// Finds the companion files of an OFAC primary CSV (`sdn.csv` → `add.csv`,
/// `alt.csv`, `sdn_comments.csv`; `cons_prim.csv` → `cons_add.csv`...).
/// A missing companion is an error unless the options allow it.
fn parse_ofac_csv_primary(path: &Path, data: Vec<u8>, opts: &LoadOptions) -> Result<ParsedList> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let fname = path.file_name().map(|f| f.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let cons = fname.starts_with("cons");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list folder", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let name = path.display().to_string();
    let mut files = vec![SourceFile { path: name.clone(), sha256: sha256_hex(&data), bytes: data.len() as u64 }];
    let mut found: Vec<Option<(String, Vec<u8>)>> = Vec::new();
    let mut missing = Vec::new();
    let mut warnings = Vec::new();
    for part in [OfacPart::Add, OfacPart::Alt, OfacPart::Comments] {
        let names = companion_names(cons, part);
        let hit = entries.iter().find(|p| {
            let f = p.file_name().map(|f| f.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
            names.contains(&f.as_str())
        });
        match hit {
            Some(p) => {
                let d = read_file(p)?;
                files.push(SourceFile { path: p.display().to_string(), sha256: sha256_hex(&d), bytes: d.len() as u64 });
                found.push(Some((p.display().to_string(), d)));
            }
            None => {
                if opts.allow_incomplete_ofac.contains(&part) {
                    warnings.push(format!(
                        "{} not found beside {name}: loaded without its {} (allowed by --allow-incomplete-ofac)",
                        names[0],
                        part.what()
                    ));
                } else {
                    missing.push(format!("{} ({})", names[0], part.what()));
                }
                found.push(None);
            }
        }
    }
    if !missing.is_empty() {
        bail!(
            "{name}: incomplete OFAC CSV set — missing {} in {}; screening without it would silently miss names. \
             Pass --allow-incomplete-ofac {} to load it anyway",
            missing.join(", "),
            dir.display(),
            [OfacPart::Add, OfacPart::Alt, OfacPart::Comments]
                .iter()
                .zip(&found)
                .filter(|(p, f)| f.is_none() && !opts.allow_incomplete_ofac.contains(p))
                .map(|(p, _)| format!("{p:?}").to_ascii_lowercase())
                .collect::<Vec<_>>()
                .join(",")
        );
    }
    let as_file = |f: &Option<(String, Vec<u8>)>| -> Option<(String, Vec<u8>)> { f.clone() };
    let (add, alt, comments) = (as_file(&found[0]), as_file(&found[1]), as_file(&found[2]));
    let set = CsvSet {
        primary: CsvFile { name: &name, data: &data },
        add: add.as_ref().map(|(n, d)| CsvFile { name: n, data: d }),
        alt: alt.as_ref().map(|(n, d)| CsvFile { name: n, data: d }),
        comments: comments.as_ref().map(|(n, d)| CsvFile { name: n, data: d }),
    };
    let mut parsed = crate::ofac_csv::parse(&set)?;
    parsed.files = files;
    parsed.warnings.extend(warnings);
    check_ofac_kind(&mut parsed)?;
    Ok(parsed)
}

/// True for OFAC CSV companion files, which are read with their primary.
fn is_ofac_companion(path: &Path) -> bool {
    let f = path.file_name().map(|f| f.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    [false, true].iter().any(|&c| {
        [OfacPart::Add, OfacPart::Alt, OfacPart::Comments].iter().any(|&p| companion_names(c, p).contains(&f.as_str()))
    })
}

/// Files that are documentation, schemas or checksums rather than lists.
fn is_documentation(name: &str) -> bool {
    let ext = Path::new(name).extension().map(|x| x.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    matches!(ext.as_str(), "md" | "txt" | "xsd" | "pdf" | "rst" | "sha256" | "asc" | "sig")
        || name.eq_ignore_ascii_case("manifest.json")
        || name.to_ascii_lowercase().starts_with("readme")
        || name.to_ascii_lowercase().starts_with("licen")
}

/// Collects list files under the given paths (files or folders, recursively).
/// Explicitly named files are always read. Inside folders, documentation is
/// skipped (and named), OFAC companion files are read with their primary,
/// and anything else must be a recognised list — or is an error, unless
/// `opts.skip_unrecognised`, when it is skipped and named.
pub fn collect_files(paths: &[PathBuf], opts: &LoadOptions) -> Result<(Vec<PathBuf>, Vec<Skipped>)> {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, opts, &mut out, &mut skipped)?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            bail!("{}: no such file or folder", p.display());
        }
    }
    Ok((out, skipped))
}

fn walk(dir: &Path, opts: &LoadOptions, out: &mut Vec<PathBuf>, skipped: &mut Vec<Skipped>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list folder", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let primaries: Vec<bool> = entries
        .iter()
        .map(|e| e.is_file() && !is_ofac_companion(e) && detect(&read_head(e)) == Some(Format::OfacCsv))
        .collect();
    let has_primary = |cons: bool| {
        entries.iter().zip(&primaries).any(|(e, &p)| {
            p && e.file_name().map(|f| f.to_string_lossy().to_ascii_lowercase().starts_with("cons")).unwrap_or(false)
                == cons
        })
    };
    for e in &entries {
        let name = e.file_name().map(|x| x.to_string_lossy().into_owned()).unwrap_or_default();
        let shown = e.display().to_string();
        if name.starts_with('.') {
            skipped.push(Skipped { path: shown, reason: "hidden file or folder, not read".into() });
            continue;
        }
        if e.is_dir() {
            walk(e, opts, out, skipped)?;
            continue;
        }
        if is_documentation(&name) {
            skipped.push(Skipped { path: shown, reason: "documentation, schema or checksum file, not a list".into() });
            continue;
        }
        if is_ofac_companion(e) {
            if has_primary(name.to_ascii_lowercase().starts_with("cons")) {
                continue;
            }
            let reason =
                "OFAC CSV companion file without its primary file (sdn.csv / cons_prim.csv) in the same folder";
            if opts.skip_unrecognised {
                skipped.push(Skipped { path: shown, reason: reason.into() });
                continue;
            }
            bail!("{shown}: {reason}; pass --skip-unrecognised to screen without it");
        }
        let head = read_head(e);
        if detect(&head).is_some() {
            out.push(e.clone());
            continue;
        }
        let reason = diagnose(&head);
        if opts.skip_unrecognised {
            skipped.push(Skipped { path: shown, reason });
            continue;
        }
        bail!(
            "{shown}: {reason} — refusing to screen without it (a list folder may only hold lists); \
             remove it or pass --skip-unrecognised to skip it and have it named in the result"
        );
    }
    Ok(())
}

/// Loads every list under `paths` in parallel, strictly (see [`load_paths_with`]).
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<ParsedList>> {
    Ok(load_paths_with(paths, &LoadOptions::default())?.lists)
}

/// Loads every list under `paths` in parallel. Any file that fails to parse
/// fails the whole load: screening against fewer lists than asked for would
/// be a silent false negative.
pub fn load_paths_with(paths: &[PathBuf], opts: &LoadOptions) -> Result<Loaded> {
    use rayon::prelude::*;
    let (files, skipped) = collect_files(paths, opts)?;
    if files.is_empty() {
        bail!(
            "no list files found under {}",
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    // Longest first, so that the largest file (a zipped workbook is the slowest to read) does not start last on
    // a small machine; the results keep the files' order.
    let cost = |f: &PathBuf| {
        let bytes = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
        let zipped = matches!(detect(&read_head(f)), Some(Format::Spreadsheet));
        (zipped, bytes)
    };
    let mut order: Vec<(usize, &PathBuf)> = files.iter().enumerate().collect();
    order.sort_by_cached_key(|(i, f)| (std::cmp::Reverse(cost(f)), *i));
    let mut parsed: Vec<(usize, Result<ParsedList>)> =
        order.into_par_iter().with_max_len(1).map(|(i, f)| (i, parse_file_with(f, opts))).collect();
    parsed.sort_by_key(|(i, _)| *i);
    let lists: Vec<ParsedList> = parsed.into_iter().map(|(_, l)| l).collect::<Result<_>>()?;
    for l in &lists {
        if l.entities.is_empty() {
            bail!("{}: list contains no entities — refusing to screen against an empty list", l.source);
        }
    }
    Ok(Loaded { lists, skipped })
}

/// Finds 7-digit IMO numbers written as `IMO 1234567`, `IMO: 1234567`,
/// `IMO number 1234567` or `IMO1234567` in free text.
pub fn extract_imo_numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let upper = text.to_ascii_uppercase();
    let mut from = 0;
    while let Some(i) = upper[from..].find("IMO") {
        let start = from + i + 3;
        let rest = &upper[start..];
        let skip = rest
            .char_indices()
            .take_while(|(_, c)| !c.is_ascii_digit())
            .take(12)
            .last()
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        let tail = &rest[skip..];
        let digits: String = tail.chars().take_while(|c| c.is_ascii_digit()).collect();
        let between = &rest[..skip];
        if digits.len() == 7
            && between.chars().all(|c| !c.is_alphabetic() || between.contains("NUMBER") || between.contains("NO"))
            && !out.contains(&digits)
        {
            out.push(digits);
        }
        from = start;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats() {
        assert_eq!(detect(b"<?xml version='1.0'?><CONSOLIDATED_LIST>"), Some(Format::UnXml));
        assert_eq!(detect(b"<export xmlns=\"http://eu.europa.ec/fpi/fsd/export\">"), Some(Format::EuXml));
        assert_eq!(detect(b"<sdnList>"), Some(Format::OfacXml));
        assert_eq!(detect(b"\xef\xbb\xbf<Designations>"), Some(Format::UkXml));
        assert_eq!(detect(b"{\"id\":1}"), Some(Format::FtmJsonl));
        assert_eq!(detect(b"36,\"AEROCARIBBEAN\""), Some(Format::OfacCsv));
        assert_eq!(detect(b"name,country"), None);
    }

    #[test]
    fn imo_numbers_from_text() {
        assert_eq!(
            extract_imo_numbers("vessel (IMO number: 9562233) and IMO 8829593; IMO9999999"),
            vec!["9562233", "8829593", "9999999"]
        );
        assert!(extract_imo_numbers("IMO 123").is_empty());
    }
}
