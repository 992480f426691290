//! `entente history` and `entente timeline`: the estimate through time.

use crate::doc::{Doc, Section, Table};
use crate::num::sig3;
use entente_engine::history::{History, Timeline};

pub fn history_doc(h: &History, human: bool) -> Doc {
    let money = |v: f64| super::money(v, human);
    let mut d = Doc {
        title: "entente history — the estimate after each new piece of evidence".into(),
        meta: vec![
            ("scenario".into(), format!("{} (up to {})", h.scenario, h.as_of)),
            ("samples".into(), format!("{} per step (seed {})", entente_core::group(h.samples as f64), h.seed)),
        ],
        sections: Vec::new(),
    };
    let mut t = Table::numeric(&[
        "date",
        "deliveries P5",
        "median",
        "P95",
        "median change",
        "compensation median",
        "what changed",
    ]);
    t.align[6] = crate::doc::Align::Left;
    for s in &h.steps {
        let change = match s.median_change {
            Some(c) if human => format!("{}{} %", if c >= 0.0 { "+" } else { "" }, sig3(c * 100.0)),
            Some(c) => format!("{c:.6}"),
            None => String::new(),
        };
        t.push(vec![
            s.date.to_string(),
            money(s.deliveries.p5),
            money(s.deliveries.p50),
            money(s.deliveries.p95),
            change,
            money(s.compensation.p50),
            s.changes.join("; "),
        ]);
    }
    d.sections.push(Section {
        heading: String::new(),
        table: Some(t),
        notes: vec!["Each row re-runs the model with only the evidence public on that date; the draws of unchanged inputs are the same, so a move is caused by the change listed.".into()],
    });
    d
}

pub fn timeline_doc(tl: &Timeline, human: bool) -> Doc {
    let money = |v: f64| super::money(v, human);
    let mut d = Doc {
        title: "entente timeline — cumulative value as known at each quarter end".into(),
        meta: vec![
            ("scenario".into(), format!("{} (up to {})", tl.scenario, tl.as_of)),
            ("samples".into(), format!("{} per point (seed {})", entente_core::group(tl.samples as f64), tl.seed)),
        ],
        sections: Vec::new(),
    };
    let mut t = Table::numeric(&[
        "quarter",
        "deliveries P5",
        "median",
        "P95",
        "median added in quarter",
        "compensation median",
    ]);
    for p in &tl.points {
        t.push(vec![
            p.label.clone(),
            money(p.deliveries.p5),
            money(p.deliveries.p50),
            money(p.deliveries.p95),
            money(p.deliveries_median_increase),
            money(p.compensation.p50),
        ]);
    }
    d.sections.push(Section {
        heading: String::new(),
        table: Some(t),
        notes: vec!["Cumulative figures come from cumulative claims (containers, missiles, launchers counted as of dates); the value added in a quarter is the difference of medians, not a per-world difference.".into()],
    });
    if !tl.years.is_empty() {
        let mut t = Table::numeric(&[
            "year shipped",
            "deliveries (median)",
            "NK GDP",
            "share of GDP",
            "cumulative",
            "cumulative ÷ GDP",
        ]);
        let share = |v: Option<f64>| v.map(|x| super::share(x, human)).unwrap_or_else(|| "no GDP figure".into());
        for y in &tl.years {
            t.push(vec![
                y.year.to_string(),
                money(y.deliveries_median),
                y.gdp_usd.map(money).unwrap_or_default(),
                share(y.share_of_gdp),
                money(y.cumulative_median),
                share(y.cumulative_share_of_gdp),
            ]);
        }
        d.sections.push(Section {
            heading: "By the year shipped, against North Korea's GDP".into(),
            table: Some(t),
            notes: vec![
                format!(
                    "Deliveries are placed in the year they were shipped, using all evidence public by {}: running totals (containers, missiles, launchers, months deployed) take their latest estimate describing a date on or before the year's end, so a later report about an earlier period counts in that period. Shipments between two counts fall in the year of the later count.",
                    tl.as_of
                ),
                "GDP by year from reference.toml (see each figure's basis there), only figures public by the as-of date.".into(),
            ],
        });
    }
    d
}
