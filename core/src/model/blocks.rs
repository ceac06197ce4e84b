//! Pre-LayerNorm Transformer blocks (the official `models/base_models.py`): an encoder block
//! (self-attention, MLP) and an encoder-decoder block (self-attention, cross-attention, MLP), each
//! sub-layer as
//! `x + dropout(sublayer(LayerNorm(x)))`.

use burn::module::{Module, Param};
use burn::nn::{Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;

use super::attention::MultiHeadAttention;
use super::dropout::Dropout;
use super::relative::RelativeBias;

/// LayerNorm with the paper's epsilon.
pub fn layer_norm(d: usize, device: &Device) -> LayerNorm {
    LayerNormConfig::new(d).with_epsilon(1e-6).init(device)
}

/// A dense layer with a Xavier-uniform kernel and a bias drawn from N(0, 1e-6).
pub fn dense(d_in: usize, d_out: usize, device: &Device) -> Linear {
    let mut l = LinearConfig::new(d_in, d_out).with_initializer(Initializer::XavierUniform { gain: 1.0 }).init(device);
    let bias: Param<Tensor<1>> = Initializer::Normal { mean: 0.0, std: 1e-6 }.init([d_out], device);
    l.bias = Some(bias);
    l
}

/// GELU in its tanh approximation (the paper's: Flax's default), `x/2 · (1 + tanh(√(2/π) ·
/// (x + 0.044715 x³)))`, written with products instead of burn's `powf` (a costly call per
/// element on the CPU backends): `x · (1 + tanh(x · (c + c · 0.044715 · x²))) / 2`.
pub fn gelu(x: Tensor<3>) -> Tensor<3> {
    const C: f64 = 0.797_884_560_802_865_4; // √(2/π)
    let inner = x.clone() * (x.clone() * x.clone() * (C * 0.044715) + C);
    x * (inner.tanh() + 1.0) * 0.5
}

/// Dense → GELU (tanh approximation) → dropout → dense → dropout.
#[derive(Module, Debug)]
pub struct Mlp {
    pub up: Linear,
    pub down: Linear,
    pub dropout: Dropout,
}

impl Mlp {
    pub fn new(d: usize, d_mlp: usize, dropout: f64, device: &Device) -> Self {
        Mlp { up: dense(d, d_mlp, device), down: dense(d_mlp, d, device), dropout: Dropout::new(dropout) }
    }

    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let h = self.dropout.forward(gelu(self.up.forward(x)));
        self.dropout.forward(self.down.forward(h))
    }
}

/// A sub-layer's shape: its attention, the bias table of its relative positions and the
/// LayerNorm before it.
#[derive(Module, Debug)]
pub struct AttentionSublayer {
    pub norm: LayerNorm,
    pub attention: MultiHeadAttention,
    pub relative: RelativeBias,
}

/// Settings shared by the blocks of one stack.
#[derive(Debug, Clone, Copy)]
pub struct BlockSpec {
    pub d_model: usize,
    pub d_mlp: usize,
    pub heads: usize,
    pub dropout: f64,
    pub attention_dropout: f64,
    pub buckets: usize,
}

impl AttentionSublayer {
    pub fn new(spec: &BlockSpec, max_distance: usize, bidirectional: bool, device: &Device) -> Self {
        AttentionSublayer {
            norm: layer_norm(spec.d_model, device),
            attention: MultiHeadAttention::new(spec.d_model, spec.heads, spec.attention_dropout, device),
            relative: RelativeBias::new(spec.buckets, max_distance, spec.heads, bidirectional, device),
        }
    }
}

/// Self-attention then MLP.
#[derive(Module, Debug)]
pub struct EncoderBlock {
    pub attention: AttentionSublayer,
    pub mlp_norm: LayerNorm,
    pub mlp: Mlp,
    pub dropout: Dropout,
}

impl EncoderBlock {
    pub fn new(spec: &BlockSpec, max_distance: usize, device: &Device) -> Self {
        EncoderBlock {
            attention: AttentionSublayer::new(spec, max_distance, true, device),
            mlp_norm: layer_norm(spec.d_model, device),
            mlp: Mlp::new(spec.d_model, spec.d_mlp, spec.dropout, device),
            dropout: Dropout::new(spec.dropout),
        }
    }

    /// `bias` is the additive mask; the relative-position bias is added here from `positions`.
    pub fn forward(&self, x: Tensor<3>, mask: Tensor<4>, positions: &[i64]) -> Tensor<3> {
        let rel = self.attention.relative.bias_for(positions, positions, &x.device());
        let h = self.attention.norm.forward(x.clone());
        let x = x + self.dropout.forward(self.attention.attention.forward(h.clone(), h, rel + mask));
        let h = self.mlp_norm.forward(x.clone());
        x.clone() + self.mlp.forward(h)
    }
}

/// Self-attention, cross-attention to a memory, then MLP.
#[derive(Module, Debug)]
pub struct EncoderDecoderBlock {
    pub self_attention: AttentionSublayer,
    pub cross_attention: AttentionSublayer,
    pub mlp_norm: LayerNorm,
    pub mlp: Mlp,
    pub dropout: Dropout,
}

impl EncoderDecoderBlock {
    pub fn new(spec: &BlockSpec, self_distance: usize, cross_distance: usize, causal: bool, device: &Device) -> Self {
        EncoderDecoderBlock {
            self_attention: AttentionSublayer::new(spec, self_distance, !causal, device),
            cross_attention: AttentionSublayer::new(spec, cross_distance, true, device),
            mlp_norm: layer_norm(spec.d_model, device),
            mlp: Mlp::new(spec.d_model, spec.d_mlp, spec.dropout, device),
            dropout: Dropout::new(spec.dropout),
        }
    }

    /// One block over whole sequences: `self_bias` and `cross_bias` are the full additive
    /// biases (relative positions and masks) of the two attentions.
    pub fn forward(&self, x: Tensor<3>, memory: Tensor<3>, self_bias: Tensor<4>, cross_bias: Tensor<4>) -> Tensor<3> {
        let h = self.self_attention.norm.forward(x.clone());
        let x = x + self.dropout.forward(self.self_attention.attention.forward(h.clone(), h, self_bias));
        let h = self.cross_attention.norm.forward(x.clone());
        let x = x + self.dropout.forward(self.cross_attention.attention.forward(h, memory, cross_bias));
        let h = self.mlp_norm.forward(x.clone());
        x.clone() + self.mlp.forward(h)
    }
}
