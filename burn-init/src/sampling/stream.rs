//! The keyed word stream, filled in parallel.
//!
//! Element i of a tensor is made from word i of its key's ChaCha8 stream (transforms that need
//! two words make two elements from words 2j and 2j+1). Work is cut into blocks at fixed global
//! positions (multiples of [`BLOCK`]), each block seeks its own generator, and rayon runs the
//! blocks: the bits depend on the key and the element index only — never on the thread count,
//! and a shard (any contiguous range) equals the same range of the full tensor.

use rand_chacha::rand_core::Rng;
use rayon::prelude::*;

use super::key::Key;

/// Elements per parallel block (a multiple of every transform's group size).
pub(crate) const BLOCK: usize = 1 << 15;

/// Fills `out` with elements `start..start + out.len()` of the stream transformed by `transform`,
/// which turns `group`-aligned runs of words into as many values.
pub(crate) fn fill<F>(key: &Key, start: u64, out: &mut [f32], group: usize, transform: F)
where
    F: Fn(&[u32], &mut [f32]) + Sync,
{
    let block = BLOCK as u64;
    let head_len = ((block - start % block) as usize).min(out.len());
    let (head, tail) = out.split_at_mut(head_len);
    let run = |offset: u64, slice: &mut [f32]| fill_block(key, offset, slice, group, &transform);
    rayon::join(
        || run(start, head),
        || {
            tail.par_chunks_mut(BLOCK)
                .enumerate()
                .for_each(|(i, slice)| run(start + head_len as u64 + (i * BLOCK) as u64, slice))
        },
    );
}

fn fill_block<F>(key: &Key, start: u64, out: &mut [f32], group: usize, transform: &F)
where
    F: Fn(&[u32], &mut [f32]),
{
    if out.is_empty() {
        return;
    }
    let aligned = start - start % group as u64;
    let pad = (start - aligned) as usize;
    let len = (pad + out.len()).div_ceil(group) * group;
    let mut rng = key.stream_at(aligned);
    let words: Vec<u32> = (0..len).map(|_| rng.next_u32()).collect();
    if pad == 0 && len == out.len() {
        transform(&words, out);
    } else {
        let mut values = vec![0.0; len];
        transform(&words, &mut values);
        out.copy_from_slice(&values[pad..pad + out.len()]);
    }
}
