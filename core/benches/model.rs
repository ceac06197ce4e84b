//! Model throughput on the CPU (ndarray backend), per preset:
//! - training: forward and backward passes, in target tokens per second;
//! - decoding: next-token steps per second with the key/value cache and without it (the
//!   official "slow decode" that recomputes the whole prefix every step);
//! - search: ExeDec tasks per second (beam 10) with untrained weights of the preset.
//!
//! Run with `cargo bench -p exedec-core --bench model` (the `paper` preset only with
//! `EXEDEC_BENCH_PAPER=1`: it is slow on a CPU).

use burn::prelude::*;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use exedec_core::data::{Example, ModelKind};
use exedec_core::model::batch::{loss_and_correct, make_batch};
use exedec_core::model::{NeuralModel, Preset, preset};
use exedec_core::search::{Control, SearchConfig, exedec_search};
use exedec_core::task::TaskRecord;
use exedec_core::{Dsl, RobustFill};

fn presets() -> Vec<Preset> {
    let mut v = vec![Preset::Tiny, Preset::Cpu, Preset::Small];
    if std::env::var_os("EXEDEC_BENCH_PAPER").is_some() {
        v.push(Preset::Paper);
    }
    v
}

#[allow(deprecated)]
fn device() -> Device {
    Device::ndarray()
}

/// Synthesizer-shaped examples: 4 examples of a 15-character input and an 8-character
/// subgoal, a 6-token target.
fn examples(n: usize) -> Vec<Example> {
    (0..n)
        .map(|i| Example {
            inputs: (0..4).map(|j| (0..15).map(|k| 3 + ((i + j + k) % 80) as u16).collect()).collect(),
            outputs: (0..4).map(|j| (0..8).map(|k| 3 + ((i * 7 + j + k) % 80) as u16).collect()).collect(),
            target: vec![7, 109, 211, 4, 30, 2],
        })
        .collect()
}

fn training(c: &mut Criterion) {
    let mut g = c.benchmark_group("train");
    g.sample_size(10);
    let exs = examples(16);
    let refs: Vec<&Example> = exs.iter().collect();
    let tokens: usize = exs.iter().map(|e| e.target.len()).sum();
    for p in presets() {
        let dev = device().autodiff();
        let model = preset(p, Dsl::RobustFill, ModelKind::Synthesizer).init(&dev);
        g.throughput(Throughput::Elements(tokens as u64));
        g.bench_function(BenchmarkId::new("robustfill-synthesizer", p.name()), |b| {
            b.iter(|| {
                let batch = make_batch(&refs, &dev);
                let logits = model.forward(batch.inputs, batch.outputs, batch.decoder_input);
                let (loss, _) = loss_and_correct(logits, batch.targets);
                loss.backward()
            })
        });
    }
    // The SubgoalModel decodes the four examples' outputs joined by separators, with Aligned
    // Relative Attention: its per-row cross-attention bias is the costly part of its step.
    let exs = subgoal_examples(16);
    let refs: Vec<&Example> = exs.iter().collect();
    let tokens: usize = exs.iter().map(|e| e.target.len()).sum();
    let dev = device().autodiff();
    let model = preset(Preset::Cpu, Dsl::RobustFill, ModelKind::Subgoal).init(&dev);
    g.throughput(Throughput::Elements(tokens as u64));
    g.bench_function(BenchmarkId::new("robustfill-subgoal", Preset::Cpu.name()), |b| {
        b.iter(|| {
            let batch = make_batch(&refs, &dev);
            let logits = model.forward(batch.inputs, batch.outputs, batch.decoder_input);
            let (loss, _) = loss_and_correct(logits, batch.targets);
            loss.backward()
        })
    });
    g.finish();
}

/// SubgoalModel-shaped examples: 4 examples of a 15-character input and a 30-character
/// output, the target the four 20-character subgoal parts joined by the separator, then EOS.
fn subgoal_examples(n: usize) -> Vec<Example> {
    use exedec_core::dsl::robustfill::tokens::IO_SEPARATOR;
    use exedec_core::vocab::EOS;
    (0..n)
        .map(|i| Example {
            inputs: (0..4).map(|j| (0..15).map(|k| 3 + ((i + j + k) % 80) as u16).collect()).collect(),
            outputs: (0..4).map(|j| (0..30).map(|k| 3 + ((i * 7 + j + k) % 80) as u16).collect()).collect(),
            target: (0..4)
                .flat_map(|j| {
                    let end = if j < 3 { IO_SEPARATOR } else { EOS };
                    (0..20).map(move |k| 3 + ((i * 7 + j + k) % 80) as u16).chain([end])
                })
                .collect(),
        })
        .collect()
}

fn decoding(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    g.sample_size(10);
    const ROWS: usize = 10;
    const STEPS: usize = 16;
    let exs = examples(ROWS);
    let refs: Vec<&Example> = exs.iter().collect();
    g.throughput(Throughput::Elements((ROWS * STEPS) as u64));
    for p in presets() {
        let dev = device();
        let model = preset(p, Dsl::RobustFill, ModelKind::Synthesizer).init(&dev);
        let batch = make_batch(&refs, &dev);
        g.bench_function(BenchmarkId::new("cached", p.name()), |b| {
            b.iter(|| {
                let mut cache = model.start(batch.inputs.clone(), batch.outputs.clone());
                let mut out = None;
                for _ in 0..STEPS {
                    out = Some(model.step(&mut cache, &[5; ROWS]).into_data());
                }
                out
            })
        });
        g.bench_function(BenchmarkId::new("uncached", p.name()), |b| {
            b.iter(|| {
                let mut out = None;
                for t in 1..=STEPS {
                    let prefix = Tensor::<2, Int>::from_data(TensorData::new(vec![5i64; ROWS * t], [ROWS, t]), &dev);
                    let logits = model.forward(batch.inputs.clone(), batch.outputs.clone(), prefix);
                    out = Some(logits.slice([0..ROWS, t - 1..t]).into_data());
                }
                out
            })
        });
    }
    g.finish();
}

fn search(c: &mut Criterion) {
    let mut g = c.benchmark_group("search");
    g.sample_size(10);
    let d = RobustFill;
    let record = TaskRecord {
        index: 0,
        inputs: vec!["Alan Turing".into(), "Grace Hopper".into(), "Ada Lovelace".into(), "Kurt Godel".into()],
        outputs: vec!["A.T.".into(), "G.H.".into(), "A.L.".into(), "K.G.".into()],
        program: None,
    };
    let spec = record.parse(&d).expect("a valid task").spec();
    g.throughput(Throughput::Elements(1));
    for p in presets() {
        let dev = device();
        let make = |kind| {
            NeuralModel::new(preset(p, Dsl::RobustFill, kind).init(&dev), preset(p, Dsl::RobustFill, kind), dev.clone())
        };
        let (subgoal, synth) = (make(ModelKind::Subgoal), make(ModelKind::Synthesizer));
        let config = SearchConfig { beam_size: 10, ..SearchConfig::default() };
        g.bench_function(BenchmarkId::new("exedec-beam10-untrained", p.name()), |b| {
            b.iter(|| pollster::block_on(exedec_search(&d, &spec, &subgoal, &synth, &config, &mut Control::default())))
        });
    }
    g.finish();
}

criterion_group!(benches, training, decoding, search);
criterion_main!(benches);
