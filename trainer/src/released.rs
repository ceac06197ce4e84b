//! The paper's released data (`data/`), built into the binary so that `eval` and `llm` work
//! from any folder.

use exedec_core::{Dsl, Split};

/// The six split files of one folder of `data/` for one DSL, in [`Split::ALL`] order.
macro_rules! split_files {
    ($folder:literal, $dsl:literal) => {
        [
            include_str!(concat!("../../data/", $folder, "/", $dsl, "/NONE.jsonl")),
            include_str!(concat!("../../data/", $folder, "/", $dsl, "/LENGTH_GENERALIZATION.jsonl")),
            include_str!(concat!("../../data/", $folder, "/", $dsl, "/COMPOSE_DIFFERENT_CONCEPTS.jsonl")),
            include_str!(concat!("../../data/", $folder, "/", $dsl, "/SWITCH_CONCEPT_ORDER.jsonl")),
            include_str!(concat!("../../data/", $folder, "/", $dsl, "/COMPOSE_NEW_OP.jsonl")),
            include_str!(concat!("../../data/", $folder, "/", $dsl, "/ADD_OP_FUNCTIONALITY.jsonl")),
        ]
    };
}

fn pick(rf: &'static [&'static str; 6], dc: &'static [&'static str; 6], dsl: Dsl, split: Split) -> &'static str {
    // A split's discriminant is its official `Experiment` value, its index in `Split::ALL`.
    let i = split as usize;
    match dsl {
        Dsl::RobustFill => rf[i],
        Dsl::DeepCoder => dc[i],
    }
}

/// The released test set of a split (1000 tasks, JSON Lines).
pub fn test_data(dsl: Dsl, split: Split) -> &'static str {
    static RF: [&str; 6] = split_files!("test_data", "robustfill");
    static DC: [&str; 6] = split_files!("test_data", "deepcoder");
    pick(&RF, &DC, dsl, split)
}

/// The released LLM problems of a split (200, with their few-shot problems).
pub fn llm_data(dsl: Dsl, split: Split) -> &'static str {
    static RF: [&str; 6] = split_files!("llm_data", "robustfill");
    static DC: [&str; 6] = split_files!("llm_data", "deepcoder");
    pick(&RF, &DC, dsl, split)
}
