//! Verdicts that outlive a run: a candidate's verdict is keyed by a SHA-256 of everything that
//! decides it (suite, problem, testbench and support files, candidate text, trust, the
//! reference's vector count, simulator and version, flags, timeout), appended to
//! `verdicts.jsonl` in the cache folder, and reused by any later run that meets the same key.
//! Job durations, for scheduling, live beside it in `durations.json` ([`crate::runner`]).

use std::collections::HashMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Verdict;
use super::rundir::RunMeta;
use crate::runner::Durations;
use crate::suite::{Problem, SuiteKind};

/// The cache key: everything that decides a verdict.
pub fn verdict_key(
    problem: &Problem,
    suite: SuiteKind,
    candidate: &str,
    trusted: bool,
    ref_vectors: Option<u64>,
    meta: &RunMeta,
) -> String {
    let mut h = Sha256::new();
    let mut part = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    // v3: time limits count CPU seconds
    part("rtlsmith-verdict-v3");
    part(suite.name());
    part(&problem.id);
    part(&problem.testbench);
    for (n, t) in &problem.support {
        part(n);
        part(t);
    }
    part(candidate);
    part(if trusted { "trusted" } else { "untrusted" });
    part(&ref_vectors.map_or("-".into(), |s| s.to_string()));
    part(meta.simulator.name());
    part(&meta.simulator_version);
    part(&meta.flags.join(" "));
    part(&meta.timeout_seconds.to_string());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The key under which a problem's judging time is remembered.
pub fn duration_key(meta: &RunMeta, task: &str) -> String {
    format!("{}/{}/{}", meta.simulator, meta.suite, task)
}

/// Persisted verdicts, and the durations that order the jobs.
pub struct VerdictCache {
    dir: Option<PathBuf>,
    reuse: bool,
    verdicts: HashMap<String, Verdict>,
    pub durations: Durations,
}

#[derive(Serialize, Deserialize)]
struct CacheLine {
    key: String,
    #[serde(flatten)]
    verdict: Verdict,
}

impl VerdictCache {
    /// Open the cache in `dir`; with `reuse` false, verdicts are neither read nor recorded.
    pub fn open(dir: Option<PathBuf>, reuse: bool) -> VerdictCache {
        let mut verdicts = HashMap::new();
        if let Some(text) = dir
            .as_ref()
            .filter(|_| reuse)
            .and_then(|d| std::fs::read_to_string(d.join("verdicts.jsonl")).ok())
        {
            for line in text.lines() {
                if let Ok(l) = serde_json::from_str::<CacheLine>(line) {
                    verdicts.insert(l.key, l.verdict);
                }
            }
        }
        let durations = Durations::load(dir.as_ref().map(|d| d.join("durations.json")));
        VerdictCache {
            dir,
            reuse,
            verdicts,
            durations,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Verdict> {
        self.verdicts.get(key)
    }

    /// Remember a fresh verdict (and how long it took).
    pub fn put(&mut self, meta: &RunMeta, problem: &str, key: &str, v: &Verdict) {
        self.durations
            .record(duration_key(meta, problem), v.seconds);
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
            let _ = crate::util::append_line(&d.join("verdicts.jsonl"), &line);
        }
    }

    /// How long judging a candidate of `p` will take: remembered from earlier runs, else a
    /// guess from the testbench's size (scheduling only; longest first).
    pub fn estimate(&self, meta: &RunMeta, p: &Problem) -> f64 {
        self.durations
            .get(&duration_key(meta, &p.id))
            .unwrap_or(p.testbench.len() as f64 / 1e5)
    }
}
