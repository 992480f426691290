//! UK lists in spreadsheet and CSV form:
//!
//! * the OFSI **Consolidated List** (`ConList.xlsx` / `ConList.csv`): a
//!   "Last Updated" row, then a header row; one row per *name*, rows of one
//!   designation share a `Group ID`; columns `Name 1`–`Name 6` (6 = family or
//!   entity name), `Name Non-Latin Script`, `DOB`, `Nationality`, `Passport
//!   Number`, `National Identification Number`, `Address 1`–`6`, `Country`,
//!   `Other Information`, `Group Type` (Individual / Entity / Ship), `Alias
//!   Type` (Primary name, Primary name variation, AKA, FKA), `Alias Quality`
//!   (Good / Low), `Regime`, `Listed On`;
//! * the FCDO **UK Sanctions List summary** (`.ods` / `.csv`): one row per
//!   designation with `Unique ID`, `OFSI Group ID`, `Name`, `Regime`,
//!   `Designation Type`, `Date Designated`, `Sanctions Imposed` — no aliases
//!   or identifiers, but designation dates and regimes;
//! * the FCDO full CSV export, whose columns follow the same names
//!   (`Unique ID`, `Name 1`–`6`, `Name type`, `Alias strength`, `Regime Name`…).
//!
//! Columns are found by header name, so column order and extra columns do not
//! matter; a sheet without an id and a name column is an error. Workbooks are
//! read with `calamine` (XLSX, XLS, XLSB, ODS).

use crate::lists::{extract_imo_numbers, ParsedList};
use crate::model::{Entity, IdKind, Link, NameStrength, Schema};
use crate::xml::ParseError;
use std::collections::HashMap;

fn err(source: &str, line: usize, message: impl Into<String>) -> ParseError {
    ParseError { source_name: source.to_string(), line, column: 1, message: message.into() }
}

/// Reads the first worksheet of an XLSX/XLS/XLSB/ODS workbook.
pub fn parse_workbook(source: &str, data: &[u8]) -> Result<ParsedList, ParseError> {
    use calamine::{open_workbook_auto_from_rs, Reader, ReaderRef, Sheets};
    use std::borrow::Cow;
    let ext = source.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let format = format!("uk-{ext}");
    let mut wb = match open_workbook_auto_from_rs(std::io::Cursor::new(data)) {
        Ok(wb) => wb,
        // calamine rejects ODS files written with indentation between cells
        // (as the FCDO's export is): read their content.xml directly.
        Err(e) => match read_ods(source, data)? {
            Some(rows) => return parse_rows(source, &rows, 0, &format),
            None => return Err(err(source, 0, format!("not a readable spreadsheet: {e}"))),
        },
    };
    let sheets = wb.sheet_names().to_vec();
    let first = sheets.first().ok_or_else(|| err(source, 0, "workbook has no sheets"))?;
    let sheet_err = |e: &dyn std::fmt::Display| err(source, 0, format!("sheet {first:?}: {e}"));
    // XLSX (the OFSI ConList: 18,000 rows × 36 columns): cells borrow the shared strings instead of copying them.
    if let Sheets::Xlsx(x) = &mut wb {
        let range = x.worksheet_range_ref(first).map_err(|e| sheet_err(&e))?;
        let (row0, _) = range.start().unwrap_or((0, 0));
        let rows: Vec<Vec<Cow<str>>> = range.rows().map(|r| r.iter().map(cell_text_ref).collect()).collect();
        return parse_rows(source, &rows, row0 as usize, &format);
    }
    let range = wb.worksheet_range(first).map_err(|e| sheet_err(&e))?;
    let (row0, _) = range.start().unwrap_or((0, 0));
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(cell_text).collect()).collect();
    parse_rows(source, &rows, row0 as usize, &format)
}

/// A cell as the lists write it: whole numbers without a fraction, dates as `dd/mm/yyyy`.
fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(d) => d.as_datetime().map(|t| t.format("%d/%m/%Y").to_string()).unwrap_or_else(|| c.to_string()),
        Data::DateTimeIso(s) => iso_to_uk(s),
        other => other.to_string(),
    }
}

/// [`cell_text`] of a borrowed XLSX cell; shared strings are not copied.
fn cell_text_ref<'a>(c: &calamine::DataRef<'a>) -> std::borrow::Cow<'a, str> {
    use calamine::DataRef;
    use std::borrow::Cow;
    match c {
        DataRef::Empty => Cow::Borrowed(""),
        DataRef::SharedString(s) => Cow::Borrowed(*s),
        other => Cow::Owned(cell_text(&calamine::Data::from(other.clone()))),
    }
}

/// Most columns expanded from one `number-columns-repeated` cell (trailing
/// blank cells repeat to column 16384 and are not expanded).
const MAX_REPEAT: usize = 256;

/// Rows of the first table of an OpenDocument spreadsheet, or `None` when
/// the bytes are not an ODS package.
fn read_ods(source: &str, data: &[u8]) -> Result<Option<Vec<Vec<String>>>, ParseError> {
    use std::io::Read;
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(data)) else { return Ok(None) };
    let mut mime = String::new();
    if let Ok(mut m) = zip.by_name("mimetype") {
        let _ = m.by_ref().take(200).read_to_string(&mut mime);
    }
    if !mime.contains("opendocument.spreadsheet") {
        return Ok(None);
    }
    let mut content = Vec::new();
    {
        let f = zip.by_name("content.xml").map_err(|e| err(source, 0, format!("ODS without content.xml: {e}")))?;
        f.take(crate::xml::MAX_FILE as u64 + 1)
            .read_to_end(&mut content)
            .map_err(|e| err(source, 0, format!("cannot unpack content.xml: {e}")))?;
    }
    let name = format!("{source}!content.xml");
    let text = crate::xml::decode_text(&name, &content)?;
    let mut rows = Vec::new();
    let tables_done = std::cell::Cell::new(0usize);
    crate::xml::stream_records(
        &name,
        &text,
        &["table-row"],
        |h| {
            if h.name == "table" {
                tables_done.set(tables_done.get() + 1);
            }
        },
        |row| {
            if tables_done.get() > 0 {
                return Ok(());
            }
            let mut cells = Vec::new();
            for c in &row.children {
                if c.name != "table-cell" && c.name != "covered-table-cell" {
                    continue;
                }
                let text = c.children("p").map(|p| p.text.trim().to_string()).collect::<Vec<_>>().join("\n");
                let text = if text.is_empty() {
                    c.attr("date-value").or(c.attr("value")).unwrap_or("").to_string()
                } else {
                    text
                };
                let rep: usize = c.attr("number-columns-repeated").and_then(|r| r.parse().ok()).unwrap_or(1);
                let rep = if text.is_empty() { rep.min(1) } else { rep.min(MAX_REPEAT) };
                for _ in 0..rep {
                    cells.push(text.clone());
                }
            }
            while cells.last().is_some_and(|c| c.is_empty()) {
                cells.pop();
            }
            if !cells.is_empty() {
                rows.push(cells);
            }
            Ok(())
        },
    )?;
    Ok(Some(rows))
}

/// Reads a CSV export (ConList CSV or FCDO CSV).
pub fn parse_csv(source: &str, data: &[u8]) -> Result<ParsedList, ParseError> {
    let text = crate::xml::decode_text(source, data)?;
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            err(source, line, format!("malformed CSV: {e}"))
        })?;
        rows.push(rec.iter().map(|f| f.to_string()).collect());
    }
    parse_rows(source, &rows, 0, "uk-csv")
}

/// `2025-08-11` / `2025-08-11T00:00:00` → `11/08/2025` (the lists' own spelling).
fn iso_to_uk(s: &str) -> String {
    match chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d") {
        Ok(d) => d.format("%d/%m/%Y").to_string(),
        Err(_) => s.to_string(),
    }
}

/// `dd/mm/yyyy` → ISO, for listing dates.
fn uk_to_iso(s: &str) -> Option<String> {
    ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
        .iter()
        .find_map(|f| chrono::NaiveDate::parse_from_str(s.trim(), f).ok())
        .map(|d| d.format("%Y-%m-%d").to_string())
}

struct Columns {
    map: HashMap<String, usize>,
}

impl Columns {
    fn find(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.map.get(&n.to_ascii_lowercase()).copied())
    }
}

fn parse_rows<S: AsRef<str>>(
    source: &str,
    rows: &[Vec<S>],
    row0: usize,
    format: &str,
) -> Result<ParsedList, ParseError> {
    const ID_COLUMNS: [&str; 3] = ["group id", "unique id", "ofsi group id"];
    // The header is the first row (of the first ten) naming an id column.
    let header_at = rows
        .iter()
        .take(10)
        .position(|r| r.iter().any(|c| ID_COLUMNS.contains(&c.as_ref().trim().to_ascii_lowercase().as_str())))
        .ok_or_else(|| {
            err(
                source,
                row0 + 1,
                "no header row with a \"Group ID\" or \"Unique ID\" column: not a UK ConList/FCDO export",
            )
        })?;
    let line_of = |i: usize| row0 + i + 1;
    let mut generated = None;
    for r in &rows[..header_at] {
        if r.first().is_some_and(|c| c.as_ref().trim().eq_ignore_ascii_case("last updated")) {
            generated = r.get(1).map(|s| s.as_ref().trim().to_string()).filter(|s| !s.is_empty());
        }
    }
    let cols = Columns {
        map: rows[header_at].iter().enumerate().map(|(i, h)| (h.as_ref().trim().to_ascii_lowercase(), i)).collect(),
    };
    let group = cols.find(&["Group ID", "Unique ID", "OFSI Group ID"]).expect("header has an id column");
    let name_parts: Vec<usize> = (1..=6).filter_map(|i| cols.find(&[&format!("Name {i}")])).collect();
    let whole_name = cols.find(&["Name", "Full Name", "Name/Alias"]);
    if name_parts.is_empty() && whole_name.is_none() {
        return Err(err(source, line_of(header_at), "no name columns (Name 1–6 or Name)"));
    }
    let summary = cols.find(&["Name 6"]).is_none();
    let (list, authority, fmt) = if cols.find(&["Group ID"]).is_some() {
        ("uk", "UK HM Treasury OFSI", format!("{format}-ofsi-conlist"))
    } else {
        ("uk", "UK FCDO", format!("{format}-fcdo{}", if summary { "-summary" } else { "" }))
    };
    let c = |names: &[&str]| cols.find(names);
    let non_latin = c(&["Name Non-Latin Script", "Name non-latin script"]);
    let non_latin_lang = c(&["Non-Latin Script Language", "Non-latin script language"]);
    let dob = c(&["DOB", "D.O.B", "Date of Birth"]);
    let nationality = c(&["Nationality", "Nationality(/ies)"]);
    let passport = c(&["Passport Number", "Passport number"]);
    let national_id = c(&["National Identification Number", "National Identifier number"]);
    let addresses: Vec<usize> =
        (1..=6).filter_map(|i| c(&[&format!("Address {i}"), &format!("Address Line {i}")])).collect();
    let postcode = c(&["Post/Zip Code", "Address Postal Code"]);
    let country = c(&["Country", "Address Country"]);
    let other = c(&["Other Information", "Other information"]);
    let gtype = c(&["Group Type", "Designation Type", "Type", "Individual, Entity, Ship"]);
    let alias_type = c(&["Alias Type", "Name type", "Name Type"]);
    let alias_quality = c(&["Alias Quality", "Alias strength", "Alias Strength"]);
    let regime = c(&["Regime", "Regime Name"]);
    let listed = c(&["Listed On", "Date Designated", "UK Sanctions List Date Designated"]);
    let imo = c(&["IMO number", "IMO Number"]);
    let mut out = ParsedList::new(list, authority, &fmt, source);
    out.generated = generated;
    let mut by_group: HashMap<String, usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate().skip(header_at + 1) {
        let get = |col: Option<usize>| col.and_then(|c| r.get(c)).map(|s| s.as_ref().trim()).filter(|s| !s.is_empty());
        if r.iter().all(|f| f.as_ref().trim().is_empty()) {
            continue;
        }
        let Some(gid) = get(Some(group)) else {
            return Err(err(source, line_of(i), "row without a group / unique id"));
        };
        let name = match whole_name.and_then(|w| get(Some(w))) {
            Some(n) if name_parts.is_empty() => n.to_string(),
            _ => {
                // Name 1–5 are given names, Name 6 the family / entity name.
                let parts: Vec<&str> = name_parts.iter().filter_map(|&p| get(Some(p))).collect();
                parts.join(" ")
            }
        };
        let schema = match get(gtype).unwrap_or("").to_ascii_lowercase().as_str() {
            "individual" => Schema::Person,
            "ship" | "vessel" => Schema::Vessel,
            "entity" => Schema::Organization,
            "" => Schema::LegalEntity,
            other => return Err(err(source, line_of(i), format!("unknown group / designation type {other:?}"))),
        };
        let idx = *by_group.entry(gid.to_string()).or_insert_with(|| {
            out.entities.push(Entity::new(format!("uk:{gid}"), schema, list, authority));
            out.entities.len() - 1
        });
        let e = &mut out.entities[idx];
        let atype = get(alias_type).unwrap_or("").to_ascii_lowercase();
        let weak = get(alias_quality).is_some_and(|q| q.eq_ignore_ascii_case("low") || q.eq_ignore_ascii_case("weak"));
        let strength = if atype.is_empty() || atype == "primary name" {
            NameStrength::Primary
        } else if atype.contains("fka") || atype.contains("previous") || atype.contains("formerly") {
            NameStrength::Previous
        } else if weak {
            NameStrength::Weak
        } else {
            NameStrength::Alias
        };
        e.add_name(&name, strength, None);
        if let Some(n) = get(non_latin) {
            e.add_name(n, NameStrength::Alias, get(non_latin_lang));
        }
        if let Some(d) = get(dob) {
            e.add_birth_date(d);
        }
        if let Some(n) = get(nationality) {
            for part in split_numbered(n) {
                e.add_country(&part);
            }
        }
        if let Some(p) = get(passport) {
            for part in split_numbered(p) {
                e.add_id(IdKind::Passport, &part, None);
            }
        }
        if let Some(p) = get(national_id) {
            for part in split_numbered(p) {
                e.add_id(IdKind::NationalId, &part, None);
            }
        }
        let mut addr: Vec<&str> = addresses.iter().filter_map(|&a| get(Some(a))).collect();
        addr.extend(get(postcode));
        addr.extend(get(country));
        if !addr.is_empty() {
            let a = addr.join(", ");
            if !e.addresses.contains(&a) {
                e.addresses.push(a);
            }
        }
        if let Some(c) = get(country) {
            if schema != Schema::Person {
                e.add_country(c);
            }
        }
        if let Some(r) = get(regime) {
            e.add_program(r);
        }
        if let Some(l) = get(listed) {
            if e.listing_date.is_none() {
                e.listing_date = uk_to_iso(l).or_else(|| Some(l.to_string()));
            }
        }
        if let Some(n) = get(imo) {
            e.add_id(IdKind::Imo, n, None);
        }
        if let Some(o) = get(other) {
            for n in extract_imo_numbers(o) {
                e.add_id(IdKind::Imo, &n, None);
            }
            for (relation, target) in parent_and_subsidiaries(o) {
                if !e.links.iter().any(|l| l.relation == relation && l.target == target) {
                    e.links.push(Link { relation: relation.into(), target, percentage: None });
                }
            }
            if !e.notes.iter().any(|x| x == o) {
                e.notes.push(o.to_string());
            }
        }
    }
    // A designation whose only names are weak or previous still needs a caption.
    for e in &mut out.entities {
        if !e.names.iter().any(|n| n.strength == NameStrength::Primary) {
            if let Some(n) = e.names.iter_mut().find(|n| n.strength != NameStrength::Weak) {
                n.strength = NameStrength::Primary;
            }
        }
    }
    Ok(out)
}

/// The parent companies and subsidiaries the ConList's "Other Information" names
/// (`(Parent company):Roscosmos (Business Reg No):…`, `(Subsidiaries):A; B` or `A. B.`), as
/// (`parent` | `subsidiary`, name) pairs. A field runs to the next `(Label):` or the end of the text.
pub fn parent_and_subsidiaries(other: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (label, relation) in [("(Parent company):", "parent"), ("(Subsidiaries):", "subsidiary")] {
        let mut from = 0;
        while let Some(i) = other[from..].find(label) {
            let start = from + i + label.len();
            let rest = &other[start..];
            let end = next_label(rest).unwrap_or(rest.len());
            let value = rest[..end].trim();
            let parts: Vec<&str> = value.split(';').flat_map(|p| p.split(". ")).collect();
            for p in parts {
                let p = p.trim().trim_end_matches(['.', ',']).trim();
                if !p.is_empty() && !out.iter().any(|(r, t): &(&str, String)| *r == relation && t == p) {
                    out.push((relation, p.to_string()));
                }
            }
            from = start;
        }
    }
    out
}

/// Byte offset of the next ` (Label):` field in ConList "Other Information" text.
fn next_label(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find(" (") {
        let at = from + i;
        let tail = &s[at + 2..];
        if let Some(close) = tail.find("):") {
            let label = &tail[..close];
            if !label.is_empty() && label.len() <= 60 && label.chars().all(|c| c.is_alphanumeric() || c == ' ') {
                return Some(at);
            }
        }
        from = at + 2;
    }
    None
}

/// Splits "(1) Russia (2) Ukraine" into its parts; other text is one part.
fn split_numbered(s: &str) -> Vec<String> {
    if !s.trim_start().starts_with("(1)") {
        return vec![s.trim().to_string()];
    }
    let mut out = Vec::new();
    let mut rest = s.trim();
    let mut n = 1;
    while let Some(after) = rest.strip_prefix(&format!("({n})")) {
        let next = format!("({})", n + 1);
        let (part, tail) = match after.find(&next) {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        let part = part.trim().trim_end_matches(['.', ',', ';']).trim();
        if !part.is_empty() {
            out.push(part.to_string());
        }
        rest = tail;
        n += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conlist_rows() -> Vec<Vec<String>> {
        let t = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        vec![
            t(&["Last Updated", "14/04/2025"]),
            t(&[
                "Name 6",
                "Name 1",
                "Name 2",
                "Name Non-Latin Script",
                "DOB",
                "Nationality",
                "Passport Number",
                "Country",
                "Other Information",
                "Group Type",
                "Alias Type",
                "Alias Quality",
                "Regime",
                "Listed On",
                "Group ID",
            ]),
            t(&[
                "ZADACHIN",
                "Andrei",
                "Andreevich",
                "Андрей Задачин",
                "22/08/1990",
                "(1) Russia (2) Ukraine",
                "",
                "",
                "",
                "Individual",
                "Primary name",
                "",
                "Russia",
                "21/04/2023",
                "15000",
            ]),
            t(&["ZADACHIN", "Andrey", "", "", "", "", "", "", "", "Individual", "AKA", "Low", "Russia", "", "15000"]),
            t(&[
                "KOREA SHIPPING CO",
                "",
                "",
                "",
                "",
                "",
                "",
                "North Korea",
                "IMO number: 5342883",
                "Entity",
                "Primary name",
                "",
                "Democratic People's Republic of Korea",
                "01/02/2018",
                "15001",
            ]),
        ]
    }

    #[test]
    fn conlist_rows_group_into_designations() {
        let l = parse_rows("ConList.xlsx", &conlist_rows(), 0, "uk-xlsx").unwrap();
        assert_eq!(l.generated.as_deref(), Some("14/04/2025"));
        assert_eq!(l.entities.len(), 2);
        let p = &l.entities[0];
        assert_eq!(p.caption(), "Andrei Andreevich ZADACHIN");
        assert_eq!(p.schema, Schema::Person);
        assert!(p.names.iter().any(|n| n.value == "Andrey ZADACHIN" && n.strength == NameStrength::Weak));
        assert!(p.names.iter().any(|n| n.value == "Андрей Задачин"));
        assert_eq!(p.countries, vec!["ru".to_string(), "ua".to_string()]);
        assert_eq!(p.listing_date.as_deref(), Some("2023-04-21"));
        let o = &l.entities[1];
        assert_eq!(o.schema, Schema::Organization);
        assert_eq!(o.identifiers[0].key(), "5342883");
    }

    #[test]
    fn parent_company_and_subsidiaries_become_links() {
        let o = "(Type of entity):Military (Parent company):Russian Ministry of Defence (Business Reg No):123. \
                 (Subsidiaries):AO SALYUT-27; ZAO KRONA (UK Sanctions List Ref):RUS0001.";
        assert_eq!(
            parent_and_subsidiaries(o),
            vec![
                ("parent", "Russian Ministry of Defence".to_string()),
                ("subsidiary", "AO SALYUT-27".to_string()),
                ("subsidiary", "ZAO KRONA".to_string()),
            ]
        );
        assert_eq!(
            parent_and_subsidiaries("(Subsidiaries):Tangun Trading Corporation. Fajr Industrial Group (FIG)."),
            vec![
                ("subsidiary", "Tangun Trading Corporation".to_string()),
                ("subsidiary", "Fajr Industrial Group (FIG)".to_string())
            ]
        );
        let mut rows = conlist_rows();
        rows[4][8] = "IMO number: 5342883 (Subsidiaries):KOREA SHIPPING AGENCY".into();
        let l = parse_rows("ConList.xlsx", &rows, 0, "uk-xlsx").unwrap();
        let links = &l.entities[1].links;
        assert_eq!((links[0].relation.as_str(), links[0].target.as_str()), ("subsidiary", "KOREA SHIPPING AGENCY"));
        assert!(l.entities[0].links.is_empty());
    }

    #[test]
    fn sheet_without_id_column_is_an_error() {
        let rows = vec![vec!["Name".to_string(), "Country".to_string()]];
        let e = parse_rows("x.csv", &rows, 0, "uk-csv").unwrap_err();
        assert!(e.message.contains("Group ID"), "{e}");
    }

    #[test]
    fn unknown_type_is_an_error_with_row() {
        let mut rows = conlist_rows();
        rows[4][9] = "Spaceship".into();
        let e = parse_rows("c.csv", &rows, 0, "uk-csv").unwrap_err();
        assert_eq!(e.line, 5);
    }
}
