//! Small helpers every layer uses: files written whole or not at all, unguessable tokens, the
//! cache folder, and the one JUnit writer ([`junit`]). A leaf: imports nothing of rtlsmith.

pub mod junit;

use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` so that a reader (or a run killed halfway) never sees half a file:
/// the parent folder is created, the text goes to `<path>.partial`, then is renamed over `path`.
pub fn write_atomic(path: &Path, bytes: impl AsRef<[u8]>) -> std::io::Result<()> {
    if let Some(p) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(p)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Append one line (a newline is added) to `path`, creating it and its folder when missing.
pub fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    if let Some(p) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(p)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(format!("{line}\n").as_bytes())
}

/// `bytes` random bytes as lower-case hex: from the kernel's generator, mixed with the clock
/// and the process id so that two calls differ even where /dev/urandom is unreadable.
pub fn random_hex(bytes: usize) -> String {
    use std::io::Read;
    let mut buf = vec![0u8; bytes];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = f.read_exact(&mut buf);
    }
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = t
        ^ (u64::from(std::process::id())).rotate_left(32)
        ^ COUNTER
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .rotate_left(17);
    for b in buf.iter_mut() {
        // splitmix64 over the mixed seed, XORed into what the kernel gave
        x = x.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        *b ^= (z ^ (z >> 31)) as u8;
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where rtlsmith keeps what outlives a run (verdicts, durations, LLM replies):
/// `$XDG_CACHE_HOME/rtlsmith`, else `~/.cache/rtlsmith`; `None` without either variable.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x).join("rtlsmith"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rtlsmith"))
}

/// Copy the files below `from` into `to` (folders made as needed), at most `budget` bytes in
/// all (an error names the folder that is larger).
pub fn copy_tree(from: &Path, to: &Path, budget: &mut u64) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let dest = to.join(entry.file_name());
        if ty.is_dir() {
            std::fs::create_dir_all(&dest)?;
            copy_tree(&entry.path(), &dest, budget)?;
        } else if ty.is_file() || ty.is_symlink() {
            let len = std::fs::metadata(entry.path())?.len();
            if len > *budget {
                return Err(std::io::Error::other(format!(
                    "{} is larger than the {} MiB allowed",
                    from.display(),
                    (*budget + len) >> 20
                )));
            }
            *budget -= len;
            std::fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_no_partial_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/report.json");
        write_atomic(&p, "one").unwrap();
        write_atomic(&p, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["report.json"]);
    }

    #[test]
    fn random_tokens_differ_and_have_the_asked_length() {
        let (a, b) = (random_hex(16), random_hex(16));
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
