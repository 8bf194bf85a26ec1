//! Streaming ingest of CSV/TSV files: the file is read in blocks, split into records,
//! every cell is checked by the rules of [`super::read_survey`] (the same
//! [`super::CellRules`], missing codes, scales, reverse-coding, weights), and the rows
//! are folded into [`SufficientStats`] batch by batch, in parallel, without ever
//! holding the respondents: memory does not grow with the number of rows.
//!
//! The streaming reader handles the usable file. The moment it meets anything the
//! file-level rules refuse (a cell that is not a number, a value outside the scale, a
//! ragged row, an unclosed quote, an absent column, a constant or empty item, too few
//! usable respondents, a bad weight), or a file it does not read itself (a workbook,
//! SPSS, text whose encoding is only known after the whole file has been read), it
//! returns `Ok(None)`, and the caller reads the file with [`super::read_survey`],
//! which reports every problem with its file, row and column as before. The warnings
//! of a usable file (straight-lining, items with many missing answers, half-points on
//! an integer scale, "cannot answer" shares, out-of-range values read as missing) are
//! produced here with the same texts.
//!
//! # Example
//! ```
//! use csi::data::ingest::stream::{stream_survey, StreamOptions};
//! use csi::data::{read_survey, IngestOptions, MissingPolicy};
//! use csi::spec::{ConstructSpec, Model, Scale};
//! let model = Model::from_parts("toy",
//!     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1", "b2"])],
//!     &[("A", "B")])?.with_scale(Scale { min: 1.0, max: 10.0 })?;
//! let dir = tempfile::tempdir().map_err(|e| csi::Error::io("tempdir", e))?;
//! let path = dir.path().join("s.csv");
//! let mut text = String::from("a1,a2,b1,b2\n");
//! for i in 0..50 {
//!     let a2 = if i % 9 == 0 { String::new() } else { ((i * 3) % 10 + 1).to_string() };
//!     text.push_str(&format!("{},{a2},{},{}\n", i % 10 + 1, (i * 7) % 10 + 1, (i * 5 + 3) % 10 + 1));
//! }
//! std::fs::write(&path, text).map_err(|e| csi::Error::io(&path, e))?;
//! let opts = IngestOptions::default();
//! // a small batch size: the 50 rows come in 4 batches
//! let s = stream_survey(&path, &model, &opts, &StreamOptions { batch_rows: 16, ..Default::default() })?
//!     .expect("a usable file is streamed");
//! let streamed = s.pooled.moments(MissingPolicy::Mean)?;
//! let (survey, _) = read_survey(&path, &model, &opts)?;
//! let (_, _, in_memory) = survey.prepare(&model, MissingPolicy::Mean)?;
//! assert_eq!(streamed.n, 50);
//! assert!((streamed.cov[(0, 1)] - in_memory.cov[(0, 1)]).abs() < 1e-12);
//! # Ok::<(), csi::Error>(())
//! ```

use crate::data::validate::ValidationReport;
use crate::error::Result;
use crate::moments_stream::SufficientStats;
use crate::spec::Model;
use std::collections::BTreeMap;
use std::path::Path;

mod batch;
mod pass;
mod source;

/// Options of the streaming reader.
#[derive(Debug, Clone)]
pub struct StreamOptions {
    /// Respondent rows per batch (a unit of parallel work).
    pub batch_rows: usize,
    /// Bytes read from the file at a time.
    pub block_bytes: usize,
    /// Columns whose (trimmed) values split the sums into groups, e.g. a company and a
    /// wave column: one [`SufficientStats`] per combination of values.
    pub by: Vec<String>,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            batch_rows: 8192,
            block_bytes: 4 << 20,
            by: Vec::new(),
        }
    }
}

/// What a streaming pass produces.
#[derive(Debug, Clone)]
pub struct Streamed {
    /// The sums over every respondent row.
    pub pooled: SufficientStats,
    /// The sums per combination of the `by` columns' values (rows with an empty cell in
    /// one of them belong to no group; they are counted in `ungrouped`).
    pub groups: BTreeMap<Vec<String>, SufficientStats>,
    /// Rows with an empty cell in a `by` column.
    pub ungrouped: usize,
    /// The validation report (warnings only: a file with an error is not streamed).
    pub report: ValidationReport,
}

/// Records larger than this (e.g. an unclosed quote) stop the streaming reader.
const MAX_RECORD_BYTES: usize = 64 << 20;

/// Stream a CSV/TSV file into sufficient statistics. `Ok(None)` when the file is not
/// one the streaming reader takes (see the module docs): read it with
/// [`super::read_survey`] then, which reports its problems.
///
/// # Errors
/// [`crate::Error::Io`] when the file cannot be opened or read.
pub fn stream_survey(
    path: &Path,
    model: &Model,
    opts: &super::IngestOptions,
    sopts: &StreamOptions,
) -> Result<Option<Streamed>> {
    let tsv = match super::extension(path).as_deref() {
        None | Some("csv") | Some("txt") | Some("dat") => false,
        Some("tsv") | Some("tab") => true,
        _ => return Ok(None),
    };
    // Without a declared encoding, the text is utf-8 unless some byte says otherwise;
    // then the whole file is gb18030 (as the in-memory reader decides).
    let mut encoding = match opts.encoding.as_deref() {
        None => Enc::Detect,
        Some(label) => match super::decode::encoding_for_label(label) {
            Some(e) if e == encoding_rs::UTF_8 => Enc::Utf8,
            Some(e) => Enc::Other(e),
            None => return Ok(None),
        },
    };
    loop {
        match pass::pass(path, model, opts, sopts, encoding, tsv)? {
            Pass::Done(s) => return Ok(Some(*s)),
            Pass::Refused => return Ok(None),
            Pass::NotUtf8 => encoding = Enc::Other(encoding_rs::GB18030),
        }
    }
}

/// The text encoding of a pass.
#[derive(Debug, Clone, Copy)]
enum Enc {
    /// UTF-8 unless some byte says otherwise (a BOM decides, else a byte that is not
    /// UTF-8 ends the pass, and the file is read again as GB18030).
    Detect,
    Utf8,
    Other(&'static encoding_rs::Encoding),
}

/// How a pass ends.
enum Pass {
    /// The sums and the report of a usable file.
    Done(Box<Streamed>),
    /// The in-memory reader must read the file (and report its problems).
    Refused,
    /// The text is not UTF-8: read it again as GB18030.
    NotUtf8,
}
