//! `rtlsmith suite list`: a benchmark suite's problems with their interfaces.

use std::path::PathBuf;

use clap::Subcommand;

use super::{AppError, ExitCode};

#[derive(Subcommand, Debug)]
pub enum SuiteCommand {
    /// List a suite's problems with their ids and interface summary
    List {
        /// verilog-eval-v2, verilog-eval-v1 or rtllm
        suite: String,
        /// The suite's folder (or JSONL file for verilog-eval-v1)
        path: PathBuf,
    },
}

pub fn suite_kind(s: &str) -> Result<rtlsmith::suite::SuiteKind, AppError> {
    s.parse()
        .map_err(|e: String| AppError::usage(e, "rtlsmith eval --help lists the suites"))
}

pub fn run(c: SuiteCommand) -> Result<ExitCode, AppError> {
    match c {
        SuiteCommand::List { suite, path } => {
            let s = rtlsmith::suite::load(suite_kind(&suite)?, &path)?;
            println!(
                "# {} {} — {} problems in {}",
                s.kind,
                s.variant,
                s.problems.len(),
                s.root.display()
            );
            for p in &s.problems {
                println!("{}\t{}\t{}", p.id, p.dut_module, p.interface_summary());
            }
            Ok(ExitCode::Success)
        }
    }
}
