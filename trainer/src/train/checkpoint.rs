//! Checkpoints: what a run saves every `checkpoint_every` steps (model, optimizer state, data
//! cursor, [`CheckpointState`]), written atomically and read back on `--resume`; and the
//! restart of a run from an exported weight file when its checkpoint is gone.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::prelude::Device;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use exedec_core::model::weights::WeightHeader;
use exedec_core::model::{LatentProgrammer, ModelConfig, SpecTransformer};
use serde::{Deserialize, Serialize};

use super::args::TrainArgs;
use super::learner::{Learner, adamw, latent_config};
use crate::stream::{Cursor, StreamSpec, cursor_after};

/// What a checkpoint records besides the weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointState {
    pub step: u64,
    pub cursor: Cursor,
    pub tokens: u64,
    pub wall_seconds: f64,
    pub config: ModelConfig,
    pub args: TrainArgs,
    pub last_loss: Option<f64>,
    pub validation_accuracy: Option<f64>,
    /// Where the run restarted from an exported weight file (its checkpoint was gone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restarts: Vec<Restart>,
}

/// A restart of a run from an exported weight file: the parameters and the step count came
/// from the file; the optimizer state was fresh, and the data went on from where an
/// uninterrupted run on the same data would have been after the file's examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Restart {
    pub step: u64,
    pub weights: String,
    /// Where the data stream went on (the start for restarts recorded before it was).
    #[serde(default)]
    pub data_from: Cursor,
}

pub fn checkpoint_dir(out: &Path) -> PathBuf {
    out.join("checkpoint")
}

/// Refuses a weight file whose network differs from the run's (another preset, dropout or
/// length), naming each setting that differs.
pub(super) fn check_weights_config(header: &WeightHeader, config: &ModelConfig, args: &TrainArgs) -> Result<()> {
    if header.config != *config {
        bail!(
            "the weight file's network ({} preset) differs from this run's ({} preset{}): {}; start from it with the options it was trained with",
            header.preset.map_or_else(|| "custom".to_string(), |p| p.to_string()),
            args.preset,
            args.dropout.map(|d| format!(", dropout {d}")).unwrap_or_default(),
            config_differences(&header.config, config).join(", ")
        );
    }
    Ok(())
}

/// `setting FILE in the weight file, RUN in this run` for each setting in which two network
/// configurations differ.
fn config_differences(file: &ModelConfig, run: &ModelConfig) -> Vec<String> {
    let fields = |c: &ModelConfig| match serde_json::to_value(c) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let (file, run) = (fields(file), fields(run));
    run.iter()
        .filter(|(key, value)| file.get(*key) != Some(value))
        .map(|(key, value)| {
            let theirs = file.get(key).map_or_else(|| "nothing".to_string(), |v| v.to_string());
            format!("{key} {theirs} in the weight file, {value} in this run")
        })
        .collect()
}

/// Writes a checkpoint atomically: a complete folder is renamed over the previous one.
pub(super) fn save_checkpoint<L: Learner>(out: &Path, learner: &L, state: &CheckpointState) -> Result<()> {
    let dir = checkpoint_dir(out);
    let tmp = out.join("checkpoint.tmp");
    let old = out.join("checkpoint.old");
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp)?;
    learner.save(&tmp)?;
    write_synced(&tmp.join("state.json"), &serde_json::to_vec_pretty(state)?)?;
    if dir.exists() {
        let _ = fs::remove_dir_all(&old);
        fs::rename(&dir, &old)?;
    }
    fs::rename(&tmp, &dir)?;
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// Reads a checkpoint's state (also used by `export`). A checkpoint interrupted while being
/// replaced is recovered from the previous complete one.
pub fn read_checkpoint_state(out: &Path) -> Result<Option<CheckpointState>> {
    let dir = checkpoint_dir(out);
    let old = out.join("checkpoint.old");
    if !dir.exists() && old.exists() {
        fs::rename(&old, &dir)?;
    }
    let path = dir.join("state.json");
    if !path.exists() {
        return Ok(None);
    }
    let state = serde_json::from_slice(&fs::read(&path)?).with_context(|| format!("reading {}", path.display()))?;
    Ok(Some(state))
}

/// Loads a checkpoint's model onto a device.
pub fn load_checkpoint_model(out: &Path, config: &ModelConfig, device: &Device) -> Result<SpecTransformer> {
    load_module(&checkpoint_dir(out), config.init(device))
}

/// Loads a checkpoint's Latent Programmer onto a device.
pub fn load_checkpoint_latent(out: &Path, config: &ModelConfig, device: &Device) -> Result<LatentProgrammer> {
    load_module(&checkpoint_dir(out), latent_config(config).init(device))
}

pub(super) fn load_module<M: Module>(dir: &Path, init: M) -> Result<M> {
    let bytes = fs::read(dir.join("model.bpk")).context("reading the checkpoint's model")?;
    let record =
        ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| anyhow::anyhow!("checkpoint model: {e}"))?;
    init.try_load_record(record).map_err(|e| anyhow::anyhow!("checkpoint model does not fit: {e}"))
}

pub(super) fn load_optimizer(dir: &Path, file: &str, weight_decay: f64) -> Result<ModuleOptimizer> {
    let bytes = fs::read(dir.join(file)).with_context(|| format!("reading the optimizer state {file}"))?;
    adamw(weight_decay).from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| anyhow::anyhow!("optimizer state: {e}"))
}

pub(super) fn save_module<M: Module>(dir: &Path, model: &M, optimizers: &[(&str, &ModuleOptimizer)]) -> Result<()> {
    let model_bytes = model.clone().into_record().into_bytes().map_err(|e| anyhow::anyhow!("{e}"))?;
    write_synced(&dir.join("model.bpk"), &model_bytes)?;
    for (file, optim) in optimizers {
        let bytes = optim.into_bytes().map_err(|e| anyhow::anyhow!("optimizer state: {e}"))?;
        write_synced(&dir.join(file), &bytes)?;
    }
    Ok(())
}

/// A run's model, state and restart record from an exported weight file: the parameters, the
/// step count, tokens and training time from the file; a fresh optimizer; the data cursor after
/// as many batches of this run as the file's training saw examples (its steps where the file
/// does not record them).
pub(super) fn restart_from_weights<L: Learner>(
    path: &Path,
    fresh: CheckpointState,
    args: &TrainArgs,
    data: &StreamSpec,
    device: &Device,
) -> Result<(L, CheckpointState, Restart)> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let (learner, header) = L::from_weights(&bytes, &fresh.config, args, device)
        .with_context(|| format!("starting from {}", path.display()))?;
    let info = header.training;
    let batches = info.examples.map_or(info.steps, |e| e / args.batch_size.max(1) as u64);
    let data_from = cursor_after(data, batches).context("finding where the data continue")?;
    let restart = Restart { step: info.steps, weights: path.display().to_string(), data_from };
    let state = CheckpointState {
        step: info.steps,
        cursor: data_from,
        tokens: info.tokens,
        wall_seconds: info.wall_seconds.unwrap_or(0.0),
        validation_accuracy: info.validation_accuracy,
        restarts: vec![restart.clone()],
        ..fresh
    };
    Ok((learner, state, restart))
}
