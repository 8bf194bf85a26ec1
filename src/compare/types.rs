//! What a comparison returns: differences, omnibus tests, MICOM verdicts, league
//! tables, permutation failures.

use super::{CompareOptions, Excluded, GroupFit, Target};
use crate::spec::Model;

/// What a group is compared with: another group, the pooled sample, or the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// Another group (index into [`Comparison::groups`]).
    Group(usize),
    /// The pooled sample of every compared group (the group itself included).
    Pooled,
    /// Every other compared group together.
    Rest,
}

/// `Against::Group(g) == g`: a pair's second group compares with its position.
impl PartialEq<usize> for Against {
    fn eq(&self, g: &usize) -> bool {
        *self == Against::Group(*g)
    }
}

impl Against {
    /// The group, when the reference is one.
    pub fn group(&self) -> Option<usize> {
        match self {
            Against::Group(g) => Some(*g),
            _ => None,
        }
    }
}

/// The difference of one statistic between two groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// First group (index into [`Comparison::groups`]).
    pub a: usize,
    /// What `a` is compared with (contract: `"b"` is the group's name,
    /// `"(pooled)"` or `"(rest)"`).
    pub b: Against,
    /// The statistic.
    pub target: Target,
    /// Its name (construct, or `FROM->TO`).
    pub name: String,
    /// `theta_a - theta_b` (`NaN` when undefined in a group).
    pub difference: f64,
    /// Percentile bootstrap interval of the difference (`NaN` without bootstrap).
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
    /// Bootstrap replicate pairs with a defined difference.
    pub boot_ok: usize,
    /// Two-sided permutation p value (`NaN` without permutations).
    pub p: f64,
    /// p value adjusted across all differences ([`CompareOptions::adjust`], Holm by
    /// default).
    pub p_adjusted: f64,
    /// Permutations with a defined statistic.
    pub permutations_ok: usize,
}

/// The omnibus test of one statistic across all groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Omnibus {
    /// The statistic.
    pub target: Target,
    /// Its name.
    pub name: String,
    /// Between-group dispersion `T` (see the module docs).
    pub statistic: f64,
    /// Permutation p value.
    pub p: f64,
    /// Adjusted among the omnibus tests ([`CompareOptions::adjust`]).
    pub p_adjusted: f64,
    /// Permutations with a defined statistic.
    pub permutations_ok: usize,
}

/// MICOM verdict of one construct in one pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invariance {
    /// Steps 1-3 hold: compare indices, and the groups may even be pooled.
    Full,
    /// Steps 1-2 hold, step 3 does not: indices and paths may be compared, the groups
    /// should not be pooled.
    Partial,
    /// Step 2 fails: the composite is formed differently; do not compare indices.
    None,
    /// No permutations were run.
    NotTested,
}

impl Invariance {
    /// Short name: `full`, `partial`, `none`, `not tested`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Invariance::Full => "full",
            Invariance::Partial => "partial",
            Invariance::None => "none",
            Invariance::NotTested => "not tested",
        }
    }
    /// The verdict of steps 2 and 3: step 2 fails: none; steps 2, 3a and 3b hold:
    /// full; step 2 holds: partial; otherwise not tested.
    pub fn of(
        compositional: Option<bool>,
        equal_means: Option<bool>,
        equal_variances: Option<bool>,
    ) -> Invariance {
        match (compositional, equal_means, equal_variances) {
            (Some(false), _, _) => Invariance::None,
            (Some(true), Some(true), Some(true)) => Invariance::Full,
            (Some(true), _, _) => Invariance::Partial,
            _ => Invariance::NotTested,
        }
    }
    /// The plain-language verdict.
    pub fn verdict(&self) -> &'static str {
        match self {
            Invariance::Full => "full invariance: indices may be compared (and the groups pooled)",
            Invariance::Partial => {
                "partial invariance: indices and paths may be compared; do not pool the groups"
            }
            Invariance::None => "no invariance: do not compare indices",
            Invariance::NotTested => "not tested (no permutations)",
        }
    }
}

/// MICOM steps 2 and 3 for one construct in one pair.
#[derive(Debug, Clone, PartialEq)]
pub struct MicomConstruct {
    /// Construct.
    pub construct: usize,
    /// Step 2: `c = cor(X w_a, X w_b)` on the pooled data.
    pub c: f64,
    /// The `1 - level` quantile of the permutation distribution of c.
    pub c_quantile: f64,
    /// One-sided permutation p of c: `(1 + #{c* <= c}) / (N_ok + 1)`.
    pub c_p: f64,
    /// `c_p` adjusted across every step-2 test of the comparison (constructs and
    /// pairs; [`CompareOptions::adjust`]).
    pub c_p_adjusted: f64,
    /// Step 2 holds: `c >= c_quantile`, or the adjusted p is not below `1 - level`;
    /// `None` untested.
    pub compositional: Option<bool>,
    /// Step 3a: mean of the pooled-standardized scores in a minus in b.
    pub mean_diff: f64,
    /// Central permutation interval of the mean difference.
    pub mean_ci: (f64, f64),
    /// Two-sided permutation p of the mean difference.
    pub mean_p: f64,
    /// `mean_p` adjusted across every step-3 test (means and variances, constructs
    /// and pairs).
    pub mean_p_adjusted: f64,
    /// Step 3a holds.
    pub equal_means: Option<bool>,
    /// Step 3b: `ln var_a - ln var_b` of the pooled-standardized scores.
    pub log_var_ratio: f64,
    /// Central permutation interval of the log variance ratio.
    pub var_ci: (f64, f64),
    /// Two-sided permutation p of the log variance ratio.
    pub var_p: f64,
    /// `var_p` adjusted across every step-3 test.
    pub var_p_adjusted: f64,
    /// Step 3b holds.
    pub equal_variances: Option<bool>,
    /// The verdict.
    pub invariance: Invariance,
}

/// MICOM of one pair of groups (or of a group and its reference).
#[derive(Debug, Clone, PartialEq)]
pub struct Micom {
    /// First group.
    pub a: usize,
    /// Second group, or the reference of `--versus`.
    pub b: Against,
    /// Step 1 (configural invariance): always established by construction.
    pub configural: bool,
    /// Per construct.
    pub constructs: Vec<MicomConstruct>,
}

/// Step 1 of MICOM, as stated in every report.
pub const CONFIGURAL_NOTE: &str = "configural invariance (MICOM step 1) holds by construction: every group is estimated with the same model, items, scales, missing-data treatment and algorithm settings";

/// Failed permutations of one permutation run.
#[derive(Debug, Clone, PartialEq)]
pub struct PermutationRun {
    /// The groups whose labels were permuted.
    pub groups: Vec<usize>,
    /// What they were compared with (`--versus`); `None` for pairs and the omnibus run.
    pub against: Option<Against>,
    /// Permutations requested.
    pub requested: usize,
    /// Permutations whose refit failed (left out).
    pub failed: usize,
    /// Failure reasons with counts.
    pub reasons: Vec<(String, usize)>,
    /// More than [`CompareOptions::max_failed_share`] of the permutations failed: the
    /// run's p values and MICOM intervals are withheld.
    pub withheld: bool,
}

/// One row of a league table.
#[derive(Debug, Clone, PartialEq)]
pub struct LeagueEntry {
    /// Rank (1 = highest index; ties share a rank); `None` when the index is undefined.
    pub rank: Option<usize>,
    /// Group (index into [`Comparison::groups`]).
    pub group: usize,
    /// Index.
    pub index: Option<f64>,
    /// Bootstrap interval.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
    /// Respondents used.
    pub n: usize,
}

/// The league table of one construct, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct League {
    /// Construct.
    pub construct: usize,
    /// Entries, best first; undefined indices last.
    pub entries: Vec<LeagueEntry>,
}

/// The result of [`compare`].
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The model.
    pub model: Model,
    /// The grouping column.
    pub group_column: String,
    /// Options used.
    pub options: CompareOptions,
    /// Respondents whose group cell is empty (survey indices).
    pub missing_group: Vec<usize>,
    /// Respondents in groups that were not requested.
    pub not_requested: usize,
    /// Groups not fitted, with reasons.
    pub excluded: Vec<Excluded>,
    /// Fitted groups, in order.
    pub groups: Vec<GroupFit>,
    /// The fit of all compared respondents together.
    pub pooled: GroupFit,
    /// League table per construct.
    pub league: Vec<League>,
    /// Every difference: pairs (a < b) in group order (or each group against the
    /// reference of [`CompareOptions::versus`]), then statistics in [`targets`] order.
    pub differences: Vec<Difference>,
    /// Omnibus tests (more than two groups).
    pub omnibus: Vec<Omnibus>,
    /// MICOM per pair.
    pub micom: Vec<Micom>,
    /// Failed permutations per run.
    pub permutation_runs: Vec<PermutationRun>,
    /// Warnings (excluded groups, failed resamples, too few permutations, ...).
    pub warnings: Vec<String>,
}

impl Comparison {
    /// The difference of a statistic between groups `a` and `b` (by position).
    pub fn difference(&self, a: usize, b: usize, target: Target) -> Option<&Difference> {
        self.versus(a, Against::Group(b), target)
    }
    /// The difference of a statistic between group `a` and what it is compared with.
    pub fn versus(&self, a: usize, b: Against, target: Target) -> Option<&Difference> {
        self.differences
            .iter()
            .find(|d| d.a == a && d.b == b && d.target == target)
    }
    /// The name of a comparison's second side: the group's name, `(pooled)` or
    /// `(rest)` (the contract's `"b"`).
    pub fn against_name(&self, b: Against) -> String {
        match b {
            Against::Group(g) => self
                .groups
                .get(g)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            Against::Pooled => "(pooled)".into(),
            Against::Rest => "(rest)".into(),
        }
    }
    /// Position of a group by label.
    pub fn group(&self, name: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.name == name)
    }
}
