//! Matching actors to list entities (identifiers first, then names, through the screener's index) and the
//! actor × authority cells.

use crate::coverage::{listing_date, Authority, Completeness, ListCoverage};
use chrono::NaiveDate;
use entente_data::actors::{Actor, ActorKind};
use entente_screen::index::{Index, Query, SearchOptions};
use entente_screen::model::{normalize_id, Entity, IdKind, Identifier, Schema};
use serde::Serialize;

/// Name-only matches of persons below this score are not taken (the screener's default threshold is 0.8: a gap
/// analysis that calls a party "listed" on a loose match would hide the very gaps it is for). A person's listed
/// name often adds a patronymic the evidence leaves out ("Vladimir MIKHEYCHIK" ~ "Vladimir Vladimirovich
/// MIKHEYCHIK" scores 0.93).
pub const NAME_THRESHOLD: f32 = 0.88;
/// Organisations differ by one word as often as not ("AZIA Shipping Holdings" and "AZIA Shipping Company" are
/// two parties of one network, 0.93): names alone must agree almost exactly.
pub const ORG_NAME_THRESHOLD: f32 = 0.95;
/// Vessels are matched on names only when the list gives no IMO number, and then nearly exactly.
pub const VESSEL_NAME_THRESHOLD: f32 = 0.95;

/// How a list entity was matched to an actor.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum Basis {
    /// A strong identifier (IMO, INN, OGRN, BIC, LEI) is the same.
    Identifier { kind: String, value: String },
    /// The name matches and no identifier contradicts it.
    Name { score: f32, matched: String },
}

impl Basis {
    pub fn describe(&self) -> String {
        match self {
            Basis::Identifier { kind, value } => format!("{kind} {value}"),
            Basis::Name { score, matched } => format!("name '{matched}' {score:.2}"),
        }
    }
}

/// A list entity matched to an actor.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    pub entity: String,
    pub caption: String,
    /// Index of the list file in [`crate::Gaps::lists`].
    pub list: usize,
    pub basis: Basis,
    pub programmes: Vec<String>,
    pub listed_on: Option<NaiveDate>,
}

/// The identifiers of an actor as screening identifiers.
pub fn actor_identifiers(a: &Actor) -> Vec<Identifier> {
    let mut out = Vec::new();
    for (kind, v) in [
        (IdKind::Imo, &a.imo),
        (IdKind::Inn, &a.inn),
        (IdKind::Ogrn, &a.ogrn),
        (IdKind::Bic, &a.bic),
        (IdKind::Lei, &a.lei),
    ] {
        if let Some(v) = v {
            out.push(Identifier::new(kind, v, None));
        }
    }
    out
}

pub fn schema_of(k: ActorKind) -> Schema {
    match k {
        ActorKind::Vessel => Schema::Vessel,
        ActorKind::Person => Schema::Person,
        ActorKind::Company | ActorKind::Bank => Schema::Company,
        ActorKind::Unit => Schema::Organization,
    }
}

/// Identifier kinds that denote the same number (lists publish an OGRN as "registration number", an INN as
/// "tax ID").
fn family(k: IdKind) -> Option<u8> {
    Some(match k {
        IdKind::Imo => 0,
        IdKind::Inn | IdKind::TaxId => 1,
        IdKind::Ogrn | IdKind::Registration => 2,
        IdKind::Bic => 3,
        IdKind::Lei => 4,
        _ => return None,
    })
}

/// Compares an actor's identifiers with an entity's: a shared one, a contradicting one, or neither.
fn compare_ids(ours: &[Identifier], theirs: &[Identifier], schema: Schema) -> (Option<Identifier>, bool) {
    let mut contradicted = false;
    for o in ours {
        let Some(fo) = family(o.kind) else { continue };
        let mut same_family = false;
        for t in theirs {
            // OFAC writes a shipping company's IMO company number as "IMO": not a ship's number.
            if t.kind == IdKind::Imo && schema != Schema::Vessel {
                continue;
            }
            if family(t.kind) == Some(fo) {
                same_family = true;
                if normalize_id(o.kind, &o.value) == normalize_id(t.kind, &t.value) {
                    return (Some(o.clone()), false);
                }
            }
        }
        // A registration number of another family may still be ours (OGRN filed as "registration"): only a
        // same-kind identifier that differs contradicts.
        if same_family && theirs.iter().any(|t| t.kind == o.kind) {
            contradicted = true;
        }
    }
    (None, contradicted)
}

/// Finds an actor's entries in the index: identifier matches first; names only where no identifier of the
/// same kind contradicts them. `list_of` maps an entity index to its list file.
pub fn find(index: &Index, list_of: &dyn Fn(usize) -> usize, formats: &[String], a: &Actor) -> Vec<Match> {
    let ids = actor_identifiers(a);
    let schema = schema_of(a.kind);
    let mut scratch = index.scratch();
    let opts = SearchOptions { threshold: 0.8, limit: 200, ..SearchOptions::default() };
    let mut hits = Vec::new();
    for name in std::iter::once(&a.name).chain(&a.aliases) {
        let q = Query {
            name: name.clone(),
            schema: Some(schema),
            birth_date: None,
            country: None,
            identifiers: ids.clone(),
        };
        hits.extend(index.search(&q, &opts, &mut scratch));
    }
    let mut out: Vec<Match> = Vec::new();
    for h in hits {
        if out.iter().any(|m| m.entity == index.entities[h.entity].id && m.list == list_of(h.entity)) {
            continue;
        }
        let e: &Entity = &index.entities[h.entity];
        if !schema.compatible(e.schema) && e.schema != Schema::LegalEntity {
            continue;
        }
        let (shared, contradicted) = compare_ids(&ids, &e.identifiers, e.schema);
        let basis = match shared {
            Some(id) => Basis::Identifier { kind: id.kind.to_string(), value: id.value.clone() },
            None => {
                if contradicted {
                    continue;
                }
                let min = if a.kind == ActorKind::Vessel {
                    if e.identifiers.iter().any(|i| i.kind == IdKind::Imo) && a.imo.is_some() {
                        continue; // both have IMO numbers and they differ: another ship of that name
                    }
                    VESSEL_NAME_THRESHOLD
                } else if a.kind == ActorKind::Person {
                    NAME_THRESHOLD
                } else {
                    ORG_NAME_THRESHOLD
                };
                if h.name_score < min {
                    continue;
                }
                Basis::Name { score: h.name_score, matched: h.matched_name.clone() }
            }
        };
        let li = list_of(h.entity);
        out.push(Match {
            entity: e.id.clone(),
            caption: e.caption().to_string(),
            list: li,
            basis,
            programmes: e.programs.clone(),
            listed_on: listing_date(e, &formats[li]),
        });
    }
    // Identifier matches first, then by list and entity id (deterministic).
    out.sort_by(|x, y| {
        let rank = |m: &Match| matches!(m.basis, Basis::Name { .. }) as u8;
        (rank(x), x.list, &x.entity).cmp(&(rank(y), y.list, &y.entity))
    });
    out
}

/// The state of one actor at one authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Listed,
    /// Not in any loaded list of the authority (see the cell's list and its date).
    NotFound,
    /// The authority's lists cannot answer: none loaded, only samples, or (EU ships) the measure is not a list
    /// entry at all.
    NotCovered,
    /// The lists loaded are later than the as-of date and give no designation date.
    Unknown,
    /// Not listed itself, but owned or controlled by listed parties under the authority's rule.
    ViaOwnership,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Listed => "listed",
            Status::NotFound => "not found",
            Status::NotCovered => "not covered",
            Status::Unknown => "unknown",
            Status::ViaOwnership => "via ownership",
        }
    }
}

/// Where a designation date comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateSource {
    /// The list file states it.
    List,
    /// A claim in the dataset reports the action that designated this party.
    Reported,
    /// A claim reports an action that, by the evidence, included this party without naming it.
    ReportedInferred,
}

/// One actor at one authority.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub authority: Authority,
    pub status: Status,
    pub matches: Vec<Match>,
    pub programmes: Vec<String>,
    pub designated: Option<NaiveDate>,
    pub date_source: Option<DateSource>,
    /// Claims behind a reported date.
    pub date_claims: Vec<String>,
    /// The list file the answer rests on (the one matched, or the latest full one searched) and its date.
    pub list: Option<String>,
    pub list_date: Option<NaiveDate>,
    /// Designation date minus first public evidence, in days (negative: designated before the evidence).
    pub lag_days: Option<i64>,
    /// Ownership or control path when `status` is `ViaOwnership`.
    pub path: Vec<String>,
    pub note: String,
}

/// The cell of one authority from the matches found in its lists.
#[allow(clippy::too_many_arguments)]
pub fn cell(
    authority: Authority,
    actor: &Actor,
    matches: Vec<Match>,
    lists: &[ListCoverage],
    as_of: Option<NaiveDate>,
    evidence: Option<NaiveDate>,
    ds: &entente_core::Dataset,
) -> Cell {
    let mine: Vec<usize> = (0..lists.len()).filter(|&i| lists[i].authority == Some(authority)).collect();
    let mut c = Cell {
        authority,
        status: Status::NotFound,
        matches: Vec::new(),
        programmes: Vec::new(),
        designated: None,
        date_source: None,
        date_claims: Vec::new(),
        list: None,
        list_date: None,
        lag_days: None,
        path: Vec::new(),
        note: String::new(),
    };
    // Designations reported in the evidence, public by the as-of date.
    let reported = actor
        .designations
        .iter()
        .filter(|d| Authority::from_reported(&d.authority) == Some(authority))
        .filter(|d| {
            as_of.is_none_or(|a| {
                d.date <= a && d.claims.iter().all(|k| ds.claims.get(k).is_some_and(|cl| cl.public <= a))
            })
        })
        .min_by_key(|d| d.date);
    let matches: Vec<Match> = matches.into_iter().filter(|m| mine.contains(&m.list)).collect();
    // A match counts as of the as-of date when its listing date is on or before it, or when the list itself
    // is no later than the as-of date; otherwise it is unknown whether it was listed then.
    let mut known = Vec::new();
    let mut undated_later = Vec::new();
    for m in matches {
        let list_date = lists[m.list].date;
        let ok = match as_of {
            None => true,
            Some(a) => match m.listed_on {
                Some(d) => d <= a,
                None => list_date.is_some_and(|ld| ld <= a),
            },
        };
        let later_listing = as_of.is_some() && m.listed_on.is_some() && !ok;
        if ok {
            known.push(m);
        } else if !later_listing {
            undated_later.push(m);
        }
    }
    if !known.is_empty() {
        c.status = Status::Listed;
        for m in &known {
            for p in &m.programmes {
                if !c.programmes.contains(p) {
                    c.programmes.push(p.clone());
                }
            }
        }
        if let Some((d, _)) = known.iter().filter_map(|m| m.listed_on.map(|d| (d, m))).min_by_key(|(d, _)| *d) {
            c.designated = Some(d);
            c.date_source = Some(DateSource::List);
        }
        let best = &known[0];
        c.list = Some(lists[best.list].source.clone());
        c.list_date = lists[best.list].date;
        c.matches = known;
    } else if let Some(r) = reported {
        // Reported designated (by the as-of date); the loaded lists miss it, or are later and undated.
        c.status = Status::Listed;
        let latest = mine.iter().copied().max_by_key(|&i| lists[i].date);
        if let Some(i) = latest {
            c.list = Some(lists[i].source.clone());
            c.list_date = lists[i].date;
        }
        c.note = if !undated_later.is_empty() {
            "in a list later than the as-of date; reported designated by then".into()
        } else {
            match latest.and_then(|i| lists[i].date) {
                Some(ld) if ld < r.date => {
                    format!("reported designated {}; the latest list loaded ({ld}) predates it", r.date)
                }
                _ => "reported designated, but not found in the loaded lists (delisted, or not matched)".into(),
            }
        };
        c.matches = undated_later.clone();
    } else if !undated_later.is_empty() {
        c.status = Status::Unknown;
        let m = &undated_later[0];
        c.list = Some(lists[m.list].source.clone());
        c.list_date = lists[m.list].date;
        c.note = "listed in a list later than the as-of date that gives no designation date".into();
        c.matches = undated_later;
    } else {
        // Not found: the answer is only as good as the best list searched.
        let full = mine.iter().copied().filter(|&i| lists[i].completeness != Completeness::Sample);
        let best = full.max_by_key(|&i| lists[i].date).or_else(|| mine.iter().copied().max_by_key(|&i| lists[i].date));
        match best {
            None => {
                c.status = Status::NotCovered;
                c.note = "no list of this authority loaded".into();
            }
            Some(i) => {
                c.list = Some(lists[i].source.clone());
                c.list_date = lists[i].date;
                if lists[i].completeness == Completeness::Sample {
                    c.status = Status::NotCovered;
                    c.note = "only a sample of this authority's list is loaded".into();
                }
            }
        }
        let ship_lists =
            mine.iter().any(|&i| lists[i].completeness != Completeness::Sample && !lists[i].format.contains("conlist"));
        if authority == Authority::Uk && actor.kind == ActorKind::Vessel && c.status == Status::NotFound && !ship_lists
        {
            c.status = Status::NotCovered;
            c.note = "only the OFSI Consolidated List (financial sanctions) is loaded; ships specified under the UK shipping sanctions are on the FCDO UK Sanctions List".into();
        }
        if authority == Authority::Eu && actor.kind == ActorKind::Vessel {
            c.status = Status::NotCovered;
            c.note = "EU ship measures (port-access ban, Regulation 833/2014) are not entries of the EU financial sanctions list".into();
        }
    }
    if c.status == Status::Listed && c.designated.is_none() {
        if let Some(r) = reported {
            c.designated = Some(r.date);
            c.date_source = Some(if r.inferred { DateSource::ReportedInferred } else { DateSource::Reported });
            c.date_claims = r.claims.clone();
            if !r.programme.is_empty() && !c.programmes.contains(&r.programme) {
                c.programmes.push(r.programme.clone());
            }
        }
    }
    if let (Some(d), Some(e)) = (c.designated, evidence) {
        c.lag_days = Some((d - e).num_days());
    }
    c
}
