//! Fingerprints: one 64-bit number that changes when any bit of the values does, to check that
//! two draws, two devices or two runs hold the same weights (a key's bits are a promise: the
//! golden tests pin them with these numbers), and that a backend comparison runs one network.
//!
//! FNV-1a (64 bit), written here because `std`'s hasher is not promised to be stable across
//! Rust releases; a fingerprint taken today is the fingerprint of the same values tomorrow.
//!
//! ```
//! use burn_init::fingerprint;
//! // FNV-1a of the length 0 (eight zero bytes) alone: a stable number, not a hasher's whim.
//! assert_eq!(fingerprint::of_values(&[]), 0xa8c7_f832_281a_39c5);
//! assert_ne!(fingerprint::of_values(&[0.0]), fingerprint::of_values(&[-0.0]));
//! ```

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;

use crate::diagnostics::stats::host_as;
use crate::error::{InitError, Result};

/// FNV-1a of `values.len()` (as a little-endian u64) and every value's bits (little-endian).
pub fn of_values(values: &[f32]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &byte in bytes {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    eat(&(values.len() as u64).to_le_bytes());
    values.iter().for_each(|v| eat(&v.to_bits().to_le_bytes()));
    hash
}

/// The fingerprint of a module's float parameters and how many there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModuleFingerprint {
    /// h ← rotl(h, 5) ⊕ `of_values(p)` over the parameters p in visiting order, from h = 0.
    pub hash: u64,
    /// The number of float parameters visited.
    pub parameters: usize,
}

/// The fingerprint of every float parameter of `module`, read back from its device as f32 (a
/// parameter of another float type is converted first): equal on two devices exactly when every
/// parameter holds the same f32 bits, in the same order.
///
/// ```
/// use burn::nn::LinearConfig;
/// use burn_init::policy::{Policy, Rule};
/// use burn_init::{Key, Scheme, fingerprint};
/// # let device = burn_init::devices::default_cpu().unwrap().1;
/// let policy = Policy::new().rule(Rule::new(Scheme::xavier_uniform(1.0)));
/// let a = policy.apply(LinearConfig::new(4, 3).init(&device), Key::new(1)).unwrap().0;
/// let b = policy.apply(LinearConfig::new(4, 3).init(&device), Key::new(1)).unwrap().0;
/// assert_eq!(fingerprint::of_module(&a).unwrap(), fingerprint::of_module(&b).unwrap());
/// ```
pub fn of_module<M: Module>(module: &M) -> Result<ModuleFingerprint> {
    let mut visitor = Visitor {
        hash: 0,
        parameters: 0,
        error: None,
    };
    module.visit(&mut visitor);
    match visitor.error {
        Some(error) => Err(error),
        None => Ok(ModuleFingerprint {
            hash: visitor.hash,
            parameters: visitor.parameters,
        }),
    }
}

struct Visitor {
    hash: u64,
    parameters: usize,
    error: Option<InitError>,
}

impl ModuleVisitor for Visitor {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if self.error.is_some() {
            return;
        }
        match host_as::<f32, D>(param.val()) {
            Ok(values) => {
                self.hash = self.hash.rotate_left(5) ^ of_values(&values);
                self.parameters += 1;
            }
            Err(error) => self.error = Some(error),
        }
    }
}
