//! The keyed word stream, filled in parallel, straight into the output.
//!
//! Element i of a tensor is made from word i of its key's ChaCha8 stream 0. Work is cut into
//! blocks at fixed global positions (multiples of [`BLOCK`]); each block seeks its own generator
//! and rayon runs the blocks, so the bits depend on the key and the element index only — never on
//! the thread count — and a shard (any contiguous range) equals the same range of the full tensor.
//!
//! Words are written directly into the output slice (as f32 bit patterns) and transformed in
//! place: no per-block allocation, no copy. Transforms that reject (the ziggurat's wedges and
//! tail, truncation) draw their extra words from the block's *spare* stream: stream 1 of the same
//! key, from word `block·2³²`. Spare words are consumed in element order within a block, so a
//! shard that starts inside a block replays the block's prefix to reach the same spare position.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::Rng;
use rayon::prelude::*;

use super::key::Key;

/// Elements per parallel block (128 KiB of f32: the block stays in L2 while it is transformed).
pub(crate) const BLOCK: usize = 1 << 15;

/// ChaCha stream holding the spare words.
const SPARE_STREAM: u64 = 1;

/// The extra words of one block, for transforms that reject. Created on first use.
pub(crate) struct Spare<'a> {
    key: &'a Key,
    block: u64,
    rng: Option<ChaCha8Rng>,
}

impl<'a> Spare<'a> {
    #[cfg(test)]
    pub(crate) fn for_tests(key: &'a Key) -> Self {
        Self {
            key,
            block: 0,
            rng: None,
        }
    }

    /// The block's next spare word.
    pub(crate) fn next_u32(&mut self) -> u32 {
        let (key, block) = (self.key, self.block);
        self.rng
            .get_or_insert_with(|| key.stream_at(SPARE_STREAM, block << 32))
            .next_u32()
    }
}

/// Fills `out` with elements `start..start + out.len()` of the stream transformed by `transform`.
/// The transform receives one block, or a prefix of one, starting at the block's first element,
/// holding raw words as f32 bit patterns, and replaces them in place by values.
pub(crate) fn fill<F>(key: &Key, start: u64, out: &mut [f32], transform: F)
where
    F: Fn(&mut [f32], &mut Spare) + Sync,
{
    let block = BLOCK as u64;
    let small = out.len() <= 2 * BLOCK;
    let head_len = ((block - start % block) as usize).min(out.len());
    let (head, tail) = out.split_at_mut(head_len);
    let run = |offset: u64, slice: &mut [f32]| fill_block(key, offset, slice, &transform);
    if small {
        // Waking the pool costs more than two blocks of work (the blocks, hence the bits, are
        // the same either way).
        run(start, head);
        for (i, slice) in tail.chunks_mut(BLOCK).enumerate() {
            run(start + head_len as u64 + (i * BLOCK) as u64, slice);
        }
        return;
    }
    rayon::join(
        || run(start, head),
        || {
            tail.par_chunks_mut(BLOCK)
                .enumerate()
                .for_each(|(i, slice)| run(start + head_len as u64 + (i * BLOCK) as u64, slice))
        },
    );
}

/// One block's part `start..start + out.len()` (within a single block).
fn fill_block<F>(key: &Key, start: u64, out: &mut [f32], transform: &F)
where
    F: Fn(&mut [f32], &mut Spare),
{
    if out.is_empty() {
        return;
    }
    let block = start / BLOCK as u64;
    let offset = (start % BLOCK as u64) as usize;
    let mut spare = Spare {
        key,
        block,
        rng: None,
    };
    if offset == 0 {
        words(key, start, out);
        transform(out, &mut spare);
    } else {
        // A shard that starts inside a block: replay the block from its start.
        let mut whole = vec![0.0; offset + out.len()];
        words(key, start - offset as u64, &mut whole);
        transform(&mut whole, &mut spare);
        out.copy_from_slice(&whole[offset..]);
    }
}

/// Raw words `start..start + out.len()` of stream 0, as f32 bit patterns.
fn words(key: &Key, start: u64, out: &mut [f32]) {
    key.stream_at(0, start)
        .fill_bytes(bytemuck::cast_slice_mut(out));
    if cfg!(target_endian = "big") {
        // ChaCha's byte stream is little-endian: word i is the same number on every machine.
        for value in out.iter_mut() {
            *value = f32::from_bits(u32::from_le(value.to_bits()));
        }
    }
}
