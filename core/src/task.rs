//! The JSON Lines task format of the released benchmark data.
//!
//! Each line: `{"index": 0, "inputs": [...], "outputs": [...], "program": "..."}`, with inputs,
//! outputs and program in the DSL's official text forms (RobustFill inputs and outputs are
//! strings; DeepCoder inputs are program states like `x0 = [ 1 2 ] | x1 = 3` and outputs are
//! values like `[ 5 6 ]`).

use std::io::BufRead;

use serde::{Deserialize, Serialize};

use crate::domain::{Domain, Task};
use crate::error::{DslError, Result};

/// One task line as stored, before parsing its texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRecord {
    #[serde(default)]
    pub index: usize,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
}

impl TaskRecord {
    /// Parses the texts of the record with a domain.
    pub fn parse<D: Domain>(&self, domain: &D) -> Result<Task<D>> {
        if self.inputs.len() != self.outputs.len() {
            return Err(DslError::parse(format!(
                "task {} has {} inputs but {} outputs",
                self.index,
                self.inputs.len(),
                self.outputs.len()
            )));
        }
        let inputs = self.inputs.iter().map(|s| domain.parse_input(s)).collect::<Result<Vec<_>>>()?;
        let outputs = self.outputs.iter().map(|s| domain.parse_output(s)).collect::<Result<Vec<_>>>()?;
        let program = self.program.as_deref().map(|p| domain.parse_program(p)).transpose()?;
        Ok(Task { inputs, outputs, program })
    }

    /// The record of a task.
    pub fn from_task<D: Domain>(domain: &D, index: usize, task: &Task<D>) -> Result<TaskRecord> {
        Ok(TaskRecord {
            index,
            inputs: task.inputs.iter().map(|i| domain.format_input(i)).collect(),
            outputs: task.outputs.iter().map(|o| domain.format_output(o)).collect(),
            program: task.program.as_ref().map(|p| domain.format_program(p)).transpose()?,
        })
    }
}

/// An error reading a task file: I/O, JSON, or a record whose texts do not parse.
#[derive(Debug, thiserror::Error)]
pub enum TaskFileError {
    #[error("reading tasks: {0}")]
    Io(#[from] std::io::Error),
    #[error("line {line}: {source}")]
    Json { line: usize, source: serde_json::Error },
    #[error("line {line}: {source}")]
    Dsl { line: usize, source: DslError },
}

/// Reads task records from JSON Lines (blank lines are skipped).
pub fn read_records(reader: impl BufRead) -> std::result::Result<Vec<TaskRecord>, TaskFileError> {
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(serde_json::from_str(&line).map_err(|source| TaskFileError::Json { line: i + 1, source })?);
    }
    Ok(out)
}

/// Reads and parses tasks from JSON Lines.
pub fn read_tasks<D: Domain>(domain: &D, reader: impl BufRead) -> std::result::Result<Vec<Task<D>>, TaskFileError> {
    read_records(reader)?
        .iter()
        .enumerate()
        .map(|(i, r)| r.parse(domain).map_err(|source| TaskFileError::Dsl { line: i + 1, source }))
        .collect()
}
