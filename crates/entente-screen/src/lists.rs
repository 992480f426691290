//! Loading list files: format detection from content, folder walking, and the
//! in-memory collection of parsed lists.

use crate::model::Entity;
use crate::ofac_csv::{CsvFile, CsvSet};
use crate::xml::read_file;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One parsed list file (or OFAC CSV set).
#[derive(Debug, Clone, Serialize)]
pub struct ParsedList {
    /// `un`, `eu`, `uk`, `ofac-sdn`, `ofac-cons`, `ftm`.
    pub list: String,
    pub authority: String,
    /// Detected format (`un-xml`, `eu-fsf-xml`, `uk-xml`, `ofac-xml`, `ofac-csv`, `ftm-jsonl`).
    pub format: String,
    pub source: String,
    /// Generation / publication date stated inside the file.
    pub generated: Option<String>,
    pub entities: Vec<Entity>,
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
        }
    }
}

/// The formats we can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    UnXml,
    EuXml,
    UkXml,
    OfacXml,
    OfacCsv,
    FtmJsonl,
}

/// Detects the format from the first bytes of a file.
pub fn detect(head: &[u8]) -> Option<Format> {
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
        if s.contains("<Designations") {
            return Some(Format::UkXml);
        }
        return None;
    }
    if t.starts_with('{') {
        return Some(Format::FtmJsonl);
    }
    // OFAC legacy CSV: "<digits>," at the start of the first line.
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && t.as_bytes().get(digits) == Some(&b',') {
        return Some(Format::OfacCsv);
    }
    None
}

/// Parses one file whose format has been detected.
pub fn parse_file(path: &Path) -> Result<ParsedList> {
    let data = read_file(path)?;
    let name = path.display().to_string();
    let format = detect(&data).with_context(|| {
        format!("{name}: unrecognised list format (expected UN/EU/UK/OFAC XML, OFAC CSV or FtM JSON lines)")
    })?;
    let parsed = match format {
        Format::UnXml => crate::un::parse(&name, &data)?,
        Format::EuXml => crate::eu::parse(&name, &data)?,
        Format::UkXml => crate::uk::parse(&name, &data)?,
        Format::OfacXml => crate::ofac_xml::parse(&name, &data)?,
        Format::FtmJsonl => crate::ftm::parse(&name, &data)?,
        Format::OfacCsv => return parse_ofac_csv_primary(path),
    };
    Ok(parsed)
}

/// Finds the companion files of an OFAC primary CSV (`sdn.csv` → `add.csv`,
/// `alt.csv`, `sdn_comments.csv`; `cons_prim.csv` → `cons_add.csv`...).
fn parse_ofac_csv_primary(path: &Path) -> Result<ParsedList> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let fname = path.file_name().map(|f| f.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let prefix = if fname.starts_with("cons") { "cons_" } else { "" };
    let companion = |suffix: &str| -> Result<Option<(String, Vec<u8>)>> {
        let wanted = format!("{prefix}{suffix}.csv");
        if let Ok(rd) = std::fs::read_dir(dir) {
            for ent in rd.flatten() {
                if ent.file_name().to_string_lossy().eq_ignore_ascii_case(&wanted) {
                    let p = ent.path();
                    return Ok(Some((p.display().to_string(), read_file(&p)?)));
                }
            }
        }
        Ok(None)
    };
    let data = read_file(path)?;
    let name = path.display().to_string();
    let add = companion("add")?;
    let alt = companion("alt")?;
    let comments = if prefix.is_empty() { companion("sdn_comments")? } else { companion("comments")? };
    let set = CsvSet {
        primary: CsvFile { name: &name, data: &data },
        add: add.as_ref().map(|(n, d)| CsvFile { name: n, data: d }),
        alt: alt.as_ref().map(|(n, d)| CsvFile { name: n, data: d }),
        comments: comments.as_ref().map(|(n, d)| CsvFile { name: n, data: d }),
    };
    Ok(crate::ofac_csv::parse(&set)?)
}

/// True for OFAC CSV companion files, which are read with their primary.
fn is_ofac_companion(path: &Path) -> bool {
    let f = path.file_name().map(|f| f.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    matches!(
        f.as_str(),
        "add.csv" | "alt.csv" | "sdn_comments.csv" | "cons_add.csv" | "cons_alt.csv" | "cons_comments.csv"
    )
}

/// Collects list files under the given paths (files or folders, recursively),
/// skipping schemas, READMEs, manifests and OFAC companion files.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("{}: cannot list folder", p.display()))?
                .flatten()
                .map(|e| e.path())
                .collect();
            entries.sort();
            let mut files = Vec::new();
            for e in entries {
                if e.is_dir() {
                    files.extend(collect_files(&[e])?);
                } else {
                    let ext = e.extension().map(|x| x.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
                    let name = e.file_name().map(|x| x.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
                    if !matches!(ext.as_str(), "xml" | "csv" | "json" | "jsonl" | "ftm") || name == "manifest.json" {
                        continue;
                    }
                    if is_ofac_companion(&e) {
                        continue;
                    }
                    // Skip files that are not lists (e.g. labelled test sets) silently
                    // only when inside a folder; explicit files must parse.
                    let mut head = Vec::with_capacity(8192);
                    if let Ok(f) = std::fs::File::open(&e) {
                        use std::io::Read;
                        let _ = f.take(8192).read_to_end(&mut head);
                    }
                    if detect(&head).is_some() {
                        files.push(e);
                    }
                }
            }
            out.extend(files);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            bail!("{}: no such file or folder", p.display());
        }
    }
    Ok(out)
}

/// Loads every list under `paths` in parallel. Any file that fails to parse
/// fails the whole load: screening against fewer lists than asked for would
/// be a silent false negative.
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<ParsedList>> {
    use rayon::prelude::*;
    let files = collect_files(paths)?;
    if files.is_empty() {
        bail!(
            "no list files found under {}",
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    let lists: Vec<ParsedList> = files.par_iter().map(|f| parse_file(f)).collect::<Result<_>>()?;
    for l in &lists {
        if l.entities.is_empty() {
            bail!("{}: list contains no entities — refusing to screen against an empty list", l.source);
        }
    }
    Ok(lists)
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
