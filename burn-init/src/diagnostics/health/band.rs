//! The band a correct initialisation's signal stays within across depth. A leaf of the health
//! checks: the signal table and the checks both read it.

use std::f64::consts::LN_2;

/// What a critical network may legitimately do to the second moment in one step: a rectifier
/// halves it (E[ReLU(z)²] = E\[z²\]/2), He's gain √2 on a layer that reads an unrectified input
/// doubles it. Beyond ×2 or ×½ a gain is the initialisation's, not the architecture's.
pub const LAYER_ALLOWANCE: f64 = LN_2;

/// Standard deviations of the finite-width band (and of every standard-error margin here).
pub(crate) const SIGMAS: f64 = 5.0;

/// The band |ln G| of a critical ReLU network stays within after layers of widths n_l, given
/// Σ 1/n_l: [`LAYER_ALLOWANCE`] + 5·√(5·Σ 1/n_l).
///
/// At finite width the log of the squared norm after L layers is close to Gaussian with
/// variance ≈ 5·Σ 1/n_l for He-initialised ReLU networks (Hanin & Nica 2019, "Products of many
/// large random matrices and gradients in deep neural networks"), and smaller for smoother or
/// normalised networks; 5 standard deviations of it, plus one step's allowance, is what a correct
/// initialisation can show. Beyond it the signal's scale changes geometrically with depth,
/// which is what an initialisation off by a constant factor per layer does.
pub fn band(inverse_widths: f64) -> f64 {
    LAYER_ALLOWANCE + SIGMAS * (5.0 * inverse_widths.max(0.0)).sqrt()
}
