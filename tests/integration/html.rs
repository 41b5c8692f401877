//! The HTML reports and waveform pictures, checked as a user sees them: runs made by the real
//! binary (real simulators), the page rendered by `rtlsmith report`/`--html`, loaded in headless
//! Chromium, and its DOM compared with the run's own JSON.

use std::path::Path;

use serde_json::Value;

use crate::browser::{attr, browser, cell, element, tags};
use crate::common::{root, rtlsmith};

fn fx(rel: &str) -> String {
    root()
        .join("tests/fixtures/eval")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

fn json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The page's figures for run `run` equal summary.json's; every failing problem and sample
/// has its place.
fn check_eval_run(dom: &str, run: usize, dir: &Path) {
    let s = json(&dir.join("summary.json"));
    for (field, want) in [("samples", &s["samples"]), ("passed", &s["passed"])] {
        let shown = cell(dom, &format!(r#"data-run="{run}" data-field="{field}""#)).unwrap();
        assert_eq!(shown, want.to_string(), "{field}");
    }
    for (k, v) in s["pass_at"].as_object().unwrap() {
        let shown = cell(dom, &format!(r#"data-run="{run}" data-field="pass@{k}""#))
            .unwrap_or_else(|| panic!("pass@{k} not shown"));
        let x: f64 = shown.parse().unwrap();
        assert!(
            (x - v.as_f64().unwrap()).abs() < 5e-5,
            "pass@{k}: {shown} vs {v}"
        );
    }
    // failure classes: one bar per class with the summary's count
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    for p in s["problems"].as_array().unwrap() {
        for (c, n) in p["codes"].as_object().unwrap() {
            if c != "." {
                *counts.entry(c.clone()).or_default() += n.as_u64().unwrap();
            }
        }
    }
    for (c, n) in &counts {
        let bar = tags(
            dom,
            "g",
            &format!(
                r#"class="bar" data-code="{}" data-run="{run}""#,
                regex::escape(c)
            ),
        );
        assert_eq!(bar.len(), 1, "bar of {c}");
        assert_eq!(attr(bar[0], "data-count").unwrap(), n.to_string(), "{c}");
    }
    // every failing problem has its row, every failing sample its entry
    for p in s["problems"].as_array().unwrap() {
        if p["c"] != p["n"] {
            let id = p["id"].as_str().unwrap();
            assert_eq!(
                tags(
                    dom,
                    "tr",
                    &format!(r#"data-problem="{id}"[^>]*data-failing="1""#)
                )
                .len(),
                1,
                "row of {id}"
            );
        }
    }
    let results = std::fs::read_to_string(dir.join("results.jsonl")).unwrap();
    for l in results.lines() {
        let l: Value = serde_json::from_str(l).unwrap();
        if l["passed"] == false {
            let id = format!(
                "fail-{run}-{}-{}",
                l["task_id"].as_str().unwrap(),
                l["sample"]
            );
            assert!(element(dom, "details", &id).is_some(), "{id} missing");
        }
    }
}

#[test]
fn eval_report_numbers_rows_waveforms_and_two_runs_side_by_side() {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("all");
    let html = d.path().join("all.html");
    let r = rtlsmith(&[
        "eval",
        "verilog-eval-v2",
        &fx("ve2"),
        "--samples",
        &fx("ve2-samples.jsonl"),
        "--out",
        a.to_str().unwrap(),
        "--no-cache",
        "--timeout",
        "3",
        "--trace",
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let page = std::fs::read_to_string(&html).unwrap();
    // self-contained: nothing is fetched
    for bad in ["src=\"http", "href=\"http", "@import", "<link "] {
        assert!(!page.contains(bad), "{bad}");
    }
    // a second run of some samples: the problems whose pass rates differ are highlighted
    let some: String = std::fs::read_to_string(fx("ve2-samples.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("Prob001_and2"))
        .take(4)
        .map(|l| format!("{l}\n"))
        .collect();
    let subset = d.path().join("some.jsonl");
    std::fs::write(&subset, some).unwrap();
    let b = d.path().join("some");
    let r = rtlsmith(&[
        "eval",
        "verilog-eval-v2",
        &fx("ve2"),
        "--samples",
        subset.to_str().unwrap(),
        "--out",
        b.to_str().unwrap(),
        "--no-cache",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let both = d.path().join("both.html");
    let r = rtlsmith(&[
        "report",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        both.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    let Some(br) = browser("eval_report") else {
        return;
    };
    let dom = br.dom(&html, "");
    check_eval_run(&dom, 0, &a);
    // the traced samples show their first mismatch with the waveform's signals
    let mut pictured = 0;
    for task in std::fs::read_dir(a.join("trace")).unwrap() {
        let task = task.unwrap().path();
        for f in std::fs::read_dir(&task).unwrap() {
            let f = f.unwrap().path();
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let Some(sample) = name.strip_suffix(".wave.json") else {
                continue;
            };
            let n: usize = sample.trim_start_matches("sample").parse().unwrap();
            let id = format!("fail-0-{}-{n}", task.file_name().unwrap().to_string_lossy());
            let el = element(&dom, "details", &id).unwrap();
            let w = json(&f);
            for sig in w["signals"].as_array().unwrap() {
                let s = sig["name"].as_str().unwrap();
                assert!(el.contains(&format!("data-signal=\"{s}\"")), "{id}: {s}");
            }
            assert!(
                el.contains("class=\"mismatch\""),
                "{id}: no mismatch marked"
            );
            pictured += 1;
        }
    }
    assert!(pictured >= 1, "no traced sample was pictured");
    // the table sorts in the browser: by the rate column, lowest first
    let s = json(&a.join("summary.json"));
    let lowest = s["problems"]
        .as_array()
        .unwrap()
        .iter()
        .min_by(|x, y| {
            let r = |p: &Value| p["c"].as_f64().unwrap() / p["n"].as_f64().unwrap();
            r(x).partial_cmp(&r(y)).unwrap()
        })
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let sorted = br.dom(&html, "#sort=problems:3:asc");
    let rows = tags(&sorted, "tr", "data-problem=");
    assert_eq!(attr(rows[0], "data-problem").unwrap(), lowest, "{rows:?}");
    br.screenshot(&html, "#open=fail-0-Prob002_dff8r-1", "report-eval");

    // side by side: both runs' figures, and exactly the differing problems highlighted
    let dom = br.dom(&both, "");
    check_eval_run(&dom, 0, &a);
    check_eval_run(&dom, 1, &b);
    let sb = json(&b.join("summary.json"));
    let rate = |s: &Value, id: &str| {
        s["problems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .map(|p| p["c"].as_u64().unwrap() * 1000 / p["n"].as_u64().unwrap())
    };
    for p in s["problems"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        let row = tags(&dom, "tr", &format!(r#"data-problem="{id}""#));
        let differs = rate(&s, id) != rate(&sb, id);
        assert_eq!(
            row[0].contains("class=\"diff\""),
            differs,
            "{id}: {}",
            row[0]
        );
    }
    br.screenshot(&both, "", "report-eval-two-runs");
}

#[test]
fn regress_report_grid_disagreements_and_failing_logs() {
    let d = tempfile::tempdir().unwrap();
    let j = d.path().join("r.json");
    let html = d.path().join("r.html");
    let manifest = root().join("tests/fixtures/regress/rtlsmith.toml");
    let r = rtlsmith(&[
        "regress",
        "--manifest",
        manifest.to_str().unwrap(),
        "--json",
        j.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    // `report` on the JSON file makes the same page's content
    let again = d.path().join("again.html");
    let r = rtlsmith(&[
        "report",
        j.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let Some(br) = browser("regress_report") else {
        return;
    };
    let rep = json(&j);
    let cases = rep["cases"].as_array().unwrap();
    for page in [&html, &again] {
        let dom = br.dom(page, "");
        let total = capture(r#"id="cases-total">(\d+)<"#, &dom);
        assert_eq!(total, cases.len().to_string());
        let passed = cases.iter().filter(|c| c["status"] == "pass").count();
        assert_eq!(
            capture(r#"id="cases-passed">(\d+)<"#, &dom),
            passed.to_string()
        );
        for c in cases {
            let name = c["name"].as_str().unwrap();
            let row = tags(&dom, "tr", &format!(r#"data-case="{name}""#));
            assert_eq!(row.len(), 1, "{name}");
            assert_eq!(
                attr(row[0], "data-status").unwrap(),
                c["status"].as_str().unwrap()
            );
            assert_eq!(
                row[0].contains("class=\"disagree\""),
                c["disagreement"] == true,
                "{name}"
            );
            for res in c["results"].as_array().unwrap() {
                let sim = res["simulator"].as_str().unwrap();
                let shown = tags(
                    &dom,
                    "td",
                    &format!(
                        r#"data-sim="{sim}" data-status="{}""#,
                        res["status"].as_str().unwrap()
                    ),
                );
                assert!(!shown.is_empty(), "{name} on {sim}");
                let failing = tags(
                    &dom,
                    "details",
                    &format!(r#"class="failing" data-case="{name}" data-sim="{sim}""#),
                );
                assert_eq!(
                    failing.len(),
                    usize::from(res["status"] != "pass"),
                    "{name} {sim}"
                );
            }
        }
        assert!(dom.contains("DISAGREE"));
    }
    br.screenshot(&html, "", "report-regress");
}

/// The first capture of `re` in `text`.
fn capture(re: &str, text: &str) -> String {
    regex::Regex::new(re).unwrap().captures(text).unwrap()[1].to_string()
}

#[test]
fn wave_draws_a_window_of_a_vcd_with_expected_values_marked() {
    let d = tempfile::tempdir().unwrap();
    let vcd = d.path().join("c.vcd");
    let r = rtlsmith(&[
        "sim",
        "rtl/counter.v",
        "testbenches/counter_tb.v",
        "--top",
        "counter_tb",
        "-I",
        "testbenches/include",
        "--wave",
        vcd.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let svg = d.path().join("c.svg");
    let r = rtlsmith(&[
        "wave",
        vcd.to_str().unwrap(),
        "--signals",
        "clk,q,counter_tb.dut.en",
        "--from",
        "0",
        "--to",
        "200000",
        "--expect",
        "q=counter_tb.model",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let text = std::fs::read_to_string(&svg).unwrap();
    for s in ["clk", "q", "counter_tb.dut.en"] {
        assert!(text.contains(&format!("data-signal=\"{s}\"")), "{s}");
    }
    // the testbench's model is updated before the clock edge, so it leads q: marked samples
    assert!(text.contains("class=\"mismatch\""));
    assert!(r.stdout.contains("mismatching sample(s)"), "{}", r.stdout);
    // as text, one line per time step
    let r = rtlsmith(&[
        "wave",
        vcd.to_str().unwrap(),
        "--signals",
        "clk,q",
        "--to",
        "20000",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.trim_start().starts_with("time"), "{}", r.stdout);
    assert!(r.stdout.lines().count() >= 3, "{}", r.stdout);
    // a signal that is not there is named, with what there is
    let r = rtlsmith(&["wave", vcd.to_str().unwrap(), "--signals", "nope"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no signal `nope`"), "{}", r.stderr);
    assert!(r.stderr.contains("counter_tb.dut.q"), "{}", r.stderr);
    let r = rtlsmith(&["wave", "/no/such.vcd", "--signals", "q"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/no/such.vcd"), "{}", r.stderr);
}

#[test]
fn report_refuses_what_it_cannot_read() {
    let d = tempfile::tempdir().unwrap();
    let r = rtlsmith(&["report", d.path().to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no rtlsmith run here"), "{}", r.stderr);
    let bad = d.path().join("x.json");
    std::fs::write(&bad, "{\"cases\": ").unwrap();
    let r = rtlsmith(&["report", bad.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("x.json"), "{}", r.stderr);
}
