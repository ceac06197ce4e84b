//! The settings of one search: beam size, step limit and the official code's inference quirks.

/// Inference quirks of the official code (`spec_decomposition/end_to_end_predict.py`, listed in
/// docs/search.md) that a model trained by the official pipeline may depend on. They are off by default: the models here are trained and run with
/// the same encodings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Quirks {
    /// After the first step, append EOS to the encoded remaining outputs (and to
    /// DeepCoder's program states), which training data never contains.
    pub eos_after_first_step: bool,
    /// Give DeepCoder subgoal parts the padding tokens that the official splitting on
    /// `|` and re-tokenizing on spaces leaves around them.
    pub deepcoder_subgoal_pads: bool,
}

/// Settings of one search.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SearchConfig {
    /// Beam size K (10 in the paper).
    pub beam_size: usize,
    /// Iteration limit; `None` for the official limits (RobustFill 20; DeepCoder one new
    /// variable per step, at most 10 variables).
    pub max_steps: Option<usize>,
    pub quirks: Quirks,
    /// Restrict the SubgoalModel's decoding to valid subgoals (RobustFill: parts that are
    /// prefixes of the remaining outputs; DeepCoder: values one statement computes from the
    /// current variables), instead of decoding freely and pruning afterwards as the paper
    /// does. Where the DSL lists the step that computes given outputs
    /// ([`Domain::step_reaching`](crate::domain::Domain::step_reaching)), the search then also
    /// reaches a subgoal with that step instead of asking the SynthesizerModel, and finishes
    /// an element with it where it computes the remaining outputs. Off by default.
    #[serde(default)]
    pub constrain_subgoals: bool,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig { beam_size: 10, max_steps: None, quirks: Quirks::default(), constrain_subgoals: false }
    }
}
