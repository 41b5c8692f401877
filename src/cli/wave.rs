//! `rtlsmith wave`: a window of a VCD file as a table or an SVG picture.

use std::path::PathBuf;

use clap::Args;

use super::{AppError, ExitCode};
use rtlsmith::trace::svg::{self, WindowRequest};

#[derive(Args, Debug)]
pub struct WaveArgs {
    /// The VCD file
    pub vcd: PathBuf,
    /// Signals to show, comma-separated: full names (tb.dut.q) or the last part (q)
    #[arg(long, value_delimiter = ',', required = true)]
    pub signals: Vec<String>,
    /// SIGNAL=OTHER: OTHER holds SIGNAL's expected values; samples that differ are marked
    #[arg(long, value_name = "SIGNAL=OTHER")]
    pub expect: Vec<String>,
    /// First time to show (in the VCD's time units; default: the start)
    #[arg(long, value_name = "T")]
    pub from: Option<u64>,
    /// Last time to show (default: the end)
    #[arg(long, value_name = "T")]
    pub to: Option<u64>,
    /// Write the picture here (SVG); without it the window is printed as a table
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

pub fn run(a: WaveArgs) -> Result<ExitCode, AppError> {
    if !a.vcd.is_file() {
        return Err(AppError::usage(
            format!("VCD file not found: {}", a.vcd.display()),
            "write one with `rtlsmith sim … --wave FILE` or $dumpfile/$dumpvars in the testbench",
        ));
    }
    let mut expected = Vec::new();
    for e in &a.expect {
        let Some((s, o)) = e.split_once('=') else {
            return Err(AppError::usage(
                format!("--expect {e}: expected SIGNAL=OTHER"),
                "name the shown signal and the one holding its expected values, e.g. q=tb.ref.q",
            ));
        };
        if !a.signals.iter().any(|x| x == s) {
            return Err(AppError::usage(
                format!("--expect {e}: {s} is not one of --signals"),
                "list the signal in --signals too",
            ));
        }
        expected.push((s.to_string(), o.to_string()));
    }
    let req = WindowRequest {
        signals: &a.signals,
        expected: &expected,
        from: a.from,
        to: a.to,
    };
    let (table, notes) = svg::window(&a.vcd, &req).map_err(|m| {
        AppError::usage(
            m,
            "check the file and the signal names (full hierarchical names or their last part)",
        )
    })?;
    for n in &notes {
        eprintln!("note: {n}");
    }
    let mismatches: usize = table.signals.iter().map(|r| svg::mismatches(r).len()).sum();
    match &a.svg {
        Some(out) => {
            let title = format!(
                "{} ({} to {})",
                a.vcd.display(),
                table.times[0],
                table.times[table.times.len() - 1]
            );
            let mark = (mismatches > 0).then_some(table.first);
            super::write_output(out, svg::render(&table, mark, &title))?;
            println!(
                "{}: {} signal(s), {} time step(s), {} mismatching sample(s)",
                out.display(),
                table.signals.len(),
                table.times.len(),
                mismatches
            );
        }
        None => print!("{}", svg::text(&table)),
    }
    Ok(ExitCode::Success)
}
