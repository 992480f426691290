//! The two tabular files: official trade figures and diplomatic meetings. CSV keeps them easy to extend from a
//! spreadsheet; each row is checked like a TOML entry, with its line and column named in errors.

use crate::error::DataError;
use crate::reader::parse_date;
use entente_core::{Level, Meeting, TradeFigure, TradeMeasure};
use std::collections::BTreeSet;

struct Rows<'a> {
    file: &'a str,
    errors: &'a mut Vec<DataError>,
}

impl Rows<'_> {
    fn err(&mut self, line: usize, field: &str, message: String) {
        self.errors.push(DataError {
            file: self.file.into(),
            line: Some(line),
            path: format!("row {line}"),
            field: field.into(),
            message,
        });
    }

    /// Reads all records, checking the header; returns (line, record) pairs.
    fn records(&mut self, text: &str, header: &[&str]) -> Vec<(usize, csv::StringRecord)> {
        let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
        match rdr.headers() {
            Ok(h) => {
                let got: Vec<&str> = h.iter().map(str::trim).collect();
                if got != header {
                    self.err(1, "", format!("header is `{}`, expected `{}`", got.join(","), header.join(",")));
                    return Vec::new();
                }
            }
            Err(e) => {
                self.err(1, "", format!("cannot read the header: {e}"));
                return Vec::new();
            }
        }
        let mut out = Vec::new();
        for rec in rdr.records() {
            match rec {
                Ok(r) => {
                    let line = r.position().map_or(0, |p| p.line() as usize);
                    out.push((line, r));
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line() as usize);
                    self.err(line, "", format!("malformed CSV: {e}"));
                }
            }
        }
        out
    }

    fn date(&mut self, line: usize, rec: &csv::StringRecord, i: usize, name: &str) -> Option<chrono::NaiveDate> {
        let v = rec.get(i).unwrap_or("").trim();
        if v.is_empty() {
            self.err(line, name, "missing date".into());
            return None;
        }
        parse_date(v).map_err(|m| self.err(line, name, m)).ok()
    }
}

pub fn read_trade(file: &str, text: &str, sources: &BTreeSet<String>, errors: &mut Vec<DataError>) -> Vec<TradeFigure> {
    const HEADER: [&str; 8] = ["from", "to", "value_usd", "measure", "source", "public", "derived", "note"];
    let mut rows = Rows { file, errors };
    let mut out = Vec::new();
    for (line, rec) in rows.records(text, &HEADER) {
        let from = rows.date(line, &rec, 0, "from");
        let to = rows.date(line, &rec, 1, "to");
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                rows.err(line, "to", format!("period ends ({t}) before it starts ({f})"));
                continue;
            }
        }
        let value = match rec[2].trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
            _ => {
                rows.err(line, "value_usd", format!("`{}` is not a non-negative number", &rec[2]));
                None
            }
        };
        let measure = match rec[3].trim() {
            "total" => Some(TradeMeasure::Total),
            "kp-exports" => Some(TradeMeasure::KpExports),
            "kp-imports" => Some(TradeMeasure::KpImports),
            other => {
                rows.err(line, "measure", format!("`{other}` is not total, kp-exports or kp-imports"));
                None
            }
        };
        let source = rec[4].trim().to_string();
        if source.is_empty() {
            rows.err(line, "source", "missing source id".into());
        } else if !sources.is_empty() && !sources.contains(&source) {
            rows.err(line, "source", format!("unknown source `{source}`"));
        }
        let public = rows.date(line, &rec, 5, "public");
        let derived = match rec[6].trim() {
            "true" => true,
            "false" | "" => false,
            other => {
                rows.err(line, "derived", format!("`{other}` is not true or false"));
                false
            }
        };
        if let (Some(from), Some(to), Some(value_usd), Some(measure), Some(public)) = (from, to, value, measure, public)
        {
            if public < from {
                rows.err(line, "public", format!("public date {public} is before the period starts ({from})"));
                continue;
            }
            out.push(TradeFigure { from, to, value_usd, measure, source, public, derived, note: rec[7].to_string() });
        }
    }
    out
}

pub fn read_meetings(file: &str, text: &str, sources: &BTreeSet<String>, errors: &mut Vec<DataError>) -> Vec<Meeting> {
    const HEADER: [&str; 8] = ["start", "end", "participants", "level", "place", "direction", "source", "note"];
    let mut rows = Rows { file, errors };
    let mut out = Vec::new();
    for (line, rec) in rows.records(text, &HEADER) {
        let start = rows.date(line, &rec, 0, "start");
        let end = if rec[1].trim().is_empty() { start } else { rows.date(line, &rec, 1, "end") };
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                rows.err(line, "end", format!("meeting ends ({e}) before it starts ({s})"));
                continue;
            }
        }
        let level = Level::parse(&rec[3]);
        if level.is_none() {
            rows.err(
                line,
                "level",
                format!("`{}` is not a level (head-of-state, minister, deputy, delegation, call)", rec[3].trim()),
            );
        }
        let direction = rec[5].trim().to_string();
        if !["ru-to-kp", "kp-to-ru", "third-country", "remote"].contains(&direction.as_str()) {
            rows.err(line, "direction", format!("`{direction}` is not ru-to-kp, kp-to-ru, third-country or remote"));
            continue;
        }
        let source = rec[6].trim().to_string();
        if source.is_empty() {
            rows.err(line, "source", "missing source id".into());
        } else if !sources.is_empty() && !sources.contains(&source) {
            rows.err(line, "source", format!("unknown source `{source}`"));
        }
        if let (Some(start), Some(end), Some(level)) = (start, end, level) {
            out.push(Meeting {
                start,
                end,
                participants: rec[2].trim().to_string(),
                level,
                place: rec[4].trim().to_string(),
                direction,
                source,
                note: rec[7].to_string(),
            });
        }
    }
    out
}
