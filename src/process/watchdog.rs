//! No orphans when rtlsmith itself dies.
//!
//! Every child runs in a process group of its own (so a timeout can kill its whole tree), which
//! also means that a `kill -9` of rtlsmith — or of rtlsmith's process group — reaches none of
//! them: a `vvp` stuck in a loop would run on forever. `PR_SET_PDEATHSIG` is no cure: it fires
//! when the spawning *thread* exits (tokio's blocking threads come and go) and it reaches only
//! the direct child, not `make`'s `g++`.
//!
//! So the first spawn forks a watchdog: a process in a session of its own that holds one end of
//! a `SOCK_SEQPACKET` socket pair whose other end only rtlsmith holds (close-on-exec, so no
//! child inherits it). rtlsmith sends `+pgid` when a child group starts and `-pgid` when it is
//! gone. When rtlsmith dies, however it dies, the kernel closes its end; the watchdog reads end
//! of file, kills every group still registered with SIGKILL, and exits.
//!
//! Between `fork` and `_exit` the watchdog calls only async-signal-safe functions (no
//! allocation, no locks): the parent is multi-threaded.

use std::os::fd::RawFd;
use std::sync::OnceLock;

/// Groups the watchdog can remember at once; more are still killed by the normal paths.
const MAX_GROUPS: usize = 4096;

static PARENT_END: OnceLock<Option<RawFd>> = OnceLock::new();

fn parent_end() -> Option<RawFd> {
    *PARENT_END.get_or_init(start)
}

/// Tell the watchdog that process group `pgid` is running.
pub fn register(pgid: i32) {
    send(b'+', pgid);
}

/// Tell the watchdog that process group `pgid` is gone.
pub fn unregister(pgid: i32) {
    send(b'-', pgid);
}

fn send(op: u8, pgid: i32) {
    let Some(fd) = parent_end() else { return };
    let p = pgid.to_le_bytes();
    let rec = [op, p[0], p[1], p[2], p[3]];
    // SAFETY: send(2) reads `rec` only; MSG_NOSIGNAL keeps a dead watchdog from raising SIGPIPE.
    unsafe {
        libc::send(fd, rec.as_ptr().cast(), rec.len(), libc::MSG_NOSIGNAL);
    }
}

/// Fork the watchdog; `None` if the system refuses (children then only die by the normal paths).
fn start() -> Option<RawFd> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: socketpair writes two descriptors into `fds`.
    let rc = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    if rc != 0 {
        return None;
    }
    let (ours, theirs) = (fds[0], fds[1]);
    // SAFETY: the child runs only async-signal-safe code (`watch`) and never returns.
    match unsafe { libc::fork() } {
        -1 => {
            // SAFETY: closing the descriptors we just made.
            unsafe {
                libc::close(ours);
                libc::close(theirs);
            }
            None
        }
        0 => {
            // SAFETY: in the forked child; see `watch`.
            unsafe { watch(theirs) }
        }
        _ => {
            // SAFETY: the watchdog holds its own copy.
            unsafe {
                libc::close(theirs);
            }
            Some(ours)
        }
    }
}

/// The watchdog's whole life. Async-signal-safe calls only.
unsafe fn watch(sock: RawFd) -> ! {
    // SAFETY (whole body): plain system calls on descriptors and stack buffers.
    unsafe {
        // a session of its own: a kill of rtlsmith's process group does not reach it
        libc::setsid();
        // hold nothing of the parent's but the socket: no pipe of a child, no terminal
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null >= 0 {
            libc::dup2(null, 0);
            libc::dup2(null, 1);
            libc::dup2(null, 2);
        }
        libc::dup2(sock, 3);
        if libc::syscall(libc::SYS_close_range, 4u32, u32::MAX, 0u32) != 0 {
            for fd in 4..65536 {
                libc::close(fd);
            }
        }
        let mut groups = [0i32; MAX_GROUPS];
        let mut n = 0usize;
        let mut rec = [0u8; 16];
        loop {
            let k = libc::recv(3, rec.as_mut_ptr().cast(), rec.len(), 0);
            if k == 0 {
                break;
            }
            if k < 0 {
                if *libc::__errno_location() == libc::EINTR {
                    continue;
                }
                break;
            }
            if k != 5 {
                continue;
            }
            let pgid = i32::from_le_bytes([rec[1], rec[2], rec[3], rec[4]]);
            if pgid <= 1 {
                continue;
            }
            match rec[0] {
                b'+' if n < MAX_GROUPS => {
                    groups[n] = pgid;
                    n += 1;
                }
                b'-' => {
                    if let Some(i) = groups[..n].iter().position(|g| *g == pgid) {
                        groups[i] = groups[n - 1];
                        n -= 1;
                    }
                }
                _ => {}
            }
        }
        for g in &groups[..n] {
            libc::kill(-*g, libc::SIGKILL);
        }
        libc::_exit(0)
    }
}
