//! `rtlsmith cosim` end to end: models of our own for bundled designs match their RTL on both
//! simulators; planted single-line RTL faults are caught with the port named; broken models
//! and bad input get the verdict or error they deserve.

use std::path::{Path, PathBuf};

use crate::common::{Run, command, root};

fn fx(rel: &str) -> String {
    root()
        .join("tests/fixtures/cosim")
        .join(rel)
        .display()
        .to_string()
}

fn rtl(rel: &str) -> String {
    root().join("rtl").join(rel).display().to_string()
}

fn cosim(args: &[&str]) -> (Run, serde_json::Value) {
    let mut full = vec!["cosim", "--json"];
    full.extend_from_slice(args);
    let r = Run::of(&mut command(&full));
    let v = serde_json::from_str(r.stdout.trim()).unwrap_or(serde_json::Value::Null);
    (r, v)
}

/// A copy of `file` with `from` replaced by `to` (exactly once), in `dir`.
fn plant(dir: &Path, file: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(file).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{from} in {file}");
    let dest = dir.join(Path::new(file).file_name().unwrap());
    std::fs::write(&dest, text.replace(from, to)).unwrap();
    dest
}

#[test]
fn models_match_their_rtl_on_both_simulators() {
    for (src, top, model, extra) in [
        (rtl("counter.v"), "counter", "counter_model.cpp", vec![]),
        (rtl("alu.v"), "alu", "alu_model.cpp", vec![]),
        (fx("wide_reg.v"), "wide_reg", "wide_reg_model.cpp", vec![]),
        (
            rtl("skid_buffer.v"),
            "skid_buffer",
            "skid_buffer_model.cpp",
            vec!["--when", "m_data=m_valid"],
        ),
    ] {
        let m = fx(model);
        let mut args = vec![src.as_str(), "--top", top, "--model", &m, "--sim", "both"];
        args.extend(extra);
        let (r, v) = cosim(&args);
        assert_eq!(r.code, 0, "{top}: {}{}", r.stdout, r.stderr);
        assert_eq!(v["verdict"], "match", "{v}");
        assert_eq!(v["simulator"], "both");
        assert_eq!(v["disagreement"], false);
        assert_eq!(v["runs"].as_array().unwrap().len(), 2);
        assert_eq!(v["cycles"], 1000);
    }
}

#[test]
fn planted_faults_are_caught_with_the_port_named_on_both_simulators() {
    let d = tempfile::tempdir().unwrap();
    for (file, top, model, from, to, port) in [
        (
            rtl("counter.v"),
            "counter",
            "counter_model.cpp",
            "q - 1'b1",
            "q + 1'b1",
            "q",
        ),
        (
            rtl("alu.v"),
            "alu",
            "alu_model.cpp",
            "OP_XOR: y = a ^ b;",
            "OP_XOR: y = a | b;",
            "y",
        ),
        (
            fx("wide_reg.v"),
            "wide_reg",
            "wide_reg_model.cpp",
            "q <= a ^ b;",
            "q <= a | b;",
            "q",
        ),
    ] {
        let sub = d.path().join(top);
        std::fs::create_dir_all(&sub).unwrap();
        let bad = plant(&sub, &file, from, to);
        let m = fx(model);
        let (r, v) = cosim(&[
            bad.to_str().unwrap(),
            "--top",
            top,
            "--model",
            &m,
            "--sim",
            "both",
            "--seed",
            "3",
        ]);
        assert_eq!(r.code, 1, "{top}: {}{}", r.stdout, r.stderr);
        assert_eq!(v["verdict"], "mismatch", "{v}");
        assert_eq!(v["mismatch"]["port"], port, "{v}");
        // the same seed drives both simulators alike: the same first mismatch
        let runs = v["runs"].as_array().unwrap();
        assert_eq!(runs[0]["mismatch"], runs[1]["mismatch"], "{v}");
        assert_ne!(v["mismatch"]["expected"], v["mismatch"]["actual"]);
        assert!(!v["mismatch"]["inputs"].as_array().unwrap().is_empty());
        let waves: Vec<PathBuf> = runs
            .iter()
            .map(|run| PathBuf::from(run["wave"].as_str().unwrap()))
            .collect();
        for w in &waves {
            assert!(w.is_file(), "{w:?}");
        }
        // the kept work folder
        std::fs::remove_dir_all(waves[0].parent().unwrap().parent().unwrap()).unwrap();
    }
}

#[test]
fn a_rerun_with_another_seed_reuses_the_built_harness() {
    let m = fx("counter_model.cpp");
    let c = rtl("counter.v");
    let args = |seed: &'static str| ["--top", "counter", "--model", &m, "--seed", seed];
    let (r, v) = cosim(&[&[c.as_str()][..], &args("11")].concat());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let (r, v2) = cosim(&[&[c.as_str()][..], &args("12")].concat());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(v2["runs"][0]["build_cached"], true, "{v2}");
    assert_eq!(v["verdict"], "match");
}

#[test]
fn a_header_the_model_includes_is_part_of_the_build_key() {
    // model.cpp only includes counter.h: editing the header alone must rebuild the harness
    let d = tempfile::tempdir().unwrap();
    let header = d.path().join("counter.h");
    let text = std::fs::read_to_string(fx("counter_model.cpp")).unwrap();
    std::fs::write(&header, &text).unwrap();
    let model = d.path().join("model.cpp");
    std::fs::write(&model, "#include \"counter.h\"\n").unwrap();
    let c = rtl("counter.v");
    let m = model.display().to_string();
    let args = ["--top", "counter", "--model", m.as_str(), "--seed", "5"];
    let (r, v) = cosim(&[&[c.as_str()][..], &args].concat());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(v["verdict"], "match");
    std::fs::write(&header, text.replace("uint8_t(q + 1)", "uint8_t(q + 2)")).unwrap();
    let (r, v) = cosim(&[&[c.as_str()][..], &args].concat());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(v["verdict"], "mismatch", "{v}");
    assert_eq!(v["runs"][0]["build_cached"], false);
}

/// `rtlsmith cosim` of `rtl` (default: the bundled counter) against `model`, with `extra`.
fn counter_run(rtl_file: Option<&Path>, model: &str, extra: &[&str]) -> (Run, serde_json::Value) {
    let src = rtl_file.map_or_else(|| rtl("counter.v"), |p| p.display().to_string());
    let mut args = vec![src.as_str(), "--top", "counter", "--model", model];
    args.extend_from_slice(extra);
    cosim(&args)
}

/// A run that must end with `code` and say `needle` on stderr.
fn refused(r: &Run, code: i32, needle: &str) {
    assert_eq!(r.code, code, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(needle),
        "wanted `{needle}` in: {}",
        r.stderr
    );
}

/// A run whose (first) simulator gave `verdict` with `needle` in its message.
fn verdict(r: &Run, v: &serde_json::Value, verdict: &str, needle: &str) {
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(v["verdict"], verdict, "{v}");
    let msg = v["runs"][0]["message"].as_str().unwrap_or("");
    assert!(msg.contains(needle), "wanted `{needle}` in: {v}");
}

#[test]
fn broken_models_are_named_as_the_culprit() {
    let d = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(fx("counter_model.cpp")).unwrap();
    let variant = |name: &str, from: &str, to: &str| {
        let p = d.path().join(name);
        assert!(good.contains(from));
        let text = format!("#include <csignal>\n{}", good.replace(from, to));
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    // refused before anything runs, naming the port: a missing field, one too narrow, the clock
    let m = variant(
        "no_tc.cpp",
        "  bool tc = 0;\n  void eval() { tc = up ? (q == 0xff) : (q == 0); }",
        "  void eval() {}",
    );
    refused(
        &counter_run(None, &m, &[]).0,
        2,
        "port tc (output, 1 bit(s)) has no field",
    );
    let m = variant("narrow.cpp", "uint8_t d = 0;", "bool d = 0;");
    refused(
        &counter_run(None, &m, &[]).0,
        2,
        "field d is 1 bit(s) wide but port d is 8",
    );
    let m = variant("clk.cpp", "bool rst = 0,", "bool clk = 0, rst = 0,");
    refused(&counter_run(None, &m, &[]).0, 2, "field clk is the clock");
    let segv = variant(
        "segv.cpp",
        "    if (rst) q = 0;",
        "    if (!rst && en && load && up) std::raise(SIGSEGV);\n    if (rst) q = 0;",
    );
    // (a loop with a side effect: an empty one may be optimised away)
    let endless = variant(
        "loop.cpp",
        "  void eval() {",
        "  void eval() { static volatile int spin; while (load && en && up) spin = spin + 1;",
    );
    for sim in ["verilator", "icarus"] {
        let (r, v) = counter_run(None, &segv, &["--sim", sim]);
        verdict(&r, &v, "model_error", "the model crashed");
        let (r, v) = counter_run(None, &endless, &["--sim", sim, "--timeout", "2"]);
        verdict(&r, &v, "model_error", "did not return");
    }
    // a model that does not compile: the verdict names it, with g++'s file:line
    let m = variant("syntax.cpp", "void tick() {", "void tick() { int x = ;");
    let (r, v) = counter_run(None, &m, &[]);
    verdict(&r, &v, "model_error", "the model does not compile");
    let first = v["runs"][0]["messages"][0].as_str().unwrap().to_string();
    assert!(first.starts_with(&m) && first.contains("error"), "{first}");
}

#[test]
fn bad_input_is_named() {
    let d = tempfile::tempdir().unwrap();
    let m = fx("counter_model.cpp");
    // RTL that does not compile: an RTL error with the simulator's message
    let bad = plant(
        d.path(),
        &rtl("counter.v"),
        "assign tc = up ?",
        "assign tc = up ? ?",
    );
    let (r, v) = counter_run(Some(&bad), &m, &[]);
    verdict(&r, &v, "rtl_error", "counter.v:");
    // a top module that does not exist, a model that does not exist
    let r = cosim(&[&rtl("counter.v"), "--top", "nope", "--model", &m]).0;
    refused(
        &r,
        2,
        "no module nope in the sources (they define: counter)",
    );
    let r = counter_run(None, "/nonexistent/model.cpp", &[]).0;
    refused(&r, 2, "/nonexistent/model.cpp: not found");
    // malformed --vectors, with the line; --when naming no output
    let vec = d.path().join("v.jsonl");
    std::fs::write(&vec, "{\"d\": 1}\n{\"d\": 300}\n").unwrap();
    let vecs = vec.to_str().unwrap();
    let r = counter_run(None, &m, &["--vectors", vecs]).0;
    refused(&r, 2, "v.jsonl:2: d: the value does not fit in 8 bit(s)");
    let r = counter_run(None, &m, &["--when", "q=valid"]).0;
    refused(&r, 2, "has no valid output valid");
    // directed vectors come first and are applied
    std::fs::write(
        &vec,
        "{\"rst\": 1}\n{\"rst\": 0, \"load\": 1, \"d\": \"0xa5\"}\n",
    )
    .unwrap();
    let (r, v) = counter_run(
        None,
        &m,
        &["--vectors", vecs, "--cycles", "50", "--sim", "icarus"],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(v["cycles"], 50);
}

#[test]
fn falling_edges_and_second_clocks_are_unsupported() {
    let d = tempfile::tempdir().unwrap();
    let m = fx("counter_model.cpp");
    let neg = plant(d.path(), &rtl("counter.v"), "posedge clk", "negedge clk");
    let (r, _) = cosim(&[neg.to_str().unwrap(), "--top", "counter", "--model", &m]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("falling edge of clk is not supported"),
        "{}",
        r.stderr
    );
    let (r, _) = cosim(&[&rtl("async_fifo.v"), "--top", "async_fifo", "--model", &m]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("clock"), "{}", r.stderr);
}

#[test]
fn a_missing_simulator_or_compiler_exits_3() {
    let m = fx("counter_model.cpp");
    let r = Run::of(
        command(&[
            "cosim",
            &rtl("counter.v"),
            "--top",
            "counter",
            "--model",
            &m,
        ])
        .env("PATH", "/nonexistent"),
    );
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("verilator not found on PATH"),
        "{}",
        r.stderr
    );
}

#[test]
fn verilator_warnings_are_reported_not_fatal_and_an_async_reset_is_compared_at_once() {
    let d = tempfile::tempdir().unwrap();
    let v = d.path().join("w.v");
    std::fs::write(
        &v,
        "module w(input clk, input [3:0] a, output reg [3:0] q);\n  always @(posedge clk) q <= a + 5'd1;\nendmodule\n",
    )
    .unwrap();
    let m = d.path().join("m.cpp");
    std::fs::write(
        &m,
        "#include <cstdint>\nstruct Model { uint8_t a = 0, q = 0; void eval() {} void tick() { q = (a + 1) & 15; } };\n",
    )
    .unwrap();
    let (r, j) = cosim(&[
        v.to_str().unwrap(),
        "--top",
        "w",
        "--model",
        m.to_str().unwrap(),
        "--warmup",
        "1",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let w = j["runs"][0]["warnings"][0].as_str().unwrap_or("");
    assert!(w.contains("w.v:2") && w.contains("WIDTH"), "{j}");
    assert_eq!(j["compare_from"], 1);
    // wide_reg resets asynchronously: compared from the first reset cycle
    let (r, j) = cosim(&[
        &fx("wide_reg.v"),
        "--top",
        "wide_reg",
        "--model",
        &fx("wide_reg_model.cpp"),
        "--sim",
        "icarus",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(j["reset"]["asynchronous"], true, "{j}");
    assert_eq!(j["compare_from"], 0);
}

#[test]
fn an_x_on_a_compared_output_is_a_mismatch_on_icarus() {
    // the skid buffer's data register has no reset: without --when its X is compared
    let (r, v) = cosim(&[
        &rtl("skid_buffer.v"),
        "--top",
        "skid_buffer",
        "--model",
        &fx("skid_buffer_model.cpp"),
        "--sim",
        "icarus",
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(v["mismatch"]["port"], "m_data", "{v}");
    assert!(
        v["mismatch"]["actual"].as_str().unwrap().contains('x'),
        "{v}"
    );
    if let Some(w) = v["runs"][0]["wave"].as_str() {
        let _ =
            std::fs::remove_dir_all(std::path::Path::new(w).parent().unwrap().parent().unwrap());
    }
}
