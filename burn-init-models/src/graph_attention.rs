//! Single-head graph attention (GAT-style) with scaled dot-product logits and optional
//! degree-aware scaling.
//!
//! Node i with neighbours N(i) attends with logits **e_ij = (W h_i)·(W h_j) · s_i / √d_out**
//! (the dot-product form, not GAT's a·[Wh_i ‖ Wh_j], so that the scale comes from
//! [`attention_scale`](burn_init::composition::attention_scale) as in a transformer), weights
//! α_ij = softmax_j(e_ij) over N(i) only, and output Σ_j α_ij W h_j. W is Xavier (σ² = 1/d on a
//! square matrix) and shared by both sides, so on unit-variance features the logits have
//! variance [`shared_projection_logit_variance`](burn_init::composition::shared_projection_logit_variance)
//! = σ_w⁴·d_in·(d_in + d_out + 1) ≈ 2 (not the 1 of separate Q and K: WWᵀ is positive
//! semi-definite).
//!
//! `s_i` is 1, or with [`GraphAttentionConfig::reference_degree`] set,
//! [`degree_logit_scale`](burn_init::composition::degree_logit_scale)(deg i, reference) = √(ln deg/ln ref).
//!
//! **What the degree does.** The seed claim is that high-degree nodes get near one-hot
//! attention. With i.i.d. logits of variance σ² the random-energy-model estimate is
//! entropy/ln d ≈ 1 − σ²/(2 ln d) for σ² < 2 ln d: at initialisation (σ² ≈ 1) high-degree
//! nodes attend *more* uniformly and their largest weight shrinks (measured with σ² ≈ 2, d = 32:
//! entropy/ln d 0.69, 0.79, 0.87 and largest weight 0.60, 0.18, 0.03 at degrees 4, 64, 4096;
//! the REM estimate is within 0.04 from degree 64 on and far off at degree 4). The degree-aware scale
//! multiplies σ² by ln d/ln ref, so the predicted entropy/ln d is 1 − σ²/(2 ln ref) at every
//! degree: it levels the *normalised* entropy between degrees where the REM estimate holds
//! (tens of neighbours and more: with reference 64, 0.79 and 0.76 at 64 and 4096 against
//! 0.79 and 0.87 unscaled); at very low degree (≈ 4) the estimate is poor, and scaling the
//! logits down there leaves the softmax flatter than at the reference (0.85). It helps when
//! attention should be equally selective whatever the degree (heavy-tailed degree
//! distributions); it does not stop the largest weight from shrinking with degree, and it is
//! useless when the logits are large enough to condense (σ² > 2 ln d), which no
//! Xavier-initialised layer reaches at the start.

use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::softmax;
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use burn_init::diagnostics::probe;
use burn_init::policy::{Policy, Role, Rule};
use burn_init::{InitError, Key, Scheme, composition};

use crate::Blueprint;
use crate::mlp::blank_linear;

/// Configuration of a [`GraphAttention`] layer.
#[derive(Config, Debug)]
pub struct GraphAttentionConfig {
    /// Node feature width.
    pub d_input: usize,
    /// Output width (the width of W h).
    pub d_output: usize,
    /// Degree the logits are calibrated for; `Some` turns on degree-aware scaling.
    #[config(default = "None")]
    pub reference_degree: Option<usize>,
}

/// Graph attention over neighbour lists. Parameter `transform` (W, Xavier; bias zero).
#[derive(Module, Debug)]
pub struct GraphAttention {
    /// W.
    pub transform: Linear,
    /// 1/√d_output.
    pub scale: f64,
    /// Reference degree of the degree-aware scaling, if any.
    pub reference_degree: Option<usize>,
}

/// What [`GraphAttention::forward`] returns.
#[derive(Debug, Clone)]
pub struct GraphAttentionOutput {
    /// Σ_j α_ij W h_j, `[m, d_output]`.
    pub output: Tensor<2>,
    /// Scaled logits `[m, k]`; in row i only the first `degrees[i]` entries are meaningful.
    pub logits: Tensor<2>,
    /// Attention weights `[m, k]` (0 beyond each node's degree).
    pub weights: Tensor<2>,
}

impl GraphAttentionConfig {
    /// Draws W with `key.for_path("transform.weight")`.
    ///
    /// ```
    /// use burn::tensor::{Int, Tensor};
    /// use burn_init_models::graph_attention::GraphAttentionConfig;
    /// let device = burn::tensor::Device::default();
    /// let layer = GraphAttentionConfig::new(8, 8).with_reference_degree(Some(4)).init(0, &device).unwrap();
    /// let h = Tensor::<2>::ones([5, 8], &device);
    /// // Node 0 has neighbours 1, 2, 3; node 1 has 0 and 4 (its third slot is padding).
    /// let nb = Tensor::<2, Int>::from_data([[1, 2, 3], [0, 4, 0]], &device);
    /// let out = layer.forward(h, nb, &[3, 2]).unwrap();
    /// assert_eq!(out.output.dims(), [2, 8]);
    /// # device.sync().unwrap(); // exit only once the device is idle (see `DeepAutoencoderConfig::init`)
    /// ```
    pub fn init(&self, key: impl Into<Key>, device: &Device) -> burn_init::Result<GraphAttention> {
        Ok(self.init_with_manifest(key, device)?.0)
    }
}

impl Blueprint for GraphAttentionConfig {
    type Model = GraphAttention;

    fn blank(&self, device: &Device) -> burn_init::Result<GraphAttention> {
        if let Some(reference) = self.reference_degree {
            composition::degree_logit_scale(reference, reference)?;
        }
        Ok(GraphAttention {
            transform: blank_linear(self.d_input, self.d_output, device),
            scale: composition::attention_scale(self.d_output)?,
            reference_degree: self.reference_degree,
        })
    }

    /// Xavier normal on `transform.weight`, a zero bias.
    fn policy(&self) -> burn_init::Result<Policy> {
        Ok(Policy::new()
            .rule(Rule::new(Scheme::xavier_normal(1.0)).with_role(Some(Role::Weight)))
            .rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias))))
    }
}

impl GraphAttention {
    /// The logit multiplier of a node of degree `degree`: 1/√d_out, times
    /// √(ln degree/ln reference) with degree-aware scaling (1 for a single neighbour, whose
    /// weight is 1 anyway).
    pub fn node_scale(&self, degree: usize) -> burn_init::Result<f64> {
        Ok(match self.reference_degree {
            Some(reference) if degree >= 2 => {
                self.scale * composition::degree_logit_scale(degree, reference)?
            }
            _ => self.scale,
        })
    }

    /// Attention of the first m nodes of `features` (`[n, d_input]`) over their neighbours:
    /// row i of `neighbours` (`[m, k]`, node indices < n) lists node i's neighbours in its first
    /// `degrees[i]` entries (1 ≤ `degrees[i]` ≤ k); the rest is padding.
    pub fn forward(
        &self,
        features: Tensor<2>,
        neighbours: Tensor<2, Int>,
        degrees: &[usize],
    ) -> burn_init::Result<GraphAttentionOutput> {
        let [n, _] = features.dims();
        let [m, k] = neighbours.dims();
        if degrees.len() != m || m > n {
            return Err(InitError::out_of_domain(
                "degrees",
                degrees.len(),
                "one degree per row of neighbours, at most one row per node",
            ));
        }
        if let Some(&bad) = degrees.iter().find(|&&d| d == 0 || d > k) {
            return Err(InitError::out_of_domain(
                "degrees",
                bad,
                "each degree between 1 and the width of neighbours",
            ));
        }
        // Every listed neighbour (padding included: `select` reads it) must be a node: Burn's
        // `select` would panic, or read out of bounds, on an index ≥ n.
        let indices = neighbours
            .clone()
            .into_data()
            .convert::<i64>()
            .try_to_vec::<i64>()
            .map_err(|refused| {
                InitError::out_of_domain("neighbours", format!("{refused:?}"), "an integer tensor")
            })?;
        if let Some(&bad) = indices.iter().find(|&&i| i < 0 || i as u64 >= n as u64) {
            return Err(InitError::out_of_domain(
                "neighbours",
                bad,
                "node indices in 0..n (padding entries too)",
            ));
        }
        let device = features.device();
        let z = probe::record("transform", self.transform.forward(features));
        let d = z.dims()[1];
        let targets = z.clone().slice([0..m, 0..d]).reshape([m, d, 1]);
        let gathered = z.select(0, neighbours.reshape([m * k])).reshape([m, k, d]);
        let scales = degrees
            .iter()
            .map(|&deg| self.node_scale(deg).map(|s| s as f32))
            .collect::<burn_init::Result<Vec<f32>>>()?;
        let scales = Tensor::<2>::from_data(TensorData::new(scales, [m, 1]), &device);
        let logits = probe::record(
            "logits",
            gathered.clone().matmul(targets).reshape([m, k]) * scales,
        );
        let padding: Vec<bool> = degrees
            .iter()
            .flat_map(|&deg| (0..k).map(move |j| j >= deg))
            .collect();
        let padding = Tensor::<2, Bool>::from_data(TensorData::new(padding, [m, k]), &device);
        let weights = softmax(logits.clone().mask_fill(padding, f32::NEG_INFINITY), 1);
        let output = weights
            .clone()
            .reshape([m, 1, k])
            .matmul(gathered)
            .reshape([m, d]);
        Ok(GraphAttentionOutput {
            output,
            logits,
            weights,
        })
    }
}
