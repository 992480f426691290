//! Memory a run will need, checked before it starts: a run whose draws would not fit in the memory available
//! is refused ([`crate::Error::Limit`]) with the figure it would need, instead of aborting half-way with an
//! allocation failure.
//!
//! The engine keeps one column of `f64` per kept node (see `entente_engine::Keep`), so a run needs about
//! `samples × 8 bytes × kept columns`, plus a fixed base. The columns each command keeps are bounded from the
//! compiled plan: `report` keeps items as well as the figures and re-runs the study scenarios, counted as twice
//! the figures (items, categories, flows, total); `explain`, `sensitivity`, `compare`, `triangulate`, `history`
//! and `timeline` are bounded by every node of the plan. `assess` above the default sample count is streamed
//! (`entente_engine::stream`): it holds a window of chunks and the draws inside its quantile brackets, a bound
//! that does not grow with the sample count ([`streamed_need`]; about 0.4 GB on the embedded dataset). Measured
//! there (`bench/memory.sh`, release build, peak RSS): assess at 1M samples 82 MB and at 20M 231 MB (288 MB and
//! 4,653 MB when it held its columns); explain at 1M 999 MB (bound 1,088 MB), report at 1M 517 MB (bound
//! 592 MB).

use crate::{Error, Result};

/// Fixed memory of a run besides its columns (the dataset, the plan, tables, the binary).
const BASE_BYTES: f64 = 64e6;

/// Runs at or below this sample count are not checked (they need well under a gigabyte).
const UNCHECKED_SAMPLES: usize = entente_engine::DEFAULT_SAMPLES;

/// How many columns of draws a command keeps, in terms of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keeps {
    Figures,
    Report,
    AllNodes,
}

/// Bytes a run of `samples` needs with `columns` kept columns.
pub fn need(samples: usize, columns: usize) -> f64 {
    BASE_BYTES + samples as f64 * 8.0 * columns as f64
}

/// The columns a plan keeps for a command.
pub fn columns(plan: &entente_engine::Plan, keeps: Keeps) -> usize {
    let figures = plan.items.len() + plan.categories.len() + plan.flows.len() + 1;
    match keeps {
        Keeps::Figures => figures,
        Keeps::Report => 2 * figures,
        Keeps::AllNodes => plan.nodes.len(),
    }
}

/// Memory this process may still use: the smaller of the system's available memory and the cgroup's limit less
/// its use. `None` where neither can be read (the check is then skipped).
pub fn available() -> Option<f64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb * 1024.0)
    });
    let read = |p: &str| std::fs::read_to_string(p).ok().and_then(|t| t.trim().parse::<f64>().ok());
    let cgroup = match (read("/sys/fs/cgroup/memory.max"), read("/sys/fs/cgroup/memory.current")) {
        (Some(max), Some(cur)) => Some((max - cur).max(0.0)),
        _ => None,
    };
    match (meminfo, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn gb(b: f64) -> String {
    format!("{:.1} GB", b / 1e9)
}

/// Bytes a streamed `assess` of `columns` figures needs, whatever its sample count.
pub fn streamed_need(columns: usize) -> f64 {
    BASE_BYTES + entente_engine::stream::Tuning::default().bound_bytes(columns)
}

/// Refuses a run of `plan` that would need more memory than is available, naming both figures and the largest
/// sample count that fits.
pub fn check(plan: &entente_engine::Plan, samples: usize, keeps: Keeps) -> Result<()> {
    if samples <= UNCHECKED_SAMPLES {
        return Ok(());
    }
    let Some(avail) = available() else { return Ok(()) };
    match keeps {
        // streamed above the default sample count (see `model::assess`)
        Keeps::Figures => check_streamed(columns(plan, keeps), avail),
        _ => check_against(samples, columns(plan, keeps), avail),
    }
}

/// The decision for a streamed `assess`, whose need does not depend on the sample count.
pub fn check_streamed(columns: usize, avail: f64) -> Result<()> {
    let need = streamed_need(columns);
    if need <= avail {
        return Ok(());
    }
    Err(Error::Limit(format!(
        "assess needs about {} of memory at any sample count above {} ({} figures streamed), but {} is available",
        gb(need),
        entente_core::group(UNCHECKED_SAMPLES as f64),
        columns,
        gb(avail)
    )))
}

/// The decision itself, apart from reading the machine.
pub fn check_against(samples: usize, columns: usize, avail: f64) -> Result<()> {
    let need = need(samples, columns);
    if need <= avail {
        return Ok(());
    }
    let fits = (((avail - BASE_BYTES).max(0.0) / (8.0 * columns.max(1) as f64)) as usize / 1000) * 1000;
    Err(Error::Limit(format!(
        "{} samples would need about {} of memory ({} columns of draws × 8 bytes × samples), but {} is available: \
         use --samples {} or fewer",
        entente_core::group(samples as f64),
        gb(need),
        columns,
        gb(avail),
        entente_core::group(fits as f64)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_that_fits_passes_and_one_that_does_not_is_refused_with_figures() {
        assert!(check_against(1_000_000, 128, 4e9).is_ok());
        let e = check_against(100_000_000, 128, 4e9).unwrap_err().to_string();
        assert!(e.contains("100,000,000 samples would need about 102.5 GB"), "{e}");
        assert!(e.contains("4.0 GB is available"), "{e}");
        assert!(e.contains("use --samples 3,843,000 or fewer"), "{e}");
    }

    #[test]
    fn the_bound_covers_the_measured_peaks() {
        // embedded dataset, peak RSS measured by bench/memory.sh (release build): the bound is never below it
        assert!(streamed_need(33) >= 231e6, "assess at 20M");
        assert!(need(1_000_000, 128) >= 999e6);
        assert!(need(1_000_000, 66) >= 517e6);
    }

    #[test]
    fn a_streamed_assess_needs_the_same_memory_at_any_sample_count() {
        assert!(streamed_need(33) < 0.5e9, "{}", streamed_need(33));
        assert!(check_streamed(33, 1e9).is_ok());
        let e = check_streamed(33, 0.2e9).unwrap_err().to_string();
        assert!(e.contains("assess needs about 0.4 GB of memory at any sample count above 200,000"), "{e}");
        assert!(e.contains("0.2 GB is available"), "{e}");
    }
}
