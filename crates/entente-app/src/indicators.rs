//! The indicator commands: official trade and high-level meetings (with GDELT events added on request).

use crate::{Error, Result};
use entente_core::Dataset;
use entente_indicators::gdelt::{self, Added, Import};
use entente_indicators::meetings::{self, MeetingOptions, MeetingsReport};
use entente_indicators::trade::{self, TradeOptions, TradeReport};
use std::path::PathBuf;

/// `trade`: the official series, growth between periods, the pre-2017 level, gaps and conflicts.
pub fn trade(ds: &Dataset, opts: &TradeOptions) -> TradeReport {
    trade::report(&ds.trade, opts)
}

/// GDELT 2.0 event data to add to the meeting log.
#[derive(Debug, Clone)]
pub enum GdeltInput {
    /// Files to read (only regular files: a FIFO or device would block).
    File(PathBuf),
    /// The text of a file received otherwise (an upload); `name` names it in errors.
    Text { name: String, text: String },
}

/// `meetings`: counts, the rate with an exact interval, the change point.
#[derive(Debug, Clone, Default)]
pub struct MeetingsRequest {
    pub options: MeetingOptions,
    pub gdelt: Vec<GdeltInput>,
}

/// The meetings report, and what GDELT added when events were given.
#[derive(Debug, Clone)]
pub struct MeetingsOutcome {
    pub report: MeetingsReport,
    pub gdelt: Option<Added>,
}

pub fn meetings(ds: &Dataset, req: &MeetingsRequest) -> Result<MeetingsOutcome> {
    let mut log = ds.meetings.clone();
    let gdelt = if req.gdelt.is_empty() {
        None
    } else {
        let imports = req.gdelt.iter().map(import).collect::<Result<Vec<Import>>>()?;
        Some(gdelt::add_to_log(&mut log, &imports))
    };
    let report = meetings::report(&log, &req.options).map_err(|e| Error::Invalid(e.to_string()))?;
    Ok(MeetingsOutcome { report, gdelt })
}

fn import(g: &GdeltInput) -> Result<Import> {
    let r = match g {
        GdeltInput::File(f) => {
            if std::fs::metadata(f).is_ok_and(|m| !m.is_file()) {
                return Err(Error::Input(format!(
                    "cannot import GDELT events from {}: not a regular file",
                    f.display()
                )));
            }
            gdelt::import_file(f)
        }
        GdeltInput::Text { name, text } => gdelt::import_str(name, text),
    };
    r.map_err(|e| Error::Input(format!("cannot import GDELT events:\n{e}")))
}
