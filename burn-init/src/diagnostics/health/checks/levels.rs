//! The levels at which a check speaks, and the finding it makes: a leaf the checks share.

use crate::diagnostics::health::{Check, Finding, Severity};

/// δ_L/δ_0 below e⁻⁶: will not train. Correlations between inputs approach their fixed point as
/// e^(−l/ξ_c), and networks train only while their depth is below about 6ξ_c (Schoenholz et al.
/// 2017, "Deep information propagation", Fig. 5–6): at that depth the distinct part has fallen
/// by e⁻⁶. A critical ReLU network loses it as a power law instead (1 − c_l ∝ 1/l²): from an
/// input correlation of ½ it keeps 9 % after 20 layers and 2 % after 50, above this threshold.
///
/// There is no milder level: a global average pool or a narrow head legitimately concentrates
/// the representation on what all inputs share (a correctly initialised CNN's pooled logits keep
/// about 2 % of its input images' distinctions), so only a loss beyond the trainable depth scale
/// says something about the initialisation.
///
/// The check reads the read-out's input, the last record before the loss's logits, as the
/// magnitude check does: the read-out learns from its input's distinctions, and an offset its own
/// bias adds to every example is the bias's to learn.
pub const COLLAPSE_FATAL: f64 = 0.002_478_752_176_666_358_4;

/// A record with at least half of its units dead on the whole batch: at risk. He's gain assumes
/// that half of a ReLU layer's units fire on each input; a layer that lost more than half of its
/// units for every input has lost width, not just a sign.
pub const DEAD_AT_RISK: f64 = 0.5;

/// At least half of a squashing activation's values saturated: at risk (their gradient is
/// below 2 % of the linear regime's).
pub const SATURATED_AT_RISK: f64 = 0.5;

/// The last record's softmax with a mean normalised entropy below ½ (it spreads over fewer than
/// √K classes on average): at risk. A classifier trains best from near-uniform predictions
/// (loss ≈ ln K); a peaked start is confidently wrong on most examples, the loss starts far above
/// ln K and the first steps go to shrinking the logits.
pub const SOFTMAX_ENTROPY_AT_RISK: f64 = 0.5;

/// How far past the depth band a classifier's exploding signal may go under Adam and remain a
/// note: ln 4, the excess of one layer drawn at twice its critical scale (×4 in second moment),
/// two steps' [`LAYER_ALLOWANCE`](super::LAYER_ALLOWANCE). A cross-entropy's gradient is bounded
/// whatever the logits' scale and Adam's steps are ≈ lr per weight, so an excess this small is
/// undone in Adam's first steps: the unscaled residual stack, whose branches add ×2 per block and
/// pass the band by 0.3–1.0 at the read-out's input, trained well in every one of its seven runs
/// (verdict study v3–v5 and the main job, 75.6–79.0 %). Past it the trunk's scale is wrong
/// throughout: the MLP and the CNN under He × 2, 5.2–23.5 past the band, trained slowly in all
/// twelve (40–54 %). Fitted on those runs; v6's seeds test it
/// (`docs/verdict-study-rule-v6.md`).
pub const EXPLODING_ADAM_EXCESS: f64 = 2.0 * std::f64::consts::LN_2;

pub(super) fn finding(
    check: Check,
    severity: Severity,
    at: Vec<String>,
    value: f64,
    threshold: f64,
    detail: String,
) -> Finding {
    Finding {
        check,
        severity,
        at,
        value,
        threshold,
        detail,
    }
}
