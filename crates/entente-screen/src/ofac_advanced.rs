//! OFAC "advanced" XML (`SDN_ADVANCED.XML`, `CONS_ADVANCED.XML`; root
//! `Sanctions`, namespace `…/exports/ADVANCED_XML`), the normalised
//! Sanctions List Standard format:
//!
//! * `DateOfIssue` — publication date (`Year`/`Month`/`Day`);
//! * `ReferenceValueSets` — look-up tables by numeric id: `PartySubType`
//!   (Individual / Entity / Vessel / Aircraft), `AliasType` (A.K.A., F.K.A.,
//!   N.K.A., Name), `NamePartType`, `FeatureType` (Birthdate, Nationality
//!   Country, Vessel Flag, Digital Currency Address…), `DetailReference`,
//!   `Country` (with `ISO2`), `IDRegDocType`, `SanctionsProgram`, `List`;
//! * `Locations` — addresses referenced by features;
//! * `IDRegDocuments` — passports, registration numbers, IMO numbers… per
//!   `IdentityID`;
//! * `DistinctParties/DistinctParty/Profile` — the parties: `Identity/Alias`
//!   (`AliasTypeID`, `Primary`, `LowQuality` = weak) with `DocumentedName`s
//!   made of `NamePartValue`s (several scripts), and `Feature`s;
//! * `SanctionsEntries/SanctionsEntry` (`ProfileID`, `ListID`) — programmes
//!   (`SanctionsMeasure` comments) and the listing date (`EntryEvent/Date`).
//!
//! All references are resolved after the whole file is read; an id that
//! refers to nothing in the reference sets is an error, never a silent gap.

use crate::lists::ParsedList;
use crate::model::{Entity, IdKind, NameStrength, Schema};
use crate::ofac_csv::classify_id;
use crate::xml::{decode_text, stream_records, Element, ParseError};
use std::collections::HashMap;

#[derive(Default)]
struct Refs {
    /// (table element name, id) → text; plus attributes for countries.
    values: HashMap<(String, String), String>,
    iso2: HashMap<String, String>,
    party_type_of_subtype: HashMap<String, String>,
}

impl Refs {
    fn get(&self, table: &str, id: &str) -> Option<&str> {
        self.values.get(&(table.to_string(), id.to_string())).map(String::as_str)
    }
}

/// One identity document from `IDRegDocuments`.
struct Doc {
    identity: String,
    kind: String,
    number: String,
    country: Option<String>,
}

fn date_of(el: &Element) -> Option<String> {
    let y = el.text_of("Year")?.trim().to_string();
    match (el.text_of("Month"), el.text_of("Day")) {
        (Some(m), Some(d)) => Some(format!("{y}-{:0>2}-{:0>2}", m.trim(), d.trim())),
        (Some(m), None) => Some(format!("{y}-{:0>2}", m.trim())),
        _ => Some(y),
    }
}

/// Parses an OFAC advanced XML file.
pub fn parse(source_name: &str, data: &[u8]) -> Result<ParsedList, ParseError> {
    let text = decode_text(source_name, data)?;
    let mut refs = Refs::default();
    let mut locations: HashMap<String, String> = HashMap::new();
    let mut docs: Vec<Doc> = Vec::new();
    let mut entities: Vec<Entity> = Vec::new();
    let mut by_profile: HashMap<String, usize> = HashMap::new();
    let mut by_identity: HashMap<String, usize> = HashMap::new();
    let mut entries: Vec<Element> = Vec::new();
    let mut issued = None;
    stream_records(
        source_name,
        &text,
        &["DateOfIssue", "ReferenceValueSets", "Location", "IDRegDocument", "DistinctParty", "SanctionsEntry"],
        |_| {},
        |rec| {
            match rec.name.as_str() {
                "DateOfIssue" => issued = date_of(&rec),
                "ReferenceValueSets" => read_refs(&rec, &mut refs),
                "Location" => {
                    let id = rec.attr("ID").ok_or("Location without ID")?.to_string();
                    locations.insert(id, location_text(&rec, &refs));
                }
                "IDRegDocument" => {
                    let identity = rec.attr("IdentityID").ok_or("IDRegDocument without IdentityID")?.to_string();
                    let type_id = rec.attr("IDRegDocTypeID").ok_or("IDRegDocument without IDRegDocTypeID")?;
                    let kind = refs
                        .get("IDRegDocType", type_id)
                        .ok_or_else(|| format!("IDRegDocTypeID {type_id} is not in the reference values"))?
                        .to_string();
                    let number = rec.text_of("IDRegistrationNo").unwrap_or("").trim().to_string();
                    let country = rec
                        .attr("IssuedBy-CountryID")
                        .and_then(|c| refs.iso2.get(c).cloned().or_else(|| refs.get("Country", c).map(str::to_string)));
                    if !number.is_empty() {
                        docs.push(Doc { identity, kind, number, country });
                    }
                }
                "DistinctParty" => {
                    for profile in rec.children("Profile") {
                        let e = profile_entity(profile, &refs, &locations)?;
                        let i = entities.len();
                        by_profile.insert(profile.attr("ID").unwrap_or("").to_string(), i);
                        for identity in profile.children("Identity") {
                            if let Some(id) = identity.attr("ID") {
                                by_identity.insert(id.to_string(), i);
                            }
                        }
                        entities.push(e);
                    }
                }
                _ => entries.push(rec),
            }
            Ok(())
        },
    )?;
    if refs.values.is_empty() {
        return Err(ParseError::at(
            source_name,
            data,
            0,
            "no ReferenceValueSets: not a complete OFAC advanced XML file",
        ));
    }
    for d in docs {
        let Some(&i) = by_identity.get(&d.identity) else { continue };
        let e = &mut entities[i];
        let kind = classify_id(&d.kind, &d.number, d.country.as_deref()).unwrap_or(IdKind::Other);
        let kind = if d.number.to_ascii_uppercase().starts_with("IMO") { IdKind::Imo } else { kind };
        e.add_id(kind, &d.number, d.country.as_deref());
    }
    // Which list: from the entries' ListID (SDN List / Consolidated lists).
    let mut list_names: Vec<String> = Vec::new();
    for entry in &entries {
        let Some(&i) = entry.attr("ProfileID").and_then(|p| by_profile.get(p)) else { continue };
        if let Some(l) = entry.attr("ListID").and_then(|l| refs.get("List", l)) {
            if !list_names.iter().any(|x| x == l) {
                list_names.push(l.to_string());
            }
        }
        let e = &mut entities[i];
        for m in entry.children("SanctionsMeasure") {
            let is_program = m
                .attr("SanctionsTypeID")
                .and_then(|t| refs.get("SanctionsType", t))
                .map(|t| t.eq_ignore_ascii_case("Program"))
                .unwrap_or(false);
            if is_program {
                if let Some(c) = m.text_of("Comment").filter(|c| !c.trim().is_empty()) {
                    e.add_program(c.trim());
                }
            } else if let Some(t) = m.attr("SanctionsTypeID").and_then(|t| refs.get("SanctionsType", t)) {
                if t.contains("Directive") {
                    e.notes.push(format!("Subject to Directive: {t}"));
                }
            }
        }
        if let Some(d) = entry.child("EntryEvent").and_then(|ev| ev.child("Date")).and_then(date_of) {
            e.listing_date.get_or_insert(d);
        }
    }
    // "SDN List" is the SDN list; the consolidated file's lists are named
    // "Non-SDN …", "Sectoral Sanctions Identifications List"…
    let sdn = list_names.is_empty() || list_names.iter().any(|l| l.trim().to_ascii_uppercase().starts_with("SDN"));
    let list_id = if sdn { "ofac-sdn" } else { "ofac-cons" };
    let mut out = ParsedList::new(list_id, "US OFAC", "ofac-advanced-xml", source_name);
    for mut e in entities {
        e.id = format!("{list_id}:{}", e.id);
        e.list = list_id.to_string();
        out.entities.push(e);
    }
    out.generated = issued;
    Ok(out)
}

fn read_refs(rec: &Element, refs: &mut Refs) {
    for set in &rec.children {
        for v in &set.children {
            let Some(id) = v.attr("ID") else { continue };
            refs.values.insert((v.name.clone(), id.to_string()), v.text.trim().to_string());
            if v.name == "Country" {
                if let Some(iso) = v.attr("ISO2") {
                    refs.iso2.insert(id.to_string(), iso.to_ascii_lowercase());
                }
            }
            if v.name == "PartySubType" {
                if let Some(pt) = v.attr("PartyTypeID") {
                    refs.party_type_of_subtype.insert(id.to_string(), pt.to_string());
                }
            }
        }
    }
}

fn location_text(loc: &Element, refs: &Refs) -> String {
    let mut parts: Vec<String> = Vec::new();
    for p in loc.children("LocationPart") {
        for v in p.children("LocationPartValue") {
            if let Some(t) = v.text_of("Value").filter(|t| !t.trim().is_empty()) {
                parts.push(t.trim().to_string());
            }
        }
    }
    for c in loc.children("LocationCountry") {
        if let Some(name) = c.attr("CountryID").and_then(|id| refs.get("Country", id)) {
            if !parts.iter().any(|p| p == name) {
                parts.push(name.to_string());
            }
        }
    }
    parts.join(", ")
}

fn schema_of(profile: &Element, refs: &Refs) -> Result<Schema, String> {
    let sub = profile.attr("PartySubTypeID").ok_or("Profile without PartySubTypeID")?;
    let name = refs
        .get("PartySubType", sub)
        .ok_or_else(|| format!("PartySubTypeID {sub} is not in the reference values"))?
        .to_ascii_lowercase();
    let party_type =
        refs.party_type_of_subtype.get(sub).and_then(|t| refs.get("PartyType", t)).unwrap_or("").to_ascii_lowercase();
    Ok(if name.contains("vessel") {
        Schema::Vessel
    } else if name.contains("aircraft") {
        Schema::Airplane
    } else if party_type.contains("individual") || name.contains("individual") {
        Schema::Person
    } else {
        Schema::Organization
    })
}

fn profile_entity(profile: &Element, refs: &Refs, locations: &HashMap<String, String>) -> Result<Entity, String> {
    let id = profile.attr("ID").ok_or("Profile without ID")?;
    let schema = schema_of(profile, refs)?;
    let mut e = Entity::new(id.to_string(), schema, "ofac", "US OFAC");
    for identity in profile.children("Identity") {
        // Name part types by group id (first / middle / last name, entity name…).
        let mut part_type: HashMap<&str, String> = HashMap::new();
        if let Some(g) = identity.child("NamePartGroups") {
            for m in g.children("MasterNamePartGroup") {
                for npg in m.children("NamePartGroup") {
                    if let (Some(gid), Some(t)) = (npg.attr("ID"), npg.attr("NamePartTypeID")) {
                        part_type.insert(gid, refs.get("NamePartType", t).unwrap_or("").to_ascii_lowercase());
                    }
                }
            }
        }
        for alias in identity.children("Alias") {
            let atype =
                alias.attr("AliasTypeID").and_then(|t| refs.get("AliasType", t)).unwrap_or("").to_ascii_uppercase();
            let primary = alias.attr("Primary") == Some("true");
            let low = alias.attr("LowQuality") == Some("true");
            let strength = if primary {
                NameStrength::Primary
            } else if low {
                NameStrength::Weak
            } else if atype.starts_with("F.K.A") {
                NameStrength::Previous
            } else {
                NameStrength::Alias
            };
            for dn in alias.children("DocumentedName") {
                let mut given = Vec::new();
                let mut family = Vec::new();
                let mut script = None;
                for p in dn.children("DocumentedNamePart") {
                    for v in p.children("NamePartValue") {
                        let t = v.text.trim();
                        if t.is_empty() {
                            continue;
                        }
                        script = v.attr("ScriptID").and_then(|s| refs.get("Script", s)).map(str::to_string);
                        let ty = v.attr("NamePartGroupID").and_then(|g| part_type.get(g)).cloned().unwrap_or_default();
                        if ty.contains("last") || ty.contains("patronymic") || ty.contains("matronymic") {
                            family.push(t.to_string());
                        } else {
                            given.push(t.to_string());
                        }
                    }
                }
                given.extend(family);
                let name = given.join(" ");
                let lang = script.filter(|s| s != "Latin");
                // Non-Latin spellings of the primary name are aliases.
                let s =
                    if strength == NameStrength::Primary && lang.is_some() { NameStrength::Alias } else { strength };
                e.add_name(&name, s, lang.as_deref());
            }
        }
    }
    for f in profile.children("Feature") {
        let ftype = f.attr("FeatureTypeID").and_then(|t| refs.get("FeatureType", t)).unwrap_or("").to_string();
        for v in f.children("FeatureVersion") {
            let detail = v.child("VersionDetail");
            let text = detail.map(|d| d.text.trim()).filter(|t| !t.is_empty()).map(str::to_string).or_else(|| {
                detail
                    .and_then(|d| d.attr("DetailReferenceID"))
                    .and_then(|r| refs.get("DetailReference", r))
                    .map(str::to_string)
            });
            let lower = ftype.to_ascii_lowercase();
            if lower.starts_with("birthdate") {
                if let Some(dp) = v.child("DatePeriod") {
                    let from = dp.child("Start").and_then(|s| s.child("From")).and_then(date_of);
                    let to = dp.child("End").and_then(|s| s.child("To")).and_then(date_of);
                    match (from, to) {
                        (Some(a), Some(b)) if a == b => e.add_birth_date(&a),
                        (Some(a), Some(b)) if a.len() >= 4 && b.len() >= 4 && a[..4] != b[..4] => {
                            e.add_birth_date(&format!("{} to {}", &a[..4], &b[..4]))
                        }
                        (Some(a), Some(b)) if a.get(..7) == b.get(..7) => e.add_birth_date(&a[..7]),
                        (Some(a), _) => e.add_birth_date(&a[..4]),
                        _ => {}
                    }
                }
            } else if lower.starts_with("location") || lower == "address" {
                for vl in v.children("VersionLocation") {
                    if let Some(a) = vl.attr("LocationID").and_then(|l| locations.get(l)).filter(|a| !a.is_empty()) {
                        e.addresses.push(a.clone());
                    }
                }
            } else if let Some(t) = text {
                if lower.contains("nationality") || lower.contains("citizenship") || lower == "vessel flag" {
                    e.add_country(&t);
                } else if lower.starts_with("gender") {
                    e.gender = Some(t.to_ascii_lowercase());
                } else if lower.starts_with("digital currency address") {
                    e.add_id(IdKind::CryptoWallet, &t, None);
                } else if lower.contains("call sign") {
                    e.add_id(IdKind::CallSign, &t, None);
                } else if lower.contains("mmsi") {
                    e.add_id(IdKind::Mmsi, &t, None);
                } else if lower.contains("swift") || lower.contains("bic") {
                    e.add_id(IdKind::Bic, &t, None);
                } else if lower.contains("email") {
                    e.add_id(IdKind::Email, &t, None);
                } else {
                    e.notes.push(format!("{ftype}: {t}"));
                }
            }
        }
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_reference_values_is_an_error() {
        let xml = r#"<Sanctions xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML"><DistinctParties/></Sanctions>"#;
        assert!(parse("a.xml", xml.as_bytes()).is_err());
    }

    #[test]
    fn unknown_party_subtype_is_an_error() {
        let xml = r#"<Sanctions><ReferenceValueSets><AliasTypeValues><AliasType ID="1403">Name</AliasType></AliasTypeValues></ReferenceValueSets>
<DistinctParties><DistinctParty FixedRef="1"><Profile ID="1" PartySubTypeID="99"/></DistinctParty></DistinctParties></Sanctions>"#;
        let e = parse("a.xml", xml.as_bytes()).unwrap_err();
        assert!(e.message.contains("PartySubTypeID 99"), "{e}");
    }
}
