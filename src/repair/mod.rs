/*!
`rtlsmith repair`: a failing design, a judge and a model; K candidate fixes per round (whole
modules or always blocks — [`splice`]), each refused by `eval`'s static checks when it reaches
into the testbench, special-cases the stimulus or ends the simulation, the rest judged and
ranked by mismatch count; the best goes back with its evidence (`trace`'s suspects and
waveform, or a compile error's categorized hint from [`hints.toml`](hints.toml)) until a
candidate passes or the budget is spent.

The judge decides the oracle mode, stated in every report: a benchmark's own testbench and
reference (`--suite`) put the **oracle in the loop**; a C++ model (`--model-cpp`) or a
testbench of the user's own (`--tb`) are **no oracle** — checks derived from the spec, not the
benchmark's answer.
*/

pub mod splice;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cosim::{self, CosimOptions};
use crate::eval::checks::{self, Protected};
use crate::eval::judge::{JudgeConfig, new_secret};
use crate::llm::Client;
use crate::prompts::Prompts;
use crate::sim::{self, Design, SimKind, SimOptions, Status};
use crate::spec2rtl::ask::{Asker, Want};
use crate::spec2rtl::{Sampling, StageStats};
use crate::suite::Problem;

/// What judges the candidates.
#[derive(Debug, Clone)]
pub enum Judge {
    /// A self-checking testbench of the user's own (no oracle).
    Testbench(PathBuf),
    /// A C++ model to the `cosim` contract (no oracle).
    ModelCpp {
        model: PathBuf,
        clock: Option<String>,
        reset: Option<cosim::Reset>,
        cycles: usize,
        seed: u64,
    },
    /// A benchmark problem: its testbench and reference (oracle in the loop).
    Suite(Box<Problem>),
}

impl Judge {
    pub fn oracle(&self) -> &'static str {
        match self {
            Judge::Suite(_) => "in-loop",
            _ => "none",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RepairOptions {
    pub files: Vec<PathBuf>,
    /// The module to repair (default: the problem's module, else the first file's first).
    pub top: Option<String>,
    pub judge: Judge,
    /// The task's description or spec (default: the problem's description).
    pub spec: Option<PathBuf>,
    pub candidates: usize,
    pub iterations: usize,
    pub out: PathBuf,
    pub sim: SimKind,
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum RepairError {
    #[error("{}: {message}", .path.display())]
    Input { path: PathBuf, message: String },
    /// A tool the judge needs is missing (g++, a simulator).
    #[error("{0}")]
    Tool(String),
    #[error(transparent)]
    Sim(#[from] sim::SimError),
    #[error("cannot write {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl RepairError {
    pub fn hint(&self) -> &'static str {
        match self {
            RepairError::Input { .. } => {
                "give readable design files that define the module to repair"
            }
            RepairError::Tool(_) => "install the tools with scripts/setup.sh",
            RepairError::Sim(e) => e.hint(),
            RepairError::Io { .. } => "check free space and permissions of --out",
        }
    }

    pub fn is_tool_missing(&self) -> bool {
        matches!(
            self,
            RepairError::Tool(_) | RepairError::Sim(sim::SimError::ToolMissing { .. })
        )
    }
}

/// One candidate's account (`--json`'s `candidates`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CandidateRecord {
    pub round: usize,
    pub index: usize,
    /// `pass`, `fail`, `compile-error`, `refused`, `unusable` (not a module or always block).
    pub verdict: String,
    pub mismatches: Option<u64>,
    /// The static check's reason (or why the reply was unusable), else null.
    pub refused: Option<String>,
    /// The candidate's file, relative to the run directory.
    pub file: String,
}

/// The result of `rtlsmith repair`, as `report.json`.
#[derive(Debug, Clone, Serialize)]
pub struct RepairReport {
    /// `pass`, `fail` (the budget is spent) or `stopped` (the model could not be asked).
    pub verdict: String,
    pub rounds: usize,
    /// `in-loop` (the benchmark's testbench judged) or `none`.
    pub oracle: String,
    pub candidates: Vec<CandidateRecord>,
    /// The best design's file (the repaired one when the verdict is pass).
    pub final_file: String,
    pub module: String,
    pub initial: Judgement,
    pub best: Judgement,
    pub reason: String,
    pub provider: String,
    pub scripted: bool,
    pub usage: StageStats,
}

impl RepairReport {
    /// The `--json` object.
    pub fn summary_json(&self) -> serde_json::Value {
        serde_json::json!({
            "verdict": self.verdict,
            "rounds": self.rounds,
            "oracle": self.oracle,
            "candidates": self.candidates.iter().map(|c| serde_json::json!({
                "round": c.round, "verdict": c.verdict, "mismatches": c.mismatches, "refused": c.refused,
            })).collect::<Vec<_>>(),
            "final": self.final_file,
        })
    }
}

/// A judge's verdict on one version of the design.
#[derive(Debug, Clone, Serialize)]
pub struct Judgement {
    pub verdict: String,
    pub passed: bool,
    pub compiled: bool,
    pub mismatches: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    pub reason: String,
    /// What the next prompt is told: the failing lines, the trace, the hint.
    #[serde(skip)]
    pub evidence: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Judgement {
    /// Better first: passed, then compiled, then fewer mismatches.
    fn rank(&self) -> (u8, u8, u64) {
        (
            u8::from(!self.passed),
            u8::from(!self.compiled),
            self.mismatches.unwrap_or(u64::MAX),
        )
    }

    fn unusable(verdict: &str, why: String) -> Judgement {
        Judgement {
            verdict: verdict.into(),
            passed: false,
            compiled: false,
            mismatches: None,
            refused: Some(why.clone()),
            reason: why,
            evidence: String::new(),
            hint: None,
        }
    }
}

#[derive(Debug, Deserialize)]
struct HintTable {
    hint: Vec<HintEntry>,
}

#[derive(Debug, Deserialize)]
struct HintEntry {
    category: String,
    #[serde(rename = "match")]
    matches: Vec<String>,
    hint: String,
}

/// The compile-error hint for a log: the table's first category one of whose texts it holds.
pub fn compile_hint(log: &str) -> Option<(String, String)> {
    static TABLE: std::sync::LazyLock<Vec<HintEntry>> = std::sync::LazyLock::new(|| {
        toml::from_str::<HintTable>(include_str!("hints.toml"))
            .map(|t| t.hint)
            .unwrap_or_default()
    });
    TABLE
        .iter()
        .find(|h| h.matches.iter().any(|m| log.contains(m.as_str())))
        .map(|h| (h.category.clone(), h.hint.clone()))
}

struct Run<'a> {
    opts: &'a RepairOptions,
    module: String,
    /// The design file that defines the module, and the others.
    target: PathBuf,
    others: Vec<PathBuf>,
    protected: Protected,
    work: PathBuf,
}

/// Repair the design. The client's cache (in the run directory) makes a rerun resume.
pub async fn run(
    opts: &RepairOptions,
    client: &Client,
    prompts: &Prompts,
    sampling: Sampling,
) -> Result<RepairReport, RepairError> {
    let out = crate::process::absolute(&opts.out);
    for d in ["llm", "candidates", "final", "work"] {
        std::fs::create_dir_all(out.join(d)).map_err(|source| RepairError::Io {
            path: out.join(d),
            source,
        })?;
    }
    // the module and the file that defines it
    let mut texts = Vec::new();
    for f in &opts.files {
        let t = std::fs::read_to_string(f).map_err(|e| RepairError::Input {
            path: f.clone(),
            message: e.to_string(),
        })?;
        texts.push((f.clone(), t));
    }
    let module = match (&opts.top, &opts.judge) {
        (Some(t), _) => t.clone(),
        (None, Judge::Suite(p)) => p.dut_module.clone(),
        (None, _) => texts
            .iter()
            .find_map(|(_, t)| crate::hdl::declared_modules(t).into_iter().next())
            .ok_or_else(|| RepairError::Input {
                path: opts.files[0].clone(),
                message: "defines no module".into(),
            })?,
    };
    let (target, design) = texts
        .iter()
        .find(|(_, t)| crate::hdl::declared_modules(t).contains(&module))
        .cloned()
        .ok_or_else(|| RepairError::Input {
            path: opts.files[0].clone(),
            message: format!("no file defines module {module} (use --top)"),
        })?;
    let description = match (&opts.spec, &opts.judge) {
        (Some(p), _) => std::fs::read_to_string(p).map_err(|e| RepairError::Input {
            path: p.clone(),
            message: e.to_string(),
        })?,
        (None, Judge::Suite(p)) => p.description.clone(),
        (None, _) => String::new(),
    };
    let protected = match &opts.judge {
        Judge::Suite(p) => {
            let mut s: Vec<&str> = vec![&p.testbench];
            s.extend(p.support.iter().map(|(_, t)| t.as_str()));
            Protected::from_sources(&s, &p.dut_module)
        }
        Judge::Testbench(tb) => {
            let t = std::fs::read_to_string(tb).map_err(|e| RepairError::Input {
                path: tb.clone(),
                message: e.to_string(),
            })?;
            Protected::from_sources(&[&t], &module)
        }
        Judge::ModelCpp { .. } => Protected::default(),
    };
    let r = Run {
        opts,
        module: module.clone(),
        others: opts
            .files
            .iter()
            .filter(|f| **f != target)
            .map(|f| crate::process::absolute(f))
            .collect(),
        target: target.clone(),
        protected,
        work: out.join("work"),
    };
    let file_name = target
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| format!("{module}.v"));
    let initial = r.judge(&design, "initial", true).await?;
    let mut best = (design.clone(), initial.clone());
    let mut records = Vec::new();
    let mut rounds = 0;
    let mut reason = String::new();
    let mut stopped = false;
    let mut ask = Asker::new(client, prompts, sampling, out.join("llm"));
    ask.reasks = 1;
    if !initial.passed {
        'rounds: for round in 1..=opts.iterations.max(1) {
            rounds = round;
            // every candidate of a round starts from the best at the round's start
            let base = best.clone();
            let b = &base.1;
            let evidence = format!(
                "{}{}",
                b.evidence,
                b.hint
                    .as_ref()
                    .map(|h| format!("\nHint: {h}"))
                    .unwrap_or_default()
            );
            for k in 1..=opts.candidates.max(1) {
                let reply = ask
                    .ask(
                        "repair",
                        "repair.user.j2",
                        minijinja::context! {
                            module => module.clone(), round, candidate => k,
                            description => description.clone(),
                            code => base.0.clone(),
                            verdict => b.reason.clone(),
                            evidence => evidence.clone(),
                        },
                        Want::Block,
                    )
                    .await;
                let reply = match reply {
                    Ok(a) => a.text,
                    Err(crate::spec2rtl::GenError::Malformed { problem, .. }) => {
                        records.push(CandidateRecord {
                            round,
                            index: k,
                            verdict: "unusable".into(),
                            mismatches: None,
                            refused: Some(format!("the reply {problem}")),
                            file: String::new(),
                        });
                        continue;
                    }
                    Err(e) => {
                        reason = format!("the model could not be asked: {e}");
                        stopped = true;
                        break 'rounds;
                    }
                };
                let rel = format!("candidates/r{round}-c{k}-{file_name}");
                let (text, j) = match splice::splice(&base.0, &module, &reply) {
                    Ok(text) => {
                        let j = r.judge(&text, &format!("r{round}-c{k}"), false).await?;
                        (text, j)
                    }
                    Err(why) => (reply.clone(), Judgement::unusable("unusable", why)),
                };
                crate::util::write_atomic(&out.join(&rel), &text).map_err(|source| {
                    RepairError::Io {
                        path: out.join(&rel),
                        source,
                    }
                })?;
                records.push(CandidateRecord {
                    round,
                    index: k,
                    verdict: j.verdict.clone(),
                    mismatches: j.mismatches,
                    refused: j.refused.clone(),
                    file: rel,
                });
                if j.refused.is_none() && j.rank() < best.1.rank() {
                    best = (text, j);
                }
            }
            if best.1.passed {
                break;
            }
        }
    }
    let final_rel = format!("final/{file_name}");
    crate::util::write_atomic(&out.join(&final_rel), &best.0).map_err(|source| {
        RepairError::Io {
            path: out.join(&final_rel),
            source,
        }
    })?;
    let verdict = if best.1.passed {
        "pass"
    } else if stopped {
        "stopped"
    } else {
        "fail"
    };
    if reason.is_empty() {
        reason = if initial.passed {
            "the design already passes: nothing to repair".into()
        } else if best.1.passed {
            format!("a candidate of round {rounds} passes")
        } else {
            format!(
                "no candidate passed in {rounds} round(s); the best: {}",
                best.1.reason
            )
        };
    }
    let report = RepairReport {
        verdict: verdict.into(),
        rounds,
        oracle: opts.judge.oracle().into(),
        candidates: records,
        final_file: out.join(&final_rel).display().to_string(),
        module,
        initial,
        best: best.1,
        reason,
        provider: client.label(),
        scripted: client.provider_kind() == "scripted",
        usage: ask.stats("repair"),
    };
    let _ = std::fs::remove_dir_all(&r.work);
    crate::util::write_atomic(
        &out.join("report.json"),
        serde_json::to_string_pretty(&report).unwrap_or_default(),
    )
    .map_err(|source| RepairError::Io {
        path: out.join("report.json"),
        source,
    })?;
    crate::util::write_atomic(&out.join("report.md"), to_markdown(&report)).map_err(|source| {
        RepairError::Io {
            path: out.join("report.md"),
            source,
        }
    })?;
    Ok(report)
}

impl Run<'_> {
    /// Judge one version of the target file (`trusted`: the user's own, not checked).
    async fn judge(&self, text: &str, tag: &str, trusted: bool) -> Result<Judgement, RepairError> {
        let dir = self.work.join(tag);
        std::fs::create_dir_all(&dir).map_err(|source| RepairError::Io {
            path: dir.clone(),
            source,
        })?;
        if !trusted && !matches!(self.opts.judge, Judge::Suite(_)) {
            if let Some((r, why)) = checks::check(text, &self.protected) {
                return Ok(Judgement::unusable(
                    "refused",
                    format!("refused ({}): {why}", r.name()),
                ));
            }
        }
        let file = dir.join(
            self.target
                .file_name()
                .map(|s| s.to_os_string())
                .unwrap_or_else(|| "design.v".into()),
        );
        std::fs::write(&file, text).map_err(|source| RepairError::Io {
            path: file.clone(),
            source,
        })?;
        let mut sources = vec![file.clone()];
        sources.extend(self.others.iter().cloned());
        match &self.opts.judge {
            Judge::Suite(p) => self.judge_suite(p, text, &file, &dir, trusted).await,
            Judge::Testbench(tb) => self.judge_tb(tb, sources, &dir).await,
            Judge::ModelCpp {
                model,
                clock,
                reset,
                cycles,
                seed,
            } => {
                let o = CosimOptions {
                    design: Design {
                        sources,
                        top: Some(self.module.clone()),
                        ..Design::default()
                    },
                    model: crate::process::absolute(model),
                    clock: clock.clone(),
                    reset: reset.clone(),
                    reset_cycles: 2,
                    reset_prob: 0.02,
                    cycles: *cycles,
                    seed: *seed,
                    warmup: 0,
                    vectors: None,
                    when: Vec::new(),
                    sims: vec![self.opts.sim],
                    timeout: self.opts.timeout,
                    cache_dir: crate::util::default_cache_dir().map(|d| d.join("cosim")),
                    keep: false,
                    replay_only: false,
                };
                self.judge_cosim(&o).await
            }
        }
    }

    async fn judge_suite(
        &self,
        p: &Problem,
        text: &str,
        file: &Path,
        dir: &Path,
        trusted: bool,
    ) -> Result<Judgement, RepairError> {
        let cfg = JudgeConfig {
            sim: self.opts.sim,
            timeout: self.opts.timeout,
            secret: new_secret(),
            build_jobs: 1,
        };
        let v = crate::eval::judge::judge(p, text, None, trusted, &cfg, dir).await?;
        if v.refusal.is_some() {
            // eval's reason already names the refusal
            return Ok(Judgement::unusable("refused", v.reason.clone()));
        }
        let compiled = v.passed
            || v.mismatches.is_some()
            || v.code.is_runtime()
            || v.code == crate::eval::verdict::FailureCode::Timeout;
        let mut j = Judgement {
            verdict: if v.passed {
                "pass"
            } else if compiled {
                "fail"
            } else {
                "compile-error"
            }
            .into(),
            passed: v.passed,
            compiled,
            mismatches: v.mismatches,
            refused: None,
            reason: v.reason.clone(),
            evidence: tail(&v.log, 20),
            hint: None,
        };
        if !compiled {
            j.hint = compile_hint(&v.log).map(|(c, h)| format!("{h} (category: {c})"));
        } else if !v.passed
            && let Ok(o) = crate::trace::suite_options(p, file, dir)
        {
            let mut o = o;
            o.top = 5;
            if let Ok(t) = crate::trace::run(&o).await {
                j.evidence = crate::trace::render(&t).replace(&format!("{}/", dir.display()), "");
            }
        }
        Ok(j)
    }

    async fn judge_tb(
        &self,
        tb: &Path,
        mut sources: Vec<PathBuf>,
        dir: &Path,
    ) -> Result<Judgement, RepairError> {
        let tb = crate::process::absolute(tb);
        let tb_text = std::fs::read_to_string(&tb).unwrap_or_default();
        let top = crate::hdl::declared_modules(&tb_text)
            .into_iter()
            .next()
            .ok_or_else(|| RepairError::Input {
                path: tb.clone(),
                message: "defines no testbench module".into(),
            })?;
        sources.push(tb);
        let design = Design {
            sources,
            top: Some(top),
            ..Design::default()
        };
        let o = SimOptions {
            timeout: self.opts.timeout,
            scratch: Some(dir.to_path_buf()),
            ..SimOptions::default()
        };
        let r = sim::simulate(self.opts.sim, &design, &o).await?;
        let compiled = !matches!(r.status, Status::CompileError);
        let passed = r.status == Status::Pass;
        let log: String = r
            .compile
            .iter()
            .chain(r.run.iter())
            .map(|p| p.output.clone())
            .collect::<Vec<_>>()
            .join("\n");
        let mismatches = (!passed && compiled).then(|| {
            log.lines()
                .filter(|l| {
                    let l = l.to_ascii_lowercase();
                    l.contains("mismatch") || l.contains("error") || l.contains("fail")
                })
                .count()
                .max(1) as u64
        });
        Ok(Judgement {
            verdict: if passed {
                "pass"
            } else if compiled {
                "fail"
            } else {
                "compile-error"
            }
            .into(),
            passed,
            compiled,
            mismatches: if passed { Some(0) } else { mismatches },
            refused: None,
            reason: r.reason.clone(),
            evidence: r.failing_lines.join("\n"),
            hint: (!compiled)
                .then(|| compile_hint(&log).map(|(c, h)| format!("{h} (category: {c})")))
                .flatten(),
        })
    }

    async fn judge_cosim(&self, o: &CosimOptions) -> Result<Judgement, RepairError> {
        let rep = cosim::run(o).await.map_err(|e| {
            if e.is_tool_missing() {
                RepairError::Tool(e.to_string())
            } else {
                RepairError::Input {
                    path: o.model.clone(),
                    message: format!("cosim: {e} ({})", e.hint()),
                }
            }
        })?;
        let msg = rep
            .runs
            .iter()
            .map(|r| r.message.clone())
            .collect::<Vec<_>>()
            .join("; ");
        match rep.verdict {
            cosim::Verdict::Match => Ok(Judgement {
                verdict: "pass".into(),
                passed: true,
                compiled: true,
                mismatches: Some(0),
                refused: None,
                reason: msg,
                evidence: String::new(),
                hint: None,
            }),
            cosim::Verdict::ModelError => Err(RepairError::Input {
                path: o.model.clone(),
                message: format!("the C++ model is broken: {msg}"),
            }),
            cosim::Verdict::RtlError => Ok(Judgement {
                verdict: "compile-error".into(),
                passed: false,
                compiled: false,
                mismatches: None,
                refused: None,
                reason: msg.clone(),
                evidence: msg.clone(),
                hint: compile_hint(&msg).map(|(c, h)| format!("{h} (category: {c})")),
            }),
            cosim::Verdict::Mismatch => {
                // the count and the evidence from trace's cosim form
                let mut j = Judgement {
                    verdict: "fail".into(),
                    passed: false,
                    compiled: true,
                    mismatches: Some(1),
                    refused: None,
                    reason: msg.clone(),
                    evidence: msg,
                    hint: None,
                };
                if let Ok((mut t, dir)) = crate::trace::cosim_options(o).await {
                    t.top = 5;
                    if let Ok(tr) = crate::trace::run(&t).await {
                        j.mismatches = Some(tr.mismatches.max(1) as u64);
                        j.evidence = crate::trace::render(&tr);
                    }
                    let _ = std::fs::remove_dir_all(dir);
                }
                Ok(j)
            }
        }
    }
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// `report.md`.
pub fn to_markdown(r: &RepairReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# rtlsmith repair: {} — {}\n\n{}\n",
        r.module,
        r.verdict.to_uppercase(),
        r.reason
    );
    let _ = writeln!(
        s,
        "- Oracle: **{}**\n- Replies: {}\n- Rounds: {}\n- Initial: {} ({} mismatches)\n- Best: {} ({} mismatches)\n- Final: `{}`\n- Requests: {} ({} cached), tokens {}/{}",
        if r.oracle == "in-loop" {
            "oracle in the loop** — the benchmark's own testbench and reference judged the candidates; not comparable with a no-oracle score"
        } else {
            "no oracle** — only the C++ model or the given testbench judged the candidates"
        },
        if r.scripted {
            format!("**scripted** ({}) — not a model's work", r.provider)
        } else {
            r.provider.clone()
        },
        r.rounds,
        r.initial.verdict,
        r.initial.mismatches.map_or("?".into(), |m| m.to_string()),
        r.best.verdict,
        r.best.mismatches.map_or("?".into(), |m| m.to_string()),
        r.final_file,
        r.usage.requests,
        r.usage.cached,
        r.usage.prompt_tokens,
        r.usage.completion_tokens
    );
    s.push_str("\n| Round | Candidate | Verdict | Mismatches | Refused | File |\n|---|---|---|---|---|---|\n");
    for c in &r.candidates {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | `{}` |",
            c.round,
            c.index,
            c.verdict,
            c.mismatches.map_or("—".into(), |m| m.to_string()),
            c.refused.as_deref().unwrap_or("").replace('|', "\\|"),
            c.file
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_come_from_the_table_by_category() {
        let (c, h) = compile_hint("t.v:5: error: q is not a valid l-value in top.").unwrap();
        assert_eq!(c, "procedural assignment to a wire");
        assert!(h.contains("reg"));
        let (c, _) =
            compile_hint("%Error: t.v:3:9: Can't find definition of variable: 'x'").unwrap();
        assert_eq!(c, "undeclared signal");
        assert!(compile_hint("all fine").is_none());
    }
}
