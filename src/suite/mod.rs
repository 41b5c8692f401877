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
use std::sync::LazyLock;

use regex::Regex;
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
        summarize_ports(src)
    }

    /// The reference rewritten so that it can stand in for the candidate.
    pub fn reference_as_candidate(&self) -> String {
        rename_module(&self.reference, &self.reference_module, &self.dut_module)
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

static MODULE_DECL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*module\s+([A-Za-z_][A-Za-z0-9_$]*)").unwrap());

/// Names of the modules a source declares, in order.
pub fn declared_modules(src: &str) -> Vec<String> {
    let clean = crate::eval::checks::strip_comments(src);
    MODULE_DECL
        .captures_iter(&clean)
        .map(|c| c[1].to_string())
        .collect()
}

/// Rename the declaration `module from` to `module to` (whole word only).
pub fn rename_module(src: &str, from: &str, to: &str) -> String {
    let re = Regex::new(&format!(r"\bmodule(\s+){}\b", regex::escape(from))).unwrap();
    re.replace_all(src, |c: &regex::Captures| format!("module{}{to}", &c[1]))
        .into_owned()
}

static INSTANCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?m)^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:#\s*\([^;]*?\))?\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(",
    )
    .unwrap()
});

const NOT_MODULES: &[&str] = &[
    "module",
    "input",
    "output",
    "inout",
    "wire",
    "reg",
    "logic",
    "assign",
    "always",
    "initial",
    "if",
    "else",
    "for",
    "while",
    "case",
    "casez",
    "casex",
    "function",
    "task",
    "begin",
    "end",
    "return",
    "integer",
    "int",
    "bit",
    "repeat",
    "forever",
    "final",
    "generate",
    "genvar",
    "localparam",
    "parameter",
    "typedef",
    "automatic",
    "default",
    "posedge",
    "negedge",
    "or",
    "and",
    "not",
    "wait",
    "fork",
    "join",
];

/// `(module, instance)` pairs instantiated in `src` (gate primitives and keywords excluded).
pub fn instantiations(src: &str) -> Vec<(String, String)> {
    let clean = crate::eval::checks::strip_comments(src);
    INSTANCE
        .captures_iter(&clean)
        .filter(|c| !NOT_MODULES.contains(&&c[1]) && !NOT_MODULES.contains(&&c[2]))
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect()
}

/// A one-line port summary of the first module header in `src`: `in: a[7:0], b; out: y`.
pub fn summarize_ports(src: &str) -> String {
    let clean = crate::eval::checks::strip_comments(src);
    let Some(m) = MODULE_DECL.find(&clean) else {
        return String::new();
    };
    let rest = &clean[m.end()..];
    // skip a parameter list `#( ... )`, then take the port list up to `);`
    let rest = match rest.trim_start().strip_prefix('#') {
        Some(r) => {
            let mut depth = 0;
            let mut end = 0;
            for (i, ch) in r.char_indices() {
                match ch {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            &r[end..]
        }
        None => rest,
    };
    let Some(open) = rest.find('(') else {
        return String::new();
    };
    let header = &rest[open + 1..rest.find(");").unwrap_or(rest.len())];
    // non-ANSI headers name the ports only; their directions are declared in the body
    let body_decls: String;
    let body = if ["input", "output", "inout"]
        .iter()
        .any(|k| header.contains(k))
    {
        header
    } else {
        static DECL: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"(?m)^\s*(?:input|output|inout)\b[^;]*;").unwrap());
        let end = rest.find("endmodule").unwrap_or(rest.len());
        body_decls = DECL
            .find_iter(&rest[..end])
            .map(|m| m.as_str().trim_end_matches(';').trim().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        &body_decls
    };
    let mut ins = Vec::new();
    let mut outs = Vec::new();
    let mut dir = "";
    let mut width = String::new();
    for seg in body.split(',') {
        let seg = seg.trim();
        let words: Vec<&str> = seg.split_whitespace().collect();
        if let Some(d) = words
            .iter()
            .find(|w| ["input", "output", "inout"].contains(w))
        {
            dir = d;
            width = match (seg.find('['), seg.rfind(']')) {
                (Some(a), Some(b)) if b > a => seg[a..=b].replace(' ', ""),
                _ => String::new(),
            };
        }
        let name: String = seg
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .find(|w| !w.is_empty())
            .unwrap_or("")
            .to_string();
        if name.is_empty() || dir.is_empty() {
            continue;
        }
        let item = format!("{name}{width}");
        if dir == "input" {
            ins.push(item);
        } else {
            outs.push(item);
        }
    }
    format!("in: {}; out: {}", ins.join(", "), outs.join(", "))
}

#[cfg(test)]
mod tests;
