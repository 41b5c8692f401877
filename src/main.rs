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

use cli::{
    Cli, Command, EvalArgs, EvalCommand, IngestArgs, LintArgs, RegressArgs, SimArgs, SourceArgs,
    SpecFormat, SuiteCommand,
};
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

impl From<rtlsmith::report::ReportError> for AppError {
    fn from(e: rtlsmith::report::ReportError) -> Self {
        AppError::usage(e.to_string(), "choose a writable path")
    }
}

fn main() {
    // a closed pipe (`rtlsmith suite list … | head`) ends the program quietly, as for any filter
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
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
            Command::Suite(c) => suite_cmd(c),
            Command::Ingest(a) => ingest_cmd(a),
            Command::Doctor => doctor().await,
            Command::Eval(a) => eval_cmd(*a).await,
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
    let mut defines: Vec<(String, Option<String>)> = Vec::new();
    for f in &src.filelist {
        let fl = regress::filelist::read(f).map_err(|e| {
            AppError::usage(
                e,
                "a file list holds sources, +incdir+DIR, +define+NAME=VAL and -f FILE",
            )
        })?;
        sources.extend(fl.sources);
        include_dirs.extend(fl.include_dirs);
        defines.extend(fl.defines);
    }
    defines.extend(src.define.iter().map(|d| match d.split_once('=') {
        Some((k, v)) => (k.to_string(), Some(v.to_string())),
        None => (d.clone(), None),
    }));
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
        extra_args: Vec::new(),
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
        keep_failed: a.keep_failed,
        durations: default_cache_dir().map(|d| d.join("regress-durations.json")),
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

fn suite_kind(s: &str) -> Result<rtlsmith::suite::SuiteKind, AppError> {
    s.parse()
        .map_err(|e: String| AppError::usage(e, "rtlsmith eval --help lists the suites"))
}

fn suite_cmd(c: SuiteCommand) -> Result<ExitCode, AppError> {
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

fn default_cache_dir() -> Option<std::path::PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return Some(std::path::PathBuf::from(x).join("rtlsmith"));
    }
    std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache/rtlsmith"))
}

fn parse_shard(s: &str) -> Result<(usize, usize), AppError> {
    let bad = || {
        AppError::usage(
            format!("--shard {s} is not I/N with 1 <= I <= N"),
            "for example --shard 1/4",
        )
    };
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}

fn print_eval_summary(s: &rtlsmith::eval::report::Summary, out: &Path) {
    if let Some(l) = &s.llm {
        let u = &l.usage;
        println!(
            "llm: {}{} — {} request(s), {} from cache/replay, {} transport retries, {} re-asked; {} prompt + {} completion tokens; cost {}; at most {} in flight",
            l.provider,
            if l.scripted {
                " (scripted replies, not a model)"
            } else {
                ""
            },
            u.requests,
            u.cached,
            u.retries,
            l.reasked,
            u.prompt_tokens,
            u.completion_tokens,
            if u.priced {
                format!("${:.4}", u.cost)
            } else {
                "unknown".into()
            },
            u.max_in_flight
        );
    }
    println!(
        "eval: {} {} on {} ({}): {} samples over {} problems, {} passed, {} reused",
        s.suite,
        s.variant,
        s.simulator,
        s.simulator_version,
        s.samples,
        s.problems.len(),
        s.passed,
        s.reused
    );
    for (k, v) in &s.pass_at {
        println!("  pass@{k:<3} {:6.2}%", v * 100.0);
    }
    let hist: Vec<String> = s
        .histogram()
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect();
    println!("  failure classes: {}", hist.join(" "));
    if !s.errata.is_empty() {
        let ids: Vec<&str> = s.errata.iter().map(|e| e.id.as_str()).collect();
        println!(
            "  errata (reference fails its own testbench): {}",
            ids.join(", ")
        );
    }
    println!(
        "  simulation time {:.1}s, wall {:.1}s",
        s.sim_seconds, s.wall_seconds
    );
    println!(
        "eval: reports in {} (summary.json, report.md, junit.xml)",
        out.display()
    );
    println!("{} passed, {} failed", s.passed, s.samples - s.passed);
}

async fn eval_cmd(a: EvalArgs) -> Result<ExitCode, AppError> {
    if let Some(EvalCommand::Merge { dirs, out }) = &a.command {
        let s = rtlsmith::eval::merge(dirs, out)?;
        print_eval_summary(&s, out);
        return Ok(ExitCode::Success);
    }
    let (Some(suite), Some(path)) = (&a.suite, &a.path) else {
        return Err(AppError::usage(
            "eval needs a suite and a path",
            "rtlsmith eval --help",
        ));
    };
    let kind = suite_kind(suite)?;
    let s = rtlsmith::suite::load(kind, path)?;
    let llm_table = regress::manifest::find(Path::new("."))
        .ok()
        .map(|p| rtlsmith::llm::config::load(&p))
        .transpose()
        .map_err(|e| AppError::usage(e, "fix the [llm] table (README: LLM providers)"))?
        .flatten()
        .unwrap_or_default();
    let model = a.llm.model.clone().or_else(|| {
        (!a.references && a.samples.is_none())
            .then(|| llm_table.model.clone())
            .flatten()
    });
    let source = match (&a.samples, a.references, &model) {
        (Some(p), _, _) => rtlsmith::eval::Source::Samples(p.clone()),
        (None, true, _) => rtlsmith::eval::Source::References,
        (None, false, Some(m)) => model_source(m, &a.llm, a.no_cache, &llm_table, &s)?,
        (None, false, None) => {
            return Err(AppError::usage(
                "eval needs --references, --samples or --model",
                "rtlsmith eval --help",
            ));
        }
    };
    let shard = a.shard.as_deref().map(parse_shard).transpose()?;
    let sim = a.sim.kind();
    let out = a.out.clone().unwrap_or_else(|| {
        let mode = if a.references {
            "references"
        } else {
            "samples"
        };
        let mut name = format!("{}-{}-{}-{mode}", s.kind, s.variant, sim);
        if let Some((i, n)) = shard {
            name.push_str(&format!("-shard{i}of{n}"));
        }
        std::path::PathBuf::from("rtlsmith-eval").join(name)
    });
    let opts = rtlsmith::eval::EvalOptions {
        sim,
        jobs: a
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        timeout: Duration::from_secs(a.timeout.max(1)),
        out: out.clone(),
        shard,
        cache_dir: a.cache_dir.clone().or_else(default_cache_dir),
        reuse_verdicts: !a.no_cache,
    };
    println!(
        "eval: {} {} ({} problems) on {} → {}",
        s.kind,
        s.variant,
        s.problems.len(),
        sim,
        out.display()
    );
    let tty = std::io::stderr().is_terminal() && std::io::stdout().is_terminal();
    let bar = tty.then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} samples  {elapsed}  {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let bar2 = bar.clone();
    // without a terminal, a line at most every 15 s, so a long run shows it is alive in CI logs
    let judged = std::sync::atomic::AtomicUsize::new(0);
    let started = std::time::Instant::now();
    let last_line = std::sync::Mutex::new(std::time::Instant::now());
    let references = a.references;
    let alive = || {
        let n = judged.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if let Ok(mut last) = last_line.lock()
            && last.elapsed() >= Duration::from_secs(15)
        {
            *last = std::time::Instant::now();
            println!(
                "eval: {n} judged so far ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    };
    let outcome = rtlsmith::eval::run(&s, &source, &opts, move |ev| match ev {
        rtlsmith::eval::Event::Calibrating { references } => {
            if *references > 0 {
                let msg = format!("eval: simulating {references} reference solution(s) (calibration)");
                match &bar2 {
                    Some(b) => b.println(msg),
                    None => println!("{msg}"),
                }
            }
        }
        rtlsmith::eval::Event::Planned { samples, to_simulate, already_done } => {
            let msg = format!(
                "eval: {samples} sample(s); {already_done} already judged in this run directory; {to_simulate} distinct candidate(s) to simulate"
            );
            match &bar2 {
                Some(b) => {
                    b.set_length(*samples as u64);
                    b.println(msg);
                }
                None => println!("{msg}"),
            }
        }
        rtlsmith::eval::Event::Generating { samples, to_generate, already_done } => {
            let msg = format!(
                "eval: {samples} sample(s); {already_done} already judged in this run directory; {to_generate} to generate and judge"
            );
            match &bar2 {
                Some(b) => {
                    b.set_length(*samples as u64);
                    b.set_position(*already_done as u64);
                    b.println(msg);
                }
                None => println!("{msg}"),
            }
        }
        rtlsmith::eval::Event::Calibrated { task_id, verdict } => {
            if bar2.is_none() {
                alive();
            }
            if !verdict.passed {
                let msg = format!("erratum: reference of {task_id} fails: {} {}", verdict.code, verdict.reason);
                match &bar2 {
                    Some(b) => b.println(msg),
                    None => println!("{msg}"),
                }
            }
        }
        rtlsmith::eval::Event::Judged(line) => {
            if let Some(b) = &bar2 {
                b.inc(1);
                b.set_message(line.task_id.clone());
            } else if !line.cached && !references {
                alive();
            }
        }
    })
    .await?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    print_eval_summary(&outcome.summary, &outcome.out);
    if let Some(r) = &outcome.summary.stop_reason {
        eprintln!("error: the run stopped early: {r}");
        eprintln!("  hint: everything finished so far is saved; rerun the same command to resume");
        return Ok(ExitCode::Failed);
    }
    Ok(ExitCode::Success)
}

fn model_source(
    model: &str,
    a: &cli::LlmArgs,
    no_cache: bool,
    t: &rtlsmith::llm::config::LlmTable,
    suite: &rtlsmith::suite::Suite,
) -> Result<rtlsmith::eval::Source, AppError> {
    use rtlsmith::llm;
    let spec =
        llm::ModelSpec::parse(model).map_err(|e| AppError::usage(e, "rtlsmith eval --help"))?;
    let timeout = Duration::from_secs(a.request_timeout.or(t.timeout).unwrap_or(120));
    let provider = llm::build_provider(&spec, timeout).map_err(|e| match e {
        llm::SetupError::MissingCredential { var, .. } => AppError {
            code: ExitCode::ToolMissing,
            message: e.to_string(),
            hint: format!(
                "export {var}=… (or use a self-hosted endpoint: openai:MODEL@http://host:port/v1)"
            ),
        },
        llm::SetupError::Invalid(m) => AppError::usage(m, "check --model"),
    })?;
    let mut prices = match &a.prices {
        Some(p) => llm::client::Prices::load(p).map_err(|e| {
            AppError::usage(
                e,
                "a price table maps model names to [input, output] US dollars per million tokens",
            )
        })?,
        None => llm::client::Prices::builtin(),
    };
    prices.0.extend(t.prices.clone());
    let cache_dir = (!a.no_llm_cache && !no_cache && a.replay.is_none())
        .then(default_cache_dir)
        .flatten()
        .map(|d| d.join("llm"));
    let cfg = llm::ClientConfig {
        timeout,
        max_retries: a.max_retries.or(t.max_retries).unwrap_or(6),
        concurrency: a.concurrency.or(t.concurrency).unwrap_or(4),
        rpm: a.rpm.or(t.rpm),
        cache_dir,
        record: a.record.clone(),
        replay: a.replay.clone(),
        prices,
        max_tokens_total: a.max_tokens_total.or(t.max_tokens_total),
        max_cost: a.max_cost.or(t.max_cost),
        ..llm::ClientConfig::default()
    };
    let client =
        llm::Client::new(provider, cfg).map_err(|e| AppError::usage(e.to_string(), e.hint()))?;
    let prompts = rtlsmith::prompts::Prompts::load(a.prompts.as_deref())
        .map_err(|e| AppError::usage(e.to_string(), "fix the template (minijinja syntax)"))?;
    let examples = if a.shots == 0 {
        String::new()
    } else {
        let dir = a
            .examples_dir
            .clone()
            .unwrap_or_else(|| rtlsmith::eval::generate::default_examples_dir(&suite.root));
        rtlsmith::eval::generate::load_examples(&dir, &suite.variant, a.shots)
            .map_err(|e| AppError::usage(e, "pass --examples-dir, or --shots 0"))?
    };
    let params = rtlsmith::eval::generate::GenConfig {
        model: model.to_string(),
        provider_label: client.label(),
        provider_kind: client.provider_kind().to_string(),
        n: a.n.or(t.n).unwrap_or(1).max(1),
        temperature: a.temperature.or(t.temperature).or(Some(0.85)),
        top_p: a.top_p.or(t.top_p).or(Some(0.95)),
        max_tokens: a.max_tokens.or(t.max_tokens).unwrap_or(1024),
        seed: a.seed.or(t.seed),
        shots: a.shots,
        reasks: a.reasks,
        stop: a.stop.clone(),
        prompt_overrides: prompts.overridden.clone(),
    };
    if client.provider_kind() == "scripted" {
        eprintln!(
            "note: scripted replies ({}): the samples are not a model's work",
            client.label()
        );
    }
    Ok(rtlsmith::eval::Source::Model(std::sync::Arc::new(
        rtlsmith::eval::ModelSource {
            client: std::sync::Arc::new(client),
            prompts,
            params,
            examples,
        },
    )))
}

fn ingest_cmd(a: IngestArgs) -> Result<ExitCode, AppError> {
    use rtlsmith::spec;
    let s = spec::ingest(&a.file).map_err(|e| AppError {
        code: match e {
            spec::IngestError::ToolMissing { .. } => ExitCode::ToolMissing,
            _ => ExitCode::Usage,
        },
        hint: e.hint().to_string(),
        message: e.to_string(),
    })?;
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
    let text = match a.format {
        Some(SpecFormat::Json) => serde_json::to_string_pretty(&s).unwrap_or_default() + "\n",
        Some(SpecFormat::Md) => spec::to_markdown(&s),
        None => {
            let mut t = String::new();
            t.push_str(&format!(
                "{}: {} ({}{}), read with {}\n",
                s.source.path,
                s.title.as_deref().unwrap_or("(untitled)"),
                s.source.format,
                s.source
                    .pages
                    .map(|p| format!(", {p} pages"))
                    .unwrap_or_default(),
                s.source.reader
            ));
            let secs = s.all_sections();
            t.push_str(&format!("  sections: {}\n", secs.len()));
            for sec in secs.iter().filter(|x| x.level <= 2).take(40) {
                t.push_str(&format!(
                    "    {}{} {}\n",
                    "  ".repeat(sec.level.saturating_sub(1) as usize),
                    sec.number.as_deref().unwrap_or("-"),
                    sec.title
                ));
            }
            let tables = s.tables();
            let kinds = |k: spec::TableKind| tables.iter().filter(|t| t.kind == k).count();
            t.push_str(&format!(
                "  tables: {} ({} ports, {} parameters, {} registers, {} bit fields, {} other)\n",
                tables.len(),
                kinds(spec::TableKind::Ports),
                kinds(spec::TableKind::Parameters),
                kinds(spec::TableKind::Registers),
                kinds(spec::TableKind::Fields),
                kinds(spec::TableKind::Other)
            ));
            for (iface, n) in s.interfaces() {
                t.push_str(&format!(
                    "  interface {}: {n} ports\n",
                    if iface.is_empty() {
                        "(unnamed)"
                    } else {
                        &iface
                    }
                ));
            }
            let names: Vec<&str> = s.ports.iter().map(|p| p.name.as_str()).collect();
            t.push_str(&format!(
                "  ports ({}): {}\n",
                names.len(),
                names.join(", ")
            ));
            let names: Vec<&str> = s.parameters.iter().map(|p| p.name.as_str()).collect();
            t.push_str(&format!(
                "  parameters ({}): {}\n",
                names.len(),
                names.join(", ")
            ));
            let regs: Vec<String> = s
                .registers
                .iter()
                .map(|r| {
                    format!(
                        "{}@{}{}",
                        r.name,
                        r.offset.as_deref().unwrap_or("?"),
                        if r.fields.is_empty() {
                            String::new()
                        } else {
                            format!(" ({} fields)", r.fields.len())
                        }
                    )
                })
                .collect();
            t.push_str(&format!(
                "  registers ({}): {}\n",
                regs.len(),
                regs.join(", ")
            ));
            t
        }
    };
    match &a.out {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| {
                AppError::usage(
                    format!("cannot write {}: {e}", p.display()),
                    "choose a writable path",
                )
            })?;
            println!("ingest: written to {}", p.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::Success)
}

/// What is installed and usable: each tool's version, the Landlock sandbox, the cache folder.
async fn doctor() -> Result<ExitCode, AppError> {
    use rtlsmith::process::{self, CommandSpec};
    let mut missing = Vec::new();
    println!("rtlsmith {}", env!("CARGO_PKG_VERSION"));
    let tools: [(&str, &[&str], &str); 7] = [
        (
            "iverilog",
            &["-V"],
            "simulation with Icarus (sim, regress, eval)",
        ),
        ("vvp", &["-V"], "simulation with Icarus"),
        (
            "verilator",
            &["--version"],
            "simulation and lint with Verilator",
        ),
        ("make", &["--version"], "Verilator builds"),
        ("g++", &["--version"], "Verilator builds"),
        ("pdftotext", &["-v"], "PDF specs (ingest)"),
        ("pdfinfo", &["-v"], "PDF specs (ingest)"),
    ];
    for (tool, args, why) in tools {
        match process::find_program(tool) {
            Some(path) => {
                let spec = CommandSpec::new(&path, std::env::temp_dir())
                    .args(args.iter().copied())
                    .timeout(Duration::from_secs(20));
                let v = match process::run(&spec).await {
                    Ok(o) => o.combined().lines().next().unwrap_or("").trim().to_string(),
                    Err(e) => format!("does not run: {e}"),
                };
                println!("  ok       {tool:<10} {v}");
            }
            None => {
                println!("  MISSING  {tool:<10} needed for {why}");
                missing.push(tool);
            }
        }
    }
    println!(
        "  {}  landlock   {}",
        if process::sandbox_supported() {
            "ok     "
        } else {
            "absent "
        },
        if process::sandbox_supported() {
            "simulations cannot write outside their job directories"
        } else {
            "this kernel does not enforce Landlock: simulations run without the write sandbox"
        }
    );
    match default_cache_dir() {
        Some(d) => println!("  ok       cache      {}", d.display()),
        None => println!("  absent   cache      HOME is not set: nothing is cached between runs"),
    }
    for var in ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"] {
        let set = std::env::var_os(var).is_some_and(|v| !v.is_empty());
        println!("  {}  {var}", if set { "set    " } else { "not set" });
    }
    if missing.is_empty() {
        Ok(ExitCode::Success)
    } else {
        Err(AppError {
            code: ExitCode::ToolMissing,
            message: format!("missing: {}", missing.join(", ")),
            hint: "install them with scripts/setup.sh".into(),
        })
    }
}
