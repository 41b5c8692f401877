//! Verilator: `--lint-only -Wall` for lint; `--binary --timing` builds a C++ model with its
//! own `main`, which the driver then runs. Warnings are not fatal when simulating (they are
//! still reported as diagnostics). Verilator announces `$finish` itself (`- file:line:
//! Verilog $finish`), so it needs no out-of-events monitor.

use std::path::Path;

use super::{Design, Diagnostic, JobFiles, SimKind, Simulator, diagnostics};
use crate::process::CommandSpec;

pub struct Verilator;

fn common_args(design: &Design) -> Vec<String> {
    let mut a = Vec::new();
    for d in design.effective_include_dirs() {
        a.push(format!("-I{}", d.to_string_lossy()));
    }
    a.extend(design.define_flags());
    a.extend(design.extra_args.iter().cloned());
    a
}

const WAVE_TOP: &str = "rtlsmith_wave_top";

impl Simulator for Verilator {
    fn kind(&self) -> SimKind {
        SimKind::Verilator
    }

    fn required_programs(&self) -> &'static [&'static str] {
        &["verilator", "make", "g++"]
    }

    fn version_command(&self, cwd: &Path) -> CommandSpec {
        CommandSpec::new("verilator", cwd).arg("--version")
    }

    fn lint_command(&self, design: &Design, job: &Path) -> CommandSpec {
        let mut spec = CommandSpec::new("verilator", job)
            .args(["--lint-only", "-Wall", "--timing"])
            .args(common_args(design));
        if let Some(top) = &design.top {
            spec = spec.arg("--top-module").arg(top);
        }
        spec.args(design.sources.iter().map(|s| s.as_os_str().to_owned()))
    }

    fn uses_monitor(&self) -> bool {
        false
    }

    /// Verilator elaborates one top, so the wave helper wraps the testbench (its hierarchy
    /// then appears under `rtlsmith_wave_top.<top>` in the VCD) and passes the parameters on.
    fn wave_helper(
        &self,
        design: &Design,
        top: &str,
        _scopes: &[String],
        vcd: &Path,
    ) -> (String, String) {
        let params = if design.parameters.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = design
                .parameters
                .iter()
                .map(|(k, v)| format!(".{k}({v})"))
                .collect();
            format!(" #({})", list.join(", "))
        };
        let src = format!(
            "module {WAVE_TOP};\n  {top}{params} {top} ();\n  initial begin\n    $dumpfile(\"{}\");\n    $dumpvars(0, {WAVE_TOP});\n  end\nendmodule\n",
            vcd.display()
        );
        (src, WAVE_TOP.to_string())
    }

    fn build_command(
        &self,
        design: &Design,
        top: &str,
        job: &JobFiles,
        build_jobs: usize,
    ) -> CommandSpec {
        let elab_top = job.wave.as_ref().map_or(top, |(_, m)| m.as_str());
        let mut spec = CommandSpec::new("verilator", &job.dir)
            .args(["--binary", "--timing", "-Wno-fatal", "--quiet-exit"])
            .arg("-j")
            .arg(build_jobs.max(1).to_string())
            .arg("--Mdir")
            .arg(job.dir.join("obj"))
            .arg("-o")
            .arg("Vsim")
            .arg("--top-module")
            .arg(elab_top)
            .args(common_args(design));
        if let Some((path, _)) = &job.wave {
            spec = spec.arg("--trace").arg(path);
        } else {
            for (k, v) in &design.parameters {
                spec = spec.arg(format!("-G{k}={v}"));
            }
        }
        spec.args(design.sources.iter().map(|s| s.as_os_str().to_owned()))
            .env("CCACHE_DISABLE", "1")
    }

    fn run_command(&self, _design: &Design, _top: &str, job: &JobFiles) -> CommandSpec {
        CommandSpec::new(job.dir.join("obj").join("Vsim"), &job.dir)
    }

    fn parse_diagnostics(&self, text: &str) -> Vec<Diagnostic> {
        diagnostics::parse_verilator(text)
    }

    fn finished_by_finish(&self, output: &str, _job: &JobFiles) -> bool {
        output
            .lines()
            .any(|l| l.starts_with("- ") && l.trim_end().ends_with("Verilog $finish"))
    }
}
