//! ExeDec — execution decomposition for compositional generalization in neural program
//! synthesis (Shi et al., ICLR 2024), in Rust.
//!
//! How the pieces meet:
//!
//! - [`dsl`] holds the two DSLs, RobustFill (string transformations) and DeepCoder
//!   (integer-list programs), with exact interpreters, token tables and text forms.
//! - [`domain`] is the one abstraction over them: search, training and evaluation are
//!   written once against [`Domain`], which knows how to tokenize, parse, execute and
//!   decompose a program into execution subgoals.
//! - [`vocab`] and [`error`] are the shared vocabulary type and the typed errors: every
//!   interpreter entry point returns a [`DslError`] instead of panicking.
//! - [`splits`] defines the six splits (train and test distributions) of each DSL, and
//!   [`data`] turns sampled tasks into training records and binary shards.
//! - `model` (feature `model`) holds the burn models: the Specification-Transformer encoder
//!   with relative attention, Aligned Relative Attention, the decoder with a key/value cache,
//!   and the Latent Programmer baseline.
//! - [`search`] is the beam search, the ExeDec loop and the baselines' searches over any
//!   [`search::StepModel`] (neural or oracle); [`eval`] turns searches into success rates and
//!   tables.
//! - [`task`] reads and writes the benchmark's JSON Lines tasks; [`user`] validates a user's
//!   own examples.
//! - [`llm`] holds the few-shot LLM experiments: the Python renderings shown to the model,
//!   the baseline, ExeDec and ablation prompts, and the loops that check the answers.

pub mod data;
pub mod domain;
pub mod dsl;
pub mod error;
pub mod eval;
pub mod llm;
#[cfg(feature = "model")]
pub mod model;
pub mod search;
pub mod splits;
pub mod task;
pub mod user;
pub mod vocab;

pub use domain::{Decomposition, Domain, Dsl, Spec, Task, VocabSizes, decompose};
pub use dsl::deepcoder::DeepCoder;
pub use dsl::robustfill::RobustFill;
pub use error::{DslError, ErrorKind};
pub use search::Method;
pub use splits::{Part, Split};
pub use vocab::{Token, Vocab};
