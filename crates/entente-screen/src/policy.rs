//! Country policy: jurisdictions whose involvement in a payment raises an
//! alert whatever the lists say — by ISO country code (party and agent
//! addresses, residence, IBAN and BIC countries, regulatory reporting) and by
//! address text (town names and regions, in Latin and Cyrillic spellings).
//!
//! The default policy (`data/country_policy.toml`, embedded) covers North
//! Korea, Iran, Syria, Cuba and the occupied regions of Ukraine (Crimea,
//! Sevastopol, Donetsk, Luhansk, Zaporizhzhia, Kherson); users pass their own
//! file with `--country-policy`.

use crate::store::sha256_hex;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The embedded default policy.
pub const DEFAULT_POLICY: &str = include_str!("../data/country_policy.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    jurisdiction: Vec<Jurisdiction>,
}

/// One jurisdiction of the policy.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Jurisdiction {
    pub id: String,
    pub name: String,
    pub reason: String,
    #[serde(default)]
    pub country_codes: Vec<String>,
    #[serde(default)]
    pub terms: Vec<String>,
}

/// A loaded policy with its provenance.
#[derive(Debug, Clone)]
pub struct Policy {
    /// `built-in` or the file path.
    pub source: String,
    pub sha256: String,
    pub jurisdictions: Vec<Jurisdiction>,
    /// Normalised terms per jurisdiction (same order).
    terms: Vec<Vec<String>>,
}

/// Why a party touches a policy jurisdiction.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JurisdictionHit {
    pub jurisdiction: String,
    pub name: String,
    pub reason: String,
    /// Message sub-field (or input column) that matched.
    pub field: String,
    /// The value found there.
    pub value: String,
    /// `country code` or `address text`.
    pub evidence: String,
}

/// Lower-cases, folds apostrophes and turns punctuation into spaces.
fn norm(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(' ');
    for c in s.chars() {
        if matches!(c, '\'' | '’' | '`' | 'ʼ') {
            continue;
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

fn cjk(s: &str) -> bool {
    s.chars().any(|c| matches!(c as u32, 0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF | 0x4E00..=0x9FFF))
}

impl Policy {
    /// The built-in default policy.
    pub fn default_policy() -> Policy {
        Policy::parse("built-in", DEFAULT_POLICY).expect("the built-in country policy is valid")
    }

    /// Reads a policy file.
    pub fn load(path: &Path) -> Result<Policy> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("{}: cannot read country policy", path.display()))?;
        Policy::parse(&path.display().to_string(), &text)
    }

    /// Parses and validates policy TOML.
    pub fn parse(source: &str, text: &str) -> Result<Policy> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| crate::xml::line_col(text.as_bytes(), s.start)).unwrap_or((0, 0));
            anyhow::anyhow!("{source}:{line}:{col}: invalid country policy: {}", e.message())
        })?;
        let mut terms = Vec::new();
        for (i, j) in raw.jurisdiction.iter().enumerate() {
            if j.id.trim().is_empty() {
                bail!("{source}: jurisdiction #{} has an empty id", i + 1);
            }
            if j.country_codes.is_empty() && j.terms.is_empty() {
                bail!("{source}: jurisdiction {:?} has neither country_codes nor terms", j.id);
            }
            for c in &j.country_codes {
                if c.len() != 2 || !c.chars().all(|x| x.is_ascii_alphabetic()) {
                    bail!("{source}: jurisdiction {:?}: country code {c:?} is not ISO 3166-1 alpha-2", j.id);
                }
            }
            let t: Vec<String> = j.terms.iter().map(|t| norm(t)).filter(|t| !t.trim().is_empty()).collect();
            terms.push(t);
        }
        Ok(Policy {
            source: source.to_string(),
            sha256: sha256_hex(text.as_bytes()),
            jurisdictions: raw.jurisdiction,
            terms,
        })
    }

    /// Alerts for a country code or name found in `field`.
    pub fn check_country(&self, field: &str, value: &str) -> Vec<JurisdictionHit> {
        let code = crate::countries::to_code(value).to_ascii_uppercase();
        if code.len() != 2 {
            return self.check_text(field, value);
        }
        self.jurisdictions
            .iter()
            .filter(|j| j.country_codes.iter().any(|c| c.eq_ignore_ascii_case(&code)))
            .map(|j| JurisdictionHit {
                jurisdiction: j.id.clone(),
                name: j.name.clone(),
                reason: j.reason.clone(),
                field: field.to_string(),
                value: value.to_string(),
                evidence: "country code".into(),
            })
            .collect()
    }

    /// Alerts for address or free text found in `field`.
    pub fn check_text(&self, field: &str, text: &str) -> Vec<JurisdictionHit> {
        let n = norm(text);
        let mut out = Vec::new();
        for (j, terms) in self.jurisdictions.iter().zip(&self.terms) {
            let found = terms.iter().find(|t| if cjk(t) { n.contains(t.trim()) } else { n.contains(t.as_str()) });
            if let Some(t) = found {
                out.push(JurisdictionHit {
                    jurisdiction: j.id.clone(),
                    name: j.name.clone(),
                    reason: j.reason.clone(),
                    field: field.to_string(),
                    value: text.to_string(),
                    evidence: format!("address text ({:?})", t.trim()),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_flags_codes_and_regions() {
        let p = Policy::default_policy();
        assert_eq!(p.check_country("Dbtr/PstlAdr/Ctry", "KP")[0].jurisdiction, "KP");
        assert_eq!(p.check_country("country", "Iran")[0].jurisdiction, "IR");
        assert!(p.check_country("Dbtr/PstlAdr/Ctry", "UA").is_empty(), "Ukraine as such is not on the policy");
        assert!(p.check_country("Dbtr/PstlAdr/Ctry", "DE").is_empty());
        for (text, id) in [
            ("ul. Lenina 5, Simferopol", "UA-CRIMEA"),
            ("г. Севастополь, ул. Ленина 1", "UA-SEVASTOPOL"),
            ("Донецк, пр. Мира", "UA-DONETSK"),
            ("LUGANSK 91000", "UA-LUHANSK"),
            ("Zaporozhye region", "UA-ZAPORIZHZHIA"),
            ("м. Херсон", "UA-KHERSON"),
            ("평양시 중구역", "KP"),
        ] {
            let h = p.check_text("Dbtr/PstlAdr/AdrLine", text);
            assert_eq!(h.first().map(|h| h.jurisdiction.as_str()), Some(id), "{text}");
        }
        // Whole words only: "Cubans" / "Irani" street names do not alert, "Kiev" is not on the policy.
        assert!(p.check_text("x", "Hauptstrasse 1, Kiev").is_empty());
        assert!(p.check_text("x", "Iranistrasse 4, Cubanstown").is_empty());
    }

    #[test]
    fn invalid_policy_is_an_error_naming_the_file() {
        let e = Policy::parse(
            "p.toml",
            "[[jurisdiction]]\nid = \"X\"\nname = \"X\"\nreason = \"r\"\ncountry_codes = [\"XYZ\"]\n",
        )
        .unwrap_err();
        assert!(format!("{e}").contains("p.toml") && format!("{e}").contains("XYZ"), "{e}");
        let e = Policy::parse("p.toml", "[[jurisdiction]]\nid = \"X\"\nnme = \"X\"\n").unwrap_err();
        assert!(format!("{e}").starts_with("p.toml:"), "{e}");
    }
}
