//! `rtlsmith gen` end to end with the scripted provider (replies as fixture files named
//! `*.scripted.jsonl`, never a model's work) and the real g++, Verilator, Icarus and Yosys:
//! the worked examples replayed offline, a wrong top module caught by co-simulation and
//! regenerated, a wrong sub-function pinned by its own co-simulation, a question answered from
//! a file, each ablation, a resumed run, and bad input.

use std::path::Path;

use serde_json::Value;

use crate::common::{root, rtlsmith_in};

pub(crate) fn fx(name: &str) -> String {
    format!("scripted:tests/fixtures/gen/{name}.scripted.jsonl")
}

/// `rtlsmith gen SPEC ARGS --out DIR/out --json` from the checkout; (exit code, report.json).
pub(crate) fn run_gen(dir: &Path, spec: &str, args: &[&str]) -> (i32, Value, String) {
    let out = dir.join("out");
    let mut all = vec!["gen", spec, "--out", out.to_str().unwrap(), "--json"];
    all.extend_from_slice(args);
    let r = rtlsmith_in(&root(), &all, &[]);
    let report: Value = std::fs::read_to_string(out.join("report.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (r.code, report, format!("{}\n{}", r.stdout, r.stderr))
}

pub(crate) fn stage<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["stages"]
        .as_array()
        .and_then(|s| s.iter().find(|x| x["name"] == name))
        .unwrap_or(&Value::Null)
}

#[test]
fn worked_examples_replay_offline_verify_and_can_be_rechecked() {
    for (name, files) in [
        ("absdiff", &["cmp8.v", "absdiff.v"][..]),
        ("counter", &["incr4.v", "counter.v"][..]),
    ] {
        let d = tempfile::tempdir().unwrap();
        let spec = format!("specs/examples/{name}/spec.md");
        let session = format!("specs/examples/{name}/session.jsonl");
        let (code, rep, log) = run_gen(d.path(), &spec, &["--replay", &session]);
        assert_eq!(code, 0, "{name}: {log}");
        assert_eq!(rep["verdict"], "verified", "{name}: {rep}");
        assert_eq!(rep["scripted"], true);
        assert_eq!(rep["oracle"], "none");
        assert_eq!(rep["ablation"], "none");
        let out = d.path().join("out");
        for f in [
            "plan.json",
            "plan.md",
            "spec.json",
            "cpp/model.cpp",
            "tests/spec_tests.json",
            "tests/vectors.jsonl",
            "tests/vectors_tb.v",
            "report.md",
        ] {
            assert!(out.join(f).is_file(), "{name}: {f} missing");
        }
        assert!(
            std::fs::read_dir(out.join("llm")).unwrap().any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("001-understand")),
            "{name}: every prompt and reply is kept"
        );
        for f in files {
            assert!(out.join("rtl").join(f).is_file(), "{name}: rtl/{f}");
        }
        // every request came from the session: nothing asked
        for s in rep["stages"].as_array().unwrap() {
            assert_eq!(s["requests"], s["cached"], "{name}: {s}");
        }
        let plan: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
        assert_eq!(
            plan["interface"]["source"], "spec",
            "the interface comes from the port table"
        );
        assert!(
            plan["subfunctions"][0]["sources"][0]
                .as_str()
                .is_some_and(|c| c.starts_with('§') && c.contains("l. ")),
            "{plan}"
        );
        let synth = &rep["synth"];
        assert!(synth["cells"].as_u64().unwrap() > 0 && synth["latches"] == Value::Array(vec![]));
        // the report's cosim_command re-checks the result from the run directory
        let cmd: Vec<String> = rep["cosim_command"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(&cmd[..2], ["rtlsmith", "cosim"]);
        let args: Vec<&str> = cmd[1..].iter().map(String::as_str).collect();
        let r = rtlsmith_in(&out, &args, &[]);
        assert_eq!(r.code, 0, "{name}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("MATCH"), "{}", r.stdout);
    }
}

#[test]
fn a_wrong_top_module_is_caught_by_cosim_and_regenerated() {
    let d = tempfile::tempdir().unwrap();
    let (code, rep, log) = run_gen(
        d.path(),
        "specs/examples/counter/spec.md",
        &["--model", &fx("counter-top-bug")],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(rep["verdict"], "verified");
    let f = &rep["failures"][0];
    assert_eq!(f["check"], "cosim", "{rep}");
    assert_eq!(f["subfunction"], "counter");
    assert_eq!(f["port"], "q");
    assert!(f["cycle"].as_u64().is_some() && f["expected"] != f["actual"]);
    assert!(f["stimulus"].as_array().is_some_and(|a| !a.is_empty()));
    assert_eq!(rep["failures"].as_array().unwrap().len(), 1);
    assert_eq!(stage(&rep, "rtl")["iterations"], 1);
    assert_eq!(stage(&rep, "verify")["attempts"], 2);
    let failure = d.path().join("out/verify/failure-1.json");
    assert!(failure.is_file());
    // the regeneration prompt carried the failure
    let llm = d.path().join("out/llm");
    let regen = std::fs::read_dir(&llm)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("verilog-counter--attempt-2"))
        .expect("a second Verilog request for counter");
    let text = std::fs::read_to_string(regen).unwrap();
    assert!(
        text.contains("found a mismatch in counter: output q"),
        "{text}"
    );
    // route 3, decided by the analysis request, with trace's suspects and waveform in the prompt
    let dec = &rep["decisions"][0];
    assert_eq!(dec["route"], "code", "{rep}");
    assert_eq!(dec["route_number"], 3);
    assert_eq!(dec["decided_by"], "model");
    assert_eq!(dec["outcome"], "verified");
    assert!(d.path().join("out/reflect/01.json").is_file());
    assert!(text.contains("Trace of the mismatch"), "{text}");
    assert!(text.contains("suspects (ochiai)"), "{text}");
    assert!(text.contains("around the first mismatch"), "{text}");
    let analysis = std::fs::read_dir(&llm)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("reflect-counter"))
        .expect("an analysis request");
    let text = std::fs::read_to_string(analysis).unwrap();
    assert!(
        text.contains("incr4 (a dependency): its C++ still passes its own"),
        "{text}"
    );
    assert!(text.contains("suspects (ochiai)"), "{text}");
    report_in_a_browser(&d.path().join("out"), &rep);
}

/// The run's HTML report in a browser: the verdict, a node and a record per sub-function (a
/// record opens from the link), the stages, and the decision's waveform with the mismatching
/// output marked (the C++ model's value expected).
fn report_in_a_browser(out: &Path, rep: &Value) {
    use crate::browser::{browser, element, tags};
    let html = out.join("report.html");
    let r = rtlsmith_in(
        &root(),
        &[
            "report",
            out.to_str().unwrap(),
            "--out",
            html.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let Some(br) = browser("gen_report") else {
        return;
    };
    let dom = br.dom(&html, "#open=rec-incr4");
    let verdict = rep["verdict"].as_str().unwrap().to_uppercase();
    assert!(dom.contains(&format!("id=\"gen-verdict\" class=\"pass\">{verdict}<")));
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    for sf in plan["subfunctions"].as_array().unwrap() {
        let name = sf["name"].as_str().unwrap();
        assert_eq!(
            tags(&dom, "g", &format!(r#"data-subfunction="{name}""#)).len(),
            1
        );
        let rec = element(&dom, "details", &format!("rec-{name}")).unwrap();
        for c in sf["citations"].as_array().unwrap() {
            assert!(rec.contains(c.as_str().unwrap()), "{name}: {c}");
        }
    }
    // the link opened incr4's record, and only it
    assert!(tags(&dom, "details", r#"id="rec-incr4"[^>]*open"#).len() == 1);
    assert!(tags(&dom, "details", r#"id="rec-counter"[^>]*open"#).is_empty());
    assert_eq!(
        tags(&dom, "tr", "data-stage=").len(),
        rep["stages"].as_array().unwrap().len()
    );
    let dec = element(&dom, "details", "decision-1").unwrap();
    let port = rep["failures"][0]["port"].as_str().unwrap();
    assert!(dec.contains(&format!("data-signal=\"{port}\"")), "{dec}");
    assert!(dec.contains("class=\"mismatch\""), "{dec}");
    br.screenshot(&html, "#open=rec-counter", "report-gen");
}

#[test]
fn a_wrong_sub_function_is_pinned_by_its_own_cosim() {
    let d = tempfile::tempdir().unwrap();
    let (code, rep, log) = run_gen(
        d.path(),
        "specs/examples/counter/spec.md",
        &["--model", &fx("counter-sub-bug")],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(rep["verdict"], "verified");
    let f = &rep["failures"][0];
    assert_eq!(f["subfunction"], "incr4", "{rep}");
    assert_eq!(f["port"], "carry");
}

#[test]
fn a_record_sent_back_by_the_verifier_and_a_question_answered_from_a_file() {
    let d = tempfile::tempdir().unwrap();
    let answers = d.path().join("answers.toml");
    std::fs::write(&answers, "\"rst-vs-load\" = \"rst wins: q becomes 0\"\n").unwrap();
    let (code, rep, log) = run_gen(
        d.path(),
        "specs/examples/counter/spec.md",
        &[
            "--model",
            &fx("counter-review"),
            "--answers",
            answers.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(rep["interventions"], 1, "{rep}");
    assert_eq!(stage(&rep, "understand")["interventions"], 1);
    let q = &rep["questions"][0];
    assert_eq!(q[0], "counter");
    assert_eq!(q[1]["id"], "rst-vs-load");
    assert_eq!(q[1]["settled_by"], "answers file");
    // the answer reached the coders
    let llm = d.path().join("out/llm");
    let cpp = std::fs::read_dir(&llm)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("pseudocode-counter"))
        .unwrap();
    assert!(
        std::fs::read_to_string(cpp)
            .unwrap()
            .contains("rst wins: q becomes 0")
    );
}

#[test]
fn ablations_single_shot_no_understand_naive_coding() {
    let d = tempfile::tempdir().unwrap();
    let (code, rep, log) = run_gen(
        d.path(),
        "specs/examples/absdiff/spec.md",
        &["--model", &fx("absdiff-ablations"), "--single-shot"],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(rep["ablation"], "single-shot");
    assert_eq!(rep["verdict"], "verified");
    assert!(rep["reason"].as_str().unwrap().contains("no golden model"));
    assert_eq!(stage(&rep, "rtl")["requests"], 1, "one request for the RTL");
    assert!(stage(&rep, "code").is_null() && stage(&rep, "understand").is_null());
    assert!(
        rep["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["passed"] == true && v["checks"] == 6)
    );

    let d = tempfile::tempdir().unwrap();
    let (code, rep, log) = run_gen(
        d.path(),
        "specs/examples/absdiff/spec.md",
        &["--model", &fx("absdiff-ablations"), "--no-understand"],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(rep["ablation"], "no-understand");
    assert!(stage(&rep, "understand").is_null());
    assert_eq!(rep["rtl"], serde_json::json!(["rtl/absdiff.v"]));
    assert!(rep["cosim"]["verdict"] == "match", "{rep}");

    let d = tempfile::tempdir().unwrap();
    let (code, rep, log) = run_gen(
        d.path(),
        "specs/examples/counter/spec.md",
        &[
            "--model",
            "scripted:specs/examples/counter/scripted-replies.jsonl",
            "--naive-coding",
        ],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(rep["ablation"], "naive-coding");
    assert!(stage(&rep, "code").is_null() && rep["cosim"].is_null());
    assert!(!d.path().join("out/cpp/model.cpp").exists());
    let md = std::fs::read_to_string(d.path().join("out/report.md")).unwrap();
    assert!(md.contains("Ablation: naive-coding") && md.contains("**no oracle**"));
    assert!(md.contains("**scripted**"));
}

#[test]
fn a_rerun_resumes_from_the_run_cache_without_asking() {
    let d = tempfile::tempdir().unwrap();
    let replies = d.path().join("replies.scripted.jsonl");
    std::fs::copy(
        root().join("specs/examples/absdiff/scripted-replies.jsonl"),
        &replies,
    )
    .unwrap();
    let model = format!("scripted:{}", replies.display());
    let (code, _, log) = run_gen(
        d.path(),
        "specs/examples/absdiff/spec.md",
        &["--model", &model],
    );
    assert_eq!(code, 0, "{log}");
    // the same run again, its provider now unable to answer anything: all from the run's cache
    std::fs::write(
        &replies,
        "{\"match\": \"no request says this\", \"reply\": \"-\"}\n",
    )
    .unwrap();
    let (code, rep, log) = run_gen(
        d.path(),
        "specs/examples/absdiff/spec.md",
        &["--model", &model],
    );
    assert_eq!(code, 0, "{log}");
    for s in rep["stages"].as_array().unwrap() {
        assert_eq!(s["requests"], s["cached"], "{s}");
    }
    assert_eq!(rep["verdict"], "verified");
}

#[test]
fn bad_input_is_named() {
    // a spec with no usable content
    let d = tempfile::tempdir().unwrap();
    let empty = d.path().join("empty.md");
    std::fs::write(&empty, "# Nothing here\n").unwrap();
    let (code, _, log) = run_gen(
        d.path(),
        empty.to_str().unwrap(),
        &["--model", &fx("cycle")],
    );
    assert_eq!(code, 2, "{log}");
    assert!(
        log.contains("no usable content") && log.contains("1 section(s)"),
        "{log}"
    );

    let cases: [(&str, &[&str], &str); 5] = [
        (
            "never-compiles",
            &["--max-iterations", "2"],
            "was not declared",
        ),
        (
            "loops",
            &["--max-iterations", "1", "--timeout", "2"],
            "did not return within 2 CPU seconds",
        ),
        (
            "ports-mismatch",
            &["--max-iterations", "2"],
            "port d of absdiff is 4 bit(s) wide; the spec says 8",
        ),
        ("cycle", &[], "form a cycle (cmp8 → absdiff)"),
        (
            "crashes",
            &["--max-iterations", "1"],
            "the C++ model of cmp8 crashed: killed by signal",
        ),
    ];
    for (fixture, extra, want) in cases {
        let d = tempfile::tempdir().unwrap();
        let model = fx(fixture);
        let mut args = vec!["--model", model.as_str()];
        args.extend_from_slice(extra);
        let (code, rep, log) = run_gen(d.path(), "specs/examples/absdiff/spec.md", &args);
        assert_eq!(code, 1, "{fixture}: {log}");
        assert_eq!(rep["verdict"], "stopped", "{fixture}");
        let reason = rep["reason"].as_str().unwrap();
        assert!(reason.contains(want), "{fixture}: {reason}");
    }
    // the C++ that never compiled: the stage is named, the optimizer's instruction recorded
    let d = tempfile::tempdir().unwrap();
    let (_, rep, _) = run_gen(
        d.path(),
        "specs/examples/absdiff/spec.md",
        &["--model", &fx("never-compiles"), "--max-iterations", "2"],
    );
    assert!(rep["reason"].as_str().unwrap().starts_with("code:"));
    assert_eq!(stage(&rep, "code")["status"], "stopped");
    assert_eq!(rep["instructions"][0]["helped"], false, "{rep}");
}

#[test]
fn eval_pipeline_gen_judges_the_final_rtl_with_no_oracle() {
    let d = tempfile::tempdir().unwrap();
    // a one-problem suite: the and2 problem of the eval fixtures
    let suite = d.path().join("ve2-one");
    std::fs::create_dir(&suite).unwrap();
    for f in ["prompt.txt", "ref.sv", "test.sv"] {
        let name = format!("Prob001_and2_{f}");
        std::fs::copy(
            root().join("tests/fixtures/eval/ve2").join(&name),
            suite.join(&name),
        )
        .unwrap();
    }
    let out = d.path().join("eval");
    let r = rtlsmith_in(
        &root(),
        &[
            "eval",
            "verilog-eval-v2",
            suite.to_str().unwrap(),
            "--model",
            &fx("ve2-one"),
            "--pipeline",
            "gen",
            "--n",
            "2",
            "--no-cache",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["pass_at"]["1"], 1.0, "{summary}");
    assert_eq!(summary["llm"]["pipeline"], "gen");
    // two samples are two pipeline runs: every request asked twice, none served from the other
    let usage = &summary["llm"]["usage"];
    assert_eq!(
        (usage["requests"].as_u64(), usage["cached"].as_u64()),
        (Some(12), Some(0)),
        "{usage}"
    );
    assert!(
        out.join("pipeline/Prob001_and2/sample01/report.json")
            .is_file()
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("**No oracle**") && md.contains("rtlsmith gen"),
        "{md}"
    );
    let sample = out.join("pipeline/Prob001_and2/sample00");
    let rep: Value =
        serde_json::from_str(&std::fs::read_to_string(sample.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(rep["verdict"], "verified");
    assert_eq!(
        rep["top"], "TopModule",
        "the module the testbench instantiates"
    );
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(sample.join("plan.json")).unwrap()).unwrap();
    assert_eq!(
        plan["interface"]["source"], "model",
        "a task text has no port table"
    );
    // the benchmark's files never reached the pipeline's folder
    for e in walk(&sample) {
        let t = std::fs::read_to_string(&e).unwrap_or_default();
        assert!(
            !t.contains("RefModule") && !t.contains("stats1"),
            "{}",
            e.display()
        );
    }
}

fn walk(d: &Path) -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            v.extend(walk(&p));
        } else {
            v.push(p);
        }
    }
    v
}

/// `--ask` on a terminal: standard input is a pseudo-terminal whose other end answers.
#[test]
fn ask_reads_an_answer_from_the_terminal() {
    use std::io::Write;
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty fills two descriptors we then own
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty");
    // SAFETY: both descriptors are fresh and owned here
    let (mut master, slave) = unsafe {
        (
            std::fs::File::from_raw_fd(master),
            std::fs::File::from_raw_fd(slave),
        )
    };
    // the answer waits in the terminal's input queue until rtlsmith reads it
    master.write_all(b"rst wins, q becomes 0\n").unwrap();
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let mut c = crate::common::command(&[
        "gen",
        "specs/examples/counter/spec.md",
        "--model",
        "scripted:specs/examples/counter/scripted-replies.jsonl",
        "--out",
        out.to_str().unwrap(),
        "--ask",
    ]);
    c.current_dir(root()).stdin(slave);
    let r = crate::common::Run::of(&mut c);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("When rst and load are both 1"),
        "{}",
        r.stderr
    );
    let rep: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(rep["interventions"], 1);
    assert_eq!(rep["questions"][0][1]["settled_by"], "terminal");
    assert_eq!(rep["questions"][0][1]["answer"], "rst wins, q becomes 0");
}
