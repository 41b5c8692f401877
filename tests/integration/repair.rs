//! `rtlsmith repair` end to end with the real simulators and scripted candidate fixes (never a
//! model's work): a planted fault fixed in two rounds with the benchmark's testbench judging
//! (oracle in the loop) and a cheating candidate refused; the same against a C++ model (no
//! oracle); a testbench of the user's own with a compile error's categorized hint.

use std::path::Path;

use serde_json::Value;

use crate::common::{root, rtlsmith_in};

fn scripted(dir: &Path, replies: &[&str]) -> String {
    let text: String = replies
        .iter()
        .map(|r| {
            format!(
                "{}\n",
                serde_json::json!({ "reply": format!("```verilog\n{r}\n```") })
            )
        })
        .collect();
    let p = dir.join("replies.scripted.jsonl");
    std::fs::write(&p, text).unwrap();
    format!("scripted:{}", p.display())
}

fn repair(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = dir.join("out");
    let mut all = vec!["repair", "--out", out.to_str().unwrap(), "--json"];
    all.extend_from_slice(args);
    let r = rtlsmith_in(&root(), &all, &[]);
    let v = serde_json::from_str(&r.stdout).unwrap_or(Value::Null);
    (r.code, v, format!("{}\n{}", r.stdout, r.stderr))
}

const DFF_BUG: &str = "module TopModule (\n  input clk,\n  input reset,\n  input [7:0] d,\n  output reg [7:0] q\n);\n  always @(posedge clk)\n    if (reset) q <= 8'd1;\n    else q <= d;\nendmodule\n";

#[test]
fn a_planted_fault_is_fixed_in_two_rounds_and_a_cheat_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let design = d.path().join("dff.sv");
    std::fs::write(&design, DFF_BUG).unwrap();
    let model = scripted(
        d.path(),
        &[
            // round 1: a fix that forgets the reset, and one that ends the simulation
            "always @(posedge clk)\n    q <= d;",
            "module TopModule (input clk, input reset, input [7:0] d, output reg [7:0] q);\n  initial begin #1 $display(\"Mismatches: 0 in 100 samples\"); $finish; end\n  always @(posedge clk) q <= d;\nendmodule",
            // round 2: the fix (an always block), and another (a whole module)
            "always @(posedge clk)\n    if (reset) q <= 8'd0;\n    else q <= d;",
            "module TopModule (input clk, input reset, input [7:0] d, output reg [7:0] q);\n  always @(posedge clk) q <= reset ? 8'd0 : d;\nendmodule",
        ],
    );
    let (code, v, log) = repair(
        d.path(),
        &[
            design.to_str().unwrap(),
            "--suite",
            "verilog-eval-v2",
            "tests/fixtures/eval/ve2",
            "--task",
            "Prob002_dff8r",
            "--model",
            &model,
            "--candidates",
            "2",
            "--iterations",
            "3",
        ],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(v["verdict"], "pass", "{v}");
    assert_eq!(v["rounds"], 2);
    assert_eq!(v["oracle"], "in-loop");
    let c = v["candidates"].as_array().unwrap();
    assert_eq!(c.len(), 4);
    assert_eq!(c[0]["verdict"], "fail");
    assert!(c[0]["mismatches"].as_u64().unwrap() > 0);
    assert_eq!(c[0]["refused"], Value::Null);
    assert_eq!(c[1]["verdict"], "refused");
    assert!(c[1]["refused"].as_str().unwrap().contains("$finish"), "{v}");
    assert_eq!(c[2]["verdict"], "pass");
    assert_eq!(c[2]["mismatches"], 0);
    let fixed = std::fs::read_to_string(v["final"].as_str().unwrap()).unwrap();
    assert!(
        fixed.contains("q <= 8'd0") && !fixed.contains("8'd1"),
        "{fixed}"
    );
    // the user's file is untouched; round 2 was told round 1's best and its trace
    assert_eq!(std::fs::read_to_string(&design).unwrap(), DFF_BUG);
    let llm = d.path().join("out/llm");
    let p = std::fs::read_dir(&llm)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("round-2--candidate-1"))
        .unwrap();
    let prompt = std::fs::read_to_string(p).unwrap();
    assert!(prompt.contains("suspects (ochiai)"), "{prompt}");
    assert!(
        prompt.contains("always @(posedge clk)\n    q <= d;"),
        "{prompt}"
    );
    let md = std::fs::read_to_string(d.path().join("out/report.md")).unwrap();
    assert!(md.contains("oracle in the loop"), "{md}");
}

#[test]
fn against_a_c_model_there_is_no_oracle_and_compile_errors_get_a_hint() {
    // the bundled counter with its down-count broken, judged by a C++ model
    let d = tempfile::tempdir().unwrap();
    let design = d.path().join("counter.v");
    let good = std::fs::read_to_string(root().join("rtl/counter.v")).unwrap();
    let bad = good.replace("q - 1'b1", "q + 1'b1");
    assert_ne!(good, bad);
    std::fs::write(&design, &bad).unwrap();
    let model = scripted(
        d.path(),
        &[
            // round 1: a candidate assigning a wire in an always block (does not compile)
            "module counter #(parameter WIDTH = 8) (input clk, input rst, input en, input load, input up, input [WIDTH-1:0] d, output [WIDTH-1:0] q, output tc);\n  always @(posedge clk) q <= d;\n  assign tc = 1'b0;\nendmodule",
            // round 2: the fix
            "always @(posedge clk) begin\n    if (rst) q <= {WIDTH{1'b0}};\n    else if (load) q <= d;\n    else if (en) q <= up ? q + 1'b1 : q - 1'b1;\n  end",
        ],
    );
    let (code, v, log) = repair(
        d.path(),
        &[
            design.to_str().unwrap(),
            "--model-cpp",
            "tests/fixtures/cosim/counter_model.cpp",
            "--model",
            &model,
            "--candidates",
            "1",
            "--iterations",
            "2",
            "--cycles",
            "500",
        ],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(v["verdict"], "pass", "{v}");
    assert_eq!(v["oracle"], "none");
    assert_eq!(v["candidates"][0]["verdict"], "compile-error", "{v}");
    assert_eq!(v["candidates"][1]["verdict"], "pass");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("out/report.json")).unwrap())
            .unwrap();
    assert_eq!(report["initial"]["verdict"], "fail", "{report}");
    assert!(report["initial"]["mismatches"].as_u64().unwrap() >= 1);

    // a testbench of the user's own, and a design that does not compile: the hint by category
    let d = tempfile::tempdir().unwrap();
    let design = d.path().join("inv.v");
    std::fs::write(
        &design,
        "module inv(input a, output y);\n  always @(*) y = ~a;\nendmodule\n",
    )
    .unwrap();
    let tb = d.path().join("inv_tb.v");
    std::fs::write(
        &tb,
        "module inv_tb;\n  reg a; wire y; integer errors = 0;\n  inv dut(.a(a), .y(y));\n  initial begin\n    a = 0; #1 if (y !== 1) errors = errors + 1;\n    a = 1; #1 if (y !== 0) errors = errors + 1;\n    if (errors == 0) $display(\"PASS\"); else $display(\"FAIL: %0d errors\", errors);\n    $finish;\n  end\nendmodule\n",
    )
    .unwrap();
    let model = scripted(
        d.path(),
        &["module inv(input a, output y);\n  assign y = ~a;\nendmodule"],
    );
    let (code, v, log) = repair(
        d.path(),
        &[
            design.to_str().unwrap(),
            "--tb",
            tb.to_str().unwrap(),
            "--model",
            &model,
            "--candidates",
            "1",
            "--iterations",
            "1",
        ],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(v["oracle"], "none");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("out/report.json")).unwrap())
            .unwrap();
    assert_eq!(report["initial"]["verdict"], "compile-error", "{report}");
    let llm = d.path().join("out/llm");
    let prompt = std::fs::read_dir(&llm)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .next()
        .unwrap();
    assert!(
        prompt.contains("category: procedural assignment to a wire"),
        "{prompt}"
    );
}
