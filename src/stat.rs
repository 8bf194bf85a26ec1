//! Typed statistic keys: what a bootstrap (or any resampling) is about.
//!
//! A [`Stat`] names one number of a solution by model indices (constructs, items), not
//! by text. Its text form, [`Stat::name`], is the key the JSON documents and
//! [`crate::bootstrap::BootstrapResult::stat`] have always used, e.g.
//! `path:IMAG->EXPE`, `weight:imag1`, `index:SAT`, `htmt:IMAG|EXPE`,
//! `ipma:importance:CREW`.
//!
//! # Example
//! ```
//! use csi::stat::Stat;
//! use csi::spec::{ConstructSpec, Model};
//! let m = Model::from_parts("toy",
//!     vec![ConstructSpec::new("QUAL", &["q1", "q2"]), ConstructSpec::new("SAT", &["s1"])],
//!     &[("QUAL", "SAT")])?;
//! let s = Stat::Path { from: 0, to: 1 };
//! assert_eq!(s.name(&m).to_string(), "path:QUAL->SAT");
//! assert_eq!(Stat::parse(&m, "path:QUAL->SAT"), Some(s));
//! assert_eq!(Stat::Weight(1).name(&m).to_string(), "weight:q2");
//! # Ok::<(), csi::Error>(())
//! ```

use crate::spec::Model;
use std::fmt;

/// A construct or an item (the rows of an importance-performance map).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// A construct (index in the model).
    Construct(usize),
    /// An item (index in the model).
    Indicator(usize),
}

/// One statistic of a fitted model, by model indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Stat {
    /// Path coefficient `from -> to`.
    Path {
        /// From construct.
        from: usize,
        /// To construct.
        to: usize,
    },
    /// Outer weight of an item.
    Weight(usize),
    /// Loading of an item.
    Loading(usize),
    /// Total effect `from -> to`.
    Total {
        /// From construct.
        from: usize,
        /// To construct.
        to: usize,
    },
    /// Indirect effect `from -> to` (total minus direct).
    Indirect {
        /// From construct.
        from: usize,
        /// To construct.
        to: usize,
    },
    /// Specific indirect effect through one chain of mediators: the chain's index in
    /// [`crate::estimate::mediation::chains`] of the model (key
    /// `specific_indirect:IMAG->EXPE->SAT`).
    SpecificIndirect(usize),
    /// R² of an endogenous construct.
    R2(usize),
    /// 0-100 index of a construct.
    Index(usize),
    /// HTMT ratio of two constructs (`a < b`).
    Htmt {
        /// First construct.
        a: usize,
        /// Second construct.
        b: usize,
    },
    /// IPMA importance of a construct or item.
    Importance(Subject),
    /// IPMA performance of a construct or item.
    Performance(Subject),
    /// A distance of the overall model fit (`model_fit`), of the saturated or the
    /// estimated model.
    Discrepancy {
        /// The estimated model (else the saturated one).
        estimated: bool,
        /// Which distance.
        measure: Distance,
    },
}

/// A distance between the sample and the implied correlations (`model_fit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Distance {
    /// Standardized root mean squared residual.
    Srmr,
    /// Squared Euclidean distance.
    DUls,
    /// Geodesic distance (base-10 logarithms, as ADANCO prints it).
    DG,
    /// Geodesic distance with natural logarithms (cSEM).
    DGLn,
}

impl Distance {
    /// Every distance, in the order of the `model_fit` document.
    pub const ALL: [Distance; 4] = [Distance::Srmr, Distance::DUls, Distance::DG, Distance::DGLn];

    /// The key text (`srmr`, `d_uls`, `d_g`, `d_g_ln`).
    pub fn key(self) -> &'static str {
        match self {
            Distance::Srmr => "srmr",
            Distance::DUls => "d_uls",
            Distance::DG => "d_g",
            Distance::DGLn => "d_g_ln",
        }
    }
}

impl Stat {
    /// The key as text (a [`fmt::Display`] value), e.g. `path:IMAG->EXPE`.
    pub fn name<'a>(&self, model: &'a Model) -> StatName<'a> {
        StatName { stat: *self, model }
    }

    /// The statistic a key names, if the model has it.
    pub fn parse(model: &Model, key: &str) -> Option<Stat> {
        let c = |s: &str| model.construct_index(s);
        let i = |s: &str| model.item_index(s);
        let pair = |s: &str, sep: &str| -> Option<(usize, usize)> {
            let (a, b) = s.split_once(sep)?;
            Some((c(a)?, c(b)?))
        };
        let subject = |s: &str| -> Option<Subject> {
            c(s).map(Subject::Construct)
                .or_else(|| i(s).map(Subject::Indicator))
        };
        let (kind, rest) = key.split_once(':')?;
        Some(match kind {
            "path" => pair(rest, "->").map(|(from, to)| Stat::Path { from, to })?,
            "total" => pair(rest, "->").map(|(from, to)| Stat::Total { from, to })?,
            "indirect" => pair(rest, "->").map(|(from, to)| Stat::Indirect { from, to })?,
            "htmt" => pair(rest, "|").map(|(a, b)| Stat::Htmt { a, b })?,
            "weight" => Stat::Weight(i(rest)?),
            "loading" => Stat::Loading(i(rest)?),
            "r2" => Stat::R2(c(rest)?),
            "specific_indirect" => {
                let names: Vec<usize> = rest.split("->").map(c).collect::<Option<_>>()?;
                let k = crate::estimate::mediation::chains(model)
                    .list
                    .iter()
                    .position(|ch| *ch == names)?;
                Stat::SpecificIndirect(k)
            }
            "index" => Stat::Index(c(rest)?),
            "model_fit" => {
                let (which, what) = rest.split_once(':')?;
                let estimated = match which {
                    "saturated" => false,
                    "estimated" => true,
                    _ => return None,
                };
                let measure = *Distance::ALL.iter().find(|d| d.key() == what)?;
                Stat::Discrepancy { estimated, measure }
            }
            "ipma" => {
                let (what, name) = rest.split_once(':')?;
                let s = subject(name)?;
                match what {
                    "importance" => Stat::Importance(s),
                    "performance" => Stat::Performance(s),
                    _ => return None,
                }
            }
            _ => return None,
        })
    }
}

/// A statistic's key text, e.g. `path:IMAG->EXPE` (see [`Stat::name`]).
#[derive(Debug, Clone, Copy)]
pub struct StatName<'a> {
    stat: Stat,
    model: &'a Model,
}

impl fmt::Display for StatName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.model;
        let c = |j: usize| m.constructs.get(j).map(|c| c.name.as_str()).unwrap_or("?");
        let i = |k: usize| m.items.get(k).map(|i| i.name.as_str()).unwrap_or("?");
        let s = |x: Subject| match x {
            Subject::Construct(j) => c(j),
            Subject::Indicator(k) => i(k),
        };
        match self.stat {
            Stat::Path { from, to } => write!(f, "path:{}->{}", c(from), c(to)),
            Stat::Weight(k) => write!(f, "weight:{}", i(k)),
            Stat::Loading(k) => write!(f, "loading:{}", i(k)),
            Stat::Total { from, to } => write!(f, "total:{}->{}", c(from), c(to)),
            Stat::Indirect { from, to } => write!(f, "indirect:{}->{}", c(from), c(to)),
            Stat::R2(j) => write!(f, "r2:{}", c(j)),
            Stat::SpecificIndirect(k) => {
                let chains = crate::estimate::mediation::chains(m);
                let names: Vec<&str> = chains
                    .list
                    .get(k)
                    .map(|ch| ch.iter().map(|&j| c(j)).collect())
                    .unwrap_or_else(|| vec!["?"]);
                write!(f, "specific_indirect:{}", names.join("->"))
            }
            Stat::Index(j) => write!(f, "index:{}", c(j)),
            Stat::Htmt { a, b } => write!(f, "htmt:{}|{}", c(a), c(b)),
            Stat::Importance(x) => write!(f, "ipma:importance:{}", s(x)),
            Stat::Performance(x) => write!(f, "ipma:performance:{}", s(x)),
            Stat::Discrepancy { estimated, measure } => write!(
                f,
                "model_fit:{}:{}",
                if estimated { "estimated" } else { "saturated" },
                measure.key()
            ),
        }
    }
}
