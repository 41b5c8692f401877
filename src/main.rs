//! The `rtlsmith` binary: parses arguments, calls the library, prints, and maps the outcome
//! to an exit code (0 passed, 1 failed, 2 usage/configuration, 3 missing tool).

mod cli;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use regex::Regex;

use cli::{Cli, Command, LintArgs, RegressArgs, SimArgs, SourceArgs};
use rtlsmith::ExitCode;
use rtlsmith::regress::{self, RegressOptions};
use rtlsmith::sim::{self, Design, SimError, SimOptions, SimResult, Status};

/// A failure of the tool itself: a one-line cause, a hint, an exit code.
struct AppError {
    code: ExitCode,
    message: String,
    hint: String,
}

impl AppError {
    fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        AppError {
            code: ExitCode::Usage,
            message: message.into(),
            hint: hint.into(),
        }
    }
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

impl From<regress::ManifestError> for AppError {
    fn from(e: regress::ManifestError) -> Self {
        AppError::usage(e.to_string(), e.hint())
    }
}

impl From<rtlsmith::report::ReportError> for AppError {
    fn from(e: rtlsmith::report::ReportError) -> Self {
        AppError::usage(e.to_string(), "choose a writable path")
    }
}

fn main() {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let outcome = rt.block_on(async {
        // Children run in their own process groups, so Ctrl-C reaches only us: take them down
        // before leaving.
        tokio::spawn(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                rtlsmith::process::kill_all_children();
                eprintln!("rtlsmith: interrupted; stopped all simulator processes");
                process::exit(130);
            }
        });
        if !rtlsmith::process::sandbox_supported() {
            eprintln!(
                "warning: this kernel does not enforce Landlock; simulations can write outside their job directories"
            );
        }
        match cli.command {
            Command::Lint(a) => lint(a).await,
            Command::Sim(a) => simulate(a).await,
            Command::Regress(a) => regress_cmd(a).await,
        }
    });
    let code = match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", e.message);
            if !e.hint.is_empty() {
                eprintln!("  hint: {}", e.hint);
            }
            e.code
        }
    };
    let _ = std::io::stdout().flush();
    process::exit(code as i32);
}

fn design_from(
    src: &SourceArgs,
    top: Option<String>,
    params: &[String],
) -> Result<Design, AppError> {
    let mut sources = Vec::new();
    for f in &src.files {
        if !f.is_file() {
            return Err(AppError::usage(
                format!("input file not found: {}", f.display()),
                "check the path; files are relative to the current directory",
            ));
        }
        sources.push(rtlsmith::process::absolute(f));
    }
    let mut include_dirs = Vec::new();
    for d in &src.include {
        if !d.is_dir() {
            return Err(AppError::usage(
                format!("include directory not found: {}", d.display()),
                "pass an existing folder to -I",
            ));
        }
        include_dirs.push(rtlsmith::process::absolute(d));
    }
    let defines = src
        .define
        .iter()
        .map(|d| match d.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (d.clone(), None),
        })
        .collect();
    let mut parameters = Vec::new();
    for p in params {
        let Some((k, v)) = p.split_once('=') else {
            return Err(AppError::usage(
                format!("parameter override `{p}` has no value"),
                "write it as -G NAME=VALUE",
            ));
        };
        parameters.push((k.trim().to_string(), v.trim().to_string()));
    }
    Ok(Design {
        sources,
        include_dirs,
        defines,
        top,
        parameters,
    })
}

async fn lint(a: LintArgs) -> Result<ExitCode, AppError> {
    let design = design_from(&a.src, a.top.clone(), &[])?;
    let mut failed = false;
    for kind in a.sim.kinds() {
        let r = sim::lint(kind, &design, Duration::from_secs(a.timeout)).await?;
        for d in &r.diagnostics {
            println!("{}", d.one_line());
            for n in &d.notes {
                println!("    {n}");
            }
        }
        let verdict = if r.errors > 0 {
            "errors"
        } else if r.warnings > 0 {
            "warnings"
        } else {
            "clean"
        };
        println!(
            "{kind}: {verdict} ({} error(s), {} warning(s))",
            r.errors, r.warnings
        );
        if r.errors > 0 || (a.deny_warnings && r.warnings > 0) {
            failed = true;
        }
    }
    Ok(if failed {
        ExitCode::Failed
    } else {
        ExitCode::Success
    })
}

fn regex_opt(r: &Option<String>, flag: &str) -> Result<Option<Regex>, AppError> {
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

async fn simulate(a: SimArgs) -> Result<ExitCode, AppError> {
    let design = design_from(&a.src, Some(a.top.clone()), &a.param)?;
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
    Ok(if all_pass {
        ExitCode::Success
    } else {
        ExitCode::Failed
    })
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

async fn regress_cmd(a: RegressArgs) -> Result<ExitCode, AppError> {
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
        jobs: a
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        simulators: a.sim.map(|s| s.kinds()),
        filter: a.filter.clone(),
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
        rtlsmith::report::write_junit(&report, j)?;
        println!("regress: JUnit report written to {}", j.display());
    }
    if let Some(j) = &a.json {
        rtlsmith::report::write_json(&report, j)?;
        println!("regress: JSON report written to {}", j.display());
    }
    let passed = report
        .cases
        .iter()
        .filter(|c| c.status == Status::Pass)
        .count();
    println!("{} passed, {} failed", passed, report.cases.len() - passed);
    Ok(if report.all_passed() {
        ExitCode::Success
    } else {
        ExitCode::Failed
    })
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
