//! OFAC classic `sdnList` XML (SDN.XML and CONSOLIDATED.XML; namespace
//! `http://tempuri.org/sdnList.xsd` or the Sanctions List Service URL), from
//! <https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.XML>.
//!
//! Each `sdnEntry` has `firstName`/`lastName`, `sdnType`, `programList`,
//! `akaList` (with `category` strong/weak), `idList` (typed identifiers:
//! IMO via "Vessel Registration Identification", MMSI, SWIFT/BIC, tax IDs,
//! digital currency addresses...), `dateOfBirthList`, `nationalityList`,
//! `citizenshipList`, `addressList` and `vesselInfo`.

use crate::lists::ParsedList;
use crate::model::{Entity, IdKind, Link, NameStrength, Schema};
use crate::ofac_csv::classify_id;
use crate::xml::{decode_text, stream_records, Element, ParseError};

/// Parses an OFAC `sdnList` XML file. `list_id` distinguishes SDN from the
/// consolidated non-SDN list (`ofac-sdn` / `ofac-cons`); it is guessed from
/// the file name when the caller passes `None`.
pub fn parse(source_name: &str, data: &[u8]) -> Result<ParsedList, ParseError> {
    let text = decode_text(source_name, data)?;
    let lower = source_name.to_ascii_lowercase();
    let list_id = if lower.contains("cons") { "ofac-cons" } else { "ofac-sdn" };
    let mut out = ParsedList::new(list_id, "US OFAC", "ofac-xml", source_name);
    let mut publish = None;
    stream_records(
        source_name,
        &text,
        &["sdnEntry"],
        |h| {
            if h.name == "Publish_Date" {
                publish = Some(h.text.trim().to_string());
            }
        },
        |rec| {
            out.entities.push(entry(list_id, &rec)?);
            Ok(())
        },
    )?;
    out.generated = publish;
    Ok(out)
}

fn full_name(el: &Element) -> String {
    match (el.text_of("firstName"), el.text_of("lastName")) {
        (Some(f), Some(l)) => format!("{f} {l}"),
        (None, Some(l)) => l.to_string(),
        (Some(f), None) => f.to_string(),
        _ => String::new(),
    }
}

fn entry(list_id: &str, rec: &Element) -> Result<Entity, String> {
    let uid = rec.text_of("uid").ok_or("sdnEntry without uid")?;
    let schema = match rec.text_of("sdnType").unwrap_or("").to_ascii_lowercase().as_str() {
        "individual" => Schema::Person,
        "vessel" => Schema::Vessel,
        "aircraft" => Schema::Airplane,
        _ => Schema::Organization,
    };
    let mut e = Entity::new(format!("{list_id}:{uid}"), schema, list_id, "US OFAC");
    e.add_name(&full_name(rec), NameStrength::Primary, None);
    if let Some(p) = rec.child("programList") {
        for prog in p.children("program") {
            e.add_program(&prog.text);
        }
    }
    if let Some(a) = rec.child("akaList") {
        for aka in a.children("aka") {
            let weak = aka.text_of("category").map(|c| c.eq_ignore_ascii_case("weak")).unwrap_or(false);
            let fka = aka.text_of("type").map(|t| t.starts_with("f.k.a")).unwrap_or(false);
            let s = if weak {
                NameStrength::Weak
            } else if fka {
                NameStrength::Previous
            } else {
                NameStrength::Alias
            };
            e.add_name(&full_name(aka), s, None);
        }
    }
    if let Some(ids) = rec.child("idList") {
        for id in ids.children("id") {
            let ty = id.text_of("idType").unwrap_or("");
            let Some(num) = id.text_of("idNumber") else { continue };
            let country = id.text_of("idCountry");
            match classify_id(ty, num, country) {
                Some(kind) => e.add_id(kind, num, country),
                None => {
                    if ty.starts_with("Linked To") {
                        e.links.push(Link { relation: "linked to".into(), target: num.to_string(), percentage: None });
                    } else if ty.starts_with("Gender") {
                        e.gender = Some(num.to_ascii_lowercase());
                    } else {
                        e.notes.push(format!("{ty} {num}"));
                    }
                }
            }
        }
    }
    if let Some(d) = rec.child("dateOfBirthList") {
        for item in d.children("dateOfBirthItem") {
            if let Some(v) = item.text_of("dateOfBirth") {
                e.add_birth_date(v);
            }
        }
    }
    for list in ["nationalityList", "citizenshipList"] {
        if let Some(n) = rec.child(list) {
            for c in n.children.iter() {
                if let Some(v) = c.text_of("country") {
                    e.add_country(v);
                }
            }
        }
    }
    if let Some(a) = rec.child("addressList") {
        for addr in a.children("address") {
            let parts: Vec<&str> =
                ["address1", "address2", "address3", "city", "stateOrProvince", "postalCode", "country"]
                    .iter()
                    .filter_map(|k| addr.text_of(k))
                    .collect();
            if !parts.is_empty() {
                e.addresses.push(parts.join(", "));
            }
        }
    }
    if let Some(v) = rec.child("vesselInfo") {
        if let Some(cs) = v.text_of("callSign") {
            e.add_id(IdKind::CallSign, cs, None);
        }
        if let Some(f) = v.text_of("vesselFlag") {
            e.add_country(f);
        }
        if let Some(o) = v.text_of("vesselOwner") {
            e.links.push(Link { relation: "owner".into(), target: o.to_string(), percentage: None });
        }
    }
    if let Some(r) = rec.text_of("remarks") {
        e.notes.push(r.to_string());
    }
    Ok(e)
}
