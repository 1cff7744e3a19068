//! What a module's theory predicts for a recorded activation's variance.

use serde::{Deserialize, Serialize};

use crate::error;

/// What a module's theory says a recorded activation's variance should be, given its fans,
/// gains and composition factors (see [`composition`](crate::composition)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expected {
    /// Var(a) = the value.
    Variance(f64),
    /// Var(a) = `ratio` × the measured variance of the earlier record `of`.
    Ratio {
        /// An earlier record's name, in the scope of the record that declares it (a module
        /// names its own records; the scopes its parents opened are added to both).
        of: String,
        /// The factor.
        ratio: f64,
    },
    /// Var(a) = `ratio` × E\[`of`²\] + `offset`: a layer of zero-mean weights reads its input's
    /// second moment, not its variance, and adds a bias of variance `offset` (the mean-field
    /// recursion q = σ_w²·n·E[φ(z)²] + σ_b², Poole et al. 2016).
    ///
    /// When a (leaky) rectifier φ of slope s lies between `of` and this record, `ratio` holds
    /// E[φ(z)²]/E\[z²\] = (1 + s²)/2, which is exact only for units whose pre-activation is
    /// symmetric. On a finite layer each unit's E[z₊²] − E[z₋²] differs from 0, and φ passes
    /// E[φ(z)²] = (1 + s²)/2·E\[z²\] + (1 − s²)/2·(E[z₊²] − E[z₋²]): `rectified` =
    /// (1 − s²)/(1 + s²) (1 for ReLU, 0 with no rectifier) weighs that spread into the
    /// prediction's standard error, ratio·rectified·SE(E[z₊²] − E[z₋²]) across `of`'s units.
    Moment {
        /// An earlier record's name (scoped as for [`Expected::Ratio`]).
        of: String,
        /// The factor.
        ratio: f64,
        /// The added variance.
        offset: f64,
        /// The rectifier's weight (1 − s²)/(1 + s²) in the standard error; 0 without one.
        #[serde(default)]
        rectified: f64,
    },
}

impl Expected {
    /// The earlier record this prediction is relative to, its factor, its offset, and whether
    /// the factor applies to the reference's second moment (else to its variance).
    pub fn reference(&self) -> Option<(&str, f64, f64, bool)> {
        match self {
            Self::Variance(_) => None,
            Self::Ratio { of, ratio } => Some((of, *ratio, 0.0, false)),
            Self::Moment {
                of, ratio, offset, ..
            } => Some((of, *ratio, *offset, true)),
        }
    }

    /// The numbers must make a variance: finite, and a variance, factor and offset ≥ 0.
    pub(crate) fn check(&self) -> error::Result<()> {
        let (name, value) = match self {
            Self::Variance(v) => ("Expected::Variance", *v),
            Self::Ratio { ratio, .. } => ("Expected::Ratio::ratio", *ratio),
            Self::Moment {
                ratio,
                offset,
                rectified,
                ..
            } => {
                error::non_negative("Expected::Moment::offset", *offset)?;
                if !(0.0..=1.0).contains(rectified) {
                    return Err(error::InitError::out_of_domain(
                        "Expected::Moment::rectified",
                        *rectified,
                        "(1 − s²)/(1 + s²) of a rectifier's slope s: in [0, 1]",
                    ));
                }
                ("Expected::Moment::ratio", *ratio)
            }
        };
        error::non_negative(name, value).map(|_| ())
    }

    pub(crate) fn scoped(self, scope: impl Fn(&str) -> String) -> Self {
        match self {
            Self::Ratio { of, ratio } => Self::Ratio {
                of: scope(&of),
                ratio,
            },
            Self::Moment {
                of,
                ratio,
                offset,
                rectified,
            } => Self::Moment {
                of: scope(&of),
                ratio,
                offset,
                rectified,
            },
            other => other,
        }
    }
}
