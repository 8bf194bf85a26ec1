//! The aggregates of a programme: industries, sectors and the nation, wave by wave.

use super::aggregate::{filled, weighted_mean, Member};
use super::hierarchy::{self, Hierarchy, SectorWeights};
use super::{Aggregate, CompanyWave, IndexEstimate, Level, Program, Status};
use nalgebra::DMatrix;
use std::collections::BTreeMap;

/// Industries, sectors and the nation, wave by wave (see [`aggregate`]).
pub(super) fn aggregates(p: &Program, h: &Hierarchy, sw: Option<&SectorWeights>) -> Vec<Aggregate> {
    let nw = p.waves.len();
    let mut out_ind: Vec<Aggregate> = Vec::new();
    let mut out_sec: Vec<Aggregate> = Vec::new();
    let mut out_nat: Vec<Aggregate> = Vec::new();
    for w in 0..nw {
        let filled_reps = filled_replicates(p, w);
        let ind_w = industries(p, h, w, &filled_reps);
        let sec_w = sectors(p, h, w, &ind_w);
        out_nat.push(national(p, h, sw, w, &sec_w));
        out_sec.extend(sec_w);
        out_ind.extend(ind_w);
    }
    // national, sectors, industries; each by name then wave
    out_sec.sort_by(|a, b| a.name.cmp(&b.name).then(a.wave.cmp(&b.wave)));
    out_ind.sort_by(|a, b| a.name.cmp(&b.name).then(a.wave.cmp(&b.wave)));
    out_nat.into_iter().chain(out_sec).chain(out_ind).collect()
}

/// The companies' filled replicates per construct in wave `w` (by cell), computed once
/// per wave.
fn filled_replicates(p: &Program, w: usize) -> BTreeMap<usize, Vec<Vec<f64>>> {
    let q = p.model.n_constructs();
    p.cells
        .iter()
        .enumerate()
        .filter(|(_, c)| c.wave == w && c.status == Status::Ok)
        .filter_map(|(k, c)| {
            c.replicates.as_ref().map(|m| {
                (
                    k,
                    (0..q)
                        .map(|j| filled(m, j, c.constructs[j].index))
                        .collect(),
                )
            })
        })
        .collect()
}

/// Every industry in wave `w`: the weighted mean of its companies.
fn industries(
    p: &Program,
    h: &Hierarchy,
    w: usize,
    filled_reps: &BTreeMap<usize, Vec<Vec<f64>>>,
) -> Vec<Aggregate> {
    let (q, nw, level) = (p.model.n_constructs(), p.waves.len(), p.options.level);
    let industries: Vec<&str> = h.industries();
    let mut ind_w: Vec<Aggregate> = Vec::new();
    for ind in &industries {
        let listed: Vec<&hierarchy::HierarchyEntry> =
            h.entries.iter().filter(|e| e.industry == *ind).collect();
        let cells: Vec<usize> = listed
            .iter()
            .filter_map(|e| {
                let c = p.companies.iter().position(|x| *x == e.company)?;
                let k = c * nw + w;
                (p.cells[k].status == Status::Ok).then_some(k)
            })
            .collect();
        let members_of = |j: usize| -> Vec<Member<'_>> {
            cells
                .iter()
                .filter(|&&k| p.cells[k].constructs[j].index.is_finite())
                .map(|&k| Member {
                    weight: h.get(&p.cells[k].company).map(|e| e.weight).unwrap_or(0.0),
                    estimate: p.cells[k].constructs[j].index,
                    replicates: filled_reps.get(&k).map(|v| v[j].as_slice()),
                })
                .collect()
        };
        let mut agg = build(Level::Industry, ind, w, q, level, members_of);
        agg.parent = h.sector_of(ind).map(str::to_string);
        agg.n_companies = cells.len();
        agg.n_listed = listed.len();
        agg.cells = cells;
        ind_w.push(agg);
    }
    ind_w
}

/// Every sector in wave `w`: the weighted mean of its industries.
fn sectors(p: &Program, h: &Hierarchy, w: usize, ind_w: &[Aggregate]) -> Vec<Aggregate> {
    let (q, level) = (p.model.n_constructs(), p.options.level);
    let sectors: Vec<&str> = h.sectors();
    let mut sec_w: Vec<Aggregate> = Vec::new();
    for sec in &sectors {
        let members: Vec<&Aggregate> = ind_w
            .iter()
            .filter(|a| a.parent.as_deref() == Some(*sec))
            .collect();
        let cols: Vec<Option<Vec<Vec<f64>>>> = members.iter().map(|a| columns(a, q)).collect();
        let members_of = |j: usize| -> Vec<Member<'_>> {
            members
                .iter()
                .zip(&cols)
                .filter(|(a, _)| a.constructs[j].index.is_finite())
                .map(|(a, c)| Member {
                    weight: a.weight[j],
                    estimate: a.constructs[j].index,
                    replicates: c.as_ref().map(|c| c[j].as_slice()),
                })
                .collect()
        };
        let mut agg = build(Level::Sector, sec, w, q, level, members_of);
        agg.cells = members.iter().flat_map(|a| a.cells.clone()).collect();
        agg.n_companies = agg.cells.len();
        agg.n_listed = members.iter().map(|a| a.n_listed).sum();
        for j in 0..q {
            agg.n_companies_construct[j] = members
                .iter()
                .filter(|a| a.constructs[j].index.is_finite())
                .map(|a| a.n_companies_construct[j])
                .sum();
        }
        sec_w.push(agg);
    }
    sec_w
}

/// The nation in wave `w`: the mean of the sectors, weighted by the sector weights
/// (default: the sectors' company weights).
fn national(
    p: &Program,
    h: &Hierarchy,
    sw: Option<&SectorWeights>,
    w: usize,
    sec_w: &[Aggregate],
) -> Aggregate {
    let (q, level) = (p.model.n_constructs(), p.options.level);
    let cols: Vec<Option<Vec<Vec<f64>>>> = sec_w.iter().map(|a| columns(a, q)).collect();
    let members_of = |j: usize| -> Vec<Member<'_>> {
        sec_w
            .iter()
            .zip(&cols)
            .filter(|(a, _)| a.constructs[j].index.is_finite())
            .map(|(a, c)| Member {
                weight: match sw {
                    Some(sw) => sw.get(&a.name).unwrap_or(0.0),
                    None => a.weight[j],
                },
                estimate: a.constructs[j].index,
                replicates: c.as_ref().map(|c| c[j].as_slice()),
            })
            .collect()
    };
    let mut nat = build(Level::National, "national", w, q, level, members_of);
    nat.cells = sec_w.iter().flat_map(|a| a.cells.clone()).collect();
    nat.n_companies = nat.cells.len();
    nat.n_listed = h.entries.len();
    for j in 0..q {
        nat.n_companies_construct[j] = sec_w
            .iter()
            .filter(|a| a.constructs[j].index.is_finite())
            .map(|a| a.n_companies_construct[j])
            .sum();
    }
    nat
}

/// The replicate columns of an aggregate.
fn columns(a: &Aggregate, q: usize) -> Option<Vec<Vec<f64>>> {
    a.replicates.as_ref().map(|m| {
        (0..q)
            .map(|j| m.column(j).iter().copied().collect())
            .collect()
    })
}

/// An aggregate from its members, construct by construct.
fn build<'a>(
    lvl: Level,
    name: &str,
    wave: usize,
    q: usize,
    level: f64,
    members_of: impl Fn(usize) -> Vec<Member<'a>>,
) -> Aggregate {
    let mut agg = Aggregate {
        level: lvl,
        name: name.to_string(),
        parent: None,
        wave,
        n_companies: 0,
        n_listed: 0,
        cells: Vec::new(),
        constructs: vec![IndexEstimate::NONE; q],
        n_companies_construct: vec![0; q],
        weight: vec![0.0; q],
        replicates: None,
    };
    let mut reps: Option<DMatrix<f64>> = None;
    for j in 0..q {
        let members = members_of(j);
        agg.n_companies_construct[j] = members.len();
        let Some((est, wsum, r)) = weighted_mean(&members) else {
            continue;
        };
        agg.weight[j] = wsum;
        if let Some(r) = &r {
            let m = reps.get_or_insert_with(|| DMatrix::from_element(r.len(), q, f64::NAN));
            for (i, v) in r.iter().enumerate().take(m.nrows()) {
                m[(i, j)] = *v;
            }
        }
        agg.constructs[j] = IndexEstimate::from_replicates(est, r, level);
    }
    agg.replicates = reps;
    agg
}

/// Replicate column `j` of a company-wave as the aggregates used it (filled).
pub(super) fn cell_filled(c: &CompanyWave, j: usize) -> Option<Vec<f64>> {
    c.replicates
        .as_ref()
        .map(|m| filled(m, j, c.constructs[j].index))
}
