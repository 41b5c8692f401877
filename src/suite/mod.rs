/*!
Benchmark suites as data: VerilogEval v2 (spec-to-rtl and code-complete folders), VerilogEval
v1 (JSONL), RTLLM v2.0 (nested categories) and v1.1 (flat). A loader turns a suite folder into
[`Problem`]s — the task text, the testbench, the reference — and knows nothing of simulation;
`crate::eval` judges candidates against them.
*/

mod rtllm;
mod verilog_eval;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuiteKind {
    VerilogEvalV2,
    VerilogEvalV1,
    Rtllm,
}

impl SuiteKind {
    pub fn name(self) -> &'static str {
        match self {
            SuiteKind::VerilogEvalV2 => "verilog-eval-v2",
            SuiteKind::VerilogEvalV1 => "verilog-eval-v1",
            SuiteKind::Rtllm => "rtllm",
        }
    }
}

impl fmt::Display for SuiteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SuiteKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "verilog-eval-v2" => Ok(SuiteKind::VerilogEvalV2),
            "verilog-eval-v1" => Ok(SuiteKind::VerilogEvalV1),
            "rtllm" => Ok(SuiteKind::Rtllm),
            other => Err(format!(
                "unknown suite `{other}` (expected verilog-eval-v2, verilog-eval-v1 or rtllm)"
            )),
        }
    }
}

/// How a testbench reports its verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Judging {
    /// VerilogEval: `Mismatches: N in M samples` from a `final` block, `TIMEOUT` from a watchdog.
    Mismatches,
    /// RTLLM: a `Your Design Passed` banner, failure messages otherwise.
    Banner,
}

/// One benchmark problem.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Task id: `Prob050_kmap1`, the JSONL `task_id`, or the RTLLM design folder name.
    pub id: String,
    /// The task as given to a model (spec text, or code-completion prompt).
    pub description: String,
    /// Module header the candidate must implement, when the suite gives one.
    pub interface: Option<String>,
    /// Text prepended to a candidate before judging (VerilogEval v1: the module header).
    pub candidate_prefix: Option<String>,
    /// The module name the testbench instantiates for the design under test.
    pub dut_module: String,
    /// Reference solution source and the module name it declares.
    pub reference: String,
    pub reference_module: String,
    /// Sources compiled with the candidate and the testbench: (file name, text). VerilogEval v2:
    /// the reference (`RefModule`); v1 keeps its reference inside the testbench; RTLLM: none.
    pub support: Vec<(String, String)>,
    pub testbench: String,
    /// Compile the testbench before the candidate (VerilogEval v1 concatenates test, prompt,
    /// completion in that order; v2 and RTLLM put the candidate first).
    pub testbench_first: bool,
    /// The testbench's top module.
    pub tb_top: String,
    /// Folder whose files the testbench reads by relative path (RTLLM design folder).
    pub data_dir: Option<PathBuf>,
    pub judging: Judging,
    /// Where the problem came from (for messages).
    pub origin: PathBuf,
}

impl Problem {
    /// "in: a[7:0], b; out: y" from the interface or the reference's header.
    pub fn interface_summary(&self) -> String {
        let src = self.interface.as_deref().unwrap_or(&self.reference);
        crate::hdl::port_summary(src)
    }

    /// The reference rewritten so that it can stand in for the candidate.
    pub fn reference_as_candidate(&self) -> String {
        crate::hdl::rename_module(&self.reference, &self.reference_module, &self.dut_module)
    }
}

/// A loaded suite.
#[derive(Debug, Clone, Serialize)]
pub struct Suite {
    pub kind: SuiteKind,
    /// `spec-to-rtl`, `code-complete-iccad2023`, `human`, `machine`, `v2.0`, `v1.1`.
    pub variant: String,
    pub root: PathBuf,
    pub problems: Vec<Problem>,
}

impl Suite {
    pub fn get(&self, id: &str) -> Option<&Problem> {
        self.problems.iter().find(|p| p.id == id)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error("suite path not found: {}", .0.display())]
    NotFound(PathBuf),
    #[error("{}: {message}", .path.display())]
    Malformed { path: PathBuf, message: String },
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl SuiteError {
    pub fn hint(&self) -> &'static str {
        match self {
            SuiteError::NotFound(_) => {
                "pass the suite's folder (or JSONL file for verilog-eval-v1)"
            }
            SuiteError::Malformed { .. } => {
                "check that the path is the right suite and that its files are complete (see README: `rtlsmith eval`)"
            }
            SuiteError::Io { .. } => "check the file's permissions",
        }
    }
}

pub(crate) fn read_text(path: &Path) -> Result<String, SuiteError> {
    let bytes = std::fs::read(path).map_err(|source| SuiteError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // benchmark files are ASCII in practice; tolerate stray bytes instead of failing the suite
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Load a suite from `path`.
pub fn load(kind: SuiteKind, path: &Path) -> Result<Suite, SuiteError> {
    if !path.exists() {
        return Err(SuiteError::NotFound(path.to_path_buf()));
    }
    let mut suite = match kind {
        SuiteKind::VerilogEvalV2 => verilog_eval::load_v2(path)?,
        SuiteKind::VerilogEvalV1 => verilog_eval::load_v1(path)?,
        SuiteKind::Rtllm => rtllm::load(path)?,
    };
    suite.problems.sort_by(|a, b| a.id.cmp(&b.id));
    if suite.problems.is_empty() {
        return Err(SuiteError::Malformed {
            path: path.to_path_buf(),
            message: format!("no {kind} problems found"),
        });
    }
    Ok(suite)
}
