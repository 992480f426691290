//! Import of GDELT 2.0 event files (tab-separated, 61 columns, no header) as additional meetings.
//!
//! Kept: CAMEO 042 (make a visit), 043 (host a visit), 044 (meet at a third location) and 046 (engage in
//! negotiation) — by `EventBaseCode` or the first three digits of `EventCode`, compared as strings because of
//! the leading zero — between a Russian and a North Korean actor (`Actor1CountryCode`/`Actor2CountryCode`
//! RUS/PRK, either direction). GDELT reports one real meeting many times, across days and outlets, so reports
//! of the same country pair on the same day ±1 (chained: a three-day visit reported each day is one meeting)
//! are merged into one meeting.
//!
//! Level: CAMEO actor types have no "head of state" code, so a meeting is `head-of-state` when an actor's name
//! is a head of state or government of either country (Putin, Mishustin, Kim Jong Un, Pak Thae Song, Kim Tok
//! Hun) and `delegation` otherwise. GDELT is machine-coded: grade it low (C3 at best) and use it as a
//! cross-check of the curated log.

use chrono::NaiveDate;
use entente_core::{Level, Meeting};
use serde::Serialize;
use std::fmt;
use std::path::Path;

pub const COLUMNS: usize = 61;

// 0-based column positions in the GDELT 2.0 event table.
const GLOBALEVENTID: usize = 0;
const SQLDATE: usize = 1;
const ACTOR1NAME: usize = 6;
const ACTOR1COUNTRY: usize = 7;
const ACTOR1TYPE1: usize = 12;
const ACTOR2NAME: usize = 16;
const ACTOR2COUNTRY: usize = 17;
const ACTOR2TYPE1: usize = 22;
const EVENTCODE: usize = 26;
const EVENTBASECODE: usize = 27;
const NUMSOURCES: usize = 32;
const NUMARTICLES: usize = 33;
const ACTIONGEO_FULLNAME: usize = 52;
const ACTIONGEO_COUNTRY: usize = 53;
const SOURCEURL: usize = 60;

const FIELD_NAMES: [(usize, &str); 15] = [
    (GLOBALEVENTID, "GLOBALEVENTID"),
    (SQLDATE, "SQLDATE"),
    (ACTOR1NAME, "Actor1Name"),
    (ACTOR1COUNTRY, "Actor1CountryCode"),
    (ACTOR1TYPE1, "Actor1Type1Code"),
    (ACTOR2NAME, "Actor2Name"),
    (ACTOR2COUNTRY, "Actor2CountryCode"),
    (ACTOR2TYPE1, "Actor2Type1Code"),
    (EVENTCODE, "EventCode"),
    (EVENTBASECODE, "EventBaseCode"),
    (NUMSOURCES, "NumSources"),
    (NUMARTICLES, "NumArticles"),
    (ACTIONGEO_FULLNAME, "ActionGeo_FullName"),
    (ACTIONGEO_COUNTRY, "ActionGeo_CountryCode"),
    (SOURCEURL, "SOURCEURL"),
];

/// CAMEO base codes for meetings and visits.
pub const MEETING_CODES: [&str; 4] = ["042", "043", "044", "046"];

/// Names (upper case, as GDELT writes them) of heads of state and government of Russia and North Korea.
const HEADS: [&str; 7] =
    ["PUTIN", "MISHUSTIN", "KIM JONG UN", "KIM JONG-UN", "KIM JONGUN", "PAK THAE SONG", "KIM TOK HUN"];

/// A malformed row, named by file, line and field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GdeltError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl fmt::Display for GdeltError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}:{}: {}: {}", self.file, self.line, self.field, self.message)
        }
    }
}

/// Every malformed row of a file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct GdeltErrors(pub Vec<GdeltError>);

impl fmt::Display for GdeltErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 20;
        for (i, e) in self.0.iter().take(SHOWN).enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        if self.0.len() > SHOWN {
            write!(f, "\n… and {} more", self.0.len() - SHOWN)?;
        }
        Ok(())
    }
}

/// One kept GDELT event row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub id: String,
    pub line: usize,
    pub date: NaiveDate,
    pub code: String,
    pub actor1: String,
    pub actor1_country: String,
    pub actor2: String,
    pub actor2_country: String,
    pub num_sources: u64,
    pub num_articles: u64,
    pub place: String,
    pub place_country: String,
    pub url: String,
}

impl Event {
    fn level(&self) -> Level {
        let head = |n: &str| {
            let n = n.to_ascii_uppercase();
            HEADS.iter().any(|h| n.contains(h))
        };
        if head(&self.actor1) || head(&self.actor2) {
            Level::HeadOfState
        } else {
            Level::Delegation
        }
    }

    /// Who travelled: from where the action took place (FIPS KN = North Korea, RS = Russia), else from the code
    /// (042: actor 1 visits actor 2; 043: actor 1 hosts actor 2; 044: a third location).
    fn direction(&self) -> &'static str {
        match self.place_country.as_str() {
            "KN" => return "ru-to-kp",
            "RS" => return "kp-to-ru",
            "" => {}
            _ => return "third-country",
        }
        let host = match self.code.as_str() {
            "042" => &self.actor2_country,
            "043" => &self.actor1_country,
            _ => return "third-country",
        };
        if host == "PRK" {
            "ru-to-kp"
        } else {
            "kp-to-ru"
        }
    }

    fn pair(&self) -> (String, String) {
        let (a, b) = (self.actor1_country.clone(), self.actor2_country.clone());
        if a <= b {
            (a, b)
        } else {
            (b, a)
        }
    }
}

/// The result of importing one file.
#[derive(Debug, Clone, Serialize)]
pub struct Import {
    pub file: String,
    pub rows: usize,
    /// Rows that are meetings between Russian and North Korean actors.
    pub events: Vec<Event>,
    /// The events merged into meetings (one per real-world meeting, as far as day ±1 and pair can tell).
    pub meetings: Vec<Meeting>,
}

/// Reads and imports a GDELT 2.0 event file.
pub fn import_file(path: &Path) -> Result<Import, GdeltErrors> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        GdeltErrors(vec![GdeltError {
            file: name.clone(),
            line: 0,
            field: String::new(),
            message: format!("cannot read: {e}"),
        }])
    })?;
    let text = String::from_utf8_lossy(&bytes);
    import_str(&name, &text)
}

/// Imports the text of a GDELT 2.0 event file; `file` names it in errors.
pub fn import_str(file: &str, text: &str) -> Result<Import, GdeltErrors> {
    let mut errors = Vec::new();
    let mut events = Vec::new();
    let mut rows = 0;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() {
            continue;
        }
        rows += 1;
        match parse_row(raw) {
            Ok(Some(ev)) => events.push(Event { line, ..ev }),
            Ok(None) => {}
            Err((col, message)) => {
                let field = FIELD_NAMES.iter().find(|(c, _)| *c == col).map(|(_, n)| n.to_string());
                let field = match (col, field) {
                    (usize::MAX, _) => String::new(),
                    (_, Some(n)) => format!("column {} ({n})", col + 1),
                    (_, None) => format!("column {}", col + 1),
                };
                errors.push(GdeltError { file: file.to_string(), line, field, message });
            }
        }
    }
    if !errors.is_empty() {
        return Err(GdeltErrors(errors));
    }
    let meetings = merge(&events, file);
    Ok(Import { file: file.to_string(), rows, events, meetings })
}

type RowError = (usize, String);

fn parse_row(raw: &str) -> Result<Option<Event>, RowError> {
    let cols: Vec<&str> = raw.split('\t').collect();
    if cols.len() != COLUMNS {
        return Err((
            usize::MAX,
            format!("{} tab-separated fields, expected {COLUMNS} (is this a GDELT 2.0 event file?)", cols.len()),
        ));
    }
    let date_s = cols[SQLDATE].trim();
    if date_s.is_empty() {
        return Err((SQLDATE, "missing date".into()));
    }
    let date = NaiveDate::parse_from_str(date_s, "%Y%m%d")
        .map_err(|_| (SQLDATE, format!("`{date_s}` is not a date in YYYYMMDD form")))?;
    let code = cols[EVENTCODE].trim();
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err((EVENTCODE, format!("`{code}` is not a CAMEO event code (digits, e.g. 042)")));
    }
    let base = cols[EVENTBASECODE].trim();
    if !base.is_empty() && !base.bytes().all(|b| b.is_ascii_digit()) {
        return Err((EVENTBASECODE, format!("`{base}` is not a CAMEO event code (digits, e.g. 042)")));
    }
    let root3 = code.get(..3).unwrap_or(code);
    let kept_code = if MEETING_CODES.contains(&base) {
        base
    } else if MEETING_CODES.contains(&root3) {
        root3
    } else {
        return Ok(None);
    };
    let (c1, c2) = (cols[ACTOR1COUNTRY].trim(), cols[ACTOR2COUNTRY].trim());
    if !matches!((c1, c2), ("RUS", "PRK") | ("PRK", "RUS")) {
        return Ok(None);
    }
    let count = |i: usize| -> Result<u64, RowError> {
        let v = cols[i].trim();
        if v.is_empty() {
            return Ok(0);
        }
        v.parse().map_err(|_| (i, format!("`{v}` is not a whole number")))
    };
    let id = cols[GLOBALEVENTID].trim();
    if id.is_empty() {
        return Err((GLOBALEVENTID, "missing event id".into()));
    }
    Ok(Some(Event {
        id: id.to_string(),
        line: 0,
        date,
        code: kept_code.to_string(),
        actor1: cols[ACTOR1NAME].trim().to_string(),
        actor1_country: c1.to_string(),
        actor2: cols[ACTOR2NAME].trim().to_string(),
        actor2_country: c2.to_string(),
        num_sources: count(NUMSOURCES)?,
        num_articles: count(NUMARTICLES)?,
        place: cols[ACTIONGEO_FULLNAME].trim().to_string(),
        place_country: cols[ACTIONGEO_COUNTRY].trim().to_string(),
        url: cols[SOURCEURL].trim().to_string(),
    }))
}

/// Merges reports of one pair on the same day ±1, chaining consecutive days, into one meeting each.
pub fn merge(events: &[Event], file: &str) -> Vec<Meeting> {
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by(|a, b| (a.pair(), a.date, &a.id).cmp(&(b.pair(), b.date, &b.id)));
    let mut groups: Vec<Vec<&Event>> = Vec::new();
    for e in sorted {
        match groups.last_mut() {
            Some(g) if g[0].pair() == e.pair() && (e.date - g.last().expect("non-empty").date).num_days() <= 1 => {
                g.push(e)
            }
            _ => groups.push(vec![e]),
        }
    }
    let file_name = Path::new(file).file_name().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    let mut out: Vec<Meeting> = groups
        .into_iter()
        .map(|g| {
            let level = g.iter().map(|e| e.level()).min().expect("non-empty");
            let mut dirs: Vec<(&str, usize)> = Vec::new();
            for e in &g {
                match dirs.iter_mut().find(|(d, _)| *d == e.direction()) {
                    Some((_, n)) => *n += 1,
                    None => dirs.push((e.direction(), 1)),
                }
            }
            let direction = dirs.iter().fold(dirs[0], |b, x| if x.1 > b.1 { *x } else { b }).0;
            let mut names: Vec<String> = Vec::new();
            for e in &g {
                for n in [&e.actor1, &e.actor2] {
                    if !n.is_empty() && !names.contains(n) {
                        names.push(n.clone());
                    }
                }
            }
            let place = g.iter().map(|e| e.place.as_str()).find(|p| !p.is_empty()).unwrap_or("").to_string();
            let ids: Vec<&str> = g.iter().map(|e| e.id.as_str()).collect();
            let articles: u64 = g.iter().map(|e| e.num_articles).sum();
            Meeting {
                start: g[0].date,
                end: g.last().expect("non-empty").date,
                participants: format!("GDELT: {}", names.join(", ")),
                level,
                place,
                direction: direction.to_string(),
                source: format!("gdelt:{file_name}"),
                note: format!("{} report(s) merged (events {}); {articles} article(s)", g.len(), ids.join(", ")),
            }
        })
        .collect();
    out.sort_by_key(|a| (a.start, a.end));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 61-column row with the given fields set.
    fn row(fields: &[(usize, &str)]) -> String {
        let mut c = vec![""; COLUMNS];
        for (i, v) in fields {
            c[*i] = v;
        }
        c.join("\t")
    }

    fn visit(id: &str, date: &str, code: &str, a1: (&str, &str), a2: (&str, &str), geo: &str) -> String {
        row(&[
            (GLOBALEVENTID, id),
            (SQLDATE, date),
            (ACTOR1NAME, a1.1),
            (ACTOR1COUNTRY, a1.0),
            (ACTOR2NAME, a2.1),
            (ACTOR2COUNTRY, a2.0),
            (EVENTCODE, code),
            (EVENTBASECODE, &code[..3.min(code.len())]),
            (NUMARTICLES, "3"),
            (ACTIONGEO_COUNTRY, geo),
        ])
    }

    #[test]
    fn keeps_meetings_between_the_pair_and_merges_repeats() {
        let text = [
            visit("1", "20240618", "042", ("RUS", "VLADIMIR PUTIN"), ("PRK", "NORTH KOREA"), "KN"),
            visit("2", "20240619", "043", ("PRK", "KIM JONG UN"), ("RUS", "RUSSIA"), "KN"),
            visit("3", "20240620", "046", ("RUS", "RUSSIA"), ("PRK", "PYONGYANG"), "KN"),
            visit("4", "20240625", "042", ("RUS", "RUSSIA"), ("PRK", "NORTH KOREA"), ""),
            visit("5", "20240619", "042", ("USA", "UNITED STATES"), ("PRK", "NORTH KOREA"), "KN"),
            visit("6", "20240619", "190", ("RUS", "RUSSIA"), ("PRK", "NORTH KOREA"), "KN"),
            visit("7", "20241101", "0441", ("PRK", "CHOE SON HUI"), ("RUS", "SERGEI LAVROV"), "RS"),
        ]
        .join("\n");
        let imp = import_str("f.csv", &text).unwrap();
        assert_eq!(imp.rows, 7);
        assert_eq!(imp.events.len(), 5);
        assert_eq!(imp.meetings.len(), 3);
        let m = &imp.meetings[0];
        assert_eq!((m.start.to_string(), m.end.to_string()), ("2024-06-18".into(), "2024-06-20".into()));
        assert_eq!(m.level, Level::HeadOfState);
        assert_eq!(m.direction, "ru-to-kp");
        assert!(m.note.starts_with("3 report(s)"), "{}", m.note);
        assert_eq!(imp.meetings[1].level, Level::Delegation);
        assert_eq!(imp.meetings[1].direction, "ru-to-kp", "042 by Russia to PRK");
        assert_eq!(imp.meetings[2].direction, "kp-to-ru");
        assert_eq!(imp.events.last().unwrap().code, "044");
    }

    #[test]
    fn malformed_rows_name_file_line_and_field() {
        let good = visit("1", "20240618", "042", ("RUS", "A"), ("PRK", "B"), "KN");
        let no_date = visit("2", "", "042", ("RUS", "A"), ("PRK", "B"), "KN");
        let bad_date = visit("3", "2024-06-18", "042", ("RUS", "A"), ("PRK", "B"), "KN");
        let bad_code = visit("4", "20240618", "04x", ("RUS", "A"), ("PRK", "B"), "KN");
        let text = [good.as_str(), no_date.as_str(), "too\tfew", bad_date.as_str(), bad_code.as_str()].join("\n");
        let e = import_str("events.csv", &text).unwrap_err();
        let lines: Vec<String> = e.0.iter().map(|e| e.to_string()).collect();
        assert_eq!(lines[0], "events.csv:2: column 2 (SQLDATE): missing date");
        assert!(lines[1].starts_with("events.csv:3: 2 tab-separated fields, expected 61"), "{}", lines[1]);
        assert_eq!(lines[2], "events.csv:4: column 2 (SQLDATE): `2024-06-18` is not a date in YYYYMMDD form");
        assert!(lines[3].starts_with("events.csv:5: column 27 (EventCode)"), "{}", lines[3]);
        let mut articles = visit("9", "20240618", "042", ("RUS", "A"), ("PRK", "B"), "KN");
        articles = articles.replacen("\t3\t", "\tmany\t", 1);
        let e = import_str("x", &articles).unwrap_err();
        assert_eq!(e.0[0].field, "column 34 (NumArticles)");
    }

    #[test]
    fn fixture_imports() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gdelt-ru-kp.export.CSV");
        let imp = import_file(&path).unwrap();
        assert!(imp.rows > imp.events.len());
        assert!(imp.meetings.len() < imp.events.len(), "repeats merged");
        assert!(import_file(Path::new("/nonexistent/x.CSV")).unwrap_err().to_string().contains("cannot read"));
    }
}

/// What a set of imported GDELT files added to a meeting log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Added {
    pub files: Vec<String>,
    pub rows: usize,
    pub events: usize,
    /// Meetings after merging repeats of one event.
    pub merged_meetings: usize,
    /// Of those, meetings already in the log (not counted twice).
    pub matched_log: usize,
    /// Meetings added to the log.
    pub added: usize,
}

/// Adds the meetings of imported GDELT files to `log` (events merged into meetings; meetings already in the log
/// not counted twice) and says what was added.
pub fn add_to_log(log: &mut Vec<Meeting>, imports: &[Import]) -> Added {
    let events: Vec<Event> = imports.iter().flat_map(|i| i.events.iter().cloned()).collect();
    let merged = merge(&events, "gdelt");
    let merged_meetings = merged.len();
    let (added, matched_log) = crate::meetings::not_in_log(log, merged);
    let summary = Added {
        files: imports.iter().map(|i| i.file.clone()).collect(),
        rows: imports.iter().map(|i| i.rows).sum(),
        events: events.len(),
        merged_meetings,
        matched_log,
        added: added.len(),
    };
    log.extend(added);
    summary
}
