//! Training on CPU, CI-sized: a tiny model overfits a few tasks, the loss decreases, and a
//! run interrupted and resumed reproduces the uninterrupted run exactly.

use std::path::{Path, PathBuf};

use exedec_core::data::{ModelKind, examples};
use exedec_core::{DeepCoder, Domain, Dsl};
use exedec_trainer::device::Backend;
use exedec_trainer::train::{self, LossNormalization, Metric, RunOptions, TrainArgs, read_metrics};

mod common;
use common::{quiet, temp, tiny_run, train_data};

fn data(dir: &Path, count: usize) -> PathBuf {
    train_data(dir, Dsl::RobustFill, count, 3)
}

fn data_for(dir: &Path, dsl: Dsl, count: usize) -> PathBuf {
    train_data(dir, dsl, count, 3)
}

fn args(data: PathBuf, out: PathBuf, steps: u64) -> TrainArgs {
    tiny_run(Dsl::RobustFill, ModelKind::Synthesizer, data, out, steps)
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
fn a_time_limit_ends_the_invocation_with_a_checkpoint_that_resumes_the_run() {
    let dir = temp("time-limit");
    let data = data(&dir, 200);
    let full = dir.join("full");
    train::run(args(data.clone(), full.clone(), 12), quiet()).unwrap();
    let reference = losses(&read_metrics(&full));

    // A limit of 0 s: the first step is past it, so the invocation stops there, between the
    // checkpoints that `checkpoint_every` (10) would write, and saves one.
    let out = dir.join("limited");
    let state =
        train::run(args(data.clone(), out.clone(), 12), RunOptions { time_limit: Some(0.0), ..quiet() }).unwrap();
    assert_eq!(state.step, 1);
    assert_eq!(train::read_checkpoint_state(&out).unwrap().map(|s| s.step), Some(1));
    assert_eq!(losses(&read_metrics(&out)).len(), 1, "the step is logged");
    let state = train::run(args(data.clone(), out.clone(), 12), RunOptions { resume: true, ..quiet() }).unwrap();
    assert_eq!(state.step, 12);
    let resumed = losses(&read_metrics(&out));
    assert_eq!(resumed.len(), 12);
    for ((s1, l1), (s2, l2)) in reference.iter().zip(&resumed) {
        assert_eq!(s1, s2);
        assert!((l1 - l2).abs() < 1e-5, "step {s1}: {l1} vs {l2}");
    }
    let err = train::run(args(data, dir.join("bad"), 12), RunOptions { time_limit: Some(f64::NAN), ..quiet() })
        .unwrap_err()
        .to_string();
    assert!(err.contains("--time-limit"), "{err}");
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

/// A run whose checkpoint is gone continues from its exported weights: the parameters and
/// step count come from the file, the optimizer is fresh, and the restart is recorded; a file
/// of another model type or network is refused with a message.
#[test]
fn a_run_restarts_from_exported_weights() {
    let dir = temp("from-weights");
    let data = data(&dir, 200);
    let first = dir.join("first");
    train::run(args(data.clone(), first.clone(), 20), quiet()).unwrap();
    let before = losses(&read_metrics(&first));
    let weights = dir.join("synthesizer.exw");
    exedec_trainer::export::run(&first, &weights, exedec_core::model::weights::Precision::F32, None).unwrap();
    // The file records the training behind it, examples seen included (for the learning curve).
    let (header, _) = exedec_core::model::weights::read_header(&std::fs::read(&weights).unwrap()).unwrap();
    let batch = args(data.clone(), first.clone(), 20).batch_size as u64;
    assert_eq!((header.training.steps, header.training.examples), (20, Some(20 * batch)));

    // A new folder, as on another machine: no checkpoint, only the weight file.
    let second = dir.join("second");
    let from = RunOptions { resume: true, from_weights: Some(weights.clone()), ..quiet() };
    let state = train::run(args(data.clone(), second.clone(), 30), from).unwrap();
    assert_eq!(state.step, 30);
    // The data went on where the first run's would have: after its 20 batches.
    let uninterrupted = dir.join("uninterrupted");
    let whole = train::run(args(data.clone(), uninterrupted, 30), quiet()).unwrap();
    let data_from = train::read_checkpoint_state(&first).unwrap().unwrap().cursor;
    assert_ne!(data_from, Default::default());
    assert_eq!(state.restarts, vec![train::Restart { step: 20, weights: weights.display().to_string(), data_from }]);
    assert_eq!(state.cursor, whole.cursor, "the restarted run's data ended where the uninterrupted run's did");
    let metrics = read_metrics(&second);
    let event = metrics.iter().find(|m| m.event.is_some()).expect("the restart is logged");
    assert_eq!(event.step, 20);
    assert!(event.event.as_deref().unwrap().contains("fresh optimizer"), "{:?}", event.event);
    let after: Vec<f64> = metrics.iter().filter(|m| m.step > 20).map(|m| m.loss.unwrap()).collect();
    assert_eq!(after.len(), 10);
    // The trained parameters were loaded and the data went on where they would have: the first
    // step after the restart (its loss computed before the fresh optimizer's first update) has
    // the uninterrupted run's loss, far below a fresh model's.
    let whole_21 = losses(&read_metrics(&dir.join("uninterrupted"))).into_iter().find(|x| x.0 == 21).unwrap().1;
    assert!(
        (after[0] - whole_21).abs() < 1e-4 * whole_21,
        "loss after the restart {} vs {whole_21} uninterrupted",
        after[0]
    );
    let start = before[..3].iter().map(|x| x.1).sum::<f64>() / 3.0;
    assert!(after[0] < 0.9 * start, "loss after the restart {} vs {start} at the start", after[0]);

    // With a checkpoint present, --resume uses it (the weight file is not read again).
    let state = train::run(
        args(data.clone(), second.clone(), 35),
        RunOptions { resume: true, from_weights: Some(dir.join("missing.exw")), ..quiet() },
    )
    .unwrap();
    assert_eq!((state.step, state.restarts.len()), (35, 1));

    // Another model type or another network is refused.
    let mut other = args(data.clone(), dir.join("subgoal"), 30);
    other.model = ModelKind::Subgoal;
    let err = train::run(other, RunOptions { from_weights: Some(weights.clone()), ..quiet() }).unwrap_err();
    assert!(format!("{err:#}").contains("subgoal"), "{err:#}");
    let mut other = args(data, dir.join("dropout"), 30);
    other.dropout = Some(0.2);
    let err = train::run(other, RunOptions { from_weights: Some(weights), ..quiet() }).unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains("differs from this run"), "{message}");
    assert!(message.contains("dropout 0.0 in the weight file, 0.2 in this run"), "{message}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The ARA ablation: `--no-ara` trains a SubgoalModel with plain relative cross-attention; its
/// checkpoint and weight file say so, and other models refuse the option.
#[test]
fn no_ara_trains_a_subgoal_model_without_aligned_attention() {
    let dir = temp("no-ara");
    let data = data(&dir, 50);
    let subgoal = |name: &str, no_ara: bool| TrainArgs {
        model: ModelKind::Subgoal,
        no_ara,
        ..args(data.clone(), dir.join(name), 3)
    };
    let with = train::run(subgoal("ara", false), quiet()).unwrap();
    assert!(with.config.aligned_separator.is_some());
    let without = train::run(subgoal("plain", true), quiet()).unwrap();
    assert_eq!(without.config.aligned_separator, None);
    let weights = dir.join("plain.exw");
    exedec_trainer::export::run(&dir.join("plain"), &weights, exedec_core::model::weights::Precision::F32, None)
        .unwrap();
    let bytes = std::fs::read(&weights).unwrap();
    let (header, _) = exedec_core::model::weights::read_header(&bytes).unwrap();
    assert_eq!(header.config.aligned_separator, None);
    let err = train::run(TrainArgs { no_ara: true, ..args(data, dir.join("synth"), 3) }, quiet()).unwrap_err();
    assert!(err.to_string().contains("--no-ara"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
