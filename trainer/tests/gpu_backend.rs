//! The GPU backends (cargo features `wgpu` and `vulkan`) against the CPU, on whatever Vulkan
//! device the machine has: a real GPU, or Mesa's lavapipe, which runs Vulkan on the CPU and
//! needs no GPU at all (`scripts/test-gpu.sh` installs it and runs this file).
//!
//! For each GPU backend compiled in:
//! - a tiny No-Subgoal model trained 30 steps on the GPU backend and on the CPU, from the same
//!   initial weights, seed and data, gives the same loss at every step within
//!   [`LOSS_TOLERANCE`] (f32 on both sides; the kernels sum in different orders), and learns;
//! - the GPU run's export loads on the GPU backend and its search gives what the CPU's gives;
//! - the shipped DeepCoder models give the same search results on the GPU backend as on the
//!   CPU on released test tasks, tasks solved included.
#![cfg(any(feature = "wgpu", feature = "vulkan"))]

use std::path::{Path, PathBuf};

use burn::module::Module;
use exedec_core::data::ModelKind;
use exedec_core::model::neural::MethodModels;
use exedec_core::model::weights::{Precision, TrainingInfo, to_bytes};
use exedec_core::search::{Control, SearchConfig, SearchOutcome};
use exedec_core::task::read_records;
use exedec_core::{DeepCoder, Dsl, Method, Split};
use exedec_trainer::device::{Backend, select};
use exedec_trainer::models::load_method;
use exedec_trainer::train::{self, read_metrics, run_config};

mod common;
use common::{quiet, temp, tiny_run, train_data};

/// The largest difference allowed between the two backends' loss at one step (the loss is
/// the mean token cross-entropy, about 3.5 at the start of these runs).
const LOSS_TOLERANCE: f64 = 1e-4;

/// The largest difference allowed between the two backends' score (a sum of token
/// log-probabilities) of the same program.
const SCORE_TOLERANCE: f64 = 1e-3;

/// A tiny No-Subgoal run on DeepCoder's NONE split; the runs start from `init`.
fn run_args(data: &Path, out: PathBuf) -> train::TrainArgs {
    let mut args = tiny_run(Dsl::DeepCoder, ModelKind::NoSubgoal, data.to_path_buf(), out, 30);
    args.checkpoint_every = 30;
    args
}

/// The seeded initial weights of `args`' model, as a weight file both runs start from
/// (burn's initializers draw from each backend's own generator).
fn initial_weights(args: &train::TrainArgs, dir: &Path) -> PathBuf {
    let (cpu, _) = select(Backend::Cpu).unwrap();
    cpu.seed(args.seed);
    let config = run_config(args);
    let model = config.init(&cpu).materialize();
    let bytes =
        to_bytes(&model, args.model, args.dsl, Some(args.preset), &config, Precision::F32, TrainingInfo::default());
    let path = dir.join("init.exw");
    std::fs::write(&path, bytes).unwrap();
    path
}

fn train_on(backend: Backend, args: train::TrainArgs, init: &Path) -> Vec<f64> {
    let mut opts = quiet();
    opts.backend = backend;
    opts.from_weights = Some(init.to_path_buf());
    let out = args.out.clone();
    train::run(args, opts).unwrap_or_else(|e| panic!("training on {backend:?}: {e:#}"));
    read_metrics(&out).iter().filter_map(|m| m.loss).collect()
}

/// The first `n` tasks of DeepCoder's released NONE test set.
fn released_tasks(n: usize) -> Vec<exedec_core::Task<DeepCoder>> {
    let text = exedec_trainer::released::test_data(Dsl::DeepCoder, Split::None);
    let records = read_records(std::io::BufReader::new(text.as_bytes())).unwrap();
    records[..n].iter().map(|r| r.parse(&DeepCoder).unwrap()).collect()
}

fn search(models: &MethodModels, task: &exedec_core::Task<DeepCoder>, beam: usize) -> SearchOutcome<DeepCoder> {
    let config = SearchConfig { beam_size: beam, ..SearchConfig::default() };
    pollster::block_on(models.search(&DeepCoder, &task.spec(), &config, &mut Control::default())).unwrap()
}

/// The two backends' searches agree: the same verdict, and the same final beam (programs and
/// their status in order, scores within [`SCORE_TOLERANCE`]) up to the order of elements whose
/// scores are within the tolerance of each other.
fn assert_same_search(cpu: &SearchOutcome<DeepCoder>, gpu: &SearchOutcome<DeepCoder>, what: &str) {
    assert_eq!(cpu.solved, gpu.solved, "{what}: solved on the CPU {} vs on the GPU {}", cpu.solved, gpu.solved);
    assert_eq!(cpu.beam.len(), gpu.beam.len(), "{what}: final beam sizes");
    for (i, c) in cpu.beam.iter().enumerate() {
        // Pruned elements may share a program (the parent of different invalid predictions):
        // the twin is the element of the same program and status with the nearest score.
        let twin = gpu
            .beam
            .iter()
            .enumerate()
            .filter(|(_, g)| g.program == c.program && g.status == c.status)
            .map(|(j, g)| (j, g.score))
            .min_by(|a, b| (a.1 - c.score).abs().total_cmp(&(b.1 - c.score).abs()));
        let Some((j, score)) = twin else {
            panic!("{what}: the CPU's beam element {i} ({:?}, score {}) is not in the GPU's beam", c.program, c.score)
        };
        assert!((score - c.score).abs() <= SCORE_TOLERANCE, "{what}: element {i} scores {} vs {score}", c.score);
        if j != i {
            let other = gpu.beam[i].score;
            assert!((other - c.score).abs() <= 2.0 * SCORE_TOLERANCE, "{what}: element {i} moved to {j} without a tie");
        }
    }
    if cpu.solved {
        let (a, b) = (cpu.program.as_ref(), gpu.program.as_ref());
        assert!(a == b || (cpu.score - gpu.score).abs() <= SCORE_TOLERANCE, "{what}: solutions {a:?} vs {b:?}");
    }
}

fn gpu_trains_like_the_cpu(backend: Backend) {
    let dir = temp(&format!("gpu-{backend:?}"));
    let data = train_data(&dir, Dsl::DeepCoder, 200, 3);
    let init = initial_weights(&run_args(&data, dir.join("unused")), &dir);
    let cpu = train_on(Backend::Cpu, run_args(&data, dir.join("cpu")), &init);
    let gpu = train_on(backend, run_args(&data, dir.join("gpu")), &init);
    assert_eq!(cpu.len(), 30);
    assert_eq!(gpu.len(), 30);
    let worst = cpu.iter().zip(&gpu).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    eprintln!("{backend:?}: largest loss difference from the CPU over 30 steps: {worst:.2e}");
    for (step, (a, b)) in cpu.iter().zip(&gpu).enumerate() {
        assert!((a - b).abs() <= LOSS_TOLERANCE, "step {}: loss {a} on the CPU, {b} on {backend:?}", step + 1);
    }
    let (first, last) = (gpu[..5].iter().sum::<f64>(), gpu[25..].iter().sum::<f64>());
    assert!(last < first * 0.8, "the GPU run did not learn: mean loss {} -> {}", first / 5.0, last / 5.0);

    // Export, load on the GPU backend and search.
    let models = dir.join("models");
    exedec_trainer::export::run(&dir.join("gpu"), &models.join("no-subgoal.exw"), Precision::F16, None).unwrap();
    let on_gpu = load_method(&models, Dsl::DeepCoder, Method::NoSubgoal, backend).unwrap();
    let on_cpu = load_method(&models, Dsl::DeepCoder, Method::NoSubgoal, Backend::Cpu).unwrap();
    for (i, task) in released_tasks(2).iter().enumerate() {
        let (c, g) = (search(&on_cpu, task, 3), search(&on_gpu, task, 3));
        assert!(!g.beam.is_empty(), "task {i}: the GPU search returned an empty beam");
        assert_same_search(&c, &g, &format!("trained model, task {i}"));
    }
    std::fs::remove_dir_all(&dir).ok();
}

fn shipped_models_search_alike(backend: Backend) {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/models/deepcoder");
    let on_gpu = load_method(&shipped, Dsl::DeepCoder, Method::Exedec, backend).unwrap();
    let on_cpu = load_method(&shipped, Dsl::DeepCoder, Method::Exedec, Backend::Cpu).unwrap();
    let mut solved = 0;
    for (i, task) in released_tasks(8).iter().enumerate() {
        let (c, g) = (search(&on_cpu, task, 4), search(&on_gpu, task, 4));
        assert_same_search(&c, &g, &format!("shipped models, released task {i}"));
        solved += usize::from(g.solved);
    }
    eprintln!("{backend:?}: the shipped DeepCoder models solved {solved} of 8 released tasks on the GPU backend");
}

#[cfg(feature = "wgpu")]
#[test]
fn wgpu_trains_like_the_cpu() {
    gpu_trains_like_the_cpu(Backend::Wgpu);
}

#[cfg(feature = "wgpu")]
#[test]
fn wgpu_searches_like_the_cpu() {
    shipped_models_search_alike(Backend::Wgpu);
}

#[cfg(feature = "vulkan")]
#[test]
fn vulkan_trains_like_the_cpu() {
    gpu_trains_like_the_cpu(Backend::Vulkan);
}

#[cfg(feature = "vulkan")]
#[test]
fn vulkan_searches_like_the_cpu() {
    shipped_models_search_alike(Backend::Vulkan);
}
