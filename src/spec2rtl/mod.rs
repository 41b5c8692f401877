/*!
`rtlsmith gen`: a spec document to Verilog that has been checked against an independent
executable reading of the spec, every step written into a run directory.

Four stages, each leaving typed artifacts: **understand** (section summaries, the top-level
interface from the spec's port tables, clock and reset, sub-functions in an acyclic dependency
graph, one record per sub-function checked mechanically and by a verifier request against the
passages it cites, open questions settled from an answers file, a terminal, or recorded as
assumptions — see [`plan`]); **code** (per sub-function, in dependency order: pseudocode, then a
C++ header in a synthesizable style compiled with `-Wall -Werror` and run against the record's
tests, a prompt optimizer turning failure logs into instructions and keeping those that helped
— [`cpp`]; the top sub-function is the golden model, written to the `cosim` contract);
**RTL** (per sub-function, with its C++ as the reference; ports against the record and the
spec's interface, lint on both simulators, Yosys `synth` — [`rtl`]); **verify** (the spec's
tests as a self-checking testbench and `cosim` of the RTL against the golden model, on both
simulators; on a mismatch each sub-function is co-simulated on its own to pin the failure,
which becomes a structured failure record and, without reflection, regenerates that
sub-function's Verilog).

The model is reached only through [`ask::Asker`] (cache, record/replay, budgets, re-asks, a
log of every exchange). Reflection (routing a failure to the stage that caused it) is a seam:
[`FailureRecord`] is its input, and [`Ablation`] has the switches of Spec2RTL-Agent's table.
*/

pub mod ask;
pub mod cpp;
pub mod plan;
pub mod reflect;
mod report;
mod routing;
pub mod rtl;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use ask::{Asker, Want};
pub use ask::{Sampling, StageStats};
use plan::{Interface, Pin, Plan, Question, Record, ResetSpec, TestCase, TestCycle, TopPort};
pub use reflect::{Decision, Inject, Router};
pub use report::to_markdown as report_markdown;

use crate::cosim::{self, CosimOptions};
use crate::llm::Client;
use crate::prompts::Prompts;
use crate::sim::{Design, SimKind};
use crate::spec::{self, Spec};

/// Which of Spec2RTL-Agent's ablations runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ablation {
    /// The whole pipeline.
    None,
    /// The whole spec to RTL in one request, then verify against the spec's tests.
    SingleShot,
    /// No plan: one sub-function (the top) coded from the whole spec.
    NoUnderstand,
    /// Straight to Verilog: no pseudocode, no C++; verified against the spec's tests only.
    NaiveCoding,
}

impl Ablation {
    pub fn name(self) -> &'static str {
        match self {
            Ablation::None => "none",
            Ablation::SingleShot => "single-shot",
            Ablation::NoUnderstand => "no-understand",
            Ablation::NaiveCoding => "naive-coding",
        }
    }
}

/// What to generate and how.
#[derive(Debug, Clone)]
pub struct GenOptions {
    pub spec: PathBuf,
    pub out: PathBuf,
    /// The top module's name (default: from the spec file's name).
    pub top: Option<String>,
    /// Question id → answer (JSON object or TOML table).
    pub answers: Option<PathBuf>,
    /// Attempts per generated artifact (C++, Verilog) and verification rounds.
    pub max_iterations: usize,
    /// Verifier rounds per record (and re-asks of a plan with problems).
    pub review_rounds: usize,
    pub ablation: Ablation,
    /// Random co-simulation cycles after the spec's vectors.
    pub cycles: usize,
    pub seed: u64,
    pub sims: Vec<SimKind>,
    /// CPU seconds for a C++ test program or a simulation.
    pub timeout: Duration,
    /// Separates the requests of this run from identical ones of another run sharing the
    /// response cache (eval's samples); empty for `rtlsmith gen`.
    pub salt: String,
    /// How failures are routed (`--router`, `--no-reflection`).
    pub router: Router,
    /// Reflection decisions allowed in a run.
    pub max_reflections: usize,
    /// A fault planted after an artifact passed its own checks (`--inject`).
    pub inject: Option<Inject>,
}

impl GenOptions {
    pub fn new(spec: PathBuf, out: PathBuf) -> GenOptions {
        GenOptions {
            spec,
            out,
            top: None,
            answers: None,
            max_iterations: 3,
            review_rounds: 2,
            ablation: Ablation::None,
            cycles: 2000,
            seed: 1,
            sims: vec![SimKind::Verilator, SimKind::Icarus],
            timeout: Duration::from_secs(30),
            salt: String::new(),
            router: Router::Model,
            max_reflections: 8,
            inject: None,
        }
    }
}

/// A person who can answer a question (the terminal, with `--ask`).
pub trait Human: Send + Sync {
    fn answer(&self, subfunction: &str, q: &Question) -> Option<String>;
}

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error(transparent)]
    Spec(#[from] spec::IngestError),
    #[error("{}: no usable content: {found}", .path.display())]
    NoContent { path: PathBuf, found: String },
    #[error("answers file {}: {message}", .path.display())]
    Answers { path: PathBuf, message: String },
    #[error(transparent)]
    Prompt(crate::prompts::PromptError),
    #[error(transparent)]
    Llm(crate::llm::client::LlmError),
    #[error("{task}: the reply {problem}, after re-asking")]
    Malformed { task: String, problem: String },
    #[error("{0}")]
    Tool(String),
    #[error("cannot write {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl GenError {
    pub fn hint(&self) -> &'static str {
        match self {
            GenError::Spec(e) => e.hint(),
            GenError::NoContent { .. } => {
                "the spec needs text describing the design: sections, a port table, behaviour"
            }
            GenError::Answers { .. } => {
                "an answers file maps question ids (plan.md lists them) to answers: JSON {\"id\": \"answer\"} or TOML id = \"answer\""
            }
            GenError::Prompt(_) => "fix the template (minijinja syntax)",
            GenError::Llm(e) => e.hint(),
            GenError::Malformed { .. } => {
                "the model did not answer in the format asked for; rerun to resume, or try another model"
            }
            GenError::Tool(_) => "install the tools with scripts/setup.sh",
            GenError::Io { .. } => "check free space and permissions of the run directory",
        }
    }

    pub fn is_tool_missing(&self) -> bool {
        matches!(self, GenError::Tool(_))
    }

    fn io(path: &Path, source: std::io::Error) -> GenError {
        GenError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The final verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Co-simulation against the golden model matched on every simulator, and the spec's tests
    /// passed (without a golden model: the spec's tests passed on every simulator).
    Verified,
    /// Verification ran and failed, within the budget.
    Failed,
    /// A stage could not finish (reason given).
    Stopped,
}

/// A failure found by verification: the input of reflection.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FailureRecord {
    pub round: usize,
    /// `cosim` or `vectors`.
    pub check: String,
    pub subfunction: String,
    pub simulator: String,
    pub port: String,
    pub cycle: Option<usize>,
    pub expected: String,
    pub actual: String,
    /// The inputs of the last cycles up to the failure (cosim), or the test's name.
    pub stimulus: serde_json::Value,
    pub message: String,
}

impl FailureRecord {
    fn prompt_text(&self) -> String {
        format!(
            "{} on {} found a mismatch in {}: output {} at cycle {} expected {} but was {}. {}\nStimulus (oldest first): {}",
            self.check,
            self.simulator,
            self.subfunction,
            self.port,
            self.cycle.map_or("?".into(), |c| c.to_string()),
            self.expected,
            self.actual,
            self.message,
            self.stimulus
        )
    }
}

/// One stage's account.
#[derive(Debug, Clone, Serialize)]
pub struct StageReport {
    pub name: String,
    pub status: String,
    /// Generation attempts (C++ or Verilog writes, plans and records asked for).
    pub attempts: u64,
    /// Attempts after the first, per artifact, summed: regenerations.
    pub iterations: u64,
    pub interventions: u64,
    /// Wall time of the whole stage: requests, compiles, simulations, synthesis.
    pub seconds: f64,
    #[serde(flatten)]
    pub usage: StageStats,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// An instruction the prompt optimizer wrote, and whether the next attempt passed with it.
#[derive(Debug, Clone, Serialize)]
pub struct Instruction {
    pub text: String,
    pub from: String,
    pub helped: Option<bool>,
}

/// The result of `rtlsmith gen`, as `report.json`.
#[derive(Debug, Clone, Serialize)]
pub struct GenReport {
    pub verdict: Verdict,
    pub reason: String,
    pub top: String,
    pub spec: String,
    pub ablation: Ablation,
    pub provider: String,
    /// Replies came from the scripted test double (not a model's work).
    pub scripted: bool,
    /// Always `none`: no benchmark testbench or reference entered the loop.
    pub oracle: String,
    pub stages: Vec<StageReport>,
    pub interventions: u64,
    pub questions: Vec<(String, Question)>,
    pub instructions: Vec<Instruction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synth: Option<rtl::Synth>,
    pub vectors: Vec<rtl::VectorRun>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cosim: Option<CosimSummary>,
    pub failures: Vec<FailureRecord>,
    /// The `rtlsmith cosim` arguments of the final verification, runnable from the run
    /// directory (none without a golden model).
    pub cosim_command: Vec<String>,
    /// The RTL files, relative to the run directory.
    pub rtl: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `model`, `evidence` or `off` (`--no-reflection`).
    pub router: Router,
    /// Every reflection decision: the failure, the evidence, the route and what came of it.
    pub decisions: Vec<Decision>,
    /// The fault planted with `--inject`, and where it went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub injected: Option<Injected>,
    pub seconds: f64,
}

/// A planted fault.
#[derive(Debug, Clone, Serialize)]
pub struct Injected {
    pub fault: String,
    /// What was changed (none: no site for it was found, or the stage never ran).
    pub applied: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CosimSummary {
    pub verdict: cosim::Verdict,
    pub cycles: usize,
    pub seed: u64,
    pub runs: Vec<(String, cosim::Verdict, String)>,
}

struct Ctx<'a> {
    opts: &'a GenOptions,
    ask: Asker<'a>,
    human: Option<&'a dyn Human>,
    spec: Spec,
    spec_md: String,
    chunks: Vec<spec::Chunk>,
    answers: BTreeMap<String, String>,
    instructions: Vec<Instruction>,
    stages: Vec<StageReport>,
    failures: Vec<FailureRecord>,
    decisions: Vec<Decision>,
    /// The planted fault, once applied.
    injected: Option<String>,
    /// The optimizer's instruction waiting for the next C++ attempt of a sub-function.
    pending: Option<(String, usize)>,
    out: PathBuf,
    /// The stage running (its report is written even when it stops half-way), since when.
    current: &'static str,
    started: Instant,
}

impl Ctx<'_> {
    fn begin(&mut self, stage: &'static str) {
        self.current = stage;
        self.started = Instant::now();
    }
}

/// Run the pipeline. The client's cache (set by the caller in the run directory) makes a rerun
/// resume without re-asking finished requests.
pub async fn run(
    opts: &GenOptions,
    client: &Client,
    prompts: &Prompts,
    sampling: Sampling,
    human: Option<&dyn Human>,
) -> Result<GenReport, GenError> {
    let t0 = Instant::now();
    let s = spec::ingest(&opts.spec)?;
    let text_len: usize = s
        .all_sections()
        .iter()
        .flat_map(|x| x.blocks.iter())
        .chain(s.preamble.iter())
        .map(|b| serde_json::to_string(b).map_or(0, |t| t.len()))
        .sum();
    if text_len < 60 && s.ports.is_empty() {
        let found = format!(
            "{} section(s), {} table(s), {} port(s), about {} characters of text",
            s.all_sections().len(),
            s.tables().len(),
            s.ports.len(),
            text_len
        );
        return Err(GenError::NoContent {
            path: opts.spec.clone(),
            found,
        });
    }
    let out = crate::process::absolute(&opts.out);
    for d in ["llm", "cpp", "rtl", "tests", "verify", "reflect"] {
        std::fs::create_dir_all(out.join(d)).map_err(|e| GenError::io(&out.join(d), e))?;
    }
    write(
        &out.join("spec.json"),
        &serde_json::to_string_pretty(&s).unwrap_or_default(),
    )?;
    let answers = match &opts.answers {
        Some(p) => read_answers(p)?,
        None => BTreeMap::new(),
    };
    let top = opts.top.clone().unwrap_or_else(|| default_top(&opts.spec));
    let mut ask = Asker::new(client, prompts, sampling, out.join("llm"));
    ask.salt = opts.salt.clone();
    let mut cx = Ctx {
        opts,
        ask,
        human,
        spec_md: spec::to_markdown(&s),
        chunks: spec::chunks(&s, usize::MAX),
        spec: s,
        answers,
        instructions: Vec::new(),
        stages: Vec::new(),
        failures: Vec::new(),
        decisions: Vec::new(),
        injected: None,
        pending: None,
        out: out.clone(),
        current: "understand",
        started: Instant::now(),
    };
    let mut report = GenReport {
        verdict: Verdict::Stopped,
        reason: String::new(),
        top: top.clone(),
        spec: opts.spec.display().to_string(),
        ablation: opts.ablation,
        provider: client.label(),
        scripted: client.provider_kind() == "scripted",
        oracle: "none".into(),
        stages: Vec::new(),
        interventions: 0,
        questions: Vec::new(),
        instructions: Vec::new(),
        synth: None,
        vectors: Vec::new(),
        cosim: None,
        failures: Vec::new(),
        cosim_command: Vec::new(),
        rtl: Vec::new(),
        model: None,
        router: opts.router,
        decisions: Vec::new(),
        injected: None,
        seconds: 0.0,
    };
    let outcome = pipeline(&mut cx, &top, &mut report).await;
    if outcome.is_err() && !cx.stages.iter().any(|s| s.name == cx.current) {
        let r = stage_report(&cx, cx.current, "stopped", 0, 0, 0, Vec::new());
        push_stage(&mut cx, r);
    }
    report.stages = std::mem::take(&mut cx.stages);
    const ORDER: [&str; 6] = ["understand", "tests", "code", "rtl", "verify", "reflect"];
    report.stages.sort_by_key(|s| {
        ORDER
            .iter()
            .position(|n| *n == s.name)
            .unwrap_or(ORDER.len())
    });
    report.instructions = std::mem::take(&mut cx.instructions);
    report.failures = std::mem::take(&mut cx.failures);
    report.injected = opts.inject.as_ref().map(|i| Injected {
        fault: i.to_string(),
        applied: cx.injected.clone(),
    });
    report.interventions = report.stages.iter().map(|s| s.interventions).sum();
    report.seconds = t0.elapsed().as_secs_f64();
    match outcome {
        Ok(()) => {}
        Err(Stop::Stopped(reason)) => {
            report.verdict = Verdict::Stopped;
            report.reason = reason;
        }
        Err(Stop::Failed(reason)) => {
            report.verdict = Verdict::Failed;
            report.reason = reason;
        }
        Err(Stop::Error(GenError::Llm(e))) => {
            // a budget or a provider failure stops the run cleanly: rerun to resume
            report.verdict = Verdict::Stopped;
            report.reason = format!("the model could not be asked: {e}");
        }
        Err(Stop::Error(e)) => return Err(e),
    }
    report.decisions = std::mem::take(&mut cx.decisions);
    for d in &mut report.decisions {
        if d.outcome == "pending" {
            d.outcome = match report.verdict {
                Verdict::Verified => "verified".into(),
                _ => "stopped".into(),
            };
        }
        // the evidence file gets the decision's outcome
        let path = out.join(&d.evidence);
        if let Some(mut v) = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        {
            v["decision"] = serde_json::to_value(&*d).unwrap_or_default();
            write(&path, &serde_json::to_string_pretty(&v).unwrap_or_default())?;
        }
    }
    write(
        &out.join("report.json"),
        &serde_json::to_string_pretty(&report).unwrap_or_default(),
    )?;
    write(&out.join("report.md"), &report::to_markdown(&report))?;
    Ok(report)
}

enum Stop {
    Stopped(String),
    /// Verification ran and nothing is left to try.
    Failed(String),
    Error(GenError),
}

impl From<GenError> for Stop {
    fn from(e: GenError) -> Stop {
        Stop::Error(e)
    }
}

fn write(path: &Path, text: &str) -> Result<(), GenError> {
    crate::util::write_atomic(path, text).map_err(|e| GenError::io(path, e))
}

/// The top module's default name: the spec file's stem (its folder's name for `spec.md`).
pub fn default_top(spec: &Path) -> String {
    let stem = spec
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let name =
        if ["spec", "readme", "index", "prompt", "task"].contains(&stem.to_lowercase().as_str()) {
            crate::process::absolute(spec)
                .parent()
                .and_then(|p| p.file_name())
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or(stem)
        } else {
            stem
        };
    let mut id: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert_str(0, "top_");
    }
    id
}

/// Answers: a JSON object or a TOML table of question id → answer.
fn read_answers(p: &Path) -> Result<BTreeMap<String, String>, GenError> {
    let bad = |message: String| GenError::Answers {
        path: p.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(p).map_err(|e| bad(e.to_string()))?;
    let value: serde_json::Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?
    } else {
        let t: toml::Table = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        serde_json::to_value(t).map_err(|e| bad(e.to_string()))?
    };
    let obj = value
        .as_object()
        .ok_or_else(|| bad("not a table of question id → answer".into()))?;
    Ok(obj
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_string),
            )
        })
        .collect())
}

async fn pipeline(cx: &mut Ctx<'_>, top: &str, report: &mut GenReport) -> Result<(), Stop> {
    let opts = cx.opts;
    let spec_ifc = plan::interface_from_spec(&cx.spec, top).map_err(Stop::Stopped)?;
    // 1. understand (or its stand-in)
    let plan = match opts.ablation {
        Ablation::None | Ablation::NaiveCoding => understand(cx, top, spec_ifc).await?,
        Ablation::NoUnderstand | Ablation::SingleShot => {
            cx.begin("tests");
            let (ifc, tests) = spec_tests(cx, top, spec_ifc).await?;
            whole_spec_plan(ifc, tests)
        }
    };
    write(
        &cx.out.join("plan.json"),
        &serde_json::to_string_pretty(&plan).unwrap_or_default(),
    )?;
    write(&cx.out.join("plan.md"), &plan::to_markdown(&plan))?;
    report.questions = plan
        .subfunctions
        .iter()
        .flat_map(|r| r.questions.iter().map(|q| (r.name.clone(), q.clone())))
        .collect();
    let ifc = plan.interface.clone();
    let top_tests = with_reset(
        &plan.top().map(|r| r.tests.clone()).unwrap_or_default(),
        &ifc,
        true,
    );
    write(
        &cx.out.join("tests/spec_tests.json"),
        &serde_json::to_string_pretty(&top_tests).unwrap_or_default(),
    )?;
    let mut vectors = String::new();
    for t in &top_tests {
        for c in &t.cycles {
            let row: BTreeMap<&String, &serde_json::Value> = c
                .inputs
                .iter()
                .filter(|(k, _)| Some(k.as_str()) != ifc.clock.as_deref())
                .collect();
            vectors.push_str(&serde_json::to_string(&row).unwrap_or_default());
            vectors.push('\n');
        }
    }
    write(&cx.out.join("tests/vectors.jsonl"), &vectors)?;

    // 2.–4. code, RTL, verify; a failure goes to reflection, which sends work back to the
    // stage that caused it, until verified or nothing is left to try
    let with_model = matches!(opts.ablation, Ablation::None | Ablation::NoUnderstand);
    let mut plan = plan;
    let mut work = Work::default();
    work.redo(&plan.order.clone(), with_model);
    if opts.ablation == Ablation::SingleShot {
        cx.begin("rtl");
        let files = single_shot(cx, &plan).await?;
        report.rtl = files
            .iter()
            .map(|f| rtl::relative(&f.display().to_string(), &cx.out))
            .collect();
        cx.begin("verify");
        work.verify_rounds = cx.opts.max_iterations;
        if let Some(f) = verify(cx, &plan, &files, false, &top_tests, &mut work, report).await? {
            return Err(routing::no_route(cx, &f, &work, None));
        }
        return Ok(());
    }
    loop {
        if with_model && !work.cpp.is_empty() {
            cx.begin("code");
            if let Some(f) = code(cx, &plan, &mut work).await? {
                routing::reflect(cx, &mut plan, &mut work, f, with_model).await?;
                continue;
            }
            let model = format!(
                "// The golden model of {top}: the top sub-function's C++, to the cosim contract.\n#include \"{top}.h\"\nstruct Model : {top} {{}};\n"
            );
            write(&cx.out.join("cpp/model.cpp"), &model)?;
            report.model = Some("cpp/model.cpp".into());
        }
        if !work.rtl.is_empty() {
            cx.begin("rtl");
            if let Some(f) = rtl_stage(cx, &plan, &mut work, with_model, report).await? {
                routing::reflect(cx, &mut plan, &mut work, f, with_model).await?;
                continue;
            }
        }
        let files = files_for(&plan, &cx.out, &plan.interface.top);
        report.rtl = files
            .iter()
            .map(|f| rtl::relative(&f.display().to_string(), &cx.out))
            .collect();
        cx.begin("verify");
        match verify(cx, &plan, &files, with_model, &top_tests, &mut work, report).await? {
            None => return Ok(()),
            Some(f) => routing::reflect(cx, &mut plan, &mut work, f, with_model).await?,
        }
    }
}

/// What is still to be made, and with which feedback.
#[derive(Debug, Default)]
struct Work {
    /// Sub-functions whose pseudocode is to be (re)written.
    pseudo: BTreeSet<String>,
    /// Sub-functions whose C++ is to be (re)written.
    cpp: BTreeSet<String>,
    /// Sub-functions whose Verilog is to be (re)written.
    rtl: BTreeSet<String>,
    /// `cpp:NAME` / `rtl:NAME` → what the next attempt is told.
    feedback: BTreeMap<String, String>,
    /// `cpp:NAME` / `rtl:NAME` → attempts since the artifact's inputs last changed.
    tries: BTreeMap<String, usize>,
    /// Artifacts made at least once: another attempt is an iteration.
    made: BTreeSet<String>,
    /// Verification rounds run.
    verify_rounds: usize,
}

impl Work {
    /// The C++ and Verilog of these sub-functions are made again, their attempt counts restarted
    /// (their inputs changed); a sub-function's pseudocode is written when it has none yet or
    /// is named in `pseudo`.
    fn redo(&mut self, names: &[String], with_model: bool) {
        for n in names {
            if with_model {
                self.cpp.insert(n.clone());
            }
            self.rtl.insert(n.clone());
            self.tries.remove(&format!("cpp:{n}"));
            self.tries.remove(&format!("rtl:{n}"));
        }
    }

    fn tries(&self, artifact: &str) -> usize {
        self.tries.get(artifact).copied().unwrap_or(0)
    }

    /// The next attempt of an artifact: its number, and whether it was made before (an
    /// iteration).
    fn attempt(&mut self, artifact: &str) -> (usize, bool) {
        let n = self.tries.entry(artifact.to_string()).or_insert(0);
        *n += 1;
        (*n, !self.made.insert(artifact.to_string()))
    }
}

/// The stats of a stage from the asker, with its attempts.
fn stage_report(
    cx: &Ctx<'_>,
    name: &str,
    status: &str,
    attempts: u64,
    iterations: u64,
    interventions: u64,
    notes: Vec<String>,
) -> StageReport {
    StageReport {
        name: name.into(),
        status: status.into(),
        attempts,
        iterations,
        interventions,
        seconds: 0.0,
        usage: cx.ask.stats(name),
        notes,
    }
}

/// Add a stage's account: a stage that runs again (reflection sends work back to it) adds its
/// attempts, notes and time to those of its earlier runs.
fn push_stage(cx: &mut Ctx<'_>, mut r: StageReport) {
    if r.name == cx.current {
        r.seconds = cx.started.elapsed().as_secs_f64();
        cx.started = Instant::now();
    }
    match cx.stages.iter_mut().find(|s| s.name == r.name) {
        Some(s) => {
            s.status = r.status;
            s.attempts += r.attempts;
            s.iterations += r.iterations;
            s.interventions += r.interventions;
            s.seconds += r.seconds;
            s.usage = r.usage;
            s.notes.append(&mut r.notes);
        }
        None => cx.stages.push(r),
    }
}

/// Understand: plan, records, review, questions.
async fn understand(
    cx: &mut Ctx<'_>,
    top: &str,
    spec_ifc: Option<Interface>,
) -> Result<Plan, Stop> {
    const STAGE: &str = "understand";
    let mut attempts = 0u64;
    let mut feedback: Vec<String> = Vec::new();
    let mut notes = Vec::new();
    let (summaries, ifc, skeleton) = loop {
        attempts += 1;
        let a = cx
            .ask
            .ask(
                STAGE,
                "gen_understand.user.j2",
                minijinja::context! {
                    top,
                    interface => spec_ifc.as_ref().map(|i| i.describe()),
                    feedback => feedback.join("\n"),
                    spec => cx.spec_md.clone(),
                },
                Want::Json,
            )
            .await?;
        let v = a.value.unwrap_or_default();
        match read_plan(&v, top, spec_ifc.as_ref()) {
            Ok(x) => break x,
            Err(problems) => {
                if attempts as usize > cx.opts.review_rounds {
                    let r = stage_report(
                        cx,
                        STAGE,
                        "stopped",
                        attempts,
                        attempts - 1,
                        0,
                        problems.clone(),
                    );
                    push_stage(cx, r);
                    return Err(Stop::Stopped(format!(
                        "understand: the plan still had problems after {attempts} request(s): {}",
                        problems.join("; ")
                    )));
                }
                notes.push(format!("plan re-asked: {}", problems.join("; ")));
                feedback = problems;
            }
        }
    };
    let order = plan::order(&skeleton).map_err(Stop::Stopped)?;
    let known: Vec<String> = order.clone();
    let mut records: Vec<Record> = Vec::new();
    let mut interventions = 0;
    for name in &order {
        let sk = skeleton.iter().find(|r| &r.name == name).expect("ordered");
        let (mut record, asked) =
            describe_record(cx, sk, top, &ifc, &known, Vec::new(), false).await?;
        attempts += asked;
        interventions += settle_questions(cx, &mut record);
        if injects(cx, "record", name) {
            if let Some(what) = reflect::inject_record(&mut record) {
                notes.push(format!("injected fault: {what}"));
                cx.injected = Some(what);
            }
        }
        records.push(record);
    }
    let unknown: Vec<&String> = cx
        .answers
        .keys()
        .filter(|k| {
            !records
                .iter()
                .any(|r| r.questions.iter().any(|q| &q.id == *k))
        })
        .collect();
    if !unknown.is_empty() {
        notes.push(format!(
            "answers for questions nobody asked: {}",
            unknown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let iterations = attempts.saturating_sub(1 + order.len() as u64);
    let r = stage_report(
        cx,
        STAGE,
        "done",
        attempts,
        iterations,
        interventions,
        notes,
    );
    push_stage(cx, r);
    Ok(Plan {
        interface: ifc,
        summaries,
        subfunctions: records,
        order,
    })
}

/// Describe one sub-function: the record asked for, checked mechanically, then by the verifier
/// against the passages it cites, sent back with the problems until complete (or the review
/// budget is spent). `feedback` starts the first request (reflection's reason for asking
/// again). Returns the record and the requests made.
async fn describe_record(
    cx: &mut Ctx<'_>,
    sk: &Record,
    top: &str,
    ifc: &Interface,
    known: &[String],
    mut feedback: Vec<String>,
    again: bool,
) -> Result<(Record, u64), Stop> {
    const STAGE: &str = "understand";
    let name = &sk.name;
    let mut attempts = 0u64;
    let mut reviews: Vec<String> = Vec::new();
    let mut rounds = 0usize;
    let mut record = loop {
        attempts += 1;
        let a = cx
            .ask
            .ask(
                STAGE,
                "gen_describe.user.j2",
                minijinja::context! {
                    name, top,
                    purpose => sk.purpose.clone(),
                    depends_on => sk.depends_on.join(", "),
                    interface => ifc.describe(),
                    feedback => feedback.join("\n"),
                    spec => cx.spec_md.clone(),
                },
                Want::Json,
            )
            .await?;
        let mut r: Record = match serde_json::from_value(a.value.unwrap_or_default()) {
            Ok(r) => r,
            Err(e) => {
                feedback = vec![format!(
                    "the record does not have the fields asked for: {e}"
                )];
                rounds += 1;
                if rounds > cx.opts.review_rounds {
                    return Err(Stop::Stopped(format!(
                        "understand: no usable record of {name}: {e}"
                    )));
                }
                continue;
            }
        };
        r.name = name.clone();
        if r.depends_on.is_empty() || again {
            // a record described again keeps the plan's graph
            r.depends_on = sk.depends_on.clone();
        }
        r.purpose = if r.purpose.is_empty() {
            sk.purpose.clone()
        } else {
            r.purpose
        };
        let problems = plan::check_record(&r, ifc, known, &cx.chunks);
        if !problems.is_empty() {
            rounds += 1;
            reviews.push(format!("checks: {}", problems.join("; ")));
            if rounds > cx.opts.review_rounds {
                return Err(Stop::Stopped(format!(
                    "understand: the record of {name} still has problems after {rounds} round(s): {}",
                    problems.join("; ")
                )));
            }
            feedback = problems;
            continue;
        }
        r.sources = r
            .citations
            .iter()
            .filter_map(|c| plan::resolve_citation(&cx.chunks, c))
            .collect();
        r.sources.dedup();
        if rounds >= cx.opts.review_rounds {
            reviews.push(format!(
                "accepted without a further review: the review budget ({}) is spent",
                cx.opts.review_rounds
            ));
            break r;
        }
        // the verifier: the record against the passages it cites
        let passages = plan::cited_text(&cx.chunks, &r.sources);
        let rv = cx
            .ask
            .ask(
                STAGE,
                "gen_review.user.j2",
                minijinja::context! { name, record => r.for_prompt(), passages },
                Want::Json,
            )
            .await?
            .value
            .unwrap_or_default();
        let complete = rv
            .get("complete")
            .and_then(|c| c.as_bool())
            .unwrap_or(false);
        if complete {
            break r;
        }
        let problems: Vec<String> = rv
            .get("problems")
            .and_then(|p| p.as_array())
            .map(|a| {
                a.iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect()
            })
            .unwrap_or_else(|| vec!["the verifier found the record incomplete".into()]);
        rounds += 1;
        reviews.push(format!("verifier: {}", problems.join("; ")));
        feedback = problems;
    };
    record.review = reviews;
    Ok((record, attempts))
}

/// A fault is to be planted into this artifact now (once per run).
fn injects(cx: &Ctx<'_>, stage: &str, name: &str) -> bool {
    cx.injected.is_none()
        && cx
            .opts
            .inject
            .as_ref()
            .is_some_and(|i| i.stage == stage && i.subfunction == name)
}

/// Settle a record's open questions: the answers file, then a person, then the assumption.
/// Returns the interventions (human answers).
fn settle_questions(cx: &Ctx<'_>, record: &mut Record) -> u64 {
    let mut interventions = 0;
    for q in &mut record.questions {
        if q.settled_by.is_some() && q.answer.is_some() {
            continue;
        }
        if let Some(a) = cx.answers.get(&q.id) {
            q.answer = Some(a.clone());
            q.settled_by = Some("answers file".into());
            interventions += 1;
        } else if let Some(a) = cx.human.and_then(|h| h.answer(&record.name, q)) {
            q.answer = Some(a);
            q.settled_by = Some("terminal".into());
            interventions += 1;
        } else {
            q.settled_by = Some("assumption".into());
        }
    }
    interventions
}

/// The understand reply: summaries, interface (the spec's, or the model's when the spec has
/// none), clock and reset, and the sub-function skeletons; every problem named.
fn read_plan(
    v: &serde_json::Value,
    top: &str,
    spec_ifc: Option<&Interface>,
) -> Result<(Vec<plan::Summary>, Interface, Vec<Record>), Vec<String>> {
    let mut problems = Vec::new();
    let summaries: Vec<plan::Summary> = v
        .get("summaries")
        .cloned()
        .and_then(|s| serde_json::from_value(s).ok())
        .unwrap_or_default();
    let mut ifc = match spec_ifc {
        Some(i) => i.clone(),
        None => match v
            .get("interface")
            .cloned()
            .map(serde_json::from_value::<Vec<TopPort>>)
        {
            Some(Ok(ports)) if !ports.is_empty() => Interface {
                top: top.to_string(),
                ports,
                parameters: Vec::new(),
                clock: None,
                reset: None,
                source: "model".into(),
                citations: Vec::new(),
            },
            Some(Err(e)) => {
                return Err(vec![format!("\"interface\" is not a list of ports: {e}")]);
            }
            _ => {
                return Err(vec![
                    "the spec has no port table: give the interface in \"interface\"".into(),
                ]);
            }
        },
    };
    for p in &ifc.ports {
        if !plan::is_identifier(&p.name) || !["input", "output"].contains(&p.direction.as_str()) {
            problems.push(format!(
                "interface port `{}` ({}) needs a name and input|output",
                p.name, p.direction
            ));
        }
        if p.width == 0 || p.width > 64 {
            problems.push(format!(
                "port {} is {} bits: widths 1..64 are supported",
                p.name, p.width
            ));
        }
    }
    let clock = v.get("clock").and_then(|c| c.as_str()).map(str::to_string);
    if let Some(c) = &clock {
        match ifc.port(c) {
            Some(p) if p.is_input() && p.width == 1 => ifc.clock = Some(c.clone()),
            _ => problems.push(format!("the clock {c} is not a 1-bit input of {top}")),
        }
    } else {
        ifc.clock = None;
    }
    if let Some(r) = v.get("reset").filter(|r| !r.is_null()) {
        match serde_json::from_value::<ResetSpec>(r.clone()) {
            Ok(r) => match ifc.port(&r.name) {
                Some(p) if p.is_input() && p.width == 1 => ifc.reset = Some(r),
                _ => problems.push(format!(
                    "the reset {} is not a 1-bit input of {top}",
                    r.name
                )),
            },
            Err(e) => problems.push(format!("\"reset\" is malformed: {e}")),
        }
    }
    let skeleton: Vec<Record> = match v
        .get("subfunctions")
        .cloned()
        .map(serde_json::from_value::<Vec<Record>>)
    {
        Some(Ok(s)) if !s.is_empty() => s,
        Some(Err(e)) => return Err(vec![format!("\"subfunctions\" is malformed: {e}")]),
        _ => return Err(vec!["the plan has no \"subfunctions\"".into()]),
    };
    let names: Vec<String> = skeleton.iter().map(|r| r.name.clone()).collect();
    for r in &skeleton {
        if !plan::is_identifier(&r.name) {
            problems.push(format!("`{}` is not a usable module name", r.name));
        }
        if names.iter().filter(|n| **n == r.name).count() > 1 {
            problems.push(format!("sub-function {} appears twice", r.name));
        }
        for d in &r.depends_on {
            if !names.contains(d) {
                problems.push(format!(
                    "{} depends on {d}, which is not in the plan",
                    r.name
                ));
            }
        }
    }
    if !names.iter().any(|n| n == top) {
        problems.push(format!(
            "no sub-function is named {top}: the top module must be one"
        ));
    }
    if let Err(cycle) = plan::order(&skeleton) {
        problems.push(format!(
            "the dependencies form a cycle ({cycle}): sub-functions must form an acyclic graph"
        ));
    } else if names.iter().any(|n| n == top) {
        // everything must feed the top
        let mut reach = vec![top.to_string()];
        let mut i = 0;
        while i < reach.len() {
            if let Some(r) = skeleton.iter().find(|r| r.name == reach[i]) {
                for d in &r.depends_on {
                    if !reach.contains(d) {
                        reach.push(d.clone());
                    }
                }
            }
            i += 1;
        }
        for n in &names {
            if !reach.contains(n) {
                problems.push(format!("{n} is not used by {top} (directly or not)"));
            }
        }
    }
    if problems.is_empty() {
        Ok((summaries, ifc, skeleton))
    } else {
        Err(problems)
    }
}

/// Without the understanding stage: the spec's tests (and the interface when the spec has no
/// port table) from one request, for the judge.
async fn spec_tests(
    cx: &mut Ctx<'_>,
    top: &str,
    spec_ifc: Option<Interface>,
) -> Result<(Interface, Vec<TestCase>), Stop> {
    const STAGE: &str = "tests";
    let mut attempts = 0;
    let mut feedback = String::new();
    loop {
        attempts += 1;
        let a = cx
            .ask
            .ask(
                STAGE,
                "gen_tests.user.j2",
                minijinja::context! {
                    top,
                    interface => spec_ifc.as_ref().map_or_else(
                        || "(the spec has no port table: add \"interface\": [{\"name\", \"direction\", \"width\"}] to your reply)".to_string(),
                        |i| i.describe()),
                    spec => format!("{}{feedback}", cx.spec_md),
                },
                Want::Json,
            )
            .await?;
        let v = a.value.unwrap_or_default();
        let mut v2 = v.clone();
        if let Some(o) = v2.as_object_mut() {
            o.insert("subfunctions".into(), serde_json::json!([{ "name": top }]));
        }
        let got = read_plan(&v2, top, spec_ifc.as_ref()).and_then(|(_, ifc, _)| {
            let tests: Vec<TestCase> = v
                .get("tests")
                .cloned()
                .map(serde_json::from_value)
                .transpose()
                .map_err(|e| vec![format!("\"tests\" is malformed: {e}")])?
                .unwrap_or_default();
            let probe = whole_spec_plan(ifc.clone(), tests.clone());
            let mut problems = plan::check_record(&probe.subfunctions[0], &ifc, &[], &cx.chunks);
            problems.retain(|p| p.starts_with("test "));
            if problems.is_empty() {
                Ok((ifc, tests))
            } else {
                Err(problems)
            }
        });
        match got {
            Ok((mut ifc, tests)) => {
                // no reply field for them here: the usual names
                if ifc.clock.is_none() {
                    ifc.clock = ifc
                        .ports
                        .iter()
                        .find(|p| p.is_input() && p.width == 1 && cosim::is_clock_name(&p.name))
                        .map(|p| p.name.clone());
                }
                if ifc.reset.is_none() {
                    ifc.reset = guess_reset(&ifc);
                }
                let r = stage_report(cx, STAGE, "done", attempts, attempts - 1, 0, vec![]);
                push_stage(cx, r);
                return Ok((ifc, tests));
            }
            Err(p) if attempts as usize > cx.opts.review_rounds => {
                return Err(Stop::Stopped(format!(
                    "tests: the spec's tests could not be read: {}",
                    p.join("; ")
                )));
            }
            Err(p) => feedback = format!("\n\nYour previous reply had problems: {}", p.join("; ")),
        }
    }
}

fn guess_reset(ifc: &Interface) -> Option<ResetSpec> {
    ifc.ports.iter().find_map(|p| {
        let active_low = cosim::reset_by_name(&p.name).filter(|_| p.is_input() && p.width == 1)?;
        Some(ResetSpec {
            name: p.name.clone(),
            active_low,
            asynchronous: false,
        })
    })
}

/// The plan without understanding: one sub-function, the top, described by the whole spec.
fn whole_spec_plan(ifc: Interface, tests: Vec<TestCase>) -> Plan {
    let clock = ifc.clock.clone();
    let r = Record {
        name: ifc.top.clone(),
        purpose: "the whole design (no plan: --no-understand)".into(),
        depends_on: vec![],
        inputs: ifc
            .ports
            .iter()
            .filter(|p| p.is_input())
            .map(|p| Pin {
                name: p.name.clone(),
                width: p.width,
            })
            .collect(),
        outputs: ifc
            .ports
            .iter()
            .filter(|p| !p.is_input())
            .map(|p| Pin {
                name: p.name.clone(),
                width: p.width,
            })
            .collect(),
        clocked: clock.is_some(),
        behaviour: "as the whole specification describes".into(),
        timing: String::new(),
        state: String::new(),
        citations: vec![],
        questions: vec![],
        tests,
        sources: vec![],
        review: vec![],
    };
    Plan {
        order: vec![r.name.clone()],
        interface: ifc,
        summaries: vec![],
        subfunctions: vec![r],
    }
}

/// Each test starts from a reset: a cycle with the reset asserted (other inputs 0) is put in
/// front of a test that does not start with one, when the sub-function has the reset input.
fn with_reset(tests: &[TestCase], ifc: &Interface, has_reset_input: bool) -> Vec<TestCase> {
    let Some(r) = ifc.reset.as_ref().filter(|_| has_reset_input) else {
        return tests.to_vec();
    };
    let on = serde_json::json!(u8::from(!r.active_low));
    tests
        .iter()
        .map(|t| {
            let starts = t
                .cycles
                .first()
                .and_then(|c| c.inputs.get(&r.name))
                .and_then(|v| plan::value(v, 1).ok())
                == Some(u64::from(!r.active_low));
            let mut t = t.clone();
            if !starts {
                let mut inputs: BTreeMap<String, serde_json::Value> = ifc
                    .ports
                    .iter()
                    .filter(|p| p.is_input() && Some(&p.name) != ifc.clock.as_ref())
                    .map(|p| (p.name.clone(), serde_json::json!(0)))
                    .collect();
                inputs.insert(r.name.clone(), on.clone());
                t.cycles.insert(
                    0,
                    TestCycle {
                        inputs: inputs.clone(),
                        outputs: BTreeMap::new(),
                    },
                );
                // the reset is released in the test's first cycle unless it says otherwise
                if let Some(c) = t.cycles.get_mut(1) {
                    c.inputs
                        .entry(r.name.clone())
                        .or_insert(serde_json::json!(u8::from(r.active_low)));
                }
            }
            t
        })
        .collect()
}

/// The answers in force for a record, as prompt text.
fn answers_text(r: &Record) -> String {
    r.questions
        .iter()
        .map(|q| format!("- {}: {} → {}", q.id, q.question, q.resolution()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn passages(cx: &Ctx<'_>, r: &Record) -> String {
    if r.sources.is_empty() {
        cx.spec_md.clone()
    } else {
        plan::cited_text(&cx.chunks, &r.sources)
    }
}

/// The record's tests as the C++ test program runs them: each from a reset (when the
/// sub-function has the reset input); a record without tests is only compiled.
fn cpp_tests(plan: &Plan, r: &Record) -> Record {
    let has_reset = plan
        .interface
        .reset
        .as_ref()
        .is_some_and(|x| r.inputs.iter().any(|p| p.name == x.name));
    let mut rt = r.clone();
    rt.tests = with_reset(&r.tests, &plan.interface, has_reset);
    if rt.tests.is_empty() {
        rt.tests = vec![TestCase {
            name: "compiles".into(),
            source: "generated".into(),
            cycles: vec![TestCycle::default()],
        }];
    }
    rt
}

/// Compile a sub-function's C++ header (as it is in `cpp/`) with its test program and run it.
async fn run_cpp_tests(cx: &Ctx<'_>, plan: &Plan, name: &str) -> Result<cpp::Outcome, Stop> {
    let cpp_dir = cx.out.join("cpp");
    let r = plan.record(name).expect("planned");
    let src = std::fs::read_to_string(cpp_dir.join(format!("{name}.h"))).unwrap_or_default();
    let style = cpp::style_problems(&src);
    if !style.is_empty() {
        return Ok(cpp::Outcome::Fail(style));
    }
    let nonce = crate::util::random_hex(8);
    let program = cpp::test_program(
        &cpp_tests(plan, r),
        &format!("{name}.h"),
        plan.interface.clock.as_deref(),
        &nonce,
    );
    Ok(
        cpp::compile_and_run(&cpp_dir, &program, name, &nonce, cx.opts.timeout)
            .await
            .map_err(GenError::Tool)?,
    )
}

/// Code: pseudocode, then C++ tested against the record's tests, for each sub-function still
/// to be made (dependency order). The first that fails is returned for reflection.
async fn code(
    cx: &mut Ctx<'_>,
    plan: &Plan,
    work: &mut Work,
) -> Result<Option<reflect::Failure>, Stop> {
    const STAGE: &str = "code";
    let cpp_dir = cx.out.join("cpp");
    let clock = plan.interface.clock.clone();
    let mut attempts = 0u64;
    let mut iterations = 0u64;
    let mut notes = Vec::new();
    for name in &plan.order {
        if !work.cpp.contains(name) {
            continue;
        }
        let r = plan.record(name).expect("ordered").clone();
        let pseudo_file = cpp_dir.join(format!("{name}.pseudo.md"));
        let pseudo = if work.pseudo.remove(name) || !pseudo_file.is_file() {
            let pseudo = cx
                .ask
                .ask(
                    STAGE,
                    "gen_pseudocode.user.j2",
                    minijinja::context! {
                        name, record => r.for_prompt(), answers => answers_text(&r),
                        passages => passages(cx, &r),
                    },
                    Want::Block,
                )
                .await?
                .text;
            write(&pseudo_file, &pseudo)?;
            pseudo
        } else {
            std::fs::read_to_string(&pseudo_file).unwrap_or_default()
        };
        let mut dep_headers = String::new();
        for d in &r.depends_on {
            let h = std::fs::read_to_string(cpp_dir.join(format!("{d}.h"))).unwrap_or_default();
            dep_headers.push_str(&format!("// {d}.h\n{h}\n"));
        }
        if r.tests.is_empty() {
            notes.push(format!("{name} has no tests: its C++ was only compiled"));
        }
        let artifact = format!("cpp:{name}");
        let (attempt, again) = work.attempt(&artifact);
        attempts += 1;
        iterations += u64::from(again);
        let failure = work.feedback.remove(&artifact).unwrap_or_default();
        let instructions: Vec<String> = cx
            .instructions
            .iter()
            .filter(|i| i.helped != Some(false))
            .map(|i| format!("- {}", i.text))
            .collect();
        let src = cx
            .ask
            .ask(
                STAGE,
                "gen_cpp.user.j2",
                minijinja::context! {
                    name, attempt, clock => clock.clone(), clocked => r.clocked,
                    fields => cpp::fields(&r, clock.as_deref()),
                    deps => r.depends_on.iter().map(|d| format!("{d}.h")).collect::<Vec<_>>().join(", "),
                    dep_headers => dep_headers.clone(),
                    pseudocode => pseudo.clone(),
                    record => r.for_prompt(),
                    instructions => instructions.join("\n"),
                    failure,
                },
                Want::Block,
            )
            .await?
            .text;
        write(&cpp_dir.join(format!("{name}.h")), &src)?;
        let outcome = run_cpp_tests(cx, plan, name).await?;
        if let Some((who, i)) = cx.pending.take() {
            if &who == name {
                cx.instructions[i].helped = Some(matches!(outcome, cpp::Outcome::Pass { .. }));
            } else {
                cx.pending = Some((who, i));
            }
        }
        if let cpp::Outcome::Pass { checks } = outcome {
            notes.push(format!(
                "{name}: C++ passed {checks} check(s) at attempt {attempt}"
            ));
            work.cpp.remove(name);
            if injects(cx, "cpp", name)
                && let Some((text, what)) = reflect::inject_cpp(&src)
            {
                write(&cpp_dir.join(format!("{name}.h")), &text)?;
                let what = format!("{name}.h {what}");
                notes.push(format!("injected fault: {what}"));
                cx.injected = Some(what);
            }
            continue;
        }
        let log = outcome.log();
        notes.push(format!(
            "{name}: C++ attempt {attempt} failed: {}",
            first_line(&log)
        ));
        let kind = match outcome {
            cpp::Outcome::CompileError(_) => reflect::Kind::Compile,
            cpp::Outcome::Fail(ref m)
                if m.iter().any(|l| l.ends_with("synthesizable C++ may not")) =>
            {
                reflect::Kind::Compile
            }
            cpp::Outcome::Fail(_) => reflect::Kind::Tests,
            _ => reflect::Kind::Crash,
        };
        let r = stage_report(cx, STAGE, "running", attempts, iterations, 0, notes);
        push_stage(cx, r);
        return Ok(Some(reflect::Failure {
            stage: STAGE,
            subfunction: name.clone(),
            kind,
            log,
            artifact,
        }));
    }
    let r = stage_report(cx, STAGE, "done", attempts, iterations, 0, notes);
    push_stage(cx, r);
    Ok(None)
}

/// The prompt optimizer: a C++ failure log → one instruction for the next attempt (tried on
/// it, kept if it passed, dropped otherwise).
async fn optimize(cx: &mut Ctx<'_>, name: &str, attempt: usize, log: &str) -> Result<(), Stop> {
    let text = cx
        .ask
        .ask(
            "code",
            "gen_optimize.user.j2",
            minijinja::context! { stage => "cpp", name, log },
            Want::Text,
        )
        .await?
        .text;
    cx.instructions.push(Instruction {
        text: text.lines().next().unwrap_or("").trim().to_string(),
        from: format!("{name} C++ attempt {attempt}"),
        helped: None,
    });
    cx.pending = Some((name.to_string(), cx.instructions.len() - 1));
    Ok(())
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty() && !l.ends_with(':'))
        .or_else(|| s.lines().next())
        .unwrap_or("")
        .to_string()
}

/// The expected ports of a sub-function's module.
fn expected_ports(plan: &Plan, r: &Record) -> Vec<rtl::Expected> {
    if r.name == plan.interface.top {
        plan.interface
            .ports
            .iter()
            .map(|p| (p.name.clone(), p.is_input(), p.width))
            .collect()
    } else {
        r.pins()
            .map(|(p, input)| (p.name.clone(), input, p.width))
            .collect()
    }
}

/// The RTL files of a sub-function and everything it depends on, dependencies first.
fn files_for(plan: &Plan, out: &Path, name: &str) -> Vec<PathBuf> {
    let mut need = vec![name.to_string()];
    let mut i = 0;
    while i < need.len() {
        if let Some(r) = plan.record(&need[i]) {
            for d in &r.depends_on {
                if !need.contains(d) {
                    need.push(d.clone());
                }
            }
        }
        i += 1;
    }
    plan.order
        .iter()
        .filter(|n| need.contains(n))
        .map(|n| out.join("rtl").join(format!("{n}.v")))
        .collect()
}

/// Write one sub-function's Verilog (with `failure` in the prompt when regenerating) and check
/// it; Ok(None) when it passed its checks, Ok(Some((kind, problems))) otherwise.
async fn write_verilog(
    cx: &mut Ctx<'_>,
    plan: &Plan,
    name: &str,
    attempt: usize,
    with_model: bool,
    failure: &str,
    report: &mut GenReport,
) -> Result<Option<(reflect::Kind, String)>, Stop> {
    const STAGE: &str = "rtl";
    let r = plan.record(name).expect("planned").clone();
    let reference = if with_model {
        std::fs::read_to_string(cx.out.join("cpp").join(format!("{name}.h"))).unwrap_or_default()
    } else {
        String::new()
    };
    let mut dep_modules = String::new();
    for d in &r.depends_on {
        let t =
            std::fs::read_to_string(cx.out.join("rtl").join(format!("{d}.v"))).unwrap_or_default();
        if let Some(h) = rtl::module_header(&t, d) {
            dep_modules.push_str(&h);
            dep_modules.push('\n');
        }
    }
    let ports: Vec<String> = expected_ports(plan, &r)
        .iter()
        .map(|(n, i, w)| {
            format!(
                "- {} {}{}",
                if *i { "input" } else { "output" },
                if *w > 1 {
                    format!("[{}:0] ", w - 1)
                } else {
                    String::new()
                },
                n
            )
        })
        .collect();
    let reset = plan.interface.reset.as_ref().map(ResetSpec::describe);
    let mut record = r.for_prompt();
    if !r.questions.is_empty() {
        record.push_str(&format!(
            "\nAnswers to open questions:\n{}",
            answers_text(&r)
        ));
    }
    let code = cx
        .ask
        .ask(
            STAGE,
            "gen_verilog.user.j2",
            minijinja::context! {
                name, attempt, clocked => r.clocked,
                clock => plan.interface.clock.clone().unwrap_or_default(),
                reset,
                ports => ports.join("\n"),
                deps => r.depends_on.join(", "),
                dep_modules,
                record,
                reference,
                failure,
            },
            Want::Verilog,
        )
        .await?
        .text;
    let file = cx.out.join("rtl").join(format!("{name}.v"));
    write(&file, &code)?;
    let mut kind = reflect::Kind::Ports;
    let mut problems = rtl::check_ports(
        std::slice::from_ref(&file),
        name,
        &expected_ports(plan, &r),
        if name == plan.interface.top {
            "the spec"
        } else {
            "the record"
        },
    );
    if problems.is_empty() {
        let files = files_for(plan, &cx.out, name);
        kind = reflect::Kind::Lint;
        problems = rtl::lint(&files, name, &cx.opts.sims, &cx.out)
            .await
            .map_err(|e| GenError::Tool(e.to_string()))?;
        if problems.is_empty() && name == plan.interface.top {
            kind = reflect::Kind::Synth;
            let s = rtl::synth(&files, name, &cx.out.join("verify"))
                .await
                .map_err(GenError::Tool)?;
            if !s.ok {
                problems = s
                    .messages
                    .iter()
                    .map(|m| format!("yosys synth: {m}"))
                    .collect();
            }
            report.synth = Some(s);
        }
    }
    Ok((!problems.is_empty()).then(|| (kind, problems.join("\n"))))
}

/// RTL: per sub-function still to be made, with its C++ as the reference (none with
/// --naive-coding). The first that fails its checks is returned for reflection.
async fn rtl_stage(
    cx: &mut Ctx<'_>,
    plan: &Plan,
    work: &mut Work,
    with_model: bool,
    report: &mut GenReport,
) -> Result<Option<reflect::Failure>, Stop> {
    const STAGE: &str = "rtl";
    let mut attempts = 0u64;
    let mut iterations = 0u64;
    let mut notes = Vec::new();
    for name in &plan.order {
        if !work.rtl.contains(name) {
            continue;
        }
        let artifact = format!("rtl:{name}");
        let (attempt, again) = work.attempt(&artifact);
        attempts += 1;
        iterations += u64::from(again);
        let failure = work.feedback.remove(&artifact).unwrap_or_default();
        match write_verilog(cx, plan, name, attempt, with_model, &failure, report).await? {
            None => {
                work.rtl.remove(name);
                let file = cx.out.join("rtl").join(format!("{name}.v"));
                if injects(cx, "rtl", name)
                    && let Some((text, what)) = std::fs::read_to_string(&file)
                        .ok()
                        .and_then(|t| reflect::inject_rtl(&t, &file))
                {
                    write(&file, &text)?;
                    let what = format!("{name}.v {what}");
                    notes.push(format!("injected fault: {what}"));
                    cx.injected = Some(what);
                }
            }
            Some((kind, log)) => {
                notes.push(format!(
                    "{name}: Verilog attempt {attempt} failed its checks: {}",
                    first_line(&log)
                ));
                let r = stage_report(cx, STAGE, "running", attempts, iterations, 0, notes);
                push_stage(cx, r);
                return Ok(Some(reflect::Failure {
                    stage: STAGE,
                    subfunction: name.clone(),
                    kind,
                    log,
                    artifact,
                }));
            }
        }
    }
    if let Some(s) = &report.synth {
        notes.push(format!("yosys synth: {}", s.summary()));
    }
    let r = stage_report(cx, STAGE, "done", attempts, iterations, 0, notes);
    push_stage(cx, r);
    Ok(None)
}

/// --single-shot: the whole spec to RTL in one request.
async fn single_shot(cx: &mut Ctx<'_>, plan: &Plan) -> Result<Vec<PathBuf>, Stop> {
    const STAGE: &str = "rtl";
    let top = plan.interface.top.clone();
    let code = cx
        .ask
        .ask(
            STAGE,
            "gen_single_shot.user.j2",
            minijinja::context! {
                top => top.clone(), interface => plan.interface.describe(), failure => "",
                spec => cx.spec_md.clone(),
            },
            Want::Verilog,
        )
        .await?
        .text;
    let file = cx.out.join("rtl").join(format!("{top}.v"));
    write(&file, &code)?;
    let mut problems = rtl::check_ports(
        std::slice::from_ref(&file),
        &top,
        &expected_ports(plan, plan.top().expect("planned")),
        "the spec",
    );
    if problems.is_empty() {
        problems = rtl::lint(std::slice::from_ref(&file), &top, &cx.opts.sims, &cx.out)
            .await
            .map_err(|e| GenError::Tool(e.to_string()))?;
    }
    let status = if problems.is_empty() {
        "done"
    } else {
        "stopped"
    };
    let r = stage_report(cx, STAGE, status, 1, 0, 0, problems.clone());
    push_stage(cx, r);
    if !problems.is_empty() {
        return Err(Stop::Stopped(format!(
            "rtl: the single-shot Verilog failed its checks: {}",
            problems.join(" | ")
        )));
    }
    Ok(vec![file])
}

fn cosim_options(
    cx: &Ctx<'_>,
    plan: &Plan,
    files: &[PathBuf],
    top: &str,
    model: &Path,
    vectors: Option<PathBuf>,
) -> CosimOptions {
    CosimOptions {
        design: Design {
            sources: files.to_vec(),
            top: Some(top.to_string()),
            ..Design::default()
        },
        model: model.to_path_buf(),
        clock: if top == plan.interface.top {
            plan.interface.clock.clone()
        } else {
            None
        },
        reset: if top == plan.interface.top {
            plan.interface.reset.as_ref().map(|r| cosim::Reset {
                name: r.name.clone(),
                active_low: r.active_low,
                asynchronous: false,
            })
        } else {
            None
        },
        reset_cycles: 2,
        reset_prob: 0.02,
        cycles: cx.opts.cycles,
        seed: cx.opts.seed,
        warmup: 0,
        vectors,
        when: Vec::new(),
        sims: cx.opts.sims.clone(),
        timeout: cx.opts.timeout,
        cache_dir: crate::util::default_cache_dir().map(|d| d.join("cosim")),
        keep: false,
        replay_only: false,
    }
}

/// The `rtlsmith cosim` arguments of a verification, relative to the run directory.
fn cosim_command(cx: &Ctx<'_>, o: &CosimOptions) -> Vec<String> {
    let rel = |p: &Path| rtl::relative(&p.display().to_string(), &cx.out);
    let mut v = vec!["rtlsmith".to_string(), "cosim".into()];
    v.extend(o.design.sources.iter().map(|p| rel(p)));
    v.extend(["--top".into(), o.design.top.clone().unwrap_or_default()]);
    v.extend(["--model".into(), rel(&o.model)]);
    if let Some(c) = &o.clock {
        v.extend(["--clock".into(), c.clone()]);
    }
    if let Some(r) = &o.reset {
        v.extend([
            "--reset".into(),
            if r.active_low {
                format!("{}:low", r.name)
            } else {
                r.name.clone()
            },
        ]);
    }
    if let Some(vf) = &o.vectors {
        v.extend(["--vectors".into(), rel(vf)]);
    }
    v.extend([
        "--cycles".into(),
        o.cycles.to_string(),
        "--seed".into(),
        o.seed.to_string(),
        "--sim".into(),
        if o.sims.len() > 1 {
            "both".into()
        } else {
            o.sims[0].name().to_string()
        },
    ]);
    v
}

/// Verify, one round: the spec's tests as a testbench, and cosim against the golden model, on
/// every simulator; a failure is pinned to a sub-function and returned for reflection.
async fn verify(
    cx: &mut Ctx<'_>,
    plan: &Plan,
    files: &[PathBuf],
    with_model: bool,
    tests: &[TestCase],
    work: &mut Work,
    report: &mut GenReport,
) -> Result<Option<reflect::Failure>, Stop> {
    const STAGE: &str = "verify";
    let top = plan.interface.top.clone();
    work.verify_rounds += 1;
    let round = work.verify_rounds;
    let vectors_file = cx.out.join("tests/vectors.jsonl");
    let has_vectors = tests.iter().any(|t| !t.cycles.is_empty());
    let mut failure: Option<FailureRecord> = None;
    // the spec's tests
    if has_vectors {
        let nonce = crate::util::random_hex(8);
        let tb = cx.out.join("tests/vectors_tb.v");
        write(&tb, &rtl::vectors_testbench(&plan.interface, tests, &nonce))?;
        let runs = rtl::run_vectors(files, &tb, &nonce, &cx.opts.sims, cx.opts.timeout, &cx.out)
            .await
            .map_err(|e| GenError::Tool(e.to_string()))?;
        if let Some(bad) = runs.iter().find(|r| !r.passed) {
            failure = Some(vector_failure(round, &top, bad));
        }
        report.vectors = runs;
    }
    // the golden model
    if with_model {
        let o = cosim_options(
            cx,
            plan,
            files,
            &top,
            &cx.out.join("cpp/model.cpp"),
            has_vectors.then(|| vectors_file.clone()),
        );
        report.cosim_command = cosim_command(cx, &o);
        let rep = cosim::run(&o).await.map_err(|e| {
            if e.is_tool_missing() {
                GenError::Tool(e.to_string())
            } else {
                GenError::Tool(format!("cosim: {e} ({})", e.hint()))
            }
        })?;
        report.cosim = Some(CosimSummary {
            verdict: rep.verdict,
            cycles: rep.cycles,
            seed: rep.seed,
            runs: rep
                .runs
                .iter()
                .map(|r| (r.simulator.name().to_string(), r.verdict, r.message.clone()))
                .collect(),
        });
        if rep.verdict != cosim::Verdict::Match && failure.is_none() {
            failure = Some(cosim_failure(round, &top, &rep));
        }
        // pin the failure to the first sub-function that disagrees with its own C++
        if failure.is_some()
            && let Some(f) = pin_subfunction(cx, plan).await?
        {
            failure = Some(FailureRecord { round, ..f });
        }
    }
    let Some(f) = failure else {
        if !has_vectors && !with_model {
            let r = stage_report(cx, STAGE, "stopped", 1, u64::from(round > 1), 0, vec![]);
            push_stage(cx, r);
            return Err(Stop::Stopped(
                "verify: nothing to verify against: the spec gives no tests and this ablation has no golden model".into(),
            ));
        }
        let r = stage_report(
            cx,
            STAGE,
            "done",
            1,
            u64::from(round > 1),
            0,
            vec![format!("round {round}: verified")],
        );
        push_stage(cx, r);
        report.verdict = Verdict::Verified;
        report.reason = if with_model {
            format!(
                "co-simulation against the C++ golden model matched on {}{}",
                sims_text(&cx.opts.sims),
                if has_vectors {
                    ", and the spec's tests passed"
                } else {
                    ""
                }
            )
        } else {
            format!(
                "the spec's tests passed on {} (no golden model: {})",
                sims_text(&cx.opts.sims),
                cx.opts.ablation.name()
            )
        };
        return Ok(None);
    };
    write(
        &cx.out.join(format!("verify/failure-{round}.json")),
        &serde_json::to_string_pretty(&f).unwrap_or_default(),
    )?;
    let note = format!(
        "round {round}: {} mismatch in {} ({} {} cycle {}: expected {}, got {})",
        f.check,
        f.subfunction,
        f.simulator,
        f.port,
        f.cycle.map_or("?".into(), |c| c.to_string()),
        f.expected,
        f.actual
    );
    let r = stage_report(cx, STAGE, "running", 1, u64::from(round > 1), 0, vec![note]);
    push_stage(cx, r);
    cx.failures.push(f.clone());
    Ok(Some(reflect::Failure {
        stage: STAGE,
        subfunction: f.subfunction.clone(),
        kind: if f.check == "cosim" {
            reflect::Kind::Cosim
        } else {
            reflect::Kind::Vectors
        },
        log: f.prompt_text(),
        artifact: format!("rtl:{}", f.subfunction),
    }))
}

fn sims_text(sims: &[SimKind]) -> String {
    sims.iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(" and ")
}

fn vector_failure(round: usize, top: &str, r: &rtl::VectorRun) -> FailureRecord {
    // MISMATCH test=NAME cycle=C port=P expected=E got=G
    let first = r.messages.first().cloned().unwrap_or_default();
    let field = |k: &str| {
        first
            .split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{k}=")))
            .unwrap_or("")
            .to_string()
    };
    FailureRecord {
        round,
        check: "vectors".into(),
        subfunction: top.into(),
        simulator: r.simulator.name().into(),
        port: field("port"),
        cycle: field("cycle").parse().ok(),
        expected: field("expected"),
        actual: field("got"),
        stimulus: serde_json::json!({ "test": field("test") }),
        message: if first.starts_with("MISMATCH") {
            format!("the spec's test {} failed", field("test"))
        } else {
            r.messages.join(" | ")
        },
    }
}

fn cosim_failure(round: usize, top: &str, rep: &cosim::CosimReport) -> FailureRecord {
    let run = rep
        .runs
        .iter()
        .find(|r| r.verdict != cosim::Verdict::Match)
        .or(rep.runs.first());
    let m = rep.mismatch.clone();
    FailureRecord {
        round,
        check: "cosim".into(),
        subfunction: top.into(),
        simulator: run.map_or("", |r| r.simulator.name()).into(),
        port: m.as_ref().map(|m| m.port.clone()).unwrap_or_default(),
        cycle: m.as_ref().map(|m| m.cycle),
        expected: m.as_ref().map(|m| m.expected.clone()).unwrap_or_default(),
        actual: m.as_ref().map(|m| m.actual.clone()).unwrap_or_default(),
        stimulus: m
            .as_ref()
            .map(|m| serde_json::to_value(&m.inputs).unwrap_or_default())
            .unwrap_or_default(),
        message: run.map(|r| r.message.clone()).unwrap_or_default(),
    }
}

/// Co-simulate each sub-function below the top on its own against its C++ (dependencies
/// first); the first that mismatches is where the failure is.
async fn pin_subfunction(cx: &Ctx<'_>, plan: &Plan) -> Result<Option<FailureRecord>, Stop> {
    for name in &plan.order {
        if *name == plan.interface.top {
            continue;
        }
        let o = routing::sf_cosim(cx, plan, name)?;
        let rep = match cosim::run(&o).await {
            Ok(r) => r,
            Err(_) => continue,
        };
        if rep.verdict == cosim::Verdict::Mismatch {
            return Ok(Some(cosim_failure(0, name, &rep)));
        }
    }
    Ok(None)
}
