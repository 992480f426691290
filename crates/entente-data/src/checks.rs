//! `checks.toml` (direct counts set beside the model) and the `[[study.category]]` entries of `reference.toml`.
//! A child of `load`: it reads with the same reader and reports errors the same way (file, line, key path, field).

use super::{entries, loc, read_id, State};
use crate::reader::{Entry, FileReader};
use entente_core::{Check, CheckMeasure, ClaimValue, Dataset, StudyCategory};
use std::collections::BTreeSet;
use toml_edit::{ImDocument, Item};

/// A unit that counts things (`round`, `shell`, `missile`): one base unit, no product, quotient or money.
fn is_count(unit: &str) -> bool {
    let u = unit.trim();
    !u.is_empty() && !u.contains(['*', '/', ' ']) && u != "USD" && u != "1"
}

/// True when some item of the dataset has this category (always true when items.toml could not be read).
fn category_known(ds: &Dataset, st: &State, category: &str) -> bool {
    st.broken.contains("items.toml") || ds.items.iter().any(|i| i.category == category)
}

/// `[[check]]` entries of `checks.toml`.
pub(super) fn read_checks(r: &mut FileReader, doc: &ImDocument<String>, ds: &mut Dataset, st: &mut State) {
    let mut seen = BTreeSet::new();
    for mut e in entries(r, doc, "check", false) {
        let id = read_id(r, &mut e, &mut seen, true);
        r.unknown_keys(&e, &["id", "claim", "measure", "categories", "items", "variable", "sd_log", "note"]);
        let claim = r.string(&e, "claim", true);
        if let Some(c) = &claim {
            st.claim_refs.push((c.clone(), loc(r, r.span_of(&e, "claim"), &e.path), "claim".into()));
        }
        let measure = r.string(&e, "measure", true).and_then(|m| {
            let parsed = CheckMeasure::parse(&m);
            if parsed.is_none() {
                r.error(r.span_of(&e, "measure"), &e.path, "measure", format!("`{m}` is not `quantity` or `value`"));
            }
            parsed
        });
        let categories = r.string_list(&e, "categories");
        let items = r.string_list(&e, "items");
        let variable = r.string(&e, "variable", false);
        if categories.is_empty() && items.is_empty() && variable.is_none() {
            r.error(
                e.span.clone(),
                &e.path,
                "categories",
                "give the `categories`, `items` or `variable` the count measures",
            );
        }
        if variable.is_some() && !(categories.is_empty() && items.is_empty()) {
            r.error(
                r.span_of(&e, "variable"),
                &e.path,
                "variable",
                "give a `variable` or `categories`/`items`, not both",
            );
        }
        if let Some(v) = &variable {
            match ds.variable(v) {
                None if !st.broken.contains("variables.toml") => {
                    r.error(r.span_of(&e, "variable"), &e.path, "variable", format!("unknown variable `{v}`"))
                }
                Some(var) => {
                    let claim_unit = claim.as_ref().and_then(|c| ds.claims.get(c)).map(|c| c.unit.clone());
                    if let Some(u) = claim_unit.filter(|u| entente_core::Unit::parse(u).is_ok_and(|u| u != var.unit)) {
                        r.error(
                            r.span_of(&e, "variable"),
                            &e.path,
                            "variable",
                            format!("variable `{v}` is in {}, but the claim counts {u}", var.unit),
                        );
                    }
                }
                None => {}
            }
        }
        for c in &categories {
            if !category_known(ds, st, c) {
                r.error(r.span_of(&e, "categories"), &e.path, "categories", format!("no item has category `{c}`"));
            }
        }
        for i in &items {
            if !st.broken.contains("items.toml") && ds.item(i).is_none() {
                r.error(r.span_of(&e, "items"), &e.path, "items", format!("unknown item `{i}`"));
            }
        }
        let sd_log = r.number(&e, "sd_log", false);
        if let Some(s) = sd_log {
            if !(s > 0.0 && s.is_finite()) {
                r.error(r.span_of(&e, "sd_log"), &e.path, "sd_log", format!("{s} must be a positive number"));
            }
        }
        // The claim must be a count (or a value in USD) of something, cumulative or over a period.
        if let (Some(c), Some(m)) = (claim.as_ref().and_then(|c| ds.claims.get(c)), measure) {
            let ok = match m {
                CheckMeasure::Value => c.unit.trim() == "USD",
                CheckMeasure::Quantity => is_count(&c.unit),
            };
            if !ok {
                let (kind, need) = match m {
                    CheckMeasure::Value => ("value", "USD"),
                    CheckMeasure::Quantity => ("quantity", "a count (one unit such as round or shell)"),
                };
                r.error(
                    r.span_of(&e, "claim"),
                    &e.path,
                    "claim",
                    format!("claim `{}` is in {}, but a {kind} check needs {need}", c.id, c.unit),
                );
            }
            if let ClaimValue::AtMost(x) | ClaimValue::Point(x) = c.value {
                if x <= 0.0 {
                    r.error(r.span_of(&e, "claim"), &e.path, "claim", format!("claim `{}` is not positive", c.id));
                }
            }
        }
        let note = r.text(&e, "note");
        if let (Some(id), Some(claim), Some(measure)) = (id, claim, measure) {
            if sd_log.is_none_or(|s| s > 0.0 && s.is_finite()) {
                ds.checks.push(Check { id, claim, measure, categories, items, variable, sd_log, note });
            }
        }
    }
}

/// The `[[study.category]]` entries of one study.
pub(super) fn read_study_categories(r: &mut FileReader, e: &Entry, ds: &Dataset, st: &mut State) -> Vec<StudyCategory> {
    let aot = match e.table.get("category") {
        None => return Vec::new(),
        Some(Item::ArrayOfTables(aot)) => aot,
        Some(other) => {
            r.error(other.span(), &e.path, "category", "expected [[study.category]] entries");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, t) in aot.iter().enumerate() {
        let ce = Entry::new(t, format!("{}.category[{i}]", e.path));
        r.unknown_keys(&ce, &["category", "low", "high", "unit", "value_low", "value_high", "claims", "note"]);
        let category = r.string(&ce, "category", true);
        if let Some(c) = &category {
            if !seen.insert(c.clone()) {
                r.error(r.span_of(&ce, "category"), &ce.path, "category", format!("category `{c}` given twice"));
            } else if !category_known(ds, st, c) {
                r.error(r.span_of(&ce, "category"), &ce.path, "category", format!("no item has category `{c}`"));
            }
        }
        let (low, high) = (r.number(&ce, "low", true), r.number(&ce, "high", true));
        let unit = r.string(&ce, "unit", true);
        let (value_low, value_high) = (r.number(&ce, "value_low", false), r.number(&ce, "value_high", false));
        let mut ok = true;
        for (field, lo, hi) in [("low", low, high), ("value_low", value_low, value_high)] {
            if let (Some(l), Some(h)) = (lo, hi) {
                if l < 0.0 {
                    r.error(r.span_of(&ce, field), &ce.path, field, format!("{l} is negative"));
                    ok = false;
                } else if l > h {
                    r.error(r.span_of(&ce, field), &ce.path, field, format!("{field} {l} is greater than {h}"));
                    ok = false;
                }
            }
        }
        if value_low.is_some() != value_high.is_some() {
            let f = if value_low.is_some() { "value_high" } else { "value_low" };
            r.error(ce.span.clone(), &ce.path, f, "missing: give both `value_low` and `value_high`, or neither");
            ok = false;
        }
        let claims = r.string_list(&ce, "claims");
        let here = loc(r, r.span_of(&ce, "claims"), &ce.path);
        for c in &claims {
            st.claim_refs.push((c.clone(), here.clone(), "claims".into()));
        }
        let note = r.text(&ce, "note");
        if let (Some(category), Some(low), Some(high), Some(unit), true) = (category, low, high, unit, ok) {
            out.push(StudyCategory { category, low, high, unit, value_low, value_high, claims, note });
        }
    }
    out
}
