//! Output paths checked before any work starts (issue 10, item 4).
//!
//! Every command that writes files calls [`check_outputs`] with its input files and
//! its output flags before it reads the data: an output that is one of the inputs is
//! refused (csi never overwrites its inputs: `--json data.csv` used to replace the
//! data with a JSON document and exit 0), two outputs that name one file are refused,
//! and an output that cannot be written (missing folder, a directory, no permission)
//! is reported up front instead of after a long bootstrap. All of these are user
//! errors (exit 2) naming the flag and the path.
//!
//! Paths are compared canonically (symbolic links, `.`/`..`, relative and absolute
//! spellings); an output that does not exist yet is compared through its folder's
//! canonical path; on Unix a hard link to an input is caught by device and inode.
use std::path::{Path, PathBuf};

/// One input file of a command: what it is (`"data"`, `"model"`, `"hierarchy"`) and
/// its path.
pub type Input<'a> = (&'a str, &'a Path);

/// One output of a command: its flag (`"--json"`) and path. `-` (stdout) is not a
/// file and is skipped.
pub type Output<'a> = (&'a str, &'a Path);

/// Refuse outputs that are inputs, that collide, or that cannot be written; see the
/// module documentation. Inputs that do not exist are skipped here (reading them
/// reports it).
///
/// # Errors
/// [`csi::Error::Setting`] naming the output flag.
pub fn check_outputs(inputs: &[Input<'_>], outputs: &[Output<'_>]) -> csi::Result<()> {
    let inputs: Vec<(&str, &Path, Identity)> = inputs
        .iter()
        .filter_map(|&(what, p)| Some((what, p, identity(p)?)))
        .collect();
    let mut seen: Vec<(&str, &Path, Identity)> = Vec::new();
    for &(flag, path) in outputs {
        if path.as_os_str() == "-" {
            continue;
        }
        let shown = csi::text_safety::shown(&path.to_string_lossy()).into_owned();
        let Some(id) = identity(path) else {
            return Err(csi::Error::setting(
                flag,
                format!("cannot write '{shown}': {}", folder_problem(path)),
            ));
        };
        if let Some((what, p, _)) = inputs.iter().find(|(_, _, i)| i.same(&id)) {
            let input = csi::text_safety::shown(&p.to_string_lossy()).into_owned();
            let also = if input == shown {
                String::new()
            } else {
                format!(" '{input}'")
            };
            return Err(csi::Error::setting(
                flag,
                format!(
                    "'{shown}' is the {what} file{also} (an input); csi never overwrites its inputs: name a new file"
                ),
            ));
        }
        if let Some((other, _, _)) = seen.iter().find(|(_, _, i)| i.same(&id)) {
            return Err(csi::Error::setting(
                flag,
                format!("'{shown}' is also the file of {other}; give each output its own file"),
            ));
        }
        writable(path)
            .map_err(|why| csi::Error::setting(flag, format!("cannot write '{shown}': {why}")))?;
        seen.push((flag, path, id));
    }
    Ok(())
}

/// The outputs of a flag that names a folder (`csi simulate --out DIR`): the folder
/// must be a folder or not exist yet (it is created).
///
/// # Errors
/// [`csi::Error::Setting`] when `dir` exists and is not a folder.
pub fn check_output_dir(flag: &str, dir: &Path) -> csi::Result<()> {
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err(csi::Error::setting(
            flag,
            format!(
                "'{}' exists and is not a folder",
                csi::text_safety::shown(&dir.to_string_lossy())
            ),
        )),
        _ => Ok(()),
    }
}

/// Where a path points: its canonical path (for an absent file, its folder's
/// canonical path joined with its name) and, on Unix, the device and inode of an
/// existing file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    canonical: PathBuf,
    inode: Option<(u64, u64)>,
}

impl Identity {
    fn same(&self, other: &Identity) -> bool {
        self.canonical == other.canonical
            || matches!((self.inode, other.inode), (Some(a), Some(b)) if a == b)
    }
}

fn identity(p: &Path) -> Option<Identity> {
    if let Ok(c) = p.canonicalize() {
        return Some(Identity {
            canonical: c,
            inode: inode(p),
        });
    }
    let name = p.file_name()?;
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.canonicalize().ok()?,
        _ => std::env::current_dir().ok()?,
    };
    Some(Identity {
        canonical: parent.join(name),
        inode: None,
    })
}

#[cfg(unix)]
fn inode(p: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(p).ok()?;
    m.is_file().then(|| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn inode(_: &Path) -> Option<(u64, u64)> {
    None
}

/// Why an output path has no usable folder.
fn folder_problem(p: &Path) -> String {
    match p.parent() {
        _ if p.file_name().is_none() => "the path names no file".to_string(),
        Some(d) if !d.as_os_str().is_empty() => match std::fs::metadata(d) {
            Ok(m) if !m.is_dir() => format!(
                "'{}' is not a folder",
                csi::text_safety::shown(&d.to_string_lossy())
            ),
            Ok(_) => "its folder cannot be read".to_string(),
            Err(e) => format!(
                "the folder '{}' cannot be used ({})",
                csi::text_safety::shown(&d.to_string_lossy()),
                io_text(&e)
            ),
        },
        _ => "the current folder cannot be read".to_string(),
    }
}

/// The OS error as text, its first letter in lowercase ("is a directory (os error
/// 21)"); "it does not exist" for a missing folder.
fn io_text(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        return "it does not exist".to_string();
    }
    let t = e.to_string();
    let mut c = t.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => t,
    }
}

/// Can `p` be written? An existing file is opened for appending (its content and
/// time stamps are not changed); an absent one is created and removed again.
fn writable(p: &Path) -> Result<(), String> {
    match std::fs::metadata(p) {
        // /dev/null, a terminal or a pipe: written as a stream
        Ok(m) if !m.is_file() && !m.is_dir() => Ok(()),
        // a directory: the OS says "is a directory"
        Ok(_) => std::fs::OpenOptions::new()
            .append(true)
            .open(p)
            .map(|_| ())
            .map_err(|e| io_text(&e)),
        Err(_) => match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(p)
        {
            Ok(f) => {
                drop(f);
                let _ = std::fs::remove_file(p);
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err("it cannot be created there".to_string())
            }
            Err(e) => Err(format!("it cannot be created ({})", io_text(&e))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_that_is_an_input_is_refused_by_any_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.csv");
        std::fs::write(&data, "a\n1\n").unwrap();
        let other = dir.path().join("sub");
        std::fs::create_dir(&other).unwrap();
        let dotted = other.join("..").join("data.csv");
        let e = check_outputs(&[("data", &data)], &[("--json", &dotted)]).unwrap_err();
        let m = e.to_string();
        assert!(m.contains("--json") && m.contains("data file"), "{m}");
        assert_eq!(std::fs::read_to_string(&data).unwrap(), "a\n1\n");
        // a new file beside it is fine, and is not left behind by the check
        let out = dir.path().join("out.json");
        check_outputs(&[("data", &data)], &[("--json", &out)]).unwrap();
        assert!(!out.exists());
    }

    #[cfg(unix)]
    #[test]
    fn links_to_an_input_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.csv");
        std::fs::write(&data, "a\n1\n").unwrap();
        let sym = dir.path().join("sym.json");
        std::os::unix::fs::symlink(&data, &sym).unwrap();
        let hard = dir.path().join("hard.json");
        std::fs::hard_link(&data, &hard).unwrap();
        for out in [&sym, &hard] {
            assert!(check_outputs(&[("data", &data)], &[("--chart", out)]).is_err());
        }
    }

    #[test]
    fn two_outputs_in_one_file_and_unwritable_paths_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.svg");
        let e = check_outputs(&[], &[("--chart", &a), ("--path-chart", &a)]).unwrap_err();
        assert!(e.to_string().contains("also the file of --chart"), "{e}");
        let missing = dir.path().join("no").join("x.json");
        let e = check_outputs(&[], &[("--json", &missing)]).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        let e = check_outputs(&[], &[("--json", dir.path())]).unwrap_err();
        assert!(e.to_string().contains("is a directory"), "{e}");
        // stdout is not a file
        check_outputs(&[], &[("--json", Path::new("-"))]).unwrap();
    }
}
