//! VerilogEval v2 (`ProbNNN_name_{prompt.txt,ref.sv,test.sv[,ifc.txt]}` in one folder) and v1
//! (JSONL lines `{task_id, prompt, canonical_solution, test}`, optional descriptions JSONL).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Judging, Problem, Suite, SuiteError, SuiteKind, read_text};

pub fn load_v2(path: &Path) -> Result<Suite, SuiteError> {
    let malformed = |message: String| SuiteError::Malformed {
        path: path.to_path_buf(),
        message,
    };
    if !path.is_dir() {
        return Err(malformed(
            "expected a dataset folder (dataset_spec-to-rtl or dataset_code-complete-iccad2023)"
                .into(),
        ));
    }
    let entries = std::fs::read_dir(path).map_err(|source| SuiteError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // group files by problem id: ProbNNN_name_<kind>.<ext>
    let mut groups: BTreeMap<String, HashMap<&'static str, PathBuf>> = BTreeMap::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with("Prob") {
            continue;
        }
        for (suffix, kind) in [
            ("_prompt.txt", "prompt"),
            ("_ref.sv", "ref"),
            ("_test.sv", "test"),
            ("_ifc.txt", "ifc"),
        ] {
            if let Some(id) = name.strip_suffix(suffix) {
                groups
                    .entry(id.to_string())
                    .or_default()
                    .insert(kind, e.path());
            }
        }
    }
    if groups.is_empty() {
        let sub: Vec<String> = std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("dataset_"))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let more = if sub.is_empty() {
            String::new()
        } else {
            format!("; choose one of its datasets: {}", sub.join(", "))
        };
        return Err(malformed(format!(
            "no ProbNNN_*_prompt.txt files here{more}"
        )));
    }
    let variant = if path.to_string_lossy().contains("code-complete")
        || groups.values().any(|g| g.contains_key("ifc"))
    {
        "code-complete-iccad2023"
    } else {
        "spec-to-rtl"
    };
    let mut problems = Vec::new();
    for (id, files) in groups {
        let get = |k: &str| {
            files.get(k).ok_or_else(|| {
                malformed(format!(
                    "problem {id} has no {id}_{k}{} file",
                    if k == "prompt" || k == "ifc" {
                        ".txt"
                    } else {
                        ".sv"
                    }
                ))
            })
        };
        let prompt = read_text(get("prompt")?)?;
        let reference = read_text(get("ref")?)?;
        let testbench = read_text(get("test")?)?;
        let interface = match files.get("ifc") {
            Some(p) => Some(read_text(p)?),
            None => None,
        };
        let reference_module = crate::hdl::declared_modules(&reference)
            .into_iter()
            .next()
            .ok_or_else(|| malformed(format!("{id}_ref.sv declares no module")))?;
        problems.push(Problem {
            id: id.clone(),
            description: prompt,
            interface,
            candidate_prefix: None,
            dut_module: "TopModule".into(),
            support: vec![(format!("{id}_ref.sv"), reference.clone())],
            reference,
            reference_module,
            testbench,
            testbench_first: false,
            tb_top: "tb".into(),
            data_dir: None,
            judging: Judging::Mismatches,
            origin: files.get("test").cloned().unwrap_or_default(),
        });
    }
    Ok(Suite {
        kind: SuiteKind::VerilogEvalV2,
        variant: variant.into(),
        root: path.to_path_buf(),
        problems,
    })
}

#[derive(Deserialize)]
struct V1Line {
    task_id: String,
    prompt: String,
    canonical_solution: String,
    test: String,
}

#[derive(Deserialize)]
struct V1Description {
    task_id: String,
    detail_description: String,
}

/// Each line of a JSONL file, parsed, with its 1-based line number; errors name the line.
pub(crate) fn jsonl<T: for<'de> Deserialize<'de>>(
    path: &Path,
) -> Result<Vec<(usize, T)>, SuiteError> {
    let text = read_text(path)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v = serde_json::from_str(line).map_err(|e| SuiteError::Malformed {
            path: path.to_path_buf(),
            message: format!("line {}: {e}", i + 1),
        })?;
        out.push((i + 1, v));
    }
    Ok(out)
}

fn find_descriptions(data: &Path) -> Option<PathBuf> {
    let dir = data.parent()?;
    let stem = data.file_stem()?.to_string_lossy().to_lowercase();
    let variant = if stem.contains("machine") {
        "machine"
    } else {
        "human"
    };
    for d in [dir.to_path_buf(), dir.join("descriptions")] {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().to_lowercase();
            if n.ends_with(".jsonl")
                && n.contains("description")
                && (n.contains(variant) || !(n.contains("human") || n.contains("machine")))
            {
                return Some(e.path());
            }
        }
    }
    None
}

pub fn load_v1(path: &Path) -> Result<Suite, SuiteError> {
    if path.is_dir() {
        return Err(SuiteError::Malformed {
            path: path.to_path_buf(),
            message: "expected a JSONL file such as VerilogEval_Human.jsonl".into(),
        });
    }
    let descriptions: HashMap<String, String> = match find_descriptions(path) {
        Some(d) => jsonl::<V1Description>(&d)?
            .into_iter()
            .map(|(_, d)| (d.task_id, d.detail_description))
            .collect(),
        None => HashMap::new(),
    };
    let mut seen = HashMap::new();
    let mut problems = Vec::new();
    for (line, v) in jsonl::<V1Line>(path)? {
        if let Some(prev) = seen.insert(v.task_id.clone(), line) {
            return Err(SuiteError::Malformed {
                path: path.to_path_buf(),
                message: format!(
                    "line {line}: task_id `{}` already defined on line {prev}",
                    v.task_id
                ),
            });
        }
        let dut = crate::hdl::declared_modules(&v.prompt)
            .into_iter()
            .next()
            .unwrap_or_else(|| "top_module".into());
        let description = match descriptions.get(&v.task_id) {
            Some(d) => format!("{d}\n\n{}", v.prompt),
            None => v.prompt.clone(),
        };
        problems.push(Problem {
            id: v.task_id.clone(),
            description,
            interface: Some(v.prompt.clone()),
            candidate_prefix: Some(v.prompt.clone()),
            reference: format!("{}{}", v.prompt, v.canonical_solution),
            reference_module: dut.clone(),
            dut_module: dut,
            support: Vec::new(),
            testbench: v.test,
            testbench_first: true,
            tb_top: "tb".into(),
            data_dir: None,
            judging: Judging::Mismatches,
            origin: path.to_path_buf(),
        });
    }
    let variant = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .map(|s| {
            if s.contains("machine") {
                "machine"
            } else if s.contains("human") {
                "human"
            } else {
                "custom"
            }
        })
        .unwrap_or("custom");
    Ok(Suite {
        kind: SuiteKind::VerilogEvalV1,
        variant: variant.into(),
        root: path.to_path_buf(),
        problems,
    })
}
