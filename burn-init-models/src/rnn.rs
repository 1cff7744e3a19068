//! A simple recurrent cell h_t = tanh(x_t·W_xh + h_{t−1}·W_hh + b) whose recurrent matrix is drawn
//! so that its spectrum sits on the unit circle, and Burn's [`Lstm`] under a
//! [`Policy`] with orthogonal recurrent weights.
//!
//! Claim (§RNN): with Glorot on the square W_hh (n_in = n_out = n, σ² = 1/n) the circular law puts
//! the eigenvalues uniformly in the unit disc, so the spectral radius is ≈ 1 (for n = 512 the
//! largest |λ| of a Ginibre matrix exceeds 1 by about √(γ_n/4n) ≈ 0.02, γ_n = ln(n/2π) − 2 ln ln n);
//! an orthogonal W_hh has every |λ| = 1 exactly, so neither explodes nor vanishes at the start.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Linear, Lstm, LstmConfig};
use burn::tensor::{Device, Tensor};
use burn_init::diagnostics::probe;
use burn_init::policy::{Policy, Role, Rule};
use burn_init::{Key, Scheme};

use crate::Blueprint;
use crate::mlp::blank_linear;

/// How the recurrent matrix W_hh is drawn.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum RecurrentInit {
    /// Glorot normal on the square matrix: σ² = 2/(n + n) = 1/n, spectral radius ≈ 1 (circular law).
    Xavier,
    /// Haar-orthogonal: every eigenvalue on the unit circle.
    Orthogonal,
}

impl RecurrentInit {
    /// The scheme this choice stands for.
    pub fn scheme(&self) -> Scheme {
        match self {
            Self::Xavier => Scheme::xavier_normal(1.0),
            Self::Orthogonal => Scheme::orthogonal(1.0),
        }
    }
}

/// Configuration of a [`SimpleRnnCell`].
#[derive(Config, Debug)]
pub struct SimpleRnnConfig {
    /// Input features.
    pub d_input: usize,
    /// Hidden units n (W_hh is n × n).
    pub d_hidden: usize,
    /// How W_hh is drawn.
    #[config(default = "RecurrentInit::Orthogonal")]
    pub recurrent: RecurrentInit,
}

/// h_t = tanh(x_t·W_xh + h_{t−1}·W_hh + b): W_xh Xavier (`input.weight`), b = 0 (`input.bias`),
/// W_hh (`recurrent`, `[n, n]`) by [`RecurrentInit`].
#[derive(Module, Debug)]
pub struct SimpleRnnCell {
    /// x·W_xh + b.
    pub input: Linear,
    /// W_hh, `[d_hidden, d_hidden]`, applied as h·W_hh.
    pub recurrent: Param<Tensor<2>>,
}

impl SimpleRnnConfig {
    /// Draws the cell, each parameter with `key.for_path(<field path>)`.
    ///
    /// ```
    /// use burn_init_models::rnn::{RecurrentInit, SimpleRnnConfig};
    /// let device = burn::tensor::Device::default();
    /// let cell = SimpleRnnConfig::new(8, 16)
    ///     .with_recurrent(RecurrentInit::Xavier)
    ///     .init(7, &device)
    ///     .unwrap();
    /// let h = cell.forward(burn::tensor::Tensor::<3>::zeros([2, 5, 8], &device), None);
    /// assert_eq!(h.dims(), [2, 5, 16]);
    /// # device.sync().unwrap(); // exit only once the device is idle (see `DeepAutoencoderConfig::init`)
    /// ```
    pub fn init(&self, key: impl Into<Key>, device: &Device) -> burn_init::Result<SimpleRnnCell> {
        Ok(self.init_with_manifest(key, device)?.0)
    }
}

impl Blueprint for SimpleRnnConfig {
    type Model = SimpleRnnCell;

    fn blank(&self, device: &Device) -> burn_init::Result<SimpleRnnCell> {
        for (name, value) in [("d_input", self.d_input), ("d_hidden", self.d_hidden)] {
            if value == 0 {
                return Err(burn_init::InitError::out_of_domain(
                    name,
                    0_usize,
                    "at least 1",
                ));
            }
        }
        let n = self.d_hidden;
        Ok(SimpleRnnCell {
            input: blank_linear(self.d_input, n, device),
            recurrent: Param::from_tensor(Tensor::zeros([n, n], device)),
        })
    }

    /// Xavier normal on `input.weight`, the recurrent choice on `recurrent` (fans (n, n)), a
    /// zero bias.
    fn policy(&self) -> burn_init::Result<Policy> {
        Ok(Policy::new()
            .rule(Rule::new(Scheme::xavier_normal(1.0)).with_path(Some("input.weight".into())))
            .rule(Rule::new(self.recurrent.scheme()).with_path(Some("recurrent".into())))
            .rule(Rule::new(Scheme::Zeros).with_path(Some("input.bias".into()))))
    }
}

impl SimpleRnnCell {
    /// One step: `[batch, d_input]`, `[batch, d_hidden]` → `[batch, d_hidden]`.
    pub fn step(&self, x: Tensor<2>, h: Tensor<2>) -> Tensor<2> {
        (self.input.forward(x) + h.matmul(self.recurrent.val())).tanh()
    }

    /// Runs over `[batch, time, d_input]` from `h0` (zeros if `None`) and returns every hidden
    /// state, `[batch, time, d_hidden]`.
    pub fn forward(&self, x: Tensor<3>, h0: Option<Tensor<2>>) -> Tensor<3> {
        let [batch, time, d_input] = x.dims();
        let n = self.recurrent.val().dims()[0];
        let mut h = h0.unwrap_or_else(|| Tensor::zeros([batch, n], &x.device()));
        let mut states = Vec::with_capacity(time);
        for t in 0..time {
            let x_t = x
                .clone()
                .slice([0..batch, t..t + 1, 0..d_input])
                .reshape([batch, d_input]);
            h = probe::record(format_args!("state.{t}"), self.step(x_t, h));
            states.push(h.clone().unsqueeze_dim::<3>(1));
        }
        Tensor::cat(states, 1)
    }
}

/// The policy of [`lstm_with_policy`]: orthogonal recurrent weights (`*.hidden_transform.weight`
/// within a `GateController`), Xavier-normal input weights (`*.input_transform.weight`), zero
/// biases; every parameter must be matched.
pub fn lstm_policy() -> Policy {
    let within = |rule: Rule| rule.with_within(Some("GateController".into()));
    Policy::new()
        .rule(within(
            Rule::new(Scheme::orthogonal(1.0)).with_path(Some("*.hidden_transform.weight".into())),
        ))
        .rule(within(
            Rule::new(Scheme::xavier_normal(1.0))
                .with_path(Some("*.input_transform.weight".into())),
        ))
        .rule(within(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias))))
        .with_require_all(true)
}

/// Burn's [`Lstm`] built from `config` and re-initialised by [`lstm_policy`] with `key`: each
/// gate's W_hh orthogonal, W_xh Xavier, biases zero. A refused policy gives its typed error.
///
/// ```
/// use burn::nn::LstmConfig;
/// let device = burn::tensor::Device::default();
/// let lstm = burn_init_models::rnn::lstm_with_policy(&LstmConfig::new(8, 16, true), 3, &device).unwrap();
/// assert_eq!(lstm.d_hidden, 16);
/// ```
pub fn lstm_with_policy(
    config: &LstmConfig,
    key: impl Into<Key>,
    device: &Device,
) -> burn_init::Result<Lstm> {
    let lstm = config.init(device);
    lstm_policy()
        .apply(lstm, key.into())
        .map(|(lstm, _manifest)| lstm)
        .map_err(|refused| refused.error)
}
