//! What defines a training run ([`TrainArgs`], the `exedec train` options) and what only
//! one invocation chooses ([`RunOptions`]), with the defaults of options that runs saved
//! before them lack.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use exedec_core::data::ModelKind;
use exedec_core::model::{ModelConfig, Preset, preset};
use exedec_core::{Dsl, Split};
use serde::{Deserialize, Serialize};

use crate::device::Backend;

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
    /// SubgoalModel only: plain relative cross-attention instead of Aligned Relative Attention
    /// (the paper's ARA ablation). The weight files record it, so the search needs no option.
    #[arg(long)]
    #[serde(default)]
    pub no_ara: bool,
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
            no_ara: false,
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
    pub(super) fn scale(self, target_tokens: usize, examples: usize) -> f32 {
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

/// The model configuration of a run.
pub fn run_config(args: &TrainArgs) -> ModelConfig {
    let mut cfg = preset(args.preset, args.dsl, args.model);
    if let Some(d) = args.dropout {
        cfg = cfg.with_dropout(d).with_attention_dropout(d);
    }
    if args.no_ara {
        cfg = cfg.with_aligned_separator(None);
    }
    cfg
}

/// The value of a run-defining option that runs saved before it existed lack: a resumed run
/// keeps the value it started with (`defaults.0` when it was saved without one) and refuses a
/// different explicit value; a new run takes the given value or `defaults.1`.
pub(super) fn settled<T: Copy + PartialEq + std::fmt::Display>(
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

/// Options of one invocation that do not define the run.
pub struct RunOptions {
    pub resume: bool,
    pub backend: Backend,
    pub quiet: bool,
    /// Stop after this many steps of this invocation (for tests of interruption).
    pub stop_after: Option<u64>,
    /// An exported weight file to start from when the run has no checkpoint to resume.
    pub from_weights: Option<PathBuf>,
    /// Stop after the first step that ends this many seconds into this invocation, with a
    /// checkpoint (for machines lent for a fixed time).
    pub time_limit: Option<f64>,
}
