//! The one error type of the library.
//!
//! Every message is lowercase and puts its context first: the file, then the row
//! (1-based, the header is row 1), the column and the offending value, then what is
//! wrong. The CLI prints the message once and exits with code 2.
// No panics on any input (issue 10): unwrap, expect and panic are denied at the crate root;
// here indexing that can fail is denied too, outside tests.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use crate::text_safety::terminal;
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

impl Location {
    /// A whole column of a file (no row, no cell).
    ///
    /// ```
    /// let l = csi::error::Location::column("survey.csv", "airline");
    /// assert_eq!(l.to_string(), "survey.csv, column 'airline'");
    /// ```
    pub fn column(file: impl Into<String>, column: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            column: Some(column.into()),
            ..Default::default()
        }
    }
}

/// Shown as `file: row 5, column 'q1', value '7分'`. The file name, column name and
/// value are written with control characters made visible
/// ([`crate::text_safety::terminal`]); the column name and value are cut to
/// [`crate::text_safety::MAX_NAME_CHARS`] characters (with the full length), so that
/// a message never echoes a whole cell. (Values recorded through
/// [`crate::data::Problem::with_value`] are already cut to
/// [`crate::text_safety::MAX_SHOWN_CHARS`].)
///
/// ```
/// use csi::error::Location;
/// let l = Location {
///     file: "s.csv".into(),
///     row: Some(5),
///     column: Some("q\u{1b}1".into()),
///     value: Some("9".repeat(300)),
/// };
/// assert_eq!(
///     l.to_string(),
///     format!("s.csv: row 5, column 'q\\u{{1B}}1', value '{}… (300 characters)'", "9".repeat(200))
/// );
/// ```
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::text_safety::{shown_name, terminal};
        write!(f, "{}", terminal(&self.file))?;
        if let Some(r) = self.row {
            write!(f, ": row {r}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column '{}'", shown_name(c))?;
        }
        if let Some(v) = &self.value {
            write!(f, ", value '{}'", shown_name(v))?;
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
    #[error("{}{}: {}", terminal(file), fmt_line_col(*line, *column), terminal(message))]
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
    #[error("{location}: {}{}", terminal(message), fmt_more(*more))]
    Data {
        /// Where the (first) problem is.
        location: Location,
        /// What is wrong.
        message: String,
        /// How many further errors of this file were found after the first.
        more: usize,
    },
    /// A file could not be opened, read or written.
    #[error("{}: {}", terminal(path), io_reason(source))]
    Io {
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A flag or setting has an invalid value.
    #[error("invalid {}: {}", terminal(name), terminal(message))]
    Setting {
        /// The setting (flag) name.
        name: String,
        /// Why it is invalid.
        message: String,
    },
    /// The estimation could not produce any result (e.g. a singular matrix in the
    /// full sample). Non-convergence is *not* an error: it is reported in results.
    #[error("estimation: {}", terminal(.0))]
    Estimation(String),
    /// The estimation failed in a way callers tell apart (see
    /// [`FitError`](crate::estimate::FitError)); displayed like [`Error::Estimation`].
    #[error("estimation: {0}")]
    Fit(#[from] crate::estimate::FitError),
    /// A chart could not be drawn or written.
    #[error("chart {}: {}", terminal(path), terminal(message))]
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

/// An I/O error in the project's words: lowercase, e.g. `is a directory (os error
/// 21)`. (The CLI prints the error's sources after it only when they add something.)
fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    let mut cs = s.chars();
    match (cs.next(), cs.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => {
            a.to_lowercase().chain(s.chars().skip(1)).collect()
        }
        _ => s,
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
