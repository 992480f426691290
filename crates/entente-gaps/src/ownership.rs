//! Ownership and control: who is caught by a listing without being listed.
//!
//! The graph comes from FollowTheMoney `Ownership` (owner → asset, `percentage`, `startDate`, `endDate`) and
//! `Directorship` (director → organization, `role`) records, and from `Sanction` records naming the
//! authority that listed a party. Three rules are applied per authority:
//!
//! * **OFAC 50 % rule** (OFAC guidance of 13 Aug 2014): an entity owned 50 % or more, directly or
//!   indirectly, *in the aggregate* by blocked persons is blocked. Shares are not multiplied along a chain: an
//!   entity blocked by the rule counts as a blocked owner of its own holdings (multi-hop).
//! * **EU and UK ownership**: more than 50 % held by one listed (or, by this rule, caught) party.
//! * **Control indicators** (EU and UK "control" tests): a listed person who directs the entity. This is
//!   reported as *possible* control — a directorship alone does not prove control.
//!
//! A share the records do not state is *unknown*, never zero or full: when the known shares do not reach the
//! threshold but unknown ones could, the party is reported as possibly caught, with the unknown shares named.

use crate::coverage::{authority_of, listing_date, Authority};
use chrono::NaiveDate;
use entente_screen::lists::ParsedList;
use entente_screen::model::OwnershipFlag;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A party in the ownership graph.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub id: String,
    /// The id the screener gives this party's list entry (`ftm:<id>` for FtM records, the list's own id for UK
    /// entries; empty for a party known only by name from another's record).
    #[serde(skip)]
    pub entity: String,
    pub caption: String,
    /// Authority → the date of its listing when the record gives one.
    pub listed: BTreeMap<Authority, Option<NaiveDate>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeKind {
    Ownership,
    Directorship,
}

/// `from` owns or directs `to`.
#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub kind: EdgeKind,
    pub from: String,
    pub to: String,
    /// Per cent, when stated.
    pub percentage: Option<f64>,
    pub role: String,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
}

impl Edge {
    /// In force on `d`; with no date, the records still open (no end date).
    fn active(&self, d: Option<NaiveDate>) -> bool {
        match d {
            Some(d) => self.start.is_none_or(|s| s <= d) && self.end.is_none_or(|e| e >= d),
            None => self.end.is_none(),
        }
    }
}

/// The ownership and control graph.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Graph {
    pub nodes: BTreeMap<String, Node>,
    pub edges: Vec<Edge>,
}

#[derive(Deserialize)]
struct Raw {
    id: String,
    schema: String,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    properties: BTreeMap<String, Vec<serde_json::Value>>,
}

fn strings(p: &BTreeMap<String, Vec<serde_json::Value>>, k: &str) -> Vec<String> {
    p.get(k).map(|v| v.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn date(p: &BTreeMap<String, Vec<serde_json::Value>>, k: &str) -> Option<NaiveDate> {
    strings(p, k).iter().filter_map(|s| NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()).min()
}

/// The authority a FtM `Sanction.authority` names, if it is one of the matrix's.
pub fn sanction_authority(s: &str) -> Option<Authority> {
    let l = s.to_lowercase();
    if l == "ofac" || l.contains("foreign assets control") {
        Some(Authority::OfacSdn)
    } else if l.contains("council of the european union") || l == "european union" || l == "eu" {
        Some(Authority::Eu)
    } else if l == "uk"
        || l.contains("foreign, commonwealth")
        || l.contains("financial sanctions implementation")
        || l.contains("hm treasury")
    {
        Some(Authority::Uk)
    } else if l.contains("security council") || l.contains("united nations") {
        Some(Authority::Un)
    } else {
        None
    }
}

impl Graph {
    /// Adds the parties, relations and sanctions of one FtM JSON-lines file. Lines that are not JSON objects
    /// are errors naming the file and line (the screener has already read the same file, so this is rare).
    pub fn add_ftm(&mut self, source: &str, data: &str) -> anyhow::Result<()> {
        for (i, line) in data.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            // Only relation and sanction records are needed in full; parties need their caption.
            let raw: Raw =
                serde_json::from_str(line).map_err(|e| anyhow::anyhow!("{source}:{}: invalid FtM JSON: {e}", i + 1))?;
            let p = &raw.properties;
            match raw.schema.as_str() {
                "Ownership" | "Directorship" => {
                    let (kind, from, to) = if raw.schema == "Ownership" {
                        (EdgeKind::Ownership, strings(p, "owner"), strings(p, "asset"))
                    } else {
                        (EdgeKind::Directorship, strings(p, "director"), strings(p, "organization"))
                    };
                    let percentage = strings(p, "percentage").iter().find_map(|s| s.trim_end_matches('%').parse().ok());
                    for f in &from {
                        for t in &to {
                            self.edges.push(Edge {
                                kind,
                                from: f.clone(),
                                to: t.clone(),
                                percentage,
                                role: strings(p, "role").join("; "),
                                start: date(p, "startDate"),
                                end: date(p, "endDate"),
                            });
                        }
                    }
                }
                "Sanction" => {
                    let when = date(p, "listingDate").or_else(|| date(p, "startDate"));
                    for a in strings(p, "authority").iter().filter_map(|s| sanction_authority(s)) {
                        for t in strings(p, "entity") {
                            let n = self.node(&t);
                            let slot = n.listed.entry(a).or_insert(when);
                            *slot = match (*slot, when) {
                                (Some(x), Some(y)) => Some(x.min(y)),
                                (x, y) => x.or(y),
                            };
                        }
                    }
                }
                _ => {
                    let caption = raw.caption.clone().or_else(|| strings(p, "name").into_iter().next());
                    let n = self.node(&raw.id);
                    if let Some(c) = caption {
                        n.caption = c;
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds the UK list's parent-company and subsidiary data (OFSI ConList "Other Information", UK Sanctions List
    /// XML): an ownership edge of unknown share from each parent to its subsidiary. A UK entry is a node under
    /// its own id, listed by the UK; a party named only in another's record is one node per name, and the same
    /// node as a UK entry of exactly that name. Every such node counts as listed by each authority whose loaded
    /// list has an entry of exactly its name (case and spacing aside), so that the OFAC and EU rules see them too.
    pub fn add_uk_links(&mut self, lists: &[ParsedList]) {
        use std::collections::{BTreeMap as Map, BTreeSet as Set};
        let norm = |s: &str| {
            let mut out = String::new();
            norm_into(s, &mut out);
            out
        };
        let uk: Vec<&ParsedList> = lists
            .iter()
            .filter(|l| authority_of(l) == Some(Authority::Uk) && l.entities.iter().any(|e| !e.links.is_empty()))
            .collect();
        if uk.is_empty() {
            return;
        }
        // UK entries by name, to join a named party to its own entry.
        let mut uk_by_name: Map<String, String> = Map::new();
        for l in &uk {
            for e in &l.entities {
                for n in &e.names {
                    uk_by_name.entry(norm(&n.value)).or_insert_with(|| e.id.clone());
                }
            }
        }
        let mut named: Set<String> = Set::new();
        let mut seen: Set<(String, String)> = self
            .edges
            .iter()
            .filter(|x| x.kind == EdgeKind::Ownership)
            .map(|x| (x.from.clone(), x.to.clone()))
            .collect();
        let mut node_names: Map<String, Vec<String>> = Map::new();
        for l in &uk {
            for e in l.entities.iter().filter(|e| !e.links.is_empty()) {
                let id = e.id.clone();
                let date = listing_date(e, &l.format);
                let n = self.nodes.entry(id.clone()).or_insert_with(|| Node {
                    id: id.clone(),
                    entity: id.clone(),
                    caption: e.caption().to_string(),
                    listed: BTreeMap::new(),
                });
                merge_listing(n, Authority::Uk, date);
                node_names.entry(id.clone()).or_default().extend(e.names.iter().map(|n| norm(&n.value)));
                for link in e.links.iter().filter(|k| k.relation == "parent" || k.relation == "subsidiary") {
                    let key = norm(&link.target);
                    if key.is_empty() {
                        continue;
                    }
                    let other = match uk_by_name.get(&key) {
                        Some(entry) => entry.clone(),
                        None => {
                            let nid = format!("uk-name:{key}");
                            self.nodes.entry(nid.clone()).or_insert_with(|| Node {
                                id: nid.clone(),
                                entity: String::new(),
                                caption: link.target.clone(),
                                listed: BTreeMap::new(),
                            });
                            named.insert(nid.clone());
                            node_names.entry(nid.clone()).or_default().push(key.clone());
                            nid
                        }
                    };
                    let (from, to) = if link.relation == "parent" { (other, id.clone()) } else { (id.clone(), other) };
                    if from == to || !seen.insert((from.clone(), to.clone())) {
                        continue;
                    }
                    self.edges.push(Edge {
                        kind: EdgeKind::Ownership,
                        from,
                        to,
                        percentage: None,
                        role: format!("{} (UK list)", link.relation),
                        start: None,
                        end: None,
                    });
                }
            }
        }
        // Listings under exactly these names on every loaded authority list.
        let wanted: std::collections::HashMap<&str, Vec<&str>> =
            node_names.iter().fold(Default::default(), |mut m, (id, names)| {
                for n in names {
                    m.entry(n.as_str()).or_insert_with(Vec::new).push(id.as_str());
                }
                m
            });
        // A name carried by several entries of one list (two ministries of defence) joins none of them.
        use rayon::prelude::*;
        let found: Vec<(String, Authority, Option<NaiveDate>)> = lists
            .par_iter()
            .flat_map_iter(|l| {
                let mut out = Vec::new();
                let Some(a) = authority_of(l).filter(|a| *a != Authority::OfacCons) else { return out };
                let mut hits: Map<&str, (usize, Option<NaiveDate>)> = Map::new();
                let mut buf = String::new();
                for (ei, e) in l.entities.iter().enumerate() {
                    for n in &e.names {
                        norm_into(&n.value, &mut buf);
                        if let Some((name, _)) = wanted.get_key_value(buf.as_str()) {
                            let h = hits.entry(name).or_insert((ei, listing_date(e, &l.format)));
                            if h.0 != ei {
                                h.0 = usize::MAX;
                            }
                        }
                    }
                }
                for (name, (ei, date)) in hits {
                    if ei != usize::MAX {
                        out.extend(wanted[name].iter().map(|id| (id.to_string(), a, date)));
                    }
                }
                out
            })
            .collect();
        for (id, a, d) in found {
            if let Some(n) = self.nodes.get_mut(&id) {
                merge_listing(n, a, d);
            }
        }
    }

    fn node(&mut self, id: &str) -> &mut Node {
        self.nodes.entry(id.to_string()).or_insert_with(|| Node {
            id: id.to_string(),
            entity: format!("ftm:{id}"),
            caption: id.to_string(),
            listed: BTreeMap::new(),
        })
    }

    fn entity(&self, id: &str) -> String {
        self.nodes.get(id).map(|n| n.entity.clone()).unwrap_or_default()
    }

    fn caption(&self, id: &str) -> String {
        self.nodes.get(id).map(|n| n.caption.clone()).unwrap_or_else(|| id.to_string())
    }

    /// Listed by `a` on `as_of` (a listing without a date counts; one dated later does not).
    fn listed_by(&self, id: &str, a: Authority, as_of: Option<NaiveDate>) -> bool {
        self.nodes.get(id).and_then(|n| n.listed.get(&a)).is_some_and(|d| match (d, as_of) {
            (Some(d), Some(x)) => *d <= x,
            _ => true,
        })
    }
}

/// A name lower-cased with its whitespace collapsed (as `norm` in [`Graph::add_uk_links`]), into a buffer.
fn norm_into(s: &str, out: &mut String) {
    out.clear();
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in w.chars() {
            out.extend(c.to_lowercase());
        }
    }
}

/// Records a listing, keeping the earliest known date.
fn merge_listing(n: &mut Node, a: Authority, when: Option<NaiveDate>) {
    let slot = n.listed.entry(a).or_insert(when);
    *slot = match (*slot, when) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
}

/// Which test caught a party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// OFAC: blocked owners hold 50 % or more in the aggregate.
    Ofac50,
    /// EU/UK: one listed party holds more than 50 %.
    Majority,
    /// EU/UK: a listed person directs it (an indicator of control, not proof).
    ControlIndicator,
}

impl Rule {
    pub fn label(self) -> &'static str {
        match self {
            Rule::Ofac50 => "OFAC 50% rule (aggregate)",
            Rule::Majority => "majority ownership (>50%)",
            Rule::ControlIndicator => "control indicator (directed by a listed person)",
        }
    }
}

/// Whether the rule is met on the stated shares, or only could be given the unknown ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Caught,
    /// Known shares fall short; shares of unknown size could reach the threshold. Also every control indicator.
    Possible,
}

/// A party caught (or possibly caught) through ownership or control without being listed itself.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub node: String,
    /// The screener's id of the party's list entry (see [`Node::entity`]).
    #[serde(skip)]
    pub entity: String,
    pub caption: String,
    pub authority: Authority,
    pub rule: Rule,
    pub verdict: Verdict,
    /// Sum of the stated shares held by listed or caught owners (per cent).
    pub known_percentage: f64,
    /// Listed or caught owners whose share is not stated.
    pub unknown_shares: Vec<String>,
    /// How it is caught: `owner —51%→ asset` steps, from a listed party down to this one.
    pub path: Vec<String>,
}

/// Applies the authority's ownership and control rules as of a date (`None`: the records still in force).
pub fn findings(g: &Graph, a: Authority, as_of: Option<NaiveDate>) -> Vec<Finding> {
    let edges: Vec<&Edge> = {
        // One share per owner and asset: the latest-starting record in force.
        let mut best: BTreeMap<(EdgeKind, &str, &str), &Edge> = BTreeMap::new();
        for e in g.edges.iter().filter(|e| e.active(as_of)) {
            let k = (e.kind, e.from.as_str(), e.to.as_str());
            let keep =
                best.get(&k).is_none_or(|b| (e.start, e.percentage.is_some()) > (b.start, b.percentage.is_some()));
            if keep {
                best.insert(k, e);
            }
        }
        best.into_values().collect()
    };
    // Caught parties and the path that caught them (a listed party's path is empty).
    let mut caught: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for id in g.nodes.keys() {
        if g.listed_by(id, a, as_of) {
            caught.insert(id.clone(), Vec::new());
        }
    }
    let step = |e: &Edge| {
        let pct = e.percentage.map(|p| format!("{p}%")).unwrap_or_else(|| "?%".into());
        format!("{} —{pct}→ {}", g.caption(&e.from), g.caption(&e.to))
    };
    let assets: BTreeSet<&str> =
        edges.iter().filter(|e| e.kind == EdgeKind::Ownership).map(|e| e.to.as_str()).collect();
    let mut out: BTreeMap<String, Finding> = BTreeMap::new();
    loop {
        let mut changed = false;
        for &asset in &assets {
            if caught.contains_key(asset) {
                continue;
            }
            let holders: Vec<&&Edge> = edges
                .iter()
                .filter(|e| e.kind == EdgeKind::Ownership && e.to == asset && caught.contains_key(&e.from))
                .collect();
            if holders.is_empty() {
                continue;
            }
            // `+ 0.0`: an empty sum of floats is -0.
            let known: f64 = holders.iter().filter_map(|e| e.percentage).sum::<f64>() + 0.0;
            let unknown: Vec<String> =
                holders.iter().filter(|e| e.percentage.is_none()).map(|e| g.caption(&e.from)).collect();
            let (rule, met, possible, path_edges): (Rule, bool, bool, Vec<&&Edge>) = if a == Authority::OfacSdn {
                (Rule::Ofac50, known >= 50.0, !unknown.is_empty(), holders.clone())
            } else {
                let major = holders.iter().find(|e| e.percentage.is_some_and(|p| p > 50.0));
                match major {
                    Some(e) => (Rule::Majority, true, false, vec![*e]),
                    None => (Rule::Majority, false, !unknown.is_empty(), holders.clone()),
                }
            };
            let mut path: Vec<String> = Vec::new();
            for e in &path_edges {
                for s in caught.get(&e.from).into_iter().flatten() {
                    if !path.contains(s) {
                        path.push(s.clone());
                    }
                }
                path.push(step(e));
            }
            if met {
                caught.insert(asset.to_string(), path.clone());
                changed = true;
            }
            if met || possible {
                out.insert(
                    asset.to_string(),
                    Finding {
                        node: asset.to_string(),
                        entity: g.entity(asset),
                        caption: g.caption(asset),
                        authority: a,
                        rule,
                        verdict: if met { Verdict::Caught } else { Verdict::Possible },
                        known_percentage: known,
                        unknown_shares: unknown,
                        path,
                    },
                );
            }
        }
        if !changed {
            break;
        }
    }
    if a != Authority::OfacSdn {
        for e in edges.iter().filter(|e| e.kind == EdgeKind::Directorship) {
            if out.contains_key(&e.to) || caught.contains_key(&e.to) || !g.listed_by(&e.from, a, as_of) {
                continue;
            }
            out.insert(
                e.to.clone(),
                Finding {
                    node: e.to.clone(),
                    entity: g.entity(&e.to),
                    caption: g.caption(&e.to),
                    authority: a,
                    rule: Rule::ControlIndicator,
                    verdict: Verdict::Possible,
                    known_percentage: 0.0,
                    unknown_shares: Vec::new(),
                    path: vec![format!("{} —directs ({})→ {}", g.caption(&e.from), e.role, g.caption(&e.to))],
                },
            );
        }
    }
    out.into_values().collect()
}

impl Finding {
    /// The finding as the screener reports it beside a hit.
    pub fn flag(&self) -> OwnershipFlag {
        OwnershipFlag {
            authority: self.authority.label().to_string(),
            rule: self.rule.label().to_string(),
            verdict: match self.verdict {
                Verdict::Caught => "caught",
                Verdict::Possible => "possible",
            }
            .to_string(),
            known_percentage: self.known_percentage,
            unknown_shares: self.unknown_shares.clone(),
            path: self.path.clone(),
        }
    }
}

/// Authorities whose ownership and control rules are applied (the consolidated non-SDN list has none).
pub const RULED: [Authority; 4] = [Authority::Un, Authority::Eu, Authority::OfacSdn, Authority::Uk];

/// Every finding of every authority's rule (as of a date), by the screener's entity id of the party caught: what
/// `screen` attaches to a hit on an entity that is not listed itself.
pub fn flags_by_entity(g: &Graph, as_of: Option<NaiveDate>) -> BTreeMap<String, Vec<OwnershipFlag>> {
    let mut out: BTreeMap<String, Vec<OwnershipFlag>> = BTreeMap::new();
    for a in RULED {
        for f in findings(g, a, as_of).into_iter().filter(|f| !f.entity.is_empty()) {
            out.entry(f.entity.clone()).or_default().push(f.flag());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(lines: &[&str]) -> Graph {
        let mut g = Graph::default();
        g.add_ftm("test", &lines.join("\n")).unwrap();
        g
    }

    fn company(id: &str) -> String {
        format!(r#"{{"id":"{id}","schema":"Company","properties":{{"name":["{}"]}}}}"#, id.to_uppercase())
    }

    fn own(owner: &str, asset: &str, pct: Option<&str>, start: Option<&str>, end: Option<&str>) -> String {
        let mut p = format!(r#""owner":["{owner}"],"asset":["{asset}"]"#);
        if let Some(x) = pct {
            p += &format!(r#","percentage":["{x}"]"#);
        }
        if let Some(x) = start {
            p += &format!(r#","startDate":["{x}"]"#);
        }
        if let Some(x) = end {
            p += &format!(r#","endDate":["{x}"]"#);
        }
        format!(r#"{{"id":"own-{owner}-{asset}-{}","schema":"Ownership","properties":{{{p}}}}}"#, pct.unwrap_or("x"))
    }

    fn sanction(entity: &str, authority: &str, date: &str) -> String {
        format!(
            r#"{{"id":"s-{entity}-{authority}","schema":"Sanction","properties":{{"entity":["{entity}"],"authority":["{authority}"],"startDate":["{date}"]}}}}"#
        )
    }

    fn find<'a>(f: &'a [Finding], node: &str) -> Option<&'a Finding> {
        f.iter().find(|x| x.node == node)
    }

    #[test]
    fn uk_parent_and_subsidiary_data_become_edges_of_unknown_share() {
        use entente_screen::model::{Entity, Link, NameStrength, Schema};
        let entity = |id: &str, list: &str, name: &str, links: &[(&str, &str)]| {
            let mut e = Entity::new(id.into(), Schema::Organization, list, "x");
            e.add_name(name, NameStrength::Primary, None);
            e.listing_date = Some("2024-07-31".into());
            e.links = links
                .iter()
                .map(|(r, t)| Link { relation: r.to_string(), target: t.to_string(), percentage: None })
                .collect();
            e
        };
        let mut uk = ParsedList::new("uk", "UK HM Treasury OFSI", "uk-xlsx-ofsi-conlist", "ConList.xlsx");
        uk.entities = vec![entity(
            "uk:100",
            "uk",
            "NORTHERN SHIPYARD JSC",
            &[("parent", "United Shipbuilding Corporation"), ("subsidiary", "Severnaya Verf Services LLC")],
        )];
        let mut ofac = ParsedList::new("ofac-sdn", "US OFAC", "ofac-xml", "sdn.xml");
        ofac.entities = vec![entity("ofac-sdn:1", "ofac-sdn", "UNITED  SHIPBUILDING corporation", &[])];
        let mut g = Graph::default();
        g.add_uk_links(&[uk, ofac]);
        assert_eq!(g.edges.len(), 2);
        // The subsidiary of a UK-listed entity: possibly caught by the UK control test, share unknown.
        let uk_f = findings(&g, Authority::Uk, None);
        let s = find(&uk_f, "uk-name:severnaya verf services llc").expect("subsidiary found");
        assert_eq!((s.rule, s.verdict, s.known_percentage), (Rule::Majority, Verdict::Possible, 0.0));
        assert_eq!(s.unknown_shares, vec!["NORTHERN SHIPYARD JSC"]);
        assert_eq!(s.path, vec!["NORTHERN SHIPYARD JSC —?%→ Severnaya Verf Services LLC"]);
        assert!(s.entity.is_empty(), "a party known only by name is no list entry");
        assert!(find(&uk_f, "uk:100").is_none(), "listed itself");
        // The parent is on the OFAC list under the same name: the UK entry is possibly blocked under the 50 % rule,
        // and the finding names the UK entry for the screener.
        let us = findings(&g, Authority::OfacSdn, None);
        let e = find(&us, "uk:100").expect("UK entry under OFAC's rule");
        assert_eq!((e.rule, e.verdict, e.entity.as_str()), (Rule::Ofac50, Verdict::Possible, "uk:100"));
        assert_eq!(e.path, vec!["United Shipbuilding Corporation —?%→ NORTHERN SHIPYARD JSC"]);
        // Not listed by the EU: nothing under the EU rule.
        assert!(findings(&g, Authority::Eu, None).is_empty());
    }

    #[test]
    fn two_blocked_owners_of_25_percent_each_block_under_ofac_but_not_eu() {
        let g = graph(&[
            &company("a"),
            &company("b"),
            &company("t"),
            &sanction("a", "Office of Foreign Assets Control", "2022-05-08"),
            &sanction("b", "Office of Foreign Assets Control", "2022-05-08"),
            &sanction("a", "Council of the European Union", "2022-06-03"),
            &sanction("b", "Council of the European Union", "2022-06-03"),
            &own("a", "t", Some("25"), None, None),
            &own("b", "t", Some("25"), None, None),
        ]);
        let us = findings(&g, Authority::OfacSdn, None);
        let t = find(&us, "t").expect("T is blocked by aggregation");
        assert_eq!((t.rule, t.verdict, t.known_percentage), (Rule::Ofac50, Verdict::Caught, 50.0));
        assert_eq!(t.path, vec!["A —25%→ T", "B —25%→ T"]);
        // The EU test is one owner above 50 %: two quarters do not make it.
        assert!(find(&findings(&g, Authority::Eu, None), "t").is_none());
        // 49.9 % in the aggregate is not enough.
        let g2 = graph(&[
            &sanction("a", "OFAC", "2022-05-08"),
            &sanction("b", "OFAC", "2022-05-08"),
            &own("a", "t", Some("25"), None, None),
            &own("b", "t", Some("24.9"), None, None),
        ]);
        assert!(find(&findings(&g2, Authority::OfacSdn, None), "t").is_none());
    }

    #[test]
    fn unknown_shares_are_reported_as_unknown() {
        let g = graph(&[
            &company("a"),
            &company("b"),
            &company("t"),
            &sanction("a", "OFAC", "2022-05-08"),
            &sanction("b", "OFAC", "2022-05-08"),
            &own("a", "t", Some("30"), None, None),
            &own("b", "t", None, None, None),
        ]);
        let f = findings(&g, Authority::OfacSdn, None);
        let t = find(&f, "t").expect("possibly blocked");
        assert_eq!(t.verdict, Verdict::Possible);
        assert_eq!(t.known_percentage, 30.0);
        assert_eq!(t.unknown_shares, vec!["B"]);
    }

    #[test]
    fn ownership_is_followed_through_caught_parties_without_multiplying() {
        // A (listed) 60 % → B, B 50 % → C: C is blocked through B (OFAC), although A's indirect share is 30 %.
        let g = graph(&[
            &company("a"),
            &company("b"),
            &company("c"),
            &sanction("a", "OFAC", "2022-05-08"),
            &sanction("a", "UK", "2022-05-08"),
            &own("a", "b", Some("60"), None, None),
            &own("b", "c", Some("50"), None, None),
        ]);
        let us = findings(&g, Authority::OfacSdn, None);
        assert_eq!(find(&us, "c").unwrap().path, vec!["A —60%→ B", "B —50%→ C"]);
        assert_eq!(find(&us, "c").unwrap().verdict, Verdict::Caught);
        // UK: B is majority-owned by A, but C is held 50 %, not more: not caught.
        let uk = findings(&g, Authority::Uk, None);
        assert_eq!(find(&uk, "b").unwrap().rule, Rule::Majority);
        assert!(find(&uk, "c").is_none());
    }

    #[test]
    fn the_as_of_cut_applies_to_shares_and_listings() {
        let g = graph(&[
            &company("a"),
            &company("t"),
            &sanction("a", "OFAC", "2023-01-01"),
            &own("a", "t", Some("40"), Some("2015-01-01"), Some("2021-12-31")),
            &own("a", "t", Some("60"), Some("2022-01-01"), None),
        ]);
        let at = |d: &str| findings(&g, Authority::OfacSdn, Some(d.parse().unwrap()));
        assert!(find(&at("2022-06-01"), "t").is_none(), "A not yet listed");
        assert_eq!(find(&at("2023-06-01"), "t").unwrap().known_percentage, 60.0);
        let g_old = graph(&[
            &sanction("a", "OFAC", "2020-01-01"),
            &own("a", "t", Some("40"), Some("2015-01-01"), Some("2021-12-31")),
            &own("a", "t", Some("60"), Some("2022-01-01"), None),
        ]);
        assert!(
            find(&findings(&g_old, Authority::OfacSdn, Some("2021-06-01".parse().unwrap())), "t").is_none(),
            "40 % then"
        );
    }

    #[test]
    fn a_listed_director_is_a_control_indicator_for_the_eu_and_uk_only() {
        let g = graph(&[
            &company("p"),
            &company("t"),
            &sanction("p", "Council of the European Union", "2022-02-28"),
            &sanction("p", "OFAC", "2022-02-28"),
            r#"{"id":"d1","schema":"Directorship","properties":{"director":["p"],"organization":["t"],"role":["general director"]}}"#,
        ]);
        let eu = findings(&g, Authority::Eu, None);
        let t = find(&eu, "t").unwrap();
        assert_eq!((t.rule, t.verdict), (Rule::ControlIndicator, Verdict::Possible));
        assert!(find(&findings(&g, Authority::OfacSdn, None), "t").is_none());
    }
}
