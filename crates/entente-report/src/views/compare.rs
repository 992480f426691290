//! `entente compare`: the published studies' ranges beside ours, with implied unit prices, and the studies' own
//! quantities by category beside ours with the reason for each difference.

use super::money;
use crate::doc::{Doc, Section, Table};
use crate::num::{in_unit, scaled, sig3};
use entente_core::category_label;
use entente_engine::compare::{CategoryComparison, CategoryFinding, Comparison, Position};
use entente_engine::history::Band;

/// The comparison of one study in words: where our interval stands, what drives our figure, and — when the
/// study publishes quantities — which categories differ.
pub fn verdict(c: &Comparison) -> String {
    let position = match c.position {
        Position::Below => "Our whole 90 % interval lies below the study's range",
        Position::Above => "Our whole 90 % interval lies above the study's range",
        Position::Overlaps => "Our 90 % interval overlaps the study's range",
    };
    let mut v = format!("{position}; our median is {}× the middle of the study's range.", sig3(c.median_ratio));
    let sum: f64 = c.drivers.iter().map(|d| d.1).sum();
    if sum > 0.0 {
        let top: Vec<String> = c
            .drivers
            .iter()
            .take(2)
            .map(|(cat, m)| format!("{} ({:.0} % of our median)", category_label(cat), 100.0 * m / sum))
            .collect();
        v += &format!(" Our figure is driven by {}.", top.join(" and "));
    }
    let differ: Vec<String> = c
        .categories
        .iter()
        .filter_map(|k| match k.finding {
            CategoryFinding::QuantityDiffers(p) => Some(format!(
                "{} ({} the study's count, {}×)",
                category_label(&k.category),
                if p == Position::Above { "above" } else { "below" },
                k.quantity_ratio.map(sig3).unwrap_or_default()
            )),
            _ => None,
        })
        .collect();
    if !c.categories.is_empty() {
        if differ.is_empty() {
            v += " Our quantities agree with the study's in every category it counts.";
        } else {
            v += &format!(
                " Category by category our quantities differ from the study's in {}: totals that agree can hide offsetting differences.",
                differ.join(", ")
            );
        }
    } else if !(0.67..=1.5).contains(&c.median_ratio) {
        v += " The study's unit prices and per-category arithmetic are not published, so the gap cannot be traced to one input; the implied prices below show what the study's total would require of ours.";
    }
    v
}

/// The reason for one category's difference, drawn from the data.
pub fn finding(k: &CategoryComparison) -> String {
    match k.finding {
        CategoryFinding::NotInModel => {
            let why: Vec<String> = k.excluded.iter().map(|(i, w)| format!("{i}: {w}")).collect();
            if why.is_empty() {
                "Not in our model on this date.".into()
            } else {
                format!("Not in our model on this date ({}).", why.join("; "))
            }
        }
        CategoryFinding::UnitsDiffer => {
            format!("Not comparable: we count {} where the study counts {}.", k.our_units.join(", "), k.study_unit)
        }
        CategoryFinding::QuantityAgrees => {
            "Our 90 % interval overlaps the study's count: any difference in value is in the unit price.".into()
        }
        CategoryFinding::QuantityDiffers(p) => {
            let dir = if p == Position::Above { "above" } else { "below" };
            let mut s = format!("Our whole 90 % interval lies {dir} the study's count.");
            let drivers: Vec<String> = k
                .drivers
                .iter()
                .map(|d| {
                    let basis = if d.assumption {
                        "an analyst assumption".to_string()
                    } else if d.claims.is_empty() {
                        "no cited claim".to_string()
                    } else if d.claims.len() > 3 {
                        format!("claims {} and {} more", d.claims[..3].join(", "), d.claims.len() - 3)
                    } else {
                        format!("claims {}", d.claims.join(", "))
                    };
                    let reach =
                        if d.reaches_study { "; within its own range it alone reaches the study's count" } else { "" };
                    format!(
                        "{} ({}–{} moves our quantity {}–{}; rests on {basis}{reach})",
                        d.variable,
                        scaled(d.input_p5),
                        scaled(d.input_p95),
                        scaled(d.quantity_at_p5.min(d.quantity_at_p95)),
                        scaled(d.quantity_at_p5.max(d.quantity_at_p95)),
                    )
                })
                .collect();
            if !drivers.is_empty() {
                s += &format!(" Set mostly by {}.", drivers.join("; "));
            }
            if !k.drivers.is_empty() && k.drivers.iter().all(|d| !d.reaches_study) {
                s += " No single input within its own range closes the gap.";
            }
            s
        }
    }
}

fn band_cell(b: Option<Band>, unit: &str, human: bool) -> String {
    match b {
        None => {
            if human {
                "—".into()
            } else {
                String::new()
            }
        }
        Some(b) if human => format!("{} ({}–{})", in_unit(b.p50, unit), scaled(b.p5), scaled(b.p95)),
        Some(b) => format!("{}|{}|{}", b.p5, b.p50, b.p95),
    }
}

fn range_cell(lo: f64, hi: f64, unit: &str, human: bool) -> String {
    if !human {
        format!("{lo}|{hi}")
    } else if lo == hi {
        in_unit(lo, unit)
    } else if lo == 0.0 {
        format!("≤ {}", in_unit(hi, unit))
    } else if unit == "USD" {
        format!("{} – {}", in_unit(lo, unit), in_unit(hi, unit))
    } else {
        format!("{}–{}", scaled(lo), in_unit(hi, unit))
    }
}

/// The table of a study's categories: its quantity beside ours, our unit price and value, the study's counts at
/// our prices, and the ratio.
pub fn category_table(c: &Comparison, human: bool) -> Table {
    if !human {
        return category_table_raw(c);
    }
    let mut t = Table::numeric(&[
        "category",
        "study quantity",
        "our quantity P50 (P5–P95)",
        "ours ÷ study",
        "our unit price P50 (P5–P95)",
        "our value P50 (P5–P95)",
        "study quantity at our price",
        "study value",
    ]);
    for k in &c.categories {
        let unit = k.our_units.join("+");
        let price_unit = if k.our_units.len() == 1 { format!("USD/{unit}") } else { "USD each".into() };
        t.push(vec![
            category_label(&k.category),
            range_cell(k.study_low, k.study_high, &k.study_unit, human),
            band_cell(k.quantity, &unit, human),
            k.quantity_ratio
                .map(|r| if human { format!("{}×", sig3(r)) } else { format!("{r:.6}") })
                .unwrap_or_default(),
            band_cell(k.unit_price, &price_unit, human),
            band_cell(k.value, "USD", human),
            k.study_quantity_at_our_price.map(|(l, h)| range_cell(l, h, "USD", human)).unwrap_or_default(),
            k.study_value.map(|(l, h)| range_cell(l, h, "USD", human)).unwrap_or_else(|| {
                if human {
                    "not published".into()
                } else {
                    String::new()
                }
            }),
        ]);
    }
    t
}

/// The same for machines (CSV): one number per cell, empty where there is none.
fn category_table_raw(c: &Comparison) -> Table {
    let mut t = Table::numeric(&[
        "category",
        "study_low",
        "study_high",
        "study_unit",
        "quantity_p5",
        "quantity_p50",
        "quantity_p95",
        "quantity_ratio",
        "unit_price_p5",
        "unit_price_p50",
        "unit_price_p95",
        "value_p5",
        "value_p50",
        "value_p95",
        "study_quantity_at_our_price_low",
        "study_quantity_at_our_price_high",
        "study_value_low",
        "study_value_high",
    ]);
    let n = |x: Option<f64>| x.map(|v| format!("{v}")).unwrap_or_default();
    let b = |x: Option<Band>| [n(x.map(|b| b.p5)), n(x.map(|b| b.p50)), n(x.map(|b| b.p95))];
    for k in &c.categories {
        let mut row = vec![k.category.clone(), n(Some(k.study_low)), n(Some(k.study_high)), k.study_unit.clone()];
        row.extend(b(k.quantity));
        row.push(n(k.quantity_ratio));
        row.extend(b(k.unit_price));
        row.extend(b(k.value));
        row.extend([n(k.study_quantity_at_our_price.map(|x| x.0)), n(k.study_quantity_at_our_price.map(|x| x.1))]);
        row.extend([n(k.study_value.map(|x| x.0)), n(k.study_value.map(|x| x.1))]);
        t.push(row);
    }
    t
}

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
        if !c.categories.is_empty() {
            let mut notes: Vec<String> = c
                .categories
                .iter()
                .map(|k| format!("{}: {} (study: {})", category_label(&k.category), finding(k), k.claims.join(", ")))
                .collect();
            notes.push("Our unit price is the category's value ÷ its quantity in each simulated world. The study publishes quantities but no unit prices or values by category; its counts at our median unit price show whether a gap in value would come from quantity or from price.".into());
            d.sections.push(Section {
                heading: format!("{} — quantities by category", c.title),
                table: Some(category_table(c, human)),
                notes,
            });
        }
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
        let mut notes = vec![format!("Coverage: {}.", c.coverage), verdict(c)];
        notes.extend(c.excluded.iter().map(|e| format!("Not in our figure: {e}.")));
        d.sections.push(Section { heading: format!("{} — implied unit prices", c.title), table: Some(t), notes });
    }
    d
}

/// `compare` in one format. Studies left out because they were published after the as-of date are named under
/// the title (in JSON: `not_public`, beside `comparisons`).
pub fn render(fmt: crate::OutputFormat, cs: &entente_engine::compare::Comparisons) -> String {
    let mut d = doc(&cs.comparisons, fmt != crate::OutputFormat::Csv);
    if !cs.not_public.is_empty() {
        let names: Vec<String> = cs.not_public.iter().map(|(s, date)| format!("{s} (public {date})")).collect();
        d.meta.push(("not yet public, left out".into(), names.join(", ")));
    }
    crate::render(fmt, &d, cs)
}
