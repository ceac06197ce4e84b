//! `exedec train`: the training loop (as the official `spec_decomposition/train.py`).
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
//!
//! - `args`: what defines a run and what one invocation chooses;
//! - `learner`: a model with its optimizer state, and one training step;
//! - `checkpoint`: saving, resuming, restarting from a weight file;
//! - `metrics`: `metrics.jsonl`;
//! - this module: the loop.

mod args;
mod checkpoint;
mod learner;
mod metrics;

use std::fs;
use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use burn::prelude::*;
use exedec_core::Part;
use exedec_core::data::{Example, ModelKind};
use exedec_core::model::ModelConfig;
use indicatif::{ProgressBar, ProgressStyle};

pub use args::{
    DEFAULT_LENGTH_BUCKETS, DEFAULT_LOSS_NORMALIZATION, LossNormalization, RunOptions, TrainArgs, run_config,
};
pub use checkpoint::{
    CheckpointState, Restart, checkpoint_dir, load_checkpoint_latent, load_checkpoint_model, read_checkpoint_state,
};
pub use learner::{Latent, Learner, Single, StepStats, evaluate, latent_config, learning_rate};
pub use metrics::{Metric, read_metrics};

use crate::device::select;
use crate::plot;
use crate::stream::{Cursor, Stream, StreamSpec, held_out_examples, length_key, shard_examples, shard_files};
use args::settled;
use checkpoint::{restart_from_weights, save_checkpoint};
use learner::{rng_lock, step_seed};
use metrics::{Window, open_metrics};

/// Trains a model; returns the final checkpoint state.
pub fn run(args: TrainArgs, opts: RunOptions) -> Result<CheckpointState> {
    if args.model == ModelKind::LatentProgrammer {
        run_learner::<Latent>(args, opts)
    } else {
        run_learner::<Single>(args, opts)
    }
}

/// The run, step by step: settle its options, open its data, start (fresh, resumed or from a
/// weight file), then train, log, validate and checkpoint until the last step.
fn run_learner<L: Learner>(mut args: TrainArgs, opts: RunOptions) -> Result<CheckpointState> {
    let config = run_config(&args);
    config.validate().map_err(|e| anyhow::anyhow!("invalid model configuration: {e}"))?;
    if args.batch_size == 0 || args.steps == 0 {
        bail!("--batch-size and --steps must be positive");
    }
    if args.no_ara && args.model != ModelKind::Subgoal {
        bail!("--no-ara applies to the SubgoalModel only (--model subgoal)");
    }
    if opts.time_limit.is_some_and(|t| !(t.is_finite() && t >= 0.0)) {
        bail!("--time-limit must be a number of seconds, at least 0");
    }
    fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let (base, backend_name) = select(opts.backend)?;
    let device = base.clone().autodiff();
    let resumed = if opts.resume { read_checkpoint_state(&args.out)? } else { None };
    settle_options(&mut args, resumed.as_ref())?;
    if let Some(s) = &resumed {
        check_same_run(s, &args, &config)?;
    }
    if !opts.quiet {
        let at = resumed.as_ref().map(|s| format!(", resuming at step {}", s.step)).unwrap_or_default();
        eprintln!("training {} {} {} ({} preset) on {backend_name}{at}", args.dsl, args.split, args.model, args.preset);
    }
    let (spec, validation) = training_data(&args, &config)?;
    let (mut learner, mut state, restart) = start::<L>(resumed, &args, &opts, &spec, &device)?;
    let mut metrics = open_metrics(&args.out, Some(state.step).filter(|_| state.step > 0))?;
    if let Some(r) = &restart {
        log_restart(&mut metrics, r, &state, &args, opts.quiet)?;
    }
    let mut stream = Stream::start(spec, state.cursor)?;
    let bar = progress_bar(&args, &state, opts.quiet);
    let clock = RunClock { start: Instant::now(), before: state.wall_seconds };
    let mut window = Window::new();
    let mut steps_here = 0u64;

    let out_of_time = || opts.time_limit.is_some_and(|t| clock.start.elapsed().as_secs_f64() >= t);
    while state.step < args.steps && opts.stop_after.is_none_or(|n| steps_here < n) {
        let lr = learning_rate(state.step, args.lr, args.warmup);
        let stats = train_step(&mut learner, &mut stream, &mut state, lr, &args, &device)?;
        steps_here += 1;
        window.add(&stats);
        // A step past the time limit ends the invocation as the run's last step would: logged,
        // validated and checkpointed.
        let timed_out = out_of_time();
        let last = state.step == args.steps || timed_out;
        let validated = validate_if_due(&learner, &validation, &mut state, &args, &base, last);
        if state.step % args.log_every.max(1) == 0 || last || validated.is_some() {
            let (val_acc, val_loss) = validated.unzip();
            let m = window.metric(state.step, lr, val_acc, val_loss, clock.seconds());
            writeln!(metrics, "{}", serde_json::to_string(&m)?)?;
            bar.set_message(progress_message(&m, &state));
            window = Window::new();
        }
        bar.set_position(state.step);
        if state.step % args.checkpoint_every.max(1) == 0 || last {
            state.wall_seconds = clock.seconds();
            checkpoint(&learner, &state, &args)?;
        }
        if timed_out {
            break;
        }
    }
    bar.finish_and_clear();
    if !opts.quiet {
        eprintln!("{}", stop_message(&state, &args));
    }
    Ok(state)
}

/// Settles the options that runs saved before them lack (length buckets, loss normalization,
/// workers): a resumed run keeps its own, a new run takes the given ones or the defaults.
fn settle_options(args: &mut TrainArgs, resumed: Option<&CheckpointState>) -> Result<()> {
    let started = resumed.map(|s| &s.args);
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
    Ok(())
}

/// Refuses to resume a checkpoint of another run into this one.
fn check_same_run(s: &CheckpointState, args: &TrainArgs, config: &ModelConfig) -> Result<()> {
    if s.args.dsl != args.dsl || s.args.split != args.split || s.args.model != args.model || &s.config != config {
        bail!(
            "the checkpoint in {} is for another run ({} {} {})",
            args.out.display(),
            s.args.dsl,
            s.args.split,
            s.args.model
        );
    }
    Ok(())
}

/// The training stream's specification and the validation examples (the first validation
/// shard's, else examples held out of the training stream), sorted by length.
fn training_data(args: &TrainArgs, config: &ModelConfig) -> Result<(StreamSpec, Vec<Example>)> {
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
    let sep = args.dsl.vocab_sizes().separator.context("the DSL's I/O vocabulary has no example separator")?;
    let spec = StreamSpec {
        files,
        expect: (args.dsl, args.split, Part::Train),
        kind: args.model,
        separator: sep,
        config: config.clone(),
        seed: args.seed,
        batch_size: args.batch_size,
        held_out: if valid_files.is_empty() { args.held_out } else { 0 },
        buckets: args.length_buckets.unwrap_or(DEFAULT_LENGTH_BUCKETS),
    };
    let mut validation: Vec<Example> = match valid_files.first() {
        Some(first) => shard_examples(first, (args.dsl, args.split, Part::Valid), args.model, sep, config)?
            .into_iter()
            .take(2048)
            .collect(),
        None => held_out_examples(&spec)?,
    };
    // Validation batches of similar lengths pad less; the accuracy does not depend on the order.
    validation.sort_by_key(length_key);
    Ok((spec, validation))
}

/// The learner and the run's state: from the checkpoint when resuming, else from a weight file
/// when given one (with the restart to record), else freshly initialized from the seed.
fn start<L: Learner>(
    resumed: Option<CheckpointState>,
    args: &TrainArgs,
    opts: &RunOptions,
    data: &StreamSpec,
    device: &Device,
) -> Result<(L, CheckpointState, Option<Restart>)> {
    let config = &data.config;
    let fresh = CheckpointState {
        step: 0,
        cursor: Cursor::default(),
        tokens: 0,
        wall_seconds: 0.0,
        config: config.clone(),
        args: args.clone(),
        last_loss: None,
        validation_accuracy: None,
        restarts: Vec::new(),
    };
    match (resumed, &opts.from_weights) {
        // The checkpoint records this invocation's arguments (a resumed run may go on to more
        // steps; the options settled above are written out for runs saved without them).
        (Some(s), _) => {
            let learner = L::load(&checkpoint_dir(&args.out), config, args, device)?;
            Ok((learner, CheckpointState { args: args.clone(), ..s }, None))
        }
        (None, Some(path)) => {
            let (learner, state, restart) = restart_from_weights::<L>(path, fresh, args, data, device)?;
            if state.step >= args.steps {
                bail!("the weight file was trained for {} steps already; ask for more with --steps", state.step);
            }
            Ok((learner, state, Some(restart)))
        }
        (None, None) => {
            let _guard = rng_lock();
            device.seed(args.seed);
            Ok((L::init(config, args, device), fresh, None))
        }
    }
}

/// Records a restart from a weight file in the metrics log (and says so).
fn log_restart(
    metrics: &mut fs::File,
    r: &Restart,
    state: &CheckpointState,
    args: &TrainArgs,
    quiet: bool,
) -> Result<()> {
    let c = r.data_from;
    let event = format!(
        "restarted from {} with a fresh optimizer; data from epoch {}, shard {}, offset {} (where an uninterrupted run would be)",
        r.weights, c.epoch, c.shard, c.offset
    );
    let lr = learning_rate(state.step, args.lr, args.warmup);
    let m = Metric { event: Some(event), ..Window::new().metric(state.step, lr, None, None, state.wall_seconds) };
    let m = Metric { loss: None, tokens_per_second: None, token_accuracy: None, ..m };
    writeln!(metrics, "{}", serde_json::to_string(&m)?)?;
    if !quiet {
        eprintln!("starting from {} at step {} (fresh optimizer)", r.weights, state.step);
    }
    Ok(())
}

/// One optimizer step on the stream's next batch. Dropout masks depend only on the seed and
/// the step, so a resumed run repeats them.
fn train_step<L: Learner>(
    learner: &mut L,
    stream: &mut Stream,
    state: &mut CheckpointState,
    lr: f64,
    args: &TrainArgs,
    device: &Device,
) -> Result<StepStats> {
    let (batch, cursor) = stream.next_batch()?;
    let refs: Vec<&Example> = batch.iter().collect();
    let stats = {
        let _guard = rng_lock();
        let seed = step_seed(args, state.step);
        device.seed(seed);
        exedec_core::model::dropout::seed(seed);
        learner.step(&refs, state.step, lr, args, device)?
    };
    state.step += 1;
    state.cursor = cursor;
    state.tokens += stats.tokens;
    state.last_loss = Some(stats.loss);
    Ok(stats)
}

/// Validation accuracy and loss, when `--eval-every` says this step (or the last) is due.
fn validate_if_due<L: Learner>(
    learner: &L,
    validation: &[Example],
    state: &mut CheckpointState,
    args: &TrainArgs,
    device: &Device,
    last: bool,
) -> Option<(f64, f64)> {
    let due = args.eval_every > 0 && (state.step.is_multiple_of(args.eval_every) || last) && !validation.is_empty();
    due.then(|| {
        let (accuracy, loss) = learner.evaluate(validation, args.batch_size, device);
        state.validation_accuracy = Some(accuracy);
        (accuracy, loss)
    })
}

/// Saves the checkpoint and redraws the training curve.
fn checkpoint<L: Learner>(learner: &L, state: &CheckpointState, args: &TrainArgs) -> Result<()> {
    save_checkpoint(&args.out, learner, state)?;
    let title = format!("{} {} {}", args.dsl, args.split, args.model);
    plot::write_curve(&args.out.join("curve.svg"), &read_metrics(&args.out), &title)
}

/// Training time across invocations: what earlier ones recorded plus this one's.
struct RunClock {
    start: Instant,
    before: f64,
}

impl RunClock {
    fn seconds(&self) -> f64 {
        self.before + self.start.elapsed().as_secs_f64()
    }
}

fn progress_bar(args: &TrainArgs, state: &CheckpointState, quiet: bool) -> ProgressBar {
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(args.steps) };
    bar.set_style(
        ProgressStyle::with_template("[{elapsed_precise}] {bar:30} step {pos}/{len}  {msg}  ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_position(state.step);
    bar
}

fn progress_message(m: &Metric, state: &CheckpointState) -> String {
    format!(
        "loss {:.3}  {:.0} tok/s{}",
        m.loss.unwrap_or(0.0),
        m.tokens_per_second.unwrap_or(0.0),
        state.validation_accuracy.map(|a| format!("  val acc {:.1}%", a * 100.0)).unwrap_or_default()
    )
}

fn stop_message(state: &CheckpointState, args: &TrainArgs) -> String {
    format!(
        "stopped at step {} of {}: last loss {:.4}{}; checkpoint in {}",
        state.step,
        args.steps,
        state.last_loss.unwrap_or(f64::NAN),
        state.validation_accuracy.map(|a| format!(", validation token accuracy {:.2}%", a * 100.0)).unwrap_or_default(),
        checkpoint_dir(&args.out).display()
    )
}
