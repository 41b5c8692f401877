//! Command-line types (clap) and their conversion into library options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use rtlsmith::sim::SimKind;

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
    Lint(LintArgs),
    /// Compile and run a testbench, print the verdict and the simulator's output
    #[command(after_help = EXIT_CODES)]
    Sim(SimArgs),
    /// Run every case of a regression manifest (rtlsmith.toml) in parallel
    #[command(after_help = EXIT_CODES)]
    Regress(RegressArgs),
    /// Read a spec document (PDF, Markdown, text, HTML) into a typed, citable Spec
    #[command(after_help = EXIT_CODES)]
    Ingest(IngestArgs),
    /// Check the tools rtlsmith drives (simulators, compilers, pdftotext) and the sandbox
    #[command(after_help = EXIT_CODES)]
    Doctor,
    /// Inspect a benchmark suite (VerilogEval v1/v2, RTLLM)
    #[command(subcommand)]
    Suite(SuiteCommand),
    /// Judge reference solutions or candidate samples of a suite by simulation
    #[command(after_help = EVAL_HELP, args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Eval(Box<EvalArgs>),
}

pub const EVAL_HELP: &str = "\
Suites: verilog-eval-v2 (a dataset_spec-to-rtl or dataset_code-complete-iccad2023 folder),
verilog-eval-v1 (VerilogEval_Human.jsonl / VerilogEval_Machine.jsonl), rtllm (the RTLLM root,
v2.0 or v1.1).

The run directory gets results.jsonl (append-only; rerun the same command to resume),
references.jsonl, summary.json, report.md, junit.xml and, with --references, errata.json.

Exit codes: 0 the evaluation completed and its reports are written (whatever the scores);
1 a model run stopped early (budget, provider error; rerun to resume); 2 usage, suite or
samples error; 3 the simulator or an API key is missing; 130 interrupted (rerun to resume).";

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecFormat {
    Json,
    Md,
}

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// The spec document: .pdf, .md, .html/.htm, or anything else as plain text
    pub file: PathBuf,
    /// Print the Spec as JSON (format_version 1) or as compact Markdown with citations;
    /// without it, a short summary
    #[arg(long, value_enum)]
    pub format: Option<SpecFormat>,
    /// Write the chosen format to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

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

#[derive(Args, Debug)]
pub struct EvalArgs {
    #[command(subcommand)]
    pub command: Option<EvalCommand>,
    /// verilog-eval-v2, verilog-eval-v1 or rtllm
    #[arg(required = true)]
    pub suite: Option<String>,
    /// The suite's folder (or JSONL file for verilog-eval-v1)
    #[arg(required = true)]
    pub path: Option<PathBuf>,
    /// Judge the suite's own reference solutions (calibration; writes errata.json)
    #[arg(long, conflicts_with = "samples")]
    pub references: bool,
    /// Candidates: JSONL lines {\"task_id\", \"completion\"} or a folder <task_id>/<name>.sv
    #[arg(long, value_name = "DIR|FILE")]
    pub samples: Option<PathBuf>,
    /// Simulator (icarus uses the official flags -Wall -Winfloop -Wno-timescale -g2012 -s tb)
    #[arg(long, value_enum, default_value = "icarus")]
    pub sim: OneSim,
    /// Simulations in parallel (default: number of CPUs)
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Seconds a simulation may run before it is killed (verdict T)
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Run directory (default: rtlsmith-eval/<suite>-<variant>-<sim>-<mode>)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Only this shard of the problems: I/N with 1 <= I <= N (merge the shards afterwards)
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Do not reuse or record cached verdicts nor cached LLM responses (job durations are
    /// still remembered, to schedule the longest jobs first)
    #[arg(long)]
    pub no_cache: bool,
    /// Where verdicts and durations are cached (default: $XDG_CACHE_HOME/rtlsmith or ~/.cache/rtlsmith)
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    #[command(flatten)]
    pub llm: LlmArgs,
}

/// Generating samples with a model (`--model`); defaults from `[llm]` in rtlsmith.toml.
#[derive(Args, Debug, Clone, Default)]
pub struct LlmArgs {
    /// Generate the samples with this model: openai:MODEL[@BASE_URL], anthropic:MODEL, or
    /// scripted:REPLIES.jsonl (a test double, labelled as such in every report)
    #[arg(long, value_name = "PROVIDER:MODEL", conflicts_with_all = ["references", "samples"])]
    pub model: Option<String>,
    /// Samples per problem
    #[arg(long, value_name = "N")]
    pub n: Option<usize>,
    /// Sampling temperature (default 0.85, as VerilogEval)
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Nucleus sampling (default 0.95, as VerilogEval)
    #[arg(long)]
    pub top_p: Option<f64>,
    /// Reply length limit in tokens (default 1024, as VerilogEval)
    #[arg(long)]
    pub max_tokens: Option<u32>,
    /// Base seed (sample i uses seed + i; providers without seeds ignore it)
    #[arg(long)]
    pub seed: Option<u64>,
    /// In-context examples, 0 to 4 (VerilogEval v2: the official example files)
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=4))]
    pub shots: u32,
    /// Folder with verilog-example-prefix_<task>_<K>-shot.txt (default: <dataset>/../scripts)
    #[arg(long, value_name = "DIR")]
    pub examples_dir: Option<PathBuf>,
    /// Re-asks after a malformed reply, per sample (0 reproduces the official protocol)
    #[arg(long, default_value_t = 2)]
    pub reasks: u32,
    /// Requests in flight at once
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Requests per minute
    #[arg(long)]
    pub rpm: Option<u32>,
    /// Seconds before a request is abandoned (and retried)
    #[arg(long)]
    pub request_timeout: Option<u64>,
    /// Transport retries per request (backoff with jitter; Retry-After honoured)
    #[arg(long)]
    pub max_retries: Option<u32>,
    /// Stop cleanly once this many tokens were used
    #[arg(long)]
    pub max_tokens_total: Option<u64>,
    /// Stop cleanly once the estimated cost (US dollars) reaches this
    #[arg(long)]
    pub max_cost: Option<f64>,
    /// Price table (JSON or TOML: {"model": [input_per_Mtok, output_per_Mtok]})
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Write every exchange of the run to this session file
    #[arg(long, value_name = "FILE", conflicts_with = "replay")]
    pub record: Option<PathBuf>,
    /// Serve every request from this session file, without network; a request it lacks fails
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// Do not read or write the LLM response cache (verdicts stay cached)
    #[arg(long)]
    pub no_llm_cache: bool,
    /// A stop sequence for the model (repeatable)
    #[arg(long, value_name = "TEXT")]
    pub stop: Vec<String>,
    /// Folder of prompt templates overriding the built-in ones, file by file
    #[arg(long, value_name = "DIR", env = "RTLSMITH_PROMPTS")]
    pub prompts: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum EvalCommand {
    /// Merge run directories (e.g. shards) into one report
    Merge {
        /// Run directories to merge
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where the merged run is written
        #[arg(long, value_name = "DIR", required = true)]
        out: PathBuf,
    },
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

#[derive(Args, Debug)]
pub struct LintArgs {
    #[command(flatten)]
    pub src: SourceArgs,
    /// Top module (default: every module no other instantiates)
    #[arg(long)]
    pub top: Option<String>,
    /// Which simulator's front end checks the sources
    #[arg(long, value_enum, default_value = "both")]
    pub sim: SimChoice,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    pub deny_warnings: bool,
    /// Seconds before the linter is killed
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
}

#[derive(Args, Debug)]
pub struct SimArgs {
    #[command(flatten)]
    pub src: SourceArgs,
    /// Top module: the testbench
    #[arg(long, required = true)]
    pub top: String,
    /// Which simulator(s) to run
    #[arg(long, value_enum, default_value = "icarus")]
    pub sim: SimChoice,
    /// Seconds of wall-clock simulation before the run is killed
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    /// Seconds allowed for compiling (Verilator builds C++)
    #[arg(long, default_value_t = 300)]
    pub compile_timeout: u64,
    /// Write a VCD waveform of the whole design here (with --sim both: NAME.<sim>.vcd)
    #[arg(long, value_name = "FILE")]
    pub wave: Option<PathBuf>,
    /// Override a top-level parameter: NAME=VALUE (repeatable)
    #[arg(short = 'G', long = "param", value_name = "NAME=VAL")]
    pub param: Vec<String>,
    /// Copy this folder's contents into the job directory (data files read by relative path)
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
    /// A line matching this regex is required for a pass
    #[arg(long, value_name = "REGEX")]
    pub pass: Option<String>,
    /// A line matching this regex makes the run fail
    #[arg(long, value_name = "REGEX")]
    pub fail: Option<String>,
    /// Accept a run that ends by running out of events instead of $finish
    #[arg(long)]
    pub allow_no_finish: bool,
    /// Keep the job directory and print its path
    #[arg(long)]
    pub keep: bool,
}

#[derive(Args, Debug)]
pub struct RegressArgs {
    /// Manifest to run (default: rtlsmith.toml in this folder or the nearest one above)
    #[arg(long, value_name = "PATH")]
    pub manifest: Option<PathBuf>,
    /// Only cases whose name contains PATTERN (or matches it, if it has * ? [ ])
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Run only on these simulators (default: each case's own list, normally both)
    #[arg(long, value_enum)]
    pub sim: Option<SimChoice>,
    /// Jobs in parallel (default: number of CPUs)
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Write a JUnit XML report
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a JSON report (format_version 1)
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// List the cases and exit
    #[arg(long)]
    pub list: bool,
    /// Keep the job directories of jobs that did not pass, for debugging (paths are printed)
    #[arg(long)]
    pub keep_failed: bool,
}
