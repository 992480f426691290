//! OFAC legacy four-file CSV export (`SDN.CSV`, `ADD.CSV`, `ALT.CSV`,
//! `SDN_COMMENTS.CSV`, and the consolidated non-SDN `CONS_*.CSV` set), from
//! <https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/>.
//!
//! The files have no header, use `-0-` for empty, and join on `ent_num`.
//! Much of the useful data — dates of birth, passports, IMO/MMSI numbers,
//! tax and registration numbers, SWIFT/BIC, digital currency addresses and
//! the *weak* a.k.a.s — lives only in the free-text Remarks column, so it is
//! parsed out here. Remarks overflow into `SDN_COMMENTS.CSV` mid-token and are
//! re-joined before parsing. OFAC publishes these files in Windows-1252; UTF-8
//! is accepted too.

use crate::lists::ParsedList;
use crate::model::{Entity, IdKind, Link, NameStrength, Schema};
use crate::xml::{ParseError, MAX_FIELD};
use std::collections::HashMap;

/// One file of the set: its display name and raw bytes.
pub struct CsvFile<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
}

/// The files of one OFAC CSV set (only the primary file is mandatory).
pub struct CsvSet<'a> {
    pub primary: CsvFile<'a>,
    pub add: Option<CsvFile<'a>>,
    pub alt: Option<CsvFile<'a>>,
    pub comments: Option<CsvFile<'a>>,
}

/// Decodes UTF-8, falling back to Windows-1252 (OFAC's published encoding).
fn decode(data: &[u8]) -> String {
    let data = data.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(data);
    match std::str::from_utf8(data) {
        Ok(s) => s.to_string(),
        Err(_) => data.iter().map(|&b| cp1252(b)).collect(),
    }
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    if (0x80..0xA0).contains(&b) {
        HIGH[(b - 0x80) as usize]
    } else {
        b as char
    }
}

/// Reads all records of one file; fields `-0-` become empty. Trailing DOS
/// EOF markers (0x1A) are ignored, and so is a header row added by a
/// spreadsheet re-save (`ID,Name,Type,...`). Every record must have exactly
/// `fields` fields and no field may span lines: OFAC never writes either, so
/// both mean a stray quote has merged or split records.
fn records(file: &CsvFile<'_>, fields_expected: usize) -> Result<Vec<(usize, Vec<String>)>, ParseError> {
    let text = decode(file.data);
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut lines = LineCounter::default();
    let err =
        |line: usize, message: String| ParseError { source_name: file.name.to_string(), line, column: 1, message };
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| {
            let byte = e.position().map(|p| p.byte() as usize).unwrap_or(0);
            let mut pe = ParseError::at(file.name, text.as_bytes(), byte, format!("malformed CSV: {e}"));
            pe.line = record_line(text.as_bytes(), byte);
            pe
        })?;
        let line = rec.position().map(|p| lines.line_at(text.as_bytes(), p.byte() as usize)).unwrap_or(0);
        if rec.iter().all(|f| f.trim_matches(|c: char| c.is_whitespace() || c == '\u{1a}').is_empty()) {
            continue;
        }
        if n == 0
            && rec.get(0).is_some_and(|f| {
                let f = f.trim().to_ascii_lowercase();
                f == "id" || f == "ent_num"
            })
        {
            continue;
        }
        if let Some(i) = rec.iter().position(|f| f.contains('\n') || f.contains('\r')) {
            return Err(err(
                line,
                format!("field {} spans several lines — a stray quote has swallowed the following record(s)", i + 1),
            ));
        }
        if rec.len() != fields_expected {
            return Err(err(
                line,
                format!("expected {fields_expected} fields, found {} (a stray quote or an unquoted comma?)", rec.len()),
            ));
        }
        let mut fields = Vec::with_capacity(rec.len());
        for f in rec.iter() {
            if f.len() > MAX_FIELD {
                return Err(err(line, format!("field exceeds {MAX_FIELD} bytes")));
            }
            let f = f.trim();
            fields.push(if f == "-0-" { String::new() } else { f.to_string() });
        }
        if fields[0].parse::<u64>().is_err() {
            return Err(err(line, format!("ent_num is not a number: {:?}", truncate(&fields[0], 40))));
        }
        out.push((line, fields));
    }
    Ok(out)
}

/// 1-based line on which the record at byte `pos` starts. The csv crate
/// reports a record's position *before* the line break that ends the previous
/// record when lines end in CRLF, so the break is skipped here.
pub fn record_line(text: &[u8], pos: usize) -> usize {
    LineCounter::default().line_at(text, pos)
}

/// Counts lines incrementally for increasing byte positions (records are
/// read in order, so the whole file is scanned once).
#[derive(Default)]
pub struct LineCounter {
    at: usize,
    newlines: usize,
}

impl LineCounter {
    pub fn line_at(&mut self, text: &[u8], pos: usize) -> usize {
        let mut b = pos.min(text.len());
        while b < text.len() && (text[b] == b'\r' || text[b] == b'\n') {
            b += 1;
        }
        if b < self.at {
            *self = LineCounter::default();
        }
        self.newlines += text[self.at..b].iter().filter(|&&c| c == b'\n').count();
        self.at = b;
        self.newlines + 1
    }
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Parses an OFAC CSV set into entities.
pub fn parse(set: &CsvSet<'_>) -> Result<ParsedList, ParseError> {
    let lower = set.primary.name.to_ascii_lowercase();
    let list_id = if lower.contains("cons") { "ofac-cons" } else { "ofac-sdn" };
    let mut out = ParsedList::new(list_id, "US OFAC", "ofac-csv", set.primary.name);
    let mut comments: HashMap<String, String> = HashMap::new();
    if let Some(c) = &set.comments {
        for (_, f) in records(c, 2)? {
            comments.entry(f[0].clone()).or_default().push_str(&f[1]);
        }
    }
    let mut index: HashMap<String, usize> = HashMap::new();
    for (_, f) in records(&set.primary, 12)? {
        let get = |i: usize| f.get(i).map(String::as_str).unwrap_or("");
        let ent = get(0);
        let schema = match get(2).to_ascii_lowercase().as_str() {
            "individual" => Schema::Person,
            "vessel" => Schema::Vessel,
            "aircraft" => Schema::Airplane,
            _ => Schema::Organization,
        };
        let mut e = Entity::new(format!("{list_id}:{ent}"), schema, list_id, "US OFAC");
        e.add_name(&reorder(get(1), schema), NameStrength::Primary, None);
        for p in get(3).split("] [") {
            e.add_program(p.trim_matches(|c| c == '[' || c == ']'));
        }
        if !get(4).is_empty() {
            e.notes.push(format!("title: {}", get(4)));
        }
        if !get(5).is_empty() {
            e.add_id(IdKind::CallSign, get(5), None);
        }
        if !get(9).is_empty() {
            e.add_country(get(9));
        }
        if !get(10).is_empty() {
            e.links.push(Link { relation: "owner".into(), target: get(10).to_string(), percentage: None });
        }
        let mut remarks = get(11).to_string();
        if let Some(more) = comments.get(ent) {
            remarks.push_str(more);
        }
        apply_remarks(&mut e, &remarks);
        index.insert(ent.to_string(), out.entities.len());
        out.entities.push(e);
    }
    if let Some(alt) = &set.alt {
        let mut orphans = Vec::new();
        for (line, f) in records(alt, 5)? {
            // Real exports occasionally carry aliases of delisted entries;
            // they cannot be attached to anything: skipped, and said so.
            let Some(&i) = index.get(&f[0]) else {
                orphans.push(line);
                continue;
            };
            let e = &mut out.entities[i];
            let strength = match f[2].to_ascii_lowercase().as_str() {
                "fka" => NameStrength::Previous,
                _ => NameStrength::Alias,
            };
            let name = reorder(&f[3], e.schema);
            e.add_name(&name, strength, None);
        }
        if !orphans.is_empty() {
            out.warnings.push(format!(
                "{}: {} alias row(s) refer to no entry of {} (lines {}) and were not loaded",
                alt.name,
                orphans.len(),
                set.primary.name,
                orphans.iter().take(5).map(|l| l.to_string()).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    if let Some(add) = &set.add {
        for (_, f) in records(add, 6)? {
            let Some(&i) = index.get(&f[0]) else { continue };
            let e = &mut out.entities[i];
            let parts: Vec<&str> = f[2..].iter().map(String::as_str).filter(|s| !s.is_empty()).collect();
            if !parts.is_empty() {
                e.addresses.push(parts.join(", "));
            }
            if e.schema != Schema::Person {
                if let Some(c) = f.get(4).filter(|c| !c.is_empty()) {
                    e.add_country(c);
                }
            }
        }
    }
    Ok(out)
}

/// OFAC writes persons as "SURNAME, Given Names"; screening compares names
/// order-free, but reports read better in natural order.
fn reorder(name: &str, schema: Schema) -> String {
    if schema == Schema::Person {
        if let Some((last, first)) = name.split_once(", ") {
            if !first.contains(',') {
                return format!("{} {}", first.trim(), last.trim());
            }
        }
    }
    name.to_string()
}

/// Identifier labels as OFAC spells them (CSV remarks and XML `idType`).
const ID_LABELS: &[(&str, IdKind)] = &[
    ("Vessel Registration Identification", IdKind::Imo),
    ("IMO", IdKind::Imo),
    ("MMSI", IdKind::Mmsi),
    ("SWIFT/BIC", IdKind::Bic),
    ("Legal Entity Number", IdKind::Lei),
    ("Passport", IdKind::Passport),
    ("National ID No.", IdKind::NationalId),
    ("Cedula No.", IdKind::NationalId),
    ("Identification Number", IdKind::NationalId),
    ("Tax ID No.", IdKind::TaxId),
    ("Registration Number", IdKind::Registration),
    ("Registration ID", IdKind::Registration),
    ("Public Registration Number", IdKind::Registration),
    ("Company Number", IdKind::Registration),
    ("UK Company Number", IdKind::Registration),
    ("Commercial Registry Number", IdKind::Registration),
    ("Government Gazette Number", IdKind::Registration),
    ("Business Registration Document #", IdKind::Registration),
    ("Email Address", IdKind::Email),
    ("BIK (RU)", IdKind::Bik),
    ("Aircraft Tail Number", IdKind::Other),
    ("Aircraft Manufacturer's Serial Number (MSN)", IdKind::Other),
    ("Digital Currency Address", IdKind::CryptoWallet),
];

/// Maps an OFAC identifier label to an [`IdKind`], refining generic tax and
/// registration numbers into INN / OGRN when they are Russian and have the
/// right length (INN 10 or 12 digits, OGRN 13 or 15 digits).
pub fn classify_id(label: &str, value: &str, country: Option<&str>) -> Option<IdKind> {
    let label = label.trim().trim_end_matches(':').trim();
    let mut kind =
        ID_LABELS.iter().find(|(l, _)| label.eq_ignore_ascii_case(l) || label.starts_with(l)).map(|(_, k)| *k)?;
    let digits = value.chars().filter(|c| c.is_ascii_digit()).count();
    let russian = country.map(|c| crate::countries::to_code(c) == "ru").unwrap_or(false);
    if value.to_ascii_uppercase().contains("IMO") || (kind == IdKind::NationalId && label.contains("IMO")) {
        kind = IdKind::Imo;
    }
    if russian && kind == IdKind::TaxId && (digits == 10 || digits == 12) {
        kind = IdKind::Inn;
    }
    if russian && kind == IdKind::Registration && (digits == 13 || digits == 15) {
        kind = IdKind::Ogrn;
    }
    Some(kind)
}

/// Parses the `;`-separated Remarks column into structured data.
pub fn apply_remarks(e: &mut Entity, remarks: &str) {
    for part in remarks.split(';') {
        let part = part.trim().trim_end_matches('.').trim();
        let part = part.strip_prefix("alt. ").unwrap_or(part);
        if part.is_empty() {
            continue;
        }
        if let Some(d) = part.strip_prefix("DOB ") {
            e.add_birth_date(d);
        } else if let Some(c) = part.strip_prefix("nationality ").or_else(|| part.strip_prefix("citizen ")) {
            e.add_country(c);
        } else if let Some(g) = part.strip_prefix("Gender ") {
            e.gender = Some(g.to_ascii_lowercase());
        } else if let Some(q) = ["a.k.a. ", "f.k.a. ", "n.k.a. "].iter().find_map(|p| part.strip_prefix(p)) {
            // Aliases in the remarks column are OFAC's weak a.k.a.s.
            e.add_name(&reorder(q.trim_matches(|c| c == '\'' || c == '"'), e.schema), NameStrength::Weak, None);
        } else if let Some(t) = part.strip_prefix("Linked To: ") {
            e.links.push(Link { relation: "linked to".into(), target: t.to_string(), percentage: None });
        } else if let Some(rest) = part.strip_prefix("Digital Currency Address - ") {
            if let Some((_, addr)) = rest.split_once(' ') {
                e.add_id(IdKind::CryptoWallet, addr.trim(), None);
            }
        } else if let Some(imo) = imo_in(part) {
            e.add_id(IdKind::Imo, &imo, None);
        } else if let Some((kind, value, country)) = split_labelled(part) {
            e.add_id(kind, value, country);
        } else if !part.starts_with("POB ") {
            e.notes.push(part.to_string());
        }
    }
}

fn imo_in(part: &str) -> Option<String> {
    let i = part.find("IMO ")?;
    let digits: String = part[i + 4..].chars().take_while(|c| c.is_ascii_digit()).collect();
    (digits.len() == 7).then_some(digits)
}

/// Splits "Tax ID No. 7744001497 (Russia)" into kind, value, country.
fn split_labelled(part: &str) -> Option<(IdKind, &str, Option<&str>)> {
    let (label, _) = ID_LABELS.iter().filter(|(l, _)| part.starts_with(l)).max_by_key(|(l, _)| l.len())?;
    let rest = part[label.len()..].trim();
    let (value, country) = match rest.rfind(" (") {
        Some(i) if rest.ends_with(')') => (&rest[..i], Some(&rest[i + 2..rest.len() - 1])),
        _ => (rest, None),
    };
    if value.is_empty() {
        return None;
    }
    let kind = classify_id(label, value, country)?;
    Some((kind, value.trim(), country))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remarks_yield_identifiers() {
        let mut e = Entity::new("x".into(), Schema::Organization, "t", "t");
        apply_remarks(
            &mut e,
            "Tax ID No. 7744001497 (Russia); Registration Number 1027700167110 (Russia); Identification Number IMO 9339301; MMSI 636013272; a.k.a. 'RUSAG'; Digital Currency Address - XBT 12udabs2TkX7NXCSj6KpqXfakjE52ZPLhz; SWIFT/BIC SABRRUMM; Linked To: NS LEADER SHIPPING INCORPORATED.",
        );
        let kinds: Vec<IdKind> = e.identifiers.iter().map(|i| i.kind).collect();
        assert_eq!(
            kinds,
            vec![IdKind::Inn, IdKind::Ogrn, IdKind::Imo, IdKind::Mmsi, IdKind::CryptoWallet, IdKind::Bic]
        );
        assert_eq!(e.names[0].strength, NameStrength::Weak);
        assert_eq!(e.links[0].target, "NS LEADER SHIPPING INCORPORATED");
    }

    #[test]
    fn person_names_reordered_and_dob_parsed() {
        let sdn = b"10278,\"LOGAN MOREY, Elvis Angus\",\"individual\",\"SDNT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 28 Jul 1963; Passport P0017003 (Belize); nationality Belize\"\r\n\x1a";
        let set = CsvSet { primary: CsvFile { name: "sdn.csv", data: sdn }, add: None, alt: None, comments: None };
        let l = parse(&set).unwrap();
        let e = &l.entities[0];
        assert_eq!(e.caption(), "Elvis Angus LOGAN MOREY");
        assert_eq!(e.birth_dates.len(), 1);
        assert_eq!(e.countries, vec!["bz".to_string()]);
        assert_eq!(e.identifiers[0].kind, IdKind::Passport);
    }

    #[test]
    fn bad_ent_num_is_an_error_with_line() {
        let sdn = b"1,\"A\",-0-,\"X\",,,,,,,,\nfoo,\"B\",-0-,\"X\",,,,,,,,\n";
        let set = CsvSet { primary: CsvFile { name: "sdn.csv", data: sdn }, add: None, alt: None, comments: None };
        let e = parse(&set).unwrap_err();
        assert_eq!(e.line, 2);
    }

    fn row(ent: &str, name: &str) -> String {
        format!("{ent},\"{name}\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n")
    }

    #[test]
    fn stray_quote_is_an_error_naming_the_line() {
        let sdn = format!(
            "{}2,\"BROKEN, Name,\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n{}",
            row("1", "A, B"),
            row("3", "C, D")
        );
        let set =
            CsvSet { primary: CsvFile { name: "sdn.csv", data: sdn.as_bytes() }, add: None, alt: None, comments: None };
        let e = parse(&set).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.to_string().starts_with("sdn.csv:2:"), "{e}");
    }

    #[test]
    fn wrong_field_count_is_an_error() {
        let sdn = format!("{}4,\"X\",\"individual\"\r\n", row("1", "A, B"));
        let set =
            CsvSet { primary: CsvFile { name: "sdn.csv", data: sdn.as_bytes() }, add: None, alt: None, comments: None };
        let e = parse(&set).unwrap_err();
        assert!(e.message.contains("expected 12 fields, found 3"), "{e}");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn header_row_of_resaved_files_is_skipped() {
        let sdn =
            format!("ID,Name,Type,Country,Title,Col_F,Col_G,Col_H,Col_I,Col_J,Col_K,Details\r\n{}", row("1", "A, B"));
        let set =
            CsvSet { primary: CsvFile { name: "sdn.csv", data: sdn.as_bytes() }, add: None, alt: None, comments: None };
        assert_eq!(parse(&set).unwrap().entities.len(), 1);
    }

    #[test]
    fn orphan_aliases_are_reported() {
        let sdn = row("1", "A, B");
        let alt = "1,10,\"aka\",\"C, D\",-0- \r\n99,11,\"aka\",\"E\",-0- \r\n";
        let set = CsvSet {
            primary: CsvFile { name: "sdn.csv", data: sdn.as_bytes() },
            add: None,
            alt: Some(CsvFile { name: "alt.csv", data: alt.as_bytes() }),
            comments: None,
        };
        let l = parse(&set).unwrap();
        assert_eq!(l.entities[0].names.len(), 2);
        assert!(l.warnings[0].contains("1 alias row(s)") && l.warnings[0].contains("lines 2"), "{:?}", l.warnings);
    }
}
