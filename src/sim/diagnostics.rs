//! Structured diagnostics from the compilers' and simulators' own messages.
//!
//! Icarus: `file:line: error: msg`, `file:line: syntax error`, `file:line: warning: msg`,
//! `file:line: sorry: msg`, tool-level `error: msg`, and at run time `ERROR: file:line: msg`,
//! `WARNING: …`, `FATAL: …`. Verilator: `%Error: file:line:col: msg`,
//! `%Error-CODE: …`, `%Warning-CODE: file:line:col: msg`, and at run time
//! `[time] %Error: file:line: Assertion failed in TOP.x: msg`.
//! Continuation lines (source excerpts, `: ... note` lines) are folded into the previous
//! diagnostic's `notes`.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
    Fatal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Tool-specific class: a Verilator warning code (`WIDTH`), or `syntax`, `sorry`,
    /// `elaboration`, `assertion`, `runtime` for Icarus and untagged messages.
    pub category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// `file:line:col: severity: message`, as a one-line summary.
    pub fn one_line(&self) -> String {
        let mut s = String::new();
        if let Some(f) = &self.file {
            s.push_str(f);
            if let Some(l) = self.line {
                s.push_str(&format!(":{l}"));
                if let Some(c) = self.column {
                    s.push_str(&format!(":{c}"));
                }
            }
            s.push_str(": ");
        }
        let sev = match self.severity {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Fatal => "fatal",
        };
        s.push_str(sev);
        if !self.category.is_empty() {
            s.push_str(&format!("[{}]", self.category));
        }
        s.push_str(": ");
        s.push_str(&self.message);
        s
    }

    fn new(severity: Severity, category: &str, message: &str) -> Self {
        Diagnostic {
            severity,
            category: category.to_string(),
            file: None,
            line: None,
            column: None,
            message: message.trim().to_string(),
            notes: Vec::new(),
        }
    }
}

static IC_LOC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?P<file>[^:\s][^:]*?):(?P<line>\d+): (?P<rest>.*)$").unwrap());
static IC_RUNTIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?P<sev>ERROR|WARNING|FATAL|INFO): (?:(?P<file>[^:]+?):(?P<line>\d+): ?)?(?P<msg>.*)$",
    )
    .unwrap()
});
static IC_TOOL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?P<sev>error|warning|sorry): (?P<msg>.*)$").unwrap());

/// Parse Icarus Verilog (`iverilog` or `vvp`) output.
pub fn parse_icarus(text: &str) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim_end();
        if line.is_empty() {
            continue;
        }
        if let Some(c) = IC_RUNTIME.captures(line) {
            let sev = match &c["sev"] {
                "FATAL" => Severity::Fatal,
                "ERROR" => Severity::Error,
                "WARNING" => Severity::Warning,
                _ => Severity::Note,
            };
            let mut d = Diagnostic::new(sev, "runtime", &c["msg"]);
            d.file = c.name("file").map(|m| m.as_str().to_string());
            d.line = c.name("line").and_then(|m| m.as_str().parse().ok());
            out.push(d);
            continue;
        }
        if let Some(c) = IC_LOC.captures(line) {
            let rest = c["rest"].trim();
            let (sev, cat, msg) = if let Some(m) = rest.strip_prefix("error: ") {
                (Severity::Error, classify_icarus(m), m)
            } else if let Some(m) = rest.strip_prefix("warning: ") {
                (Severity::Warning, "warning", m)
            } else if let Some(m) = rest.strip_prefix("sorry: ") {
                (Severity::Error, "sorry", m)
            } else if rest == "syntax error" || rest.starts_with("syntax error") {
                (Severity::Error, "syntax", rest)
            } else if rest.starts_with(':') || rest.starts_with("...") {
                // "file:line:      : The other declaration" — a note on the previous message
                if let Some(prev) = out.last_mut() {
                    prev.notes.push(format!(
                        "{}:{}: {}",
                        &c["file"],
                        &c["line"],
                        rest.trim_start_matches([':', ' '])
                    ));
                }
                continue;
            } else if rest.contains("$finish called") {
                continue;
            } else {
                (Severity::Error, classify_icarus(rest), rest)
            };
            let mut d = Diagnostic::new(sev, cat, msg);
            d.file = Some(c["file"].to_string());
            d.line = c["line"].parse().ok();
            out.push(d);
            continue;
        }
        if let Some(c) = IC_TOOL.captures(line) {
            let (sev, cat) = match &c["sev"] {
                "warning" => (Severity::Warning, "warning"),
                "sorry" => (Severity::Error, "sorry"),
                _ => (Severity::Error, classify_icarus(&c["msg"])),
            };
            out.push(Diagnostic::new(sev, cat, &c["msg"]));
            continue;
        }
        if line.ends_with("error(s) during elaboration.") || line.contains("I give up.") {
            continue;
        }
        if (line.starts_with(' ') || line.starts_with('\t'))
            && let Some(prev) = out.last_mut()
        {
            prev.notes.push(line.trim().to_string());
        }
    }
    out
}

fn classify_icarus(msg: &str) -> &'static str {
    if msg.contains("Unknown module type") {
        "unknown-module"
    } else if msg.contains("Unable to find the root module") {
        "unknown-top"
    } else if msg.contains("Unable to bind") {
        "unbound"
    } else if msg.contains("Include file") || msg.contains("Unable to open input file") {
        "missing-file"
    } else {
        "elaboration"
    }
}

static VL_MSG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\[[^\]]*\] )?%(?P<sev>Error|Warning|Fatal|Note)(?:-(?P<code>[A-Z0-9_]+))?: (?P<rest>.*)$",
    )
    .unwrap()
});
static VL_LOC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<file>[^:\s][^:]*?):(?P<line>\d+):(?:(?P<col>\d+):)? ?(?P<msg>.*)$").unwrap()
});

/// Parse Verilator (compiler or runtime) output.
pub fn parse_verilator(text: &str) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim_end();
        if let Some(c) = VL_MSG.captures(line) {
            let rest = &c["rest"];
            if rest.starts_with("Exiting due to") {
                continue;
            }
            if rest.starts_with("... ") {
                if let Some(prev) = out.last_mut() {
                    prev.notes.push(rest.trim_start_matches("... ").to_string());
                }
                continue;
            }
            let sev = match &c["sev"] {
                "Error" | "Fatal" => Severity::Error,
                "Warning" => Severity::Warning,
                _ => Severity::Note,
            };
            let mut d = Diagnostic::new(sev, "", rest);
            if let Some(l) = VL_LOC.captures(rest) {
                d.file = Some(l["file"].to_string());
                d.line = l["line"].parse().ok();
                d.column = l.name("col").and_then(|m| m.as_str().parse().ok());
                d.message = l["msg"].trim().to_string();
            }
            if d.message == "Verilog $stop" {
                // Verilator stops after a failed $error; report a bare $stop only on its own
                if out.last().is_some_and(|p| p.category == "assertion") {
                    continue;
                }
                d.category = "stop".into();
            }
            d.category = match c.name("code") {
                None if d.category == "stop" => d.category.clone(),
                Some(code) => code.as_str().to_string(),
                None if d.message.starts_with("Assertion failed") => "assertion".into(),
                None if d.message.contains("syntax error") => "syntax".into(),
                None if d.message.contains("Cannot find file containing module") => {
                    "unknown-module".into()
                }
                None if d.message.contains("--top-module") => "unknown-top".into(),
                None if d.message.contains("Cannot find include file") => "missing-file".into(),
                None => "error".into(),
            };
            out.push(d);
        } else if line.starts_with(char::is_whitespace) && line.contains(": ... ") {
            // "   : ... In instance t" or "   file.v:1:50: ... Location of original declaration"
            let t = line.trim();
            let note = t.strip_prefix(": ... ").unwrap_or(t);
            if let Some(prev) = out.last_mut() {
                prev.notes.push(note.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icarus_syntax_error_with_spaces_in_path() {
        let d = parse_icarus("dir with space/my design.v:12: syntax error\nI give up.\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].file.as_deref(), Some("dir with space/my design.v"));
        assert_eq!(d[0].line, Some(12));
        assert_eq!(d[0].category, "syntax");
    }

    #[test]
    fn verilator_warning_code_and_column() {
        let d = parse_verilator(
            "%Warning-WIDTH: a.v:3:13: Operator ASSIGNW expects 4 bits\n                        : ... In instance t\n",
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].category, "WIDTH");
        assert_eq!(d[0].column, Some(13));
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(d[0].notes, vec!["In instance t"]);
    }

    #[test]
    fn verilator_runtime_assertion() {
        let d = parse_verilator("[5] %Error: c.v:4: Assertion failed in TOP.tb: boom\n");
        assert_eq!(d[0].category, "assertion");
        assert_eq!(d[0].line, Some(4));
        assert_eq!(d[0].column, None);
    }
}
