//! The run's log: one [`Metric`] per line of `metrics.jsonl`, the statistics of the steps
//! since the last line, and reading the log back (for the curve, `export` and tests).

use std::fs;
use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::learner::StepStats;

/// One line of `metrics.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Metric {
    pub step: u64,
    pub loss: Option<f64>,
    pub lr: f64,
    pub tokens_per_second: Option<f64>,
    pub token_accuracy: Option<f64>,
    pub validation_accuracy: Option<f64>,
    pub validation_loss: Option<f64>,
    pub elapsed: f64,
    /// Latent Programmer: the predictor's accuracy on the autoencoder's codes (and EOS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latent_accuracy: Option<f64>,
    /// Latent Programmer: the decoder's token accuracy given the autoencoder's codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoencoder_accuracy: Option<f64>,
    /// Something that happened to the run at this step (a restart from a weight file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
}

/// A metrics log, truncated to a checkpoint's step on resume so that no step is logged twice.
pub(super) fn open_metrics(out: &Path, keep_upto: Option<u64>) -> Result<fs::File> {
    let path = out.join("metrics.jsonl");
    let kept: Vec<String> = match (keep_upto, fs::read_to_string(&path)) {
        (Some(step), Ok(text)) => text
            .lines()
            .filter(|l| serde_json::from_str::<Metric>(l).is_ok_and(|m| m.step <= step))
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    let mut body = kept.join("\n");
    if !body.is_empty() {
        body.push('\n');
    }
    fs::write(&path, body)?;
    Ok(fs::OpenOptions::new().append(true).open(&path)?)
}

pub fn read_metrics(out: &Path) -> Vec<Metric> {
    fs::read_to_string(out.join("metrics.jsonl"))
        .map(|t| t.lines().filter_map(|l| serde_json::from_str(l).ok()).collect())
        .unwrap_or_default()
}

/// Training statistics since the last log line.
pub(super) struct Window {
    since: Instant,
    tokens: u64,
    loss_sum: f64,
    batches: u64,
    correct: i64,
    latent: Option<(i64, u64)>,
    autoencoder: Option<i64>,
}

impl Window {
    pub(super) fn new() -> Self {
        Window {
            since: Instant::now(),
            tokens: 0,
            loss_sum: 0.0,
            batches: 0,
            correct: 0,
            latent: None,
            autoencoder: None,
        }
    }

    pub(super) fn add(&mut self, s: &StepStats) {
        self.tokens += s.tokens;
        self.loss_sum += s.loss;
        self.batches += 1;
        self.correct += s.correct;
        if let Some((c, n)) = s.latent {
            let (c0, n0) = self.latent.unwrap_or((0, 0));
            self.latent = Some((c0 + c, n0 + n));
        }
        if let Some(c) = s.autoencoder {
            self.autoencoder = Some(self.autoencoder.unwrap_or(0) + c);
        }
    }

    pub(super) fn metric(
        &self,
        step: u64,
        lr: f64,
        val_acc: Option<f64>,
        val_loss: Option<f64>,
        elapsed: f64,
    ) -> Metric {
        let secs = self.since.elapsed().as_secs_f64().max(1e-9);
        let tokens = self.tokens.max(1) as f64;
        Metric {
            step,
            loss: Some(self.loss_sum / self.batches.max(1) as f64),
            lr,
            tokens_per_second: Some(self.tokens as f64 / secs),
            token_accuracy: Some(self.correct as f64 / tokens),
            validation_accuracy: val_acc,
            validation_loss: val_loss,
            elapsed,
            latent_accuracy: self.latent.map(|(c, n)| c as f64 / n.max(1) as f64),
            autoencoder_accuracy: self.autoencoder.map(|c| c as f64 / tokens),
            event: None,
        }
    }
}
