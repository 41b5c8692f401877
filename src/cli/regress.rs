//! `rtlsmith regress`: every case of a manifest on its simulators, in parallel, with a progress
//! line per job, a results table, and JUnit/JSON files for CI.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;

use super::{AppError, ExitCode, SimChoice};
use rtlsmith::regress::{self, RegressOptions};
use rtlsmith::sim::Status;

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
    /// Write an HTML report (cases x simulators grid, durations, disagreements, failing logs)
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// List the cases and exit
    #[arg(long)]
    pub list: bool,
    /// Keep the job directories of jobs that did not pass, for debugging (paths are printed)
    #[arg(long)]
    pub keep_failed: bool,
}
pub async fn run(a: RegressArgs) -> Result<ExitCode, AppError> {
    let path = match &a.manifest {
        Some(p) => {
            if !p.is_file() {
                return Err(AppError::usage(
                    format!("manifest not found: {}", p.display()),
                    "pass the path of an rtlsmith.toml to --manifest",
                ));
            }
            p.clone()
        }
        None => regress::manifest::find(Path::new("."))?,
    };
    let manifest = regress::manifest::load(&path)?;
    let opts = RegressOptions {
        jobs: a.jobs.unwrap_or_else(rtlsmith::runner::cores),
        simulators: a.sim.map(|s| s.kinds()),
        filter: a.filter.clone(),
        keep_failed: a.keep_failed,
        durations: rtlsmith::util::default_cache_dir().map(|d| d.join("regress-durations.json")),
    };
    let planned = regress::plan(&manifest, &opts);
    if a.list {
        for c in regress::select(&manifest.cases, opts.filter.as_deref()) {
            let sims: Vec<&str> = c.simulators.iter().map(|k| k.name()).collect();
            println!(
                "{}\t{}\t{}",
                c.name,
                c.design.top.as_deref().unwrap_or(""),
                sims.join(",")
            );
        }
        return Ok(ExitCode::Success);
    }
    if planned.is_empty() {
        return Err(AppError::usage(
            format!("no case of {} matches the selection", path.display()),
            "check --filter and --sim (rtlsmith regress --list shows the cases)",
        ));
    }
    println!(
        "regress: {} job(s) from {} on {} worker(s)",
        planned.len(),
        path.display(),
        opts.jobs
    );
    let progress = Progress::new(planned.len() as u64);
    let p2 = progress.clone();
    let report = regress::run(&manifest, &opts, move |j| p2.job_done(j)).await?;
    progress.finish();

    let mut disagreements = Vec::new();
    println!();
    println!(
        "{:<28} {:<10} {:<14} {:>8}",
        "case", "simulator", "result", "seconds"
    );
    for c in &report.cases {
        for r in &c.results {
            println!(
                "{:<28} {:<10} {:<14} {:>8.2}",
                c.name,
                r.simulator.name(),
                r.status.name(),
                r.seconds()
            );
        }
        if c.disagreement {
            disagreements.push(&c.name);
        }
    }
    let totals: Vec<String> = report
        .totals
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect();
    for (k, v) in &report.simulators {
        println!("{k}: {v}");
    }
    for d in &disagreements {
        println!("DISAGREE: {d}: the simulators gave different verdicts");
    }
    println!(
        "regress: {} — wall {:.1}s, simulator time {:.1}s, {} job(s) in parallel",
        totals.join(", "),
        report.wall_seconds,
        report.job_seconds,
        report.jobs
    );
    if let Some(j) = &a.junit {
        regress::report::write_junit(&report, j)?;
        println!("regress: JUnit report written to {}", j.display());
    }
    if let Some(j) = &a.json {
        regress::report::write_json(&report, j)?;
        println!("regress: JSON report written to {}", j.display());
    }
    if let Some(h) = &a.html {
        let v = serde_json::to_value(&report).unwrap_or_default();
        let page = rtlsmith::report::render_regress(&v, &path.display().to_string());
        match rtlsmith::util::write_atomic(h, page) {
            Ok(()) => println!("regress: HTML report written to {}", h.display()),
            Err(e) => eprintln!("warning: HTML report not written to {}: {e}", h.display()),
        }
    }
    let passed = report
        .cases
        .iter()
        .filter(|c| c.status == Status::Pass)
        .count();
    println!("{} passed, {} failed", passed, report.cases.len() - passed);
    Ok(ExitCode::from_pass(report.all_passed()))
}

/// A progress bar on a terminal; plain lines otherwise.
#[derive(Clone)]
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    lock: Arc<Mutex<()>>,
}

impl Progress {
    fn new(total: u64) -> Self {
        let tty = std::io::stderr().is_terminal() && std::io::stdout().is_terminal();
        let bar = tty.then(|| {
            let b = indicatif::ProgressBar::new(total);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} jobs  {elapsed}  {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        Progress {
            bar,
            lock: Arc::new(Mutex::new(())),
        }
    }

    fn job_done(&self, j: &regress::JobResult) {
        let r = &j.result;
        let mut line = format!(
            "{:<5} {:<28} {:<10} {:>7.2}s",
            match r.status {
                Status::Pass => "PASS",
                Status::Fail => "FAIL",
                Status::CompileError => "CERR",
                Status::Timeout => "TIME",
                Status::Crash => "CRASH",
            },
            j.case,
            r.simulator.name(),
            r.seconds()
        );
        if r.status != Status::Pass {
            line.push_str(&format!("  {}", r.reason));
            for l in r.failing_lines.iter().take(3) {
                line.push_str(&format!("\n        | {l}"));
            }
            if let Some(d) = &r.job_dir {
                line.push_str(&format!("\n        job directory kept at {}", d.display()));
            }
        }
        let _g = self.lock.lock();
        match &self.bar {
            Some(b) => {
                b.println(line);
                b.inc(1);
                b.set_message(j.case.clone());
            }
            None => println!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
