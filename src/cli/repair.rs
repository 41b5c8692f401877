//! `rtlsmith repair`: sample candidate fixes of a failing design, judge and rank them, feed the
//! best back with its evidence, until one passes or the budget is spent.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::model_args::ModelArgs;
use super::{AppError, ExitCode, OneSim};
use rtlsmith::cosim::Reset;
use rtlsmith::repair::{self, Judge, RepairError, RepairOptions};
use rtlsmith::suite::{self, SuiteKind};

pub const REPAIR_HELP: &str = "\
Examples:
  rtlsmith repair counter.v --tb tb_counter.v --spec counter.md --model openai:gpt-4o
  rtlsmith repair fsm.v --model-cpp fsm_model.cpp --model anthropic:claude-sonnet-4-5 --candidates 4
  rtlsmith repair sample.sv --suite verilog-eval-v2 ../shared/benchmarks/verilog-eval/dataset_spec-to-rtl \\
      --task Prob042_fsm --model openai:gpt-4o --iterations 5 --json

Oracle mode (stated in every report): --suite puts the benchmark's own testbench and reference
in the loop (\"in-loop\": not comparable with a no-oracle score); --model-cpp and --tb are
\"none\". eval --pipeline never uses the oracle.

Exit codes:
  0  a candidate (or the design as given) passes
  1  no candidate passed within the budget, or the model could not be asked (rerun to resume)
  2  usage error (bad arguments, unreadable files, a broken C++ model)
  3  a required tool or credential is missing
  130  interrupted (Ctrl-C); rerun with the same --out to resume";

#[derive(Args, Debug)]
pub struct RepairArgs {
    /// The design's source files (the one defining the module is rewritten in the run directory)
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,
    /// The module to repair (default: the task's module, else the first file's first module)
    #[arg(long)]
    pub top: Option<String>,
    /// Judge with a self-checking testbench of your own (no oracle)
    #[arg(long, value_name = "TB", conflicts_with_all = ["model_cpp", "suite"])]
    pub tb: Option<PathBuf>,
    /// Judge against a C++ model to the cosim contract (no oracle)
    #[arg(long, value_name = "FILE", conflicts_with = "suite")]
    pub model_cpp: Option<PathBuf>,
    /// Judge with a benchmark problem's testbench and reference: KIND PATH (oracle in the loop)
    #[arg(long, num_args = 2, value_names = ["KIND", "PATH"], requires = "task")]
    pub suite: Option<Vec<String>>,
    /// The problem of --suite
    #[arg(long)]
    pub task: Option<String>,
    /// The task's description or spec for the prompt (default with --suite: the problem's)
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// Candidate fixes sampled per round
    #[arg(long, default_value_t = 3)]
    pub candidates: usize,
    /// Rounds
    #[arg(long, default_value_t = 3)]
    pub iterations: usize,
    /// With --model-cpp: the clock input (default: as cosim finds it)
    #[arg(long, value_name = "NAME", requires = "model_cpp")]
    pub clock: Option<String>,
    /// With --model-cpp: the reset input, NAME or NAME:low
    #[arg(long, value_name = "NAME[:low]", requires = "model_cpp")]
    pub reset: Option<Reset>,
    /// With --model-cpp: cycles of seeded random stimulus
    #[arg(long, default_value_t = 2000)]
    pub cycles: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The simulator that judges
    #[arg(long, value_enum, default_value = "icarus")]
    pub sim: OneSim,
    /// CPU seconds per simulation
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    /// The run directory (default: rtlsmith-repair/<first file's stem>)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub llm: ModelArgs,
    /// Print one JSON object: verdict, rounds, oracle, candidates, final
    #[arg(long)]
    pub json: bool,
}

impl From<RepairError> for AppError {
    fn from(e: RepairError) -> Self {
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

pub async fn run(a: RepairArgs) -> Result<ExitCode, AppError> {
    for f in &a.files {
        if !f.is_file() {
            return Err(AppError::usage(
                format!("design file not found: {}", f.display()),
                "give the design's source files",
            ));
        }
    }
    let judge = match (&a.tb, &a.model_cpp, &a.suite) {
        (Some(tb), _, _) => Judge::Testbench(tb.clone()),
        (_, Some(m), _) => Judge::ModelCpp {
            model: m.clone(),
            clock: a.clock.clone(),
            reset: a.reset.clone(),
            cycles: a.cycles,
            seed: a.seed,
        },
        (_, _, Some(s)) => {
            let kind: SuiteKind = s[0]
                .parse()
                .map_err(|e: String| AppError::usage(e, "rtlsmith suite list"))?;
            let suite = suite::load(kind, std::path::Path::new(&s[1]))
                .map_err(|e| AppError::usage(e.to_string(), "give the suite's folder"))?;
            let task = a.task.clone().unwrap_or_default();
            let p = suite.get(&task).cloned().ok_or_else(|| {
                AppError::usage(
                    format!("{}: no problem {task}", s[1]),
                    "rtlsmith suite list KIND PATH shows the problems",
                )
            })?;
            Judge::Suite(Box::new(p))
        }
        _ => {
            return Err(AppError::usage(
                "no judge: give --tb TB, --model-cpp FILE or --suite KIND PATH --task T",
                "rtlsmith repair --help",
            ));
        }
    };
    let stem = a.files[0]
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "design".into());
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("rtlsmith-repair").join(&stem));
    rtlsmith::sim::check_available(a.sim.kind())?;
    let (client, prompts, sampling) = a.llm.client(&out)?;
    let opts = RepairOptions {
        files: a.files.clone(),
        top: a.top.clone(),
        judge,
        spec: a.spec.clone(),
        candidates: a.candidates.max(1),
        iterations: a.iterations.max(1),
        out: out.clone(),
        sim: a.sim.kind(),
        timeout: Duration::from_secs(a.timeout.max(1)),
    };
    let r = repair::run(&opts, &client, &prompts, sampling).await?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&r.summary_json()).unwrap_or_default()
        );
    } else {
        println!(
            "repair {}: {} — {}",
            r.module,
            r.verdict.to_uppercase(),
            r.reason
        );
        println!(
            "  oracle: {}",
            if r.oracle == "in-loop" {
                "in the loop (the benchmark's testbench judged the candidates)"
            } else {
                "none (only the C++ model or your testbench judged)"
            }
        );
        if r.scripted {
            println!("  replies: scripted ({}) — not a model's work", r.provider);
        }
        for c in &r.candidates {
            println!(
                "  round {} candidate {}: {}{}{}",
                c.round,
                c.index,
                c.verdict,
                c.mismatches
                    .map(|m| format!(", {m} mismatch(es)"))
                    .unwrap_or_default(),
                c.refused
                    .as_ref()
                    .map(|w| format!(" — {w}"))
                    .unwrap_or_default()
            );
        }
        println!("  final: {}", r.final_file);
        println!("  report: {}", out.join("report.md").display());
    }
    Ok(if r.verdict == "pass" {
        ExitCode::Success
    } else {
        ExitCode::Failed
    })
}
