//! The decoder (the official `models/base_models.py`, `TransformerDecoder`): causal relative
//! self-attention, relative cross-attention to all examples' encoded outputs (with Aligned Relative
//! Attention for the SubgoalModel), MLP, then a dense layer to target logits.
//!
//! Two ways to run it: [`Decoder::forward`] over whole target sequences (teacher forcing,
//! for training), and [`DecoderCache`] + [`Decoder::step`], which feed one token at a time
//! and keep each layer's self-attention keys and values, and the cross-attention keys and
//! values of the memory, so a step costs one position instead of the whole prefix.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Initializer, LayerNorm, Linear};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;

use super::attention::{causal_bias, padding_bias};
use super::blocks::{BlockSpec, EncoderDecoderBlock, dense, layer_norm};
use super::dropout::Dropout;
use super::relative::{AlignedCursor, aligned_positions};

#[derive(Module, Debug)]
pub struct Decoder {
    pub embedding: Embedding,
    pub dropout: Dropout,
    pub blocks: Vec<EncoderDecoderBlock>,
    pub norm: LayerNorm,
    pub logits: Linear,
}

/// How decoder queries are positioned against the flattened memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrossPositions {
    /// The per-example length `L` of the logical memory layout (`j · L + c`).
    pub example_len: usize,
    /// Aligned Relative Attention: the separator token that starts a new example's segment.
    pub aligned_separator: Option<i64>,
}

/// What the decoder attends to: encoded states, an additive mask (`[batch, 1, 1, slots]`, 0 or
/// [`MASKED`](super::attention::MASKED)) and each slot's logical position for the relative
/// cross-attention.
#[derive(Debug, Clone)]
pub struct Memory {
    pub states: Tensor<3>,
    pub mask: Tensor<4>,
    pub positions: Vec<i64>,
}

impl Memory {
    /// The encoded outputs of a batch of specifications: `states` `[batch, examples · padded,
    /// d]`, `tokens` the matching output tokens (padding is masked).
    pub fn of_examples(states: Tensor<3>, tokens: &Tensor<2, Int>, examples: usize, example_len: usize) -> Memory {
        let m = states.dims()[1];
        Memory {
            positions: memory_positions(examples, m / examples.max(1), example_len),
            mask: padding_bias(tokens),
            states,
        }
    }

    /// This memory followed by more slots.
    pub fn append(self, states: Tensor<3>, mask: Tensor<4>, positions: impl IntoIterator<Item = i64>) -> Memory {
        let mut all = self.positions;
        all.extend(positions);
        Memory {
            states: Tensor::cat(vec![self.states, states], 1),
            mask: Tensor::cat(vec![self.mask, mask], 3),
            positions: all,
        }
    }
}

/// The logical position of each memory slot: slot `j · padded + c` is example j's token c.
pub fn memory_positions(examples: usize, padded: usize, example_len: usize) -> Vec<i64> {
    (0..examples).flat_map(|j| (0..padded).map(move |c| (j * example_len + c) as i64)).collect()
}

impl Decoder {
    pub fn new(
        vocab: usize,
        spec: &BlockSpec,
        layers: usize,
        self_distance: usize,
        cross_distance: usize,
        device: &Device,
    ) -> Self {
        Decoder {
            embedding: EmbeddingConfig::new(vocab, spec.d_model)
                .with_initializer(Initializer::Normal { mean: 0.0, std: 1.0 })
                .init(device),
            dropout: Dropout::new(spec.dropout),
            blocks: (0..layers)
                .map(|_| EncoderDecoderBlock::new(spec, self_distance, cross_distance, true, device))
                .collect(),
            norm: layer_norm(spec.d_model, device),
            logits: dense(spec.d_model, vocab, device),
        }
    }

    /// Logits `[batch, len, vocab]` for a whole decoder input (BOS + target shifted right).
    /// `memory` is `[batch, examples · padded, d]`, `memory_tokens` the matching tokens (for
    /// the padding mask).
    pub fn forward(
        &self,
        decoder_input: Tensor<2, Int>,
        memory: Tensor<3>,
        memory_tokens: Tensor<2, Int>,
        examples: usize,
        cross: CrossPositions,
    ) -> Tensor<3> {
        self.forward_memory(
            decoder_input,
            Memory::of_examples(memory, &memory_tokens, examples, cross.example_len),
            cross,
        )
    }

    /// [`forward`](Self::forward) over any [`Memory`].
    pub fn forward_memory(&self, decoder_input: Tensor<2, Int>, memory: Memory, cross: CrossPositions) -> Tensor<3> {
        let [b, t] = decoder_input.dims();
        let device = decoder_input.device();
        let key_pos = &memory.positions;
        let query_pos: Vec<i64> = (0..t as i64).collect();
        let aligned: Option<Vec<i64>> = cross.aligned_separator.map(|sep| {
            let ids: Vec<i64> = decoder_input.to_data().convert::<i64>().try_to_vec::<i64>().unwrap_or_default();
            ids.chunks(t).flat_map(|row| aligned_positions(row, sep, cross.example_len)).collect()
        });
        let self_mask = causal_bias(t, &device) + padding_bias(&decoder_input);

        let mut x = self.dropout.forward(self.embedding.forward(decoder_input));
        for block in &self.blocks {
            let self_bias = block.self_attention.relative.bias_for(&query_pos, &query_pos, &device) + self_mask.clone();
            let cross_rel = match &aligned {
                Some(q) => block.cross_attention.relative.bias_per_row(q, b, t, key_pos, &device),
                None => block.cross_attention.relative.bias_for(&query_pos, key_pos, &device),
            };
            x = block.forward(x, memory.states.clone(), self_bias, cross_rel + memory.mask.clone());
        }
        self.logits.forward(self.norm.forward(x))
    }

    /// Prepares incremental decoding over a memory: the cross-attention keys and values of
    /// every layer are computed once.
    pub fn start(
        &self,
        memory: Tensor<3>,
        memory_tokens: Tensor<2, Int>,
        examples: usize,
        cross: CrossPositions,
    ) -> DecoderCache {
        self.start_memory(Memory::of_examples(memory, &memory_tokens, examples, cross.example_len), cross)
    }

    /// [`start`](Self::start) over any [`Memory`].
    pub fn start_memory(&self, memory: Memory, cross: CrossPositions) -> DecoderCache {
        let b = memory.states.dims()[0];
        let cross_kv =
            self.blocks.iter().map(|blk| blk.cross_attention.attention.keys_values(memory.states.clone())).collect();
        DecoderCache {
            self_kv: vec![None; self.blocks.len()],
            cross_kv,
            memory_mask: memory.mask,
            key_pos: memory.positions,
            cross,
            cursors: vec![AlignedCursor::default(); b],
            len: 0,
        }
    }

    /// Feeds one token per row and returns the next-token log-probabilities `[rows, vocab]`.
    pub fn step(&self, cache: &mut DecoderCache, tokens: &[i64]) -> Tensor<2> {
        let device = cache.memory_mask.device();
        let rows = tokens.len();
        let t = cache.len;
        let ids = Tensor::<2, Int>::from_data(TensorData::new(tokens.to_vec(), [rows, 1]), &device);
        let mut x = self.dropout.forward(self.embedding.forward(ids));
        // Relative positions of this query: over the keys 0..=t of the prefix, and over the memory.
        let self_pos: Vec<i64> = (0..=t as i64).collect();
        let query: Vec<i64> = match cache.cross.aligned_separator {
            Some(sep) => cache
                .cursors
                .iter_mut()
                .zip(tokens)
                .map(|(c, &tok)| c.advance(tok, sep, cache.cross.example_len))
                .collect(),
            None => vec![t as i64; rows],
        };
        for (l, block) in self.blocks.iter().enumerate() {
            let sa = &block.self_attention;
            let h = sa.norm.forward(x.clone());
            let (k_new, v_new) = sa.attention.keys_values(h.clone());
            let (k, v) = match cache.self_kv[l].take() {
                Some((k, v)) => (Tensor::cat(vec![k, k_new], 2), Tensor::cat(vec![v, v_new], 2)),
                None => (k_new, v_new),
            };
            cache.self_kv[l] = Some((k.clone(), v.clone()));
            let self_bias = sa.relative.bias_for(&[t as i64], &self_pos, &device);
            x = x + block.dropout.forward(sa.attention.attend(h, k, v, self_bias));

            let ca = &block.cross_attention;
            let h = ca.norm.forward(x.clone());
            let cross_rel = ca.relative.bias_per_row(&query, rows, 1, &cache.key_pos, &device);
            let (ck, cv) = cache.cross_kv[l].clone();
            x = x + block.dropout.forward(ca.attention.attend(h, ck, cv, cross_rel + cache.memory_mask.clone()));

            let h = block.mlp_norm.forward(x.clone());
            x = x.clone() + block.mlp.forward(h);
        }
        cache.len += 1;
        let logits = self.logits.forward(self.norm.forward(x));
        let vocab = logits.dims()[2];
        log_softmax(logits.reshape([rows, vocab]), 1)
    }
}

/// The state of incremental decoding for a batch of rows.
#[derive(Debug, Clone)]
pub struct DecoderCache {
    self_kv: Vec<Option<(Tensor<4>, Tensor<4>)>>,
    cross_kv: Vec<(Tensor<4>, Tensor<4>)>,
    memory_mask: Tensor<4>,
    key_pos: Vec<i64>,
    cross: CrossPositions,
    cursors: Vec<AlignedCursor>,
    len: usize,
}

impl DecoderCache {
    /// Keeps rows `parents` (in order, repeats allowed).
    pub fn reorder(&mut self, parents: &[usize]) {
        let device = self.memory_mask.device();
        let idx = Tensor::<1, Int>::from_data(
            TensorData::new(parents.iter().map(|&p| p as i64).collect::<Vec<_>>(), [parents.len()]),
            &device,
        );
        for kv in self.self_kv.iter_mut().flatten() {
            *kv = (kv.0.clone().select(0, idx.clone()), kv.1.clone().select(0, idx.clone()));
        }
        for kv in self.cross_kv.iter_mut() {
            *kv = (kv.0.clone().select(0, idx.clone()), kv.1.clone().select(0, idx.clone()));
        }
        self.memory_mask = self.memory_mask.clone().select(0, idx);
        self.cursors = parents.iter().map(|&p| self.cursors[p]).collect();
    }

    /// Tokens fed so far.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
