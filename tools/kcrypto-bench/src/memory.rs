// SPDX-License-Identifier: GPL-2.0
//! Memory per socket (issue 7's fourth target): operation sockets filled with unread results,
//! measured by the memory cgroup they are charged to, against the bound that
//! Documentation/userspace-api.rst ("Memory per socket") states.
//!
//! kcrypto charges everything a socket allocates (the `struct sock`, its state, transforms,
//! pages, requests) to the memory cgroup of the task that made it, so a cgroup holding only
//! this process sees exactly what the sockets hold, plus at most the charge batches the memory
//! controller keeps per CPU (64 pages each): an overestimate, made small by measuring many
//! sockets at once. Allocations a driver makes for itself (virtio-crypto's descriptors) are not
//! kcrypto's and not charged.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use kcrypto::charge;
use serde::Serialize;

use crate::alg::{Alg, Kind};
use crate::sock::AlgSocket;

/// The bound's fixed part: a bound socket, the operation socket accepted from it, their
/// transform and key.
pub const FIXED: usize = 16 << 10;
/// What a hash socket's digest takes at most (digests are not counted against `SO_SNDBUF`).
pub const DIGEST: usize = 2 << 10;
/// Results an operation socket holds at most (`MAX_RESULTS`, src/ops/output.rs).
pub const MAX_RESULTS: usize = 1024;
/// Digests a hash socket in record mode holds at most.
pub const MAX_DIGESTS: usize = 64;
const PAGE: usize = 4096;

/// One (algorithm, size): what filled sockets held.
#[derive(Debug, Serialize)]
pub struct MemPoint {
    pub alg: &'static str,
    pub size: usize,
    /// Sockets measured together.
    pub sockets: usize,
    /// Their `SO_SNDBUF`.
    pub sndbuf: usize,
    /// Results each socket took before refusing more (`EAGAIN`).
    pub results: usize,
    /// The most the rules allow.
    pub max_results: usize,
    /// Charged per socket before any message.
    pub idle_bytes: usize,
    /// Charged per socket once filled.
    pub bytes: usize,
    /// The documented bound for a socket filled at this size.
    pub bound: usize,
    pub within: bool,
}

/// What a buffer of `len` bytes counts: whole pages.
fn pages(len: usize) -> usize {
    len.div_ceil(PAGE).max(1) * charge::PAGE
}

/// The documented bound: the results an operation socket of `alg` may hold with messages of
/// `size` bytes, and the memory it may take. A cipher or AEAD socket counts each message's
/// input and output pages and request against `SO_SNDBUF`; a hash socket holds digests only.
pub fn bound(alg: &Alg, size: usize, sndbuf: usize) -> (usize, usize) {
    match alg.kind {
        Kind::Hash => (MAX_DIGESTS, FIXED + MAX_DIGESTS * DIGEST),
        Kind::Skcipher | Kind::Aead => {
            let message = pages(size) + pages(alg.output_len(size)) + charge::REQUEST;
            (MAX_RESULTS.min(sndbuf / message), FIXED + sndbuf)
        }
    }
}

/// A memory cgroup holding only this process while it exists.
struct Cgroup {
    dir: PathBuf,
}

const ROOT: &str = "/sys/fs/cgroup";

impl Cgroup {
    fn enter(name: &str) -> io::Result<Cgroup> {
        let root = Path::new(ROOT);
        if !root.join("cgroup.controllers").exists() {
            // SAFETY: every argument is a NUL-terminated string or null.
            let ret = unsafe {
                libc::mount(
                    c"cgroup2".as_ptr(),
                    c"/sys/fs/cgroup".as_ptr(),
                    c"cgroup2".as_ptr(),
                    0,
                    std::ptr::null(),
                )
            };
            if ret != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        fs::write(root.join("cgroup.subtree_control"), "+memory")?;
        let dir = root.join(name);
        if !dir.exists() {
            fs::create_dir(&dir)?;
        }
        fs::write(dir.join("cgroup.procs"), std::process::id().to_string())?;
        Ok(Cgroup { dir })
    }

    /// Bytes charged to the cgroup, without the charges the memory controller keeps in
    /// advance per CPU (up to 64 pages each, returned at unpredictable times): on every CPU,
    /// a page and a pipe charged to another cgroup make the CPU return them first.
    fn current(&self) -> io::Result<usize> {
        let other = self.dir.with_extension("drain");
        if !other.exists() {
            fs::create_dir(&other)?;
        }
        let pid = std::process::id().to_string();
        let cpus = online_cpus();
        fs::write(other.join("cgroup.procs"), &pid)?;
        for cpu in 0..cpus {
            pin(Some(cpu))?;
            charge_elsewhere()?;
        }
        pin(None)?;
        fs::write(self.dir.join("cgroup.procs"), &pid)?;
        let _ = fs::remove_dir(&other);
        fs::read_to_string(self.dir.join("memory.current"))?
            .trim()
            .parse()
            .map_err(io::Error::other)
    }
}

/// The CPUs online (not those this thread may run on, which [`pin`] changes).
fn online_cpus() -> usize {
    // SAFETY: sysconf() has no memory arguments.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    usize::try_from(n).unwrap_or(1).max(1)
}

/// Runs this thread on `cpu` only, or anywhere (`None`).
fn pin(cpu: Option<usize>) -> io::Result<()> {
    // SAFETY: cpu_set_t is plain data; all zeroes is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for c in 0..online_cpus() {
        if cpu.is_none_or(|only| only == c) {
            // SAFETY: `set` is a valid cpu_set_t and `c` is below its capacity.
            unsafe { libc::CPU_SET(c, &mut set) };
        }
    }
    // SAFETY: `set` is a valid cpu_set_t of the size passed.
    let ret = unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) };
    if ret != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Charges a fresh anonymous page (the page stock) and a pipe (the kernel-object stock) to
/// the current cgroup on this CPU, then frees them.
fn charge_elsewhere() -> io::Result<()> {
    // SAFETY: a new private anonymous mapping; no existing memory is affected.
    let page = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if page == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the mapping is 4096 writable bytes; the write faults a page in, then the
    // mapping (used nowhere else) goes.
    unsafe {
        std::ptr::write_volatile(page.cast::<u8>(), 1);
        libc::munmap(page, 4096);
    }
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned here.
    unsafe {
        libc::close(fds[0]);
        libc::close(fds[1]);
    }
    Ok(())
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        let _ = fs::write(
            Path::new(ROOT).join("cgroup.procs"),
            std::process::id().to_string(),
        );
        let _ = fs::remove_dir(&self.dir);
        let _ = fs::remove_dir(self.dir.with_extension("drain"));
    }
}

/// Measures `alg` at `size` on kcrypto's `family` with each socket's default `SO_SNDBUF` (raised
/// to four messages for sizes above it).
pub fn measure(alg: &Alg, size: usize, family: i32) -> Result<MemPoint, crate::Error> {
    let input = crate::alg::input(size);
    let probe = open(alg, family, size)?;
    let sndbuf = probe.sndbuf()?;
    drop(probe);
    let (max_results, bound) = bound(alg, size, sndbuf);
    // Enough sockets that the charge batches are small against their memory, few enough that
    // filling them stays quick (a hash computes every message it holds a digest of).
    let sockets = ((64 << 20) / bound)
        .min((256 << 20) / (size * max_results).max(1))
        .clamp(8, 256)
        // QEMU's builtin virtio-crypto backend has room for 256 sessions (one per key).
        .min(if alg.hardware { 32 } else { 256 });

    // A cgroup of its own: what sockets of an earlier point free late (RCU) is not uncharged
    // from this one.
    let name = format!(
        "kcrypto-bench-memory-{}-{size}",
        alg.label.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    let cgroup = Cgroup::enter(&name)?;
    let base = cgroup.current()?;
    let mut socks = Vec::with_capacity(sockets);
    for _ in 0..sockets {
        socks.push(open(alg, family, size)?);
    }
    let idle = cgroup.current()?.saturating_sub(base) / sockets;
    let mut results = 0;
    for s in &mut socks {
        results = results.max(s.fill(&input, 2 * MAX_RESULTS)?);
    }
    let bytes = cgroup.current()?.saturating_sub(base) / sockets;
    drop(socks);
    drop(cgroup);
    Ok(MemPoint {
        alg: alg.label,
        size,
        sockets,
        sndbuf,
        results,
        max_results,
        idle_bytes: idle,
        bytes,
        bound,
        within: bytes <= bound && results <= max_results,
    })
}

/// An operation socket with default buffers (a larger send buffer for messages above it), in
/// record mode for a hash.
fn open(alg: &Alg, family: i32, size: usize) -> Result<AlgSocket, crate::Error> {
    let default = AlgSocket::with_buffers(family, alg, false, None)?;
    let sock = if size > default.sndbuf()? {
        drop(default);
        // The kernel doubles what is set (for its own overhead): 4 messages after doubling.
        AlgSocket::with_buffers(family, alg, false, Some(i32::try_from(2 * size)?))?
    } else {
        default
    };
    if alg.kind == Kind::Hash {
        sock.set_records()?;
    }
    Ok(sock)
}
