//! The Specification-Transformer encoder (`SpecEncoder`, the official `models/base_models.py`).
//!
//! Each I/O example is encoded separately (the example axis is folded into the batch): the
//! input tokens go through bidirectional self-attention blocks; the output tokens (same
//! embedding table) go through blocks that attend to themselves and to *their own
//! example's* encoded inputs. Only the output-token encodings are returned, flattened in
//! example-major order, for the decoder to attend to. No absolute positions: every
//! attention uses relative-position biases.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Initializer, LayerNorm};
use burn::prelude::*;

use super::attention::padding_bias;
use super::blocks::{BlockSpec, EncoderBlock, EncoderDecoderBlock, layer_norm};
use super::dropout::Dropout;

#[derive(Module, Debug)]
pub struct SpecEncoder {
    pub embedding: Embedding,
    pub dropout: Dropout,
    pub input_blocks: Vec<EncoderBlock>,
    pub input_norm: LayerNorm,
    pub output_blocks: Vec<EncoderDecoderBlock>,
    pub output_norm: LayerNorm,
}

fn positions(n: usize) -> Vec<i64> {
    (0..n as i64).collect()
}

impl SpecEncoder {
    pub fn new(vocab: usize, spec: &BlockSpec, layers: usize, max_distance: usize, device: &Device) -> Self {
        SpecEncoder {
            embedding: EmbeddingConfig::new(vocab, spec.d_model)
                .with_initializer(Initializer::Normal { mean: 0.0, std: 1.0 })
                .init(device),
            dropout: Dropout::new(spec.dropout),
            input_blocks: (0..layers).map(|_| EncoderBlock::new(spec, max_distance, device)).collect(),
            input_norm: layer_norm(spec.d_model, device),
            output_blocks: (0..layers)
                .map(|_| EncoderDecoderBlock::new(spec, max_distance, max_distance, false, device))
                .collect(),
            output_norm: layer_norm(spec.d_model, device),
        }
    }

    /// Encodes `inputs` `[batch, examples, input_len]` and `outputs` `[batch, examples,
    /// output_len]` into `[batch, examples · output_len, d]`.
    pub fn forward(&self, inputs: Tensor<3, Int>, outputs: Tensor<3, Int>) -> Tensor<3> {
        let [b, e, li] = inputs.dims();
        let [_, _, lo] = outputs.dims();
        let device = inputs.device();
        let inputs = inputs.reshape([b * e, li]);
        let outputs = outputs.reshape([b * e, lo]);
        let input_mask = padding_bias(&inputs);
        let output_mask = padding_bias(&outputs);

        let in_pos = positions(li);
        let mut x = self.dropout.forward(self.embedding.forward(inputs));
        for block in &self.input_blocks {
            x = block.forward(x, input_mask.clone(), &in_pos);
        }
        let x = self.input_norm.forward(x);

        let out_pos = positions(lo);
        let mut y = self.dropout.forward(self.embedding.forward(outputs));
        for block in &self.output_blocks {
            let self_bias = block.self_attention.relative.bias_for(&out_pos, &out_pos, &device) + output_mask.clone();
            let cross_bias = block.cross_attention.relative.bias_for(&out_pos, &in_pos, &device) + input_mask.clone();
            y = block.forward(y, x.clone(), self_bias, cross_bias);
        }
        let d = y.dims()[2];
        self.output_norm.forward(y).reshape([b, e * lo, d])
    }
}
