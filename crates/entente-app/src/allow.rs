//! Allow-lists: false-positive decisions applied to later screening results.
//!
//! A reviewer who decides that a hit is a false positive records (query key, entity id) with an expiry. Later runs
//! look every hit up by the key of the query that produced it and the entity it matched; a hit found there is
//! *allowed*: it is kept and shown with the decision (id, note, who, until when) but does not count as an alert.
//!
//! The query key is the screener's own first normalisation step (transliteration to ASCII, lower case, apostrophes
//! dropped, other punctuation splitting words — `entente_screen::normalize::{to_ascii, words}`), so
//! "Ri Pyong-Chol", "RI PYONG CHOL" and "Ри Пён Чхоль"'s transliteration share one key when they spell the same
//! words. A query without a name is keyed by its identifiers (`id:KIND:VALUE`, values in their canonical form).

use chrono::{DateTime, Utc};
use entente_screen::index::Query;
use entente_screen::screen::ScreenedParty;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The allow-list key of a query: its normalised name ([`normalize_key`]), or its identifiers when it has no name.
pub fn query_key(q: &Query) -> String {
    let key = normalize_key(&q.name);
    if !key.is_empty() {
        return key;
    }
    let mut ids: Vec<String> =
        q.identifiers.iter().map(|i| format!("id:{}:{}", i.kind, i.key()).to_ascii_lowercase()).collect();
    ids.sort();
    ids.dedup();
    ids.join(" ")
}

/// The key of a name as text: transliterated, lower case, split into words as the screener does. Idempotent, so
/// a key stored in any folded form (the store keeps the query lower-cased with whitespace collapsed) reads back
/// as the same key. Identifier keys (`id:KIND:VALUE`, as [`query_key`] writes them) are kept, lower-cased.
pub fn normalize_key(text: &str) -> String {
    let t = text.trim();
    if t.len() > 3 && t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("id:")) {
        return t.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase();
    }
    entente_screen::normalize::words(&entente_screen::normalize::to_ascii(t)).join(" ")
}

/// One allow-list entry: what a false-positive decision allows, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowEntry {
    /// The query the decision was about, as a key (any folding of its name, or [`query_key`]).
    pub query_key: String,
    /// The list entity it matched.
    pub entity_id: String,
    /// RFC 3339 (UTC); the entry applies strictly before this time.
    pub expires: String,
    pub decision_id: i64,
    pub note: String,
    pub decided_by: String,
}

/// How an allowed hit is shown: the decision that allowed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allowed {
    pub decision_id: i64,
    pub decided_by: String,
    pub note: String,
    /// RFC 3339 (UTC).
    pub expires: String,
}

impl std::fmt::Display for Allowed {
    /// `decision 7 by alice until 2027-03-03T10:00:00Z: same name, different birth year`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "decision {} by {} until {}", self.decision_id, self.decided_by, self.expires)?;
        if !self.note.is_empty() {
            write!(f, ": {}", self.note)?;
        }
        Ok(())
    }
}

/// The entries in force at one time, by (query key, entity id).
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    by: HashMap<(String, String), Allowed>,
}

impl AllowList {
    /// The entries unexpired at `now`, keyed by [`normalize_key`] of their query key. An entry whose expiry
    /// cannot be read is not applied (an alert is never silenced by an entry whose validity cannot be checked). When two entries cover the same pair, the one that
    /// runs longer is kept (then the later decision).
    pub fn new(entries: impl IntoIterator<Item = AllowEntry>, now: DateTime<Utc>) -> AllowList {
        let mut by: HashMap<(String, String), (DateTime<Utc>, Allowed)> = HashMap::new();
        for e in entries {
            let Ok(until) = DateTime::parse_from_rfc3339(&e.expires).map(|t| t.with_timezone(&Utc)) else {
                continue;
            };
            if until <= now {
                continue;
            }
            let allowed =
                Allowed { decision_id: e.decision_id, decided_by: e.decided_by, note: e.note, expires: e.expires };
            let key = (normalize_key(&e.query_key), e.entity_id);
            match by.get(&key) {
                Some((t, a)) if (*t, a.decision_id) >= (until, allowed.decision_id) => {}
                _ => {
                    by.insert(key, (until, allowed));
                }
            }
        }
        AllowList { by: by.into_iter().map(|(k, (_, a))| (k, a)).collect() }
    }

    pub fn is_empty(&self) -> bool {
        self.by.is_empty()
    }

    pub fn len(&self) -> usize {
        self.by.len()
    }

    /// The decision allowing `entity_id` as a hit for `query`, if any.
    pub fn get(&self, query: &Query, entity_id: &str) -> Option<&Allowed> {
        if self.by.is_empty() {
            return None;
        }
        self.by.get(&(query_key(query), entity_id.to_string()))
    }

    /// Marks the allowed hits of `results` (positions as in `results`).
    pub fn apply(&self, results: &[ScreenedParty]) -> AllowMarks {
        self.apply_from(0, results)
    }

    /// As [`AllowList::apply`] for a slice of a larger run that starts at party `offset`.
    pub fn apply_from(&self, offset: usize, results: &[ScreenedParty]) -> AllowMarks {
        let mut marks = BTreeMap::new();
        if self.by.is_empty() {
            return AllowMarks(marks);
        }
        for (i, r) in results.iter().enumerate() {
            let key = query_key(&r.query);
            for (j, h) in r.hits.iter().enumerate() {
                if let Some(a) = self.by.get(&(key.clone(), h.entity_id.clone())) {
                    marks.insert((offset + i, j), a.clone());
                }
            }
        }
        AllowMarks(marks)
    }
}

/// The allowed hits of a run, by (party position, hit position).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowMarks(pub BTreeMap<(usize, usize), Allowed>);

impl AllowMarks {
    /// No hit allowed (output is exactly as without an allow-list).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many hits are allowed.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The decision allowing hit `hit` of party `party`.
    pub fn get(&self, party: usize, hit: usize) -> Option<&Allowed> {
        self.0.get(&(party, hit))
    }

    /// Whether party `i` of the run needs a reviewer: a hit not allowed, a policy alert, or nothing screenable
    /// ([`ScreenedParty::alerts`] with allowed hits left out).
    pub fn alerts(&self, i: usize, r: &ScreenedParty) -> bool {
        !r.jurisdiction.is_empty() || r.note.is_some() || (0..r.hits.len()).any(|j| self.get(i, j).is_none())
    }

    /// Whether anything in the run needs a reviewer.
    pub fn any_alert(&self, results: &[ScreenedParty]) -> bool {
        results.iter().enumerate().any(|(i, r)| self.alerts(i, r))
    }

    /// Marks shifted back by `offset` parties and limited to `len` of them (the marks of a slice of the run).
    pub fn slice(&self, offset: usize, len: usize) -> AllowMarks {
        AllowMarks(
            self.0.range((offset, 0)..(offset + len, 0)).map(|(&(p, h), a)| ((p - offset, h), a.clone())).collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entente_screen::model::{IdKind, Identifier, Schema};
    use entente_screen::screen::ScreenedHit;

    fn hit(entity: &str) -> ScreenedHit {
        ScreenedHit {
            score: 0.9,
            entity_id: entity.into(),
            list: "un".into(),
            authority: "UN".into(),
            schema: Schema::Person,
            caption: entity.into(),
            matched_name: entity.into(),
            matched_fields: vec!["name".into()],
            programs: Vec::new(),
            explanation: "name".into(),
            list_source: String::new(),
            list_published: None,
            entity: 0,
            list_index: None,
            ownership: Vec::new(),
        }
    }

    fn party(name: &str, hits: &[&str]) -> ScreenedParty {
        ScreenedParty {
            reference: String::new(),
            role: "name".into(),
            query: Query { name: name.into(), ..Default::default() },
            amount: None,
            note: None,
            fields: Vec::new(),
            jurisdiction: Vec::new(),
            hits: hits.iter().map(|h| hit(h)).collect(),
        }
    }

    fn entry(key: &str, entity: &str, expires: &str, id: i64) -> AllowEntry {
        AllowEntry {
            query_key: key.into(),
            entity_id: entity.into(),
            expires: expires.into(),
            decision_id: id,
            note: "different person".into(),
            decided_by: "alice".into(),
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-12-03T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_query_key_folds_case_punctuation_and_script() {
        let k = |n: &str| query_key(&Query { name: n.into(), ..Default::default() });
        assert_eq!(k("Ri Pyong-Chol"), "ri pyong chol");
        assert_eq!(k("  RI  PYONG CHOL "), "ri pyong chol");
        assert_eq!(k("O'Neil, Séan"), "oneil sean");
        assert_eq!(k("Иван Петров"), "ivan petrov");
        assert_ne!(k("Ri Pyong Chol"), k("Ri Pyong Cho"));
        let ids = Query { identifiers: vec![Identifier::new(IdKind::Imo, "IMO 9339301", None)], ..Default::default() };
        assert_eq!(query_key(&ids), "id:imo:9339301");
        // Keys read back as themselves; the store's folding (lower case, whitespace collapsed) reads as the key.
        for n in ["Ri Pyong-Chol", "O'Neil, Séan", "Иван Петров"] {
            assert_eq!(normalize_key(&k(n)), k(n));
            assert_eq!(normalize_key(&n.to_lowercase()), k(n));
        }
        assert_eq!(normalize_key(&query_key(&ids)), query_key(&ids));
        assert_eq!(normalize_key("ID:IMO:9339301"), "id:imo:9339301");
    }

    #[test]
    fn an_entry_stored_with_another_folding_still_applies() {
        // The store keys "Ri Pyong-chol" as "ri pyong-chol"; a later screen of "RI PYONG CHOL" must find it.
        let list = AllowList::new([entry("ri pyong-chol", "un-1", "2027-03-03T12:00:00Z", 7)], now());
        let q = Query { name: "RI PYONG CHOL".into(), ..Default::default() };
        assert_eq!(list.get(&q, "un-1").map(|a| a.decision_id), Some(7));
    }

    #[test]
    fn an_allowed_hit_is_marked_and_not_counted_as_an_alert() {
        let list = AllowList::new([entry("ri pyong chol", "un-1", "2027-03-03T12:00:00Z", 7)], now());
        let results = vec![party("RI Pyong-chol", &["un-1", "un-2"]), party("Kim", &["un-1"])];
        let marks = list.apply(&results);
        assert_eq!(marks.len(), 1);
        let a = marks.get(0, 0).expect("first hit allowed");
        assert_eq!((a.decision_id, a.decided_by.as_str()), (7, "alice"));
        assert_eq!(a.to_string(), "decision 7 by alice until 2027-03-03T12:00:00Z: different person");
        assert!(marks.get(0, 1).is_none(), "another entity for the same name is not allowed");
        assert!(marks.get(1, 0).is_none(), "the same entity for another name is not allowed");
        // Party 0 still alerts on un-2; with only the allowed hit it does not.
        assert!(marks.alerts(0, &results[0]));
        let only = vec![party("Ri Pyong Chol", &["un-1"])];
        let m = list.apply(&only);
        assert!(only[0].alerts() && !m.alerts(0, &only[0]) && !m.any_alert(&only));
    }

    #[test]
    fn a_policy_alert_or_note_still_alerts_with_every_hit_allowed() {
        let list = AllowList::new([entry("ri pyong chol", "un-1", "2027-03-03T12:00:00Z", 7)], now());
        let mut p = party("Ri Pyong Chol", &["un-1"]);
        p.note = Some("nothing to screen".into());
        let m = list.apply(std::slice::from_ref(&p));
        assert_eq!(m.len(), 1);
        assert!(m.alerts(0, &p));
    }

    #[test]
    fn expired_and_unreadable_entries_are_not_applied() {
        let list = AllowList::new(
            [
                entry("a", "x", "2026-12-03T12:00:00Z", 1), // expires exactly now
                entry("b", "x", "2026-11-01T00:00:00Z", 2),
                entry("c", "x", "next spring", 3),
                entry("d", "x", "2026-12-04T00:00:00+01:00", 4),
            ],
            now(),
        );
        assert_eq!(list.len(), 1);
        let q = |n: &str| Query { name: n.into(), ..Default::default() };
        assert!(list.get(&q("a"), "x").is_none() && list.get(&q("c"), "x").is_none());
        assert_eq!(list.get(&q("d"), "x").map(|a| a.decision_id), Some(4));
    }

    #[test]
    fn the_longest_running_entry_for_a_pair_wins() {
        let list = AllowList::new(
            [entry("a", "x", "2027-06-01T00:00:00Z", 1), entry("a", "x", "2027-01-01T00:00:00Z", 2)],
            now(),
        );
        let q = Query { name: "A".into(), ..Default::default() };
        assert_eq!(list.get(&q, "x").map(|a| a.decision_id), Some(1));
    }

    #[test]
    fn marks_of_a_slice_are_relative_to_it() {
        let list = AllowList::new([entry("b", "x", "2027-01-01T00:00:00Z", 1)], now());
        let results = vec![party("a", &["x"]), party("b", &["y", "x"]), party("c", &[])];
        let all = list.apply(&results);
        assert_eq!(all.0.keys().copied().collect::<Vec<_>>(), vec![(1, 1)]);
        assert_eq!(all.slice(1, 2).0.keys().copied().collect::<Vec<_>>(), vec![(0, 1)]);
        assert!(all.slice(2, 1).is_empty() && all.slice(0, 1).is_empty());
        assert_eq!(list.apply_from(5, &results[1..2]).0.keys().copied().collect::<Vec<_>>(), vec![(5, 1)]);
        assert!(AllowList::default().apply(&results).is_empty());
    }
}
