//! RTLLM: v2.0 nests designs as `Category/Subcategory/design/`, v1.1 keeps flat `design/`
//! folders. A design folder holds `design_description.txt`, `testbench.v` and the reference
//! (`verified_<x>.v` or `<x>.v`, whose module may be named `verified_<x>`). Folder names may
//! contain spaces; testbenches may read data files from their folder.

use std::path::{Path, PathBuf};

use super::{Judging, Problem, Suite, SuiteError, SuiteKind, read_text};

fn design_dirs(root: &Path, depth: usize, out: &mut Vec<(PathBuf, usize)>) {
    let Ok(rd) = std::fs::read_dir(root) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().filter(|e| e.path().is_dir()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p.join("testbench.v").is_file() || p.join("design_description.txt").is_file() {
            out.push((p, depth));
        } else if depth < 3 {
            design_dirs(&p, depth + 1, out);
        }
    }
}

pub fn load(path: &Path) -> Result<Suite, SuiteError> {
    let malformed = |p: &Path, message: String| SuiteError::Malformed {
        path: p.to_path_buf(),
        message,
    };
    if !path.is_dir() {
        return Err(malformed(path, "expected the RTLLM root folder".into()));
    }
    let mut dirs = Vec::new();
    design_dirs(path, 0, &mut dirs);
    if dirs.is_empty() {
        return Err(malformed(
            path,
            "no design folders (with testbench.v) found".into(),
        ));
    }
    let nested = dirs.iter().any(|(_, d)| *d >= 2);
    let mut problems = Vec::new();
    for (dir, _) in dirs {
        let id = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let tb_path = dir.join("testbench.v");
        let desc_path = dir.join("design_description.txt");
        for p in [&tb_path, &desc_path] {
            if !p.is_file() {
                return Err(malformed(
                    &dir,
                    format!(
                        "design `{id}` lacks {}",
                        p.file_name().unwrap_or_default().to_string_lossy()
                    ),
                ));
            }
        }
        let testbench = read_text(&tb_path)?;
        let tb_modules = crate::hdl::declared_modules(&testbench);
        // the design under test: what the testbench instantiates but does not declare
        let dut_module = crate::hdl::instantiations(&testbench)
            .into_iter()
            .map(|(m, _)| m)
            .find(|m| !tb_modules.contains(m))
            .ok_or_else(|| malformed(&tb_path, "instantiates no design module".into()))?;
        let mut candidates: Vec<PathBuf> = vec![
            dir.join(format!("verified_{id}.v")),
            dir.join(format!("verified_{dut_module}.v")),
        ];
        if let Ok(rd) = std::fs::read_dir(&dir) {
            let mut others: Vec<PathBuf> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name().is_some_and(|n| {
                        n.to_string_lossy().starts_with("verified_")
                            && n.to_string_lossy().ends_with(".v")
                    })
                })
                .collect();
            others.sort();
            candidates.extend(others);
        }
        let reference_path = candidates
            .into_iter()
            .find(|p| p.is_file())
            .ok_or_else(|| {
                malformed(&dir, format!("design `{id}` has no verified_*.v reference"))
            })?;
        let reference = read_text(&reference_path)?;
        let modules = crate::hdl::declared_modules(&reference);
        let inner: Vec<String> = crate::hdl::instantiations(&reference)
            .into_iter()
            .map(|(m, _)| m)
            .collect();
        let reference_module = modules
            .iter()
            .find(|m| **m == dut_module || **m == format!("verified_{dut_module}"))
            .or_else(|| modules.iter().find(|m| !inner.contains(m)))
            .or(modules.first())
            .cloned()
            .ok_or_else(|| malformed(&reference_path, "declares no module".into()))?;
        let tb_top = tb_modules
            .iter()
            .find(|m| !instantiated(&testbench, m))
            .or(tb_modules.first())
            .cloned()
            .ok_or_else(|| malformed(&tb_path, "declares no module".into()))?;
        problems.push(Problem {
            id,
            description: read_text(&desc_path)?,
            interface: None,
            candidate_prefix: None,
            dut_module,
            reference,
            reference_module,
            support: Vec::new(),
            testbench,
            testbench_first: false,
            tb_top,
            data_dir: Some(dir.clone()),
            judging: Judging::Banner,
            origin: dir,
        });
    }
    Ok(Suite {
        kind: SuiteKind::Rtllm,
        variant: if nested { "v2.0" } else { "v1.1" }.into(),
        root: path.to_path_buf(),
        problems,
    })
}

/// Whether module `m` is instantiated somewhere in `src` (`m inst (` or `m #(…) inst (`).
fn instantiated(src: &str, m: &str) -> bool {
    let re = regex::Regex::new(&format!(
        r"(?m)^\s*{}\s*(#\s*\(|[A-Za-z_][A-Za-z0-9_]*\s*\()",
        regex::escape(m)
    ))
    .unwrap();
    re.is_match(&crate::hdl::strip_comments(src))
}
