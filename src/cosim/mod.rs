/*!
`rtlsmith cosim`: RTL checked cycle by cycle against a C++ golden model, on Verilator (one
generated harness drives the Verilated RTL and the model in lockstep) and on Icarus (the model
alone records the outputs it expects; a generated self-checking testbench replays them).

The ports come from the RTL (parsed with [`crate::hdl`], parameters resolved); the model is
checked against them by the C++ compiler before anything runs ([`model`]); the stimulus is
seeded and the same on both simulators ([`stimulus`]); the protocol of a cycle is in
[`harness`]. A model that does not compile, crashes or loops is named as the culprit, apart
from RTL that does not compile.
*/

pub mod harness;
pub mod model;
pub mod stimulus;
pub mod testbench;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use regex::Regex;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::hdl;
use crate::process::{self, CommandSpec, Exit, Limits, ProcessError};
use crate::sim::{self, Design, SimError, SimKind, SimOptions, Status};
use stimulus::Stimulus;

/// A port of the top module as the co-simulation sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Port {
    pub name: String,
    pub input: bool,
    pub width: u32,
}

/// The input that resets the design, and its active level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reset {
    pub name: String,
    pub active_low: bool,
    /// The RTL reacts to an edge of it (`always @(posedge clk or posedge rst)`): the reset acts
    /// at once, so outputs are compared from the first cycle it is asserted.
    #[serde(default)]
    pub asynchronous: bool,
}

impl std::str::FromStr for Reset {
    type Err = String;
    /// `NAME` (active high) or `NAME:low`.
    fn from_str(s: &str) -> Result<Reset, String> {
        let (name, active_low) = match s.split_once(':') {
            None => (s, false),
            Some((n, "low")) => (n, true),
            Some((n, "high")) => (n, false),
            Some(_) => return Err(format!("--reset {s}: write NAME, NAME:low or NAME:high")),
        };
        Ok(Reset {
            name: name.to_string(),
            active_low,
            asynchronous: false,
        })
    }
}

/// `--when OUT=VALID`: compare `output` only in cycles where the model's `valid` output is 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct When {
    pub output: String,
    pub valid: String,
}

impl std::str::FromStr for When {
    type Err = String;
    fn from_str(s: &str) -> Result<When, String> {
        let (o, v) = s
            .split_once('=')
            .ok_or_else(|| format!("--when {s}: write OUTPUT=VALID"))?;
        Ok(When {
            output: o.trim().to_string(),
            valid: v.trim().to_string(),
        })
    }
}

/// What to co-simulate and how.
#[derive(Debug, Clone)]
pub struct CosimOptions {
    /// The RTL: sources, include folders, defines, the top module, parameter overrides.
    pub design: Design,
    pub model: PathBuf,
    pub clock: Option<String>,
    /// None: an input named like a reset (`rst`, `reset`, `rst_n`, …) if there is one.
    pub reset: Option<Reset>,
    pub reset_cycles: usize,
    pub reset_prob: f64,
    pub cycles: usize,
    pub seed: u64,
    pub warmup: usize,
    pub vectors: Option<PathBuf>,
    pub when: Vec<When>,
    pub sims: Vec<SimKind>,
    /// CPU seconds for a run (compiles get their own, larger limit).
    pub timeout: Duration,
    /// Where built harnesses are kept between runs (None: rebuilt every time).
    pub cache_dir: Option<PathBuf>,
    /// Keep the job folders (their paths are reported).
    pub keep: bool,
    /// Icarus only: record the model's outputs and write the replay testbench in its trace
    /// form (see [`testbench::Bench::trace`]) without running it; the run's `job_dir` holds
    /// `cosim_tb.sv` and `data/`. What `rtlsmith trace --cosim` runs.
    pub replay_only: bool,
}

/// The verdict of a co-simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Match,
    Mismatch,
    /// The model did not compile, crashed or did not return.
    ModelError,
    /// The RTL did not compile (or its simulation failed on its own).
    RtlError,
}

/// The first output that differed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    pub cycle: usize,
    pub port: String,
    /// Hex, as wide as the port.
    pub expected: String,
    pub actual: String,
    /// The inputs of the last (up to) 8 cycles up to the mismatch, oldest first.
    pub inputs: Vec<BTreeMap<String, String>>,
}

/// One simulator's run.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub simulator: SimKind,
    pub verdict: Verdict,
    pub mismatch: Option<Mismatch>,
    /// One line saying why (and the compiler's messages for a build that failed).
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
    /// The simulator's warnings about the RTL (reported, never fatal).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The RTL's waveform, kept on a mismatch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wave: Option<PathBuf>,
    /// The Verilator harness came from the build cache.
    pub build_cached: bool,
    pub seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_dir: Option<PathBuf>,
}

impl Run {
    /// A run on `simulator` with this verdict and message (the rest empty).
    fn new(simulator: SimKind, verdict: Verdict, message: String) -> Run {
        Run {
            simulator,
            verdict,
            mismatch: None,
            message,
            messages: Vec::new(),
            warnings: Vec::new(),
            wave: None,
            build_cached: false,
            seconds: 0.0,
            job_dir: None,
        }
    }
}

/// The result of `rtlsmith cosim`.
#[derive(Debug, Clone, Serialize)]
pub struct CosimReport {
    pub verdict: Verdict,
    pub cycles: usize,
    pub seed: u64,
    /// `verilator`, `icarus` or `both`.
    pub simulator: String,
    pub mismatch: Option<Mismatch>,
    pub top: String,
    pub clock: Option<String>,
    pub reset: Option<Reset>,
    pub compare_from: usize,
    pub ports: Vec<Port>,
    pub runs: Vec<Run>,
    /// The simulators gave different verdicts.
    pub disagreement: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CosimError {
    #[error(transparent)]
    Hdl(#[from] hdl::HdlError),
    #[error("no module {top} in the sources (they define: {found})")]
    NoTop { top: String, found: String },
    #[error("{0}")]
    Design(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("model {}: not found", .0.display())]
    ModelMissing(PathBuf),
    #[error("model {} does not match the RTL's ports:\n  {}", .model.display(), .problems.join("\n  "))]
    Contract {
        model: PathBuf,
        problems: Vec<String>,
    },
    #[error("model {} does not compile:\n  {}", .model.display(), .messages.join("\n  "))]
    ModelCompile {
        model: PathBuf,
        messages: Vec<String>,
    },
    #[error("{}{}: {message}", .path.display(), .line.map(|l| format!(":{l}")).unwrap_or_default())]
    Vectors {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    #[error("{0} not found on PATH (needed for cosim)")]
    ToolMissing(&'static str),
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error(transparent)]
    Process(ProcessError),
    #[error("cannot write {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl CosimError {
    pub fn io(path: &Path, source: std::io::Error) -> CosimError {
        CosimError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// What the user should do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            CosimError::Hdl(_) => "rtlsmith lint shows the simulators' own messages",
            CosimError::NoTop { .. } => "name the RTL's top module with --top",
            CosimError::Design(_) | CosimError::Unsupported(_) => "rtlsmith cosim --help",
            CosimError::ModelMissing(_) => "pass the C++ model's path to --model",
            CosimError::Contract { .. } => {
                "the model contract is in the README (Co-simulation): a public field per port but the clock, eval(), tick()"
            }
            CosimError::ModelCompile { .. } => "fix the model (g++ -std=c++17)",
            CosimError::Vectors { .. } => {
                "--vectors is JSONL: one object per cycle, input name → number or hex string"
            }
            CosimError::ToolMissing(_) | CosimError::Sim(SimError::ToolMissing { .. }) => {
                "install it with scripts/setup.sh"
            }
            CosimError::Sim(e) => e.hint(),
            CosimError::Process(_) | CosimError::Io { .. } => {
                "check free space and permissions of the temp directory"
            }
        }
    }

    pub fn is_tool_missing(&self) -> bool {
        matches!(
            self,
            CosimError::ToolMissing(_) | CosimError::Sim(SimError::ToolMissing { .. })
        )
    }
}

/// The design's interface as the co-simulation drives it.
#[derive(Debug, Clone)]
pub struct Interface {
    pub inputs: Vec<Port>,
    pub outputs: Vec<Port>,
    pub clock: Option<String>,
    pub reset: Option<Reset>,
}

const CLOCK_NAMES: [&str; 2] = ["clk", "clock"];
const RESETS_HIGH: [&str; 6] = ["rst", "reset", "areset", "arst", "rst_i", "reset_i"];
const RESETS_LOW: [&str; 8] = [
    "rst_n", "rstn", "reset_n", "resetn", "arst_n", "aresetn", "areset_n", "rst_ni",
];

/// Whether an input's name says it is a clock: `clk`, `clock`, `*_clk`.
pub fn is_clock_name(name: &str) -> bool {
    CLOCK_NAMES.contains(&name) || name.ends_with("_clk")
}

/// Whether an input's name says it is a reset: Some(active low) for `rst`, `reset`, `rst_n`, ….
pub fn reset_by_name(name: &str) -> Option<bool> {
    if RESETS_LOW.contains(&name) {
        Some(true)
    } else if RESETS_HIGH.contains(&name) {
        Some(false)
    } else {
        None
    }
}

/// Read the top module's ports, choose the clock and the reset, and refuse what the harness
/// cannot drive.
pub fn interface(opts: &CosimOptions) -> Result<Interface, CosimError> {
    let top = opts
        .design
        .top
        .clone()
        .ok_or_else(|| CosimError::Design("no top module given (--top)".into()))?;
    let mut modules = Vec::new();
    let mut texts = Vec::new();
    for s in &opts.design.sources {
        let text = std::fs::read_to_string(s).map_err(|e| CosimError::io(s, e))?;
        modules.extend(hdl::parse_modules(&text, s)?);
        texts.push(hdl::strip_comments(&text));
    }
    let Some(m) = modules.iter().find(|m| m.name == top) else {
        let found: Vec<&str> = modules.iter().map(|m| m.name.as_str()).collect();
        return Err(CosimError::NoTop {
            top,
            found: found.join(", "),
        });
    };
    let params = m
        .resolve_params(&opts.design.parameters)
        .map_err(CosimError::Design)?;
    let mut ports = Vec::new();
    for p in &m.ports {
        if p.direction == hdl::Direction::Inout {
            return Err(CosimError::Unsupported(format!(
                "port {} of {top} is inout (or its direction is not declared): cosim drives inputs and compares outputs",
                p.name
            )));
        }
        let width = p.width(&params).map_err(CosimError::Design)?;
        let width = u32::try_from(width)
            .ok()
            .filter(|w| *w <= 4096)
            .ok_or_else(|| {
                CosimError::Unsupported(format!("port {} is {width} bits wide", p.name))
            })?;
        ports.push(Port {
            name: p.name.clone(),
            input: p.direction == hdl::Direction::Input,
            width,
        });
    }
    let inputs: Vec<&Port> = ports.iter().filter(|p| p.input).collect();
    let clock = match &opts.clock {
        Some(c) => {
            let p = inputs.iter().find(|p| &p.name == c).ok_or_else(|| {
                CosimError::Design(format!("--clock {c}: {top} has no input {c}"))
            })?;
            if p.width != 1 {
                return Err(CosimError::Design(format!(
                    "--clock {c}: the clock must be 1 bit wide"
                )));
            }
            Some(c.clone())
        }
        None => {
            let named: Vec<&str> = inputs
                .iter()
                .filter(|p| p.width == 1 && is_clock_name(&p.name))
                .map(|p| p.name.as_str())
                .collect();
            match named.as_slice() {
                [] => None,
                [one] => Some(one.to_string()),
                many => {
                    return Err(CosimError::Design(format!(
                        "{top} has several inputs named like a clock ({}): choose one with --clock",
                        many.join(", ")
                    )));
                }
            }
        }
    };
    let reset = match &opts.reset {
        Some(r) => {
            if !inputs.iter().any(|p| p.name == r.name) {
                return Err(CosimError::Design(format!(
                    "--reset {}: {top} has no input {}",
                    r.name, r.name
                )));
            }
            Some(r.clone())
        }
        None => inputs.iter().find_map(|p| {
            let n = p.name.as_str();
            (p.width == 1 && (RESETS_HIGH.contains(&n) || RESETS_LOW.contains(&n))).then(|| Reset {
                name: n.to_string(),
                active_low: RESETS_LOW.contains(&n),
                asynchronous: false,
            })
        }),
    };
    // one clock, rising edge only
    static EDGE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b(posedge|negedge)\s+([A-Za-z_][A-Za-z0-9_$]*)").unwrap());
    let mut other_clocks: Vec<String> = Vec::new();
    let mut reset = reset;
    for t in &texts {
        for c in EDGE.captures_iter(t) {
            let name = &c[2];
            if Some(name) == clock.as_deref() && &c[1] == "negedge" {
                return Err(CosimError::Unsupported(format!(
                    "logic on the falling edge of {name} is not supported (the harness compares at the rising edge only)"
                )));
            }
            let is_input = inputs.iter().any(|p| p.name == name);
            let is_reset = reset.as_ref().is_some_and(|r| r.name == name);
            if is_reset && let Some(r) = reset.as_mut() {
                r.asynchronous = true;
            }
            if is_input
                && !is_reset
                && Some(name) != clock.as_deref()
                && !other_clocks.iter().any(|o| o == name)
            {
                other_clocks.push(name.to_string());
            }
        }
    }
    if !other_clocks.is_empty() {
        return Err(CosimError::Unsupported(match &clock {
            Some(c) => format!(
                "several clocks ({c}, {}) are not supported: cosim drives one clock",
                other_clocks.join(", ")
            ),
            None => format!(
                "{} is used as a clock: name it with --clock",
                other_clocks.join(", ")
            ),
        }));
    }
    for w in &opts.when {
        for (what, name) in [("output", &w.output), ("valid output", &w.valid)] {
            if !ports.iter().any(|p| !p.input && &p.name == name) {
                return Err(CosimError::Design(format!(
                    "--when {}={}: {top} has no {what} {name}",
                    w.output, w.valid
                )));
            }
        }
    }
    Ok(Interface {
        inputs: ports
            .iter()
            .filter(|p| p.input && Some(&p.name) != clock.as_ref())
            .cloned()
            .collect(),
        outputs: ports.iter().filter(|p| !p.input).cloned().collect(),
        clock,
        reset,
    })
}

/// Run the co-simulation.
pub async fn run(opts: &CosimOptions) -> Result<CosimReport, CosimError> {
    if !opts.model.is_file() {
        return Err(CosimError::ModelMissing(opts.model.clone()));
    }
    let model = process::absolute(&opts.model);
    for k in &opts.sims {
        sim::check_available(*k)?;
    }
    if process::find_program("g++").is_none() {
        return Err(CosimError::ToolMissing("g++"));
    }
    let ifc = match interface(opts) {
        Ok(i) => i,
        Err(CosimError::Hdl(e)) => return rtl_does_not_parse(opts, e).await,
        Err(e) => return Err(e),
    };
    let work = tempfile::Builder::new()
        .prefix("rtlsmith-cosim-")
        .tempdir()
        .map_err(|e| CosimError::io(&std::env::temp_dir(), e))?;
    // the model against the contract, by the compiler
    let all: Vec<&Port> = ifc.inputs.iter().chain(ifc.outputs.iter()).collect();
    let shape = match model::probe(&model, &all, ifc.clock.as_deref(), work.path()).await {
        Ok(s) => s,
        Err(CosimError::ModelCompile { messages, .. }) => {
            let first = messages.first().cloned().unwrap_or_default();
            return Ok(one_run_report(
                opts,
                Verdict::ModelError,
                format!("the model does not compile: {first}"),
                messages,
            ));
        }
        Err(e) => return Err(e),
    };
    model::check(&shape, &all, ifc.clock.as_deref()).map_err(|problems| CosimError::Contract {
        model: opts.model.clone(),
        problems,
    })?;
    let stim = stimulus::Plan {
        inputs: &ifc.inputs,
        reset: ifc.reset.as_ref(),
        reset_cycles: opts.reset_cycles,
        reset_prob: opts.reset_prob,
        cycles: opts.cycles,
        seed: opts.seed,
        warmup: opts.warmup,
        vectors: opts.vectors.as_deref(),
    }
    .build()?;
    let stim_file = work.path().join("stimulus.bin");
    let bytes: Vec<u8> = stim
        .cycles
        .iter()
        .flatten()
        .flatten()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    std::fs::write(&stim_file, bytes).map_err(|e| CosimError::io(&stim_file, e))?;
    let hshape = harness::Shape {
        inputs: &ifc.inputs,
        outputs: &ifc.outputs,
        clock: ifc.clock.as_deref(),
        when: &opts.when,
        model: &model,
    };
    let marker = format!("RTLSMITH{}", crate::util::random_hex(12));
    let job = Job {
        opts,
        ifc: &ifc,
        shape: &hshape,
        stim: &stim,
        stim_file: &stim_file,
        marker: &marker,
        work: work.path(),
    };
    let mut runs = Vec::new();
    for k in &opts.sims {
        runs.push(match k {
            SimKind::Verilator => run_verilator(&job).await?,
            SimKind::Icarus => run_icarus(&job).await?,
        });
    }
    // a mismatch keeps its waveform (and so the work folder) for the trace to read
    if opts.keep || opts.replay_only || runs.iter().any(|r| r.wave.is_some()) {
        let kept = work.keep();
        for r in &mut runs {
            r.job_dir.get_or_insert(kept.clone());
        }
    }
    let disagreement = runs.windows(2).any(|w| w[0].verdict != w[1].verdict);
    let verdict = [
        Verdict::ModelError,
        Verdict::RtlError,
        Verdict::Mismatch,
        Verdict::Match,
    ]
    .into_iter()
    .find(|v| runs.iter().any(|r| r.verdict == *v))
    .unwrap_or(Verdict::Match);
    Ok(CosimReport {
        verdict,
        cycles: stim.cycles.len(),
        seed: opts.seed,
        simulator: match opts.sims.as_slice() {
            [one] => one.name().to_string(),
            _ => "both".into(),
        },
        mismatch: runs.iter().find_map(|r| r.mismatch.clone()),
        top: opts.design.top.clone().unwrap_or_default(),
        clock: ifc.clock.clone(),
        reset: ifc.reset.clone(),
        compare_from: stim.compare_from,
        ports: all.into_iter().cloned().collect(),
        runs,
        disagreement,
    })
}

/// The RTL does not parse: show what the simulators say about it (their messages are the ones
/// to read), as an RTL error.
async fn rtl_does_not_parse(
    opts: &CosimOptions,
    e: hdl::HdlError,
) -> Result<CosimReport, CosimError> {
    let kind = opts.sims.first().copied().unwrap_or(SimKind::Icarus);
    let lint = sim::lint(kind, &opts.design, Duration::from_secs(120)).await?;
    let messages: Vec<String> = lint
        .diagnostics
        .iter()
        .filter(|d| d.severity >= sim::Severity::Error)
        .map(sim::Diagnostic::one_line)
        .take(10)
        .collect();
    if messages.is_empty() {
        return Err(CosimError::Hdl(e));
    }
    let first = messages[0].clone();
    Ok(one_run_report(
        opts,
        Verdict::RtlError,
        format!("the RTL does not compile: {first}"),
        messages,
    ))
}

/// The report of a co-simulation that stopped before simulating.
fn one_run_report(
    opts: &CosimOptions,
    verdict: Verdict,
    message: String,
    messages: Vec<String>,
) -> CosimReport {
    let kind = opts.sims.first().copied().unwrap_or(SimKind::Verilator);
    CosimReport {
        verdict,
        cycles: 0,
        seed: opts.seed,
        simulator: kind.name().into(),
        mismatch: None,
        top: opts.design.top.clone().unwrap_or_default(),
        clock: None,
        reset: None,
        compare_from: 0,
        ports: Vec::new(),
        runs: vec![Run {
            messages,
            ..Run::new(kind, verdict, message)
        }],
        disagreement: false,
    }
}

/// The inputs of the last 8 cycles up to `cycle`.
fn recent_inputs(stim: &Stimulus, cycle: usize) -> Vec<BTreeMap<String, String>> {
    let end = cycle.min(stim.cycles.len().saturating_sub(1));
    let start = (end + 1).saturating_sub(8);
    (start..=end)
        .filter_map(|c| stim.cycles.get(c))
        .map(|row| {
            stim.inputs
                .iter()
                .zip(row)
                .map(|(p, v)| (p.name.clone(), stimulus::to_hex(v, p.width)))
                .collect()
        })
        .collect()
}

/// A `MARKER-MISMATCH cycle port expected actual` line, values normalised to the port's width.
fn parse_mismatch(text: &str, marker: &str, ports: &[Port], stim: &Stimulus) -> Option<Mismatch> {
    let tag = format!("{marker}-MISMATCH ");
    let line = text.lines().find_map(|l| l.trim().strip_prefix(&tag))?;
    let f: Vec<&str> = line.split_whitespace().collect();
    let [cycle, port, e, a] = f.as_slice() else {
        return None;
    };
    let cycle: usize = cycle.parse().ok()?;
    let width = ports.iter().find(|p| p.name == *port)?.width;
    let norm = |h: &str| -> String {
        if h.chars().all(|c| c.is_ascii_hexdigit()) {
            let digits = width.div_ceil(4) as usize;
            let t = h.trim_start_matches('0');
            format!("{t:0>digits$}")
        } else {
            // x or z digits from Icarus, as they were printed
            h.to_string()
        }
    };
    Some(Mismatch {
        cycle,
        port: port.to_string(),
        expected: norm(e),
        actual: norm(a),
        inputs: recent_inputs(stim, cycle),
    })
}

fn matched(text: &str, marker: &str) -> bool {
    let tag = format!("{marker}-MATCH ");
    text.lines().any(|l| l.trim().starts_with(&tag))
}

/// Content hash of everything a built Verilator harness depends on.
fn build_key(opts: &CosimOptions, harness: &str, version: &str) -> String {
    let mut h = Sha256::new();
    let mut part = |b: &[u8]| {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    };
    part(b"rtlsmith-cosim-v2");
    part(version.as_bytes());
    part(harness.as_bytes());
    for s in &opts.design.sources {
        part(s.display().to_string().as_bytes());
        part(&std::fs::read(s).unwrap_or_default());
    }
    // the model and every header it includes with quotes (a header can change alone)
    for f in local_includes(&opts.model) {
        part(f.display().to_string().as_bytes());
        part(&std::fs::read(&f).unwrap_or_default());
    }
    for (k, v) in &opts.design.parameters {
        part(format!("{k}={v}").as_bytes());
    }
    for d in opts.design.define_flags() {
        part(d.as_bytes());
    }
    for i in &opts.design.include_dirs {
        part(i.display().to_string().as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A C++ file and the files it includes with quotes, transitively (resolved beside the file
/// that includes them), in the order met.
fn local_includes(path: &Path) -> Vec<PathBuf> {
    static INCLUDE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"(?m)^\s*#\s*include\s*"([^"]+)""#).unwrap());
    let mut out: Vec<PathBuf> = vec![path.to_path_buf()];
    let mut i = 0;
    while i < out.len() && out.len() < 256 {
        let text = std::fs::read_to_string(&out[i]).unwrap_or_default();
        let dir = out[i].parent().map(Path::to_path_buf).unwrap_or_default();
        for c in INCLUDE.captures_iter(&text) {
            let f = dir.join(&c[1]);
            if f.is_file() && !out.contains(&f) {
                out.push(f);
            }
        }
        i += 1;
    }
    out
}

/// What both simulators' runs share.
struct Job<'a> {
    opts: &'a CosimOptions,
    ifc: &'a Interface,
    shape: &'a harness::Shape<'a>,
    stim: &'a Stimulus,
    stim_file: &'a Path,
    marker: &'a str,
    work: &'a Path,
}

async fn run_verilator(job: &Job<'_>) -> Result<Run, CosimError> {
    let Job {
        opts,
        shape,
        stim,
        stim_file,
        marker,
        work,
        ..
    } = *job;
    let started = Instant::now();
    let dir = work.join("verilator");
    std::fs::create_dir_all(&dir).map_err(|e| CosimError::io(&dir, e))?;
    let text = harness::verilator_harness(shape);
    let version = sim::version(SimKind::Verilator).await?;
    let key = build_key(opts, &text, &version);
    let cached = opts
        .cache_dir
        .as_ref()
        .map(|d| d.join("cosim").join(&key).join("Vcosim"));
    let mut build_cached = false;
    let warnings: Vec<String>;
    let exe = match &cached {
        Some(p) if p.is_file() => {
            build_cached = true;
            warnings = std::fs::read_to_string(p.with_file_name("warnings.txt"))
                .map(|t| t.lines().map(str::to_string).collect())
                .unwrap_or_default();
            p.clone()
        }
        _ => {
            let h = dir.join("harness.cpp");
            std::fs::write(&h, &text).map_err(|e| CosimError::io(&h, e))?;
            let top = opts.design.top.clone().unwrap_or_default();
            let mut spec = CommandSpec::new("verilator", &dir)
                .args(["--cc", "--exe", "--build", "--trace", "-Wno-fatal"])
                .args(["-Wno-style", "--prefix", "Vdut", "-o", "Vcosim"])
                .arg("-j")
                .arg(crate::runner::cores().to_string())
                .arg("--Mdir")
                .arg(dir.join("obj"))
                .arg("--top-module")
                .arg(&top)
                .args(["-CFLAGS", "-std=c++17 -O2"]);
            for d in opts.design.effective_include_dirs() {
                spec = spec.arg(format!("-I{}", d.display()));
            }
            spec = spec.args(opts.design.define_flags());
            for (k, v) in &opts.design.parameters {
                spec = spec.arg(format!("-G{k}={v}"));
            }
            let spec = spec
                .args(opts.design.sources.iter().map(|s| s.as_os_str().to_owned()))
                .arg(&h)
                .env("CCACHE_DISABLE", "1")
                .env("TMPDIR", &dir)
                .cpu_timeout(Duration::from_secs(600))
                .limits(Limits::for_compile())
                .sandbox_writes(vec![dir.clone()]);
            let out = process::run(&spec).await.map_err(CosimError::Process)?;
            if !out.exit.success() {
                return Ok(build_failure(
                    SimKind::Verilator,
                    &out.combined(),
                    &opts.model,
                    started,
                ));
            }
            warnings = sim::diagnostics::parse_verilator(&out.combined())
                .iter()
                .filter(|d| d.severity == sim::Severity::Warning)
                .map(sim::Diagnostic::one_line)
                .collect();
            let built = dir.join("obj").join("Vcosim");
            match &cached {
                Some(dest) => {
                    let _ = crate::util::write_atomic(
                        &dest.with_file_name("warnings.txt"),
                        warnings.join("\n"),
                    );
                    // copy, then rename: a concurrent run never sees half a binary
                    if let Some(p) = dest.parent() {
                        std::fs::create_dir_all(p).map_err(|e| CosimError::io(p, e))?;
                    }
                    let tmp = dest.with_extension(format!("partial{}", std::process::id()));
                    std::fs::copy(&built, &tmp).map_err(|e| CosimError::io(&tmp, e))?;
                    std::fs::rename(&tmp, dest).map_err(|e| CosimError::io(dest, e))?;
                    dest.clone()
                }
                None => built,
            }
        }
    };
    let run = |vcd: Option<PathBuf>| {
        let mut spec = CommandSpec::new(&exe, &dir)
            .arg(stim_file)
            .arg(stim.cycles.len().to_string())
            .arg(stim.compare_from.to_string())
            .arg(marker)
            .cpu_timeout(opts.timeout)
            .limits(Limits::for_simulation())
            .output_limit(16 << 20)
            .sandbox_writes(vec![dir.clone()]);
        if let Some(v) = vcd {
            spec = spec.arg(v);
        }
        async move { process::run(&spec).await.map_err(CosimError::Process) }
    };
    let out = run(None).await?;
    let text = out.stdout.text();
    let outputs: Vec<Port> = shape.outputs.to_vec();
    let mut r = Run {
        warnings,
        build_cached,
        ..Run::new(SimKind::Verilator, Verdict::Match, String::new())
    };
    if let Some(m) = parse_mismatch(&text, marker, &outputs, stim) {
        r.verdict = Verdict::Mismatch;
        r.message = describe(&m);
        // the run again with a waveform, for the trace
        let vcd = dir.join("rtl.vcd");
        let _ = run(Some(vcd.clone())).await?;
        if vcd.is_file() {
            r.wave = Some(vcd);
            r.job_dir = Some(dir.clone());
        }
        r.mismatch = Some(m);
    } else if matched(&text, marker) && out.exit.success() {
        r.message = format!("{} cycles match", stim.cycles.len());
    } else {
        // Verilated RTL neither loops nor crashes on its own: the model did
        r.verdict = Verdict::ModelError;
        r.message = model_failure(&out, opts.timeout);
        r.messages = out
            .combined()
            .lines()
            .rev()
            .take(5)
            .map(str::to_string)
            .collect();
    }
    r.seconds = started.elapsed().as_secs_f64();
    Ok(r)
}

fn describe(m: &Mismatch) -> String {
    format!(
        "cycle {}: {} is {} but the model expects {}",
        m.cycle, m.port, m.actual, m.expected
    )
}

fn model_failure(out: &process::Output, timeout: Duration) -> String {
    match out.exit {
        Exit::TimedOut => format!(
            "the model did not return within {} s of CPU time (an endless loop in eval() or tick()?)",
            timeout.as_secs()
        ),
        Exit::Signal(_) => format!("the model crashed: {}", out.exit),
        Exit::OutputLimit => "the model flooded its output".into(),
        Exit::Code(c) => {
            format!("the harness ended with status {c} and no verdict (the model exited?)")
        }
    }
}

/// A failed build: the model's fault when the compiler names the model (or the harness that
/// includes it), else the RTL's.
fn build_failure(kind: SimKind, text: &str, model: &Path, started: Instant) -> Run {
    let model_name = model.file_name().map(|n| n.to_string_lossy().into_owned());
    let errors: Vec<String> = text
        .lines()
        .filter(|l| l.contains("error") || l.contains("Error"))
        .map(|l| l.trim().to_string())
        .collect();
    let is_model = errors
        .iter()
        .any(|l| model_name.as_deref().is_some_and(|n| l.contains(n)) || l.contains("harness.cpp"));
    let messages: Vec<String> = errors.into_iter().take(10).collect();
    let first = messages
        .first()
        .cloned()
        .unwrap_or_else(|| "no message".into());
    let (verdict, message) = if is_model {
        (
            Verdict::ModelError,
            format!("the model does not compile with the harness: {first}"),
        )
    } else {
        (
            Verdict::RtlError,
            format!("the RTL does not compile: {first}"),
        )
    };
    Run {
        messages,
        seconds: started.elapsed().as_secs_f64(),
        ..Run::new(kind, verdict, message)
    }
}

async fn run_icarus(job: &Job<'_>) -> Result<Run, CosimError> {
    let Job {
        opts,
        ifc,
        shape,
        stim,
        stim_file,
        marker,
        work,
    } = *job;
    let started = Instant::now();
    let dir = work.join("icarus");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).map_err(|e| CosimError::io(&data, e))?;
    // 1. the model alone records what it expects
    let rec = dir.join("recorder.cpp");
    std::fs::write(&rec, harness::recorder(shape)).map_err(|e| CosimError::io(&rec, e))?;
    let exe = dir.join("recorder");
    let out = model::compile(&rec, &exe, &dir).await?;
    if !out.exit.success() {
        return Ok(build_failure(
            SimKind::Icarus,
            &out.combined(),
            &opts.model,
            started,
        ));
    }
    let out = process::run(
        &CommandSpec::new(&exe, &dir)
            .arg(stim_file)
            .arg(stim.cycles.len().to_string())
            .arg(&data)
            .cpu_timeout(opts.timeout)
            .limits(Limits::for_simulation())
            .sandbox_writes(vec![dir.clone()]),
    )
    .await
    .map_err(CosimError::Process)?;
    let mut r = Run::new(SimKind::Icarus, Verdict::Match, String::new());
    if !out.exit.success() {
        r.verdict = Verdict::ModelError;
        r.message = model_failure(&out, opts.timeout);
        r.seconds = started.elapsed().as_secs_f64();
        return Ok(r);
    }
    // 2. the testbench replays stimulus and expectations on the RTL
    for (i, p) in stim.inputs.iter().enumerate() {
        let text: String = stim
            .cycles
            .iter()
            .map(|row| stimulus::to_hex(&row[i], p.width) + "\n")
            .collect();
        let f = data.join(format!("stim_{}.hex", p.name));
        std::fs::write(&f, text).map_err(|e| CosimError::io(&f, e))?;
    }
    let tb = dir.join("cosim_tb.sv");
    let top = opts.design.top.clone().unwrap_or_default();
    std::fs::write(
        &tb,
        testbench::testbench(&testbench::Bench {
            top: &top,
            params: &opts.design.parameters,
            inputs: &ifc.inputs,
            outputs: &ifc.outputs,
            clock: ifc.clock.as_deref(),
            cycles: stim.cycles.len(),
            compare_from: stim.compare_from,
            marker,
            trace: opts.replay_only,
        }),
    )
    .map_err(|e| CosimError::io(&tb, e))?;
    if opts.replay_only {
        // for `trace`: the testbench and its data, not run here
        r.message = "replay testbench written".into();
        r.job_dir = Some(dir.clone());
        r.seconds = started.elapsed().as_secs_f64();
        return Ok(r);
    }
    let mut design = opts.design.clone();
    design.sources.push(tb);
    design.top = Some(testbench::TB_TOP.into());
    design.parameters.clear();
    let simulate = |wave: Option<PathBuf>| {
        let o = SimOptions {
            timeout: opts.timeout,
            data_dir: Some(data.clone()),
            wave,
            require_finish: true,
            output_limit: 16 << 20,
            ..SimOptions::default()
        };
        let design = design.clone();
        async move { sim::simulate(SimKind::Icarus, &design, &o).await }
    };
    let res = simulate(None).await?;
    let text = res
        .run
        .as_ref()
        .map(|p| p.output.clone())
        .unwrap_or_default();
    if res.status == Status::CompileError {
        r.verdict = Verdict::RtlError;
        r.message = format!("the RTL does not compile: {}", res.reason);
        r.messages = res.failing_lines.clone();
    } else if let Some(m) = parse_mismatch(&text, marker, &ifc.outputs, stim) {
        r.verdict = Verdict::Mismatch;
        r.message = describe(&m);
        let vcd = dir.join("rtl.vcd");
        let again = simulate(Some(vcd.clone())).await?;
        r.wave = again.wave;
        r.job_dir = Some(dir.clone());
        r.mismatch = Some(m);
    } else if !matched(&text, marker) {
        r.verdict = Verdict::RtlError;
        r.message = format!(
            "the RTL's simulation ended without a verdict: {}",
            res.reason
        );
        r.messages = res.failing_lines.clone();
    } else {
        r.message = format!("{} cycles match", stim.cycles.len());
    }
    r.seconds = started.elapsed().as_secs_f64();
    Ok(r)
}
