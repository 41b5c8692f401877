//! A regression's files: versioned JSON and JUnit XML (terminal output belongs to the binary).

use std::path::Path;

use super::RegressReport;
use crate::sim::Status;
use crate::util::junit::{self, Outcome};

#[derive(Debug, thiserror::Error)]
#[error("cannot write report {}: {message}", .path.display())]
pub struct ReportError {
    pub path: std::path::PathBuf,
    pub message: String,
}

fn write(path: &Path, text: &str) -> Result<(), ReportError> {
    crate::util::write_atomic(path, text).map_err(|e| ReportError {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// The regression report as JSON (`format_version` 1).
pub fn write_json(report: &RegressReport, path: &Path) -> Result<(), ReportError> {
    let text = serde_json::to_string_pretty(report).map_err(|e| ReportError {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    write(path, &text)
}

/// JUnit XML: one testsuite per simulator; a testcase per case with classname
/// `<case>.<simulator>`, the reason as the message, the failing lines as the description and
/// the log as system-out.
pub fn junit(report: &RegressReport) -> String {
    let mut suites = Vec::new();
    for sim in report.simulators.keys() {
        let mut suite = junit::Suite {
            name: sim.clone(),
            cases: Vec::new(),
        };
        for case in &report.cases {
            for res in case.results.iter().filter(|r| r.simulator.name() == sim) {
                let (kind, message, detail) = (
                    res.status.name().to_string(),
                    res.reason.clone(),
                    res.failing_lines.join("\n"),
                );
                let outcome = match res.status {
                    Status::Pass => Outcome::Passed,
                    Status::Fail => Outcome::Failed {
                        kind,
                        message,
                        detail,
                    },
                    _ => Outcome::Error {
                        kind,
                        message,
                        detail,
                    },
                };
                let mut log = String::new();
                for phase in res.compile.iter().chain(res.run.iter()) {
                    log.push_str(&format!(
                        "$ {}\n{}\n[{}]\n",
                        phase.command, phase.output, phase.exit
                    ));
                }
                suite.cases.push(junit::Case {
                    name: case.name.clone(),
                    classname: format!("{}.{}", case.name, sim),
                    seconds: res.seconds(),
                    outcome,
                    output: Some(log),
                });
            }
        }
        suites.push(suite);
    }
    junit::to_xml("rtlsmith-regress", &suites)
}

pub fn write_junit(report: &RegressReport, path: &Path) -> Result<(), ReportError> {
    write(path, &junit(report))
}
