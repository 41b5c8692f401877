//! `rtlsmith eval`: judge references, candidate samples, or a model's samples of a suite, with
//! a progress bar on a terminal (a liveness line every 15 s otherwise), the summary at the end,
//! and `eval merge` for shards.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::{AppError, ExitCode};
use rtlsmith::eval::{self, EvalOptions, Event, ModelSource, Shard, Source, generate};
use rtlsmith::llm::config::LlmTable;
use rtlsmith::llm::settings::Settings;

pub const EVAL_HELP: &str = "\
Suites: verilog-eval-v2 (a dataset_spec-to-rtl or dataset_code-complete-iccad2023 folder),
verilog-eval-v1 (VerilogEval_Human.jsonl / VerilogEval_Machine.jsonl), rtllm (the RTLLM root,
v2.0 or v1.1).

The run directory gets results.jsonl (append-only; rerun the same command to resume),
references.jsonl, summary.json, report.md, junit.xml and, with --references, errata.json.

Exit codes: 0 the evaluation completed and its reports are written (whatever the scores);
1 a model run stopped early (budget, provider error; rerun to resume); 2 usage, suite or
samples error; 3 the simulator or an API key is missing; 130 interrupted (rerun to resume).";

#[derive(Args, Debug)]
pub struct EvalArgs {
    #[command(subcommand)]
    pub command: Option<EvalCommand>,
    /// verilog-eval-v2, verilog-eval-v1 or rtllm
    #[arg(required = true)]
    pub suite: Option<String>,
    /// The suite's folder (or JSONL file for verilog-eval-v1)
    #[arg(required = true)]
    pub path: Option<PathBuf>,
    /// Judge the suite's own reference solutions (calibration; writes errata.json)
    #[arg(long, conflicts_with = "samples")]
    pub references: bool,
    /// Candidates: JSONL lines {\"task_id\", \"completion\"} or a folder <task_id>/<name>.sv
    #[arg(long, value_name = "DIR|FILE")]
    pub samples: Option<PathBuf>,
    /// Simulator (icarus uses the official flags -Wall -Winfloop -Wno-timescale -g2012 -s tb)
    #[arg(long, value_enum, default_value = "icarus")]
    pub sim: super::OneSim,
    /// Simulations in parallel (default: number of CPUs)
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// CPU seconds a simulation may use before it is killed (verdict T); counted in CPU time so
    /// a busy machine gives the same verdicts (a wall-clock backstop of 4x + 30 s stops a sleeper)
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Run directory (default: rtlsmith-eval/<suite>-<variant>-<sim>-<mode>)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write the run's HTML report (as `rtlsmith report` does) to FILE
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Only this shard of the problems: I/N with 1 <= I <= N (merge the shards afterwards)
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Do not reuse or record cached verdicts nor cached LLM responses (job durations are
    /// still remembered, to schedule the longest jobs first)
    #[arg(long)]
    pub no_cache: bool,
    /// Trace every sample that ran and mismatched (VerilogEval v2): its top suspects go on its
    /// result line and into report.md
    #[arg(long)]
    pub trace: bool,
    /// Where verdicts and durations are cached (default: $XDG_CACHE_HOME/rtlsmith or ~/.cache/rtlsmith)
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    #[command(flatten)]
    pub llm: LlmArgs,
}

/// Generating samples with a model (`--model`); defaults from `[llm]` in rtlsmith.toml.
#[derive(Args, Debug, Clone, Default)]
pub struct LlmArgs {
    /// Generate the samples with this model: openai:MODEL[@BASE_URL], anthropic:MODEL, or
    /// scripted:REPLIES.jsonl (a test double, labelled as such in every report)
    #[arg(long, value_name = "PROVIDER:MODEL", conflicts_with_all = ["references", "samples"])]
    pub model: Option<String>,
    /// Samples per problem
    #[arg(long, value_name = "N")]
    pub n: Option<usize>,
    /// Sampling temperature (default 0.85, as VerilogEval)
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Nucleus sampling (default 0.95, as VerilogEval)
    #[arg(long)]
    pub top_p: Option<f64>,
    /// Reply length limit in tokens (default 1024, as VerilogEval)
    #[arg(long)]
    pub max_tokens: Option<u32>,
    /// Base seed (sample i uses seed + i; providers without seeds ignore it)
    #[arg(long)]
    pub seed: Option<u64>,
    /// In-context examples, 0 to 4 (VerilogEval v2: the official example files)
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=4))]
    pub shots: u32,
    /// Folder with verilog-example-prefix_<task>_<K>-shot.txt (default: <dataset>/../scripts)
    #[arg(long, value_name = "DIR")]
    pub examples_dir: Option<PathBuf>,
    /// Re-asks after a malformed reply, per sample (0 reproduces the official protocol)
    #[arg(long, default_value_t = 2)]
    pub reasks: u32,
    /// Requests in flight at once
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Requests per minute
    #[arg(long)]
    pub rpm: Option<u32>,
    /// Seconds before a request is abandoned (and retried)
    #[arg(long)]
    pub request_timeout: Option<u64>,
    /// Transport retries per request (backoff with jitter; Retry-After honoured)
    #[arg(long)]
    pub max_retries: Option<u32>,
    /// Stop cleanly once this many tokens were used
    #[arg(long)]
    pub max_tokens_total: Option<u64>,
    /// Stop cleanly once the estimated cost (US dollars) reaches this
    #[arg(long)]
    pub max_cost: Option<f64>,
    /// Price table (JSON or TOML: {"model": [input_per_Mtok, output_per_Mtok]})
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Write every exchange of the run to this session file
    #[arg(long, value_name = "FILE", conflicts_with = "replay")]
    pub record: Option<PathBuf>,
    /// Serve every request from this session file, without network; a request it lacks fails
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// Do not read or write the LLM response cache (verdicts stay cached)
    #[arg(long)]
    pub no_llm_cache: bool,
    /// A stop sequence for the model (repeatable)
    #[arg(long, value_name = "TEXT")]
    pub stop: Vec<String>,
    /// `gen`: make each sample with the whole rtlsmith gen pipeline (the task text as the
    /// spec; the suite's testbench judges only the final RTL — no oracle in the loop)
    #[arg(long, value_parser = ["single", "gen"], default_value = "single")]
    pub pipeline: String,
    /// Folder of prompt templates overriding the built-in ones, file by file
    #[arg(long, value_name = "DIR", env = "RTLSMITH_PROMPTS")]
    pub prompts: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum EvalCommand {
    /// Merge run directories (e.g. shards) into one report
    Merge {
        /// Run directories to merge
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where the merged run is written
        #[arg(long, value_name = "DIR", required = true)]
        out: PathBuf,
        /// Also write the merged run's HTML report to FILE
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
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

pub async fn run(a: EvalArgs) -> Result<ExitCode, AppError> {
    if let Some(EvalCommand::Merge { dirs, out, html }) = &a.command {
        let s = eval::merge(dirs, out)?;
        print_eval_summary(&s, out);
        if let Some(h) = html {
            super::report::html_after(std::slice::from_ref(out), h);
        }
        return Ok(ExitCode::Success);
    }
    let (Some(suite), Some(path)) = (&a.suite, &a.path) else {
        return Err(AppError::usage(
            "eval needs a suite and a path",
            "rtlsmith eval --help",
        ));
    };
    let kind = super::suite::suite_kind(suite)?;
    let s = rtlsmith::suite::load(kind, path)?;
    let llm_table = rtlsmith::regress::manifest::find(Path::new("."))
        .ok()
        .map(|p| rtlsmith::llm::config::load(&p))
        .transpose()
        .map_err(|e| AppError::usage(e, "fix the [llm] table (README: LLM providers)"))?
        .flatten()
        .unwrap_or_default();
    // the table's model is a default for model runs only, never for --references/--samples
    let settings = if a.references || a.samples.is_some() {
        None
    } else {
        Settings::resolve(&a.llm.requested(), &llm_table)
    };
    let source = match (&a.samples, a.references, &settings) {
        (Some(p), _, _) => Source::Candidates(p.clone()),
        (None, true, _) => Source::References,
        (None, false, Some(m)) => model_source(m, &a.llm, a.no_cache, &s)?,
        (None, false, None) => {
            return Err(AppError::usage(
                "eval needs --references, --samples or --model",
                "rtlsmith eval --help",
            ));
        }
    };
    let sim = a.sim.kind();
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| eval::default_run_dir(&s, sim, a.references, a.shard));
    let opts = EvalOptions {
        sim,
        jobs: a.jobs.unwrap_or_else(rtlsmith::runner::cores),
        timeout: Duration::from_secs(a.timeout.max(1)),
        out: out.clone(),
        shard: a.shard,
        cache_dir: a
            .cache_dir
            .clone()
            .or_else(rtlsmith::util::default_cache_dir),
        reuse_verdicts: !a.no_cache,
        trace: a.trace,
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
    let outcome = eval::run(&s, &source, &opts, move |ev| match ev {
        Event::Calibrating { references } => {
            if *references > 0 {
                let msg = format!("eval: simulating {references} reference solution(s) (calibration)");
                match &bar2 {
                    Some(b) => b.println(msg),
                    None => println!("{msg}"),
                }
            }
        }
        Event::Planned { candidates, to_simulate, already_done } => {
            let msg = format!(
                "eval: {candidates} sample(s); {already_done} already judged in this run directory; {to_simulate} distinct candidate(s) to simulate"
            );
            match &bar2 {
                Some(b) => {
                    b.set_length(*candidates as u64);
                    b.println(msg);
                }
                None => println!("{msg}"),
            }
        }
        Event::Generating { candidates, to_generate, already_done } => {
            let msg = format!(
                "eval: {candidates} sample(s); {already_done} already judged in this run directory; {to_generate} to generate and judge"
            );
            match &bar2 {
                Some(b) => {
                    b.set_length(*candidates as u64);
                    b.set_position(*already_done as u64);
                    b.println(msg);
                }
                None => println!("{msg}"),
            }
        }
        Event::Calibrated { task_id, verdict } => {
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
        Event::Judged(line) => {
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
    if let Some(h) = &a.html {
        super::report::html_after(std::slice::from_ref(&outcome.out), h);
    }
    if let Some(r) = &outcome.summary.stop_reason {
        eprintln!("error: the run stopped early: {r}");
        eprintln!("  hint: everything finished so far is saved; rerun the same command to resume");
        return Ok(ExitCode::Failed);
    }
    Ok(ExitCode::Success)
}

/// The model source of a model run: provider, client, prompts, examples.
fn model_source(
    settings: &Settings,
    a: &LlmArgs,
    no_cache: bool,
    suite: &rtlsmith::suite::Suite,
) -> Result<Source, AppError> {
    use rtlsmith::llm;
    let spec = llm::ModelSpec::parse(&settings.model)
        .map_err(|e| AppError::usage(e, "rtlsmith eval --help"))?;
    let provider = llm::build_provider(&spec, settings.request_timeout).map_err(|e| match e {
        llm::SetupError::MissingCredential { var, .. } => AppError {
            code: ExitCode::ToolMissing,
            message: e.to_string(),
            hint: format!(
                "export {var}=… (or use a self-hosted endpoint: openai:MODEL@http://host:port/v1)"
            ),
        },
        llm::SetupError::Invalid(m) => AppError::usage(m, "check --model"),
    })?;
    let prices = match &a.prices {
        Some(p) => llm::client::Prices::load(p).map_err(|e| {
            AppError::usage(
                e,
                "a price table maps model names to [input, output] US dollars per million tokens",
            )
        })?,
        None => llm::client::Prices::builtin(),
    };
    let cache_dir = (!a.no_llm_cache && !no_cache && a.replay.is_none())
        .then(rtlsmith::util::default_cache_dir)
        .flatten()
        .map(|d| d.join("llm"));
    let cfg = settings.client_config(prices, cache_dir, a.record.clone(), a.replay.clone());
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
            .unwrap_or_else(|| generate::default_examples_dir(&suite.root));
        generate::load_examples(&dir, &suite.variant, a.shots)
            .map_err(|e| AppError::usage(e, "pass --examples-dir, or --shots 0"))?
    };
    let params = generate::GenConfig {
        model: settings.model.clone(),
        provider_label: client.label(),
        provider_kind: client.provider_kind().to_string(),
        n: settings.n,
        temperature: settings.temperature,
        top_p: settings.top_p,
        max_tokens: settings.max_tokens,
        seed: settings.seed,
        shots: a.shots,
        reasks: a.reasks,
        stop: a.stop.clone(),
        prompt_overrides: prompts.overridden.clone(),
        pipeline: (a.pipeline == "gen").then(|| "gen".to_string()),
    };
    if client.provider_kind() == "scripted" {
        eprintln!(
            "note: scripted replies ({}): the samples are not a model's work",
            client.label()
        );
    }
    Ok(Source::Model(Arc::new(ModelSource {
        client: Arc::new(client),
        prompts,
        params,
        examples,
    })))
}

impl LlmArgs {
    /// What the flags ask of the model settings (the rest comes from `[llm]` or defaults).
    pub fn requested(&self) -> LlmTable {
        LlmTable {
            model: self.model.clone(),
            n: self.n,
            temperature: self.temperature,
            top_p: self.top_p,
            max_tokens: self.max_tokens,
            seed: self.seed,
            concurrency: self.concurrency,
            rpm: self.rpm,
            timeout: self.request_timeout,
            max_retries: self.max_retries,
            max_tokens_total: self.max_tokens_total,
            max_cost: self.max_cost,
            prices: Default::default(),
        }
    }
}
