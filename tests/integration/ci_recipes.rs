//! The CI recipes in `scripts/ci/`: the workflows parse as YAML and hold what they promise (a
//! shard matrix as wide as SHARDS, a merge job after it writing the HTML report, SARIF and JUnit
//! uploads), the Slurm script is valid shell, and the matrix played on this machine merges into
//! the summary of an unsharded run.

use serde_yaml_ng::Value;

use crate::common::{bin, root};

fn workflow(name: &str) -> Value {
    let p = root().join("scripts/ci").join(name);
    serde_yaml_ng::from_str(&std::fs::read_to_string(&p).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn steps_text(job: &Value) -> String {
    serde_yaml_ng::to_string(&job["steps"]).unwrap()
}

#[test]
fn workflows_parse_and_hold_their_jobs() {
    let w = workflow("github-eval-sharded.yml");
    let shards: usize = w["env"]["SHARDS"].as_u64().unwrap() as usize;
    let matrix = w["jobs"]["shard"]["strategy"]["matrix"]["shard"]
        .as_sequence()
        .unwrap();
    let want: Vec<u64> = (1..=shards as u64).collect();
    let got: Vec<u64> = matrix.iter().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(got, want, "the matrix must list shards 1..=SHARDS");
    let shard = steps_text(&w["jobs"]["shard"]);
    assert!(
        shard.contains("--shard ${{ matrix.shard }}/$SHARDS"),
        "{shard}"
    );
    assert!(shard.contains("upload-artifact"), "{shard}");
    let merge = &w["jobs"]["merge"];
    assert_eq!(merge["needs"].as_str(), Some("shard"));
    let m = steps_text(merge);
    assert!(m.contains("eval merge runs/shard-*"), "{m}");
    assert!(
        m.contains("--html report.html") && m.contains("report.html"),
        "{m}"
    );
    assert!(m.contains("download-artifact"), "{m}");

    let r = workflow("github-regress.yml");
    let steps = steps_text(&r["jobs"]["regress"]);
    for want in [
        "scripts/setup.sh",
        "--format sarif > lint.sarif",
        "github/codeql-action/upload-sarif",
        "--junit regress-junit.xml",
        "action-junit-report",
        "--html regress.html",
    ] {
        assert!(steps.contains(want), "{want} missing:\n{steps}");
    }
    assert_eq!(
        r["permissions"]["security-events"].as_str(),
        Some("write"),
        "SARIF upload needs security-events: write"
    );
    // the subcommands and flags the recipes use exist
    for args in [
        &["eval", "merge", "--help"][..],
        &["regress", "--help"],
        &["lint", "--help"],
    ] {
        let out = std::process::Command::new(bin())
            .args(args)
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?}");
        let needed: &[&str] = match args[0] {
            "eval" => &["--out", "--html"],
            "regress" => &["--junit", "--json", "--html"],
            _ => &["--format"],
        };
        for f in needed {
            assert!(help.contains(f), "{args:?} has no {f}");
        }
    }
}

#[test]
fn slurm_script_is_valid_shell_and_explains_itself() {
    let s = root().join("scripts/ci/slurm-eval.sh");
    let out = std::process::Command::new("bash")
        .arg("-n")
        .arg(&s)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = std::process::Command::new("bash").arg(&s).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage:"));
    let text = std::fs::read_to_string(&s).unwrap();
    assert!(text.contains("#SBATCH") && text.contains("--array=1-"));
    assert!(text.contains("eval merge") && text.contains("--html"));
}

#[test]
fn the_matrix_played_here_merges_into_the_unsharded_summary() {
    let d = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("bash")
        .arg(root().join("scripts/ci/play-matrix.sh"))
        .args([
            "3",
            "tests/fixtures/eval/ve2",
            "tests/fixtures/eval/ve2-samples.jsonl",
        ])
        .arg(d.path())
        .current_dir(root())
        .env("RTLSMITH", bin())
        .env("EVAL_ARGS", "--timeout 3")
        .env("XDG_CACHE_HOME", d.path().join("cache"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("equals the unsharded run"), "{text}");
    // three shard directories, each with only its problems; the merged run has them all
    let merged: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("merged/summary.json")).unwrap(),
    )
    .unwrap();
    let mut per_shard = 0;
    for i in 1..=3 {
        let s: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(d.path().join(format!("shard-{i}/summary.json"))).unwrap(),
        )
        .unwrap();
        per_shard += s["samples"].as_u64().unwrap();
    }
    assert_eq!(per_shard, merged["samples"].as_u64().unwrap());
    assert!(d.path().join("report.html").is_file());
}
