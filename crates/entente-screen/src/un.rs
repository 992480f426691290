//! UN Security Council Consolidated List XML (`CONSOLIDATED_LIST`, schema
//! `sc-sanctions.xsd`), published at
//! <https://scsanctions.un.org/resources/xml/en/consolidated.xml>.
//!
//! Individuals carry up to four name parts (`FIRST_NAME`..`FOURTH_NAME`),
//! aliases with a `QUALITY` of `Good`/`a.k.a.`/`f.k.a.`/`Low` (Low = weak),
//! an original-script name, dates of birth that are `EXACT`, `APPROXIMATELY`
//! or `BETWEEN`, nationalities and documents. Entities carry `FIRST_NAME` and
//! `ENTITY_ALIAS`. Vessels are listed as entities; their IMO numbers appear
//! only in the free-text comments and are extracted from there.

use crate::lists::{extract_imo_numbers, ParsedList};
use crate::model::{Entity, IdKind, NameStrength, Schema};
use crate::xml::{decode_text, stream_records, Element, ParseError};

pub const LIST_ID: &str = "un";

/// Parses a UN consolidated list.
pub fn parse(source_name: &str, data: &[u8]) -> Result<ParsedList, ParseError> {
    let text = decode_text(source_name, data)?;
    let mut out = ParsedList::new(LIST_ID, "UN Security Council", "un-xml", source_name);
    let mut root_ok = false;
    let mut generated = None;
    stream_records(
        source_name,
        &text,
        &["INDIVIDUAL", "ENTITY"],
        |h| {
            if h.name == "CONSOLIDATED_LIST" {
                root_ok = true;
                generated = h.attr("dateGenerated").map(str::to_string);
            }
        },
        |rec| {
            if rec.name == "INDIVIDUAL" {
                out.entities.push(individual(&rec)?);
            } else {
                out.entities.push(entity(&rec)?);
            }
            Ok(())
        },
    )?;
    if !root_ok {
        return Err(ParseError::at(source_name, data, 0, "not a UN consolidated list (no CONSOLIDATED_LIST root)"));
    }
    out.generated = generated;
    Ok(out)
}

fn base(rec: &Element, schema: Schema) -> Result<Entity, String> {
    let id = rec.text_of("DATAID").ok_or("record without DATAID")?;
    let mut e = Entity::new(format!("un:{id}"), schema, LIST_ID, "UN Security Council");
    if let Some(p) = rec.text_of("UN_LIST_TYPE") {
        e.add_program(p);
    }
    if let Some(r) = rec.text_of("REFERENCE_NUMBER") {
        e.add_id(IdKind::Other, r, None);
        e.notes.push(format!("UN reference {r}"));
    }
    e.listing_date = rec.text_of("LISTED_ON").map(str::to_string);
    if let Some(c) = rec.text_of("COMMENTS1") {
        for imo in extract_imo_numbers(c) {
            e.add_id(IdKind::Imo, &imo, None);
        }
        e.notes.push(c.to_string());
    }
    Ok(e)
}

fn alias_strength(q: Option<&str>) -> NameStrength {
    match q.map(|s| s.to_ascii_lowercase()) {
        Some(q) if q == "low" => NameStrength::Weak,
        Some(q) if q == "f.k.a." => NameStrength::Previous,
        _ => NameStrength::Alias,
    }
}

fn individual(rec: &Element) -> Result<Entity, String> {
    let mut e = base(rec, Schema::Person)?;
    let parts: Vec<&str> =
        ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"].iter().filter_map(|p| rec.text_of(p)).collect();
    e.add_name(&parts.join(" "), NameStrength::Primary, None);
    if let Some(orig) = rec.text_of("NAME_ORIGINAL_SCRIPT") {
        e.add_name(orig, NameStrength::Alias, Some("original script"));
    }
    for a in rec.children("INDIVIDUAL_ALIAS") {
        if let Some(n) = a.text_of("ALIAS_NAME") {
            e.add_name(n, alias_strength(a.text_of("QUALITY")), None);
        }
    }
    for d in rec.children("INDIVIDUAL_DATE_OF_BIRTH") {
        let kind = d.text_of("TYPE_OF_DATE").unwrap_or("EXACT").to_ascii_uppercase();
        if let (Some(f), Some(t)) = (d.text_of("FROM_YEAR"), d.text_of("TO_YEAR")) {
            e.add_birth_date(&format!("{f} to {t}"));
        } else if let Some(date) = d.text_of("DATE") {
            e.add_birth_date(date);
        } else if let Some(y) = d.text_of("YEAR") {
            if kind == "APPROXIMATELY" {
                e.add_birth_date(&format!("circa {y}"));
            } else {
                e.add_birth_date(y);
            }
        }
    }
    for n in rec.children("NATIONALITY") {
        for v in n.children("VALUE") {
            e.add_country(&v.text);
        }
    }
    if let Some(g) = rec.text_of("GENDER") {
        e.gender = Some(g.to_ascii_lowercase());
    }
    for d in rec.children("INDIVIDUAL_DOCUMENT") {
        if let Some(num) = d.text_of("NUMBER") {
            let ty = d.text_of("TYPE_OF_DOCUMENT").unwrap_or("").to_ascii_lowercase();
            let kind = if ty.contains("pas") { IdKind::Passport } else { IdKind::NationalId };
            let country = d.text_of("ISSUING_COUNTRY").or(d.text_of("COUNTRY_OF_ISSUE"));
            e.add_id(kind, num, country);
        }
    }
    for a in rec.children("INDIVIDUAL_ADDRESS") {
        address(a, &mut e);
    }
    Ok(e)
}

fn entity(rec: &Element) -> Result<Entity, String> {
    let mut e = base(rec, Schema::Organization)?;
    let name = rec.text_of("FIRST_NAME").ok_or("ENTITY without FIRST_NAME")?;
    e.add_name(name, NameStrength::Primary, None);
    for a in rec.children("ENTITY_ALIAS") {
        if let Some(n) = a.text_of("ALIAS_NAME") {
            e.add_name(n, alias_strength(a.text_of("QUALITY")), None);
        }
    }
    // The UN lists shipping *companies* with their IMO company numbers
    // ("Company Number IMO 5434358"); only a number with a valid ship check
    // digit, on an entry whose name is not a company's, makes a vessel.
    let company_name = {
        let n = name.to_ascii_uppercase();
        [
            " CO",
            "COMPANY",
            "CORP",
            "LTD",
            "LIMITED",
            "SHIPPING",
            "LLC",
            "INC",
            "PTE",
            "JV",
            "MANAGEMENT",
            "TRADING",
            "&",
        ]
        .iter()
        .any(|w| n.contains(w))
    };
    let ship_imo = e.identifiers.iter().any(|i| i.kind == IdKind::Imo && is_ship_imo(&i.key()));
    if ship_imo && !company_name {
        e.schema = Schema::Vessel;
    } else if e.identifiers.iter().any(|i| i.kind == IdKind::Imo) {
        e.notes.push("IMO number is a company (registered owner / manager) number".into());
    }
    for a in rec.children("ENTITY_ADDRESS") {
        address(a, &mut e);
    }
    Ok(e)
}

/// True when a 7-digit number carries a valid IMO *ship* check digit (the
/// last digit is the sum of the first six weighted 7…2, modulo 10). IMO
/// company numbers do not follow this rule.
pub fn is_ship_imo(n: &str) -> bool {
    let d: Vec<u32> = n.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 7 || n.chars().count() != 7 {
        return false;
    }
    let sum: u32 = d[..6].iter().zip((2..=7).rev()).map(|(x, w)| x * w).sum();
    sum % 10 == d[6]
}

fn address(a: &Element, e: &mut Entity) {
    let parts: Vec<&str> =
        ["STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY"].iter().filter_map(|p| a.text_of(p)).collect();
    if !parts.is_empty() {
        e.addresses.push(parts.join(", "));
    }
}
