//! The verdict on a finished run: the rules of the module docs of [`super`], applied in order to
//! the run's exit, its parsed diagnostics and its output.

use super::{Diagnostic, JobFiles, Severity, SimOptions, Simulator, Status};
use crate::process::{Exit, Output};

/// The first line that says something.
pub(super) fn first_nonempty(text: &str) -> String {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no output")
        .trim()
        .to_string()
}

/// The last `n` lines that say something.
pub(super) fn tail_lines(text: &str, n: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

pub(super) fn judge(
    backend: &dyn Simulator,
    out: &Output,
    text: &str,
    diags: &[Diagnostic],
    job: &JobFiles,
    opts: &SimOptions,
) -> (Status, String, Vec<String>) {
    let error_lines: Vec<String> = diags
        .iter()
        .filter(|d| d.severity >= Severity::Error)
        .map(Diagnostic::one_line)
        .collect();
    let fail_matches: Vec<String> = match &opts.fail_regex {
        Some(re) => text
            .lines()
            .filter(|l| re.is_match(l))
            .map(str::to_string)
            .collect(),
        None => Vec::new(),
    };
    let mut failing: Vec<String> = error_lines
        .iter()
        .chain(fail_matches.iter())
        .take(5)
        .cloned()
        .collect();
    match out.exit {
        Exit::TimedOut => {
            return (
                Status::Timeout,
                format!(
                    "simulation did not finish within {}s of CPU time (killed)",
                    opts.timeout.as_secs()
                ),
                tail_lines(text, 5),
            );
        }
        Exit::OutputLimit => {
            return (
                Status::Fail,
                format!(
                    "output limit exceeded: killed after {} bytes of output",
                    out.stdout.total() + out.stderr.total()
                ),
                text.lines().take(5).map(str::to_string).collect(),
            );
        }
        Exit::Signal(_) if error_lines.is_empty() => {
            return (
                Status::Crash,
                format!("simulator {}", out.exit),
                tail_lines(text, 5),
            );
        }
        _ => {}
    }
    if let Some(first) = error_lines.first() {
        return (Status::Fail, first.clone(), failing);
    }
    if let Some(first) = fail_matches.first() {
        return (
            Status::Fail,
            format!("failure pattern matched: {first}"),
            failing,
        );
    }
    if let Exit::Code(c) = out.exit
        && c != 0
    {
        return (
            Status::Crash,
            format!("simulator exited with status {c} and no error message"),
            tail_lines(text, 5),
        );
    }
    if opts.require_finish && !backend.finished_by_finish(text, job) {
        failing = tail_lines(text, 5);
        return (
            Status::Fail,
            "simulation ended without $finish (the design ran out of events)".into(),
            failing,
        );
    }
    if let Some(re) = &opts.pass_regex
        && !text.lines().any(|l| re.is_match(l))
    {
        return (
            Status::Fail,
            format!("pass marker /{}/ not found in the output", re.as_str()),
            tail_lines(text, 5),
        );
    }
    (Status::Pass, "passed".into(), Vec::new())
}
