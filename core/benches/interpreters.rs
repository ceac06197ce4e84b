//! Interpreter throughput on the released test sets: every program of the six splits run on
//! each of its examples (RobustFill: 6000 programs x 4 inputs; DeepCoder: 6000 x 3).
//!
//! Run with `cargo bench -p exedec-core --bench interpreters`. Criterion reports the
//! throughput in program executions per second.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use exedec_core::task::read_records;
use exedec_core::{DeepCoder, Domain, RobustFill, Split, Task};

fn load<D: Domain>(domain: &D) -> Vec<Task<D>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/test_data").join(domain.dsl().name());
    let mut tasks = Vec::new();
    for split in Split::ALL {
        let file = File::open(dir.join(format!("{split}.jsonl"))).expect("vendored test data");
        for r in read_records(BufReader::new(file)).expect("valid JSON Lines") {
            tasks.push(r.parse(domain).expect("released tasks parse"));
        }
    }
    tasks
}

fn bench_domain<D: Domain>(c: &mut Criterion, domain: D) {
    let tasks = load(&domain);
    let executions: usize = tasks.iter().map(|t| t.inputs.len()).sum();
    let mut group = c.benchmark_group("interpreter");
    group.throughput(Throughput::Elements(executions as u64));
    group.sample_size(20);
    group.bench_function(domain.dsl().name(), |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for t in &tasks {
                let p = t.program.as_ref().expect("released tasks have programs");
                for input in &t.inputs {
                    ok += usize::from(domain.execute(p, input).is_ok());
                }
            }
            assert_eq!(ok, executions);
        })
    });
    group.finish();
}

fn interpreters(c: &mut Criterion) {
    bench_domain(c, RobustFill);
    bench_domain(c, DeepCoder);
}

criterion_group!(benches, interpreters);
criterion_main!(benches);
