//! Changes between consecutive waves and each company against its industry.

use super::changes::{difference, DiffStat};
use super::rollup::cell_filled;
use super::{Change, Level, Program, Status, Versus};
use nalgebra::DMatrix;
use std::collections::BTreeSet;

/// Changes between consecutive waves: aggregates (national, sectors, industries),
/// then companies.
pub(super) fn changes_of(p: &Program) -> Vec<Change> {
    let nw = p.waves.len();
    let mut out = Vec::new();
    if nw < 2 {
        return out;
    }
    let mut units: Vec<(Level, &str)> = Vec::new();
    for a in &p.aggregates {
        if a.wave == 0 {
            units.push((a.level, a.name.as_str()));
        }
    }
    for (lvl, name) in units {
        aggregate_changes(p, lvl, name, &mut out);
    }
    company_changes(p, &mut out);
    out
}

/// Each company against its industry in the same wave.
pub(super) fn versus(p: &Program) -> Vec<Versus> {
    let q = p.model.n_constructs();
    let level = p.options.level;
    let mut out = Vec::new();
    for (k, c) in p.cells.iter().enumerate() {
        if c.status != Status::Ok {
            continue;
        }
        let Some(ind) = &c.industry else { continue };
        let Some(agg) = p.aggregate(Level::Industry, ind, c.wave) else {
            continue;
        };
        for j in 0..q {
            let (x, xi) = (c.constructs[j].index, agg.constructs[j].index);
            if !(x.is_finite() && xi.is_finite()) {
                continue;
            }
            out.push(Versus {
                company: c.company.clone(),
                cell: k,
                wave: c.wave,
                construct: j,
                industry: ind.clone(),
                stat: diff(x, xi, cell_filled(c, j), column(&agg.replicates, j), level),
                p_adjusted: f64::NAN,
                sole: agg.n_companies_construct[j] == 1,
            });
        }
    }
    out
}

/// The changes of one aggregate between consecutive waves, every construct.
fn aggregate_changes(p: &Program, lvl: Level, name: &str, out: &mut Vec<Change>) {
    let (q, nw, level) = (p.model.n_constructs(), p.waves.len(), p.options.level);
    for w in 1..nw {
        let (Some(a), Some(b)) = (p.aggregate(lvl, name, w - 1), p.aggregate(lvl, name, w)) else {
            continue;
        };
        let same = {
            let ca: BTreeSet<&str> = a
                .cells
                .iter()
                .map(|&k| p.cells[k].company.as_str())
                .collect();
            let cb: BTreeSet<&str> = b
                .cells
                .iter()
                .map(|&k| p.cells[k].company.as_str())
                .collect();
            ca == cb
        };
        for j in 0..q {
            let from = (a.constructs[j].index, &a.replicates);
            let to = (b.constructs[j].index, &b.replicates);
            out.extend(wave_change((lvl, name), w, j, from, to, level, Some(same)));
        }
    }
}

/// The changes of every company between consecutive waves, every construct.
fn company_changes(p: &Program, out: &mut Vec<Change>) {
    let (q, nw, level) = (p.model.n_constructs(), p.waves.len(), p.options.level);
    for (c, company) in p.companies.iter().enumerate() {
        for w in 1..nw {
            let a = &p.cells[c * nw + w - 1];
            let b = &p.cells[c * nw + w];
            if a.status != Status::Ok || b.status != Status::Ok {
                continue;
            }
            for j in 0..q {
                let from = (a.constructs[j].index, &a.replicates);
                let to = (b.constructs[j].index, &b.replicates);
                let unit = (Level::Company, company.as_str());
                out.extend(wave_change(unit, w, j, from, to, level, None));
            }
        }
    }
}

/// The change of construct `j` of a unit (level, name) from wave `w - 1` to wave `w`,
/// each given as (index, replicates), when both indices are defined.
fn wave_change(
    unit: (Level, &str),
    w: usize,
    j: usize,
    from: (f64, &Option<DMatrix<f64>>),
    to: (f64, &Option<DMatrix<f64>>),
    level: f64,
    same_companies: Option<bool>,
) -> Option<Change> {
    let ((xa, ra), (xb, rb)) = (from, to);
    if !(xa.is_finite() && xb.is_finite()) {
        return None;
    }
    Some(Change {
        level: unit.0,
        name: unit.1.to_string(),
        from: w - 1,
        to: w,
        construct: j,
        stat: diff(xb, xa, column(rb, j), column(ra, j), level),
        p_adjusted: f64::NAN,
        same_companies,
    })
}

/// Replicate column `j` of a replicate matrix.
fn column(m: &Option<DMatrix<f64>>, j: usize) -> Option<Vec<f64>> {
    m.as_ref()
        .map(|m| m.column(j).iter().copied().collect::<Vec<_>>())
}

/// The difference `x - y` with the replicates of both (when both have them).
fn diff(x: f64, y: f64, rx: Option<Vec<f64>>, ry: Option<Vec<f64>>, level: f64) -> DiffStat {
    let reps = match (&rx, &ry) {
        (Some(a), Some(b)) => Some((a.as_slice(), b.as_slice())),
        _ => None,
    };
    difference(x, y, reps, level)
}
