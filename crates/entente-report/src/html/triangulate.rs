//! The report's sections on the studies' own quantities by category and on the direct counts (triangulation),
//! built from the same views as `entente compare` and `entente triangulate`.

use super::sections::{Sec, TableX};
use super::ReportData;
use crate::views;
use entente_core::category_label;

/// "Quantities by category" (when a study publishes them) and "Direct counts" (when the dataset has checks).
pub fn sections(r: &ReportData) -> Vec<Sec> {
    let mut out = Vec::new();
    let with_categories: Vec<_> = r.comparisons.iter().filter(|c| !c.categories.is_empty()).collect();
    if !with_categories.is_empty() {
        let mut s = Sec {
            id: "study-categories".into(),
            heading: "The studies' quantities by category beside ours".into(),
            ..Default::default()
        };
        s.paras.push("Totals that agree can hide offsetting differences: each category's quantity, our unit price (value ÷ quantity in each simulated world) and our value beside the study's own counts.".into());
        for c in with_categories {
            let mut t = TableX::from(&views::compare::category_table(c, true));
            t.caption = c.title.clone();
            s.tables.push(t);
            for k in &c.categories {
                s.notes.push(format!("{} — {}: {}", c.title, category_label(&k.category), views::compare::finding(k)));
            }
        }
        out.push(s);
    }
    if let Some(t) = r.triangulation {
        let mut s = Sec {
            id: "triangulation".into(),
            heading: "Direct counts beside what the model implies".into(),
            ..Default::default()
        };
        let doc = views::triangulate::doc(t, true);
        for sec in &doc.sections {
            if let Some(tab) = &sec.table {
                let mut x = TableX::from(tab);
                x.caption = sec.heading.clone();
                s.tables.push(x);
            }
            s.notes.extend(sec.notes.iter().cloned());
        }
        s.notes.push(format!(
            "{} samples per date, seed {}. `entente triangulate --condition` also shows the estimate conditioned on these counts.",
            entente_core::group(t.samples as f64),
            t.seed
        ));
        out.push(s);
    }
    out
}

/// The key assumptions behind the headline, as in `entente assess`.
pub fn key_assumptions(j: &entente_engine::sensitivity::Judgment) -> Option<TableX> {
    if j.key_assumptions.is_empty() {
        return None;
    }
    let mut x = TableX::from(&views::judgment::key_table(j, true));
    x.caption = "Key assumptions: the inputs that move the total most, with their basis".into();
    Some(x)
}
