//! A trained network as a [`StepModel`]: the search's view of a neural model.

use burn::prelude::*;

use super::batch::io_tensor;
use super::{DecoderCache, ModelConfig, SpecTransformer};
use crate::search::{EncoderInput, ModelError, StepModel};
use crate::vocab::Token;

/// A model on a device, ready for the search (dropout off).
pub struct NeuralModel {
    pub model: SpecTransformer,
    pub config: ModelConfig,
    pub device: Device,
}

impl NeuralModel {
    pub fn new(model: SpecTransformer, config: ModelConfig, device: Device) -> Self {
        NeuralModel { model: model.valid(), config, device }
    }
}

impl StepModel for NeuralModel {
    type State = DecoderCache;

    fn vocab_size(&self) -> usize {
        self.config.target_vocab
    }

    fn max_target_len(&self) -> usize {
        self.config.max_target_len
    }

    fn max_io_len(&self) -> usize {
        self.config.max_io_len
    }

    fn start(&self, specs: &[EncoderInput]) -> Result<DecoderCache, ModelError> {
        if specs.is_empty() {
            return Err(ModelError::Input("no specification to encode".into()));
        }
        let check = |s: &Vec<Token>| {
            s.len() <= self.config.max_io_len && s.iter().all(|&t| (t as usize) < self.config.input_vocab)
        };
        if !specs.iter().all(|s| s.inputs.iter().chain(&s.outputs).all(check)) {
            return Err(ModelError::Input("a specification is too long or has unknown tokens for this model".into()));
        }
        let inputs = io_tensor(&specs.iter().map(|s| s.inputs.as_slice()).collect::<Vec<_>>(), &self.device);
        let outputs = io_tensor(&specs.iter().map(|s| s.outputs.as_slice()).collect::<Vec<_>>(), &self.device);
        Ok(self.model.start(inputs, outputs))
    }

    async fn next_log_probs(&self, state: &mut DecoderCache, tokens: &[Token]) -> Result<Vec<f32>, ModelError> {
        if state.len() + 1 >= self.config.max_target_len.max(2) + 1 {
            return Err(ModelError::Input("decoded past the model's maximum target length".into()));
        }
        let ids: Vec<i64> = tokens.iter().map(|&t| i64::from(t)).collect();
        let log_probs = self.model.step(state, &ids);
        // Asynchronous read-back: required by WebGPU in a browser, immediate elsewhere.
        let data = log_probs.into_data_async().await.map_err(|e| ModelError::Backend(format!("{e:?}")))?;
        data.convert::<f32>().try_to_vec::<f32>().map_err(|e| ModelError::Backend(format!("{e:?}")))
    }

    fn reorder(&self, state: &mut DecoderCache, parents: &[usize]) -> Result<(), ModelError> {
        state.reorder(parents);
        Ok(())
    }
}
