//! The internal entity model, shaped after FollowTheMoney (FtM).
//!
//! Every list format is mapped onto [`Entity`] so the matcher, the index and
//! `lists diff` only ever see one shape. The field set is the subset of FtM's
//! `Thing`/`LegalEntity`/`Person`/`Vessel`/`Sanction` properties that matter
//! for screening; anything else from the source is kept in `notes` so an
//! analyst can still read it in `--format json` output.

use serde::Serialize;
use std::fmt;

/// FtM schema of a listed party. Only matchable schemata are modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
pub enum Schema {
    Person,
    Organization,
    Company,
    Vessel,
    Airplane,
    /// A party whose type the list does not state (FtM `LegalEntity`).
    LegalEntity,
}

impl Schema {
    /// Parses FtM schema names and the type words used by the official lists.
    pub fn parse(s: &str) -> Option<Schema> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "person" | "individual" | "p" => Schema::Person,
            "organization" | "organisation" | "entity" | "enterprise" | "e" => Schema::Organization,
            "company" => Schema::Company,
            "vessel" | "ship" => Schema::Vessel,
            "airplane" | "aircraft" => Schema::Airplane,
            "legalentity" | "legal entity" => Schema::LegalEntity,
            _ => return None,
        })
    }

    /// True for schemata whose names are names of people.
    pub fn is_person(self) -> bool {
        self == Schema::Person
    }

    /// True for "objects" (vessels, aircraft) whose names are compared strictly.
    pub fn is_object(self) -> bool {
        matches!(self, Schema::Vessel | Schema::Airplane)
    }

    /// True for organisations of any kind.
    pub fn is_org(self) -> bool {
        matches!(self, Schema::Organization | Schema::Company | Schema::LegalEntity)
    }

    /// Whether a query of schema `self` may be compared with an entity of `other`.
    /// `LegalEntity` is compatible with persons and organisations (FtM inheritance).
    pub fn compatible(self, other: Schema) -> bool {
        if self == other {
            return true;
        }
        match (self, other) {
            (Schema::LegalEntity, o) | (o, Schema::LegalEntity) => !o.is_object(),
            (a, b) => a.is_org() && b.is_org(),
        }
    }
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Schema::Person => "Person",
            Schema::Organization => "Organization",
            Schema::Company => "Company",
            Schema::Vessel => "Vessel",
            Schema::Airplane => "Airplane",
            Schema::LegalEntity => "LegalEntity",
        };
        f.write_str(s)
    }
}

/// How strongly a list vouches for a name.
///
/// OFAC, UN and UK publish "weak"/"low quality" aliases that they themselves do
/// not expect to be screened on (OFAC FAQ); they are kept for display and for
/// corroborated hits but never produce a name-only hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
pub enum NameStrength {
    Primary,
    Alias,
    Previous,
    Weak,
}

/// One name of a listed party.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Name {
    pub value: String,
    pub strength: NameStrength,
    /// Language or script hint from the list (`EN`, `RU`, "original script"...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// A date of birth / incorporation as precise as the list gives it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum DateSpec {
    /// Year, optional month, optional day.
    Date { year: i32, month: Option<u32>, day: Option<u32> },
    /// An inclusive year range ("between 1953 and 1958", "circa 1970" → ±1).
    Range { from: i32, to: i32 },
}

impl DateSpec {
    /// Parses the date spellings used by the lists: ISO (`1965-04-14`,
    /// `1965-04`, `1965`), UK `dd/mm/yyyy` (with `dd`/`mm` placeholders) and
    /// OFAC `28 Jul 1963` / `Jul 1963` / `circa 1970` / `1961 to 1963`.
    pub fn parse(s: &str) -> Option<DateSpec> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        let lower = s.to_ascii_lowercase();
        if let Some(rest) = lower
            .strip_prefix("circa ")
            .or_else(|| lower.strip_prefix("approximately "))
            .or_else(|| lower.strip_prefix("c. "))
        {
            return match DateSpec::parse(rest)? {
                DateSpec::Date { year, .. } => Some(DateSpec::Range { from: year - 1, to: year + 1 }),
                r => Some(r),
            };
        }
        for sep in [" to ", " - ", "-"] {
            if let Some((a, b)) = lower.split_once(sep) {
                let (a, b) = (a.trim(), b.trim());
                if a.len() == 4 && b.len() == 4 {
                    if let (Ok(f), Ok(t)) = (a.parse::<i32>(), b.parse::<i32>()) {
                        if valid_year(f) && valid_year(t) && f <= t {
                            return Some(DateSpec::Range { from: f, to: t });
                        }
                    }
                }
            }
        }
        // ISO 8601 prefix.
        let iso: Vec<&str> = lower.split('-').collect();
        if iso.len() <= 3 && iso[0].len() == 4 && iso.iter().all(|p| p.len() <= 4) {
            if let Ok(year) = iso[0].parse::<i32>() {
                if valid_year(year) {
                    let month = iso.get(1).and_then(|m| m.parse::<u32>().ok());
                    let day = iso.get(2).and_then(|d| d.get(..2).unwrap_or(d).parse::<u32>().ok());
                    return Some(DateSpec::Date {
                        year,
                        month: month.filter(|m| (1..=12).contains(m)),
                        day: day.filter(|d| (1..=31).contains(d)),
                    });
                }
            }
        }
        // dd/mm/yyyy with placeholders.
        let parts: Vec<&str> = lower.split('/').collect();
        if parts.len() == 3 {
            let year = parts[2].trim().parse::<i32>().ok().filter(|y| valid_year(*y))?;
            let month = parts[1].trim().parse::<u32>().ok().filter(|m| (1..=12).contains(m));
            let day = parts[0].trim().parse::<u32>().ok().filter(|d| (1..=31).contains(d));
            return Some(DateSpec::Date { year, month, day });
        }
        // "28 Jul 1963", "Jul 1963", "1963".
        let words: Vec<&str> = lower.split_whitespace().collect();
        let (day, month, year) = match words.as_slice() {
            [y] => (None, None, *y),
            [m, y] => (None, month_number(m), *y),
            [d, m, y] => (d.parse::<u32>().ok(), month_number(m), *y),
            _ => return None,
        };
        let year = year.parse::<i32>().ok().filter(|y| valid_year(*y))?;
        Some(DateSpec::Date { year, month, day: day.filter(|d| (1..=31).contains(d)) })
    }

    /// Inclusive year range covered by this date.
    pub fn years(&self) -> (i32, i32) {
        match self {
            DateSpec::Date { year, .. } => (*year, *year),
            DateSpec::Range { from, to } => (*from, *to),
        }
    }

    /// True when two dates agree as far as both are precise (a year agrees
    /// with any full date in that year; ranges agree when they overlap).
    pub fn agrees(&self, other: &DateSpec) -> bool {
        match (self, other) {
            (DateSpec::Date { year: y1, month: m1, day: d1 }, DateSpec::Date { year: y2, month: m2, day: d2 }) => {
                y1 == y2
                    && (m1.is_none() || m2.is_none() || m1 == m2)
                    && (d1.is_none() || d2.is_none() || m1.is_none() || m2.is_none() || d1 == d2)
            }
            (a, b) => {
                let (a0, a1) = a.years();
                let (b0, b1) = b.years();
                a0 <= b1 && b0 <= a1
            }
        }
    }
}

impl fmt::Display for DateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateSpec::Date { year, month, day } => match (month, day) {
                (Some(m), Some(d)) => write!(f, "{year:04}-{m:02}-{d:02}"),
                (Some(m), None) => write!(f, "{year:04}-{m:02}"),
                _ => write!(f, "{year:04}"),
            },
            DateSpec::Range { from, to } => write!(f, "{from}..{to}"),
        }
    }
}

fn valid_year(y: i32) -> bool {
    (1800..=2100).contains(&y)
}

fn month_number(m: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let m = m.get(..3)?;
    MONTHS.iter().position(|x| *x == m).map(|i| i as u32 + 1)
}

/// Kinds of identifier the matcher treats as strong evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
pub enum IdKind {
    Imo,
    Mmsi,
    /// Russian taxpayer number.
    Inn,
    /// Russian primary state registration number.
    Ogrn,
    Bic,
    Lei,
    Passport,
    NationalId,
    Registration,
    TaxId,
    CryptoWallet,
    CallSign,
    Email,
    Other,
    /// Russian bank identification code (BIK), a clearing-system member id
    /// (ISO 20022 `ClrSysMmbId` with system `RUCBC`).
    Bik,
}

impl IdKind {
    /// Whether a match on this identifier alone is near-certain evidence.
    pub fn is_strong(self) -> bool {
        matches!(
            self,
            IdKind::Imo
                | IdKind::Mmsi
                | IdKind::Inn
                | IdKind::Ogrn
                | IdKind::Bic
                | IdKind::Lei
                | IdKind::CryptoWallet
                | IdKind::Bik
        )
    }

    /// Parses a user-facing identifier kind (CLI / CSV column names).
    pub fn parse(s: &str) -> Option<IdKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "imo" | "imonumber" => IdKind::Imo,
            "mmsi" => IdKind::Mmsi,
            "inn" | "inncode" => IdKind::Inn,
            "ogrn" | "ogrncode" => IdKind::Ogrn,
            "bic" | "swift" | "swiftbic" | "bicfi" => IdKind::Bic,
            "lei" | "leicode" => IdKind::Lei,
            "passport" | "passportnumber" => IdKind::Passport,
            "nationalid" | "national_id" | "idnumber" => IdKind::NationalId,
            "registration" | "registrationnumber" => IdKind::Registration,
            "tax" | "taxid" | "taxnumber" => IdKind::TaxId,
            "crypto" | "wallet" => IdKind::CryptoWallet,
            "callsign" => IdKind::CallSign,
            "email" => IdKind::Email,
            "bik" => IdKind::Bik,
            _ => return None,
        })
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            IdKind::Imo => "IMO",
            IdKind::Mmsi => "MMSI",
            IdKind::Inn => "INN",
            IdKind::Ogrn => "OGRN",
            IdKind::Bic => "BIC",
            IdKind::Lei => "LEI",
            IdKind::Passport => "passport",
            IdKind::NationalId => "national ID",
            IdKind::Registration => "registration",
            IdKind::TaxId => "tax ID",
            IdKind::CryptoWallet => "crypto wallet",
            IdKind::CallSign => "call sign",
            IdKind::Email => "email",
            IdKind::Other => "identifier",
            IdKind::Bik => "BIK",
        };
        f.write_str(s)
    }
}

/// An identifier as published, plus the normalised form used for lookups.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Identifier {
    pub kind: IdKind,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl Identifier {
    pub fn new(kind: IdKind, value: &str, country: Option<&str>) -> Identifier {
        Identifier {
            kind,
            value: value.trim().to_string(),
            country: country.map(|c| c.trim().to_string()).filter(|c| !c.is_empty()),
        }
    }

    /// Canonical form: upper-case alphanumerics only, `IMO` prefix removed;
    /// BICs are compared on their first 8 characters (institution + country +
    /// location) because branch codes (`XXX`) vary between messages and lists.
    pub fn key(&self) -> String {
        normalize_id(self.kind, &self.value)
    }
}

/// See [`Identifier::key`].
pub fn normalize_id(kind: IdKind, value: &str) -> String {
    let mut s: String = value.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    if kind == IdKind::Imo {
        if let Some(rest) = s.strip_prefix("IMO") {
            s = rest.to_string();
        }
    }
    if kind == IdKind::Bic && s.len() == 11 {
        s.truncate(8);
    }
    // Wallet addresses are compared upper-cased too: Ethereum hex is
    // case-insensitive and base58 collisions after folding are negligible.
    s
}

/// Why a matched party is caught without being listed itself: its owners or directors are listed, under one
/// authority's rule (filled by the application layer from the loaded ownership records; see `entente-gaps`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnershipFlag {
    /// `UN`, `EU`, `OFAC SDN`, `UK`.
    pub authority: String,
    /// `OFAC 50% rule (aggregate)`, `majority ownership (>50%)`, `control indicator (directed by a listed person)`.
    pub rule: String,
    /// `caught` (the rule is met on the stated shares) or `possible` (only shares of unknown size could meet it).
    pub verdict: String,
    /// Sum of the stated shares held by listed or caught owners (per cent).
    pub known_percentage: f64,
    /// Listed or caught owners whose share is not stated.
    pub unknown_shares: Vec<String>,
    /// `owner —25%→ party` steps from listed parties down to the matched one.
    pub path: Vec<String>,
}

/// A relation to another party as stated by the list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Link {
    /// `owned by`, `owner of`, `parent`, `subsidiary`, `linked to`, `director`...
    pub relation: String,
    /// Entity id when the list references one, otherwise the other party's name.
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percentage: Option<String>,
}

/// A listed party.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    /// Stable id: `<list>:<source id>`, e.g. `un:6908555`, `ofac-sdn:47371`.
    pub id: String,
    pub schema: Schema,
    /// Identifier of the list this entity came from (`un`, `eu`, `uk`, `ofac-sdn`...).
    pub list: String,
    /// Listing authority (`UN Security Council`, `OFAC`, `EU`, `UK FCDO`...).
    pub authority: String,
    pub names: Vec<Name>,
    pub birth_dates: Vec<DateSpec>,
    /// Nationalities / citizenships / registration countries, ISO-3166 alpha-2
    /// lower-case where the list gives a code, otherwise the country name.
    pub countries: Vec<String>,
    pub identifiers: Vec<Identifier>,
    pub programs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listing_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// FtM topics (`sanction`, `sanction.linked`, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Entity {
    pub fn new(id: String, schema: Schema, list: &str, authority: &str) -> Entity {
        Entity {
            id,
            schema,
            list: list.to_string(),
            authority: authority.to_string(),
            names: Vec::new(),
            birth_dates: Vec::new(),
            countries: Vec::new(),
            identifiers: Vec::new(),
            programs: Vec::new(),
            listing_date: None,
            gender: None,
            addresses: Vec::new(),
            links: Vec::new(),
            topics: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds a name unless it is empty or already present (the strongest wins).
    pub fn add_name(&mut self, value: &str, strength: NameStrength, lang: Option<&str>) {
        let value = collapse_ws(value);
        if value.is_empty() {
            return;
        }
        if let Some(existing) = self.names.iter_mut().find(|n| n.value == value) {
            if strength < existing.strength {
                existing.strength = strength;
            }
            return;
        }
        self.names.push(Name { value, strength, lang: lang.map(str::to_string).filter(|l| !l.is_empty()) });
    }

    /// Adds an identifier unless empty or duplicate.
    pub fn add_id(&mut self, kind: IdKind, value: &str, country: Option<&str>) {
        let id = Identifier::new(kind, value, country);
        if id.key().is_empty() || self.identifiers.iter().any(|i| i.kind == kind && i.key() == id.key()) {
            return;
        }
        self.identifiers.push(id);
    }

    /// Adds a country / nationality, normalised to ISO alpha-2 where known.
    pub fn add_country(&mut self, c: &str) {
        let c = c.trim();
        if c.is_empty() || c == "-" || c.eq_ignore_ascii_case("unknown") || c == "00" {
            return;
        }
        let code = crate::countries::to_code(c);
        if !self.countries.contains(&code) {
            self.countries.push(code);
        }
    }

    pub fn add_program(&mut self, p: &str) {
        let p = p.trim();
        if !p.is_empty() && !self.programs.iter().any(|x| x == p) {
            self.programs.push(p.to_string());
        }
    }

    pub fn add_birth_date(&mut self, s: &str) {
        if let Some(d) = DateSpec::parse(s) {
            if !self.birth_dates.contains(&d) {
                self.birth_dates.push(d);
            }
        }
    }

    /// The name shown in reports: the first primary name, else the first name.
    pub fn caption(&self) -> &str {
        self.names
            .iter()
            .find(|n| n.strength == NameStrength::Primary)
            .or_else(|| self.names.first())
            .map(|n| n.value.as_str())
            .unwrap_or("")
    }
}

/// Collapses runs of whitespace and trims.
pub fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_all_list_spellings() {
        assert_eq!(DateSpec::parse("1965-04-14"), Some(DateSpec::Date { year: 1965, month: Some(4), day: Some(14) }));
        assert_eq!(DateSpec::parse("dd/mm/1945"), Some(DateSpec::Date { year: 1945, month: None, day: None }));
        assert_eq!(DateSpec::parse("12/05/1958"), Some(DateSpec::Date { year: 1958, month: Some(5), day: Some(12) }));
        assert_eq!(DateSpec::parse("28 Jul 1963"), Some(DateSpec::Date { year: 1963, month: Some(7), day: Some(28) }));
        assert_eq!(DateSpec::parse("circa 1970"), Some(DateSpec::Range { from: 1969, to: 1971 }));
        assert_eq!(DateSpec::parse("1961 to 1963"), Some(DateSpec::Range { from: 1961, to: 1963 }));
        assert_eq!(DateSpec::parse("garbage"), None);
        assert_eq!(DateSpec::parse("99999"), None);
    }

    #[test]
    fn dates_agree_by_precision() {
        let a = DateSpec::parse("1963").unwrap();
        let b = DateSpec::parse("1963-07-28").unwrap();
        let c = DateSpec::parse("1964").unwrap();
        let r = DateSpec::parse("1960 to 1965").unwrap();
        assert!(a.agrees(&b));
        assert!(!c.agrees(&b));
        assert!(r.agrees(&b));
    }

    #[test]
    fn identifiers_normalise() {
        assert_eq!(normalize_id(IdKind::Imo, "IMO 9339301"), "9339301");
        assert_eq!(normalize_id(IdKind::Bic, "sabrrumm012"), "SABRRUMM");
        assert_eq!(normalize_id(IdKind::Inn, "77-0708-3893"), "7707083893");
    }

    #[test]
    fn schema_compatibility() {
        assert!(Schema::Company.compatible(Schema::Organization));
        assert!(Schema::LegalEntity.compatible(Schema::Person));
        assert!(!Schema::Person.compatible(Schema::Vessel));
        assert!(!Schema::LegalEntity.compatible(Schema::Vessel));
    }
}
