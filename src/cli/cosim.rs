//! `rtlsmith cosim`: RTL against a C++ golden model, cycle by cycle, on Verilator and/or Icarus.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::{AppError, ExitCode, SourceArgs};
use rtlsmith::cosim::{self, CosimError, CosimOptions, CosimReport, Reset, Verdict, When};
use rtlsmith::sim::SimKind;

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CosimSim {
    Verilator,
    Icarus,
    Both,
}

#[derive(Args, Debug)]
pub struct CosimArgs {
    #[command(flatten)]
    pub src: SourceArgs,
    /// The RTL's top module
    #[arg(long, required = true)]
    pub top: String,
    /// The C++17 golden model (struct Model: a field per port but the clock, eval(), tick())
    #[arg(long, value_name = "MODEL.cpp", required = true)]
    pub model: PathBuf,
    /// The clock input (default: the one input named clk, clock or *_clk; none: combinational)
    #[arg(long, value_name = "NAME")]
    pub clock: Option<String>,
    /// The reset input, NAME or NAME:low (default: an input named rst, reset, rst_n, …)
    #[arg(long, value_name = "NAME[:low]")]
    pub reset: Option<Reset>,
    /// Cycles the reset is held at the start
    #[arg(long, default_value_t = 2)]
    pub reset_cycles: usize,
    /// Probability of a reset in any later cycle
    #[arg(long, default_value_t = 0.02)]
    pub reset_prob: f64,
    /// Cycles to simulate (directed ones from --vectors included)
    #[arg(long, default_value_t = 1000)]
    pub cycles: usize,
    /// Seed of the random stimulus (the same seed gives the same stimulus on both simulators)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Do not compare before this cycle (for a design without a reset)
    #[arg(long, default_value_t = 0)]
    pub warmup: usize,
    /// Directed cycles first: JSONL, one object per cycle, input → number or hex string
    #[arg(long, value_name = "FILE")]
    pub vectors: Option<PathBuf>,
    /// Compare OUT only in cycles where the model's output VALID is 1 (repeatable)
    #[arg(long, value_name = "OUT=VALID")]
    pub when: Vec<When>,
    /// Override a top-level parameter: NAME=VALUE (repeatable)
    #[arg(short = 'G', long = "param", value_name = "NAME=VAL")]
    pub param: Vec<String>,
    #[arg(long, value_enum, default_value = "verilator")]
    pub sim: CosimSim,
    /// CPU seconds a run may use (the model looping forever ends here)
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    /// Print the result as one JSON object
    #[arg(long)]
    pub json: bool,
    /// Keep the work folder (harness, testbench, stimulus) and print its path
    #[arg(long)]
    pub keep: bool,
}

impl From<CosimError> for AppError {
    fn from(e: CosimError) -> Self {
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

pub async fn run(a: CosimArgs) -> Result<ExitCode, AppError> {
    if !(0.0..=1.0).contains(&a.reset_prob) {
        return Err(AppError::usage(
            format!("--reset-prob {} is not a probability", a.reset_prob),
            "give a number from 0 to 1",
        ));
    }
    let design = a.src.design(Some(a.top.clone()), &a.param)?;
    let opts = CosimOptions {
        design,
        model: a.model.clone(),
        clock: a.clock.clone(),
        reset: a.reset.clone(),
        reset_cycles: a.reset_cycles,
        reset_prob: a.reset_prob,
        cycles: a.cycles.max(1),
        seed: a.seed,
        warmup: a.warmup,
        vectors: a.vectors.clone(),
        when: a.when.clone(),
        sims: match a.sim {
            CosimSim::Verilator => vec![SimKind::Verilator],
            CosimSim::Icarus => vec![SimKind::Icarus],
            CosimSim::Both => vec![SimKind::Verilator, SimKind::Icarus],
        },
        timeout: Duration::from_secs(a.timeout.max(1)),
        cache_dir: rtlsmith::util::default_cache_dir(),
        keep: a.keep,
        replay_only: false,
    };
    let report = cosim::run(&opts).await?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string(&report).unwrap_or_else(|_| "{}".into())
        );
    } else {
        print_report(&report, &a.model);
    }
    Ok(ExitCode::from_pass(report.verdict == Verdict::Match))
}

fn print_report(r: &CosimReport, model: &std::path::Path) {
    let reset = r.reset.as_ref().map_or("none".to_string(), |x| {
        format!(
            "{} (active {}{})",
            x.name,
            if x.active_low { "low" } else { "high" },
            if x.asynchronous { ", asynchronous" } else { "" }
        )
    });
    println!(
        "cosim: {} against {} — {} cycles, seed {}, clock {}, reset {reset}, compared from cycle {}",
        r.top,
        model.display(),
        r.cycles,
        r.seed,
        r.clock.as_deref().unwrap_or("none (combinational)"),
        r.compare_from
    );
    for run in &r.runs {
        println!(
            "{}: {} — {} ({:.2}s{})",
            run.simulator,
            verdict_word(run.verdict),
            run.message,
            run.seconds,
            if run.build_cached {
                ", harness from the build cache"
            } else {
                ""
            }
        );
        for m in run.messages.iter().take(10) {
            println!("  | {m}");
        }
        for w in &run.warnings {
            println!("  {w}");
        }
        if let Some(m) = &run.mismatch {
            println!("  inputs of the last cycles up to {}:", m.cycle);
            let first = m.cycle + 1 - m.inputs.len();
            for (i, row) in m.inputs.iter().enumerate() {
                let vals: Vec<String> = row.iter().map(|(k, v)| format!("{k}={v}")).collect();
                println!("    cycle {:>6}: {}", first + i, vals.join(" "));
            }
        }
        if let Some(w) = &run.wave {
            println!("  waveform of the RTL's run: {}", w.display());
        }
        if let Some(d) = &run.job_dir {
            println!("  work folder kept at {}", d.display());
        }
    }
    if r.disagreement {
        println!("DISAGREE: the simulators gave different verdicts");
    }
    println!("cosim: {}", verdict_word(r.verdict));
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Match => "MATCH",
        Verdict::Mismatch => "MISMATCH",
        Verdict::ModelError => "MODEL ERROR",
        Verdict::RtlError => "RTL ERROR",
    }
}
