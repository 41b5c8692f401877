//! Lint findings for CI: SARIF 2.1.0 (GitHub code scanning, GitLab, Azure DevOps show it inline)
//! and GitHub Actions workflow annotation lines. One SARIF run per simulator; its rules are the
//! diagnostic categories that occurred (Verilator's warning codes such as `WIDTH`, Icarus's
//! `syntax`, `elaboration`, …), each result located by file, line and column.

use std::path::Path;

use serde_json::{Value, json};

use super::{Diagnostic, LintResult, Severity};

pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Note => "note",
        Severity::Warning => "warning",
        Severity::Error | Severity::Fatal => "error",
    }
}

fn rule_id(d: &Diagnostic) -> String {
    if d.category.is_empty() {
        "diagnostic".into()
    } else {
        d.category.clone()
    }
}

/// A file name as the repository knows it: relative to `base` when under it, with `/`.
fn uri(file: &str, base: &Path) -> String {
    let p = Path::new(file);
    let rel = if p.is_absolute() {
        p.strip_prefix(base).unwrap_or(p)
    } else {
        p
    };
    rel.to_string_lossy().replace('\\', "/")
}

/// The SARIF log of lint results (`version` is each simulator's version line).
pub fn sarif(results: &[(LintResult, String)], base: &Path) -> Value {
    let runs: Vec<Value> = results
        .iter()
        .map(|(r, version)| {
            let mut rules: Vec<String> = r.diagnostics.iter().map(rule_id).collect();
            rules.sort();
            rules.dedup();
            let rule_objs: Vec<Value> = rules
                .iter()
                .map(|id| {
                    let first = r
                        .diagnostics
                        .iter()
                        .find(|d| &rule_id(d) == id)
                        .expect("a rule comes from a diagnostic");
                    json!({
                        "id": id,
                        "name": id,
                        "shortDescription": { "text": format!("{} {id}", r.simulator.name()) },
                        "defaultConfiguration": { "level": level(first.severity) },
                    })
                })
                .collect();
            let results: Vec<Value> = r
                .diagnostics
                .iter()
                .map(|d| {
                    let id = rule_id(d);
                    let mut text = d.message.clone();
                    for n in &d.notes {
                        text.push('\n');
                        text.push_str(n);
                    }
                    let mut res = json!({
                        "ruleId": id,
                        "ruleIndex": rules.iter().position(|x| *x == id).unwrap_or(0),
                        "level": level(d.severity),
                        "message": { "text": text },
                    });
                    if let Some(f) = &d.file {
                        let mut region = serde_json::Map::new();
                        if let Some(l) = d.line {
                            region.insert("startLine".into(), json!(l.max(1)));
                            if let Some(c) = d.column {
                                region.insert("startColumn".into(), json!(c.max(1)));
                            }
                        }
                        let mut loc = json!({ "artifactLocation": { "uri": uri(f, base) } });
                        if !region.is_empty() {
                            loc["region"] = Value::Object(region);
                        }
                        res["locations"] = json!([{ "physicalLocation": loc }]);
                    }
                    res
                })
                .collect();
            json!({
                "tool": { "driver": {
                    "name": format!("rtlsmith lint ({})", r.simulator.name()),
                    "informationUri": "https://github.com/rtlsmith/rtlsmith",
                    "version": env!("CARGO_PKG_VERSION"),
                    "properties": { "simulator": version },
                    "rules": rule_objs,
                }},
                "results": results,
            })
        })
        .collect();
    json!({ "$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs })
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands, one per diagnostic:
/// `::error file=F,line=L,col=C,title=verilator WIDTH::message`.
pub fn github(r: &LintResult, base: &Path) -> Vec<String> {
    r.diagnostics
        .iter()
        .map(|d| {
            let cmd = match d.severity {
                Severity::Note => "notice",
                Severity::Warning => "warning",
                Severity::Error | Severity::Fatal => "error",
            };
            let mut props = Vec::new();
            if let Some(f) = &d.file {
                props.push(format!("file={}", escape_property(&uri(f, base))));
                if let Some(l) = d.line {
                    props.push(format!("line={l}"));
                    if let Some(c) = d.column {
                        props.push(format!("col={c}"));
                    }
                }
            }
            props.push(format!(
                "title={}",
                escape_property(&format!("{} {}", r.simulator.name(), rule_id(d)))
            ));
            let mut text = d.message.clone();
            for n in &d.notes {
                text.push('\n');
                text.push_str(n);
            }
            format!("::{cmd} {}::{}", props.join(","), escape_data(&text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{PhaseLog, SimKind};

    fn result() -> LintResult {
        LintResult {
            simulator: SimKind::Verilator,
            clean: false,
            errors: 1,
            warnings: 1,
            diagnostics: vec![
                Diagnostic {
                    severity: Severity::Warning,
                    category: "WIDTH".into(),
                    file: Some("/repo/rtl/a.v".into()),
                    line: Some(3),
                    column: Some(9),
                    message: "Operator ASSIGNW expects 4 bits, got 8".into(),
                    notes: vec![],
                },
                Diagnostic {
                    severity: Severity::Error,
                    category: "syntax".into(),
                    file: Some("rtl/b.v".into()),
                    line: Some(7),
                    column: None,
                    message: "syntax error, unexpected ';', 100%".into(),
                    notes: vec!["here".into()],
                },
            ],
            log: PhaseLog {
                command: String::new(),
                exit: "1".into(),
                outcome: crate::process::Exit::Code(1),
                seconds: 0.0,
                output: String::new(),
                elided_bytes: 0,
            },
        }
    }

    #[test]
    fn sarif_runs_rules_and_locations() {
        let v = sarif(&[(result(), "Verilator 5.006".into())], Path::new("/repo"));
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 2);
        let r0 = &run["results"][0];
        assert_eq!(r0["ruleId"], "WIDTH");
        assert_eq!(
            run["tool"]["driver"]["rules"][r0["ruleIndex"].as_u64().unwrap() as usize]["id"],
            "WIDTH"
        );
        assert_eq!(r0["level"], "warning");
        let loc = &r0["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "rtl/a.v");
        assert_eq!(loc["region"]["startLine"], 3);
        assert_eq!(loc["region"]["startColumn"], 9);
        assert_eq!(
            run["results"][1]["message"]["text"],
            "syntax error, unexpected ';', 100%\nhere"
        );
    }

    #[test]
    fn github_annotations_escape_what_the_format_needs() {
        let l = github(&result(), Path::new("/repo"));
        assert_eq!(
            l[0],
            "::warning file=rtl/a.v,line=3,col=9,title=verilator WIDTH::Operator ASSIGNW expects 4 bits, got 8"
        );
        assert_eq!(
            l[1],
            "::error file=rtl/b.v,line=7,title=verilator syntax::syntax error, unexpected ';', 100%25%0Ahere"
        );
    }
}
