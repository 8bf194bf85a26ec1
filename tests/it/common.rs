//! Shared helpers: tolerances, the reference folder, a tiny CSV reader for the
//! reference datasets (so reference tests do not depend on the ingester under test).
#![allow(dead_code)]

use std::path::PathBuf;

pub use csi::tol::{EXACT, REFERENCE_FIXED_POINT, REFERENCE_TOL6};

/// `../shared/reference` next to the checkout, or None (tests then skip with a reason).
pub fn reference_dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference");
    if d.join("README.md").exists() {
        Some(d)
    } else {
        None
    }
}

/// Print why a test is skipped. Written straight to the stderr handle, not with
/// `eprintln!`, so that the test harness does not capture it: a skipped reference
/// test always shows its reason in the `cargo test` output.
pub fn skip(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// Read a numeric CSV with a header; non-numeric columns are returned as text.
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    pub fn read(path: &std::path::Path) -> Csv {
        let text = std::fs::read_to_string(path).expect("reference csv readable");
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .unwrap()
            .split(',')
            .map(|s| s.trim().to_string())
            .collect();
        let rows = lines
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.split(',').map(|s| s.trim().to_string()).collect())
            .collect();
        Csv { header, rows }
    }

    /// Columns by name as an n x k matrix.
    pub fn matrix(&self, cols: &[String]) -> nalgebra::DMatrix<f64> {
        let idx: Vec<usize> = cols
            .iter()
            .map(|c| {
                self.header
                    .iter()
                    .position(|h| h == c)
                    .unwrap_or_else(|| panic!("column {c}"))
            })
            .collect();
        nalgebra::DMatrix::from_fn(self.rows.len(), idx.len(), |i, j| {
            self.rows[i][idx[j]].parse::<f64>().unwrap()
        })
    }
}

/// Assert |a - b| <= tol with a message naming what is compared.
#[track_caller]
pub fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:.15}, reference {want:.15}, difference {:.3e} > {tol:.0e}",
        (got - want).abs()
    );
}
