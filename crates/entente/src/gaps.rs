//! `entente gaps`: its arguments and its run function. Kept out of `cli.rs` and `commands.rs` so that those files
//! only name it.

use crate::cli::FormatArgs;
use crate::output::print;
use anyhow::{anyhow, Result};
use chrono::NaiveDate;
use clap::Args;
use entente_core::Dataset;
use entente_data::actors::Actor;
use entente_gaps::Gaps;
use entente_report::{render, views, OutputFormat};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct GapsArgs {
    /// List files or folders (format detected from content); default: the lists fetched last (`entente lists fetch`).
    #[arg(long, num_args = 1..)]
    pub lists: Vec<PathBuf>,
    /// A dataset folder (with its actors.toml) to use instead of the embedded default dataset.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Use only evidence public, designations made and ownership in force on or before this date.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    #[command(flatten)]
    pub format: FormatArgs,
}

/// The actors ledger of a dataset folder (`--data`), or the embedded one beside the embedded dataset.
fn actors(ds: &Dataset, data: Option<&Path>) -> Result<Vec<Actor>> {
    match data {
        Some(dir) => {
            let actors = entente_data::actors::load_actors_dir(dir, ds)
                .map_err(|e| anyhow!("the actors ledger in {} has errors:\n{e}", dir.display()))?;
            if actors.is_empty() {
                return Err(anyhow!(
                    "{}: no actors.toml (the ledger of parties to check; see docs/gaps.md)",
                    dir.display()
                ));
            }
            Ok(actors)
        }
        None => entente_data::actors::load_actors("actors.toml", entente_data::actors::EMBEDDED_ACTORS, ds)
            .map_err(|e| anyhow!("the embedded actors ledger has errors:\n{e}")),
    }
}

fn analyse(ds: &Dataset, actors: &[Actor], lists: &[PathBuf], as_of: Option<NaiveDate>) -> Result<Gaps> {
    let paths = if lists.is_empty() {
        vec![entente_screen::store::current(&entente_screen::store::store_dir())?.0]
    } else {
        lists.to_vec()
    };
    let loaded = entente_gaps::load_lists(&paths)?;
    let graph = entente_gaps::ownership_graph(&loaded.lists)?;
    Ok(entente_gaps::analyse(ds, actors, loaded, &graph, &entente_gaps::GapOptions { as_of }))
}

/// The gaps section of `entente report --lists …` (`None` without `--lists`).
pub fn for_report(
    ds: &Dataset,
    data: Option<&Path>,
    lists: &[PathBuf],
    as_of: Option<NaiveDate>,
) -> Result<Option<Gaps>> {
    if lists.is_empty() {
        return Ok(None);
    }
    let actors = actors(ds, data)?;
    Ok(Some(analyse(ds, &actors, lists, as_of)?))
}

pub fn gaps(a: GapsArgs) -> Result<u8> {
    let ds = match &a.data {
        Some(dir) => {
            entente_data::load_dir(dir).map_err(|e| anyhow!("the dataset in {} has errors:\n{e}", dir.display()))?
        }
        None => entente_data::load_embedded().map_err(|e| anyhow!("the embedded dataset has errors:\n{e}"))?,
    };
    let actors = actors(&ds, a.data.as_deref())?;
    let g = analyse(&ds, &actors, &a.lists, a.as_of)?;
    let fmt = a.format.format;
    print(&render(fmt, &views::gaps::doc(&g, fmt != OutputFormat::Csv), &g))?;
    Ok(0)
}
