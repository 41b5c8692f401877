//! The one way the integration tests run the `rtlsmith` binary: a command with a private cache
//! (durations, verdicts and replies never touch the user's), and its outcome as text.

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_rtlsmith")
}

/// The checkout.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The private cache of this test process.
pub fn test_cache() -> PathBuf {
    std::env::temp_dir().join(format!("rtlsmith-test-cache-{}", std::process::id()))
}

/// `rtlsmith ARGS` with the private cache; add `.current_dir`, `.env`, … as a test needs.
pub fn command<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Command {
    let mut c = Command::new(bin());
    c.args(args).env("XDG_CACHE_HOME", test_cache());
    c
}

/// How a run ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(c: &mut Command) -> Run {
        let out = c.output().expect("run rtlsmith");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Run `rtlsmith ARGS` from the current directory.
pub fn rtlsmith(args: &[&str]) -> Run {
    Run::of(&mut command(args))
}

/// Run `rtlsmith ARGS` in `dir` with extra environment variables.
pub fn rtlsmith_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = command(args);
    c.current_dir(dir);
    for (k, v) in env {
        c.env(k, v);
    }
    Run::of(&mut c)
}
