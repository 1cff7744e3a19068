//! The "Will it train?" example of `docs/diagnostics.md`: `cargo run -p burn-init --example your_model`.

use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor, activation::relu};
use burn_init::{
    InitError, Key, Scheme,
    diagnostics::{Diagnosis, Verdict, probe},
    policy::InitWith,
};

#[derive(burn::module::Module, Debug)]
struct Net {
    layers: Vec<Linear>,
} // your model

fn main() -> Result<(), InitError> {
    let (device, key) = (Device::default().autodiff(), Key::new(0));
    let xavier = Scheme::xavier_normal(1.0); // gain 1 before ReLUs: the signal halves per layer
    let layers = (0..12).map(|i| {
        LinearConfig::new(64, 64).init_with(&xavier, key.for_path(&format!("layers.{i}")), &device)
    });
    let net = Net {
        layers: layers.collect::<Result<_, _>>()?,
    };
    let x: Tensor<2> = Scheme::Normal {
        mean: 0.0,
        std: 1.0,
    }
    .sample([128, 64], None, key.for_path("x"), &device)?;
    let report = Diagnosis::new().run_and_fix(&net, key, x, |net, mut h| {
        for (i, layer) in net.layers.iter().enumerate() {
            h = probe::record(format_args!("layers.{i}"), layer.forward(relu(h)));
        }
        h.powi_scalar(2).mean()
    })?;
    println!("{}", report.health.summary()); // the verdict, its reasons by layer, the fix
    assert_eq!(
        (report.health.verdict, report.health.fix.unwrap().verdict),
        (Verdict::AtRisk, Verdict::Trains)
    );
    Ok(())
}
