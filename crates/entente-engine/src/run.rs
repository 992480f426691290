//! Columnar Monte Carlo evaluation of a plan. Every node gets one column of `samples` draws; sample `i` of
//! every column belongs to the same simulated world (intermediates are never resampled). Work is split into
//! fixed chunks run in parallel, so the result is identical whatever the number of threads.

use crate::plan::{CExpr, NodeDef, Plan};
use crate::sample::{rng, CHUNK};
use entente_core::expr::Op;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Leaf columns already drawn, keyed by everything that determines them (variable, estimate, seed, sample
/// count). A variable whose estimate did not change between two as-of dates draws the very same column, so
/// `history` and `timeline` re-use it instead of drawing it again.
#[derive(Default)]
pub struct LeafCache(HashMap<String, Arc<Vec<f64>>>);

fn leaf_key(plan: &Plan, i: usize, samples: usize, seed: u64) -> Option<String> {
    match &plan.nodes[i].def {
        NodeDef::Leaf { estimate, .. } => Some(format!(
            "{}|{:?}|{:?}|{:?}|{samples}|{seed}",
            plan.nodes[i].name, estimate.public, estimate.dist, estimate.truncation
        )),
        _ => None,
    }
}

/// The draws of every node of a plan.
#[derive(Debug, Clone)]
pub struct Run {
    pub plan: Plan,
    pub seed: u64,
    pub samples: usize,
    /// One column per plan node, each `samples` long.
    pub columns: Vec<Vec<f64>>,
}

fn eval(e: &CExpr, done: &[&mut [f64]], n: usize) -> Vec<f64> {
    match e {
        CExpr::Num(v) => vec![*v; n],
        CExpr::Node(i) => done[*i].to_vec(),
        CExpr::Neg(a) => {
            let mut x = eval(a, done, n);
            x.iter_mut().for_each(|v| *v = -*v);
            x
        }
        CExpr::Bin(op, a, b) => {
            let mut x = eval(a, done, n);
            // Multiplying by a node directly avoids a copy on the hottest path (quantity × price).
            let y_owned;
            let y: &[f64] = match &**b {
                CExpr::Node(i) => done[*i],
                other => {
                    y_owned = eval(other, done, n);
                    &y_owned
                }
            };
            match op {
                Op::Add => x.iter_mut().zip(y).for_each(|(a, b)| *a += b),
                Op::Sub => x.iter_mut().zip(y).for_each(|(a, b)| *a -= b),
                Op::Mul => x.iter_mut().zip(y).for_each(|(a, b)| *a *= b),
                Op::Div => x.iter_mut().zip(y).for_each(|(a, b)| *a /= b),
            }
            x
        }
        CExpr::Min(a, b) => {
            let mut x = eval(a, done, n);
            x.iter_mut().zip(eval(b, done, n)).for_each(|(a, b)| *a = a.min(b));
            x
        }
        CExpr::Max(a, b) => {
            let mut x = eval(a, done, n);
            x.iter_mut().zip(eval(b, done, n)).for_each(|(a, b)| *a = a.max(b));
            x
        }
    }
}

/// Evaluates all nodes for one chunk of sample indices.
/// Which nodes a pass over a chunk computes: correlated models draw all leaves first, re-order them, then
/// derive the rest.
#[derive(Clone, Copy, PartialEq)]
enum Pass {
    All,
    Leaves,
    Derived,
}

fn run_chunk(
    plan: &Plan,
    seed: u64,
    chunk: usize,
    cols: &mut [&mut [f64]],
    cached: &[Option<Arc<Vec<f64>>>],
    pass: Pass,
) {
    for (i, (node, cached)) in plan.nodes.iter().zip(cached).enumerate() {
        let is_leaf = matches!(node.def, NodeDef::Leaf { .. });
        if (pass == Pass::Leaves && !is_leaf) || (pass == Pass::Derived && is_leaf) {
            continue;
        }
        let (done, rest) = cols.split_at_mut(i);
        let out = &mut *rest[0];
        let n = out.len();
        match &node.def {
            NodeDef::Leaf { .. } if cached.is_some() => {
                let c = cached.as_ref().expect("checked");
                out.copy_from_slice(&c[chunk * CHUNK..chunk * CHUNK + n]);
            }
            NodeDef::Leaf { sampler, estimate, stream, .. } => {
                sampler.fill(&mut rng(seed, *stream, chunk), &estimate.truncation, out);
            }
            NodeDef::Expr(e) => out.copy_from_slice(&eval(e, done, n)),
            NodeDef::Sum(members) => {
                out.fill(0.0);
                for m in members {
                    out.iter_mut().zip(done[*m].iter()).for_each(|(a, b)| *a += b);
                }
            }
        }
    }
}

impl Run {
    /// Draws `samples` worlds. `progress` is called with the number of chunks finished (for a progress bar).
    pub fn new(plan: Plan, samples: usize, seed: u64, progress: &(dyn Fn(usize) + Sync)) -> Result<Run, String> {
        Self::with_cache(plan, samples, seed, progress, &mut LeafCache::default())
    }

    /// As [`Run::new`], re-using leaf columns drawn by earlier runs and adding the new ones to `cache`.
    pub fn with_cache(
        plan: Plan,
        samples: usize,
        seed: u64,
        progress: &(dyn Fn(usize) + Sync),
        cache: &mut LeafCache,
    ) -> Result<Run, String> {
        if samples < 2 {
            return Err("need at least 2 samples".into());
        }
        // Correlated leaves are re-ordered together, so they are neither taken from nor put in the cache.
        let correlated: Vec<usize> = plan.correlations.iter().flat_map(|(g, _)| g.iter().copied()).collect();
        let keys: Vec<Option<String>> = (0..plan.nodes.len())
            .map(|i| if correlated.contains(&i) { None } else { leaf_key(&plan, i, samples, seed) })
            .collect();
        let cached: Vec<Option<Arc<Vec<f64>>>> =
            keys.iter().map(|k| k.as_ref().and_then(|k| cache.0.get(k).cloned())).collect();
        let mut columns: Vec<Vec<f64>> = (0..plan.nodes.len()).map(|_| vec![0.0; samples]).collect();
        let passes: &[Pass] = if plan.correlations.is_empty() { &[Pass::All] } else { &[Pass::Leaves, Pass::Derived] };
        for &pass in passes {
            if pass == Pass::Derived {
                for (group, target) in &plan.correlations {
                    let names: Vec<&str> = group.iter().map(|i| plan.nodes[*i].name.as_str()).collect();
                    let mut taken: Vec<Vec<f64>> = group.iter().map(|i| std::mem::take(&mut columns[*i])).collect();
                    let mut refs: Vec<&mut Vec<f64>> = taken.iter_mut().collect();
                    crate::correlate::iman_conover(&mut refs, &names, target, seed)?;
                    for (i, col) in group.iter().zip(taken) {
                        columns[*i] = col;
                    }
                }
            }
            let n_chunks = samples.div_ceil(CHUNK);
            let mut per_chunk: Vec<Vec<&mut [f64]>> =
                (0..n_chunks).map(|_| Vec::with_capacity(columns.len())).collect();
            for col in columns.iter_mut() {
                for (k, part) in col.chunks_mut(CHUNK).enumerate() {
                    per_chunk[k].push(part);
                }
            }
            per_chunk.into_par_iter().enumerate().for_each(|(k, mut cols)| {
                run_chunk(&plan, seed, k, &mut cols, &cached, pass);
                if pass != Pass::Leaves {
                    progress(1);
                }
            });
        }
        let run = Run { plan, seed, samples, columns };
        run.check_finite()?;
        for (i, k) in keys.into_iter().enumerate() {
            if let (Some(k), None) = (k, &cached[i]) {
                cache.0.insert(k, Arc::new(run.columns[i].clone()));
            }
        }
        Ok(run)
    }

    /// A NaN or an infinity must never be printed as a figure: find the first node that produced one and say why.
    fn check_finite(&self) -> Result<(), String> {
        for (i, node) in self.plan.nodes.iter().enumerate() {
            if let Some(k) = self.columns[i].iter().position(|x| !x.is_finite()) {
                let why = match &node.def {
                    NodeDef::Leaf { estimate, .. } if !estimate.truncation.is_none() => format!(
                        "its truncation [{:?}, {:?}] leaves (almost) no probability for {}",
                        estimate.truncation.min, estimate.truncation.max, estimate.dist
                    ),
                    NodeDef::Expr(_) => "a division by zero or an overflow in its expression".into(),
                    _ => "an invalid draw".into(),
                };
                return Err(format!("`{}` is {} in sample {k}: {why}", node.name, self.columns[i][k]));
            }
        }
        Ok(())
    }

    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.plan
            .index
            .get(name)
            .map(|i| self.columns[*i].as_slice())
            .or_else(|| self.plan.nodes.iter().position(|n| n.name == name).map(|i| self.columns[i].as_slice()))
    }
}
