//! Records and fields of a CSV/TSV text: quotes, delimiters, the header line.

/// One record (line, or several lines when a quoted field holds a line break).
#[derive(Debug, Clone, Copy)]
pub(super) struct Rec {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) fields: usize,
    pub(super) blank: bool,
}

/// A quoted field that is never closed: in the record after `recs` (so its row is
/// `recs.len() + 1`), field `field` (0-based).
#[derive(Debug, Default)]
pub(super) struct Unclosed {
    pub(super) field: usize,
    pub(super) recs: Vec<Rec>,
}

/// Where a scan of records stopped.
pub(super) enum ScanEnd {
    /// Every byte was read; the record that starts at `start` has no end of line
    /// after it (there is none when `start` is the length of the text), and `fields`
    /// fields so far.
    Open { start: usize, fields: usize },
    /// A quoted field, field `field` (0-based) of the record that starts at `start`,
    /// is not closed by the end of the text.
    Unclosed { start: usize, field: usize },
}

/// Split `t` into records that end with `eol` outside quotes, calling
/// `record(start, end, fields)` for each. Quotes follow polars' CSV reader: a field
/// that starts with `"` runs to the next delimiter or end of line outside quotes,
/// every `"` toggling.
pub(super) fn scan_with(
    t: &[u8],
    delim: u8,
    eol: u8,
    mut record: impl FnMut(usize, usize, usize),
) -> ScanEnd {
    let mut start = 0usize;
    let mut fields = 1usize;
    let mut i = 0usize;
    // Each pass of the loop reads one field, starting at `i`.
    while let Some(&first) = t.get(i) {
        if first == b'"' {
            let mut in_q = true;
            i += 1;
            while let Some(&c) = t.get(i) {
                if c == b'"' {
                    in_q = !in_q;
                } else if !in_q && (c == delim || c == eol) {
                    break;
                }
                i += 1;
            }
            if in_q {
                return ScanEnd::Unclosed {
                    start,
                    field: fields - 1,
                };
            }
        } else {
            while t.get(i).is_some_and(|&c| c != delim && c != eol) {
                i += 1;
            }
        }
        let Some(&c) = t.get(i) else {
            break;
        };
        if c == delim {
            fields += 1;
            i += 1;
            continue;
        }
        record(start, i, fields);
        i += 1;
        start = i;
        fields = 1;
    }
    ScanEnd::Open { start, fields }
}

/// A record of one field that is only white space (a blank line).
pub(super) fn is_blank(t: &[u8], start: usize, end: usize, fields: usize) -> bool {
    fields == 1
        && t.get(start..end)
            .unwrap_or_default()
            .iter()
            .all(|c| c.is_ascii_whitespace())
}

/// Split the text into records, counting fields (the rule of [`scan_with`]). `Err` =
/// a quoted field never closed (see [`Unclosed`]).
pub(super) fn scan_records(
    t: &[u8],
    delim: u8,
    eol: u8,
) -> std::result::Result<Vec<Rec>, Unclosed> {
    let n = t.len();
    let mut recs = Vec::with_capacity(n / 32 + 1);
    let rec = |start: usize, end: usize, fields: usize| Rec {
        start,
        end,
        fields,
        blank: is_blank(t, start, end, fields),
    };
    match scan_with(t, delim, eol, |start, end, fields| {
        recs.push(rec(start, end, fields))
    }) {
        ScanEnd::Unclosed { field, .. } => Err(Unclosed { field, recs }),
        ScanEnd::Open { start, fields } => {
            if start < n {
                recs.push(rec(start, n, fields));
            }
            Ok(recs)
        }
    }
}

/// The first non-blank line of `text` (its end of line outside quotes), and whether
/// an end of line ends it (false: it runs to the end of the text).
pub(super) fn first_line(text: &[u8], eol: u8) -> (&[u8], bool) {
    let mut in_q = false;
    let mut s = 0usize;
    for (i, &c) in text.iter().enumerate() {
        if c == b'"' {
            in_q = !in_q;
        } else if c == eol && !in_q {
            let l = text.get(s..i).unwrap_or_default();
            if !l.iter().all(|c| c.is_ascii_whitespace()) {
                return (l, true);
            }
            s = i + 1;
        }
    }
    (text.get(s..).unwrap_or_default(), false)
}

/// The name of field `field` (0-based) of the header line, `column N` when it is
/// empty.
pub(super) fn header_column(header_line: &[u8], delim: u8, field: usize) -> Option<String> {
    split_fields(header_line, delim)
        .into_iter()
        .nth(field)
        .map(|name| {
            if name.is_empty() {
                format!("column {}", field + 1)
            } else {
                name
            }
        })
}

/// Split one record into unquoted field texts (used for the header).
pub(super) fn split_fields(line: &[u8], delim: u8) -> Vec<String> {
    split_fields_flagged(line, delim)
        .into_iter()
        .map(|(t, _)| t)
        .collect()
}

/// Split one record into unquoted, trimmed field texts, each flagged when its quotes
/// are malformed: a `"` inside a cell that does not start with one, or text after
/// the closing quote of a quoted cell (`"7"x`). Such quotes are kept as text.
pub(super) fn split_fields_flagged(line: &[u8], delim: u8) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut i = 0usize;
    let n = line.len();
    loop {
        let begin = i;
        let mut quoted = false;
        let mut in_q = false;
        if line.get(i) == Some(&b'"') {
            quoted = true;
            in_q = true;
            i += 1;
        }
        while let Some(&c) = line.get(i) {
            if quoted && (in_q || c == b'"') {
                if c == b'"' {
                    in_q = !in_q;
                }
                i += 1;
                continue;
            }
            if c == delim {
                break;
            }
            i += 1;
        }
        let raw = line.get(begin..i).unwrap_or(&[]);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let (text, bad) = if quoted {
            let inner = raw.strip_prefix(b"\"").unwrap_or(raw);
            let closed = inner.strip_suffix(b"\"");
            let body = closed.unwrap_or(inner);
            // inside a well-formed quoted cell, quotes come in pairs
            let mut k = 0usize;
            let mut pairs_ok = true;
            while k < body.len() {
                if body.get(k) == Some(&b'"') {
                    if body.get(k + 1) != Some(&b'"') {
                        pairs_ok = false;
                        break;
                    }
                    k += 2;
                } else {
                    k += 1;
                }
            }
            (
                String::from_utf8_lossy(body).replace("\"\"", "\""),
                closed.is_none() || !pairs_ok,
            )
        } else {
            (
                String::from_utf8_lossy(raw).into_owned(),
                raw.contains(&b'"'),
            )
        };
        out.push((text.trim().to_string(), bad));
        if i >= n {
            break;
        }
        i += 1; // the delimiter
    }
    out
}

/// Pick the delimiter among `,` `;` tab `|` that occurs most often outside quotes in
/// the header line (ties: the order above, tab first for `.tsv`).
pub(super) fn detect_delimiter(header: &[u8], tsv: bool) -> u8 {
    let cands: [u8; 4] = if tsv {
        [b'\t', b',', b';', b'|']
    } else {
        [b',', b';', b'\t', b'|']
    };
    let mut counts = cands.map(|d| (d, 0usize));
    let mut in_q = false;
    for &c in header {
        if c == b'"' {
            in_q = !in_q;
        } else if !in_q {
            if let Some((_, n)) = counts.iter_mut().find(|(d, _)| *d == c) {
                *n += 1;
            }
        }
    }
    // the first of the most frequent (a tie keeps the earlier candidate)
    let (best, n) = counts.iter().fold(
        (cands[0], 0usize),
        |acc, &(d, n)| if n > acc.1 { (d, n) } else { acc },
    );
    if n == 0 {
        return cands[0];
    }
    best
}
