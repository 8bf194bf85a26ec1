//! The vocabulary of an IPMA: which rows (Level), where the quadrant lines go (Split,
//! Thresholds), the quadrants and their names in the labels' language (Lang).

use crate::error::{Error, Result};
use crate::spec::Model;

/// Which rows an IPMA reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// Constructs only.
    Constructs,
    /// Indicators only.
    Indicators,
    /// Both (default).
    #[default]
    Both,
}

impl Level {
    /// Flag spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Level::Constructs => "constructs",
            Level::Indicators => "indicators",
            Level::Both => "both",
        }
    }
    /// True when construct rows are reported.
    pub fn constructs(&self) -> bool {
        matches!(self, Level::Constructs | Level::Both)
    }
    /// True when indicator rows are reported.
    pub fn indicators(&self) -> bool {
        matches!(self, Level::Indicators | Level::Both)
    }
}

impl std::str::FromStr for Level {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "constructs" | "construct" => Ok(Level::Constructs),
            "indicators" | "indicator" | "items" => Ok(Level::Indicators),
            "both" => Ok(Level::Both),
            _ => Err(Error::setting(
                "ipma_level",
                format!("expected constructs, indicators or both, got '{s}'"),
            )),
        }
    }
}

/// Where the quadrant lines are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Split {
    /// Mean importance and mean performance of the rows (default).
    #[default]
    Mean,
    /// Median importance and median performance of the rows.
    Median,
    /// Fixed values (used at both levels).
    Value {
        /// Importance threshold.
        importance: f64,
        /// Performance threshold (0-100).
        performance: f64,
    },
}

impl Split {
    /// Flag spelling (`mean`, `median` or `IMP,PERF`).
    pub fn as_string(&self) -> String {
        match self {
            Split::Mean => "mean".into(),
            Split::Median => "median".into(),
            Split::Value {
                importance,
                performance,
            } => format!("{importance},{performance}"),
        }
    }
}

impl std::str::FromStr for Split {
    type Err = Error;
    /// `mean`, `median` or `IMPORTANCE,PERFORMANCE`.
    ///
    /// ```
    /// use csi::ipma::Split;
    /// assert_eq!("median".parse::<Split>()?, Split::Median);
    /// assert_eq!("0.1,70".parse::<Split>()?, Split::Value { importance: 0.1, performance: 70.0 });
    /// assert!("0.1".parse::<Split>().is_err());
    /// # Ok::<(), csi::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "mean" => Ok(Split::Mean),
            "median" => Ok(Split::Median),
            other => {
                let parts: Vec<&str> = other.split(',').map(str::trim).collect();
                let bad = || {
                    Error::setting(
                        "split",
                        format!("expected mean, median or IMPORTANCE,PERFORMANCE (e.g. 0.1,70), got '{s}'"),
                    )
                };
                if parts.len() != 2 {
                    return Err(bad());
                }
                let importance: f64 = parts[0].parse().map_err(|_| bad())?;
                let performance: f64 = parts[1].parse().map_err(|_| bad())?;
                if !importance.is_finite() || !performance.is_finite() {
                    return Err(bad());
                }
                Ok(Split::Value {
                    importance,
                    performance,
                })
            }
        }
    }
}

/// The language of names in outputs: Chinese when the model's labels contain CJK
/// characters, English otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    English,
    /// Chinese (simplified).
    Chinese,
}

impl std::str::FromStr for Lang {
    type Err = Error;
    /// `zh` (also `zh-CN`, `cn`) or `en`.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "zh" | "zh-CN" | "cn" => Ok(Lang::Chinese),
            "en" => Ok(Lang::English),
            other => Err(Error::setting(
                "lang",
                format!("expected zh or en, got '{other}'"),
            )),
        }
    }
}

impl Lang {
    /// The language of a model's labels (construct and item labels and names).
    ///
    /// ```
    /// use csi::ipma::Lang;
    /// use csi::spec::{Model, ConstructSpec};
    /// let m = Model::from_parts("m", vec![ConstructSpec::new("A", &["a"]).label("形象"),
    ///     ConstructSpec::new("B", &["b"])], &[("A", "B")])?;
    /// assert_eq!(Lang::of_model(&m), Lang::Chinese);
    /// # Ok::<(), csi::Error>(())
    /// ```
    pub fn of_model(model: &Model) -> Lang {
        let cjk = model
            .constructs
            .iter()
            .map(|c| c.label.as_deref().unwrap_or(&c.name))
            .chain(
                model
                    .items
                    .iter()
                    .map(|i| i.label.as_deref().unwrap_or(&i.name)),
            )
            .any(has_cjk);
        if cjk {
            Lang::Chinese
        } else {
            Lang::English
        }
    }
    /// `"zh"` or `"en"`.
    pub fn code(&self) -> &'static str {
        match self {
            Lang::English => "en",
            Lang::Chinese => "zh",
        }
    }
}

/// True when `s` contains a CJK ideograph, kana, hangul or CJK punctuation.
///
/// ```
/// assert!(csi::ipma::has_cjk("乘务员服务 (Cabin crew)"));
/// assert!(!csi::ipma::has_cjk("Cabin crew"));
/// ```
pub fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c as u32,
            0x2E80..=0x303F | 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF |
            0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFF00..=0xFF60 | 0x20000..=0x3FFFD)
    })
}

/// The display part of a bilingual label: `"乘务员服务 (Cabin-crew service)"` gives
/// `"乘务员服务"`; a label without CJK characters, or without a parenthesised part, is
/// returned whole.
///
/// ```
/// assert_eq!(csi::ipma::short_label("乘务员服务 (Cabin-crew service)"), "乘务员服务");
/// assert_eq!(csi::ipma::short_label("Cabin crew (service)"), "Cabin crew (service)");
/// ```
pub fn short_label(label: &str) -> &str {
    if !has_cjk(label) {
        return label;
    }
    let cut = [" (", "(", "（"].iter().filter_map(|p| label.find(p)).min();
    match cut {
        Some(i) if i > 0 => label[..i].trim_end(),
        _ => label,
    }
}

/// A quadrant of the importance-performance map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quadrant {
    /// High importance, low performance: concentrate here (修补区).
    ConcentrateHere,
    /// High importance, high performance: keep up the good work (优势区).
    KeepUp,
    /// Low importance, low performance: low priority (机会区).
    LowPriority,
    /// Low importance, high performance: possible overkill (维持区).
    PossibleOverkill,
}

impl Quadrant {
    /// All quadrants in action order.
    pub const ALL: [Quadrant; 4] = [
        Quadrant::ConcentrateHere,
        Quadrant::KeepUp,
        Quadrant::LowPriority,
        Quadrant::PossibleOverkill,
    ];

    /// Classify a point; a value equal to a threshold counts as high.
    ///
    /// ```
    /// use csi::ipma::{Quadrant, Thresholds};
    /// let t = Thresholds { importance: 0.2, performance: 70.0 };
    /// assert_eq!(Quadrant::classify(0.3, 60.0, &t), Quadrant::ConcentrateHere);
    /// assert_eq!(Quadrant::classify(0.3, 80.0, &t), Quadrant::KeepUp);
    /// assert_eq!(Quadrant::classify(0.1, 60.0, &t), Quadrant::LowPriority);
    /// assert_eq!(Quadrant::classify(0.1, 80.0, &t), Quadrant::PossibleOverkill);
    /// ```
    pub fn classify(importance: f64, performance: f64, t: &Thresholds) -> Quadrant {
        let hi_imp = importance >= t.importance;
        let hi_perf = performance >= t.performance;
        match (hi_imp, hi_perf) {
            (true, false) => Quadrant::ConcentrateHere,
            (true, true) => Quadrant::KeepUp,
            (false, false) => Quadrant::LowPriority,
            (false, true) => Quadrant::PossibleOverkill,
        }
    }

    /// Stable machine key (JSON `quadrant`).
    pub fn key(&self) -> &'static str {
        match self {
            Quadrant::ConcentrateHere => "concentrate_here",
            Quadrant::KeepUp => "keep_up",
            Quadrant::LowPriority => "low_priority",
            Quadrant::PossibleOverkill => "possible_overkill",
        }
    }

    /// Display name.
    pub fn name(&self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Quadrant::ConcentrateHere, Lang::Chinese) => "修补区",
            (Quadrant::KeepUp, Lang::Chinese) => "优势区",
            (Quadrant::LowPriority, Lang::Chinese) => "机会区",
            (Quadrant::PossibleOverkill, Lang::Chinese) => "维持区",
            (Quadrant::ConcentrateHere, Lang::English) => "concentrate here",
            (Quadrant::KeepUp, Lang::English) => "keep up",
            (Quadrant::LowPriority, Lang::English) => "low priority",
            (Quadrant::PossibleOverkill, Lang::English) => "possible overkill",
        }
    }

    /// What to do, as the action list says it.
    pub fn advice(&self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Quadrant::ConcentrateHere, Lang::Chinese) => "优先提升",
            (Quadrant::KeepUp, Lang::Chinese) => "继续保持",
            (Quadrant::LowPriority, Lang::Chinese) => "暂缓改进",
            (Quadrant::PossibleOverkill, Lang::Chinese) => "可能投入过度",
            (Quadrant::ConcentrateHere, Lang::English) => "raise first",
            (Quadrant::KeepUp, Lang::English) => "keep up",
            (Quadrant::LowPriority, Lang::English) => "low priority",
            (Quadrant::PossibleOverkill, Lang::English) => "possible overkill",
        }
    }

    pub(crate) fn order(&self) -> usize {
        match self {
            Quadrant::ConcentrateHere => 0,
            Quadrant::KeepUp => 1,
            Quadrant::LowPriority => 2,
            Quadrant::PossibleOverkill => 3,
        }
    }
}

/// Split values of one level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Importance threshold.
    pub importance: f64,
    /// Performance threshold (0-100).
    pub performance: f64,
}
