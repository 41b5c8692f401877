//! `rtlsmith ingest`: a spec document read into a typed, citable Spec, printed as a summary,
//! JSON or Markdown.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{AppError, ExitCode};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecFormat {
    Json,
    Md,
}

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// The spec document: .pdf, .md, .html/.htm, or anything else as plain text
    pub file: PathBuf,
    /// Print the Spec as JSON (format_version 1) or as compact Markdown with citations;
    /// without it, a short summary
    #[arg(long, value_enum)]
    pub format: Option<SpecFormat>,
    /// Write the chosen format to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(a: IngestArgs) -> Result<ExitCode, AppError> {
    use rtlsmith::spec;
    let s = spec::ingest(&a.file).map_err(|e| AppError {
        code: match e {
            spec::IngestError::ToolMissing { .. } => ExitCode::ToolMissing,
            _ => ExitCode::Usage,
        },
        hint: e.hint().to_string(),
        message: e.to_string(),
    })?;
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
    let text = match a.format {
        Some(SpecFormat::Json) => serde_json::to_string_pretty(&s).unwrap_or_default() + "\n",
        Some(SpecFormat::Md) => spec::to_markdown(&s),
        None => spec::summary(&s),
    };
    match &a.out {
        Some(p) => {
            super::write_output(p, text)?;
            println!("ingest: written to {}", p.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::Success)
}
