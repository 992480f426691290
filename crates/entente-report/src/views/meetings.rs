//! `entente meetings`: counts per month, quarter or year; the monthly rate since a date with its exact interval;
//! the comparison with the earlier rate; the change point and how sure we are of it; the meetings counted.

use crate::doc::{Align, Doc, Section, Table};
use crate::num::sig3;
use entente_core::Level;
use entente_indicators::meetings::{Bound, By, MeetingsReport};
use entente_indicators::stats::Rate;
use entente_indicators::Month;

pub fn level_name(l: Level) -> &'static str {
    match l {
        Level::HeadOfState => "head-of-state",
        Level::Minister => "minister",
        Level::Deputy => "deputy",
        Level::Delegation => "delegation",
        Level::Call => "call",
    }
}

fn num(v: f64, human: bool) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    if human {
        sig3(v)
    } else {
        format!("{v:.6}")
    }
}

fn p_value(p: f64, human: bool) -> String {
    if !human {
        format!("{p:.6e}")
    } else if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// `2024-06..2024-09, 2025-01`: consecutive months joined into ranges.
pub fn month_ranges(ms: &[Month]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ms.len() {
        let mut j = i;
        while j + 1 < ms.len() && ms[j].next() == ms[j + 1] {
            j += 1;
        }
        parts.push(if i == j { ms[i].to_string() } else { format!("{}..{}", ms[i], ms[j]) });
        i = j + 1;
    }
    parts.join(", ")
}

fn rate_row(label: String, window: String, r: &Rate, human: bool) -> Vec<String> {
    vec![
        label,
        window,
        r.count.to_string(),
        num(r.exposure, human),
        num(r.rate, human),
        num(r.low, human),
        num(r.high, human),
        num(r.rate * 12.0, human),
    ]
}

pub fn doc(r: &MeetingsReport, human: bool) -> Doc {
    let levels = if r.levels.is_empty() {
        "all".to_string()
    } else {
        r.levels.iter().map(|l| level_name(*l)).collect::<Vec<_>>().join(", ")
    };
    let mut d = Doc {
        title: "entente meetings — high-level Russia–North Korea meetings and visits".into(),
        meta: vec![("levels".into(), levels), ("meetings counted".into(), r.meetings.len().to_string())],
        sections: Vec::new(),
    };
    if let Some(a) = r.as_of {
        d.meta.push(("held on or before".into(), format!("{a} ({} later meeting(s) left out)", r.excluded_later)));
    }
    let (Some(from), Some(to)) = (r.observed_from, r.observed_to) else {
        d.sections.push(Section { heading: String::new(), table: None, notes: vec!["No meetings match.".into()] });
        return d;
    };
    d.meta.push(("observed".into(), format!("{from} to {to} (the log is taken as complete in this window)")));

    let unit = match r.by {
        By::Month => "month",
        By::Quarter => "quarter",
        By::Year => "year",
    };
    let mut t = Table::numeric(&[unit, "meetings", "months observed"]);
    for b in &r.counts {
        t.push(vec![b.label.clone(), b.count.to_string(), num(b.exposure_months, human)]);
    }
    d.sections.push(Section {
        heading: format!("Meetings per {unit}"),
        table: Some(t),
        notes: vec!["A meeting counts once, in the month it starts.".into()],
    });

    if let Some(after) = &r.rate_since {
        let mut t =
            Table::numeric(&["", "window", "meetings", "months", "per month", "95 % low", "95 % high", "per year"]);
        t.align[1] = Align::Left;
        let since = r.since.max(from);
        t.push(rate_row(format!("since {since}"), format!("{since} to {to}"), after, human));
        let mut notes = vec![format!(
            "Mean rate since {since}: {} a month (exact Garwood 95 % interval {}–{}), i.e. {} a year.",
            sig3(after.rate),
            sig3(after.low),
            sig3(after.high),
            sig3(after.rate * 12.0)
        )];
        if let Some(b) = &r.vs_before {
            t.push(rate_row("before".into(), format!("{} to {}", b.from, b.to), &b.before, human));
            let ratio = if b.ratio.is_finite() {
                format!("{}×", sig3(b.ratio))
            } else {
                "no meeting before, so no finite ratio".into()
            };
            notes.push(format!(
                "Against the observed rate before: {ratio} (exact conditional test of equal rates, one-sided p = {}).",
                p_value(b.p_value, true)
            ));
        }
        if let Some(s) = &r.vs_stated {
            let label = format!("stated before: {}", s.baseline.text);
            t.push(vec![
                label,
                "—".into(),
                "—".into(),
                "—".into(),
                num(s.baseline.per_month, human),
                String::new(),
                String::new(),
                num(s.baseline.per_month * 12.0, human),
            ]);
            let (at_least, p_note) = match s.baseline.bound {
                Bound::Below => ("at least ", " (an upper bound: the earlier rate was lower than stated)"),
                _ => ("", ""),
            };
            notes.push(format!(
                "Against the stated baseline {}: {at_least}{}× ({at_least}{}× at the low end of the interval); P(as many meetings at the baseline rate) = {}{p_note}.",
                s.baseline.text,
                sig3(s.ratio),
                sig3(s.ratio_low),
                p_value(s.p_value, true)
            ));
        }
        if let Some(di) = r.dispersion {
            notes.push(format!(
                "Variance ÷ mean of the monthly counts: {} ({}).",
                sig3(di),
                if di > 1.5 {
                    "clustered: the Poisson interval is too narrow"
                } else {
                    "consistent with a Poisson rate"
                }
            ));
        }
        d.sections.push(Section { heading: format!("Rate since {since}"), table: Some(t), notes });
    }

    if let Some(c) = &r.change {
        let cp = &c.detail;
        let mut t = Table::text(&["", "value"]);
        t.push(vec![
            "first month at the new rate (posterior mode)".into(),
            format!("{} ({} %)", c.map_month, sig3(c.map_probability * 100.0)),
        ]);
        t.push(vec![
            "95 % credible months".into(),
            format!("{} ({} %)", month_ranges(&c.credible_months), sig3(cp.credible_mass * 100.0)),
        ]);
        t.push(vec!["maximum-likelihood month".into(), c.ml_month.to_string()]);
        t.push(vec!["likelihood-ratio statistic".into(), num(cp.lr_statistic, human)]);
        t.push(vec![
            "p-value (no change)".into(),
            format!(
                "{} (parametric bootstrap, {} draws, seed {})",
                p_value(cp.lr_p_value, human),
                cp.bootstrap_draws,
                cp.bootstrap_seed
            ),
        ]);
        t.push(vec!["log10 Bayes factor (change vs none)".into(), num(cp.log10_bayes_factor, human)]);
        t.push(vec!["P(change), prior odds 1:1".into(), num(cp.p_change, human)]);
        for (name, s) in [("rate before", &cp.before), ("rate after", &cp.after)] {
            t.push(vec![
                name.into(),
                format!(
                    "{} a month (95 % {}–{}; {} meetings in {} months)",
                    num(s.rate.rate, human),
                    num(s.rate.low, human),
                    num(s.rate.high, human),
                    s.rate.count,
                    num(s.rate.exposure, human)
                ),
            ]);
        }
        let alt: Vec<String> = c
            .prior_sensitivity
            .iter()
            .map(|a| {
                format!(
                    "Gamma({}, {}): mode {}, {} credible months, Bayes factor 10^{:.1}",
                    a.prior.shape, a.prior.rate, a.map_month, a.credible_months, a.log10_bayes_factor
                )
            })
            .collect();
        let notes = vec![
            c.verdict.clone(),
            format!("Other priors on the rates — {}. The posterior, and the Bayes factor most, depend on the prior; the likelihood-ratio test does not.", alt.join("; ")),
            format!(
                "One change in a Poisson rate over the monthly counts; Gamma({}, {}) prior on each rate, flat prior on the month. A break before {} cannot be seen: the window starts there.",
                cp.prior.shape,
                cp.prior.rate,
                from.format("%Y-%m")
            ),
        ];
        d.sections.push(Section { heading: "Change point".into(), table: Some(t), notes });
    }

    let mut t = Table::text(&["start", "end", "level", "participants", "place", "direction", "source"]);
    for m in &r.meetings {
        t.push(vec![
            m.start.to_string(),
            m.end.to_string(),
            level_name(m.level).into(),
            m.participants.clone(),
            m.place.clone(),
            m.direction.clone(),
            m.source.clone(),
        ]);
    }
    d.sections.push(Section { heading: "Meetings counted".into(), table: Some(t), notes: Vec::new() });
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let m = |y, mo| Month { year: y, month: mo };
        assert_eq!(month_ranges(&[m(2024, 11), m(2024, 12), m(2025, 1), m(2025, 3)]), "2024-11..2025-01, 2025-03");
        assert_eq!(month_ranges(&[]), "");
    }
}

/// The JSON of `meetings`: the report, and what GDELT added when events were imported.
#[derive(serde::Serialize)]
struct MeetingsOut<'a> {
    #[serde(flatten)]
    report: &'a MeetingsReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    gdelt: Option<&'a entente_indicators::gdelt::Added>,
}

/// `meetings` in one format, with a line on what GDELT added when events were imported.
pub fn render(fmt: crate::OutputFormat, m: &entente_app::indicators::MeetingsOutcome) -> String {
    let mut d = doc(&m.report, fmt != crate::OutputFormat::Csv);
    if let Some(s) = &m.gdelt {
        d.meta.push((
            "GDELT".into(),
            format!(
                "{} event(s) in {} row(s) → {} meeting(s) after merging repeats; {} already in the log, {} added (graded low: machine-coded)",
                s.events, s.rows, s.merged_meetings, s.matched_log, s.added
            ),
        ));
    }
    crate::render(fmt, &d, &MeetingsOut { report: &m.report, gdelt: m.gdelt.as_ref() })
}
