//! Judging one candidate against one problem.
//!
//! The testbench's own verdict lines are rewritten into a private form carrying a per-run
//! secret (`Mismatches:` → `<secret>-Mismatches:`, `TIMEOUT` → `<secret>-TIMEOUT`, the RTLLM
//! pass banner likewise), so only the testbench can produce the lines the harness reads. The
//! log is then classified with the official VerilogEval rules (first match wins: S, e, 0, n, w,
//! m, c, T, then p, C, `.`, then r, R), and a pass additionally requires the testbench to have
//! applied as many test vectors as it does for the reference.

use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;

use super::checks::{self, Protected};
use super::verdict::{FailureCode, Verdict};
use crate::process::Exit;
use crate::sim::{self, Design, SimError, SimKind, SimOptions};
use crate::suite::{Judging, Problem};

/// The official VerilogEval iverilog flags (`-g2012` is added by the backend).
pub const ICARUS_FLAGS: [&str; 3] = ["-Wall", "-Winfloop", "-Wno-timescale"];

/// Per-run constants of the judge.
#[derive(Debug, Clone)]
pub struct JudgeConfig {
    pub sim: SimKind,
    pub timeout: Duration,
    pub secret: String,
    pub build_jobs: usize,
}

impl JudgeConfig {
    /// Flags passed to the compiler (part of the verdict cache key).
    pub fn flags(&self) -> Vec<String> {
        match self.sim {
            SimKind::Icarus => ICARUS_FLAGS.iter().map(|s| s.to_string()).collect(),
            SimKind::Verilator => Vec::new(),
        }
    }
}

/// A fresh unguessable secret for one run.
pub fn new_secret() -> String {
    format!("RTLSMITH{}", crate::util::random_hex(16))
}

static STRING_LIT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""((?:[^"\\\n]|\\.)*)""#).unwrap());

/// Rewrite the testbench's verdict strings into their private form.
pub fn rewrite_testbench(tb: &str, judging: Judging, secret: &str) -> String {
    STRING_LIT
        .replace_all(tb, |c: &regex::Captures| {
            let s = &c[1];
            let t = match judging {
                Judging::Mismatches if s.starts_with("Mismatches:") => format!("{secret}-{s}"),
                Judging::Mismatches if s == "TIMEOUT" => format!("{secret}-TIMEOUT"),
                Judging::Banner if s.contains("Your Design Passed") => format!("{secret} {s}"),
                _ => s.to_string(),
            };
            format!("\"{t}\"")
        })
        .into_owned()
}

static MISMATCH_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^Mismatches: (\d+) in (\d+) samples$").unwrap());

/// Restore the private verdict lines and drop every forged one: lines carrying the secret are
/// the testbench's; `Mismatches:`/`TIMEOUT`/pass-banner lines without it are not.
fn launder(log: &str, secret: &str, judging: Judging) -> (String, bool) {
    let mut out = String::with_capacity(log.len());
    let mut forged = false;
    let tag_dash = format!("{secret}-");
    let tag_space = format!("{secret} ");
    for line in log.lines() {
        if let Some(rest) = line.strip_prefix(&tag_dash) {
            out.push_str(rest);
        } else if line.contains(&tag_space) {
            out.push_str(&line.replace(&tag_space, ""));
        } else {
            let fake = match judging {
                Judging::Mismatches => line.starts_with("Mismatches:") || line.contains("TIMEOUT"),
                Judging::Banner => line.contains("Your Design Passed"),
            };
            if fake {
                forged = true;
                continue;
            }
            out.push_str(line);
        }
        out.push('\n');
    }
    (out, forged)
}

/// The official VerilogEval classification of a log (plus the candidate, for `r`).
pub fn classify(log: &str, candidate: &str) -> (FailureCode, Option<u64>, Option<u64>) {
    use FailureCode as F;
    let mut error_c = false;
    let mut error_p = false;
    let mut zero = false;
    let mut mismatches = None;
    let mut vectors = None;
    for line in log.lines() {
        let code = if line.contains("syntax error") {
            Some(F::Syntax)
        } else {
            if line.contains("error") {
                error_c = true;
            }
            if line.contains("error: This assignment requires an explicit cast") {
                Some(F::ExplicitCast)
            } else if line
                .contains("error: Sized numeric constant must have a size greater than zero")
            {
                Some(F::ZeroWidthConstant)
            } else if line.contains("warning: always_comb process has no sensitivities")
                || line.contains("found no sensitivities so it will never trigger")
            {
                Some(F::NoSensitivities)
            } else if line.contains("is declared here as wire") {
                Some(F::DeclaredAsWire)
            } else if line.contains("Unknown module type")
                || line.contains("Cannot find file containing module")
            {
                Some(F::UnknownModule)
            } else {
                if line.contains("Unable to bind wire/reg") {
                    error_p = true;
                }
                if line.contains("Unable to bind wire/reg/memory `clk'") {
                    Some(F::UnboundClock)
                } else if line.contains("TIMEOUT") {
                    Some(F::Timeout)
                } else {
                    if let Some(c) = MISMATCH_LINE.captures(line) {
                        let m: u64 = c[1].parse().unwrap_or(u64::MAX);
                        mismatches = Some(m);
                        vectors = c[2].parse().ok();
                        if m == 0 {
                            zero = true;
                        }
                    }
                    None
                }
            }
        };
        if let Some(code) = code {
            return (code, mismatches, vectors);
        }
    }
    let code = if error_p {
        F::UnboundSignal
    } else if error_c {
        F::OtherCompileError
    } else if zero {
        F::Pass
    } else {
        runtime_failure(candidate)
    };
    (code, mismatches, vectors)
}

/// `r` for a design with an asynchronous reset (VerilogEval's own test), else `R`.
fn runtime_failure(candidate: &str) -> FailureCode {
    if candidate.contains("posedge reset")
        || candidate.contains("negedge reset")
        || candidate.contains("posedge r)")
    {
        FailureCode::RuntimeAsyncReset
    } else {
        FailureCode::Runtime
    }
}

static RTLLM_FAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(fail|failed|failure|failures|error|errors)\b").unwrap());

/// Judge `candidate` (the full module text, prefix included) against `problem`.
/// `ref_vectors` is how many test vectors the testbench applies to the reference (VerilogEval),
/// when known.
pub async fn judge(
    problem: &Problem,
    candidate: &str,
    ref_vectors: Option<u64>,
    trusted: bool,
    cfg: &JudgeConfig,
    scratch: &Path,
) -> Result<Verdict, SimError> {
    if !trusted {
        let mut sources: Vec<&str> = vec![&problem.testbench];
        sources.extend(problem.support.iter().map(|(_, t)| t.as_str()));
        let protected = Protected::from_sources(&sources, &problem.dut_module);
        if let Some((r, why)) = checks::check(candidate, &protected) {
            return Ok(Verdict::refused(r, why));
        }
    }
    // the job's sources live in a folder of their own, read-only to the simulation
    let src_dir = tempfile::Builder::new()
        .prefix("rtlsmith-eval-src-")
        .tempdir_in(scratch)
        .map_err(|source| SimError::JobDir {
            path: scratch.to_path_buf(),
            source,
        })?;
    let write = |name: &str, text: &str| -> Result<std::path::PathBuf, SimError> {
        let p = src_dir.path().join(name);
        std::fs::write(&p, text).map_err(|source| SimError::JobDir {
            path: p.clone(),
            source,
        })?;
        Ok(p)
    };
    let cand_path = write("candidate.sv", candidate)?;
    let tb_path = write(
        "test.sv",
        &rewrite_testbench(&problem.testbench, problem.judging, &cfg.secret),
    )?;
    let mut sources = if problem.testbench_first {
        vec![tb_path, cand_path]
    } else {
        vec![cand_path, tb_path]
    };
    for (name, text) in &problem.support {
        sources.push(write(name, text)?);
    }
    let design = Design {
        sources,
        top: Some(problem.tb_top.clone()),
        extra_args: cfg.flags(),
        ..Design::default()
    };
    let opts = SimOptions {
        compile_timeout: Duration::from_secs(300),
        timeout: cfg.timeout,
        data_dir: problem.data_dir.clone(),
        require_finish: false,
        output_limit: 16 << 20,
        build_jobs: cfg.build_jobs,
        scratch: Some(scratch.to_path_buf()),
        ..SimOptions::default()
    };
    let r = sim::simulate(cfg.sim, &design, &opts).await?;
    let mut raw = String::new();
    for phase in r.compile.iter().chain(r.run.iter()) {
        raw.push_str(&phase.output);
        if !raw.ends_with('\n') {
            raw.push('\n');
        }
    }
    // name files as the user knows them, not by their temporary folder
    let raw = raw.replace(&format!("{}/", src_dir.path().display()), "");
    let raw = match cfg.sim {
        SimKind::Icarus => raw,
        SimKind::Verilator => verilator_messages(&raw),
    };
    let (log, forged) = launder(&raw, &cfg.secret, problem.judging);
    let compiled = r.run.is_some();
    let run_exit = r.run.as_ref().map_or(Exit::Code(-1), |p| p.outcome);
    let timed_out = run_exit == Exit::TimedOut;
    let flooded = run_exit == Exit::OutputLimit;
    let seconds = r.seconds();
    let verdict = |code: FailureCode, mismatches, vectors, reason: String| Verdict {
        passed: code == FailureCode::Pass,
        code,
        mismatches,
        vectors,
        reason,
        refusal: None,
        seconds,
        log: log.clone(),
    };
    const FLOODED: &str = "output limit exceeded: the simulation was killed for flooding its log";

    use FailureCode as F;
    match problem.judging {
        Judging::Mismatches => {
            let (mut code, mismatches, vectors) = classify(&log, candidate);
            if !compiled && (code == F::Pass || code.is_runtime()) {
                code = F::OtherCompileError;
            }
            if compiled && timed_out && (code == F::Pass || code.is_runtime()) {
                code = F::Timeout;
            }
            let mut reason = match code {
                F::Pass => format!("0 mismatches in {} samples", vectors.unwrap_or(0)),
                F::Timeout => format!(
                    "timeout ({})",
                    if timed_out {
                        "killed after the time limit"
                    } else {
                        "the testbench's watchdog fired"
                    }
                ),
                F::Runtime | F::RuntimeAsyncReset => match (mismatches, vectors) {
                    (Some(m), Some(s)) => format!("{m} mismatches in {s} samples"),
                    _ => format!("no result line ({run_exit})"),
                },
                c => first_error_line(&log).unwrap_or_else(|| c.meaning().to_string()),
            };
            if code == F::Pass {
                let s = vectors.unwrap_or(0);
                let short = s == 0 || ref_vectors.is_some_and(|want| s != want);
                if short {
                    code = F::Runtime;
                    reason = format!(
                        "testbench ended after {s} samples; the reference runs {}",
                        ref_vectors.map_or("more".to_string(), |w| w.to_string())
                    );
                }
            }
            if flooded {
                // killed for its output: whatever the testbench printed on the way out is moot
                if code != F::RuntimeAsyncReset {
                    code = F::Runtime;
                }
                reason = FLOODED.into();
            }
            if forged && code != F::Pass {
                reason.push_str(" (forged result lines were ignored)");
            }
            Ok(verdict(code, mismatches, vectors, reason))
        }
        Judging::Banner => {
            let (ccode, _, _) = classify(&log, candidate);
            if !compiled {
                let code = if ccode == F::Pass || ccode == F::Timeout || ccode.is_runtime() {
                    F::OtherCompileError
                } else {
                    ccode
                };
                let reason = first_error_line(&log).unwrap_or_else(|| code.meaning().to_string());
                return Ok(verdict(code, None, None, reason));
            }
            if flooded {
                return Ok(verdict(F::Runtime, None, None, FLOODED.into()));
            }
            if timed_out {
                return Ok(verdict(
                    F::Timeout,
                    None,
                    None,
                    "timeout (killed after the time limit)".into(),
                ));
            }
            let banner = log
                .lines()
                .any(|l| l.contains("Your Design Passed") && raw.contains(&cfg.secret));
            let failing = log
                .lines()
                .find(|l| RTLLM_FAIL.is_match(l) && !l.contains("Your Design Passed"));
            let clean_exit = run_exit == Exit::Code(0);
            let fail = runtime_failure(candidate);
            let (code, reason) = match (banner, failing, clean_exit) {
                (true, None, true) => (
                    F::Pass,
                    "pass banner printed, no failure message".to_string(),
                ),
                (_, Some(f), _) => (fail, format!("failure message: {}", f.trim())),
                (false, None, _) => (fail, "no pass banner".to_string()),
                (true, None, false) => (fail, format!("simulator {run_exit}")),
            };
            Ok(verdict(code, None, None, reason))
        }
    }
}

static VL_EXCERPT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*(\d+\s*)?\|").unwrap());

/// Verilator quotes source lines under its messages and its build runs make and g++; keep
/// only what the tools and the simulation said, so a quoted `stats1.errors` is not taken for
/// an error message.
fn verilator_messages(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for line in raw.lines() {
        let t = line.trim_start();
        let noise = VL_EXCERPT.is_match(line)
            || t.starts_with("... ")
            || (line.starts_with(char::is_whitespace) && t.contains(": ... "))
            || t.starts_with("make: ")
            || t.starts_with("make[")
            || t.starts_with("g++ ")
            || t.starts_with("ccache ")
            || t.starts_with("/usr/bin/python3 ")
            || t.starts_with("echo \"\" > ")
            || t.starts_with("rm V")
            || t.starts_with("Archive ar ");
        if !noise {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn first_error_line(log: &str) -> Option<String> {
    log.lines()
        .find(|l| l.contains("error") || l.contains("Error") || l.contains("sorry"))
        .map(|l| l.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrite_and_launder_round_trip() {
        let tb = "final $display(\"Mismatches: %1d in %1d samples\", e, c);\ninitial #10 $display(\"TIMEOUT\");\n";
        let out = rewrite_testbench(tb, Judging::Mismatches, "S3CRET");
        assert!(out.contains("\"S3CRET-Mismatches: %1d in %1d samples\""));
        assert!(out.contains("\"S3CRET-TIMEOUT\""));
        let log = "Mismatches: 0 in 99 samples\nS3CRET-Mismatches: 4 in 20 samples\n";
        let (clean, forged) = launder(log, "S3CRET", Judging::Mismatches);
        assert_eq!(clean, "Mismatches: 4 in 20 samples\n");
        assert!(forged);
    }

    #[test]
    fn official_codes_first_match_wins() {
        use FailureCode as F;
        assert_eq!(
            classify("a.sv:3: syntax error\nMismatches: 0 in 5 samples\n", "").0,
            F::Syntax
        );
        assert_eq!(
            classify("x.sv:1: error: Unknown module type: foo\n", "").0,
            F::UnknownModule
        );
        assert_eq!(
            classify("x: error: Unable to bind wire/reg/memory `q' in `tb'\n", "").0,
            F::UnboundSignal
        );
        assert_eq!(
            classify(
                "x: error: Unable to bind wire/reg/memory `clk' in `T'\n",
                ""
            )
            .0,
            F::UnboundClock
        );
        assert_eq!(
            classify(
                "x.sv:4: error: q is not a valid l-value\nx.sv:2:  : q is declared here as wire.\n",
                ""
            )
            .0,
            F::DeclaredAsWire
        );
        assert_eq!(
            classify("x: error: something else\n", "").0,
            F::OtherCompileError
        );
        assert_eq!(
            classify("TIMEOUT\nMismatches: 3 in 10 samples\n", "").0,
            F::Timeout
        );
        assert_eq!(
            classify("Mismatches: 0 in 10 samples\n", ""),
            (F::Pass, Some(0), Some(10))
        );
        assert_eq!(
            classify(
                "Mismatches: 2 in 10 samples\n",
                "always @(posedge clk, posedge reset)"
            )
            .0,
            F::RuntimeAsyncReset
        );
        assert_eq!(
            classify("Mismatches: 2 in 10 samples\n", "always @(posedge clk)"),
            (F::Runtime, Some(2), Some(10))
        );
    }
}
