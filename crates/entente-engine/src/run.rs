//! Columnar Monte Carlo evaluation of a plan. Every node gets one column of `samples` draws; sample `i` of
//! every column belongs to the same simulated world (intermediates are never resampled). Work is split into
//! fixed chunks run in parallel, so the result is identical whatever the number of threads.

use crate::correlate::RankCorrelation;
use crate::plan::{CExpr, NodeDef, NodeRole, Plan};
use crate::sample::{chunk_range, chunks, rng, CHUNK};
use entente_core::expr::Op;
use rayon::prelude::*;
use std::collections::HashMap;
use std::ops::Range;
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

/// An operand read in place: a column of the chunk, a number, or the output itself (`out = out op y`).
enum Operand<'a> {
    Column(&'a [f64]),
    Num(f64),
    Out,
}

fn operand<'a>(e: &CExpr, done: &'a [&mut [f64]]) -> Option<Operand<'a>> {
    match e {
        CExpr::Node(i) => Some(Operand::Column(done[*i])),
        CExpr::Num(v) => Some(Operand::Num(*v)),
        _ => None,
    }
}

/// `out = x op y` element-wise, in one pass (`y` is never [`Operand::Out`]).
fn combine(op: Op, out: &mut [f64], x: Operand, y: Operand) {
    fn apply(out: &mut [f64], x: Operand, y: Operand, f: impl Fn(f64, f64) -> f64) {
        match (x, y) {
            (Operand::Column(x), Operand::Column(y)) => {
                out.iter_mut().zip(x).zip(y).for_each(|((o, a), b)| *o = f(*a, *b))
            }
            (Operand::Column(x), Operand::Num(b)) => out.iter_mut().zip(x).for_each(|(o, a)| *o = f(*a, b)),
            (Operand::Num(a), Operand::Column(y)) => out.iter_mut().zip(y).for_each(|(o, b)| *o = f(a, *b)),
            (Operand::Num(a), Operand::Num(b)) => out.fill(f(a, b)),
            (Operand::Out, Operand::Column(y)) => out.iter_mut().zip(y).for_each(|(o, b)| *o = f(*o, *b)),
            (Operand::Out, Operand::Num(b)) => out.iter_mut().for_each(|o| *o = f(*o, b)),
            (_, Operand::Out) => unreachable!("the right-hand side is evaluated apart"),
        }
    }
    match op {
        Op::Add => apply(out, x, y, |a, b| a + b),
        Op::Sub => apply(out, x, y, |a, b| a - b),
        Op::Mul => apply(out, x, y, |a, b| a * b),
        Op::Div => apply(out, x, y, |a, b| a / b),
    }
}

/// Evaluates `e` over one chunk into `out`. The common shapes (`q * p`, `a * b * c`, `x / 13000`) run in place,
/// one pass per operator with no temporary; only a nested right-hand sub-expression needs one.
fn eval_into(e: &CExpr, done: &[&mut [f64]], out: &mut [f64]) {
    match e {
        CExpr::Num(v) => out.fill(*v),
        CExpr::Node(i) => out.copy_from_slice(done[*i]),
        CExpr::Neg(a) => {
            eval_into(a, done, out);
            out.iter_mut().for_each(|v| *v = -*v);
        }
        CExpr::Bin(op, a, b) => {
            let tmp;
            let y = match operand(b, done) {
                Some(y) => y,
                None => {
                    tmp = {
                        let mut t = vec![0.0; out.len()];
                        eval_into(b, done, &mut t);
                        t
                    };
                    Operand::Column(&tmp)
                }
            };
            let x = operand(a, done).unwrap_or_else(|| {
                eval_into(a, done, out);
                Operand::Out
            });
            combine(*op, out, x, y);
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

/// Fills leaf `i` for the draws `span` of chunk `chunk`: from the cache, or drawn.
fn fill_leaf(ctx: &Draw, i: usize, chunk: usize, span: &Range<usize>, out: &mut [f64]) {
    match (&ctx.plan.nodes[i].def, &ctx.cached[i]) {
        (NodeDef::Leaf { .. }, Some(c)) => out.copy_from_slice(&c[span.clone()]),
        (NodeDef::Leaf { sampler, estimate, stream, .. }, None) => {
            sampler.fill(&mut rng(ctx.seed, *stream, chunk), &estimate.truncation, out)
        }
        _ => unreachable!("only leaves are drawn"),
    }
}

/// What every chunk of a run shares.
struct Draw<'a> {
    plan: &'a Plan,
    seed: u64,
    /// Names and factored target of each correlated group, in the order of `plan.correlations`.
    groups: Vec<(Vec<&'a str>, RankCorrelation)>,
    /// Leaf columns taken from the cache.
    cached: Vec<Option<Arc<Vec<f64>>>>,
    correlated: Vec<bool>,
    /// Nodes computed: those kept and what they read.
    needed: Vec<bool>,
}

impl<'a> Draw<'a> {
    fn new(plan: &'a Plan, seed: u64, cached: Vec<Option<Arc<Vec<f64>>>>, kept: &[bool]) -> Result<Self, String> {
        let groups = plan
            .correlations
            .iter()
            .map(|(group, target)| {
                let names: Vec<&str> = group.iter().map(|i| plan.nodes[*i].name.as_str()).collect();
                Ok((names, RankCorrelation::new(target, group.len())?))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let in_group: Vec<usize> = plan.correlations.iter().flat_map(|(g, _)| g.iter().copied()).collect();
        let correlated = (0..plan.nodes.len()).map(|i| in_group.contains(&i)).collect();
        let needed = needed_nodes(plan, kept);
        Ok(Draw { plan, seed, groups, cached, correlated, needed })
    }

    /// Nodes computed but not kept: each needs a chunk of scratch memory.
    fn scratch_nodes(&self, kept: &[bool]) -> usize {
        kept.iter().zip(&self.needed).filter(|(k, n)| !**k && **n).count()
    }

    /// Computes chunk `k` (the draws `span` of the run): `parts` holds the chunk's slice of each kept node's
    /// column and `None` for the others, which are computed in per-thread scratch memory when needed. Returns
    /// the first NaN or infinity, as (node, sample of the run, value).
    fn chunk<'p>(
        &self,
        n_scratch: usize,
        k: usize,
        span: Range<usize>,
        parts: impl IntoIterator<Item = Option<&'p mut [f64]>>,
    ) -> Option<(usize, usize, f64)> {
        let start = span.start;
        SCRATCH
            .with(|s| {
                let mut s = s.borrow_mut();
                s.resize(n_scratch * CHUNK, 0.0);
                let mut spare = s.chunks_mut(CHUNK);
                let mut cols: Vec<&mut [f64]> = parts
                    .into_iter()
                    .zip(&self.needed)
                    .map(|(p, needed)| match p {
                        Some(p) => p,
                        None if *needed => &mut spare.next().expect("one scratch slice per node")[..span.len()],
                        None => &mut [],
                    })
                    .collect();
                run_chunk(self, k, span.clone(), &mut cols)
            })
            .map(|(node, offset, v)| (node, start + offset, v))
    }
}

/// A run drawn chunk by chunk into the caller's memory, keeping the nodes a [`Keep`] names: the very draws of
/// [`Run::keeping`] with the same plan, sample count and seed, without holding whole columns (see
/// [`crate::stream`]).
pub(crate) struct ChunkDrawer<'a> {
    ctx: Draw<'a>,
    n_scratch: usize,
    pub samples: usize,
    /// The kept nodes, in plan order: a chunk's draws are stored node after node in this order.
    pub kept: Vec<usize>,
}

impl<'a> ChunkDrawer<'a> {
    pub fn new(plan: &'a Plan, samples: usize, seed: u64, keep: Keep) -> Result<Self, String> {
        if samples < 2 {
            return Err("need at least 2 samples".into());
        }
        let kept = kept_nodes(plan, keep, |_| false);
        let ctx = Draw::new(plan, seed, vec![None; plan.nodes.len()], &kept)?;
        let n_scratch = ctx.scratch_nodes(&kept);
        Ok(ChunkDrawer { ctx, n_scratch, samples, kept: (0..kept.len()).filter(|i| kept[*i]).collect() })
    }

    /// Draws chunk `k` into `out`, which holds `self.kept.len()` slices of the chunk's length one after another;
    /// returns the first NaN or infinity as (node, sample of the run, value).
    pub fn draw(&self, k: usize, out: &mut [f64]) -> Option<(usize, usize, f64)> {
        let span = chunk_range(self.samples, k);
        let mut slices = out.chunks_mut(span.len());
        let mut next = self.kept.iter().peekable();
        let parts = (0..self.ctx.plan.nodes.len()).map(|i| {
            if next.peek() == Some(&&i) {
                next.next();
                slices.next()
            } else {
                None
            }
        });
        self.ctx.chunk(self.n_scratch, k, span, parts)
    }

    /// The error of a run whose first bad value, over every chunk, is `bad`.
    pub fn not_finite(&self, (node, sample, value): (usize, usize, f64)) -> String {
        not_finite(self.ctx.plan, node, sample, value)
    }
}

/// The first non-finite value of a column, as (offset, value).
fn not_finite_in(col: &[f64]) -> Option<(usize, f64)> {
    if crate::stats::all_finite(col) {
        return None;
    }
    col.iter().position(|x| !x.is_finite()).map(|k| (k, col[k]))
}

/// Computes one chunk of every node; returns the first node (and offset in the chunk) that produced a NaN or an
/// infinity. Correlated inputs come first: each group is drawn whole, then re-ordered within the chunk (unless
/// it comes from the cache, where it was stored re-ordered).
fn run_chunk(ctx: &Draw, chunk: usize, span: Range<usize>, cols: &mut [&mut [f64]]) -> Option<(usize, usize, f64)> {
    let (plan, cached) = (ctx.plan, &ctx.cached);
    for ((group, _), (names, correlation)) in plan.correlations.iter().zip(&ctx.groups) {
        for &i in group {
            fill_leaf(ctx, i, chunk, &span, cols[i]);
            if let Some((k, v)) = not_finite_in(cols[i]) {
                return Some((i, k, v));
            }
        }
        if group.iter().any(|i| cached[*i].is_none()) {
            let mut taken: Vec<&mut [f64]> = group.iter().map(|i| std::mem::take(&mut cols[*i])).collect();
            correlation.reorder(&mut taken, names, ctx.seed, chunk);
            for (i, col) in group.iter().zip(taken) {
                cols[*i] = col;
            }
        }
    }
    for (i, node) in plan.nodes.iter().enumerate() {
        if ctx.correlated[i] || !ctx.needed[i] {
            continue;
        }
        let (done, rest) = cols.split_at_mut(i);
        let out = &mut *rest[0];
        match &node.def {
            NodeDef::Leaf { .. } => fill_leaf(ctx, i, chunk, &span, out),
            NodeDef::Expr(e) => eval_into(e, done, out),
            NodeDef::Sum(members) => match members.split_first() {
                None => out.fill(0.0),
                Some((first, others)) => {
                    out.copy_from_slice(done[*first]);
                    for m in others {
                        out.iter_mut().zip(done[*m].iter()).for_each(|(a, b)| *a += b);
                    }
                }
            },
        }
        if let Some((k, v)) = not_finite_in(out) {
            return Some((i, k, v));
        }
    }
    None
}

/// Which nodes a run keeps as whole columns: those `keep` names, plus new inputs for the cache (`new_input`). A
/// node that merely repeats another (a category of one item) is not stored: the node it repeats is kept instead.
fn kept_nodes(plan: &Plan, keep: Keep, new_input: impl Fn(usize) -> bool) -> Vec<bool> {
    let mut kept = vec![keep == Keep::All; plan.nodes.len()];
    for (i, n) in plan.nodes.iter().enumerate() {
        if matches!(n.def, NodeDef::Leaf { .. }) && new_input(i) {
            kept[i] = true;
        }
        let figure = matches!(n.role, NodeRole::ItemValue | NodeRole::Category | NodeRole::Flow | NodeRole::Total);
        let wanted = match keep {
            Keep::All => true,
            Keep::Flows => n.role == NodeRole::Flow,
            Keep::Figures => figure,
            Keep::Items => figure || matches!(n.role, NodeRole::Quantity | NodeRole::UnitPrice),
            Keep::Inputs => figure || matches!(n.def, NodeDef::Leaf { .. }),
        };
        if wanted {
            let mut j = i;
            while let Some(a) = plan.alias_of(j) {
                j = a;
            }
            kept[j] = true;
        }
    }
    kept
}

/// The nodes a run must compute: those it keeps and, transitively, what they read.
fn needed_nodes(plan: &Plan, kept: &[bool]) -> Vec<bool> {
    let mut needed = kept.to_vec();
    // a correlated group is drawn and re-ordered whole
    for (group, _) in &plan.correlations {
        group.iter().for_each(|i| needed[*i] = true);
    }
    // nodes come in dependency order, so one backward sweep reaches every input
    for i in (0..plan.nodes.len()).rev() {
        if needed[i] {
            for j in plan.inputs(i) {
                needed[j] = true;
            }
        }
    }
    needed
}

/// Which columns a run keeps once it is done. Nodes that are not kept are computed chunk by chunk in scratch
/// memory: `assess` needs only its figures, and not holding a hundred columns of a million draws saves most of
/// its time (the kernel must clear every page it hands out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    All,
    /// Item values, categories, flows and the total.
    Figures,
    /// The figures and each item's quantity and unit price (what a comparison with a study reads).
    Items,
    /// The figures and every uncertain input (what a sensitivity analysis reads).
    Inputs,
    /// The two flows only (what `history`, `timeline` and grading read of each of their many runs).
    Flows,
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
        // Runs that share a cache (history, timeline, grading) read only the flows; inputs are kept just long
        // enough to enter the cache, and cached ones are copied chunk by chunk, never as whole columns.
        Self::with_cache_keeping(plan, samples, seed, progress, cache, Keep::Flows)
    }

    /// As [`Run::with_cache`], keeping the columns `keep` names.
    pub fn with_cache_keeping(
        plan: Plan,
        samples: usize,
        seed: u64,
        progress: &(dyn Fn(usize) + Sync),
        cache: &mut LeafCache,
        keep: Keep,
    ) -> Result<Run, String> {
        Self::draw(plan, samples, seed, progress, cache, keep)
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
        let kept = kept_nodes(&plan, keep, |i| cache.enabled && cached[i].is_none());
        let ctx = Draw::new(&plan, seed, cached, &kept)?;
        let n_scratch = ctx.scratch_nodes(&kept);
        let mut columns: Vec<Vec<f64>> = kept.iter().map(|k| if *k { column(samples) } else { Vec::new() }).collect();
        let n_chunks = chunks(samples);
        let spans: Vec<Range<usize>> = (0..n_chunks).map(|k| chunk_range(samples, k)).collect();
        let mut per_chunk: Vec<Vec<Option<&mut [f64]>>> =
            (0..n_chunks).map(|_| Vec::with_capacity(columns.len())).collect();
        for (col, k) in columns.iter_mut().zip(&kept) {
            if *k {
                let mut rest = col.as_mut_slice();
                for (parts, span) in per_chunk.iter_mut().zip(&spans) {
                    let (part, tail) = rest.split_at_mut(span.len());
                    parts.push(Some(part));
                    rest = tail;
                }
            } else {
                per_chunk.iter_mut().for_each(|p| p.push(None));
            }
        }
        let found: Vec<Option<(usize, usize, f64)>> = per_chunk
            .into_par_iter()
            .zip(spans)
            .enumerate()
            .map(|(k, (parts, span))| {
                let r = ctx.chunk(n_scratch, k, span, parts);
                progress(1);
                r
            })
            .collect();
        // the first bad node (then sample) wherever it was found: the same error whatever the thread count
        let bad = found.into_iter().flatten().min_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let Draw { cached, .. } = ctx;
        if let Some((node, sample, value)) = bad {
            return Err(not_finite(&plan, node, sample, value));
        }
        let mut run = Run { plan, seed, samples, columns };
        if cache.enabled {
            for (i, k) in keys.into_iter().enumerate() {
                if let (Some(k), None, false) = (k, &cached[i], run.columns[i].is_empty()) {
                    // an input kept only for the cache moves there; one the caller asked for is copied
                    let column =
                        if keep == Keep::Flows { std::mem::take(&mut run.columns[i]) } else { run.columns[i].clone() };
                    cache.columns.insert(k, Arc::new(column));
                }
            }
        }
        Ok(run)
    }
}

/// A NaN or an infinity must never be printed as a figure: say which node produced one and why.
pub(crate) fn not_finite(plan: &Plan, i: usize, sample: usize, value: f64) -> String {
    {
        let node = &plan.nodes[i];
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
}

impl Run {
    /// The draws of node `i`, following a node that was not kept to the node it merely repeats.
    pub fn values(&self, i: usize) -> &[f64] {
        let mut i = i;
        while self.columns[i].is_empty() {
            match self.plan.alias_of(i) {
                Some(j) => i = j,
                None => break,
            }
        }
        &self.columns[i]
    }

    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.plan
            .index
            .get(name)
            .map(|i| self.values(*i))
            .or_else(|| self.plan.nodes.iter().position(|n| n.name == name).map(|i| self.values(i)))
    }
}
