//! The main job's claims hold on every enabled device (depth 50; width and batch reduced to keep
//! the software-Vulkan run short — the claims are about depth, and hold at this width too).

use burn_init_examples::signal_propagation::{StudyConfig, check_claims, run, table};

#[test]
fn claims_hold_on_every_device() {
    let config = StudyConfig {
        depth: 50,
        width: 128,
        batch: 128,
        seed: 0,
    };
    for (name, device) in burn_init::devices::enabled() {
        let traces = run(&config, &device).unwrap();
        println!("{name}{}", table(&traces));
        for check in check_claims(&traces, config.width) {
            assert!(check.holds, "{name}: {} — {}", check.claim, check.measured);
        }
    }
}
