//! The application's errors. Each variant says what kind of failure it is, so that a front end can map it:
//! the CLI to exit code 2, the server to an HTTP status ([`Error::status`]).

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request itself is wrong: an unknown item or figure, a bad option, a value out of range.
    #[error("{0}")]
    Invalid(String),
    /// Something the request names does not exist (an item, an entity, a scenario).
    #[error("{0}")]
    NotFound(String),
    /// A dataset (embedded or a folder) has errors; `errors` lists every one with file:line.
    #[error("{what} has errors:\n{errors}")]
    Dataset { what: String, errors: String, count: usize },
    /// An input file (lists, payments, CSV, GDELT events) could not be read or parsed.
    #[error("{0}")]
    Input(String),
    /// The run would not fit in memory, or another resource limit was hit.
    #[error("{0}")]
    Limit(String),
    /// The model could not be computed (a plan or run error from the engine).
    #[error("{0}")]
    Engine(String),
    /// Writing or reading a file of the application's own (a key store, a list snapshot) failed.
    #[error("{0}")]
    Io(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status a server answers this error with.
    pub fn status(&self) -> u16 {
        match self {
            Error::Invalid(_) => 400,
            Error::NotFound(_) => 404,
            Error::Dataset { .. } | Error::Input(_) => 422,
            Error::Limit(_) => 413,
            Error::Engine(_) | Error::Io(_) => 500,
        }
    }

    /// An engine error (the engine reports errors as text).
    pub fn engine(e: impl std::fmt::Display) -> Self {
        Error::Engine(e.to_string())
    }

    /// An input error, keeping the whole chain of causes (`anyhow`'s `{:#}`) when given one.
    pub fn input(e: impl std::fmt::Display) -> Self {
        Error::Input(format!("{e:#}"))
    }
}
