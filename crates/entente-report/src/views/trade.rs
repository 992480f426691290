//! `entente trade`: the official trade series as published, growth between two periods (partial periods
//! annualised), the pre-2017 level, gaps shown as unknown and conflicting figures side by side.

use super::money;
use crate::doc::{Doc, Row, Section, Table};
use crate::num::sig3;
use chrono::Datelike;
use entente_core::TradeMeasure;
use entente_indicators::trade::{Figure, TradeReport};

fn measure_label(m: TradeMeasure) -> &'static str {
    match m {
        TradeMeasure::Total => "total trade",
        TradeMeasure::KpExports => "North Korea's exports to Russia",
        TradeMeasure::KpImports => "North Korea's imports from Russia",
    }
}

fn growth_cell(g: f64, human: bool) -> String {
    if human {
        format!("{:+.1} %", g * 100.0)
    } else {
        format!("{g:.6}")
    }
}

fn ratio_cell(r: f64, human: bool) -> String {
    if human {
        format!("{}×", sig3(r))
    } else {
        format!("{r:.6}")
    }
}

/// Money to four significant digits for the worked growth sentence (`USD 105.8 M`), so a reader can redo it.
fn precise(v: f64) -> String {
    if v.abs() >= 1e6 {
        format!("USD {:.1} M", v / 1e6)
    } else {
        money(v, true)
    }
}

fn fig_label(f: &Figure) -> String {
    if f.derived {
        format!("{} (derived)", f.label)
    } else {
        f.label.clone()
    }
}

pub fn doc(r: &TradeReport, human: bool) -> Doc {
    let mut d = Doc {
        title: format!("entente trade — official Russia–North Korea trade, {}", measure_label(r.measure)),
        meta: vec![("figures".into(), r.figures.len().to_string())],
        sections: Vec::new(),
    };
    if let Some(a) = r.as_of {
        d.meta.push((
            "evidence as of".into(),
            format!("{a} ({} later figure{} left out)", r.excluded_later, if r.excluded_later == 1 { "" } else { "s" }),
        ));
    }

    let mut t = Table::numeric(&["period", "value", "annualised", "source", "public", "note"]);
    t.align[3] = crate::doc::Align::Left;
    t.align[5] = crate::doc::Align::Left;
    // a year with no figure is a row of its own, in its place: a gap shown as a gap
    let gap_row = |year: i32| {
        vec![year.to_string(), "unknown".into(), "unknown".into(), String::new(), String::new(), "no figure".into()]
    };
    let mut gaps = r.gaps.iter().filter(|g| g.status == "unknown").peekable();
    for f in &r.figures {
        while let Some(g) = gaps.next_if(|g| g.year < f.period.from.year()) {
            t.push(gap_row(g.year));
        }
        let annual =
            if (f.months - 12.0).abs() < 1e-9 { money(f.value_usd, human) } else { money(f.annualised_usd, human) };
        t.push(vec![
            fig_label(f),
            money(f.value_usd, human),
            annual,
            f.source.clone(),
            f.public.to_string(),
            f.note.clone(),
        ]);
    }
    for g in gaps {
        t.push(gap_row(g.year));
    }
    let mut notes = vec![
        "Annualised = value × 12 ÷ months covered: it assumes an even pace through the year, which seasonal trade need not keep.".into(),
    ];
    let unknown: Vec<String> = r.gaps.iter().filter(|g| g.status == "unknown").map(|g| g.year.to_string()).collect();
    if !unknown.is_empty() {
        notes.push(format!("No figure for {}: unknown, not zero.", unknown.join(", ")));
    }
    let derived: Vec<String> =
        r.gaps.iter().filter(|g| g.status == "derived-only").map(|g| g.year.to_string()).collect();
    if !derived.is_empty() {
        notes.push(format!("Only derived (analyst-computed) figures for {}.", derived.join(", ")));
    }
    d.sections.push(Section { heading: "Series".into(), table: Some(t), notes });

    if !r.growth.is_empty() {
        let mut t = Table::numeric(&["from", "to", "from (annualised)", "to (annualised)", "growth", "ratio"]);
        t.align[1] = crate::doc::Align::Left;
        let mut notes = Vec::new();
        for g in &r.growth {
            let side = |f: &Option<Figure>| {
                f.as_ref().map(|f| money(f.annualised_usd, human)).unwrap_or_else(|| "unknown".into())
            };
            let label = |f: &Option<Figure>, p: &entente_indicators::Period| {
                f.as_ref().map(fig_label).unwrap_or_else(|| p.label())
            };
            t.push(vec![
                label(&g.base, &g.base_period),
                label(&g.later, &g.later_period),
                side(&g.base),
                side(&g.later),
                g.growth.map(|x| growth_cell(x, human)).unwrap_or_else(|| "unknown".into()),
                g.ratio.map(|x| ratio_cell(x, human)).unwrap_or_else(|| "unknown".into()),
            ]);
            if let (Some(b), Some(l), Some(x)) = (&g.base, &g.later, g.growth) {
                if g.annualised && human {
                    notes.push(format!(
                        "{} {} over {} months → {} a year; against {} {} a year: {}.",
                        l.label,
                        precise(l.value_usd),
                        sig3(l.months),
                        precise(l.annualised_usd),
                        b.label,
                        precise(b.annualised_usd),
                        growth_cell(x, true)
                    ));
                }
            } else {
                let missing: Vec<String> = [(&g.base, g.base_period), (&g.later, g.later_period)]
                    .iter()
                    .filter(|(f, _)| f.is_none())
                    .map(|(_, p)| p.label())
                    .collect();
                notes.push(format!("No figure for {}: the growth is unknown.", missing.join(" or ")));
            }
        }
        if r.growth.len() > 1
            && r.growth.iter().map(|g| (g.base_period, g.later_period)).collect::<std::collections::BTreeSet<_>>().len()
                < r.growth.len()
        {
            notes.push(
                "Several rows for one pair of periods: the sources conflict, and each figure is compared.".into(),
            );
        }
        d.sections.push(Section { heading: "Growth".into(), table: Some(t), notes });
    }

    if !r.pre_sanctions.is_empty() {
        let mut t = Table::numeric(&["figure", "annualised", "pre-2017 year", "its value", "ratio", "change"]);
        for v in &r.pre_sanctions {
            t.push(vec![
                fig_label(&v.figure),
                money(v.figure.annualised_usd, human),
                v.baseline_year.to_string(),
                money(v.baseline.value_usd, human),
                ratio_cell(v.ratio, human),
                growth_cell(v.ratio - 1.0, human),
            ]);
        }
        d.sections.push(Section {
            heading: "Against the level before the 2017 sanctions".into(),
            table: Some(t),
            notes: vec!["UN Security Council resolutions 2371, 2375 and 2397 (Aug–Dec 2017) banned most trade with North Korea.".into()],
        });
    }

    if !r.conflicts.is_empty() {
        let mut t = Table::numeric(&["figure", "value", "source", "against", "value", "source"]);
        t.align[2] = crate::doc::Align::Left;
        t.align[3] = crate::doc::Align::Left;
        t.align[5] = crate::doc::Align::Left;
        for c in &r.conflicts {
            t.rows.push(Row::new(vec![
                fig_label(&c.a),
                money(c.a.value_usd, human),
                c.a.source.clone(),
                fig_label(&c.b),
                money(c.b.value_usd, human),
                c.b.source.clone(),
            ]));
        }
        let notes = r
            .conflicts
            .iter()
            .map(|c| {
                let (a, b) = if c.a.period.contains(&c.b.period) && c.a.period != c.b.period {
                    (&c.b, &c.a)
                } else {
                    (&c.a, &c.b)
                };
                let what = if a.period == b.period {
                    format!(
                        "Two figures for {}: {} and {}",
                        a.label,
                        money(a.value_usd, true),
                        money(b.value_usd, true)
                    )
                } else {
                    format!(
                        "{} ({}) exceeds the whole of {} ({})",
                        a.label,
                        money(a.value_usd, true),
                        b.label,
                        money(b.value_usd, true)
                    )
                };
                format!("{what}. Both are kept; their bases may differ.")
            })
            .collect();
        d.sections.push(Section { heading: "Conflicting figures".into(), table: Some(t), notes });
    }
    d
}
