//! `exedec`: the command-line face of the project.
//!
//! Each subcommand lives in its own module; this file only declares the interface and
//! dispatches.

mod exec;
mod generate;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use exedec_core::{Dsl, Part, Split};

#[derive(Parser)]
#[command(name = "exedec", version, about = "ExeDec program synthesis: data, training, evaluation and synthesis")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run programs on inputs: JSON Lines `{"program": ..., "inputs": [...]}` in, one
    /// `{"outputs": [...]}` or `{"error": {"kind": ..., "message": ...}}` line out per line.
    Exec {
        /// The DSL of the programs.
        #[arg(long)]
        dsl: Dsl,
        /// Read from this file instead of standard input.
        #[arg(long)]
        input: Option<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Generate a dataset of random tasks with their execution decompositions, in shards
    /// (binary for training, JSON Lines for inspection). Deterministic for a seed whatever
    /// the thread count; rerunning an interrupted command resumes it.
    Generate {
        #[arg(long)]
        dsl: Dsl,
        /// NONE, LENGTH_GENERALIZATION, COMPOSE_DIFFERENT_CONCEPTS, SWITCH_CONCEPT_ORDER,
        /// COMPOSE_NEW_OP or ADD_OP_FUNCTIONALITY.
        #[arg(long)]
        split: Split,
        /// train and valid follow the split's train distribution, test its test distribution.
        #[arg(long)]
        part: Part,
        /// Number of tasks.
        #[arg(long)]
        count: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Tasks per shard (default: 10000; 100 for DeepCoder valid/test).
        #[arg(long)]
        shard_size: Option<usize>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        #[arg(long, value_enum, default_value_t = generate::Format::Both)]
        format: generate::Format,
        /// No progress bar or summary.
        #[arg(long)]
        quiet: bool,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Exec { dsl, input, output } => exec::run(dsl, input.as_deref(), output.as_deref()),
        Command::Generate { dsl, split, part, count, seed, out, shard_size, threads, format, quiet } => {
            generate::run(generate::Args { dsl, split, part, count, seed, out, shard_size, threads, format, quiet })
        }
    }
}
