//! `entente triangulate`: direct counts beside the model's implied figures, and the estimate conditioned on them.

use crate::doc::{Doc, Section, Table};
use crate::num::{in_unit, scaled, sig3};
use entente_core::{category_label, CheckMeasure, ClaimValue, RefersTo};
use entente_engine::triangulate::{Agreement, CheckResult, CheckStatus, Triangulation};

pub fn refers_text(r: RefersTo) -> String {
    match r {
        RefersTo::AsOf(d) => format!("by {d}"),
        RefersTo::Period { from, to } => {
            format!("{from} – {}", to.map(|t| t.to_string()).unwrap_or_else(|| "as-of date".into()))
        }
    }
}

fn value_text(v: ClaimValue, unit: &str) -> String {
    let u = |x: f64| in_unit(x, unit);
    match v {
        ClaimValue::Point(x) => u(x),
        ClaimValue::Range { low, high } => format!("{}–{}", scaled(low), u(high)),
        ClaimValue::AtLeast(x) => format!("≥ {}", u(x)),
        ClaimValue::AtMost(x) => format!("≤ {}", u(x)),
    }
}

pub fn status_text(c: &CheckResult) -> String {
    match (c.status, c.agreement) {
        (CheckStatus::NotYetPublic, _) => "not yet public on the as-of date".into(),
        (CheckStatus::AfterAsOf, _) => "refers to a date after the as-of date".into(),
        (CheckStatus::NoEvidenceThen, _) => "no evidence describes these items by then".into(),
        (_, Some(Agreement::Within)) if c.upper_bound => "fits under our cumulative to the period's end".into(),
        (_, Some(Agreement::Within)) => "agrees (within our 90 % interval)".into(),
        (_, Some(Agreement::CountAbove)) if c.upper_bound => {
            "DISAGREES: the count is above our P95 even cumulated from the start".into()
        }
        (_, Some(Agreement::CountAbove)) => "DISAGREES: the count is above our P95".into(),
        (_, Some(Agreement::CountBelow)) => "DISAGREES: the count is below our P5".into(),
        (_, None) => String::new(),
    }
}

fn what(c: &CheckResult) -> String {
    if let Some(v) = &c.variable {
        return format!("variable {v}");
    }
    let mut parts: Vec<String> = c.categories.iter().map(|x| category_label(x)).collect();
    parts.extend(c.items.iter().cloned());
    let m = match c.measure {
        CheckMeasure::Quantity => "quantity",
        CheckMeasure::Value => "value",
    };
    format!("{m} of {}", parts.join(" + "))
}

pub fn doc(t: &Triangulation, human: bool) -> Doc {
    let mut d = Doc {
        title: "entente triangulate — direct counts beside the model".into(),
        meta: vec![
            ("scenario".into(), format!("{} (evidence as of {})", t.scenario, t.as_of)),
            ("samples".into(), format!("{} (seed {})", entente_core::group(t.samples as f64), t.seed)),
        ],
        sections: Vec::new(),
    };
    let mut tab = Table::numeric(&[
        "check",
        "count (grade)",
        "refers to",
        "measures",
        "model P5",
        "model median",
        "model P95",
        "median ÷ count",
        "verdict",
    ]);
    let cell = |c: &CheckResult, x: Option<f64>| match x {
        None => String::new(),
        Some(v) if human => in_unit(v, &c.unit),
        Some(v) => format!("{v}"),
    };
    for c in &t.checks {
        let b = c.implied;
        let bound = if c.upper_bound && human { "≤ " } else { "" };
        tab.push(vec![
            c.id.clone(),
            format!("{} ({})", value_text(c.value, &c.unit), c.grade.clone().unwrap_or_else(|| "ungraded".into())),
            refers_text(c.refers_to),
            what(c),
            cell(c, b.map(|b| b.p5)),
            format!("{bound}{}", cell(c, b.map(|b| b.p50))),
            cell(c, b.map(|b| b.p95)),
            c.median_ratio.map(|r| if human { format!("{}×", sig3(r)) } else { format!("{r:.6}") }).unwrap_or_default(),
            if c.model_rests_on_it && c.implied.is_some() {
                format!("{} (the model rests on this count)", status_text(c))
            } else {
                status_text(c)
            },
        ]);
    }
    let compared = t.checks.iter().filter(|c| c.implied.is_some()).count();
    let mut notes = vec![format!(
        "{} of {compared} counts compared disagree with the model (the whole count outside our 90 % interval).",
        t.disagreements
    )];
    notes.push("A cumulative figure on a date is what the model, with all the evidence public by the as-of date, says was shipped by then (running totals at their latest estimate describing a date on or before it); over a period it is the figure at its end minus that the day before it began, world by world (same seed on every date). Where no evidence describes the start of a period, the figure is the cumulative at its end (marked ≤): an upper bound, so only a count above it disagrees.".into());
    if t.checks.iter().any(|c| c.model_rests_on_it) {
        notes.push("A count the model rests on (an estimate cites its claim) shows how the estimate follows it; it is no independent check, and `--condition` leaves it out so as not to count it twice.".into());
    }
    notes.extend(t.checks.iter().filter(|c| !c.note.is_empty()).map(|c| format!("{} ({}): {}", c.id, c.claim, c.note)));
    d.sections.push(Section { heading: "Direct counts and what the model implies".into(), table: Some(tab), notes });

    if let Some(k) = &t.conditioning {
        let money = |v: f64| super::money(v, human);
        let mut tab = Table::numeric(&["figure", "P5", "median", "P95", "conditioned P5", "median", "P95"]);
        for f in &k.figures {
            let label = match &f.category {
                Some(c) => format!("  {}", category_label(c)),
                None => f.flow.label().to_string(),
            };
            tab.push(vec![
                label,
                money(f.prior.p5),
                money(f.prior.p50),
                money(f.prior.p95),
                money(f.conditioned.p5),
                money(f.conditioned.p50),
                money(f.conditioned.p95),
            ]);
        }
        let mut notes = vec![format!(
            "Conditioned on {} counts ({}) by importance weighting: each simulated world is weighted by the likelihood of every count given that world's implied figure. Effective sample size {} of {}.",
            k.checks.len(),
            k.checks.join(", "),
            entente_core::group(k.effective_samples.round()),
            entente_core::group(t.samples as f64)
        )];
        if k.degenerate {
            notes.push("WARNING: the effective sample size is below 1 % of the samples: few worlds fit every count, so the conditioned figures are unreliable. The counts and the model disagree more than their stated uncertainty allows; look at the disagreements above before using them.".into());
        }
        notes.push("Likelihood of a count: 1 inside its range (a point is a range of one value; \"at least x\" is x and above), and outside it a normal on the log scale whose standard deviation is the check's `sd_log` or, by default, 0.1 × (r + c) from the claim's grade (A–E → r = 1–5, credibility 1–5 → c = 1–5, F and 6 count 4): B2 → 0.4, C3 → 0.6.".into());
        for c in t.checks.iter().filter(|c| c.implied_conditioned.is_some()) {
            let b = c.implied_conditioned.expect("filtered");
            notes.push(format!(
                "{}: implied {} conditioned (was {}), σ = {}{}.",
                c.id,
                in_unit(b.p50, &c.unit),
                c.implied.map(|x| in_unit(x.p50, &c.unit)).unwrap_or_default(),
                sig3(c.likelihood.sd_log),
                if c.likelihood.from_grade { " from the grade" } else { " as stated" }
            ));
        }
        d.sections.push(Section {
            heading: "The estimate conditioned on the direct counts (--condition)".into(),
            table: Some(tab),
            notes,
        });
    } else {
        d.sections.push(Section {
            heading: String::new(),
            table: None,
            notes: vec!["The estimate is not conditioned on these counts. `--condition` weights the simulated worlds by how well each fits them and shows both results.".into()],
        });
    }
    d
}
