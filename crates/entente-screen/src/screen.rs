//! Screening inputs (names, CSV, ISO 20022), screening in parallel, and the
//! results with their hits resolved against the index ([`ScreenedParty`]).
//! Rendering is entente-report's (`views::screen`).

use crate::audit::Audit;
use crate::index::{Hit, Index, Query, Scratch, SearchOptions};
use crate::iso20022::{Amount, Field, Location, Party};
use crate::model::{DateSpec, IdKind, Identifier, Schema};
use crate::policy::{JurisdictionHit, Policy};
use crate::xml::ParseError;
use anyhow::{bail, Context, Result};
use serde::Serialize;

/// Column mapping for CSV input.
#[derive(Debug, Clone, Default)]
pub struct CsvColumns {
    pub name: Option<String>,
    pub country: Option<String>,
    pub dob: Option<String>,
    pub schema: Option<String>,
    /// (identifier kind, column)
    pub ids: Vec<(IdKind, String)>,
    pub delimiter: u8,
}

/// Reads parties from a CSV file with a header row. Without `--name-column`
/// the first of `name`, `full_name`, `party`, `counterparty` (any case) is used.
pub fn parties_from_csv(source_name: &str, data: &[u8], cols: &CsvColumns) -> Result<Vec<Party>> {
    let text = crate::xml::decode_text(source_name, data)?;
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(if cols.delimiter == 0 { b',' } else { cols.delimiter })
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .with_context(|| format!("{source_name}: cannot read CSV header"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |want: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(want));
    let find_req = |want: &str| -> Result<usize> {
        find(want).with_context(|| format!("{source_name}: no column {want:?} (columns: {})", headers.join(", ")))
    };
    let name_col = match &cols.name {
        Some(n) => find_req(n)?,
        None => {
            ["name", "full_name", "party", "counterparty", "beneficiary"].iter().find_map(|c| find(c)).with_context(
                || format!("{source_name}: no name column; pass --name-column (columns: {})", headers.join(", ")),
            )?
        }
    };
    let opt = |c: &Option<String>, defaults: &[&str]| -> Result<Option<usize>> {
        match c {
            Some(n) => find_req(n).map(Some),
            None => Ok(defaults.iter().find_map(|d| find(d))),
        }
    };
    let country_col = opt(&cols.country, &["country", "nationality"])?;
    let dob_col = opt(&cols.dob, &["dob", "date_of_birth", "birth_date"])?;
    let schema_col = opt(&cols.schema, &["type", "schema"])?;
    let mut id_cols = Vec::new();
    for (k, c) in &cols.ids {
        id_cols.push((*k, find_req(c)?));
    }
    if cols.ids.is_empty() {
        for (k, c) in [
            (IdKind::Imo, "imo"),
            (IdKind::Bic, "bic"),
            (IdKind::Lei, "lei"),
            (IdKind::Inn, "inn"),
            (IdKind::Ogrn, "ogrn"),
        ] {
            if let Some(i) = find(c) {
                id_cols.push((k, i));
            }
        }
    }
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| {
            let (line, byte) = e.position().map(|p| (p.line() as usize, p.byte() as usize)).unwrap_or((0, 0));
            let mut pe = ParseError::at(source_name, text.as_bytes(), byte, format!("malformed CSV: {e}"));
            if line > 0 {
                pe.line = line;
            }
            pe
        })?;
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(str::trim).filter(|s| !s.is_empty());
        let name = get(Some(name_col)).unwrap_or("").to_string();
        let identifiers: Vec<Identifier> =
            id_cols.iter().filter_map(|(k, i)| get(Some(*i)).map(|v| Identifier::new(*k, v, None))).collect();
        if name.is_empty() && identifiers.is_empty() {
            continue;
        }
        let mut p = Party::new(
            &format!("{}", n + 1),
            "row",
            Query {
                name: name.clone(),
                schema: get(schema_col).and_then(Schema::parse),
                birth_date: get(dob_col).and_then(DateSpec::parse),
                country: get(country_col).map(str::to_string),
                identifiers: identifiers.clone(),
            },
        );
        if !name.is_empty() {
            p.fields.push(Field { field: headers[name_col].clone(), value: name });
        }
        for (k, i) in &id_cols {
            if let Some(v) = get(Some(*i)) {
                let _ = k;
                p.fields.push(Field { field: headers[*i].clone(), value: v.to_string() });
            }
        }
        if let (Some(c), Some(v)) = (country_col, get(country_col)) {
            p.locations.push(Location { field: headers[c].clone(), value: v.to_string(), is_code: true });
        }
        out.push(p);
    }
    Ok(out)
}

/// Result for one screened party.
#[derive(Debug, Clone, Serialize)]
pub struct PartyResult {
    pub reference: String,
    pub role: String,
    pub query: Query,
    pub hits: Vec<Hit>,
    /// Sub-fields screened for this party, with their values.
    pub fields: Vec<Field>,
    pub amount: Option<Amount>,
    /// Set when the party could not be screened (see [`Party::note`]).
    pub note: Option<String>,
    /// Country-policy alerts (country codes, address text).
    pub jurisdiction: Vec<JurisdictionHit>,
}

impl PartyResult {
    /// True when this party needs a reviewer: a list hit, a policy alert or
    /// nothing that could be screened.
    pub fn alerts(&self) -> bool {
        !self.hits.is_empty() || !self.jurisdiction.is_empty() || self.note.is_some()
    }

    /// The sub-fields that produced a hit: identifiers whose value the
    /// explanation cites, and the name (or text) fields when the name matched.
    pub fn matched_fields(&self, h: &Hit) -> Vec<String> {
        let mut out = Vec::new();
        for f in &self.fields {
            let id_match = h.explanation.contains(&format!("{} matches the listed", f.value));
            let name_field = f.field.ends_with("/Nm") || !self.query.name.is_empty() && f.value == self.query.name;
            let text_field = h.explanation.starts_with("in ") && self.query.name.contains(f.value.as_str());
            if id_match || (h.name_score > 0.0 && (name_field || text_field)) {
                out.push(f.field.clone());
            }
        }
        if out.is_empty() {
            out.push(if self.role == "name" { "name".into() } else { "name / identifiers".into() });
        }
        out
    }
}

/// Screens free text by sliding windows of 2–4 words (plus its identifiers),
/// keeping the best hit per entity.
fn screen_free_text(index: &Index, p: &Party, opts: &SearchOptions, scratch: &mut Scratch) -> Vec<Hit> {
    let words: Vec<&str> = p.query.name.split_whitespace().collect();
    let mut all: Vec<Hit> = Vec::new();
    let ids_only = Query { identifiers: p.query.identifiers.clone(), ..Default::default() };
    all.extend(index.search(&ids_only, opts, scratch));
    for len in 2..=4usize {
        for w in words.windows(len) {
            let q = Query { name: w.join(" "), ..Default::default() };
            for mut h in index.search(&q, opts, scratch) {
                h.explanation = format!("in {} text: {}", p.role, h.explanation);
                all.push(h);
            }
        }
        if words.len() < len {
            break;
        }
    }
    all.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| index.entities[a.entity].id.cmp(&index.entities[b.entity].id))
    });
    let mut seen = std::collections::HashSet::new();
    all.retain(|h| seen.insert(h.entity));
    all.truncate(opts.limit);
    all
}

/// Screens all parties in parallel (lists only, no country policy).
pub fn screen_all(index: &Index, parties: Vec<Party>, opts: &SearchOptions) -> Vec<PartyResult> {
    screen_all_with_policy(index, parties, opts, None)
}

/// Screens all parties in parallel against the lists and, when given, the
/// country policy (country codes and address / free text of every party).
pub fn screen_all_with_policy(
    index: &Index,
    parties: Vec<Party>,
    opts: &SearchOptions,
    policy: Option<&Policy>,
) -> Vec<PartyResult> {
    use rayon::prelude::*;
    parties
        .into_par_iter()
        .map_init(
            || index.scratch(),
            |scratch, p| {
                let screenable = !p.query.name.trim().is_empty() || !p.query.identifiers.is_empty();
                let hits = if !screenable {
                    Vec::new()
                } else if p.free_text {
                    screen_free_text(index, &p, opts, scratch)
                } else {
                    index.search(&p.query, opts, scratch)
                };
                let mut jurisdiction = Vec::new();
                if let Some(pol) = policy {
                    for l in &p.locations {
                        let found = if l.is_code {
                            pol.check_country(&l.field, &l.value)
                        } else {
                            pol.check_text(&l.field, &l.value)
                        };
                        for j in found {
                            if !jurisdiction
                                .iter()
                                .any(|x: &JurisdictionHit| x.jurisdiction == j.jurisdiction && x.field == j.field)
                            {
                                jurisdiction.push(j);
                            }
                        }
                    }
                    if p.role == "name" {
                        if let Some(c) = &p.query.country {
                            jurisdiction.extend(pol.check_country("--country", c));
                        }
                    }
                }
                PartyResult {
                    reference: p.reference,
                    role: p.role,
                    query: p.query,
                    hits,
                    fields: p.fields,
                    amount: p.amount,
                    note: p.note,
                    jurisdiction,
                }
            },
        )
        .collect()
}

/// One list entity a screened party matched, resolved against the index and the audit (the list it came from),
/// so that it can be rendered or serialised without the index. The JSON form is the `hits` of `entente screen
/// --format json` (score rounded to three decimals).
#[derive(Debug, Clone, Serialize)]
pub struct ScreenedHit {
    #[serde(serialize_with = "round3")]
    pub score: f32,
    pub entity_id: String,
    pub list: String,
    pub authority: String,
    pub schema: Schema,
    pub caption: String,
    pub matched_name: String,
    /// The party's sub-fields that produced the hit (see [`PartyResult::matched_fields`]).
    pub matched_fields: Vec<String>,
    pub programs: Vec<String>,
    pub explanation: String,
    /// Source of the list the entity came from ("" when unknown).
    pub list_source: String,
    /// Its publication date (ISO when readable, else as written in the file).
    pub list_published: Option<String>,
    /// Position of the entity in [`Index::entities`] (for front ends that show the whole entity).
    #[serde(skip)]
    pub entity: usize,
    /// Position of its list in [`Audit::lists`].
    #[serde(skip)]
    pub list_index: Option<usize>,
    /// Set when the entity is not listed itself but owned or controlled by listed parties (filled by the caller).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ownership: Vec<crate::model::OwnershipFlag>,
}

fn round3<S: serde::Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f32((v * 1000.0).round() / 1000.0)
}

/// The result for one screened party with its hits resolved ([`ScreenedHit`]). The JSON form is one element of
/// `results` of `entente screen --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct ScreenedParty {
    pub reference: String,
    pub role: String,
    pub query: Query,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// Set when the party could not be screened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub fields: Vec<Field>,
    pub jurisdiction: Vec<JurisdictionHit>,
    pub hits: Vec<ScreenedHit>,
}

impl ScreenedParty {
    /// True when this party needs a reviewer: a list hit, a policy alert or nothing that could be screened.
    pub fn alerts(&self) -> bool {
        !self.hits.is_empty() || !self.jurisdiction.is_empty() || self.note.is_some()
    }
}

/// Index of the list (in `index.lists` and the audit) an entity came from.
fn list_of(index: &Index, entity: usize) -> usize {
    let mut end = 0;
    for (i, l) in index.lists.iter().enumerate() {
        end += l.entities;
        if entity < end {
            return i;
        }
    }
    index.lists.len().saturating_sub(1)
}

/// Resolves a party's hits against the index and the audit's lists (which are in the index's list order).
pub fn resolve(index: &Index, audit: &Audit, r: PartyResult) -> ScreenedParty {
    let hits = r
        .hits
        .iter()
        .map(|h| {
            let e = &index.entities[h.entity];
            let li = list_of(index, h.entity);
            let l = audit.lists.get(li);
            ScreenedHit {
                score: h.score,
                entity_id: e.id.clone(),
                list: e.list.clone(),
                authority: e.authority.clone(),
                schema: e.schema,
                caption: e.caption().to_string(),
                matched_name: h.matched_name.clone(),
                matched_fields: r.matched_fields(h),
                programs: e.programs.clone(),
                explanation: h.explanation.clone(),
                list_source: l.map(|l| l.source.clone()).unwrap_or_default(),
                list_published: l.and_then(|l| l.published_iso.clone().or_else(|| l.published.clone())),
                entity: h.entity,
                list_index: l.map(|_| li),
                ownership: Vec::new(),
            }
        })
        .collect();
    ScreenedParty {
        reference: r.reference,
        role: r.role,
        query: r.query,
        amount: r.amount,
        note: r.note,
        fields: r.fields,
        jurisdiction: r.jurisdiction,
        hits,
    }
}

/// Parses `KIND=VALUE` identifier arguments.
pub fn parse_id_arg(s: &str) -> Result<Identifier> {
    let (k, v) = s.split_once('=').with_context(|| format!("identifier {s:?} must be KIND=VALUE, e.g. imo=9339301"))?;
    let Some(kind) = IdKind::parse(k) else {
        bail!("unknown identifier kind {k:?} (imo, mmsi, inn, ogrn, bic, lei, passport, ...)")
    };
    Ok(Identifier::new(kind, v, None))
}
