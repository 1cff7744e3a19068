//! The user's path, on real Burn modules shaped like GPT-2 small and ResNet-50: built with Burn's
//! configs (Burn's own initializer, or burn-init's at construction), initialised by a policy, and
//! forced until every parameter holds its values.

use burn::module::{Module, ModuleVisitor, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Embedding, EmbeddingConfig, Initializer, Linear, LinearConfig,
};
use burn::tensor::{Device, Tensor};
use burn_init::policy::{InitWith, Manifest, Policy, Role, Rule};
use burn_init::{FanMode, Key, Nonlinearity, Scheme};

/// GPT-2 small's matrices as Burn modules: the token embedding 50 257 × 768 and 12 blocks of
/// four `Linear`s (with biases).
#[derive(Module, Debug)]
pub struct Gpt2 {
    wte: Embedding,
    blocks: Vec<Gpt2Block>,
}

#[derive(Module, Debug)]
pub struct Gpt2Block {
    c_attn: Linear,
    attn_proj: Linear,
    c_fc: Linear,
    mlp_proj: Linear,
}

const GPT2_LINEARS: [(&str, usize, usize); 4] = [
    ("c_attn", 768, 2304),
    ("attn_proj", 768, 768),
    ("c_fc", 768, 3072),
    ("mlp_proj", 3072, 768),
];

/// How the layers of a benchmark model are built.
pub enum Build<'a> {
    /// Burn's configs with Burn's initializer (lazy until forced).
    Burn(Initializer),
    /// Burn's configs, then burn-init's `init_with` with this scheme per layer, keyed by path.
    InitWith(&'a Scheme, Key),
}

/// N(0, 0.02²) for every GPT-2 weight (Radford et al. 2019), zero biases.
pub fn gpt2_scheme() -> Scheme {
    Scheme::Normal {
        mean: 0.0,
        std: 0.02,
    }
}

pub fn gpt2(build: &Build, device: &Device) -> Gpt2 {
    let linear = |path: String, d_in, d_out| {
        let config = LinearConfig::new(d_in, d_out);
        match build {
            Build::Burn(init) => config.with_initializer(init.clone()).init(device),
            Build::InitWith(scheme, key) => config
                .init_with(scheme, key.for_path(&path), device)
                .expect("valid"),
        }
    };
    let wte = EmbeddingConfig::new(50257, 768);
    let wte = match build {
        Build::Burn(init) => wte.with_initializer(init.clone()).init(device),
        Build::InitWith(scheme, key) => wte
            .init_with(scheme, key.for_path("wte"), device)
            .expect("valid"),
    };
    let blocks = (0..12)
        .map(|i| {
            let mut layers = GPT2_LINEARS
                .iter()
                .map(|(name, d_in, d_out)| linear(format!("blocks.{i}.{name}"), *d_in, *d_out));
            let mut next = || layers.next().expect("four linears");
            Gpt2Block {
                c_attn: next(),
                attn_proj: next(),
                c_fc: next(),
                mlp_proj: next(),
            }
        })
        .collect();
    Gpt2 { wte, blocks }
}

/// Weights N(0, 0.02²), biases zero.
pub fn gpt2_policy() -> Policy {
    Policy::new()
        .rule(Rule::new(gpt2_scheme()).with_role(Some(Role::Weight)))
        .rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Bias)))
}

/// ResNet-50's convolutions (no bias, each followed by a `BatchNorm`) and its classifier.
#[derive(Module, Debug)]
pub struct ResNet50 {
    convs: Vec<Conv2d>,
    norms: Vec<BatchNorm>,
    fc: Linear,
}

/// `[c_out, c_in, k]` of every convolution, in order.
fn resnet_convs() -> Vec<(usize, usize, usize)> {
    let mut convs = vec![(64, 3, 7)];
    let mut c_in = 64;
    for (blocks, width) in [(3, 64), (4, 128), (6, 256), (3, 512)] {
        for block in 0..blocks {
            convs.push((width, c_in, 1));
            convs.push((width, width, 3));
            convs.push((4 * width, width, 1));
            if block == 0 {
                convs.push((4 * width, c_in, 1));
            }
            c_in = 4 * width;
        }
    }
    convs
}

/// He normal with fan_out for the convolutions (torchvision).
pub fn resnet_scheme() -> Scheme {
    Scheme::kaiming_normal(FanMode::FanOut, Nonlinearity::Relu)
}

pub fn resnet50(build: &Build, device: &Device) -> ResNet50 {
    let (mut convs, mut norms) = (Vec::new(), Vec::new());
    for (i, (c_out, c_in, k)) in resnet_convs().into_iter().enumerate() {
        let config = Conv2dConfig::new([c_in, c_out], [k, k]).with_bias(false);
        convs.push(match build {
            Build::Burn(init) => config.with_initializer(init.clone()).init(device),
            Build::InitWith(scheme, key) => config
                .init_with(scheme, key.for_path(&format!("convs.{i}")), device)
                .expect("valid"),
        });
        let norm = BatchNormConfig::new(c_out);
        norms.push(match build {
            Build::Burn(_) => norm.init(device),
            Build::InitWith(_, key) => norm
                .init_with(&Scheme::Ones, key.for_path(&format!("norms.{i}")), device)
                .expect("valid"),
        });
    }
    let fc = LinearConfig::new(2048, 1000);
    let fc = match build {
        Build::Burn(init) => fc.with_initializer(init.clone()).init(device),
        Build::InitWith(_, key) => fc
            .init_with(&Scheme::PytorchDefault, key.for_path("fc"), device)
            .expect("valid"),
    };
    ResNet50 { convs, norms, fc }
}

/// He normal (fan_out) convolutions, BatchNorm γ = 1 and β = 0, PyTorch's default classifier.
pub fn resnet_policy() -> Policy {
    Policy::new()
        .rule(Rule::new(resnet_scheme()).with_layer(Some("Conv2d".into())))
        .rule(Rule::new(Scheme::Ones).with_role(Some(Role::Gamma)))
        .rule(Rule::new(Scheme::Zeros).with_role(Some(Role::Beta)))
        .rule(Rule::new(Scheme::PytorchDefault).with_layer(Some("Linear".into())))
}

/// Reads every float parameter (running lazy draws) and waits for the device: the model then
/// holds all its values. Returns the number of parameters.
pub fn force<M: Module>(model: &M, device: &Device) -> usize {
    struct Force(usize);
    impl ModuleVisitor for Force {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0 += param.val().shape().num_elements();
        }
    }
    let mut force = Force(0);
    model.visit(&mut force);
    device.sync().expect("device sync");
    force.0
}

/// The raw host sampler on exactly what a manifest assigned: every parameter's `sample_host`
/// with its scheme, fans and path key — no model, no tensors. All buffers are kept, as a model
/// keeps all its values (dropping each at once would let the allocator hand the next draw the
/// same warm pages).
pub fn host_draws(manifest: &Manifest, key: &Key) -> Vec<Vec<f32>> {
    manifest
        .initialised()
        .map(|e| {
            let scheme = e
                .scheme
                .as_ref()
                .expect("initialised entries have a scheme");
            scheme
                .sample_host(&e.shape, e.fan, key.for_path(&e.path))
                .expect("valid")
        })
        .collect()
}
