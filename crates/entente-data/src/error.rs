//! Dataset errors. Every error names the file, the line, the key path and the field, so that an analyst can go
//! straight to the mistake; loading collects all of them instead of stopping at the first.

use std::fmt;

/// One problem in a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    pub file: String,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    /// Key path of the entry, e.g. `item[2] (shells-152mm)`; empty for file-level problems.
    pub path: String,
    /// The field at fault, e.g. `unit_price`; empty when the whole entry is at fault.
    pub field: String,
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        write!(f, ":")?;
        match (self.path.is_empty(), self.field.is_empty()) {
            (false, false) => write!(f, " {}.{}:", self.path, self.field)?,
            (false, true) => write!(f, " {}:", self.path)?,
            (true, false) => write!(f, " {}:", self.field)?,
            (true, true) => {}
        }
        write!(f, " {}", self.message)
    }
}

/// All problems found in one run, in file and line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataErrors(pub Vec<DataError>);

impl fmt::Display for DataErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DataErrors {}
