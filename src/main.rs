//! The `csi` command line: a table of contents. Each subcommand lives in `cli/`.
//!
//! Errors are printed once, with their whole context, and map to exit code 2; a
//! failed strictness check (e.g. `--strict` with non-convergence) is exit code 1.

use clap::Parser;
use std::process::ExitCode;

/// `println!` with control characters (and bidirectional overrides) in the text
/// made visible: names, labels and group names come from user files (issue 10,
/// item 7). Line feeds and tabs are kept.
macro_rules! println_safe {
    ($($arg:tt)*) => {
        println!("{}", csi::text_safety::terminal_multiline(&format!($($arg)*)))
    };
}

/// `eprintln!` with control characters made visible, as [`println_safe`].
macro_rules! eprintln_safe {
    ($($arg:tt)*) => {
        eprintln!("{}", csi::text_safety::terminal_multiline(&format!($($arg)*)))
    };
}

mod cli;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("csi: {}", csi::text_safety::terminal(&error_text(&err)));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each cause only when its text is not already part of
/// the message (a `csi::Error::Io` shows its OS error itself: printing the source
/// again gave "is a directory (os error 21): Is a directory (os error 21)"). The
/// caller makes control characters visible.
fn error_text(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let c = cause.to_string();
        if !text.to_lowercase().contains(&c.to_lowercase()) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    text
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
