//! An argument of any call outside its domain: a number, a pair of bounds or a shape, refused
//! before anything is drawn or measured.

use super::Value;

/// An argument of any call outside its domain: a number, a pair of bounds or a shape, refused
/// before anything is drawn or measured.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ArgumentError {
    /// An argument is out of its domain (negative, non-finite, outside a range, an empty count…).
    #[error("invalid argument `{name}` = {value}: expected {expected}")]
    OutOfDomain {
        /// The argument's name, as in the API (`std`, `gain`, `scale`, `sparsity`…).
        name: &'static str,
        /// The value that was given: a number, a count or a text, each printed as itself.
        value: Value,
        /// What the argument must be.
        expected: &'static str,
    },
    /// A lower bound not below its upper bound (a uniform's `low`/`high`, a truncation's
    /// `a`/`b`).
    #[error(
        "invalid bounds: expected `{lower}` {relation} `{upper}`, got {lower} = {a}, {upper} = {b}"
    )]
    Bounds {
        /// The lower bound's name, as in the API (`low`, `a`).
        lower: &'static str,
        /// The upper bound's name (`high`, `b`).
        upper: &'static str,
        /// `<` (a truncation window must hold mass) or `≤` (a uniform may be a point).
        relation: &'static str,
        /// Lower bound.
        a: f64,
        /// Upper bound.
        b: f64,
    },
    /// A shape or axis argument is inconsistent.
    #[error("invalid `{argument}`: {reason}")]
    Shape {
        /// The argument (`kernel`, `stride`, `in_axes`…).
        argument: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}
