/*!
Manifest-driven regression runs: every (case, simulator) pair is one job; jobs run in parallel
up to `--jobs`, longest first (durations remembered from earlier runs), each in its own job
directory through [`crate::sim::simulate`]. Results stream to the caller as they finish and
are gathered into a [`RegressReport`] that flags cases where the simulators disagree.
*/

pub mod filelist;
pub mod import;
pub mod manifest;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

pub use manifest::{Case, Manifest, ManifestError};

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

fn load_durations(path: Option<&std::path::Path>) -> BTreeMap<String, f64> {
    path.and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
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

/// The jobs a run will execute, in scheduling order.
pub fn plan(manifest: &Manifest, opts: &RegressOptions) -> Vec<(Case, SimKind)> {
    let mut jobs = Vec::new();
    for case in select(&manifest.cases, opts.filter.as_deref()) {
        for &k in &case.simulators {
            if opts.simulators.as_ref().is_none_or(|s| s.contains(&k)) {
                jobs.push((case.clone(), k));
            }
        }
    }
    // longest first: durations remembered from earlier runs, else a guess (Verilator builds a
    // C++ model in seconds; Icarus compiles in milliseconds)
    let known = load_durations(opts.durations.as_deref());
    let estimate = |c: &Case, k: SimKind| {
        known
            .get(&duration_key(manifest, &c.name, k))
            .copied()
            .unwrap_or(if k == SimKind::Verilator { 10.0 } else { 0.1 })
    };
    jobs.sort_by(|(a, ka), (b, kb)| estimate(b, *kb).total_cmp(&estimate(a, *ka)));
    jobs
}

/// Run the planned jobs; `on_result` sees each job as it finishes.
pub async fn run(
    manifest: &Manifest,
    opts: &RegressOptions,
    on_result: impl Fn(&JobResult) + Send + Sync + 'static,
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
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let build_jobs = (cores / njobs).max(1);
    let sem = Arc::new(tokio::sync::Semaphore::new(njobs));
    let keep_failed = opts.keep_failed;
    let on_result = Arc::new(on_result);
    let start = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for (idx, (case, kind)) in jobs.into_iter().enumerate() {
        let sem = sem.clone();
        let on_result = on_result.clone();
        set.spawn(async move {
            let _permit = sem.acquire_owned().await.expect("semaphore open");
            let mut o = case.sim_options();
            o.build_jobs = build_jobs;
            o.keep_failed_job_dir = keep_failed;
            let result = sim::simulate(kind, &case.design, &o).await?;
            let jr = JobResult {
                case: case.name.clone(),
                result,
            };
            on_result(&jr);
            Ok::<_, SimError>((idx, jr))
        });
    }
    let mut done: Vec<(usize, JobResult)> = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(Ok(x)) => done.push(x),
            Ok(Err(e)) => {
                set.abort_all();
                return Err(e);
            }
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        }
    }
    let wall = start.elapsed();
    if let Some(p) = &opts.durations {
        let mut known = load_durations(Some(p));
        for (_, j) in &done {
            known.insert(
                duration_key(manifest, &j.case, j.result.simulator),
                j.result.seconds(),
            );
        }
        if let Some(d) = p.parent() {
            let _ = std::fs::create_dir_all(d);
        }
        let tmp = p.with_extension("partial");
        if std::fs::write(&tmp, serde_json::to_string(&known).unwrap_or_default()).is_ok() {
            let _ = std::fs::rename(&tmp, p);
        }
    }
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
