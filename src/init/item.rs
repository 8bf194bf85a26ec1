//! Is a column an item (a rating), on which scale, with which missing codes?

use super::ColumnProfile;
use crate::data::sav::UserMissing;
use crate::spec::Scale;

const MISSING_LABEL_WORDS: [&str; 16] = [
    "无法回答",
    "不知道",
    "不清楚",
    "不适用",
    "拒绝回答",
    "拒答",
    "说不清",
    "无法评价",
    "don't know",
    "dont know",
    "do not know",
    "not applicable",
    "n/a",
    "refused",
    "no answer",
    "cannot answer",
];

fn is_missing_label(l: &str) -> bool {
    let l = l.to_lowercase();
    MISSING_LABEL_WORDS.iter().any(|w| l.contains(w))
}

/// Numeric codes that usually mean "no answer" when they lie far above the scale.
const NUMERIC_CODES: [f64; 9] = [97.0, 98.0, 99.0, 999.0, 9999.0, -1.0, -9.0, -99.0, -999.0];

/// What the item analysis of one column found.
#[derive(Debug, Clone)]
pub(super) struct ItemView {
    pub(super) scale: Scale,
    pub(super) scale_reason: String,
    /// (code, what it is, cells)
    pub(super) codes: Vec<(String, String, usize)>,
}

pub(super) fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Snap an observed range to a usual answer scale.
pub(super) fn snap_scale(lo: f64, hi: f64) -> Scale {
    let min = if lo >= 1.0 {
        1.0
    } else if lo >= 0.0 {
        0.0
    } else {
        lo.floor()
    };
    let cands: &[f64] = if min == 0.0 {
        &[4.0, 5.0, 6.0, 10.0, 100.0]
    } else {
        &[5.0, 7.0, 10.0, 11.0, 100.0]
    };
    let mut max = cands
        .iter()
        .copied()
        .find(|&c| c >= hi)
        .unwrap_or(hi.ceil());
    if max <= min {
        max = min + 1.0;
    }
    Scale { min, max }
}

/// (code, what it is, cells) of the column's missing codes.
type Codes = Vec<(String, String, usize)>;

/// Is the column an item (a rating), and on which scale? `Err(reason)` when not.
pub(super) fn item_view(c: &ColumnProfile) -> std::result::Result<ItemView, String> {
    not_an_item(c)?;
    let mut codes: Codes = Vec::new();
    let label_codes = declared_codes(c, &mut codes)?;
    let (lo, hi) = answer_range(c, &label_codes, &mut codes)?;
    let (scale, scale_reason) = scale_of(c, &label_codes, lo, hi);
    Ok(ItemView {
        scale,
        scale_reason,
        codes,
    })
}

/// `Err(reason)` for SPSS texts, identifiers and columns without numbers.
fn not_an_item(c: &ColumnProfile) -> std::result::Result<(), String> {
    if c.spss_text {
        return Err("SPSS string or date variable".into());
    }
    let lname = c.name.to_lowercase();
    if matches!(
        lname.as_str(),
        "id" | "caseid" | "case_id" | "respid" | "resp_id" | "respondent" | "编号" | "序号"
    ) {
        return Err("an identifier".into());
    }
    if c.n_numbers == 0 {
        return Err(if c.n_texts > 0 {
            format!("text ({} distinct values)", c.texts.len())
        } else {
            "empty".into()
        });
    }
    Ok(())
}

/// The codes the column declares: text cells, SPSS user-missing values and value
/// labels naming a non-answer (pushed to `codes`); returns the labelled codes.
fn declared_codes(c: &ColumnProfile, codes: &mut Codes) -> std::result::Result<Vec<f64>, String> {
    // Text cells in a numeric column: codes when they are few and rare.
    if c.n_texts > 0 {
        if c.texts.len() > 3 || c.n_texts * 2 > c.n_numbers {
            return Err(format!(
                "mostly text ({} text cells, {} numbers)",
                c.n_texts, c.n_numbers
            ));
        }
        for (t, n) in &c.texts {
            codes.push((t.clone(), format!("text cells '{t}'"), *n));
        }
    }
    for m in &c.user_missing {
        if let UserMissing::Value(v) = m {
            let lab = c
                .value_labels
                .iter()
                .find(|(x, _)| x == v)
                .map(|(_, l)| format!(" = {l}"))
                .unwrap_or_default();
            codes.push((
                fmt_num(*v),
                format!("SPSS user-missing value {}{lab}", fmt_num(*v)),
                if c.user_missing.len() == 1 {
                    c.n_user_missing
                } else {
                    0
                },
            ));
        }
    }
    // Value labels naming a non-answer.
    let mut label_codes: Vec<f64> = Vec::new();
    for (v, l) in &c.value_labels {
        if is_missing_label(l) || c.user_missing.iter().any(|m| m.matches(*v)) {
            label_codes.push(*v);
            if !c.user_missing.iter().any(|m| m.matches(*v)) {
                let n = c
                    .numbers
                    .iter()
                    .find(|x| x.0 == *v)
                    .map(|x| x.1)
                    .unwrap_or(0);
                codes.push((
                    fmt_num(*v),
                    format!("SPSS value label {} = {l}", fmt_num(*v)),
                    n,
                ));
            }
        }
    }
    Ok(label_codes)
}

/// The smallest and largest answer, without the codes (numeric codes far outside the
/// other answers are pushed to `codes`); `Err(reason)` when it is no rating scale.
fn answer_range(
    c: &ColumnProfile,
    label_codes: &[f64],
    codes: &mut Codes,
) -> std::result::Result<(f64, f64), String> {
    // The answers proper.
    let answers: Vec<(f64, usize)> = c
        .numbers
        .iter()
        .copied()
        .filter(|(v, _)| !label_codes.contains(v))
        .collect();
    let (lo, hi) = match (answers.first(), answers.last()) {
        (Some(a), Some(b)) => (a.0, b.0),
        _ => return Err("no answer besides missing codes".into()),
    };
    // Numeric codes far above (or below) the rest.
    let core: Vec<(f64, usize)> = answers
        .iter()
        .copied()
        .filter(|(v, _)| !(NUMERIC_CODES.contains(v) && (*v > 11.0 || *v < 0.0)))
        .collect();
    let (lo, hi) = match (core.first(), core.last()) {
        (Some(a), Some(b)) if b.0 <= 11.0 && a.0 >= 0.0 && core.len() < answers.len() => {
            for (v, n) in answers.iter().filter(|x| !core.contains(*x)) {
                codes.push((
                    fmt_num(*v),
                    format!("code {} far outside the other answers", fmt_num(*v)),
                    *n,
                ));
            }
            (a.0, b.0)
        }
        _ => (lo, hi),
    };
    if c.many_numbers || !c.integers && hi - lo > 20.0 {
        return Err("many distinct values (not a rating scale)".into());
    }
    if hi - lo > 100.0 {
        return Err(format!(
            "values {}..{} (not a rating scale)",
            fmt_num(lo),
            fmt_num(hi)
        ));
    }
    if hi == lo {
        return Err(format!("every answer is {}", fmt_num(lo)));
    }
    Ok((lo, hi))
}

/// The item's scale and where it came from: SPSS value labels, else the observed
/// answers snapped to a usual scale.
fn scale_of(c: &ColumnProfile, label_codes: &[f64], lo: f64, hi: f64) -> (Scale, String) {
    let labelled: Vec<&(f64, String)> = c
        .value_labels
        .iter()
        .filter(|(v, _)| !label_codes.contains(v))
        .collect();
    if labelled.len() >= 2 {
        let first = labelled
            .iter()
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|x| (*x).clone())
            .unwrap_or_default();
        let last = labelled
            .iter()
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|x| (*x).clone())
            .unwrap_or_default();
        let min = first.0.min(lo);
        let max = last.0.max(hi);
        (
            Scale { min, max },
            format!(
                "SPSS value labels {} ({}) .. {} ({})",
                fmt_num(first.0),
                first.1,
                fmt_num(last.0),
                last.1
            ),
        )
    } else {
        let s = snap_scale(lo, hi);
        (
            s,
            format!(
                "observed answers {}..{}, read as the usual scale {}..{}",
                fmt_num(lo),
                fmt_num(hi),
                fmt_num(s.min),
                fmt_num(s.max)
            ),
        )
    }
}
