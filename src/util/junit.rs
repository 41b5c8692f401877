//! The one JUnit XML writer (`regress` and `eval` both describe their results with it): test
//! suites of test cases, each passed, failed or in error, with a time and optional output.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase as QCase, TestCaseStatus, TestSuite as QSuite};

/// How a test case ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Passed,
    /// The design was judged and found wrong.
    Failed {
        kind: String,
        message: String,
        detail: String,
    },
    /// It could not be judged (compile error, timeout, crash).
    Error {
        kind: String,
        message: String,
        detail: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub name: String,
    pub classname: String,
    pub seconds: f64,
    pub outcome: Outcome,
    /// The log, as `system-out`.
    pub output: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Suite {
    pub name: String,
    pub cases: Vec<Case>,
}

/// The XML of a report named `name`.
pub fn to_xml(name: &str, suites: &[Suite]) -> String {
    let mut r = Report::new(name);
    let mut total = Duration::ZERO;
    for s in suites {
        let mut suite = QSuite::new(s.name.as_str());
        for c in &s.cases {
            let status = match &c.outcome {
                Outcome::Passed => TestCaseStatus::success(),
                Outcome::Failed {
                    kind,
                    message,
                    detail,
                }
                | Outcome::Error {
                    kind,
                    message,
                    detail,
                } => {
                    let k = if matches!(c.outcome, Outcome::Failed { .. }) {
                        NonSuccessKind::Failure
                    } else {
                        NonSuccessKind::Error
                    };
                    let mut st = TestCaseStatus::non_success(k);
                    st.set_type(kind.as_str());
                    st.set_message(message.as_str());
                    if !detail.is_empty() {
                        st.set_description(detail.as_str());
                    }
                    st
                }
            };
            let mut tc = QCase::new(c.name.as_str(), status);
            tc.set_classname(c.classname.as_str());
            let secs = Duration::from_secs_f64(c.seconds.max(0.0));
            total += secs;
            tc.set_time(secs);
            if let Some(out) = &c.output {
                tc.set_system_out_lossy(out.as_bytes());
            }
            suite.add_test_case(tc);
        }
        r.add_test_suite(suite);
    }
    r.set_time(total);
    r.to_string().unwrap_or_default()
}
