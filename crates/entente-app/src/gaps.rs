//! `gaps`: each party of the flows (the actors ledger) against every loaded sanctions list, by authority, with
//! designation dates, lags and ownership.

use crate::{DataSource, Error, Result};
use chrono::NaiveDate;
use entente_core::Dataset;
use entente_data::actors::Actor;
use entente_gaps::Gaps;
use std::path::PathBuf;

/// Which lists to check the actors against, and the date to check them as of.
#[derive(Debug, Clone, Default)]
pub struct GapsRequest {
    /// List files or folders; empty: the lists fetched last (`entente lists fetch`).
    pub lists: Vec<PathBuf>,
    /// Use only evidence public, designations made and ownership in force on or before this date.
    pub as_of: Option<NaiveDate>,
}

/// The actors ledger of a dataset folder, or the embedded one beside the embedded dataset.
pub fn actors(ds: &Dataset, data: &DataSource) -> Result<Vec<Actor>> {
    let ledger_error = |what: String| {
        move |e: entente_data::DataErrors| Error::Dataset { what, errors: e.to_string(), count: e.0.len() }
    };
    match data.dir() {
        Some(dir) => {
            let actors = entente_data::actors::load_actors_dir(dir, ds)
                .map_err(ledger_error(format!("the actors ledger in {}", dir.display())))?;
            if actors.is_empty() {
                return Err(Error::Invalid(format!(
                    "{}: no actors.toml (the ledger of parties to check; see docs/gaps.md)",
                    dir.display()
                )));
            }
            Ok(actors)
        }
        None => entente_data::actors::load_actors("actors.toml", entente_data::actors::EMBEDDED_ACTORS, ds)
            .map_err(ledger_error("the embedded actors ledger".into())),
    }
}

/// Checks the actors of `data` against the request's lists.
pub fn gaps(ds: &Dataset, data: &DataSource, req: &GapsRequest) -> Result<Gaps> {
    let actors = actors(ds, data)?;
    let paths = if req.lists.is_empty() {
        let dir = entente_screen::store::store_dir();
        vec![entente_screen::store::current(&dir).map_err(Error::input)?.0]
    } else {
        req.lists.clone()
    };
    let loaded = entente_gaps::load_lists(&paths).map_err(Error::input)?;
    let graph = entente_gaps::ownership_graph(&loaded.lists).map_err(Error::input)?;
    Ok(entente_gaps::analyse(ds, &actors, loaded, &graph, &entente_gaps::GapOptions { as_of: req.as_of }))
}
