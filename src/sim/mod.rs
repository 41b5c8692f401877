/*!
Simulator backends and the driver that compiles, runs and judges a design.

A backend ([`Simulator`]) only knows its tool's command lines and message formats; the driver
([`simulate`], [`lint`]) owns the job directory, the process constraints and the verdict, so
every backend is judged by the same rules:

- compile failure → [`Status::CompileError`];
- the run killed by its timeout → [`Status::Timeout`] (the timeout counts CPU seconds of the
  simulator, with a wall-clock backstop, so the verdict does not depend on machine load);
- killed by a signal (not an `$error`/`$fatal` abort) or a non-zero exit with no error message
  → [`Status::Crash`];
- an `$error`/`$fatal`/failed assertion, a line matching the failure regex, the output limit,
  a missing pass marker, or (by default) a simulation that ended without `$finish`
  → [`Status::Fail`];
- otherwise [`Status::Pass`].

"Ended without `$finish`" is detected without trusting the design: Icarus gets an extra root
module whose only event lies 2^62 ticks in the future and prints a per-job nonce — it can
only run when the design ran out of events; Verilator announces `$finish` itself.
*/

pub mod diagnostics;
mod icarus;
mod lint;
pub mod sarif;
mod verdict;
mod verilator;

pub use diagnostics::{Diagnostic, Severity};
pub use icarus::Icarus;
pub use lint::{LintResult, lint};
use verdict::{first_nonempty, judge, tail_lines};
pub use verilator::Verilator;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::process::{self, CommandSpec, Exit, Limits, Output};

/// The simulators rtlsmith drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SimKind {
    Icarus,
    Verilator,
}

impl SimKind {
    pub const ALL: [SimKind; 2] = [SimKind::Icarus, SimKind::Verilator];

    pub fn name(self) -> &'static str {
        match self {
            SimKind::Icarus => "icarus",
            SimKind::Verilator => "verilator",
        }
    }

    /// The backend for this kind.
    pub fn backend(self) -> &'static dyn Simulator {
        match self {
            SimKind::Icarus => &Icarus,
            SimKind::Verilator => &Verilator,
        }
    }
}

impl fmt::Display for SimKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SimKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "icarus" | "iverilog" => Ok(SimKind::Icarus),
            "verilator" => Ok(SimKind::Verilator),
            other => Err(format!(
                "unknown simulator `{other}` (expected icarus or verilator)"
            )),
        }
    }
}

/// What to compile: sources and how to preprocess and elaborate them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Design {
    /// Source files, absolute.
    pub sources: Vec<PathBuf>,
    pub include_dirs: Vec<PathBuf>,
    /// `NAME` or `NAME=VALUE`.
    pub defines: Vec<(String, Option<String>)>,
    pub top: Option<String>,
    /// Top-level parameter overrides, values as Verilog expressions.
    pub parameters: Vec<(String, String)>,
    /// Extra compiler flags for this backend (e.g. the official VerilogEval iverilog flags).
    pub extra_args: Vec<String>,
}

impl Design {
    /// `-DNAME` / `-DNAME=VALUE`, the syntax both simulators accept.
    pub fn define_flags(&self) -> impl Iterator<Item = String> + '_ {
        self.defines.iter().map(|(k, v)| match v {
            Some(v) => format!("-D{k}={v}"),
            None => format!("-D{k}"),
        })
    }

    /// Include directories as the tools see them: the user's, then each source's own folder
    /// (so `` `include "x.vh" `` next to the including file works on both simulators).
    pub fn effective_include_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = self.include_dirs.clone();
        for s in &self.sources {
            if let Some(p) = s.parent()
                && !dirs.iter().any(|d| d == p)
            {
                dirs.push(p.to_path_buf());
            }
        }
        dirs
    }
}

/// How to run and judge a simulation.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub compile_timeout: Duration,
    pub timeout: Duration,
    /// Folder whose contents are copied into the job directory before running (data files
    /// read by relative path).
    pub data_dir: Option<PathBuf>,
    /// Write a VCD of the whole design here.
    pub wave: Option<PathBuf>,
    /// Only these instance paths below the top in the VCD (Icarus; empty: everything).
    pub wave_scopes: Vec<String>,
    pub pass_regex: Option<Regex>,
    pub fail_regex: Option<Regex>,
    pub require_finish: bool,
    pub output_limit: u64,
    /// Parallel compile jobs a backend may use (Verilator's `-j`).
    pub build_jobs: usize,
    /// Where job directories are created (default: the system temp dir).
    pub scratch: Option<PathBuf>,
    /// Keep the job directory after the run (its path is reported).
    pub keep_job_dir: bool,
    /// Keep it only when the run did not pass.
    pub keep_failed_job_dir: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            compile_timeout: Duration::from_secs(300),
            timeout: Duration::from_secs(60),
            data_dir: None,
            wave: None,
            wave_scopes: Vec::new(),
            pass_regex: None,
            fail_regex: None,
            require_finish: true,
            output_limit: 64 << 20,
            build_jobs: 2,
            scratch: None,
            keep_job_dir: false,
            keep_failed_job_dir: false,
        }
    }
}

/// Files the driver prepared in the job directory for a backend.
#[derive(Debug, Clone)]
pub struct JobFiles {
    pub dir: PathBuf,
    /// Extra root module that prints `marker` only if the design runs out of events.
    pub monitor: Option<(PathBuf, String)>,
    pub marker: String,
    /// A wave-dumping helper (file, module) and the VCD it writes, when a wave was asked for.
    pub wave: Option<(PathBuf, String)>,
    pub wave_file: PathBuf,
}

/// A simulator backend: its command lines and how to read its messages.
pub trait Simulator: Send + Sync {
    fn kind(&self) -> SimKind;
    /// Executables that must be on PATH.
    fn required_programs(&self) -> &'static [&'static str];
    fn version_command(&self, cwd: &Path) -> CommandSpec;
    fn lint_command(&self, design: &Design, job: &Path) -> CommandSpec;
    /// Whether the driver should add the out-of-events monitor as an extra root module.
    fn uses_monitor(&self) -> bool;
    /// Source text of a helper that dumps `top`'s hierarchy (or only the instance paths
    /// `scopes` below it, where the backend can) into `vcd`; returns (text, module the backend
    /// will elaborate).
    fn wave_helper(
        &self,
        design: &Design,
        top: &str,
        scopes: &[String],
        vcd: &Path,
    ) -> (String, String);
    fn build_command(
        &self,
        design: &Design,
        top: &str,
        job: &JobFiles,
        build_jobs: usize,
    ) -> CommandSpec;
    fn run_command(&self, design: &Design, top: &str, job: &JobFiles) -> CommandSpec;
    fn parse_diagnostics(&self, text: &str) -> Vec<Diagnostic>;
    /// Whether the run ended through `$finish` (rather than running out of events).
    fn finished_by_finish(&self, output: &str, job: &JobFiles) -> bool;
}

/// The verdict of one simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    CompileError,
    Timeout,
    Crash,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::CompileError => "compile error",
            Status::Timeout => "timeout",
            Status::Crash => "crash",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One phase (compile or run) as it happened.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseLog {
    pub command: String,
    pub exit: String,
    #[serde(skip)]
    pub outcome: Exit,
    pub seconds: f64,
    pub output: String,
    pub elided_bytes: u64,
}

impl PhaseLog {
    fn from_output(o: &Output) -> Self {
        PhaseLog {
            command: o.command.clone(),
            exit: o.exit.to_string(),
            outcome: o.exit,
            seconds: o.duration.as_secs_f64(),
            output: o.combined(),
            elided_bytes: o.stdout.elided() + o.stderr.elided(),
        }
    }
}

/// Everything known about one simulation of one design on one simulator.
#[derive(Debug, Clone, Serialize)]
pub struct SimResult {
    pub simulator: SimKind,
    pub status: Status,
    /// One line saying why.
    pub reason: String,
    /// The first lines of the log that show the failure.
    pub failing_lines: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    pub compile: Option<PhaseLog>,
    pub run: Option<PhaseLog>,
    /// What to do about a compile error of a known kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wave: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_dir: Option<PathBuf>,
}

/// A hint for the first error whose category we know how to help with.
pub fn hint_for(diagnostics: &[Diagnostic]) -> Option<String> {
    diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Error)
        .find_map(|d| match d.category.as_str() {
            "unknown-top" => Some("the top module (--top, or `top` in the manifest) must name a module defined in the sources"),
            "unknown-module" => Some("add the file that defines the missing module to the sources"),
            "missing-file" => Some("add the folder holding the include file with -I (or include_dirs in the manifest)"),
            "syntax" => Some("fix the syntax at the line shown; rtlsmith lint reports every error"),
            "sorry" => Some("this simulator does not support the construct; try the other one with --sim"),
            _ => None,
        })
        .map(str::to_string)
}

impl SimResult {
    pub fn seconds(&self) -> f64 {
        self.compile.as_ref().map_or(0.0, |p| p.seconds)
            + self.run.as_ref().map_or(0.0, |p| p.seconds)
    }
}

/// Errors where the tool could not do its job (as opposed to a design failing).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("{tool} not found on PATH (needed for {sim})")]
    ToolMissing { tool: String, sim: SimKind },
    #[error("input file not found: {}", .0.display())]
    MissingInput(PathBuf),
    #[error("no top module given")]
    NoTop,
    #[error("cannot prepare job directory {}: {source}", .path.display())]
    JobDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Process(#[from] process::ProcessError),
}

impl SimError {
    /// What the user should do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            SimError::ToolMissing { .. } => {
                "install it with scripts/setup.sh (or apt-get install iverilog verilator), or choose another simulator with --sim"
            }
            SimError::MissingInput(_) => {
                "check the path (relative paths are from the current directory or the manifest's folder)"
            }
            SimError::NoTop => "name the testbench module with --top",
            SimError::JobDir { .. } => {
                "check free space and permissions of the temp directory (TMPDIR)"
            }
            SimError::Process(_) => "check that the tool runs on its own from a shell",
        }
    }
}

/// Check that a backend's programs are on PATH.
pub fn check_available(kind: SimKind) -> Result<(), SimError> {
    for p in kind.backend().required_programs() {
        if process::find_program(p).is_none() {
            return Err(SimError::ToolMissing {
                tool: (*p).to_string(),
                sim: kind,
            });
        }
    }
    Ok(())
}

/// The simulator's version line (probed once per process).
pub async fn version(kind: SimKind) -> Result<String, SimError> {
    static CACHE: [OnceLock<String>; 2] = [OnceLock::new(), OnceLock::new()];
    let slot = &CACHE[kind as usize];
    if let Some(v) = slot.get() {
        return Ok(v.clone());
    }
    check_available(kind)?;
    let spec = kind
        .backend()
        .version_command(&std::env::temp_dir())
        .timeout(Duration::from_secs(20));
    let out = process::run(&spec).await?;
    let v = out
        .combined()
        .lines()
        .next()
        .unwrap_or("unknown")
        .trim()
        .to_string();
    Ok(slot.get_or_init(|| v).clone())
}

pub(crate) fn check_inputs(design: &Design) -> Result<(), SimError> {
    for s in design.sources.iter().chain(design.include_dirs.iter()) {
        if !s.exists() {
            return Err(SimError::MissingInput(s.clone()));
        }
    }
    Ok(())
}

pub(crate) fn job_dir(opts: &SimOptions) -> Result<tempfile::TempDir, SimError> {
    let base = opts.scratch.clone().unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&base).map_err(|source| SimError::JobDir {
        path: base.clone(),
        source,
    })?;
    tempfile::Builder::new()
        .prefix("rtlsmith-job-")
        .tempdir_in(&base)
        .map_err(|source| SimError::JobDir { path: base, source })
}

/// The finest `timescale precision named in the sources, e.g. "ps" (None if none has one).
fn finest_precision(sources: &[PathBuf]) -> Option<&'static str> {
    static TS: OnceLock<Regex> = OnceLock::new();
    let re = TS.get_or_init(|| {
        Regex::new(r"`timescale\s+\d+\s*(?:s|ms|us|ns|ps|fs)\s*/\s*\d+\s*(s|ms|us|ns|ps|fs)")
            .unwrap()
    });
    const ORDER: [&str; 6] = ["s", "ms", "us", "ns", "ps", "fs"];
    let mut best: Option<usize> = None;
    for s in sources {
        let Ok(bytes) = std::fs::read(s) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for c in re.captures_iter(&text) {
            let i = ORDER.iter().position(|u| *u == &c[1]).unwrap_or(0);
            best = Some(best.map_or(i, |b: usize| b.max(i)));
        }
    }
    best.map(|i| ORDER[i])
}

fn monitor_source(module: &str, marker: &str, precision: Option<&str>) -> String {
    let ts = precision
        .map(|p| format!("`timescale 1{p}/1{p}\n"))
        .unwrap_or_default();
    format!(
        "{ts}// rtlsmith: fires only if the design runs out of events before calling $finish\n\
         module {module};\n  initial begin\n    #(64'd4611686018427387904);\n    \
         $display(\"{marker}\");\n    $finish;\n  end\nendmodule\n"
    )
}

/// Compile and run a design on one simulator and judge the result.
pub async fn simulate(
    kind: SimKind,
    design: &Design,
    opts: &SimOptions,
) -> Result<SimResult, SimError> {
    check_available(kind)?;
    check_inputs(design)?;
    let top = design.top.clone().ok_or(SimError::NoTop)?;
    let backend = kind.backend();
    let dir = job_dir(opts)?;
    let dpath = dir.path().to_path_buf();
    let io_err = |source| SimError::JobDir {
        path: dpath.clone(),
        source,
    };
    if let Some(data) = &opts.data_dir {
        let mut budget = 512u64 << 20;
        crate::util::copy_tree(data, &dpath, &mut budget).map_err(io_err)?;
    }
    let n = crate::util::random_hex(8);
    let marker = format!("rtlsmith-no-finish-{n}");
    let helpers = dpath.join(format!(".rtlsmith-{n}"));
    std::fs::create_dir_all(&helpers).map_err(io_err)?;
    // the monitor only serves the "ended by $finish" rule; without it the run is exactly the user's
    let monitor = if backend.uses_monitor() && opts.require_finish {
        let module = format!("rtlsmith_monitor_{n}");
        let path = helpers.join("monitor.v");
        let src = monitor_source(&module, &marker, finest_precision(&design.sources));
        std::fs::write(&path, src).map_err(io_err)?;
        Some((path, module))
    } else {
        None
    };
    let wave_file = dpath.join(format!("rtlsmith-wave-{n}.vcd"));
    let wave = if opts.wave.is_some() {
        let (src, module) = backend.wave_helper(design, &top, &opts.wave_scopes, &wave_file);
        let path = helpers.join("wave.v");
        std::fs::write(&path, src).map_err(io_err)?;
        Some((path, module))
    } else {
        None
    };
    let job = JobFiles {
        dir: dpath.clone(),
        monitor,
        marker,
        wave,
        wave_file: wave_file.clone(),
    };

    let writable = vec![dpath.clone()];
    let build = backend
        .build_command(design, &top, &job, opts.build_jobs)
        .cpu_timeout(opts.compile_timeout)
        .limits(Limits::for_compile())
        .env("TMPDIR", &dpath)
        .sandbox_writes(writable.clone());
    let bout = process::run(&build).await?;
    let btext = bout.combined();
    let mut diagnostics = backend.parse_diagnostics(&btext);
    let compile = Some(PhaseLog::from_output(&bout));
    let keep = |dir: tempfile::TempDir, status: Status| {
        if opts.keep_job_dir || (opts.keep_failed_job_dir && status != Status::Pass) {
            Some(dir.keep())
        } else {
            None
        }
    };
    if !bout.exit.success() {
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.severity >= Severity::Error)
            .map(Diagnostic::one_line)
            .take(5)
            .collect();
        let reason = match bout.exit {
            Exit::TimedOut => format!(
                "compilation timed out after {}s",
                opts.compile_timeout.as_secs()
            ),
            _ => errors
                .first()
                .cloned()
                .unwrap_or_else(|| format!("{} ({})", first_nonempty(&btext), bout.exit)),
        };
        let failing_lines = if errors.is_empty() {
            tail_lines(&btext, 5)
        } else {
            errors
        };
        return Ok(SimResult {
            simulator: kind,
            status: Status::CompileError,
            reason,
            failing_lines,
            hint: hint_for(&diagnostics),
            diagnostics,
            compile,
            run: None,
            wave: None,
            job_dir: keep(dir, Status::CompileError),
        });
    }

    let runspec = backend
        .run_command(design, &top, &job)
        .cpu_timeout(opts.timeout)
        .limits(Limits::for_simulation())
        .output_limit(opts.output_limit)
        .env("TMPDIR", &dpath)
        .sandbox_writes(writable);
    let rout = process::run(&runspec).await?;
    let rtext = rout.combined();
    let rdiags = backend.parse_diagnostics(&rtext);
    let (status, reason, failing_lines) = judge(backend, &rout, &rtext, &rdiags, &job, opts);
    diagnostics.extend(rdiags);

    let wave = match &opts.wave {
        Some(dest) if wave_file.exists() => {
            if let Some(p) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(p).map_err(io_err)?;
            }
            std::fs::copy(&wave_file, dest).map_err(io_err)?;
            Some(dest.clone())
        }
        _ => None,
    };
    Ok(SimResult {
        simulator: kind,
        status,
        reason,
        failing_lines,
        diagnostics,
        hint: None,
        compile,
        run: Some(PhaseLog::from_output(&rout)),
        wave,
        job_dir: keep(dir, status),
    })
}

#[cfg(test)]
mod tests;
