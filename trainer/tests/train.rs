//! Training on CPU, CI-sized: a tiny model overfits a few tasks, the loss decreases, and a
//! run interrupted and resumed reproduces the uninterrupted run exactly.

use std::path::{Path, PathBuf};

use exedec_core::data::{ModelKind, examples};
use exedec_core::model::Preset;
use exedec_core::{DeepCoder, Domain, Dsl, Part, Split};
use exedec_trainer::device::Backend;
use exedec_trainer::generate;
use exedec_trainer::train::{self, LossNormalization, Metric, RunOptions, TrainArgs, read_metrics};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("exedec-train-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn data(dir: &Path, count: usize) -> PathBuf {
    data_for(dir, Dsl::RobustFill, count)
}

fn data_for(dir: &Path, dsl: Dsl, count: usize) -> PathBuf {
    let out = dir.join(format!("data-{dsl}"));
    generate::run(generate::Args {
        dsl,
        split: Split::None,
        part: Part::Train,
        count,
        seed: 3,
        out: out.clone(),
        shard_size: None,
        threads: Some(1),
        format: generate::Format::Bin,
        quiet: true,
    })
    .unwrap();
    out
}

fn args(data: PathBuf, out: PathBuf, steps: u64) -> TrainArgs {
    TrainArgs {
        dsl: Dsl::RobustFill,
        split: Split::None,
        model: ModelKind::Synthesizer,
        preset: Preset::Tiny,
        data,
        out,
        steps,
        batch_size: 32,
        lr: 3e-3,
        warmup: 20,
        weight_decay: 0.0,
        seed: 5,
        checkpoint_every: 10,
        eval_every: 0,
        log_every: 1,
        held_out: 0,
        dropout: Some(0.0),
        length_buckets: None,
        loss_normalization: None,
        workers: None,
        pretrain_steps: 10_000,
    }
}

fn quiet() -> RunOptions {
    RunOptions { resume: false, backend: Backend::Cpu, quiet: true, stop_after: None }
}

#[test]
fn tiny_model_overfits_32_tasks() {
    let dir = temp("overfit");
    let data = data_for(&dir, Dsl::DeepCoder, 32);
    let mut a = args(data.clone(), dir.join("run"), 400);
    a.dsl = Dsl::DeepCoder;
    a.batch_size = 128;
    a.lr = 5e-3;
    let state = train::run(a.clone(), quiet()).unwrap();
    assert!(state.last_loss.unwrap() < 0.1, "{:?}", state.last_loss);
    // Teacher-forced token accuracy on all the tasks' synthesizer examples, dropout off.
    let shard = exedec_core::data::shard::read_shard(&data.join("train-00000-of-00001.exds")).unwrap();
    let sep = DeepCoder.io_vocab().separator().unwrap();
    let exs: Vec<_> = shard.tasks().flat_map(|t| examples(ModelKind::Synthesizer, &t.unwrap(), sep)).collect();
    assert!(exs.len() >= 32, "{} examples", exs.len());
    let (device, _) = exedec_trainer::device::select(Backend::Cpu).unwrap();
    let model = train::load_checkpoint_model(&a.out, &train::run_config(&a), &device).unwrap();
    let (acc, _) = train::evaluate(&model, &exs, 64, &device);
    assert!(acc >= 0.99, "teacher-forced token accuracy {acc}");
    std::fs::remove_dir_all(&dir).ok();
}

fn losses(m: &[Metric]) -> Vec<(u64, f64)> {
    m.iter().map(|m| (m.step, m.loss.unwrap())).collect()
}

#[test]
fn loss_decreases_and_resume_reproduces_the_run() {
    let dir = temp("resume");
    let data = data(&dir, 200);
    // Uninterrupted: 30 steps.
    let full = dir.join("full");
    train::run(args(data.clone(), full.clone(), 30), quiet()).unwrap();
    let reference = losses(&read_metrics(&full));
    assert_eq!(reference.len(), 30);
    let first: f64 = reference[..5].iter().map(|x| x.1).sum::<f64>() / 5.0;
    let last: f64 = reference[25..].iter().map(|x| x.1).sum::<f64>() / 5.0;
    assert!(last < first * 0.8, "loss {first} -> {last}");

    // Interrupted after 17 steps (the checkpoint is at step 10), then resumed.
    let broken = dir.join("broken");
    let mut opts = quiet();
    opts.stop_after = Some(17);
    train::run(args(data.clone(), broken.clone(), 30), opts).unwrap();
    let mut opts = quiet();
    opts.resume = true;
    let state = train::run(args(data, broken.clone(), 30), opts).unwrap();
    assert_eq!(state.step, 30);
    let resumed = losses(&read_metrics(&broken));
    assert_eq!(resumed.len(), 30, "no step logged twice");
    for ((s1, l1), (s2, l2)) in reference.iter().zip(&resumed) {
        assert_eq!(s1, s2);
        assert!((l1 - l2).abs() < 1e-5, "step {s1}: {l1} vs {l2}");
    }
    assert!(dir.join("broken/curve.svg").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_checkpoint_for_another_run_is_refused() {
    let dir = temp("refuse");
    let data = data(&dir, 50);
    let out = dir.join("run");
    train::run(args(data.clone(), out.clone(), 10), quiet()).unwrap();
    let mut other = args(data, out, 20);
    other.model = ModelKind::NoSubgoal;
    let mut opts = quiet();
    opts.resume = true;
    let err = train::run(other, opts).unwrap_err().to_string();
    assert!(err.contains("another run"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_resume_with_other_batching_or_loss_options_is_refused() {
    let dir = temp("buckets");
    let data = data(&dir, 50);
    let out = dir.join("run");
    let mut first = args(data.clone(), out.clone(), 10);
    first.length_buckets = Some(4);
    first.loss_normalization = Some(LossNormalization::PerExample);
    train::run(first, quiet()).unwrap();
    let resume = || RunOptions { resume: true, ..quiet() };
    let mut other = args(data.clone(), out.clone(), 20);
    other.length_buckets = Some(1);
    let err = train::run(other, resume()).unwrap_err().to_string();
    assert!(err.contains("--length-buckets 4"), "{err}");
    let mut other = args(data.clone(), out.clone(), 20);
    other.loss_normalization = Some(LossNormalization::PerToken);
    let err = train::run(other, resume()).unwrap_err().to_string();
    assert!(err.contains("--loss-normalization per-example"), "{err}");
    // Without the options the run continues with the values it started with.
    let state = train::run(args(data, out, 20), resume()).unwrap();
    assert_eq!(
        (state.step, state.args.length_buckets, state.args.loss_normalization),
        (20, Some(4), Some(LossNormalization::PerExample))
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_run_saved_before_the_batching_options_resumes_with_plain_batches_and_token_means() {
    let dir = temp("old-state");
    let data = data(&dir, 50);
    let out = dir.join("run");
    train::run(args(data.clone(), out.clone(), 10), quiet()).unwrap();
    // Rewrite the checkpoint's arguments as a run saved before the two options existed.
    let path = out.join("checkpoint/state.json");
    let mut state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let recorded = state["args"].as_object_mut().unwrap();
    assert_eq!(recorded.remove("length_buckets"), Some(serde_json::json!(16)));
    assert_eq!(recorded.remove("loss_normalization"), Some(serde_json::json!("per-token")));
    std::fs::write(&path, serde_json::to_string(&state).unwrap()).unwrap();
    let state = train::run(args(data, out, 20), RunOptions { resume: true, ..quiet() }).unwrap();
    assert_eq!(
        (state.step, state.args.length_buckets, state.args.loss_normalization),
        (20, Some(1), Some(LossNormalization::PerToken))
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Data-parallel training is as reproducible as one worker: two runs agree step by step, and a
/// run interrupted and resumed (workers' dropout streams re-seeded per step) repeats the
/// uninterrupted one; a resume with another worker count is refused.
#[test]
fn two_workers_are_deterministic_and_resume_exactly() {
    let dir = temp("workers");
    let data = data(&dir, 200);
    let run_args = |out: &str| {
        let mut a = args(data.clone(), dir.join(out), 20);
        a.workers = Some(2);
        a.dropout = Some(0.1);
        a
    };
    train::run(run_args("a"), quiet()).unwrap();
    train::run(run_args("b"), quiet()).unwrap();
    let reference = losses(&read_metrics(&dir.join("a")));
    assert_eq!(reference, losses(&read_metrics(&dir.join("b"))));

    let mut opts = quiet();
    opts.stop_after = Some(13);
    train::run(run_args("c"), opts).unwrap();
    let state = train::run(run_args("c"), RunOptions { resume: true, ..quiet() }).unwrap();
    assert_eq!((state.step, state.args.workers), (20, Some(2)));
    for ((s1, l1), (s2, l2)) in reference.iter().zip(&losses(&read_metrics(&dir.join("c")))) {
        assert_eq!(s1, s2);
        assert!((l1 - l2).abs() < 1e-6, "step {s1}: {l1} vs {l2}");
    }

    let mut one = run_args("c");
    one.workers = Some(1);
    one.steps = 30;
    let err = train::run(one, RunOptions { resume: true, ..quiet() }).unwrap_err().to_string();
    assert!(err.contains("--workers 2"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
