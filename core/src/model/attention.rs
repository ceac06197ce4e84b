//! Multi-head attention with an additive bias (relative positions and masks) and attention
//! dropout, the building block of every stack.
//!
//! burn's `MultiHeadAttention` takes only boolean masks and its fused `attention` op has no
//! dropout, so the attention is written here from tensor operations: `softmax(q·kᵀ/√d_h +
//! bias) · v` with bias-free q/k/v/out projections (Xavier-uniform), as in the paper's model.

use burn::module::Module;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::softmax;

use super::dropout::Dropout;

/// The logit given to masked positions.
pub const MASKED: f32 = -1e10;

/// Projections of multi-head attention.
#[derive(Module, Debug)]
pub struct MultiHeadAttention {
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    pub output: Linear,
    pub dropout: Dropout,
    pub heads: usize,
}

fn xavier(d_in: usize, d_out: usize, device: &Device) -> Linear {
    LinearConfig::new(d_in, d_out)
        .with_bias(false)
        .with_initializer(Initializer::XavierUniform { gain: 1.0 })
        .init(device)
}

impl MultiHeadAttention {
    pub fn new(d_model: usize, heads: usize, dropout: f64, device: &Device) -> Self {
        MultiHeadAttention {
            query: xavier(d_model, d_model, device),
            key: xavier(d_model, d_model, device),
            value: xavier(d_model, d_model, device),
            output: xavier(d_model, d_model, device),
            dropout: Dropout::new(dropout),
            heads,
        }
    }

    /// `[batch, len, d]` → `[batch, heads, len, d/heads]`.
    fn split_heads(&self, x: Tensor<3>) -> Tensor<4> {
        let [b, t, d] = x.dims();
        x.reshape([b, t, self.heads, d / self.heads]).swap_dims(1, 2)
    }

    /// Keys and values of a memory, split into heads (`[batch, heads, len, d/heads]` each).
    pub fn keys_values(&self, memory: Tensor<3>) -> (Tensor<4>, Tensor<4>) {
        (self.split_heads(self.key.forward(memory.clone())), self.split_heads(self.value.forward(memory)))
    }

    /// Attention of `x` (`[batch, queries, d]`) over precomputed keys and values, with an
    /// additive `bias` broadcastable to `[batch, heads, queries, keys]`.
    pub fn attend(&self, x: Tensor<3>, keys: Tensor<4>, values: Tensor<4>, bias: Tensor<4>) -> Tensor<3> {
        let [b, t, d] = x.dims();
        let dh = d / self.heads;
        let q = self.split_heads(self.query.forward(x)) * (1.0 / (dh as f64).sqrt());
        let scores = q.matmul(keys.swap_dims(2, 3)) + bias;
        let weights = self.dropout.forward(softmax(scores, 3));
        let out = weights.matmul(values).swap_dims(1, 2).reshape([b, t, d]);
        self.output.forward(out)
    }

    /// Attention of `x` over `memory` (`[batch, keys, d]`).
    pub fn forward(&self, x: Tensor<3>, memory: Tensor<3>, bias: Tensor<4>) -> Tensor<3> {
        let (k, v) = self.keys_values(memory);
        self.attend(x, k, v, bias)
    }
}

/// An additive mask `[batch, 1, 1, keys]` that hides the keys whose token is padding.
pub fn padding_bias(tokens: &Tensor<2, Int>) -> Tensor<4> {
    let [b, k] = tokens.dims();
    let pad = tokens.clone().equal_elem(0);
    Tensor::<2>::zeros([b, k], &tokens.device()).mask_fill(pad, MASKED).reshape([b, 1, 1, k])
}

/// An additive mask `[1, 1, queries, keys]` that hides the keys after each query.
pub fn causal_bias(len: usize, device: &Device) -> Tensor<4> {
    let data: Vec<f32> = (0..len).flat_map(|q| (0..len).map(move |k| if k > q { MASKED } else { 0.0 })).collect();
    Tensor::<2>::from_data(TensorData::new(data, [len, len]), device).reshape([1, 1, len, len])
}
