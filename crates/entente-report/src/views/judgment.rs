//! Analytic language for the headline: ICD 203 likelihood words for the engine's probabilities, a confidence
//! level from the evidence grades, and the key assumptions with their basis. The engine computes the numbers
//! ([`entente_engine::sensitivity::Judgment`]); the words are made here.

use crate::doc::{Section, Table};
use crate::num::{in_unit, pct, usd};
use entente_engine::sensitivity::{Confidence, EvidenceStrength, Judgment};
use entente_engine::Figure;

/// The ICD 203 expression of likelihood for a probability: almost no chance (under 5 %), very unlikely (5–20 %),
/// unlikely (20–45 %), roughly even chance (45–55 %), likely (55–80 %), very likely (80–95 %), almost certain
/// (95 % and above). A boundary belongs to the band above it.
pub fn likelihood(p: f64) -> &'static str {
    match p {
        p if p >= 0.95 => "almost certain",
        p if p >= 0.80 => "very likely",
        p if p >= 0.55 => "likely",
        p if p >= 0.45 => "roughly even chance",
        p if p >= 0.20 => "unlikely",
        p if p >= 0.05 => "very unlikely",
        _ => "almost no chance",
    }
}

/// The adverb form, for "deliveries almost certainly exceed …".
pub fn likelihood_adverb(p: f64) -> &'static str {
    match likelihood(p) {
        "almost certain" => "almost certainly",
        "very likely" => "very likely",
        "likely" => "likely",
        "roughly even chance" => "with roughly even chance",
        "unlikely" => "unlikely",
        "very unlikely" => "very unlikely",
        _ => "with almost no chance",
    }
}

pub fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Moderate => "moderate",
        Confidence::Low => "low",
    }
}

pub fn strength(s: EvidenceStrength) -> &'static str {
    match s {
        EvidenceStrength::Strong => "strong evidence",
        EvidenceStrength::Fair => "fair evidence",
        EvidenceStrength::Weak => "weak evidence",
        EvidenceStrength::Assumption => "analyst assumption",
    }
}

/// Probability in brackets: `(90 %)`, `(99.9 %)`, `(> 99.9 %)`.
fn prob(p: f64) -> String {
    if p > 0.999 && p < 1.0 || p == 1.0 {
        "(> 99.9 %)".into()
    } else {
        format!("({})", pct(p))
    }
}

/// The judgment sentences of the headline: likelihood statements, then the confidence on its own (ICD 203 keeps
/// the two apart).
pub fn sentences(j: &Judgment, total: &Figure) -> Vec<String> {
    let s = &total.summary;
    let mut out = vec![format!(
        "North Korea's deliveries to Russia are {} {} worth {} to {} (median {}).",
        likelihood(j.interval_probability),
        prob(j.interval_probability),
        usd(s.p5()),
        usd(s.p95()),
        usd(s.p50())
    )];
    if let Some(p) = j.p_deliveries_exceed_compensation {
        let verb = if p >= 0.5 { "exceed" } else { "fall short of" };
        let q = if p >= 0.5 { p } else { 1.0 - p };
        out.push(format!("Deliveries {} {verb} Russia's identified compensation {}.", likelihood_adverb(q), prob(q)));
    }
    let m = &j.grade_mix;
    out.push(format!(
        "Confidence in these judgments: {}. Of the spread of the total, {} rests on inputs with strong evidence (a claim graded A–B and 1–2), {} on fair evidence (up to C3), {} on weaker evidence and {} on analyst assumptions.",
        confidence(j.confidence),
        pct(m.strong),
        pct(m.fair),
        pct(m.weak),
        pct(m.assumption)
    ));
    out
}

/// The headline judgment and the key-assumptions table.
pub fn sections(j: &Judgment, total: &Figure, human: bool) -> Vec<Section> {
    let t = key_table(j, human);
    let mut notes: Vec<String> = j
        .key_assumptions
        .iter()
        .filter(|k| !k.description.is_empty())
        .map(|k| format!("{}: {}.", k.variable, k.description))
        .collect();
    notes.push(format!(
        "Key assumptions are the {} inputs that move the total most with every other input at its median (the tornado of `entente sensitivity`); share of spread = the input's swing squared over the sum for all inputs. Likelihood words follow ICD 203 (likely 55–80 %, very likely 80–95 %, almost certain ≥ 95 %); confidence is high when at least half the spread rests on strong evidence and under a fifth on weak evidence or assumptions, low when half or more does, moderate otherwise (docs/dataset.md).",
        j.key_assumptions.len()
    ));
    vec![
        Section { heading: "Judgment".into(), table: None, notes: sentences(j, total) },
        Section { heading: "Key assumptions".into(), table: Some(t), notes },
    ]
}

/// The key assumptions: each input's range, the total at its ends, its share of the spread and its basis.
pub fn key_table(j: &Judgment, human: bool) -> Table {
    let mut t = Table::numeric(&[
        "key assumption",
        "input P5",
        "median",
        "input P95",
        "total at input P5",
        "total at input P95",
        "share of spread",
        "basis",
    ]);
    for k in &j.key_assumptions {
        let v = |x: f64| if human { in_unit(x, &k.unit) } else { format!("{x}") };
        let money = |x: f64| super::money(x, human);
        let basis = match &k.best_grade {
            Some(g) => format!("{}, best {g}: {}", strength(k.strength), k.claims.join(", ")),
            None if k.claims.is_empty() => "no claim cited".to_string(),
            None => format!("{}: {}", strength(k.strength), k.claims.join(", ")),
        };
        t.push(vec![
            k.variable.clone(),
            v(k.input_p5),
            v(k.input_p50),
            v(k.input_p95),
            money(k.at_p5),
            money(k.at_p95),
            if human { pct(k.share) } else { format!("{:.6}", k.share) },
            basis,
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icd_203_bands() {
        assert_eq!(likelihood(0.02), "almost no chance");
        assert_eq!(likelihood(0.05), "very unlikely");
        assert_eq!(likelihood(0.30), "unlikely");
        assert_eq!(likelihood(0.50), "roughly even chance");
        assert_eq!(likelihood(0.55), "likely");
        assert_eq!(likelihood(0.79), "likely");
        assert_eq!(likelihood(0.90), "very likely");
        assert_eq!(likelihood(0.95), "almost certain");
        assert_eq!(likelihood_adverb(0.999), "almost certainly");
    }
}
