//! The formulas of the evaluation methods, each on plain numbers: simple score, dual
//! evaluation, OLS, improved dual weights, C = b/a, Dick & Basu segments, Spearman.

use super::SATISFIED_BAND;
use crate::ipma::Lang;
use nalgebra::{DMatrix, DVector};

/// Plain mean (the simple method's score of already rescaled means).
///
/// ```
/// // items rescaled to 0-100 with means 60, 70, 80: simple score 70
/// assert!((csi::methods::simple_score(&[60.0, 70.0, 80.0]) - 70.0).abs() < 1e-12);
/// ```
pub fn simple_score(means_100: &[f64]) -> f64 {
    if means_100.is_empty() {
        return f64::NAN;
    }
    means_100.iter().sum::<f64>() / means_100.len() as f64
}

/// Dual evaluation: `sum_k I_k S_k / sum_k I_k`.
///
/// # Errors
/// Different lengths, no attributes, a negative or non-finite importance, or
/// importances summing to zero.
pub fn dual_evaluation(
    importance: &[f64],
    satisfaction_100: &[f64],
) -> std::result::Result<f64, String> {
    if importance.len() != satisfaction_100.len() || importance.is_empty() {
        return Err("needs one importance per attribute".into());
    }
    if importance.iter().any(|v| !v.is_finite() || *v < 0.0) {
        return Err("a stated importance is negative or missing".into());
    }
    let total: f64 = importance.iter().sum();
    if !(total > 0.0) {
        return Err("the stated importances sum to zero".into());
    }
    Ok(importance
        .iter()
        .zip(satisfaction_100)
        .map(|(i, s)| i * s)
        .sum::<f64>()
        / total)
}

/// An OLS regression with intercept.
#[derive(Debug, Clone, PartialEq)]
pub struct Ols {
    /// Intercept.
    pub intercept: f64,
    /// Unstandardized coefficients, one per predictor.
    pub coef: Vec<f64>,
    /// Standardized coefficients `b_j sd_j / sd_y`.
    pub beta: Vec<f64>,
    /// R².
    pub r2: f64,
    /// Respondents used.
    pub n: usize,
}

/// OLS of `y` on the columns of `x` with an intercept, optionally weighted. Rows with
/// a non-finite value are left out.
///
/// # Errors
/// Too few rows (fewer than predictors + 2), no variance in `y`, or collinear
/// predictors.
pub fn ols(
    y: &[f64],
    x: &DMatrix<f64>,
    weights: Option<&[f64]>,
) -> std::result::Result<Ols, String> {
    let p = x.ncols();
    let rows: Vec<usize> = (0..y.len().min(x.nrows()))
        .filter(|&i| {
            y[i].is_finite()
                && x.row(i).iter().all(|v| v.is_finite())
                && weights.is_none_or(|w| w[i] > 0.0)
        })
        .collect();
    let n = rows.len();
    if n < p + 2 {
        return Err(format!("{n} complete respondents for {p} predictors"));
    }
    let w = |i: usize| weights.map(|w| w[i]).unwrap_or(1.0);
    let ws: f64 = rows.iter().map(|&i| w(i)).sum();
    let my = rows.iter().map(|&i| w(i) * y[i]).sum::<f64>() / ws;
    let mx: Vec<f64> = (0..p)
        .map(|j| rows.iter().map(|&i| w(i) * x[(i, j)]).sum::<f64>() / ws)
        .collect();
    let mut sxx = DMatrix::<f64>::zeros(p, p);
    let mut sxy = DVector::<f64>::zeros(p);
    let mut syy = 0.0;
    for &i in &rows {
        let dy = y[i] - my;
        syy += w(i) * dy * dy;
        for a in 0..p {
            let da = x[(i, a)] - mx[a];
            sxy[a] += w(i) * da * dy;
            for b in 0..p {
                sxx[(a, b)] += w(i) * da * (x[(i, b)] - mx[b]);
            }
        }
    }
    if !(syy > 0.0) {
        return Err("the overall-satisfaction item has no variance".into());
    }
    let chol = sxx
        .clone()
        .cholesky()
        .ok_or("the driver scores are perfectly collinear")?;
    let b = chol.solve(&sxy);
    if b.iter().any(|v| !v.is_finite()) {
        return Err("the driver scores are perfectly collinear".into());
    }
    let r2 = b.dot(&sxy) / syy;
    let beta = (0..p).map(|j| b[j] * (sxx[(j, j)] / syy).sqrt()).collect();
    let intercept = my - (0..p).map(|j| b[j] * mx[j]).sum::<f64>();
    Ok(Ols {
        intercept,
        coef: b.iter().copied().collect(),
        beta,
        r2,
        n,
    })
}

/// Improved dual evaluation weights: `max(b_j, 0) / sum_m max(b_m, 0)`.
///
/// # Errors
/// When no coefficient is positive.
pub fn improved_weights(coef: &[f64]) -> std::result::Result<Vec<f64>, String> {
    let pos: Vec<f64> = coef
        .iter()
        .map(|b| if b.is_finite() { b.max(0.0) } else { 0.0 })
        .collect();
    let total: f64 = pos.iter().sum();
    if !(total > 0.0) {
        return Err("no driver has a positive regression coefficient".into());
    }
    Ok(pos.iter().map(|v| v / total).collect())
}

/// Reading of a satisfaction ratio C = b/a.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    /// C < 1 - [`SATISFIED_BAND`]: expectations not met (不满意).
    Dissatisfied,
    /// |C - 1| <= [`SATISFIED_BAND`]: expectations met (比较满意/一般).
    Satisfied,
    /// C > 1 + [`SATISFIED_BAND`]: expectations exceeded (很满意).
    VerySatisfied,
}

impl Band {
    /// The band of a ratio.
    ///
    /// ```
    /// use csi::methods::Band;
    /// assert_eq!(Band::classify(0.94), Band::Dissatisfied);
    /// assert_eq!(Band::classify(1.05), Band::Satisfied);
    /// assert_eq!(Band::classify(1.06), Band::VerySatisfied);
    /// ```
    pub fn classify(c: f64) -> Band {
        if c < 1.0 - SATISFIED_BAND {
            Band::Dissatisfied
        } else if c > 1.0 + SATISFIED_BAND {
            Band::VerySatisfied
        } else {
            Band::Satisfied
        }
    }
    /// Machine key.
    pub fn key(&self) -> &'static str {
        match self {
            Band::Dissatisfied => "dissatisfied",
            Band::Satisfied => "satisfied",
            Band::VerySatisfied => "very_satisfied",
        }
    }
    /// Display name.
    pub fn name(&self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Band::Dissatisfied, Lang::Chinese) => "不满意",
            (Band::Satisfied, Lang::Chinese) => "比较满意",
            (Band::VerySatisfied, Lang::Chinese) => "很满意",
            (Band::Dissatisfied, Lang::English) => "dissatisfied",
            (Band::Satisfied, Lang::English) => "satisfied",
            (Band::VerySatisfied, Lang::English) => "very satisfied",
        }
    }
}

/// C = b/a of one attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioRow {
    /// Perception item (model item name).
    pub perceived: String,
    /// Expectation column.
    pub expected: String,
    /// Mean perception (raw scale).
    pub b: f64,
    /// Mean expectation (raw scale).
    pub a: f64,
    /// b / a.
    pub c: f64,
    /// Respondents who answered both.
    pub n: usize,
}

/// The C = b/a section.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioReport {
    /// Per attribute.
    pub rows: Vec<RatioRow>,
    /// `sum b / sum a`.
    pub overall: f64,
    /// Shares of respondents by band of their own `C_i` (dissatisfied, satisfied,
    /// very satisfied).
    pub shares: [f64; 3],
    /// Respondents with a defined `C_i`.
    pub n: usize,
}

/// C = b/a from paired perception (`b`) and expectation (`a`) values, one vector per
/// attribute (`NaN` = missing), with optional respondent weights.
///
/// # Errors
/// When an attribute has no respondent with both answers or a non-positive mean
/// expectation.
///
/// ```
/// // two attributes, two respondents:
/// // b = [[8, 6], [9, 7]] (attribute x respondent), a = [[10, 6], [9, 7]]
/// // C_1 = 7 / 8 = 0.875, C_2 = 8 / 8 = 1, overall (7 + 8) / (8 + 8) = 0.9375
/// // respondent 1: (8 + 9) / (10 + 9) = 0.895 (dissatisfied), respondent 2: 13 / 13 = 1
/// let r = csi::methods::satisfaction_ratio(
///     &[("q1", "e1", vec![8.0, 6.0], vec![10.0, 6.0]), ("q2", "e2", vec![9.0, 7.0], vec![9.0, 7.0])], None).unwrap();
/// assert!((r.rows[0].c - 0.875).abs() < 1e-12);
/// assert!((r.overall - 0.9375).abs() < 1e-12);
/// assert_eq!(r.shares, [0.5, 0.5, 0.0]);
/// ```
#[allow(clippy::type_complexity)]
pub fn satisfaction_ratio(
    pairs: &[(&str, &str, Vec<f64>, Vec<f64>)],
    weights: Option<&[f64]>,
) -> std::result::Result<RatioReport, String> {
    if pairs.is_empty() {
        return Err("no perception/expectation pairs".into());
    }
    let n = pairs[0].2.len();
    let mut rows = Vec::new();
    for (pname, ename, b, a) in pairs {
        rows.push(ratio_row(pname, ename, b, a, n, weights)?);
    }
    let overall = rows.iter().map(|r| r.b).sum::<f64>() / rows.iter().map(|r| r.a).sum::<f64>();
    let (shares, count) = band_shares(pairs, n, weights);
    Ok(RatioReport {
        rows,
        overall,
        shares,
        n: count,
    })
}

/// One attribute's ratio `C = b / a` of the (weighted) mean perception `b` and mean
/// expectation `a` over the first `n` respondents who answered both.
fn ratio_row(
    pname: &str,
    ename: &str,
    b: &[f64],
    a: &[f64],
    n: usize,
    weights: Option<&[f64]>,
) -> std::result::Result<RatioRow, String> {
    let w = |i: usize| weights.map(|w| w[i]).unwrap_or(1.0);
    let mut sb = 0.0;
    let mut sa = 0.0;
    let mut sw = 0.0;
    let mut cnt = 0;
    for i in 0..n.min(b.len()).min(a.len()) {
        if b[i].is_finite() && a[i].is_finite() {
            sb += w(i) * b[i];
            sa += w(i) * a[i];
            sw += w(i);
            cnt += 1;
        }
    }
    if cnt == 0 || !(sw > 0.0) {
        return Err(format!(
            "no respondent answered both '{pname}' and '{ename}'"
        ));
    }
    let (mb, ma) = (sb / sw, sa / sw);
    if !(ma > 0.0) {
        return Err(format!(
            "the mean expectation '{ename}' is {ma}: C = b/a is undefined"
        ));
    }
    Ok(RatioRow {
        perceived: pname.to_string(),
        expected: ename.to_string(),
        b: mb,
        a: ma,
        c: mb / ma,
        n: cnt,
    })
}

/// The (weighted) shares of respondents per [`Band`] of their own ratio
/// `sum b / sum a` over the attributes they answered, and how many have one.
#[allow(clippy::type_complexity)]
fn band_shares(
    pairs: &[(&str, &str, Vec<f64>, Vec<f64>)],
    n: usize,
    weights: Option<&[f64]>,
) -> ([f64; 3], usize) {
    let w = |i: usize| weights.map(|w| w[i]).unwrap_or(1.0);
    let mut shares = [0.0; 3];
    let mut total = 0.0;
    let mut count = 0;
    for i in 0..n {
        let (mut sb, mut sa) = (0.0, 0.0);
        let mut any = false;
        for (_, _, b, a) in pairs {
            if let (Some(bv), Some(av)) = (b.get(i), a.get(i)) {
                if bv.is_finite() && av.is_finite() {
                    sb += bv;
                    sa += av;
                    any = true;
                }
            }
        }
        if any && sa > 0.0 {
            let k = match Band::classify(sb / sa) {
                Band::Dissatisfied => 0,
                Band::Satisfied => 1,
                Band::VerySatisfied => 2,
            };
            shares[k] += w(i);
            total += w(i);
            count += 1;
        }
    }
    if total > 0.0 {
        for s in &mut shares {
            *s /= total;
        }
    }
    (shares, count)
}

/// A Dick & Basu loyalty class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoyaltyClass {
    /// High attitude, high repeat behaviour (Ⅰ).
    Loyal,
    /// High attitude, low behaviour (Ⅱ).
    Latent,
    /// Low attitude, high behaviour (Ⅲ), e.g. held by switching costs.
    Spurious,
    /// Both low (Ⅳ).
    NoLoyalty,
}

impl LoyaltyClass {
    /// The four classes in report order.
    pub const ALL: [LoyaltyClass; 4] = [
        LoyaltyClass::Loyal,
        LoyaltyClass::Latent,
        LoyaltyClass::Spurious,
        LoyaltyClass::NoLoyalty,
    ];
    /// Class of a respondent with high / low attitude and behaviour.
    pub fn of(high_attitude: bool, high_behaviour: bool) -> LoyaltyClass {
        match (high_attitude, high_behaviour) {
            (true, true) => LoyaltyClass::Loyal,
            (true, false) => LoyaltyClass::Latent,
            (false, true) => LoyaltyClass::Spurious,
            (false, false) => LoyaltyClass::NoLoyalty,
        }
    }
    /// Machine key.
    pub fn key(&self) -> &'static str {
        match self {
            LoyaltyClass::Loyal => "loyal",
            LoyaltyClass::Latent => "latent",
            LoyaltyClass::Spurious => "spurious",
            LoyaltyClass::NoLoyalty => "no_loyalty",
        }
    }
    /// Display name.
    pub fn name(&self, lang: Lang) -> &'static str {
        match (self, lang) {
            (LoyaltyClass::Loyal, Lang::Chinese) => "Ⅰ 忠诚",
            (LoyaltyClass::Latent, Lang::Chinese) => "Ⅱ 潜在忠诚",
            (LoyaltyClass::Spurious, Lang::Chinese) => "Ⅲ 虚假忠诚",
            (LoyaltyClass::NoLoyalty, Lang::Chinese) => "Ⅳ 不忠诚",
            (LoyaltyClass::Loyal, Lang::English) => "loyal",
            (LoyaltyClass::Latent, Lang::English) => "latent loyalty",
            (LoyaltyClass::Spurious, Lang::English) => "spurious loyalty",
            (LoyaltyClass::NoLoyalty, Lang::English) => "no loyalty",
        }
    }
}

/// Dick & Basu segment counts and shares.
#[derive(Debug, Clone, PartialEq)]
pub struct Segments {
    /// Respondents per class, in [`LoyaltyClass::ALL`] order.
    pub counts: [usize; 4],
    /// Weighted shares per class (sum 1 over classified respondents).
    pub shares: [f64; 4],
    /// Respondents without an answer on an axis.
    pub unclassified: usize,
    /// The 0-100 threshold above which a score is high (50: the scale midpoint).
    pub threshold: f64,
}

/// Classify respondents from 0-100 attitudinal and behavioural scores (`NaN` =
/// unanswered); high = strictly above `threshold`.
///
/// ```
/// use csi::methods::dick_basu;
/// // scores on 0-100; high = above 50
/// // r1 (80, 90) loyal, r2 (70, 20) latent, r3 (30, 60) spurious, r4 (10, 50) none
/// // (50 is not above the midpoint), r5 (NaN, 40) unclassified
/// let s = dick_basu(&[80.0, 70.0, 30.0, 10.0, f64::NAN], &[90.0, 20.0, 60.0, 50.0, 40.0], 50.0, None);
/// assert_eq!(s.counts, [1, 1, 1, 1]);
/// assert_eq!(s.shares, [0.25, 0.25, 0.25, 0.25]);
/// assert_eq!(s.unclassified, 1);
/// ```
pub fn dick_basu(
    attitude: &[f64],
    behaviour: &[f64],
    threshold: f64,
    weights: Option<&[f64]>,
) -> Segments {
    let mut counts = [0usize; 4];
    let mut shares = [0.0; 4];
    let mut unclassified = 0;
    let mut total = 0.0;
    for i in 0..attitude.len().min(behaviour.len()) {
        let (a, b) = (attitude[i], behaviour[i]);
        if !a.is_finite() || !b.is_finite() {
            unclassified += 1;
            continue;
        }
        let c = LoyaltyClass::of(a > threshold, b > threshold);
        let k = LoyaltyClass::ALL.iter().position(|x| *x == c).unwrap_or(3);
        let w = weights.map(|w| w[i]).unwrap_or(1.0);
        counts[k] += 1;
        shares[k] += w;
        total += w;
    }
    if total > 0.0 {
        for s in &mut shares {
            *s /= total;
        }
    }
    Segments {
        counts,
        shares,
        unclassified,
        threshold,
    }
}

/// Spearman's rank correlation (average ranks for ties); `NaN` with fewer than 2
/// pairs or a constant ranking.
///
/// ```
/// let r = csi::methods::spearman(&[1.0, 2.0, 3.0], &[10.0, 30.0, 20.0]);
/// // ranks (1,2,3) vs (1,3,2): d² = 0+1+1, rho = 1 - 6*2/(3*8) = 0.5
/// assert!((r - 0.5).abs() < 1e-12);
/// ```
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    if n < 2 {
        return f64::NAN;
    }
    let ra = ranks(&a[..n]);
    let rb = ranks(&b[..n]);
    let ma = ra.iter().sum::<f64>() / n as f64;
    let mb = rb.iter().sum::<f64>() / n as f64;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for i in 0..n {
        sab += (ra[i] - ma) * (rb[i] - mb);
        saa += (ra[i] - ma).powi(2);
        sbb += (rb[i] - mb).powi(2);
    }
    sab / (saa * sbb).sqrt()
}

/// Ascending ranks (1 = smallest), ties get the average rank.
pub(crate) fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&x, &y| v[x].total_cmp(&v[y]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}
