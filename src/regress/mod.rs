/*!
Manifest-driven regression runs: every (case, simulator) pair is one job; jobs run in parallel
up to `--jobs`, longest first (durations remembered from earlier runs), each in its own job
directory through [`crate::sim::simulate`]. Results stream to the caller as they finish and
are gathered into a [`RegressReport`] that flags cases where the simulators disagree.
*/

pub mod design;
pub mod filelist;
pub mod import;
pub mod manifest;
pub mod report;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;

pub use manifest::{Case, Manifest, ManifestError};

use crate::runner::{self, Durations};
use crate::sim::{self, SimError, SimKind, SimResult, Status};

/// Options of one regression run.
#[derive(Debug, Clone)]
pub struct RegressOptions {
    pub jobs: usize,
    /// Restrict every case to these simulators (None: each case's own list).
    pub simulators: Option<Vec<SimKind>>,
    /// Keep only cases whose name matches (glob with `*?[]`, otherwise substring).
    pub filter: Option<String>,
    /// Keep the job directories of jobs that did not pass (their paths are reported).
    pub keep_failed: bool,
    /// Where job durations are remembered between runs, to start the longest jobs first.
    pub durations: Option<std::path::PathBuf>,
}

fn duration_key(manifest: &Manifest, case: &str, k: SimKind) -> String {
    format!("{}#{case}#{k}", manifest.path.display())
}

/// One finished job.
#[derive(Debug, Clone, Serialize)]
pub struct JobResult {
    pub case: String,
    #[serde(flatten)]
    pub result: SimResult,
}

/// The outcome of a case over all its simulators.
#[derive(Debug, Clone, Serialize)]
pub struct CaseReport {
    pub name: String,
    /// pass only if every simulator passed
    pub status: Status,
    /// the simulators gave different verdicts
    pub disagreement: bool,
    pub results: Vec<SimResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegressReport {
    pub format_version: u32,
    pub manifest: String,
    pub simulators: BTreeMap<String, String>,
    pub jobs: usize,
    pub wall_seconds: f64,
    /// Sum of compile and run times of all jobs.
    pub job_seconds: f64,
    pub totals: BTreeMap<String, usize>,
    pub cases: Vec<CaseReport>,
}

impl RegressReport {
    pub fn all_passed(&self) -> bool {
        self.cases.iter().all(|c| c.status == Status::Pass)
    }
}

/// Select cases by `filter` (glob if it has glob characters, else substring).
pub fn select<'a>(cases: &'a [Case], filter: Option<&str>) -> Vec<&'a Case> {
    match filter {
        None => cases.iter().collect(),
        Some(f) if f.contains(['*', '?', '[']) => match glob::Pattern::new(f) {
            Ok(p) => cases.iter().filter(|c| p.matches(&c.name)).collect(),
            Err(_) => cases.iter().filter(|c| c.name.contains(f)).collect(),
        },
        Some(f) => cases.iter().filter(|c| c.name.contains(f)).collect(),
    }
}

/// The jobs a run will execute, in scheduling order (longest first: durations remembered from
/// earlier runs, else a guess — Verilator builds a C++ model in seconds, Icarus compiles in
/// milliseconds).
pub fn plan(manifest: &Manifest, opts: &RegressOptions) -> Vec<(Case, SimKind)> {
    let mut jobs = Vec::new();
    for case in select(&manifest.cases, opts.filter.as_deref()) {
        for &k in &case.simulators {
            if opts.simulators.as_ref().is_none_or(|s| s.contains(&k)) {
                jobs.push((case.clone(), k));
            }
        }
    }
    let known = Durations::load(opts.durations.clone());
    let estimate = estimator(manifest, &known);
    jobs.sort_by(|(a, ka), (b, kb)| estimate(b, *kb).total_cmp(&estimate(a, *ka)));
    jobs
}

fn estimator<'a>(
    manifest: &'a Manifest,
    known: &'a Durations,
) -> impl Fn(&Case, SimKind) -> f64 + 'a {
    move |c, k| {
        known
            .get(&duration_key(manifest, &c.name, k))
            .unwrap_or(if k == SimKind::Verilator { 10.0 } else { 0.1 })
    }
}

/// Run the planned jobs; `on_result` sees each job as it finishes.
pub async fn run(
    manifest: &Manifest,
    opts: &RegressOptions,
    on_result: impl Fn(&JobResult),
) -> Result<RegressReport, SimError> {
    let jobs = plan(manifest, opts);
    let mut versions = BTreeMap::new();
    let mut kinds: Vec<SimKind> = jobs.iter().map(|(_, k)| *k).collect();
    kinds.sort();
    kinds.dedup();
    for k in &kinds {
        sim::check_available(*k)?;
        versions.insert(k.name().to_string(), sim::version(*k).await?);
    }
    let njobs = opts.jobs.max(1);
    let build_jobs = runner::build_jobs_per_job(njobs);
    let keep_failed = opts.keep_failed;
    let mut durations = Durations::load(opts.durations.clone());
    let start = Instant::now();
    let indexed: Vec<(usize, Case, SimKind)> = jobs
        .into_iter()
        .enumerate()
        .map(|(i, (c, k))| (i, c, k))
        .collect();
    let mut done: Vec<(usize, JobResult)> = Vec::new();
    // `plan` already sorted the jobs; the index keeps that order
    runner::run_longest_first(
        indexed,
        njobs,
        |(i, _, _)| -(*i as f64),
        move |(_, case, kind)| async move {
            let mut o = case.sim_options();
            o.build_jobs = build_jobs;
            o.keep_failed_job_dir = keep_failed;
            sim::simulate(kind, &case.design, &o).await
        },
        |(i, case, _), result| {
            let jr = JobResult {
                case: case.name.clone(),
                result,
            };
            on_result(&jr);
            durations.record(
                duration_key(manifest, &jr.case, jr.result.simulator),
                jr.result.seconds(),
            );
            done.push((i, jr));
            Ok(())
        },
    )
    .await?;
    let wall = start.elapsed();
    durations.save();
    done.sort_by_key(|(i, _)| *i);
    Ok(build_report(
        manifest,
        versions,
        njobs,
        wall,
        done.into_iter().map(|(_, j)| j),
    ))
}

fn build_report(
    manifest: &Manifest,
    simulators: BTreeMap<String, String>,
    jobs: usize,
    wall: Duration,
    results: impl Iterator<Item = JobResult>,
) -> RegressReport {
    let mut by_case: BTreeMap<String, Vec<SimResult>> = BTreeMap::new();
    for j in results {
        by_case.entry(j.case).or_default().push(j.result);
    }
    let mut totals: BTreeMap<String, usize> = BTreeMap::new();
    let mut job_seconds = 0.0;
    let mut cases = Vec::new();
    // manifest order
    for c in &manifest.cases {
        let Some(mut results) = by_case.remove(&c.name) else {
            continue;
        };
        results.sort_by_key(|r| r.simulator);
        for r in &results {
            *totals.entry(r.status.name().to_string()).or_default() += 1;
            job_seconds += r.seconds();
        }
        let status = results
            .iter()
            .map(|r| r.status)
            .find(|s| *s != Status::Pass)
            .unwrap_or(Status::Pass);
        let disagreement = results.windows(2).any(|w| w[0].status != w[1].status);
        cases.push(CaseReport {
            name: c.name.clone(),
            status,
            disagreement,
            results,
        });
    }
    RegressReport {
        format_version: 1,
        manifest: manifest.path.display().to_string(),
        simulators,
        jobs,
        wall_seconds: wall.as_secs_f64(),
        job_seconds,
        totals,
        cases,
    }
}
