//! Presets for recurrent networks.

use super::{Policy, Rule, Scheme};
use crate::error::{self, Result};

impl Policy {
    /// The forget-gate bias of every Burn `Lstm` (and `BiLstm`) set to `value` — Jozefowicz,
    /// Zaremba & Sutskever (2015, "An empirical exploration of recurrent network architectures")
    /// found b_f = 1 closes most of the gap between the LSTM and better architectures: with
    /// f = σ(b_f + …) ≈ σ(1) = 0.73 instead of 0.5 at init, the cell keeps its memory over many
    /// more steps and gradients flow back through time.
    ///
    /// Burn's gate has two biases (`input_transform` and `hidden_transform`) that are summed, as
    /// PyTorch's b_ih + b_hh: the input side gets `value`, the hidden side 0, so the gate's total
    /// bias is exactly `value`. The rules are not optional: a model without a forget gate (no
    /// LSTM, or `input_forget` coupling) is an error, not a silent no-op. Combine with a base:
    /// `Policy::lstm_forget_bias(1.0)?.then(Policy::pytorch_default())`.
    ///
    /// ```
    /// use burn::nn::LstmConfig;
    /// use burn_init::{policy::Policy, Key};
    /// let lstm = LstmConfig::new(16, 32, true).init(&Default::default());
    /// let policy = Policy::lstm_forget_bias(1.0).unwrap().then(Policy::pytorch_default());
    /// let (lstm, _) = policy.apply(lstm, Key::new(0)).unwrap();
    /// let forget = lstm.forget_gate.unwrap();
    /// let total = forget.input_transform.bias.unwrap().val() + forget.hidden_transform.bias.unwrap().val();
    /// assert_eq!(total.into_data().to_vec::<f32>().unwrap(), vec![1.0; 32]);
    /// ```
    pub fn lstm_forget_bias(value: f64) -> Result<Self> {
        let value = error::representable("value", value)?;
        let gate = |path: &str, scheme: Scheme| {
            Rule::new(scheme)
                .with_within(Some("Lstm".to_string()))
                .with_path(Some(path.to_string()))
        };
        Ok(Policy::new()
            .rule(gate(
                "*forget_gate.input_transform.bias",
                Scheme::Constant { value },
            ))
            .rule(gate("*forget_gate.hidden_transform.bias", Scheme::Zeros)))
    }
}
