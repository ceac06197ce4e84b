//! The arithmetic of one teacher-forced pass of a [`SpecTransformer`](super::SpecTransformer),
//! counted from the model's shapes: what a training benchmark divides by to state the
//! fraction of the machine's peak it reaches.
//!
//! Counted: every matrix product (the q/k/v/output projections, the attention scores and
//! their weighted sum, the MLPs, the logit layer), at 2 FLOPs per multiply-add. Not counted:
//! embeddings, LayerNorms, softmaxes, biases, dropout and the loss (element-wise work that is
//! a few percent of the products at these sizes, and which no peak figure includes). A
//! training step is the forward pass plus a backward pass of twice its products.

use super::ModelConfig;

/// The padded shape of a batch: what the network actually computes over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchShape {
    /// Rows (specifications) in the batch.
    pub rows: usize,
    /// Examples per specification.
    pub examples: usize,
    /// Padded input length per example.
    pub input_len: usize,
    /// Padded output length per example.
    pub output_len: usize,
    /// Padded target length (decoder positions).
    pub target_len: usize,
}

/// FLOPs of a dense layer applied to `tokens` vectors.
fn dense(tokens: usize, d_in: usize, d_out: usize) -> u64 {
    2 * (tokens * d_in * d_out) as u64
}

/// FLOPs of the attention products (scores and weighted sum) of `sequences` sequences of
/// `queries` over `keys`, all heads together (`d` = d_model).
fn attention(sequences: usize, queries: usize, keys: usize, d: usize) -> u64 {
    2 * 2 * (sequences * queries * keys * d) as u64
}

impl ModelConfig {
    /// FLOPs of the forward pass (matrix products only) over a batch of this shape.
    pub fn forward_flops(&self, s: &BatchShape) -> u64 {
        let (d, m, layers) = (self.d_model, self.d_mlp, self.layers as u64);
        let sequences = s.rows * s.examples;
        let inputs = sequences * s.input_len;
        let outputs = sequences * s.output_len;
        let targets = s.rows * s.target_len;
        let mlp = |n: usize| dense(n, d, m) + dense(n, m, d);

        // Input stack: self-attention and MLP over each example's input.
        let input_block = 4 * dense(inputs, d, d) + attention(sequences, s.input_len, s.input_len, d) + mlp(inputs);
        // Output stack: self-attention, cross-attention to its own example's inputs, MLP.
        let output_block = 4 * dense(outputs, d, d)
            + attention(sequences, s.output_len, s.output_len, d)
            + 2 * dense(outputs, d, d)
            + 2 * dense(inputs, d, d)
            + attention(sequences, s.output_len, s.input_len, d)
            + mlp(outputs);
        // Decoder: causal self-attention, cross-attention to every example's outputs, MLP.
        let memory = s.examples * s.output_len;
        let decoder_block = 4 * dense(targets, d, d)
            + attention(s.rows, s.target_len, s.target_len, d)
            + 2 * dense(targets, d, d)
            + 2 * dense(s.rows * memory, d, d)
            + attention(s.rows, s.target_len, memory, d)
            + mlp(targets);
        layers * (input_block + output_block + decoder_block) + dense(targets, d, self.target_vocab)
    }

    /// FLOPs of one training step (forward, and a backward pass of twice the products).
    pub fn training_flops(&self, s: &BatchShape) -> u64 {
        3 * self.forward_flops(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(d: usize, m: usize, layers: usize, vocab: usize) -> ModelConfig {
        ModelConfig::new(10, vocab, 20, 80, 20, 16).with_d_model(d).with_d_mlp(m).with_layers(layers).with_heads(1)
    }

    /// A hand count for the smallest case: one row, one example of one input and one output
    /// token, one target position, d = 1, MLP 1, one layer, a vocabulary of 1. Every product
    /// is then a single multiply-add (2 FLOPs): input block 4 + 2 + 2, output block
    /// 4 + 2 + 2 + 2 + 2 + 2, decoder block the same, logits 1.
    #[test]
    fn the_smallest_model_by_hand() {
        let s = BatchShape { rows: 1, examples: 1, input_len: 1, output_len: 1, target_len: 1 };
        let per_product = 2;
        assert_eq!(config(1, 1, 1, 1).forward_flops(&s), per_product * (8 + 14 + 14 + 1));
        assert_eq!(config(1, 1, 1, 1).training_flops(&s), 3 * per_product * 37);
    }

    /// The count scales as it should: linearly in rows and layers, quadratically in d_model
    /// for the projections.
    #[test]
    fn counts_scale_with_the_shapes() {
        let s = BatchShape { rows: 4, examples: 3, input_len: 10, output_len: 12, target_len: 7 };
        let c = config(64, 128, 2, 100);
        let double_rows = BatchShape { rows: 8, ..s };
        assert_eq!(c.forward_flops(&double_rows), 2 * c.forward_flops(&s));
        let logits = dense(s.rows * s.target_len, 64, 100);
        let one_layer = config(64, 128, 1, 100).forward_flops(&s) - logits;
        assert_eq!(c.forward_flops(&s) - logits, 2 * one_layer);
        // Without attention products (length-1 sequences are not that), widening d and the MLP
        // together by 2 multiplies every projection by 4.
        let unit = BatchShape { rows: 4, examples: 3, input_len: 1, output_len: 1, target_len: 1 };
        let narrow = config(8, 16, 1, 1).forward_flops(&unit) - dense(4, 8, 1);
        let wide = config(16, 32, 1, 1).forward_flops(&unit) - dense(4, 16, 1);
        let attn = |d| 3 * attention(12, 1, 1, d) + attention(4, 1, 1, d) + attention(4, 1, 3, d);
        assert_eq!(wide - attn(16), 4 * (narrow - attn(8)));
    }
}
