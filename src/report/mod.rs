//! Machine-readable reports written to files: versioned JSON and JUnit XML. (Terminal output
//! belongs to the binary.)

use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::regress::RegressReport;
use crate::sim::Status;

#[derive(Debug, thiserror::Error)]
#[error("cannot write report {}: {message}", .path.display())]
pub struct ReportError {
    pub path: std::path::PathBuf,
    pub message: String,
}

fn write(path: &Path, text: &str) -> Result<(), ReportError> {
    let err = |e: std::io::Error| ReportError {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    if let Some(p) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(p).map_err(err)?;
    }
    // write then rename, so a reader never sees half a report
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, text).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
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
/// `<case>.<simulator>`, the first failing line as the message and the log as system-out.
pub fn junit(report: &RegressReport) -> String {
    let mut r = Report::new("rtlsmith-regress");
    let mut total = Duration::ZERO;
    for sim in report.simulators.keys() {
        let mut suite = TestSuite::new(sim.as_str());
        for case in &report.cases {
            for res in case.results.iter().filter(|r| r.simulator.name() == sim) {
                let status = match res.status {
                    Status::Pass => TestCaseStatus::success(),
                    s => {
                        let kind = if matches!(s, Status::Fail) {
                            NonSuccessKind::Failure
                        } else {
                            NonSuccessKind::Error
                        };
                        let mut st = TestCaseStatus::non_success(kind);
                        st.set_type(s.name());
                        st.set_message(res.reason.clone());
                        st.set_description(res.failing_lines.join("\n"));
                        st
                    }
                };
                let mut tc = TestCase::new(case.name.as_str(), status);
                tc.set_classname(format!("{}.{}", case.name, sim));
                let secs = Duration::from_secs_f64(res.seconds());
                total += secs;
                tc.set_time(secs);
                let mut log = String::new();
                for phase in res.compile.iter().chain(res.run.iter()) {
                    log.push_str(&format!(
                        "$ {}\n{}\n[{}]\n",
                        phase.command, phase.output, phase.exit
                    ));
                }
                tc.set_system_out_lossy(log.as_bytes());
                suite.add_test_case(tc);
            }
        }
        r.add_test_suite(suite);
    }
    r.set_time(total);
    r.to_string().unwrap_or_default()
}

pub fn write_junit(report: &RegressReport, path: &Path) -> Result<(), ReportError> {
    write(path, &junit(report))
}
