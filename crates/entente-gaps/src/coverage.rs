//! Which authority each loaded list speaks for, and how far it can be trusted to say "not listed": its date
//! (stated in the file, or only in its file name), whether it is a full list, a sample or a derived copy, and
//! whether it gives designation dates at all.

use chrono::NaiveDate;
use entente_screen::lists::{parse_publication_date, ParsedList};
use serde::Serialize;

/// The authorities of the matrix, in column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Authority {
    #[serde(rename = "UN")]
    Un,
    #[serde(rename = "EU")]
    Eu,
    /// OFAC's Specially Designated Nationals list.
    #[serde(rename = "OFAC-SDN")]
    OfacSdn,
    /// OFAC's consolidated non-SDN lists (SSI, menu-based, NS-MBS …).
    #[serde(rename = "OFAC-non-SDN")]
    OfacCons,
    #[serde(rename = "UK")]
    Uk,
}

impl Authority {
    pub const ALL: [Authority; 5] =
        [Authority::Un, Authority::Eu, Authority::OfacSdn, Authority::OfacCons, Authority::Uk];

    pub fn label(self) -> &'static str {
        match self {
            Authority::Un => "UN",
            Authority::Eu => "EU",
            Authority::OfacSdn => "OFAC SDN",
            Authority::OfacCons => "OFAC non-SDN",
            Authority::Uk => "UK",
        }
    }

    /// The authority a reported designation (`actors.toml`, `authority = "OFAC"`) belongs to.
    pub fn from_reported(s: &str) -> Option<Authority> {
        Some(match s {
            "UN" => Authority::Un,
            "EU" => Authority::Eu,
            "OFAC" => Authority::OfacSdn,
            "UK" => Authority::Uk,
            _ => return None,
        })
    }

    /// The US or the UK (the "listed by the US or UK but not the EU").
    pub fn is_us_or_uk(self) -> bool {
        matches!(self, Authority::OfacSdn | Authority::OfacCons | Authority::Uk)
    }
}

/// The authority a parsed list speaks for, or `None` for reference data (OpenSanctions samples) that only feed
/// the ownership graph.
pub fn authority_of(l: &ParsedList) -> Option<Authority> {
    let list = l.list.to_ascii_lowercase();
    let auth = l.authority.to_ascii_lowercase();
    if list == "un" {
        return Some(Authority::Un);
    }
    if list == "eu" || (list == "ftm" && is_eu_derived(l)) {
        return Some(Authority::Eu);
    }
    if list.starts_with("ofac-sdn") {
        return Some(Authority::OfacSdn);
    }
    if list.starts_with("ofac") {
        return Some(Authority::OfacCons);
    }
    if list.starts_with("uk") || auth.starts_with("uk") {
        return Some(Authority::Uk);
    }
    None
}

/// An FtM file that is a copy of the EU financial sanctions list (entities of the `eu_fsf` dataset only).
fn is_eu_derived(l: &ParsedList) -> bool {
    !l.entities.is_empty() && l.entities.iter().all(|e| e.notes.iter().any(|n| n == "datasets: eu_fsf"))
}

/// How complete a list file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Completeness {
    /// As many entries as the authority's list has (judged by count, see [`judge`]).
    Full,
    /// An extract: "not found" in it says nothing.
    Sample,
    /// A near-full copy converted by a third party (no regimes, dates or vessels).
    Derived,
}

/// Where a list's date comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateBasis {
    /// The generation or publication date written inside the file.
    InFile,
    /// Only the file or folder name carries a date (OFAC legacy CSV has none inside).
    FileName,
    Unknown,
}

/// One loaded list file as evidence of (non-)designation.
#[derive(Debug, Clone, Serialize)]
pub struct ListCoverage {
    /// `None` for reference data (OpenSanctions extracts) that only feed ownership and control.
    pub authority: Option<Authority>,
    pub source: String,
    pub format: String,
    pub entities: usize,
    pub date: Option<NaiveDate>,
    pub date_basis: DateBasis,
    pub completeness: Completeness,
    /// Share of its entities with a designation (listing) date.
    pub dated_share: f64,
    /// Loader warnings (missing companion files, orphan rows).
    pub warnings: Vec<String>,
}

/// Entity counts below which a list file is taken for a sample of the authority's list. The official lists
/// had (2021–2026) roughly: UN 1,000; EU 5,000–6,000; OFAC SDN 9,000–17,000; OFAC non-SDN 400–650; UK
/// 4,000–5,300 designations. A file with under a third of that is not a list one may say "not found" against.
pub fn sample_threshold(a: Authority) -> usize {
    match a {
        Authority::Un => 300,
        Authority::Eu => 1500,
        Authority::OfacSdn => 3000,
        Authority::OfacCons => 150,
        Authority::Uk => 1300,
    }
}

/// Judges one list file.
pub fn judge(l: &ParsedList, a: Option<Authority>) -> ListCoverage {
    let (date, date_basis) = match l.published() {
        Some(d) => (Some(d), DateBasis::InFile),
        None => match date_in_path(&l.source) {
            Some(d) => (Some(d), DateBasis::FileName),
            None => (None, DateBasis::Unknown),
        },
    };
    let completeness = if a.is_none_or(|a| l.entities.len() < sample_threshold(a)) {
        Completeness::Sample
    } else if l.format.starts_with("ftm") {
        Completeness::Derived
    } else {
        Completeness::Full
    };
    let dated = l.entities.iter().filter(|e| listing_date(e, &l.format).is_some()).count();
    ListCoverage {
        authority: a,
        source: l.source.clone(),
        format: l.format.clone(),
        entities: l.entities.len(),
        date,
        date_basis,
        completeness,
        dated_share: if l.entities.is_empty() { 0.0 } else { dated as f64 / l.entities.len() as f64 },
        warnings: l.warnings.clone(),
    }
}

/// An entity's designation date as the list states it.
pub fn listing_date(e: &entente_screen::model::Entity, format: &str) -> Option<NaiveDate> {
    parse_publication_date(e.listing_date.as_deref()?, format)
}

/// The latest `YYYY-MM-DD` or `YYYY-MM` found in a path's components (`sdn_csv_2023-01_resaved` → 2023-01-01),
/// else the latest bare year (`cons_csv_2025` → 2025-01-01).
pub fn date_in_path(p: &str) -> Option<NaiveDate> {
    let b = p.as_bytes();
    let mut best: Option<NaiveDate> = None;
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut i = 0;
    while i + 7 <= b.len() {
        let starts = (i == 0 || !b[i - 1].is_ascii_digit()) && (0..4).all(|k| digit(i + k)) && b[i + 4] == b'-';
        if starts && digit(i + 5) && digit(i + 6) {
            let y: i32 = p[i..i + 4].parse().unwrap_or(0);
            let m: u32 = p[i + 5..i + 7].parse().unwrap_or(0);
            let d: u32 = if b.get(i + 7) == Some(&b'-') && digit(i + 8) && digit(i + 9) && !digit(i + 10) {
                p[i + 8..i + 10].parse().unwrap_or(0)
            } else {
                1
            };
            if let Some(date) = NaiveDate::from_ymd_opt(y, m, d).filter(|_| (1990..=2100).contains(&y)) {
                best = best.max(Some(date));
            }
        }
        i += 1;
    }
    if best.is_none() {
        // A bare year (`cons_csv_2025`): taken as 1 January, which understates the list's date, never overstates.
        for w in p.split(|c: char| !c.is_ascii_digit()) {
            if let Ok(y) = w.parse::<i32>() {
                if w.len() == 4 && (1990..=2100).contains(&y) {
                    best = best.max(NaiveDate::from_ymd_opt(y, 1, 1));
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_paths() {
        let d = |s: &str| date_in_path(s).map(|d| d.to_string());
        assert_eq!(d("ofac/sdn_csv_2023-01_resaved/sdn.csv").as_deref(), Some("2023-01-01"));
        assert_eq!(d("uk/fcdo_summary_2025-08-11/FCDO_SL_2025-08-11.ods").as_deref(), Some("2025-08-11"));
        assert_eq!(d("ofac/cons_csv_2025/cons_prim.csv").as_deref(), Some("2025-01-01"), "a bare year: 1 January");
        assert_eq!(d("ofac/sdn_csv_full/sdn.csv"), None);
        assert_eq!(d("x/12023-01/y"), None);
    }
}
