//! OpenSanctions FollowTheMoney JSON lines (`entities.ftm.json`): one entity
//! per line, `{"id", "schema", "properties": {prop: [str, ...]}, ...}`.
//!
//! Matchable schemata become [`Entity`]s directly. `Sanction` entities are
//! folded into the entity they reference (programme, authority, listing date);
//! `Ownership` entities become links on both owner and asset, and an asset
//! whose owner carries the `sanction` topic gets `sanction.linked` — the
//! exposure OpenSanctions pre-computes, without claiming any percentage rule.

use crate::lists::ParsedList;
use crate::model::{Entity, IdKind, Link, NameStrength, Schema};
use crate::xml::{ParseError, MAX_FIELD};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// FollowTheMoney properties that hold an identifier, and its kind: read from list records and from yente-style
/// queries alike.
pub const ID_PROPERTIES: &[(&str, IdKind)] = &[
    ("imoNumber", IdKind::Imo),
    ("mmsi", IdKind::Mmsi),
    ("innCode", IdKind::Inn),
    ("ogrnCode", IdKind::Ogrn),
    ("swiftBic", IdKind::Bic),
    ("bicCode", IdKind::Bic),
    ("bikCode", IdKind::Bik),
    ("leiCode", IdKind::Lei),
    ("passportNumber", IdKind::Passport),
    ("registrationNumber", IdKind::Registration),
    ("taxNumber", IdKind::TaxId),
    ("idNumber", IdKind::NationalId),
    ("publicKey", IdKind::CryptoWallet),
    ("callSign", IdKind::CallSign),
    ("email", IdKind::Email),
];

#[derive(Deserialize)]
struct RawEntity {
    id: String,
    schema: String,
    #[serde(default)]
    properties: BTreeMap<String, Vec<serde_json::Value>>,
    #[serde(default)]
    datasets: Vec<String>,
}

const MAX_LINE: usize = 16 * MAX_FIELD;

/// Parses FtM JSON lines.
pub fn parse(source_name: &str, data: &[u8]) -> Result<ParsedList, ParseError> {
    let mut out = ParsedList::new("ftm", "OpenSanctions", "ftm-jsonl", source_name);
    let mut entities: Vec<Entity> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut sanctions = Vec::new();
    let mut ownerships = Vec::new();
    let mut offset = 0usize;
    for (lineno, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line_start = offset;
        offset += raw.len() + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if raw.len() > MAX_LINE {
            return Err(ParseError::at(source_name, data, line_start, "line longer than 16 MiB"));
        }
        let text = std::str::from_utf8(raw)
            .map_err(|e| ParseError::at(source_name, data, line_start + e.valid_up_to(), "invalid UTF-8"))?;
        let ent: RawEntity = serde_json::from_str(text).map_err(|e| ParseError {
            source_name: source_name.to_string(),
            line: lineno + 1,
            column: e.column(),
            message: format!("invalid FtM JSON: {e}"),
        })?;
        let props = |k: &str| -> Vec<String> {
            ent.properties
                .get(k)
                .map(|v| v.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default()
        };
        match ent.schema.as_str() {
            "Sanction" => sanctions.push((
                props("entity"),
                props("program"),
                props("authority"),
                props("listingDate").into_iter().chain(props("startDate")).next(),
                props("programId"),
            )),
            "Ownership" => ownerships.push((props("owner"), props("asset"), props("percentage"))),
            _ => {}
        }
        let schema = match ent.schema.as_str() {
            "Person" => Schema::Person,
            "Company" => Schema::Company,
            "Organization" | "PublicBody" => Schema::Organization,
            "LegalEntity" => Schema::LegalEntity,
            "Vessel" => Schema::Vessel,
            "Airplane" => Schema::Airplane,
            _ => continue,
        };
        let mut e = Entity::new(format!("ftm:{}", ent.id), schema, "ftm", "OpenSanctions");
        for n in props("name") {
            let s = if e.names.is_empty() { NameStrength::Primary } else { NameStrength::Alias };
            e.add_name(&n, s, None);
        }
        for n in props("alias") {
            e.add_name(&n, NameStrength::Alias, None);
        }
        for n in props("previousName") {
            e.add_name(&n, NameStrength::Previous, None);
        }
        for n in props("weakAlias") {
            e.add_name(&n, NameStrength::Weak, None);
        }
        for d in props("birthDate").into_iter().chain(props("incorporationDate")) {
            e.add_birth_date(&d);
        }
        for c in ["nationality", "citizenship", "country", "jurisdiction", "flag", "mainCountry"] {
            for v in props(c) {
                e.add_country(&v);
            }
        }
        for &(prop, kind) in ID_PROPERTIES {
            for v in props(prop) {
                e.add_id(kind, &v, None);
            }
        }
        for p in props("program") {
            e.add_program(&p);
        }
        e.topics = props("topics");
        e.gender = props("gender").into_iter().next();
        e.addresses = props("address");
        e.notes = props("notes");
        if !ent.datasets.is_empty() {
            e.notes.push(format!("datasets: {}", ent.datasets.join(", ")));
        }
        by_id.insert(ent.id.clone(), entities.len());
        entities.push(e);
    }
    for (targets, programs, authority, date, program_ids) in sanctions {
        for t in targets {
            if let Some(&i) = by_id.get(&t) {
                let e = &mut entities[i];
                for p in programs.iter().chain(program_ids.iter()) {
                    e.add_program(p);
                }
                for a in &authority {
                    if !e.notes.iter().any(|n| n == a) {
                        e.notes.push(format!("sanctioned by {a}"));
                    }
                }
                if e.listing_date.is_none() {
                    e.listing_date = date.clone();
                }
                if !e.topics.iter().any(|t| t == "sanction") {
                    e.topics.push("sanction".into());
                }
            }
        }
    }
    for (owners, assets, pct) in ownerships {
        for o in &owners {
            for a in &assets {
                let pct = pct.first().cloned();
                if let Some(&i) = by_id.get(o) {
                    entities[i].links.push(Link {
                        relation: "owner of".into(),
                        target: format!("ftm:{a}"),
                        percentage: pct.clone(),
                    });
                }
                let owner_sanctioned =
                    by_id.get(o).map(|&i| entities[i].topics.iter().any(|t| t == "sanction")).unwrap_or(false);
                if let Some(&i) = by_id.get(a) {
                    let e = &mut entities[i];
                    e.links.push(Link { relation: "owned by".into(), target: format!("ftm:{o}"), percentage: pct });
                    if owner_sanctioned && !e.topics.iter().any(|t| t.starts_with("sanction")) {
                        e.topics.push("sanction.linked".into());
                    }
                }
            }
        }
    }
    out.entities = entities;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_identifier_property_is_read_with_its_kind() {
        let line = r#"{"id": "x1", "schema": "Company", "properties": {"name": ["Bank X"], "bicCode": ["BKXXRUMM"], "bikCode": ["044525225"], "idNumber": ["123"], "swiftBic": ["BKYYRUMM"], "innCode": ["7707083893"]}}"#;
        let l = parse("t.ftm.jsonl", line.as_bytes()).expect("parses");
        let e = &l.entities[0];
        let kinds: Vec<(IdKind, &str)> = e.identifiers.iter().map(|i| (i.kind, i.value.as_str())).collect();
        for want in [
            (IdKind::Bic, "BKXXRUMM"),
            (IdKind::Bic, "BKYYRUMM"),
            (IdKind::Bik, "044525225"),
            (IdKind::NationalId, "123"),
            (IdKind::Inn, "7707083893"),
        ] {
            assert!(kinds.iter().any(|(k, v)| *k == want.0 && v.contains(want.1)), "{want:?} missing from {kinds:?}");
        }
        // the yente query side reads the same table, so a property is never an identifier on one side only
        assert!(ID_PROPERTIES.iter().any(|(p, k)| *p == "bicCode" && *k == IdKind::Bic));
    }
}
