//! The actors ledger (`actors.toml`): the vessels, companies, banks, units and persons named in the evidence as
//! carrying the Russia–North Korea flows, with their identifiers, their role in which flow and period, and the
//! claims (with graded sources) that say so.
//!
//! The ledger is optional and read after the dataset: every claim and source it cites must exist in the
//! [`Dataset`]. Identifiers are checked for form and check digit (IMO, INN, OGRN, LEI) or structure (BIC), so a
//! mistyped number is an error naming file, line and field rather than a silent "not listed".

use crate::error::{DataError, DataErrors};
use crate::reader::{line_of, valid_id, Entry, FileReader};
use chrono::NaiveDate;
use entente_core::Dataset;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;
use toml_edit::{ImDocument, Item};

/// The file name of the ledger in a dataset folder.
pub const ACTORS_FILE: &str = "actors.toml";

/// The default ledger, embedded beside the default dataset.
pub const EMBEDDED_ACTORS: &str = include_str!("../../../data/actors.toml");

/// What kind of party an actor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorKind {
    Vessel,
    Company,
    Bank,
    /// A state body or military unit.
    Unit,
    Person,
}

impl ActorKind {
    pub fn parse(s: &str) -> Option<ActorKind> {
        Some(match s {
            "vessel" => ActorKind::Vessel,
            "company" => ActorKind::Company,
            "bank" => ActorKind::Bank,
            "unit" => ActorKind::Unit,
            "person" => ActorKind::Person,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Vessel => "vessel",
            ActorKind::Company => "company",
            ActorKind::Bank => "bank",
            ActorKind::Unit => "unit",
            ActorKind::Person => "person",
        }
    }
}

/// What an actor did in which flow, when, and the claims that say so.
#[derive(Debug, Clone, Serialize)]
pub struct Role {
    /// `KP->RU`, `RU->KP`, `both`, or `context` (background that is not itself evidence of a part in the flows,
    /// such as membership of a listed fleet; it does not count as evidence for lags).
    pub flow: String,
    pub role: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub claims: Vec<String>,
}

/// A designation reported in the evidence (not read from a list file), used when a list gives no date.
#[derive(Debug, Clone, Serialize)]
pub struct ReportedDesignation {
    /// `UN`, `EU`, `OFAC`, `UK`.
    pub authority: String,
    pub date: NaiveDate,
    pub programme: String,
    /// True when the claims report an action but not this party by name (e.g. "69 vessels" of named operators).
    pub inferred: bool,
    pub claims: Vec<String>,
}

/// A party of the flows.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub id: String,
    pub kind: ActorKind,
    pub name: String,
    pub aliases: Vec<String>,
    /// ISO alpha-2 country (registration, nationality) or flag for vessels.
    pub country: String,
    pub imo: Option<String>,
    /// Another actor's id: the vessel's operator or the company's parent as reported.
    pub operator: Option<String>,
    pub inn: Option<String>,
    pub ogrn: Option<String>,
    pub bic: Option<String>,
    pub lei: Option<String>,
    pub birth_date: Option<String>,
    /// Sources that vouch for the identifiers (a list file, a registry).
    pub id_sources: Vec<String>,
    pub roles: Vec<Role>,
    pub designations: Vec<ReportedDesignation>,
    pub note: String,
    /// Line of the entry in its file.
    pub line: usize,
}

impl Actor {
    /// Every claim the actor cites (roles, then reported designations), without repeats, in order.
    pub fn claims(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in self.roles.iter().flat_map(|r| &r.claims).chain(self.designations.iter().flat_map(|d| &d.claims)) {
            if !out.contains(&c.as_str()) {
                out.push(c);
            }
        }
        out
    }

    /// The first date the evidence of its roles became public, counting only claims public by `as_of`.
    pub fn first_evidence(&self, ds: &Dataset, as_of: Option<NaiveDate>) -> Option<NaiveDate> {
        self.roles
            .iter()
            .filter(|r| r.flow != "context")
            .flat_map(|r| &r.claims)
            .filter_map(|c| ds.claims.get(c))
            .map(|c| c.public)
            .filter(|d| as_of.is_none_or(|a| *d <= a))
            .min()
    }
}

/// Reads the ledger of a dataset folder, if it has one (`Ok(vec![])` otherwise).
pub fn load_actors_dir(dir: &Path, ds: &Dataset) -> Result<Vec<Actor>, DataErrors> {
    let path = dir.join(ACTORS_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| {
        DataErrors(vec![DataError {
            file: ACTORS_FILE.into(),
            line: None,
            path: String::new(),
            field: String::new(),
            message: format!("cannot read {}: {e}", path.display()),
        }])
    })?;
    load_actors(ACTORS_FILE, &text, ds)
}

/// Reads and validates a ledger against the dataset it belongs to. All errors are gathered.
pub fn load_actors(file: &str, text: &str, ds: &Dataset) -> Result<Vec<Actor>, DataErrors> {
    let mut errors = Vec::new();
    let doc = match ImDocument::parse(text.to_string()) {
        Ok(d) => d,
        Err(e) => {
            return Err(DataErrors(vec![DataError {
                file: file.into(),
                line: e.span().map(|s| line_of(text, s.start)),
                path: String::new(),
                field: String::new(),
                message: format!("not valid TOML: {}", e.message().trim().replace('\n', "; ")),
            }]))
        }
    };
    let mut r = FileReader::new(file, text, &mut errors);
    let root = doc.as_table();
    for (k, item) in root.iter() {
        if k != "actor" {
            r.error(item.span().or_else(|| root.key(k).and_then(|x| x.span())), "", k, "unknown top-level key");
        }
    }
    let tables: Vec<Entry> = match root.get("actor") {
        Some(Item::ArrayOfTables(aot)) => {
            aot.iter().enumerate().map(|(i, t)| Entry::new(t, format!("actor[{i}]"))).collect()
        }
        Some(other) => {
            r.error(other.span(), "", "actor", format!("expected [[actor]] entries, found {}", other.type_name()));
            Vec::new()
        }
        None => Vec::new(),
    };
    let mut seen = BTreeSet::new();
    let mut actors = Vec::new();
    // (operator id, where) checked once every id is known.
    let mut operator_refs = Vec::new();
    for mut e in tables {
        if let Some(a) = read_actor(&mut r, &mut e, ds, &mut seen, &mut operator_refs) {
            actors.push(a);
        }
    }
    for (op, span, path) in operator_refs {
        if !seen.contains(&op) {
            r.error(span, &path, "operator", format!("unknown actor `{op}`"));
        }
    }
    if errors.is_empty() {
        Ok(actors)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(DataErrors(errors))
    }
}

type OperatorRefs = Vec<(String, Option<std::ops::Range<usize>>, String)>;

fn read_actor(
    r: &mut FileReader,
    e: &mut Entry,
    ds: &Dataset,
    seen: &mut BTreeSet<String>,
    operator_refs: &mut OperatorRefs,
) -> Option<Actor> {
    const KNOWN: &[&str] = &[
        "id",
        "kind",
        "name",
        "aliases",
        "country",
        "imo",
        "operator",
        "inn",
        "ogrn",
        "bic",
        "lei",
        "birth_date",
        "id_sources",
        "role",
        "designation",
        "note",
    ];
    let line = e.span.clone().map(|s| r.line(s.start)).unwrap_or(0);
    let id = r.string(e, "id", true);
    if let Some(id) = &id {
        let span = r.span_of(e, "id");
        e.path = format!("{} ({id})", e.path);
        if !valid_id(id, true) {
            r.error(span.clone(), &e.path, "id", format!("`{id}` is not a valid id ([a-z][a-z0-9_-]*)"));
        }
        if !seen.insert(id.clone()) {
            r.error(span, &e.path, "id", format!("duplicate id `{id}`"));
        }
    }
    r.unknown_keys(e, KNOWN);
    let kind = r.string(e, "kind", true).and_then(|k| {
        let kind = ActorKind::parse(&k);
        if kind.is_none() {
            let span = r.span_of(e, "kind");
            r.error(span, &e.path, "kind", format!("unknown kind `{k}` (known: vessel, company, bank, unit, person)"));
        }
        kind
    });
    let name = r.string(e, "name", true);
    let aliases = r.string_list(e, "aliases");
    let country = r.text(e, "country");
    let note = r.text(e, "note");
    let birth_date = r.string(e, "birth_date", false);
    let ident = |r: &mut FileReader, key: &str, check: fn(&str) -> Result<(), String>| -> Option<String> {
        let v = r.string(e, key, false)?;
        if let Err(m) = check(&v) {
            let span = r.span_of(e, key);
            r.error(span, &e.path, key, m);
        }
        Some(v)
    };
    let imo = ident(r, "imo", check_imo);
    let inn = ident(r, "inn", check_inn);
    let ogrn = ident(r, "ogrn", check_ogrn);
    let bic = ident(r, "bic", check_bic);
    let lei = ident(r, "lei", check_lei);
    if imo.is_some() && kind.is_some_and(|k| k != ActorKind::Vessel) {
        let span = r.span_of(e, "imo");
        r.error(span, &e.path, "imo", "only a vessel has an IMO ship number");
    }
    let operator = r.string(e, "operator", false);
    if let Some(op) = &operator {
        operator_refs.push((op.clone(), r.span_of(e, "operator"), e.path.clone()));
    }
    let id_sources = r.string_list(e, "id_sources");
    for s in &id_sources {
        if !ds.sources.contains_key(s) {
            let span = r.span_of(e, "id_sources");
            r.error(span, &e.path, "id_sources", format!("unknown source `{s}`"));
        }
    }
    let has_ids = imo.is_some() || inn.is_some() || ogrn.is_some() || bic.is_some() || lei.is_some();
    if has_ids && id_sources.is_empty() {
        let span = e.span.clone();
        r.error(span, &e.path, "id_sources", "missing: identifiers need a source that vouches for them");
    }
    let roles = read_roles(r, e, ds);
    if roles.is_empty() && !e.table.contains_key("role") {
        let span = e.span.clone();
        r.error(span, &e.path, "role", "missing: every actor needs at least one [[actor.role]] with claims");
    }
    let designations = read_designations(r, e, ds);
    Some(Actor {
        id: id?,
        kind: kind?,
        name: name?,
        aliases,
        country,
        imo,
        operator,
        inn,
        ogrn,
        bic,
        lei,
        birth_date,
        id_sources,
        roles,
        designations,
        note,
        line,
    })
}

/// The `[[actor.<key>]]` sub-entries of an actor.
fn sub_entries<'t>(r: &mut FileReader, e: &Entry<'t>, key: &str) -> Vec<Entry<'t>> {
    match e.table.get(key) {
        None => Vec::new(),
        Some(Item::ArrayOfTables(aot)) => {
            aot.iter().enumerate().map(|(i, t)| Entry::new(t, format!("{}.{key}[{i}]", e.path))).collect()
        }
        Some(other) => {
            r.error(
                other.span(),
                &e.path,
                key,
                format!("expected [[actor.{key}]] entries, found {}", other.type_name()),
            );
            Vec::new()
        }
    }
}

fn read_claim_list(r: &mut FileReader, e: &Entry, ds: &Dataset) -> Vec<String> {
    let claims = r.string_list(e, "claims");
    if claims.is_empty() {
        let span = r.span_of(e, "claims");
        r.error(span, &e.path, "claims", "missing: cite at least one claim");
    }
    for c in &claims {
        if !ds.claims.contains_key(c) {
            let span = r.span_of(e, "claims");
            r.error(span, &e.path, "claims", format!("unknown claim `{c}`"));
        }
    }
    claims
}

fn read_roles(r: &mut FileReader, e: &Entry, ds: &Dataset) -> Vec<Role> {
    let mut out = Vec::new();
    for p in sub_entries(r, e, "role") {
        r.unknown_keys(&p, &["flow", "role", "period", "claims"]);
        let flow = r.string(&p, "flow", true);
        if let Some(f) = &flow {
            if !matches!(f.as_str(), "KP->RU" | "RU->KP" | "both" | "context") {
                let span = r.span_of(&p, "flow");
                r.error(span, &p.path, "flow", format!("`{f}` is not a flow (KP->RU, RU->KP, both, context)"));
            }
        }
        let role = r.string(&p, "role", true);
        let (from, to) = match r.sub_entry(&p, "period") {
            Some(per) => {
                r.unknown_keys(&per, &["from", "to"]);
                let from = r.date(&per, "from", false);
                let to = r.date(&per, "to", false);
                if let (Some(f), Some(t)) = (from, to) {
                    if t < f {
                        let span = r.span_of(&per, "to");
                        r.error(span, &per.path, "to", format!("period ends ({t}) before it starts ({f})"));
                    }
                }
                (from, to)
            }
            None => (None, None),
        };
        let claims = read_claim_list(r, &p, ds);
        if let (Some(flow), Some(role)) = (flow, role) {
            out.push(Role { flow, role, from, to, claims });
        }
    }
    out
}

fn read_designations(r: &mut FileReader, e: &Entry, ds: &Dataset) -> Vec<ReportedDesignation> {
    let mut out = Vec::new();
    for p in sub_entries(r, e, "designation") {
        r.unknown_keys(&p, &["authority", "date", "programme", "inferred", "claims"]);
        let authority = r.string(&p, "authority", true);
        if let Some(a) = &authority {
            if !matches!(a.as_str(), "UN" | "EU" | "OFAC" | "UK") {
                let span = r.span_of(&p, "authority");
                r.error(span, &p.path, "authority", format!("`{a}` is not an authority (UN, EU, OFAC, UK)"));
            }
        }
        let date = r.date(&p, "date", true);
        let programme = r.text(&p, "programme");
        let inferred = r.boolean(&p, "inferred");
        let claims = read_claim_list(r, &p, ds);
        if let (Some(authority), Some(date)) = (authority, date) {
            out.push(ReportedDesignation { authority, date, programme, inferred, claims });
        }
    }
    out
}

fn digits(s: &str, what: &str, lens: &[usize]) -> Result<Vec<u32>, String> {
    let d: Vec<u32> = s
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()
        .ok_or_else(|| format!("`{s}` is not a {what}: digits only"))?;
    if !lens.contains(&d.len()) {
        let want = lens.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" or ");
        return Err(format!("`{s}` is not a {what}: {want} digits expected, found {}", d.len()));
    }
    Ok(d)
}

/// IMO ship number: 7 digits, the last a check digit (Σ dᵢ·(7−i) over the first six, mod 10). An `IMO` prefix
/// is allowed.
pub fn check_imo(s: &str) -> Result<(), String> {
    let t = s.trim();
    let t = t.strip_prefix("IMO").map(str::trim_start).unwrap_or(t);
    let d = digits(t, "IMO number", &[7])?;
    let sum: u32 = d[..6].iter().zip([7, 6, 5, 4, 3, 2]).map(|(a, w)| a * w).sum();
    if sum % 10 != d[6] {
        return Err(format!("`{s}`: IMO check digit is {}, expected {}", d[6], sum % 10));
    }
    Ok(())
}

fn inn_digit(d: &[u32], weights: &[u32]) -> u32 {
    d.iter().zip(weights).map(|(a, w)| a * w).sum::<u32>() % 11 % 10
}

/// Russian taxpayer number (INN): 10 digits (organisations) or 12 (persons), with check digits.
pub fn check_inn(s: &str) -> Result<(), String> {
    let d = digits(s.trim(), "Russian INN", &[10, 12])?;
    const W10: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
    const W11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
    const W12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
    let ok = if d.len() == 10 {
        inn_digit(&d, &W10) == d[9]
    } else {
        inn_digit(&d, &W11) == d[10] && inn_digit(&d, &W12) == d[11]
    };
    if ok {
        Ok(())
    } else {
        Err(format!("`{s}`: INN check digit does not match"))
    }
}

/// Russian state registration number (OGRN, 13 digits; OGRNIP, 15), with its check digit.
pub fn check_ogrn(s: &str) -> Result<(), String> {
    let t = s.trim();
    let d = digits(t, "Russian OGRN", &[13, 15])?;
    let n = d.len();
    let body: u64 = t[..n - 1].parse().map_err(|_| format!("`{s}` is not an OGRN"))?;
    let modulus = if n == 13 { 11 } else { 13 };
    if (body % modulus % 10) as u32 != d[n - 1] {
        return Err(format!("`{s}`: OGRN check digit does not match"));
    }
    Ok(())
}

/// SWIFT/BIC (ISO 9362): 4 letters (institution), 2 letters (country), 2 letters or digits (location), and an
/// optional 3-character branch.
pub fn check_bic(s: &str) -> Result<(), String> {
    let b = s.trim().as_bytes();
    let ok = (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(|c| c.is_ascii_uppercase())
        && b[6..].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!("`{s}` is not a BIC (4 letters bank, 2 letters country, 2 location, optional 3 branch)"))
    }
}

/// Legal Entity Identifier (ISO 17442): 20 upper-case letters or digits, ISO 7064 MOD 97-10 check.
pub fn check_lei(s: &str) -> Result<(), String> {
    let t = s.trim();
    if t.len() != 20 || !t.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
        return Err(format!("`{s}` is not an LEI: 20 upper-case letters or digits expected"));
    }
    let mut rem: u64 = 0;
    for c in t.chars() {
        let v = c.to_digit(36).unwrap_or(0) as u64;
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    if rem != 1 {
        return Err(format!("`{s}`: LEI check digits do not match"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imo_check_digits() {
        // ANGARA, LADY R, MAIA-1 as published by OFAC.
        for ok in ["9179842", "9161003", "9358010", "IMO 9562233"] {
            assert_eq!(check_imo(ok), Ok(()), "{ok}");
        }
        assert!(check_imo("9179843").unwrap_err().contains("check digit is 3, expected 2"));
        assert!(check_imo("917984").unwrap_err().contains("7 digits"));
        assert!(check_imo("91798A2").unwrap_err().contains("digits only"));
    }

    #[test]
    fn inn_check_digits() {
        // OBORONLOGISTIKA, SC SOUTH, M LEASING (OFAC SDN), Sberbank; a 12-digit personal INN.
        for ok in ["7718857267", "9705070317", "9701173086", "7707083893", "500100732259"] {
            assert_eq!(check_inn(ok), Ok(()), "{ok}");
        }
        assert!(check_inn("7718857268").is_err());
        assert!(check_inn("500100732258").is_err());
        assert!(check_inn("12345").unwrap_err().contains("10 or 12 digits"));
    }

    #[test]
    fn ogrn_bic_lei() {
        assert_eq!(check_ogrn("1027700132195"), Ok(())); // Sberbank
        assert!(check_ogrn("1027700132196").is_err());
        assert_eq!(check_bic("SABRRUMM"), Ok(()));
        assert_eq!(check_bic("SABRRUMM012"), Ok(()));
        assert!(check_bic("SABR1UMM").is_err());
        assert!(check_bic("sabrrumm").is_err());
        assert!(check_bic("SABRRUM").is_err());
        // Published LEIs (Bloomberg Finance LP, Deutsche Börse AG); one digit changed fails.
        assert_eq!(check_lei("5493001KJTIIGC8Y1R12"), Ok(()));
        assert_eq!(check_lei("529900T8BM49AURSDO55"), Ok(()));
        assert!(check_lei("5493001KJTIIGC8Y1R13").is_err());
        assert!(check_lei("5493001kjtiigc8y1r12").is_err());
    }
}
