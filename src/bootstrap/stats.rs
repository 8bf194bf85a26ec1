//! Which statistics a bootstrap resamples, and their values in one solution.

use crate::estimate::{EstimatorKind, Fitted};
use crate::moments::Moments;
use crate::spec::Model;
use crate::stat::Stat;

/// Every statistic of a PLS solution, in the order of the JSON document: paths (model
/// order), weights, loadings, total effects and indirect effects (pairs connected by a
/// path, row by row), specific indirect effects (every chain of mediators,
/// [`crate::estimate::mediation::chains`]), R² of the endogenous constructs, indices,
/// HTMT pairs (of two multi-item blocks: [`crate::quality::htmt_defined`]).
///
/// ```
/// use csi::spec::{ConstructSpec, Model};
/// use csi::stat::Stat;
/// let m = Model::from_parts("toy",
///     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1", "b2"])],
///     &[("A", "B")])?;
/// let s = csi::bootstrap::pls_stats(&m);
/// assert_eq!(s[0], Stat::Path { from: 0, to: 1 });
/// assert!(s.contains(&Stat::Index(1)) && s.contains(&Stat::Htmt { a: 0, b: 1 }));
/// assert!(!s.contains(&Stat::Indirect { from: 0, to: 1 })); // no path of two arrows
/// # Ok::<(), csi::Error>(())
/// ```
pub fn pls_stats(model: &Model) -> Vec<Stat> {
    let q = model.n_constructs();
    let p = model.n_items();
    let reach = model.reach();
    let mut v = Vec::new();
    v.extend(
        model
            .paths
            .iter()
            .map(|&(from, to)| Stat::Path { from, to }),
    );
    v.extend((0..p).map(Stat::Weight));
    v.extend((0..p).map(Stat::Loading));
    for from in 0..q {
        for to in 0..q {
            if reach.total(from, to) {
                v.push(Stat::Total { from, to });
            }
        }
    }
    for from in 0..q {
        for to in 0..q {
            if reach.indirect(from, to) {
                v.push(Stat::Indirect { from, to });
            }
        }
    }
    v.extend((0..crate::estimate::mediation::chains(model).list.len()).map(Stat::SpecificIndirect));
    v.extend((0..q).filter(|&j| model.is_endogenous(j)).map(Stat::R2));
    v.extend((0..q).map(Stat::Index));
    for a in 0..q {
        for b in (a + 1)..q {
            if crate::quality::htmt_defined(model, a, b) {
                v.push(Stat::Htmt { a, b });
            }
        }
    }
    v
}

/// The statistics resampled for an estimator: everything ([`pls_stats`]) for PLS;
/// paths, loadings, total and specific indirect effects and R² for PLSc and CB-SEM (their 0-100 indices
/// come from the PLS composites).
pub fn stats_for(kind: EstimatorKind, model: &Model) -> Vec<Stat> {
    let all = pls_stats(model);
    match kind {
        EstimatorKind::Pls => all,
        EstimatorKind::Plsc | EstimatorKind::Cbsem => all
            .into_iter()
            .filter(|s| {
                matches!(
                    s,
                    Stat::Path { .. }
                        | Stat::Loading(_)
                        | Stat::Total { .. }
                        | Stat::SpecificIndirect(_)
                        | Stat::R2(_)
                )
            })
            .collect(),
    }
}

/// The values of `stats` in one solution (`NaN` where undefined); `m` gives the
/// indicator correlations for HTMT.
pub(crate) fn values(
    model: &Model,
    view: &Fitted,
    m: &Moments,
    stats: &[Stat],
    out: &mut Vec<f64>,
) {
    out.clear();
    let needs_htmt = stats.iter().any(|s| matches!(s, Stat::Htmt { .. }));
    let needs_index = stats.iter().any(|s| matches!(s, Stat::Index(_)));
    let chains = stats
        .iter()
        .any(|s| matches!(s, Stat::SpecificIndirect(_)))
        .then(|| crate::estimate::mediation::chains(model).list);
    let cor = needs_htmt.then(|| m.correlation());
    let mono = cor
        .as_ref()
        .map(|r| crate::quality::monotrait_means(model, r));
    let index: Vec<Option<f64>> = match (needs_index, view.composite) {
        (true, Some(f)) => crate::index::indices(model, f)
            .into_iter()
            .map(|c| c.value)
            .collect(),
        _ => Vec::new(),
    };
    for s in stats {
        let v = match *s {
            Stat::Path { from, to } => view.paths[(from, to)],
            Stat::Weight(k) => view
                .weights
                .and_then(|w| w.get(k).copied())
                .unwrap_or(f64::NAN),
            Stat::Loading(k) => view.loadings[k],
            Stat::Total { from, to } => view.total[(from, to)],
            Stat::Indirect { from, to } => view.total[(from, to)] - view.paths[(from, to)],
            Stat::SpecificIndirect(k) => chains
                .as_ref()
                .and_then(|c| c.get(k))
                .map(|c| crate::estimate::mediation::effect(view.paths, c))
                .unwrap_or(f64::NAN),
            Stat::R2(j) => view.r2[j].unwrap_or(f64::NAN),
            Stat::Index(j) => index.get(j).copied().flatten().unwrap_or(f64::NAN),
            Stat::Htmt { a, b } => match (&cor, &mono) {
                (Some(r), Some(mo)) => crate::quality::htmt_pair(model, r, mo, a, b),
                _ => f64::NAN,
            },
            _ => f64::NAN,
        };
        out.push(v);
    }
}
