//! `rtlsmith mutate` end to end: seeded single-fault mutants of a bundled design, each one edit
//! away from the original and compiling, judged by the design's own regression case.

use crate::common::{Run, command, root};

#[test]
fn mutants_of_the_counter_are_single_edits_judged_by_its_testbench() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("m");
    let src = root().join("rtl/counter.v");
    let run = |seed: &str| {
        Run::of(
            command(&[
                "mutate",
                src.to_str().unwrap(),
                "--top",
                "counter",
                "--count",
                "10",
                "--seed",
                seed,
                "--out",
                out.to_str().unwrap(),
                "--kill-with",
                "counter",
            ])
            .current_dir(root()),
        )
    };
    let r = run("5");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("mutation score"), "{}", r.stdout);
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("mutants.json")).unwrap()).unwrap();
    let mutants = j["mutants"].as_array().unwrap();
    assert_eq!(mutants.len(), 10);
    let original = std::fs::read_to_string(&src).unwrap();
    for m in mutants {
        let text = std::fs::read_to_string(m["path"].as_str().unwrap()).unwrap();
        assert_ne!(text, original, "{m}");
        // one edit: the same text around one changed span
        let pre = original
            .bytes()
            .zip(text.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let post = original
            .bytes()
            .rev()
            .zip(text.bytes().rev())
            .take_while(|(a, b)| a == b)
            .count();
        let changed_line = 1 + original[..pre].matches('\n').count() as u64;
        assert_eq!(changed_line, m["line"].as_u64().unwrap(), "{m}");
        assert!(
            pre + post
                >= original.len().min(text.len())
                    - m["original"]
                        .as_str()
                        .unwrap()
                        .len()
                        .max(m["mutated"].as_str().unwrap().len()),
            "{m}"
        );
        assert!(
            ["killed", "survived"].contains(&m["fate"].as_str().unwrap()),
            "{m}"
        );
    }
    let (k, s) = (
        j["killed"].as_u64().unwrap(),
        j["survived"].as_u64().unwrap(),
    );
    assert_eq!(k + s, 10);
    assert!(k > 0, "the counter's testbench kills nothing? {j}");
    let score = j["score"].as_f64().unwrap();
    assert!((score - k as f64 / 10.0).abs() < 1e-9);
    // the same seed picks the same mutants
    let first: Vec<String> = mutants.iter().map(|m| m["mutated"].to_string()).collect();
    let r = run("5");
    assert_eq!(r.code, 0);
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("mutants.json")).unwrap()).unwrap();
    let again: Vec<String> = j["mutants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["mutated"].to_string())
        .collect();
    assert_eq!(first, again);
}

#[test]
fn a_case_that_does_not_test_the_design_or_an_unreadable_design_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("m");
    let r = Run::of(
        command(&[
            "mutate",
            "rtl/counter.v",
            "--top",
            "counter",
            "--out",
            out.to_str().unwrap(),
            "--kill-with",
            "alu",
        ])
        .current_dir(root()),
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("case alu does not compile"),
        "{}",
        r.stderr
    );
    let bad = d.path().join("bad.v");
    std::fs::write(&bad, "module m(input a);\n  assign = ;\nendmodule\n").unwrap();
    let r = Run::of(&mut command(&[
        "mutate",
        bad.to_str().unwrap(),
        "--top",
        "m",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("bad.v") && r.stderr.contains("sv-parser cannot read it"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_suite_task_judges_mutants_of_its_reference() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("m");
    let ve2 = root().join("tests/fixtures/eval/ve2");
    let r = Run::of(&mut command(&[
        "mutate",
        ve2.join("Prob002_dff8r_ref.sv").to_str().unwrap(),
        "--top",
        "RefModule",
        "--count",
        "6",
        "--seed",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--kill-with",
        format!("verilog-eval-v2:{}:Prob002_dff8r", ve2.display()).as_str(),
    ]));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("mutants.json")).unwrap()).unwrap();
    let mutants = j["mutants"].as_array().unwrap();
    assert!(!mutants.is_empty());
    // every mutant judged by the task's testbench; a dff8r's testbench notices most single
    // faults
    for m in mutants {
        assert!(m["fate"] == "killed" || m["fate"] == "survived", "{m}");
    }
    assert!(j["killed"].as_u64().unwrap() > 0, "{j}");
    assert!(r.stdout.contains("mutation score"), "{}", r.stdout);
    // a task the suite does not have
    let r = Run::of(&mut command(&[
        "mutate",
        ve2.join("Prob002_dff8r_ref.sv").to_str().unwrap(),
        "--top",
        "RefModule",
        "--out",
        out.to_str().unwrap(),
        "--kill-with",
        format!("verilog-eval-v2:{}:Prob999_none", ve2.display()).as_str(),
    ]));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("Prob999_none"), "{}", r.stderr);
}
