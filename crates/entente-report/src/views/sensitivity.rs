//! `entente sensitivity`: first-order indices and the tornado table.

use crate::doc::{Doc, Section, Table};
use crate::num::{in_unit, pct, sig3};
use entente_engine::sensitivity::Sensitivity;

pub fn doc(s: &Sensitivity, human: bool) -> Doc {
    let money = |v: f64| super::money(v, human);
    let mut d = Doc {
        title: format!("entente sensitivity — what drives {}", s.figure),
        meta: vec![
            ("scenario".into(), format!("{} (evidence as of {})", s.scenario, s.as_of)),
            ("samples".into(), entente_core::group(s.samples as f64)),
            ("all inputs at their medians".into(), money(s.base)),
        ],
        sections: Vec::new(),
    };
    let mut t = Table::numeric(&[
        "input",
        "first-order index",
        "input P5",
        "input P95",
        "figure at input P5",
        "figure at input P95",
        "swing",
    ]);
    for i in &s.inputs {
        let idx = if human { pct(i.first_order) } else { format!("{:.6}", i.first_order) };
        let v = |x: f64| if human { in_unit(x, &i.unit) } else { format!("{x}") };
        t.push(vec![
            i.variable.clone(),
            idx,
            v(i.input_p5),
            v(i.input_p95),
            money(i.at_p5),
            money(i.at_p95),
            money(i.swing),
        ]);
    }
    let sum = if human { sig3(s.sum_first_order) } else { format!("{:.6}", s.sum_first_order) };
    let why = if s.sum_first_order > 1.0 && !s.correlated.is_empty() {
        format!(
            "more than 1 because of correlation: the correlated inputs ({}) share part of their effect, and each one's index counts the shared part again. The excess over 1 is correlation, not interaction",
            s.correlated.join(", ")
        )
    } else if s.sum_first_order > 1.0 {
        "just over 1 from sampling noise in the binned estimates (no input of this figure is correlated)".to_string()
    } else if s.correlated.is_empty() {
        "the rest is interaction between uncertain terms (quantity × price)".to_string()
    } else {
        format!(
            "the rest is interaction between uncertain terms (quantity × price); correlated inputs ({}) would add their shared part to each index",
            s.correlated.join(", ")
        )
    };
    let notes = vec![
        format!(
            "First-order index: the share of the figure's variance explained by the input alone, Var(E[Y|X])/Var(Y), estimated by binning the draws into {} equal-count bins. The indices sum to {sum}: {why}.",
            entente_engine::sensitivity::BINS,
        ),
        "Tornado: the figure with one input at its own P5 and P95 and every other input at its median.".into(),
    ];
    d.sections.push(Section { heading: "Inputs, most influential first".into(), table: Some(t), notes });
    d
}
