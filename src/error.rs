//! The one error type of the library.
//!
//! Every message is lowercase and puts its context first: the file, then the row
//! (1-based, the header is row 1), the column and the offending value, then what is
//! wrong. The CLI prints the message once and exits with code 2.

use std::fmt;

/// Where in a data file a problem sits. Rows are numbered as a spreadsheet shows
/// them: the header is row 1 and the first respondent is row 2.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The file (as given by the user).
    pub file: String,
    /// 1-based row, header = 1.
    pub row: Option<usize>,
    /// Column name.
    pub column: Option<String>,
    /// The offending cell text.
    pub value: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(r) = self.row {
            write!(f, ": row {r}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column '{c}'")?;
        }
        if let Some(v) = &self.value {
            write!(f, ", value '{v}'")?;
        }
        Ok(())
    }
}

/// The library's error type.
///
/// # Example
/// ```
/// let e = csi::Error::Setting { name: "--tol".into(), message: "must be > 0, got -1".into() };
/// assert_eq!(e.to_string(), "invalid --tol: must be > 0, got -1");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A model file (TOML or lavaan syntax) is malformed or inconsistent.
    #[error("{file}{}: {message}", fmt_line_col(*line, *column))]
    Model {
        /// The model file.
        file: String,
        /// 1-based line of the offending key, when known.
        line: Option<usize>,
        /// 1-based column of the offending key, when known.
        column: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A data file is unreadable or violates the data rules of the contract.
    #[error("{location}: {message}{}", fmt_more(*more))]
    Data {
        /// Where the (first) problem is.
        location: Location,
        /// What is wrong.
        message: String,
        /// How many further errors of this file were found after the first.
        more: usize,
    },
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A flag or setting has an invalid value.
    #[error("invalid {name}: {message}")]
    Setting {
        /// The setting (flag) name.
        name: String,
        /// Why it is invalid.
        message: String,
    },
    /// The estimation could not produce any result (e.g. a singular matrix in the
    /// full sample). Non-convergence is *not* an error: it is reported in results.
    #[error("estimation: {0}")]
    Estimation(String),
    /// The estimation failed in a way callers tell apart (see
    /// [`FitError`](crate::estimate::FitError)); displayed like [`Error::Estimation`].
    #[error("estimation: {0}")]
    Fit(#[from] crate::estimate::FitError),
    /// A chart could not be drawn or written.
    #[error("chart {path}: {message}")]
    Chart {
        /// Output path.
        path: String,
        /// Cause.
        message: String,
    },
    /// The run was interrupted (Ctrl-C).
    #[error("interrupted")]
    Interrupted,
}

fn fmt_line_col(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

fn fmt_more(more: usize) -> String {
    match more {
        0 => String::new(),
        1 => " (and 1 more problem; run `csi validate` for the full list)".to_string(),
        k => format!(" (and {k} more problems; run `csi validate` for the full list)"),
    }
}

impl Error {
    /// Shorthand for a model error.
    pub fn model(
        file: impl Into<String>,
        line: Option<usize>,
        column: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Error::Model {
            file: file.into(),
            line,
            column,
            message: message.into(),
        }
    }

    /// Shorthand for a data error at a location.
    pub fn data(location: Location, message: impl Into<String>) -> Self {
        Error::Data {
            location,
            message: message.into(),
            more: 0,
        }
    }

    /// Shorthand for an invalid setting.
    pub fn setting(name: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Setting {
            name: name.into(),
            message: message.into(),
        }
    }

    /// Shorthand for an I/O error on a path.
    pub fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}

/// Result alias of the library.
pub type Result<T> = std::result::Result<T, Error>;
