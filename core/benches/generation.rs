//! Generation throughput: tasks per second of each split's train and test distributions, for
//! the samplers alone and with the decomposition encoded for training (what `exedec
//! generate` writes into binary shards). Single-threaded.
//!
//! Run with `cargo bench -p exedec-core --bench generation`. DeepCoder's searches are slow
//! and yield batches of tasks, so its benchmark times whole searches of the test
//! distributions (10 tasks each) and reports tasks per second.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use exedec_core::data::{encode_task, shard_rng};
use exedec_core::{DeepCoder, Domain, Dsl, Part, RobustFill, Split};

fn robustfill(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate/robustfill");
    group.sample_size(10);
    const N: usize = 2000;
    group.throughput(Throughput::Elements(N as u64));
    for split in Split::ALL {
        for part in [Part::Train, Part::Test] {
            let id = format!("{}/{}", split.name(), part);
            group.bench_function(BenchmarkId::new("sample", &id), |b| {
                let mut rng = shard_rng(0, Dsl::RobustFill, split, part, 0);
                b.iter(|| (0..N).map(|_| RobustFill.sample(&mut rng, split, part).len()).sum::<usize>())
            });
            group.bench_function(BenchmarkId::new("sample+encode", &id), |b| {
                let mut rng = shard_rng(0, Dsl::RobustFill, split, part, 0);
                b.iter(|| {
                    (0..N)
                        .flat_map(|_| RobustFill.sample(&mut rng, split, part))
                        .map(|t| encode_task(&RobustFill, &t).map(|e| e.steps.len()).unwrap_or(0))
                        .sum::<usize>()
                })
            });
        }
    }
    group.finish();
}

fn deepcoder(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate/deepcoder");
    group.sample_size(10);
    for split in Split::ALL {
        group.throughput(Throughput::Elements(10));
        group.bench_function(BenchmarkId::new("search", format!("{}/test", split.name())), |b| {
            let mut rng = shard_rng(0, Dsl::DeepCoder, split, Part::Test, 0);
            b.iter(|| DeepCoder.sample(&mut rng, split, Part::Test).len())
        });
    }
    group.finish();
}

criterion_group!(benches, robustfill, deepcoder);
criterion_main!(benches);
