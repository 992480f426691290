//! The in-memory candidate index and entity-level search.
//!
//! Every list name is prepared once ([`crate::normalize::prepare`]) and
//! posted under blocking keys: token skeleton, phonetic key, 4-letter
//! skeleton prefix, given-name variant group, and the whole joined skeleton.
//! A query looks up its own keys, accumulates token weights per list name,
//! and only the best-blocked names (at most [`MAX_CANDIDATES`]) are scored —
//! no query ever scans all names. Keys shared by a large share of all names
//! (generic words) are skipped unless nothing else is available.
//! Identifiers (IMO, MMSI, INN, OGRN, BIC, LEI, wallets...) have their own
//! exact-match map.

use crate::lists::ParsedList;
use crate::matcher::{
    compare_names_ex, compare_names_with, country_qualifier, dob_qualifier, ofac_score, token_sim_ex, Reason,
};
use crate::model::{DateSpec, Entity, IdKind, Identifier, NameStrength, Schema};
use crate::normalize::{prepare, PreparedName, TokenClass};
use rustc_hash::{FxHashMap, FxHasher};
use serde::Serialize;
use std::hash::{Hash, Hasher};

/// Most list names scored per query.
pub const MAX_CANDIDATES: usize = 64;

/// Scoring algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Algorithm {
    /// entente's explained, cross-script matcher with qualifiers.
    Entente,
    /// Reproduces OFAC Sanctions List Search scores (name only).
    Ofac,
}

struct IndexedName {
    entity: u32,
    strength: NameStrength,
    value_idx: u16,
    prepared: PreparedName,
    /// Where the ids of its tokens start in [`Index::token_ids`].
    tokens_at: u32,
}

/// Summary of a loaded list, for `lists show` and result rendering.
#[derive(Debug, Clone, Serialize)]
pub struct ListInfo {
    pub list: String,
    pub authority: String,
    pub format: String,
    pub source: String,
    pub generated: Option<String>,
    pub entities: usize,
}

/// The searchable collection of all loaded lists.
pub struct Index {
    pub entities: Vec<Entity>,
    pub lists: Vec<ListInfo>,
    names: Vec<IndexedName>,
    /// Per list-name token, an id shared by all equal tokens (the same word
    /// prepared the same way), so a query can memoise token similarities.
    token_ids: Vec<u32>,
    postings: FxHashMap<u64, Vec<u32>>,
    ids: FxHashMap<(IdKind, String), Vec<u32>>,
    /// Posting lists longer than this are "generic" and skipped when possible.
    generic_limit: usize,
}

/// A screening query: a name plus whatever qualifiers are known.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Query {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<DateSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
}

/// One matching list entity.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Index into [`Index::entities`].
    #[serde(skip)]
    pub entity: usize,
    pub score: f32,
    pub name_score: f32,
    pub matched_name: String,
    pub explanation: String,
}

/// Search settings.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    pub algorithm: Algorithm,
    /// Hits below this score are dropped.
    pub threshold: f32,
    pub limit: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions { algorithm: Algorithm::Entente, threshold: 0.8, limit: 10 }
    }
}

/// Per-thread scratch buffers so a search allocates little.
pub struct Scratch {
    /// Per list name: blocking evidence accumulated for the current query,
    /// and the last token set that added to it (an epoch).
    acc: Vec<(f32, u32)>,
    touched: Vec<u32>,
    epoch: u32,
    /// The query's blocking keys, and per token set its weight and range
    /// of `keys`.
    keys: Vec<u64>,
    sets: Vec<(f32, usize, usize)>,
    cands: Vec<(f32, u32)>,
    /// Token similarities of the current query, by list token id, query
    /// token and comparison context (see [`memo_key`]).
    memo: FxHashMap<u64, (f32, Reason)>,
}

/// Key of one token comparison in [`Scratch::memo`]: the list token's id,
/// the query token's index in its form and the [`crate::matcher::SimContext`]
/// bits (which include the form: person or organisation).
fn memo_key(list_token: u32, query_token: usize, context: u8) -> u64 {
    u64::from(list_token) << 32 | (query_token as u64) << 8 | u64::from(context)
}

fn key(tag: u8, s: &str) -> u64 {
    let mut h = FxHasher::default();
    tag.hash(&mut h);
    s.hash(&mut h);
    h.finish()
}

/// Blocking keys of one token (tag, text).
fn token_keys(t: &crate::normalize::Token, out: &mut Vec<u64>) {
    primary_keys(t, out);
    secondary_keys(t, out);
}

/// Keys of spellings that agree (skeleton, phonetic key, prefix/suffix,
/// variant group).
fn primary_keys(t: &crate::normalize::Token, out: &mut Vec<u64>) {
    out.push(key(1, &t.skel));
    if t.class == TokenClass::Number {
        return;
    }
    if t.phon.len() >= 2 {
        out.push(key(2, &t.phon));
    }
    if t.skel.len() >= 5 {
        out.push(key(3, &t.skel[..4]));
        out.push(key(5, &t.skel[t.skel.len() - 4..]));
    }
    if let Some(g) = t.group {
        out.push(key(4, &g.to_string()));
    }
}

/// Keys of spellings one step further away: Korean syllable classes and the
/// one-edit neighbourhood. A query word that reaches a list name only
/// through these weighs half as much in blocking.
fn secondary_keys(t: &crate::normalize::Token, out: &mut Vec<u64>) {
    if t.class == TokenClass::Number {
        return;
    }
    if let Some(k) = &t.kor {
        out.push(key(7, &crate::korean::key(k)));
    }
    // One-edit neighbourhood: the skeleton with each letter deleted. Two
    // words one edit apart (a typo) share one of these keys or the skeleton
    // itself, so a one-typo query always reaches its list name.
    // From 8 letters on the 4-letter prefix and suffix keys already survive
    // any single edit, so the neighbourhood is posted for 4-7 letters only.
    let b = t.skel.as_bytes();
    if (4..=7).contains(&b.len()) {
        out.push(key(8, &t.skel));
        let mut buf = String::with_capacity(b.len());
        for i in 0..b.len() {
            buf.clear();
            buf.push_str(&t.skel[..i]);
            buf.push_str(&t.skel[i + 1..]);
            out.push(key(8, &buf));
        }
    }
}

/// Whole-name keys: the joined skeleton and, for Korean names, the joined
/// syllable key (so "Kyong Su" finds "Gyeongsu").
fn name_keys(n: &PreparedName, out: &mut Vec<u64>) {
    out.push(key(6, &n.joined));
    if n.korean {
        let mut syl = Vec::new();
        for t in &n.tokens {
            if let Some(k) = &t.kor {
                syl.extend_from_slice(k);
            }
        }
        out.push(key(9, &crate::korean::key(&syl)));
        // Adjacent words joined ("Chol Sam" = "Cholsam"), under the word key.
        let ks: Vec<&[crate::korean::Syl]> = n.tokens.iter().filter_map(|t| t.kor.as_deref()).collect();
        for len in 2..=3usize {
            for w in ks.windows(len) {
                let joined: Vec<crate::korean::Syl> = w.concat();
                out.push(key(7, &crate::korean::key(&joined)));
            }
        }
    }
}

impl ListInfo {
    /// What a parsed list is: its name, authority, format, source, date and size.
    pub fn of(l: &ParsedList) -> ListInfo {
        ListInfo {
            list: l.list.clone(),
            authority: l.authority.clone(),
            format: l.format.clone(),
            source: l.source.clone(),
            generated: l.generated.clone(),
            entities: l.entities.len(),
        }
    }
}

impl Index {
    /// Builds the index from parsed lists.
    pub fn build(lists: Vec<ParsedList>) -> Index {
        let mut entities = Vec::new();
        let mut infos = Vec::new();
        for l in lists {
            infos.push(ListInfo::of(&l));
            entities.extend(l.entities);
        }
        use rayon::prelude::*;
        let names: Vec<IndexedName> = entities
            .par_iter()
            .enumerate()
            .flat_map_iter(|(ei, e)| {
                let person = e.schema.is_person();
                e.names.iter().enumerate().map(move |(ni, n)| IndexedName {
                    entity: ei as u32,
                    strength: n.strength,
                    value_idx: ni.min(u16::MAX as usize) as u16,
                    prepared: prepare(&n.value, person),
                    tokens_at: 0,
                })
            })
            .collect();
        let mut names = names;
        let mut token_ids = Vec::new();
        {
            let mut seen: FxHashMap<&crate::normalize::Token, u32> = FxHashMap::default();
            let mut at = Vec::with_capacity(names.len());
            for n in &names {
                at.push(token_ids.len() as u32);
                for t in &n.prepared.tokens {
                    let next = seen.len() as u32;
                    token_ids.push(*seen.entry(t).or_insert(next));
                }
            }
            for (n, a) in names.iter_mut().zip(at) {
                n.tokens_at = a;
            }
        }
        let mut postings: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
        let mut keys = Vec::new();
        for (i, n) in names.iter().enumerate() {
            keys.clear();
            for t in &n.prepared.tokens {
                token_keys(t, &mut keys);
            }
            name_keys(&n.prepared, &mut keys);
            keys.sort_unstable();
            keys.dedup();
            for k in &keys {
                postings.entry(*k).or_default().push(i as u32);
            }
        }
        let mut ids: FxHashMap<(IdKind, String), Vec<u32>> = FxHashMap::default();
        for (ei, e) in entities.iter().enumerate() {
            for id in &e.identifiers {
                if id.kind == IdKind::Other || id.kind == IdKind::Email {
                    continue;
                }
                let v = ids.entry((id_family(id.kind), id.key())).or_default();
                if !v.contains(&(ei as u32)) {
                    v.push(ei as u32);
                }
            }
        }
        let generic_limit = (names.len() / 50).max(500);
        Index { entities, lists: infos, names, token_ids, postings, ids, generic_limit }
    }

    /// Number of indexed names.
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// Fresh scratch buffers for [`Index::search`].
    pub fn scratch(&self) -> Scratch {
        Scratch {
            acc: vec![(0.0, 0); self.names.len()],
            touched: Vec::new(),
            epoch: 0,
            keys: Vec::new(),
            sets: Vec::new(),
            cands: Vec::new(),
            memo: FxHashMap::default(),
        }
    }

    /// Candidate list-name indices for a prepared query, best-blocked first.
    fn candidates(&self, qs: &[&PreparedName], scratch: &mut Scratch) -> Vec<u32> {
        let Scratch { acc, touched, epoch, keys, sets, cands, .. } = scratch;
        touched.clear();
        keys.clear();
        sets.clear();
        // Token sets: a token's primary keys at its weight (once per distinct
        // key set), its secondary keys at half, each form's whole-name keys at 1.
        for q in qs {
            for t in &q.tokens {
                let start = keys.len();
                primary_keys(t, keys);
                let new = &keys[start..];
                if sets.iter().any(|&(_, a, b)| &keys[a..b] == new) {
                    keys.truncate(start);
                    continue;
                }
                let w = t.weight().max(0.1);
                sets.push((w, start, keys.len()));
                let start = keys.len();
                secondary_keys(t, keys);
                if keys.len() > start {
                    sets.push((0.5 * w, start, keys.len()));
                }
            }
            let start = keys.len();
            name_keys(q, keys);
            sets.push((1.0, start, keys.len()));
        }
        let any_specific = keys.iter().any(|k| self.postings.get(k).is_some_and(|p| p.len() <= self.generic_limit));
        let mut top = 0.0f32;
        for &(w, a, b) in sets.iter() {
            *epoch = epoch.wrapping_add(1);
            if *epoch == 0 {
                acc.iter_mut().for_each(|m| m.1 = 0);
                *epoch = 1;
            }
            let e = *epoch;
            for k in &keys[a..b] {
                let Some(p) = self.postings.get(k) else { continue };
                if p.len() > self.generic_limit && any_specific {
                    continue;
                }
                let p = if p.len() > 4 * self.generic_limit { &p[..4 * self.generic_limit] } else { &p[..] };
                for &n in p {
                    let slot = &mut acc[n as usize];
                    if slot.1 == e {
                        continue;
                    }
                    slot.1 = e;
                    if slot.0 == 0.0 {
                        touched.push(n);
                    }
                    slot.0 += w;
                    // (Sums of positive weights: no NaN, so this is f32::max.)
                    if slot.0 > top {
                        top = slot.0;
                    }
                }
            }
        }
        // Names that share much less blocking evidence than the best-blocked
        // name cannot outscore it by much; dropping them halves the work.
        cands.clear();
        for &n in touched.iter() {
            let a = std::mem::take(&mut acc[n as usize].0);
            if a >= 0.5 * top {
                cands.push((a, n));
            }
        }
        if cands.len() > MAX_CANDIDATES {
            cands.select_nth_unstable_by(MAX_CANDIDATES, |a, b| {
                b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal)
            });
            cands.truncate(MAX_CANDIDATES);
        }
        cands.iter().map(|&(_, n)| n).collect()
    }

    /// The query name prepared as a person name and as an organisation
    /// name; which one is compared depends on each candidate's schema.
    fn query_forms(q: &Query) -> (PreparedName, PreparedName) {
        crate::normalize::prepare_both(&q.name)
    }

    /// The forms used for blocking: both unless the query's schema is known.
    fn blocking_forms<'a>(q: &Query, forms: &'a (PreparedName, PreparedName)) -> Vec<&'a PreparedName> {
        match q.schema {
            Some(s) if s.is_person() => vec![&forms.0],
            Some(_) => vec![&forms.1],
            None => vec![&forms.0, &forms.1],
        }
    }

    /// The list names the blocking stage selects for a query, as
    /// `(entity index, name, schema)` — what [`Index::search`] then scores.
    /// Exposed for benchmarks comparing scorers on identical candidates.
    pub fn candidate_names(&self, q: &Query, scratch: &mut Scratch) -> Vec<(usize, String, Schema)> {
        let forms = Self::query_forms(q);
        self.candidates(&Self::blocking_forms(q, &forms), scratch)
            .into_iter()
            .map(|n| {
                let name = &self.names[n as usize];
                let e = &self.entities[name.entity as usize];
                (name.entity as usize, e.names[name.value_idx as usize].value.clone(), e.schema)
            })
            .collect()
    }

    /// Screens one query; hits at or above `opts.threshold`, best first.
    pub fn search(&self, q: &Query, opts: &SearchOptions, scratch: &mut Scratch) -> Vec<Hit> {
        /// Evidence gathered for one entity before it is scored and explained.
        #[derive(Default)]
        struct Slot {
            name_score: f32,
            /// Best-scoring list name (index into `Index::names`).
            name: Option<u32>,
            id_score: f32,
            id_notes: Vec<String>,
        }
        let forms = Self::query_forms(q);
        let form_for = |schema: Schema| if schema.is_person() { &forms.0 } else { &forms.1 };
        let mut slots: FxHashMap<u32, Slot> = FxHashMap::default();
        if !q.name.trim().is_empty() {
            let cands = self.candidates(&Self::blocking_forms(q, &forms), scratch);
            let memo = &mut scratch.memo;
            // Clearing costs the map's capacity: after an unusually large
            // query start afresh rather than clear a large table each time.
            if memo.capacity() > 1024 {
                *memo = FxHashMap::default();
            }
            memo.clear();
            for n in cands {
                let name = &self.names[n as usize];
                let e = &self.entities[name.entity as usize];
                if q.schema.is_some_and(|s| !s.compatible(e.schema)) {
                    continue;
                }
                let mut score = match opts.algorithm {
                    Algorithm::Ofac => ofac_score(&q.name, &e.names[name.value_idx as usize].value),
                    Algorithm::Entente => {
                        let (qf, c) = (form_for(e.schema), &name.prepared);
                        let ids = &self.token_ids[name.tokens_at as usize..][..c.tokens.len()];
                        // Candidates share many list words: each query word is
                        // compared with each distinct list word once per query.
                        compare_names_with(qf, c, e.schema, false, |i, j, x| {
                            *memo.entry(memo_key(ids[j], i, x.bits())).or_insert_with(|| {
                                token_sim_ex(&qf.tokens[i], &c.tokens[j], x.person, x.object, x.abjad, x.korean)
                            })
                        })
                        .score
                    }
                };
                if name.strength == NameStrength::Weak {
                    score *= 0.9;
                }
                // Qualifiers add at most +0.07: anything further below the
                // threshold cannot be reported, so skip the bookkeeping.
                if score + 0.07 < opts.threshold && q.identifiers.is_empty() {
                    continue;
                }
                let slot = slots.entry(name.entity).or_default();
                // Strictly better only: on ties the earlier (stronger) name stays.
                if slot.name.is_none() || score > slot.name_score {
                    slot.name_score = score;
                    slot.name = Some(n);
                }
            }
        }
        // Identifier matches: near-certain evidence.
        for id in &q.identifiers {
            let Some(list) = self.ids.get(&(id_family(id.kind), id.key())) else { continue };
            for &ei in list {
                let slot = slots.entry(ei).or_default();
                let s = if slot.name_score >= 0.7 { 1.0 } else { 0.97 };
                slot.id_score = slot.id_score.max(s);
                slot.id_notes.push(format!("{} {} matches the listed {} (→{:.2})", id.kind, id.value, id.kind, s));
            }
        }
        let mut hits: Vec<Hit> = Vec::new();
        for (ei, slot) in slots {
            let e = &self.entities[ei as usize];
            let mut score = slot.name_score.max(slot.id_score);
            let mut parts: Vec<String> = Vec::new();
            let mut matched_name = e.caption().to_string();
            let mut weak = false;
            if let Some(n) = slot.name {
                let name = &self.names[n as usize];
                weak = name.strength == NameStrength::Weak;
                matched_name = e.names[name.value_idx as usize].value.clone();
                // Explanations are built only here, for the few entities left.
                let ex = match opts.algorithm {
                    Algorithm::Ofac => format!("OFAC-style Jaro-Winkler {:.2}", slot.name_score),
                    Algorithm::Entente => {
                        compare_names_ex(form_for(e.schema), &name.prepared, e.schema, true).explanation
                    }
                };
                parts.push(format!("name '{}' vs '{}': {}", q.name.trim(), matched_name, ex));
                if weak {
                    parts.push("weak alias ×0.9 (needs corroboration)".into());
                }
            }
            parts.extend(slot.id_notes);
            let mut corroborated = slot.id_score > 0.0;
            if opts.algorithm == Algorithm::Entente {
                if let Some((delta, ex)) = q.birth_date.as_ref().and_then(|d| dob_qualifier(d, &e.birth_dates)) {
                    corroborated |= delta > 0.0;
                    score += delta;
                    parts.push(ex);
                }
                if let Some((delta, ex)) = q.country.as_ref().and_then(|c| country_qualifier(c, &e.countries)) {
                    score += delta;
                    parts.push(ex);
                }
                if e.topics.iter().any(|t| t == "sanction.linked") {
                    parts.push("entity is owned by a sanctioned party (sanction.linked)".into());
                }
            }
            if weak && !corroborated {
                // OFAC FAQ: weak aliases are not screened on their own.
                continue;
            }
            let score = score.clamp(0.0, 1.0);
            if score >= opts.threshold {
                hits.push(Hit {
                    entity: ei as usize,
                    score,
                    name_score: slot.name_score,
                    matched_name,
                    explanation: parts.join("; "),
                });
            }
        }
        hits.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| self.entities[a.entity].id.cmp(&self.entities[b.entity].id))
        });
        hits.truncate(opts.limit);
        hits
    }
}

/// Identifier kinds compared with each other (a registration number may be
/// published as OGRN by one list and as "Registration Number" by another).
fn id_family(k: IdKind) -> IdKind {
    match k {
        IdKind::Registration | IdKind::Ogrn => IdKind::Registration,
        IdKind::TaxId | IdKind::Inn => IdKind::TaxId,
        IdKind::NationalId | IdKind::Passport => IdKind::Passport,
        o => o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Entity;

    fn idx() -> Index {
        let mut l = ParsedList::new("t", "T", "test", "mem");
        let mut e = Entity::new("t:1".into(), Schema::Person, "t", "T");
        e.add_name("PUTIN, Vladimir Vladimirovich", NameStrength::Primary, None);
        e.add_name("Владимир Путин", NameStrength::Alias, None);
        e.add_birth_date("1952-10-07");
        l.entities.push(e);
        let mut v = Entity::new("t:2".into(), Schema::Vessel, "t", "T");
        v.add_name("NS LEADER", NameStrength::Primary, None);
        v.add_id(IdKind::Imo, "IMO 9339301", None);
        l.entities.push(v);
        let mut c = Entity::new("t:3".into(), Schema::Organization, "t", "T");
        c.add_name("11420 CORP.", NameStrength::Primary, None);
        c.add_name("ELEVEN", NameStrength::Weak, None);
        l.entities.push(c);
        Index::build(vec![l])
    }

    #[test]
    fn finds_and_explains() {
        let ix = idx();
        let mut s = ix.scratch();
        let q = Query { name: "Vladimir Putin".into(), birth_date: DateSpec::parse("1952"), ..Default::default() };
        let hits = ix.search(&q, &SearchOptions::default(), &mut s);
        assert_eq!(hits.len(), 1);
        assert!(hits[0].score > 0.95, "{:?}", hits[0]);
        assert!(hits[0].explanation.contains("agrees"));
    }

    #[test]
    fn identifier_hits() {
        let ix = idx();
        let mut s = ix.scratch();
        let q = Query {
            name: "Some Tanker".into(),
            identifiers: vec![Identifier::new(IdKind::Imo, "9339301", None)],
            ..Default::default()
        };
        let hits = ix.search(&q, &SearchOptions::default(), &mut s);
        assert_eq!(hits.len(), 1);
        assert!(hits[0].score >= 0.97);
        assert!(hits[0].explanation.contains("IMO"));
    }

    #[test]
    fn generic_and_weak_do_not_hit() {
        let ix = idx();
        let mut s = ix.scratch();
        let q = Query { name: "BELLETECH CORP".into(), ..Default::default() };
        assert!(ix.search(&q, &SearchOptions::default(), &mut s).is_empty());
        let q = Query { name: "Eleven".into(), ..Default::default() };
        assert!(ix.search(&q, &SearchOptions::default(), &mut s).is_empty());
    }
}
