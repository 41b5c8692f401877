/*!
The one door through which rtlsmith starts child processes.

Every simulator, compiler and helper goes through [`run`]. A child gets:

- stdin closed (a simulator that drops into an interactive prompt sees end of file);
- stdout and stderr drained concurrently, so neither pipe can fill and deadlock it;
- its own process group, so a timeout kills the whole tree (`make`, `g++`, the simulation) with
  SIGTERM, a grace period, then SIGKILL — and the group is swept once more after a normal exit
  so nothing outlives its job;
- captured output capped per stream: the head and the tail are kept and the elided byte count
  is reported; past a hard output limit the group is killed, and a child that wrote that many
  bytes ends as [`Exit::OutputLimit`] whatever else happened first (a count, not a race);
- a time limit counted in CPU seconds of the child (`RLIMIT_CPU`, see [`CommandSpec::cpu_timeout`]),
  so a verdict is the same on an idle and on a loaded machine, with a wall-clock backstop several
  times larger for a child that sleeps;
- resource limits (address space, file size, no core dumps);
- a watchdog process that kills its group should rtlsmith itself die, even by `kill -9`
  (see `watchdog.rs`);
- optionally a filesystem sandbox (Linux Landlock) that lets it write only below its job
  directory.

The exact argv is kept in [`CommandSpec`] so every error message can show what was run.
*/

mod capture;
mod sandbox;
mod watchdog;

pub use capture::Captured;
pub use sandbox::{Sandbox, sandbox_supported};

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncRead;
use tokio::process::Command;

/// Resource limits applied to a child with `setrlimit` before it executes (the CPU-time limit
/// is [`CommandSpec::cpu_timeout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// RLIMIT_AS in bytes.
    pub address_space: Option<u64>,
    /// RLIMIT_FSIZE in bytes: the largest file the child may write.
    pub file_size: Option<u64>,
}

impl Limits {
    /// No limits beyond disabling core dumps.
    pub const NONE: Limits = Limits {
        address_space: None,
        file_size: None,
    };

    /// Limits for a simulation run: 8 GiB of address space, 1 GiB files.
    pub fn for_simulation() -> Limits {
        Limits {
            address_space: Some(8 << 30),
            file_size: Some(1 << 30),
        }
    }

    /// Limits for a compile step (Verilator runs g++, which needs more room).
    pub fn for_compile() -> Limits {
        Limits {
            address_space: Some(16 << 30),
            file_size: Some(2 << 30),
        }
    }
}

/// What to run, where, and under which constraints.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub cwd: PathBuf,
    pub env: Vec<(OsString, OsString)>,
    /// Wall-clock limit (with [`CommandSpec::cpu_timeout`], only a backstop).
    pub timeout: Duration,
    /// CPU-time limit of each process of the child (RLIMIT_CPU, whole seconds, rounded up).
    pub cpu_limit: Option<Duration>,
    pub limits: Limits,
    /// Bytes kept from the start and from the end of each stream.
    pub keep_head: usize,
    pub keep_tail: usize,
    /// Total bytes (stdout + stderr) after which the child is killed.
    pub output_limit: u64,
    /// Grace period between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// Restrict writes to these directories (and /dev/null) when the kernel supports it.
    pub writable: Option<Vec<PathBuf>>,
}

impl CommandSpec {
    pub fn new(program: impl Into<PathBuf>, cwd: impl Into<PathBuf>) -> Self {
        CommandSpec {
            program: program.into(),
            args: Vec::new(),
            cwd: cwd.into(),
            env: Vec::new(),
            timeout: Duration::from_secs(60),
            cpu_limit: None,
            limits: Limits::NONE,
            keep_head: 64 * 1024,
            keep_tail: 64 * 1024,
            output_limit: 64 << 20,
            grace: Duration::from_secs(2),
            writable: None,
        }
    }

    pub fn arg(mut self, a: impl Into<OsString>) -> Self {
        self.args.push(a.into());
        self
    }

    pub fn args<I, S>(mut self, it: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(it.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, k: impl Into<OsString>, v: impl Into<OsString>) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Limit the child to `t` of CPU time per process, so that the outcome does not depend on
    /// how busy the machine is; the wall-clock limit becomes a backstop ([`wall_backstop`]) for
    /// a child that sleeps or waits instead of computing. Exceeding either is
    /// [`Exit::TimedOut`].
    pub fn cpu_timeout(mut self, t: Duration) -> Self {
        self.cpu_limit = Some(t);
        self.timeout = wall_backstop(t);
        self
    }

    pub fn limits(mut self, l: Limits) -> Self {
        self.limits = l;
        self
    }

    pub fn output_limit(mut self, bytes: u64) -> Self {
        self.output_limit = bytes;
        self
    }

    /// Confine the child's writes to `dirs`.
    pub fn sandbox_writes(mut self, dirs: Vec<PathBuf>) -> Self {
        self.writable = Some(dirs);
        self
    }

    /// The command line as a shell would need it, for messages and logs.
    pub fn display(&self) -> String {
        let mut s = shell_quote(&self.program.to_string_lossy());
        for a in &self.args {
            s.push(' ');
            s.push_str(&shell_quote(&a.to_string_lossy()));
        }
        s
    }
}

impl fmt::Display for CommandSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// The wall-clock backstop of a CPU-time limit `t`: four times `t` plus half a minute, so that
/// even with every core shared four ways a computing child meets its CPU limit first.
pub fn wall_backstop(t: Duration) -> Duration {
    t * 4 + Duration::from_secs(30)
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=+:,@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Exited on its own with this status.
    Code(i32),
    /// Killed by a signal it did not get from us.
    Signal(i32),
    /// It used up its CPU time, or we killed it because the wall-clock limit expired.
    TimedOut,
    /// We killed it because it wrote more than the output limit.
    OutputLimit,
}

impl Exit {
    pub fn success(self) -> bool {
        self == Exit::Code(0)
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit status {c}"),
            Exit::Signal(s) => write!(f, "killed by signal {s} ({})", signal_name(*s)),
            Exit::TimedOut => f.write_str("timed out"),
            Exit::OutputLimit => f.write_str("killed: output limit exceeded"),
        }
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGABRT => "SIGABRT",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXCPU => "SIGXCPU: CPU time limit",
        libc::SIGXFSZ => "SIGXFSZ: file size limit",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGILL => "SIGILL",
        _ => "signal",
    }
}

/// The result of a finished (or killed) child.
#[derive(Debug, Clone)]
pub struct Output {
    pub command: String,
    pub exit: Exit,
    pub stdout: Captured,
    pub stderr: Captured,
    pub duration: Duration,
}

impl Output {
    /// Both streams, stdout first, as text.
    pub fn combined(&self) -> String {
        let mut s = self.stdout.text();
        let e = self.stderr.text();
        if !e.is_empty() {
            if !s.is_empty() && !s.ends_with('\n') {
                s.push('\n');
            }
            s.push_str(&e);
        }
        s
    }
}

/// Errors of the process layer itself (not of the child).
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("cannot start `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot wait for `{command}`: {source}")]
    Wait {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot set up the write sandbox for `{command}`: {message}")]
    Sandbox { command: String, message: String },
}

/// Run a child to completion under the spec's constraints.
pub async fn run(spec: &CommandSpec) -> Result<Output, ProcessError> {
    let command = spec.display();
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .current_dir(&spec.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    for (k, v) in &spec.env {
        cmd.env(k, v);
    }

    let sandbox = match &spec.writable {
        Some(dirs) if sandbox_supported() => {
            Some(Sandbox::new(dirs).map_err(|message| ProcessError::Sandbox {
                command: command.clone(),
                message,
            })?)
        }
        _ => None,
    };
    let ruleset_fd = sandbox.as_ref().map(|s| s.raw_fd());
    let limits = spec.limits;
    // the kernel's limit is the backstop: we stop the child ourselves at the limit
    let cpu_seconds = spec
        .cpu_limit
        .map(|t| cpu_seconds(t + spec.grace + Duration::from_secs(2)));
    // SAFETY: the closure only calls async-signal-safe functions (setrlimit, prctl, syscall).
    unsafe {
        cmd.pre_exec(move || {
            apply_limits(&limits, cpu_seconds)?;
            if let Some(fd) = ruleset_fd {
                sandbox::restrict_self(fd)?;
            }
            Ok(())
        });
    }

    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|source| ProcessError::Spawn {
        command: command.clone(),
        source,
    })?;
    drop(sandbox);
    let pgid = child.id().map(|p| p as i32);
    // Whatever happens to this future (finished, cancelled, or the program interrupted), the
    // group dies with it.
    let _guard = pgid.map(GroupGuard::new);
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");

    let budget = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(spec.output_limit));
    let over = std::sync::Arc::new(tokio::sync::Notify::new());
    let out_task = tokio::spawn(drain(
        stdout,
        spec.keep_head,
        spec.keep_tail,
        budget.clone(),
        over.clone(),
    ));
    let err_task = tokio::spawn(drain(
        stderr,
        spec.keep_head,
        spec.keep_tail,
        budget.clone(),
        over.clone(),
    ));

    let mut killed_for: Option<Exit> = None;
    let cpu_spent = cpu_limit_reached(child.id(), spec.cpu_limit);
    let status = tokio::select! {
        s = child.wait() => Some(s),
        _ = tokio::time::sleep(spec.timeout) => { killed_for = Some(Exit::TimedOut); None }
        _ = cpu_spent => { killed_for = Some(Exit::TimedOut); None }
        _ = over.notified() => { killed_for = Some(Exit::OutputLimit); None }
    };
    let status = match status {
        Some(s) => s,
        None => {
            if let Some(pg) = pgid {
                kill_group(pg, libc::SIGTERM);
            }
            match tokio::time::timeout(spec.grace, child.wait()).await {
                Ok(s) => s,
                Err(_) => {
                    if let Some(pg) = pgid {
                        kill_group(pg, libc::SIGKILL);
                    }
                    child.wait().await
                }
            }
        }
    }
    .map_err(|source| ProcessError::Wait {
        command: command.clone(),
        source,
    })?;
    // Sweep the group: a grandchild that kept running (or holds our pipes) dies with its job.
    drop(_guard);
    let duration = start.elapsed();
    let stdout = out_task.await.unwrap_or_default();
    let stderr = err_task.await.unwrap_or_default();

    let exit = classify_exit(
        killed_for,
        &status,
        stdout.total() + stderr.total(),
        spec.output_limit,
        spec.cpu_limit.is_some(),
    );
    Ok(Output {
        command,
        exit,
        stdout,
        stderr,
        duration,
    })
}

/// How a child ended, decided by counts rather than by which event we noticed first: a child
/// that wrote `output_limit` bytes is [`Exit::OutputLimit`] even if it exited, or ran out of
/// time, before we killed it; a child stopped by its CPU limit (SIGXCPU at the soft limit,
/// SIGKILL at the hard one) is [`Exit::TimedOut`].
fn classify_exit(
    killed_for: Option<Exit>,
    status: &std::process::ExitStatus,
    written: u64,
    output_limit: u64,
    cpu_limited: bool,
) -> Exit {
    use std::os::unix::process::ExitStatusExt;
    if written >= output_limit {
        return Exit::OutputLimit;
    }
    if let Some(e) = killed_for {
        return e;
    }
    match (status.code(), status.signal()) {
        (Some(c), _) => Exit::Code(c),
        (None, Some(s)) if cpu_limited && (s == libc::SIGXCPU || s == libc::SIGKILL) => {
            Exit::TimedOut
        }
        (None, Some(s)) => Exit::Signal(s),
        (None, None) => Exit::Code(-1),
    }
}

/// RLIMIT_CPU takes whole seconds: round up, at least one.
fn cpu_seconds(t: Duration) -> u64 {
    (t.as_secs() + u64::from(t.subsec_nanos() > 0)).max(1)
}

/// Resolves once the child `pid` has used `limit` of CPU time (its own and that of the
/// children it has waited for), read from `/proc` every 50 ms; never without a limit. The
/// caller then stops the child the gentle way (SIGTERM first, so a simulator flushes what it
/// printed); the kernel's RLIMIT_CPU, set a little higher, is the backstop.
async fn cpu_limit_reached(pid: Option<u32>, limit: Option<Duration>) {
    let (Some(pid), Some(limit)) = (pid, limit) else {
        return std::future::pending().await;
    };
    let path = format!("/proc/{pid}/stat");
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        match std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| cpu_time(&t))
        {
            Some(used) if used >= limit => return,
            Some(_) => {}
            // gone (exiting): the wait branch will see it
            None => return std::future::pending().await,
        }
    }
}

/// utime + stime + cutime + cstime of a `/proc/<pid>/stat` line.
fn cpu_time(stat: &str) -> Option<Duration> {
    // the command name may hold spaces and parentheses: fields start after the last `)`
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f
        .get(11..15)?
        .iter()
        .filter_map(|x| x.parse::<u64>().ok())
        .sum();
    // SAFETY: sysconf reads a constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_millis(ticks * 1000 / hz))
}

/// Process groups of children that are running now.
static LIVE_GROUPS: std::sync::Mutex<Vec<i32>> = std::sync::Mutex::new(Vec::new());

/// Kills its process group when dropped and forgets it.
struct GroupGuard(i32);

impl GroupGuard {
    fn new(pgid: i32) -> Self {
        if let Ok(mut live) = LIVE_GROUPS.lock() {
            live.push(pgid);
        }
        watchdog::register(pgid);
        GroupGuard(pgid)
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        kill_group(self.0, libc::SIGKILL);
        watchdog::unregister(self.0);
        if let Ok(mut live) = LIVE_GROUPS.lock() {
            live.retain(|p| *p != self.0);
        }
    }
}

/// Kill every child process group still running (for an interrupted run: children live in
/// their own groups, so a terminal's Ctrl-C does not reach them).
pub fn kill_all_children() {
    let groups: Vec<i32> = LIVE_GROUPS.lock().map(|l| l.clone()).unwrap_or_default();
    for pg in groups {
        kill_group(pg, libc::SIGKILL);
    }
}

fn kill_group(pgid: i32, sig: i32) {
    // SAFETY: kill(2) with a negative pid signals a process group; no memory is touched.
    unsafe {
        libc::kill(-pgid, sig);
    }
}

fn apply_limits(l: &Limits, cpu_seconds: Option<u64>) -> std::io::Result<()> {
    fn set(res: libc::__rlimit_resource_t, v: u64) -> std::io::Result<()> {
        let lim = libc::rlimit {
            rlim_cur: v as libc::rlim_t,
            rlim_max: v as libc::rlim_t,
        };
        // SAFETY: setrlimit is async-signal-safe and reads only `lim`.
        if unsafe { libc::setrlimit(res, &lim) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    set(libc::RLIMIT_CORE, 0)?;
    if let Some(v) = cpu_seconds {
        // the soft limit sends SIGXCPU; the hard limit a second later sends SIGKILL
        let lim = libc::rlimit {
            rlim_cur: v as libc::rlim_t,
            rlim_max: (v + 1) as libc::rlim_t,
        };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_CPU, &lim) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    if let Some(v) = l.address_space {
        set(libc::RLIMIT_AS, v)?;
    }
    if let Some(v) = l.file_size {
        set(libc::RLIMIT_FSIZE, v)?;
    }
    Ok(())
}

async fn drain<R: AsyncRead + Unpin>(
    mut r: R,
    head: usize,
    tail: usize,
    budget: std::sync::Arc<std::sync::atomic::AtomicU64>,
    over: std::sync::Arc<tokio::sync::Notify>,
) -> Captured {
    use std::sync::atomic::Ordering;
    use tokio::io::AsyncReadExt;
    let mut cap = Captured::new(head, tail);
    let mut buf = vec![0u8; 64 * 1024];
    let mut signalled = false;
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                cap.push(&buf[..n]);
                let prev = budget
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                        Some(b.saturating_sub(n as u64))
                    })
                    .unwrap_or(0);
                if prev <= n as u64 && !signalled {
                    signalled = true;
                    over.notify_one();
                }
            }
        }
    }
    cap
}

/// Find an executable on PATH.
pub fn find_program(name: &str) -> Option<PathBuf> {
    which::which(name).ok()
}

/// Make `p` absolute against the current directory without touching the filesystem.
pub fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests;
