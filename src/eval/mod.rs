/*!
`rtlsmith eval`: judge reference solutions, candidate samples, or a model's samples of a suite
by simulation.

A run directory holds `run.json` (what the run is), an append-only `results.jsonl` (one line per
judged sample, flushed as it is written, so a run killed at any point resumes without redoing
finished samples), `references.jsonl` (the calibration of each problem's reference), logs, and
the reports written at the end (`summary.json`, `report.md`, `junit.xml`, `errata.json`).

Identical candidates (same text, testbench, simulator, flags) are simulated once: within a run by
grouping, across runs through a persisted verdict cache. Jobs are scheduled longest first using
durations remembered from earlier runs.

The files, by concern: [`options`] (what is asked), [`candidates`] (reading them),
[`rundir`] (run directory and journals), [`cache`] (verdicts that outlive a run), [`phases`]
(calibration, references, candidates), [`model`] (generation overlapped with judging),
[`merge`], [`report`]; [`judge`] judges one candidate, [`checks`] refuses fakes before that,
[`verdict`] is what comes out.
*/

pub mod cache;
pub mod candidates;
pub mod checks;
pub mod generate;
pub mod judge;
pub mod merge;
mod model;
pub mod options;
mod phases;
pub mod report;
pub mod rundir;
pub mod tracing;
pub mod verdict;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub use candidates::{Candidate, candidate_text, load_candidates};
pub use judge::JudgeConfig;
pub use merge::merge;
pub use options::{EvalOptions, ModelSource, Shard, Source, default_run_dir, shard_problems};
pub use rundir::ResultLine;
pub use verdict::{FailureCode, Verdict};

use crate::sim::{self, SimError};
use crate::suite::{Problem, Suite, SuiteError};
use cache::VerdictCache;
use phases::{Calibration, Run};
use rundir::{Journal, RunMeta};

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Suite(#[from] SuiteError),
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error("{}: {message}", .path.display())]
    Candidates { path: PathBuf, message: String },
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
            EvalError::Candidates { .. } => {
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

/// Progress events for the caller.
#[derive(Debug, Clone)]
pub enum Event {
    /// References to simulate before the samples (the rest come from the cache or this run).
    Calibrating {
        references: usize,
    },
    /// Candidates of this run; how many were judged before (resume); how many distinct
    /// candidates need a simulation.
    Planned {
        candidates: usize,
        to_simulate: usize,
        already_done: usize,
    },
    /// A model run: samples wanted, already judged (resume), still to generate and judge.
    Generating {
        candidates: usize,
        to_generate: usize,
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

/// Candidates from a file or folder, restricted to the shard; every task id must exist.
fn read_candidates(
    suite: &Suite,
    path: &Path,
    in_shard: &HashSet<&str>,
) -> Result<Vec<Candidate>, EvalError> {
    let all = load_candidates(path)?;
    let mut unknown: Vec<&str> = all
        .iter()
        .filter(|c| suite.get(&c.task_id).is_none())
        .map(|c| c.task_id.as_str())
        .collect();
    unknown.dedup();
    if let Some(first_id) = unknown.first() {
        let first = all
            .iter()
            .find(|c| c.task_id == *first_id)
            .map(|c| c.origin.clone())
            .unwrap_or_default();
        return Err(EvalError::Candidates {
            path: path.to_path_buf(),
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
    Ok(all
        .into_iter()
        .filter(|c| in_shard.contains(c.task_id.as_str()))
        .collect())
}

/// Run an evaluation.
pub async fn run(
    suite: &Suite,
    source: &Source,
    opts: &EvalOptions,
    on_event: impl Fn(&Event) + Send + Sync,
) -> Result<RunOutcome, EvalError> {
    sim::check_available(opts.sim)?;
    let cfg = JudgeConfig {
        sim: opts.sim,
        timeout: opts.timeout,
        secret: judge::new_secret(),
        build_jobs: crate::runner::build_jobs_per_job(opts.jobs),
    };
    let meta = RunMeta {
        format_version: rundir::FORMAT_VERSION,
        suite: suite.kind,
        variant: suite.variant.clone(),
        suite_path: suite.root.display().to_string(),
        simulator: opts.sim,
        simulator_version: sim::version(opts.sim).await?,
        flags: cfg.flags(),
        timeout_seconds: opts.timeout.as_secs(),
        mode: source.mode().into(),
        candidates_from: match source {
            Source::Candidates(p) => Some(crate::process::absolute(p).display().to_string()),
            Source::References => None,
            Source::Model(m) => Some(m.params.provider_label.clone()),
        },
        shard: opts.shard.map(|s| s.to_string()),
        generation: match source {
            Source::Model(m) => Some(m.params.clone()),
            _ => None,
        },
    };
    let problems = shard_problems(suite, opts.shard);
    let in_shard: HashSet<&str> = problems.iter().map(|p| p.id.as_str()).collect();
    let candidates = match source {
        Source::References | Source::Model(_) => Vec::new(),
        Source::Candidates(p) => read_candidates(suite, p, &in_shard)?,
    };

    std::fs::create_dir_all(&opts.out).map_err(io_err(&opts.out))?;
    rundir::write_meta(&opts.out, &meta)?;
    let scratch = opts.out.join("jobs");
    std::fs::create_dir_all(&scratch).map_err(io_err(&scratch))?;
    let (mut refs_journal, ref_lines) = Journal::open(&opts.out.join("references.jsonl"))?;
    let (mut journal, existing) = Journal::open(&opts.out.join("results.jsonl"))?;
    let started = Instant::now();
    let mut run = Run {
        suite,
        meta,
        cfg,
        opts,
        scratch,
        cache: VerdictCache::open(opts.cache_dir.clone(), opts.reuse_verdicts),
        on_event: &on_event,
    };

    // calibration: every problem involved gets its reference judged (cached)
    let needed: Vec<&Problem> = match source {
        Source::References | Source::Model(_) => problems.clone(),
        Source::Candidates(_) => {
            let with: HashSet<&str> = candidates.iter().map(|c| c.task_id.as_str()).collect();
            problems
                .iter()
                .copied()
                .filter(|p| with.contains(p.id.as_str()))
                .collect()
        }
    };
    let mut cal = Calibration::default();
    let cal_jobs =
        phases::plan_calibration(&run, &needed, &ref_lines, &mut refs_journal, &mut cal)?;
    on_event(&Event::Calibrating {
        references: cal_jobs.len(),
    });
    if matches!(source, Source::References) {
        on_event(&Event::Planned {
            candidates: needed.len(),
            to_simulate: cal_jobs.len(),
            already_done: existing.len(),
        });
    }
    phases::run_calibration(&mut run, cal_jobs, &mut refs_journal, &mut cal).await?;

    let done: HashSet<(String, usize, String)> = existing
        .iter()
        .map(|l| (l.task_id.clone(), l.sample, l.hash.clone()))
        .collect();
    let mut results: Vec<ResultLine> = existing.clone();
    let mut extras = report::Extras::default();
    match source {
        Source::References => {
            results.extend(phases::references_phase(
                &run,
                &needed,
                &cal,
                &mut journal,
                &done,
            )?);
        }
        Source::Candidates(_) => {
            let fresh = phases::candidates_phase(
                &mut run,
                &candidates,
                &cal,
                &mut journal,
                &done,
                existing.len(),
            )
            .await?;
            results.extend(fresh);
        }
        Source::Model(ms) => {
            let outcome =
                model::model_phase(&mut run, &needed, ms, journal, &existing, &cal).await?;
            results.extend(outcome.results);
            extras.stop_reason = outcome.stop_reason;
            extras.llm = Some(report::LlmSummary {
                provider: ms.params.provider_label.clone(),
                scripted: ms.params.provider_kind == "scripted",
                usage: ms.client.usage(),
                reasked: results
                    .iter()
                    .filter(|l| l.verdict.reason.contains("(after re-ask"))
                    .count(),
                pipeline: ms.params.pipeline.clone(),
            });
        }
    }
    run.cache.durations.save();
    let _ = std::fs::remove_dir_all(&run.scratch);
    if opts.trace {
        let texts: HashMap<(String, usize), String> = candidates
            .iter()
            .filter_map(|c| Some(((c.task_id.clone(), c.index), c.text.clone()?)))
            .collect();
        let text = |t: &str, i: usize| texts.get(&(t.to_string(), i)).cloned();
        let n = tracing::trace_failures(suite, &opts.out, &mut results, &text).await?;
        if n > 0 {
            // the journal again, with the suspects on their lines (atomically: a run killed
            // here keeps the lines as judged, and traces again when resumed)
            let mut body = String::new();
            for l in &results {
                body.push_str(&serde_json::to_string(l).unwrap_or_default());
                body.push('\n');
            }
            let path = opts.out.join("results.jsonl");
            crate::util::write_atomic(&path, body).map_err(io_err(&path))?;
        }
    }

    // reports cover everything in the run directory (earlier, resumed work included)
    let ref_all: Vec<ResultLine> = Journal::open(&opts.out.join("references.jsonl"))?.1;
    extras.wall = started.elapsed();
    let summary = report::Summary::build(&run.meta, Some(suite), &results, &ref_all, extras);
    report::write_all(
        &opts.out,
        &summary,
        &results,
        matches!(source, Source::References),
    )?;
    if results.iter().any(|l| l.suspects.is_some()) {
        let md = opts.out.join("report.md");
        let text = std::fs::read_to_string(&md).unwrap_or_default() + &tracing::markdown(&results);
        crate::util::write_atomic(&md, text).map_err(io_err(&md))?;
    }
    Ok(RunOutcome {
        summary,
        out: opts.out.clone(),
    })
}
