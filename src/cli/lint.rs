//! `rtlsmith lint`: both simulators' front ends over the sources, every diagnostic printed as
//! `file:line:col: severity: message [category]`, or as SARIF 2.1.0 / GitHub annotations for CI.

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
    /// Output: text (file:line:col: severity: message), sarif (SARIF 2.1.0 for code scanning)
    /// or github (workflow annotation lines)
    #[arg(long, value_enum, default_value = "text")]
    pub format: LintFormat,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
pub enum LintFormat {
    Text,
    Sarif,
    Github,
}

pub async fn run(a: LintArgs) -> Result<ExitCode, AppError> {
    let design = a.src.design(a.top.clone(), &[])?;
    let mut failed = false;
    let base = std::env::current_dir().unwrap_or_default();
    let mut all = Vec::new();
    for kind in a.sim.kinds() {
        let r = sim::lint(kind, &design, Duration::from_secs(a.timeout)).await?;
        if r.errors > 0 || (a.deny_warnings && r.warnings > 0) {
            failed = true;
        }
        match a.format {
            LintFormat::Sarif => {
                let version = sim::version(kind).await.unwrap_or_default();
                all.push((r, version));
                continue;
            }
            LintFormat::Github => {
                for l in sim::sarif::github(&r, &base) {
                    println!("{l}");
                }
                continue;
            }
            LintFormat::Text => {}
        }
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
    }
    if a.format == LintFormat::Sarif {
        println!(
            "{}",
            serde_json::to_string_pretty(&sim::sarif::sarif(&all, &base)).unwrap_or_default()
        );
    }
    Ok(ExitCode::from_pass(!failed))
}
