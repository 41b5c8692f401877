//! The RTL level's checks before simulation — ports against the record or the spec's interface
//! (names, directions, widths; every mismatch named), both simulators' lint, Yosys `synth`
//! (cells, latches) — and the spec-vector testbench, run on both simulators with a verdict line
//! the RTL cannot print (a nonce made after it was written).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;
use serde::Serialize;

use super::plan::{Interface, TestCase, value};
use crate::hdl;
use crate::process::{self, CommandSpec, Limits};
use crate::sim::{self, Design, Severity, SimKind, SimOptions, Status};

/// An expected port: (name, input, width).
pub type Expected = (String, bool, u32);

/// Compare the ports of `module` in `files` with `want`; every difference named.
/// `source` names what the expected ports come from (`the spec`, `the record`).
pub fn check_ports(
    files: &[PathBuf],
    module: &str,
    want: &[Expected],
    source: &str,
) -> Vec<String> {
    let mut modules = Vec::new();
    for f in files {
        match std::fs::read_to_string(f)
            .map_err(|e| e.to_string())
            .and_then(|t| hdl::parse_modules(&t, f).map_err(|e| e.to_string()))
        {
            Ok(m) => modules.extend(m),
            Err(e) => return vec![format!("cannot read the ports: {e}")],
        }
    }
    let Some(m) = modules.iter().find(|m| m.name == module) else {
        let names: Vec<&str> = modules.iter().map(|m| m.name.as_str()).collect();
        return vec![format!(
            "no module `{module}` (the code defines: {})",
            names.join(", ")
        )];
    };
    let params = match m.resolve_params(&[]) {
        Ok(p) => p,
        Err(e) => return vec![e],
    };
    let mut problems = Vec::new();
    for (name, input, width) in want {
        let dir = if *input { "input" } else { "output" };
        match m.port(name) {
            None => problems.push(format!(
                "module {module} has no port {name} ({dir}, {width} bit(s))"
            )),
            Some(p) => {
                let got_dir = match p.direction {
                    hdl::Direction::Input => "input",
                    hdl::Direction::Output => "output",
                    _ => "inout",
                };
                if got_dir != dir {
                    problems.push(format!(
                        "port {name} of {module} is an {got_dir}; {source} makes it an {dir}"
                    ));
                }
                match p.width(&params) {
                    Ok(w) if w != u64::from(*width) => problems.push(format!(
                        "port {name} of {module} is {w} bit(s) wide; {source} says {width}"
                    )),
                    Err(e) => problems.push(e),
                    _ => {}
                }
            }
        }
    }
    for p in &m.ports {
        if !want.iter().any(|(n, _, _)| *n == p.name) {
            problems.push(format!(
                "module {module} has a port {} {source} does not give",
                p.name
            ));
        }
    }
    problems
}

/// Errors both simulators' lint report (paths relative to the run directory).
pub async fn lint(
    files: &[PathBuf],
    top: &str,
    sims: &[SimKind],
    run_dir: &Path,
) -> Result<Vec<String>, sim::SimError> {
    let design = Design {
        sources: files.to_vec(),
        top: Some(top.to_string()),
        ..Design::default()
    };
    let mut out = Vec::new();
    for k in sims {
        let r = sim::lint(*k, &design, Duration::from_secs(120)).await?;
        for d in r
            .diagnostics
            .iter()
            .filter(|d| d.severity >= Severity::Error)
            .take(10)
        {
            out.push(format!(
                "{}: {}",
                k.name(),
                relative(&d.one_line(), run_dir)
            ));
        }
    }
    Ok(out)
}

pub fn relative(s: &str, run_dir: &Path) -> String {
    s.replace(&format!("{}/", run_dir.display()), "")
}

/// What Yosys made of the design.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Synth {
    pub ok: bool,
    pub cells: Option<u64>,
    /// Latches inferred: the signals (`module.signal`), or the latch cells' types.
    pub latches: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
}

impl Synth {
    /// `123 cell(s), no latches` / `… cell(s), latches inferred: top.q`.
    pub fn summary(&self) -> String {
        format!(
            "{} cell(s), {}",
            self.cells.map_or("?".into(), |c| c.to_string()),
            if self.latches.is_empty() {
                "no latches".to_string()
            } else {
                format!("latches inferred: {}", self.latches.join(", "))
            }
        )
    }
}

/// `yosys -p "read_verilog …; synth -top TOP; stat"` in `dir`.
pub async fn synth(files: &[PathBuf], top: &str, dir: &Path) -> Result<Synth, String> {
    let yosys = process::find_program("yosys").ok_or("yosys not found on PATH")?;
    let mut script = String::new();
    for f in files {
        let _ = writeln!(script, "read_verilog -sv {}", f.display());
    }
    let _ = writeln!(script, "synth -top {top}\nstat");
    let ys = dir.join("synth.ys");
    std::fs::write(&ys, &script).map_err(|e| format!("{}: {e}", ys.display()))?;
    let out = process::run(
        &CommandSpec::new(yosys, dir)
            .args(["-q", "-l", "synth.log", "-s"])
            .arg(&ys)
            .cpu_timeout(Duration::from_secs(300))
            .limits(Limits::for_compile())
            .env("TMPDIR", dir)
            .sandbox_writes(vec![dir.to_path_buf()]),
    )
    .await
    .map_err(|e| e.to_string())?;
    let log = std::fs::read_to_string(dir.join("synth.log")).unwrap_or_else(|_| out.combined());
    if !out.exit.success() {
        let msgs: Vec<String> = log
            .lines()
            .chain(
                out.combined()
                    .lines()
                    .map(|l| l as &str)
                    .collect::<Vec<_>>(),
            )
            .filter(|l| l.contains("ERROR") || l.contains("error"))
            .map(|l| relative(l, dir.parent().unwrap_or(dir)))
            .take(10)
            .collect();
        return Ok(Synth {
            ok: false,
            messages: if msgs.is_empty() {
                vec![format!("yosys {}", out.exit)]
            } else {
                msgs
            },
            ..Synth::default()
        });
    }
    static CELLS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?m)^\s*Number of cells:\s+(\d+)|^\s*(\d+)\s+cells\s*$").expect("static")
    });
    static LATCH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?m)^\s*(?:\d+\s+)?(\$_?D?LATCH\w*|\$dlatch\w*|\$adlatch\w*)\s*(\d+)?")
            .expect("static")
    });
    // the last stat block is the top's (hierarchy summary last)
    let cells = CELLS
        .captures_iter(&log)
        .filter_map(|c| c.get(1).or(c.get(2)).and_then(|m| m.as_str().parse().ok()))
        .last();
    // the signals (`Latch inferred for signal `\\mod.\\q'`), else the latch cells' types
    static INFERRED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"Latch inferred for signal `\\?([^']+)'").expect("static"));
    let mut latches: Vec<String> = INFERRED
        .captures_iter(&log)
        .map(|c| c[1].replace('\\', ""))
        .collect();
    if latches.is_empty() {
        latches = LATCH
            .captures_iter(&log)
            .map(|c| c[1].to_string())
            .collect();
    }
    latches.sort();
    latches.dedup();
    Ok(Synth {
        ok: true,
        cells,
        latches,
        messages: Vec::new(),
    })
}

/// A self-checking testbench of the spec's tests for the top module: each test starts from a
/// reset (when there is one), inputs set at the clock's low phase, named outputs compared with
/// `!==` before the rising edge. It prints `RTLSMITH-VECTORS <nonce> checks=N errors=M` at the
/// end; mismatches as `MISMATCH test cycle port expected got`.
pub fn vectors_testbench(ifc: &Interface, tests: &[TestCase], nonce: &str) -> String {
    let mut s = String::from("`timescale 1ns/1ps\nmodule rtlsmith_vectors_tb;\n");
    for p in &ifc.ports {
        let range = if p.width > 1 {
            format!("[{}:0] ", p.width - 1)
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "  {} {range}{};",
            if p.is_input() { "reg" } else { "wire" },
            p.name
        );
    }
    s.push_str("  integer checks = 0, errors = 0;\n");
    let conns: Vec<String> = ifc
        .ports
        .iter()
        .map(|p| format!(".{0}({0})", p.name))
        .collect();
    let _ = writeln!(s, "  {} dut ({});", ifc.top, conns.join(", "));
    let widths: HashMap<&str, u32> = ifc
        .ports
        .iter()
        .map(|p| (p.name.as_str(), p.width))
        .collect();
    s.push_str("  initial begin\n");
    for p in ifc.ports.iter().filter(|p| p.is_input()) {
        let _ = writeln!(s, "    {} = 0;", p.name);
    }
    let clock = ifc.clock.as_deref();
    for (ti, t) in tests.iter().enumerate() {
        let _ = writeln!(s, "    // test {ti}: {} ({})", t.name, t.source);
        for (ci, cyc) in t.cycles.iter().enumerate() {
            for (k, v) in &cyc.inputs {
                if Some(k.as_str()) == clock || !widths.contains_key(k.as_str()) {
                    continue;
                }
                let w = widths[k.as_str()];
                let x = value(v, w).unwrap_or(0);
                let _ = writeln!(s, "    {k} = {w}'h{x:x};");
            }
            s.push_str("    #5;\n");
            for (k, v) in &cyc.outputs {
                let Some(&w) = widths.get(k.as_str()) else {
                    continue;
                };
                let x = value(v, w).unwrap_or(0);
                let name = t.name.replace(['"', '\\'], "'");
                let _ = writeln!(
                    s,
                    "    checks = checks + 1;\n    if ({k} !== {w}'h{x:x}) begin errors = errors + 1; $display(\"MISMATCH test={name} cycle={ci} port={k} expected=%h got=%h\", {w}'h{x:x}, {k}); end"
                );
            }
            match clock {
                Some(c) => {
                    let _ = writeln!(s, "    {c} = 1; #5; {c} = 0;");
                }
                None => s.push_str("    #5;\n"),
            }
        }
    }
    let _ = writeln!(
        s,
        "    $display(\"RTLSMITH-VECTORS {nonce} checks=%0d errors=%0d\", checks, errors);\n    $finish;\n  end\nendmodule"
    );
    s
}

/// One simulator's run of the vector testbench.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VectorRun {
    pub simulator: SimKind,
    pub passed: bool,
    pub checks: u64,
    pub errors: u64,
    /// Why it failed (first mismatches, or the compile error).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
}

/// Run the vector testbench on each simulator.
pub async fn run_vectors(
    files: &[PathBuf],
    tb: &Path,
    nonce: &str,
    sims: &[SimKind],
    timeout: Duration,
    run_dir: &Path,
) -> Result<Vec<VectorRun>, sim::SimError> {
    let mut sources = files.to_vec();
    sources.push(tb.to_path_buf());
    let design = Design {
        sources,
        top: Some("rtlsmith_vectors_tb".into()),
        ..Design::default()
    };
    let pass = Regex::new(&format!(r"RTLSMITH-VECTORS {nonce} checks=\d+ errors=0\b"))
        .expect("nonce is hex");
    let opts = SimOptions {
        timeout,
        pass_regex: Some(pass),
        ..SimOptions::default()
    };
    let verdict_line = Regex::new(&format!(
        r"RTLSMITH-VECTORS {nonce} checks=(\d+) errors=(\d+)"
    ))
    .expect("nonce is hex");
    let mut out = Vec::new();
    for k in sims {
        let r = sim::simulate(*k, &design, &opts).await?;
        let log = r.run.as_ref().map(|p| p.output.clone()).unwrap_or_default();
        let (checks, errors) = verdict_line.captures_iter(&log).last().map_or((0, 0), |c| {
            (c[1].parse().unwrap_or(0), c[2].parse().unwrap_or(0))
        });
        let mut messages: Vec<String> = log
            .lines()
            .filter(|l| l.starts_with("MISMATCH "))
            .take(8)
            .map(str::to_string)
            .collect();
        if r.status != Status::Pass && messages.is_empty() {
            messages.push(relative(&r.reason, run_dir));
            messages.extend(
                r.diagnostics
                    .iter()
                    .filter(|d| d.severity >= Severity::Error)
                    .take(8)
                    .map(|d| relative(&d.one_line(), run_dir)),
            );
        }
        out.push(VectorRun {
            simulator: *k,
            passed: r.status == Status::Pass,
            checks,
            errors,
            messages,
        });
    }
    Ok(out)
}

/// The module headers (`module x (…);` up to the port list's end) of a Verilog text.
pub fn module_header(src: &str, module: &str) -> Option<String> {
    let start = Regex::new(&format!(r"\bmodule\s+{}\b", regex::escape(module)))
        .ok()?
        .find(src)?
        .start();
    let end = src[start..].find(';')? + start + 1;
    Some(format!("{}\n  ...\nendmodule", &src[start..end]))
}

/// Module names a Verilog text defines.
pub fn modules_defined(src: &str) -> Vec<String> {
    hdl::text::declared_modules(src)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn synth_counts_cells_and_names_latches() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("l.v");
        std::fs::write(
            &f,
            "module l(input en, input d, input a, input b, output reg q, output y);\n  always @* if (en) q = d;\n  assign y = a & b;\nendmodule\n",
        )
        .unwrap();
        let s = synth(std::slice::from_ref(&f), "l", d.path())
            .await
            .unwrap();
        assert!(s.ok, "{s:?}");
        assert!(s.cells.unwrap() >= 2, "{s:?}");
        assert_eq!(s.latches, ["l.q"]);
        std::fs::write(&f, "module l(input a, output y); assign y = ; endmodule\n").unwrap();
        let s = synth(std::slice::from_ref(&f), "l", d.path())
            .await
            .unwrap();
        assert!(!s.ok && !s.messages.is_empty(), "{s:?}");
    }
}
