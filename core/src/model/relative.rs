//! T5-style relative position buckets (the official `models/relative_attention.py`,
//! `make_relative_position_bucket`) and the per-head bias they index, plus the position
//! bookkeeping of Aligned Relative Attention (the official
//! `spec_decomposition/decomposition_models.py`).
//!
//! Buckets are computed on the host: the bucket of a relative position `r = key − query`
//! depends only on `r`, the direction mode, the number of buckets and the maximum distance.
//! The logarithmic buckets are computed in `f32`, like the reference implementation; the
//! tests pin them to the bucket-start tables of the specification.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Initializer};
use burn::prelude::*;

/// The bucket of relative position `r = key_pos − query_pos`.
pub fn relative_position_bucket(r: i64, bidirectional: bool, num_buckets: usize, max_distance: usize) -> usize {
    let md = max_distance as i64;
    let exact = if bidirectional { 2 * md + 1 } else { md + 1 };
    if num_buckets as i64 >= exact {
        // Every distance gets its own bucket.
        return if bidirectional {
            (if r > 0 { md } else { 0 } + r.clamp(-md, md).abs()) as usize
        } else {
            (-r.clamp(-md, 0)) as usize
        };
    }
    let (n, offset, a) = if bidirectional {
        let n = (num_buckets / 2) as i64;
        (n, if r > 0 { n } else { 0 }, r.abs())
    } else {
        (num_buckets as i64, 0, (-r).max(0))
    };
    let max_exact = n / 2;
    if a < max_exact {
        return (offset + a) as usize;
    }
    let ratio = ((a as f32 / max_exact as f32).ln() / (md as f32 / max_exact as f32).ln()) * (n - max_exact) as f32;
    let large = ((max_exact as f32 + ratio).floor() as i64).min(n - 1);
    (offset + large) as usize
}

/// The aligned query positions of Aligned Relative Attention for one decoder input
/// `d_0 .. d_{T−1}` (d_0 = BOS): position p starts a new segment when d_{p−1} is the
/// separator, and `aligned(p) = L · segment(p) + (p − start of its segment)`, so that while
/// decoding example k's part of a subgoal, offset o lines up with position o of example k's
/// encoded output (whose flattened positions are k · L + c).
pub fn aligned_positions(decoder_input: &[i64], separator: i64, l: usize) -> Vec<i64> {
    let mut out = Vec::with_capacity(decoder_input.len());
    let (mut seg, mut start) = (0i64, 0i64);
    for p in 0..decoder_input.len() {
        if p > 0 && decoder_input[p - 1] == separator {
            seg += 1;
            start = p as i64;
        }
        out.push(l as i64 * seg + (p as i64 - start));
    }
    out
}

/// The incremental form of [`aligned_positions`]: the state after some prefix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlignedCursor {
    segment: i64,
    start: i64,
    next: i64,
    previous_was_separator: bool,
}

impl AlignedCursor {
    /// The aligned position of the token being fed now (`token` is that token).
    pub fn advance(&mut self, token: i64, separator: i64, l: usize) -> i64 {
        let p = self.next;
        if p > 0 && self.previous_was_separator {
            self.segment += 1;
            self.start = p;
        }
        self.previous_was_separator = token == separator;
        self.next += 1;
        l as i64 * self.segment + (p - self.start)
    }
}

/// A learned bias per attention head for each relative-position bucket.
#[derive(Module, Debug)]
pub struct RelativeBias {
    pub embedding: Embedding,
    pub num_buckets: usize,
    pub max_distance: usize,
    pub bidirectional: bool,
}

impl RelativeBias {
    pub fn new(num_buckets: usize, max_distance: usize, heads: usize, bidirectional: bool, device: &Device) -> Self {
        let embedding = EmbeddingConfig::new(num_buckets, heads)
            .with_initializer(Initializer::Normal { mean: 0.0, std: 1.0 })
            .init(device);
        RelativeBias { embedding, num_buckets, max_distance, bidirectional }
    }

    /// The bias `[rows, heads, queries, keys]` for relative positions given as a
    /// `rows × queries × keys` grid (row-major).
    pub fn bias(&self, positions: &[i64], rows: usize, queries: usize, keys: usize, device: &Device) -> Tensor<4> {
        let buckets: Vec<i64> = positions
            .iter()
            .map(|&r| relative_position_bucket(r, self.bidirectional, self.num_buckets, self.max_distance) as i64)
            .collect();
        let ids = Tensor::<2, Int>::from_data(TensorData::new(buckets, [rows, queries * keys]), device);
        let heads = self.embedding.weight.dims()[1];
        self.embedding.forward(ids).reshape([rows, queries, keys, heads]).permute([0, 3, 1, 2])
    }

    /// The bias for plain positions: queries `q_pos`, keys `k_pos`, shared by all rows.
    pub fn bias_for(&self, q_pos: &[i64], k_pos: &[i64], device: &Device) -> Tensor<4> {
        let grid: Vec<i64> = q_pos.iter().flat_map(|&q| k_pos.iter().map(move |&k| k - q)).collect();
        self.bias(&grid, 1, q_pos.len(), k_pos.len(), device)
    }

    /// The bias `[rows, heads, queries, keys]` when each row has its own query positions
    /// (`q_pos`, `rows × queries`, row-major) over keys `k_pos` shared by all rows: Aligned
    /// Relative Attention, where a query's position depends on the tokens decoded so far.
    ///
    /// Equal to [`bias`](Self::bias) over the grid `k − q`, but computed as a table over the
    /// *distinct* query positions (a few dozen) whose rows are then selected per query. A
    /// lookup per (query, key) pair would gather `rows · queries · keys` scalars, which on the
    /// CPU backend cost more than the rest of a training step together.
    pub fn bias_per_row(
        &self,
        q_pos: &[i64],
        rows: usize,
        queries: usize,
        k_pos: &[i64],
        device: &Device,
    ) -> Tensor<4> {
        let mut distinct = q_pos.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let index: Vec<i64> = q_pos.iter().map(|q| distinct.partition_point(|d| d < q) as i64).collect();
        let (a, keys) = (distinct.len(), k_pos.len());
        let heads = self.embedding.weight.dims()[1];
        // [1, heads, a, keys] → [a, heads · keys], one row per distinct query position.
        let table = self
            .bias_for(&distinct, k_pos, device)
            .reshape([heads, a, keys])
            .swap_dims(0, 1)
            .reshape([a, heads * keys]);
        let ids = Tensor::<1, Int>::from_data(TensorData::new(index, [rows * queries]), device);
        table.select(0, ids).reshape([rows, queries, heads, keys]).swap_dims(1, 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The distance at which each bucket starts on one side, for distances 0..=limit.
    fn starts(bidirectional: bool, md: usize, limit: i64) -> Vec<i64> {
        let mut out = Vec::new();
        let mut last = usize::MAX;
        for a in 0..=limit {
            let r = if bidirectional { a } else { -a };
            let b = relative_position_bucket(r, bidirectional, 32, md);
            if b != last {
                out.push(a);
                last = b;
            }
        }
        out
    }

    fn range_then(upto: i64, rest: &[i64]) -> Vec<i64> {
        (0..=upto).chain(rest.iter().copied()).collect()
    }

    #[test]
    fn bucket_starts_match_the_spec_tables() {
        assert_eq!(starts(true, 200, 400), vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 18, 27, 40, 60, 90, 134]);
        assert_eq!(starts(true, 800, 2000), range_then(8, &[15, 26, 45, 80, 143, 253, 450]));
        assert_eq!(starts(true, 20, 100), range_then(9, &[11, 12, 13, 15, 16, 18]));
        assert_eq!(starts(true, 80, 300), range_then(8, &[11, 15, 19, 26, 34, 45, 60]));
        assert_eq!(starts(true, 60, 300), range_then(8, &[11, 14, 18, 22, 29, 37, 47]));
        assert_eq!(starts(true, 180, 600), range_then(8, &[12, 18, 26, 38, 57, 83, 122]));
        assert_eq!(
            starts(false, 200, 600),
            range_then(16, &[19, 22, 26, 31, 36, 42, 49, 57, 67, 78, 91, 107, 125, 146, 171])
        );
        assert_eq!(
            starts(false, 60, 300),
            range_then(16, &[18, 19, 21, 23, 25, 27, 29, 31, 34, 37, 40, 44, 47, 51, 56])
        );
        // Causal with md 20: exact, 21 buckets, saturating at distance 20.
        assert_eq!(starts(false, 20, 100), (0..=20).collect::<Vec<_>>());
        assert_eq!(relative_position_bucket(-100, false, 32, 20), 20);
    }

    #[test]
    fn boundaries_and_directions() {
        // a = 40 at md 200 and a = 80 at md 800 fall exactly on a boundary: bucket 8 + 4.
        assert_eq!(relative_position_bucket(-40, true, 32, 200), 12);
        assert_eq!(relative_position_bucket(-80, true, 32, 800), 12);
        // Keys after the query use the upper half.
        assert_eq!(relative_position_bucket(3, true, 32, 200), 19);
        assert_eq!(relative_position_bucket(-3, true, 32, 200), 3);
        assert_eq!(relative_position_bucket(0, true, 32, 200), 0);
        assert_eq!(relative_position_bucket(10_000, true, 32, 200), 31);
        // Causal buckets ignore the future.
        assert_eq!(relative_position_bucket(5, false, 32, 60), 0);
    }

    #[test]
    fn per_row_bias_equals_the_lookup_per_pair() {
        #[allow(deprecated)]
        let dev = Device::ndarray();
        dev.seed(3);
        let rel = RelativeBias::new(32, 20, 4, true, &dev);
        // Two rows of three queries each, repeated and unsorted positions, over five keys.
        let q = [0, 10, 3, 7, 0, 40];
        let k = [0, 1, 2, 10, 11];
        let grid: Vec<i64> = q.iter().flat_map(|&qp| k.iter().map(move |&kp| kp - qp)).collect();
        let expected = rel.bias(&grid, 2, 3, 5, &dev);
        let got = rel.bias_per_row(&q, 2, 3, &k, &dev);
        assert_eq!(got.dims(), [2, 4, 3, 5]);
        let diff: f32 = (got - expected).abs().max().into_scalar();
        assert_eq!(diff, 0.0);
    }

    #[test]
    fn aligned_positions_hand_worked() {
        // BOS a b | c | d  with L = 10 (separator 86).
        let d = [1, 5, 6, 86, 7, 86, 8];
        assert_eq!(aligned_positions(&d, 86, 10), vec![0, 1, 2, 3, 10, 11, 20]);
        // The incremental cursor agrees.
        let mut c = AlignedCursor::default();
        let inc: Vec<i64> = d.iter().map(|&t| c.advance(t, 86, 10)).collect();
        assert_eq!(inc, aligned_positions(&d, 86, 10));
    }
}
