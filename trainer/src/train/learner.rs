//! The model side of a training step: [`Learner`] (a model with its optimizer state), its
//! two implementations ([`Single`] for the four one-network models, [`Latent`] for the Latent
//! Programmer), data-parallel workers, the learning-rate schedule and validation.

use std::path::Path;

use anyhow::{Result, bail};
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::optim::{AdamWConfig, GradientsAccumulator, GradientsParams};
use burn::prelude::*;
use exedec_core::data::Example;
use exedec_core::model::batch::{loss_and_correct, make_batch};
use exedec_core::model::weights::{WeightHeader, from_bytes, latent_from_bytes};
use exedec_core::model::{LatentConfig, LatentProgrammer, ModelConfig, SpecTransformer};

use super::args::{DEFAULT_LOSS_NORMALIZATION, LossNormalization, TrainArgs};
use super::checkpoint::{check_weights_config, load_module, load_optimizer, save_module};

/// burn's random generator may be process-wide, so seeding and the operations that draw
/// from it (parameter initialization, dropout) are done under this lock: concurrent runs in one
/// process (tests) stay reproducible.
static RNG_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub(super) fn rng_lock() -> std::sync::MutexGuard<'static, ()> {
    RNG_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The learning rate at `step`: `lr · min(1, step/warmup) · √warmup / √max(step, warmup)`
/// (0 at step 0, the peak at the end of warmup, then inverse-square-root decay).
pub fn learning_rate(step: u64, lr: f64, warmup: u64) -> f64 {
    if warmup == 0 {
        return lr / (step.max(1) as f64).sqrt().max(1.0);
    }
    let s = step as f64;
    let w = warmup as f64;
    lr * (s / w).min(1.0) * w.sqrt() / s.max(w).sqrt()
}

pub(super) fn adamw(weight_decay: f64) -> ModuleOptimizer {
    AdamWConfig::new()
        .with_beta_1(0.9)
        .with_beta_2(0.98)
        .with_epsilon(1e-9)
        .with_weight_decay(weight_decay as f32)
        .init()
}

/// The Latent Programmer built around a run's program-model configuration.
pub fn latent_config(config: &ModelConfig) -> LatentConfig {
    LatentConfig::new(config.clone())
}

/// What one training step measured.
pub struct StepStats {
    pub loss: f64,
    /// Target tokens predicted correctly (teacher forcing) and their number.
    pub correct: i64,
    pub tokens: u64,
    /// Latent Programmer: the predictor's correct and total codes (EOS included).
    pub latent: Option<(i64, u64)>,
    /// Latent Programmer: target tokens the decoder gets right given the autoencoder's codes.
    pub autoencoder: Option<i64>,
}

/// A model with its optimizer state, as the training loop sees it.
pub trait Learner: Sized {
    /// A freshly initialized model (under the caller's seeded random state).
    fn init(config: &ModelConfig, args: &TrainArgs, device: &Device) -> Self;
    /// The model and optimizer state of a checkpoint folder.
    fn load(dir: &Path, config: &ModelConfig, args: &TrainArgs, device: &Device) -> Result<Self>;
    /// The model of an exported weight file with a fresh optimizer, and the file's header.
    fn from_weights(
        bytes: &[u8],
        config: &ModelConfig,
        args: &TrainArgs,
        device: &Device,
    ) -> Result<(Self, WeightHeader)>;
    /// One optimization step at learning rate `lr`.
    fn step(&mut self, batch: &[&Example], step: u64, lr: f64, args: &TrainArgs, device: &Device) -> Result<StepStats>;
    /// Teacher-forced token accuracy and mean loss on examples, dropout off, on `device`
    /// (without autodiff).
    fn evaluate(&self, examples: &[Example], batch_size: usize, device: &Device) -> (f64, f64);
    /// Writes the model and optimizer files into a checkpoint folder.
    fn save(&self, dir: &Path) -> Result<()>;
}

/// The SubgoalModel, the SynthesizerModel, the No-Subgoal model or the Transformer baseline.
pub struct Single {
    pub model: SpecTransformer,
    optim: ModuleOptimizer,
}

impl Learner for Single {
    fn init(config: &ModelConfig, args: &TrainArgs, device: &Device) -> Self {
        Single { model: config.init(device).materialize(), optim: adamw(args.weight_decay) }
    }

    fn load(dir: &Path, config: &ModelConfig, args: &TrainArgs, device: &Device) -> Result<Self> {
        Ok(Single {
            model: load_module(dir, config.init(device))?,
            optim: load_optimizer(dir, "optimizer.bpk", args.weight_decay)?,
        })
    }

    fn from_weights(
        bytes: &[u8],
        config: &ModelConfig,
        args: &TrainArgs,
        device: &Device,
    ) -> Result<(Self, WeightHeader)> {
        let loaded = from_bytes(bytes, Some((args.model, args.dsl)), device)?;
        check_weights_config(&loaded.header, config, args)?;
        Ok((Single { model: loaded.model, optim: adamw(args.weight_decay) }, loaded.header))
    }

    fn step(&mut self, batch: &[&Example], step: u64, lr: f64, args: &TrainArgs, device: &Device) -> Result<StepStats> {
        let workers = args.workers.unwrap_or(1).clamp(1, batch.len().max(1));
        let whole = Share { tokens: batch.iter().map(|e| e.target.len()).sum(), examples: batch.len() };
        let seed = step_seed(args, step);
        let (grads, parts) = if workers == 1 {
            let part = worker_pass(&self.model, device, batch, whole, normalization(args), step)?;
            (part.grads, vec![(part.loss_sum, part.correct)])
        } else {
            // Data parallelism: each worker runs its slice of the batch on its own copy of the
            // model (its own autodiff graph) and thread, with its own dropout stream; the
            // gradients are summed, and each slice's loss is weighted by its share of the
            // batch, so the sum is the gradient of the whole batch's loss.
            let chunk = batch.len().div_ceil(workers);
            let replicas: Vec<SpecTransformer> = (0..workers).map(|_| self.model.clone().fork(device)).collect();
            let results: Vec<Result<WorkerPass>> = std::thread::scope(|scope| {
                let handles: Vec<_> = batch
                    .chunks(chunk)
                    .zip(&replicas)
                    .enumerate()
                    .map(|(w, (slice, model))| {
                        scope.spawn(move || {
                            crate::device::limit_this_thread(1);
                            exedec_core::model::dropout::seed(worker_seed(seed, w));
                            worker_pass(model, device, slice, whole, normalization(args), step)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a training worker panicked"))))
                    .collect()
            });
            let mut sum = GradientsAccumulator::<SpecTransformer>::new();
            let mut parts = Vec::with_capacity(workers);
            for result in results {
                let part = result?;
                sum.accumulate(&self.model, part.grads);
                parts.push((part.loss_sum, part.correct));
            }
            (sum.grads(), parts)
        };
        self.model = self.optim.step(lr, self.model.clone(), grads);
        Ok(StepStats {
            loss: parts.iter().map(|p| p.0).sum::<f64>() / whole.tokens.max(1) as f64,
            correct: parts.iter().map(|p| p.1).sum(),
            tokens: whole.tokens as u64,
            latent: None,
            autoencoder: None,
        })
    }

    fn evaluate(&self, examples: &[Example], batch_size: usize, device: &Device) -> (f64, f64) {
        evaluate(&self.model, examples, batch_size, device)
    }

    fn save(&self, dir: &Path) -> Result<()> {
        save_module(dir, &self.model, &[("optimizer.bpk", &self.optim)])
    }
}

/// The size of a whole batch, which every worker's share of the loss is weighed against.
#[derive(Debug, Clone, Copy)]
struct Share {
    tokens: usize,
    examples: usize,
}

/// What one worker's forward and backward pass over its slice of a batch produced.
struct WorkerPass {
    grads: GradientsParams,
    /// The slice's summed token loss.
    loss_sum: f64,
    correct: i64,
}

/// Forward and backward over a slice of a batch. The slice's loss is its per-token mean
/// weighted by its share of the batch's tokens (so the workers' gradients add up to the
/// whole batch's), then scaled by the run's loss normalization for the whole batch.
fn worker_pass(
    model: &SpecTransformer,
    device: &Device,
    slice: &[&Example],
    whole: Share,
    normalization: LossNormalization,
    step: u64,
) -> Result<WorkerPass> {
    let b = make_batch(slice, device);
    let logits = model.forward(b.inputs, b.outputs, b.decoder_input);
    let (loss, correct) = loss_and_correct(logits, b.targets);
    let mean = finite_loss(&loss, step)?;
    let weight = b.target_tokens as f32 / whole.tokens.max(1) as f32;
    let loss = loss * (weight * normalization.scale(whole.tokens, whole.examples));
    Ok(WorkerPass {
        grads: GradientsParams::from_grads(loss.backward(), model),
        loss_sum: mean * b.target_tokens as f64,
        correct: correct.into_scalar::<i64>(),
    })
}

/// The seed of a step's random draws (device generator and dropout stream), so that a
/// resumed run repeats them.
pub(super) fn step_seed(args: &TrainArgs, step: u64) -> u64 {
    args.seed.wrapping_mul(1_000_003).wrapping_add(step)
}

/// The dropout stream of worker `w` in a step (worker 0's is the step's own).
fn worker_seed(step_seed: u64, w: usize) -> u64 {
    step_seed.wrapping_add((w as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The Latent Programmer with its two optimizers.
pub struct Latent {
    pub model: LatentProgrammer,
    /// Everything but the latent predictor.
    optim: ModuleOptimizer,
    /// The latent predictor.
    predictor_optim: ModuleOptimizer,
}

impl Learner for Latent {
    fn init(config: &ModelConfig, args: &TrainArgs, device: &Device) -> Self {
        Latent {
            model: latent_config(config).init(device).materialize(),
            optim: adamw(args.weight_decay),
            predictor_optim: adamw(args.weight_decay),
        }
    }

    fn load(dir: &Path, config: &ModelConfig, args: &TrainArgs, device: &Device) -> Result<Self> {
        Ok(Latent {
            model: load_module(dir, latent_config(config).init(device))?,
            optim: load_optimizer(dir, "optimizer.bpk", args.weight_decay)?,
            predictor_optim: load_optimizer(dir, "predictor-optimizer.bpk", args.weight_decay)?,
        })
    }

    fn from_weights(
        bytes: &[u8],
        config: &ModelConfig,
        args: &TrainArgs,
        device: &Device,
    ) -> Result<(Self, WeightHeader)> {
        let loaded = latent_from_bytes(bytes, Some(args.dsl), device)?;
        check_weights_config(&loaded.header, config, args)?;
        if loaded.config != latent_config(config) {
            bail!("the weight file's Latent Programmer settings differ from this run's");
        }
        let latent =
            Latent { model: loaded.model, optim: adamw(args.weight_decay), predictor_optim: adamw(args.weight_decay) };
        Ok((latent, loaded.header))
    }

    fn step(&mut self, batch: &[&Example], step: u64, lr: f64, args: &TrainArgs, device: &Device) -> Result<StepStats> {
        let pretrain = step < args.pretrain_steps;
        let l = self.model.losses(batch, pretrain, device);
        let loss_value = finite_loss(&l.total, step)?;
        let tokens = batch.iter().map(|e| e.target.len()).sum();
        let mut grads = (l.total * normalization(args).scale(tokens, batch.len())).backward();
        let predictor_grads = GradientsParams::from_module(&mut grads, &self.model.predictor);
        let grads = GradientsParams::from_grads(grads, &self.model);
        let mut model = self.optim.step(lr, self.model.clone(), grads);
        model.predictor = self.predictor_optim.step(lr, model.predictor, predictor_grads);
        if !pretrain {
            model.codebook = model.codebook.update(l.outputs, l.codes, l.valid, model.decay);
        }
        self.model = model;
        Ok(StepStats {
            loss: loss_value,
            correct: l.program_correct.into_scalar::<i64>(),
            tokens: tokens as u64,
            latent: Some((l.latent_correct.into_scalar::<i64>(), l.latent_tokens as u64)),
            autoencoder: Some(l.autoencoder_correct.into_scalar::<i64>()),
        })
    }

    fn evaluate(&self, examples: &[Example], batch_size: usize, device: &Device) -> (f64, f64) {
        let model = self.model.valid();
        let (mut correct, mut tokens, mut loss_sum) = (0i64, 0usize, 0.0f64);
        for chunk in examples.chunks(batch_size.max(1)) {
            let refs: Vec<&Example> = chunk.iter().collect();
            let n: usize = chunk.iter().map(|e| e.target.len()).sum();
            let l = model.losses(&refs, false, device);
            correct += l.program_correct.into_scalar::<i64>();
            loss_sum += f64::from(l.program_loss.into_scalar::<f32>()) * n as f64;
            tokens += n;
        }
        let t = tokens.max(1) as f64;
        (correct as f64 / t, loss_sum / t)
    }

    fn save(&self, dir: &Path) -> Result<()> {
        save_module(
            dir,
            &self.model,
            &[("optimizer.bpk", &self.optim), ("predictor-optimizer.bpk", &self.predictor_optim)],
        )
    }
}

/// The run's loss normalization (settled by [`run`] before training starts).
fn normalization(args: &TrainArgs) -> LossNormalization {
    args.loss_normalization.unwrap_or(DEFAULT_LOSS_NORMALIZATION)
}

fn finite_loss(loss: &Tensor<1>, step: u64) -> Result<f64> {
    let value = f64::from(loss.clone().into_scalar::<f32>());
    if !value.is_finite() {
        bail!("the loss became {value} at step {step}; lower --lr");
    }
    Ok(value)
}

/// Teacher-forced token accuracy and mean loss over examples (dropout off).
pub fn evaluate(model: &SpecTransformer, examples: &[Example], batch_size: usize, device: &Device) -> (f64, f64) {
    let model = model.valid();
    let (mut correct, mut tokens, mut loss_sum) = (0i64, 0usize, 0.0f64);
    for chunk in examples.chunks(batch_size.max(1)) {
        let refs: Vec<&Example> = chunk.iter().collect();
        let b = make_batch(&refs, device);
        let logits = model.forward(b.inputs, b.outputs, b.decoder_input);
        let (loss, c) = loss_and_correct(logits, b.targets);
        correct += c.into_scalar::<i64>();
        loss_sum += f64::from(loss.into_scalar::<f32>()) * b.target_tokens as f64;
        tokens += b.target_tokens;
    }
    let t = tokens.max(1) as f64;
    (correct as f64 / t, loss_sum / t)
}

#[cfg(test)]
mod tests {
    use exedec_core::Dsl;
    use exedec_core::data::ModelKind;
    use exedec_core::model::{Preset, preset};

    use super::*;
    use crate::device::{Backend, select};

    #[test]
    fn schedule_matches_the_paper() {
        assert_eq!(learning_rate(0, 2e-4, 16000), 0.0);
        assert!((learning_rate(8000, 2e-4, 16000) - 1e-4).abs() < 1e-12);
        assert!((learning_rate(16000, 2e-4, 16000) - 2e-4).abs() < 1e-12);
        // 3.6e-5 at 500k steps.
        assert!((learning_rate(500_000, 2e-4, 16000) - 3.58e-5).abs() < 1e-7);
    }

    /// The workers' weighted slice losses add up to the whole batch's loss, so their summed
    /// gradients are the whole batch's gradient, for slices of unequal sizes and under either
    /// normalization.
    #[test]
    fn worker_slices_sum_to_the_whole_batch_gradient() {
        let (base, _) = select(Backend::Cpu).unwrap();
        let device = base.autodiff();
        let config =
            preset(Preset::Tiny, Dsl::RobustFill, ModelKind::Synthesizer).with_dropout(0.0).with_attention_dropout(0.0);
        device.seed(3);
        let model = config.init(&device).materialize();
        let example = |target: Vec<u16>, len: usize| Example {
            inputs: vec![vec![5; len], vec![8, 9]],
            outputs: vec![vec![10, 11], vec![12, 86, 13, 14]],
            target,
        };
        let batch = [
            example(vec![5, 2], 3),
            example(vec![7, 8, 9, 10, 11, 12, 2], 6),
            example(vec![30, 31, 2], 2),
            example(vec![40, 2], 9),
            example(vec![50, 51, 52, 53, 2], 4),
        ];
        let refs: Vec<&Example> = batch.iter().collect();
        let whole = Share { tokens: refs.iter().map(|e| e.target.len()).sum(), examples: refs.len() };
        let weight_grad = |grads: &GradientsParams| -> Vec<f32> {
            grads.get::<2>(model.decoder.logits.weight.id).unwrap().into_data().convert::<f32>().try_to_vec().unwrap()
        };
        for norm in [LossNormalization::PerToken, LossNormalization::PerExample] {
            let one = worker_pass(&model, &device, &refs, whole, norm, 0).unwrap();
            let mut sum = GradientsAccumulator::<SpecTransformer>::new();
            let (mut loss_sum, mut correct) = (0.0, 0);
            for slice in refs.chunks(3) {
                let replica = model.clone().fork(&device);
                let part = worker_pass(&replica, &device, slice, whole, norm, 0).unwrap();
                loss_sum += part.loss_sum;
                correct += part.correct;
                sum.accumulate(&model, part.grads);
            }
            let (a, b) = (weight_grad(&one.grads), weight_grad(&sum.grads()));
            let diff = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
            let scale = a.iter().map(|x| x.abs()).fold(0.0, f32::max);
            assert!(scale > 0.0 && diff <= 1e-5 * scale.max(1.0), "{norm}: {diff} (largest {scale})");
            assert!((loss_sum - one.loss_sum).abs() < 1e-3, "{loss_sum} vs {}", one.loss_sum);
            assert_eq!(correct, one.correct);
        }
    }

    /// Under `PerExample` a batch's loss is the mean over its examples of each target's summed
    /// token loss, so a target contributes the same whatever it is batched with; under
    /// `PerToken` a short target batched with a long one counts for less than alone.
    #[test]
    fn loss_normalizations_weigh_targets_as_documented() {
        let (device, _) = select(Backend::Cpu).unwrap();
        let config =
            preset(Preset::Tiny, Dsl::RobustFill, ModelKind::Synthesizer).with_dropout(0.0).with_attention_dropout(0.0);
        let model = config.init(&device).materialize();
        let example = |target: Vec<u16>| Example {
            inputs: vec![vec![5, 6, 7], vec![8, 9]],
            outputs: vec![vec![10, 11], vec![12, 86, 13, 14]],
            target,
        };
        let (short, long) = (example(vec![5, 2]), example(vec![7, 8, 9, 10, 11, 12, 2]));
        let loss = |batch: &[&Example], norm: LossNormalization| -> f64 {
            let b = make_batch(batch, &device);
            let logits = model.forward(b.inputs, b.outputs, b.decoder_input);
            let (mean, _) = loss_and_correct(logits, b.targets);
            f64::from((mean * norm.scale(b.target_tokens, batch.len())).into_scalar::<f32>())
        };
        let sum = |e: &Example| loss(&[e], LossNormalization::PerToken) * e.target.len() as f64;
        let per_example = loss(&[&short, &long], LossNormalization::PerExample);
        assert!((per_example - (sum(&short) + sum(&long)) / 2.0).abs() < 1e-3, "{per_example}");
        let per_token = loss(&[&short, &long], LossNormalization::PerToken);
        assert!((per_token - (sum(&short) + sum(&long)) / 9.0).abs() < 1e-3, "{per_token}");
    }
}
