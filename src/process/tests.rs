use super::*;

fn sh(script: &str, dir: &Path) -> CommandSpec {
    CommandSpec::new("/bin/sh", dir).arg("-c").arg(script)
}

#[tokio::test]
async fn captures_both_streams_and_status() {
    let d = tempfile::tempdir().unwrap();
    let out = run(&sh("echo out; echo err >&2; exit 3", d.path()))
        .await
        .unwrap();
    assert_eq!(out.exit, Exit::Code(3));
    assert_eq!(out.stdout.text(), "out\n");
    assert_eq!(out.stderr.text(), "err\n");
}

#[tokio::test]
async fn stdin_is_closed() {
    let d = tempfile::tempdir().unwrap();
    let out = run(&sh("cat; echo done", d.path())).await.unwrap();
    assert_eq!(out.stdout.text(), "done\n");
}

#[tokio::test]
async fn no_deadlock_when_both_streams_are_large() {
    let d = tempfile::tempdir().unwrap();
    let script = "i=0; while [ $i -lt 2000 ]; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; \
                  echo yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy >&2; i=$((i+1)); done";
    let out = run(&sh(script, d.path()).timeout(Duration::from_secs(20)))
        .await
        .unwrap();
    assert_eq!(out.exit, Exit::Code(0));
    assert_eq!(out.stdout.total(), 2000 * 43);
    assert_eq!(out.stderr.total(), 2000 * 44);
}

#[tokio::test]
async fn timeout_kills_the_whole_group() {
    let d = tempfile::tempdir().unwrap();
    // a grandchild that ignores nothing but would outlive a naive kill of the shell
    let pidfile = d.path().join("pid");
    let script = format!("sleep 100 & echo $! > '{}'; wait", pidfile.display());
    let out = run(&sh(&script, d.path()).timeout(Duration::from_millis(300)))
        .await
        .unwrap();
    assert_eq!(out.exit, Exit::TimedOut);
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // give the kernel a moment to reap
    std::thread::sleep(Duration::from_millis(100));
    let alive = Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z");
    assert!(!alive, "grandchild {pid} survived the timeout");
}

#[tokio::test]
async fn term_ignoring_child_gets_killed_after_grace() {
    let d = tempfile::tempdir().unwrap();
    let mut spec =
        sh("trap '' TERM; while :; do sleep 1; done", d.path()).timeout(Duration::from_millis(200));
    spec.grace = Duration::from_millis(200);
    let out = run(&spec).await.unwrap();
    assert_eq!(out.exit, Exit::TimedOut);
    assert!(out.duration < Duration::from_secs(5));
}

#[tokio::test]
async fn output_flood_is_capped_and_killed() {
    let d = tempfile::tempdir().unwrap();
    let mut spec = sh("yes flood", d.path())
        .timeout(Duration::from_secs(30))
        .output_limit(4 << 20);
    spec.keep_head = 100;
    spec.keep_tail = 100;
    let out = run(&spec).await.unwrap();
    assert_eq!(out.exit, Exit::OutputLimit);
    assert!(out.stdout.total() >= 4 << 20);
    assert!(out.stdout.text().contains("bytes elided"));
    assert!(out.stdout.text().len() < 400);
}

#[tokio::test]
async fn file_size_limit_applies() {
    let d = tempfile::tempdir().unwrap();
    let spec = sh("head -c 200000 /dev/zero > big; echo rc=$?", d.path()).limits(Limits {
        address_space: None,
        file_size: Some(100_000),
    });
    run(&spec).await.unwrap();
    let len = std::fs::metadata(d.path().join("big")).unwrap().len();
    assert!(len <= 100_000, "file grew to {len}");
}

#[tokio::test]
async fn cpu_limit_stops_a_spinning_child_as_a_timeout() {
    let d = tempfile::tempdir().unwrap();
    let spec = sh("while :; do :; done", d.path()).cpu_timeout(Duration::from_secs(1));
    assert_eq!(spec.timeout, wall_backstop(Duration::from_secs(1)));
    let out = run(&spec).await.unwrap();
    assert_eq!(out.exit, Exit::TimedOut);
}

#[tokio::test]
async fn cpu_limit_does_not_count_sleep() {
    // 2 s of sleeping is well inside a 1 s CPU limit: only the wall backstop could stop it
    let d = tempfile::tempdir().unwrap();
    let spec = sh("sleep 2; echo woke", d.path()).cpu_timeout(Duration::from_secs(1));
    let out = run(&spec).await.unwrap();
    assert_eq!(out.exit, Exit::Code(0));
    assert_eq!(out.stdout.text(), "woke\n");
}

#[tokio::test]
async fn flood_is_judged_by_bytes_even_when_the_child_exits_first() {
    // the child writes past the limit and exits at once: whoever notices first, the byte count
    // decides
    let d = tempfile::tempdir().unwrap();
    let spec = sh("head -c 300000 /dev/zero; exit 0", d.path()).output_limit(100_000);
    let out = run(&spec).await.unwrap();
    assert_eq!(out.exit, Exit::OutputLimit);
    let spec = sh("head -c 99999 /dev/zero; exit 0", d.path()).output_limit(100_000);
    assert_eq!(run(&spec).await.unwrap().exit, Exit::Code(0));
}

#[test]
fn cpu_time_reads_a_proc_stat_line() {
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    let line = format!(
        "42 (a (weird) name) R 1 42 42 0 -1 4194304 100 0 0 0 {} {} {} {} 20 0 1 0",
        hz,
        hz / 2,
        hz,
        hz / 2
    );
    assert_eq!(cpu_time(&line), Some(Duration::from_secs(3)));
    assert_eq!(cpu_time("garbage"), None);
}

#[tokio::test]
async fn a_spinning_child_is_stopped_gently_at_its_cpu_limit() {
    // SIGTERM first: a child that flushes on SIGTERM keeps what it printed
    let d = tempfile::tempdir().unwrap();
    let spec = sh(
        "trap 'echo flushed; exit 143' TERM; echo started; while :; do :; done",
        d.path(),
    )
    .cpu_timeout(Duration::from_secs(1));
    let out = run(&spec).await.unwrap();
    assert_eq!(out.exit, Exit::TimedOut);
    assert_eq!(out.stdout.text(), "started\nflushed\n");
}

#[test]
fn cpu_seconds_round_up() {
    assert_eq!(cpu_seconds(Duration::from_millis(1)), 1);
    assert_eq!(cpu_seconds(Duration::from_secs(30)), 30);
    assert_eq!(cpu_seconds(Duration::from_millis(30_001)), 31);
}

#[tokio::test]
async fn sandbox_blocks_writes_outside_the_job_dir() {
    if !sandbox_supported() {
        eprintln!("landlock not supported here; skipping");
        return;
    }
    let job = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("escaped.txt");
    let script = format!(
        "echo inside > inside.txt; echo x > '{}' 2>/dev/null; echo rc=$?",
        target.display()
    );
    let spec = sh(&script, job.path()).sandbox_writes(vec![job.path().to_path_buf()]);
    let out = run(&spec).await.unwrap();
    assert!(job.path().join("inside.txt").exists());
    assert!(!target.exists(), "write escaped the sandbox");
    assert!(out.stdout.text().contains("rc=1") || out.stdout.text().contains("rc=2"));
}

#[tokio::test]
async fn missing_program_is_a_spawn_error_naming_it() {
    let d = tempfile::tempdir().unwrap();
    let err = run(&CommandSpec::new("/nonexistent/tool", d.path()).arg("x"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/tool x"), "{err}");
}

#[test]
fn display_quotes_spaces() {
    let s = CommandSpec::new("iverilog", "/").args(["-o", "a b.v", "it's"]);
    assert_eq!(s.display(), r"iverilog -o 'a b.v' 'it'\''s'");
}
