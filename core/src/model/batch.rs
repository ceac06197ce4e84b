//! From training examples to tensors, and the training objective.
//!
//! Batches are padded to their own longest sequences (padding is id 0 and masked
//! everywhere); relative positions use the model's fixed per-example length for the memory
//! layout, so the padding of a batch does not change what the model computes.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

use super::ModelConfig;
use super::flops::BatchShape;
use crate::data::Example;
use crate::vocab::{BOS, Token};

/// Tensors of one batch.
#[derive(Debug, Clone)]
pub struct Batch {
    /// `[batch, examples, input_len]`
    pub inputs: Tensor<3, Int>,
    /// `[batch, examples, output_len]`
    pub outputs: Tensor<3, Int>,
    /// `[batch, target_len]`: BOS, then the target shifted right.
    pub decoder_input: Tensor<2, Int>,
    /// `[batch, target_len]`: the target, EOS included, padded with 0.
    pub targets: Tensor<2, Int>,
    /// Number of non-padding target tokens.
    pub target_tokens: usize,
}

/// Whether an example fits a model's lengths.
pub fn fits(example: &Example, config: &ModelConfig) -> bool {
    example.inputs.iter().chain(&example.outputs).all(|s| s.len() <= config.max_io_len)
        && example.target.len() < config.max_target_len
}

fn padded(rows: impl Iterator<Item = Vec<Token>>, len: usize, out: &mut Vec<i64>) {
    for r in rows {
        out.extend(r.iter().map(|&t| i64::from(t)));
        out.extend(std::iter::repeat_n(0, len - r.len()));
    }
}

/// Pads per-example sequences into `[rows, examples, len]` values.
pub fn io_tensor(rows: &[&[Vec<Token>]], device: &Device) -> Tensor<3, Int> {
    let e = rows.iter().map(|r| r.len()).max().unwrap_or(1).max(1);
    let l = rows.iter().flat_map(|r| r.iter().map(Vec::len)).max().unwrap_or(1).max(1);
    let mut data = Vec::with_capacity(rows.len() * e * l);
    for r in rows {
        padded(r.iter().cloned().chain(std::iter::repeat_n(Vec::new(), e - r.len())), l, &mut data);
    }
    Tensor::from_data(TensorData::new(data, [rows.len(), e, l]), device)
}

/// The padded shape of the batch [`make_batch`] builds from these examples.
pub fn batch_shape(examples: &[&Example]) -> BatchShape {
    let longest = |seqs: fn(&Example) -> &[Vec<Token>]| {
        examples.iter().flat_map(|e| seqs(e).iter().map(Vec::len)).max().unwrap_or(1).max(1)
    };
    BatchShape {
        rows: examples.len(),
        examples: examples.iter().map(|e| e.inputs.len().max(e.outputs.len())).max().unwrap_or(1).max(1),
        input_len: longest(|e| &e.inputs),
        output_len: longest(|e| &e.outputs),
        target_len: examples.iter().map(|e| e.target.len()).max().unwrap_or(1).max(1),
    }
}

/// Builds a batch from examples (which must fit the model).
pub fn make_batch(examples: &[&Example], device: &Device) -> Batch {
    let inputs = io_tensor(&examples.iter().map(|e| e.inputs.as_slice()).collect::<Vec<_>>(), device);
    let outputs = io_tensor(&examples.iter().map(|e| e.outputs.as_slice()).collect::<Vec<_>>(), device);
    let t = examples.iter().map(|e| e.target.len()).max().unwrap_or(1).max(1);
    let mut dec = Vec::with_capacity(examples.len() * t);
    let mut tgt = Vec::with_capacity(examples.len() * t);
    padded(
        examples.iter().map(|e| {
            std::iter::once(BOS).chain(e.target[..e.target.len().saturating_sub(1)].iter().copied()).collect()
        }),
        t,
        &mut dec,
    );
    padded(examples.iter().map(|e| e.target.clone()), t, &mut tgt);
    Batch {
        inputs,
        outputs,
        decoder_input: Tensor::from_data(TensorData::new(dec, [examples.len(), t]), device),
        targets: Tensor::from_data(TensorData::new(tgt, [examples.len(), t]), device),
        target_tokens: examples.iter().map(|e| e.target.len()).sum(),
    }
}

/// Token cross-entropy over the non-padding targets (mean over those tokens), and the number
/// of those tokens predicted correctly (argmax).
pub fn loss_and_correct(logits: Tensor<3>, targets: Tensor<2, Int>) -> (Tensor<1>, Tensor<1, Int>) {
    let mask = targets.clone().greater_elem(0);
    let logp = log_softmax(logits, 2);
    let predicted = logp.clone().argmax(2).squeeze_dim::<2>(2);
    let picked = logp.gather(2, targets.clone().unsqueeze_dim::<3>(2)).squeeze_dim::<2>(2);
    let maskf = mask.clone().float();
    let count = maskf.clone().sum();
    let loss = -(picked * maskf).sum() / count;
    let correct = predicted.equal(targets).int().mul(mask.int()).sum();
    (loss, correct)
}
