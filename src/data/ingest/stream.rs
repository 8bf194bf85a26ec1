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

// A byte scanner: every index below is bounded by the loop that produces it
// (`i < n`, block and batch lengths), and the readers' tests compare every streamed
// figure with the in-memory reader's; checked access on each byte would cost the
// reader its speed. The no-panic lints otherwise hold in src/data.
#![allow(clippy::indexing_slicing)]

use super::{
    detect_delimiter, item_value, small_int, split_fields, weight_value, Assembler, Cell, ColState,
    Role,
};
use crate::data::validate::{
    required_respondents, Problem, ValidationReport, MAX_LISTED_STRAIGHT_LINERS,
    MISSING_WARNING_SHARE,
};
use crate::error::{Error, Result};
use crate::moments_stream::SufficientStats;
use crate::spec::Model;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

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

/// The sums of one batch: pooled, and per group key.
type Part = (SufficientStats, Vec<(Vec<String>, SufficientStats)>);

/// Records larger than this (e.g. an unclosed quote) stop the streaming reader.
const MAX_RECORD_BYTES: usize = 64 << 20;

/// Stream a CSV/TSV file into sufficient statistics. `Ok(None)` when the file is not
/// one the streaming reader takes (see the module docs): read it with
/// [`super::read_survey`] then, which reports its problems.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened or read.
pub fn stream_survey(
    path: &Path,
    model: &Model,
    opts: &super::IngestOptions,
    sopts: &StreamOptions,
) -> Result<Option<Streamed>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    let tsv = match ext.as_deref() {
        None | Some("csv") | Some("txt") | Some("dat") => false,
        Some("tsv") | Some("tab") => true,
        _ => return Ok(None),
    };
    // Without a declared encoding, the text is utf-8 unless some byte says otherwise;
    // then the whole file is gb18030 (as the in-memory reader decides).
    let mut encoding = match opts.encoding.as_deref() {
        None => Enc::Detect,
        Some(label) => {
            let l = label.trim().to_ascii_lowercase();
            match l.as_str() {
                "utf-8" | "utf8" => Enc::Utf8,
                "gbk" | "gb2312" | "gb18030" | "cp936" | "936" => Enc::Other(encoding_rs::GB18030),
                _ => match encoding_rs::Encoding::for_label(l.as_bytes()) {
                    Some(e) if e == encoding_rs::UTF_8 => Enc::Utf8,
                    Some(e) => Enc::Other(e),
                    None => return Ok(None),
                },
            }
        }
    };
    loop {
        match pass(path, model, opts, sopts, encoding, tsv)? {
            Pass::Done(s) => return Ok(Some(*s)),
            Pass::Refused => return Ok(None),
            Pass::NotUtf8 => encoding = Enc::Other(encoding_rs::GB18030),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Enc {
    Detect,
    Utf8,
    Other(&'static encoding_rs::Encoding),
}

enum Pass {
    Done(Box<Streamed>),
    Refused,
    NotUtf8,
}

/// Decoded text, block by block.
struct Source {
    file: std::fs::File,
    block: usize,
    raw: Vec<u8>,
    /// Undecoded bytes carried to the next block (a utf-8 sequence cut by the block).
    carry: Vec<u8>,
    decoder: Option<encoding_rs::Decoder>,
    /// Validate utf-8 (`Detect` or `Utf8`); an invalid byte ends the pass.
    check_utf8: bool,
    /// The encoding is detected (a BOM decides).
    detect: bool,
    /// The text started with a utf-8 byte-order mark.
    bom_utf8: bool,
    started: bool,
    eof: bool,
}

enum Read8 {
    /// Text appended.
    Text,
    /// The text is not utf-8.
    NotUtf8,
    /// The decoder reported malformed input.
    Bad,
}

impl Source {
    /// Append the next block's text to `out`.
    fn next(&mut self, out: &mut Vec<u8>) -> std::io::Result<Read8> {
        self.raw.clear();
        self.raw.extend_from_slice(&self.carry);
        self.carry.clear();
        let have = self.raw.len();
        self.raw.resize(have + self.block, 0);
        let mut got = 0usize;
        while got < self.block {
            let k = self.file.read(&mut self.raw[have + got..])?;
            if k == 0 {
                self.eof = true;
                break;
            }
            got += k;
        }
        self.raw.truncate(have + got);
        let mut bytes: &[u8] = &self.raw;
        if !self.started {
            self.started = true;
            if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
                if enc == encoding_rs::UTF_8 && self.check_utf8 {
                    bytes = &bytes[bom..];
                    self.bom_utf8 = true;
                } else if self.detect {
                    {
                        self.check_utf8 = false;
                        self.decoder = Some(enc.new_decoder_with_bom_removal());
                    }
                }
            }
        }
        if let Some(dec) = self.decoder.as_mut() {
            let cap = dec
                .max_utf8_buffer_length(bytes.len())
                .unwrap_or(bytes.len() * 3 + 16);
            let start = out.len();
            out.resize(start + cap, 0);
            let (res, _read, written, bad) = dec.decode_to_utf8(bytes, &mut out[start..], self.eof);
            out.truncate(start + written);
            if bad || !matches!(res, encoding_rs::CoderResult::InputEmpty) {
                return Ok(Read8::Bad);
            }
            return Ok(Read8::Text);
        }
        if self.check_utf8 {
            match std::str::from_utf8(bytes) {
                Ok(_) => out.extend_from_slice(bytes),
                Err(e) if e.error_len().is_none() && !self.eof => {
                    let ok = e.valid_up_to();
                    out.extend_from_slice(&bytes[..ok]);
                    self.carry.extend_from_slice(&bytes[ok..]);
                }
                Err(_) if self.bom_utf8 => return Ok(Read8::Bad),
                Err(_) => return Ok(Read8::NotUtf8),
            }
        } else {
            out.extend_from_slice(bytes);
        }
        Ok(Read8::Text)
    }
}

/// One record of the current text buffer: byte range, spreadsheet row, field count.
#[derive(Debug, Clone, Copy)]
struct Rec {
    start: usize,
    end: usize,
    row: usize,
    fields: usize,
    blank: bool,
}

/// Split `t` into records that end with `eol` outside quotes (as `super::scan_records`
/// does), the last one also without `eol` when `eof`. Returns the records and the bytes
/// consumed; `Err(())` for a quoted field never closed at the end of the file.
fn scan(
    t: &[u8],
    delim: u8,
    eol: u8,
    eof: bool,
    first_row: usize,
    recs: &mut Vec<Rec>,
) -> std::result::Result<usize, ()> {
    let n = t.len();
    let mut start = 0usize;
    let mut fields = 1usize;
    let mut i = 0usize;
    let mut row = first_row;
    let rec = |start: usize, end: usize, fields: usize, row: usize| Rec {
        start,
        end,
        row,
        fields,
        blank: fields == 1 && t[start..end].iter().all(|c| c.is_ascii_whitespace()),
    };
    while i < n {
        if t[i] == b'"' {
            let mut in_q = true;
            i += 1;
            while i < n {
                let c = t[i];
                if c == b'"' {
                    in_q = !in_q;
                } else if !in_q && (c == delim || c == eol) {
                    break;
                }
                i += 1;
            }
            if in_q {
                return if eof { Err(()) } else { Ok(start) };
            }
        } else {
            while i < n && t[i] != delim && t[i] != eol {
                i += 1;
            }
        }
        if i >= n {
            break;
        }
        if t[i] == delim {
            fields += 1;
            i += 1;
            continue;
        }
        recs.push(rec(start, i, fields, row));
        row += 1;
        i += 1;
        start = i;
        fields = 1;
    }
    if start < n {
        if eof {
            recs.push(rec(start, n, fields, row));
            return Ok(n);
        }
        return Ok(start);
    }
    Ok(n)
}

/// Call `f(column, text, quoted)` for each field of a record.
#[inline]
fn for_fields<'a>(rec: &'a [u8], delim: u8, mut f: impl FnMut(usize, &'a [u8], bool)) {
    let n = rec.len();
    let mut i = 0usize;
    let mut c = 0usize;
    loop {
        let begin = i;
        let quoted = i < n && rec[i] == b'"';
        if quoted {
            let mut in_q = true;
            i += 1;
            while i < n {
                let b = rec[i];
                if b == b'"' {
                    in_q = !in_q;
                } else if !in_q && b == delim {
                    break;
                }
                i += 1;
            }
        } else {
            while i < n && rec[i] != delim {
                i += 1;
            }
        }
        f(c, &rec[begin..i], quoted);
        c += 1;
        if i >= n {
            break;
        }
        i += 1;
    }
}

/// The text of a field (quotes removed, `""` read as `"`).
fn field_text(raw: &[u8], quoted: bool) -> Option<Cow<'_, str>> {
    let s = std::str::from_utf8(raw).ok()?;
    if !quoted {
        return Some(Cow::Borrowed(s));
    }
    let inner = s.strip_prefix('"').unwrap_or(s);
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    if inner.contains("\"\"") {
        Some(Cow::Owned(inner.replace("\"\"", "\"")))
    } else {
        Some(Cow::Borrowed(inner))
    }
}

/// Per-item statistics of the observed answers (shifted sums).
#[derive(Debug, Clone, Default)]
struct ItemAcc {
    cnt: usize,
    s1: f64,
    s2: f64,
    first: Option<(usize, f64)>,
    varies: bool,
    half: usize,
    first_half: Option<usize>,
}

/// What one batch of rows yields.
struct Batch {
    x: Vec<f64>,
    w: Option<Vec<f64>>,
    keys: Vec<Option<u32>>,
    key_names: Vec<Vec<String>>,
    states: Vec<ColState>,
    weight_state: ColState,
    items: Vec<ItemAcc>,
    usable: usize,
    straight: usize,
    straight_first: Vec<(usize, f64, u32)>,
}

struct Plan<'m> {
    model: &'m Model,
    rules: super::CellRules,
    roles: Vec<Role>,
    width: usize,
    delim: u8,
    strip_cr: bool,
    weighted: bool,
    weight_name: String,
    /// Source column -> position in the group key.
    by_col: Vec<Option<usize>>,
    n_by: usize,
    flips: Vec<Option<f64>>,
    integer_scale: Vec<bool>,
    min_obs: usize,
}

impl Plan<'_> {
    fn parse(&self, text: &[u8], recs: &[Rec], shift: Option<&[f64]>) -> Batch {
        let p = self.model.n_items();
        let b = recs.len();
        let mut x = vec![f64::NAN; b * p];
        let mut w = self.weighted.then(|| vec![f64::NAN; b]);
        let mut keys: Vec<Option<u32>> = Vec::with_capacity(if self.n_by > 0 { b } else { 0 });
        let mut key_index: HashMap<Vec<String>, u32> = HashMap::new();
        let mut key_names: Vec<Vec<String>> = Vec::new();
        let mut states: Vec<ColState> = (0..p).map(|_| ColState::default()).collect();
        let mut weight_state = ColState::default();
        let mut key: Vec<Option<String>> = vec![None; self.n_by];
        for (r, rec) in recs.iter().enumerate() {
            let mut line = &text[rec.start..rec.end];
            if self.strip_cr {
                line = line.strip_suffix(b"\r").unwrap_or(line);
            }
            let row = rec.row;
            let xr = &mut x[r * p..(r + 1) * p];
            for_fields(line, self.delim, |c, raw, quoted| {
                let Some(&role) = self.roles.get(c) else {
                    return;
                };
                match role {
                    Role::Item(k) => {
                        let st = &mut states[k];
                        let name = self.model.items[k].name.as_str();
                        let v = if raw.is_empty() {
                            item_value(&self.rules, k, name, row, Cell::Empty, st)
                        } else if let (false, Some(v)) = (quoted, small_int(raw)) {
                            item_value(&self.rules, k, name, row, Cell::Num(v), st)
                        } else {
                            match field_text(raw, quoted) {
                                Some(t) => {
                                    item_value(&self.rules, k, name, row, Cell::Text(&t), st)
                                }
                                None => {
                                    st.error(row, Problem::error("not valid text"));
                                    f64::NAN
                                }
                            }
                        };
                        xr[k] = v;
                    }
                    Role::Weight => {
                        if let Some(w) = w.as_mut() {
                            let cell = match field_text(raw, quoted) {
                                Some(t) if t.trim().is_empty() => weight_value(
                                    &self.weight_name,
                                    row,
                                    Cell::Empty,
                                    &mut weight_state,
                                ),
                                Some(t) => weight_value(
                                    &self.weight_name,
                                    row,
                                    Cell::Text(&t),
                                    &mut weight_state,
                                ),
                                None => {
                                    weight_state.error(row, Problem::error("not valid text"));
                                    f64::NAN
                                }
                            };
                            w[r] = cell;
                        }
                    }
                    Role::Extra(_) => {
                        if let Some(pos) = self.by_col.get(c).copied().flatten() {
                            key[pos] = field_text(raw, quoted)
                                .map(|t| t.trim().to_string())
                                .filter(|t| !t.is_empty());
                        }
                    }
                    Role::Ignored => {}
                }
            });
            if self.n_by > 0 {
                let k = if key.iter().all(Option::is_some) {
                    let kv: Vec<String> =
                        key.iter().map(|k| k.clone().unwrap_or_default()).collect();
                    let next = key_names.len() as u32;
                    let id = *key_index.entry(kv.clone()).or_insert_with(|| {
                        key_names.push(kv);
                        next
                    });
                    Some(id)
                } else {
                    None
                };
                keys.push(k);
                key.iter_mut().for_each(|k| *k = None);
            }
        }
        // item statistics, usable rows and straight-liners (raw answers)
        let mut items = vec![ItemAcc::default(); p];
        let mut usable = 0usize;
        let mut straight = 0usize;
        let mut straight_first = Vec::new();
        for (r, rec) in recs.iter().enumerate() {
            let xr = &x[r * p..(r + 1) * p];
            let mut obs = 0u32;
            let mut first = f64::NAN;
            let mut same = true;
            for (j, &v) in xr.iter().enumerate() {
                if v.is_nan() {
                    continue;
                }
                let it = &mut items[j];
                let c = shift.map_or(0.0, |s| s[j]);
                let d = v - c;
                it.s1 += d;
                it.s2 += d * d;
                match it.first {
                    None => it.first = Some((rec.row, v)),
                    Some((_, f)) if f != v => it.varies = true,
                    _ => {}
                }
                it.cnt += 1;
                if self.integer_scale[j] && (v as i64) as f64 != v {
                    it.half += 1;
                    if it.first_half.is_none() {
                        it.first_half = Some(rec.row);
                    }
                }
                let raw = match self.flips[j] {
                    Some(t) => t - v,
                    None => v,
                };
                if obs == 0 {
                    first = raw;
                } else if (raw - first).abs() > 1e-9 {
                    same = false;
                }
                obs += 1;
            }
            if obs > 0 {
                usable += 1;
            }
            if p >= 2 && obs as usize >= self.min_obs && same {
                straight += 1;
                if straight_first.len() < MAX_LISTED_STRAIGHT_LINERS {
                    straight_first.push((rec.row, first, obs));
                }
            }
        }
        Batch {
            x,
            w,
            keys,
            key_names,
            states,
            weight_state,
            items,
            usable,
            straight,
            straight_first,
        }
    }
}

fn pass(
    path: &Path,
    model: &Model,
    opts: &super::IngestOptions,
    sopts: &StreamOptions,
    encoding: Enc,
    tsv: bool,
) -> Result<Pass> {
    use rayon::prelude::*;
    let file = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut src = Source {
        file: f,
        block: sopts.block_bytes.max(1 << 12),
        raw: Vec::new(),
        carry: Vec::new(),
        decoder: match encoding {
            Enc::Other(e) => Some(e.new_decoder_with_bom_removal()),
            _ => None,
        },
        check_utf8: !matches!(encoding, Enc::Other(_)),
        detect: matches!(encoding, Enc::Detect),
        bom_utf8: false,
        started: false,
        eof: false,
    };
    let mut text: Vec<u8> = Vec::new();
    let read = |src: &mut Source, text: &mut Vec<u8>| -> Result<Option<Pass>> {
        match src.next(text).map_err(|e| Error::io(path, e))? {
            Read8::Text => Ok(None),
            Read8::NotUtf8 if matches!(encoding, Enc::Detect) => Ok(Some(Pass::NotUtf8)),
            Read8::NotUtf8 | Read8::Bad => Ok(Some(Pass::Refused)),
        }
    };
    if let Some(p) = read(&mut src, &mut text)? {
        return Ok(p);
    }
    if text.iter().all(|c| c.is_ascii_whitespace()) {
        return Ok(Pass::Refused);
    }
    // end of line: '\n' when the text has one (the first block must show it)
    let eol = if text.contains(&b'\n') {
        b'\n'
    } else if src.eof {
        b'\r'
    } else {
        return Ok(Pass::Refused);
    };
    // the header line (first non-blank line), for the delimiter
    let header_line: &[u8] = {
        let mut in_q = false;
        let mut s = 0usize;
        let mut line: &[u8] = &text;
        for (i, &c) in text.iter().enumerate() {
            if c == b'"' {
                in_q = !in_q;
            } else if c == eol && !in_q {
                let l = &text[s..i];
                if !l.iter().all(|c| c.is_ascii_whitespace()) {
                    line = l;
                    break;
                }
                s = i + 1;
            }
            if i + 1 == text.len() {
                if !src.eof {
                    return Ok(Pass::Refused);
                }
                line = &text[s..];
            }
        }
        line
    };
    let delim = opts
        .delimiter
        .unwrap_or_else(|| detect_delimiter(header_line, tsv));

    let mut asm = Assembler::new(file.clone(), model, opts);
    asm.rules.decimal_comma = delim != b',';
    let p = model.n_items();

    // records of the first block up to the header
    let mut recs: Vec<Rec> = Vec::new();
    let mut next_row = 1usize;
    let mut consumed;
    let mut header: Option<(Rec, Vec<String>)> = None;
    loop {
        recs.clear();
        consumed = match scan(&text, delim, eol, src.eof, next_row, &mut recs) {
            Ok(c) => c,
            Err(()) => return Ok(Pass::Refused),
        };
        next_row = recs.last().map_or(next_row, |r| r.row + 1);
        if let Some(h) = recs.iter().position(|r| !r.blank) {
            let hrec = recs[h];
            header = Some((hrec, split_fields(&text[hrec.start..hrec.end], delim)));
            recs.drain(..=h);
            break;
        }
        if src.eof {
            break;
        }
        text.drain(..consumed);
        if let Some(p) = read(&mut src, &mut text)? {
            return Ok(p);
        }
    }
    let Some((hrec, header)) = header else {
        return Ok(Pass::Refused);
    };
    let width = hrec.fields;
    asm.plan(&header, hrec.row, |c| format!("column {}", c + 1));
    if asm.fatal || asm.columns_bad || asm.report.has_errors() {
        return Ok(Pass::Refused);
    }
    // group columns: extra columns of the file
    let mut by_col = vec![None; asm.roles.len()];
    for (pos, name) in sopts.by.iter().enumerate() {
        let name = name.trim();
        let Some(e) = asm.extra_names.iter().position(|n| n == name) else {
            return Err(Error::data(
                crate::error::Location {
                    file: file.clone(),
                    column: Some(name.to_string()),
                    ..Default::default()
                },
                "no such column in the data (or it is an item or the weight column)",
            ));
        };
        if let Some(c) = asm.roles.iter().position(|r| *r == Role::Extra(e)) {
            by_col[c] = Some(pos);
        }
    }
    let plan = Plan {
        model,
        rules: std::mem::replace(&mut asm.rules, super::CellRules::new(model, opts)),
        roles: asm.roles.clone(),
        width,
        delim,
        strip_cr: eol == b'\n',
        weighted: asm.roles.contains(&Role::Weight),
        weight_name: opts
            .weight
            .as_deref()
            .unwrap_or("weight")
            .trim()
            .to_string(),
        by_col,
        n_by: sopts.by.len(),
        flips: (0..p)
            .map(|j| match (model.items.get(j), model.item_scale(j)) {
                (Some(it), Some(s)) if it.reverse => Some(s.min + s.max),
                _ => None,
            })
            .collect(),
        integer_scale: (0..p)
            .map(|j| {
                model
                    .item_scale(j)
                    .is_some_and(|s| s.min.fract() == 0.0 && s.max.fract() == 0.0)
            })
            .collect(),
        min_obs: 2usize.max(p.div_ceil(2)),
    };

    let items: Vec<String> = model.items.iter().map(|i| i.name.clone()).collect();
    let mut pooled: Option<SufficientStats> = None;
    let mut groups: BTreeMap<Vec<String>, SufficientStats> = BTreeMap::new();
    let mut ungrouped = 0usize;
    let mut n = 0usize;
    let mut usable = 0usize;
    let mut straight = 0usize;
    let mut straight_first: Vec<(usize, f64, u32)> = Vec::new();
    let mut item_acc = vec![ItemAcc::default(); p];
    let mut coded = vec![0usize; p];
    let mut oor = vec![0usize; p];
    let mut weight_total = 0.0f64;
    let batch_rows = sopts.batch_rows.max(1);
    loop {
        // the data records of this block
        let data: Vec<Rec> = recs.iter().copied().filter(|r| !r.blank).collect();
        if data.iter().any(|r| r.fields != plan.width) {
            return Ok(Pass::Refused);
        }
        if !data.is_empty() {
            let shift = pooled.as_ref().map(|s| s.center.clone());
            let mut batches: Vec<Batch> = data
                .par_chunks(batch_rows)
                .map(|chunk| plan.parse(&text, chunk, shift.as_deref()))
                .collect();
            if batches
                .iter()
                .any(|b| b.weight_state.n_errors > 0 || b.states.iter().any(|s| s.n_errors > 0))
            {
                return Ok(Pass::Refused);
            }
            if pooled.is_none() {
                // the centre of the sums: the first batch's observed means; the item
                // statistics of that batch are re-taken about it
                let first = &batches[0];
                let center = SufficientStats::center_of(&first.x, p);
                let mut s = SufficientStats::new(items.clone(), center.clone(), plan.weighted);
                if let Some(w) = &first.w {
                    s.weight_scale = SufficientStats::scale_for(w);
                }
                pooled = Some(s);
                batches = data
                    .par_chunks(batch_rows)
                    .map(|chunk| plan.parse(&text, chunk, Some(&center)))
                    .collect();
            }
            let Some(pool) = pooled.as_mut() else {
                return Ok(Pass::Refused);
            };
            // fold every batch (and its groups) in parallel, then add in batch order
            let template = pool.empty_like();
            let parts: Vec<Part> = batches
                .par_iter()
                .map(|b| {
                    let mut s = template.empty_like();
                    s.fold(&b.x, b.w.as_deref());
                    let mut g = Vec::new();
                    if plan.n_by > 0 {
                        let mut buckets: Vec<Vec<usize>> = vec![Vec::new(); b.key_names.len()];
                        for (i, k) in b.keys.iter().enumerate() {
                            if let Some(k) = k {
                                buckets[*k as usize].push(i);
                            }
                        }
                        for (name, rows) in b.key_names.iter().zip(&buckets) {
                            let mut xs = Vec::with_capacity(rows.len() * p);
                            for &i in rows {
                                xs.extend_from_slice(&b.x[i * p..(i + 1) * p]);
                            }
                            let ws: Option<Vec<f64>> =
                                b.w.as_ref().map(|w| rows.iter().map(|&i| w[i]).collect());
                            let mut gs = template.empty_like();
                            gs.fold(&xs, ws.as_deref());
                            g.push((name.clone(), gs));
                        }
                    }
                    (s, g)
                })
                .collect();
            for ((s, g), b) in parts.iter().zip(&batches) {
                pool.merge(s)?;
                for (name, gs) in g {
                    match groups.get_mut(name) {
                        Some(t) => t.merge(gs)?,
                        None => {
                            groups.insert(name.clone(), gs.clone());
                        }
                    }
                }
                ungrouped += b.keys.iter().filter(|k| k.is_none()).count();
                n += b.x.len() / p.max(1);
                usable += b.usable;
                straight += b.straight;
                for s in &b.straight_first {
                    if straight_first.len() < MAX_LISTED_STRAIGHT_LINERS {
                        straight_first.push(*s);
                    }
                }
                if let Some(w) = &b.w {
                    weight_total += w.iter().sum::<f64>();
                }
                for j in 0..p {
                    let (a, t) = (&mut item_acc[j], &b.items[j]);
                    a.cnt += t.cnt;
                    a.s1 += t.s1;
                    a.s2 += t.s2;
                    a.half += t.half;
                    if a.first_half.is_none() {
                        a.first_half = t.first_half;
                    }
                    match (a.first, t.first) {
                        (None, f) => a.first = f,
                        (Some((_, x)), Some((_, y))) if x != y => a.varies = true,
                        _ => {}
                    }
                    a.varies |= t.varies;
                    coded[j] += b.states[j].coded;
                    oor[j] += b.states[j].out_of_range;
                }
            }
        }
        if src.eof {
            break;
        }
        text.drain(..consumed);
        if text.len() > MAX_RECORD_BYTES {
            return Ok(Pass::Refused);
        }
        if let Some(p) = read(&mut src, &mut text)? {
            return Ok(p);
        }
        recs.clear();
        consumed = match scan(&text, delim, eol, src.eof, next_row, &mut recs) {
            Ok(c) => c,
            Err(()) => return Ok(Pass::Refused),
        };
        next_row = recs.last().map_or(next_row, |r| r.row + 1);
    }
    let Some(pooled) = pooled else {
        return Ok(Pass::Refused); // a header without respondent rows
    };
    if plan.weighted && !(weight_total > 0.0) {
        return Ok(Pass::Refused);
    }

    // the validation report, as the in-memory reader writes it for a usable file
    let mut report = asm.report;
    report.n_rows = n;
    let mut item_warnings = Vec::new();
    for j in 0..p {
        let a = &item_acc[j];
        let name = items[j].clone();
        let cnt = a.cnt;
        let missing = n - cnt;
        if cnt == 0 || !a.varies {
            return Ok(Pass::Refused); // empty or constant item: an error
        }
        if let Some(it) = report.items.get_mut(j) {
            let c = cnt as f64;
            it.n = cnt;
            it.missing = missing;
            it.out_of_range = oor[j];
            it.mean = Some(pooled.center[j] + a.s1 / c);
            it.sd = (cnt > 1).then(|| ((a.s2 - a.s1 * a.s1 / c).max(0.0) / (c - 1.0)).sqrt());
            it.cannot_answer = coded[j];
        }
        if missing as f64 > MISSING_WARNING_SHARE * n as f64 {
            item_warnings.push(
                Problem::warning(format!(
                    "{:.1}% missing ({missing} of {n}); more than {}% of the answers",
                    100.0 * missing as f64 / n as f64,
                    MISSING_WARNING_SHARE * 100.0
                ))
                .in_column(name.clone()),
            );
        }
        if a.half > 0 {
            let mut pb = Problem::warning(format!(
                "{} value(s) between the points of an integer scale (first in row {})",
                a.half,
                a.first_half.unwrap_or(0)
            ))
            .in_column(name.clone());
            if let Some(r) = a.first_half {
                pb = pb.at_row(r);
            }
            item_warnings.push(pb);
        }
    }
    report.n_usable = usable;
    report.straight_liners = straight;
    if usable < required_respondents(model) {
        return Ok(Pass::Refused);
    }
    for pb in item_warnings {
        report.push(pb);
    }
    for &(row, v, obs) in &straight_first {
        report.push(
            Problem::warning(format!(
                "straight-lining: the same answer {v} to all {obs} answered items"
            ))
            .at_row(row),
        );
    }
    if straight > MAX_LISTED_STRAIGHT_LINERS {
        let rest = straight - MAX_LISTED_STRAIGHT_LINERS;
        report.push(Problem::warning(format!(
            "straight-lining: {rest} more respondents answered every item identically ({straight} in all)"
        )));
    }
    if plan.rules.oor_missing {
        for j in 0..p {
            if oor[j] > 0 {
                let s = plan.rules.scales.get(j).copied().flatten();
                let scale = s
                    .map(|s| format!(" {}..{}", s.min, s.max))
                    .unwrap_or_default();
                report.push(
                    Problem::warning(format!(
                        "{} value(s) outside the scale{scale} read as missing (--out-of-range missing)",
                        oor[j]
                    ))
                    .in_column(items[j].clone()),
                );
            }
        }
    }
    crate::data::cannot_answer::assess(model, &mut report);
    report.sort();
    if report.has_errors() {
        return Ok(Pass::Refused);
    }
    Ok(Pass::Done(Box::new(Streamed {
        pooled,
        groups,
        ungrouped,
        report,
    })))
}
