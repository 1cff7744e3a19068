//! Which fan a variance-scaling scheme divides by. A leaf module (it imports nothing of the
//! crate), so that errors can name a mode without a circle between `error` and `fan`.

// `FanMode`'s variants mirror JAX's `fan_*` names (also in the serde twin Burn's derive makes).
#![allow(clippy::enum_variant_names)]

use burn::config::Config;

/// Which fan a variance-scaling scheme divides by (JAX's `fan_in`, `fan_out`, `fan_avg`,
/// `fan_geo_avg`; the shared prefix is kept so the JSON reads like JAX's modes).
#[derive(Config, Debug, PartialEq, Eq, Copy, Hash)]
pub enum FanMode {
    /// n = fan_in: preserves the forward signal.
    FanIn,
    /// n = fan_out: preserves the backward (gradient) signal.
    FanOut,
    /// n = (fan_in + fan_out)/2: Glorot's compromise.
    FanAvg,
    /// n = √(fan_in·fan_out).
    FanGeoAvg,
}
