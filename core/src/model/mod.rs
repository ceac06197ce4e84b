//! The neural models, written with burn (the official `models/base_models.py` and
//! `spec_decomposition/decomposition_models.py`).
//!
//! All four model types share one architecture, [`SpecTransformer`]: the
//! Specification-Transformer encoder ([`SpecEncoder`]) over the I/O examples and a decoder
//! with relative attention; they differ only in their data, their target vocabulary and, for
//! the SubgoalModel, Aligned Relative Attention ([`relative::aligned_positions`]) in the
//! decoder's cross-attention. The Latent Programmer baseline ([`LatentProgrammer`]) is built
//! from the same encoder and decoder plus a program autoencoder, a VQ codebook and a latent
//! predictor. The models know a DSL only through vocabulary sizes and the separator id.
//!
//! - [`relative`]: relative-position buckets and ARA positions;
//! - [`attention`], [`blocks`], [`encoder`], [`decoder`]: the network, with a key/value
//!   cache for decoding; [`dropout`]: dropout masks from a seeded host stream;
//! - [`batch`]: training examples to tensors, the loss and the accuracy;
//! - [`flops`]: the arithmetic of a pass, counted from the shapes (for throughput figures);
//! - [`latent`]: the Latent Programmer baseline (autoencoder, VQ codebook, latent predictor);
//! - [`neural`]: the trained networks as [`StepModel`](crate::search::StepModel)s;
//! - [`weights`]: the exported weight file format.

pub mod attention;
pub mod batch;
pub mod blocks;
pub mod decoder;
pub mod dropout;
pub mod encoder;
pub mod flops;
pub mod latent;
pub mod neural;
pub mod relative;
pub mod weights;

use burn::config::Config;
use burn::module::Module;
use burn::prelude::*;

pub use decoder::{CrossPositions, Decoder, DecoderCache, Memory};
pub use encoder::SpecEncoder;
pub use latent::{LatentConfig, LatentProgrammer};
pub use neural::NeuralModel;

use crate::data::ModelKind;
use crate::domain::Dsl;
use blocks::BlockSpec;

/// The architecture and lengths of one model.
#[derive(Config, Debug, PartialEq)]
pub struct ModelConfig {
    /// I/O vocabulary size (encoder).
    pub input_vocab: usize,
    /// Target vocabulary size (decoder).
    pub target_vocab: usize,
    #[config(default = 512)]
    pub d_model: usize,
    #[config(default = 1024)]
    pub d_mlp: usize,
    #[config(default = 4)]
    pub heads: usize,
    /// Blocks per stack (the encoder's input and output stacks and the decoder).
    #[config(default = 3)]
    pub layers: usize,
    #[config(default = 0.1)]
    pub dropout: f64,
    #[config(default = 0.1)]
    pub attention_dropout: f64,
    #[config(default = 32)]
    pub buckets: usize,
    /// Maximum distance of self-attention and of the encoder's output→input attention.
    pub max_distance: usize,
    /// Maximum distance of the decoder's cross-attention.
    pub max_cross_distance: usize,
    /// Longest per-example input/output sequence; also the `L` of the memory layout.
    pub max_io_len: usize,
    /// Longest target, BOS included.
    pub max_target_len: usize,
    /// Aligned Relative Attention with this separator (the SubgoalModel).
    #[config(default = "None")]
    pub aligned_separator: Option<usize>,
}

/// Named sizes (d_model / MLP / heads / layers per stack):
///
/// | preset | sizes | parameters (RobustFill synthesizer) | for |
/// |---|---|---|---|
/// | `paper` | 512 / 1024 / 4 / 3 | 25.6 M | the paper's model (GPU) |
/// | `small` | 128 / 256 / 4 / 2 | 1.15 M | GPU-trained models for the browser |
/// | `cpu` | 64 / 128 / 4 / 2 | 0.31 M | training on a CPU in hours; runs in the browser |
/// | `tiny` | 32 / 64 / 2 / 1 | 0.06 M | tests |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    Paper,
    Small,
    Cpu,
    Tiny,
}

impl Preset {
    pub const ALL: [Preset; 4] = [Preset::Paper, Preset::Small, Preset::Cpu, Preset::Tiny];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Paper => "paper",
            Preset::Small => "small",
            Preset::Cpu => "cpu",
            Preset::Tiny => "tiny",
        }
    }
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "paper" => Ok(Preset::Paper),
            "small" | "browser" => Ok(Preset::Small),
            "cpu" => Ok(Preset::Cpu),
            "tiny" => Ok(Preset::Tiny),
            _ => Err(format!("unknown preset {s:?} (expected paper, small, cpu or tiny)")),
        }
    }
}

/// The configuration of a model type for a DSL at a preset size. Lengths and relative
/// distances follow the paper's training runs for each model type: RobustFill's
/// `run_robustfill_training.sh`, and DeepCoder's `launch_train.py: compute_lengths` (per-example
/// I/O length 60: a state of up to 6 objects of 10 tokens; distances 60/180), so
/// the cross-attention positions `j · 60 + c` of every example stay inside the 180-distance
/// buckets as in the paper.
pub fn preset(preset: Preset, dsl: Dsl, kind: ModelKind) -> ModelConfig {
    use ModelKind::*;
    let vocab = dsl.vocab_sizes();
    let target_vocab = if kind == Subgoal { vocab.io } else { vocab.program };
    // (max_io_len, max_target_len, md, mpced)
    let (io, target, md, mpced) = match (dsl, kind) {
        (Dsl::RobustFill, Subgoal) => (200, 85, 200, 800),
        (Dsl::RobustFill, Synthesizer) => (20, 16, 20, 80),
        (Dsl::RobustFill, NoSubgoal) => (200, 16, 200, 800),
        (Dsl::RobustFill, Transformer | LatentProgrammer) => (200, 132, 200, 800),
        (Dsl::DeepCoder, Subgoal) => (60, 30, 60, 180),
        (Dsl::DeepCoder, Synthesizer | NoSubgoal) => (60, 8, 60, 180),
        (Dsl::DeepCoder, Transformer | LatentProgrammer) => (60, 50, 60, 180),
    };
    let (d, mlp, heads, layers) = match preset {
        Preset::Paper => (512, 1024, 4, 3),
        Preset::Small => (128, 256, 4, 2),
        Preset::Cpu => (64, 128, 4, 2),
        Preset::Tiny => (32, 64, 2, 1),
    };
    ModelConfig::new(vocab.io, target_vocab, md, mpced, io, target)
        .with_d_model(d)
        .with_d_mlp(mlp)
        .with_heads(heads)
        .with_layers(layers)
        .with_aligned_separator(vocab.separator.filter(|_| kind == Subgoal).map(usize::from))
}

/// The network shared by the SubgoalModel, the SynthesizerModel, the No-Subgoal (combined)
/// model and the Transformer baseline (and the Latent Programmer's latent predictor).
#[derive(Module, Debug)]
pub struct SpecTransformer {
    pub encoder: SpecEncoder,
    pub decoder: Decoder,
    pub example_len: usize,
    pub aligned_separator: Option<usize>,
}

impl ModelConfig {
    /// The sizes every block of this configuration is built with.
    pub fn block_spec(&self) -> BlockSpec {
        BlockSpec {
            d_model: self.d_model,
            d_mlp: self.d_mlp,
            heads: self.heads,
            dropout: self.dropout,
            attention_dropout: self.attention_dropout,
            buckets: self.buckets,
        }
    }

    /// Builds a model with freshly initialized weights.
    pub fn init(&self, device: &Device) -> SpecTransformer {
        let spec = self.block_spec();
        SpecTransformer {
            encoder: SpecEncoder::new(self.input_vocab, &spec, self.layers, self.max_distance, device),
            decoder: Decoder::new(
                self.target_vocab,
                &spec,
                self.layers,
                self.max_distance,
                self.max_cross_distance,
                device,
            ),
            example_len: self.max_io_len,
            aligned_separator: self.aligned_separator,
        }
    }

    /// Checks the configuration for values that cannot build a model.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("input_vocab", self.input_vocab),
            ("target_vocab", self.target_vocab),
            ("d_model", self.d_model),
            ("d_mlp", self.d_mlp),
            ("heads", self.heads),
            ("layers", self.layers),
            ("buckets", self.buckets),
            ("max_io_len", self.max_io_len),
            ("max_target_len", self.max_target_len),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(format!("{name} must be positive"));
        }
        if !self.d_model.is_multiple_of(self.heads) {
            return Err(format!("d_model {} is not a multiple of heads {}", self.d_model, self.heads));
        }
        if !(0.0..1.0).contains(&self.dropout) || !(0.0..1.0).contains(&self.attention_dropout) {
            return Err("dropout rates must be in [0, 1)".into());
        }
        if self.buckets < 2 || self.max_distance == 0 || self.max_cross_distance == 0 {
            return Err("relative attention needs at least 2 buckets and positive distances".into());
        }
        Ok(())
    }
}

impl SpecTransformer {
    fn cross(&self) -> CrossPositions {
        CrossPositions { example_len: self.example_len, aligned_separator: self.aligned_separator.map(|s| s as i64) }
    }

    /// Teacher-forced logits `[batch, target_len, vocab]`.
    pub fn forward(&self, inputs: Tensor<3, Int>, outputs: Tensor<3, Int>, decoder_input: Tensor<2, Int>) -> Tensor<3> {
        let [b, e, lo] = outputs.dims();
        let memory_tokens = outputs.clone().reshape([b, e * lo]);
        let memory = self.encoder.forward(inputs, outputs);
        self.decoder.forward(decoder_input, memory, memory_tokens, e, self.cross())
    }

    /// Encodes specifications and prepares incremental decoding.
    pub fn start(&self, inputs: Tensor<3, Int>, outputs: Tensor<3, Int>) -> DecoderCache {
        let [b, e, lo] = outputs.dims();
        let memory_tokens = outputs.clone().reshape([b, e * lo]);
        let memory = self.encoder.forward(inputs, outputs);
        self.decoder.start(memory, memory_tokens, e, self.cross())
    }

    /// Feeds one token per row; next-token log-probabilities `[rows, vocab]`.
    pub fn step(&self, cache: &mut DecoderCache, tokens: &[i64]) -> Tensor<2> {
        self.decoder.step(cache, tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::batch::{loss_and_correct, make_batch};
    use super::weights::{Precision, TrainingInfo, WeightError, from_bytes, to_bytes};
    use super::*;
    use crate::data::Example;

    fn device() -> Device {
        #[allow(deprecated)]
        let d = Device::ndarray();
        d.seed(7);
        d
    }

    fn tiny(kind: ModelKind) -> ModelConfig {
        preset(Preset::Tiny, Dsl::RobustFill, kind).with_dropout(0.0).with_attention_dropout(0.0)
    }

    fn example(target: Vec<Token>) -> Example {
        Example { inputs: vec![vec![5, 6, 7], vec![8, 9]], outputs: vec![vec![10, 11], vec![12, 86, 13, 14]], target }
    }

    use crate::vocab::{BOS, EOS, Token};

    fn max_diff(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
    }

    /// Teacher-forced log-probabilities for each position of one example.
    fn uncached(model: &SpecTransformer, ex: &Example, dev: &Device) -> Vec<Vec<f32>> {
        let b = make_batch(&[ex], dev);
        let logits = model.forward(b.inputs, b.outputs, b.decoder_input);
        let [_, t, v] = logits.dims();
        let lp = burn::tensor::activation::log_softmax(logits, 2);
        let flat = lp.into_data().convert::<f32>().try_to_vec::<f32>().unwrap();
        (0..t).map(|i| flat[i * v..(i + 1) * v].to_vec()).collect()
    }

    fn cached(model: &SpecTransformer, ex: &Example, dev: &Device) -> Vec<Vec<f32>> {
        let b = make_batch(&[ex], dev);
        let mut cache = model.start(b.inputs, b.outputs);
        let mut prefix: Vec<Token> = vec![BOS];
        prefix.extend(&ex.target[..ex.target.len() - 1]);
        prefix
            .iter()
            .map(|&tok| {
                model.step(&mut cache, &[i64::from(tok)]).into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
            })
            .collect()
    }

    #[test]
    fn cached_decoding_matches_teacher_forcing() {
        let dev = device();
        for kind in [ModelKind::Synthesizer, ModelKind::Subgoal] {
            let cfg = tiny(kind);
            let model = cfg.init(&dev);
            // A subgoal-like target with separators, so ARA segments change mid-sequence.
            let ex = example(vec![10, 11, 86, 12, 86, 13, 14, EOS]);
            let a = uncached(&model, &ex, &dev);
            let b = cached(&model, &ex, &dev);
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                assert!(max_diff(x, y) < 1e-4, "{kind}: {}", max_diff(x, y));
            }
        }
    }

    #[test]
    fn cache_reordering_follows_rows() {
        let dev = device();
        let model = tiny(ModelKind::Synthesizer).init(&dev);
        let exs = [
            example(vec![5, EOS]),
            Example { inputs: vec![vec![20]], outputs: vec![vec![21, 22]], target: vec![7, EOS] },
        ];
        let b = make_batch(&[&exs[0], &exs[1]], &dev);
        let mut cache = model.start(b.inputs, b.outputs);
        let first = model.step(&mut cache, &[1, 1]).into_data().convert::<f32>().try_to_vec::<f32>().unwrap();
        cache.reorder(&[1, 1, 0]);
        let second = model.step(&mut cache, &[9, 9, 9]).into_data().convert::<f32>().try_to_vec::<f32>().unwrap();
        let v = model.decoder.logits.weight.dims()[1];
        // Rows 0 and 1 now both continue example 1 with the same token: identical outputs.
        assert!(max_diff(&second[..v], &second[v..2 * v]) < 1e-6);
        assert!(max_diff(&second[..v], &second[2 * v..]) > 1e-6);
        assert_eq!(first.len(), 2 * v);
    }

    #[test]
    fn batch_shape_is_the_padded_tensor_shape() {
        let dev = device();
        let exs = [
            example(vec![5, 6, EOS]),
            Example { inputs: vec![vec![20; 7]], outputs: vec![vec![21, 22]], target: vec![7, 8, 9, 10, EOS] },
        ];
        let refs = [&exs[0], &exs[1]];
        let b = make_batch(&refs, &dev);
        let s = super::batch::batch_shape(&refs);
        assert_eq!([s.rows, s.examples, s.input_len], b.inputs.dims());
        assert_eq!([s.rows, s.examples, s.output_len], b.outputs.dims());
        assert_eq!([s.rows, s.target_len], b.decoder_input.dims());
        assert_eq!((s.input_len, s.output_len, s.target_len), (7, 4, 5));
    }

    #[test]
    fn loss_counts_only_targets() {
        let dev = device();
        let model = tiny(ModelKind::Synthesizer).init(&dev);
        let exs = [example(vec![5, 6, EOS]), example(vec![7, EOS])];
        let b = make_batch(&[&exs[0], &exs[1]], &dev);
        assert_eq!(b.target_tokens, 5);
        let logits = model.forward(b.inputs, b.outputs, b.decoder_input);
        let (loss, correct) = loss_and_correct(logits, b.targets);
        let loss: f32 = loss.into_scalar();
        // An untrained model is near the uniform loss ln(316).
        assert!(loss.is_finite() && (loss - (316f32).ln()).abs() < 3.0, "{loss}");
        let correct: i64 = correct.into_scalar();
        assert!((0..=5).contains(&correct));
    }

    #[test]
    fn weights_round_trip_and_damage_is_reported() {
        let dev = device();
        let cfg = tiny(ModelKind::Subgoal);
        let model = cfg.init(&dev);
        let ex = example(vec![10, 86, 12, EOS]);
        let expected = uncached(&model, &ex, &dev);
        for precision in [Precision::F32, Precision::F16] {
            let bytes = to_bytes(
                &model,
                ModelKind::Subgoal,
                Dsl::RobustFill,
                Some(Preset::Tiny),
                &cfg,
                precision,
                TrainingInfo::default(),
            );
            let loaded = from_bytes(&bytes, Some((ModelKind::Subgoal, Dsl::RobustFill)), &dev).unwrap();
            assert_eq!(loaded.header.config, cfg);
            let got = uncached(&loaded.model, &ex, &dev);
            let tol = if precision == Precision::F32 { 1e-6 } else { 0.05 };
            for (x, y) in expected.iter().zip(&got) {
                assert!(max_diff(x, y) <= tol, "{precision:?}: {}", max_diff(x, y));
            }
            // Every kind of damage is a typed error.
            assert!(matches!(from_bytes(&bytes[..bytes.len() - 10], None, &dev), Err(WeightError::Truncated)));
            assert!(matches!(from_bytes(&bytes[..3], None, &dev), Err(WeightError::Truncated)));
            let mut flipped = bytes.clone();
            let mid = bytes.len() / 2;
            flipped[mid] ^= 0x40;
            assert!(matches!(from_bytes(&flipped, None, &dev), Err(WeightError::Checksum)));
            let mut other = bytes.clone();
            other[0] = b'X';
            assert!(matches!(from_bytes(&other, None, &dev), Err(WeightError::BadMagic)));
            assert!(matches!(
                from_bytes(&bytes, Some((ModelKind::Synthesizer, Dsl::RobustFill)), &dev),
                Err(WeightError::Mismatch { .. })
            ));
        }
    }

    #[test]
    fn presets_have_the_documented_sizes() {
        let dev = device();
        // The paper's size: about 25.2 M parameters besides the embeddings and the logit
        // layer (as the official `models/base_models.py`); the RobustFill synthesizer adds its
        // I/O embedding (87 × 512), its program embedding (316 × 512) and its logit layer (512 × 316 + 316).
        let paper = preset(Preset::Paper, Dsl::RobustFill, ModelKind::Synthesizer);
        let n = paper.init(&dev).num_params();
        let tables = 87 * 512 + 316 * 512 + 512 * 316 + 316;
        assert!((25_150_000..25_250_000).contains(&(n - tables)), "{n}");
        assert_eq!(n, 25_577_660);
        for p in [Preset::Small, Preset::Cpu, Preset::Tiny] {
            assert!(preset(p, Dsl::DeepCoder, ModelKind::Subgoal).validate().is_ok());
        }
        let sizes: Vec<usize> = [Preset::Small, Preset::Cpu, Preset::Tiny]
            .iter()
            .map(|&p| preset(p, Dsl::RobustFill, ModelKind::Synthesizer).init(&dev).num_params())
            .collect();
        // The table in the docs of `Preset`.
        assert!((1_100_000..1_200_000).contains(&sizes[0]), "{sizes:?}");
        assert!((290_000..330_000).contains(&sizes[1]), "{sizes:?}");
        assert!((40_000..70_000).contains(&sizes[2]), "{sizes:?}");
        assert!(paper.clone().with_heads(5).validate().is_err());
    }

    #[test]
    fn presets_take_their_vocabularies_from_the_token_tables() {
        use crate::{DeepCoder, Domain, RobustFill};
        fn check<D: Domain>(domain: &D, dsl: Dsl) {
            let (io, program) = (domain.io_vocab(), domain.program_vocab());
            for kind in ModelKind::ALL {
                let c = preset(Preset::Tiny, dsl, kind);
                assert_eq!(c.input_vocab, io.len(), "{dsl} {kind:?}");
                let target = if kind == ModelKind::Subgoal { io.len() } else { program.len() };
                assert_eq!(c.target_vocab, target, "{dsl} {kind:?}");
                let aligned = (kind == ModelKind::Subgoal).then(|| io.separator().map(usize::from)).flatten();
                assert_eq!(c.aligned_separator, aligned, "{dsl} {kind:?}");
            }
        }
        check(&RobustFill, Dsl::RobustFill);
        check(&DeepCoder, Dsl::DeepCoder);
        // The tables the paper's models were built for.
        assert_eq!((RobustFill.io_vocab().len(), RobustFill.program_vocab().len()), (87, 316));
        assert_eq!((DeepCoder.io_vocab().len(), DeepCoder.program_vocab().len()), (153, 153));
        assert!(RobustFill.io_vocab().separator().is_some() && DeepCoder.io_vocab().separator().is_some());
    }
}
