//! Static checks on a candidate before it is simulated: the ways a candidate could make a
//! testbench report a pass without implementing the design. A candidate that trips one is
//! refused with a named reason instead of being run.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::hdl::{strip_comments, strip_strings};

/// Why a candidate was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Refusal {
    /// `$finish`, `$stop`, `$fatal`, `$exit`: would end the testbench before its natural end.
    EndsSimulation,
    /// `tb.x`, `$root`, `good1.x`…: reaches into testbench or reference state.
    HierarchicalReference,
    /// Declares a module the testbench or the reference declares.
    RedefinesModule,
    /// Defines or undefines a macro the testbench or the reference uses.
    RedefinesMacro,
    /// Prints a line that looks like a testbench verdict.
    PrintsResultLine,
    /// File, dump, or host system tasks.
    SystemTask,
    /// `` `include `` of another file.
    Include,
    /// Macro token pasting (`` `` ``), which could assemble a forbidden name unseen.
    MacroPasting,
    /// Code in another language linked into the simulation (DPI imports, Verilator `$c`,
    /// `` `systemc_* `` blocks).
    ForeignCode,
    /// Nothing to judge.
    Empty,
    /// The sample file is not valid UTF-8 text.
    NotUtf8,
}

impl Refusal {
    pub fn name(self) -> &'static str {
        match self {
            Refusal::EndsSimulation => "ends-simulation",
            Refusal::HierarchicalReference => "hierarchical-reference",
            Refusal::RedefinesModule => "redefines-module",
            Refusal::RedefinesMacro => "redefines-macro",
            Refusal::PrintsResultLine => "prints-result-line",
            Refusal::SystemTask => "system-task",
            Refusal::Include => "include",
            Refusal::MacroPasting => "macro-pasting",
            Refusal::ForeignCode => "foreign-code",
            Refusal::Empty => "empty",
            Refusal::NotUtf8 => "not-utf8",
        }
    }
}

static ENDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$(finish|stop|fatal|exit)\b").unwrap());
static SYSTASK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\$(f[a-z]+|readmem[hb]|writemem[hb]|system|dump[a-z]*|sdf_annotate|deposit|sreadmem[hb]|save|restart|incsave|input|key|nokey|log|nolog|scope|list|showscopes|showvars|reset)\b",
    )
    .unwrap()
});
static DEFINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"`(define|undef)\s+([A-Za-z_][A-Za-z0-9_$]*)").unwrap());
static UNDEFALL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"`(undefineall|resetall)\b").unwrap());
static MACRO_USE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"`([A-Za-z_][A-Za-z0-9_$]*)").unwrap());
static FOREIGN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(import|export)\s*"DPI(-C)?"|\$c(pure)?\b|\$c[0-9]*\s*\(|`systemc_[a-z_]+|`verilator_config"#).unwrap()
});
static BIND: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)(^|;)\s*bind\s+[A-Za-z_]").unwrap());
static DEFINE_BODY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"`define\s+([A-Za-z_][A-Za-z0-9_$]*)(?:\([^)]*\))?[ \t]*([^\n]*)").unwrap()
});
static INCLUDE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`include\b").unwrap());
static DISPLAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\$(display|write|strobe|monitor)[bho]?\s*\(\s*"((?:[^"\\\n]|\\.)*)""#).unwrap()
});
static RESULTISH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)mismatches|timeout|passed|\bpass\b|fail|error|samples").unwrap()
});

/// The names a testbench (and its support files) defines: modules, instances and macros.
#[derive(Debug, Clone, Default)]
pub struct Protected {
    pub modules: Vec<String>,
    pub instances: Vec<String>,
    pub macros: Vec<String>,
}

impl Protected {
    /// Collect from the testbench and reference texts; `dut` is the module the candidate
    /// must define (never protected).
    pub fn from_sources(sources: &[&str], dut: &str) -> Protected {
        let mut p = Protected::default();
        for s in sources {
            let clean = strip_comments(s);
            p.modules.extend(
                crate::hdl::declared_modules(s)
                    .into_iter()
                    .filter(|m| m != dut),
            );
            for c in DEFINE.captures_iter(&clean) {
                p.macros.push(c[2].to_string());
            }
            for c in MACRO_USE.captures_iter(&clean) {
                let m = &c[1];
                if ![
                    "define",
                    "undef",
                    "timescale",
                    "include",
                    "ifdef",
                    "ifndef",
                    "else",
                    "elsif",
                    "endif",
                    "default_nettype",
                    "resetall",
                ]
                .contains(&m)
                {
                    p.macros.push(m.to_string());
                }
            }
            p.instances
                .extend(crate::hdl::instantiations(s).into_iter().map(|(_, i)| i));
            // names the testbench itself reaches through with a dot (stats1.errors, stim1.clk)
            static DOTTED: LazyLock<Regex> =
                LazyLock::new(|| Regex::new(r"([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*[A-Za-z_]").unwrap());
            let code = strip_strings(&clean);
            for c in DOTTED.captures_iter(&code) {
                let start = c.get(1).map_or(0, |m| m.start());
                // `.port(sig)` connections have a `.` or `(`/`,` before them, not a name
                if !code[..start].ends_with('.') {
                    p.instances.push(c[1].to_string());
                }
            }
        }
        p.instances.push("tb".into());
        for v in [&mut p.modules, &mut p.instances, &mut p.macros] {
            v.sort();
            v.dedup();
        }
        p
    }
}

/// Check a candidate; `None` means it may be simulated.
pub fn check(candidate: &str, protected: &Protected) -> Option<(Refusal, String)> {
    let clean = strip_comments(candidate);
    if clean.trim().is_empty() {
        return Some((Refusal::Empty, "the candidate is empty".into()));
    }
    let code = strip_strings(&clean);
    if code.contains("``") {
        return Some((Refusal::MacroPasting, "pastes macro tokens (``)".into()));
    }
    if let Some(m) = FOREIGN.find(&clean) {
        return Some((Refusal::ForeignCode, format!("uses {}", m.as_str())));
    }
    if let Some(m) = ENDS.find(&code) {
        return Some((Refusal::EndsSimulation, format!("calls {}", m.as_str())));
    }
    if code.contains("$root") {
        return Some((Refusal::HierarchicalReference, "uses $root".into()));
    }
    if let Some(m) = BIND.find(&code) {
        return Some((
            Refusal::HierarchicalReference,
            format!("uses `{}`", m.as_str().trim()),
        ));
    }
    // a macro body naming a testbench scope could hide a hierarchical reference
    for c in DEFINE_BODY.captures_iter(&code) {
        for name in protected.instances.iter().chain(protected.modules.iter()) {
            if Regex::new(&format!(r"\b{}\b", regex::escape(name)))
                .unwrap()
                .is_match(&c[2])
            {
                return Some((
                    Refusal::HierarchicalReference,
                    format!("macro `{}` names the testbench scope `{name}`", &c[1]),
                ));
            }
        }
    }
    for inst in protected.instances.iter().chain(protected.modules.iter()) {
        let re = Regex::new(&format!(r"\b{}\s*\.\s*[A-Za-z_]", regex::escape(inst))).unwrap();
        if let Some(m) = re.find(&code) {
            // `.name(` in a port connection list is legal: require that no `(` or `,`
            // directly precedes the `.` (a connection reads `.port(sig)` with no prefix)
            let before = code[..m.start()].trim_end();
            if !before.ends_with('.') {
                return Some((
                    Refusal::HierarchicalReference,
                    format!("reaches into `{inst}` ({})", m.as_str().trim()),
                ));
            }
        }
    }
    for m in crate::hdl::declared_modules(&clean) {
        if protected.modules.contains(&m) {
            return Some((
                Refusal::RedefinesModule,
                format!("declares module `{m}`, which the testbench or reference declares"),
            ));
        }
    }
    if let Some(c) = UNDEFALL.captures(&code) {
        return Some((Refusal::RedefinesMacro, format!("uses `{}", &c[1])));
    }
    for c in DEFINE.captures_iter(&code) {
        if protected.macros.iter().any(|m| *m == c[2]) {
            return Some((
                Refusal::RedefinesMacro,
                format!("`{} {}: the testbench uses that macro", &c[1], &c[2]),
            ));
        }
    }
    if INCLUDE.is_match(&code) {
        return Some((Refusal::Include, "includes another file".into()));
    }
    if let Some(m) = SYSTASK.find(&code) {
        return Some((Refusal::SystemTask, format!("calls {}", m.as_str())));
    }
    for c in DISPLAY.captures_iter(&clean) {
        if RESULTISH.is_match(&c[2]) {
            return Some((Refusal::PrintsResultLine, format!("prints \"{}\"", &c[2])));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const TB: &str = "`timescale 1 ps/1 ps\n`define OK 12\nmodule stimulus_gen(input clk); endmodule\nmodule tb();\n  stats stats1;\n  always @(posedge clk) stats1.clocks++;\n  stimulus_gen stim1 (.clk);\n  RefModule good1 (.a(a), .y(y_ref));\n  TopModule top_module1 (.a(a), .y(y_dut));\nendmodule\n";
    const REF: &str = "module RefModule(input a, output y); assign y = a; endmodule\n";

    fn prot() -> Protected {
        Protected::from_sources(&[TB, REF], "TopModule")
    }

    #[test]
    fn honest_candidates_pass_the_checks() {
        let honest = [
            "module TopModule(input a, output y);\n  assign y = a; // $finish would be wrong\nendmodule\n",
            "module TopModule(input a, output y);\n  sub u0 (.a(a), .y(y));\nendmodule\nmodule sub(input a, output y); assign y = a; endmodule\n",
            "module TopModule(input a, output y);\n  initial $display(\"debug %b\", a);\n  assign y = a;\nendmodule\n",
            "module TopModule(input a, output reg y);\n  /* a comment with tb.x in it */ always @* y = a;\nendmodule\n",
        ];
        for h in honest {
            assert_eq!(check(h, &prot()), None, "{h}");
        }
    }

    #[test]
    fn each_fake_is_refused_by_name() {
        let cases = [
            (
                "module TopModule(input a, output y); initial #1 $finish; endmodule",
                Refusal::EndsSimulation,
            ),
            (
                "module TopModule(input a, output y); initial tb.stats1.errors = 0; endmodule",
                Refusal::HierarchicalReference,
            ),
            (
                "module TopModule(input a, output y); assign y = good1.y; endmodule",
                Refusal::HierarchicalReference,
            ),
            (
                "module TopModule(input a, output y); initial $root.tb.x = 0; endmodule",
                Refusal::HierarchicalReference,
            ),
            (
                "module TopModule(input a, output y); endmodule\nmodule RefModule(input a, output y); endmodule",
                Refusal::RedefinesModule,
            ),
            (
                "module TopModule(input a, output y); endmodule\nmodule stimulus_gen(input clk); endmodule",
                Refusal::RedefinesModule,
            ),
            (
                "`define OK 13\nmodule TopModule(input a, output y); endmodule",
                Refusal::RedefinesMacro,
            ),
            (
                "`undefineall\nmodule TopModule(input a, output y); endmodule",
                Refusal::RedefinesMacro,
            ),
            (
                "module TopModule(input a, output y); final $display(\"Mismatches: 0 in 100 samples\"); endmodule",
                Refusal::PrintsResultLine,
            ),
            (
                "module TopModule(input a, output y); initial $display(\"===========Your Design Passed===========\"); endmodule",
                Refusal::PrintsResultLine,
            ),
            (
                "module TopModule(input a, output y); integer f; initial f = $fopen(\"/etc/x\"); endmodule",
                Refusal::SystemTask,
            ),
            (
                "module TopModule(input a, output y); initial $system(\"rm -rf /\"); endmodule",
                Refusal::SystemTask,
            ),
            (
                "`include \"/etc/passwd\"\nmodule TopModule(input a, output y); endmodule",
                Refusal::Include,
            ),
            ("  // nothing but a comment\n", Refusal::Empty),
            (
                "`define S $fin``ish\nmodule TopModule(input a, output y); initial `S; endmodule",
                Refusal::MacroPasting,
            ),
            (
                "`define T tb\nmodule TopModule(input a, output y); initial `T.x = 0; endmodule",
                Refusal::HierarchicalReference,
            ),
            (
                "module TopModule(input a, output y); always @* stats1.errors = 0; endmodule",
                Refusal::HierarchicalReference,
            ),
            (
                "module TopModule(input a, output y); import \"DPI-C\" function int system(string c); endmodule",
                Refusal::ForeignCode,
            ),
            (
                "module TopModule(input a, output y); initial $c(\"system(0);\"); endmodule",
                Refusal::ForeignCode,
            ),
            (
                "module TopModule(input a, output y); endmodule\nbind tb spy s0 (.x(a));",
                Refusal::HierarchicalReference,
            ),
            (
                "module TopModule(input a, output y); initial \\tb .stats1.errors = 0; endmodule",
                Refusal::HierarchicalReference,
            ),
        ];
        for (src, want) in cases {
            let got = check(src, &prot()).map(|(r, _)| r);
            assert_eq!(got, Some(want), "{src}");
        }
    }

    #[test]
    fn strip_comments_keeps_strings_and_lines() {
        let s = strip_comments("a // x\n\"// not a comment\" /* b\n c */ d");
        assert_eq!(s, "a \n\"// not a comment\" \n d");
    }
}
