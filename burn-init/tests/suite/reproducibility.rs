//! Same key ⇒ same bits on every device; different keys and paths ⇒ different draws; shards equal
//! slices of the full tensor.

use burn::tensor::Tensor;
use burn_init::sampling::{KeyedDistribution, Normal, TruncatedNormal, Uniform};
use burn_init::{Fan, FanMode, Key, Nonlinearity, Scheme};

use crate::common::values;

fn catalogue() -> Vec<Scheme> {
    vec![
        Scheme::xavier_uniform(1.0),
        Scheme::kaiming_normal(FanMode::FanIn, Nonlinearity::Relu),
        Scheme::trunc_normal(0.0, 1.0, -1.0, 3.0),
        Scheme::orthogonal(1.0),
        Scheme::Sparse {
            sparsity: 0.5,
            std: 1.0,
        },
        Scheme::PytorchDefault,
    ]
}

#[test]
fn same_key_same_bits_on_every_device() {
    let fan = Fan::linear(48, 40);
    for scheme in catalogue() {
        let host = scheme
            .sample_host(&[48, 40], Some(&fan), &Key::new(9))
            .unwrap();
        for (name, device) in burn_init::devices::enabled() {
            let t: Tensor<2> = scheme
                .sample([48, 40], Some(&fan), Key::new(9), &device)
                .unwrap();
            let got = values(t);
            assert!(
                got.iter()
                    .zip(&host)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{scheme:?} on {name}"
            );
        }
    }
}

#[test]
fn keys_separate_draws() {
    let n = Normal::new(0.0, 1.0).unwrap();
    assert_eq!(n.sample(&Key::new(1), 64), n.sample(&Key::new(1), 64));
    assert_ne!(n.sample(&Key::new(1), 64), n.sample(&Key::new(2), 64));
    let root = Key::new(0);
    assert_ne!(root.for_path("a.weight"), root.for_path("a.bias"));
    assert_ne!(root.fold_in_str("ab"), root.fold_in_str("ab\0"));
    let split = root.split(3);
    assert_eq!(split.len(), 3);
    assert!(split[0] != split[1] && split[1] != split[2]);
}

#[test]
fn shards_equal_slices_of_the_full_tensor() {
    let len = 3 * (1 << 15) + 77;
    let distributions: Vec<Box<dyn KeyedDistribution>> = vec![
        Box::new(Uniform::new(-1.0, 1.0).unwrap()),
        Box::new(Normal::new(0.0, 1.0).unwrap()),
        Box::new(TruncatedNormal::new(0.0, 1.0, -2.0, 2.0).unwrap()),
    ];
    for d in distributions {
        let key = Key::new(77);
        let full = d.sample(&key, len);
        for (start, count) in [
            (0, 10),
            (1, 1),
            (5, 100),
            (32_767, 3),
            (32_768, 40_000),
            (len - 1, 1),
            (12_345, 70_001),
        ] {
            let mut shard = vec![0.0; count];
            d.fill(&key, start as u64, &mut shard);
            assert_eq!(shard, full[start..start + count], "shard {start}+{count}");
        }
    }
}

/// Golden values: a dependency upgrade that changes the stream must fail loudly.
#[test]
fn golden_values() {
    let u = Uniform::new(0.0, 1.0).unwrap().sample(&Key::new(0), 4);
    let n = Normal::new(0.0, 1.0).unwrap().sample(&Key::new(0), 4);
    println!("uniform {u:?}\nnormal {n:?}");
    assert_eq!(u, GOLDEN_UNIFORM);
    assert_eq!(n, GOLDEN_NORMAL);
}

const GOLDEN_UNIFORM: [f32; 4] = [0.7081083, 0.9275658, 0.9251503, 0.6396031];
const GOLDEN_NORMAL: [f32; 4] = [0.74627995, -0.36521605, -0.25219506, -0.30330822];
