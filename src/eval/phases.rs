//! The phases of a run that judge what is already there: the calibration of each problem's
//! reference, then either the references themselves or the candidates read from a file or
//! folder. (Candidates that a model writes during the run are [`super::model`]'s.)
//!
//! Every verdict is journalled as it arrives, so a run killed at any point resumes without
//! redoing it; identical candidates are simulated once and their verdict shared.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::cache::{VerdictCache, verdict_key};
use super::candidates::{Candidate, candidate_text};
use super::checks::Refusal;
use super::rundir::{Journal, ResultLine, RunMeta, write_log};
use super::{EvalError, EvalOptions, Event, JudgeConfig, Verdict, judge};
use crate::runner;
use crate::suite::{Problem, Suite};

/// What every phase of one run shares.
pub(super) struct Run<'a> {
    pub suite: &'a Suite,
    pub meta: RunMeta,
    pub cfg: JudgeConfig,
    pub opts: &'a EvalOptions,
    /// Job directories live here (removed at the end of the run).
    pub scratch: PathBuf,
    pub cache: VerdictCache,
    pub on_event: &'a (dyn Fn(&Event) + Send + Sync),
}

/// One simulation to run.
#[derive(Clone)]
pub(super) struct Job {
    pub problem: Arc<Problem>,
    pub text: Arc<String>,
    pub trusted: bool,
    pub ref_vectors: Option<u64>,
    pub key: String,
    pub estimate: f64,
}

/// Simulate every job, longest first, `parallel` at a time; `done` records each verdict.
pub(super) async fn judge_jobs(
    cfg: &JudgeConfig,
    scratch: &Path,
    parallel: usize,
    jobs: Vec<Job>,
    done: impl FnMut(Job, Verdict) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let cfg = cfg.clone();
    let scratch = scratch.to_path_buf();
    runner::run_longest_first(
        jobs,
        parallel,
        |j| j.estimate,
        move |j: Job| {
            let (cfg, scratch) = (cfg.clone(), scratch.clone());
            async move {
                judge::judge(
                    &j.problem,
                    &j.text,
                    j.ref_vectors,
                    j.trusted,
                    &cfg,
                    &scratch,
                )
                .await
                .map_err(EvalError::from)
            }
        },
        done,
    )
    .await
}

/// The verdicts on the references of the problems involved.
#[derive(Default)]
pub(super) struct Calibration {
    pub verdicts: HashMap<String, Verdict>,
    /// Problems whose reference verdict came from this run directory or the cache.
    pub reused: HashSet<String>,
}

impl Calibration {
    /// How many test vectors the testbench applies to `task`'s reference.
    pub fn ref_vectors(&self, task: &str) -> Option<u64> {
        self.verdicts.get(task).and_then(|v| v.vectors)
    }
}

/// Take what is known of each reference (this run directory's journal, then the cache) and
/// return the simulations still needed.
pub(super) fn plan_calibration(
    run: &Run<'_>,
    needed: &[&Problem],
    ref_lines: &[ResultLine],
    refs_journal: &mut Journal,
    cal: &mut Calibration,
) -> Result<Vec<Job>, EvalError> {
    let mut jobs = Vec::new();
    for p in needed {
        let text = p.reference_as_candidate();
        let key = verdict_key(p, run.suite.kind, &text, true, None, &run.meta);
        if let Some(l) = ref_lines
            .iter()
            .find(|l| l.task_id == p.id && l.hash == key)
        {
            cal.verdicts.insert(p.id.clone(), l.verdict.clone());
            cal.reused.insert(p.id.clone());
        } else if let Some(v) = run.cache.get(&key).cloned() {
            refs_journal.append(&ResultLine {
                task_id: p.id.clone(),
                sample: 0,
                hash: key,
                verdict: v.clone(),
                ref_vectors: None,
                cached: true,
                suspects: None,
            })?;
            cal.verdicts.insert(p.id.clone(), v);
            cal.reused.insert(p.id.clone());
        } else {
            jobs.push(Job {
                estimate: run.cache.estimate(&run.meta, p),
                problem: Arc::new((*p).clone()),
                text: Arc::new(text),
                trusted: true,
                ref_vectors: None,
                key,
            });
        }
    }
    Ok(jobs)
}

/// Simulate the references still needed.
pub(super) async fn run_calibration(
    run: &mut Run<'_>,
    jobs: Vec<Job>,
    refs_journal: &mut Journal,
    cal: &mut Calibration,
) -> Result<(), EvalError> {
    judge_jobs(&run.cfg, &run.scratch, run.opts.jobs, jobs, |job, v| {
        write_log(&run.opts.out, &job.problem.id, "reference", &v.log);
        run.cache.put(&run.meta, &job.problem.id, &job.key, &v);
        refs_journal.append(&ResultLine {
            task_id: job.problem.id.clone(),
            sample: 0,
            hash: job.key.clone(),
            verdict: v.clone(),
            ref_vectors: None,
            cached: false,
            suspects: None,
        })?;
        (run.on_event)(&Event::Calibrated {
            task_id: job.problem.id.clone(),
            verdict: v.clone(),
        });
        cal.verdicts.insert(job.problem.id.clone(), v);
        Ok(())
    })
    .await
}

/// `--references`: each reference's verdict is the problem's one sample.
pub(super) fn references_phase(
    run: &Run<'_>,
    needed: &[&Problem],
    cal: &Calibration,
    journal: &mut Journal,
    done: &HashSet<(String, usize, String)>,
) -> Result<Vec<ResultLine>, EvalError> {
    let mut results = Vec::new();
    for p in needed {
        let v = cal.verdicts.get(&p.id).cloned().expect("calibrated");
        let key = verdict_key(
            p,
            run.suite.kind,
            &p.reference_as_candidate(),
            true,
            None,
            &run.meta,
        );
        if done.contains(&(p.id.clone(), 0, key.clone())) {
            continue;
        }
        let line = ResultLine {
            task_id: p.id.clone(),
            sample: 0,
            hash: key,
            ref_vectors: v.vectors,
            verdict: v,
            cached: cal.reused.contains(&p.id),
            suspects: None,
        };
        journal.append(&line)?;
        (run.on_event)(&Event::Judged(line.clone()));
        results.push(line);
    }
    Ok(results)
}

/// Candidates from a file or folder: identical ones grouped, cached verdicts reused, the rest
/// simulated once each.
pub(super) async fn candidates_phase(
    run: &mut Run<'_>,
    candidates: &[Candidate],
    cal: &Calibration,
    journal: &mut Journal,
    done: &HashSet<(String, usize, String)>,
    already_done: usize,
) -> Result<Vec<ResultLine>, EvalError> {
    let mut groups: BTreeMap<String, Vec<&Candidate>> = BTreeMap::new();
    let mut jobs = Vec::new();
    let mut to_simulate = HashSet::new();
    for c in candidates {
        let p = run.suite.get(&c.task_id).expect("known task");
        let text = c.text.as_deref().map(|t| candidate_text(p, t));
        let ref_vectors = cal.ref_vectors(&p.id);
        let key = match &text {
            Some(t) => verdict_key(p, run.suite.kind, t, false, ref_vectors, &run.meta),
            None => format!("not-utf8:{}:{}", c.task_id, c.index),
        };
        if done.contains(&(c.task_id.clone(), c.index, key.clone())) {
            continue;
        }
        groups.entry(key.clone()).or_default().push(c);
        let Some(text) = text else { continue };
        if run.cache.get(&key).is_some() || !to_simulate.insert(key.clone()) {
            continue;
        }
        jobs.push(Job {
            estimate: run.cache.estimate(&run.meta, p),
            problem: Arc::new(p.clone()),
            text: Arc::new(text),
            trusted: false,
            ref_vectors,
            key,
        });
    }
    (run.on_event)(&Event::Planned {
        candidates: candidates.len(),
        to_simulate: jobs.len(),
        already_done,
    });
    let mut results = Vec::new();
    let on_event = run.on_event;
    let mut emit = |key: &str, v: &Verdict, first_fresh: bool| -> Result<(), EvalError> {
        for (i, c) in groups.get(key).into_iter().flatten().enumerate() {
            let line = ResultLine {
                task_id: c.task_id.clone(),
                sample: c.index,
                hash: key.to_string(),
                ref_vectors: cal.ref_vectors(&c.task_id),
                verdict: v.clone(),
                cached: !(first_fresh && i == 0),
                suspects: None,
            };
            journal.append(&line)?;
            on_event(&Event::Judged(line.clone()));
            results.push(line);
        }
        Ok(())
    };
    // what needs no simulation first: text that is not UTF-8, and cache hits
    for (key, members) in &groups {
        if key.starts_with("not-utf8:") {
            let v = Verdict::refused(
                Refusal::NotUtf8,
                format!("{} is not valid UTF-8", members[0].origin),
            );
            emit(key, &v, true)?;
        } else if let Some(v) = run.cache.get(key).cloned() {
            emit(key, &v, false)?;
        }
    }
    judge_jobs(&run.cfg, &run.scratch, run.opts.jobs, jobs, |job, v| {
        run.cache.put(&run.meta, &job.problem.id, &job.key, &v);
        if let Some(first) = groups.get(&job.key).and_then(|g| g.first())
            && !v.log.is_empty()
        {
            write_log(
                &run.opts.out,
                &first.task_id,
                &format!("sample{:02}", first.index),
                &v.log,
            );
        }
        emit(&job.key, &v, true)
    })
    .await?;
    Ok(results)
}
