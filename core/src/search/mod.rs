//! Search: beam search over a [`StepModel`], the ExeDec loop, the No-Subgoal ablation, the
//! Transformer baseline and the Latent Programmer, plus oracle models for checking them.
//!
//! The search meets DSLs only through [`Domain`](crate::Domain) and models only through
//! [`StepModel`], so oracle models, neural models on any backend and the browser all drive
//! the same code.

pub mod beam;
pub mod exedec;
pub mod latent;
pub mod model;
pub mod oracle;

pub use beam::{Hypothesis, Origin, beam_search};
pub use exedec::{
    Control, INVALID_PENALTY, IterationBest, Method, Progress, Quirks, SearchConfig, SearchOutcome, TraceStep,
    exedec_search, transformer_search, whole_program_outcome,
};
pub use latent::{LatentCandidate, LatentModels, latent_candidates, latent_programmer_search};
pub use model::{EncoderInput, ModelError, StepModel};
pub use oracle::{Distractors, OracleModel};
