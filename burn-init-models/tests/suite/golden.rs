//! Golden bits of every model: a fingerprint of every float parameter each config's `init`
//! draws, for two keys and the init options each config offers. A key's bits are a promise
//! (checkpoints, papers): unifying the models' init styles (issue 21, item 4) must keep them.
//! Taken on commit 3e3cee2.
//!
//! The fingerprint is burn-init's (`burn_init::fingerprint::of_module`: FNV-1a over the length and
//! every value's bits, combined over the parameters in Burn's visiting order).

use burn::module::Module;
use burn::nn::LstmConfig;
use burn::tensor::Device;
use burn_init::Key;
use burn_init_models::rnn::lstm_with_policy;
use burn_init_models::*;

/// One fingerprint over every float parameter, in Burn's visiting order.
fn of<M: Module>(model: M) -> (u64, usize) {
    let print = burn_init::fingerprint::of_module(&model).unwrap();
    (print.hash, print.parameters)
}

fn models(seed: u64, device: &Device) -> Vec<(String, (u64, usize))> {
    let key = Key::new(seed);
    let mut out: Vec<(String, (u64, usize))> = vec![
        (
            "mlp".into(),
            of(DeepMlpConfig::new(8, 16, 2, 3).init(key, device).unwrap()),
        ),
        (
            "autoencoder".into(),
            of(DeepAutoencoderConfig::new(8, 4)
                .with_n_layers(2)
                .init(key, device)
                .unwrap()),
        ),
        (
            "separable".into(),
            of(DepthwiseSeparableConfig::new(4, 4)
                .init(key, device)
                .unwrap()),
        ),
        (
            "unet".into(),
            of(UnetUpConfig::new(4).init(key, device).unwrap()),
        ),
        (
            "dense".into(),
            of(DenseBlockConfig::new(4)
                .with_layers(2)
                .init(key, device)
                .unwrap()),
        ),
        (
            "graph_attention".into(),
            of(GraphAttentionConfig::new(4, 8).init(key, device).unwrap()),
        ),
        (
            "weight_norm".into(),
            of(WeightNormLinearConfig::new(4, 8).init(key, device).unwrap()),
        ),
        (
            "transformer".into(),
            of(TransformerBlockConfig::new(8, 2, 16)
                .init(key, device)
                .unwrap()),
        ),
        (
            "transformer_stack".into(),
            of(TransformerBlockConfig::new(8, 2, 16)
                .init_stack(2, key, device)
                .unwrap()),
        ),
        (
            "lstm".into(),
            of(lstm_with_policy(&LstmConfig::new(4, 8, true), key, device).unwrap()),
        ),
    ];
    for scaling in [
        ResidualScaling::Unscaled,
        ResidualScaling::Scaled,
        ResidualScaling::ZeroGamma,
        ResidualScaling::ReZero,
        ResidualScaling::Fixup,
    ] {
        let block = ResidualBlockConfig::new(8).with_scaling(scaling);
        let stack = ResidualStackConfig::new(block, 2)
            .init(key, device)
            .unwrap();
        out.push((format!("residual {scaling:?}"), of(stack)));
    }
    for init in [BranchInit::He, BranchInit::Glorot] {
        let model = InceptionSumConfig::new(4)
            .with_init(init)
            .init(key, device)
            .unwrap();
        out.push((format!("inception {init:?}"), of(model)));
    }
    for init in [UpsampleInit::Naive, UpsampleInit::StrideAware] {
        let model = UpsamplerConfig::new(4, 4)
            .with_init(init)
            .init(key, device)
            .unwrap();
        out.push((format!("upsample {init:?}"), of(model)));
    }
    for recurrent in [RecurrentInit::Xavier, RecurrentInit::Orthogonal] {
        let model = SimpleRnnConfig::new(4, 8)
            .with_recurrent(recurrent)
            .init(key, device)
            .unwrap();
        out.push((format!("rnn {recurrent:?}"), of(model)));
    }
    out
}

per_device! {
    fn every_model_keeps_its_bits(device) {
        let measured: Vec<String> = [0, 5]
            .into_iter()
            .flat_map(|seed| models(seed, device).into_iter().map(move |(name, (hash, n))| {
                format!("{name} seed {seed}: {n} parameters 0x{hash:016x}")
            }))
            .collect();
        let expected: Vec<String> = GOLDEN.iter().map(|s| s.to_string()).collect();
        assert_eq!(measured, expected, "today's:\n{measured:#?}");
    }
}

const GOLDEN: &[&str] = &[
    "mlp seed 0: 6 parameters 0xd2bdf3eb0e809150",
    "autoencoder seed 0: 4 parameters 0x986054384b4aca03",
    "separable seed 0: 2 parameters 0xd1305c0b4b36c4e1",
    "unet seed 0: 1 parameters 0xc925730d3765fa95",
    "dense seed 0: 10 parameters 0xc23def960cc40805",
    "graph_attention seed 0: 2 parameters 0x51cd4f7e0814d6c4",
    "weight_norm seed 0: 3 parameters 0xb1ee8739ea1942b5",
    "transformer seed 0: 16 parameters 0xbea27447152cf5d7",
    "transformer_stack seed 0: 32 parameters 0xeaa48e9f0ca43c83",
    "lstm seed 0: 16 parameters 0xf36a9620d1a0fc71",
    "residual Unscaled seed 0: 8 parameters 0xdbb6e00905040ab4",
    "residual Scaled seed 0: 8 parameters 0xdbb6e00905040ab4",
    "residual ZeroGamma seed 0: 12 parameters 0x9bd64ed43abc7a54",
    "residual ReZero seed 0: 10 parameters 0x59106fa0fa536fbb",
    "residual Fixup seed 0: 8 parameters 0xc112a9c18e4bc0ce",
    "inception He seed 0: 3 parameters 0xbd25f62975932548",
    "inception Glorot seed 0: 3 parameters 0xbd25f62975932548",
    "upsample Naive seed 0: 1 parameters 0xd251f24dc1c10686",
    "upsample StrideAware seed 0: 1 parameters 0xd84750aebf935f28",
    "rnn Xavier seed 0: 3 parameters 0xa525f0dcdeacc0ac",
    "rnn Orthogonal seed 0: 3 parameters 0xbef839cfeb7032b0",
    "mlp seed 5: 6 parameters 0x83437a82a8223823",
    "autoencoder seed 5: 4 parameters 0x41c1863803122124",
    "separable seed 5: 2 parameters 0xa8d276cf81133983",
    "unet seed 5: 1 parameters 0x90645ca95fa39ebd",
    "dense seed 5: 10 parameters 0x733346b9dce3dc7a",
    "graph_attention seed 5: 2 parameters 0x8b06803e932a1517",
    "weight_norm seed 5: 3 parameters 0xb413cd64126d02a3",
    "transformer seed 5: 16 parameters 0x8bf2438ba700229a",
    "transformer_stack seed 5: 32 parameters 0xa136408f1bfff5fd",
    "lstm seed 5: 16 parameters 0xc3b9f823025691cf",
    "residual Unscaled seed 5: 8 parameters 0xd0934bce8f7d0384",
    "residual Scaled seed 5: 8 parameters 0xd0934bce8f7d0384",
    "residual ZeroGamma seed 5: 12 parameters 0x12305f7245ddd256",
    "residual ReZero seed 5: 10 parameters 0xa2d9248cbec940a8",
    "residual Fixup seed 5: 8 parameters 0xbe02a49fc004a114",
    "inception He seed 5: 3 parameters 0x2e939c85646d239e",
    "inception Glorot seed 5: 3 parameters 0x2e939c85646d239e",
    "upsample Naive seed 5: 1 parameters 0x9a144aacd3f055c3",
    "upsample StrideAware seed 5: 1 parameters 0x538638aeba632d6f",
    "rnn Xavier seed 5: 3 parameters 0x6cf975a843552f5f",
    "rnn Orthogonal seed 5: 3 parameters 0x73b5559cf8ddb4fc",
];
