//! The native face of ExeDec: dataset generation, training, evaluation, export and
//! synthesis, each a module the `exedec` binary dispatches to.

pub mod bench;
pub mod curve;
pub mod device;
pub mod eval;
pub mod exec;
pub mod export;
pub mod generate;
pub mod llm;
pub mod models;
pub mod plot;
pub mod presets;
pub mod released;
pub mod stream;
pub mod sweep;
pub mod synthesize;
pub mod train;
