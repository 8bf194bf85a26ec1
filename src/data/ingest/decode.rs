//! Decoding a text file to UTF-8, and locating the first byte that is not text.

use super::records::{detect_delimiter, header_column, scan_records};
use super::unreadable;
use crate::error::{Error, Location, Result};

/// The encoding a `--encoding` label names (`gbk` and its relatives read as gb18030,
/// which contains them); `None` for an unknown label.
pub(super) fn encoding_for_label(label: &str) -> Option<&'static encoding_rs::Encoding> {
    let l = label.trim().to_ascii_lowercase();
    match l.as_str() {
        "utf-8" | "utf8" => Some(encoding_rs::UTF_8),
        "gbk" | "gb2312" | "gb18030" | "cp936" | "936" => Some(encoding_rs::GB18030),
        _ => encoding_rs::Encoding::for_label(l.as_bytes()),
    }
}

/// Decode the file to UTF-8. Returns the bytes and the offset where the text starts
/// (after a UTF-8 BOM). Bytes that are not text in the encoding are an error naming
/// the row and column of the first one (`delim`, `tsv`: as for the reader, to find
/// the column).
pub(super) fn decode(
    bytes: Vec<u8>,
    encoding: Option<&str>,
    file: &str,
    delim: Option<u8>,
    tsv: bool,
) -> Result<(Vec<u8>, usize)> {
    let bad = BadBytes { file, delim, tsv };
    match encoding {
        Some(label) => decode_declared(bytes, label, &bad),
        None => decode_detected(bytes, &bad),
    }
}

/// How to name the place of a byte that is not text.
struct BadBytes<'f> {
    file: &'f str,
    delim: Option<u8>,
    tsv: bool,
}

impl BadBytes<'_> {
    /// The error for byte `pos` of `bytes`: its row and column, and the byte.
    fn at(&self, bytes: &[u8], pos: usize, message: String) -> Error {
        let (row, column) = locate_raw(bytes, pos, self.delim, self.tsv);
        let what = match bytes.get(pos) {
            Some(b) => format!("byte 0x{b:02X}: "),
            None => String::new(),
        };
        Error::data(
            Location {
                file: self.file.to_string(),
                row: Some(row),
                column,
                value: None,
            },
            format!("{what}{message}"),
        )
    }
}

/// Decode with the encoding the user declared (`--encoding`).
fn decode_declared(bytes: Vec<u8>, label: &str, bad: &BadBytes<'_>) -> Result<(Vec<u8>, usize)> {
    let enc = encoding_for_label(label).ok_or_else(|| {
        Error::setting(
            "--encoding",
            format!(
                "unknown encoding '{}'; try utf-8, gbk or gb18030",
                crate::text_safety::shown(label)
            ),
        )
    })?;
    if enc == encoding_rs::UTF_8 {
        let off = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
            3
        } else {
            0
        };
        return match std::str::from_utf8(bytes.get(off..).unwrap_or(&[])) {
            Ok(_) => Ok((bytes, off)),
            Err(e) => Err(bad.at(
                &bytes,
                off + e.valid_up_to(),
                "not valid utf-8 text (--encoding utf-8 was given); try --encoding gbk".into(),
            )),
        };
    }
    let (text, malformed) = enc.decode_with_bom_removal(&bytes);
    if malformed {
        let name = enc.name().to_lowercase();
        let message = format!(
            "not valid {name} text (--encoding {})",
            crate::text_safety::shown(label)
        );
        return Err(match first_malformed_in(enc, &bytes) {
            Some(pos) if enc.is_ascii_compatible() => bad.at(&bytes, pos, message),
            _ => unreadable(bad.file, message),
        });
    }
    Ok((text.into_owned().into_bytes(), 0))
}

/// Decode without a declared encoding: a byte-order mark decides; else UTF-8 when
/// the whole file is UTF-8, else GB18030.
fn decode_detected(bytes: Vec<u8>, bad: &BadBytes<'_>) -> Result<(Vec<u8>, usize)> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(&bytes) {
        if enc == encoding_rs::UTF_8 {
            return match std::str::from_utf8(bytes.get(bom..).unwrap_or(&[])) {
                Ok(_) => Ok((bytes, bom)),
                Err(e) => Err(bad.at(
                    &bytes,
                    bom + e.valid_up_to(),
                    "the file starts with a utf-8 byte-order mark but is not valid utf-8".into(),
                )),
            };
        }
        let (text, malformed) = enc.decode_with_bom_removal(&bytes);
        if malformed {
            return Err(unreadable(
                bad.file,
                format!("not valid {} text", enc.name().to_lowercase()),
            ));
        }
        return Ok((text.into_owned().into_bytes(), 0));
    }
    if std::str::from_utf8(&bytes).is_ok() {
        return Ok((bytes, 0));
    }
    let (text, malformed) = encoding_rs::GB18030.decode_without_bom_handling(&bytes);
    if malformed {
        // The encoding that reads further is the file's likely one: name the first
        // byte it cannot read.
        let utf8_at = std::str::from_utf8(&bytes)
            .err()
            .map_or(0, |e| e.valid_up_to());
        let gbk_at = first_malformed_in(encoding_rs::GB18030, &bytes).unwrap_or(0);
        let (pos, name) = if utf8_at >= gbk_at {
            (utf8_at, "utf-8")
        } else {
            (gbk_at, "gbk/gb18030")
        };
        return Err(bad.at(
            &bytes,
            pos,
            format!("the text is neither utf-8 nor gbk/gb18030: it reads as {name} up to this byte; give its encoding with --encoding (e.g. windows-1252)"),
        ));
    }
    Ok((text.into_owned().into_bytes(), 0))
}

/// Offset of the first byte that is not text in `enc` (no BOM handling).
pub(super) fn first_malformed_in(
    enc: &'static encoding_rs::Encoding,
    bytes: &[u8],
) -> Option<usize> {
    use encoding_rs::DecoderResult;
    let mut dec = enc.new_decoder_without_bom_handling();
    let mut out = vec![0u8; 1 << 16];
    let mut pos = 0usize;
    loop {
        let rest = bytes.get(pos..)?;
        let (res, read, _) = dec.decode_to_utf8_without_replacement(rest, &mut out, true);
        match res {
            DecoderResult::InputEmpty => return None,
            DecoderResult::OutputFull => {
                if read == 0 {
                    return None;
                }
                pos += read;
            }
            DecoderResult::Malformed(bad, after) => {
                return Some((pos + read).saturating_sub(usize::from(bad) + usize::from(after)))
            }
        }
    }
}

/// Spreadsheet row and column name of byte `pos` of a raw (not yet decoded) text
/// file in an ASCII-compatible encoding. The header is the first non-blank record.
pub(super) fn locate_raw(
    bytes: &[u8],
    pos: usize,
    delim: Option<u8>,
    tsv: bool,
) -> (usize, Option<String>) {
    let eol = if bytes.contains(&b'\n') { b'\n' } else { b'\r' };
    let pos = pos.min(bytes.len());
    let line_end = bytes
        .get(pos..)
        .and_then(|r| r.iter().position(|&c| c == eol))
        .map_or(bytes.len(), |k| pos + k);
    let head = bytes.get(..line_end).unwrap_or(bytes);
    let by_lines = || head.iter().take(pos).filter(|&&c| c == eol).count() + 1;
    let Ok(recs) = scan_records(head, delim.unwrap_or(b','), eol) else {
        return (by_lines(), None);
    };
    let delim = match delim {
        Some(d) => d,
        None => {
            let first = recs
                .iter()
                .find(|r| !r.blank)
                .and_then(|r| head.get(r.start..r.end))
                .unwrap_or(&[]);
            detect_delimiter(first, tsv)
        }
    };
    let Ok(recs) = scan_records(head, delim, eol) else {
        return (by_lines(), None);
    };
    let Some(r) = recs.iter().position(|r| r.start <= pos && pos <= r.end) else {
        return (by_lines(), None);
    };
    let Some(h) = recs.iter().position(|r| !r.blank) else {
        return (r + 1, None);
    };
    if r <= h {
        return (r + 1, None);
    }
    // field index of `pos` within its record
    let rec = recs.get(r).copied();
    let field = rec
        .and_then(|rec| head.get(rec.start..pos))
        .map(|before| {
            let mut in_q = false;
            let mut k = 0usize;
            for &c in before {
                if c == b'"' {
                    in_q = !in_q;
                } else if c == delim && !in_q {
                    k += 1;
                }
            }
            k
        })
        .unwrap_or(0);
    let column = recs
        .get(h)
        .and_then(|hr| head.get(hr.start..hr.end))
        .and_then(|line| header_column(line, delim, field));
    (r + 1, column)
}
