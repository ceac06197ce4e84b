//! The interface between the search and the models.
//!
//! The search sees a model only as something that, for a batch of rows (one specification
//! each), returns the log-probabilities of the next token after each row's prefix, fed one
//! token at a time. The neural models implement it with a key/value cache; the oracle
//! models (for testing the search) implement it by reading the ground truth. Both run the
//! same beam search and ExeDec loop.

use crate::vocab::Token;

/// A specification as a model reads it: per example, the input and output token ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct EncoderInput {
    pub inputs: Vec<Vec<Token>>,
    pub outputs: Vec<Vec<Token>>,
}

/// Why a model could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("{0}")]
    Input(String),
    #[error("model failure: {0}")]
    Backend(String),
    #[error("cancelled")]
    Cancelled,
}

/// A model that predicts token sequences from specifications.
///
/// Reading results back from a GPU in a browser can only be done asynchronously, so
/// [`next_log_probs`](StepModel::next_log_probs) is async; CPU models complete at once, and
/// native callers drive the search with a trivial executor (`pollster::block_on`).
#[allow(async_fn_in_trait)]
pub trait StepModel {
    /// The decoding state of a batch of rows (encoder outputs and the decoder's cache).
    type State;

    /// The size of the target vocabulary (the length of each row of log-probabilities).
    fn vocab_size(&self) -> usize;

    /// The longest target the model decodes, BOS included.
    fn max_target_len(&self) -> usize;

    /// The longest per-example input or output sequence the model accepts.
    fn max_io_len(&self) -> usize;

    /// Starts decoding one row per specification; every row's prefix is empty.
    fn start(&self, specs: &[EncoderInput]) -> Result<Self::State, ModelError>;

    /// Appends one token to every row's prefix (BOS first) and returns, row after row, the
    /// log-probabilities of the next token (`rows × vocab_size` values).
    async fn next_log_probs(&self, state: &mut Self::State, tokens: &[Token]) -> Result<Vec<f32>, ModelError>;

    /// Keeps the rows `parents` (in that order, repeats allowed) for the next step.
    fn reorder(&self, state: &mut Self::State, parents: &[usize]) -> Result<(), ModelError>;
}

/// A borrowed model is a model (so a search can take models it does not own).
impl<M: StepModel> StepModel for &M {
    type State = M::State;

    fn vocab_size(&self) -> usize {
        (**self).vocab_size()
    }
    fn max_target_len(&self) -> usize {
        (**self).max_target_len()
    }
    fn max_io_len(&self) -> usize {
        (**self).max_io_len()
    }
    fn start(&self, specs: &[EncoderInput]) -> Result<Self::State, ModelError> {
        (**self).start(specs)
    }
    async fn next_log_probs(&self, state: &mut Self::State, tokens: &[Token]) -> Result<Vec<f32>, ModelError> {
        (**self).next_log_probs(state, tokens).await
    }
    fn reorder(&self, state: &mut Self::State, parents: &[usize]) -> Result<(), ModelError> {
        (**self).reorder(state, parents)
    }
}
