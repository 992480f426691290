//! What every model request shares: where the dataset comes from, the plan options, the sample count and seed.
//! The defaults are defined here and nowhere else.

use entente_core::Dataset;
use entente_engine::PlanOptions;
use std::path::PathBuf;

/// The seed used when none is given; the same data and seed give byte-identical output.
pub const DEFAULT_SEED: u64 = 20241028;

/// Fewest and most Monte Carlo samples a request may ask for.
pub const SAMPLES_RANGE: std::ops::RangeInclusive<usize> = 100..=100_000_000;

/// Where the dataset comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DataSource {
    /// The dataset embedded in the binary (`data/`).
    #[default]
    Embedded,
    /// A dataset folder.
    Dir(PathBuf),
}

impl DataSource {
    pub fn from_option(dir: Option<PathBuf>) -> Self {
        dir.map_or(Self::Embedded, Self::Dir)
    }

    pub fn dir(&self) -> Option<&std::path::Path> {
        match self {
            Self::Embedded => None,
            Self::Dir(d) => Some(d),
        }
    }

    /// Loads and validates the dataset; every error is listed.
    pub fn load(&self) -> crate::Result<Dataset> {
        match self {
            Self::Dir(dir) => entente_data::load_dir(dir).map_err(|e| crate::Error::Dataset {
                what: format!("the dataset in {}", dir.display()),
                errors: e.to_string(),
                count: e.0.len(),
            }),
            Self::Embedded => entente_data::load_embedded().map_err(|e| crate::Error::Dataset {
                what: "the embedded dataset".into(),
                errors: e.to_string(),
                count: e.0.len(),
            }),
        }
    }
}

/// One Monte Carlo run of a dataset the caller has loaded ([`DataSource::load`]; the server loads it once): the
/// plan options (scenario, as-of date, grade filter, hypothesis options), the sample count and the seed.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub plan: PlanOptions,
    pub samples: usize,
    pub seed: u64,
}

impl Default for RunSpec {
    fn default() -> Self {
        RunSpec { plan: PlanOptions::default(), samples: entente_engine::DEFAULT_SAMPLES, seed: DEFAULT_SEED }
    }
}

impl RunSpec {
    /// Checks the sample count.
    pub fn check(&self) -> crate::Result<()> {
        if !SAMPLES_RANGE.contains(&self.samples) {
            return Err(crate::Error::Invalid(format!(
                "{} samples: choose between 100 and 100,000,000",
                entente_core::group(self.samples as f64)
            )));
        }
        Ok(())
    }
}
