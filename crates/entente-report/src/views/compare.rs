//! `entente compare`: the published studies' ranges beside ours, with implied unit prices.

use super::money;
use crate::doc::{Doc, Section, Table};
use crate::num::{in_unit, sig3};
use entente_engine::compare::Comparison;

pub fn doc(cs: &[Comparison], human: bool) -> Doc {
    let mut d = Doc { title: "entente compare — published studies beside our estimate".into(), ..Default::default() };
    let mut t = Table::numeric(&[
        "study",
        "scenario (as of)",
        "study low",
        "study high",
        "our P5",
        "our median",
        "our P95",
        "median ÷ study mid",
        "overlap",
    ]);
    for c in cs {
        t.push(vec![
            c.title.clone(),
            format!("{} ({})", c.scenario, c.as_of),
            money(c.study_low, human),
            money(c.study_high, human),
            money(c.ours.p5(), human),
            money(c.ours.p50(), human),
            money(c.ours.p95(), human),
            if human { format!("{}×", sig3(c.median_ratio)) } else { format!("{:.6}", c.median_ratio) },
            if c.overlap { "yes".into() } else { "no".into() },
        ]);
    }
    d.sections.push(Section { heading: "Ranges".into(), table: Some(t), notes: Vec::new() });
    for c in cs {
        let mut t = Table::numeric(&[
            "item",
            "our median quantity",
            "our median unit price",
            "implied (study low)",
            "implied (study high)",
        ]);
        for p in &c.implied_prices {
            let unit = format!("USD/{}", p.unit);
            t.push(vec![
                p.name.clone(),
                in_unit(p.quantity_p50, &p.unit),
                in_unit(p.unit_price_p50, &unit),
                in_unit(p.implied_low, &unit),
                in_unit(p.implied_high, &unit),
            ]);
        }
        let mut notes = vec![format!("Coverage: {}.", c.coverage), c.verdict.clone()];
        notes.extend(c.excluded.iter().map(|e| format!("Not in our figure: {e}.")));
        d.sections.push(Section { heading: format!("{} — implied unit prices", c.title), table: Some(t), notes });
    }
    d
}
