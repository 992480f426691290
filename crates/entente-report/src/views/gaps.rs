//! `entente gaps`: the actor × authority matrix, what each authority's lists can say, the parties listed by the
//! US or UK but not the EU, the parties listed nowhere, designation lags, and parties caught through ownership.

use crate::doc::{Doc, Section, Table};
use entente_gaps::coverage::Authority;
use entente_gaps::matrix::{Cell, DateSource, Status};
use entente_gaps::Gaps;

/// A matrix cell for people: `listed 2024-07-31`, `listed 2022-05-08 (reported)`, `not found (list 2025-04-14)`.
pub fn cell_text(c: &Cell) -> String {
    let list = c.list_date.map(|d| format!("list {d}")).unwrap_or_else(|| "list undated".into());
    match c.status {
        Status::Listed => match (c.designated, c.date_source) {
            (Some(d), Some(DateSource::List)) => format!("listed {d}"),
            (Some(d), Some(DateSource::Reported)) => format!("listed {d} (reported)"),
            (Some(d), Some(DateSource::ReportedInferred)) => format!("listed {d} (inferred)"),
            _ => format!("listed, date n/a ({list})"),
        },
        Status::NotFound => format!("not found ({list})"),
        Status::NotCovered => "not covered".into(),
        Status::Unknown => format!("unknown ({list})"),
        Status::ViaOwnership => "via ownership".into(),
    }
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn date_source(s: Option<DateSource>) -> &'static str {
    match s {
        Some(DateSource::List) => "list",
        Some(DateSource::Reported) => "reported",
        Some(DateSource::ReportedInferred) => "reported-inferred",
        None => "",
    }
}

/// The document. `human = false` (CSV) gives one column per field instead of combined cells.
pub fn doc(g: &Gaps, human: bool) -> Doc {
    let mut d = Doc {
        title: "entente gaps — who carries the Russia–North Korea flows, and who has designated them".into(),
        meta: vec![
            (
                "evidence and lists as of".into(),
                g.as_of.map(|d| d.to_string()).unwrap_or_else(|| "latest (no --as-of)".into()),
            ),
            ("actors".into(), format!("{} ({} without evidence by then)", g.rows.len(), g.excluded.len())),
            ("list files".into(), g.lists.len().to_string()),
        ],
        sections: Vec::new(),
    };

    // Coverage first: it says what every "not found" below is worth.
    let mut t = Table::text(&["authority", "best list", "latest list date", "files"]);
    let mut notes = Vec::new();
    for a in &g.authorities {
        t.push(vec![a.authority.label().into(), a.best.clone(), date(a.latest), a.lists.len().to_string()]);
        for n in &a.notes {
            notes.push(format!("{}: {n}", a.authority.label()));
        }
    }
    for (p, why) in &g.skipped {
        notes.push(format!("not read: {p} ({why})"));
    }
    d.sections.push(Section { heading: "Coverage by authority".into(), table: Some(t), notes });

    // The matrix.
    let mut headers: Vec<String> = vec!["actor".into(), "kind".into(), "identifiers".into(), "first evidence".into()];
    for a in Authority::ALL {
        if human {
            headers.push(a.label().into());
        } else {
            for f in ["status", "designated", "date source", "programmes", "list date", "lag days", "basis"] {
                headers.push(format!("{} {f}", a.label()));
            }
        }
    }
    let hs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = Table::text(&hs);
    for r in &g.rows {
        let mut cells = vec![r.name.clone(), r.kind.as_str().into(), r.identifiers.join(", "), date(r.first_evidence)];
        for c in &r.cells {
            if human {
                cells.push(cell_text(c));
            } else {
                cells.push(c.status.label().into());
                cells.push(date(c.designated));
                cells.push(date_source(c.date_source).into());
                cells.push(c.programmes.join("; "));
                cells.push(date(c.list_date));
                cells.push(c.lag_days.map(|x| x.to_string()).unwrap_or_default());
                cells.push(c.matches.first().map(|m| m.basis.describe()).unwrap_or_default());
            }
        }
        t.push(cells);
    }
    let notes = vec![
        "listed DATE: the list file gives the designation date; (reported): a claim in the dataset reports the action; (inferred): a claim reports an action that, by the evidence, included this party without naming it.".into(),
        "not found (list DATE): not in the latest full list of that authority loaded, as of that list's date — not a statement about today. not covered: the lists loaded cannot answer (only a sample, none loaded, or EU ship measures that are not list entries).".into(),
        "Matching: identifiers (IMO, INN, OGRN, BIC, LEI) first; names only where no identifier of the same kind contradicts them (vessels only where the list gives no IMO).".into(),
    ];
    let matrix = Section { heading: "Actor × authority".into(), table: Some(t), notes };
    if human {
        d.sections.push(matrix);
    } else {
        // CSV writes one table (the first unless `--csv-table N`): the matrix is the one pipelines want.
        d.sections.insert(0, matrix);
    }

    // The matches behind every "listed".
    let mut t = Table::text(&["actor", "authority", "list entry", "matched by", "programmes", "listed on", "list"]);
    for r in &g.rows {
        for c in &r.cells {
            for m in &c.matches {
                t.push(vec![
                    r.name.clone(),
                    c.authority.label().into(),
                    format!("{} ({})", m.caption, m.entity),
                    m.basis.describe(),
                    m.programmes.join("; "),
                    date(m.listed_on),
                    g.lists[m.list].source.clone(),
                ]);
            }
        }
    }
    d.sections.push(Section { heading: "List entries matched".into(), table: Some(t), notes: Vec::new() });

    // EU gaps.
    let name = |id: &str| g.rows.iter().find(|r| r.actor == id).map(|r| r.name.clone()).unwrap_or_else(|| id.into());
    let mut t = Table::text(&["actor", "kind", "US / UK", "EU"]);
    for id in &g.summary.us_uk_not_eu {
        let r = g.rows.iter().find(|r| &r.actor == id).expect("summary names rows");
        let us_uk: Vec<String> = r
            .cells
            .iter()
            .filter(|c| c.authority.is_us_or_uk() && c.status == Status::Listed)
            .map(|c| format!("{} {}", c.authority.label(), date(c.designated)).trim().to_string())
            .collect();
        t.push(vec![r.name.clone(), r.kind.as_str().into(), us_uk.join(", "), cell_text(r.cell(Authority::Eu))]);
    }
    let mut notes = Vec::new();
    if !g.summary.eu_not_covered_ships.is_empty() {
        let ships: Vec<String> = g.summary.eu_not_covered_ships.iter().map(|s| name(s)).collect();
        notes.push(format!(
            "Vessels listed by the US or UK that the EU financial sanctions list cannot speak for (EU port-access ban under Regulation 833/2014, Annex XLII, is a separate measure; check it there): {}.",
            ships.join(", ")
        ));
    }
    d.sections.push(Section {
        heading: "Listed by the US or UK, not found on the EU list".into(),
        table: Some(t),
        notes,
    });

    let mut t = Table::text(&["actor", "kind", "first evidence", "roles"]);
    for id in &g.summary.listed_nowhere {
        let r = g.rows.iter().find(|r| &r.actor == id).expect("summary names rows");
        t.push(vec![r.name.clone(), r.kind.as_str().into(), date(r.first_evidence), r.roles.join("; ")]);
    }
    let notes =
        vec!["Listed by no authority whose lists could answer, and caught through no ownership found; 'not covered' cells are not counted as listed.".into()];
    d.sections.push(Section { heading: "Listed nowhere".into(), table: Some(t), notes });

    let mut t = Table::numeric(&[
        "authority",
        "designations with dates",
        "median lag (days)",
        "designated before the evidence",
        "dates reported, not listed",
    ]);
    for l in &g.summary.lags {
        t.push(vec![
            l.authority.label().into(),
            l.n.to_string(),
            l.median_days.map(|m| format!("{m:.0}")).unwrap_or_default(),
            l.before_evidence.to_string(),
            l.reported_dates.to_string(),
        ]);
    }
    let notes = vec!["Lag: designation date minus the first public evidence of the party's part in the flows; negative when the party was designated before (for other conduct).".into()];
    d.sections.push(Section { heading: "Designation lag".into(), table: Some(t), notes });

    let mut t = Table::text(&["party", "authority", "rule", "verdict", "known share", "unknown shares", "path"]);
    for f in &g.ownership {
        t.push(vec![
            f.caption.clone(),
            f.authority.label().into(),
            f.rule.label().into(),
            format!("{:?}", f.verdict).to_lowercase(),
            if human { format!("{}%", f.known_percentage) } else { f.known_percentage.to_string() },
            f.unknown_shares.join("; "),
            f.path.join(" ⇒ "),
        ]);
    }
    let notes = vec!["From FollowTheMoney Ownership, Directorship and Sanction records among the loaded lists, in force on the as-of date. OFAC: blocked owners' shares added up (50 % or more), through parties blocked by the rule; EU/UK: one listed party above 50 %, and listed directors as control indicators. Unstated shares are unknown, never assumed.".into()];
    d.sections.push(Section {
        heading: "Caught through ownership or control (not listed themselves)".into(),
        table: Some(t),
        notes,
    });
    d
}
