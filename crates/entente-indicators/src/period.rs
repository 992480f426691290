//! Calendar periods: months, and closed date ranges written the way analysts write them (`2023`, `2024H1`,
//! `2024Q3`, `2024-03`, `2016-01..2016-08`, `2023-01-01..2023-11-16`).

use crate::InputError;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::fmt;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn of(d: NaiveDate) -> Month {
        Month { year: d.year(), month: d.month() }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("month is 1..=12")
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("dates in range")
    }

    pub fn days(self) -> u32 {
        self.last_day().day()
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month { year: self.year + 1, month: 1 }
        } else {
            Month { year: self.year, month: self.month + 1 }
        }
    }

    pub fn quarter(self) -> u32 {
        (self.month - 1) / 3 + 1
    }

    /// Every month from `a` to `b` inclusive (empty when `b < a`).
    pub fn range(a: Month, b: Month) -> Vec<Month> {
        let mut out = Vec::new();
        let mut m = a;
        while m <= b {
            out.push(m);
            m = m.next();
        }
        out
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Calendar months from `from` to `to`, both inclusive, counting a partial month as the fraction of its days
/// covered: all of 2023 is 12, H1 2024 is 6, 2023-01-01..2023-11-16 is 10 + 16/30.
pub fn months_between(from: NaiveDate, to: NaiveDate) -> f64 {
    if to < from {
        return 0.0;
    }
    let (a, b) = (Month::of(from), Month::of(to));
    if a == b {
        return (to.day() - from.day() + 1) as f64 / a.days() as f64;
    }
    let first = (a.days() - from.day() + 1) as f64 / a.days() as f64;
    let last = to.day() as f64 / b.days() as f64;
    let whole = Month::range(a.next(), b).len().saturating_sub(1) as f64;
    first + whole + last
}

/// A closed range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, InputError> {
        if to < from {
            return Err(InputError(format!("period ends ({to}) before it starts ({from})")));
        }
        Ok(Period { from, to })
    }

    pub fn year(y: i32) -> Period {
        Period { from: ymd(y, 1, 1), to: ymd(y, 12, 31) }
    }

    /// Length in calendar months (fractional for partial months).
    pub fn months(&self) -> f64 {
        months_between(self.from, self.to)
    }

    /// The factor that turns a value over this period into a value per year at the same pace: 12 / months.
    pub fn annualisation(&self) -> f64 {
        12.0 / self.months()
    }

    /// True when the period is one whole calendar year.
    pub fn is_full_year(&self) -> bool {
        self.from.year() == self.to.year() && self.from.ordinal() == 1 && self.to == ymd(self.to.year(), 12, 31)
    }

    pub fn contains(&self, other: &Period) -> bool {
        self.from <= other.from && other.to <= self.to
    }

    /// Parses `2023`, `2024H1`/`2024-H2`, `2024Q3`/`2024-Q3`, `2024-03`, `2024-03-15` (one day) and ranges
    /// `A..B` whose ends are dates or months (`2016-01..2016-08`).
    pub fn parse(s: &str) -> Result<Period, InputError> {
        let s = s.trim();
        let bad = || {
            InputError(format!(
                "`{s}` is not a period (examples: 2023, 2024H1, 2024Q3, 2024-03, 2016-01..2016-08, 2023-01-01..2023-11-16)"
            ))
        };
        if let Some((a, b)) = s.split_once("..") {
            let from = parse_end(a.trim(), false).ok_or_else(bad)?;
            let to = parse_end(b.trim(), true).ok_or_else(bad)?;
            return Period::new(from, to);
        }
        let up = s.to_ascii_uppercase();
        if let Some(i) = up.find(['H', 'Q']) {
            let y: i32 = up[..i].trim_end_matches('-').parse().map_err(|_| bad())?;
            let n: u32 = up[i + 1..].parse().map_err(|_| bad())?;
            let (first, len) = match (&up[i..i + 1], n) {
                ("H", 1..=2) => ((n - 1) * 6 + 1, 6),
                ("Q", 1..=4) => ((n - 1) * 3 + 1, 3),
                _ => return Err(bad()),
            };
            check_year(y).ok_or_else(bad)?;
            let from = ymd(y, first, 1);
            let to = Month { year: y, month: first + len - 1 }.last_day();
            return Ok(Period { from, to });
        }
        if s.len() == 4 {
            let y: i32 = s.parse().map_err(|_| bad())?;
            check_year(y).ok_or_else(bad)?;
            return Ok(Period::year(y));
        }
        let from = parse_end(s, false).ok_or_else(bad)?;
        let to = parse_end(s, true).ok_or_else(bad)?;
        Period::new(from, to)
    }

    /// The compact name this module parses back: `2023`, `2024H1`, `2024Q3`, `2024-03`, `2016-01..2016-08`, or
    /// `2023-01-01..2023-11-16`.
    pub fn label(&self) -> String {
        let (a, b) = (Month::of(self.from), Month::of(self.to));
        let whole = self.from.day() == 1 && self.to == b.last_day();
        if !whole {
            return if self.from == self.to { self.from.to_string() } else { format!("{}..{}", self.from, self.to) };
        }
        if self.is_full_year() {
            return format!("{}", a.year);
        }
        if a.year == b.year {
            let n = b.month - a.month + 1;
            if n == 6 && (a.month == 1 || a.month == 7) {
                return format!("{}H{}", a.year, a.month / 6 + 1);
            }
            if n == 3 && a.month % 3 == 1 {
                return format!("{}Q{}", a.year, a.quarter());
            }
        }
        if a == b {
            format!("{a}")
        } else {
            format!("{a}..{b}")
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid calendar date")
}

fn check_year(y: i32) -> Option<()> {
    (1900..=2200).contains(&y).then_some(())
}

/// A date (`2024-03-15`), a month (`2024-03`: its first or last day) or a year (`2024`).
fn parse_end(s: &str, end: bool) -> Option<NaiveDate> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    let parts: Vec<&str> = s.split('-').collect();
    match parts.as_slice() {
        [y] if y.len() == 4 => {
            let y: i32 = y.parse().ok()?;
            check_year(y)?;
            Some(if end { ymd(y, 12, 31) } else { ymd(y, 1, 1) })
        }
        [y, m] if y.len() == 4 => {
            let y: i32 = y.parse().ok()?;
            let m: u32 = m.parse().ok()?;
            check_year(y)?;
            if !(1..=12).contains(&m) {
                return None;
            }
            let month = Month { year: y, month: m };
            Some(if end { month.last_day() } else { month.first_day() })
        }
        _ => None,
    }
}

/// A day, written `2024-03-15`, or a month `2024-03` meaning its first day.
pub fn parse_start_date(s: &str) -> Result<NaiveDate, InputError> {
    parse_end(s.trim(), false).ok_or_else(|| InputError(format!("`{s}` is not a date (YYYY-MM-DD or YYYY-MM)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    #[test]
    fn parses_and_labels_round_trip() {
        for s in ["2023", "2024H1", "2024H2", "2024Q3", "2024-03", "2016-01..2016-08", "2023-01-01..2023-11-16"] {
            assert_eq!(p(s).label(), s);
        }
        assert_eq!(p("2024-h1"), p("2024H1"));
        assert_eq!(p("2024-Q1").to, ymd(2024, 3, 31));
        assert_eq!(p("2024H1"), Period { from: ymd(2024, 1, 1), to: ymd(2024, 6, 30) });
    }

    #[test]
    fn rejects_bad_periods() {
        assert!(Period::parse("2024H3").is_err());
        assert!(Period::parse("2024Q0").is_err());
        assert!(Period::parse("twenty").is_err());
        assert!(Period::parse("2024-13").is_err());
        let e = Period::parse("2024-06-30..2024-01-01").unwrap_err();
        assert!(e.0.contains("ends (2024-01-01) before it starts (2024-06-30)"), "{e}");
    }

    #[test]
    fn months_and_annualisation() {
        assert_eq!(p("2023").months(), 12.0);
        assert_eq!(p("2024H1").months(), 6.0);
        assert_eq!(p("2024H1").annualisation(), 2.0);
        assert_eq!(p("2016-01..2016-08").months(), 8.0);
        let ytd = p("2023-01-01..2023-11-16").months();
        assert!((ytd - (10.0 + 16.0 / 30.0)).abs() < 1e-12, "{ytd}");
        assert!((months_between(ymd(2024, 2, 15), ymd(2024, 2, 15)) - 1.0 / 29.0).abs() < 1e-12);
        assert!((months_between(ymd(2023, 7, 1), ymd(2025, 11, 30)) - 29.0).abs() < 1e-12);
    }
}
