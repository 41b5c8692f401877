//! `rtlsmith report`: one self-contained HTML page for eval runs (side by side), regressions and
//! gen runs.

use std::path::PathBuf;

use clap::Args;

use super::{AppError, ExitCode};
use rtlsmith::report::{self, ReportError};

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Run directories (eval --out, gen --out) or regress's --json files; several eval runs are
    /// compared side by side
    #[arg(required = true, value_name = "RUN")]
    pub runs: Vec<PathBuf>,
    /// The HTML file to write
    #[arg(long, default_value = "report.html", value_name = "FILE")]
    pub out: PathBuf,
}

impl From<ReportError> for AppError {
    fn from(e: ReportError) -> Self {
        AppError::usage(e.to_string(), e.hint)
    }
}

pub fn run(a: ReportArgs) -> Result<ExitCode, AppError> {
    report::write(&a.runs, &a.out)?;
    println!("report written to {}", a.out.display());
    Ok(ExitCode::Success)
}

/// `--html FILE` on the commands that make runs: the page, or a warning (the run's own
/// result stands).
pub fn html_after(runs: &[PathBuf], out: &std::path::Path) {
    match report::write(runs, out) {
        Ok(()) => eprintln!("HTML report: {}", out.display()),
        Err(e) => eprintln!("warning: HTML report not written: {e}"),
    }
}
