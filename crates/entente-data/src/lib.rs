//! Loading and validation of entente datasets, and the default dataset embedded in the binary.
//!
//! Architecture invariant: this is the only crate that reads dataset files. It returns either a fully
//! validated [`entente_core::Dataset`] or every error found, each naming file, line, key path and field.

pub mod actors;
mod csvfiles;
mod error;
mod load;
mod reader;

pub use error::{DataError, DataErrors};
pub use load::{load, Files, OPTIONAL_TOML_FILES, TOML_FILES};
pub use reader::{check_magnitude, check_truncation, read_regular_file, truncated_mass, MAX_MAGNITUDE};

use entente_core::Dataset;
use std::collections::BTreeMap;
use std::path::Path;

/// Optional tabular files a dataset may carry.
pub const CSV_FILES: [&str; 2] = ["trade.csv", "meetings.csv"];

/// The default dataset, compiled in so that `entente assess` works with no set-up.
pub const EMBEDDED: [(&str, &str); 10] = [
    ("sources.toml", include_str!("../../../data/sources.toml")),
    ("claims.toml", include_str!("../../../data/claims.toml")),
    ("variables.toml", include_str!("../../../data/variables.toml")),
    ("items.toml", include_str!("../../../data/items.toml")),
    ("scenarios.toml", include_str!("../../../data/scenarios.toml")),
    ("reference.toml", include_str!("../../../data/reference.toml")),
    ("hypotheses.toml", include_str!("../../../data/hypotheses.toml")),
    ("checks.toml", include_str!("../../../data/checks.toml")),
    ("trade.csv", include_str!("../../../data/trade.csv")),
    ("meetings.csv", include_str!("../../../data/meetings.csv")),
];

/// Loads the embedded default dataset.
pub fn load_embedded() -> Result<Dataset, DataErrors> {
    load(&Files { files: EMBEDDED.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect() })
}

/// Reads a dataset folder. A file that cannot be read (not UTF-8, a permission problem) is an error naming it.
pub fn read_dir(dir: &Path) -> Result<Files, DataErrors> {
    if !dir.is_dir() {
        return Err(DataErrors(vec![DataError {
            file: dir.display().to_string(),
            line: None,
            path: String::new(),
            field: String::new(),
            message: "not a folder (a dataset is a folder holding sources.toml, claims.toml, …)".into(),
        }]));
    }
    let mut files = BTreeMap::new();
    let mut errors = Vec::new();
    for name in TOML_FILES.iter().chain(OPTIONAL_TOML_FILES.iter()).chain(CSV_FILES.iter()) {
        let path = dir.join(name);
        if !path.exists() {
            continue; // missing required files are reported by `load`
        }
        match read_regular_file(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => {
                    files.insert(name.to_string(), t);
                }
                Err(e) => errors.push(DataError {
                    file: name.to_string(),
                    line: None,
                    path: String::new(),
                    field: String::new(),
                    message: format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()),
                }),
            },
            Err(e) => errors.push(DataError {
                file: name.to_string(),
                line: None,
                path: String::new(),
                field: String::new(),
                message: format!("cannot read {}: {e}", path.display()),
            }),
        }
    }
    if errors.is_empty() {
        Ok(Files { files })
    } else {
        Err(DataErrors(errors))
    }
}

/// Reads and validates a dataset folder.
pub fn load_dir(dir: &Path) -> Result<Dataset, DataErrors> {
    load(&read_dir(dir)?)
}
