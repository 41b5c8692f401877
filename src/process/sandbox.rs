//! Write confinement with Linux Landlock: a child may read anywhere but write, create, rename
//! or delete only below its job directories. The ruleset is built in the parent (which may
//! allocate); the child only calls `prctl` and `landlock_restrict_self` between fork and exec.
//!
//! Where the kernel lacks Landlock, [`sandbox_supported`] is false and children run without it
//! (the process layer still applies resource limits and a private working directory).

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::PathBuf;
use std::sync::OnceLock;

use landlock::{
    ABI, AccessFs, CompatLevel, Compatible, Ruleset, RulesetAttr, RulesetCreatedAttr,
    path_beneath_rules,
};

const ABI_USED: ABI = ABI::V3;

pub struct Sandbox {
    fd: OwnedFd,
}

impl Sandbox {
    pub fn new(writable: &[PathBuf]) -> Result<Sandbox, String> {
        let mut dirs: Vec<PathBuf> = writable.to_vec();
        dirs.push(PathBuf::from("/dev/null"));
        let created = Ruleset::default()
            .set_compatibility(CompatLevel::BestEffort)
            .handle_access(AccessFs::from_write(ABI_USED))
            .map_err(|e| e.to_string())?
            .create()
            .map_err(|e| e.to_string())?
            .add_rules(path_beneath_rules(&dirs, AccessFs::from_write(ABI_USED)))
            .map_err(|e| e.to_string())?;
        let fd: Option<OwnedFd> = created.into();
        fd.map(|fd| Sandbox { fd })
            .ok_or_else(|| "landlock is not available".to_string())
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// Called in the child between fork and exec: async-signal-safe syscalls only.
pub fn restrict_self(fd: RawFd) -> std::io::Result<()> {
    // SAFETY: prctl and the landlock syscall take plain integers.
    unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::syscall(libc::SYS_landlock_restrict_self, fd, 0) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Whether this kernel enforces Landlock filesystem rules (checked once).
pub fn sandbox_supported() -> bool {
    static SUPPORTED: OnceLock<bool> = OnceLock::new();
    *SUPPORTED.get_or_init(|| {
        if std::env::var_os("RTLSMITH_NO_SANDBOX").is_some() {
            return false;
        }
        // landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) returns the ABI.
        // SAFETY: a null attribute pointer with the version flag is the documented probe.
        let abi = unsafe {
            libc::syscall(
                libc::SYS_landlock_create_ruleset,
                std::ptr::null::<u8>(),
                0usize,
                1u32,
            )
        };
        abi >= 1
    })
}
