//! `rtlsmith trace`: the statements most likely at fault in a failing simulation.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{AppError, ExitCode, SourceArgs};
use rtlsmith::cosim::{CosimOptions, Reset};
use rtlsmith::sim::SimKind;
use rtlsmith::suite::{self, SuiteKind};
use rtlsmith::trace::{self, Formula, TraceError, TraceOptions};

pub const TRACE_HELP: &str = "\
Forms:
  rtlsmith trace FILES --top TB --compare DUT=REF     (instances below TB, side by side)
  rtlsmith trace verilog-eval-v2 DATASET --task ProbNNN_name --candidate FILE
  rtlsmith trace FILES --top TOP --cosim MODEL.cpp    (expected values from a C++ model)
  rtlsmith trace FILES --top TB --dut INSTANCE        (failures from the testbench's messages)

Exit codes: 0 the design matches the reference (nothing to trace); 1 suspects reported, or the
design does not compile (its diagnostics are shown); 2 usage error (unknown instance, task or
file); 3 Icarus is missing; 130 interrupted.";

#[derive(Args, Debug)]
pub struct TraceArgs {
    /// Sources (design, reference, testbench) — or `verilog-eval-v2 DATASET` with --task and
    /// --candidate
    #[command(flatten)]
    pub src: SourceArgs,
    /// The testbench's top module
    #[arg(long)]
    pub top: Option<String>,
    /// DUT_INSTANCE=REF_INSTANCE: instance paths below the top whose outputs are compared
    #[arg(long, value_name = "DUT=REF")]
    pub compare: Option<String>,
    /// Without a reference: the DUT's instance below the top; failures are taken from the
    /// testbench's messages naming an output and a time (the weakest evidence)
    #[arg(long, value_name = "INSTANCE", conflicts_with_all = ["compare", "cosim"])]
    pub dut: Option<String>,
    /// With `verilog-eval-v2 DATASET`: the problem (ProbNNN_name)
    #[arg(long)]
    pub task: Option<String>,
    /// With `verilog-eval-v2 DATASET`: the candidate solution (module TopModule)
    #[arg(long, value_name = "FILE")]
    pub candidate: Option<PathBuf>,
    /// The expected values from a C++ golden model (the `cosim` contract) instead of a
    /// reference instance: --top names the RTL's top module
    #[arg(long, value_name = "MODEL.cpp", conflicts_with = "compare")]
    pub cosim: Option<PathBuf>,
    /// With --cosim: the clock input (default: as cosim finds it)
    #[arg(long, value_name = "NAME", requires = "cosim")]
    pub clock: Option<String>,
    /// With --cosim: the reset input, NAME or NAME:low
    #[arg(long, value_name = "NAME[:low]", requires = "cosim")]
    pub reset: Option<Reset>,
    /// Draw the waveform around the first mismatch as an SVG picture here
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// With --cosim: cycles of seeded random stimulus
    #[arg(long, default_value_t = 1000)]
    pub cycles: usize,
    /// With --cosim: seed of the stimulus
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Spectrum formula that scores the statements
    #[arg(long, value_enum, default_value = "ochiai")]
    pub formula: Formula,
    /// Register steps a slice follows back from an output
    #[arg(long, default_value_t = 4)]
    pub depth: u32,
    /// Suspects listed
    #[arg(long, default_value_t = 10)]
    pub suspects: usize,
    /// CPU seconds the simulation may use
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    /// Keep the simulation's VCD here
    #[arg(long, value_name = "FILE.vcd")]
    pub wave: Option<PathBuf>,
    /// Print the result as one JSON object
    #[arg(long)]
    pub json: bool,
    /// Add every formula's ranking and the failing outputs' static cone to the JSON
    #[arg(long, hide = true)]
    pub all_rankings: bool,
}

impl From<TraceError> for AppError {
    fn from(e: TraceError) -> Self {
        match e {
            TraceError::Sim(s) => s.into(),
            TraceError::Usage(m) => AppError::usage(
                m,
                "name the instances as the testbench does: --compare DUT_INSTANCE=REF_INSTANCE",
            ),
            other => AppError::usage(other.to_string(), "rtlsmith trace --help"),
        }
    }
}

pub async fn run(a: TraceArgs) -> Result<ExitCode, AppError> {
    let work = tempfile::tempdir().map_err(|e| {
        AppError::usage(
            format!("cannot make a temporary folder: {e}"),
            "check TMPDIR",
        )
    })?;
    let suite_form = a
        .src
        .files
        .first()
        .is_some_and(|f| f.as_os_str() == "verilog-eval-v2");
    let mut cleanup: Option<PathBuf> = None;
    let mut opts = if let Some(model) = &a.cosim {
        let top = a.top.clone().ok_or_else(|| {
            AppError::usage(
                "--top is required (the RTL's top module)",
                "rtlsmith trace FILES --top TOP --cosim MODEL.cpp",
            )
        })?;
        let c = CosimOptions {
            design: a.src.design(Some(top), &[])?,
            model: model.clone(),
            clock: a.clock.clone(),
            reset: a.reset.clone(),
            reset_cycles: 2,
            reset_prob: 0.02,
            cycles: a.cycles.max(1),
            seed: a.seed,
            warmup: 0,
            vectors: None,
            when: Vec::new(),
            sims: vec![SimKind::Icarus],
            timeout: Duration::from_secs(a.timeout.max(1)),
            cache_dir: None,
            keep: false,
            replay_only: true,
        };
        let (o, dir) = trace::cosim_options(&c).await?;
        cleanup = Some(dir);
        o
    } else if suite_form {
        let usage = |m: &str| {
            AppError::usage(
                m.to_string(),
                "rtlsmith trace verilog-eval-v2 DATASET --task ProbNNN_name --candidate FILE",
            )
        };
        let [_, dataset] = &a.src.files[..] else {
            return Err(usage("give the dataset folder after verilog-eval-v2"));
        };
        let task = a
            .task
            .as_deref()
            .ok_or_else(|| usage("--task is required"))?;
        let cand = a
            .candidate
            .as_ref()
            .ok_or_else(|| usage("--candidate is required"))?;
        if !cand.is_file() {
            return Err(AppError::usage(
                format!("candidate {} not found", cand.display()),
                "give the file holding module TopModule",
            ));
        }
        let s = suite::load(SuiteKind::VerilogEvalV2, dataset)?;
        let problem = s.get(task).ok_or_else(|| {
            AppError::usage(
                format!("{} has no problem {task}", dataset.display()),
                "rtlsmith suite list verilog-eval-v2 DATASET shows the problems",
            )
        })?;
        trace::suite_options(problem, cand, work.path())?
    } else {
        let top = a.top.clone().ok_or_else(|| {
            AppError::usage(
                "--top is required (the testbench's top module)",
                "rtlsmith trace FILES --top TB --compare DUT=REF",
            )
        })?;
        let cmp = match (&a.compare, &a.dut) {
            (None, Some(d)) => format!("{d}="),
            (c, _) => c.clone().unwrap_or_default(),
        };
        let Some((dut, reference)) = cmp
            .split_once('=')
            .filter(|(d, r)| !d.is_empty() && (!r.is_empty() || a.dut.is_some()))
        else {
            return Err(AppError::usage(
                "--compare DUT=REF (or --dut INSTANCE) is required: the instance under test and the reference beside it",
                "VerilogEval's testbenches: --compare top_module1=good1",
            ));
        };
        let design = a.src.design(Some(top.clone()), &[])?;
        let strip = |p: &str| p.strip_prefix(&format!("{top}.")).unwrap_or(p).to_string();
        TraceOptions::new(design, &strip(dut), &strip(reference))
    };
    opts.formula = a.formula;
    opts.depth = a.depth;
    opts.top = a.suspects;
    opts.timeout = Duration::from_secs(a.timeout);
    opts.keep_wave = a.wave.clone();
    opts.all_rankings = a.all_rankings;
    let r = trace::run(&opts).await;
    if let Some(d) = cleanup {
        let _ = std::fs::remove_dir_all(d);
    }
    let r = r?;
    if let (Some(svg), Some(w)) = (&a.svg, &r.waveform) {
        let pic = trace::svg::render(
            w,
            Some(w.first),
            "rtlsmith trace: around the first mismatch",
        );
        super::write_output(svg, pic)?;
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&r).unwrap_or_else(|_| "{}".into())
        );
    } else {
        print!("{}", trace::render(&r));
    }
    Ok(match r.verdict {
        "pass" => ExitCode::Success,
        _ => ExitCode::Failed,
    })
}
