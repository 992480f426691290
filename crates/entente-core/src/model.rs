//! The resolved dataset: the ground state every estimate is derived from. Produced by `entente-data` after
//! validation, so every id here is known to resolve and every unit to combine.

use crate::dist::{Distribution, Truncation};
use crate::expr::Expr;
use crate::grade::Grade;
use crate::unit::Unit;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Where a piece of information came from.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub id: String,
    pub title: String,
    pub publisher: String,
    pub url: String,
    pub published: Option<NaiveDate>,
    pub grade: Grade,
    /// An explicit analyst assumption rather than reported evidence (always graded F6).
    pub assumption: bool,
    /// For an analyst assumption: the date the analyst made it (required). An assumption may be used in a run
    /// as of an earlier date only through claims dated by the evidence that informed it (`Claim::informed_by`).
    pub made: Option<NaiveDate>,
    /// An originator (the agency or person a statement comes from), as opposed to an outlet that relays it.
    /// Claims name their originator; the originator's reliability grades the claim, whatever outlet relayed it.
    pub originator: bool,
    pub note: String,
}

/// What a claim says about its quantity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimValue {
    Point(f64),
    Range { low: f64, high: f64 },
    AtLeast(f64),
    AtMost(f64),
}

impl fmt::Display for ClaimValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimValue::Point(v) => write!(f, "{}", group(*v)),
            ClaimValue::Range { low, high } => write!(f, "{}–{}", group(*low), group(*high)),
            ClaimValue::AtLeast(v) => write!(f, "≥ {}", group(*v)),
            ClaimValue::AtMost(v) => write!(f, "≤ {}", group(*v)),
        }
    }
}

/// Thousands separators for readable claim values (`13,000`), keeping fractions as written.
pub fn group(v: f64) -> String {
    if v.fract() != 0.0 || v.abs() >= 1e15 {
        return format!("{v}");
    }
    let s = format!("{}", v.abs() as u64);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The time a claim refers to: a stock as of a date, or a flow over a period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefersTo {
    AsOf(NaiveDate),
    Period { from: NaiveDate, to: Option<NaiveDate> },
}

/// One statement of one or more sources about one measured quantity.
#[derive(Debug, Clone, Serialize)]
pub struct Claim {
    pub id: String,
    pub sources: Vec<String>,
    pub measure: String,
    pub value: ClaimValue,
    pub unit: String,
    pub refers_to: RefersTo,
    pub public: NaiveDate,
    pub derived: bool,
    /// The originator (a source with `originator = true`) whose statement the `sources` relay, when known.
    pub originator: Option<String>,
    /// How credible this piece of information is (1–6), when graded per claim; else the sources' credibility.
    pub credibility: Option<crate::grade::Credibility>,
    /// Claims this one was derived from or informed by (DERIVED arithmetic, analyst assumptions): it cannot be
    /// public before any of them.
    pub informed_by: Vec<String>,
    pub note: String,
}

/// A distribution with its truncation and the evidence it rests on.
#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    /// The date from which this estimate may be used (`--as-of`); `None` for an undated single estimate.
    pub public: Option<NaiveDate>,
    pub dist: Distribution,
    pub truncation: Truncation,
    pub claims: Vec<String>,
    pub note: String,
}

/// How a variable gets its value.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VariableKind {
    /// Dated estimates, sorted by `public`; the latest one public by the as-of date is used.
    Estimates(Vec<Estimate>),
    Expr(Expr),
}

/// A named uncertain quantity of the model.
#[derive(Debug, Clone, Serialize)]
pub struct Variable {
    pub id: String,
    pub unit: Unit,
    pub description: String,
    pub kind: VariableKind,
    /// A running total (containers shipped so far): its estimates are stocks at the dates their claims refer to,
    /// so deliveries can be placed in the period they were shipped (`PlanOptions::shipped_by`).
    pub cumulative: bool,
}

impl Estimate {
    /// The date the estimate describes: the latest date its reported claims refer to (a stock's date, a flow's
    /// end, or the public date of an open-ended flow), never after the estimate's own public date (a forecast
    /// pro-rated to that date describes that date). An estimate resting only on assumptions describes its
    /// public date.
    pub fn event_date(&self, ds: &Dataset) -> Option<NaiveDate> {
        let described = self
            .claims
            .iter()
            .filter(|c| !ds.claim_is_assumption(c))
            .filter_map(|c| ds.claims.get(c))
            .map(|c| match c.refers_to {
                RefersTo::AsOf(d) => d,
                RefersTo::Period { to: Some(t), .. } => t,
                RefersTo::Period { to: None, .. } => c.public,
            })
            .max();
        match (described, self.public) {
            (Some(d), Some(p)) => Some(d.min(p)),
            (d, p) => d.or(p),
        }
    }
}

impl Variable {
    /// The estimate in force on `as_of`: the latest whose public date is on or before it. An undated estimate
    /// is always in force. `None` when no evidence was public yet.
    pub fn estimate_at(&self, as_of: NaiveDate) -> Option<&Estimate> {
        match &self.kind {
            VariableKind::Estimates(es) => es.iter().rev().find(|e| e.public.is_none_or(|p| p <= as_of)),
            VariableKind::Expr(_) => None,
        }
    }
}

/// Direction of a flow between the two states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Flow {
    /// North Korea to Russia: arms, ammunition, troops.
    #[serde(rename = "KP->RU")]
    KpToRu,
    /// Russia to North Korea: compensation in oil, food, technology.
    #[serde(rename = "RU->KP")]
    RuToKp,
}

impl Flow {
    pub const ALL: [Flow; 2] = [Flow::KpToRu, Flow::RuToKp];

    pub fn parse(s: &str) -> Option<Flow> {
        match s.trim() {
            "KP->RU" | "kp->ru" | "KP-RU" => Some(Flow::KpToRu),
            "RU->KP" | "ru->kp" | "RU-KP" => Some(Flow::RuToKp),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Flow::KpToRu => "KP->RU",
            Flow::RuToKp => "RU->KP",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Flow::KpToRu => "North Korea → Russia (deliveries)",
            Flow::RuToKp => "Russia → North Korea (compensation)",
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Display names of the categories the default dataset uses; others are shown as written.
pub fn category_label(id: &str) -> String {
    match id {
        "artillery-shells" => "Artillery shells".into(),
        "mortar-shells" => "Mortar shells".into(),
        "mrl-rockets" => "MRL rockets".into(),
        "ballistic-missiles" => "Ballistic missiles".into(),
        "guns-launchers" => "Guns and launchers".into(),
        "troops" => "Troops".into(),
        "other-arms" => "Other arms".into(),
        "oil" => "Oil".into(),
        "food" => "Food".into(),
        "air-defence" => "Air defence".into(),
        "aircraft" => "Aircraft".into(),
        "other-goods" => "Other goods".into(),
        "troop-pay" => "Troop pay kept by the state".into(),
        other => other.to_string(),
    }
}

/// Something that flows: quantity × unit price over a period.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: String,
    pub name: String,
    pub flow: Flow,
    pub category: String,
    pub unit: Unit,
    pub quantity: Expr,
    pub unit_price: Expr,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The item on the other flow that pays for, or is paid by, this one (troop services ↔ the cash for them):
    /// a transfer valued on one side appears on the other where it is paid.
    pub counterpart: Option<String>,
    pub note: String,
}

impl Item {
    /// Items whose period starts after the as-of date did not exist yet and count zero.
    pub fn active_at(&self, as_of: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= as_of)
    }
}

/// A named set of overrides with an as-of date.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    pub description: String,
    pub as_of: NaiveDate,
    pub gdp_year: Option<i32>,
    /// Variable id → the estimate that replaces the dataset's in this scenario.
    pub overrides: BTreeMap<String, Estimate>,
}

/// North Korea's GDP for one year.
#[derive(Debug, Clone, Serialize)]
pub struct Gdp {
    pub year: i32,
    pub usd: f64,
    pub basis: String,
    pub claims: Vec<String>,
    /// When the figure became public: the latest public date of its claims, or given explicitly. A run as of
    /// an earlier date does not use it.
    pub public: NaiveDate,
    /// `nominal` or `real` (the `measure` field; `unstated` when absent). Shares of GDP are stated on it.
    pub measure: String,
}

/// One alternative of a structural modelling choice: a set of variable estimates that replace the dataset's.
#[derive(Debug, Clone, Serialize)]
pub struct HypothesisOption {
    pub id: String,
    pub title: String,
    /// The analyst's weight for a combined figure (all options of a hypothesis have one, or none has).
    pub weight: Option<f64>,
    /// Variable id → the estimate this option uses instead of the dataset's.
    pub overrides: BTreeMap<String, Estimate>,
    pub claims: Vec<String>,
    pub note: String,
}

/// A structural modelling choice (the price basis, the scope of a count) declared with its alternatives, so
/// that every figure can name the basis it rests on and be shown under each alternative side by side.
#[derive(Debug, Clone, Serialize)]
pub struct Hypothesis {
    pub id: String,
    pub title: String,
    /// The option a run uses unless told otherwise; its overrides are usually empty (the dataset as written).
    pub base: String,
    pub options: Vec<HypothesisOption>,
    /// Claims behind the weights (a graded analyst assumption with its reasoning), when weights are given.
    pub weight_claims: Vec<String>,
    pub note: String,
}

impl Hypothesis {
    pub fn option(&self, id: &str) -> Option<&HypothesisOption> {
        self.options.iter().find(|o| o.id == id)
    }

    /// True when the analyst stated weights, so that a combined figure may be shown.
    pub fn weighted(&self) -> bool {
        !self.options.is_empty() && self.options.iter().all(|o| o.weight.is_some())
    }
}

/// Which part of the model a published figure covers.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Coverage {
    pub flow: Option<Flow>,
    /// When non-empty, only these categories.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl Coverage {
    pub fn covers(&self, item: &Item) -> bool {
        self.flow.is_none_or(|f| f == item.flow)
            && (self.include.is_empty() || self.include.contains(&item.category))
            && !self.exclude.contains(&item.category)
    }
}

/// A published study figure to compare against.
#[derive(Debug, Clone, Serialize)]
pub struct Study {
    pub id: String,
    pub title: String,
    pub scenario: String,
    pub coverage: Coverage,
    pub low: f64,
    pub high: f64,
    pub claims: Vec<String>,
    pub note: String,
    /// The study's own per-category quantities (`[[study.category]]`), to compare category by category.
    pub categories: Vec<crate::check::StudyCategory>,
}

/// Official trade measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TradeMeasure {
    Total,
    KpExports,
    KpImports,
}

/// One official trade figure for a period.
#[derive(Debug, Clone, Serialize)]
pub struct TradeFigure {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub value_usd: f64,
    pub measure: TradeMeasure,
    pub source: String,
    pub public: NaiveDate,
    pub derived: bool,
    pub note: String,
}

/// Level of a diplomatic contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    HeadOfState,
    Minister,
    Deputy,
    Delegation,
    Call,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.trim() {
            "head-of-state" => Level::HeadOfState,
            "minister" => Level::Minister,
            "deputy" => Level::Deputy,
            "delegation" => Level::Delegation,
            "call" => Level::Call,
            _ => return None,
        })
    }
}

/// A high-level meeting or visit.
#[derive(Debug, Clone, Serialize)]
pub struct Meeting {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub participants: String,
    pub level: Level,
    pub place: String,
    pub direction: String,
    pub source: String,
    pub note: String,
}

/// A rank (Spearman) correlation requested between two uncertain inputs.
#[derive(Debug, Clone, Serialize)]
pub struct Correlation {
    pub a: String,
    pub b: String,
    pub rank: f64,
    pub claims: Vec<String>,
    pub note: String,
}

/// The whole validated dataset.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Dataset {
    pub sources: BTreeMap<String, Source>,
    pub claims: BTreeMap<String, Claim>,
    /// In file order; the engine topologically sorts them.
    pub variables: Vec<Variable>,
    pub items: Vec<Item>,
    pub correlations: Vec<Correlation>,
    pub scenarios: Vec<Scenario>,
    pub default_scenario: String,
    /// Structural modelling choices with their alternatives (`hypotheses.toml`, optional).
    pub hypotheses: Vec<Hypothesis>,
    pub gdp: Vec<Gdp>,
    pub studies: Vec<Study>,
    /// Direct counts and valuations to set beside the model's implied figures (`checks.toml`, optional).
    pub checks: Vec<crate::check::Check>,
    pub trade: Vec<TradeFigure>,
    pub meetings: Vec<Meeting>,
}

impl Dataset {
    pub fn variable(&self, id: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.id == id)
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    pub fn scenario(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    pub fn gdp_for(&self, year: i32) -> Option<&Gdp> {
        self.gdp.iter().find(|g| g.year == year)
    }

    /// The GDP figure a run as of `as_of` may use for `year`: that year's figure if it was public by then, else
    /// the latest earlier year's figure public by then. `None` when nothing was public.
    pub fn gdp_known(&self, year: i32, as_of: NaiveDate) -> Option<&Gdp> {
        self.gdp.iter().filter(|g| g.year <= year && g.public <= as_of).max_by_key(|g| g.year)
    }

    pub fn hypothesis(&self, id: &str) -> Option<&Hypothesis> {
        self.hypotheses.iter().find(|h| h.id == id)
    }

    /// True when every source of the claim is an analyst assumption.
    pub fn claim_is_assumption(&self, claim: &str) -> bool {
        self.claims
            .get(claim)
            .is_some_and(|c| c.sources.iter().all(|s| self.sources.get(s).is_some_and(|s| s.assumption)))
    }

    /// The grade of a claim. When the claim names its originator, the originator's reliability counts (one
    /// agency's statement has one grade whichever outlet relayed it); otherwise the best of its sources' (one
    /// good source stating it is enough to rely on it). A credibility given on the claim replaces the source's.
    pub fn claim_grade(&self, claim: &str) -> Option<Grade> {
        let c = self.claims.get(claim)?;
        let best = match c.originator.as_ref().and_then(|o| self.sources.get(o)) {
            Some(o) => o.grade,
            None => c
                .sources
                .iter()
                .filter_map(|s| self.sources.get(s))
                .map(|s| s.grade)
                .min_by_key(|g| (g.reliability, g.credibility))?,
        };
        Some(Grade { reliability: best.reliability, credibility: c.credibility.unwrap_or(best.credibility) })
    }
}
