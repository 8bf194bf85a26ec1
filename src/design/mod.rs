//! Survey design: strata, clusters and weights.
//!
//! National and industry satisfaction surveys are stratified (region, channel, branch),
//! clustered (respondents of one flight, branch or interviewer) and weighted to the
//! population. This module holds what the estimation needs to respect that design:
//!
//! * [`Design`]: stratum and cluster of every respondent, read from data columns
//!   (`--strata COLUMN`, `--cluster COLUMN`), and the bootstrap draw that follows the
//!   design ([`ResampleScheme`]);
//! * [`weights`]: checks and scale normalisation of sampling weights, and Kish's
//!   effective sample size [`weights::n_effective`];
//! * [`raking`]: weights raked to known population margins (`csi weights`);
//! * [`screen`]: speeders and straight-liners excluded from estimation (counted and
//!   listed, the data file never changed);
//! * [`table`]: a data file read as text cells and written back with a weight column.
//!
//! # The design bootstrap
//! Replicate `r` draws from `ChaCha8Rng::seed_from_u64(seed)` switched to stream `r`,
//! so its resample depends only on `(seed, r)` and runs are bit-identical on 1 and N
//! threads. Within every stratum `h` with `m_h` primary sampling units (PSUs: clusters,
//! or respondents when no cluster column is given), `m_h` PSUs are drawn with
//! replacement, and every respondent of a drawn PSU is counted once per draw (the
//! "naive" stratified bootstrap of Efron & Tibshirani 1993, §3; cluster bootstrap of
//! Davison & Hinkley 1997, §3.8). A respondent keeps its sampling weight whenever it
//! is drawn. Without strata the whole sample is one stratum; without clusters and
//! without strata the draw is exactly the simple bootstrap of
//! [`crate::bootstrap::draw_counts`] (the same random numbers in the same order).
//!
//! * **Variance factor.** This bootstrap estimates the variance of a stratum's mean
//!   with divisor `m_h` rather than `m_h - 1` (factor `(m_h - 1) / m_h`): negligible
//!   with 20 or more PSUs per stratum, 0.5 with two. Designs with very few PSUs per
//!   stratum are listed in [`Design::echo`] (`min_psus`).
//! * **Lonely PSUs.** A stratum with a single PSU (one cluster, or one respondent) has
//!   no within-stratum variation to resample: it is kept in every replicate as a
//!   *certainty unit* (counted once, as R survey's `lonely.psu = "certainty"`), so it
//!   contributes no sampling variance. Such strata are listed in
//!   [`DesignEcho::lonely_strata`] and reported as a warning.
//! * **Nesting.** Cluster labels are read within their stratum: cluster `1` of stratum
//!   `north` and cluster `1` of stratum `south` are different clusters (as R survey's
//!   `nest = TRUE`).
//!
//! # Example
//! ```
//! use csi::design::{Design, ResampleScheme};
//! // six respondents in two strata; three clusters
//! let strata = ["n", "n", "n", "s", "s", "s"];
//! let clusters = ["a", "a", "b", "c", "c", "c"];
//! let d = Design::from_labels(Some(&strata[..]), Some(&clusters[..]))?;
//! assert_eq!(d.n_strata(), 2);
//! assert_eq!(d.n_psus(), 3);
//! let mut counts = vec![0u32; 6];
//! d.draw(42, 0, &mut counts);
//! // respondents of one cluster are drawn together
//! assert_eq!(counts[0], counts[1]);
//! // stratum "s" has one cluster: a certainty unit, drawn once in every replicate
//! assert_eq!(&counts[3..], &[1, 1, 1]);
//! // stratum "n" draws two clusters: a twice, b twice, or each once
//! assert_eq!(counts[0] + counts[2], 2);
//! # Ok::<(), csi::Error>(())
//! ```

pub mod raking;
pub mod screen;
pub mod table;
pub mod weights;

use crate::data::Survey;
use crate::error::{Error, Location, Result};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

pub use crate::bootstrap::ResampleScheme;

/// The sampling design of the respondents being analysed: stratum and PSU of each.
///
/// Built with [`Design::from_survey`] (data columns), [`Design::from_labels`] or
/// [`Design::simple`]; restricted to the respondents actually fitted with
/// [`Design::select`].
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    n: usize,
    strata_column: Option<String>,
    cluster_column: Option<String>,
    /// Stratum labels, in order of first appearance.
    strata_labels: Vec<String>,
    /// PSU labels (the cluster label, or the respondent's row when no clusters).
    psu_labels: Vec<String>,
    /// Stratum of each respondent.
    stratum_of: Vec<u32>,
    /// PSU of each respondent.
    psu_of: Vec<u32>,
    /// PSUs of stratum h: `stratum_psus[stratum_start[h]..stratum_start[h + 1]]`.
    stratum_start: Vec<usize>,
    stratum_psus: Vec<u32>,
    /// Respondents of PSU c: `members[member_start[c]..member_start[c + 1]]`.
    member_start: Vec<usize>,
    members: Vec<u32>,
    /// Whether respondents are their own PSUs (no cluster column).
    respondent_psus: bool,
}

/// One column of the design, as echoed in JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DesignColumn {
    /// The data column.
    pub column: String,
    /// Number of distinct strata or clusters.
    pub count: usize,
}

/// One stratum, as echoed in JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StratumEcho {
    /// The stratum's label (cell text).
    pub stratum: String,
    /// Respondents in it.
    pub n: usize,
    /// PSUs (clusters, or respondents) in it.
    pub psus: usize,
}

/// The design as the JSON documents echo it: `"design": {"strata", "clusters", ...}`
/// inside `"bootstrap"`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DesignEcho {
    /// The strata column and the number of strata (`null` without `--strata`).
    pub strata: Option<DesignColumn>,
    /// The cluster column and the number of clusters (`null` without `--cluster`).
    pub clusters: Option<DesignColumn>,
    /// Primary sampling units in all (clusters, or respondents).
    pub psus: usize,
    /// Fewest PSUs in a stratum.
    pub min_psus: usize,
    /// Degrees of freedom of the design: PSUs minus strata.
    pub df: usize,
    /// Strata with a single PSU, kept as certainty units (no sampling variance).
    pub lonely_strata: Vec<String>,
    /// Per stratum: label, respondents, PSUs (empty without `--strata`).
    pub per_stratum: Vec<StratumEcho>,
}

impl Design {
    /// Simple random sampling of `n` respondents: one stratum, every respondent its
    /// own PSU. Its draw equals [`crate::bootstrap::draw_counts`].
    pub fn simple(n: usize) -> Design {
        Self::build(
            None,
            None,
            vec!["(all)".into()],
            vec![0; n],
            (0..n).map(|i| (i + 2).to_string()).collect(),
            (0..n as u32).collect(),
            true,
        )
    }

    /// A design from labels per respondent (`None` = not stratified / not clustered).
    /// Labels are compared after trimming.
    ///
    /// # Errors
    /// [`Error::Data`] when the two slices differ in length or a label is empty.
    pub fn from_labels<S: AsRef<str>>(
        strata: Option<&[S]>,
        clusters: Option<&[S]>,
    ) -> Result<Design> {
        let n = strata
            .map(|s| s.len())
            .or(clusters.map(|c| c.len()))
            .unwrap_or(0);
        let to_opt = |v: &[S]| -> Vec<Option<String>> {
            v.iter().map(|s| Some(s.as_ref().to_string())).collect()
        };
        let s = strata.map(to_opt);
        let c = clusters.map(to_opt);
        let rows: Vec<usize> = (2..n + 2).collect();
        Self::from_cells(
            "<labels>",
            &rows,
            s.as_deref().map(|v| ("strata", v)),
            c.as_deref().map(|v| ("cluster", v)),
        )
    }

    /// The design of a survey from its text columns `strata` and `cluster` (kept in
    /// [`Survey::extra`]).
    ///
    /// # Errors
    /// [`Error::Data`] naming the file and column when a column is not in the data,
    /// and the file, row and column of the first empty cell (every respondent needs a
    /// stratum and a cluster; the count of further empty cells is given).
    pub fn from_survey(
        survey: &Survey,
        strata: Option<&str>,
        cluster: Option<&str>,
    ) -> Result<Design> {
        let col = |name: &str| -> Result<&Vec<Option<String>>> {
            survey.extra.get(name.trim()).ok_or_else(|| {
                let mut names: Vec<&str> = survey.extra.keys().map(String::as_str).collect();
                names.truncate(12);
                Error::data(
                    Location {
                        file: survey.file.clone(),
                        column: Some(name.trim().to_string()),
                        ..Default::default()
                    },
                    if names.is_empty() {
                        "no such column in the data (the data has no column besides the items and the weight)".to_string()
                    } else {
                        format!(
                            "no such column in the data (not an item or weight); other columns: {}",
                            names.join(", ")
                        )
                    },
                )
            })
        };
        let s = match strata {
            Some(name) => Some((name.trim(), col(name)?.as_slice())),
            None => None,
        };
        let c = match cluster {
            Some(name) => Some((name.trim(), col(name)?.as_slice())),
            None => None,
        };
        if let (Some((a, _)), Some((b, _))) = (s, c) {
            if a == b {
                return Err(Error::setting(
                    "--cluster",
                    format!("'{b}' is also the --strata column; strata and clusters need different columns"),
                ));
            }
        }
        let mut d = Self::from_cells(&survey.file, &survey.rows, s, c)?;
        if c.is_none() {
            d.psu_labels = survey.rows.iter().map(|r| r.to_string()).collect();
        }
        Ok(d)
    }

    fn from_cells(
        file: &str,
        rows: &[usize],
        strata: Option<(&str, &[Option<String>])>,
        clusters: Option<(&str, &[Option<String>])>,
    ) -> Result<Design> {
        check_design_cells(file, rows, strata, clusters)?;
        let (s_labels, stratum_of) = number_strata(strata, rows.len());
        let (psu_labels, psu_of, respondent_psus) = number_psus(clusters, rows, &stratum_of);
        Ok(Self::build(
            strata.map(|(s, _)| s.to_string()),
            clusters.map(|(c, _)| c.to_string()),
            s_labels,
            stratum_of,
            psu_labels,
            psu_of,
            respondent_psus,
        ))
    }

    fn build(
        strata_column: Option<String>,
        cluster_column: Option<String>,
        strata_labels: Vec<String>,
        stratum_of: Vec<u32>,
        psu_labels: Vec<String>,
        psu_of: Vec<u32>,
        respondent_psus: bool,
    ) -> Design {
        let n = stratum_of.len();
        let n_psu = psu_labels.len();
        let n_str = strata_labels.len();
        // members of each PSU (respondents in order)
        let mut member_start = vec![0usize; n_psu + 1];
        for &c in &psu_of {
            member_start[c as usize + 1] += 1;
        }
        for c in 0..n_psu {
            member_start[c + 1] += member_start[c];
        }
        let mut fill = member_start.clone();
        let mut members = vec![0u32; n];
        for (i, &c) in psu_of.iter().enumerate() {
            members[fill[c as usize]] = i as u32;
            fill[c as usize] += 1;
        }
        // PSUs of each stratum (in PSU order = first appearance)
        let mut psu_stratum = vec![0u32; n_psu];
        for (i, &c) in psu_of.iter().enumerate() {
            psu_stratum[c as usize] = stratum_of[i];
        }
        let mut stratum_start = vec![0usize; n_str + 1];
        for &h in &psu_stratum {
            stratum_start[h as usize + 1] += 1;
        }
        for h in 0..n_str {
            stratum_start[h + 1] += stratum_start[h];
        }
        let mut fill = stratum_start.clone();
        let mut stratum_psus = vec![0u32; n_psu];
        for (c, &h) in psu_stratum.iter().enumerate() {
            stratum_psus[fill[h as usize]] = c as u32;
            fill[h as usize] += 1;
        }
        Design {
            n,
            strata_column,
            cluster_column,
            strata_labels,
            psu_labels,
            stratum_of,
            psu_of,
            stratum_start,
            stratum_psus,
            member_start,
            members,
            respondent_psus,
        }
    }

    /// The design of respondents `idx` (indices into this design's respondents, e.g.
    /// [`crate::data::Complete::kept`] after listwise deletion), in that order.
    /// Strata or clusters left without respondents disappear.
    pub fn select(&self, idx: &[usize]) -> Design {
        let idx: Vec<usize> = idx.iter().copied().filter(|&i| i < self.n).collect();
        let mut s_map: HashMap<u32, u32> = HashMap::new();
        let mut s_labels = Vec::new();
        let mut p_map: HashMap<u32, u32> = HashMap::new();
        let mut p_labels = Vec::new();
        let mut stratum_of = Vec::with_capacity(idx.len());
        let mut psu_of = Vec::with_capacity(idx.len());
        for &i in &idx {
            let h = self.stratum_of[i];
            let next = s_labels.len() as u32;
            let nh = *s_map.entry(h).or_insert_with(|| {
                s_labels.push(self.strata_labels[h as usize].clone());
                next
            });
            stratum_of.push(nh);
            let c = self.psu_of[i];
            let next = p_labels.len() as u32;
            let nc = *p_map.entry(c).or_insert_with(|| {
                p_labels.push(self.psu_labels[c as usize].clone());
                next
            });
            psu_of.push(nc);
        }
        if s_labels.is_empty() {
            s_labels.push("(all)".into());
        }
        Self::build(
            self.strata_column.clone(),
            self.cluster_column.clone(),
            s_labels,
            stratum_of,
            p_labels,
            psu_of,
            self.respondent_psus,
        )
    }

    /// Number of respondents.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of strata (1 without a strata column).
    pub fn n_strata(&self) -> usize {
        self.strata_labels.len()
    }

    /// Number of primary sampling units (clusters, or respondents without clusters).
    pub fn n_psus(&self) -> usize {
        self.psu_labels.len()
    }

    /// True when neither strata nor clusters are given (the simple bootstrap).
    pub fn is_simple(&self) -> bool {
        self.strata_column.is_none() && self.cluster_column.is_none()
    }

    /// Stratum index of each respondent.
    pub fn strata(&self) -> &[u32] {
        &self.stratum_of
    }

    /// PSU index of each respondent.
    pub fn psus(&self) -> &[u32] {
        &self.psu_of
    }

    /// Degrees of freedom of the design for t-based tests: PSUs minus strata (the
    /// usual design-based df; `n - 1` for a simple random sample).
    pub fn df(&self) -> usize {
        self.n_psus().saturating_sub(self.n_strata())
    }

    fn psus_of_stratum(&self, h: usize) -> &[u32] {
        &self.stratum_psus[self.stratum_start[h]..self.stratum_start[h + 1]]
    }

    fn members_of(&self, c: usize) -> &[u32] {
        &self.members[self.member_start[c]..self.member_start[c + 1]]
    }

    /// Respondents of PSU `c` (indices into this design's respondents), e.g. for a
    /// jackknife that deletes one PSU at a time (BCa acceleration under a cluster
    /// design). Empty for an unknown PSU.
    pub fn members(&self, c: usize) -> &[u32] {
        if c < self.n_psus() {
            self.members_of(c)
        } else {
            &[]
        }
    }

    /// Strata with a single PSU (kept as certainty units).
    pub fn lonely_strata(&self) -> Vec<String> {
        (0..self.n_strata())
            .filter(|&h| self.psus_of_stratum(h).len() == 1)
            .map(|h| self.strata_labels[h].clone())
            .collect()
    }

    /// The design for the JSON documents.
    pub fn echo(&self) -> DesignEcho {
        let per_stratum: Vec<StratumEcho> = if self.strata_column.is_some() {
            (0..self.n_strata())
                .map(|h| {
                    let psus = self.psus_of_stratum(h);
                    StratumEcho {
                        stratum: self.strata_labels[h].clone(),
                        n: psus
                            .iter()
                            .map(|&c| self.members_of(c as usize).len())
                            .sum(),
                        psus: psus.len(),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        DesignEcho {
            strata: self.strata_column.as_ref().map(|c| DesignColumn {
                column: c.clone(),
                count: self.n_strata(),
            }),
            clusters: self.cluster_column.as_ref().map(|c| DesignColumn {
                column: c.clone(),
                count: self.n_psus(),
            }),
            psus: self.n_psus(),
            min_psus: (0..self.n_strata())
                .map(|h| self.psus_of_stratum(h).len())
                .min()
                .unwrap_or(0),
            df: self.df(),
            lonely_strata: self.lonely_strata(),
            per_stratum,
        }
    }

    /// Warnings about the design (lonely PSUs, strata with fewer than 5 PSUs), for
    /// the CLI to print and the documents to list.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        let lonely = self.lonely_strata();
        let unit = if self.respondent_psus {
            "respondent"
        } else {
            "cluster"
        };
        if !lonely.is_empty() {
            let shown: Vec<&str> = lonely.iter().take(10).map(String::as_str).collect();
            w.push(format!(
                "{} stratum/strata with a single {unit} kept as certainty units in every resample (no sampling variance from them): {}{}",
                lonely.len(),
                shown.join(", "),
                if lonely.len() > 10 { ", ..." } else { "" }
            ));
        }
        let few = (0..self.n_strata())
            .filter(|&h| {
                let m = self.psus_of_stratum(h).len();
                (2..5).contains(&m)
            })
            .count();
        if few > 0 {
            w.push(format!(
                "{few} stratum/strata with 2-4 {unit}s: the design bootstrap understates their variance by the factor (m-1)/m"
            ));
        }
        w
    }
}

impl ResampleScheme for Design {
    fn df(&self, _n: usize) -> usize {
        Design::df(self)
    }
    fn units(&self) -> Option<&[u32]> {
        (!self.respondent_psus).then_some(self.psus())
    }
    fn draw(&self, seed: u64, r: usize, counts: &mut [u32]) {
        counts.iter_mut().for_each(|c| *c = 0);
        if self.n == 0 || counts.len() != self.n {
            return;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(r as u64);
        for h in 0..self.n_strata() {
            let psus = self.psus_of_stratum(h);
            let m = psus.len();
            if m == 0 {
                continue;
            }
            if m == 1 {
                // lonely PSU: certainty unit, no random number consumed
                for &i in self.members_of(psus[0] as usize) {
                    counts[i as usize] += 1;
                }
                continue;
            }
            for _ in 0..m {
                let c = psus[rng.random_range(0..m)] as usize;
                for &i in self.members_of(c) {
                    counts[i as usize] += 1;
                }
            }
        }
    }
}

/// A design column: its name and one cell per respondent.
type DesignCells<'c> = Option<(&'c str, &'c [Option<String>])>;

/// Every respondent has a stratum and a cluster (when the columns are given), and the
/// columns have one cell per respondent.
///
/// # Errors
/// [`Error::Data`] naming the column and the first respondent without a cell (the
/// others counted).
fn check_design_cells(
    file: &str,
    rows: &[usize],
    strata: DesignCells<'_>,
    clusters: DesignCells<'_>,
) -> Result<()> {
    let n = rows.len();
    for (name, cells) in strata.iter().chain(clusters.iter()) {
        if cells.len() != n {
            return Err(Error::data(
                Location {
                    file: file.to_string(),
                    column: Some(name.to_string()),
                    ..Default::default()
                },
                format!("{} cells for {n} respondents", cells.len()),
            ));
        }
        let empty = |c: &Option<String>| c.as_deref().is_none_or(|t| t.trim().is_empty());
        if let Some(i) = cells.iter().position(empty) {
            let more = cells.iter().filter(|c| empty(c)).count() - 1;
            let what = if strata.is_some_and(|(s, _)| s == *name) {
                "stratum"
            } else {
                "cluster"
            };
            return Err(Error::Data {
                location: Location {
                    file: file.to_string(),
                    row: rows.get(i).copied(),
                    column: Some(name.to_string()),
                    value: None,
                },
                message: format!(
                    "empty {what}: every respondent needs one for the design bootstrap"
                ),
                more,
            });
        }
    }
    Ok(())
}

/// The trimmed text of a design cell.
fn cell_text(c: &Option<String>) -> String {
    c.as_deref().unwrap_or("").trim().to_string()
}

/// The strata labels in order of first appearance, and each respondent's stratum
/// (one stratum `(all)` without a strata column).
fn number_strata(strata: DesignCells<'_>, n: usize) -> (Vec<String>, Vec<u32>) {
    let mut s_index: HashMap<String, u32> = HashMap::new();
    let mut s_labels: Vec<String> = Vec::new();
    let mut stratum_of = vec![0u32; n];
    match strata {
        Some((_, cells)) => {
            for (i, c) in cells.iter().enumerate() {
                let t = cell_text(c);
                let next = s_labels.len() as u32;
                let h = *s_index.entry(t.clone()).or_insert_with(|| {
                    s_labels.push(t);
                    next
                });
                stratum_of[i] = h;
            }
        }
        None => s_labels.push("(all)".into()),
    }
    (s_labels, stratum_of)
}

/// The PSU labels, each respondent's PSU, and whether the PSUs are the respondents:
/// clusters are nested in strata (the key is the stratum and the label); without a
/// cluster column every respondent is a PSU, labelled by its row.
fn number_psus(
    clusters: DesignCells<'_>,
    rows: &[usize],
    stratum_of: &[u32],
) -> (Vec<String>, Vec<u32>, bool) {
    let n = rows.len();
    match clusters {
        Some((_, cells)) => {
            let mut index: HashMap<(u32, String), u32> = HashMap::new();
            let mut labels = Vec::new();
            let mut of = vec![0u32; n];
            for (i, c) in cells.iter().enumerate() {
                let t = cell_text(c);
                let next = labels.len() as u32;
                let k = *index.entry((stratum_of[i], t.clone())).or_insert_with(|| {
                    labels.push(t);
                    next
                });
                of[i] = k;
            }
            (labels, of, false)
        }
        None => (
            rows.iter().map(|r| r.to_string()).collect(),
            (0..n as u32).collect(),
            true,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_design_draws_exactly_the_simple_bootstrap() {
        let d = Design::simple(137);
        let mut a = vec![0u32; 137];
        let mut b = vec![0u32; 137];
        for r in [0usize, 1, 5, 999] {
            d.draw(7, r, &mut a);
            crate::bootstrap::draw_counts(7, r, &mut b);
            assert_eq!(a, b, "replicate {r}");
        }
    }

    #[test]
    fn strata_keep_their_sizes_and_clusters_stay_whole() {
        // 3 strata of sizes 10, 20, 5; clusters of 5 in stratum 0 and 1 (2 and 4),
        // respondents as PSUs in stratum 2 (no clusters there: each its own label)
        let mut s = Vec::new();
        let mut c = Vec::new();
        for i in 0..35 {
            let (h, cl) = if i < 10 {
                ("a", format!("k{}", i / 5))
            } else if i < 30 {
                ("b", format!("k{}", (i - 10) / 5))
            } else {
                ("c", format!("r{i}"))
            };
            s.push(h.to_string());
            c.push(cl);
        }
        let d = Design::from_labels(Some(&s[..]), Some(&c[..])).unwrap();
        assert_eq!(d.n_strata(), 3);
        // k0, k1 in a; k0..k3 in b (nested: k0 of b is not k0 of a); 5 in c
        assert_eq!(d.n_psus(), 2 + 4 + 5);
        assert_eq!(d.df(), 11 - 3);
        let mut counts = vec![0u32; 35];
        for r in 0..50 {
            d.draw(3, r, &mut counts);
            let tot = |lo: usize, hi: usize| counts[lo..hi].iter().sum::<u32>();
            assert_eq!(tot(0, 10), 10);
            assert_eq!(tot(10, 30), 20);
            assert_eq!(tot(30, 35), 5);
            for k in 0..6 {
                let cl = &counts[k * 5..k * 5 + 5];
                assert!(cl.iter().all(|&v| v == cl[0]), "cluster {k} split: {cl:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn draws_keep_clusters_whole_and_strata_sizes(
            labels in proptest::collection::vec((0u8..4, 0u8..6), 1..80),
            seed in 0u64..1000,
            r in 0usize..50,
        ) {
            let s: Vec<String> = labels.iter().map(|(h, _)| format!("s{h}")).collect();
            let c: Vec<String> = labels.iter().map(|(_, k)| format!("c{k}")).collect();
            let d = Design::from_labels(Some(&s[..]), Some(&c[..])).unwrap();
            let mut counts = vec![0u32; labels.len()];
            d.draw(seed, r, &mut counts);
            // every member of a cluster is drawn as often as the others
            for i in 0..labels.len() {
                for j in 0..labels.len() {
                    if labels[i] == labels[j] {
                        proptest::prop_assert_eq!(counts[i], counts[j]);
                    }
                }
            }
            // each stratum draws as many clusters as it has
            for h in 0..d.n_strata() {
                let psus = d.psus_of_stratum(h);
                let draws: u32 = psus
                    .iter()
                    .map(|&p| counts[d.members_of(p as usize)[0] as usize])
                    .sum();
                proptest::prop_assert_eq!(draws as usize, psus.len());
            }
            // and the same (seed, r) draws the same
            let mut again = vec![0u32; labels.len()];
            d.draw(seed, r, &mut again);
            proptest::prop_assert_eq!(counts, again);
        }
    }

    #[test]
    fn select_keeps_the_labels_of_the_kept_respondents() {
        let s = ["x", "x", "y", "y", "z"];
        let d = Design::from_labels(Some(&s[..]), None).unwrap();
        let e = d.select(&[0, 2, 3]);
        assert_eq!(e.n(), 3);
        assert_eq!(e.n_strata(), 2);
        assert_eq!(e.echo().per_stratum[1].stratum, "y");
        assert_eq!(e.echo().per_stratum[1].n, 2);
        // stratum z had one respondent: lonely in the full design
        assert_eq!(d.lonely_strata(), vec!["z".to_string()]);
    }

    #[test]
    fn empty_cells_are_errors_with_row_and_column() {
        let mut s =
            Survey::from_matrix(vec!["a".into()], nalgebra::DMatrix::from_element(4, 1, 1.0));
        s.extra.insert(
            "region".into(),
            vec![Some("n".into()), None, Some(" ".into()), Some("s".into())],
        );
        let e = Design::from_survey(&s, Some("region"), None).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("row 3") && msg.contains("'region'"), "{msg}");
        assert!(msg.contains("1 more"), "{msg}");
        let e = Design::from_survey(&s, None, Some("branch")).unwrap_err();
        assert!(e.to_string().contains("'branch'"), "{e}");
    }
}
