//! End-to-end runs of the `rtlsmith` binary with real simulators: exit codes, messages, and
//! reports for good and bad input.

use std::path::{Path, PathBuf};

use crate::common::{Run, command, root, rtlsmith_in};

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/regress")
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    rtlsmith_in(dir, args, &[])
}

#[test]
fn help_documents_exit_codes() {
    let r = run_in(&root(), &["--help"]);
    assert_eq!(r.code, 0);
    for needle in [
        "lint",
        "sim",
        "regress",
        "suite",
        "eval",
        "Exit codes",
        "3  a required tool or credential is missing",
    ] {
        assert!(
            r.stdout.contains(needle),
            "--help lacks {needle}:\n{}",
            r.stdout
        );
    }
}

#[test]
fn sim_passing_testbench() {
    let r = run_in(&fixtures(), &["sim", "good_tb.v", "--top", "good_tb"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("ALL OK"));
    assert!(r.stdout.contains("icarus: PASS"));
}

#[test]
fn sim_failing_testbench_exits_1_with_the_message() {
    let r = run_in(&fixtures(), &["sim", "fails_tb.v", "--top", "fails_tb"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("FAIL"), "{}", r.stdout);
    assert!(
        r.stdout.contains("mismatch: v = 40, expected 42"),
        "{}",
        r.stdout
    );
}

#[test]
fn missing_input_file_exits_2() {
    let r = run_in(&fixtures(), &["sim", "nope.v", "--top", "tb"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("input file not found: nope.v"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("hint:"));
}

#[test]
fn syntax_error_shows_file_and_line() {
    let r = run_in(&fixtures(), &["sim", "syntax_tb.v", "--top", "syntax_tb"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("COMPILE ERROR"), "{}", r.stdout);
    assert!(r.stdout.contains("syntax_tb.v:4"), "{}", r.stdout);
    let r = run_in(&fixtures(), &["lint", "syntax_tb.v", "--sim", "icarus"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("syntax_tb.v:4: error[syntax]"),
        "{}",
        r.stdout
    );
}

#[test]
fn unknown_top_module_is_named() {
    let r = run_in(&fixtures(), &["sim", "good_tb.v", "--top", "no_such_tb"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("no_such_tb"), "{}", r.stdout);
    assert!(r.stdout.contains("unknown-top"), "{}", r.stdout);
}

#[test]
fn missing_simulator_exits_3() {
    let empty = tempfile::tempdir().unwrap();
    let path = empty.path().to_string_lossy().into_owned();
    let r = rtlsmith_in(
        &fixtures(),
        &["sim", "good_tb.v", "--top", "good_tb"],
        &[("PATH", &path)],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("iverilog not found"), "{}", r.stderr);
    assert!(r.stderr.contains("scripts/setup.sh"), "{}", r.stderr);
}

#[test]
fn hung_simulation_times_out_and_leaves_nothing_running() {
    let r = run_in(
        &fixtures(),
        &["sim", "hangs_tb.v", "--top", "hangs_tb", "--timeout", "1"],
    );
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("TIMEOUT"), "{}", r.stdout);
    assert!(r.stdout.contains("waiting forever"), "{}", r.stdout);
    // no vvp of ours outlives the command
    let mut survivors = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.starts_with("vvp") && cmdline.contains("rtlsmith-job-") {
            survivors.push(cmdline);
        }
    }
    // other tests run vvp concurrently; ours ran `hangs_tb`, whose job dir is gone
    assert!(
        survivors.iter().all(|c| {
            let dir = c.split_whitespace().last().unwrap_or("");
            std::path::Path::new(dir).exists()
        }),
        "{survivors:?}"
    );
}

#[test]
fn output_flood_is_cut_off() {
    let r = run_in(
        &fixtures(),
        &["sim", "flood_tb.v", "--top", "flood_tb", "--timeout", "60"],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("output limit exceeded"),
        "{}",
        &r.stdout[r.stdout.len().saturating_sub(500)..]
    );
    assert!(r.stdout.contains("bytes elided"));
    assert!(r.stdout.len() < 1 << 20, "printed {} bytes", r.stdout.len());
}

#[test]
fn design_cannot_write_outside_its_job_directory() {
    if !rtlsmith::process::sandbox_supported() {
        eprintln!("landlock unavailable here; skipping");
        return;
    }
    let victim = tempfile::tempdir().unwrap();
    let target = victim.path().join("escaped.txt");
    let define = format!("ESCAPE_PATH=\"{}\"", target.display());
    let r = run_in(
        &fixtures(),
        &["sim", "escape_tb.v", "--top", "escape_tb", "-D", &define],
    );
    // the testbench ran to its end and its $fopen was refused, not skipped
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("fopen outside the job directory: 0"),
        "{}",
        r.stdout
    );
    assert!(!target.exists(), "escaped: {}{}", r.stdout, r.stderr);
}

#[test]
fn wave_file_is_written() {
    let out = tempfile::tempdir().unwrap();
    let wave = out.path().join("good.vcd");
    let r = run_in(
        &fixtures(),
        &[
            "sim",
            "good_tb.v",
            "--top",
            "good_tb",
            "--wave",
            wave.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout
            .contains(&format!("waveform written to {}", wave.display()))
    );
    let vcd = std::fs::read_to_string(&wave).unwrap();
    assert!(vcd.contains("$enddefinitions"));
}

#[test]
fn regress_reports_every_verdict_and_disagreement() {
    let out = tempfile::tempdir().unwrap();
    let junit = out.path().join("junit.xml");
    let json = out.path().join("report.json");
    let r = run_in(
        &fixtures(),
        &[
            "regress",
            "--jobs",
            "2",
            "--junit",
            junit.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("DISAGREE: disagree"), "{}", r.stdout);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["format_version"], 1);
    let status = |name: &str, sim: &str| -> String {
        let case = report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no case {name}"));
        case["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["simulator"] == sim)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status("good", "icarus"), "pass");
    assert_eq!(status("fails", "icarus"), "fail");
    assert_eq!(status("hangs", "icarus"), "timeout");
    assert_eq!(status("syntax", "icarus"), "compile_error");
    assert_eq!(status("wrong_top", "icarus"), "compile_error");
    assert_eq!(status("disagree", "icarus"), "pass");
    assert_eq!(status("disagree", "verilator"), "fail");
    assert_eq!(status("filelist", "icarus"), "pass");
    assert_eq!(status("fusesoc", "icarus"), "pass");
    assert_eq!(status("bender", "icarus"), "pass");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(r#"classname="fails.icarus""#), "{xml}");
    assert!(xml.contains("mismatch: v = 40"), "{xml}");
    assert!(xml.contains(r#"type="timeout""#), "{xml}");
}

#[test]
fn regress_filter_and_list() {
    let r = run_in(&fixtures(), &["regress", "--list", "--filter", "go*"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(r.stdout.starts_with("good\tgood_tb\ticarus"));
    let r = run_in(
        &fixtures(),
        &["regress", "--filter", "good", "--sim", "icarus"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("1 passed, 0 failed"));
    let r = run_in(&fixtures(), &["regress", "--filter", "zzz"]);
    assert_eq!(r.code, 2);
}

#[test]
fn malformed_manifest_names_the_line() {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures().join("good_tb.v"), d.path().join("good_tb.v")).unwrap();
    std::fs::write(
        d.path().join("rtlsmith.toml"),
        "[[case]]\nname = \"good\"\nsources = [\"good_tb.v\"]\ntop = \"good_tb\"\ntimout = 3\n",
    )
    .unwrap();
    let r = run_in(d.path(), &["regress"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("line 5"), "{}", r.stderr);
    assert!(r.stderr.contains("timout"), "{}", r.stderr);
    std::fs::write(d.path().join("rtlsmith.toml"), "[[case]\nname = 3\n").unwrap();
    let r = run_in(d.path(), &["regress"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("line 1"), "{}", r.stderr);
}

#[test]
fn manifest_is_found_upward_and_paths_with_spaces_work() {
    let d = tempfile::tempdir().unwrap();
    let proj = d.path().join("my project");
    std::fs::create_dir_all(proj.join("src dir/inc")).unwrap();
    std::fs::create_dir_all(proj.join("deep/er")).unwrap();
    std::fs::write(proj.join("src dir/inc/consts.vh"), "`define ANSWER 42\n").unwrap();
    std::fs::write(
        proj.join("src dir/the tb.v"),
        "`timescale 1ns/1ps\n`include \"consts.vh\"\nmodule t; initial begin if (`ANSWER + `OFFSET != 43) $error(\"bad\"); $finish; end endmodule\n",
    )
    .unwrap();
    std::fs::write(
        proj.join("rtlsmith.toml"),
        "[[case]]\nname = \"spaces\"\nsources = [\"src dir/*.v\"]\ninclude_dirs = [\"src dir/inc\"]\ndefines = { OFFSET = 1 }\ntop = \"t\"\nsimulators = [\"icarus\"]\n",
    )
    .unwrap();
    let r = run_in(&proj.join("deep/er"), &["regress"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("1 passed, 0 failed"));
}

#[test]
fn no_manifest_anywhere_exits_2() {
    let d = tempfile::tempdir().unwrap();
    let r = run_in(d.path(), &["regress"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no rtlsmith.toml"), "{}", r.stderr);
}

#[test]
fn lint_both_simulators_on_a_clean_design() {
    let r = run_in(&root(), &["lint", "rtl/gcd.v"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("icarus: clean"), "{}", r.stdout);
    assert!(r.stdout.contains("verilator: clean"), "{}", r.stdout);
}

/// Mutating a bundled design must make its own testbench fail: the testbenches can fail.
#[test]
fn bundled_testbenches_catch_a_mutated_design() {
    let d = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(root().join("rtl/skid_buffer.v")).unwrap();
    // break the stall path: drop the parked word's valid flag
    let bad = src.replace("skid_valid <= 1'b1;", "skid_valid <= 1'b0;");
    assert_ne!(src, bad);
    std::fs::write(d.path().join("skid_buffer.v"), bad).unwrap();
    let inc = root().join("testbenches/include");
    let tb = root().join("testbenches/skid_buffer_tb.v");
    let r = run_in(
        d.path(),
        &[
            "sim",
            "skid_buffer.v",
            tb.to_str().unwrap(),
            "-I",
            inc.to_str().unwrap(),
            "--top",
            "skid_buffer_tb",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
}

/// Ctrl-C reaches only rtlsmith (children have their own process groups): it must take the
/// simulator down with it.
#[test]
fn interrupt_stops_the_simulator() {
    let child = command(&["sim", "hangs_tb.v", "--top", "hangs_tb", "--timeout", "300"])
        .current_dir(fixtures())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    // wait until vvp runs as rtlsmith's grandchild... or at least is started
    let find_vvp = || -> Vec<i32> {
        let mut found = Vec::new();
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
                continue;
            };
            // pid (comm) state ppid ...
            let Some(rest) = stat.rsplit_once(") ") else {
                continue;
            };
            let ppid: i32 = rest
                .1
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            if stat.contains("(vvp)") && ppid == pid {
                found.push(e.file_name().to_string_lossy().parse().unwrap_or(0));
            }
        }
        found
    };
    let mut vvp = Vec::new();
    for _ in 0..100 {
        vvp = find_vvp();
        if !vvp.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!vvp.is_empty(), "vvp never started");
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(pid, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    std::thread::sleep(std::time::Duration::from_millis(200));
    for p in vvp {
        let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
        assert!(
            stat.is_empty() || stat.contains(") Z"),
            "vvp {p} survived: {stat}"
        );
    }
}

#[test]
fn sim_reads_a_file_list() {
    let r = run_in(&fixtures(), &["sim", "-f", "proj.f", "--top", "flist_tb"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("ALL OK"));
    let r = run_in(&fixtures(), &["sim", "-f", "nope.f", "--top", "flist_tb"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot read file list"), "{}", r.stderr);
}

#[test]
fn keep_failed_keeps_only_failing_job_directories() {
    let kept = |r: &Run| -> Vec<String> {
        r.stdout
            .lines()
            .filter_map(|l| l.trim().strip_prefix("job directory kept at "))
            .map(str::to_string)
            .collect()
    };
    let r = run_in(
        &fixtures(),
        &[
            "regress",
            "--filter",
            "fails",
            "--sim",
            "icarus",
            "--keep-failed",
        ],
    );
    let dirs = kept(&r);
    assert_eq!(dirs.len(), 1, "{}", r.stdout);
    assert!(std::path::Path::new(&dirs[0]).join("sim.vvp").is_file());
    std::fs::remove_dir_all(&dirs[0]).unwrap();
    let r = run_in(
        &fixtures(),
        &[
            "regress",
            "--filter",
            "good",
            "--sim",
            "icarus",
            "--keep-failed",
        ],
    );
    assert_eq!(r.code, 0);
    assert!(kept(&r).is_empty(), "{}", r.stdout);
}

#[test]
fn doctor_lists_the_tools_and_says_what_is_missing() {
    let r = run_in(&root(), &["doctor"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    for t in ["iverilog", "verilator", "pdftotext", "landlock"] {
        assert!(r.stdout.contains(t), "{}", r.stdout);
    }
    let empty = tempfile::tempdir().unwrap();
    let r = rtlsmith_in(
        &root(),
        &["doctor"],
        &[("PATH", empty.path().to_str().unwrap())],
    );
    assert_eq!(r.code, 3);
    assert!(r.stdout.contains("MISSING  iverilog"), "{}", r.stdout);
    assert!(r.stderr.contains("scripts/setup.sh"), "{}", r.stderr);
}

/// Processes whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<(i32, String)> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        if cmdline.contains(needle) && !stat.contains(") Z") {
            found.push((pid, cmdline));
        }
    }
    found
}

#[test]
fn sigkill_of_rtlsmith_leaves_no_simulator_running() {
    use std::os::unix::process::CommandExt;
    // a private TMPDIR: the simulator's job directory, and so its command line, names it
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().display().to_string();
    let mut child = command(&[
        "sim",
        "hangs_tb.v",
        "--top",
        "hangs_tb",
        "--timeout",
        "3600",
    ])
    .current_dir(fixtures())
    .env("TMPDIR", tmp.path())
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .process_group(0)
    .spawn()
    .unwrap();
    let pgid = child.id() as i32;
    let mut sims = Vec::new();
    for _ in 0..1200 {
        sims = processes_mentioning(&marker)
            .into_iter()
            .filter(|(_, c)| c.starts_with("vvp"))
            .collect();
        if !sims.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!sims.is_empty(), "the simulation never started");
    // kill -9 of rtlsmith's whole process group, as a CI runner or a shell would
    // SAFETY: signalling the process group of our own child.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGKILL)
    );
    let mut left = processes_mentioning(&marker);
    for _ in 0..40 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        left = processes_mentioning(&marker);
    }
    assert!(left.is_empty(), "still running 2 s after SIGKILL: {left:?}");
}

/// SARIF 2.1.0's required properties (sarif-schema-2.1.0.json): sarifLog {version, runs}, run
/// {tool}, tool {driver}, toolComponent {name}, reportingDescriptor {id}, result {message},
/// message {text or id}; plus what code scanning needs to place a finding: a region's
/// startLine ≥ 1, a ruleIndex that points at the rule of the same id.
fn check_sarif(v: &serde_json::Value) -> Vec<String> {
    let mut bad = Vec::new();
    if v["version"] != "2.1.0" {
        bad.push("version is not 2.1.0".to_string());
    }
    let Some(runs) = v["runs"].as_array() else {
        return vec!["no runs".into()];
    };
    for (i, run) in runs.iter().enumerate() {
        let driver = &run["tool"]["driver"];
        if !driver["name"].is_string() {
            bad.push(format!("run {i}: tool.driver.name"));
        }
        let rules = driver["rules"].as_array().cloned().unwrap_or_default();
        for r in &rules {
            if !r["id"].is_string() {
                bad.push(format!("run {i}: a rule without id"));
            }
        }
        for res in run["results"].as_array().cloned().unwrap_or_default() {
            if !res["message"]["text"].is_string() && !res["message"]["id"].is_string() {
                bad.push(format!("run {i}: a result without message text"));
            }
            if !["error", "warning", "note", "none"].contains(&res["level"].as_str().unwrap_or(""))
            {
                bad.push(format!("run {i}: level {}", res["level"]));
            }
            if let Some(ix) = res["ruleIndex"].as_u64()
                && rules.get(ix as usize).map(|r| &r["id"]) != Some(&res["ruleId"])
            {
                bad.push(format!("run {i}: ruleIndex {ix} is not {}", res["ruleId"]));
            }
            for loc in res["locations"].as_array().cloned().unwrap_or_default() {
                let p = &loc["physicalLocation"];
                if !p["artifactLocation"]["uri"].is_string() {
                    bad.push(format!("run {i}: a location without uri"));
                }
                if let Some(l) = p["region"]["startLine"].as_i64()
                    && l < 1
                {
                    bad.push(format!("run {i}: startLine {l}"));
                }
            }
        }
    }
    bad
}

#[test]
fn lint_speaks_sarif_and_github_annotations() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("narrow.v"),
        "module narrow(input [7:0] a, output [3:0] y);\n  assign y = a;\nendmodule\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("broken.v"),
        "module broken(input a, output y);\n  assign y = a\nendmodule\n",
    )
    .unwrap();
    let r = run_in(d.path(), &["lint", "narrow.v", "--format", "sarif"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(check_sarif(&v), Vec::<String>::new(), "{v}");
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "one run per simulator");
    let verilator = runs
        .iter()
        .find(|r| r["tool"]["driver"]["name"] == "rtlsmith lint (verilator)")
        .unwrap();
    let width = verilator["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["ruleId"] == "WIDTH")
        .expect("Verilator's WIDTH warning as a rule");
    assert_eq!(width["level"], "warning");
    let loc = &width["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "narrow.v");
    assert_eq!(loc["region"]["startLine"], 2);
    assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);

    // an error: exit 1, still valid SARIF, and the annotation form
    let r = run_in(d.path(), &["lint", "broken.v", "--format", "sarif"]);
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(check_sarif(&v), Vec::<String>::new(), "{v}");
    let r = run_in(
        d.path(),
        &["lint", "broken.v", "--sim", "icarus", "--format", "github"],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("::error file=broken.v,line=3,title=icarus syntax::")),
        "{}",
        r.stdout
    );
}
