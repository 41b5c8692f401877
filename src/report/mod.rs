//! `rtlsmith report`: one self-contained HTML page (inline CSS, script and SVG; nothing is
//! fetched) for the runs rtlsmith writes — eval run directories (several side by side), a
//! regression's JSON report, a `gen` run directory — with waveforms drawn from the traces the
//! runs kept.
//!
//! The top layer of the library: it reads what `eval`, `regress`, `spec2rtl` and `trace` wrote,
//! and nothing below imports it.

pub mod eval;
pub mod gen_run;
pub mod html;
pub mod regress;

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", .path.display())]
pub struct ReportError {
    pub path: PathBuf,
    pub message: String,
    pub hint: &'static str,
}

pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReportError {
        path: path.to_path_buf(),
        message: e.to_string(),
        hint: "pass a run directory rtlsmith wrote (eval --out, gen --out) or regress's --json file",
    })?;
    serde_json::from_str(&text).map_err(|e| ReportError {
        path: path.to_path_buf(),
        message: format!("not a report rtlsmith can read: {e}"),
        hint: "the file may be from another tool or cut short; rerun the command that writes it",
    })
}

/// What a path holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Run {
    /// An eval run directory (`summary.json`).
    Eval(PathBuf),
    /// A `gen` run directory (`report.json` with a plan).
    Gen(PathBuf),
    /// A regression's JSON report (the file, or `regress.json` in a folder).
    Regress(PathBuf),
}

/// Tell an eval run, a gen run and a regression report apart.
pub fn detect(path: &Path) -> Result<Run, ReportError> {
    let bad = |m: &str| ReportError {
        path: path.to_path_buf(),
        message: m.to_string(),
        hint: "pass an eval run directory (with summary.json), a gen run directory (with report.json) or the JSON file of `rtlsmith regress --json`",
    };
    if path.is_dir() {
        if path.join("summary.json").is_file() {
            return Ok(Run::Eval(path.to_path_buf()));
        }
        if path.join("report.json").is_file() && path.join("plan.json").is_file() {
            return Ok(Run::Gen(path.to_path_buf()));
        }
        if path.join("report.json").is_file() {
            let v: Value = read_json(&path.join("report.json"))?;
            if v.get("stages").is_some() {
                return Ok(Run::Gen(path.to_path_buf()));
            }
        }
        if path.join("regress.json").is_file() {
            return Ok(Run::Regress(path.join("regress.json")));
        }
        if path.join("results.jsonl").is_file() {
            return Err(bad(
                "an eval run without summary.json (it was stopped before the end): rerun the same eval command to resume it",
            ));
        }
        return Err(bad("no rtlsmith run here"));
    }
    if path.is_file() {
        let v: Value = read_json(path)?;
        if v.get("cases").is_some() && v.get("simulators").is_some() {
            return Ok(Run::Regress(path.to_path_buf()));
        }
        if v.get("pass_at").is_some()
            && let Some(d) = path.parent()
        {
            return Ok(Run::Eval(d.to_path_buf()));
        }
        return Err(bad("a JSON file that is not a regression report"));
    }
    Err(bad("no such file or directory"))
}

/// The HTML page for `paths`: eval runs side by side, then regressions, then gen runs.
pub fn render(paths: &[PathBuf]) -> Result<String, ReportError> {
    let mut evals = Vec::new();
    let mut others = Vec::new();
    for p in paths {
        match detect(p)? {
            Run::Eval(d) => evals.push(eval::EvalRun::read(&d)?),
            other => others.push(other),
        }
    }
    // runs whose folders share a name are told apart by their parent folders
    let names: Vec<String> = evals.iter().map(|r| r.label.clone()).collect();
    for r in evals.iter_mut() {
        if names.iter().filter(|n| **n == r.label).count() > 1 {
            let abs = crate::process::absolute(&r.dir);
            let parts: Vec<String> = abs
                .components()
                .rev()
                .take(2)
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            r.label = parts.into_iter().rev().collect::<Vec<_>>().join("/");
        }
    }
    let mut body = String::new();
    let mut titles = Vec::new();
    if !evals.is_empty() {
        titles.push(if evals.len() > 1 {
            format!("eval: {} runs compared", evals.len())
        } else {
            format!("eval: {}", evals[0].label)
        });
        body.push_str(&eval::section(&evals));
    }
    // more than one section: each gets a heading naming its run
    let headed = others.len() + usize::from(!evals.is_empty()) > 1;
    for o in &others {
        match o {
            Run::Regress(f) => {
                let v: Value = read_json(f)?;
                titles.push(format!("regress: {}", f.display()));
                if headed {
                    body.push_str(&format!(
                        "<h2>Regression {}</h2>",
                        html::esc(&f.display().to_string())
                    ));
                }
                body.push_str(&regress::section(&v));
            }
            Run::Gen(d) => {
                let v: Value = read_json(&d.join("report.json"))?;
                titles.push(format!("gen: {}", v["top"].as_str().unwrap_or("?")));
                if headed {
                    body.push_str(&format!(
                        "<h2>gen run {}</h2>",
                        html::esc(&d.display().to_string())
                    ));
                }
                body.push_str(&gen_run::section(d, &v));
            }
            Run::Eval(_) => {}
        }
    }
    Ok(html::page(
        &format!("rtlsmith report — {}", titles.join("; ")),
        &paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join("  ·  "),
        &body,
    ))
}

/// The page for a regression held in memory (`regress --html`).
pub fn render_regress(report: &Value, label: &str) -> String {
    html::page(
        &format!("rtlsmith report — regress: {label}"),
        label,
        &regress::section(report),
    )
}

/// Render `paths` and write the page to `out`.
pub fn write(paths: &[PathBuf], out: &Path) -> Result<(), ReportError> {
    let page = render(paths)?;
    crate::util::write_atomic(out, page).map_err(|e| ReportError {
        path: out.to_path_buf(),
        message: format!("cannot write: {e}"),
        hint: "check the folder exists and is writable",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_runs_apart() {
        let d = tempfile::tempdir().unwrap();
        let eval = d.path().join("eval");
        std::fs::create_dir(&eval).unwrap();
        std::fs::write(eval.join("summary.json"), "{}").unwrap();
        assert_eq!(detect(&eval).unwrap(), Run::Eval(eval.clone()));
        let gen_dir = d.path().join("gen");
        std::fs::create_dir(&gen_dir).unwrap();
        std::fs::write(gen_dir.join("report.json"), r#"{"stages": []}"#).unwrap();
        assert_eq!(detect(&gen_dir).unwrap(), Run::Gen(gen_dir.clone()));
        let reg = d.path().join("r.json");
        std::fs::write(&reg, r#"{"cases": [], "simulators": {}}"#).unwrap();
        assert_eq!(detect(&reg).unwrap(), Run::Regress(reg.clone()));
        let half = d.path().join("half");
        std::fs::create_dir(&half).unwrap();
        std::fs::write(half.join("results.jsonl"), "").unwrap();
        let e = detect(&half).unwrap_err();
        assert!(e.message.contains("rerun the same eval command"), "{e}");
        let other = d.path().join("o.json");
        std::fs::write(&other, "[1, 2]").unwrap();
        assert!(detect(&other).is_err());
        assert!(detect(&d.path().join("missing")).is_err());
    }

    #[test]
    fn clips_long_text_at_a_character_boundary() {
        let t = "é".repeat(10);
        let c = html::clip(&t, 5);
        assert!(c.starts_with("éé") && c.contains("more bytes"), "{c}");
        assert_eq!(html::clip("short", 10), "short");
    }
}
