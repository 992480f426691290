//! The estimation engine: compiles a validated dataset and a scenario into a plan, draws a columnar Monte Carlo
//! sample of every node, and summarises it into figures with their Monte Carlo error and provenance.
//!
//! Architecture invariant: the engine knows nothing about files, formats or the terminal. It takes a
//! [`entente_core::Dataset`] and returns plain structs; progress is reported through a callback.

pub mod assess;
pub mod compare;
pub mod correlate;
pub mod describe;
pub mod explain;
pub mod grading;
pub mod history;
pub mod hypotheses;
pub mod plan;
pub mod run;
pub mod sample;
pub mod sensitivity;
pub mod stats;
pub mod stream;
pub mod triangulate;

pub use assess::{assess, assess_streaming, Assessment, Figure, FigureKind};
pub use plan::{Plan, PlanOptions};
pub use run::{Keep, Run};
pub use stats::Summary;

/// Default number of Monte Carlo samples. On the default dataset the batch standard error of the total's P95 at
/// this count is about 0.2 % (printed with every run), so P5/P95 are stable to three significant digits; raise it
/// with `--samples` for more.
pub const DEFAULT_SAMPLES: usize = 200_000;

/// Plans, runs and summarises in one call, keeping every column of the run (for explanations and analyses).
pub fn estimate(
    ds: &entente_core::Dataset,
    opts: &PlanOptions,
    samples: usize,
    seed: u64,
    quantiles: &[f64],
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(Run, Assessment), String> {
    estimate_keeping(ds, opts, samples, seed, quantiles, progress, Keep::All)
}

/// As [`estimate`], keeping only the columns `keep` names: `Keep::Figures` is what `assess` needs, and is several
/// times faster on large sample counts. The figures are identical either way.
pub fn estimate_keeping(
    ds: &entente_core::Dataset,
    opts: &PlanOptions,
    samples: usize,
    seed: u64,
    quantiles: &[f64],
    progress: &(dyn Fn(usize) + Sync),
    keep: Keep,
) -> Result<(Run, Assessment), String> {
    let plan = Plan::new(ds, opts)?;
    let run = Run::keeping(plan, samples, seed, progress, keep)?;
    let a = assess(ds, &run, quantiles);
    Ok((run, a))
}
