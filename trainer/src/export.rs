//! `exedec export`: a training checkpoint to a weight file for the browser and `synthesize`.

use std::path::Path;

use anyhow::{Context, Result};
use exedec_core::data::ModelKind;
use exedec_core::model::weights::{Precision, TrainingInfo, latent_to_bytes, to_bytes};

use crate::device::{Backend, select};
use crate::train::{latent_config, load_checkpoint_latent, load_checkpoint_model, read_checkpoint_state};

/// Exports the checkpoint of a training folder.
pub fn run(run_dir: &Path, out: &Path, precision: Precision, hardware: Option<String>) -> Result<()> {
    let state = read_checkpoint_state(run_dir)?
        .with_context(|| format!("no checkpoint in {} (train first with `exedec train`)", run_dir.display()))?;
    let (device, _) = select(Backend::Cpu)?;
    let info = TrainingInfo {
        steps: state.step,
        tokens: state.tokens,
        split: Some(state.args.split.name().to_string()),
        validation_accuracy: state.validation_accuracy,
        hardware,
        wall_seconds: Some(state.wall_seconds),
        examples: Some(state.step * state.args.batch_size as u64),
    };
    let (dsl, preset) = (state.args.dsl, Some(state.args.preset));
    let bytes = if state.args.model == ModelKind::LatentProgrammer {
        let model = load_checkpoint_latent(run_dir, &state.config, &device)?;
        latent_to_bytes(&model, dsl, preset, &latent_config(&state.config), precision, info)
    } else {
        let model = load_checkpoint_model(run_dir, &state.config, &device)?;
        to_bytes(&model, state.args.model, dsl, preset, &state.config, precision, info)
    };
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    exedec_core::data::shard::write_atomic(out, &bytes)?;
    eprintln!(
        "exported {} {} {} (step {}, {} parameters, {precision:?}) to {} ({} bytes)",
        state.args.dsl,
        state.args.split,
        state.args.model,
        state.step,
        model_params(&bytes),
        out.display(),
        bytes.len()
    );
    Ok(())
}

fn model_params(bytes: &[u8]) -> usize {
    exedec_core::model::weights::read_header(bytes)
        .map(|(h, _)| h.tensors.iter().map(|t| t.shape.iter().product::<usize>()).sum())
        .unwrap_or(0)
}
