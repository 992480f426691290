//! What travels on `entente.screen.>`: one party or one payment per message, its format in the subject, its id in
//! `Nats-Msg-Id`.
//!
//! - `entente.screen.csv`: a CSV header line and one row (read by the same CSV reader as `entente screen --input`);
//! - `entente.screen.json`: one party as a JSON object: `name`, and optionally `type`, `country`, `dob`, `ids`
//!   (`{"imo": "9339301"}`) and `reference`;
//! - `entente.screen.iso20022`: a whole pacs.008 or pain.001 document.

use anyhow::{bail, Context, Result};
use entente_app::screen::{parse_input, InputFormat};
use entente_screen::index::Query;
use entente_screen::iso20022::{Field, Party};
use entente_screen::model::{DateSpec, Identifier, Schema};
use entente_screen::screen::{parse_id_arg, CsvColumns};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The subject prefix of messages to screen.
pub const SUBJECT_PREFIX: &str = "entente.screen.";
/// Header: where the message came from (the submitted file's name and the row, e.g. `parties.csv:2`).
pub const REF_HEADER: &str = "Entente-Ref";
/// Header: when the message was submitted (Unix time in microseconds; for end-to-end latency).
pub const SUBMITTED_HEADER: &str = "Entente-Submitted-Us";

/// Subject prefix of rescreen messages (`entente.screen.rescreen.csv`, `.json`, `.iso20022`).
pub const RESCREEN_PREFIX: &str = "entente.screen.rescreen.";
/// Rescreen header: the list version the counterparty was last screened against.
pub const RESCREEN_SINCE_HEADER: &str = "Entente-Rescreen-Since";
/// Rescreen header: the list version whose added / changed entries the counterparty is screened against.
pub const RESCREEN_VERSION_HEADER: &str = "Entente-Rescreen-Version";
/// Rescreen header: the message id the counterparty was first screened under (its key in the party store).
pub const PARTY_HEADER: &str = "Entente-Party-Id";

/// A message's format, the last token of its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Iso20022,
}

impl Format {
    pub fn token(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Iso20022 => "iso20022",
        }
    }

    pub fn subject(self) -> String {
        format!("{SUBJECT_PREFIX}{}", self.token())
    }

    /// The format a subject names.
    pub fn from_subject(subject: &str) -> Result<Format> {
        match subject.strip_prefix(SUBJECT_PREFIX) {
            Some("csv") => Ok(Format::Csv),
            Some("json") => Ok(Format::Json),
            Some("iso20022") => Ok(Format::Iso20022),
            _ => bail!("subject {subject:?} names no format (entente.screen.csv, .json or .iso20022)"),
        }
    }

    /// The subject of a rescreen message of this format.
    pub fn rescreen_subject(self) -> String {
        format!("{RESCREEN_PREFIX}{}", self.token())
    }

    /// The format a subject names, and whether it is a rescreen.
    pub fn parse_subject(subject: &str) -> Result<(Format, bool)> {
        match subject.strip_prefix(RESCREEN_PREFIX) {
            Some(rest) => Format::from_subject(&format!("{SUBJECT_PREFIX}{rest}"))
                .map(|f| (f, true))
                .with_context(|| format!("rescreen subject {subject:?}")),
            None => Format::from_subject(subject).map(|f| (f, false)),
        }
    }
}

/// One party as a JSON message.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JsonParty {
    /// The party's name (any script). May be empty when `ids` are given.
    #[serde(default)]
    pub name: String,
    /// person, organization, company, vessel, aircraft.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub party_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Date of birth or incorporation (YYYY, YYYY-MM-DD, DD/MM/YYYY).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dob: Option<String>,
    /// Identifiers by kind (imo, mmsi, inn, ogrn, bic, lei, passport, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ids: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl JsonParty {
    /// The party to screen; an unknown type, date or identifier kind is an error naming the field.
    pub fn to_party(&self, source: &str) -> Result<Party> {
        let schema = match self.party_type.as_deref().map(str::trim) {
            None | Some("") | Some("any") => None,
            Some(t) => Some(Schema::parse(t).with_context(|| {
                format!("{source}: field \"type\": unknown party type {t:?} (person, organization, company, vessel, aircraft)")
            })?),
        };
        let birth_date = match self.dob.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(DateSpec::parse(d).with_context(|| {
                format!("{source}: field \"dob\": cannot read date {d:?} (YYYY, YYYY-MM-DD, DD/MM/YYYY)")
            })?),
        };
        let identifiers: Vec<Identifier> = self
            .ids
            .iter()
            .map(|(k, v)| parse_id_arg(&format!("{k}={v}")).with_context(|| format!("{source}: field \"ids.{k}\"")))
            .collect::<Result<_>>()?;
        let name = self.name.trim().to_string();
        if name.is_empty() && identifiers.is_empty() {
            bail!("{source}: field \"name\": nothing to screen (no name and no identifier)");
        }
        let mut p = Party::new(
            self.reference.as_deref().unwrap_or(source),
            "party",
            Query {
                name: name.clone(),
                schema,
                birth_date,
                country: self.country.clone().filter(|c| !c.trim().is_empty()),
                identifiers,
            },
        );
        if !name.is_empty() {
            p.fields.push(Field { field: "name".into(), value: name });
        }
        Ok(p)
    }
}

/// The parties of one message; an error names the message and what is wrong with it.
pub fn parties(format: Format, source: &str, payload: &[u8]) -> Result<Vec<Party>> {
    let parties = match format {
        Format::Csv => {
            let csv = CsvColumns { delimiter: b',', ..Default::default() };
            parse_input(source, payload, InputFormat::Csv, &csv).map_err(anyhow::Error::new)?
        }
        Format::Iso20022 => {
            let csv = CsvColumns::default();
            parse_input(source, payload, InputFormat::Iso20022, &csv).map_err(anyhow::Error::new)?
        }
        Format::Json => {
            let p: JsonParty =
                serde_json::from_slice(payload).with_context(|| format!("{source}: not a JSON party"))?;
            vec![p.to_party(source)?]
        }
    };
    if parties.is_empty() {
        bail!("{source}: nothing to screen in this message");
    }
    Ok(parties)
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    let d = Sha256::digest(data);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// A message id that is the same whenever the same input is submitted again: the input's SHA-256 (first 16 hex
/// digits) and the party's position in it (`-` for a whole payment file).
pub fn message_id(input_sha256: &str, position: Option<usize>) -> String {
    let short = &input_sha256[..16.min(input_sha256.len())];
    match position {
        Some(i) => format!("{short}-{i}"),
        None => format!("{short}-doc"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_party_becomes_a_query_and_bad_fields_are_named() {
        let p: JsonParty =
            serde_json::from_str(r#"{"name":"Ri Pyong Chol","type":"person","country":"KP","ids":{"imo":"9339301"}}"#)
                .unwrap();
        let party = p.to_party("m1").unwrap();
        assert_eq!(party.query.name, "Ri Pyong Chol");
        assert_eq!(party.query.schema, Some(Schema::Person));
        assert_eq!(party.query.identifiers.len(), 1);
        let e = JsonParty { name: "x".into(), party_type: Some("dragon".into()), ..Default::default() }
            .to_party("m2")
            .unwrap_err();
        assert!(format!("{e:#}").contains("m2: field \"type\""), "{e:#}");
        let e = parties(Format::Json, "m3", br#"{"nme":"x"}"#).unwrap_err();
        assert!(format!("{e:#}").contains("m3: not a JSON party") && format!("{e:#}").contains("nme"), "{e:#}");
        let e = parties(Format::Json, "m4", br#"{"name":" "}"#).unwrap_err();
        assert!(format!("{e:#}").contains("nothing to screen"), "{e:#}");
    }

    #[test]
    fn a_csv_row_with_its_header_is_one_party() {
        let ps = parties(Format::Csv, "f.csv:2", b"id,counterparty,country\n2,Ri Pyong-chol,KP\n").unwrap();
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].query.country.as_deref(), Some("KP"));
        assert!(Format::from_subject("entente.screen.xml").is_err());
        assert_eq!(Format::from_subject("entente.screen.iso20022").unwrap(), Format::Iso20022);
        assert_eq!(Format::parse_subject("entente.screen.json").unwrap(), (Format::Json, false));
        assert_eq!(Format::parse_subject(&Format::Csv.rescreen_subject()).unwrap(), (Format::Csv, true));
        assert!(Format::parse_subject("entente.screen.rescreen.xml").is_err());
        assert!(Format::from_subject("entente.screen.rescreen.csv").is_err());
    }

    #[test]
    fn message_ids_are_deterministic() {
        let h = sha256_hex(b"abc");
        assert_eq!(message_id(&h, Some(3)), "ba7816bf8f01cfea-3");
        assert_eq!(message_id(&h, None), "ba7816bf8f01cfea-doc");
    }
}
