//! Snapshots of what people read: the terminal summaries of `regress` and `eval`, and eval's
//! `report.md` and `summary.json`, with times, paths and tool versions redacted (they vary
//! from run to run and machine to machine; everything else must not).

use std::path::Path;

use regex::Regex;

use crate::common::{Run, command, root};

/// Times, the run's own paths and tool versions replaced by placeholders.
fn redact(text: &str, paths: &[&Path]) -> String {
    let mut s = text.to_string();
    for p in paths {
        s = s.replace(&p.display().to_string(), "[DIR]");
    }
    for (re, with) in [
        (
            r"Icarus Verilog version [^\n`)]*\(\w+\) \(\)",
            "[ICARUS VERSION]",
        ),
        (r"Verilator \d[^\n`]*", "[VERILATOR VERSION]"),
        (r"\d+\.\d+ ?s\b", "[T]s"),
        (r"(?m)(\s)\d+\.\d\d$", "$1[T]"),
    ] {
        s = Regex::new(re).unwrap().replace_all(&s, with).into_owned();
    }
    s
}

#[test]
fn regress_terminal_summary() {
    let d = tempfile::tempdir().unwrap();
    let fx = root().join("tests/fixtures/regress");
    // a manifest of fast Icarus cases with every outcome but a timeout
    let manifest = d.path().join("rtlsmith.toml");
    let src = |f: &str| fx.join(f).display().to_string();
    std::fs::write(
        &manifest,
        format!(
            "[defaults]\nsimulators = [\"icarus\"]\n\n\
             [[case]]\nname = \"good\"\nsources = [\"{}\"]\ntop = \"good_tb\"\npass = \"^ALL OK$\"\n\n\
             [[case]]\nname = \"fails\"\nsources = [\"{}\"]\ntop = \"fails_tb\"\n\n\
             [[case]]\nname = \"syntax\"\nsources = [\"{}\"]\ntop = \"syntax_tb\"\n",
            src("good_tb.v"),
            src("fails_tb.v"),
            src("syntax_tb.v")
        ),
    )
    .unwrap();
    // one job at a time and no remembered durations: the progress lines come in manifest order
    let r = Run::of(
        command(&["regress", "--jobs", "1"])
            .current_dir(d.path())
            .env("XDG_CACHE_HOME", d.path().join("cache")),
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    insta::assert_snapshot!("regress_terminal", redact(&r.stdout, &[d.path(), &fx]));
}

#[test]
fn eval_terminal_summary_report_and_summary_json() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("run");
    let fx = root().join("tests/fixtures/eval");
    let r = Run::of(
        command(&[
            "eval",
            "verilog-eval-v2",
            fx.join("ve2").to_str().unwrap(),
            "--samples",
            fx.join("ve2-samples.jsonl").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-cache",
            "--timeout",
            "3",
            "--jobs",
            "2",
        ])
        .env("XDG_CACHE_HOME", d.path().join("cache")),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let paths = [out.as_path(), fx.as_path()];
    insta::assert_snapshot!("eval_terminal", redact(&r.stdout, &paths));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    insta::assert_snapshot!("eval_report_md", redact(&md, &paths));
    let mut summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for k in ["wall_seconds", "sim_seconds", "simulator_version"] {
        summary[k] = serde_json::Value::String(format!("[{k}]"));
    }
    insta::assert_snapshot!(
        "eval_summary_json",
        serde_json::to_string_pretty(&summary).unwrap()
    );
}
