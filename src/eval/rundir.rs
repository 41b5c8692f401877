//! The run directory: `run.json` (what the run is; a resumed run must match it), the append-only
//! journals `results.jsonl` and `references.jsonl`, the logs, and the kept generations.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{EvalError, Verdict, generate, io_err};
use crate::sim::SimKind;
use crate::suite::SuiteKind;

pub const FORMAT_VERSION: u32 = 1;

/// `run.json`: what a run directory holds; a resumed run must match it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunMeta {
    pub format_version: u32,
    pub suite: SuiteKind,
    pub variant: String,
    pub suite_path: String,
    pub simulator: SimKind,
    pub simulator_version: String,
    pub flags: Vec<String>,
    pub timeout_seconds: u64,
    /// "references", "samples" (candidates from a file or folder) or "model"
    pub mode: String,
    /// Where the candidates came from: their file or folder, or the model's label.
    #[serde(rename = "candidates", alias = "samples")]
    pub candidates_from: Option<String>,
    pub shard: Option<String>,
    /// The model and sampling parameters of a model run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<generate::GenConfig>,
}

/// One line of `results.jsonl` (and of `references.jsonl`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResultLine {
    pub task_id: String,
    pub sample: usize,
    /// Content hash of the candidate with everything that decides its verdict.
    pub hash: String,
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Test vectors the testbench applies to the reference.
    #[serde(
        default,
        rename = "ref_vectors",
        alias = "ref_samples",
        skip_serializing_if = "Option::is_none"
    )]
    pub ref_vectors: Option<u64>,
    /// The verdict was reused (persisted cache or an identical candidate in this run).
    pub cached: bool,
    /// With `--trace`: the top suspects of a sample that ran and mismatched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspects: Option<Vec<crate::trace::Suspect>>,
}

/// An append-only JSONL file that survives `kill -9` (a torn last line is skipped on read and
/// terminated before the next append).
pub struct Journal {
    path: PathBuf,
    file: std::fs::File,
}

impl Journal {
    pub fn open(path: &Path) -> Result<(Journal, Vec<ResultLine>), EvalError> {
        let mut lines = Vec::new();
        let mut needs_newline = false;
        if let Ok(bytes) = std::fs::read(path) {
            needs_newline = !bytes.is_empty() && !bytes.ends_with(b"\n");
            for raw in String::from_utf8_lossy(&bytes).lines() {
                if let Ok(l) = serde_json::from_str::<ResultLine>(raw) {
                    lines.push(l);
                }
            }
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io_err(path))?;
        if needs_newline {
            file.write_all(b"\n").map_err(io_err(path))?;
        }
        Ok((
            Journal {
                path: path.to_path_buf(),
                file,
            },
            lines,
        ))
    }

    pub fn append(&mut self, line: &ResultLine) -> Result<(), EvalError> {
        let mut text = serde_json::to_string(line).unwrap_or_default();
        text.push('\n');
        self.file
            .write_all(text.as_bytes())
            .map_err(io_err(&self.path))?;
        self.file.sync_data().map_err(io_err(&self.path))
    }
}

/// Write `run.json`, or check that the one there describes this same run.
pub fn write_meta(out: &Path, meta: &RunMeta) -> Result<(), EvalError> {
    let path = out.join("run.json");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let old: RunMeta = serde_json::from_str(&text).map_err(|e| EvalError::RunDir {
            path: out.to_path_buf(),
            message: format!("run.json is unreadable ({e})"),
        })?;
        if old != *meta {
            return Err(EvalError::RunDir {
                path: out.to_path_buf(),
                message: format!(
                    "holds a different run ({} {} on {} {}, {}); it can only be resumed with the same suite, samples, simulator, flags, timeout and shard",
                    old.suite, old.variant, old.simulator, old.simulator_version, old.mode
                ),
            });
        }
        return Ok(());
    }
    let text = serde_json::to_string_pretty(meta).unwrap_or_default();
    crate::util::write_atomic(&path, text).map_err(io_err(&path))
}

/// Keep a judged candidate's log as `logs/<task>/<name>.log`.
pub fn write_log(out: &Path, task: &str, name: &str, log: &str) {
    let _ = crate::util::write_atomic(
        &out.join("logs").join(task).join(format!("{name}.log")),
        log,
    );
}

/// Where a generated sample is kept: `generations/<task>/sampleNN.json`.
pub fn generation_path(out: &Path, task: &str, sample: usize) -> PathBuf {
    out.join("generations")
        .join(task)
        .join(format!("sample{sample:02}.json"))
}
