//! The drivers' importance by each ranking method, their ranks and how the rankings
//! agree.

use super::RANKING_METHODS;
use super::{importance_ranks, spearman, DriverRow, Dual, Outcome, RegressionResult};
use crate::analysis::Analysis;
use crate::ipma;
use crate::spec::Model;

/// SEM importance of each driver: its IPMA importance (the unstandardized total effect
/// on the 0-100 target); without an IPMA, the standardized total effect (with a note).
pub(super) fn sem(
    a: &Analysis,
    target: usize,
    drivers: &[usize],
    notes: &mut Vec<String>,
) -> Vec<Option<f64>> {
    match ipma::ipma(a, target, ipma::Split::Mean) {
        Ok(map) => drivers
            .iter()
            .map(|&j| {
                map.constructs
                    .iter()
                    .find(|r| r.construct == j)
                    .map(|r| r.importance)
            })
            .collect(),
        Err(e) => {
            notes.push(format!(
                "SEM importance is the standardized total effect ({e})"
            ));
            drivers
                .iter()
                .map(|&j| Some(a.fit.total[(j, target)]))
                .collect()
        }
    }
}

/// Dual-evaluation importance of each driver: the mean stated importance of its
/// attributes (none without dual evaluation or attributes).
pub(super) fn dual(model: &Model, dual: &Outcome<Dual>, drivers: &[usize]) -> Vec<Option<f64>> {
    drivers
        .iter()
        .map(|&j| {
            let d = dual.done()?;
            let v: Vec<f64> = d
                .items
                .iter()
                .zip(&d.importance)
                .filter(|(k, _)| model.items[**k].construct == j)
                .map(|(_, i)| *i)
                .collect();
            if v.is_empty() {
                None
            } else {
                Some(v.iter().sum::<f64>() / v.len() as f64)
            }
        })
        .collect()
}

/// Improved-dual weights and regression coefficients of the `k` drivers.
pub(super) fn regression(
    regression: &Outcome<RegressionResult>,
    k: usize,
) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
    match regression {
        Outcome::Done(r) => (
            (0..k).map(|d| r.weights.done().map(|v| v[d])).collect(),
            r.ols.beta.iter().map(|b| Some(*b)).collect(),
        ),
        Outcome::NotAvailable(_) => (vec![None; k], vec![None; k]),
    }
}

/// One row per driver: performance, importance and rank per method.
pub(super) fn driver_rows(
    a: &Analysis,
    drivers: &[usize],
    perf: &[f64],
    cols: &[Vec<Option<f64>>; 4],
) -> Vec<DriverRow> {
    let ranks: Vec<Vec<Option<usize>>> = cols.iter().map(|c| importance_ranks(c)).collect();
    drivers
        .iter()
        .enumerate()
        .map(|(d, &j)| DriverRow {
            construct: j,
            simple_performance: perf[d],
            sem_performance: a.indices.get(j).and_then(|ix| ix.value),
            importance: [cols[0][d], cols[1][d], cols[2][d], cols[3][d]],
            ranks: [ranks[0][d], ranks[1][d], ranks[2][d], ranks[3][d]],
        })
        .collect()
}

/// Spearman correlation of every two methods' importance over the `k` drivers both
/// rank (pairs with at least two drivers).
pub(super) fn rank_agreement(
    cols: &[Vec<Option<f64>>; 4],
    k: usize,
) -> Vec<(&'static str, &'static str, f64)> {
    let mut sp = Vec::new();
    for m1 in 0..4 {
        for m2 in (m1 + 1)..4 {
            let pairs: Vec<(f64, f64)> = (0..k)
                .filter_map(|d| Some((cols[m1][d]?, cols[m2][d]?)))
                .collect();
            if pairs.len() >= 2 {
                let (va, vb): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
                sp.push((RANKING_METHODS[m1], RANKING_METHODS[m2], spearman(&va, &vb)));
            }
        }
    }
    sp
}
