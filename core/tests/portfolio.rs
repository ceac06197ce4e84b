//! The portfolio (ExeDec, then No-Subgoal at the same beam) with oracle models: it answers with
//! ExeDec's outcome when ExeDec solves a task, without running No-Subgoal; with No-Subgoal's
//! when only No-Subgoal does; with ExeDec's unsolved outcome when neither does; and the anytime
//! search runs both members at each beam before widening.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use exedec_core::data::{ModelKind, encode_task};
use exedec_core::search::oracle::{OracleModels, oracle_models};
use exedec_core::search::{
    AnytimeConfig, Control, Method, Models, OracleModel, Progress, SearchConfig, SearchOutcome, StopReason,
    anytime_search,
};
use exedec_core::task::read_records;
use exedec_core::{DeepCoder, Domain, Task};

fn tasks() -> Vec<Task<DeepCoder>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/test_data/deepcoder/NONE.jsonl");
    read_records(BufReader::new(File::open(path).expect("vendored data")))
        .expect("JSON Lines")
        .iter()
        .take(40)
        .map(|r| r.parse(&DeepCoder).expect("parses"))
        .collect()
}

/// An oracle of `kind` that knows `task`'s answers, or (`None`) nothing at all: its
/// predictions are then uniform over the vocabulary.
fn oracle(kind: ModelKind, task: Option<&Task<DeepCoder>>) -> OracleModel {
    let d = DeepCoder;
    let vocab = if kind == ModelKind::Subgoal { d.io_vocab().len() } else { d.program_vocab().len() };
    let sep = d.io_vocab().separator().expect("separator");
    let encoded = task.map(|t| encode_task(&d, t).expect("ground truth encodes"));
    OracleModel::new(kind, encoded.as_ref(), vocab, sep)
}

/// A portfolio whose ExeDec networks and No-Subgoal network know `task` or nothing.
fn portfolio(task: &Task<DeepCoder>, exedec_knows: bool, no_subgoal_knows: bool) -> OracleModels {
    let known = |yes: bool| yes.then_some(task);
    Models::Portfolio {
        subgoal: oracle(ModelKind::Subgoal, known(exedec_knows)),
        synthesizer: oracle(ModelKind::Synthesizer, known(exedec_knows)),
        no_subgoal: oracle(ModelKind::NoSubgoal, known(no_subgoal_knows)),
    }
}

/// The portfolio's outcome at beam 10 and the members it announced, in order.
fn run(models: &OracleModels, task: &Task<DeepCoder>) -> (SearchOutcome<DeepCoder>, Vec<Method>) {
    let mut members = Vec::new();
    let mut progress = |p: Progress| {
        if let Progress::Method(m) = p {
            members.push(m);
        }
    };
    let mut control = Control { should_stop: None, progress: Some(&mut progress) };
    let config = SearchConfig { beam_size: 10, ..SearchConfig::default() };
    let out = pollster::block_on(models.search(&DeepCoder, &task.spec(), &config, &mut control)).expect("search");
    (out, members)
}

#[test]
fn exedec_answers_first_and_no_subgoal_only_runs_when_it_fails() {
    for task in &tasks() {
        let (out, members) = run(&portfolio(task, true, true), task);
        assert!(out.solved);
        assert_eq!((out.method, members), (Method::Exedec, vec![Method::Exedec]));

        let (out, members) = run(&portfolio(task, false, true), task);
        assert!(out.solved, "No-Subgoal's oracle solves what ExeDec's ignorant models miss");
        assert_eq!((out.method, members), (Method::NoSubgoal, vec![Method::Exedec, Method::NoSubgoal]));
        let program = out.program.expect("a program");
        assert!(DeepCoder.satisfies(&program, &task.inputs, &task.outputs));
        assert!(out.steps.iter().all(|s| s.subgoal.is_none()), "No-Subgoal's trace has no subgoals");
    }
}

#[test]
fn a_task_neither_member_solves_reports_exedecs_outcome() {
    for task in tasks().iter().take(10) {
        let (out, members) = run(&portfolio(task, false, false), task);
        assert!(!out.solved);
        assert_eq!((out.method, members), (Method::Exedec, vec![Method::Exedec, Method::NoSubgoal]));
    }
}

#[test]
fn the_oracle_portfolio_solves_every_task_with_exedec() {
    for task in &tasks() {
        let models = oracle_models(&DeepCoder, task, Method::Portfolio, None).expect("oracle");
        assert_eq!(models.method(), Method::Portfolio);
        let (out, _) = run(&models, task);
        assert!(out.solved);
        assert_eq!(out.method, Method::Exedec);
    }
}

#[test]
fn the_anytime_search_runs_both_members_at_each_beam_before_widening() {
    let task = &tasks()[0];
    let models = portfolio(task, false, false);
    let config = AnytimeConfig { budget_seconds: 1.0, max_beam: 40, ..AnytimeConfig::default() };
    let mut events = Vec::new();
    let mut progress = |p: Progress| match p {
        Progress::Beam { beam_size, .. } => events.push(format!("beam {beam_size}")),
        Progress::Method(m) => events.push(m.to_string()),
        _ => {}
    };
    let mut control = Control { should_stop: None, progress: Some(&mut progress) };
    // A clock that never moves: the budget never runs out.
    let out = pollster::block_on(anytime_search(&models, &DeepCoder, &task.spec(), &config, &|| 0.0, &mut control))
        .expect("search");
    assert_eq!(out.stop, StopReason::WidestBeam);
    assert_eq!(out.beams_tried, [10, 20, 40]);
    let expected: Vec<String> = [10, 20, 40]
        .iter()
        .flat_map(|b| [format!("beam {b}"), "exedec".to_string(), "no-subgoal".to_string()])
        .collect();
    assert_eq!(events, expected);
}

#[test]
fn the_portfolio_is_named_and_needs_both_methods_networks() {
    assert_eq!("portfolio".parse::<Method>(), Ok(Method::Portfolio));
    assert_eq!("exedec+no-subgoal".parse::<Method>(), Ok(Method::Portfolio));
    assert_eq!(Method::Portfolio.members(), [Method::Exedec, Method::NoSubgoal]);
    assert!(Method::Portfolio.has_members() && !Method::Exedec.has_members());
    let mut networks = Method::Exedec.networks().to_vec();
    networks.extend(Method::NoSubgoal.networks());
    assert_eq!(Method::Portfolio.networks(), networks);
}
