//! `entente triangulate`: direct counts (`checks.toml`) beside the model's implied figures, and with
//! `--condition` the estimate conditioned on them by importance weighting (both results shown).

use crate::cli::{FormatArgs, ModelArgs};
use crate::commands::{load, plan_options};
use crate::output::{print, progress};
use anyhow::{anyhow, Result};
use clap::Args;
use entente_report::{render, views, OutputFormat};

#[derive(Debug, Args)]
pub struct TriangulateArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Also weight the simulated worlds by how well each fits the direct counts (importance weighting with the
    /// likelihood in docs/dataset.md), and show the conditioned figures beside the unconditioned ones.
    #[arg(long)]
    pub condition: bool,
}

pub fn triangulate(a: TriangulateArgs) -> Result<u8> {
    let ds = load(&a.model)?;
    if ds.checks.is_empty() {
        return Err(anyhow!(
            "the dataset has no direct counts to triangulate against (checks.toml is missing or empty)"
        ));
    }
    let pb = progress(0, "running the model at each count's date");
    let t = entente_engine::triangulate::triangulate(
        &ds,
        &plan_options(&a.model),
        a.model.samples,
        a.model.seed,
        a.condition,
        &|n| pb.inc(n as u64),
    )
    .map_err(|e| anyhow!(e))?;
    pb.finish_and_clear();
    let fmt = a.format.format;
    print(&render(fmt, &views::triangulate::doc(&t, fmt != OutputFormat::Csv), &t))?;
    Ok(0)
}
