//! Explicit keys, JAX-style: every draw names its key, and keys derive from keys.
//!
//! A key is the 256-bit key of a ChaCha8 stream. Sampling a tensor with a key reads stream 0 of
//! that key from word 0 (element i ↔ word i). Deriving a child key reads 8 words of stream `data`
//! at word 2⁶⁴ + d·2⁶², a region no tensor sampling reaches (tensors have fewer than 2⁶¹
//! elements), so a child key never equals numbers that its parent's tensor used. Each kind of
//! derivation has its own d (its domain): a seed, an integer `fold_in`, a string, a `split`. Keys
//! derived in different ways therefore never coincide — `for_path("\x01")` is not
//! `fold_in(1).fold_in(1)`, `split(2)[1]` is not `fold_in(1)`. A string folds its length first and
//! then its bytes 8 at a time, so no string's key is an intermediate of a longer one's.
//! Burn's process-global device seed is never consulted.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Word offset at which key derivation reads its stream (domain 0).
const DERIVATION_WORD: u128 = 1 << 64;

/// Distance between the derivation regions of two domains.
const DOMAIN_STRIDE: u128 = 1 << 62;

/// The kinds of derivation, each reading its own region of the parent's streams.
#[derive(Clone, Copy)]
enum Domain {
    Seed = 0,
    Integer = 1,
    Text = 2,
    Split = 3,
}

/// A random key. Same key ⇒ same numbers, on every device, thread count and shard.
///
/// ```
/// use burn_init::Key;
/// let root = Key::new(42);
/// let fc1 = root.for_path("encoder.layers.3.fc1.weight");
/// assert_eq!(fc1, Key::new(42).for_path("encoder.layers.3.fc1.weight"));
/// assert_ne!(fc1, root.for_path("encoder.layers.3.fc2.weight"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Key {
    bytes: [u8; 32],
}

impl Key {
    /// The key for a user seed.
    #[doc(alias = "PRNGKey")]
    #[doc(alias = "manual_seed")]
    pub fn new(seed: u64) -> Self {
        Self { bytes: [0; 32] }.derive(Domain::Seed, seed)
    }

    /// A key from raw ChaCha key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self { bytes }
    }

    /// The raw ChaCha key bytes.
    pub fn bytes(&self) -> [u8; 32] {
        self.bytes
    }

    /// A child key for `data` (JAX's `fold_in`). Different data ⇒ independent keys.
    pub fn fold_in(&self, data: u64) -> Self {
        self.derive(Domain::Integer, data)
    }

    /// A child key for a string: folds in the length, then the bytes 8 at a time, in the text
    /// domain (never equal to a chain of integer `fold_in`s).
    ///
    /// ```
    /// use burn_init::Key;
    /// let key = Key::new(0);
    /// assert_ne!(key.fold_in_str("\x01"), key.fold_in(1).fold_in(1));
    /// assert_ne!(key.fold_in_str("a"), key.fold_in_str("a\0"));
    /// ```
    pub fn fold_in_str(&self, text: &str) -> Self {
        let mut key = self.derive(Domain::Text, text.len() as u64);
        for chunk in text.as_bytes().chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            key = key.derive(Domain::Text, u64::from_le_bytes(word));
        }
        key
    }

    /// Reads the child key for `data` from `domain`'s region of stream `data`.
    fn derive(&self, domain: Domain, data: u64) -> Self {
        let mut rng = ChaCha8Rng::from_seed(self.bytes);
        rng.set_stream(data);
        rng.set_word_pos(DERIVATION_WORD + domain as u128 * DOMAIN_STRIDE);
        let mut bytes = [0; 32];
        rng.fill_bytes(&mut bytes);
        Self { bytes }
    }

    /// The key of a parameter path such as `encoder.layers.3.fc1.weight`. It depends on this key
    /// and the path only, so adding or removing other layers never changes it.
    pub fn for_path(&self, path: &str) -> Self {
        self.fold_in_str(path)
    }

    /// `n` independent child keys (JAX's `split`), distinct from every `fold_in` child.
    pub fn split(&self, n: usize) -> Vec<Self> {
        (0..n as u64)
            .map(|i| self.derive(Domain::Split, i))
            .collect()
    }

    /// The ChaCha8 generator of this key's stream `stream`, positioned at `word`. Stream 0 holds
    /// tensor elements (element i ↔ word i), stream 1 the spare words of rejecting transforms.
    pub(crate) fn stream_at(&self, stream: u64, word: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::from_seed(self.bytes);
        rng.set_stream(stream);
        rng.set_word_pos(u128::from(word));
        rng
    }
}

/// Every function that takes a key takes `impl Into<Key>`: a `Key`, a `&Key` or a seed.
impl From<&Key> for Key {
    fn from(key: &Key) -> Self {
        *key
    }
}

impl From<u64> for Key {
    fn from(seed: u64) -> Self {
        Self::new(seed)
    }
}
