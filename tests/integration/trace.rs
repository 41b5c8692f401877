//! `rtlsmith trace` end to end on real Icarus runs: faults planted in bundled designs
//! (sequential, combinational, two levels of modules) must come out as the top suspect; a
//! design sv-parser cannot read takes the coarse path and says so; a passing candidate, a
//! candidate that does not compile and a wrong `--compare` are answered as such.

use std::path::{Path, PathBuf};

use crate::common::{Run, command, root};

/// Write `src` with each (from, to) replacement applied once (each must apply) into `dir`.
fn planted(dir: &Path, src: &str, name: &str, edits: &[(&str, &str)]) -> PathBuf {
    let mut text = std::fs::read_to_string(root().join(src)).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{src} has no `{from}`");
        text = text.replacen(from, to, 1);
    }
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn line_of(path: &Path, needle: &str) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    1 + text[..text.find(needle).unwrap()].matches('\n').count() as u64
}

fn trace_json(args: &[&str]) -> (Run, serde_json::Value) {
    let mut all = vec!["trace"];
    all.extend_from_slice(args);
    all.push("--json");
    let r = Run::of(command(&all).current_dir(root()));
    let j = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr));
    (r, j)
}

/// Trace `dut` beside the unchanged `golden` source in the fixture testbench `<tb>.v` (its
/// instances are `dut` and `golden`).
fn pair_trace(dut: &Path, golden: &str, tb: &str) -> (Run, serde_json::Value) {
    let bench = format!("tests/fixtures/trace/{tb}.v");
    trace_json(&[
        dut.to_str().unwrap(),
        golden,
        &bench,
        "--top",
        tb,
        "--compare",
        "dut=golden",
    ])
}

fn top_suspect(j: &serde_json::Value) -> (String, u64) {
    let s = &j["suspects"][0];
    (
        s["file"].as_str().unwrap().to_string(),
        s["line"].as_u64().unwrap(),
    )
}

#[test]
fn a_planted_fault_in_a_sequential_design_is_the_top_suspect() {
    let d = tempfile::tempdir().unwrap();
    let dut = planted(
        d.path(),
        "rtl/counter.v",
        "counter_dut.v",
        &[
            ("module counter ", "module counter_dut "),
            ("q <= d;", "q <= ~d;"),
        ],
    );
    let (r, j) = pair_trace(&dut, "rtl/counter.v", "counter_pair_tb");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(j["verdict"], "fail");
    assert_eq!(j["failing_outputs"][0], "q");
    assert_eq!(j["first_mismatch"]["output"], "q");
    assert!(j["first_mismatch"]["time"].as_u64().unwrap() > 0);
    assert_eq!(
        top_suspect(&j),
        (dut.display().to_string(), line_of(&dut, "q <= ~d"))
    );
    let s = &j["suspects"][0];
    assert_eq!(s["statement"], "q <= ~d");
    assert!(s["score"].as_f64().unwrap() > 0.0);
    assert!(
        s["signals"].as_array().unwrap().iter().any(|x| x == "d"),
        "{s}"
    );
    assert!(s["reason"].as_str().unwrap().contains("failing"), "{s}");
    // suspects best first
    let scores: Vec<f64> = j["suspects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["score"].as_f64().unwrap())
        .collect();
    assert!(scores.len() > 1);
    // the waveform table: the failing output with its expected values, and the suspect's
    // signals
    let rows = j["waveform"]["signals"].as_array().unwrap();
    assert_eq!(rows[0]["name"], "q");
    assert!(rows[0]["expected"].is_array());
    assert!(rows.iter().any(|r| r["name"] == "d"));
    assert_eq!(
        j["waveform"]["times"].as_array().unwrap().len(),
        rows[0]["values"].as_array().unwrap().len()
    );
}

#[test]
fn a_planted_fault_in_a_case_arm_of_a_combinational_design_is_the_top_suspect() {
    let d = tempfile::tempdir().unwrap();
    let dut = planted(
        d.path(),
        "rtl/alu.v",
        "alu_dut.v",
        &[
            ("module alu ", "module alu_dut "),
            ("OP_XOR: y = a ^ b;", "OP_XOR: y = a | b;"),
        ],
    );
    let (_, j) = trace_json(&[
        dut.to_str().unwrap(),
        "rtl/alu.v",
        "tests/fixtures/trace/alu_pair_tb.v",
        "--top",
        "alu_pair_tb",
        "--compare",
        "alu_pair_tb.dut=alu_pair_tb.golden",
    ]);
    assert_eq!(j["failing_outputs"], serde_json::json!(["y"]));
    let xor = line_of(&dut, "OP_XOR: y = a | b");
    assert_eq!(top_suspect(&j).1, xor);
    // the case arm was evaluated: the other arms ran in no failing observation
    for s in j["suspects"].as_array().unwrap() {
        if s["statement"].as_str().unwrap().starts_with("y = a & b") {
            panic!("the AND arm never produced a failing y: {s} (fault at {xor})");
        }
    }
}

#[test]
fn a_planted_fault_in_a_submodule_is_found_through_the_instances() {
    let d = tempfile::tempdir().unwrap();
    let dut = planted(
        d.path(),
        "tests/fixtures/trace/sum4.v",
        "sum4_dut.v",
        &[
            ("module add2 ", "module add2_dut "),
            ("module sum4 ", "module sum4_dut "),
            ("add2 lo", "add2_dut lo"),
            ("add2 hi", "add2_dut hi"),
            ("s = 9'h1ff;", "s = 9'h0ff;"),
        ],
    );
    let (_, j) = pair_trace(&dut, "tests/fixtures/trace/sum4.v", "sum4_pair_tb");
    assert_eq!(top_suspect(&j).1, line_of(&dut, "s = 9'h0ff"));
    assert_eq!(j["suspects"][0]["statement"], "s = 9'h0ff");
    // the signals are named through the hierarchy
    let sig = j["suspects"][0]["signals"].as_array().unwrap();
    assert!(sig.iter().any(|s| s == "lo.s" || s == "hi.s"), "{sig:?}");
}

#[test]
fn a_design_sv_parser_cannot_read_takes_the_coarse_path_and_says_so() {
    let (r, j) = trace_json(&[
        "tests/fixtures/trace/macro_counter.v",
        "tests/fixtures/trace/macro_pair_tb.v",
        "--top",
        "macro_pair_tb",
        "--compare",
        "dut=golden",
    ]);
    assert_eq!(r.code, 1);
    let notes = j["notes"].to_string();
    assert!(
        notes.contains("macro_counter.v") && notes.contains("coarse"),
        "{notes}"
    );
    let p = root().join("tests/fixtures/trace/macro_counter.v");
    assert_eq!(top_suspect(&j).1, line_of(&p, "else q <= `NEXT(q)"));
    // and in text
    let t = Run::of(
        command(&[
            "trace",
            "tests/fixtures/trace/macro_counter.v",
            "tests/fixtures/trace/macro_pair_tb.v",
            "--top",
            "macro_pair_tb",
            "--compare",
            "dut=golden",
        ])
        .current_dir(root()),
    );
    assert!(
        t.stdout.contains("note: ") && t.stdout.contains("could not parse"),
        "{}",
        t.stdout
    );
}

#[test]
fn passing_designs_failing_compiles_and_wrong_instances_are_answered() {
    // the reference against itself: nothing to trace, exit 0
    let d = tempfile::tempdir().unwrap();
    let same = planted(
        d.path(),
        "rtl/counter.v",
        "counter_dut.v",
        &[("module counter ", "module counter_dut ")],
    );
    let args = |dut: &Path, cmp: &'static str| {
        vec![
            dut.to_str().unwrap().to_string(),
            "rtl/counter.v".to_string(),
            "tests/fixtures/trace/counter_pair_tb.v".to_string(),
            "--top".to_string(),
            "counter_pair_tb".to_string(),
            "--compare".to_string(),
            cmp.to_string(),
        ]
    };
    let mut a = vec!["trace".to_string()];
    a.extend(args(&same, "dut=golden"));
    let r = Run::of(command(&a).current_dir(root()));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("nothing to trace"), "{}", r.stdout);

    // a candidate that does not compile: the compiler's diagnostics
    let broken = planted(
        d.path(),
        "rtl/counter.v",
        "broken.v",
        &[
            ("module counter ", "module counter_dut "),
            ("q <= d;", "q <= d +;"),
        ],
    );
    let mut a = vec!["trace".to_string()];
    a.extend(args(&broken, "dut=golden"));
    a.push("--json".into());
    let r = Run::of(command(&a).current_dir(root()));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["verdict"], "compile_error");
    assert!(j["diagnostics"].to_string().contains("broken.v"), "{j}");

    // instances that do not exist: named, with the ones that do
    let mut a = vec!["trace".to_string()];
    a.extend(args(&same, "dut=nosuch"));
    let r = Run::of(command(&a).current_dir(root()));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("nosuch") && r.stderr.contains("golden"),
        "{}",
        r.stderr
    );
    let r = Run::of(command(&["trace", "rtl/counter.v", "--top", "counter"]).current_dir(root()));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--compare"), "{}", r.stderr);
}

#[test]
fn a_verilog_eval_candidate_is_traced_with_the_suite_s_instances() {
    let d = tempfile::tempdir().unwrap();
    let cand = d.path().join("cand.sv");
    let reference =
        std::fs::read_to_string(root().join("tests/fixtures/eval/ve2/Prob002_dff8r_ref.sv"))
            .unwrap();
    std::fs::write(
        &cand,
        reference
            .replace("RefModule", "TopModule")
            .replace("else q <= d;", "else q <= d ^ 8'h10;"),
    )
    .unwrap();
    let (r, j) = trace_json(&[
        "verilog-eval-v2",
        "tests/fixtures/eval/ve2",
        "--task",
        "Prob002_dff8r",
        "--candidate",
        cand.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        top_suspect(&j),
        (cand.display().to_string(), line_of(&cand, "else q <= d ^"))
    );
    // the reference itself passes (given by a path relative to where rtlsmith runs)
    let refc = d.path().join("ref.sv");
    std::fs::write(&refc, reference.replace("RefModule", "TopModule")).unwrap();
    let ve2 = root().join("tests/fixtures/eval/ve2");
    let r = Run::of(
        command(&[
            "trace",
            "verilog-eval-v2",
            ve2.to_str().unwrap(),
            "--task",
            "Prob002_dff8r",
            "--candidate",
            "ref.sv",
        ])
        .current_dir(d.path()),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = Run::of(
        command(&[
            "trace",
            "verilog-eval-v2",
            "tests/fixtures/eval/ve2",
            "--task",
            "Prob999_x",
        ])
        .current_dir(root()),
    );
    assert_eq!(r.code, 2);
}

#[test]
fn expected_values_can_come_from_a_cpp_golden_model() {
    let d = tempfile::tempdir().unwrap();
    let dut = planted(
        d.path(),
        "rtl/counter.v",
        "counter.v",
        &[("q <= d;", "q <= ~d;")],
    );
    let (r, j) = trace_json(&[
        dut.to_str().unwrap(),
        "--top",
        "counter",
        "--cosim",
        "tests/fixtures/cosim/counter_model.cpp",
        "--cycles",
        "300",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(j["first_mismatch"]["output"], "q");
    assert_eq!(top_suspect(&j).1, line_of(&dut, "q <= ~d"));
    // the model's values are shown as expected
    assert!(j["waveform"]["signals"][0]["expected"].is_array(), "{j}");
    // the design as the model wants it: nothing to trace
    let r = Run::of(
        command(&[
            "trace",
            "rtl/counter.v",
            "--top",
            "counter",
            "--cosim",
            "tests/fixtures/cosim/counter_model.cpp",
            "--cycles",
            "300",
        ])
        .current_dir(root()),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("nothing to trace"), "{}", r.stdout);
}

#[test]
fn without_a_reference_the_testbench_s_messages_name_the_failures() {
    let d = tempfile::tempdir().unwrap();
    let dut = planted(
        d.path(),
        "rtl/counter.v",
        "counter.v",
        &[("q <= d;", "q <= ~d;")],
    );
    let (r, j) = trace_json(&[
        dut.to_str().unwrap(),
        "tests/fixtures/trace/counter_msg_tb.v",
        "--top",
        "counter_msg_tb",
        "--dut",
        "dut",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(j["failing_outputs"], serde_json::json!(["q"]));
    assert_eq!(top_suspect(&j).1, line_of(&dut, "q <= ~d"));
    assert!(j["notes"].to_string().contains("messages"), "{j}");
    // no expected values to show without a reference
    assert!(j["waveform"]["signals"][0].get("expected").is_none(), "{j}");
    let r = Run::of(
        command(&[
            "trace",
            "rtl/counter.v",
            "tests/fixtures/trace/counter_msg_tb.v",
            "--top",
            "counter_msg_tb",
            "--dut",
            "dut",
        ])
        .current_dir(root()),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}
