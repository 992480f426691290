//! A plain description of a compiled plan — every node with its distribution or expression — so that the
//! exact model entente samples can be reviewed, or re-run by an independent implementation (see `bench/`).

use crate::plan::{NodeDef, NodeRole, Plan};
use entente_core::{expr::Op, Dataset, Distribution, Expr, Truncation, VariableKind};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NodeDescription {
    Leaf {
        name: String,
        unit: String,
        dist: Distribution,
        truncation: Truncation,
    },
    /// `tree` names other nodes by their `name`.
    Expr {
        name: String,
        unit: String,
        expr: String,
        tree: Expr,
    },
    Sum {
        name: String,
        unit: String,
        members: Vec<String>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelDescription {
    pub scenario: String,
    pub as_of: chrono::NaiveDate,
    /// In evaluation order: each node only refers to nodes before it.
    pub nodes: Vec<NodeDescription>,
    /// Figure ids reported by `assess`, mapped to node names.
    pub figures: Vec<(String, String)>,
    /// Groups of leaves with the rank-correlation matrix (row-major) imposed on them by Iman–Conover.
    pub correlations: Vec<(Vec<String>, Vec<f64>)>,
}

pub fn describe(ds: &Dataset, plan: &Plan) -> ModelDescription {
    let name = |i: usize| plan.nodes[i].name.clone();
    let nodes = plan
        .nodes
        .iter()
        .map(|n| {
            let unit = n.unit.to_string();
            match &n.def {
                NodeDef::Leaf { estimate, .. } => NodeDescription::Leaf {
                    name: n.name.clone(),
                    unit,
                    dist: estimate.dist.clone(),
                    truncation: estimate.truncation,
                },
                NodeDef::Sum(m) => {
                    NodeDescription::Sum { name: n.name.clone(), unit, members: m.iter().map(|i| name(*i)).collect() }
                }
                NodeDef::Expr(_) => {
                    let tree = match n.role {
                        NodeRole::Variable => match ds.variable(&n.name).map(|v| &v.kind) {
                            Some(VariableKind::Expr(x)) => x.clone(),
                            _ => unreachable!("expression variables have expressions"),
                        },
                        NodeRole::Quantity | NodeRole::UnitPrice | NodeRole::ItemValue => {
                            let it = plan
                                .items
                                .iter()
                                .find(|i| [i.quantity, i.unit_price, i.value].contains(&plan.index_of(&n.name)))
                                .expect("item node");
                            match n.role {
                                NodeRole::Quantity => it.item.quantity.clone(),
                                NodeRole::UnitPrice => it.item.unit_price.clone(),
                                _ => Expr::Bin(
                                    Op::Mul,
                                    Box::new(Expr::Var(name(it.quantity))),
                                    Box::new(Expr::Var(name(it.unit_price))),
                                ),
                            }
                        }
                        _ => unreachable!("sums are not expressions"),
                    };
                    NodeDescription::Expr { name: n.name.clone(), unit, expr: tree.to_string(), tree }
                }
            }
        })
        .collect();
    let mut figures: Vec<(String, String)> =
        plan.items.iter().map(|i| (format!("item:{}", i.item.id), name(i.value))).collect();
    figures.extend(plan.categories.iter().map(|(c, f, n)| (format!("category:{f}:{c}"), name(*n))));
    figures.extend(plan.flows.iter().map(|(f, n)| (format!("flow:{f}"), name(*n))));
    let correlations =
        plan.correlations.iter().map(|(g, m)| (g.iter().map(|i| name(*i)).collect(), m.clone())).collect();
    ModelDescription { scenario: plan.scenario.id.clone(), as_of: plan.as_of, nodes, figures, correlations }
}
