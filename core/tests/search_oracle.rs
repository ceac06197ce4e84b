//! The search with oracle models: ExeDec and the No-Subgoal ablation solve every one of the
//! 12,000 released test tasks, the Transformer baseline too, and injected faults are pruned
//! by the validity checks and the functional de-duplication; one network replaced by its oracle
//! searches beside the other.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use exedec_core::data::{EncodedTask, ModelKind, encode_task};
use exedec_core::search::oracle::oracle_network;
use exedec_core::search::{
    BeamElement, Control, Distractors, ElementStatus, EncoderInput, ModelError, OracleModel, OracleOr, SearchConfig,
    StepModel, exedec_search, no_subgoal_search, transformer_search,
};
use exedec_core::task::read_records;
use exedec_core::vocab::BOS;
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

/// The specification left after running `program` step by step from `spec`, as the search
/// updates it; `None` if a step fails or is inconsistent with what remains.
fn spec_after<D: Domain>(domain: &D, spec: &Spec<D>, program: &D::Program) -> Option<Spec<D>> {
    let mut spec = spec.clone();
    for step in domain.steps(program) {
        let produced = domain.run_step_all(&step, &spec.inputs).ok()?;
        spec = domain.next_spec(&spec, &step, &produced)?.0;
    }
    Some(spec)
}

/// Checks what the pruning promises of a final beam and returns how many elements it pruned:
/// every element still standing is consistent with the task step by step (the validity
/// checks), a finished one reproduces every example, and no two standing elements of the same
/// length reached the same specification (the functional de-duplication: every element gains
/// one step per iteration, so elements of equal length were de-duplicated against each other).
fn check_pruning<D: Domain>(domain: &D, spec: &Spec<D>, beam: &[BeamElement<D>], what: &str) -> usize {
    let mut seen = HashSet::new();
    for e in beam.iter().filter(|e| e.status != ElementStatus::Invalid) {
        let text = domain.format_readable(&e.program);
        let after = spec_after(domain, spec, &e.program);
        let after = after.unwrap_or_else(|| panic!("{what}: an inconsistent program was kept: {text}"));
        if e.status == ElementStatus::Done {
            assert!(domain.satisfies(&e.program, &spec.inputs, &spec.outputs), "{what}: {text} is not a solution");
        }
        let steps = domain.steps(&e.program).len();
        assert!(seen.insert((steps, after)), "{what}: a functional duplicate was kept: {text}");
    }
    beam.iter().filter(|e| e.status == ElementStatus::Invalid).count()
}

fn solve_all<D: Domain>(domain: D, distractors: Option<Distractors>, beam: usize) {
    let config = SearchConfig { beam_size: beam, ..SearchConfig::default() };
    let (mut pruned_exedec, mut pruned_ablation) = (0, 0);
    for split in Split::ALL {
        let tasks = load(&domain, split);
        assert_eq!(tasks.len(), 1000);
        for (i, task) in tasks.iter().enumerate() {
            let enc = encode_task(&domain, task).expect("encodes");
            let o = oracles(&domain, &enc, distractors);
            let spec = Spec::new(task.inputs.clone(), task.outputs.clone());
            let mut control = Control::default();
            let search = exedec_search(&domain, &spec, &o.subgoal, &o.synthesizer, &config, &mut control);
            let exedec = pollster::block_on(search).expect("search runs");
            assert!(exedec.solved, "ExeDec failed on {split} task {i}");
            let program = exedec.program.as_ref().expect("a program");
            assert!(domain.satisfies(program, &task.inputs, &task.outputs));
            assert_eq!(exedec.steps.len(), domain.steps(program).len());
            assert!(exedec.steps.iter().all(|s| s.subgoal.as_ref() == Some(&s.outputs)), "subgoals are reached");
            pruned_exedec += check_pruning(&domain, &spec, &exedec.beam, &format!("ExeDec, {split} task {i}"));
            let search = no_subgoal_search(&domain, &spec, &o.combined, &config, &mut control);
            let ablation = pollster::block_on(search).expect("search runs");
            assert!(ablation.solved, "No-Subgoal failed on {split} task {i}");
            pruned_ablation += check_pruning(&domain, &spec, &ablation.beam, &format!("No-Subgoal, {split} task {i}"));
            let search = transformer_search(&domain, &spec, &o.transformer, &config, &mut control);
            let baseline = pollster::block_on(search).expect("runs");
            assert!(baseline.solved, "Transformer failed on {split} task {i}");
        }
    }
    if distractors.is_some() {
        // The distractors were predicted and pruned, not merely outscored.
        assert!(pruned_exedec > 1000 && pruned_ablation > 1000, "pruned {pruned_exedec} and {pruned_ablation}");
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

#[test]
fn one_network_replaced_by_its_oracle_searches_with_the_other() {
    // Beside a network that knows the task, an oracle solves it; beside one that knows another
    // task, it does not: each half of the search keeps its own model and decoding state.
    let tasks = load(&DeepCoder, Split::None);
    let config = SearchConfig::default();
    let (task, other) = (&tasks[0], &tasks[1]);
    let right = oracle_network(&DeepCoder, task, ModelKind::Synthesizer).expect("a ground truth");
    let wrong = oracle_network(&DeepCoder, other, ModelKind::Synthesizer).expect("a ground truth");
    for (synthesizer, solves) in [(right, true), (wrong, false)] {
        let subgoal = OracleOr::<OracleModel>::Oracle(oracle_network(&DeepCoder, task, ModelKind::Subgoal).unwrap());
        let synthesizer = OracleOr::Model(synthesizer);
        let (spec, mut control) = (task.spec(), Control::default());
        let search = exedec_search(&DeepCoder, &spec, &subgoal, &synthesizer, &config, &mut control);
        assert_eq!(pollster::block_on(search).expect("search runs").solved, solves);
    }
    assert!(oracle_network(&DeepCoder, task, ModelKind::LatentProgrammer).is_err());
}

#[test]
fn a_decoding_state_from_the_other_half_is_refused() {
    let tasks = load(&RobustFill, Split::None);
    let oracle = oracle_network(&RobustFill, &tasks[0], ModelKind::Subgoal).expect("a ground truth");
    let as_oracle = OracleOr::<OracleModel>::Oracle(oracle.clone());
    let as_model = OracleOr::<OracleModel>::Model(oracle);
    let mut state = as_model.start(&[EncoderInput::default()]).expect("starts");
    assert!(matches!(pollster::block_on(as_oracle.next_log_probs(&mut state, &[BOS])), Err(ModelError::Backend(_))));
    assert!(as_oracle.reorder(&mut state, &[0]).is_err());
    assert_eq!(
        pollster::block_on(as_model.next_log_probs(&mut state, &[BOS])).expect("its own").len(),
        as_model.vocab_size()
    );
}
