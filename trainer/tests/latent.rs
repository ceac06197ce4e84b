//! The Latent Programmer through the trainer, CI-sized: a tiny model overfits a handful of
//! tasks, an interrupted run resumes exactly, and the exported weights drive the two-level
//! search and `exedec eval`.

use std::path::{Path, PathBuf};

use exedec_core::data::{ModelKind, examples};
use exedec_core::model::weights::Precision;
use exedec_core::search::{Control, EncoderInput, latent_candidates};
use exedec_core::{DeepCoder, Domain, Dsl, Method, Split};
use exedec_trainer::device::{Backend, select};
use exedec_trainer::eval::{self, EvalArgs};
use exedec_trainer::export;
use exedec_trainer::models::{ModelsArg, load_latent};
use exedec_trainer::train::{self, Latent, Learner, TrainArgs, checkpoint_dir, read_metrics};

mod common;
use common::{quiet, temp, tiny_run, train_data};

fn data(dir: &Path, count: usize) -> PathBuf {
    train_data(dir, Dsl::DeepCoder, count, 8)
}

fn args(data: PathBuf, out: PathBuf, steps: u64, pretrain_steps: u64) -> TrainArgs {
    TrainArgs {
        batch_size: 8,
        lr: 5e-3,
        seed: 4,
        pretrain_steps,
        ..tiny_run(Dsl::DeepCoder, ModelKind::LatentProgrammer, data, out, steps)
    }
}

#[test]
fn a_tiny_latent_programmer_overfits_a_handful_of_tasks_and_runs_the_search() {
    let dir = temp("overfit");
    let data = data(&dir, 8);
    let a = args(data.clone(), dir.join("run"), 300, 100);
    let state = train::run(a.clone(), quiet()).unwrap();
    assert_eq!(state.step, 300);
    let metrics = read_metrics(&a.out);
    let last = metrics.last().unwrap();
    // The predictor reproduces the autoencoder's codes and the decoder, reading the
    // predicted codes, reproduces the programs (teacher forcing, dropout off).
    assert!(last.latent_accuracy.unwrap() > 0.9, "{last:?}");
    let shard = exedec_core::data::shard::read_shard(&data.join("train-00000-of-00001.exds")).unwrap();
    let sep = DeepCoder.io_vocab().separator().unwrap();
    let exs: Vec<_> = shard.tasks().flat_map(|t| examples(ModelKind::LatentProgrammer, &t.unwrap(), sep)).collect();
    assert_eq!(exs.len(), 8);
    let (device, _) = select(Backend::Cpu).unwrap();
    let learner = Latent::load(&checkpoint_dir(&a.out), &train::run_config(&a), &a, &device).unwrap();
    let (acc, _) = learner.evaluate(&exs, 8, &device);
    assert!(acc >= 0.95, "teacher-forced token accuracy given predicted codes {acc}");

    // Exported weights load for the search: 9 ranked programs, code sequences best first.
    let models = dir.join("models");
    export::run(&a.out, &models.join("latent-programmer.exw"), Precision::F32, None).unwrap();
    let lp = load_latent(&models, Dsl::DeepCoder, Backend::Cpu).unwrap();
    let spec = EncoderInput { inputs: exs[0].inputs.clone(), outputs: exs[0].outputs.clone() };
    let cands = pollster::block_on(latent_candidates(&lp, &spec, 10, &mut Control::default())).unwrap();
    assert_eq!(cands.len(), 9);
    for group in cands.chunks(3) {
        assert!(group.iter().all(|c| c.codes == group[0].codes));
        assert!(group.windows(2).all(|w| w[0].score >= w[1].score));
    }
    assert_ne!(cands[0].codes, cands[3].codes);
    // The best program under the best codes is the training program.
    let mut best = cands[0].program.clone();
    best.push(exedec_core::vocab::EOS);
    assert_eq!(best, exs[0].target);

    // `exedec eval --method latent-programmer` on a few released test tasks.
    let report = eval::run(EvalArgs {
        limit: Some(3),
        threads: Some(1),
        quiet: true,
        ..EvalArgs::new(
            Dsl::DeepCoder,
            Split::None,
            Method::LatentProgrammer,
            ModelsArg::Dir(models),
            dir.join("eval.json"),
        )
    })
    .unwrap();
    assert_eq!(report.num_tasks, 3);
    assert_eq!(report.method, Method::LatentProgrammer);
    assert!(report.tasks.iter().all(|r| r.error.is_none()), "{:?}", report.tasks);
    // The report records the network it searched with, as its weight file describes it.
    assert_eq!(report.networks.len(), 1);
    assert_eq!(report.networks[0].model, ModelKind::LatentProgrammer);
    assert_eq!(report.networks[0].training.steps, 300);
    assert_eq!(report.examples_per_network(None), report.networks[0].training.examples.map(|e| e as f64));
    assert!(report.networks[0].training.examples.is_some());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_interrupted_latent_programmer_run_resumes_exactly() {
    let dir = temp("resume");
    let data = data(&dir, 40);
    // 24 steps, pretraining for the first 6; the run stops at step 15, after the phase change,
    // so the codebook's moving averages and both optimizers must survive the checkpoint.
    let full = dir.join("full");
    train::run(args(data.clone(), full.clone(), 24, 6), quiet()).unwrap();
    let reference: Vec<(u64, f64)> = read_metrics(&full).iter().map(|m| (m.step, m.loss.unwrap())).collect();
    let broken = dir.join("broken");
    let mut opts = quiet();
    opts.stop_after = Some(15);
    train::run(args(data.clone(), broken.clone(), 24, 6), opts).unwrap();
    let mut opts = quiet();
    opts.resume = true;
    train::run(args(data, broken.clone(), 24, 6), opts).unwrap();
    let resumed: Vec<(u64, f64)> = read_metrics(&broken).iter().map(|m| (m.step, m.loss.unwrap())).collect();
    assert_eq!(resumed.len(), 24);
    for ((s1, l1), (s2, l2)) in reference.iter().zip(&resumed) {
        assert_eq!(s1, s2);
        assert!((l1 - l2).abs() < 1e-5, "step {s1}: {l1} vs {l2}");
    }
    assert!(broken.join("checkpoint/predictor-optimizer.bpk").exists());
    std::fs::remove_dir_all(&dir).ok();
}
