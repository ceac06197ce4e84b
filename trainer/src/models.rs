//! Trained models for the search, from weight files: where a models folder keeps each
//! network's file, and loading the networks a method needs onto a backend.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use burn::prelude::Device;
use exedec_core::data::ModelKind;
use exedec_core::eval::TrainedNetwork;
use exedec_core::model::NeuralModel;
use exedec_core::model::neural::{MethodModels, NeuralLatentModel};
use exedec_core::model::weights::{from_bytes, latent_from_bytes, read_header};
use exedec_core::{Dsl, Method};

use crate::device::{Backend, select};

/// Where the models come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelsArg {
    Oracle,
    Dir(PathBuf),
}

impl std::str::FromStr for ModelsArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(if s == "oracle" { ModelsArg::Oracle } else { ModelsArg::Dir(PathBuf::from(s)) })
    }
}

impl std::fmt::Display for ModelsArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelsArg::Oracle => f.write_str("oracle"),
            ModelsArg::Dir(d) => write!(f, "{}", d.display()),
        }
    }
}

/// The weight file of one model type in a models folder: `<model>.exw`, or
/// `<dsl>-<model>.exw`.
pub fn weight_path(dir: &Path, dsl: Dsl, kind: ModelKind) -> Result<PathBuf> {
    let candidates = [
        dir.join(format!("{kind}.exw")),
        dir.join(format!("{dsl}-{kind}.exw")),
        dir.join(dsl.name()).join(format!("{kind}.exw")),
    ];
    candidates.iter().find(|p| p.exists()).cloned().with_context(|| {
        format!("no {kind} weights for {dsl} in {} (expected {})", dir.display(), candidates[0].display())
    })
}

/// A models folder's `manifest.json`: the methods its weight files serve, in the order a
/// person is offered them, and the one used when none is asked for (the page, the widget and
/// `exedec synthesize`), chosen by measurement (RESULTS.md, the anytime search).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub default_method: Method,
    pub methods: Vec<Method>,
}

impl Manifest {
    pub const FILE: &str = "manifest.json";

    /// The manifest of a DSL's models folder, looked up as [`weight_path`] looks up weight
    /// files (`DIR/manifest.json`, else `DIR/<dsl>/manifest.json`); `None` where there is none.
    pub fn read(dir: &Path, dsl: Dsl) -> Result<Option<Manifest>> {
        let candidates = [dir.join(Self::FILE), dir.join(dsl.name()).join(Self::FILE)];
        let Some(path) = candidates.into_iter().find(|p| p.exists()) else { return Ok(None) };
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let manifest: Manifest = serde_json::from_str(&text).with_context(|| {
            format!(
                "{}: expected {{\"default_method\": METHOD, \"methods\": [METHOD, ...]}} with methods exedec, \
                 no-subgoal, transformer, latent-programmer or portfolio",
                path.display()
            )
        })?;
        if !manifest.methods.contains(&manifest.default_method) {
            bail!("{}: default_method {} is not among its methods", path.display(), manifest.default_method);
        }
        Ok(Some(manifest))
    }
}

/// Loads one trained model for the search.
pub fn load_model(dir: &Path, dsl: Dsl, kind: ModelKind, backend: Backend) -> Result<NeuralModel> {
    let (path, bytes, device) = read_weights(dir, dsl, kind, backend)?;
    let loaded =
        from_bytes(&bytes, Some((kind, dsl)), &device).with_context(|| format!("loading {}", path.display()))?;
    Ok(NeuralModel::new(loaded.model, loaded.header.config, device))
}

/// The weight file of one model type (its path and bytes) and the device to load it on.
fn read_weights(dir: &Path, dsl: Dsl, kind: ModelKind, backend: Backend) -> Result<(PathBuf, Vec<u8>, Device)> {
    let path = weight_path(dir, dsl, kind)?;
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let (device, _) = select(backend)?;
    Ok((path, bytes, device))
}

/// Loads a trained Latent Programmer for the search.
pub fn load_latent(dir: &Path, dsl: Dsl, backend: Backend) -> Result<NeuralLatentModel> {
    let (path, bytes, device) = read_weights(dir, dsl, ModelKind::LatentProgrammer, backend)?;
    let loaded =
        latent_from_bytes(&bytes, Some(dsl), &device).with_context(|| format!("loading {}", path.display()))?;
    Ok(NeuralLatentModel::new(loaded.model, loaded.config, device))
}

/// The trained models a method needs.
pub fn load_method(dir: &Path, dsl: Dsl, method: Method, backend: Backend) -> Result<MethodModels> {
    MethodModels::assemble(method, |kind| load_model(dir, dsl, kind, backend), || load_latent(dir, dsl, backend))
}

/// The training record of one network, from its weight file's header.
pub fn trained_network(dir: &Path, dsl: Dsl, model: ModelKind) -> Result<TrainedNetwork> {
    let path = weight_path(dir, dsl, model)?;
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let (header, _) = read_header(&bytes).with_context(|| format!("reading {}", path.display()))?;
    Ok(TrainedNetwork { model, training: header.training })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_manifests_offer_methods_whose_weights_are_there() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/models");
        for dsl in [Dsl::RobustFill, Dsl::DeepCoder] {
            // Found from the folder of both DSLs too, as the weight files are.
            assert_eq!(Manifest::read(&root, dsl).unwrap(), Manifest::read(&root.join(dsl.name()), dsl).unwrap());
            let dir = root.join(dsl.name());
            let manifest = Manifest::read(&dir, dsl).unwrap().unwrap_or_else(|| panic!("{dsl}: no manifest"));
            for method in &manifest.methods {
                for &kind in method.networks() {
                    let path = weight_path(&dir, dsl, kind).unwrap();
                    let bytes = std::fs::read(&path).unwrap();
                    let (header, _) = read_header(&bytes).unwrap();
                    assert_eq!((header.model, header.dsl), (kind, dsl), "{}", path.display());
                }
            }
        }
    }
}
