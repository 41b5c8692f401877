//! Candidates to judge: read from a JSONL file or a folder, and completed into the text the
//! simulator gets.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::EvalError;
use crate::suite::Problem;

/// One candidate for one task.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub task_id: String,
    /// 0-based position among the task's samples.
    pub index: usize,
    /// The candidate text; `None` if it was not valid UTF-8.
    pub text: Option<String>,
    /// Where it came from (file, or file:line).
    pub origin: String,
}

/// Read candidates from a JSONL file or a `<task_id>/<file>.sv|.v` folder.
pub fn load_candidates(path: &Path) -> Result<Vec<Candidate>, EvalError> {
    let err = |message: String| EvalError::Candidates {
        path: path.to_path_buf(),
        message,
    };
    if !path.exists() {
        return Err(err("not found".into()));
    }
    let mut out = Vec::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    if path.is_dir() {
        let mut dirs: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| err(e.to_string()))?
            .flatten()
            .filter(|e| e.path().is_dir())
            .collect();
        dirs.sort_by_key(|e| e.file_name());
        for d in dirs {
            let task = d.file_name().to_string_lossy().into_owned();
            let mut files: Vec<_> = std::fs::read_dir(d.path())
                .map_err(|e| err(e.to_string()))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && matches!(p.extension().and_then(|x| x.to_str()), Some("sv" | "v"))
                })
                .collect();
            files.sort();
            for f in files {
                let bytes = std::fs::read(&f).map_err(|e| err(format!("{}: {e}", f.display())))?;
                let index = counts.entry(task.clone()).or_default();
                out.push(Candidate {
                    task_id: task.clone(),
                    index: *index,
                    text: String::from_utf8(bytes).ok(),
                    origin: f.display().to_string(),
                });
                *index += 1;
            }
        }
        if out.is_empty() {
            return Err(err("no <task_id>/*.sv or *.v files in this folder".into()));
        }
    } else {
        #[derive(Deserialize)]
        struct Line {
            task_id: String,
            completion: String,
        }
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            let lineno = i + 1;
            let Ok(line) = std::str::from_utf8(raw) else {
                return Err(err(format!("line {lineno}: not valid UTF-8")));
            };
            if line.trim().is_empty() {
                continue;
            }
            let v: Line =
                serde_json::from_str(line).map_err(|e| err(format!("line {lineno}: {e}")))?;
            let index = counts.entry(v.task_id.clone()).or_default();
            out.push(Candidate {
                task_id: v.task_id,
                index: *index,
                text: Some(v.completion),
                origin: format!("{}:{lineno}", path.display()),
            });
            *index += 1;
        }
        if out.is_empty() {
            return Err(err("no samples (the file is empty)".into()));
        }
    }
    Ok(out)
}

/// The text judged for a sample: VerilogEval v1 completions follow the prompt's module header;
/// a code-completion body without its header (VerilogEval v2 code-complete) gets the interface.
pub fn candidate_text(p: &Problem, sample: &str) -> String {
    if let Some(prefix) = &p.candidate_prefix {
        return format!("{prefix}{sample}");
    }
    match &p.interface {
        Some(ifc) if !crate::hdl::declared_modules(sample).contains(&p.dut_module) => {
            format!("{}\n{sample}", ifc.trim_end())
        }
        _ => sample.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::Judging;
    use std::path::PathBuf;

    #[test]
    fn candidate_text_adds_the_header_only_when_missing() {
        let p = Problem {
            id: "Prob1".into(),
            description: String::new(),
            interface: Some("module TopModule (input a, output y);".into()),
            candidate_prefix: None,
            dut_module: "TopModule".into(),
            reference: String::new(),
            reference_module: "RefModule".into(),
            support: vec![],
            testbench: String::new(),
            testbench_first: false,
            tb_top: "tb".into(),
            data_dir: None,
            judging: Judging::Mismatches,
            origin: PathBuf::new(),
        };
        let body = "  assign y = a;\nendmodule\n";
        assert_eq!(
            candidate_text(&p, body),
            "module TopModule (input a, output y);\n  assign y = a;\nendmodule\n"
        );
        let full = "module TopModule (input a, output y); assign y = a; endmodule\n";
        assert_eq!(candidate_text(&p, full), full);
    }

    #[test]
    fn jsonl_and_folder_candidates_are_numbered_per_task() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("c.jsonl");
        std::fs::write(
            &f,
            "{\"task_id\":\"a\",\"completion\":\"x\"}\n\n{\"task_id\":\"a\",\"completion\":\"y\"}\n{\"task_id\":\"b\",\"completion\":\"z\"}\n",
        )
        .unwrap();
        let c = load_candidates(&f).unwrap();
        let got: Vec<(&str, usize)> = c.iter().map(|c| (c.task_id.as_str(), c.index)).collect();
        assert_eq!(got, [("a", 0), ("a", 1), ("b", 0)]);
        assert!(c[1].origin.ends_with("c.jsonl:3"));
        let dir = d.path().join("dir/t1");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("s0.sv"), "module m; endmodule").unwrap();
        std::fs::write(dir.join("s1.v"), [0xffu8, 0xfe]).unwrap();
        std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
        let c = load_candidates(&d.path().join("dir")).unwrap();
        assert_eq!(c.len(), 2);
        assert!(c[0].text.is_some() && c[1].text.is_none());
        let e = load_candidates(&d.path().join("missing.jsonl")).unwrap_err();
        assert!(e.to_string().contains("missing.jsonl: not found"), "{e}");
    }
}
