//! The C++ level: a sub-function's header checked for the synthesizable style, compiled with
//! `g++ -std=c++17 -Wall -Werror` into a test program rtlsmith writes from the record's tests,
//! and run under the process layer's limits (a crash or a loop is named). The program's
//! verdict line carries a nonce compiled into it, so model code cannot print its way to a pass.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;

use super::plan::{Record, value};
use crate::process::{self, CommandSpec, Exit, Limits};

/// The smallest unsigned type the model contract allows for `width` bits.
pub fn ctype(width: u32) -> &'static str {
    match width {
        1 => "bool",
        2..=8 => "uint8_t",
        9..=16 => "uint16_t",
        17..=32 => "uint32_t",
        _ => "uint64_t",
    }
}

/// The field lines a prompt shows for a record (the clock left out).
pub fn fields(r: &Record, clock: Option<&str>) -> String {
    let mut s = String::new();
    for (p, input) in r.pins() {
        if Some(p.name.as_str()) == clock {
            continue;
        }
        let _ = writeln!(
            s,
            "    {} {};   // {} [{} bit(s)]",
            ctype(p.width),
            p.name,
            if input { "input" } else { "output" },
            p.width
        );
    }
    s
}

/// Departures from the synthesizable style: heap, containers, strings, floating point,
/// recursion, unbounded loops.
pub fn style_problems(src: &str) -> Vec<String> {
    static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
        [
            (r"\bnew\b|\bmalloc\s*\(|\bcalloc\s*\(|\brealloc\s*\(|\bdelete\b", "allocates on the heap"),
            (r"std::(vector|string|map|unordered_map|set|list|deque|function|shared_ptr|unique_ptr)\b|#include\s*<(vector|string|map|list|deque|set|unordered_map|memory|functional)>", "uses a standard container or smart pointer"),
            (r"\b(float|double)\b", "uses floating point"),
            (r"while\s*\(\s*(1|true)\s*\)|for\s*\(\s*;\s*;\s*\)", "has an unbounded loop"),
            (r"#include\s*<(iostream|cstdio|fstream|thread)>|\bprintf\s*\(|std::cout", "does I/O"),
            (r"\b(exit|abort|_exit|quick_exit|system|fork|exec[lv]p?e?)\s*\(", "ends the process or runs programs"),
        ]
        .into_iter()
        .map(|(r, m)| (Regex::new(r).expect("static"), m))
        .collect()
    });
    static FUNC: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:^|[;{}\s])(?:static\s+|inline\s+|constexpr\s+)*[A-Za-z_][\w:<>]*\s+([A-Za-z_]\w*)\s*\([^;{)]*\)\s*(?:const\s*)?\{").expect("static")
    });
    let code = strip_comments(src);
    let mut out: Vec<String> = RULES
        .iter()
        .filter(|(r, _)| r.is_match(&code))
        .map(|(_, m)| format!("the model {m}: synthesizable C++ may not"))
        .collect();
    // recursion: a function whose body calls itself
    for c in FUNC.captures_iter(&code) {
        let name = &c[1];
        if ["if", "while", "for", "switch", "return", "else", "do"].contains(&name) {
            continue;
        }
        let start = c.get(0).map_or(0, |m| m.end());
        let body = body_from(&code[start..]);
        // a call of the same name on another object (`sub.eval()`) is not recursion
        if Regex::new(&format!(r"(?:^|[^.>\w]){}\s*\(", regex::escape(name)))
            .is_ok_and(|r| r.is_match(body))
        {
            out.push(format!(
                "function {name} calls itself: synthesizable C++ has no recursion"
            ));
        }
    }
    out
}

fn strip_comments(s: &str) -> String {
    static C: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?s)/\*.*?\*/|//[^\n]*").expect("static"));
    C.replace_all(s, " ").into_owned()
}

/// The text up to the brace that closes an opened block.
fn body_from(s: &str) -> &str {
    let mut depth = 1;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &s[..i];
                }
            }
            _ => {}
        }
    }
    s
}

/// The test program of a record's tests, in the co-simulation's cycle protocol: inputs set,
/// `eval()`, named outputs checked, then `tick()` and `eval()` for a clocked sub-function.
pub fn test_program(r: &Record, header: &str, clock: Option<&str>, nonce: &str) -> String {
    let mut s = format!(
        "#include \"{header}\"\n#include <cstdint>\n#include <cstdio>\n\n\
         static int rtlsmith_fail = 0, rtlsmith_checks = 0;\n\
         static void rtlsmith_check(const char* test, int cycle, const char* port, uint64_t got, uint64_t want, uint64_t mask) {{\n  \
         ++rtlsmith_checks;\n  if ((got & mask) != want) {{\n    ++rtlsmith_fail;\n    \
         if (rtlsmith_fail <= 20) std::printf(\"FAIL %s cycle %d: %s expected 0x%llx, got 0x%llx\\n\", test, cycle, port, (unsigned long long)want, (unsigned long long)(got & mask));\n  }}\n}}\n\n\
         int main() {{\n"
    );
    let width_of = |n: &str| {
        r.pins()
            .find(|(p, _)| p.name == n)
            .map_or(64, |(p, _)| p.width)
    };
    for (ti, t) in r.tests.iter().enumerate() {
        let label = format!(
            "{} ({})",
            t.name,
            if t.source.is_empty() {
                "generated"
            } else {
                &t.source
            }
        )
        .replace(['"', '\\'], "'");
        let _ = writeln!(s, "  {{ // test {ti}: {label}\n    {} m{{}};", r.name);
        for (ci, cyc) in t.cycles.iter().enumerate() {
            for (k, v) in &cyc.inputs {
                if Some(k.as_str()) == clock {
                    continue;
                }
                let x = value(v, width_of(k)).unwrap_or(0);
                let _ = writeln!(s, "    m.{k} = ({})0x{x:x}ULL;", ctype(width_of(k)));
            }
            s.push_str("    m.eval();\n");
            for (k, v) in &cyc.outputs {
                let w = width_of(k);
                let x = value(v, w).unwrap_or(0);
                let mask = if w >= 64 {
                    "~0ULL".to_string()
                } else {
                    format!("0x{:x}ULL", (1u64 << w) - 1)
                };
                let _ = writeln!(
                    s,
                    "    rtlsmith_check(\"{label}\", {ci}, \"{k}\", (uint64_t)m.{k}, 0x{x:x}ULL, {mask});"
                );
            }
            if r.clocked {
                s.push_str("    m.tick();\n    m.eval();\n");
            }
        }
        s.push_str("  }\n");
    }
    let _ = writeln!(
        s,
        "  std::printf(\"RTLSMITH-CPP-TESTS {nonce} checks=%d failures=%d\\n\", rtlsmith_checks, rtlsmith_fail);\n  return rtlsmith_fail ? 1 : 0;\n}}"
    );
    s
}

/// What compiling and running a test program showed.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pass {
        checks: u64,
    },
    /// Compiler messages (paths relative to the run directory).
    CompileError(Vec<String>),
    /// Failing checks (the first 20).
    Fail(Vec<String>),
    /// Crashed, looped, or ended without the verdict line: named.
    Broken(String),
}

impl Outcome {
    pub fn log(&self) -> String {
        match self {
            Outcome::Pass { checks } => format!("{checks} checks passed"),
            Outcome::CompileError(m) => format!("g++ -std=c++17 -Wall -Werror:\n{}", m.join("\n")),
            Outcome::Fail(m) => format!("the tests failed:\n{}", m.join("\n")),
            Outcome::Broken(m) => m.clone(),
        }
    }
}

/// Compile `program` (in `dir`, beside the headers) and run it.
pub async fn compile_and_run(
    dir: &Path,
    program: &str,
    name: &str,
    nonce: &str,
    timeout: Duration,
) -> Result<Outcome, String> {
    let gxx = process::find_program("g++").ok_or("g++ not found on PATH")?;
    let src = dir.join(format!("{name}_test.cpp"));
    std::fs::write(&src, program).map_err(|e| format!("{}: {e}", src.display()))?;
    let exe = dir.join(format!(".{name}_test"));
    let out = process::run(
        &CommandSpec::new(gxx, dir)
            .args(["-std=c++17", "-Wall", "-Werror", "-O1", "-o"])
            .arg(&exe)
            .arg(&src)
            .cpu_timeout(Duration::from_secs(120))
            .limits(Limits::for_compile())
            .env("TMPDIR", dir)
            .sandbox_writes(vec![dir.to_path_buf()]),
    )
    .await
    .map_err(|e| e.to_string())?;
    if !out.exit.success() {
        let text = out.combined();
        let prefix = format!("{}/", dir.display());
        let msgs: Vec<String> = text
            .lines()
            .filter(|l| l.contains("error") || l.contains("note:") || l.contains("warning"))
            .map(|l| l.replace(&prefix, "cpp/"))
            .take(15)
            .collect();
        return Ok(Outcome::CompileError(if msgs.is_empty() {
            text.lines().take(10).map(str::to_string).collect()
        } else {
            msgs
        }));
    }
    let run = process::run(
        &CommandSpec::new(&exe, dir)
            .cpu_timeout(timeout)
            .limits(Limits::for_simulation())
            .output_limit(1 << 20)
            .sandbox_writes(vec![dir.to_path_buf()]),
    )
    .await
    .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&exe);
    let text = run.stdout.text();
    let verdict = text
        .lines()
        .rev()
        .find(|l| l.starts_with(&format!("RTLSMITH-CPP-TESTS {nonce} ")));
    Ok(match (run.exit, verdict) {
        (Exit::TimedOut, _) => Outcome::Broken(format!(
            "the C++ model of {name} did not return within {} CPU seconds (a loop that never ends?)",
            timeout.as_secs()
        )),
        (Exit::Signal(_), _) | (Exit::OutputLimit, _) => {
            Outcome::Broken(format!("the C++ model of {name} crashed: {}", run.exit))
        }
        (_, None) => Outcome::Broken(format!(
            "the test program of {name} ended ({}) without its verdict: the model ended the process",
            run.exit
        )),
        (Exit::Code(0), Some(v)) => Outcome::Pass {
            checks: v
                .split("checks=")
                .nth(1)
                .and_then(|x| x.split_whitespace().next())
                .and_then(|x| x.parse().ok())
                .unwrap_or(0),
        },
        (_, Some(_)) => Outcome::Fail(
            text.lines()
                .filter(|l| l.starts_with("FAIL "))
                .map(str::to_string)
                .collect(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn style() {
        let ok = "#include <cstdint>\nstruct a { uint8_t x; void eval() { for (int i = 0; i < 8; ++i) x ^= 1; } };";
        assert!(style_problems(ok).is_empty(), "{:?}", style_problems(ok));
        let bad = "#include <vector>\nstruct a { std::vector<int> v; double d; int f(int n) { return n ? f(n - 1) : 0; } void eval() { while (true) {} int* p = new int; } };";
        let p = style_problems(bad);
        assert_eq!(p.len(), 5, "{p:?}");
        // a comment does not count
        assert!(style_problems("// new double while(1)\nstruct a {};").is_empty());
        let member = "struct t { s c; void eval() { c.eval(); p->eval(); if (a) { if (b) x = 1; } else if (c) { y = 2; } } };";
        assert!(
            style_problems(member).is_empty(),
            "{:?}",
            style_problems(member)
        );
    }
}
