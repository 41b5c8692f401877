//! A model run: every missing sample is generated and judged, generation and simulation
//! overlapping — each sample is judged as soon as its reply arrives, with simulations bounded
//! by their own [`Slots`]. A generation is kept on disk before it is judged, so a resumed run
//! judges it without asking the model again; a budget or provider error stops new requests
//! and is reported as the run's stop reason.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::cache::{VerdictCache, verdict_key};
use super::candidates::candidate_text;
use super::options::ModelSource;
use super::phases::{Calibration, Run};
use super::rundir::{Journal, ResultLine, generation_path, write_log};
use super::{EvalError, Event, Verdict, generate, io_err, judge};
use crate::runner::Slots;
use crate::suite::Problem;

/// What the model phase produced.
pub(super) struct ModelOutcome {
    pub results: Vec<ResultLine>,
    /// Set when generation stopped early (`budget_exhausted: …`, `llm_error: …`).
    pub stop_reason: Option<String>,
}

type Shared<T> = Arc<Mutex<T>>;

pub(super) async fn model_phase(
    run: &mut Run<'_>,
    problems: &[&Problem],
    ms: &Arc<ModelSource>,
    journal: Journal,
    existing: &[ResultLine],
    cal: &Calibration,
) -> Result<ModelOutcome, EvalError> {
    let done: HashSet<(String, usize)> = existing
        .iter()
        .map(|l| (l.task_id.clone(), l.sample))
        .collect();
    let mut todo = Vec::new();
    for prob in problems {
        for i in 0..ms.params.n {
            if !done.contains(&(prob.id.clone(), i)) {
                todo.push((Arc::new((*prob).clone()), i));
            }
        }
    }
    (run.on_event)(&Event::Generating {
        candidates: problems.len() * ms.params.n,
        to_generate: todo.len(),
        already_done: done.len(),
    });
    let cache: Shared<VerdictCache> = Arc::new(Mutex::new(std::mem::replace(
        &mut run.cache,
        VerdictCache::open(None, false),
    )));
    let journal = Arc::new(Mutex::new(journal));
    let stop: Shared<Option<String>> = Arc::new(Mutex::new(None));
    let sims = Slots::new(run.opts.jobs);
    type Cell = Arc<tokio::sync::OnceCell<Verdict>>;
    let inflight: Shared<HashMap<String, Cell>> = Arc::new(Mutex::new(HashMap::new()));
    let mut set = tokio::task::JoinSet::new();
    for (prob, i) in todo {
        let sample = Sample {
            ms: ms.clone(),
            cache: cache.clone(),
            journal: journal.clone(),
            stop: stop.clone(),
            sims: sims.clone(),
            inflight: inflight.clone(),
            cfg: run.cfg.clone(),
            meta: run.meta.clone(),
            kind: run.suite.kind,
            variant: run.suite.variant.clone(),
            out: run.opts.out.clone(),
            scratch: run.scratch.clone(),
            ref_vectors: cal.ref_vectors(&prob.id),
            prob,
            index: i,
        };
        set.spawn(sample.generate_and_judge());
    }
    let mut results = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(Ok(Some(line))) => {
                (run.on_event)(&Event::Judged(line.clone()));
                results.push(line);
            }
            Ok(Ok(None)) => {}
            Ok(Err(e)) => {
                set.abort_all();
                return Err(e);
            }
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    let stop_reason = stop.lock().ok().and_then(|s| s.clone());
    if let Some(c) = Arc::into_inner(cache).and_then(|m| m.into_inner().ok()) {
        run.cache = c;
    }
    Ok(ModelOutcome {
        results,
        stop_reason,
    })
}

/// One sample to generate and judge, with what it shares with the others.
struct Sample {
    ms: Arc<ModelSource>,
    cache: Shared<VerdictCache>,
    journal: Shared<Journal>,
    stop: Shared<Option<String>>,
    sims: Slots,
    inflight: Shared<HashMap<String, Arc<tokio::sync::OnceCell<Verdict>>>>,
    cfg: judge::JudgeConfig,
    meta: super::rundir::RunMeta,
    kind: crate::suite::SuiteKind,
    variant: String,
    out: std::path::PathBuf,
    scratch: std::path::PathBuf,
    ref_vectors: Option<u64>,
    prob: Arc<Problem>,
    index: usize,
}

impl Sample {
    async fn generate_and_judge(self) -> Result<Option<ResultLine>, EvalError> {
        if self.stop.lock().map(|s| s.is_some()).unwrap_or(true) {
            return Ok(None);
        }
        let Some(g) = self.generation().await? else {
            return Ok(None);
        };
        let (prob, i) = (&self.prob, self.index);
        let text = candidate_text(prob, &g.code);
        let key = verdict_key(prob, self.kind, &text, false, self.ref_vectors, &self.meta);
        let cached = self.cache.lock().ok().and_then(|c| c.get(&key).cloned());
        let (mut verdict, reused) = match cached {
            Some(v) => (v, true),
            None => self.judge_once(&key, &text).await?,
        };
        if !g.malformed.is_empty() {
            let why: Vec<&str> = g.malformed.iter().map(|m| m.name()).collect();
            verdict
                .reason
                .push_str(&format!(" (after re-ask: {})", why.join(", ")));
        }
        let line = ResultLine {
            task_id: prob.id.clone(),
            sample: i,
            hash: key,
            verdict,
            ref_vectors: self.ref_vectors,
            cached: reused,
            suspects: None,
        };
        self.journal
            .lock()
            .map_err(|_| EvalError::RunDir {
                path: self.out.clone(),
                message: "journal lock poisoned".into(),
            })?
            .append(&line)?;
        Ok(Some(line))
    }

    /// The kept generation of an interrupted run, else a new one (kept before it is judged);
    /// `None` when the model could not give one (the stop reason is set).
    async fn generation(&self) -> Result<Option<generate::Generation>, EvalError> {
        let gpath = generation_path(&self.out, &self.prob.id, self.index);
        if let Some(g) = std::fs::read_to_string(&gpath)
            .ok()
            .and_then(|t| serde_json::from_str::<generate::Generation>(&t).ok())
        {
            return Ok(Some(g));
        }
        match generate::generate(
            &self.ms,
            self.kind,
            &self.variant,
            &self.prob,
            self.index,
            &self.out,
        )
        .await
        {
            Ok(g) => {
                crate::util::write_atomic(
                    &gpath,
                    serde_json::to_string_pretty(&g).unwrap_or_default(),
                )
                .map_err(io_err(&gpath))?;
                Ok(Some(g))
            }
            Err(e) => {
                if let Ok(mut s) = self.stop.lock()
                    && s.is_none()
                {
                    *s = Some(match &e {
                        generate::GenError::Llm(crate::llm::client::LlmError::Budget(why)) => {
                            format!("budget_exhausted: {why}")
                        }
                        other => format!("llm_error: {other}"),
                    });
                }
                Ok(None)
            }
        }
    }

    /// Judge `text` once however many samples share its key; returns whether this sample's
    /// verdict was reused from another's simulation.
    async fn judge_once(&self, key: &str, text: &str) -> Result<(Verdict, bool), EvalError> {
        let cell = self
            .inflight
            .lock()
            .map(|mut m| m.entry(key.to_string()).or_default().clone())
            .unwrap_or_default();
        let first = std::sync::atomic::AtomicBool::new(false);
        let v = cell
            .get_or_try_init(|| async {
                first.store(true, std::sync::atomic::Ordering::SeqCst);
                let _slot = self.sims.acquire().await;
                judge::judge(
                    &self.prob,
                    text,
                    self.ref_vectors,
                    false,
                    &self.cfg,
                    &self.scratch,
                )
                .await
            })
            .await?
            .clone();
        let fresh = first.load(std::sync::atomic::Ordering::SeqCst);
        if fresh {
            if let Ok(mut c) = self.cache.lock() {
                c.put(&self.meta, &self.prob.id, key, &v);
            }
            if !v.log.is_empty() {
                write_log(
                    &self.out,
                    &self.prob.id,
                    &format!("sample{:02}", self.index),
                    &v.log,
                );
            }
        }
        Ok((v, !fresh))
    }
}
