//! Re-executes all 12,000 released test tasks (6 splits × 2 DSLs × 1000) and checks every
//! stored output, plus the round trips of every program through each text and token form and
//! its execution decomposition.

use std::fs::File;
use std::io::BufReader;

use exedec_core::task::read_records;
use exedec_core::{DeepCoder, Domain, RobustFill, Spec, Split, decompose};
use exedec_tests::data_dir;

fn check_split<D: Domain>(domain: &D, split: Split) -> usize {
    let path = data_dir().join("test_data").join(domain.dsl().name()).join(format!("{}.jsonl", split.name()));
    let records = read_records(BufReader::new(File::open(&path).expect("test data is vendored"))).unwrap();
    assert_eq!(records.len(), 1000, "{path:?}");
    for r in &records {
        let task = r.parse(domain).unwrap_or_else(|e| panic!("{split} task {}: {e}", r.index));
        let program = task.program.as_ref().unwrap();
        for (input, expected) in task.inputs.iter().zip(&r.outputs) {
            let out = domain.execute(program, input).unwrap_or_else(|e| panic!("{split} task {}: {e}", r.index));
            assert_eq!(&domain.format_output(&out), expected, "{split} task {}", r.index);
        }
        // Text and token forms round-trip.
        let text = r.program.as_deref().unwrap();
        assert_eq!(domain.format_program(program).unwrap(), text, "{split} task {}", r.index);
        assert_eq!(&domain.parse_readable(&domain.format_readable(program)).unwrap(), program);
        let mut ids = Vec::new();
        domain.encode_program(program, &mut ids).unwrap();
        assert_eq!(&domain.decode_program(&ids).unwrap(), program);
        for (i, input) in task.inputs.iter().enumerate() {
            assert_eq!(&domain.parse_input(&r.inputs[i]).unwrap(), input);
        }
        // The execution decomposition ends exactly at the outputs.
        let steps = decompose(domain, program, Spec::new(task.inputs.clone(), task.outputs.clone())).unwrap();
        let last = steps.last().unwrap();
        let (_, done) = domain.next_spec(&last.spec, &last.step, &last.subgoal).unwrap();
        assert!(done, "{split} task {}", r.index);
    }
    records.len()
}

#[test]
fn robustfill_test_sets_reexecute_exactly() {
    let n: usize = Split::ALL.into_iter().map(|s| check_split(&RobustFill, s)).sum();
    assert_eq!(n, 6000);
}

#[test]
fn deepcoder_test_sets_reexecute_exactly() {
    let n: usize = Split::ALL.into_iter().map(|s| check_split(&DeepCoder, s)).sum();
    assert_eq!(n, 6000);
}
