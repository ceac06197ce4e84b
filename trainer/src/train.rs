//! `exedec train`: the training loop (spec §5.6).
//!
//! AdamW (β 0.9/0.98, ε 1e-9, decoupled weight decay scaled by the learning rate), a linear
//! warmup then inverse-square-root decay, token cross-entropy over non-padding targets,
//! dropout as configured. Checkpoints (model, optimizer state, data cursor) are written
//! atomically every `checkpoint_every` steps; `--resume` continues from the last one with the
//! same data order and optimizer state, and the dropout masks are seeded per step, so a
//! resumed run reproduces the uninterrupted one. Metrics go to `metrics.jsonl` and a
//! training curve to `curve.svg` beside the checkpoint.
//!
//! The loop is written once over [`Learner`]: a model with its optimizer(s). The four
//! single-network models share [`Single`]; the Latent Programmer ([`Latent`]) has two
//! optimizers (the latent predictor's and everything else's), a pretraining phase and the
//! codebook's moving-average update.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::optim::{AdamWConfig, GradientsAccumulator, GradientsParams};
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use exedec_core::data::{Example, ModelKind};
use exedec_core::model::batch::{loss_and_correct, make_batch};
use exedec_core::model::{LatentConfig, LatentProgrammer, ModelConfig, Preset, SpecTransformer, preset};
use exedec_core::{DeepCoder, Domain, Dsl, Part, RobustFill, Split};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::device::{Backend, select};
use crate::plot;
use crate::stream::{Cursor, Stream, StreamSpec, held_out_examples, length_key, shard_examples, shard_files};

/// Everything that defines a training run (also the `exedec train` options).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
pub struct TrainArgs {
    #[arg(long)]
    pub dsl: Dsl,
    #[arg(long)]
    pub split: Split,
    /// subgoal, synthesizer, no-subgoal, transformer or latent-programmer.
    #[arg(long)]
    pub model: ModelKind,
    /// paper, small, cpu or tiny.
    #[arg(long, default_value = "small")]
    pub preset: Preset,
    /// Folder of `train-*.exds` shards (and optionally `valid-*.exds`).
    #[arg(long)]
    pub data: PathBuf,
    /// Output folder (checkpoint, metrics.jsonl, curve.svg).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 10_000)]
    pub steps: u64,
    #[arg(long, default_value_t = 128)]
    pub batch_size: usize,
    /// Peak learning rate (2e-4 in the paper).
    #[arg(long, default_value_t = 2e-4)]
    pub lr: f64,
    /// Warmup steps (16000 in the paper).
    #[arg(long, default_value_t = 16_000)]
    pub warmup: u64,
    #[arg(long, default_value_t = 0.1)]
    pub weight_decay: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, default_value_t = 500)]
    pub checkpoint_every: u64,
    #[arg(long, default_value_t = 500)]
    pub eval_every: u64,
    #[arg(long, default_value_t = 50)]
    pub log_every: u64,
    /// Tasks of the first training shard held out for validation when the data folder has no
    /// `valid` shards.
    #[arg(long, default_value_t = 100)]
    pub held_out: usize,
    /// Dropout and attention dropout (default: the preset's 0.1).
    #[arg(long)]
    pub dropout: Option<f64>,
    /// Latent Programmer only: steps of the pretraining phase (the decoder reads only the
    /// latents, the codebook is frozen, the predicted-latent term is off).
    #[arg(long, default_value_t = 10_000)]
    #[serde(default = "default_pretrain_steps")]
    pub pretrain_steps: u64,
    /// Length bucketing: batches are cut from pools of this many batches sorted by length, so
    /// they carry little padding (1: plain shuffled batches). Default 16 for a new run; a
    /// resumed run keeps the value it started with (runs saved without it used 1).
    #[arg(long)]
    #[serde(default)]
    pub length_buckets: Option<usize>,
    /// How a batch's token losses are averaged into the loss that is minimized (default
    /// `per-token`). A resumed run keeps the value it started with.
    #[arg(long, value_enum)]
    #[serde(default)]
    pub loss_normalization: Option<LossNormalization>,
    /// Data parallelism: each step's batch is split among this many workers, each on its own
    /// thread with one backend thread, and their gradients summed (default 1). A resumed run
    /// keeps the value it started with; the Latent Programmer trains with one worker.
    #[arg(long)]
    #[serde(default)]
    pub workers: Option<usize>,
}

impl TrainArgs {
    /// The arguments that a training step reads, for steps outside a run (`exedec
    /// bench-train`): the default optimizer, batching and loss settings, with `workers`
    /// data-parallel workers. The DSL, split and model fields are placeholders: a step takes
    /// its model and batch from the caller.
    pub fn for_benchmark(batch_size: usize, workers: usize) -> TrainArgs {
        TrainArgs {
            dsl: Dsl::DeepCoder,
            split: Split::None,
            model: ModelKind::Subgoal,
            preset: Preset::Cpu,
            data: PathBuf::new(),
            out: PathBuf::new(),
            steps: 1,
            batch_size,
            lr: 1e-3,
            warmup: 0,
            weight_decay: 0.1,
            seed: 0,
            checkpoint_every: 0,
            eval_every: 0,
            log_every: 1,
            held_out: 0,
            dropout: None,
            pretrain_steps: default_pretrain_steps(),
            length_buckets: Some(DEFAULT_LENGTH_BUCKETS),
            loss_normalization: Some(DEFAULT_LOSS_NORMALIZATION),
            workers: Some(workers),
        }
    }
}

/// How a batch's token losses are averaged into the loss that is minimized.
///
/// With length-bucketed batches the choice matters: under `PerToken` a batch of short targets
/// weighs as much as a batch of long ones, so each token of a long target counts less than in
/// a plain shuffled batch; under `PerExample` a token counts the same in every batch, as it
/// does (on average) in plain batches. The logged loss is the per-token mean either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LossNormalization {
    /// The mean over the batch's target tokens.
    PerToken,
    /// The mean over the batch's examples of each target's summed token loss.
    PerExample,
}

impl LossNormalization {
    /// The factor that turns a batch's per-token mean loss into this normalization's loss.
    fn scale(self, target_tokens: usize, examples: usize) -> f32 {
        match self {
            LossNormalization::PerToken => 1.0,
            LossNormalization::PerExample => target_tokens as f32 / examples.max(1) as f32,
        }
    }
}

impl std::fmt::Display for LossNormalization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LossNormalization::PerToken => "per-token",
            LossNormalization::PerExample => "per-example",
        })
    }
}

/// Batches per length-sorted pool of a new run that does not say.
pub const DEFAULT_LENGTH_BUCKETS: usize = 16;

/// The loss normalization of a new run that does not say. Measured: on RobustFill
/// Compose-Diff, bucketed SubgoalModel runs reached the same validation accuracy at step 750
/// with either (52.0% per token, 52.2% per example; 55.1% with plain batches), so the plain
/// per-token mean stays the default.
pub const DEFAULT_LOSS_NORMALIZATION: LossNormalization = LossNormalization::PerToken;

fn default_pretrain_steps() -> u64 {
    10_000
}

/// burn's random generator may be process-wide, so seeding and the operations that draw
/// from it (parameter initialization, dropout) are done under this lock: concurrent runs in one
/// process (tests) stay reproducible.
static RNG_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn rng_lock() -> std::sync::MutexGuard<'static, ()> {
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

/// What a checkpoint records besides the weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointState {
    pub step: u64,
    pub cursor: Cursor,
    pub tokens: u64,
    pub wall_seconds: f64,
    pub config: ModelConfig,
    pub args: TrainArgs,
    pub last_loss: Option<f64>,
    pub validation_accuracy: Option<f64>,
}

/// One line of `metrics.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Metric {
    pub step: u64,
    pub loss: Option<f64>,
    pub lr: f64,
    pub tokens_per_second: Option<f64>,
    pub token_accuracy: Option<f64>,
    pub validation_accuracy: Option<f64>,
    pub validation_loss: Option<f64>,
    pub elapsed: f64,
    /// Latent Programmer: the predictor's accuracy on the autoencoder's codes (and EOS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latent_accuracy: Option<f64>,
    /// Latent Programmer: the decoder's token accuracy given the autoencoder's codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoencoder_accuracy: Option<f64>,
}

pub fn checkpoint_dir(out: &Path) -> PathBuf {
    out.join("checkpoint")
}

/// The model configuration of a run.
pub fn run_config(args: &TrainArgs) -> ModelConfig {
    let mut cfg = preset(args.preset, args.dsl, args.model);
    if let Some(d) = args.dropout {
        cfg = cfg.with_dropout(d).with_attention_dropout(d);
    }
    cfg
}

/// Writes a checkpoint atomically: a complete folder is renamed over the previous one.
fn save_checkpoint<L: Learner>(out: &Path, learner: &L, state: &CheckpointState) -> Result<()> {
    let dir = checkpoint_dir(out);
    let tmp = out.join("checkpoint.tmp");
    let old = out.join("checkpoint.old");
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp)?;
    learner.save(&tmp)?;
    write_synced(&tmp.join("state.json"), &serde_json::to_vec_pretty(state)?)?;
    if dir.exists() {
        let _ = fs::remove_dir_all(&old);
        fs::rename(&dir, &old)?;
    }
    fs::rename(&tmp, &dir)?;
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// Reads a checkpoint's state (also used by `export`). A checkpoint interrupted while being
/// replaced is recovered from the previous complete one.
pub fn read_checkpoint_state(out: &Path) -> Result<Option<CheckpointState>> {
    let dir = checkpoint_dir(out);
    let old = out.join("checkpoint.old");
    if !dir.exists() && old.exists() {
        fs::rename(&old, &dir)?;
    }
    let path = dir.join("state.json");
    if !path.exists() {
        return Ok(None);
    }
    let state = serde_json::from_slice(&fs::read(&path)?).with_context(|| format!("reading {}", path.display()))?;
    Ok(Some(state))
}

/// Loads a checkpoint's model onto a device.
pub fn load_checkpoint_model(out: &Path, config: &ModelConfig, device: &Device) -> Result<SpecTransformer> {
    load_module(&checkpoint_dir(out), config.init(device))
}

/// Loads a checkpoint's Latent Programmer onto a device.
pub fn load_checkpoint_latent(out: &Path, config: &ModelConfig, device: &Device) -> Result<LatentProgrammer> {
    load_module(&checkpoint_dir(out), latent_config(config).init(device))
}

/// The Latent Programmer built around a run's program-model configuration.
pub fn latent_config(config: &ModelConfig) -> LatentConfig {
    LatentConfig::new(config.clone())
}

fn load_module<M: Module>(dir: &Path, init: M) -> Result<M> {
    let bytes = fs::read(dir.join("model.bpk")).context("reading the checkpoint's model")?;
    let record =
        ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| anyhow::anyhow!("checkpoint model: {e}"))?;
    init.try_load_record(record).map_err(|e| anyhow::anyhow!("checkpoint model does not fit: {e}"))
}

fn adamw(weight_decay: f64) -> ModuleOptimizer {
    AdamWConfig::new()
        .with_beta_1(0.9)
        .with_beta_2(0.98)
        .with_epsilon(1e-9)
        .with_weight_decay(weight_decay as f32)
        .init()
}

fn load_optimizer(dir: &Path, file: &str, weight_decay: f64) -> Result<ModuleOptimizer> {
    let bytes = fs::read(dir.join(file)).with_context(|| format!("reading the optimizer state {file}"))?;
    adamw(weight_decay).from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| anyhow::anyhow!("optimizer state: {e}"))
}

fn save_module<M: Module>(dir: &Path, model: &M, optimizers: &[(&str, &ModuleOptimizer)]) -> Result<()> {
    let model_bytes = model.clone().into_record().into_bytes().map_err(|e| anyhow::anyhow!("{e}"))?;
    write_synced(&dir.join("model.bpk"), &model_bytes)?;
    for (file, optim) in optimizers {
        let bytes = optim.into_bytes().map_err(|e| anyhow::anyhow!("optimizer state: {e}"))?;
        write_synced(&dir.join(file), &bytes)?;
    }
    Ok(())
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

    fn step(&mut self, batch: &[&Example], step: u64, lr: f64, args: &TrainArgs, device: &Device) -> Result<StepStats> {
        let workers = args.workers.unwrap_or(1).clamp(1, batch.len().max(1));
        let whole = Share { tokens: batch.iter().map(|e| e.target.len()).sum(), examples: batch.len() };
        let seed = step_seed(args, step);
        let (grads, parts) = if workers == 1 {
            let part = worker_pass(&self.model, batch, whole, normalization(args), step)?;
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
                            worker_pass(model, slice, whole, normalization(args), step)
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
    slice: &[&Example],
    whole: Share,
    normalization: LossNormalization,
    step: u64,
) -> Result<WorkerPass> {
    let device = model.devices().first().cloned().context("the model has no device")?;
    let b = make_batch(slice, &device);
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
fn step_seed(args: &TrainArgs, step: u64) -> u64 {
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

fn separator(dsl: Dsl) -> u16 {
    match dsl {
        Dsl::RobustFill => RobustFill.io_vocab().separator().unwrap_or(86),
        Dsl::DeepCoder => DeepCoder.io_vocab().separator().unwrap_or(3),
    }
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

/// The value of a run-defining option that runs saved before it existed lack: a resumed run
/// keeps the value it started with (`defaults.0` when it was saved without one) and refuses a
/// different explicit value; a new run takes the given value or `defaults.1`.
fn settled<T: Copy + PartialEq + std::fmt::Display>(
    option: &str,
    given: Option<T>,
    started: Option<Option<T>>,
    (before, new): (T, T),
    out: &Path,
) -> Result<T> {
    match started {
        Some(started) => {
            let started = started.unwrap_or(before);
            if given.is_some_and(|v| v != started) {
                bail!(
                    "the run in {} was started with --{option} {started}; resume it with that value or without the option",
                    out.display()
                );
            }
            Ok(started)
        }
        None => Ok(given.unwrap_or(new)),
    }
}

/// A metrics log, truncated to a checkpoint's step on resume so that no step is logged twice.
fn open_metrics(out: &Path, keep_upto: Option<u64>) -> Result<fs::File> {
    let path = out.join("metrics.jsonl");
    let kept: Vec<String> = match (keep_upto, fs::read_to_string(&path)) {
        (Some(step), Ok(text)) => text
            .lines()
            .filter(|l| serde_json::from_str::<Metric>(l).is_ok_and(|m| m.step <= step))
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    let mut body = kept.join("\n");
    if !body.is_empty() {
        body.push('\n');
    }
    fs::write(&path, body)?;
    Ok(fs::OpenOptions::new().append(true).open(&path)?)
}

pub fn read_metrics(out: &Path) -> Vec<Metric> {
    fs::read_to_string(out.join("metrics.jsonl"))
        .map(|t| t.lines().filter_map(|l| serde_json::from_str(l).ok()).collect())
        .unwrap_or_default()
}

/// Options of one invocation that do not define the run.
pub struct RunOptions {
    pub resume: bool,
    pub backend: Backend,
    pub quiet: bool,
    /// Stop after this many steps of this invocation (for tests of interruption).
    pub stop_after: Option<u64>,
}

/// Trains a model; returns the final checkpoint state.
pub fn run(args: TrainArgs, opts: RunOptions) -> Result<CheckpointState> {
    if args.model == ModelKind::LatentProgrammer {
        run_learner::<Latent>(args, opts)
    } else {
        run_learner::<Single>(args, opts)
    }
}

fn run_learner<L: Learner>(mut args: TrainArgs, opts: RunOptions) -> Result<CheckpointState> {
    let config = run_config(&args);
    config.validate().map_err(|e| anyhow::anyhow!("invalid model configuration: {e}"))?;
    if args.batch_size == 0 || args.steps == 0 {
        bail!("--batch-size and --steps must be positive");
    }
    fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let (base, backend_name) = select(opts.backend)?;
    let device = base.clone().autodiff();
    let resumed = if opts.resume { read_checkpoint_state(&args.out)? } else { None };
    let started = resumed.as_ref().map(|s| &s.args);
    let buckets = settled(
        "length-buckets",
        args.length_buckets,
        started.map(|a| a.length_buckets),
        (1, DEFAULT_LENGTH_BUCKETS),
        &args.out,
    )?;
    if buckets == 0 {
        bail!("--length-buckets must be positive");
    }
    args.length_buckets = Some(buckets);
    args.loss_normalization = Some(settled(
        "loss-normalization",
        args.loss_normalization,
        started.map(|a| a.loss_normalization),
        (DEFAULT_LOSS_NORMALIZATION, DEFAULT_LOSS_NORMALIZATION),
        &args.out,
    )?);
    let workers = settled("workers", args.workers, started.map(|a| a.workers), (1, 1), &args.out)?;
    if workers == 0 {
        bail!("--workers must be positive");
    }
    if workers > 1 && args.model == ModelKind::LatentProgrammer {
        bail!("the Latent Programmer trains with one worker (--workers 1)");
    }
    args.workers = Some(workers);
    if let Some(s) = &resumed
        && (s.args.dsl != args.dsl || s.args.split != args.split || s.args.model != args.model || s.config != config)
    {
        bail!(
            "the checkpoint in {} is for another run ({} {} {})",
            args.out.display(),
            s.args.dsl,
            s.args.split,
            s.args.model
        );
    }
    if !opts.quiet {
        eprintln!(
            "training {} {} {} ({} preset) on {backend_name}{}",
            args.dsl,
            args.split,
            args.model,
            args.preset,
            resumed.as_ref().map(|s| format!(", resuming at step {}", s.step)).unwrap_or_default()
        );
    }

    // Data.
    let files = shard_files(&args.data, Part::Train)?;
    if files.is_empty() {
        bail!(
            "no training shards in {} (make them with `exedec generate --dsl {} --split {} --part train --out {}`)",
            args.data.display(),
            args.dsl,
            args.split,
            args.data.display()
        );
    }
    let valid_files = shard_files(&args.data, Part::Valid)?;
    let sep = separator(args.dsl);
    let held_out = if valid_files.is_empty() { args.held_out } else { 0 };
    let spec = StreamSpec {
        files,
        expect: (args.dsl, args.split, Part::Train),
        kind: args.model,
        separator: sep,
        config: config.clone(),
        seed: args.seed,
        batch_size: args.batch_size,
        held_out,
        buckets,
    };
    let mut validation: Vec<Example> = if let Some(first) = valid_files.first() {
        shard_examples(first, (args.dsl, args.split, Part::Valid), args.model, sep, &config)?
            .into_iter()
            .take(2048)
            .collect()
    } else {
        held_out_examples(&spec)?
    };
    // Validation batches of similar lengths pad less; the accuracy does not depend on the order.
    validation.sort_by_key(length_key);

    // Model and optimizer(s).
    let (mut learner, mut state) = match resumed {
        // The checkpoint records this invocation's arguments (a resumed run may go on to more
        // steps; the options settled above are written out for runs saved without them).
        Some(s) => {
            (L::load(&checkpoint_dir(&args.out), &config, &args, &device)?, CheckpointState { args: args.clone(), ..s })
        }
        None => (
            {
                let _guard = rng_lock();
                device.seed(args.seed);
                L::init(&config, &args, &device)
            },
            CheckpointState {
                step: 0,
                cursor: Cursor::default(),
                tokens: 0,
                wall_seconds: 0.0,
                config: config.clone(),
                args: args.clone(),
                last_loss: None,
                validation_accuracy: None,
            },
        ),
    };
    let mut metrics = open_metrics(&args.out, Some(state.step).filter(|_| state.step > 0))?;
    let mut stream = Stream::start(spec, state.cursor)?;

    let bar = if opts.quiet { ProgressBar::hidden() } else { ProgressBar::new(args.steps) };
    bar.set_style(
        ProgressStyle::with_template("[{elapsed_precise}] {bar:30} step {pos}/{len}  {msg}  ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_position(state.step);
    let start = Instant::now();
    let wall_before = state.wall_seconds;
    let mut window = Window::new();
    let mut steps_here = 0u64;

    while state.step < args.steps {
        if opts.stop_after.is_some_and(|n| steps_here >= n) {
            break;
        }
        let (batch, cursor) = stream.next_batch()?;
        let refs: Vec<&Example> = batch.iter().collect();
        let lr = learning_rate(state.step, args.lr, args.warmup);
        let stats = {
            // Dropout masks depend only on the seed and the step, so a resumed run repeats them.
            let _guard = rng_lock();
            let seed = step_seed(&args, state.step);
            device.seed(seed);
            exedec_core::model::dropout::seed(seed);
            learner.step(&refs, state.step, lr, &args, &device)?
        };

        state.step += 1;
        steps_here += 1;
        state.cursor = cursor;
        state.tokens += stats.tokens;
        state.last_loss = Some(stats.loss);
        window.add(&stats);

        let last = state.step == args.steps;
        let eval_now = args.eval_every > 0 && (state.step % args.eval_every == 0 || last) && !validation.is_empty();
        let (val_acc, val_loss) = if eval_now {
            let (a, l) = learner.evaluate(&validation, args.batch_size, &base);
            state.validation_accuracy = Some(a);
            (Some(a), Some(l))
        } else {
            (None, None)
        };
        if state.step % args.log_every.max(1) == 0 || last || eval_now {
            let m = window.metric(state.step, lr, val_acc, val_loss, wall_before + start.elapsed().as_secs_f64());
            writeln!(metrics, "{}", serde_json::to_string(&m)?)?;
            bar.set_message(format!(
                "loss {:.3}  {:.0} tok/s{}",
                m.loss.unwrap_or(0.0),
                m.tokens_per_second.unwrap_or(0.0),
                state.validation_accuracy.map(|a| format!("  val acc {:.1}%", a * 100.0)).unwrap_or_default()
            ));
            window = Window::new();
        }
        bar.set_position(state.step);
        if state.step % args.checkpoint_every.max(1) == 0 || last {
            state.wall_seconds = wall_before + start.elapsed().as_secs_f64();
            save_checkpoint(&args.out, &learner, &state)?;
            plot::write_curve(
                &args.out.join("curve.svg"),
                &read_metrics(&args.out),
                &format!("{} {} {}", args.dsl, args.split, args.model),
            )?;
        }
    }
    bar.finish_and_clear();
    if !opts.quiet {
        eprintln!(
            "stopped at step {} of {}: last loss {:.4}{}; checkpoint in {}",
            state.step,
            args.steps,
            state.last_loss.unwrap_or(f64::NAN),
            state
                .validation_accuracy
                .map(|a| format!(", validation token accuracy {:.2}%", a * 100.0))
                .unwrap_or_default(),
            checkpoint_dir(&args.out).display()
        );
    }
    Ok(state)
}

/// Training statistics since the last log line.
struct Window {
    since: Instant,
    tokens: u64,
    loss_sum: f64,
    batches: u64,
    correct: i64,
    latent: Option<(i64, u64)>,
    autoencoder: Option<i64>,
}

impl Window {
    fn new() -> Self {
        Window {
            since: Instant::now(),
            tokens: 0,
            loss_sum: 0.0,
            batches: 0,
            correct: 0,
            latent: None,
            autoencoder: None,
        }
    }

    fn add(&mut self, s: &StepStats) {
        self.tokens += s.tokens;
        self.loss_sum += s.loss;
        self.batches += 1;
        self.correct += s.correct;
        if let Some((c, n)) = s.latent {
            let (c0, n0) = self.latent.unwrap_or((0, 0));
            self.latent = Some((c0 + c, n0 + n));
        }
        if let Some(c) = s.autoencoder {
            self.autoencoder = Some(self.autoencoder.unwrap_or(0) + c);
        }
    }

    fn metric(&self, step: u64, lr: f64, val_acc: Option<f64>, val_loss: Option<f64>, elapsed: f64) -> Metric {
        let secs = self.since.elapsed().as_secs_f64().max(1e-9);
        let tokens = self.tokens.max(1) as f64;
        Metric {
            step,
            loss: Some(self.loss_sum / self.batches.max(1) as f64),
            lr,
            tokens_per_second: Some(self.tokens as f64 / secs),
            token_accuracy: Some(self.correct as f64 / tokens),
            validation_accuracy: val_acc,
            validation_loss: val_loss,
            elapsed,
            latent_accuracy: self.latent.map(|(c, n)| c as f64 / n.max(1) as f64),
            autoencoder_accuracy: self.autoencoder.map(|c| c as f64 / tokens),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            let one = worker_pass(&model, &refs, whole, norm, 0).unwrap();
            let mut sum = GradientsAccumulator::<SpecTransformer>::new();
            let (mut loss_sum, mut correct) = (0.0, 0);
            for slice in refs.chunks(3) {
                let replica = model.clone().fork(&device);
                let part = worker_pass(&replica, slice, whole, norm, 0).unwrap();
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
