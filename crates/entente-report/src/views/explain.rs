//! `entente explain ITEM`: the composition of one item, input by input, down to graded sources.

use crate::doc::{Doc, Section, Table};
use crate::num::in_unit;
use entente_engine::explain::Explanation;

pub fn doc(e: &Explanation, human: bool) -> Doc {
    let fmt = |v: f64, unit: &str| if human { in_unit(v, unit) } else { format!("{v}") };
    let price_unit = format!("USD/{}", e.unit);
    let mut d = Doc {
        title: format!("{} ({}) — {} · {}", e.name, e.item, e.flow, entente_core::category_label(&e.category)),
        meta: vec![
            ("value".into(), "quantity × unit price".into()),
            ("quantity".into(), e.quantity_expr.clone()),
            ("unit price".into(), e.unit_price_expr.clone()),
            ("scenario".into(), format!("{} (evidence as of {})", e.scenario, e.as_of)),
        ],
        sections: Vec::new(),
    };
    if !e.note.is_empty() {
        d.meta.push(("note".into(), e.note.clone()));
    }
    let mut t = Table::numeric(&["", "P5", "median", "P95", "mean"]);
    for (label, s, unit) in [
        ("quantity", &e.quantity, e.unit.as_str()),
        ("unit price", &e.unit_price, price_unit.as_str()),
        ("value", &e.value, "USD"),
    ] {
        t.push(vec![label.into(), fmt(s.p5(), unit), fmt(s.p50(), unit), fmt(s.p95(), unit), fmt(s.mean, unit)]);
    }
    let mut notes = Vec::new();
    if let Some(c) = &e.counterpart {
        t.push(vec![
            format!("other side: {} ({})", c.item, c.flow),
            fmt(c.value.p5(), "USD"),
            fmt(c.value.p50(), "USD"),
            fmt(c.value.p95(), "USD"),
            fmt(c.value.mean, "USD"),
        ]);
        notes.push(format!(
            "One transfer, both sides: `{}` ({}, {}) is the other side of this item, valued in the same simulated worlds.",
            c.item, c.name, c.flow
        ));
    }
    d.sections.push(Section { heading: "Result".into(), table: Some(t), notes });

    let mut t = Table::numeric(&["input", "definition", "P5", "median", "P95"]);
    t.align[1] = crate::doc::Align::Left;
    for i in &e.inputs {
        let mut def = i.definition.clone();
        if i.derived {
            def = format!("= {def}");
        }
        if let Some(p) = i.estimate_public {
            def += &format!(" (estimate of {p})");
        }
        if i.overridden_by_scenario {
            def += " [scenario override]";
        }
        t.push(vec![
            i.variable.clone(),
            def,
            fmt(i.summary.p5(), &i.unit),
            fmt(i.summary.p50(), &i.unit),
            fmt(i.summary.p95(), &i.unit),
        ]);
    }
    d.sections.push(Section { heading: "Inputs".into(), table: Some(t), notes: Vec::new() });

    let mut t = Table::text(&["input", "claim", "says", "refers to", "public", "sources"]);
    for i in &e.inputs {
        for c in &i.claims {
            let refers = match c.refers_to {
                entente_core::RefersTo::AsOf(d) => format!("as of {d}"),
                entente_core::RefersTo::Period { from, to } => {
                    format!("{from} – {}", to.map(|t| t.to_string()).unwrap_or_else(|| "…".into()))
                }
            };
            let derived = if c.derived { " (DERIVED)" } else { "" };
            t.push(vec![
                i.variable.clone(),
                c.id.clone(),
                format!("{} {}: {}{derived}", c.value, c.unit, c.measure),
                refers,
                c.public.to_string(),
                c.sources.join(", "),
            ]);
        }
    }
    let uncited: Vec<&str> =
        e.inputs.iter().filter(|i| !i.derived && i.claims.is_empty()).map(|i| i.variable.as_str()).collect();
    let notes =
        if uncited.is_empty() { Vec::new() } else { vec![format!("No claims cited for: {}.", uncited.join(", "))] };
    d.sections.push(Section { heading: "Claims".into(), table: Some(t), notes });

    let mut t = Table::text(&["source", "grade", "publisher", "published", "title / URL"]);
    for s in &e.sources {
        t.push(vec![
            s.id.clone(),
            format!("{} ({}; {})", s.grade, s.grade.reliability.meaning(), s.grade.credibility.meaning()),
            s.publisher.clone(),
            s.published.map(|d| d.to_string()).unwrap_or_default(),
            if s.url.is_empty() { s.title.clone() } else { format!("{} <{}>", s.title, s.url) },
        ]);
    }
    d.sections.push(Section { heading: "Sources (NATO Admiralty grades)".into(), table: Some(t), notes: Vec::new() });
    d
}
