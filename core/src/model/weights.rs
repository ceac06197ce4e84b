//! The exported weight file: one self-describing file per model, for the browser and for
//! `exedec synthesize`.
//!
//! ```text
//! "EXDW"  u32 format_version (=1)  u32 header_len  header (JSON)  payload  u32 crc32  "EXDE"
//! ```
//!
//! The JSON header names the model type, the DSL, the preset, the full [`ModelConfig`], the
//! precision (`f32` or `f16`) and every tensor (path and shape) in payload order; the payload
//! holds the tensors' values little-endian; the checksum covers header and payload. Loading
//! checks every part and reports a truncated, corrupted or mismatched file with a typed
//! error instead of building a wrong model.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::{LatentConfig, LatentProgrammer, ModelConfig, Preset, SpecTransformer};
use crate::data::ModelKind;
pub use crate::data::TrainingInfo;
use crate::domain::Dsl;

const MAGIC: &[u8; 4] = b"EXDW";
const END: &[u8; 4] = b"EXDE";
pub const FORMAT_VERSION: u32 = 1;

/// Storage precision of the weights (computation is always f32).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    F32,
    F16,
}

impl Precision {
    fn bytes(self) -> usize {
        match self {
            Precision::F32 => 4,
            Precision::F16 => 2,
        }
    }
}

/// A tensor's place in the payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TensorEntry {
    pub path: String,
    pub shape: Vec<usize>,
}

/// The header of a weight file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightHeader {
    pub format_version: u32,
    pub model: ModelKind,
    pub dsl: Dsl,
    pub preset: Option<Preset>,
    pub config: ModelConfig,
    pub precision: Precision,
    pub tensors: Vec<TensorEntry>,
    #[serde(default)]
    pub training: TrainingInfo,
    /// The Latent Programmer's full configuration (`config` is then its program model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latent: Option<LatentConfig>,
}

#[derive(Debug, thiserror::Error)]
pub enum WeightError {
    #[error("weight file I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("not an ExeDec weight file (bad magic)")]
    BadMagic,
    #[error("weight file format version {0} is not supported (expected {FORMAT_VERSION})")]
    Version(u32),
    #[error("weight file is truncated")]
    Truncated,
    #[error("weight file checksum mismatch: the file is corrupted")]
    Checksum,
    #[error("weight file header is malformed: {0}")]
    Header(String),
    #[error("weight file holds a {found} model but a {expected} model was expected")]
    Mismatch { expected: String, found: String },
    #[error("weight file does not fit its model: {0}")]
    Tensors(String),
}

/// Collects every float parameter with its path.
#[derive(Default)]
struct Collect {
    path: Vec<String>,
    tensors: Vec<(TensorEntry, Vec<f32>)>,
}

impl ModuleVisitor for Collect {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let t = param.val();
        let shape = t.dims().to_vec();
        let values = t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap_or_default();
        self.tensors.push((TensorEntry { path: self.path.join("."), shape }, values));
    }
}

/// Serializes a model into weight-file bytes.
pub fn to_bytes(
    model: &SpecTransformer,
    kind: ModelKind,
    dsl: Dsl,
    preset: Option<Preset>,
    config: &ModelConfig,
    precision: Precision,
    training: TrainingInfo,
) -> Vec<u8> {
    module_bytes(model, kind, dsl, preset, config, None, precision, training)
}

/// Serializes a Latent Programmer into weight-file bytes.
pub fn latent_to_bytes(
    model: &LatentProgrammer,
    dsl: Dsl,
    preset: Option<Preset>,
    config: &LatentConfig,
    precision: Precision,
    training: TrainingInfo,
) -> Vec<u8> {
    let kind = ModelKind::LatentProgrammer;
    module_bytes(model, kind, dsl, preset, &config.program, Some(config.clone()), precision, training)
}

#[allow(clippy::too_many_arguments)]
fn module_bytes<M: Module>(
    model: &M,
    kind: ModelKind,
    dsl: Dsl,
    preset: Option<Preset>,
    config: &ModelConfig,
    latent: Option<LatentConfig>,
    precision: Precision,
    training: TrainingInfo,
) -> Vec<u8> {
    let mut c = Collect::default();
    model.visit(&mut c);
    let header = WeightHeader {
        format_version: FORMAT_VERSION,
        model: kind,
        dsl,
        preset,
        config: config.clone(),
        precision,
        tensors: c.tensors.iter().map(|(e, _)| e.clone()).collect(),
        training,
        latent,
    };
    let header_json = serde_json::to_vec(&header).unwrap_or_default();
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(header_json.len() as u32).to_le_bytes());
    out.extend_from_slice(&header_json);
    for (_, values) in &c.tensors {
        match precision {
            Precision::F32 => values.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
            // Saturating: a value beyond f16's range (a codebook's unused codes) stays finite.
            Precision::F16 => values.iter().for_each(|v| {
                let v = v.clamp(-f32::from(half::f16::MAX), f32::from(half::f16::MAX));
                out.extend_from_slice(&half::f16::from_f32(v).to_le_bytes())
            }),
        }
    }
    let crc = crc32fast::hash(&out[12..]);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(END);
    out
}

/// Reads and checks the header of weight-file bytes; returns it with the payload.
pub fn read_header(bytes: &[u8]) -> Result<(WeightHeader, &[u8]), WeightError> {
    if bytes.len() < 4 {
        return Err(WeightError::Truncated);
    }
    if &bytes[..4] != MAGIC {
        return Err(WeightError::BadMagic);
    }
    if bytes.len() < 12 + 8 {
        return Err(WeightError::Truncated);
    }
    let version = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    if version != FORMAT_VERSION {
        return Err(WeightError::Version(version));
    }
    if &bytes[bytes.len() - 4..] != END {
        return Err(WeightError::Truncated);
    }
    let header_len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
    let body_end = bytes.len() - 8;
    if 12 + header_len > body_end {
        return Err(WeightError::Truncated);
    }
    let crc = u32::from_le_bytes([bytes[body_end], bytes[body_end + 1], bytes[body_end + 2], bytes[body_end + 3]]);
    if crc32fast::hash(&bytes[12..body_end]) != crc {
        return Err(WeightError::Checksum);
    }
    let header: WeightHeader =
        serde_json::from_slice(&bytes[12..12 + header_len]).map_err(|e| WeightError::Header(e.to_string()))?;
    header.config.validate().map_err(WeightError::Header)?;
    match (&header.latent, header.model) {
        (Some(l), ModelKind::LatentProgrammer) => l.validate().map_err(WeightError::Header)?,
        (None, ModelKind::LatentProgrammer) => {
            return Err(WeightError::Header("a Latent Programmer file without its latent configuration".into()));
        }
        (Some(_), _) => return Err(WeightError::Header("a latent configuration in a file of another model".into())),
        (None, _) => {}
    }
    let payload = &bytes[12 + header_len..body_end];
    let expected: usize =
        header.tensors.iter().map(|t| t.shape.iter().product::<usize>()).sum::<usize>() * header.precision.bytes();
    if payload.len() != expected {
        return Err(WeightError::Tensors(format!(
            "payload has {} bytes, the header describes {expected}",
            payload.len()
        )));
    }
    Ok((header, payload))
}

/// Replaces every float parameter with the file's values, checking paths and shapes.
struct Load<'a> {
    path: Vec<String>,
    entries: std::collections::HashMap<String, (Vec<usize>, &'a [u8])>,
    precision: Precision,
    device: Device,
    errors: Vec<String>,
    used: usize,
}

impl ModuleMapper for Load<'_> {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let path = self.path.join(".");
        let expected = param.lazy_shape().dims::<D>().to_vec();
        let Some((shape, raw)) = self.entries.get(&path) else {
            self.errors.push(format!("missing tensor {path}"));
            return param;
        };
        if *shape != expected {
            self.errors.push(format!("tensor {path} has shape {shape:?}, the model needs {expected:?}"));
            return param;
        }
        self.used += 1;
        let values: Vec<f32> = match self.precision {
            Precision::F32 => raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
            Precision::F16 => raw.chunks_exact(2).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()).collect(),
        };
        // As burn's own record loading: the module's device and gradient tracking are kept, so
        // a loaded model trains (`exedec train --from-weights`) as well as it searches.
        let id = param.id;
        param.transform_for_load(Tensor::from_data(TensorData::new(values, expected), &self.device), id)
    }
}

/// A model loaded from a weight file.
pub struct LoadedModel {
    pub header: WeightHeader,
    pub model: SpecTransformer,
}

/// Loads weight-file bytes, optionally requiring a model type and DSL.
pub fn from_bytes(bytes: &[u8], expect: Option<(ModelKind, Dsl)>, device: &Device) -> Result<LoadedModel, WeightError> {
    let (header, payload) = read_header(bytes)?;
    check_expected(&header, expect)?;
    if header.model == ModelKind::LatentProgrammer {
        return Err(WeightError::Mismatch {
            expected: "a single-network model".into(),
            found: header.model.to_string(),
        });
    }
    let model = load_module(&header, payload, header.config.init(device), device)?;
    Ok(LoadedModel { header, model })
}

/// A Latent Programmer loaded from a weight file.
pub struct LoadedLatent {
    pub header: WeightHeader,
    pub config: LatentConfig,
    pub model: LatentProgrammer,
}

/// Loads a Latent Programmer's weight-file bytes, optionally requiring a DSL.
pub fn latent_from_bytes(bytes: &[u8], dsl: Option<Dsl>, device: &Device) -> Result<LoadedLatent, WeightError> {
    let (header, payload) = read_header(bytes)?;
    check_expected(&header, dsl.map(|d| (ModelKind::LatentProgrammer, d)))?;
    let Some(config) = header.latent.clone().filter(|_| header.model == ModelKind::LatentProgrammer) else {
        return Err(WeightError::Mismatch { expected: "latent-programmer".into(), found: header.model.to_string() });
    };
    let model = load_module(&header, payload, config.init(device), device)?;
    Ok(LoadedLatent { header, config, model })
}

fn check_expected(header: &WeightHeader, expect: Option<(ModelKind, Dsl)>) -> Result<(), WeightError> {
    match expect {
        Some((kind, dsl)) if (kind, dsl) != (header.model, header.dsl) => Err(WeightError::Mismatch {
            expected: format!("{dsl} {kind}"),
            found: format!("{} {}", header.dsl, header.model),
        }),
        _ => Ok(()),
    }
}

/// Replaces the parameters of a freshly built model with the payload's.
fn load_module<M: Module>(header: &WeightHeader, payload: &[u8], init: M, device: &Device) -> Result<M, WeightError> {
    let mut entries = std::collections::HashMap::new();
    let mut offset = 0;
    for t in &header.tensors {
        let n = t.shape.iter().product::<usize>() * header.precision.bytes();
        entries.insert(t.path.clone(), (t.shape.clone(), &payload[offset..offset + n]));
        offset += n;
    }
    let mut load = Load {
        path: Vec::new(),
        entries,
        precision: header.precision,
        device: device.clone(),
        errors: Vec::new(),
        used: 0,
    };
    let model = init.map(&mut load);
    if !load.errors.is_empty() {
        return Err(WeightError::Tensors(load.errors.join("; ")));
    }
    if load.used != header.tensors.len() {
        return Err(WeightError::Tensors(format!(
            "the file has {} tensors, the model uses {}",
            header.tensors.len(),
            load.used
        )));
    }
    Ok(model)
}
