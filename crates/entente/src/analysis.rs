//! `sensitivity`, `history` and `timeline`: analyses that re-use the engine's runs.

use crate::cli::{FormatArgs, ModelArgs};
use crate::commands::{load, plan_options};
use crate::output::{print, progress};
use anyhow::{anyhow, Result};
use clap::Args;
use entente_engine::{history, sensitivity, Keep, Plan, Run};
use entente_report::{render, views, OutputFormat};

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    /// The figure to explain: `total` (deliveries, default), `compensation`, an item id or a category id.
    #[arg(long, default_value = "total")]
    pub figure: String,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

/// Resolves `--figure` to a node of the plan.
fn target(plan: &Plan, figure: &str) -> Result<usize> {
    let found = match figure {
        "total" | "deliveries" => Some(plan.flows[0].1),
        "compensation" => Some(plan.flows[1].1),
        f => plan
            .items
            .iter()
            .find(|i| i.item.id == f)
            .map(|i| i.value)
            .or_else(|| plan.categories.iter().find(|(c, _, _)| c == f).map(|(_, _, n)| *n)),
    };
    found.ok_or_else(|| {
        let mut known: Vec<String> = vec!["total".into(), "compensation".into()];
        known.extend(plan.categories.iter().map(|(c, _, _)| c.clone()));
        known.extend(plan.items.iter().map(|i| i.item.id.clone()));
        anyhow!("unknown figure `{figure}` (known: {})", known.join(", "))
    })
}

pub fn sensitivity(a: SensitivityArgs) -> Result<u8> {
    let ds = load(&a.model)?;
    let plan = Plan::new(&ds, &plan_options(&a.model)).map_err(|e| anyhow!(e))?;
    let node = target(&plan, &a.figure)?;
    let pb = progress(entente_engine::sample::chunks(a.model.samples), "sampling");
    let run = Run::keeping(plan, a.model.samples, a.model.seed, &|n| pb.inc(n as u64), Keep::Inputs)
        .map_err(|e| anyhow!(e))?;
    pb.finish_and_clear();
    let s = sensitivity::sensitivity(&run, node);
    let fmt = a.format.format;
    print(&render(fmt, &views::sensitivity::doc(&s, fmt != OutputFormat::Csv), &s))?;
    Ok(0)
}

pub fn history(a: HistoryArgs) -> Result<u8> {
    let ds = load(&a.model)?;
    let opts = plan_options(&a.model);
    let steps = history::evidence_dates(&ds, Plan::new(&ds, &opts).map_err(|e| anyhow!(e))?.as_of).len();
    let pb = progress(steps * entente_engine::sample::chunks(a.model.samples), "replaying evidence");
    let h =
        history::history(&ds, &opts, a.model.samples, a.model.seed, &|n| pb.inc(n as u64)).map_err(|e| anyhow!(e))?;
    pb.finish_and_clear();
    let fmt = a.format.format;
    print(&render(fmt, &views::history::history_doc(&h, fmt != OutputFormat::Csv), &h))?;
    Ok(0)
}

pub fn timeline(a: HistoryArgs) -> Result<u8> {
    let ds = load(&a.model)?;
    let pb = progress(0, "replaying quarters");
    let tl = history::timeline(&ds, &plan_options(&a.model), a.model.samples, a.model.seed, &|n| pb.inc(n as u64))
        .map_err(|e| anyhow!(e))?;
    pb.finish_and_clear();
    let fmt = a.format.format;
    print(&render(fmt, &views::history::timeline_doc(&tl, fmt != OutputFormat::Csv), &tl))?;
    Ok(0)
}
