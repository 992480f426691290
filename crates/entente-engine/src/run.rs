//! Columnar Monte Carlo evaluation of a plan. Every node gets one column of `samples` draws; sample `i` of
//! every column belongs to the same simulated world (intermediates are never resampled). Work is split into
//! fixed chunks run in parallel, so the result is identical whatever the number of threads.

use crate::plan::{CExpr, NodeDef, NodeRole, Plan};
use crate::sample::{rng, CHUNK};
use entente_core::expr::Op;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Leaf columns already drawn, keyed by everything that determines them (variable, estimate, seed, sample
/// count). A variable whose estimate did not change between two as-of dates draws the very same column, so
/// `history` and `timeline` re-use it instead of drawing it again.
#[derive(Default)]
pub struct LeafCache {
    columns: HashMap<String, Arc<Vec<f64>>>,
    /// A cache for a single run would only copy columns that are never read again.
    enabled: bool,
}

impl LeafCache {
    /// A cache that keeps the columns of every run it is given.
    pub fn new() -> Self {
        LeafCache { columns: HashMap::new(), enabled: true }
    }
}

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

/// Evaluates `e` over one chunk into `out`, allocating only for nested right-hand sub-expressions: the common
/// shapes (`a * b * c`, `q * p`, `x / 13000`) run in place, with no temporary per chunk.
fn eval_into(e: &CExpr, done: &[&mut [f64]], out: &mut [f64]) {
    match e {
        CExpr::Num(v) => out.fill(*v),
        CExpr::Node(i) => out.copy_from_slice(done[*i]),
        CExpr::Neg(a) => {
            eval_into(a, done, out);
            out.iter_mut().for_each(|v| *v = -*v);
        }
        CExpr::Bin(op, a, b) => {
            eval_into(a, done, out);
            let apply = |out: &mut [f64], y: &mut dyn Iterator<Item = f64>| match op {
                Op::Add => out.iter_mut().zip(y).for_each(|(a, b)| *a += b),
                Op::Sub => out.iter_mut().zip(y).for_each(|(a, b)| *a -= b),
                Op::Mul => out.iter_mut().zip(y).for_each(|(a, b)| *a *= b),
                Op::Div => out.iter_mut().zip(y).for_each(|(a, b)| *a /= b),
            };
            match &**b {
                CExpr::Node(i) => apply(out, &mut done[*i].iter().copied()),
                CExpr::Num(v) => apply(out, &mut std::iter::repeat(*v)),
                other => {
                    let mut tmp = vec![0.0; out.len()];
                    eval_into(other, done, &mut tmp);
                    apply(out, &mut tmp.into_iter());
                }
            }
        }
        CExpr::Min(a, b) | CExpr::Max(a, b) => {
            eval_into(a, done, out);
            let mut tmp = vec![0.0; out.len()];
            eval_into(b, done, &mut tmp);
            let min = matches!(e, CExpr::Min(..));
            out.iter_mut().zip(tmp).for_each(|(a, b)| *a = if min { a.min(b) } else { a.max(b) });
        }
    }
}

/// A zeroed column of `n` draws. On Linux the kernel is asked to back it with huge pages: a model of a hundred
/// columns of a million draws otherwise spends a third of its time in page faults.
fn column(n: usize) -> Vec<f64> {
    let v = vec![0.0; n];
    #[cfg(target_os = "linux")]
    {
        let bytes = n * std::mem::size_of::<f64>();
        let page = 4096;
        let start = (v.as_ptr() as usize).div_ceil(page) * page;
        let end = (v.as_ptr() as usize + bytes) / page * page;
        if end > start {
            // SAFETY: the range lies inside the vector's own allocation; MADV_HUGEPAGE only changes how the
            // kernel backs those pages, never their contents, and a failure (e.g. THP disabled) is harmless.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    v
}

/// Which nodes a pass over a chunk computes: correlated models draw their correlated inputs first, re-order
/// them, then compute the rest.
#[derive(Clone, Copy, PartialEq)]
enum Pass {
    All,
    Leaves,
    Derived,
}

/// Runs one pass over one chunk; returns the first node (and offset) that produced a NaN or an infinity.
fn run_chunk(
    plan: &Plan,
    seed: u64,
    chunk: usize,
    cols: &mut [&mut [f64]],
    cached: &[Option<Arc<Vec<f64>>>],
    pass: Pass,
    correlated: &[bool],
) -> Option<(usize, usize, f64)> {
    for (i, (node, cached)) in plan.nodes.iter().zip(cached).enumerate() {
        if (pass == Pass::Leaves && !correlated[i]) || (pass == Pass::Derived && correlated[i]) {
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
            NodeDef::Expr(e) => eval_into(e, done, out),
            NodeDef::Sum(members) => {
                out.fill(0.0);
                for m in members {
                    out.iter_mut().zip(done[*m].iter()).for_each(|(a, b)| *a += b);
                }
            }
        }
        if let Some(k) = out.iter().position(|x| !x.is_finite()) {
            return Some((i, k, out[k]));
        }
    }
    None
}

/// Which columns a run keeps once it is done. Nodes that are not kept are computed chunk by chunk in scratch
/// memory: `assess` needs only its figures, and not holding a hundred columns of a million draws saves most of
/// its time (the kernel must clear every page it hands out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    All,
    /// Item values, categories and flows (plus correlated inputs, which are re-ordered as whole columns).
    Figures,
}

thread_local!(static SCRATCH: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) });

impl Run {
    /// Draws `samples` worlds. `progress` is called with the number of chunks finished (for a progress bar).
    pub fn new(plan: Plan, samples: usize, seed: u64, progress: &(dyn Fn(usize) + Sync)) -> Result<Run, String> {
        Self::draw(plan, samples, seed, progress, &mut LeafCache::default(), Keep::All)
    }

    /// As [`Run::new`], keeping only the columns `keep` names (the others are left empty).
    pub fn keeping(
        plan: Plan,
        samples: usize,
        seed: u64,
        progress: &(dyn Fn(usize) + Sync),
        keep: Keep,
    ) -> Result<Run, String> {
        Self::draw(plan, samples, seed, progress, &mut LeafCache::default(), keep)
    }

    /// As [`Run::new`], re-using leaf columns drawn by earlier runs and adding the new ones to `cache`.
    pub fn with_cache(
        plan: Plan,
        samples: usize,
        seed: u64,
        progress: &(dyn Fn(usize) + Sync),
        cache: &mut LeafCache,
    ) -> Result<Run, String> {
        // Runs that share a cache (history, timeline, grading) read only the figures; inputs are kept just long
        // enough to enter the cache, and cached ones are copied chunk by chunk, never as whole columns.
        Self::draw(plan, samples, seed, progress, cache, Keep::Figures)
    }

    fn draw(
        plan: Plan,
        samples: usize,
        seed: u64,
        progress: &(dyn Fn(usize) + Sync),
        cache: &mut LeafCache,
        keep: Keep,
    ) -> Result<Run, String> {
        if samples < 2 {
            return Err("need at least 2 samples".into());
        }
        // Correlated inputs are re-ordered together: their cache key is that of their whole group, so a column is
        // re-used only when every member and the requested correlations are unchanged.
        let correlated: Vec<usize> = plan.correlations.iter().flat_map(|(g, _)| g.iter().copied()).collect();
        let mut keys: Vec<Option<String>> = (0..plan.nodes.len()).map(|i| leaf_key(&plan, i, samples, seed)).collect();
        for (group, target) in &plan.correlations {
            let group_key: Vec<String> = group.iter().filter_map(|i| keys[*i].clone()).collect();
            let group_key = format!("{}#{target:?}", group_key.join("&"));
            for i in group {
                keys[*i] = keys[*i].as_ref().map(|k| format!("{group_key}#{k}"));
            }
        }
        let cached: Vec<Option<Arc<Vec<f64>>>> =
            keys.iter().map(|k| k.as_ref().and_then(|k| cache.columns.get(k).cloned())).collect();
        let is_correlated: Vec<bool> = (0..plan.nodes.len()).map(|i| correlated.contains(&i)).collect();
        let kept: Vec<bool> = plan
            .nodes
            .iter()
            .zip(&is_correlated)
            .zip(&cached)
            .map(|((n, c), hit)| {
                let new_input = cache.enabled && matches!(n.def, NodeDef::Leaf { .. }) && hit.is_none();
                keep == Keep::All
                    || *c
                    || new_input
                    || matches!(n.role, NodeRole::ItemValue | NodeRole::Category | NodeRole::Flow | NodeRole::Total)
            })
            .collect();
        let n_scratch = kept.iter().filter(|k| !**k).count();
        let mut columns: Vec<Vec<f64>> = kept.iter().map(|k| if *k { column(samples) } else { Vec::new() }).collect();
        let passes: &[Pass] = if plan.correlations.is_empty() { &[Pass::All] } else { &[Pass::Leaves, Pass::Derived] };
        let mut bad: Option<(usize, usize, f64)> = None;
        for &pass in passes {
            if pass == Pass::Derived {
                for (group, target) in &plan.correlations {
                    if group.iter().all(|i| cached[*i].is_some()) {
                        continue; // re-ordered when it entered the cache
                    }
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
            let mut per_chunk: Vec<Vec<Option<&mut [f64]>>> =
                (0..n_chunks).map(|_| Vec::with_capacity(columns.len())).collect();
            for (col, k) in columns.iter_mut().zip(&kept) {
                if *k {
                    for (c, part) in col.chunks_mut(CHUNK).enumerate() {
                        per_chunk[c].push(Some(part));
                    }
                } else {
                    per_chunk.iter_mut().for_each(|p| p.push(None));
                }
            }
            let found: Vec<Option<(usize, usize, f64)>> = per_chunk
                .into_par_iter()
                .enumerate()
                .map(|(k, parts)| {
                    let len = CHUNK.min(samples - k * CHUNK);
                    let r = SCRATCH.with(|s| {
                        let mut s = s.borrow_mut();
                        s.resize(n_scratch * CHUNK, 0.0);
                        let mut spare = s.chunks_mut(CHUNK);
                        let mut cols: Vec<&mut [f64]> = parts
                            .into_iter()
                            .map(|p| p.unwrap_or_else(|| &mut spare.next().expect("one scratch slice per node")[..len]))
                            .collect();
                        run_chunk(&plan, seed, k, &mut cols, &cached, pass, &is_correlated)
                    });
                    if pass != Pass::Leaves {
                        progress(1);
                    }
                    r.map(|(node, offset, v)| (node, k * CHUNK + offset, v))
                })
                .collect();
            // the first bad node (then sample) wherever it was found: the same error whatever the thread count
            bad = bad.or(found.into_iter().flatten().min_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1))));
            if bad.is_some() {
                break;
            }
        }
        let run = Run { plan, seed, samples, columns };
        if let Some((node, sample, value)) = bad {
            return Err(run.not_finite(node, sample, value));
        }
        if cache.enabled {
            for (i, k) in keys.into_iter().enumerate() {
                if let (Some(k), None, false) = (k, &cached[i], run.columns[i].is_empty()) {
                    cache.columns.insert(k, Arc::new(run.columns[i].clone()));
                }
            }
        }
        Ok(run)
    }

    /// A NaN or an infinity must never be printed as a figure: say which node produced one and why.
    fn not_finite(&self, i: usize, sample: usize, value: f64) -> String {
        let node = &self.plan.nodes[i];
        let why = match &node.def {
            NodeDef::Leaf { estimate, .. } if !estimate.truncation.is_none() => format!(
                "its truncation [{:?}, {:?}] leaves (almost) no probability for {}",
                estimate.truncation.min, estimate.truncation.max, estimate.dist
            ),
            NodeDef::Expr(_) => "a division by zero or an overflow in its expression".into(),
            _ => "an invalid draw".into(),
        };
        format!("`{}` is {value} in sample {sample}: {why}", node.name)
    }

    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.plan
            .index
            .get(name)
            .map(|i| self.columns[*i].as_slice())
            .or_else(|| self.plan.nodes.iter().position(|n| n.name == name).map(|i| self.columns[i].as_slice()))
    }
}
