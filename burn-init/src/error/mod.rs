//! The typed error every fallible call of burn-init returns.
//!
//! Every variant names the argument (or parameter path) and the value that was refused, so that
//! a user can fix the call without reading burn-init's source. Nothing is half-done when an error
//! is returned: sampling validates every argument before it draws a single number.

mod argument;
mod diagnosis;
mod policy;
mod sampling;
mod scheme;
mod value;

pub use argument::ArgumentError;
pub use diagnosis::DiagnosisError;
pub use policy::PolicyError;
pub use sampling::SamplingError;
pub use scheme::SchemeError;
pub use value::Value;

/// Result alias used throughout burn-init.
pub type Result<T> = core::result::Result<T, InitError>;

/// Why an initialisation request was refused: one variant per concern, each a small
/// `#[non_exhaustive]` enum of its own, so that a caller matches on the concern it handles and
/// passes the rest on.
///
/// ```
/// use burn_init::error::{ArgumentError, InitError};
/// use burn_init::{Fan, Scheme};
///
/// let refused = Scheme::Normal { mean: 0.0, std: -1.0 }
///     .prepare(&[4, 4], Some(Fan::linear(4, 4)))
///     .unwrap_err();
/// assert!(matches!(
///     refused,
///     InitError::Argument(ArgumentError::OutOfDomain { name: "std", .. })
/// ));
/// assert_eq!(
///     refused.to_string(),
///     "invalid argument `std` = -1: expected a finite number ≥ 0"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// An argument outside its domain ([`ArgumentError`]).
    #[error(transparent)]
    Argument(#[from] ArgumentError),
    /// A scheme that cannot fill the tensor it was given ([`SchemeError`]).
    #[error(transparent)]
    Scheme(#[from] SchemeError),
    /// A draw the host cannot hold, or a shard outside its tensor ([`SamplingError`]).
    #[error(transparent)]
    Sampling(#[from] SamplingError),
    /// A policy that cannot be applied to a model ([`PolicyError`]).
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A measurement of the diagnostics or LSUV that cannot be made ([`DiagnosisError`]).
    #[error(transparent)]
    Diagnosis(#[from] DiagnosisError),
}

/// [`SamplingError::OutOfMemory`]'s cause when the allocator returned no memory.
pub const REFUSED_BY_ALLOCATOR: &str = "refused by the allocator";
/// [`SamplingError::OutOfMemory`]'s cause when the size was refused before any allocation.
pub const EXCEEDS_HOST_MEMORY: &str =
    "exceed this host's RAM plus swap: refused before anything was allocated";

impl InitError {
    /// [`ArgumentError::OutOfDomain`]: the argument `name` = `value` is not `expected`.
    ///
    /// ```
    /// use burn_init::InitError;
    ///
    /// let e = InitError::out_of_domain("depth", 0_usize, "at least 1");
    /// assert_eq!(e.to_string(), "invalid argument `depth` = 0: expected at least 1");
    /// ```
    pub fn out_of_domain(
        name: &'static str,
        value: impl Into<Value>,
        expected: &'static str,
    ) -> Self {
        Self::Argument(ArgumentError::OutOfDomain {
            name,
            value: value.into(),
            expected,
        })
    }

    /// A truncation window [a, b] that is empty or NaN (`a < b` is required).
    pub(crate) fn truncation(a: f64, b: f64) -> Self {
        Self::Argument(ArgumentError::Bounds {
            lower: "a",
            upper: "b",
            relation: "<",
            a,
            b,
        })
    }
}

/// `value` must be finite.
pub(crate) fn finite(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(InitError::out_of_domain(name, value, "a finite number"))
    }
}

/// `value` must be finite and ≥ 0.
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(InitError::out_of_domain(name, value, "a finite number ≥ 0"))
    }
}

/// `value` must be finite and > 0.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(InitError::out_of_domain(name, value, "a finite number > 0"))
    }
}

/// `value` must be representable in f32 (finite and |value| ≤ f32::MAX): weights are f32.
pub(crate) fn representable(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value.abs() <= f64::from(f32::MAX) {
        Ok(value)
    } else {
        Err(InitError::out_of_domain(
            name,
            value,
            "a finite number representable in f32",
        ))
    }
}

/// A distribution centred at `mean` whose values reach `reach` standard deviations must stay
/// inside f32's range.
pub(crate) fn fits_f32(mean: f64, std: f64, reach: f64) -> Result<()> {
    if mean.abs() + reach * std <= f64::from(f32::MAX) {
        Ok(())
    } else {
        Err(InitError::out_of_domain(
            "std",
            std,
            "small enough that the draws fit in f32",
        ))
    }
}
