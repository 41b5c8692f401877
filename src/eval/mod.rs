/*!
`rtlsmith eval`: judge reference solutions or candidate samples of a suite by simulation.

A run directory holds `run.json` (what the run is), an append-only `results.jsonl` (one line per
judged sample, flushed as it is written, so a run killed at any point resumes without redoing
finished samples), `references.jsonl` (the calibration of each problem's reference), logs, and
the reports written at the end (`summary.json`, `report.md`, `junit.xml`, `errata.json`).

Identical candidates (same text, testbench, simulator, flags) are simulated once: within a run by
grouping, across runs through a persisted verdict cache. Jobs are scheduled longest first using
durations remembered from earlier runs.
*/

pub mod checks;
pub mod judge;
pub mod report;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use judge::{JudgeConfig, Verdict};

use crate::sim::{self, SimError, SimKind};
use crate::suite::{Problem, Suite, SuiteError, SuiteKind};

pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Suite(#[from] SuiteError),
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error("{}: {message}", .path.display())]
    Samples { path: PathBuf, message: String },
    #[error("run directory {}: {message}", .path.display())]
    RunDir { path: PathBuf, message: String },
    #[error("cannot write {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl EvalError {
    pub fn hint(&self) -> &'static str {
        match self {
            EvalError::Suite(e) => e.hint(),
            EvalError::Sim(e) => e.hint(),
            EvalError::Samples { .. } => {
                "samples are JSONL lines {\"task_id\", \"completion\"} or a folder <task_id>/<name>.sv; task ids must exist in the suite (rtlsmith suite list)"
            }
            EvalError::RunDir { .. } => "choose another --out, or delete the folder to start over",
            EvalError::Io { .. } => "check free space and permissions",
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> EvalError + '_ {
    move |source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One candidate for one task.
#[derive(Debug, Clone)]
pub struct Sample {
    pub task_id: String,
    /// 0-based position among the task's samples.
    pub index: usize,
    /// The candidate text; `None` if it was not valid UTF-8.
    pub text: Option<String>,
    /// Where it came from (file, or file:line).
    pub origin: String,
}

/// What to judge.
#[derive(Debug, Clone)]
pub enum Source {
    References,
    Samples(PathBuf),
}

#[derive(Debug, Clone)]
pub struct EvalOptions {
    pub sim: SimKind,
    pub jobs: usize,
    pub timeout: Duration,
    pub out: PathBuf,
    /// (index, count), index 1-based.
    pub shard: Option<(usize, usize)>,
    /// Where verdicts and job durations persist between runs (`None`: nowhere).
    pub cache_dir: Option<PathBuf>,
    /// Reuse (and record) verdicts in the cache; durations are remembered either way, for
    /// scheduling.
    pub reuse_verdicts: bool,
}

/// `run.json`: what a run directory holds; a resumed run must match it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunMeta {
    pub format_version: u32,
    pub suite: SuiteKind,
    pub variant: String,
    pub suite_path: String,
    pub simulator: SimKind,
    pub simulator_version: String,
    pub flags: Vec<String>,
    pub timeout_seconds: u64,
    /// "references" or "samples"
    pub mode: String,
    pub samples: Option<String>,
    pub shard: Option<String>,
}

/// One line of `results.jsonl` (and of `references.jsonl`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResultLine {
    pub task_id: String,
    pub sample: usize,
    /// Content hash of the candidate with everything that decides its verdict.
    pub hash: String,
    #[serde(flatten)]
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ref_samples: Option<u64>,
    /// The verdict was reused (persisted cache or an identical candidate in this run).
    pub cached: bool,
}

/// Read samples from a JSONL file or a `<task_id>/<file>.sv|.v` folder.
pub fn load_samples(path: &Path) -> Result<Vec<Sample>, EvalError> {
    let err = |message: String| EvalError::Samples {
        path: path.to_path_buf(),
        message,
    };
    if !path.exists() {
        return Err(err("not found".into()));
    }
    let mut out = Vec::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    if path.is_dir() {
        let mut dirs: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| err(e.to_string()))?
            .flatten()
            .filter(|e| e.path().is_dir())
            .collect();
        dirs.sort_by_key(|e| e.file_name());
        for d in dirs {
            let task = d.file_name().to_string_lossy().into_owned();
            let mut files: Vec<_> = std::fs::read_dir(d.path())
                .map_err(|e| err(e.to_string()))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && matches!(p.extension().and_then(|x| x.to_str()), Some("sv" | "v"))
                })
                .collect();
            files.sort();
            for f in files {
                let bytes = std::fs::read(&f).map_err(|e| err(format!("{}: {e}", f.display())))?;
                let index = counts.entry(task.clone()).or_default();
                out.push(Sample {
                    task_id: task.clone(),
                    index: *index,
                    text: String::from_utf8(bytes).ok(),
                    origin: f.display().to_string(),
                });
                *index += 1;
            }
        }
        if out.is_empty() {
            return Err(err("no <task_id>/*.sv or *.v files in this folder".into()));
        }
    } else {
        #[derive(Deserialize)]
        struct Line {
            task_id: String,
            completion: String,
        }
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            let lineno = i + 1;
            let Ok(line) = std::str::from_utf8(raw) else {
                return Err(err(format!("line {lineno}: not valid UTF-8")));
            };
            if line.trim().is_empty() {
                continue;
            }
            let v: Line =
                serde_json::from_str(line).map_err(|e| err(format!("line {lineno}: {e}")))?;
            let index = counts.entry(v.task_id.clone()).or_default();
            out.push(Sample {
                task_id: v.task_id,
                index: *index,
                text: Some(v.completion),
                origin: format!("{}:{lineno}", path.display()),
            });
            *index += 1;
        }
        if out.is_empty() {
            return Err(err("no samples (the file is empty)".into()));
        }
    }
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The cache key: everything that decides a verdict.
fn verdict_key(
    problem: &Problem,
    suite: SuiteKind,
    candidate: &str,
    trusted: bool,
    ref_samples: Option<u64>,
    meta: &RunMeta,
) -> String {
    let mut h = Sha256::new();
    let mut part = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    part("rtlsmith-verdict-v1");
    part(suite.name());
    part(&problem.id);
    part(&problem.testbench);
    for (n, t) in &problem.support {
        part(n);
        part(t);
    }
    part(candidate);
    part(if trusted { "trusted" } else { "untrusted" });
    part(&ref_samples.map_or("-".into(), |s| s.to_string()));
    part(meta.simulator.name());
    part(&meta.simulator_version);
    part(&meta.flags.join(" "));
    part(&meta.timeout_seconds.to_string());
    hex(&h.finalize())
}

/// Persisted verdicts and durations shared by runs.
struct Cache {
    dir: Option<PathBuf>,
    reuse: bool,
    verdicts: HashMap<String, Verdict>,
    durations: HashMap<String, f64>,
}

#[derive(Serialize, Deserialize)]
struct CacheLine {
    key: String,
    #[serde(flatten)]
    verdict: Verdict,
}

impl Cache {
    fn open(dir: Option<PathBuf>, reuse: bool) -> Cache {
        let mut c = Cache {
            dir,
            reuse,
            verdicts: HashMap::new(),
            durations: HashMap::new(),
        };
        if let Some(d) = &c.dir {
            if let Some(text) = reuse
                .then(|| std::fs::read_to_string(d.join("verdicts.jsonl")).ok())
                .flatten()
            {
                for line in text.lines() {
                    if let Ok(l) = serde_json::from_str::<CacheLine>(line) {
                        c.verdicts.insert(l.key, l.verdict);
                    }
                }
            }
            if let Ok(text) = std::fs::read_to_string(d.join("durations.json")) {
                c.durations = serde_json::from_str(&text).unwrap_or_default();
            }
        }
        c
    }

    fn put(&mut self, key: &str, v: &Verdict) {
        if !self.reuse {
            return;
        }
        self.verdicts.insert(key.to_string(), v.clone());
        if let Some(d) = &self.dir {
            let line = serde_json::to_string(&CacheLine {
                key: key.to_string(),
                verdict: v.clone(),
            })
            .unwrap_or_default();
            let _ = std::fs::create_dir_all(d);
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(d.join("verdicts.jsonl"))
            {
                let _ = f.write_all(format!("{line}\n").as_bytes());
            }
        }
    }

    fn save_durations(&self) {
        if let Some(d) = &self.dir {
            let _ = std::fs::create_dir_all(d);
            if let Ok(text) = serde_json::to_string(&self.durations) {
                let tmp = d.join("durations.json.partial");
                if std::fs::write(&tmp, text).is_ok() {
                    let _ = std::fs::rename(tmp, d.join("durations.json"));
                }
            }
        }
    }
}

/// An append-only JSONL file that survives `kill -9` (a torn last line is skipped on read and
/// terminated before the next append).
struct Journal {
    path: PathBuf,
    file: std::fs::File,
}

impl Journal {
    fn open(path: &Path) -> Result<(Journal, Vec<ResultLine>), EvalError> {
        let mut lines = Vec::new();
        let mut needs_newline = false;
        if let Ok(bytes) = std::fs::read(path) {
            needs_newline = !bytes.is_empty() && !bytes.ends_with(b"\n");
            for raw in String::from_utf8_lossy(&bytes).lines() {
                if let Ok(l) = serde_json::from_str::<ResultLine>(raw) {
                    lines.push(l);
                }
            }
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io_err(path))?;
        if needs_newline {
            file.write_all(b"\n").map_err(io_err(path))?;
        }
        Ok((
            Journal {
                path: path.to_path_buf(),
                file,
            },
            lines,
        ))
    }

    fn append(&mut self, line: &ResultLine) -> Result<(), EvalError> {
        let mut text = serde_json::to_string(line).unwrap_or_default();
        text.push('\n');
        self.file
            .write_all(text.as_bytes())
            .map_err(io_err(&self.path))?;
        self.file.sync_data().map_err(io_err(&self.path))
    }
}

/// The text judged for a sample: VerilogEval v1 completions follow the prompt's module header;
/// a code-completion body without its header (VerilogEval v2 code-complete) gets the interface.
pub fn candidate_text(p: &Problem, sample: &str) -> String {
    if let Some(prefix) = &p.candidate_prefix {
        return format!("{prefix}{sample}");
    }
    match &p.interface {
        Some(ifc) if !crate::suite::declared_modules(sample).contains(&p.dut_module) => {
            format!("{}\n{sample}", ifc.trim_end())
        }
        _ => sample.to_string(),
    }
}

/// Problems of this shard (1-based index of `count` shards, by position in id order).
pub fn shard_problems(suite: &Suite, shard: Option<(usize, usize)>) -> Vec<&Problem> {
    suite
        .problems
        .iter()
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|(k, n)| i % n == k - 1))
        .map(|(_, p)| p)
        .collect()
}

/// Progress events for the caller.
#[derive(Debug, Clone)]
pub enum Event {
    /// References to simulate before the samples (the rest come from the cache or this run).
    Calibrating {
        references: usize,
    },
    /// Samples of this run; how many were judged before (resume); how many distinct
    /// candidates need a simulation.
    Planned {
        samples: usize,
        to_simulate: usize,
        already_done: usize,
    },
    Calibrated {
        task_id: String,
        verdict: Verdict,
    },
    Judged(ResultLine),
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub summary: report::Summary,
    pub out: PathBuf,
}

fn write_meta(out: &Path, meta: &RunMeta) -> Result<(), EvalError> {
    let path = out.join("run.json");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let old: RunMeta = serde_json::from_str(&text).map_err(|e| EvalError::RunDir {
            path: out.to_path_buf(),
            message: format!("run.json is unreadable ({e})"),
        })?;
        if old != *meta {
            return Err(EvalError::RunDir {
                path: out.to_path_buf(),
                message: format!(
                    "holds a different run ({} {} on {} {}, {}); it can only be resumed with the same suite, samples, simulator, flags, timeout and shard",
                    old.suite, old.variant, old.simulator, old.simulator_version, old.mode
                ),
            });
        }
        return Ok(());
    }
    let text = serde_json::to_string_pretty(meta).unwrap_or_default();
    std::fs::write(&path, text).map_err(io_err(&path))
}

struct Job {
    problem: Problem,
    text: String,
    trusted: bool,
    ref_samples: Option<u64>,
    key: String,
    estimate: f64,
}

/// Judge every job (unique keys), longest first, `jobs` at a time.
async fn run_jobs(
    jobs: Vec<Job>,
    cfg: &JudgeConfig,
    parallel: usize,
    scratch: &Path,
    mut done: impl FnMut(&Job, Verdict) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let mut jobs = jobs;
    jobs.sort_by(|a, b| b.estimate.total_cmp(&a.estimate));
    let sem = Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for (i, job) in jobs.iter().enumerate() {
        let sem = sem.clone();
        let cfg = cfg.clone();
        let problem = job.problem.clone();
        let text = job.text.clone();
        let (trusted, ref_samples) = (job.trusted, job.ref_samples);
        let scratch = scratch.to_path_buf();
        set.spawn(async move {
            let _p = sem.acquire_owned().await.expect("semaphore open");
            let v = judge::judge(&problem, &text, ref_samples, trusted, &cfg, &scratch).await;
            (i, v)
        });
    }
    while let Some(r) = set.join_next().await {
        let (i, v) = match r {
            Ok(x) => x,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        match v {
            Ok(v) => done(&jobs[i], v)?,
            Err(e) => {
                set.abort_all();
                return Err(e.into());
            }
        }
    }
    Ok(())
}

fn duration_key(meta: &RunMeta, task: &str) -> String {
    format!("{}/{}/{}", meta.simulator, meta.suite, task)
}

fn write_log(out: &Path, task: &str, name: &str, log: &str) {
    let dir = out.join("logs").join(task);
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(format!("{name}.log")), log);
    }
}

/// Run an evaluation.
pub async fn run(
    suite: &Suite,
    source: &Source,
    opts: &EvalOptions,
    on_event: impl Fn(&Event) + Send + Sync,
) -> Result<RunOutcome, EvalError> {
    sim::check_available(opts.sim)?;
    let version = sim::version(opts.sim).await?;
    let cfg = JudgeConfig {
        sim: opts.sim,
        timeout: opts.timeout,
        secret: judge::new_secret(),
        build_jobs: (std::thread::available_parallelism().map_or(2, |n| n.get())
            / opts.jobs.max(1))
        .max(1),
    };
    let meta = RunMeta {
        format_version: FORMAT_VERSION,
        suite: suite.kind,
        variant: suite.variant.clone(),
        suite_path: suite.root.display().to_string(),
        simulator: opts.sim,
        simulator_version: version,
        flags: cfg.flags(),
        timeout_seconds: opts.timeout.as_secs(),
        mode: match source {
            Source::References => "references".into(),
            Source::Samples(_) => "samples".into(),
        },
        samples: match source {
            Source::Samples(p) => Some(crate::process::absolute(p).display().to_string()),
            Source::References => None,
        },
        shard: opts.shard.map(|(k, n)| format!("{k}/{n}")),
    };
    let problems = shard_problems(suite, opts.shard);
    let in_shard: HashSet<&str> = problems.iter().map(|p| p.id.as_str()).collect();
    let samples = match source {
        Source::References => Vec::new(),
        Source::Samples(p) => {
            let all = load_samples(p)?;
            let unknown: Vec<&str> = {
                let mut u: Vec<&str> = all
                    .iter()
                    .filter(|s| suite.get(&s.task_id).is_none())
                    .map(|s| s.task_id.as_str())
                    .collect();
                u.dedup();
                u
            };
            if !unknown.is_empty() {
                let first = all
                    .iter()
                    .find(|s| s.task_id == unknown[0])
                    .map(|s| s.origin.clone())
                    .unwrap_or_default();
                return Err(EvalError::Samples {
                    path: p.clone(),
                    message: format!(
                        "{} sample(s) name task ids the suite does not have: {} (first at {first})",
                        unknown.len(),
                        unknown
                            .iter()
                            .take(5)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
            all.into_iter()
                .filter(|s| in_shard.contains(s.task_id.as_str()))
                .collect()
        }
    };

    std::fs::create_dir_all(&opts.out).map_err(io_err(&opts.out))?;
    write_meta(&opts.out, &meta)?;
    let scratch = opts.out.join("jobs");
    std::fs::create_dir_all(&scratch).map_err(io_err(&scratch))?;

    let mut cache = Cache::open(opts.cache_dir.clone(), opts.reuse_verdicts);
    let (mut refs_journal, ref_lines) = Journal::open(&opts.out.join("references.jsonl"))?;
    let (mut journal, existing) = Journal::open(&opts.out.join("results.jsonl"))?;
    let started = Instant::now();

    // --- calibration: every problem involved gets its reference judged (cached) ---
    let needed: Vec<&Problem> = match source {
        Source::References => problems.clone(),
        Source::Samples(_) => {
            let with_samples: HashSet<&str> = samples.iter().map(|s| s.task_id.as_str()).collect();
            problems
                .iter()
                .copied()
                .filter(|p| with_samples.contains(p.id.as_str()))
                .collect()
        }
    };
    let mut calibration: HashMap<String, Verdict> = HashMap::new();
    let mut reused_calibration: HashSet<String> = HashSet::new();
    let mut cal_jobs = Vec::new();
    for p in &needed {
        let text = p.reference_as_candidate();
        let key = verdict_key(p, suite.kind, &text, true, None, &meta);
        if let Some(l) = ref_lines
            .iter()
            .find(|l| l.task_id == p.id && l.hash == key)
        {
            calibration.insert(p.id.clone(), l.verdict.clone());
            reused_calibration.insert(p.id.clone());
        } else if let Some(v) = cache.verdicts.get(&key) {
            calibration.insert(p.id.clone(), v.clone());
            reused_calibration.insert(p.id.clone());
            refs_journal.append(&ResultLine {
                task_id: p.id.clone(),
                sample: 0,
                hash: key,
                verdict: v.clone(),
                ref_samples: None,
                cached: true,
            })?;
        } else {
            let estimate = cache
                .durations
                .get(&duration_key(&meta, &p.id))
                .copied()
                .unwrap_or(p.testbench.len() as f64 / 1e5);
            cal_jobs.push(Job {
                problem: (*p).clone(),
                text,
                trusted: true,
                ref_samples: None,
                key,
                estimate,
            });
        }
    }

    // --- the samples to judge, with their keys (known once calibration is done) ---
    let done_keys: HashSet<(String, usize, String)> = existing
        .iter()
        .map(|l| (l.task_id.clone(), l.sample, l.hash.clone()))
        .collect();
    on_event(&Event::Calibrating {
        references: cal_jobs.len(),
    });
    if matches!(source, Source::References) {
        on_event(&Event::Planned {
            samples: needed.len(),
            to_simulate: cal_jobs.len(),
            already_done: existing.len(),
        });
    }

    run_jobs(cal_jobs, &cfg, opts.jobs, &scratch, |job, v| {
        cache
            .durations
            .insert(duration_key(&meta, &job.problem.id), v.seconds);
        write_log(&opts.out, &job.problem.id, "reference", &v.log);
        cache.put(&job.key, &v);
        refs_journal.append(&ResultLine {
            task_id: job.problem.id.clone(),
            sample: 0,
            hash: job.key.clone(),
            verdict: v.clone(),
            ref_samples: None,
            cached: false,
        })?;
        on_event(&Event::Calibrated {
            task_id: job.problem.id.clone(),
            verdict: v.clone(),
        });
        calibration.insert(job.problem.id.clone(), v);
        Ok(())
    })
    .await?;

    let mut results: Vec<ResultLine> = existing.clone();
    match source {
        Source::References => {
            for p in &needed {
                let v = calibration.get(&p.id).cloned().expect("calibrated");
                let key = verdict_key(
                    p,
                    suite.kind,
                    &p.reference_as_candidate(),
                    true,
                    None,
                    &meta,
                );
                if done_keys.contains(&(p.id.clone(), 0, key.clone())) {
                    continue;
                }
                let line = ResultLine {
                    task_id: p.id.clone(),
                    sample: 0,
                    hash: key,
                    ref_samples: v.samples,
                    verdict: v,
                    cached: reused_calibration.contains(&p.id),
                };
                journal.append(&line)?;
                on_event(&Event::Judged(line.clone()));
                results.push(line);
            }
        }
        Source::Samples(_) => {
            // group identical candidates; reuse cached verdicts; simulate the rest once each
            let mut groups: BTreeMap<String, Vec<&Sample>> = BTreeMap::new();
            let mut jobs = Vec::new();
            let mut simulate_keys = HashSet::new();
            for s in &samples {
                let p = suite.get(&s.task_id).expect("known task");
                let text = s.text.as_deref().map(|t| candidate_text(p, t));
                let ref_samples = calibration.get(&p.id).and_then(|v| v.samples);
                let key = match &text {
                    Some(t) => verdict_key(p, suite.kind, t, false, ref_samples, &meta),
                    None => format!("not-utf8:{}:{}", s.task_id, s.index),
                };
                if done_keys.contains(&(s.task_id.clone(), s.index, key.clone())) {
                    continue;
                }
                groups.entry(key.clone()).or_default().push(s);
                let Some(text) = text else { continue };
                if cache.verdicts.contains_key(&key) || !simulate_keys.insert(key.clone()) {
                    continue;
                }
                let estimate = cache
                    .durations
                    .get(&duration_key(&meta, &p.id))
                    .copied()
                    .unwrap_or(p.testbench.len() as f64 / 1e5);
                jobs.push(Job {
                    problem: p.clone(),
                    text,
                    trusted: false,
                    ref_samples,
                    key,
                    estimate,
                });
            }
            on_event(&Event::Planned {
                samples: samples.len(),
                to_simulate: jobs.len(),
                already_done: existing.len(),
            });
            let mut emit = |key: &str,
                            v: &Verdict,
                            first_fresh: bool,
                            results: &mut Vec<ResultLine>|
             -> Result<(), EvalError> {
                for (i, s) in groups.get(key).into_iter().flatten().enumerate() {
                    let line = ResultLine {
                        task_id: s.task_id.clone(),
                        sample: s.index,
                        hash: key.to_string(),
                        ref_samples: calibration.get(&s.task_id).and_then(|v| v.samples),
                        verdict: v.clone(),
                        cached: !(first_fresh && i == 0),
                    };
                    journal.append(&line)?;
                    on_event(&Event::Judged(line.clone()));
                    results.push(line);
                }
                Ok(())
            };
            // refused-before-simulation and non-UTF-8 samples, and cache hits, first
            for (key, members) in &groups {
                if let Some(stripped) = key.strip_prefix("not-utf8:") {
                    let _ = stripped;
                    let v = Verdict {
                        code: 'X',
                        passed: false,
                        mismatches: None,
                        samples: None,
                        reason: format!(
                            "refused (not-utf8): {} is not valid UTF-8",
                            members[0].origin
                        ),
                        refusal: None,
                        seconds: 0.0,
                        log: String::new(),
                    };
                    emit(key, &v, true, &mut results)?;
                } else if let Some(v) = cache.verdicts.get(key).cloned() {
                    emit(key, &v, false, &mut results)?;
                }
            }
            run_jobs(jobs, &cfg, opts.jobs, &scratch, |job, v| {
                if v.seconds > 0.0 {
                    cache
                        .durations
                        .insert(duration_key(&meta, &job.problem.id), v.seconds);
                }
                if let Some(first) = groups.get(&job.key).and_then(|g| g.first()) {
                    if !v.log.is_empty() {
                        write_log(
                            &opts.out,
                            &first.task_id,
                            &format!("sample{:02}", first.index),
                            &v.log,
                        );
                    }
                }
                cache.put(&job.key, &v);
                emit(&job.key, &v, true, &mut results)
            })
            .await?;
        }
    }
    cache.save_durations();
    let _ = std::fs::remove_dir_all(&scratch);

    // reports cover everything in the run directory (earlier, resumed work included)
    let ref_all: Vec<ResultLine> = Journal::open(&opts.out.join("references.jsonl"))?.1;
    let summary = report::Summary::build(&meta, suite, &results, &ref_all, started.elapsed());
    report::write_all(
        &opts.out,
        &summary,
        &results,
        matches!(source, Source::References),
    )?;
    Ok(RunOutcome {
        summary,
        out: opts.out.clone(),
    })
}

/// Merge run directories (shards of one evaluation) into `out`.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<report::Summary, EvalError> {
    let mut meta: Option<RunMeta> = None;
    let mut results: Vec<ResultLine> = Vec::new();
    let mut refs: Vec<ResultLine> = Vec::new();
    let mut seen = HashSet::new();
    for d in dirs {
        let path = d.join("run.json");
        let text = std::fs::read_to_string(&path).map_err(|_| EvalError::RunDir {
            path: d.clone(),
            message: "has no run.json (is it an rtlsmith eval --out folder?)".into(),
        })?;
        let m: RunMeta = serde_json::from_str(&text).map_err(|e| EvalError::RunDir {
            path: d.clone(),
            message: format!("run.json is unreadable ({e})"),
        })?;
        if let Some(first) = &meta {
            if (
                first.suite,
                &first.variant,
                first.simulator,
                &first.simulator_version,
                &first.flags,
                &first.mode,
            ) != (
                m.suite,
                &m.variant,
                m.simulator,
                &m.simulator_version,
                &m.flags,
                &m.mode,
            ) {
                return Err(EvalError::RunDir {
                    path: d.clone(),
                    message: "was made with a different suite, simulator, flags or mode than the first run directory".into(),
                });
            }
        } else {
            meta = Some(m.clone());
        }
        for l in Journal::open(&d.join("results.jsonl"))?.1 {
            if seen.insert((l.task_id.clone(), l.sample)) {
                results.push(l);
            }
        }
        refs.extend(Journal::open(&d.join("references.jsonl"))?.1);
    }
    let Some(mut meta) = meta else {
        return Err(EvalError::RunDir {
            path: out.to_path_buf(),
            message: "nothing to merge".into(),
        });
    };
    meta.shard = None;
    std::fs::create_dir_all(out).map_err(io_err(out))?;
    // a merge target is written afresh
    for f in ["results.jsonl", "references.jsonl", "errata.json"] {
        let _ = std::fs::remove_file(out.join(f));
    }
    let mode_refs = meta.mode == "references";
    let suite = crate::suite::load(meta.suite, Path::new(&meta.suite_path)).ok();
    let summary = match &suite {
        Some(s) => report::Summary::build(&meta, s, &results, &refs, Duration::ZERO),
        None => report::Summary::build_without_suite(&meta, &results, &refs),
    };
    std::fs::write(
        out.join("run.json"),
        serde_json::to_string_pretty(&meta).unwrap_or_default(),
    )
    .map_err(io_err(out))?;
    let mut j = Journal::open(&out.join("results.jsonl"))?.0;
    for l in &results {
        j.append(l)?;
    }
    let mut rj = Journal::open(&out.join("references.jsonl"))?.0;
    for l in &refs {
        rj.append(l)?;
    }
    report::write_all(out, &summary, &results, mode_refs)?;
    Ok(summary)
}
