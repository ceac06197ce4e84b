//! Golden files pin the LLM prompts (the official `spec_decomposition/llm_utils.py`) for the first
//! released problem of each DSL: the baseline prompt, the ExeDec and ablation prompts for step 1,
//! and the ExeDec prompt for step 2 after the ground truth's first step (with its actual results).
//! The files were checked line by line against the official `llm_utils.py` construction; regenerate
//! them with
//! `UPDATE_GOLDEN=1 cargo test -p exedec-core --test llm_prompts` only when that is intended.

use std::path::PathBuf;

use exedec_core::llm::prompt::{baseline_prompt, step_prompt};
use exedec_core::llm::{LlmDsl, LlmTask, PyVersion, Style, read_tasks};
use exedec_core::{DeepCoder, RobustFill};

fn check(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/llm").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(expected == actual, "{name} differs from its golden file:\n{actual}");
}

fn prompts<D: LlmDsl>(d: &D, task: &LlmTask<D>, version: PyVersion, tag: &str) {
    check(&format!("{tag}-baseline.txt"), &baseline_prompt(d, &task.few_shot, &task.test, version).unwrap());
    for style in [Style::Exedec, Style::Ablation] {
        let p = step_prompt(d, &task.few_shot, &task.test, &[], style, version).unwrap();
        check(&format!("{tag}-{style}-step1.txt"), &p);
    }
    let first = d.steps(&task.test.program)[0].clone();
    let line = d.render_step(&first, version).unwrap();
    let p = step_prompt(d, &task.few_shot, &task.test, &[(line, first)], Style::Exedec, version).unwrap();
    check(&format!("{tag}-exedec-step2.txt"), &p);
}

#[test]
fn deepcoder_prompts_match_the_golden_files() {
    let tasks = read_tasks(&DeepCoder, include_str!("../../data/llm_data/deepcoder/NONE.jsonl")).unwrap();
    assert_eq!(tasks.len(), 200);
    // Task 2 has two inputs and a three-step program.
    prompts(&DeepCoder, &tasks[2], PyVersion::V1, "deepcoder-v1");
    prompts(&DeepCoder, &tasks[2], PyVersion::V4, "deepcoder-v4");
}

#[test]
fn robustfill_prompts_match_the_golden_files() {
    let tasks = read_tasks(&RobustFill, include_str!("../../data/llm_data/robustfill/NONE.jsonl")).unwrap();
    assert_eq!(tasks.len(), 200);
    prompts(&RobustFill, &tasks[1], PyVersion::V1, "robustfill-v1");
}

/// Every released LLM problem (few-shot and test, all splits) renders to Python and parses
/// back to the same program, and its ExeDec prompt can be built.
#[test]
fn every_released_llm_problem_round_trips_through_python() {
    fn all<D: LlmDsl>(d: &D, files: &[&str], versions: &[PyVersion]) {
        for text in files {
            for task in read_tasks(d, text).unwrap() {
                for p in task.few_shot.iter().chain(std::iter::once(&task.test)) {
                    for &v in versions {
                        let lines: Vec<String> =
                            d.steps(&p.program).iter().map(|s| d.render_step(s, v).unwrap()).collect();
                        let code = d.assemble(&p.inputs[0], &lines);
                        let back =
                            d.parse_python_program(&code, &p.inputs[0]).unwrap_or_else(|e| panic!("{code}: {e}"));
                        assert_eq!(back, p.program, "{code}");
                        assert!(d.satisfies(&back, &p.inputs, &p.outputs));
                    }
                }
                step_prompt(d, &task.few_shot, &task.test, &[], Style::Exedec, versions[0]).unwrap();
            }
        }
    }
    macro_rules! files {
        ($dsl:literal) => {
            [
                include_str!(concat!("../../data/llm_data/", $dsl, "/NONE.jsonl")),
                include_str!(concat!("../../data/llm_data/", $dsl, "/LENGTH_GENERALIZATION.jsonl")),
                include_str!(concat!("../../data/llm_data/", $dsl, "/COMPOSE_DIFFERENT_CONCEPTS.jsonl")),
                include_str!(concat!("../../data/llm_data/", $dsl, "/SWITCH_CONCEPT_ORDER.jsonl")),
                include_str!(concat!("../../data/llm_data/", $dsl, "/COMPOSE_NEW_OP.jsonl")),
                include_str!(concat!("../../data/llm_data/", $dsl, "/ADD_OP_FUNCTIONALITY.jsonl")),
            ]
        };
    }
    all(&RobustFill, &files!("robustfill"), &[PyVersion::V1]);
    all(&DeepCoder, &files!("deepcoder"), &[PyVersion::V1, PyVersion::V4]);
}
