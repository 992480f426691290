//! EU Financial Sanctions Files, XML 1.1 (`export` root, namespace
//! `http://eu.europa.ec/fpi/fsd/export`), published at
//! <https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=…>.
//!
//! The format is attribute-heavy: each `sanctionEntity` has `regulation`
//! elements (with the programme), a `subjectType@code` (`person`/`enterprise`),
//! `nameAlias` elements (`wholeName`, `strong`, `nameLanguage`, `gender`),
//! `birthdate` (exact date, year or `yearRangeFrom`/`yearRangeTo`, `circa`),
//! `citizenship`, `identification` and `address`.

use crate::lists::ParsedList;
use crate::model::{Entity, IdKind, NameStrength, Schema};
use crate::xml::{decode_text, stream_records, Element, ParseError};

pub const LIST_ID: &str = "eu";

/// Parses an EU FSF XML 1.1 file.
pub fn parse(source_name: &str, data: &[u8]) -> Result<ParsedList, ParseError> {
    let text = decode_text(source_name, data)?;
    let mut out = ParsedList::new(LIST_ID, "European Union", "eu-fsf-xml", source_name);
    let mut generated = None;
    stream_records(
        source_name,
        &text,
        &["sanctionEntity"],
        |h| {
            if h.name == "export" {
                generated = h.attr("generationDate").map(str::to_string);
            }
        },
        |rec| {
            out.entities.push(sanction_entity(&rec)?);
            Ok(())
        },
    )?;
    out.generated = generated;
    Ok(out)
}

fn sanction_entity(rec: &Element) -> Result<Entity, String> {
    let id = rec.attr("logicalId").or(rec.attr("euReferenceNumber")).ok_or("sanctionEntity without logicalId")?;
    let code = rec.child("subjectType").and_then(|s| s.attr("code")).unwrap_or("");
    let schema = match code {
        "person" => Schema::Person,
        "enterprise" => Schema::Organization,
        _ => Schema::LegalEntity,
    };
    let mut e = Entity::new(format!("eu:{id}"), schema, LIST_ID, "European Union");
    if let Some(r) = rec.attr("euReferenceNumber") {
        e.add_id(IdKind::Other, r, None);
    }
    if let Some(un) = rec.attr("unitedNationId") {
        e.notes.push(format!("UN reference {un}"));
    }
    e.listing_date = rec.attr("designationDate").map(str::to_string);
    for r in rec.children("regulation") {
        if let Some(p) = r.attr("programme") {
            e.add_program(p);
        }
        if e.listing_date.is_none() {
            e.listing_date = r.attr("publicationDate").map(str::to_string);
        }
    }
    for n in rec.children("nameAlias") {
        let whole = match n.attr("wholeName") {
            Some(w) => w.to_string(),
            None => [n.attr("firstName"), n.attr("middleName"), n.attr("lastName")]
                .iter()
                .flatten()
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
        };
        let strong = n.attr("strong").map(|s| s != "false").unwrap_or(true);
        let strength = if !strong {
            NameStrength::Weak
        } else if e.names.is_empty() {
            NameStrength::Primary
        } else {
            NameStrength::Alias
        };
        e.add_name(&whole, strength, n.attr("nameLanguage"));
        if e.gender.is_none() {
            e.gender = n.attr("gender").map(|g| match g {
                "M" => "male".to_string(),
                "F" => "female".to_string(),
                o => o.to_ascii_lowercase(),
            });
        }
    }
    for b in rec.children("birthdate") {
        let circa = b.attr("circa") == Some("true");
        if let (Some(f), Some(t)) = (b.attr("yearRangeFrom"), b.attr("yearRangeTo")) {
            e.add_birth_date(&format!("{f} to {t}"));
        } else if let Some(d) = b.attr("birthdate") {
            e.add_birth_date(d);
        } else if let Some(y) = b.attr("year") {
            e.add_birth_date(&if circa { format!("circa {y}") } else { y.to_string() });
        }
    }
    for c in rec.children("citizenship") {
        if let Some(code) = c.attr("countryIso2Code").or(c.attr("countryDescription")) {
            e.add_country(code);
        }
    }
    for i in rec.children("identification") {
        let Some(num) = i.attr("number").or(i.attr("latinNumber")) else { continue };
        let kind = match i.attr("identificationTypeCode").unwrap_or("") {
            "passport" => IdKind::Passport,
            "id" => IdKind::NationalId,
            "regnumber" => IdKind::Registration,
            "swiftbic" => IdKind::Bic,
            "imo" => IdKind::Imo,
            "tin" | "fiscalcode" => IdKind::TaxId,
            _ => IdKind::Other,
        };
        e.add_id(kind, num, i.attr("countryIso2Code"));
    }
    for a in rec.children("address") {
        let parts: Vec<&str> =
            ["street", "city", "zipCode", "region", "countryDescription"].iter().filter_map(|k| a.attr(k)).collect();
        if !parts.is_empty() {
            e.addresses.push(parts.join(", "));
        }
        if schema != Schema::Person {
            if let Some(c) = a.attr("countryIso2Code") {
                e.add_country(c);
            }
        }
    }
    if let Some(r) = rec.text_of("remark") {
        e.notes.push(r.to_string());
    }
    Ok(e)
}
