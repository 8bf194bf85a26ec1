//! The file's text, block by block: decoded (or checked as UTF-8) as it is read.

use super::{Enc, Pass};
use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

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

/// What reading a block gave.
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
            let k = self
                .file
                .read(self.raw.get_mut(have + got..).unwrap_or_default())?;
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
                    bytes = bytes.get(bom..).unwrap_or_default();
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
            let (res, _read, written, bad) =
                dec.decode_to_utf8(bytes, out.get_mut(start..).unwrap_or_default(), self.eof);
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
                    let (valid, cut) = bytes.split_at(e.valid_up_to());
                    out.extend_from_slice(valid);
                    self.carry.extend_from_slice(cut);
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

/// The file being streamed: its decoded text from the first record not consumed yet.
pub(super) struct Reader<'p> {
    path: &'p Path,
    encoding: Enc,
    src: Source,
    /// The decoded text not consumed yet.
    pub(super) text: Vec<u8>,
}

impl<'p> Reader<'p> {
    /// Open `path` for a pass in `encoding`, read `block_bytes` (at least 4 KiB) at a
    /// time.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be opened.
    pub(super) fn open(path: &'p Path, encoding: Enc, block_bytes: usize) -> Result<Reader<'p>> {
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let src = Source {
            file: f,
            block: block_bytes.max(1 << 12),
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
        Ok(Reader {
            path,
            encoding,
            src,
            text: Vec::new(),
        })
    }

    /// Append the next block's text. `Some` ends the pass: the text is not UTF-8
    /// (read the file again as GB18030 when the encoding is detected) or not text in
    /// its encoding (the in-memory reader reports it).
    pub(super) fn read(&mut self) -> Result<Option<Pass>> {
        match self
            .src
            .next(&mut self.text)
            .map_err(|e| Error::io(self.path, e))?
        {
            Read8::Text => Ok(None),
            Read8::NotUtf8 if matches!(self.encoding, Enc::Detect) => Ok(Some(Pass::NotUtf8)),
            Read8::NotUtf8 | Read8::Bad => Ok(Some(Pass::Refused)),
        }
    }

    /// The whole file has been read.
    pub(super) fn eof(&self) -> bool {
        self.src.eof
    }

    /// Drop the first `n` bytes of the text (records already folded).
    pub(super) fn consume(&mut self, n: usize) {
        self.text.drain(..n.min(self.text.len()));
    }
}
