//! `rtlsmith sim`: compile and run a testbench on one or both simulators, print the output and
//! the verdict.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{AppError, ExitCode, SimChoice, SourceArgs, regex_opt};
use rtlsmith::sim::{self, SimOptions, SimResult, Status};

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
    /// CPU seconds the simulation may use before it is killed (the verdict does not depend on
    /// machine load; a wall-clock backstop of 4x + 30 s stops a simulator that sleeps)
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

pub async fn run(a: SimArgs) -> Result<ExitCode, AppError> {
    let design = a.src.design(Some(a.top.clone()), &a.param)?;
    if let Some(w) = &a.workdir
        && !w.is_dir()
    {
        return Err(AppError::usage(
            format!("workdir not found: {}", w.display()),
            "pass an existing folder to --workdir",
        ));
    }
    let kinds = a.sim.kinds();
    for k in &kinds {
        sim::check_available(*k)?;
    }
    let mut all_pass = true;
    for kind in &kinds {
        let wave = a.wave.as_ref().map(|w| {
            if kinds.len() > 1 {
                w.with_extension(format!("{kind}.vcd"))
            } else {
                w.clone()
            }
        });
        let opts = SimOptions {
            compile_timeout: Duration::from_secs(a.compile_timeout),
            timeout: Duration::from_secs(a.timeout),
            data_dir: a.workdir.clone(),
            wave,
            pass_regex: regex_opt(&a.pass, "--pass")?,
            fail_regex: regex_opt(&a.fail, "--fail")?,
            require_finish: !a.allow_no_finish,
            keep_job_dir: a.keep,
            ..SimOptions::default()
        };
        let r = sim::simulate(*kind, &design, &opts).await?;
        print_sim_result(&r);
        all_pass &= r.status == Status::Pass;
    }
    Ok(ExitCode::from_pass(all_pass))
}

fn print_sim_result(r: &SimResult) {
    let phase = if r.run.is_some() { &r.run } else { &r.compile };
    if let Some(p) = phase {
        println!("--- {} output ({}) ---", r.simulator, p.command);
        print!("{}", p.output);
        if !p.output.is_empty() && !p.output.ends_with('\n') {
            println!();
        }
        println!("--- end of output ---");
    }
    if r.status == Status::CompileError {
        for d in r
            .diagnostics
            .iter()
            .filter(|d| d.severity >= sim::Severity::Error)
        {
            println!("{}", d.one_line());
        }
    }
    println!(
        "{}: {} — {} ({:.2}s)",
        r.simulator,
        r.status.name().to_uppercase(),
        r.reason,
        r.seconds()
    );
    if let Some(h) = &r.hint {
        println!("  hint: {h}");
    }
    if let Some(w) = &r.wave {
        println!("{}: waveform written to {}", r.simulator, w.display());
    }
    if let Some(d) = &r.job_dir {
        println!("{}: job directory kept at {}", r.simulator, d.display());
    }
}
