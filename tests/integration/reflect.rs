//! Reflection inside `rtlsmith gen`, end to end with the real tools: a fault planted with
//! `--inject` after its artifact passed its own checks (a wrong width in a record, an
//! off-by-one in an earlier sub-function's C++), routed to the stage that caused it and
//! repaired there; an escalation an answers file resolves; and the same faults without
//! reflection. Replies are scripted (the worked example's, plus the analysis replies written
//! here) — the mechanics of routing, not a model's judgement.

use std::path::Path;

use serde_json::Value;

use crate::gen_pipeline::{fx, run_gen, stage};

const COUNTER: &str = "specs/examples/counter/spec.md";

/// The counter example's scripted replies with `first` entries in front (matched first).
fn replies(dir: &Path, first: &[Value]) -> String {
    let base = std::fs::read_to_string(
        crate::common::root().join("specs/examples/counter/scripted-replies.jsonl"),
    )
    .unwrap();
    let mut text: String = first.iter().map(|v| format!("{v}\n")).collect();
    text.push_str(&base);
    let p = dir.join("replies.scripted.jsonl");
    std::fs::write(&p, text).unwrap();
    format!("scripted:{}", p.display())
}

fn analysis(name: &str, route: &str, sf: &str, reason: &str) -> Value {
    serde_json::json!({
        "match": format!("Task: reflect {name}"),
        "reply": serde_json::json!({"route": route, "subfunction": sf, "reason": reason}).to_string(),
    })
}

fn prompts_named(dir: &Path, part: &str) -> Vec<String> {
    let mut v: Vec<_> = std::fs::read_dir(dir.join("out/llm"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(part))
        .collect();
    v.sort();
    v.iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

#[test]
fn route_1_a_planted_record_error_is_described_again() {
    let d = tempfile::tempdir().unwrap();
    let model = replies(
        d.path(),
        &[analysis(
            "incr4",
            "record",
            "incr4",
            "the record gives y 3 bits, but the spec's incrementer computes q + 1 modulo 16: 4 bits",
        )],
    );
    let (code, rep, log) = run_gen(
        d.path(),
        COUNTER,
        &["--model", &model, "--inject", "record:incr4:width"],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(rep["verdict"], "verified", "{rep}");
    assert!(
        rep["injected"]["applied"]
            .as_str()
            .unwrap()
            .contains("output y is 3 bit(s) (was 4)")
    );
    let dec = &rep["decisions"][0];
    assert_eq!(dec["location"], "rtl:incr4:ports", "{rep}");
    assert_eq!(dec["route"], "record");
    assert_eq!(dec["route_number"], 1);
    assert_eq!(dec["subfunction"], "incr4");
    assert_eq!(dec["decided_by"], "model");
    assert_eq!(dec["outcome"], "verified");
    // what depends on it was redone
    let redo: Vec<&str> = dec["redo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(redo, ["cpp:incr4, rtl:incr4", "cpp:counter, rtl:counter"]);
    // the record was described again, with the reason, and the plan holds the new one
    let describes = prompts_named(d.path(), "describe-incr4");
    assert_eq!(describes.len(), 2, "one description, one after reflection");
    assert!(describes[1].contains("traced a failure back to this record"));
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("out/plan.json")).unwrap())
            .unwrap();
    let incr4 = plan["subfunctions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "incr4")
        .unwrap();
    assert_eq!(incr4["outputs"][0]["width"], 4);
    assert!(stage(&rep, "reflect")["requests"].as_u64().unwrap() >= 1);
    let md = std::fs::read_to_string(d.path().join("out/report.md")).unwrap();
    assert!(
        md.contains("## Reflection") && md.contains("## Injected fault"),
        "{md}"
    );

    // without reflection the same fault goes back to the Verilog, which cannot fix it
    let d = tempfile::tempdir().unwrap();
    let model = replies(d.path(), &[]);
    let (code, rep, _) = run_gen(
        d.path(),
        COUNTER,
        &[
            "--model",
            &model,
            "--inject",
            "record:incr4:width",
            "--no-reflection",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(rep["verdict"], "stopped", "{rep}");
    assert_eq!(rep["router"], "off");
    assert!(
        rep["reason"]
            .as_str()
            .unwrap()
            .contains("port y of incr4 is 4 bit(s) wide; the record says 3"),
        "{rep}"
    );
    let decisions = rep["decisions"].as_array().unwrap();
    assert!(
        decisions
            .iter()
            .all(|x| x["route"] == "code" && x["decided_by"] == "no-reflection")
    );
}

#[test]
fn route_2_a_planted_error_in_an_earlier_sub_function_is_revised_there() {
    let d = tempfile::tempdir().unwrap();
    let model = replies(
        d.path(),
        &[analysis(
            "counter",
            "earlier",
            "incr4",
            "incr4's own C++ fails its tests now: it adds 2",
        )],
    );
    let (code, rep, log) = run_gen(
        d.path(),
        COUNTER,
        &["--model", &model, "--inject", "cpp:incr4:off-by-one"],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(rep["verdict"], "verified", "{rep}");
    assert!(
        rep["injected"]["applied"]
            .as_str()
            .unwrap()
            .contains("`+ 1` became `+ 2`")
    );
    let dec = &rep["decisions"][0];
    assert_eq!(dec["location"], "code:counter:tests", "{rep}");
    assert_eq!(dec["route"], "earlier");
    assert_eq!(dec["route_number"], 2);
    assert_eq!(dec["subfunction"], "incr4");
    assert_eq!(dec["decided_by"], "model");
    assert_eq!(rep["decisions"].as_array().unwrap().len(), 1);
    // the evidence: incr4's own tests were run again and failed
    let ev: Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("out/reflect/01.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(ev["evidence"]["failing_dependency"], "incr4", "{ev}");
    assert_eq!(ev["decision"]["outcome"], "verified");
    // incr4's C++ was revised with the reason; the fault is gone
    let cpp = prompts_named(d.path(), "cpp-incr4");
    assert_eq!(cpp.len(), 2);
    assert!(cpp[1].contains("the analysis puts the fault in incr4"));
    let h = std::fs::read_to_string(d.path().join("out/cpp/incr4.h")).unwrap();
    assert!(h.contains("a + 1"), "{h}");
    assert_eq!(stage(&rep, "code")["iterations"], 2, "{rep}");

    // the evidence alone finds the same route, without an analysis request
    let d = tempfile::tempdir().unwrap();
    let (code, rep, log) = run_gen(
        d.path(),
        COUNTER,
        &[
            "--model",
            &replies(d.path(), &[]),
            "--inject",
            "cpp:incr4:off-by-one",
            "--router",
            "evidence",
        ],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(rep["decisions"][0]["route"], "earlier", "{rep}");
    assert_eq!(rep["decisions"][0]["decided_by"], "evidence");
    assert_eq!(stage(&rep, "reflect")["requests"], 0);

    // without reflection: the failing stage (counter's C++) is regenerated, in vain
    let d = tempfile::tempdir().unwrap();
    let (code, rep, _) = run_gen(
        d.path(),
        COUNTER,
        &[
            "--model",
            &replies(
                d.path(),
                &[
                    serde_json::json!({"match": "Task: optimize", "reply": "Check every expected value."}),
                ],
            ),
            "--inject",
            "cpp:incr4:off-by-one",
            "--no-reflection",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(rep["verdict"], "stopped", "{rep}");
    assert!(
        rep["reason"]
            .as_str()
            .unwrap()
            .starts_with("code: the C++ of counter did not pass after 3 attempt(s)"),
        "{rep}"
    );
}

#[test]
fn route_4_an_escalation_is_resolved_by_the_answers_file() {
    let d = tempfile::tempdir().unwrap();
    let answers = d.path().join("answers.toml");
    std::fs::write(
        &answers,
        "\"load-vs-en\" = \"load wins: q = d, and wrap is 0\"\n",
    )
    .unwrap();
    let (code, rep, log) = run_gen(
        d.path(),
        COUNTER,
        &[
            "--model",
            &fx("counter-ask"),
            "--answers",
            answers.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(rep["verdict"], "verified", "{rep}");
    assert_eq!(rep["interventions"], 1);
    assert_eq!(stage(&rep, "reflect")["interventions"], 1);
    let dec = &rep["decisions"][0];
    assert_eq!(dec["route"], "ask");
    assert_eq!(dec["route_number"], 4);
    assert_eq!(dec["question"]["id"], "load-vs-en");
    assert_eq!(dec["question"]["settled_by"], "answers file");
    // the answer reached the regenerated Verilog
    let v = prompts_named(d.path(), "verilog-counter");
    assert!(
        v.last()
            .unwrap()
            .contains("load wins: q = d, and wrap is 0")
    );

    // nobody to ask: the run stops naming the question and how to answer it
    let d = tempfile::tempdir().unwrap();
    let (code, rep, _) = run_gen(d.path(), COUNTER, &["--model", &fx("counter-ask")]);
    assert_eq!(code, 1);
    assert_eq!(rep["verdict"], "stopped", "{rep}");
    let reason = rep["reason"].as_str().unwrap();
    assert!(
        reason.contains("question `load-vs-en`") && reason.contains("--answers"),
        "{reason}"
    );
    assert_eq!(rep["decisions"][0]["outcome"], "unanswered");
}
