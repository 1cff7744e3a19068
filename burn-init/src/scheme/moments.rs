//! The moments of the entries a scheme gives — the target a policy's manifest reports beside the
//! standard deviation actually drawn. Each is read from [`Scheme::prepare`]'s result, whose
//! formulas live beside the law they describe (`prepared.rs`, and each structured scheme's file).

use super::Scheme;
use crate::error;
use crate::fan::Fan;

impl Scheme {
    /// The mean of the entries of a tensor of `shape` drawn with this scheme (population
    /// value): the value of a constant, the centre of `Uniform`, the mean of `Normal`, the
    /// truncated normal's own mean, g·k/N for `Eye` and `Dirac` (k ones among N), 0 for every
    /// centred scheme. Arguments are checked as by [`Scheme::std`].
    pub fn mean(&self, shape: &[usize], fan: Option<Fan>) -> error::Result<f64> {
        Ok(self.prepare(shape, fan)?.mean())
    }

    /// E\[w²\] = std² + mean²: what a layer's forward variance ratio n_in·E\[w²\] needs (for a
    /// non-centred scheme the std alone misses the mean's share: `Eye` keeps the signal with
    /// std² = (1/n)(1 − 1/n) but E\[w²\] = 1/n).
    pub fn second_moment(&self, shape: &[usize], fan: Option<Fan>) -> error::Result<f64> {
        Ok(self.prepare(shape, fan)?.second_moment())
    }

    /// The standard deviation of the entries of a tensor of `shape` drawn with this scheme and
    /// these fans (population value: what a large draw converges to).
    ///
    /// | scheme | std |
    /// |---|---|
    /// | constants | 0 |
    /// | `Uniform` | (high − low)/√12 |
    /// | `Normal` | std |
    /// | `TruncatedNormal` | std·σ_t(α, β), the truncated normal's own std |
    /// | variance scaling | √(scale / n) |
    /// | `Orthogonal` (`[r, c]` flattened) | \|g\|·√(min(r, c)/(r·c)) (‖Q‖²_F = min(r, c)) |
    /// | `DeltaOrthogonal` `[c_out, c_in/G, k…]`, G groups | \|g\|·√(c_in / numel) (G blocks of c_in/G unit columns) |
    /// | `Eye`, `Dirac` (k ones among N) | \|g\|·√(k/N − (k/N)²) |
    /// | `Sparse` | std·√(1 − zeros/rows) |
    ///
    /// ```
    /// use burn_init::{Fan, FanMode, Nonlinearity, Scheme};
    /// let he = Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu);
    /// let std = he.std(&[256, 512], Some(Fan::linear(256, 512))).unwrap();
    /// assert!((std - (2.0f64 / 256.0).sqrt()).abs() < 1e-12);
    /// ```
    ///
    /// Every argument is checked as a draw would check it: `Normal { std: -1 }` or
    /// `Uniform { low: 1, high: -1 }` is an error, not a negative or meaningless std.
    pub fn std(&self, shape: &[usize], fan: Option<Fan>) -> error::Result<f64> {
        Ok(self.prepare(shape, fan)?.std())
    }
}
