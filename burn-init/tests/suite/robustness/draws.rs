//! Drawing: every entry point of a scheme agrees on what it refuses, and what it accepts is
//! finite, of the right shape, and the same bits on the host, on the device and in shards.

use burn_init::error::{PolicyError, SamplingError, SchemeError};
use std::ops::Range;

use burn::tensor::{Device, Tensor};
use burn_init::{Fan, InitError, Key, Scheme};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::{any_fan, any_key, any_scheme, any_shape, runner};
use crate::common::values;

per_device! {
    fn draws_are_finite_values_or_typed_errors(device) {
        let rows = (0usize..7, 0usize..7).prop_map(|(a, b)| a..b);
        let strategy = (any_scheme(), any_shape(), any_fan(), any_key(), rows, 0u64..700, 0usize..9);
        runner()
            .run(&strategy, |(scheme, shape, fan, key, rows, start, len)| {
                check(&scheme, &shape, fan, &key, rows, (start, len), device)
            })
            .unwrap();
    }
}

fn check(
    scheme: &Scheme,
    shape: &[usize],
    fan: Option<Fan>,
    key: &Key,
    rows: Range<usize>,
    (start, len): (u64, usize),
    device: &Device,
) -> Result<(), TestCaseError> {
    let host = scheme.sample_host(shape, fan, key);
    if let Ok(values) = &host {
        prop_assert_eq!(values.len(), shape.iter().product::<usize>());
        prop_assert!(
            values.iter().all(|v| v.is_finite()),
            "{:?}: non-finite",
            scheme
        );
    }
    // A shard is the same bits as the whole, or refused for the same reason or for its range.
    let mut shard = vec![0.0; len];
    match (&host, scheme.fill_host(shape, fan, key, start, &mut shard)) {
        (Ok(values), Ok(())) => {
            prop_assert_eq!(&shard[..], &values[start as usize..start as usize + len])
        }
        (Ok(values), Err(error)) => prop_assert!(
            matches!(
                error,
                InitError::Sampling(SamplingError::InvalidRange { .. })
            ) && start as usize + len > values.len(),
            "{:?}: shard refused with {}",
            scheme,
            error
        ),
        // A shard needs no buffer for the whole tensor: sharding a tensor too large for one
        // machine is what it is for.
        (Err(error), Ok(())) => prop_assert!(
            matches!(
                error,
                InitError::Sampling(SamplingError::OutOfMemory { .. })
            ) && !scheme.is_whole(),
            "{:?} {:?}: a shard of a draw refused with {}",
            scheme,
            shape,
            error
        ),
        (Err(_), Err(_)) => {}
    }
    // Moments, where they exist, are finite.
    for (name, moment) in [
        ("mean", scheme.mean(shape, fan)),
        ("std", scheme.std(shape, fan)),
        ("second moment", scheme.second_moment(shape, fan)),
    ] {
        if let Ok(value) = moment {
            prop_assert!(
                value.is_finite(),
                "{:?} {:?}: {} {}",
                scheme,
                shape,
                name,
                value
            );
        }
    }
    if let Ok(std) = scheme.std(shape, fan) {
        prop_assert!(std >= 0.0);
    }
    match shape.len() {
        1 => on_device::<1>(scheme, shape, fan, key, rows, device, &host),
        2 => on_device::<2>(scheme, shape, fan, key, rows, device, &host),
        3 => on_device::<3>(scheme, shape, fan, key, rows, device, &host),
        4 => on_device::<4>(scheme, shape, fan, key, rows, device, &host),
        _ => {
            // The arguments are checked first (`Scheme::prepare`), then the rank.
            let error = scheme
                .sample::<2>(shape.to_vec(), fan, *key, device)
                .unwrap_err();
            match &host {
                Ok(_) => prop_assert!(
                    matches!(error, InitError::Scheme(SchemeError::Rank { .. })),
                    "{}",
                    error
                ),
                Err(refused) => prop_assert_eq!(error.to_string(), refused.to_string()),
            }
            Ok(())
        }
    }
}

/// `sample`, `sample_rows`, `init_with` and the device engine at rank `D`.
fn on_device<const D: usize>(
    scheme: &Scheme,
    shape: &[usize],
    fan: Option<Fan>,
    key: &Key,
    rows: Range<usize>,
    device: &Device,
    host: &burn_init::Result<Vec<f32>>,
) -> Result<(), TestCaseError> {
    let tensor = scheme.sample::<D>(shape.to_vec(), fan, *key, device);
    prop_assert_eq!(
        tensor.is_ok(),
        host.is_ok(),
        "{:?} {:?}: sample and sample_host disagree",
        scheme,
        shape
    );
    let host = match host {
        Ok(host) => host,
        Err(error) => {
            // Refused on the host: every other entry point refuses too, before touching the
            // device — except a shard of a tensor only too large to allocate whole.
            let shard = scheme.sample_rows::<D>(shape.to_vec(), fan, *key, rows, device);
            if let Ok(shard) = shard {
                let only_too_large = matches!(
                    error,
                    InitError::Sampling(SamplingError::OutOfMemory { .. })
                );
                prop_assert!(
                    only_too_large && !scheme.is_whole(),
                    "{:?}: shard of {}",
                    scheme,
                    error
                );
                prop_assert!(values(shard).iter().all(|v| v.is_finite()));
            }
            prop_assert!(
                scheme
                    .sample_on_device::<D>(shape.to_vec(), fan, *key, device)
                    .is_err()
            );
            if let Some(fan) = fan {
                prop_assert!(
                    scheme
                        .init_with::<D>(shape.to_vec(), fan, *key, device)
                        .is_err()
                );
            }
            return Ok(());
        }
    };
    let tensor = tensor.unwrap();
    prop_assert_eq!(tensor.dims().to_vec(), shape.to_vec());
    prop_assert_eq!(
        &values(tensor),
        host,
        "{:?}: device and host bits differ",
        scheme
    );
    let total = shape[0];
    match scheme.sample_rows::<D>(shape.to_vec(), fan, *key, rows.clone(), device) {
        Ok(shard) => {
            let row = host.len().checked_div(total).unwrap_or(0);
            prop_assert_eq!(shard.dims()[0], rows.len());
            prop_assert_eq!(&values(shard)[..], &host[rows.start * row..rows.end * row]);
        }
        Err(error) => prop_assert!(
            matches!(
                error,
                InitError::Sampling(SamplingError::InvalidRange { .. })
            ) && (rows.start > rows.end || rows.end > total),
            "{:?}: rows {:?} refused with {}",
            scheme,
            rows,
            error
        ),
    }
    // The device engine: other numbers, the same acceptance, finite values.
    let engine = scheme.sample_on_device::<D>(shape.to_vec(), fan, *key, device);
    prop_assert!(
        engine.is_ok(),
        "{:?} {:?}: device engine refused {:?}",
        scheme,
        shape,
        engine.err()
    );
    let engine: Tensor<D> = engine.unwrap();
    prop_assert!(
        values(engine).iter().all(|v| v.is_finite()),
        "{:?}: device engine non-finite",
        scheme
    );
    Ok(())
}

/// Shapes beyond memory are refused before anything is allocated, by every entry point; these
/// panicked ("capacity overflow") or aborted before.
#[test]
fn shapes_beyond_memory_are_typed_errors() {
    let (device, key) = (burn_init::devices::default_cpu().unwrap().1, Key::new(0));
    let fan = Fan::linear(4, 4);
    let too_large =
        |e: &InitError| matches!(e, InitError::Sampling(SamplingError::TooLarge { .. }));
    let out_of_memory =
        |e: &InitError| matches!(e, InitError::Sampling(SamplingError::OutOfMemory { .. }));
    // 4·len overflows isize: zeros went to Burn's `Tensor::full`, others to `vec!`.
    let huge = [usize::MAX / 2, 4];
    for scheme in [Scheme::Zeros, Scheme::Ones, Scheme::xavier_normal(1.0)] {
        let error = scheme
            .sample::<2>(huge, Some(fan), key, &device)
            .unwrap_err();
        assert!(too_large(&error), "{scheme:?}: {error}");
    }
    // 2⁶⁰ elements (4 EiB) fits in isize but not in any machine: the allocator refuses.
    for scheme in [
        Scheme::Zeros,
        Scheme::xavier_normal(1.0),
        Scheme::orthogonal(1.0),
    ] {
        let error = scheme
            .sample_host(&[1 << 60, 1], Some(fan), key)
            .unwrap_err();
        assert!(out_of_memory(&error), "{scheme:?}: {error}");
    }
    // A lazy policy on a Burn layer too large for this host (2⁵⁸ weights, 1 EiB): refused before
    // anything is allocated, saying so (it said "the allocator refused a buffer"), located once
    // at the parameter (it arrived as AtParameter { AtParameter { .. } }).
    let huge = burn::nn::LinearConfig::new(1 << 30, 1 << 28).init(&device);
    let refused = burn_init::policy::Policy::he(burn_init::Nonlinearity::Relu)
        .apply_lazy(huge, key)
        .unwrap_err();
    let InitError::Policy(PolicyError::AtParameter { path, source, .. }) = &refused.error else {
        panic!("{}", refused.error)
    };
    assert_eq!(path, "weight");
    assert!(
        matches!(
            **source,
            InitError::Sampling(SamplingError::OutOfMemory {
                cause: burn_init::error::EXCEEDS_HOST_MEMORY,
                ..
            })
        ),
        "{source:?}"
    );
    assert!(
        refused
            .error
            .to_string()
            .contains("refused before anything was allocated"),
        "{}",
        refused.error
    );
    // rows × row length overflowed in `sample_rows`.
    let error = Scheme::xavier_normal(1.0)
        .sample_rows::<2>([2, usize::MAX], Some(fan), key, 0..2, &device)
        .unwrap_err();
    assert!(too_large(&error), "{error}");
    // shape[1]·groups overflowed in the conv fans.
    let error = Fan::conv_weight(
        &[4, usize::MAX / 2, 3, 3],
        4,
        burn_init::ConvFan::GroupCorrect,
    )
    .unwrap_err();
    assert!(too_large(&error), "{error}");
}
