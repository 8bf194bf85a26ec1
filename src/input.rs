//! Opening input files safely: only regular files, and at most a stated size.
//!
//! A path that names a directory, a device (`/dev/zero`, `/dev/urandom`), a pipe
//! (FIFO) or a socket is refused before it is opened: reading `/dev/zero` would grow
//! memory without end, and opening a FIFO blocks until something writes to it. A
//! regular file larger than the cap of its kind ([`MAX_MODEL_BYTES`],
//! [`MAX_DATA_BYTES`]) is refused without reading it, and the reading itself stops
//! at the cap (a file that grows while it is read cannot exceed it).
//!
//! # Example
//! ```
//! use csi::input::{read_capped, Refusal};
//! let dir = tempfile::tempdir().map_err(|e| csi::Error::io("tempdir", e))?;
//! let path = dir.path().join("m.toml");
//! std::fs::write(&path, "name = \"x\"\n").map_err(|e| csi::Error::io(&path, e))?;
//! assert_eq!(read_capped(&path, 1024).ok(), Some(b"name = \"x\"\n".to_vec()));
//! assert!(matches!(read_capped(&path, 4), Err(Refusal::TooLarge { cap: 4, .. })));
//! assert!(matches!(read_capped(dir.path(), 1024), Err(Refusal::NotRegular(_))));
//! # Ok::<(), csi::Error>(())
//! ```
// No panics on any input (issue 10): unwrap, expect and panic are denied at the crate root;
// here indexing that can fail is denied too, outside tests.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Largest model file read (TOML or lavaan syntax): 16 MiB. A model of a thousand
/// constructs takes well under 1 MiB.
pub const MAX_MODEL_BYTES: u64 = 16 << 20;

/// Largest data file read: 4 GiB. The whole file is held in memory while it is
/// parsed; split larger surveys, or convert them to Parquet.
pub const MAX_DATA_BYTES: u64 = 4 << 30;

/// Why an input file is not read.
#[derive(Debug)]
pub enum Refusal {
    /// The path exists but is not a regular file; the text says what it is
    /// (`"a directory"`, `"a pipe (fifo)"`, `"a character device"`...).
    NotRegular(&'static str),
    /// The file is larger than the cap.
    TooLarge {
        /// The file's size in bytes (at least `cap + 1` when it grew while read).
        size: u64,
        /// The cap in bytes.
        cap: u64,
    },
    /// The file could not be opened or read.
    Io(std::io::Error),
}

impl Refusal {
    /// The refusal as a lowercase message (without the path), for a model or data
    /// error.
    ///
    /// ```
    /// use csi::input::Refusal;
    /// assert_eq!(
    ///     Refusal::NotRegular("a directory").message("data"),
    ///     "not a regular file but a directory; give the path of a data file"
    /// );
    /// ```
    pub fn message(&self, what: &str) -> String {
        match self {
            Refusal::NotRegular(kind) => {
                format!("not a regular file but {kind}; give the path of a {what} file")
            }
            Refusal::TooLarge { size, cap } => format!(
                "the {what} file is too large ({} bytes; at most {} bytes are read)",
                size, cap
            ),
            Refusal::Io(e) => e.to_string(),
        }
    }

    /// Convert to the library's error: [`crate::Error::Io`] for an I/O failure,
    /// otherwise the error `other` builds from the message.
    pub fn into_error(
        self,
        path: &Path,
        what: &str,
        other: impl FnOnce(String) -> crate::Error,
    ) -> crate::Error {
        match self {
            Refusal::Io(e) => crate::Error::io(path, e),
            r => other(r.message(what)),
        }
    }
}

/// What kind of file system object a non-regular file is.
fn kind_of(ft: &std::fs::FileType) -> &'static str {
    if ft.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a pipe (fifo)";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

/// Open `path` for reading when it is a regular file of at most `cap` bytes
/// (symbolic links are followed). Returns the file and its size.
///
/// # Errors
/// [`Refusal::NotRegular`], [`Refusal::TooLarge`], or [`Refusal::Io`] when the file
/// cannot be opened (absent, permission).
pub fn open_regular(path: &Path, cap: u64) -> Result<(File, u64), Refusal> {
    // stat before opening: opening a FIFO would block
    let meta = std::fs::metadata(path).map_err(Refusal::Io)?;
    if !meta.file_type().is_file() {
        return Err(Refusal::NotRegular(kind_of(&meta.file_type())));
    }
    if meta.len() > cap {
        return Err(Refusal::TooLarge {
            size: meta.len(),
            cap,
        });
    }
    let f = File::open(path).map_err(Refusal::Io)?;
    // the path may have been replaced between the two looks
    let meta = f.metadata().map_err(Refusal::Io)?;
    if !meta.file_type().is_file() {
        return Err(Refusal::NotRegular(kind_of(&meta.file_type())));
    }
    Ok((f, meta.len()))
}

/// Read a regular file of at most `cap` bytes.
///
/// # Errors
/// As [`open_regular`]; [`Refusal::TooLarge`] also when the file grew past the cap
/// while it was read.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, Refusal> {
    let (f, len) = open_regular(path, cap)?;
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    f.take(cap.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(Refusal::Io)?;
    let got = buf.len() as u64;
    if got > cap {
        return Err(Refusal::TooLarge { size: got, cap });
    }
    Ok(buf)
}

/// Read a regular file of at most `cap` bytes, with the library's errors:
/// [`crate::Error::Io`] when it cannot be opened or read, and a data error naming the
/// file when it is not a regular file or is too large. `what` names the kind of file
/// in the message (`"margins"`, `"hierarchy"`).
///
/// ```
/// let dir = tempfile::tempdir().map_err(|e| csi::Error::io("tempdir", e))?;
/// let err = csi::input::read_file(dir.path(), 1024, "hierarchy").unwrap_err();
/// assert!(err.to_string().contains("not a regular file but a directory"));
/// # Ok::<(), csi::Error>(())
/// ```
///
/// # Errors
/// As described above.
pub fn read_file(path: &Path, cap: u64, what: &str) -> crate::Result<Vec<u8>> {
    read_capped(path, cap).map_err(|r| {
        r.into_error(path, what, |m| {
            crate::Error::data(
                crate::error::Location {
                    file: path.display().to_string(),
                    ..Default::default()
                },
                m,
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn devices_are_refused_without_reading() {
        for (p, kind) in [
            ("/dev/zero", "a character device"),
            ("/dev/urandom", "a character device"),
            ("/", "a directory"),
        ] {
            let path = Path::new(p);
            if !path.exists() {
                continue;
            }
            match read_capped(path, 1 << 20) {
                Err(Refusal::NotRegular(k)) => assert_eq!(k, kind, "{p}"),
                other => panic!("{p}: {other:?}"),
            }
        }
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let r = read_capped(Path::new("/nonexistent/csi/x.csv"), 10);
        assert!(matches!(r, Err(Refusal::Io(e)) if e.kind() == std::io::ErrorKind::NotFound));
    }
}
