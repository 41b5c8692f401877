//! Lint: the simulators' front ends over the sources (parse and elaborate, no simulation), every
//! message parsed into a [`Diagnostic`]; a non-zero exit with nothing parsed still counts as an
//! error, so no failure is lost.

use std::time::Duration;

use serde::Serialize;

use super::verdict::first_nonempty;
use super::{
    Design, Diagnostic, PhaseLog, Severity, SimError, SimKind, SimOptions, check_available,
    check_inputs, job_dir,
};
use crate::process::{self, Exit, Limits};

/// Outcome of linting one set of files with one tool.
#[derive(Debug, Clone, Serialize)]
pub struct LintResult {
    pub simulator: SimKind,
    pub clean: bool,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub log: PhaseLog,
}

/// Lint (parse and elaborate, no simulation).
pub async fn lint(
    kind: SimKind,
    design: &Design,
    timeout: Duration,
) -> Result<LintResult, SimError> {
    check_available(kind)?;
    check_inputs(design)?;
    let dir = job_dir(&SimOptions::default())?;
    let backend = kind.backend();
    let spec = backend
        .lint_command(design, dir.path())
        .cpu_timeout(timeout)
        .limits(Limits::for_compile())
        .env("TMPDIR", dir.path())
        .sandbox_writes(vec![dir.path().to_path_buf()]);
    let out = process::run(&spec).await?;
    let text = out.combined();
    let mut diagnostics = backend.parse_diagnostics(&text);
    if out.exit == Exit::TimedOut {
        diagnostics.push(Diagnostic {
            severity: Severity::Error,
            category: "timeout".into(),
            file: None,
            line: None,
            column: None,
            message: format!("lint timed out after {}s", timeout.as_secs()),
            notes: vec![],
        });
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Error)
        .count();
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    // A non-zero exit with nothing parsed still counts as an error (we never lose a failure).
    let errors = if errors == 0 && !out.exit.success() && warnings == 0 {
        diagnostics.push(Diagnostic {
            severity: Severity::Error,
            category: "tool".into(),
            file: None,
            line: None,
            column: None,
            message: format!("{} ({})", first_nonempty(&text), out.exit),
            notes: vec![],
        });
        1
    } else {
        errors
    };
    Ok(LintResult {
        simulator: kind,
        clean: errors == 0,
        errors,
        warnings,
        diagnostics,
        log: PhaseLog::from_output(&out),
    })
}
