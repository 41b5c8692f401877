//! The command line: one file per subcommand (its arguments, its `run`, its printing). This file
//! holds what they share: the top-level parser, the exit codes, the error type, and the
//! arguments that name sources and simulators. Library work happens in the library; this layer
//! only turns flags into its options and its results into text and an exit code.

pub mod cosim;
pub mod doctor;
pub mod eval;
pub mod generate;
pub mod ingest;
pub mod lint;
pub mod model_args;
pub mod mutate;
pub mod regress;
pub mod repair;
pub mod report;
pub mod sim;
pub mod suite;
pub mod trace;
pub mod wave;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use regex::Regex;

use rtlsmith::regress as regress_lib;
use rtlsmith::sim::{SimError, SimKind};

/// Exit codes of the `rtlsmith` binary (documented in `--help` and the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything checked passed.
    Success = 0,
    /// Something checked failed (a test, a lint error, a simulator verdict).
    Failed = 1,
    /// Usage or configuration error: bad arguments, missing input, malformed manifest.
    Usage = 2,
    /// A required tool or credential is missing.
    ToolMissing = 3,
}

impl ExitCode {
    /// `Success` when `ok`, else `Failed`.
    pub fn from_pass(ok: bool) -> ExitCode {
        if ok {
            ExitCode::Success
        } else {
            ExitCode::Failed
        }
    }
}

pub const EXIT_CODES: &str = "\
Exit codes:
  0  everything checked passed
  1  something checked failed (a testbench, a lint error, a simulator verdict)
  2  usage or configuration error (bad arguments, missing input file, malformed manifest)
  3  a required tool or credential is missing (iverilog, vvp, verilator, make, g++; an API key)
  130  interrupted (Ctrl-C); every simulator process was stopped";

#[derive(Parser, Debug)]
#[command(
    name = "rtlsmith",
    version,
    about = "Verified RTL: simulation on Icarus Verilog and Verilator, regressions, and LLM benchmarks (VerilogEval, RTLLM) judged by simulation",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check Verilog sources for errors and warnings without simulating
    #[command(after_help = EXIT_CODES)]
    Lint(lint::LintArgs),
    /// Compile and run a testbench, print the verdict and the simulator's output
    #[command(after_help = EXIT_CODES)]
    Sim(sim::SimArgs),
    /// Run every case of a regression manifest (rtlsmith.toml) in parallel
    #[command(after_help = EXIT_CODES)]
    Regress(regress::RegressArgs),
    /// Check RTL cycle by cycle against a C++ golden model (Verilator and/or Icarus)
    #[command(after_help = EXIT_CODES)]
    Cosim(Box<cosim::CosimArgs>),
    /// Plant single faults in a design; with --kill-with, the mutation score of a testbench
    #[command(after_help = EXIT_CODES)]
    Mutate(Box<mutate::MutateArgs>),
    /// Point at the statements most likely at fault in a failing simulation (no LLM)
    #[command(after_help = trace::TRACE_HELP)]
    Trace(Box<trace::TraceArgs>),
    /// Write one self-contained HTML report for eval runs (side by side), regressions, gen runs
    #[command(after_help = EXIT_CODES)]
    Report(report::ReportArgs),
    /// Draw a window of a VCD waveform as a table or an SVG picture
    #[command(after_help = EXIT_CODES)]
    Wave(wave::WaveArgs),
    /// Generate verified Verilog from a spec document: plan, C++ golden model, RTL, co-simulation
    #[command(after_help = generate::GEN_HELP)]
    Gen(Box<generate::GenArgs>),
    /// Repair a failing design: candidate fixes judged, ranked and fed back with their evidence
    #[command(after_help = repair::REPAIR_HELP)]
    Repair(Box<repair::RepairArgs>),
    /// Read a spec document (PDF, Markdown, text, HTML) into a typed, citable Spec
    #[command(after_help = EXIT_CODES)]
    Ingest(ingest::IngestArgs),
    /// Check the tools rtlsmith drives (simulators, compilers, pdftotext) and the sandbox
    #[command(after_help = EXIT_CODES)]
    Doctor,
    /// Inspect a benchmark suite (VerilogEval v1/v2, RTLLM)
    #[command(subcommand)]
    Suite(suite::SuiteCommand),
    /// Judge reference solutions or candidate samples of a suite by simulation
    #[command(after_help = eval::EVAL_HELP, args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Eval(Box<eval::EvalArgs>),
}

/// Run one command.
pub async fn dispatch(command: Command) -> Result<ExitCode, AppError> {
    match command {
        Command::Lint(a) => lint::run(a).await,
        Command::Sim(a) => sim::run(a).await,
        Command::Regress(a) => regress::run(a).await,
        Command::Suite(c) => suite::run(c),
        Command::Ingest(a) => ingest::run(a),
        Command::Doctor => doctor::run().await,
        Command::Cosim(a) => cosim::run(*a).await,
        Command::Mutate(a) => mutate::run(*a).await,
        Command::Trace(a) => trace::run(*a).await,
        Command::Wave(a) => wave::run(a),
        Command::Report(a) => report::run(a),
        Command::Eval(a) => eval::run(*a).await,
        Command::Gen(a) => generate::run(*a).await,
        Command::Repair(a) => repair::run(*a).await,
    }
}

/// A failure of the tool itself: a one-line cause, a hint, an exit code.
pub struct AppError {
    pub code: ExitCode,
    pub message: String,
    pub hint: String,
}

impl AppError {
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        AppError {
            code: ExitCode::Usage,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// Write a file the user asked for (atomically), or the usage error naming it.
pub fn write_output(path: &std::path::Path, text: impl AsRef<[u8]>) -> Result<(), AppError> {
    rtlsmith::util::write_atomic(path, text).map_err(|e| {
        AppError::usage(
            format!("cannot write {}: {e}", path.display()),
            "choose a writable path (the folder must exist)",
        )
    })
}

impl From<SimError> for AppError {
    fn from(e: SimError) -> Self {
        let code = match e {
            SimError::ToolMissing { .. } => ExitCode::ToolMissing,
            _ => ExitCode::Usage,
        };
        AppError {
            code,
            hint: e.hint().to_string(),
            message: e.to_string(),
        }
    }
}

impl From<regress_lib::ManifestError> for AppError {
    fn from(e: regress_lib::ManifestError) -> Self {
        AppError::usage(e.to_string(), e.hint())
    }
}

impl From<rtlsmith::suite::SuiteError> for AppError {
    fn from(e: rtlsmith::suite::SuiteError) -> Self {
        AppError::usage(e.to_string(), e.hint())
    }
}

impl From<rtlsmith::eval::EvalError> for AppError {
    fn from(e: rtlsmith::eval::EvalError) -> Self {
        match e {
            rtlsmith::eval::EvalError::Sim(s) => s.into(),
            other => AppError::usage(other.to_string(), other.hint()),
        }
    }
}

impl From<rtlsmith::regress::report::ReportError> for AppError {
    fn from(e: rtlsmith::regress::report::ReportError) -> Self {
        AppError::usage(e.to_string(), "choose a writable path")
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OneSim {
    Icarus,
    Verilator,
}

impl OneSim {
    pub fn kind(self) -> SimKind {
        match self {
            OneSim::Icarus => SimKind::Icarus,
            OneSim::Verilator => SimKind::Verilator,
        }
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimChoice {
    Icarus,
    Verilator,
    Both,
}

impl SimChoice {
    pub fn kinds(self) -> Vec<SimKind> {
        match self {
            SimChoice::Icarus => vec![SimKind::Icarus],
            SimChoice::Verilator => vec![SimKind::Verilator],
            SimChoice::Both => SimKind::ALL.to_vec(),
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct SourceArgs {
    /// Verilog/SystemVerilog source files
    #[arg(value_name = "FILES", required_unless_present = "filelist")]
    pub files: Vec<PathBuf>,
    /// Read sources, +incdir+ and +define+ from a simulator file list (repeatable)
    #[arg(short = 'f', long = "filelist", value_name = "FILE.f")]
    pub filelist: Vec<PathBuf>,
    /// Add an include directory (repeatable)
    #[arg(short = 'I', long = "include", value_name = "DIR")]
    pub include: Vec<PathBuf>,
    /// Define a macro: NAME or NAME=VALUE (repeatable)
    #[arg(short = 'D', long = "define", value_name = "NAME[=VAL]")]
    pub define: Vec<String>,
}

/// A `--pass`/`--fail` style regex argument.
pub fn regex_opt(r: &Option<String>, flag: &str) -> Result<Option<Regex>, AppError> {
    r.as_deref()
        .map(|s| {
            Regex::new(s).map_err(|e| {
                AppError::usage(
                    format!("{flag} is not a valid regex: {e}"),
                    "check the pattern's syntax",
                )
            })
        })
        .transpose()
}

impl SourceArgs {
    /// The design these arguments name (with the given top and `-G` overrides).
    pub fn design(
        &self,
        top: Option<String>,
        params: &[String],
    ) -> Result<rtlsmith::sim::Design, AppError> {
        regress_lib::design::DesignInputs {
            files: self.files.clone(),
            filelists: self.filelist.clone(),
            include_dirs: self.include.clone(),
            defines: self.define.clone(),
            top,
            params: params.to_vec(),
        }
        .build()
        .map_err(|e| AppError::usage(e.message, e.hint))
    }
}
