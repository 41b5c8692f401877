//! `rtlsmith eval` and `rtlsmith suite list` end to end: our own small fixtures in each suite
//! format (with honest and dishonest candidates and their expected verdicts), and the real
//! suites in ../shared/benchmarks for the reference calibration.

use std::collections::HashMap;
use std::path::Path;

use crate::common::{command, root, rtlsmith};

fn fx(rel: &str) -> String {
    root()
        .join("tests/fixtures/eval")
        .join(rel)
        .display()
        .to_string()
}

fn shared(rel: &str) -> String {
    let p = root().join("../shared/benchmarks").join(rel);
    assert!(
        p.exists(),
        "the benchmark data is expected at {} (../shared beside the checkout)",
        p.display()
    );
    p.display().to_string()
}

#[derive(Debug, Clone, serde::Deserialize)]
struct Line {
    task_id: String,
    sample: usize,
    code: char,
    passed: bool,
    cached: bool,
    #[serde(default)]
    reason: String,
}

fn results(dir: &Path) -> Vec<Line> {
    std::fs::read_to_string(dir.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn expected(file: &str) -> Vec<(String, usize, char)> {
    std::fs::read_to_string(fx(file))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut it = l.split_whitespace();
            (
                it.next().unwrap().to_string(),
                it.next().unwrap().parse().unwrap(),
                it.next().unwrap().chars().next().unwrap(),
            )
        })
        .collect()
}

fn check_expected(dir: &Path, file: &str) {
    let got: HashMap<(String, usize), Line> = results(dir)
        .into_iter()
        .map(|l| ((l.task_id.clone(), l.sample), l))
        .collect();
    let want = expected(file);
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (task, sample, code) in want {
        let l = &got[&(task.clone(), sample)];
        assert_eq!(l.code, code, "{task} sample {sample}: {}", l.reason);
        assert_eq!(l.passed, code == '.');
    }
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn verilog_eval_v2_fixture_samples_get_the_expected_verdicts() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let r = rtlsmith(&[
        "eval",
        "verilog-eval-v2",
        &fx("ve2"),
        "--samples",
        &fx("ve2-samples.jsonl"),
        "--out",
        o,
        "--no-cache",
        "--timeout",
        "3",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    check_expected(out.path(), "ve2-expected.txt");
    // the three identical correct candidates were simulated once
    let reused = results(out.path()).iter().filter(|l| l.cached).count();
    assert_eq!(reused, 2);
    let s = summary(out.path());
    assert_eq!(s["format_version"], 1);
    assert_eq!(s["suite"], "verilog-eval-v2");
    assert_eq!(s["simulator"], "icarus");
    assert!(
        s["simulator_version"]
            .as_str()
            .unwrap()
            .contains("Icarus Verilog")
    );
    let and2 = &s["problems"][0];
    assert_eq!(
        (
            and2["id"].as_str().unwrap(),
            and2["n"].as_u64().unwrap(),
            and2["c"].as_u64().unwrap()
        ),
        ("Prob001_and2", 12, 3)
    );
    // pass@1 is the mean of c/n over problems: (3/12 + 1/6) / 2
    let p1 = s["pass_at"]["1"].as_f64().unwrap();
    assert!((p1 - (3.0 / 12.0 + 1.0 / 6.0) / 2.0).abs() < 1e-9, "{p1}");
    for f in ["report.md", "junit.xml", "references.jsonl", "run.json"] {
        assert!(out.path().join(f).is_file(), "{f} missing");
    }
    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(
        md.contains("| `X` | refused: tries to fake a verdict | 8 |"),
        "{md}"
    );
}

#[test]
fn verilog_eval_v1_fixture() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let r = rtlsmith(&[
        "suite",
        "list",
        "verilog-eval-v1",
        &fx("ve1/VerilogEval_Human.jsonl"),
    ]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .contains("mux2w4\ttop_module\tin: x[3:0], y[3:0], sel; out: out[3:0]"),
        "{}",
        r.stdout
    );
    let r = rtlsmith(&[
        "eval",
        "verilog-eval-v1",
        &fx("ve1/VerilogEval_Human.jsonl"),
        "--samples",
        &fx("ve1-samples.jsonl"),
        "--out",
        o,
        "--no-cache",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    check_expected(out.path(), "ve1-expected.txt");
}

#[test]
fn rtllm_fixture_with_data_files_fakes_and_bad_bytes() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let r = rtlsmith(&[
        "eval",
        "rtllm",
        &fx("rtllm11"),
        "--samples",
        &fx("rtllm11-samples"),
        "--out",
        o,
        "--no-cache",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    check_expected(out.path(), "rtllm11-expected.txt");
    assert_eq!(summary(out.path())["variant"], "v1.1");
}

#[test]
fn references_of_the_real_suites_and_their_errata() {
    // VerilogEval v2 spec-to-rtl under Icarus 11: 151 of 156, the five known errata
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let r = rtlsmith(&[
        "eval",
        "verilog-eval-v2",
        &shared("verilog-eval-v2/dataset_spec-to-rtl"),
        "--references",
        "--out",
        o,
        "--no-cache",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let s = summary(out.path());
    assert_eq!(s["samples"], 156);
    assert_eq!(s["passed"], 151);
    let errata: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(
        &std::fs::read_to_string(out.path().join("errata.json")).unwrap(),
    )
    .unwrap()
    .iter()
    .map(|e| e["id"].as_str().unwrap().to_string())
    .collect();
    assert_eq!(
        errata,
        [
            "Prob082_lfsr32",
            "Prob099_m2014_q6c",
            "Prob141_count_clock",
            "Prob151_review2015_fsm",
            "Prob156_review2015_fancytimer"
        ]
    );
    // RTLLM v2.0: 46 of 50 (folder names with spaces, data files read relatively)
    let out2 = tempfile::tempdir().unwrap();
    let o2 = out2.path().to_str().unwrap();
    let r = rtlsmith(&[
        "eval",
        "rtllm",
        &shared("rtllm-v2"),
        "--references",
        "--out",
        o2,
        "--no-cache",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let s = summary(out2.path());
    assert_eq!(s["variant"], "v2.0");
    assert_eq!(s["passed"], 46);
    let mut errata: Vec<String> = s["errata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    errata.sort();
    assert_eq!(
        errata,
        ["asyn_fifo", "clkgenerator", "radix2_div", "ring_counter"]
    );
    // later sample runs mark an erratum problem
    let samples = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(samples.path().join("radix2_div")).unwrap();
    std::fs::write(
        samples.path().join("radix2_div/s.v"),
        "module radix2_div(input clk); endmodule\n",
    )
    .unwrap();
    let out3 = tempfile::tempdir().unwrap();
    let r = rtlsmith(&[
        "eval",
        "rtllm",
        &shared("rtllm-v2"),
        "--samples",
        samples.path().to_str().unwrap(),
        "--out",
        out3.path().to_str().unwrap(),
        "--no-cache",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let s = summary(out3.path());
    assert_eq!(s["problems"][0]["erratum"], true);
    assert!(
        std::fs::read_to_string(out3.path().join("report.md"))
            .unwrap()
            .contains("radix2_div (erratum)")
    );
}

#[test]
fn twenty_identical_copies_cost_one_simulation_and_the_cache_persists() {
    let d = tempfile::tempdir().unwrap();
    let samples = d.path().join("s.jsonl");
    let good = r#"{"task_id": "Prob001_and2", "completion": "module TopModule(input a, input b, output y); assign y = a & b; endmodule\n"}"#;
    let bad = r#"{"task_id": "Prob001_and2", "completion": "module TopModule(input a, input b, output y); assign y = a; endmodule\n"}"#;
    let mut text = String::new();
    for _ in 0..20 {
        text.push_str(good);
        text.push('\n');
        text.push_str(bad);
        text.push('\n');
    }
    std::fs::write(&samples, text).unwrap();
    let cache = d.path().join("cache");
    let run = |out: &str| {
        rtlsmith(&[
            "eval",
            "verilog-eval-v2",
            &fx("ve2"),
            "--samples",
            samples.to_str().unwrap(),
            "--out",
            d.path().join(out).to_str().unwrap(),
            "--cache-dir",
            cache.to_str().unwrap(),
        ])
    };
    let r = run("first");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("40 sample(s); 0 already judged in this run directory; 2 distinct candidate(s) to simulate"), "{}", r.stdout);
    let lines = results(&d.path().join("first"));
    assert_eq!(lines.iter().filter(|l| !l.cached).count(), 2);
    assert_eq!(lines.iter().filter(|l| l.passed).count(), 20);
    // a new run directory with the same cache simulates nothing
    let r = run("second");
    assert!(
        r.stdout.contains("0 distinct candidate(s) to simulate"),
        "{}",
        r.stdout
    );
    assert!(results(&d.path().join("second")).iter().all(|l| l.cached));
    assert_eq!(summary(&d.path().join("second"))["passed"], 20);
}

#[test]
fn a_killed_run_resumes_without_redoing_finished_samples() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("run");
    let args = |o: &Path| -> Vec<String> {
        [
            "eval",
            "verilog-eval-v2",
            &shared("verilog-eval-v2/dataset_spec-to-rtl"),
            "--references",
            "--jobs",
            "1",
            "--no-cache",
            "--out",
            o.to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let mut child = command(&args(&out))
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // let it judge some of the 156, then kill -9
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let n = std::fs::read_to_string(out.join("references.jsonl"))
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if n >= 20 || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // simulate a torn write at the moment of the kill
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(out.join("references.jsonl"))
        .unwrap();
    std::io::Write::write_all(&mut f, b"{\"task_id\":\"Prob0").unwrap();
    let before: Vec<String> = std::fs::read_to_string(out.join("references.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| l.ends_with('}'))
        .map(str::to_string)
        .collect();
    assert!(before.len() >= 20 && before.len() < 156, "{}", before.len());
    let r = command(&args(&out)).output().unwrap();
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "simulating {} reference solution(s)",
            156 - before.len()
        )),
        "{stdout}"
    );
    let after = std::fs::read_to_string(out.join("references.jsonl")).unwrap();
    // what finished before the kill is still there, unchanged, and not redone
    assert!(
        after
            .lines()
            .take(before.len())
            .eq(before.iter().map(String::as_str))
    );
    let s = summary(&out);
    assert_eq!(s["samples"], 156);
    assert_eq!(s["passed"], 151);
}

#[test]
fn shards_merge_into_the_whole() {
    let d = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for shard in ["1/2", "2/2"] {
        let out = d.path().join(shard.replace('/', "of"));
        let r = rtlsmith(&[
            "eval",
            "verilog-eval-v2",
            &fx("ve2"),
            "--samples",
            &fx("ve2-samples.jsonl"),
            "--shard",
            shard,
            "--out",
            out.to_str().unwrap(),
            "--no-cache",
            "--timeout",
            "3",
        ]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        dirs.push(out.to_str().unwrap().to_string());
    }
    let merged = d.path().join("merged");
    let r = rtlsmith(&[
        "eval",
        "merge",
        &dirs[0],
        &dirs[1],
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    check_expected(&merged, "ve2-expected.txt");
    assert_eq!(summary(&merged)["samples"], 18);
}

#[test]
fn bad_input_gets_clear_errors() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("o");
    let o = out.to_str().unwrap();
    // malformed JSONL names the line; unknown task ids are named
    for (file, text, says) in [
        (
            "bad.jsonl",
            "{\"task_id\": \"Prob001_and2\", \"completion\": \"x\"}\n{not json}\n",
            "bad.jsonl: line 2",
        ),
        (
            "unk.jsonl",
            "{\"task_id\": \"Prob999_nope\", \"completion\": \"x\"}\n",
            "Prob999_nope",
        ),
    ] {
        let samples = d.path().join(file);
        std::fs::write(&samples, text).unwrap();
        let r = rtlsmith(&[
            "eval",
            "verilog-eval-v2",
            &fx("ve2"),
            "--samples",
            samples.to_str().unwrap(),
            "--out",
            o,
            "--no-cache",
        ]);
        assert_eq!(r.code, 2, "{file}");
        assert!(r.stderr.contains(says), "{file}: {}", r.stderr);
    }
    // a suite folder that is not one
    let r = rtlsmith(&[
        "eval",
        "verilog-eval-v2",
        d.path().to_str().unwrap(),
        "--references",
        "--out",
        o,
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no ProbNNN_*_prompt.txt"), "{}", r.stderr);
    let r = rtlsmith(&["suite", "list", "rtllm", "/no/such/folder"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not found"), "{}", r.stderr);
    // a parent of the two v2 datasets says which to choose
    let r = rtlsmith(&[
        "suite",
        "list",
        "verilog-eval-v2",
        &shared("verilog-eval-v2"),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("dataset_spec-to-rtl"), "{}", r.stderr);
    // a run directory is not reused for a different run
    let ok = rtlsmith(&[
        "eval",
        "verilog-eval-v2",
        &fx("ve2"),
        "--references",
        "--out",
        o,
        "--no-cache",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let r = rtlsmith(&[
        "eval",
        "verilog-eval-v2",
        &fx("ve2"),
        "--references",
        "--out",
        o,
        "--no-cache",
        "--timeout",
        "7",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("holds a different run"), "{}", r.stderr);
    // bad shard
    let r = rtlsmith(&[
        "eval",
        "verilog-eval-v2",
        &fx("ve2"),
        "--references",
        "--shard",
        "3/2",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--shard 3/2 is not I/N with 1 <= I <= N"),
        "{}",
        r.stderr
    );
}

#[test]
fn verilator_judges_with_the_same_codes() {
    let d = tempfile::tempdir().unwrap();
    let samples = d.path().join("s.jsonl");
    std::fs::write(
        &samples,
        concat!(
            r#"{"task_id": "Prob001_and2", "completion": "module TopModule(input a, input b, output y); assign y = a & b; endmodule\n"}"#,
            "\n",
            r#"{"task_id": "Prob001_and2", "completion": "module TopModule(input a, input b, output y); assign y = a ^ b; endmodule\n"}"#,
            "\n",
            r#"{"task_id": "Prob001_and2", "completion": "module TopModule(input a, input b, output y); nand_gate g(a, b, y); endmodule\n"}"#,
            "\n",
        ),
    )
    .unwrap();
    let out = d.path().join("o");
    let r = rtlsmith(&[
        "eval",
        "verilog-eval-v2",
        &fx("ve2"),
        "--samples",
        samples.to_str().unwrap(),
        "--sim",
        "verilator",
        "--out",
        out.to_str().unwrap(),
        "--no-cache",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let codes: Vec<char> = {
        let mut l = results(&out);
        l.sort_by_key(|l| l.sample);
        l.iter().map(|l| l.code).collect()
    };
    assert_eq!(codes, ['.', 'R', 'm']);
    assert!(
        summary(&out)["simulator_version"]
            .as_str()
            .unwrap()
            .starts_with("Verilator")
    );
}

#[test]
fn eval_trace_attaches_suspects_to_each_sample_that_ran_and_mismatched() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let r = rtlsmith(&[
        "eval",
        "verilog-eval-v2",
        &fx("ve2"),
        "--samples",
        &fx("ve2-samples.jsonl"),
        "--out",
        o,
        "--no-cache",
        "--timeout",
        "3",
        "--trace",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // the verdicts are the same as without --trace
    check_expected(out.path(), "ve2-expected.txt");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(out.path().join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut traced = 0;
    for l in &lines {
        let ran_and_failed = matches!(l["code"].as_str(), Some("R" | "r"));
        let Some(suspects) = l.get("suspects") else {
            // a wrong function and a synchronous reset written asynchronously mismatch
            let (task, sample) = (
                l["task_id"].as_str().unwrap(),
                l["sample"].as_u64().unwrap(),
            );
            assert!(
                !matches!((task, sample), ("Prob001_and2", 3) | ("Prob002_dff8r", 1)),
                "{l}"
            );
            continue;
        };
        assert!(
            ran_and_failed,
            "only samples that ran and failed are traced: {l}"
        );
        let s = &suspects[0];
        // the suspect points into the kept copy of the candidate
        let file = s["file"].as_str().unwrap();
        assert!(file.contains("/trace/"), "{s}");
        let text = std::fs::read_to_string(file).unwrap();
        let line = s["line"].as_u64().unwrap() as usize;
        assert!(text.lines().nth(line - 1).is_some(), "{s}");
        traced += 1;
    }
    assert!(traced > 0, "no sample ran and failed in the fixture");
    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(md.contains("Suspects of failing samples"), "{md}");
}
