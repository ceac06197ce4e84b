//! The search with oracle models: ExeDec and the No-Subgoal ablation solve every one of the
//! 12,000 released test tasks, the Transformer baseline too, and injected faults are pruned
//! by the validity checks and the functional de-duplication.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use exedec_core::data::{EncodedTask, ModelKind, encode_task};
use exedec_core::search::{Control, Distractors, OracleModel, SearchConfig, exedec_search, transformer_search};
use exedec_core::task::read_records;
use exedec_core::{DeepCoder, Domain, RobustFill, Spec, Split, Task};

fn load<D: Domain>(domain: &D, split: Split) -> Vec<Task<D>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data/test_data")
        .join(domain.dsl().name())
        .join(format!("{}.jsonl", split.name()));
    read_records(BufReader::new(File::open(path).expect("vendored data")))
        .expect("JSON Lines")
        .iter()
        .map(|r| r.parse(domain).expect("parses"))
        .collect()
}

struct Oracles {
    subgoal: OracleModel,
    synthesizer: OracleModel,
    combined: OracleModel,
    transformer: OracleModel,
}

fn oracles<D: Domain>(domain: &D, enc: &EncodedTask, distractors: Option<Distractors>) -> Oracles {
    let sep = domain.io_vocab().separator().expect("separator");
    let io = domain.io_vocab().len();
    let prog = domain.program_vocab().len();
    let make = |kind, v| {
        let o = OracleModel::new(kind, [enc], v, sep);
        match distractors {
            Some(d) => o.with_distractors(d),
            None => o,
        }
    };
    Oracles {
        subgoal: make(ModelKind::Subgoal, io),
        synthesizer: make(ModelKind::Synthesizer, prog),
        combined: make(ModelKind::NoSubgoal, prog),
        transformer: make(ModelKind::Transformer, prog),
    }
}

fn solve_all<D: Domain>(domain: D, distractors: Option<Distractors>, beam: usize) {
    let config = SearchConfig { beam_size: beam, ..SearchConfig::default() };
    for split in Split::ALL {
        let tasks = load(&domain, split);
        assert_eq!(tasks.len(), 1000);
        for (i, task) in tasks.iter().enumerate() {
            let enc = encode_task(&domain, task).expect("encodes");
            let o = oracles(&domain, &enc, distractors);
            let spec = Spec::new(task.inputs.clone(), task.outputs.clone());
            let mut control = Control::default();
            let search = exedec_search(&domain, &spec, Some(&o.subgoal), &o.synthesizer, &config, &mut control);
            let exedec = pollster::block_on(search).expect("search runs");
            assert!(exedec.solved, "ExeDec failed on {split} task {i}");
            let program = exedec.program.as_ref().expect("a program");
            assert!(domain.satisfies(program, &task.inputs, &task.outputs));
            assert_eq!(exedec.steps.len(), domain.steps(program).len());
            assert!(exedec.steps.iter().all(|s| s.subgoal.as_ref() == Some(&s.outputs)), "subgoals are reached");
            let search = exedec_search(&domain, &spec, None::<&OracleModel>, &o.combined, &config, &mut control);
            let ablation = pollster::block_on(search).expect("search runs");
            assert!(ablation.solved, "No-Subgoal failed on {split} task {i}");
            let search = transformer_search(&domain, &spec, &o.transformer, &config, &mut control);
            let baseline = pollster::block_on(search).expect("runs");
            assert!(baseline.solved, "Transformer failed on {split} task {i}");
        }
    }
}

#[test]
fn oracle_solves_every_robustfill_test_task() {
    solve_all(RobustFill, None, 10);
}

#[test]
fn oracle_solves_every_deepcoder_test_task() {
    solve_all(DeepCoder, None, 10);
}

#[test]
fn oracle_with_distractors_still_solves_robustfill() {
    // Three wrong candidates per prediction, each with probability 0.1: the ground truth
    // stays first, and the wrong ones must be pruned (or lose) without breaking the search.
    solve_all(RobustFill, Some(Distractors { count: 3, weight: 0.1, seed: 1 }), 10);
}

#[test]
fn oracle_with_distractors_still_solves_deepcoder() {
    solve_all(DeepCoder, Some(Distractors { count: 3, weight: 0.1, seed: 1 }), 10);
}
