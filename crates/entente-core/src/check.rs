//! What the model is checked against: a published study's own per-category quantities (`[[study.category]]` in
//! `reference.toml`) and direct counts and valuations that the model does not use as inputs (`checks.toml`).

use crate::model::Item;
use serde::Serialize;

/// A published study's figure for one of our categories: the quantity it counts (and, when published, the value
/// it gives that category).
#[derive(Debug, Clone, Serialize)]
pub struct StudyCategory {
    /// One of our categories (`artillery-shells`, `mrl-rockets`, …).
    pub category: String,
    /// The study's quantity range; `low = high` for a point, `low = 0` for "at most".
    pub low: f64,
    pub high: f64,
    /// The unit the study counts in, as written (`shell`, `rocket`, `system`, `person`).
    pub unit: String,
    /// The study's value for the category, when it publishes one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_high: Option<f64>,
    pub claims: Vec<String>,
    pub note: String,
}

/// What a direct count measures in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckMeasure {
    /// The sum of the items' quantities (counts of rounds, shells, missiles), or the variable's value.
    Quantity,
    /// The sum of the items' values in USD.
    Value,
}

impl CheckMeasure {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "quantity" => Some(Self::Quantity),
            "value" => Some(Self::Value),
            _ => None,
        }
    }
}

/// A direct count or valuation (a claim the model does not rest on) set beside the model's implied figure for the
/// same thing at the same date. The time it refers to is the claim's: cumulative as of a date, or over a period.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: String,
    pub claim: String,
    pub measure: CheckMeasure,
    /// Categories whose items it counts (any flow named by `items` or `categories`).
    pub categories: Vec<String>,
    /// Items it counts, beside those of `categories`.
    pub items: Vec<String>,
    /// Instead of items: a model variable it measures directly (a running total such as `containers`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variable: Option<String>,
    /// The spread of the likelihood outside the claim's range, on the log scale, when stated; otherwise the
    /// default from the claim's grade (see `docs/dataset.md`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sd_log: Option<f64>,
    pub note: String,
}

impl Check {
    /// True when the check counts this item.
    pub fn counts(&self, item: &Item) -> bool {
        self.items.contains(&item.id) || self.categories.contains(&item.category)
    }
}
