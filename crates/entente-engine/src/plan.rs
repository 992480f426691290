//! Compiling a dataset and a scenario into a plan: the variables in force on the as-of date, in dependency
//! order, each item's quantity, unit price and value, and the sums per category, per flow and in total.
//! Everything the engine samples is a node of this plan, so one sample index runs through the whole model.

use crate::sample::{stream_id, Sampler};
use chrono::NaiveDate;
use entente_core::{Dataset, Estimate, Expr, Flow, Grade, Item, Scenario, Unit, VariableKind};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How a plan is made from a dataset.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Scenario id; the dataset's default when `None`.
    pub scenario: Option<String>,
    /// Use only evidence public on or before this date (defaults to the scenario's as-of date).
    pub as_of: Option<NaiveDate>,
    /// Set aside reported evidence below this grade (see [`grade_filter`]).
    pub min_grade: Option<Grade>,
    /// Hypothesis id → option id: the alternatives this run uses; every other hypothesis takes its base option.
    pub hypotheses: BTreeMap<String, String>,
    /// Value what was *shipped* by this date, with all the evidence public by the as-of date: running totals
    /// (`cumulative` variables) take their latest estimate describing a date on or before it, and items count
    /// from their start. `None`: what was *known* by the as-of date.
    pub shipped_by: Option<NaiveDate>,
}

/// The option of one structural hypothesis a plan uses: every money figure names it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Basis {
    pub hypothesis: String,
    pub title: String,
    pub option: String,
    pub option_title: String,
    /// Variables the scenario replaces itself, so this option does not apply to them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pinned_by_scenario: Vec<String>,
}

/// What `--min-grade` does to one estimate.
#[derive(Debug, Clone, PartialEq)]
pub enum GradeVerdict {
    /// It rests on evidence at or above the grade, or only on analyst assumptions: used as it is.
    Keep,
    /// Its reported evidence is all below the grade but it also rests on an analyst assumption: that
    /// assumption alone remains, so the estimate is used widened (see [`widen`]).
    Widen,
    /// Nothing remains: an earlier estimate that passes is used, or the variable is left out.
    Drop,
}

/// The grade rule. Reported claims below `min` are set aside; analyst assumptions are modelling choices, not
/// evidence, and are never set aside. An estimate with any reported claim at the grade is kept; one whose
/// reported claims all fall below it keeps only its assumptions and is widened; one with nothing left is dropped.
pub fn grade_filter(ds: &Dataset, est: &Estimate, min: Grade) -> GradeVerdict {
    let (assumed, reported): (Vec<&String>, Vec<&String>) = est.claims.iter().partition(|c| ds.claim_is_assumption(c));
    if reported.is_empty() || reported.iter().any(|c| ds.claim_grade(c).is_some_and(|g| g.meets(min))) {
        GradeVerdict::Keep
    } else if !assumed.is_empty() {
        GradeVerdict::Widen
    } else {
        GradeVerdict::Drop
    }
}

/// An estimate with its sub-grade evidence set aside: the range grows by half its distance from the centre on
/// each side (a normal's sd and a lognormal's log-sd by half), never below zero when it started at or above zero,
/// and never above one for a share that was within [0, 1].
pub fn widen(est: &Estimate, dimensionless: bool) -> Estimate {
    use entente_core::Distribution as D;
    let floor = |lo: f64, wide: f64| if lo >= 0.0 { wide.max(0.0) } else { wide };
    let share = |lo: f64, hi: f64| dimensionless && lo >= 0.0 && hi <= 1.0;
    let cap = |lo: f64, hi: f64, wide: f64| if share(lo, hi) { wide.min(1.0) } else { wide };
    let dist = match est.dist.clone() {
        D::Uniform { low, high } => {
            let h = (high - low) / 4.0;
            D::Uniform { low: floor(low, low - h), high: cap(low, high, high + h) }
        }
        D::Triangular { low, mode, high } => D::Triangular {
            low: floor(low, low - (mode - low) / 2.0),
            mode,
            high: cap(low, high, high + (high - mode) / 2.0),
        },
        D::Pert { low, mode, high } => D::Pert {
            low: floor(low, low - (mode - low) / 2.0),
            mode,
            high: cap(low, high, high + (high - mode) / 2.0),
        },
        D::Normal { mean, sd } => D::Normal { mean, sd: sd * 1.5 },
        D::LogNormal { mu, sigma } => D::LogNormal { mu, sigma: sigma * 1.5 },
        d @ D::Point { .. } => d,
    };
    Estimate { dist, ..est.clone() }
}

/// An expression whose variables are node indices.
#[derive(Debug, Clone)]
pub enum CExpr {
    Num(f64),
    Node(usize),
    Neg(Box<CExpr>),
    Bin(entente_core::expr::Op, Box<CExpr>, Box<CExpr>),
    Min(Box<CExpr>, Box<CExpr>),
    Max(Box<CExpr>, Box<CExpr>),
}

/// What a node computes.
#[derive(Debug, Clone)]
pub enum NodeDef {
    /// An uncertain input drawn from its distribution.
    Leaf {
        sampler: Sampler,
        estimate: Box<Estimate>,
        stream: u64,
        overridden: bool,
    },
    Expr(CExpr),
    /// Sum of other nodes (categories, flows, total).
    Sum(Vec<usize>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeRole {
    Variable,
    Quantity,
    UnitPrice,
    ItemValue,
    Category,
    Flow,
    Total,
}

#[derive(Debug, Clone)]
pub struct Node {
    /// Variable id, or `item:<id>:quantity` and the like for model-made nodes.
    pub name: String,
    pub unit: Unit,
    pub role: NodeRole,
    pub def: NodeDef,
}

/// An item in the plan with its three nodes.
#[derive(Debug, Clone)]
pub struct PlannedItem {
    pub item: Item,
    pub quantity: usize,
    pub unit_price: usize,
    pub value: usize,
    /// Variables the item reads, directly or through expressions, in dependency order.
    pub inputs: Vec<usize>,
}

/// Leaf nodes with the rank-correlation matrix (row-major) to impose on them.
pub type CorrelationGroup = (Vec<usize>, Vec<f64>);

/// The compiled model.
#[derive(Debug, Clone)]
pub struct Plan {
    pub scenario: Scenario,
    pub as_of: NaiveDate,
    pub min_grade: Option<Grade>,
    /// The option of every hypothesis this plan uses.
    pub basis: Vec<Basis>,
    /// Variables whose estimate the grade filter widened (only analyst assumptions remained).
    pub widened: Vec<String>,
    pub nodes: Vec<Node>,
    pub index: HashMap<String, usize>,
    pub items: Vec<PlannedItem>,
    /// Items left out, with the reason (no evidence public yet, period not begun, grade filter).
    pub excluded: Vec<(String, String)>,
    /// (category, flow) → node
    pub categories: Vec<(String, Flow, usize)>,
    pub flows: Vec<(Flow, usize)>,
    pub total: usize,
    pub correlations: Vec<CorrelationGroup>,
}

fn compile(e: &Expr, index: &HashMap<String, usize>) -> Option<CExpr> {
    use entente_core::expr::Func;
    Some(match e {
        Expr::Num(v) => CExpr::Num(*v),
        Expr::Var(v) => CExpr::Node(*index.get(v)?),
        Expr::Neg(a) => CExpr::Neg(Box::new(compile(a, index)?)),
        Expr::Bin(op, a, b) => CExpr::Bin(*op, Box::new(compile(a, index)?), Box::new(compile(b, index)?)),
        Expr::Call(Func::Min, a, b) => CExpr::Min(Box::new(compile(a, index)?), Box::new(compile(b, index)?)),
        Expr::Call(Func::Max, a, b) => CExpr::Max(Box::new(compile(a, index)?), Box::new(compile(b, index)?)),
    })
}

impl Plan {
    /// Builds the plan. Errors name the scenario or variable at fault; the dataset is already validated.
    pub fn new(ds: &Dataset, opts: &PlanOptions) -> Result<Plan, String> {
        let sid = opts.scenario.as_deref().unwrap_or(&ds.default_scenario);
        let scenario = ds.scenario(sid).ok_or_else(|| {
            let known: Vec<&str> = ds.scenarios.iter().map(|s| s.id.as_str()).collect();
            format!("unknown scenario `{sid}` (known: {})", known.join(", "))
        })?;
        let as_of = opts.as_of.unwrap_or(scenario.as_of);
        let public_by = |e: &Estimate| e.public.is_none_or(|p| p <= as_of);
        // The option of each hypothesis this run uses, and the estimates it puts in place of the dataset's.
        for h in opts.hypotheses.keys() {
            if ds.hypothesis(h).is_none() {
                let known: Vec<&str> = ds.hypotheses.iter().map(|h| h.id.as_str()).collect();
                return Err(format!("unknown hypothesis `{h}` (known: {})", known.join(", ")));
            }
        }
        let mut basis = Vec::new();
        let mut chosen: HashMap<&str, &Estimate> = HashMap::new();
        for h in &ds.hypotheses {
            let oid = opts.hypotheses.get(&h.id).unwrap_or(&h.base);
            let option = h.option(oid).ok_or_else(|| {
                let known: Vec<&str> = h.options.iter().map(|o| o.id.as_str()).collect();
                format!("hypothesis `{}` has no option `{oid}` (options: {})", h.id, known.join(", "))
            })?;
            let mut pinned_by_scenario = Vec::new();
            for (v, est) in &option.overrides {
                if scenario.overrides.get(v).is_some_and(public_by) {
                    pinned_by_scenario.push(v.clone());
                } else if !public_by(est) {
                    return Err(format!(
                        "option `{oid}` of hypothesis `{}` replaces `{v}` with evidence public only on {}, after {as_of}",
                        h.id,
                        est.public.map(|d| d.to_string()).unwrap_or_default()
                    ));
                } else {
                    chosen.insert(v.as_str(), est);
                }
            }
            basis.push(Basis {
                hypothesis: h.id.clone(),
                title: h.title.clone(),
                option: option.id.clone(),
                option_title: option.title.clone(),
                pinned_by_scenario,
            });
        }
        // The estimate in force for each uncertain variable: a scenario's override public by the as-of date, else
        // the chosen option's, else the dataset's latest public one; under a grade filter, widened when only its
        // assumptions remain, or an earlier one when nothing does. Samplers are built in parallel: a PERT's
        // quantile table is most of the cost of planning.
        let mut widened: Vec<String> = Vec::new();
        let in_force: HashMap<&str, (Option<Estimate>, bool)> = ds
            .variables
            .iter()
            .filter_map(|v| {
                let VariableKind::Estimates(es) = &v.kind else { return None };
                if let Some(o) = scenario.overrides.get(&v.id).filter(|o| public_by(o)) {
                    return Some((v.id.as_str(), (Some(o.clone()), true)));
                }
                let shipped = |e: &&Estimate| match opts.shipped_by {
                    Some(cut) if v.cumulative => e.event_date(ds).is_none_or(|d| d <= cut),
                    _ => true,
                };
                let candidates: Vec<&Estimate> = match chosen.get(v.id.as_str()) {
                    Some(e) => vec![*e],
                    None => es.iter().rev().filter(|e| public_by(e)).filter(shipped).collect(),
                };
                let est = match opts.min_grade {
                    None => candidates.first().map(|e| (*e).clone()),
                    Some(min) => candidates.iter().find_map(|e| match grade_filter(ds, e, min) {
                        GradeVerdict::Keep => Some((*e).clone()),
                        GradeVerdict::Widen => {
                            widened.push(v.id.clone());
                            Some(widen(e, v.unit.is_dimensionless()))
                        }
                        GradeVerdict::Drop => None,
                    }),
                };
                Some((v.id.as_str(), (est, false)))
            })
            .collect();
        widened.sort();

        // Variables in dependency order; those with no usable evidence are left out (and so is what uses them).
        let mut order = Vec::new();
        let mut seen = BTreeSet::new();
        fn topo<'a>(ds: &'a Dataset, id: &'a str, seen: &mut BTreeSet<&'a str>, order: &mut Vec<&'a str>) {
            if !seen.insert(id) {
                return;
            }
            if let Some(VariableKind::Expr(x)) = ds.variable(id).map(|v| &v.kind) {
                for d in x.variables() {
                    topo(ds, d, seen, order);
                }
            }
            order.push(id);
        }
        for v in &ds.variables {
            topo(ds, &v.id, &mut seen, &mut order);
        }
        let built: Vec<(&str, Result<Sampler, String>)> = ds
            .variables
            .par_iter()
            .filter_map(|v| Some((v.id.as_str(), Sampler::new(&in_force.get(v.id.as_str())?.0.as_ref()?.dist))))
            .collect();
        let mut samplers = HashMap::new();
        for (id, sampler) in built {
            samplers.insert(id, sampler.map_err(|m| format!("variable `{id}`: {m}"))?);
        }
        let mut nodes = Vec::new();
        let mut index = HashMap::new();
        let mut missing: BTreeMap<&str, String> = BTreeMap::new();
        for id in order {
            let v = ds.variable(id).expect("validated");
            let def = match &v.kind {
                VariableKind::Estimates(es) => {
                    let (est, overridden) = &in_force[id];
                    let overridden = *overridden;
                    match est {
                        Some(est) => NodeDef::Leaf {
                            sampler: samplers.remove(id).expect("built above"),
                            estimate: Box::new(est.clone()),
                            stream: stream_id(id),
                            overridden,
                        },
                        None => {
                            let why = if let (Some(cut), true) = (opts.shipped_by, v.cumulative) {
                                format!("no estimate of `{id}` describes a date on or before {cut}")
                            } else if es.iter().any(public_by) {
                                format!(
                                    "no estimate of `{id}` rests on evidence graded {} or better",
                                    opts.min_grade.map(|g| g.to_string()).unwrap_or_default()
                                )
                            } else {
                                format!("no estimate of `{id}` was public by {as_of}")
                            };
                            missing.insert(id, why);
                            continue;
                        }
                    }
                }
                VariableKind::Expr(x) => match compile(x, &index) {
                    Some(c) => NodeDef::Expr(c),
                    None => {
                        let dep = x.variables().into_iter().find(|d| !index.contains_key(*d)).unwrap_or("?");
                        let why = missing.get(dep).cloned().unwrap_or_else(|| format!("`{dep}` is unknown"));
                        missing.insert(id, why);
                        continue;
                    }
                },
            };
            index.insert(id.to_string(), nodes.len());
            nodes.push(Node { name: id.to_string(), unit: v.unit.clone(), role: NodeRole::Variable, def });
        }

        let mut items = Vec::new();
        let mut excluded = Vec::new();
        for item in &ds.items {
            let start_by = opts.shipped_by.unwrap_or(as_of).min(as_of);
            if !item.active_at(start_by) {
                excluded.push((item.id.clone(), format!("its period starts after {start_by}")));
                continue;
            }
            let (q, p) = match (compile(&item.quantity, &index), compile(&item.unit_price, &index)) {
                (Some(q), Some(p)) => (q, p),
                _ => {
                    let dep = item
                        .quantity
                        .variables()
                        .into_iter()
                        .chain(item.unit_price.variables())
                        .find(|d| !index.contains_key(*d))
                        .unwrap_or("?");
                    excluded.push((
                        item.id.clone(),
                        missing.get(dep).cloned().unwrap_or_else(|| format!("`{dep}` is unknown")),
                    ));
                    continue;
                }
            };
            let qn = nodes.len();
            nodes.push(Node {
                name: format!("item:{}:quantity", item.id),
                unit: item.unit.clone(),
                role: NodeRole::Quantity,
                def: NodeDef::Expr(q),
            });
            let pn = nodes.len();
            nodes.push(Node {
                name: format!("item:{}:unit_price", item.id),
                unit: Unit::usd().div(&item.unit),
                role: NodeRole::UnitPrice,
                def: NodeDef::Expr(p),
            });
            let vn = nodes.len();
            nodes.push(Node {
                name: format!("item:{}", item.id),
                unit: Unit::usd(),
                role: NodeRole::ItemValue,
                // a quantity or price that is a bare variable or number is read directly: no copy per chunk
                def: NodeDef::Expr(CExpr::Bin(
                    entente_core::expr::Op::Mul,
                    Box::new(direct(&nodes, qn)),
                    Box::new(direct(&nodes, pn)),
                )),
            });
            let inputs = inputs_of(ds, item, &index);
            items.push(PlannedItem { item: item.clone(), quantity: qn, unit_price: pn, value: vn, inputs });
        }

        // Sums: per (flow, category) in order of first appearance, per flow, and in total.
        let mut categories: Vec<(String, Flow, usize)> = Vec::new();
        let mut cat_members: Vec<Vec<usize>> = Vec::new();
        for it in &items {
            match categories.iter().position(|(c, f, _)| *c == it.item.category && *f == it.item.flow) {
                Some(k) => cat_members[k].push(it.value),
                None => {
                    categories.push((it.item.category.clone(), it.item.flow, 0));
                    cat_members.push(vec![it.value]);
                }
            }
        }
        for (k, members) in cat_members.into_iter().enumerate() {
            categories[k].2 = nodes.len();
            let (c, f, _) = &categories[k];
            nodes.push(Node {
                name: format!("category:{f}:{c}"),
                unit: Unit::usd(),
                role: NodeRole::Category,
                def: NodeDef::Sum(members),
            });
        }
        let mut flows = Vec::new();
        for f in Flow::ALL {
            let members: Vec<usize> = items.iter().filter(|i| i.item.flow == f).map(|i| i.value).collect();
            flows.push((f, nodes.len()));
            nodes.push(Node {
                name: format!("flow:{f}"),
                unit: Unit::usd(),
                role: NodeRole::Flow,
                def: NodeDef::Sum(members),
            });
        }
        // The total is what North Korea delivered: the headline figure. Compensation is its own flow.
        let total = flows[0].1;
        let correlations = correlation_groups(ds, &nodes, &index)?;
        Ok(Plan {
            scenario: scenario.clone(),
            as_of,
            min_grade: opts.min_grade,
            basis,
            widened,
            nodes,
            index,
            items,
            excluded,
            categories,
            flows,
            total,
            correlations,
        })
    }

    /// The index of a node by name (variables and model-made nodes alike).
    pub fn index_of(&self, name: &str) -> usize {
        self.index.get(name).copied().or_else(|| self.nodes.iter().position(|n| n.name == name)).expect("node exists")
    }

    /// The nodes a node reads directly.
    pub fn inputs(&self, node: usize) -> Vec<usize> {
        let mut out = Vec::new();
        match &self.nodes[node].def {
            NodeDef::Leaf { .. } => {}
            NodeDef::Expr(e) => collect_nodes(e, &mut out),
            NodeDef::Sum(m) => out.extend(m),
        }
        out
    }

    /// The node whose draws a node merely repeats (a sum of one member, an expression that is one node).
    pub fn alias_of(&self, node: usize) -> Option<usize> {
        match &self.nodes[node].def {
            NodeDef::Sum(m) if m.len() == 1 => Some(m[0]),
            NodeDef::Expr(CExpr::Node(j)) => Some(*j),
            _ => None,
        }
    }

    /// The leaf variables a node depends on, in dependency order.
    pub fn leaves_of(&self, node: usize) -> Vec<usize> {
        let mut out = BTreeSet::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            match &self.nodes[n].def {
                NodeDef::Leaf { .. } => {
                    out.insert(n);
                }
                NodeDef::Expr(e) => collect_nodes(e, &mut stack),
                NodeDef::Sum(m) => stack.extend(m),
            }
        }
        out.into_iter().collect()
    }

    /// Claim ids behind a node: every claim cited by the estimates of the leaves it depends on.
    pub fn claims_of(&self, node: usize) -> Vec<String> {
        let mut out = BTreeSet::new();
        for l in self.leaves_of(node) {
            if let NodeDef::Leaf { estimate, .. } = &self.nodes[l].def {
                out.extend(estimate.claims.iter().cloned());
            }
        }
        out.into_iter().collect()
    }
}

/// Connected groups of correlated leaves in force, each with its target matrix. Pairs whose variables have no
/// evidence yet (or are fixed numbers) are dropped.
fn correlation_groups(
    ds: &Dataset,
    nodes: &[Node],
    index: &HashMap<String, usize>,
) -> Result<Vec<CorrelationGroup>, String> {
    let leaf = |v: &str| {
        index.get(v).copied().filter(
            |i| matches!(&nodes[*i].def, NodeDef::Leaf { sampler, .. } if !matches!(sampler, Sampler::Const(_))),
        )
    };
    let pairs: Vec<(usize, usize, f64)> =
        ds.correlations.iter().filter_map(|c| Some((leaf(&c.a)?, leaf(&c.b)?, c.rank))).collect();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (a, b, _) in &pairs {
        let ga = groups.iter().position(|g| g.contains(a));
        let gb = groups.iter().position(|g| g.contains(b));
        match (ga, gb) {
            (Some(x), Some(y)) if x != y => {
                let moved = groups.remove(x.max(y));
                groups[x.min(y)].extend(moved);
            }
            (Some(_), Some(_)) => {}
            (Some(x), None) => groups[x].push(*b),
            (None, Some(y)) => groups[y].push(*a),
            (None, None) => groups.push(vec![*a, *b]),
        }
    }
    let mut out = Vec::new();
    for mut g in groups {
        g.sort();
        let k = g.len();
        let mut m = vec![0.0; k * k];
        for i in 0..k {
            m[i * k + i] = 1.0;
        }
        for (a, b, r) in &pairs {
            if let (Some(i), Some(j)) = (g.iter().position(|x| x == a), g.iter().position(|x| x == b)) {
                m[i * k + j] = *r;
                m[j * k + i] = *r;
            }
        }
        if crate::correlate::cholesky(&m, k).is_none() {
            let names: Vec<&str> = g.iter().map(|i| nodes[*i].name.as_str()).collect();
            return Err(format!(
                "the rank correlations among {} are not consistent (no valid correlation matrix has them)",
                names.join(", ")
            ));
        }
        out.push((g, m));
    }
    Ok(out)
}

/// Node `n` as an operand: what it repeats when it is a bare node or number, else the node itself.
fn direct(nodes: &[Node], n: usize) -> CExpr {
    match &nodes[n].def {
        NodeDef::Expr(CExpr::Node(j)) => CExpr::Node(*j),
        NodeDef::Expr(CExpr::Num(v)) => CExpr::Num(*v),
        _ => CExpr::Node(n),
    }
}

fn collect_nodes(e: &CExpr, out: &mut Vec<usize>) {
    match e {
        CExpr::Num(_) => {}
        CExpr::Node(n) => out.push(*n),
        CExpr::Neg(a) => collect_nodes(a, out),
        CExpr::Bin(_, a, b) | CExpr::Min(a, b) | CExpr::Max(a, b) => {
            collect_nodes(a, out);
            collect_nodes(b, out);
        }
    }
}

fn inputs_of(ds: &Dataset, item: &Item, index: &HashMap<String, usize>) -> Vec<usize> {
    let mut out = BTreeSet::new();
    let mut stack: Vec<&str> = item.quantity.variables().into_iter().chain(item.unit_price.variables()).collect();
    while let Some(v) = stack.pop() {
        if let Some(n) = index.get(v) {
            if out.insert(*n) {
                if let Some(VariableKind::Expr(x)) = ds.variable(v).map(|x| &x.kind) {
                    stack.extend(x.variables());
                }
            }
        }
    }
    out.into_iter().collect()
}
