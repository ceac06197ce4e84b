//! Trained networks as [`StepModel`]s: the search's view of the neural models.

use burn::prelude::*;

use super::batch::io_tensor;
use super::latent::codes_tensor;
use super::{DecoderCache, LatentConfig, LatentProgrammer, ModelConfig, SpecTransformer};
use crate::search::{EncoderInput, LatentModels, ModelError, Models, StepModel};
use crate::user::Limits;
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

/// Checks specifications against a model's lengths and vocabulary and makes their tensors.
fn spec_tensors(
    specs: &[EncoderInput],
    config: &ModelConfig,
    device: &Device,
) -> Result<(Tensor<3, Int>, Tensor<3, Int>), ModelError> {
    if specs.is_empty() {
        return Err(ModelError::Input("no specification to encode".into()));
    }
    let check = |s: &Vec<Token>| s.len() <= config.max_io_len && s.iter().all(|&t| (t as usize) < config.input_vocab);
    if !specs.iter().all(|s| s.inputs.iter().chain(&s.outputs).all(check)) {
        return Err(ModelError::Input("a specification is too long or has unknown tokens for this model".into()));
    }
    let inputs = io_tensor(&specs.iter().map(|s| s.inputs.as_slice()).collect::<Vec<_>>(), device);
    let outputs = io_tensor(&specs.iter().map(|s| s.outputs.as_slice()).collect::<Vec<_>>(), device);
    Ok((inputs, outputs))
}

/// Refuses to decode past a model's maximum target length.
fn check_length(state: &DecoderCache, config: &ModelConfig) -> Result<(), ModelError> {
    if state.len() + 1 > config.max_target_len.max(2) {
        return Err(ModelError::Input("decoded past the model's maximum target length".into()));
    }
    Ok(())
}

/// Reads log-probabilities back to the host: asynchronously, as WebGPU in a browser
/// requires (immediate elsewhere).
async fn read_back(log_probs: Tensor<2>) -> Result<Vec<f32>, ModelError> {
    let data = log_probs.into_data_async().await.map_err(|e| ModelError::Backend(format!("{e:?}")))?;
    data.convert::<f32>().try_to_vec::<f32>().map_err(|e| ModelError::Backend(format!("{e:?}")))
}

fn ids(tokens: &[Token]) -> Vec<i64> {
    tokens.iter().map(|&t| i64::from(t)).collect()
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
        let (inputs, outputs) = spec_tensors(specs, &self.config, &self.device)?;
        Ok(self.model.start(inputs, outputs))
    }

    async fn next_log_probs(&self, state: &mut DecoderCache, tokens: &[Token]) -> Result<Vec<f32>, ModelError> {
        check_length(state, &self.config)?;
        read_back(self.model.step(state, &ids(tokens))).await
    }

    fn reorder(&self, state: &mut DecoderCache, parents: &[usize]) -> Result<(), ModelError> {
        state.reorder(parents);
        Ok(())
    }
}

/// A trained Latent Programmer on a device, ready for the two-level search.
pub struct NeuralLatentModel {
    pub model: LatentProgrammer,
    pub config: LatentConfig,
    /// The latent predictor as a step model over codes.
    pub predictor: NeuralModel,
    pub device: Device,
}

impl NeuralLatentModel {
    pub fn new(model: LatentProgrammer, config: LatentConfig, device: Device) -> Self {
        let model = model.valid();
        let predictor = NeuralModel::new(model.predictor.clone(), config.predictor_config(), device.clone());
        NeuralLatentModel { model, config, predictor, device }
    }
}

/// The program decoder given one code sequence.
pub struct ProgramsGivenCodes<'a> {
    model: &'a NeuralLatentModel,
    codes: Vec<Token>,
}

impl StepModel for ProgramsGivenCodes<'_> {
    type State = DecoderCache;

    fn vocab_size(&self) -> usize {
        self.model.config.program.target_vocab
    }

    fn max_target_len(&self) -> usize {
        self.model.config.program.max_target_len
    }

    fn max_io_len(&self) -> usize {
        self.model.config.program.max_io_len
    }

    fn start(&self, specs: &[EncoderInput]) -> Result<DecoderCache, ModelError> {
        let config = &self.model.config;
        if self.codes.iter().any(|&c| c as usize >= config.latent_vocab) {
            return Err(ModelError::Input("a latent code is outside the codebook".into()));
        }
        let (inputs, outputs) = spec_tensors(specs, &config.program, &self.model.device)?;
        let codes = codes_tensor(&vec![self.codes.clone(); specs.len()], &self.model.device);
        Ok(self.model.model.start_programs(inputs, outputs, codes))
    }

    async fn next_log_probs(&self, state: &mut DecoderCache, tokens: &[Token]) -> Result<Vec<f32>, ModelError> {
        check_length(state, &self.model.config.program)?;
        read_back(self.model.model.step(state, &ids(tokens))).await
    }

    fn reorder(&self, state: &mut DecoderCache, parents: &[usize]) -> Result<(), ModelError> {
        state.reorder(parents);
        Ok(())
    }
}

impl LatentModels for NeuralLatentModel {
    type Predictor = NeuralModel;
    type Programs<'a> = ProgramsGivenCodes<'a>;

    fn predictor(&self) -> &NeuralModel {
        &self.predictor
    }

    fn programs(&self, codes: &[Token]) -> ProgramsGivenCodes<'_> {
        ProgramsGivenCodes { model: self, codes: codes.to_vec() }
    }
}

/// The trained networks of one search method, and the searches they drive
/// ([`Models::search`], [`anytime_search`](crate::search::anytime_search)).
pub type MethodModels = Models<NeuralModel, NeuralLatentModel>;

impl MethodModels {
    /// The longest inputs and outputs (in tokens) the models read: every model reads the
    /// inputs, but only the first model of the search reads the whole outputs (ExeDec's
    /// SynthesizerModel reads subgoals); a portfolio's, what all its members read.
    pub fn limits(&self) -> Limits {
        match self {
            Models::Exedec { subgoal, synthesizer } => exedec_limits(subgoal, synthesizer),
            Models::NoSubgoal(model) | Models::Transformer(model) => Limits::uniform(model.config.max_io_len),
            Models::LatentProgrammer(lp) => Limits::uniform(lp.config.program.max_io_len),
            Models::Portfolio { subgoal, synthesizer, no_subgoal } => {
                exedec_limits(subgoal, synthesizer).tightest(Limits::uniform(no_subgoal.config.max_io_len))
            }
        }
    }
}

/// What ExeDec's pair reads: the inputs both networks read, the outputs its SubgoalModel reads.
fn exedec_limits(subgoal: &NeuralModel, synthesizer: &NeuralModel) -> Limits {
    Limits {
        max_input_tokens: subgoal.config.max_io_len.min(synthesizer.config.max_io_len),
        max_output_tokens: subgoal.config.max_io_len,
    }
}
