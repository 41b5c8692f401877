//! `rtlsmith gen` (this file is generate.rs: `gen` is a reserved word): a spec document to verified Verilog (plan → pseudocode → C++ golden model →
//! Verilog → co-simulation), every artifact in a run directory.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::model_args::ModelArgs;
use super::{AppError, ExitCode};
use rtlsmith::sim::SimKind;
use rtlsmith::spec2rtl::{self as s2r, Ablation, GenError, GenOptions, Human, Router, Verdict};

pub const GEN_HELP: &str = "\
Examples:
  rtlsmith gen specs/counter.md --model openai:gpt-4o --out runs/counter
  rtlsmith gen specs/examples/counter/spec.md --replay specs/examples/counter/session.jsonl --out /tmp/counter
  rtlsmith gen spec.pdf --model anthropic:claude-sonnet-4-5 --top uart16 --answers answers.toml --ask
  rtlsmith gen spec.md --model M --naive-coding        # ablations: --single-shot, --no-understand, --naive-coding, --no-reflection
  rtlsmith gen specs/examples/counter/spec.md --model scripted:specs/examples/counter/scripted-replies.jsonl \
      --inject cpp:incr4:off-by-one --router evidence   # plant a fault; watch reflection route it

Reflection: a failure (C++ tests, ports, lint, synthesis, co-simulation) is routed with its
evidence to the stage that caused it: 1 record (the spec was misread), 2 an earlier
sub-function, 3 the current code, 4 a person (--ask or --answers). report.md lists every
decision; reflect/NN.json holds its evidence.

A rerun with the same --out resumes: answered requests come from the run's cache.

Exit codes:
  0  verified: co-simulation against the C++ model matched on both simulators (and the spec's tests passed)
  1  failed or stopped (the report names the stage and why)
  2  usage error (bad arguments, unreadable spec or answers file)
  3  a required tool or credential is missing (g++, verilator, iverilog, yosys; an API key)
  130  interrupted (Ctrl-C); rerun with the same --out to resume";

#[derive(Args, Debug)]
pub struct GenArgs {
    /// The spec document (PDF, Markdown, HTML, text — a VerilogEval prompt works too)
    pub spec: PathBuf,
    #[command(flatten)]
    pub llm: ModelArgs,
    /// The run directory (default: rtlsmith-gen/<top>)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The top module's name (default: the spec file's name, or its folder's for spec.md)
    #[arg(long)]
    pub top: Option<String>,
    /// Answers to the plan's questions: JSON {"id": "answer"} or TOML id = "answer"
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Ask open questions on the terminal (each answer counts as an intervention)
    #[arg(long)]
    pub ask: bool,
    /// Attempts per generated artifact, and verification rounds
    #[arg(long, default_value_t = 3)]
    pub max_iterations: usize,
    /// Verifier rounds per sub-function record
    #[arg(long, default_value_t = 2)]
    pub review_rounds: usize,
    /// Ablation: the whole spec to RTL in one request, then verify against the spec's tests
    #[arg(long, conflicts_with_all = ["no_understand", "naive_coding"])]
    pub single_shot: bool,
    /// Ablation: no plan; the top module coded straight from the whole spec
    #[arg(long, conflicts_with = "naive_coding")]
    pub no_understand: bool,
    /// Ablation: straight to Verilog (no pseudocode, no C++); verified against the spec's tests
    #[arg(long)]
    pub naive_coding: bool,
    /// Random co-simulation cycles after the spec's vectors
    #[arg(long, default_value_t = 2000)]
    pub cycles: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// CPU seconds for a C++ test program or a simulation
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// How failures are routed: model (an analysis request weighs the evidence) or evidence
    /// (the evidence's first choice, no request)
    #[arg(long, value_enum, default_value = "model")]
    pub router: RouterArg,
    /// Ablation: no reflection; a failure goes back to the stage that failed
    #[arg(long, conflicts_with = "router")]
    pub no_reflection: bool,
    /// Reflection decisions allowed in the run
    #[arg(long, default_value_t = 8)]
    pub max_reflections: usize,
    /// Plant a fault after the artifact passed its own checks: record:NAME:width,
    /// cpp:NAME:off-by-one or rtl:NAME:operator (for tests and benchmarks of reflection)
    #[arg(long, value_name = "STAGE:NAME:FAULT")]
    pub inject: Option<String>,
    /// Print report.json instead of the summary
    #[arg(long)]
    pub json: bool,
    /// Also write the run's HTML report (plan graph, stages, decisions, waveforms) to FILE
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum RouterArg {
    Model,
    Evidence,
}

impl From<GenError> for AppError {
    fn from(e: GenError) -> Self {
        AppError {
            code: if e.is_tool_missing() {
                ExitCode::ToolMissing
            } else {
                ExitCode::Usage
            },
            hint: e.hint().to_string(),
            message: e.to_string(),
        }
    }
}

/// Questions asked on the terminal.
struct Terminal;

impl Human for Terminal {
    fn answer(&self, subfunction: &str, q: &s2r::plan::Question) -> Option<String> {
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "\n[{subfunction}] {} ({})\n  assumption if you press Enter: {}\n  answer> ",
            q.question, q.id, q.assumption
        );
        let _ = err.flush();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).ok()?;
        let t = line.trim();
        (!t.is_empty()).then(|| t.to_string())
    }
}

pub async fn run(a: GenArgs) -> Result<ExitCode, AppError> {
    let ablation = if a.single_shot {
        Ablation::SingleShot
    } else if a.no_understand {
        Ablation::NoUnderstand
    } else if a.naive_coding {
        Ablation::NaiveCoding
    } else {
        Ablation::None
    };
    let mut opts = GenOptions::new(a.spec.clone(), PathBuf::new());
    opts.top = a.top.clone();
    let top = opts
        .top
        .clone()
        .unwrap_or_else(|| s2r::default_top(&a.spec));
    opts.out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("rtlsmith-gen").join(&top));
    opts.answers = a.answers.clone();
    opts.max_iterations = a.max_iterations.max(1);
    opts.review_rounds = a.review_rounds;
    opts.ablation = ablation;
    opts.cycles = a.cycles;
    opts.seed = a.seed;
    opts.sims = vec![SimKind::Verilator, SimKind::Icarus];
    opts.timeout = Duration::from_secs(a.timeout.max(1));
    opts.router = match (a.no_reflection, a.router) {
        (true, _) => Router::Off,
        (false, RouterArg::Model) => Router::Model,
        (false, RouterArg::Evidence) => Router::Evidence,
    };
    opts.max_reflections = a.max_reflections;
    if let Some(i) = &a.inject {
        opts.inject = Some(
            i.parse()
                .map_err(|e: String| AppError::usage(e, "e.g. --inject cpp:incr4:off-by-one"))?,
        );
    }
    if !a.spec.is_file() {
        return Err(AppError::usage(
            format!("spec file not found: {}", a.spec.display()),
            "give the path of the spec document",
        ));
    }
    for k in &opts.sims {
        rtlsmith::sim::check_available(*k)?;
    }
    for tool in ["g++", "yosys"] {
        if rtlsmith::process::find_program(tool).is_none() {
            return Err(AppError {
                code: ExitCode::ToolMissing,
                message: format!("{tool} not found on PATH (needed by rtlsmith gen)"),
                hint: "install it with scripts/setup.sh".into(),
            });
        }
    }
    let (client, prompts, sampling) = a.llm.client(&opts.out)?;
    let terminal = Terminal;
    let human: Option<&dyn Human> =
        (a.ask && std::io::stdin().is_terminal()).then_some(&terminal as &dyn Human);
    if a.ask && human.is_none() {
        eprintln!(
            "note: --ask needs a terminal on standard input; open questions become assumptions"
        );
    }
    let report = s2r::run(&opts, &client, &prompts, sampling, human).await?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print_summary(&report, &opts.out);
    }
    if let Some(h) = &a.html {
        super::report::html_after(std::slice::from_ref(&opts.out), h);
    }
    Ok(match report.verdict {
        Verdict::Verified => ExitCode::Success,
        _ => ExitCode::Failed,
    })
}

fn print_summary(r: &s2r::GenReport, out: &std::path::Path) {
    let verdict = match r.verdict {
        Verdict::Verified => "verified",
        Verdict::Failed => "FAILED",
        Verdict::Stopped => "STOPPED",
    };
    println!("gen {}: {verdict} — {}", r.top, r.reason);
    if r.scripted {
        println!("  replies: scripted ({}) — not a model's work", r.provider);
    } else {
        println!("  model: {}", r.provider);
    }
    println!(
        "  ablation: {}; no oracle (no benchmark testbench used); interventions: {}",
        r.ablation.name(),
        r.interventions
    );
    for s in &r.stages {
        println!(
            "  {:<10} {:<8} attempts {:>2}, iterations {:>2}, requests {:>2} ({} cached), {} tokens, {:.1} s",
            s.name,
            s.status,
            s.attempts,
            s.iterations,
            s.usage.requests,
            s.usage.cached,
            s.usage.prompt_tokens + s.usage.completion_tokens,
            s.seconds
        );
    }
    if let Some(sy) = &r.synth {
        println!("  yosys: {}", sy.summary());
    }
    if let Some(i) = &r.injected {
        println!(
            "  injected fault {}: {}",
            i.fault,
            i.applied
                .as_deref()
                .unwrap_or("not applied (no site found, or the stage never ran)")
        );
    }
    for d in &r.decisions {
        println!(
            "  reflection {}: {} → route {} ({} {}) by {}: {}",
            d.n,
            d.failure,
            d.route_number,
            d.route.name(),
            d.subfunction,
            d.decided_by,
            d.outcome
        );
    }
    println!(
        "  run directory: {} (report.md, plan.md, cpp/, rtl/, tests/, llm/)",
        out.display()
    );
    if !r.cosim_command.is_empty() {
        println!(
            "  re-check: (cd {} && {})",
            out.display(),
            r.cosim_command.join(" ")
        );
    }
}
