//! `rtlsmith lint`: both simulators' front ends over the sources, every diagnostic printed as
//! `file:line:col: severity: message [category]`.

use std::time::Duration;

use clap::Args;

use super::{AppError, ExitCode, SimChoice, SourceArgs};
use rtlsmith::sim;

#[derive(Args, Debug)]
pub struct LintArgs {
    #[command(flatten)]
    pub src: SourceArgs,
    /// Top module (default: every module no other instantiates)
    #[arg(long)]
    pub top: Option<String>,
    /// Which simulator's front end checks the sources
    #[arg(long, value_enum, default_value = "both")]
    pub sim: SimChoice,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    pub deny_warnings: bool,
    /// Seconds before the linter is killed
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
}

pub async fn run(a: LintArgs) -> Result<ExitCode, AppError> {
    let design = a.src.design(a.top.clone(), &[])?;
    let mut failed = false;
    for kind in a.sim.kinds() {
        let r = sim::lint(kind, &design, Duration::from_secs(a.timeout)).await?;
        for d in &r.diagnostics {
            println!("{}", d.one_line());
            for n in &d.notes {
                println!("    {n}");
            }
        }
        let verdict = if r.errors > 0 {
            "errors"
        } else if r.warnings > 0 {
            "warnings"
        } else {
            "clean"
        };
        println!(
            "{kind}: {verdict} ({} error(s), {} warning(s))",
            r.errors, r.warnings
        );
        if r.errors > 0 || (a.deny_warnings && r.warnings > 0) {
            failed = true;
        }
    }
    Ok(ExitCode::from_pass(!failed))
}
