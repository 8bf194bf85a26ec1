//! A programme simulator (`csi simulate`): companies in industries in sectors,
//! surveyed in waves, with planted true changes, from a population model and a seed;
//! the true company and aggregate indices come with the data.
//!
//! # Population
//! Every company-wave draws its respondents from the project's population model
//! ([`crate::simulate::Population`]: standardized paths, common-factor items with one
//! loading `l`), and answers are `x_k = clamp(round(μ + σ (z_k + s_j l)), min, max)`
//! ([`crate::simulate::to_scale`]), where `s_j` is the company-wave's latent mean shift
//! of the item's construct `j`:
//! ```text
//! s_cjt = u_industry(c) + v_c + e_cj + planted_cjt
//! u ~ N(0, industry_sd²),  v ~ N(0, company_sd²),  e ~ N(0, construct_sd²)
//! ```
//! A share of the companies get a planted change at one wave (the same from then on)
//! of exactly `±change` true index points in each construct of `change_constructs`;
//! all other true changes are exactly zero.
//!
//! # The true index
//! The estimator's population value: the index of the population item means with the
//! population's normalised weights. Within a construct every item has the same
//! loading, mean and scale, so the items are exchangeable and the population PLS
//! weights of a block are equal (whatever the scheme), i.e. `w~_k = 1/K`. The true
//! index is then the rescaled expected answer, computed exactly from the normal
//! distribution (no simulation):
//! ```text
//! a = μ + σ l s,  X = clamp(round(a + σ Z)),  Z ~ N(0, 1)
//! P(X = min) = Φ((min + ½ - a)/σ),  P(X = max) = 1 - Φ((max - ½ - a)/σ)
//! P(X = v)   = Φ((v + ½ - a)/σ) - Φ((v - ½ - a)/σ)            (min < v < max)
//! true index = (E[X] - min) / (max - min) · 100
//! ```
//! A planted change of `Δ` points solves `T(s + δ) - T(s) = Δ` for the latent shift `δ`
//! by bisection (to 1e-12 points). The true aggregates are the contract's weighted
//! means of the true company indices, with the written company and sector weights.
//!
//! # Example
//! ```
//! use csi::program::simulate::{SimSpec, SimProgramme};
//! let model = csi::spec::read_model(concat!(env!("CARGO_MANIFEST_DIR"), "/models/ccsi.toml").as_ref())?;
//! let spec = SimSpec { companies: 6, industries: 3, sectors: 2, waves: 2, n: 50, change_share: 0.5, ..Default::default() };
//! let sim = SimProgramme::generate(&model, &spec)?;
//! assert_eq!(sim.companies.len(), 6);
//! assert_eq!(sim.planted.len(), 3);
//! let sat = model.construct_index("SAT").unwrap();
//! for p in &sim.planted {
//!     let c = sim.companies.iter().position(|c| c.name == p.company).unwrap();
//!     let d = sim.truth[c][p.to][sat] - sim.truth[c][p.from][sat];
//!     assert!((d.abs() - 4.0).abs() < 1e-9);
//! }
//! assert_eq!(sim.respondents(&model, 0, 0)?.shape(), (50, 27));
//! # Ok::<(), csi::Error>(())
//! ```

use super::estimate::cell_seed;
use super::Level;
use crate::error::{Error, Result};
use crate::simulate::{to_scale, Measurement, Population, CCSI_PATHS};
use crate::spec::{Model, Scale};
use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal as NormalDist};
use statrs::distribution::{ContinuousCDF, Normal};
use std::io::Write;
use std::path::Path;

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct SimSpec {
    /// Companies (default 40).
    pub companies: usize,
    /// Industries (default 8); companies are dealt to industries in turn.
    pub industries: usize,
    /// Sectors (default 3); industries are dealt to sectors in turn.
    pub sectors: usize,
    /// Waves (default 2).
    pub waves: usize,
    /// Respondents per company-wave (default 250).
    pub n: usize,
    /// Seed (default 42).
    pub seed: u64,
    /// Common loading of every item (default 0.8).
    pub loading: f64,
    /// Answer mean μ (default: min + 2/3 (max - min), 7 on 1-10).
    pub mean: Option<f64>,
    /// Answer sd σ (default: (max - min) / 6, 1.5 on 1-10).
    pub sd: Option<f64>,
    /// Sd of the industries' latent shifts (default 0.25).
    pub industry_sd: f64,
    /// Sd of the companies' latent shifts (default 0.25).
    pub company_sd: f64,
    /// Sd of a company's construct-specific shifts (default 0.1).
    pub construct_sd: f64,
    /// Share of companies with a planted change (default 0.25).
    pub change_share: f64,
    /// Size of a planted change in true index points (default 4).
    pub change: f64,
    /// Constructs that change (default: `SAT`, else the last construct).
    pub change_constructs: Vec<String>,
}

impl Default for SimSpec {
    fn default() -> Self {
        SimSpec {
            companies: 40,
            industries: 8,
            sectors: 3,
            waves: 2,
            n: 250,
            seed: crate::bootstrap::DEFAULT_SEED,
            loading: 0.8,
            mean: None,
            sd: None,
            industry_sd: 0.25,
            company_sd: 0.25,
            construct_sd: 0.1,
            change_share: 0.25,
            change: 4.0,
            change_constructs: Vec::new(),
        }
    }
}

/// A simulated company.
#[derive(Debug, Clone, PartialEq)]
pub struct SimCompany {
    /// Name (`C001`, ...).
    pub name: String,
    /// Industry (`I01`, ...).
    pub industry: String,
    /// Sector (`S01`, ...).
    pub sector: String,
    /// Size weight (revenue).
    pub weight: f64,
}

/// A planted change.
#[derive(Debug, Clone, PartialEq)]
pub struct Planted {
    /// Company.
    pub company: String,
    /// Wave before the change (position).
    pub from: usize,
    /// Wave of the change (position).
    pub to: usize,
    /// Construct (model order).
    pub construct: usize,
    /// True change in index points.
    pub size: f64,
}

/// A simulated programme: design, latent shifts and the truth.
#[derive(Debug, Clone)]
pub struct SimProgramme {
    /// The spec.
    pub spec: SimSpec,
    /// Item scale.
    pub scale: Scale,
    /// Answer mean μ.
    pub mean: f64,
    /// Answer sd σ.
    pub sd: f64,
    /// Companies.
    pub companies: Vec<SimCompany>,
    /// Sectors with their weights (shares).
    pub sectors: Vec<(String, f64)>,
    /// Wave names (`W1`, ...).
    pub waves: Vec<String>,
    /// Latent shifts `[company][wave][construct]`.
    pub shifts: Vec<Vec<Vec<f64>>>,
    /// True indices `[company][wave][construct]`.
    pub truth: Vec<Vec<Vec<f64>>>,
    /// Planted changes.
    pub planted: Vec<Planted>,
    /// The population (paths, loadings).
    pub population: Population,
    /// The population paths used `(from, to, value)`.
    pub paths: Vec<(String, String, f64)>,
}

/// The population paths for a model: the CCSI values when the model has exactly the
/// CCSI paths, else `0.5 / k` on each of the k paths into a construct.
fn paths_for(model: &Model) -> Vec<(String, String, f64)> {
    let names = model.path_names();
    let ccsi = names.len() == CCSI_PATHS.len()
        && names
            .iter()
            .all(|(a, b)| CCSI_PATHS.iter().any(|(x, y, _)| x == a && y == b));
    if ccsi {
        return CCSI_PATHS
            .iter()
            .map(|(a, b, v)| (a.to_string(), b.to_string(), *v))
            .collect();
    }
    model
        .paths
        .iter()
        .map(|&(a, b)| {
            let k = model.predecessors(b).len().max(1) as f64;
            (
                model.constructs[a].name.clone(),
                model.constructs[b].name.clone(),
                0.5 / k,
            )
        })
        .collect()
}

fn width(n: usize) -> usize {
    n.max(1).to_string().len().max(2)
}

/// Expected rescaled answer: the true index of a construct with latent shift `s`.
fn true_index(scale: Scale, mean: f64, sd: f64, loading: f64, s: f64) -> f64 {
    let Ok(norm) = Normal::new(0.0, 1.0) else {
        return f64::NAN;
    };
    let a = mean + sd * loading * s;
    let (lo, hi) = (scale.min as i64, scale.max as i64);
    let cdf = |v: f64| norm.cdf((v - a) / sd);
    let mut e = 0.0;
    for v in lo..=hi {
        let vf = v as f64;
        let p = if v == lo {
            cdf(vf + 0.5)
        } else if v == hi {
            1.0 - cdf(vf - 0.5)
        } else {
            cdf(vf + 0.5) - cdf(vf - 0.5)
        };
        e += vf * p;
    }
    scale.to_100(e)
}

/// The answer model: the common integer scale, the mean answer and its sd, and the
/// loading; gives a construct's true index for a latent shift.
#[derive(Debug, Clone, Copy)]
struct AnswerModel {
    scale: Scale,
    mean: f64,
    sd: f64,
    loading: f64,
}

impl AnswerModel {
    /// The true index of a construct with latent shift `s`.
    fn index(&self, s: f64) -> f64 {
        true_index(self.scale, self.mean, self.sd, self.loading, s)
    }
}

fn bad(flag: &str, m: String) -> Error {
    Error::setting(flag, m)
}

/// The counts, sizes and sds of a spec (see [`SimProgramme::generate`]).
fn check_spec(model: &Model, spec: &SimSpec) -> Result<()> {
    if spec.companies == 0 {
        return Err(bad("--companies", "must be at least 1".into()));
    }
    if spec.industries == 0 || spec.industries > spec.companies {
        return Err(bad(
            "--industries",
            format!(
                "must be between 1 and the number of companies ({}), got {}",
                spec.companies, spec.industries
            ),
        ));
    }
    if spec.sectors == 0 || spec.sectors > spec.industries {
        return Err(bad(
            "--sectors",
            format!(
                "must be between 1 and the number of industries ({}), got {}",
                spec.industries, spec.sectors
            ),
        ));
    }
    if spec.waves == 0 {
        return Err(bad("--waves", "must be at least 1".into()));
    }
    let need = crate::data::required_respondents(model);
    if spec.n < need {
        return Err(bad(
            "--n",
            format!(
                "the model needs at least {need} respondents per company-wave, got {}",
                spec.n
            ),
        ));
    }
    if !(spec.change_share >= 0.0 && spec.change_share <= 1.0) {
        return Err(bad(
            "--change-share",
            format!("must be between 0 and 1, got {}", spec.change_share),
        ));
    }
    if !spec.change.is_finite() || spec.change < 0.0 {
        return Err(bad(
            "--change",
            format!(
                "must be a non-negative number of index points, got {}",
                spec.change
            ),
        ));
    }
    for (flag, v) in [
        ("--industry-sd", spec.industry_sd),
        ("--company-sd", spec.company_sd),
        ("--construct-sd", spec.construct_sd),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(bad(flag, format!("must be a non-negative number, got {v}")));
        }
    }
    Ok(())
}

/// One common integer scale for every item, and the mean and sd of the answers.
fn answer_model(model: &Model, spec: &SimSpec) -> Result<AnswerModel> {
    let scale = model.item_scale(0).ok_or_else(|| {
        bad(
            "--model",
            "the model declares no [scale]; the simulator needs one".into(),
        )
    })?;
    for k in 0..model.n_items() {
        if model.item_scale(k) != Some(scale) {
            return Err(bad(
                "--model",
                format!(
                    "item '{}' has its own scale; the simulator needs one scale for every item",
                    model.items[k].name
                ),
            ));
        }
    }
    if scale.min.fract() != 0.0 || scale.max.fract() != 0.0 {
        return Err(bad(
            "--model",
            "the simulator needs an integer scale (e.g. 1-10)".into(),
        ));
    }
    let range = scale.max - scale.min;
    let mean = spec.mean.unwrap_or(scale.min + range * 2.0 / 3.0);
    let sd = spec.sd.unwrap_or(range / 6.0);
    if !(sd > 0.0 && sd.is_finite() && mean.is_finite()) {
        return Err(bad("--sd", format!("must be a positive number, got {sd}")));
    }
    Ok(AnswerModel {
        scale,
        mean,
        sd,
        loading: spec.loading,
    })
}

/// The constructs that change: the spec's, else `SAT`, else the last construct.
fn change_constructs(model: &Model, spec: &SimSpec) -> Result<Vec<usize>> {
    let q = model.n_constructs();
    Ok(if spec.change_constructs.is_empty() {
        vec![model
            .constructs
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case("SAT"))
            .unwrap_or(q - 1)]
    } else {
        spec.change_constructs
            .iter()
            .map(|n| {
                model.construct_index(n.trim()).ok_or_else(|| {
                    bad(
                        "--change-construct",
                        format!("no construct '{n}' in the model"),
                    )
                })
            })
            .collect::<Result<_>>()?
    })
}

/// Sectors, industries and companies (names, sector weights, company sizes) and each
/// company's latent shift per construct, drawn from `rng`; also the wave names.
#[allow(clippy::type_complexity)]
fn draw_design(
    model: &Model,
    spec: &SimSpec,
    rng: &mut ChaCha8Rng,
) -> Result<(
    Vec<String>,
    Vec<(String, f64)>,
    Vec<SimCompany>,
    Vec<Vec<f64>>,
)> {
    let q = model.n_constructs();
    let (wc, wi, ws) = (
        width(spec.companies + 1),
        width(spec.industries + 1),
        width(spec.sectors + 1),
    );
    let wwave = if spec.waves >= 10 { 2 } else { 1 };
    let waves: Vec<String> = (1..=spec.waves).map(|t| format!("W{t:0wwave$}")).collect();
    let sector_name = |s: usize| format!("S{:0ws$}", s + 1);
    let industry_name = |i: usize| format!("I{:0wi$}", i + 1);

    let std =
        |sd: f64| NormalDist::new(0.0, sd.max(0.0)).map_err(|e| bad("population", e.to_string()));
    let (n_ind, n_sec) = (std(spec.industry_sd)?, std(spec.company_sd)?);
    let n_con = std(spec.construct_sd)?;
    let size_dist = std(0.75)?;
    let industry_shift: Vec<f64> = (0..spec.industries).map(|_| n_ind.sample(rng)).collect();
    let sectors: Vec<(String, f64)> = {
        let raw: Vec<f64> = (0..spec.sectors)
            .map(|_| rng.random_range(0.5..1.5))
            .collect();
        let total: f64 = raw.iter().sum();
        (0..spec.sectors)
            .map(|s| {
                (
                    sector_name(s),
                    ((raw[s] / total) * 1e4).round().max(1.0) / 1e4,
                )
            })
            .collect()
    };
    let mut companies = Vec::with_capacity(spec.companies);
    let mut base: Vec<Vec<f64>> = Vec::with_capacity(spec.companies);
    for c in 0..spec.companies {
        let i = c % spec.industries;
        let s = i % spec.sectors;
        let v: f64 = n_sec.sample(rng);
        let weight = (size_dist.sample(rng).exp() * 100.0 * 100.0)
            .round()
            .max(1.0)
            / 100.0;
        companies.push(SimCompany {
            name: format!("C{:0wc$}", c + 1),
            industry: industry_name(i),
            sector: sector_name(s),
            weight,
        });
        base.push(
            (0..q)
                .map(|_| industry_shift[i] + v + n_con.sample(rng))
                .collect(),
        );
    }
    Ok((waves, sectors, companies, base))
}

/// The planted changes: a seeded choice of companies, a wave and a sign each; the
/// latent shift of every company, wave and construct.
#[allow(clippy::type_complexity)]
fn plant_changes(
    spec: &SimSpec,
    ans: AnswerModel,
    companies: &[SimCompany],
    base: &[Vec<f64>],
    change_js: &[usize],
    rng: &mut ChaCha8Rng,
) -> Result<(Vec<Vec<Vec<f64>>>, Vec<Planted>)> {
    // planted changes: a seeded choice of companies, a wave and a sign each
    let n_change = if spec.waves > 1 {
        (spec.change_share * spec.companies as f64).round() as usize
    } else {
        0
    };
    let mut order: Vec<usize> = (0..spec.companies).collect();
    for k in (1..order.len()).rev() {
        let r = rng.random_range(0..=k);
        order.swap(k, r);
    }
    let mut chosen: Vec<usize> = order[..n_change].to_vec();
    chosen.sort_unstable();
    let ti = |s: f64| ans.index(s);
    let mut shifts: Vec<Vec<Vec<f64>>> = base.iter().map(|b| vec![b.clone(); spec.waves]).collect();
    let mut planted = Vec::new();
    for &c in &chosen {
        let t = rng.random_range(1..spec.waves);
        let sign = if rng.random_range(0..2) == 0 {
            1.0
        } else {
            -1.0
        };
        for &j in change_js {
            let s0 = base[c][j];
            let target = ti(s0) + sign * spec.change;
            if !(target > 0.0 && target < 100.0) {
                return Err(bad(
                    "--change",
                    format!(
                        "a change of {} points from {:.1} leaves the 0-100 scale",
                        spec.change,
                        ti(s0)
                    ),
                ));
            }
            // bisection on delta: T(s0 + delta) = target, T increasing
            let (mut lo, mut hi) = (-20.0f64, 20.0f64);
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if ti(s0 + mid) < target {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let delta = 0.5 * (lo + hi);
            if (ti(s0 + delta) - target).abs() > 1e-9 {
                return Err(bad(
                    "--change",
                    format!(
                        "a change of {} points cannot be reached from {:.1}",
                        spec.change,
                        ti(s0)
                    ),
                ));
            }
            for w in t..spec.waves {
                shifts[c][w][j] = s0 + delta;
            }
            planted.push(Planted {
                company: companies[c].name.clone(),
                from: t - 1,
                to: t,
                construct: j,
                size: sign * spec.change,
            });
        }
    }
    Ok((shifts, planted))
}

impl SimProgramme {
    /// Draw the design, the latent shifts and the planted changes, and compute the
    /// truth (see the module documentation).
    ///
    /// # Errors
    /// [`Error::Setting`] for counts that do not fit (no company, more industries than
    /// companies, more sectors than industries, fewer than 1 wave, n below the model's
    /// minimum), a model without one common integer scale, an unknown change
    /// construct, or a change the scale cannot hold.
    pub fn generate(model: &Model, spec: &SimSpec) -> Result<SimProgramme> {
        check_spec(model, spec)?;
        let ans = answer_model(model, spec)?;
        let (scale, mean, sd) = (ans.scale, ans.mean, ans.sd);
        let paths = paths_for(model);
        let pref: Vec<(&str, &str, f64)> = paths
            .iter()
            .map(|(a, b, v)| (a.as_str(), b.as_str(), *v))
            .collect();
        let population = Population::new(model, &pref, Measurement::CommonFactor(spec.loading))?;
        let change_js = change_constructs(model, spec)?;
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let (waves, sectors, companies, base) = draw_design(model, spec, &mut rng)?;
        let (shifts, planted) = plant_changes(spec, ans, &companies, &base, &change_js, &mut rng)?;
        let ti = |s: f64| ans.index(s);
        let truth: Vec<Vec<Vec<f64>>> = shifts
            .iter()
            .map(|cw| {
                cw.iter()
                    .map(|s| s.iter().map(|&v| ti(v)).collect())
                    .collect()
            })
            .collect();
        Ok(SimProgramme {
            spec: spec.clone(),
            scale,
            mean,
            sd,
            companies,
            sectors,
            waves,
            shifts,
            truth,
            planted,
            population,
            paths,
        })
    }

    /// The answers of company `c` in wave `t` (n x items, model order), drawn from the
    /// seed [`cell_seed`]`(seed, company, wave)`.
    ///
    /// # Errors
    /// Never for a generated programme (kept for the population's Cholesky factor).
    pub fn respondents(&self, model: &Model, c: usize, t: usize) -> Result<DMatrix<f64>> {
        let seed = cell_seed(self.spec.seed, &self.companies[c].name, &self.waves[t]);
        let z = self.population.draw_continuous(model, self.spec.n, seed)?;
        Ok(to_scale(
            model,
            &z,
            self.scale,
            self.mean,
            self.sd,
            &self.shifts[c][t],
            &self.population.loadings,
        ))
    }

    /// The whole programme as an in-memory survey with columns `company` and `wave`
    /// (rows wave by wave, then company by company).
    ///
    /// # Errors
    /// As [`SimProgramme::respondents`].
    pub fn survey(&self, model: &Model) -> Result<crate::data::Survey> {
        let (nc, nw, n, p) = (
            self.companies.len(),
            self.waves.len(),
            self.spec.n,
            model.n_items(),
        );
        let total = nc * nw * n;
        let mut x = DMatrix::zeros(total, p);
        let mut company = Vec::with_capacity(total);
        let mut wave = Vec::with_capacity(total);
        let mut row = 0;
        for t in 0..nw {
            for c in 0..nc {
                let a = self.respondents(model, c, t)?;
                for i in 0..n {
                    for k in 0..p {
                        x[(row, k)] = a[(i, k)];
                    }
                    company.push(Some(self.companies[c].name.clone()));
                    wave.push(Some(self.waves[t].clone()));
                    row += 1;
                }
            }
        }
        let mut s = crate::data::Survey::from_matrix(
            model.items.iter().map(|i| i.name.clone()).collect(),
            x,
        );
        s.extra.insert("company".into(), company);
        s.extra.insert("wave".into(), wave);
        Ok(s)
    }

    /// The hierarchy file's text (`company,industry,sector,weight`).
    pub fn hierarchy_csv(&self) -> String {
        let mut s = String::from("company,industry,sector,weight\n");
        for c in &self.companies {
            s.push_str(&format!(
                "{},{},{},{}\n",
                c.name, c.industry, c.sector, c.weight
            ));
        }
        s
    }

    /// The sector-weights file's text (`sector,weight`).
    pub fn sector_weights_csv(&self) -> String {
        let mut s = String::from("sector,weight\n");
        for (n, w) in &self.sectors {
            s.push_str(&format!("{n},{w}\n"));
        }
        s
    }

    /// The true aggregates `(level, name, wave, index per construct)`: national, then
    /// sectors, then industries (text order), wave by wave; every company counts (all
    /// have data).
    pub fn true_aggregates(&self) -> Vec<(Level, String, usize, Vec<f64>)> {
        let q = self
            .truth
            .first()
            .and_then(|w| w.first())
            .map(Vec::len)
            .unwrap_or(0);
        let mut inds: Vec<&str> = self.companies.iter().map(|c| c.industry.as_str()).collect();
        inds.sort_unstable();
        inds.dedup();
        let mut secs: Vec<&str> = self.sectors.iter().map(|(s, _)| s.as_str()).collect();
        secs.sort_unstable();
        let mut nat = Vec::new();
        let mut sec_out = Vec::new();
        let mut ind_out = Vec::new();
        for t in 0..self.waves.len() {
            // industry: company-weighted mean; sector: industry indices weighted by the
            // sum of their companies' weights; national: sector weights
            let ind_vals: Vec<(&str, &str, f64, Vec<f64>)> = inds
                .iter()
                .map(|ind| {
                    let members: Vec<usize> = (0..self.companies.len())
                        .filter(|&c| self.companies[c].industry == *ind)
                        .collect();
                    let w: f64 = members.iter().map(|&c| self.companies[c].weight).sum();
                    let v = (0..q)
                        .map(|j| {
                            members
                                .iter()
                                .map(|&c| self.companies[c].weight * self.truth[c][t][j])
                                .sum::<f64>()
                                / w
                        })
                        .collect();
                    (*ind, self.companies[members[0]].sector.as_str(), w, v)
                })
                .collect();
            let sec_vals: Vec<(&str, Vec<f64>)> = secs
                .iter()
                .map(|s| {
                    let members: Vec<&(&str, &str, f64, Vec<f64>)> =
                        ind_vals.iter().filter(|x| x.1 == *s).collect();
                    let w: f64 = members.iter().map(|x| x.2).sum();
                    (
                        *s,
                        (0..q)
                            .map(|j| members.iter().map(|x| x.2 * x.3[j]).sum::<f64>() / w)
                            .collect(),
                    )
                })
                .collect();
            let wsum: f64 = secs.iter().map(|s| self.sector_weight(s)).sum();
            let national: Vec<f64> = (0..q)
                .map(|j| {
                    sec_vals
                        .iter()
                        .map(|(s, v)| self.sector_weight(s) * v[j])
                        .sum::<f64>()
                        / wsum
                })
                .collect();
            nat.push((Level::National, "national".to_string(), t, national));
            for (s, v) in sec_vals {
                sec_out.push((Level::Sector, s.to_string(), t, v));
            }
            for (i, _, _, v) in ind_vals {
                ind_out.push((Level::Industry, i.to_string(), t, v));
            }
        }
        sec_out.sort_by(|a, b| a.1.cmp(&b.1).then(a.2.cmp(&b.2)));
        ind_out.sort_by(|a, b| a.1.cmp(&b.1).then(a.2.cmp(&b.2)));
        nat.into_iter().chain(sec_out).chain(ind_out).collect()
    }

    fn sector_weight(&self, s: &str) -> f64 {
        self.sectors
            .iter()
            .find(|(n, _)| n == s)
            .map(|(_, w)| *w)
            .unwrap_or(0.0)
    }

    /// Write `data.csv` (columns `id,wave,company,` then the items), `hierarchy.csv`
    /// and `sector_weights.csv` into `dir` (created when missing). The truth document
    /// is written by the caller ([`crate::report::program::truth_json`]).
    ///
    /// # Errors
    /// [`Error::Io`] when a file cannot be written.
    pub fn write(&self, model: &Model, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join("data.csv");
        let f = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut out = std::io::BufWriter::new(f);
        let io = |e| Error::io(&path, e);
        let mut header = String::from("id,wave,company");
        for it in &model.items {
            header.push(',');
            header.push_str(&it.name);
        }
        writeln!(out, "{header}").map_err(io)?;
        let mut id = 0usize;
        let mut line = String::new();
        for t in 0..self.waves.len() {
            for c in 0..self.companies.len() {
                let a = self.respondents(model, c, t)?;
                for i in 0..a.nrows() {
                    id += 1;
                    line.clear();
                    line.push_str(&format!(
                        "{id},{},{}",
                        self.waves[t], self.companies[c].name
                    ));
                    for k in 0..a.ncols() {
                        line.push(',');
                        line.push_str(&format!("{}", a[(i, k)]));
                    }
                    line.push('\n');
                    out.write_all(line.as_bytes()).map_err(io)?;
                }
            }
        }
        out.flush().map_err(io)?;
        for (name, text) in [
            ("hierarchy.csv", self.hierarchy_csv()),
            ("sector_weights.csv", self.sector_weights_csv()),
        ] {
            let p = dir.join(name);
            std::fs::write(&p, text).map_err(|e| Error::io(&p, e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn true_index_matches_a_large_draw() {
        // E[clamp(round(7 + 1.5 (Z + 0.8 s)))] on 1..10 against the mean of 200,000 draws
        let scale = Scale {
            min: 1.0,
            max: 10.0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let z = NormalDist::new(0.0, 1.0).unwrap();
        for s in [-0.5, 0.0, 0.7] {
            let n = 200_000;
            let mut sum = 0.0;
            for _ in 0..n {
                let v: f64 = z.sample(&mut rng);
                sum += (7.0 + 1.5 * (v + 0.8 * s)).round().clamp(1.0, 10.0);
            }
            let mc = scale.to_100(sum / n as f64);
            let exact = true_index(scale, 7.0, 1.5, 0.8, s);
            // Monte Carlo se of the mean: 1.5 / sqrt(2e5) = 0.0034 answer points = 0.037 index points
            assert!((mc - exact).abs() < 0.15, "s {s}: draw {mc}, exact {exact}");
        }
        // no clamping in reach: the expected rounded answer equals the mean (symmetry)
        let mid = true_index(
            Scale {
                min: 1.0,
                max: 100.0,
            },
            50.0,
            1.0,
            0.8,
            0.0,
        );
        assert!((mid - (49.0 / 99.0 * 100.0)).abs() < 1e-9);
    }
}
