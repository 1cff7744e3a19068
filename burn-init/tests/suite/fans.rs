//! Fans against PyTorch's `_calculate_fan_in_and_fan_out` (values computed from its source:
//! fan_in = size(1)·∏k, fan_out = size(0)·∏k on the PyTorch-layout shape), and the documented
//! differences where PyTorch is wrong.

use burn::nn::LinearLayout;
use burn_init::{ConvFan, Fan, TransposedFan};

fn fan(fan_in: f64, fan_out: f64) -> Fan {
    Fan { fan_in, fan_out }
}

#[test]
fn linear_matches_pytorch() {
    // PyTorch stores Linear as [out, in]; Burn as [in, out] (Row) or [out, in] (Col).
    for (d_in, d_out) in [(784, 256), (10, 1000)] {
        let torch = Fan::pytorch(&[d_out, d_in]).unwrap();
        assert_eq!(torch, fan(d_in as f64, d_out as f64));
        assert_eq!(Fan::linear(d_in, d_out), torch);
        assert_eq!(Fan::linear_weight([d_in, d_out], LinearLayout::Row), torch);
        assert_eq!(Fan::linear_weight([d_out, d_in], LinearLayout::Col), torch);
    }
}

#[test]
fn convolutions_match_pytorch() {
    // (c_in, c_out, kernel, groups): Burn and PyTorch share the layout [c_out, c_in/g, k…].
    let cases: [(usize, usize, &[usize], usize, Fan); 6] = [
        (16, 32, &[5], 1, fan(80.0, 160.0)),       // Conv1d
        (3, 64, &[7, 7], 1, fan(147.0, 3136.0)),   // Conv2d, ResNet stem
        (8, 16, &[3, 3, 3], 1, fan(216.0, 432.0)), // Conv3d
        (64, 128, &[3, 3], 4, fan(144.0, 1152.0)), // grouped
        (32, 32, &[3, 3], 32, fan(9.0, 288.0)),    // depthwise
        (32, 64, &[1, 1], 1, fan(32.0, 64.0)),     // pointwise
    ];
    for (c_in, c_out, kernel, groups, torch) in cases {
        let mut shape = vec![c_out, c_in / groups];
        shape.extend_from_slice(kernel);
        assert_eq!(Fan::pytorch(&shape).unwrap(), torch, "{shape:?}");
        assert_eq!(
            Fan::conv(c_in, c_out, kernel, groups, ConvFan::Pytorch).unwrap(),
            torch
        );
        assert_eq!(
            Fan::conv_weight(&shape, groups, ConvFan::Pytorch).unwrap(),
            torch
        );
        // Group-correct: same fan-in, fan-out divided by the number of groups.
        let correct = Fan::conv(c_in, c_out, kernel, groups, ConvFan::GroupCorrect).unwrap();
        assert_eq!(correct, fan(torch.fan_in, torch.fan_out / groups as f64));
    }
    assert_eq!(Fan::depthwise(32, &[3, 3]).unwrap(), fan(9.0, 9.0));
    assert_eq!(Fan::pointwise(32, 64), fan(32.0, 64.0));
}

#[test]
fn transposed_convolutions_pytorch_swaps_the_roles() {
    // ConvTranspose2d 64 → 32, k 4, s 2: weight [64, 32, 4, 4] in PyTorch and in Burn.
    let torch = Fan::pytorch(&[64, 32, 4, 4]).unwrap();
    assert_eq!(torch, fan(512.0, 1024.0));
    let ct = |mode| Fan::conv_transpose(64, 32, &[4, 4], &[2, 2], 1, mode).unwrap();
    assert_eq!(ct(TransposedFan::Pytorch), torch);
    assert_eq!(ct(TransposedFan::Kernel), fan(1024.0, 512.0));
    assert_eq!(ct(TransposedFan::StrideAware), fan(256.0, 512.0));
    // Grouped ConvTranspose1d 16 → 8, k 3, s 2, g 2: weight [16, 4, 3].
    let torch = Fan::pytorch(&[16, 4, 3]).unwrap();
    assert_eq!(torch, fan(12.0, 48.0));
    let ct = |mode| Fan::conv_transpose(16, 8, &[3], &[2], 2, mode).unwrap();
    assert_eq!(ct(TransposedFan::Pytorch), torch);
    assert_eq!(ct(TransposedFan::Kernel), fan(24.0, 12.0));
    assert_eq!(ct(TransposedFan::StrideAware), fan(12.0, 12.0));
}

#[test]
fn embedding_and_explicit_axes() {
    // Embedding(50257, 768), weight [50257, 768] in both frameworks.
    assert_eq!(
        Fan::embedding(50257, 768),
        Fan::pytorch(&[50257, 768]).unwrap()
    );
    assert_eq!(Fan::embedding(50257, 768), fan(768.0, 50257.0));
    // JAX's HWIO conv kernel [3, 3, 16, 32], in_axis = 2, out_axis = 3.
    assert_eq!(
        Fan::from_axes(&[3, 3, 16, 32], &[2], &[3], &[]).unwrap(),
        fan(144.0, 288.0)
    );
    // Burn's conv layout through axes equals the conv constructor.
    assert_eq!(
        Fan::from_axes(&[64, 3, 7, 7], &[1], &[0], &[]).unwrap(),
        Fan::conv(3, 64, &[7, 7], 1, ConvFan::Pytorch).unwrap()
    );
    // A batch axis is excluded from the receptive field.
    assert_eq!(
        Fan::from_axes(&[4, 10, 20], &[1], &[2], &[0]).unwrap(),
        fan(10.0, 20.0)
    );
}

#[test]
fn fan_modes() {
    use burn_init::FanMode::*;
    let f = fan(100.0, 400.0);
    assert_eq!(f.get(FanIn), 100.0);
    assert_eq!(f.get(FanOut), 400.0);
    assert_eq!(f.get(FanAvg), 250.0);
    assert_eq!(f.get(FanGeoAvg), 200.0);
}
