//! Evaluation reports: `summary.json` (versioned), `report.md`, `junit.xml`, `errata.json`, and
//! pass@k with the unbiased estimator of Chen et al. (2021).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::rundir::{ResultLine, RunMeta};
use super::verdict::FailureCode;
use super::{EvalError, io_err};
use crate::suite::Suite;

/// pass@k = 1 − C(n−c, k) / C(n, k), computed as a product to stay exact for large n.
pub fn pass_at_k(n: usize, c: usize, k: usize) -> f64 {
    if k == 0 || k > n {
        return f64::NAN;
    }
    if n - c < k {
        return 1.0;
    }
    let mut prod = 1.0;
    for i in (n - c + 1)..=n {
        prod *= 1.0 - k as f64 / i as f64;
    }
    1.0 - prod
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProblemSummary {
    pub id: String,
    /// samples judged
    pub n: usize,
    /// samples passed
    pub c: usize,
    /// failure-code counts (`.` for passes)
    pub codes: BTreeMap<String, usize>,
    /// the problem's own reference fails its testbench under this simulator
    pub erratum: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Erratum {
    pub id: String,
    pub code: FailureCode,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub format_version: u32,
    pub suite: String,
    pub variant: String,
    pub simulator: String,
    pub simulator_version: String,
    pub flags: Vec<String>,
    pub mode: String,
    pub problems: Vec<ProblemSummary>,
    /// k → mean pass@k over the problems with at least k samples
    pub pass_at: BTreeMap<usize, f64>,
    pub samples: usize,
    pub passed: usize,
    /// samples whose verdict was reused from the cache or an identical candidate
    pub reused: usize,
    pub errata: Vec<Erratum>,
    pub wall_seconds: f64,
    /// total compile + run time of the simulations behind these verdicts
    pub sim_seconds: f64,
    /// Model runs: who answered, tokens, cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm: Option<LlmSummary>,
    /// Set when the run stopped before every sample was judged (`budget_exhausted: …`,
    /// `llm_error: …`); rerun to resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LlmSummary {
    /// The provider's label; `scripted:…` replies are not a model's work.
    pub provider: String,
    pub scripted: bool,
    pub usage: crate::llm::Usage,
    /// Samples whose first reply was malformed and that were re-asked.
    pub reasked: usize,
    /// `gen`: samples made by the whole `rtlsmith gen` pipeline (no oracle in its loop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<String>,
}

/// What the journals do not hold: the run's wall time, and for a model run who answered and
/// why it stopped early.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    pub wall: Duration,
    pub llm: Option<LlmSummary>,
    pub stop_reason: Option<String>,
}

impl Summary {
    /// The summary of a run from its journals. With the suite, problems keep the suite's order;
    /// problems with no samples are left out (sharded or partial runs).
    pub fn build(
        meta: &RunMeta,
        suite: Option<&Suite>,
        results: &[ResultLine],
        refs: &[ResultLine],
        extras: Extras,
    ) -> Summary {
        let mut errata: BTreeMap<String, Erratum> = BTreeMap::new();
        for r in refs {
            if !r.verdict.passed {
                errata.insert(
                    r.task_id.clone(),
                    Erratum {
                        id: r.task_id.clone(),
                        code: r.verdict.code,
                        reason: r.verdict.reason.clone(),
                    },
                );
            } else {
                errata.remove(&r.task_id);
            }
        }
        let mut per: BTreeMap<String, ProblemSummary> = BTreeMap::new();
        let mut reused = 0;
        let mut sim_seconds = 0.0;
        for r in results {
            let p = per
                .entry(r.task_id.clone())
                .or_insert_with(|| ProblemSummary {
                    id: r.task_id.clone(),
                    n: 0,
                    c: 0,
                    codes: BTreeMap::new(),
                    erratum: errata.contains_key(&r.task_id),
                });
            p.n += 1;
            if r.verdict.passed {
                p.c += 1;
            }
            *p.codes.entry(r.verdict.code.to_string()).or_default() += 1;
            if r.cached {
                reused += 1;
            } else {
                sim_seconds += r.verdict.seconds;
            }
        }
        let problems: Vec<ProblemSummary> = per.into_values().collect();
        let mut pass_at = BTreeMap::new();
        for k in [1usize, 5, 10] {
            let vals: Vec<f64> = problems
                .iter()
                .filter(|p| p.n >= k)
                .map(|p| pass_at_k(p.n, p.c, k))
                .collect();
            if !vals.is_empty() {
                pass_at.insert(k, vals.iter().sum::<f64>() / vals.len() as f64);
            }
        }
        let mut summary = Summary {
            format_version: super::rundir::FORMAT_VERSION,
            suite: meta.suite.name().into(),
            variant: meta.variant.clone(),
            simulator: meta.simulator.name().into(),
            simulator_version: meta.simulator_version.clone(),
            flags: meta.flags.clone(),
            mode: meta.mode.clone(),
            samples: results.len(),
            passed: results.iter().filter(|r| r.verdict.passed).count(),
            reused,
            problems,
            pass_at,
            errata: errata.into_values().collect(),
            wall_seconds: extras.wall.as_secs_f64(),
            sim_seconds,
            llm: extras.llm,
            stop_reason: extras.stop_reason,
        };
        if let Some(suite) = suite {
            let order: HashMap<&str, usize> = suite
                .problems
                .iter()
                .enumerate()
                .map(|(i, p)| (p.id.as_str(), i))
                .collect();
            summary
                .problems
                .sort_by_key(|p| order.get(p.id.as_str()).copied().unwrap_or(usize::MAX));
        }
        summary
    }

    /// The failure-class histogram over all samples.
    pub fn histogram(&self) -> BTreeMap<String, usize> {
        let mut h = BTreeMap::new();
        for p in &self.problems {
            for (k, v) in &p.codes {
                *h.entry(k.clone()).or_default() += v;
            }
        }
        h
    }

    pub fn markdown(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "# rtlsmith eval: {} ({})\n\n",
            self.suite, self.variant
        ));
        s.push_str(&format!(
            "Simulator: {} — `{}`; flags `{}`; mode: {}.\n\n",
            self.simulator,
            self.simulator_version,
            self.flags.join(" "),
            self.mode
        ));
        s.push_str(&format!(
            "{} samples over {} problems, {} passed; {} verdicts reused; simulation time {:.1} s, wall {:.1} s.\n\n",
            self.samples,
            self.problems.len(),
            self.passed,
            self.reused,
            self.sim_seconds,
            self.wall_seconds
        ));
        if let Some(l) = &self.llm {
            if l.scripted {
                s.push_str(&format!(
                    "**Scripted replies ({}): these samples are not a model's work.**\n\n",
                    l.provider
                ));
            } else {
                s.push_str(&format!("Model: `{}`.\n\n", l.provider));
            }
            if l.pipeline.as_deref() == Some("gen") {
                s.push_str(
                    "Pipeline: **rtlsmith gen** per sample (the task text as the spec: plan, C++ golden model, RTL, co-simulation; `pipeline/<task>/sampleNN/`). **No oracle**: the benchmark's testbench and reference judged only the final RTL and never entered the pipeline's loop.\n\n",
                );
            }
        }
        if let Some(r) = &self.stop_reason {
            s.push_str(&format!(
                "**Stopped early: {r}.** Rerun the same command to resume.\n\n"
            ));
        }
        s.push_str("| metric | value |\n|---|---|\n");
        for (k, v) in &self.pass_at {
            s.push_str(&format!("| pass@{k} | {:.2}% |\n", v * 100.0));
        }
        if let Some(l) = &self.llm {
            let u = &l.usage;
            s.push_str(&format!(
                "| requests | {} (+{} from cache/replay, {} transport retries) |\n",
                u.requests, u.cached, u.retries
            ));
            s.push_str(&format!(
                "| tokens | {} prompt + {} completion |\n",
                u.prompt_tokens, u.completion_tokens
            ));
            s.push_str(&format!(
                "| cost | {} |\n",
                if u.priced {
                    format!("${:.4}", u.cost)
                } else {
                    "unknown (no price for this model)".to_string()
                }
            ));
            s.push_str(&format!("| re-asked samples | {} |\n", l.reasked));
        }
        s.push_str(&format!("| wall time | {:.1} s |\n", self.wall_seconds));
        s.push_str("\n## Failure classes\n\n| code | meaning | samples |\n|---|---|---|\n");
        for (code, n) in self.histogram() {
            let meaning = code
                .chars()
                .next()
                .and_then(FailureCode::from_letter)
                .map_or("unknown", FailureCode::meaning);
            s.push_str(&format!("| `{code}` | {meaning} | {n} |\n"));
        }
        if !self.errata.is_empty() {
            s.push_str("\n## Errata (the reference fails its own testbench under this simulator)\n\n| problem | code | reason |\n|---|---|---|\n");
            for e in &self.errata {
                s.push_str(&format!(
                    "| {} | `{}` | {} |\n",
                    e.id,
                    e.code,
                    e.reason.replace('|', "\\|")
                ));
            }
        }
        s.push_str(
            "\n## Problems\n\n| problem | n | c | pass rate | codes |\n|---|---|---|---|---|\n",
        );
        for p in &self.problems {
            let codes: Vec<String> = p.codes.iter().map(|(k, v)| format!("`{k}`×{v}")).collect();
            s.push_str(&format!(
                "| {}{} | {} | {} | {:.0}% | {} |\n",
                p.id,
                if p.erratum { " (erratum)" } else { "" },
                p.n,
                p.c,
                100.0 * p.c as f64 / p.n.max(1) as f64,
                codes.join(" ")
            ));
        }
        s
    }
}

fn junit(summary: &Summary, results: &[ResultLine]) -> String {
    use crate::util::junit::{self, Outcome};
    let errata: std::collections::HashSet<&str> =
        summary.errata.iter().map(|e| e.id.as_str()).collect();
    let mut sorted: Vec<&ResultLine> = results.iter().collect();
    sorted.sort_by(|a, b| (&a.task_id, a.sample).cmp(&(&b.task_id, b.sample)));
    let cases = sorted
        .into_iter()
        .map(|l| {
            let outcome = if l.verdict.passed {
                Outcome::Passed
            } else {
                let mut message = l.verdict.reason.clone();
                if errata.contains(l.task_id.as_str()) {
                    message.push_str(" [erratum: the reference fails too]");
                }
                Outcome::Failed {
                    kind: l.verdict.code.to_string(),
                    message,
                    detail: String::new(),
                }
            };
            junit::Case {
                name: format!("sample{:02}", l.sample),
                classname: l.task_id.clone(),
                seconds: l.verdict.seconds,
                outcome,
                output: None,
            }
        })
        .collect();
    let suite = junit::Suite {
        name: format!(
            "{}.{}.{}",
            summary.suite, summary.variant, summary.simulator
        ),
        cases,
    };
    junit::to_xml("rtlsmith-eval", &[suite])
}

fn write(path: &Path, text: &str) -> Result<(), EvalError> {
    crate::util::write_atomic(path, text).map_err(io_err(path))
}

pub fn write_all(
    out: &Path,
    summary: &Summary,
    results: &[ResultLine],
    references: bool,
) -> Result<(), EvalError> {
    write(
        &out.join("summary.json"),
        &serde_json::to_string_pretty(summary).unwrap_or_default(),
    )?;
    write(&out.join("report.md"), &summary.markdown())?;
    write(&out.join("junit.xml"), &junit(summary, results))?;
    if references || !summary.errata.is_empty() {
        write(
            &out.join("errata.json"),
            &serde_json::to_string_pretty(&summary.errata).unwrap_or_default(),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_at_k_matches_the_closed_form() {
        // n = 20, c = 5: pass@1 = 5/20
        assert!((pass_at_k(20, 5, 1) - 0.25).abs() < 1e-12);
        // 1 - C(15,5)/C(20,5) = 1 - 3003/15504
        assert!((pass_at_k(20, 5, 5) - (1.0 - 3003.0 / 15504.0)).abs() < 1e-12);
        assert_eq!(pass_at_k(10, 0, 5), 0.0);
        assert_eq!(pass_at_k(10, 8, 5), 1.0);
        assert!(pass_at_k(3, 1, 5).is_nan());
        // the N+1 denominator bug of RTLLM's script would give 1/6 here
        assert!((pass_at_k(5, 1, 1) - 0.2).abs() < 1e-12);
    }
}
