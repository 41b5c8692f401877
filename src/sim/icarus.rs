//! Icarus Verilog: `iverilog -g2012` compiles to a vvp image, `vvp -n` runs it (`-n` turns
//! `$stop` into a finish instead of an interactive prompt).

use std::path::Path;

use super::{Design, Diagnostic, JobFiles, SimKind, Simulator, diagnostics};
use crate::process::CommandSpec;

pub struct Icarus;

fn common_args(design: &Design) -> Vec<String> {
    let mut a = vec!["-g2012".to_string()];
    for d in design.effective_include_dirs() {
        a.push("-I".into());
        a.push(d.to_string_lossy().into_owned());
    }
    a.extend(design.define_flags());
    a.extend(design.extra_args.iter().cloned());
    a
}

impl Simulator for Icarus {
    fn kind(&self) -> SimKind {
        SimKind::Icarus
    }

    fn required_programs(&self) -> &'static [&'static str] {
        &["iverilog", "vvp"]
    }

    fn version_command(&self, cwd: &Path) -> CommandSpec {
        CommandSpec::new("iverilog", cwd).arg("-V")
    }

    fn lint_command(&self, design: &Design, job: &Path) -> CommandSpec {
        let mut spec = CommandSpec::new("iverilog", job)
            .args(common_args(design))
            .args(["-Wall", "-t", "null"]);
        if let Some(top) = &design.top {
            spec = spec.arg("-s").arg(top);
        }
        spec.args(design.sources.iter().map(|s| s.as_os_str().to_owned()))
    }

    fn uses_monitor(&self) -> bool {
        true
    }

    fn wave_helper(
        &self,
        _design: &Design,
        top: &str,
        scopes: &[String],
        vcd: &Path,
    ) -> (String, String) {
        let module = "rtlsmith_wave".to_string();
        let dumps: String = if scopes.is_empty() {
            format!("    $dumpvars(0, {top});\n")
        } else {
            scopes
                .iter()
                .map(|s| format!("    $dumpvars(0, {top}.{s});\n"))
                .collect()
        };
        let src = format!(
            "module {module};\n  initial begin\n    $dumpfile(\"{}\");\n{dumps}  end\nendmodule\n",
            vcd.display()
        );
        (src, module)
    }

    fn build_command(
        &self,
        design: &Design,
        top: &str,
        job: &JobFiles,
        _build_jobs: usize,
    ) -> CommandSpec {
        let mut spec = CommandSpec::new("iverilog", &job.dir)
            .args(common_args(design))
            .arg("-o")
            .arg(job.dir.join("sim.vvp"))
            .arg("-s")
            .arg(top);
        for (k, v) in &design.parameters {
            spec = spec.arg(format!("-P{top}.{k}={v}"));
        }
        let mut extra = Vec::new();
        for (path, module) in job.monitor.iter().chain(job.wave.iter()) {
            spec = spec.arg("-s").arg(module);
            extra.push(path.as_os_str().to_owned());
        }
        spec.args(design.sources.iter().map(|s| s.as_os_str().to_owned()))
            .args(extra)
    }

    fn run_command(&self, _design: &Design, _top: &str, job: &JobFiles) -> CommandSpec {
        CommandSpec::new("vvp", &job.dir)
            .arg("-n")
            .arg(job.dir.join("sim.vvp"))
    }

    fn parse_diagnostics(&self, text: &str) -> Vec<Diagnostic> {
        diagnostics::parse_icarus(text)
    }

    fn finished_by_finish(&self, output: &str, job: &JobFiles) -> bool {
        !output.lines().any(|l| l.trim() == job.marker)
    }
}
