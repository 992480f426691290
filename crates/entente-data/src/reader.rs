//! Typed access to the fields of a TOML table with spans, so each mistake is reported with its line and field
//! and reading carries on to find the next one.

use crate::error::DataError;
use chrono::NaiveDate;
use entente_core::{Distribution, Truncation};
use std::ops::Range;
use toml_edit::{Item, TableLike, Value};

/// One file being read: its name, text and the errors found so far.
pub struct FileReader<'a> {
    pub file: &'a str,
    pub errors: &'a mut Vec<DataError>,
    /// Byte offsets of the text's line breaks, so that a line number costs a binary search, not a scan of the
    /// text from its start (which made validation quadratic in the size of a file).
    line_breaks: Vec<usize>,
}

/// An entry (a table) being read, with its key path for messages.
#[derive(Clone)]
pub struct Entry<'t> {
    pub table: &'t dyn TableLike,
    /// Where the entry stands in the file; field errors fall back to it when the field is absent.
    pub span: Option<Range<usize>>,
    pub path: String,
}

impl<'t> Entry<'t> {
    pub fn new(table: &'t toml_edit::Table, path: String) -> Self {
        Entry { table, span: table.span(), path }
    }
}

/// 1-based line of a byte offset (a scan from the start: for one-off use; a [`FileReader`] indexes its lines).
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

impl<'a> FileReader<'a> {
    pub fn new(file: &'a str, text: &'a str, errors: &'a mut Vec<DataError>) -> Self {
        let line_breaks = text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect();
        FileReader { file, errors, line_breaks }
    }

    /// 1-based line of a byte offset in this file (the same as [`line_of`]).
    pub fn line(&self, offset: usize) -> usize {
        self.line_breaks.partition_point(|&b| b < offset) + 1
    }

    pub fn error(&mut self, span: Option<Range<usize>>, path: &str, field: &str, message: impl Into<String>) {
        self.errors.push(DataError {
            file: self.file.to_string(),
            line: span.map(|s| self.line(s.start)),
            path: path.to_string(),
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// The span of a field's value, or of the entry when the field is absent.
    pub fn span_of(&self, e: &Entry, key: &str) -> Option<Range<usize>> {
        e.table
            .get(key)
            .and_then(|i| i.span())
            .or_else(|| e.table.key(key).and_then(|k| k.span()))
            .or_else(|| e.span.clone())
    }

    /// Reports keys the format does not know, which are almost always typos (`unit_prce`).
    pub fn unknown_keys(&mut self, e: &Entry, known: &[&str]) {
        for (k, _) in e.table.iter() {
            if !known.contains(&k) {
                let span = self.span_of(e, k);
                self.error(span, &e.path, k, format!("unknown field (known: {})", known.join(", ")));
            }
        }
    }

    fn value<'t>(&mut self, e: &Entry<'t>, key: &str, required: bool) -> Option<&'t Value> {
        match e.table.get(key) {
            None => {
                if required {
                    let span = e.span.clone();
                    self.error(span, &e.path, key, "missing");
                }
                None
            }
            Some(Item::Value(v)) => Some(v),
            Some(other) => {
                self.error(other.span(), &e.path, key, format!("expected a value, found {}", other.type_name()));
                None
            }
        }
    }

    pub fn string(&mut self, e: &Entry, key: &str, required: bool) -> Option<String> {
        let v = self.value(e, key, required)?;
        match v.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.error(v.span(), &e.path, key, format!("expected a string, found {}", v.type_name()));
                None
            }
        }
    }

    /// A string field defaulting to empty.
    pub fn text(&mut self, e: &Entry, key: &str) -> String {
        self.string(e, key, false).unwrap_or_default()
    }

    pub fn number(&mut self, e: &Entry, key: &str, required: bool) -> Option<f64> {
        let v = self.value(e, key, required)?;
        let n = match v {
            Value::Integer(i) => Some(*i.value() as f64),
            Value::Float(f) => Some(*f.value()),
            _ => None,
        };
        match n {
            Some(x) if x.is_finite() => Some(x),
            Some(_) => {
                self.error(v.span(), &e.path, key, "is not a finite number");
                None
            }
            None => {
                self.error(v.span(), &e.path, key, format!("expected a number, found {}", v.type_name()));
                None
            }
        }
    }

    pub fn integer(&mut self, e: &Entry, key: &str, required: bool) -> Option<i64> {
        let v = self.value(e, key, required)?;
        match v.as_integer() {
            Some(i) => Some(i),
            None => {
                self.error(v.span(), &e.path, key, format!("expected an integer, found {}", v.type_name()));
                None
            }
        }
    }

    pub fn boolean(&mut self, e: &Entry, key: &str) -> bool {
        let Some(v) = self.value(e, key, false) else { return false };
        match v.as_bool() {
            Some(b) => b,
            None => {
                self.error(v.span(), &e.path, key, format!("expected true or false, found {}", v.type_name()));
                false
            }
        }
    }

    /// A date: a TOML local date (`2024-08-27`) or a string of that form. Impossible dates are errors.
    pub fn date(&mut self, e: &Entry, key: &str, required: bool) -> Option<NaiveDate> {
        let v = self.value(e, key, required)?;
        let parsed = match v {
            Value::Datetime(dt) => {
                let dt = dt.value();
                match (dt.date, dt.time) {
                    (Some(d), None) => NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32)
                        .ok_or_else(|| format!("{d} is not a date that exists")),
                    _ => Err(format!("expected a date (YYYY-MM-DD), found `{dt}`")),
                }
            }
            Value::String(s) => parse_date(s.value()),
            other => Err(format!("expected a date, found {}", other.type_name())),
        };
        match parsed {
            Ok(d) => Some(d),
            Err(m) => {
                self.error(v.span(), &e.path, key, m);
                None
            }
        }
    }

    pub fn string_list(&mut self, e: &Entry, key: &str) -> Vec<String> {
        let Some(v) = self.value(e, key, false) else { return Vec::new() };
        let Some(arr) = v.as_array() else {
            self.error(v.span(), &e.path, key, format!("expected a list of strings, found {}", v.type_name()));
            return Vec::new();
        };
        let mut out = Vec::new();
        for x in arr.iter() {
            match x.as_str() {
                Some(s) => out.push(s.to_string()),
                None => self.error(x.span(), &e.path, key, format!("expected a string, found {}", x.type_name())),
            }
        }
        out
    }

    /// A sub-table written inline (`period = { from = … }`) or as a table; `None` when absent.
    pub fn sub_entry<'t>(&mut self, e: &Entry<'t>, key: &str) -> Option<Entry<'t>> {
        let path = format!("{}.{key}", e.path);
        match e.table.get(key)? {
            Item::Value(Value::InlineTable(t)) => Some(Entry { table: t, span: t.span(), path }),
            Item::Table(t) => Some(Entry::new(t, path)),
            other => {
                self.error(other.span(), &e.path, key, format!("expected a table, found {}", other.type_name()));
                None
            }
        }
    }

    /// Reads a distribution from the fields `dist`, `value`, `low`, `mode`, `high`, `mean`, `sd`, `min`, `max`.
    /// `value = 5` is a point, `value = "a to b"` a lognormal 90 % interval.
    pub fn distribution(&mut self, e: &Entry) -> Option<(Distribution, Truncation)> {
        let dist_name = self.string(e, "dist", false);
        let dist = match dist_name.as_deref() {
            None => match e.table.get("value") {
                Some(Item::Value(Value::String(s))) => match Distribution::parse_to(s.value()) {
                    Ok(d) => Some(d),
                    Err(m) => {
                        self.error(s.span(), &e.path, "value", m);
                        return None;
                    }
                },
                Some(_) => self.number(e, "value", true).map(|value| Distribution::Point { value }),
                None => {
                    let span = e.span.clone();
                    self.error(span, &e.path, "dist", "missing: give `dist` with its parameters, or `value`");
                    return None;
                }
            },
            Some("point") => self.number(e, "value", true).map(|value| Distribution::Point { value }),
            Some("uniform") => {
                let (low, high) = (self.number(e, "low", true), self.number(e, "high", true));
                Some(Distribution::Uniform { low: low?, high: high? })
            }
            Some(k @ ("triangular" | "pert")) => {
                let (low, mode, high) =
                    (self.number(e, "low", true), self.number(e, "mode", true), self.number(e, "high", true));
                let (low, mode, high) = (low?, mode?, high?);
                Some(if k == "pert" {
                    Distribution::Pert { low, mode, high }
                } else {
                    Distribution::Triangular { low, mode, high }
                })
            }
            Some("normal") => {
                let (mean, sd) = (self.number(e, "mean", true), self.number(e, "sd", true));
                Some(Distribution::Normal { mean: mean?, sd: sd? })
            }
            Some("lognormal") => {
                let (low, high) = (self.number(e, "low", true), self.number(e, "high", true));
                match Distribution::lognormal_90(low?, high?) {
                    Ok(d) => Some(d),
                    Err(m) => {
                        let span = self.span_of(e, "low");
                        self.error(span, &e.path, "low", m);
                        return None;
                    }
                }
            }
            Some(other) => {
                let span = self.span_of(e, "dist");
                self.error(
                    span,
                    &e.path,
                    "dist",
                    format!(
                        "unknown distribution `{other}` (known: point, uniform, triangular, pert, normal, lognormal)"
                    ),
                );
                return None;
            }
        }?;
        if let Err((field, msg)) = dist.check() {
            let span = self.span_of(e, field);
            self.error(span, &e.path, field, msg);
            return None;
        }
        if let Err((field, msg)) = check_magnitude(&dist) {
            // a lognormal written `value = "a to b"` has no `low`/`high` keys: name the field it was written in
            let field = if e.table.contains_key(field) || !e.table.contains_key("value") { field } else { "value" };
            let span = self.span_of(e, field);
            self.error(span, &e.path, field, msg);
            return None;
        }
        let truncation = Truncation { min: self.number(e, "min", false), max: self.number(e, "max", false) };
        if let (Some(lo), Some(hi)) = (truncation.min, truncation.max) {
            if lo >= hi {
                let span = self.span_of(e, "min");
                self.error(span, &e.path, "min", format!("min {lo} is not below max {hi}"));
                return None;
            }
        }
        if let Err((field, msg)) = check_truncation(&dist, &truncation) {
            let span = self.span_of(e, field);
            self.error(span, &e.path, field, msg);
            return None;
        }
        Some((dist, truncation))
    }
}

/// The largest magnitude an input may have. The model multiplies and adds its inputs (quantity × price, sums over
/// items and years); inputs within ±1e18 keep every product of a few of them, and every sum, far inside the range
/// of a float, so no sample can become infinite. Real inputs (USD, roubles, rounds, tonnes) are far below it.
pub const MAX_MAGNITUDE: f64 = 1e18;

/// The standard-normal quantile of the most extreme draw the samplers can make (a uniform of 2⁻⁵³ from the end).
const Z_EXTREME: f64 = 8.3;

/// The largest value a lognormal's most extreme draw may reach: still finite after being multiplied by other inputs.
const MAX_LOGNORMAL_EXTREME: f64 = 1e30;

/// Rejects parameters that would overflow the model's arithmetic or make a draw non-finite.
pub fn check_magnitude(d: &Distribution) -> Result<(), (&'static str, String)> {
    let big = |name: &'static str, v: f64| {
        if v.abs() > MAX_MAGNITUDE {
            Err((
                name,
                format!(
                    "{name} {v:e} is beyond ±1e18: the model multiplies and adds its inputs, and values this large \
                     overflow its arithmetic (give the figure in a unit that keeps it below 1e18)"
                ),
            ))
        } else {
            Ok(())
        }
    };
    match *d {
        Distribution::Point { value } => big("value", value),
        Distribution::Uniform { low, high } => big("low", low).and(big("high", high)),
        Distribution::Triangular { low, mode, high } | Distribution::Pert { low, mode, high } => {
            big("low", low).and(big("mode", mode)).and(big("high", high))
        }
        Distribution::Normal { mean, sd } => {
            big("mean", mean)?;
            big("sd", sd)?;
            big("mean", mean.abs() + Z_EXTREME * sd).map_err(|(f, _)| {
                (f, format!("mean {mean} ± {Z_EXTREME} sd ({sd}) reaches beyond ±1e18: the extreme draws would overflow the model's arithmetic"))
            })
        }
        Distribution::LogNormal { mu, sigma } => {
            let extreme = (mu + Z_EXTREME * sigma).exp();
            if (mu.exp()) > MAX_MAGNITUDE {
                Err((
                    "high",
                    format!(
                        "the median {:e} is beyond 1e18: values this large overflow the model's arithmetic",
                        mu.exp()
                    ),
                ))
            } else if extreme.is_nan() || extreme > MAX_LOGNORMAL_EXTREME {
                Err((
                    "high",
                    format!(
                        "the interval is so wide that the most extreme draws reach {extreme:e} (beyond 1e30) and \
                         overflow the model's arithmetic: narrow the interval"
                    ),
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// The least share of a distribution's probability that `min`/`max` must keep: the sampler redraws values outside
/// them up to 10,000 times, so below 1 % some draws would never fall inside.
pub const MIN_TRUNCATED_MASS: f64 = 0.01;

/// The probability a distribution puts on [min, max].
pub fn truncated_mass(d: &Distribution, t: &Truncation) -> f64 {
    use statrs::distribution::{Beta, ContinuousCDF, LogNormal, Normal, Triangular};
    let (lo, hi) = (t.min.unwrap_or(f64::NEG_INFINITY), t.max.unwrap_or(f64::INFINITY));
    let point = |v: f64| if (lo..=hi).contains(&v) { 1.0 } else { 0.0 };
    // the cumulative probability of a distribution on [a, b] through its standardised CDF
    let on = |a: f64, b: f64, cdf: &dyn Fn(f64) -> f64| {
        if b <= a {
            return point(a);
        }
        let f = |x: f64| cdf(((x - a) / (b - a)).clamp(0.0, 1.0));
        f(hi) - f(lo)
    };
    match *d {
        Distribution::Point { value } => point(value),
        Distribution::Uniform { low, high } => on(low, high, &|u| u),
        Distribution::Triangular { low, mode, high } => {
            let c = if high > low { (mode - low) / (high - low) } else { 0.5 };
            match Triangular::new(0.0, 1.0, c) {
                Ok(tri) => on(low, high, &|u| tri.cdf(u)),
                Err(_) => 1.0,
            }
        }
        Distribution::Pert { low, mode, high } => {
            let c = if high > low { (mode - low) / (high - low) } else { 0.5 };
            match Beta::new(1.0 + 4.0 * c, 1.0 + 4.0 * (1.0 - c)) {
                Ok(b) => on(low, high, &|u| b.cdf(u)),
                Err(_) => 1.0,
            }
        }
        Distribution::Normal { mean, sd } => {
            if sd <= 0.0 {
                return point(mean);
            }
            match Normal::new(mean, sd) {
                Ok(n) => n.cdf(hi) - n.cdf(lo),
                Err(_) => 1.0,
            }
        }
        Distribution::LogNormal { mu, sigma } => match LogNormal::new(mu, sigma) {
            Ok(l) => l.cdf(hi.max(0.0)) - l.cdf(lo.max(0.0)),
            Err(_) => 1.0,
        },
    }
}

/// Rejects `min`/`max` that leave (almost) no probability, which would fail only later, at sampling.
pub fn check_truncation(d: &Distribution, t: &Truncation) -> Result<(), (&'static str, String)> {
    if t.is_none() {
        return Ok(());
    }
    let mass = truncated_mass(d, t);
    if mass >= MIN_TRUNCATED_MASS {
        return Ok(());
    }
    let field = if t.min.is_some() { "min" } else { "max" };
    let bounds = match (t.min, t.max) {
        (Some(a), Some(b)) => format!("min {a} and max {b} leave"),
        (Some(a), None) => format!("min {a} leaves"),
        (None, Some(b)) => format!("max {b} leaves"),
        (None, None) => unreachable!("checked above"),
    };
    let what = if mass <= 0.0 {
        "none of its probability".to_string()
    } else {
        format!("only {:.2}% of its probability", mass * 100.0)
    };
    Err((
        field,
        format!(
            "{bounds} {what} to {d}: almost every draw would be rejected (keep at least 1 %; widen the \
             bounds or change the distribution)"
        ),
    ))
}

/// Reads a file only if it is a regular file: a FIFO would block the read forever, and a device or socket is no
/// dataset file. Symbolic links are followed to what they point at.
pub fn read_regular_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    // open without blocking (a FIFO with no writer would block `open` itself), then look at what was opened
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let mut f = opts.open(path)?;
    let kind = f.metadata()?.file_type();
    if !kind.is_file() {
        let what = if kind.is_dir() { "a folder" } else { "not a regular file (a FIFO, device or socket)" };
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{what}: a dataset file must be a regular file"),
        ));
    }
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Parses `YYYY-MM-DD`, rejecting dates that do not exist.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| format!("`{s}` is not a valid date (YYYY-MM-DD)"))
}

/// Lower-case words joined by `-` or `_`, starting with a letter.
pub fn valid_id(s: &str, allow_hyphen: bool) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || (allow_hyphen && c == '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_line_numbers_equal_a_scan_from_the_start() {
        let text = "a = 1\n\nb = 2\r\nc = [\n  1,\n]\nlast";
        let mut errors = Vec::new();
        let r = FileReader::new("x.toml", text, &mut errors);
        for offset in 0..=text.len() + 3 {
            assert_eq!(r.line(offset), line_of(text, offset), "offset {offset}");
        }
        assert_eq!(r.line(0), 1);
        assert_eq!(r.line(text.find('b').unwrap()), 3);
        assert_eq!(r.line(text.find("last").unwrap()), 7);
        assert_eq!(r.line(text.len() + 3), 7, "past the end: the last line");
    }

    #[test]
    fn a_file_without_line_breaks_is_one_line() {
        let mut errors = Vec::new();
        let r = FileReader::new("x.toml", "", &mut errors);
        assert_eq!(r.line(0), 1);
        let mut errors = Vec::new();
        let r = FileReader::new("x.toml", "a = 1", &mut errors);
        assert_eq!(r.line(4), 1);
    }
}
