//! The Latent Programmer (Hong et al., 2021), the paper's second baseline (official code:
//! `latent_programmer/models/latent_models.py` and `vqvae.py` in google-research).
//!
//! A program is summarized by a short sequence of discrete latent codes, one per four program
//! tokens, and synthesis first predicts the codes from the I/O examples, then the program
//! from the examples and the codes. Five parts:
//!
//! - the I/O encoder and the program decoder of the other models ([`SpecEncoder`],
//!   [`Decoder`]); the decoder's memory is the encoded examples followed by the latent
//!   vectors plus learned absolute position embeddings ([`Memory::append`]);
//! - [`ProgramAutoencoder`]: self-attention over the program tokens, then `c` strided
//!   convolutions (kernel 2, stride 2), so the latent length is ⌈length / 2^c⌉;
//! - [`Codebook`]: a VQ-VAE bottleneck with exponential-moving-average updates; codes 0, 1
//!   and 2 (padding, BOS, EOS) are never assigned, so codes and tokens share those ids;
//! - the latent predictor, a [`SpecTransformer`] from the I/O examples to the codes (+ EOS).
//!
//! Training ([`LatentProgrammer::losses`]) sums the autoencoder's reconstruction loss, the
//! codebook's commitment loss, the predictor's loss against the autoencoder's codes and,
//! after pretraining, the decoder's loss given the *predicted* codes (soft-quantized so the
//! gradient reaches the predictor). During pretraining the decoder may not attend to the
//! examples, so it has to use the latents, and the codebook is frozen.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{Embedding, EmbeddingConfig, Initializer};
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::softmax;

use super::attention::{MASKED, padding_bias};
use super::batch::loss_and_correct;
use super::blocks::{BlockSpec, EncoderBlock};
use super::decoder::{CrossPositions, Memory};
use super::dropout::Dropout;
use super::{Decoder, DecoderCache, ModelConfig, SpecEncoder, SpecTransformer};
use crate::data::Example;
use crate::vocab::{BOS, EOS, Token};

/// Codes that are never assigned: they play the roles of padding, BOS and EOS in the
/// predictor's target sequences.
pub const RESERVED_CODES: usize = 3;

/// The distance added to reserved codes so that the nearest-code search never picks them.
const FAR: f32 = 1e7;

/// The ε of the codebook's Laplace smoothing of cluster sizes.
const EPS: f32 = 1e-7;

/// The Latent Programmer's configuration: the program model (the Transformer baseline's
/// sizes and lengths) and the discrete bottleneck.
#[derive(Config, Debug, PartialEq)]
pub struct LatentConfig {
    /// The I/O encoder, the program decoder and the latent predictor's sizes and lengths.
    pub program: ModelConfig,
    /// Codes in the codebook, the reserved ones included.
    #[config(default = 40)]
    pub latent_vocab: usize,
    /// `c`: the number of stride-2 convolutions (latent length = ⌈program length / 2^c⌉).
    #[config(default = 2)]
    pub compression: usize,
    /// β of the commitment loss.
    #[config(default = 0.25)]
    pub commitment: f64,
    /// Decay of the codebook's moving averages.
    #[config(default = 0.99)]
    pub decay: f64,
}

impl LatentConfig {
    /// The most codes a program of the model's longest target has.
    pub fn max_latents(&self) -> usize {
        latent_len(self.program.max_target_len.saturating_sub(1), self.compression)
    }

    /// The latent predictor: the program model's encoder and decoder sizes, with the codes as
    /// its target vocabulary; it decodes at most [`max_latents`](Self::max_latents) codes and EOS.
    pub fn predictor_config(&self) -> ModelConfig {
        ModelConfig {
            target_vocab: self.latent_vocab,
            max_target_len: self.max_latents() + 2,
            aligned_separator: None,
            ..self.program.clone()
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        self.program.validate()?;
        if self.latent_vocab <= RESERVED_CODES {
            return Err(format!("latent_vocab must exceed the {RESERVED_CODES} reserved codes"));
        }
        if self.compression > 6 {
            return Err("compression above 6 leaves no latents for the programs of these DSLs".into());
        }
        if !(0.0..1.0).contains(&self.decay) || self.commitment < 0.0 {
            return Err("the codebook decay must be in [0, 1) and the commitment cost non-negative".into());
        }
        Ok(())
    }

    pub fn init(&self, device: &Device) -> LatentProgrammer {
        let p = &self.program;
        let spec = p.block_spec();
        LatentProgrammer {
            encoder: SpecEncoder::new(p.input_vocab, &spec, p.layers, p.max_distance, device),
            decoder: Decoder::new(p.target_vocab, &spec, p.layers, p.max_distance, p.max_cross_distance, device),
            autoencoder: ProgramAutoencoder::new(
                p.target_vocab,
                &spec,
                p.layers,
                p.max_distance,
                self.compression,
                device,
            ),
            codebook: Codebook::new(self.latent_vocab, p.d_model, device),
            latent_positions: EmbeddingConfig::new(self.max_latents().max(1), p.d_model)
                .with_initializer(Initializer::Normal { mean: 0.0, std: 0.02 })
                .init(device),
            predictor: self.predictor_config().init(device),
            example_len: p.max_io_len,
            compression: self.compression,
            commitment: self.commitment,
            decay: self.decay,
        }
    }
}

/// The number of latents of a program of `len` tokens (EOS included).
pub fn latent_len(len: usize, compression: usize) -> usize {
    len.div_ceil(1 << compression)
}

/// Self-attention over the program tokens, then strided convolutions that shorten the
/// sequence by 2^c.
#[derive(Module, Debug)]
pub struct ProgramAutoencoder {
    pub embedding: Embedding,
    pub dropout: Dropout,
    pub blocks: Vec<EncoderBlock>,
    pub convs: Vec<Conv1d>,
}

impl ProgramAutoencoder {
    pub fn new(
        vocab: usize,
        spec: &BlockSpec,
        layers: usize,
        max_distance: usize,
        compression: usize,
        device: &Device,
    ) -> Self {
        ProgramAutoencoder {
            embedding: EmbeddingConfig::new(vocab, spec.d_model)
                .with_initializer(Initializer::Normal { mean: 0.0, std: 1.0 })
                .init(device),
            dropout: Dropout::new(spec.dropout),
            blocks: (0..layers).map(|_| EncoderBlock::new(spec, max_distance, device)).collect(),
            convs: (0..compression)
                .map(|_| Conv1dConfig::new(spec.d_model, spec.d_model, 2).with_stride(2).init(device))
                .collect(),
        }
    }

    /// `[batch, len]` program tokens (EOS included, padded with 0) to `[batch, ⌈len/2^c⌉, d]`.
    pub fn forward(&self, programs: Tensor<2, Int>) -> Tensor<3> {
        let [b, t] = programs.dims();
        let device = programs.device();
        let stride = 1usize << self.convs.len();
        let padded = t.div_ceil(stride).max(1) * stride;
        let programs = if padded > t {
            Tensor::cat(vec![programs, Tensor::<2, Int>::zeros([b, padded - t], &device)], 1)
        } else {
            programs
        };
        let mask = padding_bias(&programs);
        let positions: Vec<i64> = (0..padded as i64).collect();
        let keep = programs.clone().greater_elem(0).float().unsqueeze_dim::<3>(2);
        let mut x = self.dropout.forward(self.embedding.forward(programs));
        for block in &self.blocks {
            x = block.forward(x, mask.clone(), &positions);
        }
        // Padding positions are zeroed before the convolutions, as in the original.
        let mut y = (x * keep).swap_dims(1, 2);
        for conv in &self.convs {
            y = conv.forward(y);
        }
        y.swap_dims(1, 2)
    }
}

/// The VQ-VAE codebook with exponential-moving-average updates (van den Oord et al., 2017).
///
/// The code vectors are not trained by gradients: [`Codebook::update`] moves each code to
/// the moving average of the autoencoder outputs assigned to it. All three tensors are
/// parameters without gradients, so checkpoints and weight files carry them.
#[derive(Module, Debug)]
pub struct Codebook {
    /// `[codes, d]`: the code vectors.
    pub vectors: Param<Tensor<2>>,
    /// `[codes, d]`: moving sums of the outputs assigned to each code.
    pub sums: Param<Tensor<2>>,
    /// `[codes]`: moving counts of the outputs assigned to each code.
    pub counts: Param<Tensor<1>>,
}

/// What quantizing a batch of autoencoder outputs gives.
#[derive(Debug, Clone)]
pub struct Quantized {
    /// `[batch, latents, d]`: the code vectors, with the straight-through gradient of the
    /// outputs.
    pub latents: Tensor<3>,
    /// `[batch, latents]`: the code of each latent, 0 at padding.
    pub codes: Tensor<2, Int>,
    /// β · Σ over real latents of the mean squared distance from output to code.
    pub commitment_loss: Tensor<1>,
}

fn frozen<const D: usize>(t: Tensor<D>) -> Param<Tensor<D>> {
    Param::from_tensor(t).set_require_grad(false)
}

impl Codebook {
    /// Code vectors drawn uniformly from ±√(3/d) (variance scaling, fan-in d); the moving
    /// sums start at the vectors and the counts at zero.
    pub fn new(codes: usize, d: usize, device: &Device) -> Self {
        let limit = (3.0 / d as f64).sqrt();
        let vectors = Tensor::<2>::random([codes, d], Distribution::Uniform(-limit, limit), device);
        Codebook {
            sums: frozen(vectors.clone()),
            vectors: frozen(vectors),
            counts: frozen(Tensor::zeros([codes], device)),
        }
    }

    pub fn codes(&self) -> usize {
        self.vectors.dims()[0]
    }

    /// The nearest unreserved code of each output `[batch, latents, d]`; `valid`
    /// `[batch, latents]` is 1 for real latents and 0 for padding.
    pub fn quantize(&self, outputs: Tensor<3>, valid: Tensor<2>, commitment: f64) -> Quantized {
        let [b, k, d] = outputs.dims();
        let v = self.codes();
        let device = outputs.device();
        let vectors = self.vectors.val().detach();
        let flat = outputs.clone().reshape([b * k, d]);
        let distances = flat.clone().detach().powi_scalar(2).sum_dim(1)
            - flat.clone().detach().matmul(vectors.clone().transpose()) * 2.0
            + vectors.clone().powi_scalar(2).sum_dim(1).reshape([1, v]);
        let reserved: Vec<f32> = (0..v).map(|i| if i < RESERVED_CODES { FAR } else { 0.0 }).collect();
        let distances = distances + Tensor::<2>::from_data(TensorData::new(reserved, [1, v]), &device);
        let codes = distances.argmin(1).reshape([b * k]);
        let quantized = vectors.select(0, codes.clone()).reshape([b, k, d]);
        let per_latent = (quantized.clone() - outputs.clone()).powi_scalar(2).mean_dim(2).reshape([b, k]);
        let commitment_loss = (per_latent * valid.clone()).sum() * commitment;
        let codes = codes.reshape([b, k]) * valid.int();
        // Straight-through: the forward value is the code, the gradient is the output's.
        let latents = outputs.clone() + (quantized - outputs).detach();
        Quantized { latents, codes, commitment_loss }
    }

    /// Moves the codes towards the outputs assigned to them: with one-hot assignments E
    /// (padding rows zero) and outputs X, `counts ← γ·counts + (1−γ)·Σ E`, `sums ← γ·sums +
    /// (1−γ)·EᵀX`, and each code that has ever been assigned becomes its sum divided by its
    /// Laplace-smoothed count.
    pub fn update(self, outputs: Tensor<3>, codes: Tensor<2, Int>, valid: Tensor<2>, decay: f64) -> Self {
        let [b, k, d] = outputs.dims();
        let v = self.codes();
        let device = outputs.device();
        let flat = outputs.detach().reshape([b * k, d]);
        let ids = Tensor::<1, Int>::arange(0..v as i64, &device).reshape([1, v]);
        let one_hot = codes.reshape([b * k, 1]).equal(ids).float() * valid.reshape([b * k, 1]);
        let counts = self.counts.val().detach() * decay + one_hot.clone().sum_dim(0).reshape([v]) * (1.0 - decay);
        let sums = self.sums.val().detach() * decay + one_hot.transpose().matmul(flat) * (1.0 - decay);
        let n = counts.clone().sum();
        let smoothed = (counts.clone() + EPS) / (n.clone() + v as f32 * EPS) * n;
        let averaged = sums.clone() / smoothed.reshape([v, 1]);
        // A code never assigned has a zero count: its average would be its initial vector
        // divided by ε (1e7 times too far), which makes it unusable and floods the
        // soft lookup of predicted codes. It keeps its vector instead.
        let assigned = counts.clone().greater_elem(0.0).float().reshape([v, 1]);
        let vectors = averaged * assigned.clone() + self.vectors.val().detach() * (assigned.ones_like() - assigned);
        Codebook {
            vectors: self.vectors.map(|_| vectors),
            sums: self.sums.map(|_| sums),
            counts: self.counts.map(|_| counts),
        }
    }

    /// The vectors of codes `[batch, latents]`.
    pub fn lookup(&self, codes: Tensor<2, Int>) -> Tensor<3> {
        let [b, k] = codes.dims();
        let d = self.vectors.dims()[1];
        self.vectors.val().select(0, codes.reshape([b * k])).reshape([b, k, d])
    }

    /// The expected vector under predicted code logits `[batch, latents, codes]`.
    pub fn soft_lookup(&self, logits: Tensor<3>) -> Tensor<3> {
        let [b, k, v] = logits.dims();
        let d = self.vectors.dims()[1];
        softmax(logits, 2).reshape([b * k, v]).matmul(self.vectors.val()).reshape([b, k, d])
    }
}

/// The whole model: autoencoder, latent predictor and program decoder.
#[derive(Module, Debug)]
pub struct LatentProgrammer {
    pub encoder: SpecEncoder,
    pub decoder: Decoder,
    pub autoencoder: ProgramAutoencoder,
    pub codebook: Codebook,
    /// Absolute position embeddings added to the latents the decoder reads.
    pub latent_positions: Embedding,
    /// Predicts the codes from the I/O examples; trained by its own optimizer.
    pub predictor: SpecTransformer,
    pub example_len: usize,
    pub compression: usize,
    pub commitment: f64,
    pub decay: f64,
}

/// The outcome of one training forward pass.
#[derive(Debug, Clone)]
pub struct LatentLosses {
    /// What the step minimizes.
    pub total: Tensor<1>,
    /// The decoder's loss given the predicted codes: the path used at inference.
    pub program_loss: Tensor<1>,
    /// Program tokens the decoder gets right given the predicted codes.
    pub program_correct: Tensor<1, Int>,
    /// Program tokens the decoder gets right given the autoencoder's codes.
    pub autoencoder_correct: Tensor<1, Int>,
    /// Codes (and EOS) the predictor gets right.
    pub latent_correct: Tensor<1, Int>,
    /// The number of codes and EOS tokens the predictor is trained on.
    pub latent_tokens: usize,
    /// The autoencoder's outputs, codes and padding mask, for [`Codebook::update`].
    pub outputs: Tensor<3>,
    pub codes: Tensor<2, Int>,
    pub valid: Tensor<2>,
}

/// Host-side tensors of a batch of whole-program examples.
struct ProgramBatch {
    inputs: Tensor<3, Int>,
    outputs: Tensor<3, Int>,
    decoder_input: Tensor<2, Int>,
    targets: Tensor<2, Int>,
    /// `[batch, latents]`: 1 for each row's ⌈len/2^c⌉ real latents.
    valid: Tensor<2>,
    /// Real latents per row.
    lengths: Vec<usize>,
}

fn int2(values: Vec<i64>, shape: [usize; 2], device: &Device) -> Tensor<2, Int> {
    Tensor::from_data(TensorData::new(values, shape), device)
}

impl LatentProgrammer {
    fn cross(&self) -> CrossPositions {
        CrossPositions { example_len: self.example_len, aligned_separator: None }
    }

    fn batch(&self, examples: &[&Example], device: &Device) -> ProgramBatch {
        let b = super::batch::make_batch(examples, device);
        let t = b.targets.dims()[1];
        let k = latent_len(t, self.compression).max(1);
        let lengths: Vec<usize> = examples.iter().map(|e| latent_len(e.target.len(), self.compression)).collect();
        let valid: Vec<f32> =
            lengths.iter().flat_map(|&n| (0..k).map(move |i| if i < n { 1.0 } else { 0.0 })).collect();
        ProgramBatch {
            inputs: b.inputs,
            outputs: b.outputs,
            decoder_input: b.decoder_input,
            targets: b.targets,
            valid: Tensor::from_data(TensorData::new(valid, [examples.len(), k]), device),
            lengths,
        }
    }

    /// The encoded examples as the decoder's memory.
    fn io_memory(&self, inputs: Tensor<3, Int>, outputs: Tensor<3, Int>) -> Memory {
        let [b, e, lo] = outputs.dims();
        let tokens = outputs.clone().reshape([b, e * lo]);
        let states = self.encoder.forward(inputs, outputs);
        Memory::of_examples(states, &tokens, e, self.example_len)
    }

    /// The memory followed by latent vectors `[batch, k, d]` (positioned after all examples'
    /// slots); `valid` `[batch, k]` masks the padding latents.
    fn with_latents(&self, memory: Memory, latents: Tensor<3>, valid: Tensor<2>) -> Memory {
        let [b, k, _] = latents.dims();
        let device = latents.device();
        // Positions past the table (the predictor's EOS slot, which is masked, or an
        // over-long predicted sequence) share its last entry.
        let last = self.latent_positions.weight.dims()[0] as i64 - 1;
        let ids: Vec<i64> = (0..k as i64).map(|i| i.min(last)).collect();
        let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [1, k]), &device).repeat_dim(0, b);
        let latents = latents + self.latent_positions.forward(ids);
        let mask = (valid.ones_like() - valid) * MASKED;
        // After every example's slots: example j's token c sits at j·L + c.
        let l = self.example_len.max(1) as i64;
        let start = memory.positions.iter().max().map_or(0, |&p| (p / l + 1) * l);
        memory.append(latents, mask.reshape([b, 1, 1, k]), (0..k as i64).map(|i| start + i))
    }

    /// The training losses of a batch of whole-program examples (the Transformer baseline's
    /// data). `pretrain`: the decoder may not attend to the examples, the predicted-code term
    /// is left out, and the caller does not update the codebook.
    pub fn losses(&self, examples: &[&Example], pretrain: bool, device: &Device) -> LatentLosses {
        let pb = self.batch(examples, device);
        let rows = examples.len();
        let memory = self.io_memory(pb.inputs.clone(), pb.outputs.clone());

        // Autoencoder: program → codes → program.
        let outputs = self.autoencoder.forward(pb.targets.clone());
        let q = self.codebook.quantize(outputs.clone(), pb.valid.clone(), self.commitment);
        let ae_memory = if pretrain {
            Memory { mask: memory.mask.clone().ones_like() * MASKED, ..memory.clone() }
        } else {
            memory.clone()
        };
        let ae_memory = self.with_latents(ae_memory, q.latents, pb.valid.clone());
        let ae_logits = self.decoder.forward_memory(pb.decoder_input.clone(), ae_memory, self.cross());
        let (ae_loss, autoencoder_correct) = loss_and_correct(ae_logits, pb.targets.clone());
        let real_latents: usize = pb.lengths.iter().sum();
        let vq_loss = q.commitment_loss / real_latents.max(1) as f64;

        // Predictor: examples → the autoencoder's codes, then EOS.
        let k = pb.valid.dims()[1];
        let codes: Vec<i64> = q.codes.to_data().convert::<i64>().try_to_vec::<i64>().unwrap_or_default();
        let (mut target, mut input) = (vec![0i64; rows * (k + 1)], vec![0i64; rows * (k + 1)]);
        for (r, &n) in pb.lengths.iter().enumerate() {
            let row = &mut target[r * (k + 1)..(r + 1) * (k + 1)];
            row[..n].copy_from_slice(&codes[r * k..r * k + n]);
            row[n] = i64::from(EOS);
            let inp = &mut input[r * (k + 1)..(r + 1) * (k + 1)];
            inp[0] = i64::from(BOS);
            inp[1..=n].copy_from_slice(&codes[r * k..r * k + n]);
        }
        let latent_targets = int2(target, [rows, k + 1], device);
        let latent_logits =
            self.predictor.forward(pb.inputs.clone(), pb.outputs.clone(), int2(input, [rows, k + 1], device));
        let (latent_loss, latent_correct) = loss_and_correct(latent_logits.clone(), latent_targets);

        // Decoder given the predicted codes (soft, so gradients reach the predictor); the EOS
        // position is masked.
        let soft = self.codebook.soft_lookup(latent_logits);
        let soft_valid = Tensor::cat(vec![pb.valid.clone(), Tensor::zeros([rows, 1], device)], 1);
        let logits =
            self.decoder.forward_memory(pb.decoder_input, self.with_latents(memory, soft, soft_valid), self.cross());
        let (program_loss, program_correct) = loss_and_correct(logits, pb.targets);

        let mut total = ae_loss + vq_loss + latent_loss;
        if !pretrain {
            total = total + program_loss.clone();
        }
        LatentLosses {
            total,
            program_loss,
            program_correct,
            autoencoder_correct,
            latent_correct,
            latent_tokens: real_latents + rows,
            outputs,
            codes: q.codes,
            valid: pb.valid,
        }
    }

    /// Prepares decoding programs for specifications (`[rows, examples, len]` tokens) given
    /// one code sequence per row (`[rows, k]`, without EOS; 0 pads a shorter row).
    pub fn start_programs(
        &self,
        inputs: Tensor<3, Int>,
        outputs: Tensor<3, Int>,
        codes: Tensor<2, Int>,
    ) -> DecoderCache {
        let memory = self.io_memory(inputs, outputs);
        let valid = codes.clone().greater_elem(0).float();
        let memory = self.with_latents(memory, self.codebook.lookup(codes), valid);
        self.decoder.start_memory(memory, self.cross())
    }

    /// Feeds one program token per row; next-token log-probabilities `[rows, vocab]`.
    pub fn step(&self, cache: &mut DecoderCache, tokens: &[i64]) -> Tensor<2> {
        self.decoder.step(cache, tokens)
    }
}

/// Code rows as a tensor: each row padded with 0, an empty row as one padding code (masked).
pub fn codes_tensor(rows: &[Vec<Token>], device: &Device) -> Tensor<2, Int> {
    let k = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let mut data = Vec::with_capacity(rows.len() * k);
    for r in rows {
        data.extend(r.iter().map(|&c| i64::from(c)));
        data.extend(std::iter::repeat_n(0, k - r.len()));
    }
    int2(data, [rows.len(), k], device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ModelKind;
    use crate::domain::Dsl;
    use crate::model::weights::{Precision, TrainingInfo, WeightError, from_bytes, latent_from_bytes, latent_to_bytes};
    use crate::model::{Preset, preset};

    fn device() -> Device {
        #[allow(deprecated)]
        let d = Device::ndarray();
        d.seed(11);
        d
    }

    fn t2(values: &[f32], shape: [usize; 2], device: &Device) -> Tensor<2> {
        Tensor::from_data(TensorData::new(values.to_vec(), shape), device)
    }

    fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
    }

    fn close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
        assert!(a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5), "{a:?} vs {b:?}");
    }

    /// Five codes in two dimensions: the reserved 0–2 at the origin (nearest to everything,
    /// but never chosen), code 3 at (1, 0) and code 4 at (0, 2).
    fn codebook(device: &Device) -> Codebook {
        let v = t2(&[0., 0., 0., 0., 0., 0., 1., 0., 0., 2.], [5, 2], device);
        Codebook { sums: frozen(v.clone()), vectors: frozen(v), counts: frozen(Tensor::zeros([5], device)) }
    }

    fn outputs(device: &Device) -> (Tensor<3>, Tensor<2>) {
        // Row 0: two latents; row 1: one latent and padding.
        let x = Tensor::<1>::from_data(TensorData::new(vec![0.9f32, 0.1, 0.2, 1.5, 1.0, 0.0, 5.0, 5.0], [8]), device)
            .reshape([2, 2, 2]);
        (x, t2(&[1., 1., 1., 0.], [2, 2], device))
    }

    #[test]
    fn quantization_picks_the_nearest_unreserved_code_and_measures_commitment() {
        let dev = device();
        let (x, valid) = outputs(&dev);
        let q = codebook(&dev).quantize(x, valid, 0.25);
        let codes: Vec<i64> = q.codes.into_data().convert::<i64>().try_to_vec::<i64>().unwrap();
        assert_eq!(codes, vec![3, 4, 3, 0]);
        // β · Σ mean-squared distances: ((.1² + .1²)/2 + (.2² + .5²)/2 + 0) · 0.25.
        close(&values(q.commitment_loss), &[0.25 * (0.01 + 0.145)]);
        // The forward value is the code vector (the padding latent's too: code 4 is nearer
        // (5, 5) than code 3).
        close(&values(q.latents), &[1., 0., 0., 2., 1., 0., 0., 2.]);
    }

    #[test]
    fn gradients_pass_straight_through_to_the_outputs() {
        let dev = device().autodiff();
        let (x, valid) = outputs(&dev);
        let x = x.require_grad();
        let q = codebook(&dev).quantize(x.clone(), valid, 0.25);
        let grads = q.latents.sum().backward();
        close(&values(x.grad(&grads).unwrap()), &[1.0; 8]);
    }

    #[test]
    fn the_moving_average_update_matches_hand_computed_values() {
        let dev = device();
        let (x, valid) = outputs(&dev);
        let book = codebook(&dev);
        let q = book.quantize(x.clone(), valid.clone(), 0.25);
        let book = book.update(x, q.codes, valid, 0.5);
        // counts = 0.5 · 0 + 0.5 · (0, 0, 0, 2, 1); the padding latent does not count.
        close(&values(book.counts.val()), &[0., 0., 0., 1., 0.5]);
        // sums = 0.5 · vectors + 0.5 · Σ assigned outputs:
        // code 3: 0.5 · (1, 0) + 0.5 · ((0.9, 0.1) + (1, 0)); code 4: 0.5 · (0, 2) + 0.5 · (0.2, 1.5).
        close(&values(book.sums.val()), &[0., 0., 0., 0., 0., 0., 1.45, 0.05, 0.1, 1.75]);
        // vectors = sums / smoothed counts (ε = 1e-7 barely moves the counts 1 and 0.5).
        close(&values(book.vectors.val()), &[0., 0., 0., 0., 0., 0., 1.45, 0.05, 0.2, 3.5]);
        // A code nothing was ever assigned to keeps its vector (here code 3, while (0, 3) goes
        // to code 4) instead of being divided by ε.
        let fresh = codebook(&dev);
        let x = Tensor::<1>::from_data(TensorData::new(vec![0.0f32, 3.0], [2]), &dev).reshape([1, 1, 2]);
        let one = t2(&[1.], [1, 1], &dev);
        let q = fresh.quantize(x.clone(), one.clone(), 0.25);
        let fresh = fresh.update(x, q.codes, one, 0.5);
        // Code 4: sum 0.5·(0, 2) + 0.5·(0, 3) = (0, 2.5) over count 0.5; code 3 untouched.
        close(&values(fresh.vectors.val()), &[0., 0., 0., 0., 0., 0., 1., 0., 0., 5.]);
    }

    #[test]
    fn soft_lookup_averages_code_vectors() {
        let dev = device();
        let logits =
            Tensor::<1>::from_data(TensorData::new(vec![0f32, 0., 0., 50., 0., 0., 0., 0., 0., 0.], [10]), &dev)
                .reshape([1, 2, 5]);
        let soft = codebook(&dev).soft_lookup(logits);
        // Row 0 is code 3; row 1 is the mean of all five vectors.
        close(&values(soft), &[1., 0., 0.2, 0.4]);
    }

    fn tiny() -> LatentConfig {
        let program = preset(Preset::Tiny, Dsl::DeepCoder, ModelKind::LatentProgrammer)
            .with_dropout(0.0)
            .with_attention_dropout(0.0);
        LatentConfig::new(program)
    }

    fn example(target_len: usize) -> Example {
        Example {
            inputs: vec![vec![5, 6, 7], vec![8, 9]],
            outputs: vec![vec![10, 11], vec![12, 13, 14]],
            target: (0..target_len - 1).map(|i| 10 + i as Token).chain([EOS]).collect(),
        }
    }

    #[test]
    fn latent_lengths_and_the_predictor_follow_the_program_length() {
        assert_eq!(latent_len(1, 2), 1);
        assert_eq!(latent_len(4, 2), 1);
        assert_eq!(latent_len(5, 2), 2);
        let cfg = tiny();
        // DeepCoder programs: at most 49 tokens and EOS → 13 codes, then EOS, after BOS.
        assert_eq!(cfg.max_latents(), 13);
        assert_eq!(cfg.predictor_config().max_target_len, 15);
        assert_eq!(cfg.predictor_config().target_vocab, 40);
        assert!(cfg.clone().with_latent_vocab(3).validate().is_err());
    }

    #[test]
    fn pretraining_leaves_out_the_predicted_code_term() {
        let dev = device();
        let model = tiny().init(&dev);
        let exs = [example(6), example(3)];
        let refs: Vec<&Example> = exs.iter().collect();
        let pre = model.losses(&refs, true, &dev);
        let full = model.losses(&refs, false, &dev);
        let (pre_total, full_total) = (values(pre.total)[0], values(full.total)[0]);
        let program = values(full.program_loss)[0];
        assert!(pre_total.is_finite() && program > 0.0);
        // The autoencoder differs between the two (its decoder may read the examples only
        // outside pretraining), so compare the difference loosely: the full loss includes a
        // whole extra cross-entropy.
        assert!(full_total > pre_total + 0.5 * program, "{pre_total} {full_total} {program}");
        // Codes: ⌈6/4⌉ = 2 and ⌈3/4⌉ = 1 real latents, then EOS for each row.
        assert_eq!(full.latent_tokens, 2 + 1 + 2);
        let codes: Vec<i64> = full.codes.into_data().convert::<i64>().try_to_vec::<i64>().unwrap();
        assert!(codes[0] >= 3 && codes[1] >= 3 && codes[2] >= 3 && codes[3] == 0, "{codes:?}");
    }

    #[test]
    fn the_longest_programs_and_code_sequences_fit() {
        let dev = device();
        let cfg = tiny();
        let model = cfg.init(&dev);
        // 49 tokens and EOS: 13 codes, and the predictor's EOS in a 14th slot.
        let exs = [example(cfg.program.max_target_len - 1)];
        let refs: Vec<&Example> = exs.iter().collect();
        let l = model.losses(&refs, false, &dev);
        assert!(values(l.total)[0].is_finite());
        assert_eq!(l.latent_tokens, 14);
        // The predictor may decode up to 14 codes before EOS.
        let (i, o) = (refs[0].inputs.clone(), refs[0].outputs.clone());
        let io = |rows: &[Vec<Token>]| super::super::batch::io_tensor(&[rows], &dev);
        let codes = codes_tensor(&[vec![5; cfg.predictor_config().max_target_len - 1]], &dev);
        let mut cache = model.start_programs(io(&i), io(&o), codes);
        let lp = values(model.step(&mut cache, &[i64::from(BOS)]));
        assert_eq!(lp.len(), cfg.program.target_vocab);
        assert!(lp.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn weight_files_round_trip_and_refuse_the_wrong_model() {
        let dev = device();
        let cfg = tiny();
        let model = cfg.init(&dev);
        let exs = [example(5)];
        let refs: Vec<&Example> = exs.iter().collect();
        let expected = values(model.losses(&refs, false, &dev).total);
        let bytes =
            latent_to_bytes(&model, Dsl::DeepCoder, Some(Preset::Tiny), &cfg, Precision::F32, TrainingInfo::default());
        let loaded = latent_from_bytes(&bytes, Some(Dsl::DeepCoder), &dev).unwrap();
        assert_eq!(loaded.config, cfg);
        close(&values(loaded.model.losses(&refs, false, &dev).total), &expected);
        assert!(matches!(latent_from_bytes(&bytes, Some(Dsl::RobustFill), &dev), Err(WeightError::Mismatch { .. })));
        assert!(matches!(from_bytes(&bytes, None, &dev), Err(WeightError::Mismatch { .. })));
        assert!(matches!(latent_from_bytes(&bytes[..bytes.len() - 9], None, &dev), Err(WeightError::Truncated)));
    }
}
