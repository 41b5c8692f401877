//! `eval --trace`: after judging, every sample that ran and mismatched is traced (VerilogEval
//! v2: the candidate beside the reference in the problem's own testbench), and its top
//! suspects are attached to its result line and listed in `report.md`. The candidate's text is
//! kept as `trace/<task>/sampleNN.sv` so the suspects' lines point into a file that exists, and
//! the waveform around its first mismatch as `trace/<task>/sampleNN.wave.json`.

use std::path::Path;

use super::generate::Generation;
use super::rundir::{ResultLine, generation_path};
use super::verdict::FailureCode;
use super::{EvalError, io_err};
use crate::suite::{Suite, SuiteKind};
use crate::trace;

/// Suspects kept per failing sample.
pub const TOP: usize = 3;

/// Trace the failing samples of `results` that have no suspects yet; `text` gives a sample's
/// candidate (None: not available). Returns how many were traced.
pub async fn trace_failures(
    suite: &Suite,
    out: &Path,
    results: &mut [ResultLine],
    text: &dyn Fn(&str, usize) -> Option<String>,
) -> Result<usize, EvalError> {
    if suite.kind != SuiteKind::VerilogEvalV2 {
        return Ok(0);
    }
    let mut traced = 0;
    for line in results.iter_mut() {
        let ran = matches!(
            line.verdict.code,
            FailureCode::Runtime | FailureCode::RuntimeAsyncReset
        );
        if line.verdict.passed || !ran || line.suspects.is_some() {
            continue;
        }
        let (Some(problem), Some(code)) = (
            suite.get(&line.task_id),
            text(&line.task_id, line.sample).or_else(|| generated(out, &line.task_id, line.sample)),
        ) else {
            continue;
        };
        let dir = out.join("trace").join(&line.task_id);
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let cand = crate::process::absolute(&dir.join(format!("sample{:02}.sv", line.sample)));
        std::fs::write(&cand, &code).map_err(io_err(&cand))?;
        let work = tempfile::tempdir().map_err(io_err(out))?;
        let Ok(mut opts) = trace::suite_options(problem, &cand, work.path()) else {
            continue;
        };
        opts.top = TOP;
        // a trace that cannot be made leaves the sample as judged
        if let Ok(r) = trace::run(&opts).await
            && r.verdict == "fail"
        {
            // the waveform around the first mismatch, for the HTML report's picture
            if let Some(w) = &r.waveform {
                let p = wave_path(out, &line.task_id, line.sample);
                let _ = crate::util::write_atomic(&p, serde_json::to_string(w).unwrap_or_default());
            }
            line.suspects = Some(r.suspects);
            traced += 1;
        }
    }
    Ok(traced)
}

/// Where a traced sample's waveform table is kept: `trace/<task>/sampleNN.wave.json`.
pub fn wave_path(out: &Path, task: &str, sample: usize) -> std::path::PathBuf {
    out.join("trace")
        .join(task)
        .join(format!("sample{sample:02}.wave.json"))
}

/// The code of a kept generation (`eval --model`).
fn generated(out: &Path, task: &str, sample: usize) -> Option<String> {
    let t = std::fs::read_to_string(generation_path(out, task, sample)).ok()?;
    serde_json::from_str::<Generation>(&t).ok().map(|g| g.code)
}

/// The `report.md` section: each traced sample's suspects.
pub fn markdown(results: &[ResultLine]) -> String {
    let mut s = String::new();
    for l in results {
        let Some(sus) = &l.suspects else { continue };
        if s.is_empty() {
            s.push_str("\n## Suspects of failing samples (rtlsmith trace)\n\n");
        }
        s.push_str(&format!("- **{}** sample {}:", l.task_id, l.sample));
        for x in sus {
            s.push_str(&format!(
                " line {} `{}` ({:.2});",
                x.line,
                x.statement.replace('`', "'"),
                x.score
            ));
        }
        s.push('\n');
    }
    s
}
