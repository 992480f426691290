//! Sanctions gap analysis: which parties carry the Russia–North Korea flows, and which authorities have (or have
//! not) designated each of them, since when.
//!
//! Data flow: the actors ledger (`entente_data::actors`) and the loaded lists (`entente_screen::lists`) →
//! one screening index → per actor, matches by identifier first and then by name ([`matrix::find`]) → one
//! [`matrix::Cell`] per authority with status, programme, designation date and the date of the list the answer
//! rests on → summaries (listed by the US or UK but not the EU, listed nowhere, designation lags) and the
//! parties caught only through ownership or control ([`ownership`]).
//!
//! Honesty rules: a "not found" always carries the date and kind (full, sample, derived copy) of the list it
//! rests on; an authority whose lists cannot answer (only a sample, or EU ship measures that are not list
//! entries) is "not covered", never "not listed"; a designation date a list does not give comes only from a
//! claim in the dataset and says so.

pub mod coverage;
pub mod matrix;
pub mod ownership;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use coverage::{authority_of, judge, Authority, Completeness, DateBasis, ListCoverage};
use entente_core::Dataset;
use entente_data::actors::{Actor, ActorKind};
use entente_screen::index::Index;
use entente_screen::lists::{LoadOptions, Loaded, OfacPart, ParsedList};
use entente_screen::model::Schema;
use matrix::{Cell, Status};
use serde::Serialize;
use std::path::PathBuf;

/// Options of one analysis.
#[derive(Debug, Clone, Default)]
pub struct GapOptions {
    /// Use only evidence public, designations made and ownership in force on or before this date.
    pub as_of: Option<NaiveDate>,
}

/// One actor's row of the matrix.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub actor: String,
    pub kind: ActorKind,
    pub name: String,
    /// `IMO 9179842`, `INN 7718857267`…
    pub identifiers: Vec<String>,
    pub operator: Option<String>,
    /// `flow: role (from–to)` for each role evidenced by the as-of date.
    pub roles: Vec<String>,
    /// First public evidence of a part in the flows (roles other than `context`).
    pub first_evidence: Option<NaiveDate>,
    pub claims: Vec<String>,
    /// One per authority, in [`Authority::ALL`] order.
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn cell(&self, a: Authority) -> &Cell {
        self.cells.iter().find(|c| c.authority == a).expect("one cell per authority")
    }
}

/// What can be said of one authority with the lists loaded.
#[derive(Debug, Clone, Serialize)]
pub struct AuthorityCoverage {
    pub authority: Authority,
    /// Indexes into [`Gaps::lists`].
    pub lists: Vec<usize>,
    pub latest: Option<NaiveDate>,
    /// `full`, `sample`, `derived`, or `none` (no list loaded).
    pub best: String,
    pub notes: Vec<String>,
}

/// Designation lags of one authority.
#[derive(Debug, Clone, Serialize)]
pub struct Lag {
    pub authority: Authority,
    /// Actors with both a designation date and first evidence.
    pub n: usize,
    pub median_days: Option<f64>,
    /// Designated before the first public evidence of their part in the flows.
    pub before_evidence: usize,
    /// Of which the date is reported (not in the list file).
    pub reported_dates: usize,
}

/// The summaries the issue asks for.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Listed by the US or UK, not found on the EU list (vessels excepted: see `eu_not_covered_ships`).
    pub us_uk_not_eu: Vec<String>,
    /// Vessels listed by the US or UK: the EU financial sanctions list cannot say whether the EU acts on them.
    pub eu_not_covered_ships: Vec<String>,
    /// Listed (or caught through ownership) by no authority whose lists could answer.
    pub listed_nowhere: Vec<String>,
    pub lags: Vec<Lag>,
}

/// The result of `entente gaps`.
#[derive(Debug, Clone, Serialize)]
pub struct Gaps {
    pub as_of: Option<NaiveDate>,
    pub authorities: Vec<AuthorityCoverage>,
    /// Every list file loaded (authority lists and reference data), in load order.
    pub lists: Vec<ListCoverage>,
    /// Files under the list folders that were not lists, and why.
    pub skipped: Vec<(String, String)>,
    pub rows: Vec<Row>,
    /// Actors with no evidence public by the as-of date.
    pub excluded: Vec<String>,
    pub summary: Summary,
    /// Parties caught (or possibly caught) through ownership or control, per authority.
    pub ownership: Vec<ownership::Finding>,
}

/// Loads lists the way `gaps` needs: every recognised list under the paths, naming what is skipped, and OFAC CSV
/// sets even without companion files (the missing ones are named in the coverage, not hidden).
pub fn load_lists(paths: &[PathBuf]) -> Result<Loaded> {
    let opts = LoadOptions {
        skip_unrecognised: true,
        allow_incomplete_ofac: [OfacPart::Add, OfacPart::Alt, OfacPart::Comments].into_iter().collect(),
    };
    entente_screen::lists::load_paths_with(paths, &opts)
}

/// Reads the ownership graph from the FtM files among the loaded lists and the UK lists' parent / subsidiary data.
pub fn ownership_graph(lists: &[ParsedList]) -> Result<ownership::Graph> {
    let mut g = ownership::Graph::default();
    for l in lists.iter().filter(|l| l.format.starts_with("ftm")) {
        let text = std::fs::read_to_string(&l.source).with_context(|| format!("{}: cannot read", l.source))?;
        if text.contains("\"Ownership\"") || text.contains("\"Directorship\"") || text.contains("\"Sanction\"") {
            g.add_ftm(&l.source, &text)?;
        }
    }
    g.add_uk_links(lists);
    Ok(g)
}

/// Stop words of the pre-filter: legal forms and generic words that would keep half of every list.
const STOP: &[&str] = &[
    "llc",
    "ooo",
    "ltd",
    "limited",
    "company",
    "jsc",
    "oao",
    "zao",
    "pao",
    "the",
    "and",
    "bank",
    "state",
    "group",
    "holding",
    "holdings",
    "shipping",
    "trading",
    "international",
    "liability",
    "obshchestvo",
    "ogranichennoi",
    "otvetstvennostyu",
];

/// A blocking key of the pre-filter: a word's first four (or only three) letters, zero-padded.
type Key = [u8; 4];

/// Blocking keys of a name for the pre-filter: Latin transliteration (any script), lower-case words, each word
/// of 3 letters as it is and each longer word by its first four letters (spelling variants keep their stem:
/// OBORONLOGISTICS / OBORONLOGISTIKA, MIKHEICHIK / MIKHEYCHIK).
fn name_keys(name: &str, out: &mut Vec<Key>) {
    let translit;
    let ascii = if name.is_ascii() {
        name
    } else {
        translit = any_ascii::any_ascii(name);
        translit.as_str()
    };
    for w in ascii.split(|c: char| !c.is_ascii_alphanumeric()) {
        if w.len() < 3 || STOP.iter().any(|s| s.eq_ignore_ascii_case(w)) {
            continue;
        }
        let mut k = [0u8; 4];
        for (d, c) in k.iter_mut().zip(w.bytes()) {
            *d = c.to_ascii_lowercase();
        }
        out.push(k);
    }
}

/// Keeps, of each list, the entities that share an identifier with some actor, or a name key with some actor
/// whose kind can be compared with the entity's schema (a person's name never matches a vessel's: the screener
/// does not compare them), so that the index (whose cost is preparing every name) is built over hundreds of
/// entries instead of tens of thousands. The screener then scores them exactly as it would in the full index:
/// an entity the pre-filter drops has no word stem in common with any actor name of a comparable kind, which no
/// name score of 0.88 survives. Fills `bounds` with the cumulative entity counts of the kept lists (entity index
/// → list index).
fn prefilter(lists: Vec<ParsedList>, actors: &[Actor], bounds: &mut Vec<usize>) -> Vec<ParsedList> {
    use std::collections::{HashMap, HashSet};
    // Name keys per actor schema.
    let mut keys: HashMap<Key, Vec<Schema>> = HashMap::new();
    let mut buf = Vec::new();
    for a in actors {
        let schema = matrix::schema_of(a.kind);
        for n in std::iter::once(&a.name).chain(&a.aliases) {
            buf.clear();
            name_keys(n, &mut buf);
            for k in &buf {
                let v = keys.entry(*k).or_default();
                if !v.contains(&schema) {
                    v.push(schema);
                }
            }
        }
    }
    let ids: HashSet<String> = actors
        .iter()
        .flat_map(matrix::actor_identifiers)
        .map(|i| entente_screen::model::normalize_id(i.kind, &i.value))
        .collect();
    use rayon::prelude::*;
    let kept: Vec<ParsedList> = lists
        .into_par_iter()
        .map(|mut l| {
            let mut buf = Vec::new();
            l.entities.retain(|e| {
                if e.identifiers.iter().any(|i| ids.contains(&i.key())) {
                    return true;
                }
                e.names.iter().any(|n| {
                    buf.clear();
                    name_keys(&n.value, &mut buf);
                    buf.iter().any(|k| keys.get(k).is_some_and(|ss| ss.iter().any(|s| s.compatible(e.schema))))
                })
            });
            l
        })
        .collect();
    let mut acc = 0;
    for l in &kept {
        acc += l.entities.len();
        bounds.push(acc);
    }
    kept
}

fn identifiers(a: &Actor) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in [("IMO", &a.imo), ("INN", &a.inn), ("OGRN", &a.ogrn), ("BIC", &a.bic), ("LEI", &a.lei)] {
        if let Some(v) = v {
            out.push(format!("{k} {v}"));
        }
    }
    out
}

/// Runs the analysis.
pub fn analyse(ds: &Dataset, actors: &[Actor], loaded: Loaded, graph: &ownership::Graph, opts: &GapOptions) -> Gaps {
    let as_of = opts.as_of;
    let lists: Vec<ListCoverage> = loaded.lists.iter().map(|l| judge(l, authority_of(l))).collect();
    let formats: Vec<String> = loaded.lists.iter().map(|l| l.format.clone()).collect();
    let mut bounds = Vec::with_capacity(lists.len());
    let index = Index::build(prefilter(loaded.lists, actors, &mut bounds));
    let list_of = |ei: usize| bounds.partition_point(|&b| b <= ei);

    // Actors known by the as-of date: some claim of theirs public by then.
    let (known, excluded): (Vec<&Actor>, Vec<&Actor>) = actors.iter().partition(|a| {
        as_of.is_none_or(|d| {
            a.roles.iter().flat_map(|r| &r.claims).any(|c| ds.claims.get(c).is_some_and(|c| c.public <= d))
        })
    });
    let findings: Vec<ownership::Finding> =
        ownership::RULED.iter().flat_map(|a| ownership::findings(graph, *a, as_of)).collect();

    use rayon::prelude::*;
    let rows: Vec<Row> = known
        .par_iter()
        .map(|a| {
            let matches = matrix::find(&index, &list_of, &formats, a);
            let evidence = a.first_evidence(ds, as_of);
            let mut cells: Vec<Cell> = Authority::ALL
                .iter()
                .map(|&au| matrix::cell(au, a, matches.clone(), &lists, as_of, evidence, ds))
                .collect();
            // Parties caught only through ownership: the actor's entries among the ownership records.
            for c in cells.iter_mut().filter(|c| matches!(c.status, Status::NotFound | Status::NotCovered)) {
                if let Some(f) =
                    findings.iter().find(|f| f.authority == c.authority && matches.iter().any(|m| m.entity == f.entity))
                {
                    c.status = Status::ViaOwnership;
                    c.path = f.path.clone();
                    c.note = format!("{} ({:?})", f.rule.label(), f.verdict).to_lowercase();
                }
            }
            let roles = a
                .roles
                .iter()
                .filter(|r| {
                    r.claims.iter().any(|c| ds.claims.get(c).is_some_and(|c| as_of.is_none_or(|d| c.public <= d)))
                })
                .map(|r| {
                    let period = match (r.from, r.to) {
                        (Some(f), Some(t)) => format!(" ({f} – {t})"),
                        (Some(f), None) => format!(" (from {f})"),
                        (None, Some(t)) => format!(" (to {t})"),
                        (None, None) => String::new(),
                    };
                    format!("{}: {}{period}", r.flow, r.role)
                })
                .collect();
            Row {
                actor: a.id.clone(),
                kind: a.kind,
                name: a.name.clone(),
                identifiers: identifiers(a),
                operator: a.operator.clone(),
                roles,
                first_evidence: evidence,
                claims: a.claims().into_iter().map(str::to_string).collect(),
                cells,
            }
        })
        .collect();

    let latest_evidence = rows.iter().filter_map(|r| r.first_evidence).max();
    let authorities = Authority::ALL.iter().map(|&a| authority_coverage(a, &lists, latest_evidence, as_of)).collect();
    let summary = summarise(&rows);
    Gaps {
        as_of,
        authorities,
        lists,
        skipped: loaded.skipped.into_iter().map(|s| (s.path, s.reason)).collect(),
        rows,
        excluded: excluded.iter().map(|a| a.id.clone()).collect(),
        summary,
        ownership: findings,
    }
}

fn authority_coverage(
    a: Authority,
    lists: &[ListCoverage],
    latest_evidence: Option<NaiveDate>,
    as_of: Option<NaiveDate>,
) -> AuthorityCoverage {
    let mine: Vec<usize> = (0..lists.len()).filter(|&i| lists[i].authority == Some(a)).collect();
    let mut notes = Vec::new();
    let rank = |c: Completeness| match c {
        Completeness::Full => 3,
        Completeness::Derived => 2,
        Completeness::Sample => 1,
    };
    let best = mine.iter().map(|&i| lists[i].completeness).max_by_key(|c| rank(*c));
    let latest = mine.iter().filter_map(|&i| lists[i].date).max();
    let answering: Vec<usize> =
        mine.iter().copied().filter(|&i| lists[i].completeness != Completeness::Sample).collect();
    if mine.is_empty() {
        notes.push("no list loaded: every cell is 'not covered'".into());
    } else if answering.is_empty() {
        notes.push("only samples loaded: 'not found' cannot be said, cells are 'not covered'".into());
    }
    for &i in &mine {
        let l = &lists[i];
        let date = match (l.date, l.date_basis) {
            (Some(d), DateBasis::InFile) => d.to_string(),
            (Some(d), DateBasis::FileName) => {
                format!("{d} (from its file name; none inside; a bare year reads as 1 January)")
            }
            _ => "undated".into(),
        };
        let kind = match l.completeness {
            Completeness::Full => "full",
            Completeness::Sample => "sample",
            Completeness::Derived => "derived copy",
        };
        let mut s = format!("{} — {kind}, {} entries, {date}", l.source, l.entities);
        if l.dated_share == 0.0 {
            s.push_str("; gives no designation dates");
        }
        notes.push(s);
        for w in &l.warnings {
            notes.push(format!("{}: {w}", l.source));
        }
    }
    let answering_latest = answering.iter().filter_map(|&i| lists[i].date).max();
    if let (Some(l), Some(e)) = (answering_latest, latest_evidence) {
        if l < e {
            notes.push(format!(
                "the latest full list ({l}) is older than the latest evidence ({e}): later designations are missing"
            ));
        }
    }
    if let (Some(l), Some(d)) = (latest, as_of) {
        if l > d {
            notes.push(format!(
                "lists dated after the as-of date {d}: a party counts as listed then only when its designation date is known to be on or before it"
            ));
        }
    }
    if a == Authority::Eu {
        if mine.iter().all(|&i| lists[i].completeness != Completeness::Full) && !mine.is_empty() {
            notes.push(
                "without the official full export: listed / not found only, no regimes and no designation dates".into(),
            );
        }
        notes.push("vessels are never EU list entries (EU ship measures under Regulation 833/2014 are a port-access ban, not an asset freeze): ships are 'not covered' unless found".into());
    }
    if a == Authority::OfacSdn && mine.iter().all(|&i| lists[i].dated_share == 0.0) && !mine.is_empty() {
        notes.push(
            "the OFAC legacy CSV gives no designation dates: dates shown are reported by claims in the dataset".into(),
        );
    }
    let best = match best {
        None => "none",
        Some(Completeness::Full) => "full",
        Some(Completeness::Derived) => "derived",
        Some(Completeness::Sample) => "sample",
    };
    AuthorityCoverage { authority: a, lists: mine, latest, best: best.into(), notes }
}

fn summarise(rows: &[Row]) -> Summary {
    let mut us_uk_not_eu = Vec::new();
    let mut eu_not_covered_ships = Vec::new();
    let mut listed_nowhere = Vec::new();
    for r in rows {
        let us_uk = r.cells.iter().any(|c| c.authority.is_us_or_uk() && c.status == Status::Listed);
        let eu = r.cell(Authority::Eu).status;
        if us_uk && eu == Status::NotFound {
            us_uk_not_eu.push(r.actor.clone());
        }
        if us_uk && eu == Status::NotCovered && r.kind == ActorKind::Vessel {
            eu_not_covered_ships.push(r.actor.clone());
        }
        if !r.cells.iter().any(|c| matches!(c.status, Status::Listed | Status::ViaOwnership | Status::Unknown)) {
            listed_nowhere.push(r.actor.clone());
        }
    }
    let lags = Authority::ALL
        .iter()
        .map(|&a| {
            let mut v: Vec<(i64, bool)> = rows
                .iter()
                .filter_map(|r| {
                    let c = r.cell(a);
                    c.lag_days.map(|d| (d, c.date_source != Some(matrix::DateSource::List)))
                })
                .collect();
            v.sort();
            let median = if v.is_empty() {
                None
            } else if v.len() % 2 == 1 {
                Some(v[v.len() / 2].0 as f64)
            } else {
                Some((v[v.len() / 2 - 1].0 + v[v.len() / 2].0) as f64 / 2.0)
            };
            Lag {
                authority: a,
                n: v.len(),
                median_days: median,
                before_evidence: v.iter().filter(|(d, _)| *d < 0).count(),
                reported_dates: v.iter().filter(|(_, r)| *r).count(),
            }
        })
        .collect();
    Summary { us_uk_not_eu, eu_not_covered_ships, listed_nowhere, lags }
}
