//! `exedec`: the command-line face of the project.
//!
//! Each subcommand lives in its own module; this file only declares the interface and
//! dispatches.

mod exec;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use exedec_core::Dsl;

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
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Exec { dsl, input, output } => exec::run(dsl, input.as_deref(), output.as_deref()),
    }
}
