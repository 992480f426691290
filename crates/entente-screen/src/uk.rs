//! UK Sanctions List XML (FCDO; `Designations` root), the only UK source since
//! OFSI's Consolidated List was frozen on 28 January 2026. Published at
//! <https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml>.
//!
//! Names have up to six parts (`Name6` = family or entity name), a `NameType`
//! (`Primary Name`, `Primary Name Variation`, `Alias`) and an `AliasStrength`
//! (`Low quality a.k.a` = weak). Dates are `dd/mm/yyyy` with literal `dd`/`mm`
//! placeholders. Ships carry IMO numbers; entities may list parent companies
//! and subsidiaries, which become ownership links.

use crate::lists::ParsedList;
use crate::model::{Entity, IdKind, Link, NameStrength, Schema};
use crate::xml::{decode_text, stream_records, Element, ParseError};

pub const LIST_ID: &str = "uk";

/// Parses a UK Sanctions List XML file.
pub fn parse(source_name: &str, data: &[u8]) -> Result<ParsedList, ParseError> {
    let text = decode_text(source_name, data)?;
    let mut out = ParsedList::new(LIST_ID, "UK FCDO", "uk-xml", source_name);
    let mut generated = None;
    stream_records(
        source_name,
        &text,
        &["Designation"],
        |h| {
            if h.name == "DateGenerated" {
                generated = Some(h.text.trim().to_string());
            }
        },
        |rec| {
            out.entities.push(designation(&rec)?);
            Ok(())
        },
    )?;
    out.generated = generated;
    Ok(out)
}

fn designation(rec: &Element) -> Result<Entity, String> {
    let id = rec.text_of("UniqueID").ok_or("Designation without UniqueID")?;
    let schema = match rec.text_of("IndividualEntityShip").unwrap_or("") {
        "Individual" => Schema::Person,
        "Ship" => Schema::Vessel,
        "Entity" => Schema::Organization,
        _ => Schema::LegalEntity,
    };
    let mut e = Entity::new(format!("uk:{id}"), schema, LIST_ID, "UK FCDO");
    if let Some(r) = rec.text_of("RegimeName") {
        e.add_program(r);
    }
    e.listing_date = rec.text_of("DateDesignated").map(str::to_string);
    if let Some(u) = rec.text_of("UNReferenceNumber") {
        e.notes.push(format!("UN reference {u}"));
    }
    if let Some(g) = rec.text_of("OFSIGroupID") {
        e.notes.push(format!("OFSI group {g}"));
    }
    if let Some(names) = rec.child("Names") {
        for n in names.children("Name") {
            let full: Vec<&str> =
                ["Name1", "Name2", "Name3", "Name4", "Name5", "Name6"].iter().filter_map(|p| n.text_of(p)).collect();
            let ty = n.text_of("NameType").unwrap_or("");
            let weak = n.text_of("AliasStrength").map(|s| s.to_ascii_lowercase().contains("low")).unwrap_or(false);
            let strength = if weak {
                NameStrength::Weak
            } else if ty.starts_with("Primary Name") && ty != "Primary Name Variation" {
                NameStrength::Primary
            } else {
                NameStrength::Alias
            };
            e.add_name(&full.join(" "), strength, None);
        }
    }
    if let Some(nl) = rec.child("NonLatinNames") {
        for n in nl.children("NonLatinName") {
            if let Some(v) = n.text_of("NameNonLatinScript") {
                e.add_name(v, NameStrength::Alias, Some("non-latin"));
            }
        }
    }
    if let Some(addrs) = rec.child("Addresses") {
        for a in addrs.children("Address") {
            let parts: Vec<&str> = a.children.iter().map(|c| c.text.trim()).filter(|t| !t.is_empty()).collect();
            if !parts.is_empty() {
                e.addresses.push(parts.join(", "));
            }
            if schema != Schema::Person {
                if let Some(c) = a.text_of("AddressCountry") {
                    e.add_country(c);
                }
            }
        }
    }
    if let Some(ind) = rec.path("IndividualDetails/Individual") {
        if let Some(d) = ind.child("DOBs") {
            for dob in d.children("DOB") {
                e.add_birth_date(&dob.text);
            }
        }
        if let Some(n) = ind.child("Nationalities") {
            for c in n.children("Nationality") {
                e.add_country(&c.text);
            }
        }
        if let Some(g) = ind.path_text("Genders/Gender") {
            e.gender = Some(g.to_ascii_lowercase());
        }
        if let Some(p) = ind.child("PassportDetails") {
            for pass in p.children("Passport") {
                if let Some(num) = pass.text_of("PassportNumber") {
                    e.add_id(IdKind::Passport, num, None);
                }
            }
        }
        if let Some(p) = ind.child("NationalIdentifierDetails") {
            for nid in p.children("NationalIdentifier") {
                if let Some(num) = nid.text_of("NationalIdentifierNumber") {
                    e.add_id(IdKind::NationalId, num, None);
                }
            }
        }
    }
    if let Some(ent) = rec.path("EntityDetails/Entity") {
        if let Some(b) = ent.child("BusinessRegistrationNumbers") {
            for n in b.children("BusinessRegistrationNumber") {
                e.add_id(IdKind::Registration, &n.text, None);
            }
        }
        if let Some(p) = ent.child("ParentCompanies") {
            for n in p.children("ParentCompany") {
                e.links.push(Link { relation: "parent".into(), target: n.text.trim().to_string(), percentage: None });
            }
        }
        if let Some(p) = ent.child("Subsidiaries") {
            for n in p.children("Subsidiary") {
                e.links.push(Link {
                    relation: "subsidiary".into(),
                    target: n.text.trim().to_string(),
                    percentage: None,
                });
            }
        }
    }
    if let Some(ship) = rec.path("ShipDetails/Ship") {
        if let Some(imos) = ship.child("IMONumbers") {
            for n in imos.children("IMONumber") {
                e.add_id(IdKind::Imo, &n.text, None);
            }
        }
        if let Some(f) = ship.path_text("CurrentBelievedFlagOfShips/CurrentBelievedFlagOfShip") {
            e.add_country(f);
        }
        if let Some(o) = ship.child("CurrentOwnerOperators") {
            for n in o.children("CurrentOwnerOperator") {
                e.links.push(Link {
                    relation: "owner/operator".into(),
                    target: n.text.trim().to_string(),
                    percentage: None,
                });
            }
        }
    }
    if let Some(o) = rec.text_of("OtherInformation") {
        e.notes.push(o.to_string());
    }
    Ok(e)
}
