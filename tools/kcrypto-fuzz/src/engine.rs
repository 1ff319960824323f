// SPDX-License-Identifier: GPL-2.0

//! The fuzzing engine: a pool of sockets per worker and a stream of system
//! calls on them, every choice drawn from the worker's seeded generator.
//! Each result goes through the errno oracle and is logged; a ring of the
//! last lines is printed with the seed when something fails.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kcrypto::socket::{
    ALG_OP_DECRYPT, ALG_OP_ENCRYPT, ALG_SET_AEAD_AUTHSIZE, ALG_SET_DRBG_ENTROPY, ALG_SET_KEY,
    ALG_SET_KEY_BY_KEY_SERIAL, Control, SOL_ALG, encode_control,
};
use serde::{Deserialize, Serialize};

use crate::input;
use crate::oracle::{self, Call};
use crate::reference::{self, ALGORITHMS, Kind as AlgKind};
use crate::rng::Rng;
use crate::sys::{self, SysResult, errno_name};

/// Sockets a worker holds at most; beyond, a random one is closed first.
const MAX_POOL: usize = 24;
/// Log lines kept for a failure report.
const LOG_LINES: usize = 48;
/// kcrypto's options (`include/uapi/linux/if_kcrypto.h`).
const KCRYPTO_GET_DRIVER: i32 = 64;
/// `KCRYPTO_SET_RECORDS` (include/uapi/linux/if_kcrypto.h).
const KCRYPTO_SET_RECORDS: i32 = 66;
const KCRYPTO_LIST_ALGS: i32 = 65;
/// `sizeof(struct kcrypto_alg_info)`.
const ALG_INFO_LEN: usize = 16 + 128 + 128 + 64 + 4 + 4;
/// Bytes of random data shared by all operations (sliced, never copied).
pub const NOISE_LEN: usize = 2 * 1024 * 1024 + 4096;

/// What a process's workers share: the family, a read-only file for
/// `sendfile`/`splice`, key serials, random data.
#[derive(Debug)]
pub struct Context {
    pub family: u16,
    /// Read-only descriptor of an unlinked file holding `file_data`.
    pub file_fd: i32,
    pub file_data: Vec<u8>,
    /// Serials of real keys: `user`, `logon`, a keyring, a revoked key.
    pub keys: Vec<i32>,
    pub noise: Vec<u8>,
    /// Substrings of algorithm names never bound (`--avoid`).
    pub avoid: Vec<String>,
    /// Operations executed by all workers of all processes.
    pub ops: &'static AtomicU64,
    /// `--faults`: each step runs with this thread's `make-it-fail` set, so
    /// the kernel's failslab/fail_page_alloc (task filter) may fail its
    /// allocations: [`oracle::allowed`] already takes `ENOMEM`/`ENOBUFS`/
    /// `ENFILE` from any call; reference checks also skip on `ENFILE` and on
    /// a partial send.
    pub faults: bool,
}

/// Sets this thread's fault-injection flag (`/proc/thread-self/make-it-fail`).
///
/// Only the steps run with it set: the fuzzer's own bookkeeping (heap
/// growth, thread stacks) must not fail, or the fuzzer, not the kernel,
/// would be what is tested.
/// The file stays open: opening it with the flag set could itself fail. It
/// is reopened in a forked child (`/proc/thread-self` named the parent's
/// thread when it was opened), whose flag [`Engine::op_fork`] leaves clear.
fn make_it_fail(on: bool) {
    use std::io::Write as _;
    thread_local! {
        static FLAG: std::cell::RefCell<Option<(i32, std::fs::File)>> =
            const { std::cell::RefCell::new(None) };
    }
    // SAFETY: gettid has no preconditions.
    let tid = unsafe { libc::gettid() };
    FLAG.with(|flag| {
        let mut flag = flag.borrow_mut();
        if flag.as_ref().is_none_or(|(owner, _)| *owner != tid) {
            *flag = std::fs::OpenOptions::new()
                .write(true)
                .open("/proc/thread-self/make-it-fail")
                .ok()
                .map(|file| (tid, file));
        }
        if let Some((_, file)) = flag.as_mut() {
            let _ = file.write_all(if on { b"1" } else { b"0" });
        }
    });
}

/// Counters a run reports.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Stats {
    pub ops: u64,
    /// Calls by system call.
    pub calls: BTreeMap<String, u64>,
    /// Errors by "call errno".
    pub errnos: BTreeMap<String, u64>,
    /// Reference comparisons that ran to the end, and those skipped (by
    /// reason: an algorithm the kernel lacks, a transient limit).
    pub checks: u64,
    pub check_skips: BTreeMap<String, u64>,
    /// The slowest operation: milliseconds and its last log line.
    pub slowest_ms: u64,
    pub slowest: String,
}

impl Stats {
    pub fn merge(&mut self, other: &Stats) {
        self.ops += other.ops;
        self.checks += other.checks;
        if other.slowest_ms > self.slowest_ms {
            self.slowest_ms = other.slowest_ms;
            self.slowest = other.slowest.clone();
        }
        for (map, from) in [
            (&mut self.calls, &other.calls),
            (&mut self.errnos, &other.errnos),
            (&mut self.check_skips, &other.check_skips),
        ] {
            for (key, count) in from {
                *map.entry(key.clone()).or_default() += count;
            }
        }
    }
}

/// Something an oracle caught.
#[derive(Debug)]
pub struct Failure {
    pub what: String,
    pub log: Vec<String>,
}

/// A worker's state as the watchdog sees it.
#[derive(Debug)]
pub struct Status {
    epoch: Instant,
    /// Milliseconds since `epoch` at which the current call started, 0 idle.
    started: AtomicU64,
    log: Mutex<VecDeque<String>>,
}

impl Status {
    pub fn new() -> Arc<Status> {
        Arc::new(Status {
            epoch: Instant::now(),
            started: AtomicU64::new(0),
            log: Mutex::new(VecDeque::new()),
        })
    }

    fn begin(&self) {
        let now = self.epoch.elapsed().as_millis() as u64;
        self.started.store(now.max(1), Ordering::Relaxed);
    }

    fn end(&self) {
        self.started.store(0, Ordering::Relaxed);
    }

    /// How long the current call has been running.
    pub fn busy_for(&self) -> Option<Duration> {
        match self.started.load(Ordering::Relaxed) {
            0 => None,
            since => Some(
                self.epoch
                    .elapsed()
                    .saturating_sub(Duration::from_millis(since)),
            ),
        }
    }

    pub fn tail(&self) -> Vec<String> {
        self.log
            .lock()
            .map(|log| log.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn push(&self, line: String) {
        if let Ok(mut log) = self.log.lock() {
            if log.len() == LOG_LINES {
                log.pop_front();
            }
            log.push_back(line);
        }
    }
}

/// What a pooled descriptor is, as far as the fuzzer knows.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Unbound,
    Bound { type_: String, name: String },
    Op { type_: String, name: String },
}

#[derive(Clone, Debug)]
struct Slot {
    fd: i32,
    kind: Kind,
}

/// Closes descriptors of a reference check on every path.
struct Fds(Vec<i32>);

impl Drop for Fds {
    fn drop(&mut self) {
        for &fd in &self.0 {
            let _ = sys::close(fd);
        }
    }
}

/// One worker: a generator, a socket pool, statistics.
#[derive(Debug)]
pub struct Engine {
    ctx: Arc<Context>,
    rng: Rng,
    pool: Vec<Slot>,
    pub stats: Stats,
    status: Arc<Status>,
    /// 0 for a worker; children (fork, race) do not fork or race again.
    depth: u32,
    seq: u64,
    recv_buf: Vec<u8>,
}

type Step = Result<(), Failure>;

fn show(result: &SysResult) -> String {
    match result {
        Ok(value) => value.to_string(),
        Err(errno) => errno_name(*errno),
    }
}

impl Engine {
    pub fn new(ctx: Arc<Context>, seed: u64, status: Arc<Status>) -> Engine {
        Engine {
            ctx,
            rng: Rng::new(seed),
            pool: Vec::new(),
            stats: Stats::default(),
            status,
            depth: 0,
            seq: 0,
            recv_buf: vec![0; 256 * 1024],
        }
    }

    fn child(&self, seed: u64, pool: Vec<Slot>) -> Engine {
        Engine {
            ctx: self.ctx.clone(),
            rng: Rng::new(seed),
            pool,
            stats: Stats::default(),
            status: Status::new(),
            depth: self.depth + 1,
            seq: 0,
            recv_buf: vec![0; 64 * 1024],
        }
    }

    fn fail(&self, what: String) -> Failure {
        self.status.push(format!("FAILED: {what}"));
        Failure {
            what,
            log: self.status.tail(),
        }
    }

    fn log(&mut self, line: String) {
        self.seq += 1;
        let prefix = if self.depth > 0 { "  child " } else { "" };
        self.status.push(format!("{prefix}#{} {line}", self.seq));
    }

    /// Counts and logs one system call and applies the errno oracle.
    fn record(
        &mut self,
        call: Call,
        result: SysResult,
        what: String,
    ) -> Result<SysResult, Failure> {
        self.stats.ops += 1;
        self.ctx.ops.fetch_add(1, Ordering::Relaxed);
        *self.stats.calls.entry(call.name().to_owned()).or_default() += 1;
        self.log(format!("{what} = {}", show(&result)));
        if let Err(errno) = result {
            let key = format!("{} {}", call.name(), errno_name(errno));
            *self.stats.errnos.entry(key).or_default() += 1;
            if !oracle::allowed(call, errno) {
                return Err(self.fail(format!("{what}: unexpected errno {}", errno_name(errno))));
            }
        }
        Ok(result)
    }

    /// [`Engine::record`] for calls whose result needs no more checks.
    fn note(&mut self, call: Call, result: SysResult, what: String) -> Step {
        self.record(call, result, what).map(|_| ())
    }

    /// Runs `steps` operations (or until `deadline`).
    pub fn run(&mut self, steps: u64, deadline: Option<Instant>) -> Step {
        for _ in 0..steps {
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                break;
            }
            self.status.begin();
            let started = Instant::now();
            if self.ctx.faults {
                make_it_fail(true);
            }
            let result = self.step();
            if self.ctx.faults {
                make_it_fail(false);
            }
            let ms = started.elapsed().as_millis() as u64;
            self.status.end();
            if ms > self.stats.slowest_ms {
                self.stats.slowest_ms = ms;
                self.stats.slowest = self.status.tail().pop().unwrap_or_default();
            }
            result?;
        }
        Ok(())
    }

    fn step(&mut self) -> Step {
        if self.pool.is_empty() {
            return self.op_socket();
        }
        match self.rng.below(200) {
            0..=13 => self.op_socket(),
            14..=33 => self.op_bind(),
            34..=49 => self.op_set_key(),
            50..=57 => self.op_set_option(),
            58..=65 => self.op_get_option(),
            66..=85 => self.op_accept(),
            86..=121 => self.op_send(),
            122..=149 => self.op_recv(),
            150..=157 => self.op_splice(),
            158..=161 => self.op_sendfile(),
            162..=167 => self.op_poll(),
            168..=177 => self.op_close(),
            178..=179 => self.op_dup(),
            180 if self.depth == 0 => self.op_fork(),
            181..=183 if self.depth == 0 => self.op_race(),
            _ => self.op_check(),
        }
    }

    fn push(&mut self, slot: Slot) {
        if self.pool.len() >= MAX_POOL {
            let victim = self.rng.below(self.pool.len());
            let old = self.pool.swap_remove(victim);
            let _ = sys::close(old.fd);
        }
        self.pool.push(slot);
    }

    /// A pool index, preferring descriptors `wanted` accepts.
    fn pick(&mut self, wanted: impl Fn(&Kind) -> bool) -> usize {
        let matching: Vec<usize> = (0..self.pool.len())
            .filter(|&i| wanted(&self.pool[i].kind))
            .collect();
        if !matching.is_empty() && self.rng.below(10) < 8 {
            matching[self.rng.below(matching.len())]
        } else {
            self.rng.below(self.pool.len())
        }
    }

    fn describe(&self, index: usize) -> String {
        let slot = &self.pool[index];
        match &slot.kind {
            Kind::Unbound => format!("fd {} (unbound)", slot.fd),
            Kind::Bound { type_, name } => format!("fd {} (bound {type_} {name})", slot.fd),
            Kind::Op { type_, name } => format!("fd {} (op {type_} {name})", slot.fd),
        }
    }

    fn op_socket(&mut self) -> Step {
        let family = i32::from(self.ctx.family);
        let (type_, protocol) = match self.rng.below(24) {
            0 => (libc::SOCK_STREAM, 0),
            1 => (libc::SOCK_DGRAM, 0),
            2 => (libc::SOCK_SEQPACKET, self.rng.between(1, 300) as i32),
            3..=5 => (libc::SOCK_SEQPACKET | libc::SOCK_NONBLOCK, 0),
            _ => (libc::SOCK_SEQPACKET, 0),
        };
        let result = sys::socket(family, type_, protocol);
        let result = self.record(
            Call::Socket,
            result,
            format!("socket({family}, {type_:#x}, {protocol})"),
        )?;
        if let Ok(fd) = result {
            self.push(Slot {
                fd: fd as i32,
                kind: Kind::Unbound,
            });
        }
        Ok(())
    }

    fn op_bind(&mut self) -> Step {
        let index = self.pick(|kind| *kind == Kind::Unbound);
        let (mut addr, mut type_, mut name) = input::address(&mut self.rng, self.ctx.family);
        for _ in 0..8 {
            if !self.avoided(&name) {
                break;
            }
            (addr, type_, name) = input::address(&mut self.rng, self.ctx.family);
        }
        if self.avoided(&name) {
            return Ok(());
        }
        let result = sys::bind(self.pool[index].fd, &addr);
        let what = format!(
            "bind({}, {type_:?} {name:?}, len {}, feat/mask {:?})",
            self.describe(index),
            addr.len(),
            addr.get(16..24)
        );
        if self.record(Call::Bind, result, what)?.is_ok() {
            self.pool[index].kind = Kind::Bound { type_, name };
        }
        Ok(())
    }

    /// Whether `--avoid` excludes a name.
    fn avoided(&self, name: &str) -> bool {
        self.ctx
            .avoid
            .iter()
            .any(|avoid| name.contains(avoid.as_str()))
    }

    /// A key length the bound algorithm takes, when the fuzzer can tell.
    fn plausible_key_len(&mut self, name: &str) -> usize {
        let lens: &[usize] = if name.contains("rfc4106") || name.contains("rfc4543") {
            &[20, 28, 36]
        } else if name.contains("rfc4309") || name.contains("rfc3686") {
            &[19, 27, 35]
        } else if name.contains("xts") {
            &[32, 64]
        } else if name.contains("chacha") {
            &[32]
        } else if name.contains("aes") {
            &[16, 24, 32]
        } else {
            &[0, 16, 32, 64, 100]
        };
        lens[self.rng.below(lens.len())]
    }

    fn op_set_key(&mut self) -> Step {
        let index = self.pick(|kind| matches!(kind, Kind::Bound { .. }));
        let fd = self.pool[index].fd;
        let what = self.describe(index);
        if self.rng.below(4) == 0 {
            // By serial: real keys (user, logon, a keyring, revoked) and
            // bogus serials, with the right and wrong option lengths.
            let serial = match self.rng.below(4) {
                0 | 1 if !self.ctx.keys.is_empty() => {
                    self.ctx.keys[self.rng.below(self.ctx.keys.len())]
                }
                2 => -(self.rng.between(1, 8) as i32),
                _ => self.rng.next_u64() as i32,
            };
            let mut value = serial.to_ne_bytes().to_vec();
            if self.rng.one_in(8) {
                value.resize(self.rng.below(9), 0);
            }
            let result = sys::setsockopt(fd, SOL_ALG, ALG_SET_KEY_BY_KEY_SERIAL, Some(&value), 0);
            self.note(
                Call::SetKey,
                result,
                format!(
                    "setsockopt({what}, KEY_BY_KEY_SERIAL {serial}, len {})",
                    value.len()
                ),
            )?;
            return Ok(());
        }
        let len = match &self.pool[index].kind {
            Kind::Bound { name, .. } if self.rng.below(2) == 0 => {
                let name = name.clone();
                self.plausible_key_len(&name)
            }
            _ => input::key_len(&mut self.rng),
        };
        let key = self.rng.bytes(len);
        let result = sys::setsockopt(fd, SOL_ALG, ALG_SET_KEY, Some(&key), 0);
        self.note(
            Call::SetKey,
            result,
            format!("setsockopt({what}, ALG_SET_KEY, {len} bytes)"),
        )?;
        Ok(())
    }

    fn op_set_option(&mut self) -> Step {
        if self.rng.one_in(5) {
            return self.op_set_records();
        }
        let index = self.pick(|kind| matches!(kind, Kind::Bound { .. }));
        let fd = self.pool[index].fd;
        let what = self.describe(index);
        let (level, name, value, len) = match self.rng.below(6) {
            0 | 1 => {
                const SIZES: &[u32] = &[0, 1, 4, 8, 12, 13, 14, 15, 16, 17, 32, 1024];
                let size = SIZES[self.rng.below(SIZES.len())];
                (SOL_ALG, ALG_SET_AEAD_AUTHSIZE, None, size)
            }
            2 => {
                let len = if self.rng.one_in(4) {
                    0
                } else {
                    self.rng.between(1, 300)
                };
                (SOL_ALG, ALG_SET_DRBG_ENTROPY, Some(self.rng.bytes(len)), 0)
            }
            3 => {
                const NAMES: &[i32] = &[
                    libc::SO_SNDBUF,
                    libc::SO_RCVBUF,
                    libc::SO_RCVTIMEO,
                    libc::SO_SNDTIMEO,
                    libc::SO_RCVLOWAT,
                    libc::SO_PRIORITY,
                ];
                let name = NAMES[self.rng.below(NAMES.len())];
                let value = match self.rng.below(4) {
                    0 => 0i64,
                    1 => self.rng.below(8192) as i64,
                    2 => self.rng.below(4 << 20) as i64,
                    _ => self.rng.next_u64() as i64,
                };
                let bytes = if matches!(name, libc::SO_RCVTIMEO | libc::SO_SNDTIMEO) {
                    // struct timeval: a short timeout at most.
                    [0i64.to_ne_bytes(), (value % 50_000).to_ne_bytes()].concat()
                } else {
                    (value as i32).to_ne_bytes().to_vec()
                };
                (libc::SOL_SOCKET, name, Some(bytes), 0)
            }
            4 => {
                let name = match self.rng.below(3) {
                    0 => self.rng.below(10) as i32,
                    1 => KCRYPTO_GET_DRIVER + self.rng.below(4) as i32,
                    _ => self.rng.next_u64() as i32,
                };
                let len = self.rng.below(64);
                (SOL_ALG, name, Some(self.rng.bytes(len)), 0)
            }
            _ => {
                let level = self.rng.next_u64() as i32 & 0x1ff;
                let len = self.rng.below(16);
                (
                    level,
                    self.rng.below(10) as i32,
                    Some(self.rng.bytes(len)),
                    0,
                )
            }
        };
        let shown_len = value.as_ref().map_or(len as usize, Vec::len);
        let result = sys::setsockopt(fd, level, name, value.as_deref(), len);
        let result = match result {
            // SO_RCVTIMEO with a bad timeval: not the family's business.
            Err(libc::EDOM) if level == libc::SOL_SOCKET => Err(libc::EINVAL),
            other => other,
        };
        // A random option that happens to be a key option is judged as one.
        let call = if level == SOL_ALG && matches!(name, ALG_SET_KEY | ALG_SET_KEY_BY_KEY_SERIAL) {
            Call::SetKey
        } else {
            Call::SetOpt
        };
        self.note(
            call,
            result,
            format!("setsockopt({what}, level {level}, name {name}, len {shown_len})"),
        )?;
        Ok(())
    }

    /// `KCRYPTO_SET_RECORDS` on an operation socket: mostly on, so that the sends after it
    /// are records (every iovec a message, a cipher's or AEAD's IV first); sometimes off, a
    /// bad value or a short option.
    fn op_set_records(&mut self) -> Step {
        let index = self.pick(|kind| matches!(kind, Kind::Op { .. }));
        let fd = self.pool[index].fd;
        let what = self.describe(index);
        let value: i32 = match self.rng.below(6) {
            0 => 0,
            1 => self.rng.next_u64() as i32,
            _ => 1,
        };
        let bytes = value.to_ne_bytes();
        let len = if self.rng.one_in(8) {
            self.rng.below(4)
        } else {
            bytes.len()
        };
        let result = sys::setsockopt(fd, SOL_ALG, KCRYPTO_SET_RECORDS, Some(&bytes[..len]), 0);
        self.note(
            Call::SetOpt,
            result,
            format!("setsockopt({what}, KCRYPTO_SET_RECORDS {value}, len {len})"),
        )?;
        Ok(())
    }

    fn op_get_option(&mut self) -> Step {
        let index = self.rng.below(self.pool.len());
        let fd = self.pool[index].fd;
        let what = self.describe(index);
        let (level, name, size) = match self.rng.below(5) {
            0 | 1 => {
                const SIZES: &[usize] =
                    &[0, 1, ALG_INFO_LEN - 1, ALG_INFO_LEN, ALG_INFO_LEN + 1, 4096];
                (
                    SOL_ALG,
                    KCRYPTO_GET_DRIVER,
                    SIZES[self.rng.below(SIZES.len())],
                )
            }
            2 => {
                const SIZES: &[usize] = &[0, ALG_INFO_LEN, 4096, 65536, 512 * 1024];
                (
                    SOL_ALG,
                    KCRYPTO_LIST_ALGS,
                    SIZES[self.rng.below(SIZES.len())],
                )
            }
            3 => (SOL_ALG, self.rng.below(70) as i32, self.rng.below(512)),
            _ => {
                const NAMES: &[i32] = &[
                    libc::SO_TYPE,
                    libc::SO_DOMAIN,
                    libc::SO_PROTOCOL,
                    libc::SO_ERROR,
                    libc::SO_SNDBUF,
                    libc::SO_RCVBUF,
                    libc::SO_ACCEPTCONN,
                ];
                (libc::SOL_SOCKET, NAMES[self.rng.below(NAMES.len())], 4)
            }
        };
        let mut buf = vec![0u8; size];
        let result = sys::getsockopt(fd, level, name, &mut buf);
        let result = self.record(
            Call::GetOpt,
            result,
            format!("getsockopt({what}, level {level}, name {name}, {size} bytes)"),
        )?;
        if let Ok(len) = result {
            if level == SOL_ALG && len > size {
                return Err(self.fail(format!(
                    "getsockopt name {name}: optlen {len} > buffer {size} on success"
                )));
            }
            if level == SOL_ALG && name == KCRYPTO_LIST_ALGS && len % ALG_INFO_LEN != 0 {
                return Err(self.fail(format!("KCRYPTO_LIST_ALGS: {len} bytes, not whole entries")));
            }
        }
        Ok(())
    }

    fn op_accept(&mut self) -> Step {
        let index = self.pick(|kind| !matches!(kind, Kind::Unbound));
        let what = format!("accept({})", self.describe(index));
        let result = sys::accept(self.pool[index].fd);
        if let Ok(fd) = self.record(Call::Accept, result, what)? {
            let kind = match &self.pool[index].kind {
                Kind::Bound { type_, name } | Kind::Op { type_, name } => Kind::Op {
                    type_: type_.clone(),
                    name: name.clone(),
                },
                Kind::Unbound => Kind::Unbound,
            };
            self.push(Slot {
                fd: fd as i32,
                kind,
            });
        }
        Ok(())
    }

    /// A slice of the shared random data.
    fn noise(&mut self, len: usize) -> (usize, usize) {
        let len = len.min(NOISE_LEN);
        let start = self.rng.below(NOISE_LEN - len + 1);
        (start, start + len)
    }

    fn op_send(&mut self) -> Step {
        let index = self.pick(|kind| matches!(kind, Kind::Op { type_, .. } if type_ != "rng"));
        let fd = self.pool[index].fd;
        let what = self.describe(index);
        let len = input::data_len(&mut self.rng);
        let (start, end) = self.noise(len);
        let mut cuts: Vec<usize> = (0..self.rng.below(4))
            .map(|_| self.rng.between(start, end))
            .collect();
        cuts.push(start);
        cuts.push(end);
        cuts.sort_unstable();
        let control = input::control(&mut self.rng);
        let name = if self.rng.one_in(30) {
            let len = self.rng.below(120);
            self.rng.bytes(len)
        } else {
            Vec::new()
        };
        let flags = input::send_flags(&mut self.rng);
        let ctx = self.ctx.clone();
        let parts: Vec<&[u8]> = cuts.windows(2).map(|w| &ctx.noise[w[0]..w[1]]).collect();
        let result = sys::sendmsg(fd, &parts, &control, &name, flags);
        let result = self.record(
            Call::Send,
            result,
            format!(
                "sendmsg({what}, {len} bytes in {} parts, {} control bytes, name {}, flags {flags:#x})",
                parts.len(),
                control.len(),
                name.len()
            ),
        )?;
        if let Ok(sent) = result {
            if sent > len {
                return Err(self.fail(format!("sendmsg of {len} bytes returned {sent}")));
            }
        }
        Ok(())
    }

    fn op_recv(&mut self) -> Step {
        let index = self.pick(|kind| matches!(kind, Kind::Op { .. }));
        let fd = self.pool[index].fd;
        let what = self.describe(index);
        const SIZES: &[usize] = &[0, 1, 15, 16, 20, 28, 32, 48, 64, 100, 4096, 65536];
        let size = if self.rng.one_in(6) {
            self.rng.below(self.recv_buf.len() + 1)
        } else {
            SIZES[self.rng.below(SIZES.len())].min(self.recv_buf.len())
        };
        let mut control = vec![0u8; if self.rng.one_in(4) { 64 } else { 0 }];
        let flags = input::recv_flags(&mut self.rng);
        let mut buf = std::mem::take(&mut self.recv_buf);
        let result = sys::recvmsg(fd, &mut buf[..size], &mut control, flags);
        self.recv_buf = buf;
        let (plain, received) = match result {
            Ok(received) => (Ok(received.len), Some(received)),
            Err(errno) => (Err(errno), None),
        };
        self.note(
            Call::Recv,
            plain,
            format!("recvmsg({what}, {size} bytes, flags {flags:#x})"),
        )?;
        if let Some(received) = received {
            if received.len > size && flags & libc::MSG_TRUNC == 0 {
                return Err(self.fail(format!(
                    "recvmsg into {size} bytes returned {}",
                    received.len
                )));
            }
            if received.control_len > control.len() {
                return Err(self.fail(format!(
                    "recvmsg: msg_controllen {} > {}",
                    received.control_len,
                    control.len()
                )));
            }
        }
        Ok(())
    }

    /// Data into a pipe (write or vmsplice, or from the file), then the
    /// pipe into a socket; or a socket into a pipe.
    fn op_splice(&mut self) -> Step {
        let index = self.pick(|kind| matches!(kind, Kind::Op { type_, .. } if type_ != "rng"));
        let fd = self.pool[index].fd;
        let what = self.describe(index);
        let (read_end, write_end) = match sys::pipe() {
            Ok(pipe) => pipe,
            Err(_) => return Ok(()),
        };
        let read_guard = Fds(vec![read_end]);
        let write_guard = Fds(vec![write_end]);
        let flag_bits = [0, libc::SPLICE_F_MORE, libc::SPLICE_F_NONBLOCK];
        let flags = flag_bits[self.rng.below(3)] | flag_bits[self.rng.below(3)];
        if self.rng.below(5) == 0 {
            let len = self.rng.below(70_000);
            let result = sys::splice(fd, write_end, len, flags | libc::SPLICE_F_NONBLOCK);
            self.note(
                Call::Recv,
                result,
                format!("splice({what} -> pipe, {len}, flags {flags:#x})"),
            )?;
            return Ok(());
        }
        let len = self.rng.below(65536);
        let (start, end) = self.noise(len);
        let ctx = self.ctx.clone();
        match self.rng.below(3) {
            0 => {
                let _ = sys::write(write_end, &ctx.noise[start..end]);
            }
            1 => {
                let gift = if self.rng.below(2) == 0 {
                    libc::SPLICE_F_GIFT
                } else {
                    0
                };
                let result = sys::vmsplice(write_end, &ctx.noise[start..end], gift);
                self.note(
                    Call::Vmsplice,
                    result,
                    format!("vmsplice(pipe, {len} bytes, flags {gift:#x})"),
                )?;
            }
            _ => {
                let offset = self.rng.below(ctx.file_data.len()) as i64;
                let mut off = offset as libc::loff_t;
                // SAFETY: `off` is a valid loff_t for the call; the pipe's
                // write end is non-blocking, so this cannot wait.
                let _ = unsafe {
                    libc::splice(
                        ctx.file_fd,
                        &mut off,
                        write_end,
                        std::ptr::null_mut(),
                        len,
                        libc::SPLICE_F_NONBLOCK,
                    )
                };
            }
        }
        // With the write end closed an empty pipe reads as end of file, so
        // a blocking splice cannot wait for ever.
        drop(write_guard);
        let want = if self.rng.below(4) == 0 {
            self.rng.below(100_000)
        } else {
            len
        };
        let result = sys::splice(read_end, fd, want, flags);
        self.note(
            Call::Splice,
            result,
            format!("splice(pipe -> {what}, {want} of {len} bytes, flags {flags:#x})"),
        )?;
        drop(read_guard);
        self.verify_file()
    }

    /// The read-only file must never change, whatever was spliced from it.
    fn verify_file(&mut self) -> Step {
        let mut now = vec![0u8; self.ctx.file_data.len()];
        // SAFETY: `now` is valid for its length.
        let read = unsafe { libc::pread(self.ctx.file_fd, now.as_mut_ptr().cast(), now.len(), 0) };
        if read != now.len() as isize || now != self.ctx.file_data {
            return Err(self.fail("the read-only file changed after splice/sendfile".to_owned()));
        }
        Ok(())
    }

    fn op_sendfile(&mut self) -> Step {
        let index = self.pick(|kind| matches!(kind, Kind::Op { type_, .. } if type_ != "rng"));
        let fd = self.pool[index].fd;
        let what = self.describe(index);
        let size = self.ctx.file_data.len();
        let offset = self.rng.below(size + 64) as i64;
        let count = if self.rng.one_in(4) {
            self.rng.below(1 << 20)
        } else {
            self.rng.below(size)
        };
        let result = sys::sendfile(fd, self.ctx.file_fd, offset, count);
        self.note(
            Call::Sendfile,
            result,
            format!("sendfile({what}, file offset {offset}, {count} bytes)"),
        )?;
        if self.rng.below(4) == 0 {
            self.verify_file()?;
        }
        Ok(())
    }

    fn op_poll(&mut self) -> Step {
        let count = self.rng.between(1, 4.min(self.pool.len()));
        let mut fds: Vec<libc::pollfd> = (0..count)
            .map(|_| {
                let slot = &self.pool[self.rng.below(self.pool.len())];
                libc::pollfd {
                    fd: slot.fd,
                    events: (self.rng.next_u64() as i16)
                        & (libc::POLLIN | libc::POLLOUT | libc::POLLPRI | libc::POLLRDHUP),
                    revents: 0,
                }
            })
            .collect();
        let timeout = if self.rng.below(4) == 0 {
            self.rng.below(20) as i32
        } else {
            0
        };
        let result = sys::poll(&mut fds, timeout);
        let shown: Vec<String> = fds
            .iter()
            .map(|p| format!("{}:{:#x}->{:#x}", p.fd, p.events, p.revents))
            .collect();
        self.note(
            Call::Poll,
            result,
            format!("poll([{}], {timeout} ms)", shown.join(" ")),
        )?;
        if let Some(bad) = fds.iter().find(|p| p.revents & libc::POLLNVAL != 0) {
            return Err(self.fail(format!("poll: POLLNVAL for open fd {}", bad.fd)));
        }
        Ok(())
    }

    fn op_close(&mut self) -> Step {
        let index = self.rng.below(self.pool.len());
        let what = format!("close({})", self.describe(index));
        let slot = self.pool.swap_remove(index);
        let result = sys::close(slot.fd);
        self.note(Call::Close, result, what)?;
        Ok(())
    }

    fn op_dup(&mut self) -> Step {
        let index = self.rng.below(self.pool.len());
        let what = format!("dup({})", self.describe(index));
        let result = sys::dup(self.pool[index].fd);
        if let Ok(fd) = self.record(Call::Dup, result, what)? {
            let kind = self.pool[index].kind.clone();
            self.push(Slot {
                fd: fd as i32,
                kind,
            });
        }
        Ok(())
    }

    /// A child process inherits the pool and runs a few operations on it
    /// while the parent waits (bounded by the watchdog).
    fn op_fork(&mut self) -> Step {
        let seed = self.rng.next_u64();
        let steps = self.rng.between(1, 12) as u64;
        let Ok((report_read, report_write)) = sys::pipe() else {
            return Ok(());
        };
        let mut child = self.child(seed, self.pool.clone());
        // The child starts with make-it-fail clear: it must open its own
        // flag file before its steps set it.
        if self.ctx.faults {
            make_it_fail(false);
        }
        // SAFETY: the child only runs the engine (system calls and heap
        // allocation, which glibc keeps usable after fork) and _exits.
        let pid = unsafe { libc::fork() };
        if pid != 0 && self.ctx.faults {
            make_it_fail(true);
        }
        if pid == 0 {
            let code = match child.run(steps, None) {
                Ok(()) => 0,
                Err(failure) => {
                    let text = format!("{}\n{}\n", failure.what, failure.log.join("\n"));
                    let _ = sys::write(report_write, text.as_bytes());
                    1
                }
            };
            // SAFETY: ends the child without running the parent's exit
            // handlers or destructors.
            unsafe { libc::_exit(code) };
        }
        drop(child);
        let _ = sys::close(report_write);
        let _pipe = Fds(vec![report_read]);
        let result = if pid < 0 {
            Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
        } else {
            Ok(pid as usize)
        };
        self.note(
            Call::Fork,
            result,
            format!("fork() running {steps} ops (seed {seed:#x})"),
        )?;
        if pid < 0 {
            return Ok(());
        }
        let mut status = 0;
        // SAFETY: waits for our own child; `status` is valid.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        let mut report = vec![0u8; 16384];
        // SAFETY: `report` is valid for its length.
        let read = unsafe { libc::read(report_read, report.as_mut_ptr().cast(), report.len()) };
        report.truncate(read.max(0) as usize);
        if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
            return Err(self.fail(format!(
                "forked child (seed {seed:#x}) failed, status {status:#x}: {}",
                String::from_utf8_lossy(&report)
            )));
        }
        Ok(())
    }

    /// A second thread runs operations on a duplicate of one socket while
    /// this one runs operations on the pool (which holds the original).
    fn op_race(&mut self) -> Step {
        let index = self.rng.below(self.pool.len());
        let seed = self.rng.next_u64();
        let steps = self.rng.between(1, 10) as u64;
        let what = format!(
            "race on {} ({steps} ops each, seed {seed:#x})",
            self.describe(index)
        );
        let Ok(fd) = sys::dup(self.pool[index].fd) else {
            return Ok(());
        };
        let kind = self.pool[index].kind.clone();
        let mut other = self.child(
            seed,
            vec![Slot {
                fd: fd as i32,
                kind,
            }],
        );
        self.note(Call::Race, Ok(0), what)?;
        // The new thread inherits make-it-fail; Rust's thread start-up
        // (stack, signal stack) must not fail, its steps set it again.
        if self.ctx.faults {
            make_it_fail(false);
        }
        let spawned = std::thread::Builder::new().spawn(move || {
            let result = other.run(steps, None);
            other.close_all();
            (result, other.stats)
        });
        if self.ctx.faults {
            make_it_fail(true);
        }
        let handle = match spawned {
            Ok(handle) => handle,
            Err(e) if self.ctx.faults => {
                self.log(format!("race: thread not started: {e}"));
                let _ = sys::close(fd as i32);
                return Ok(());
            }
            Err(e) => return Err(self.fail(format!("race: thread not started: {e}"))),
        };
        self.depth += 1;
        let mine = self.run(steps, None);
        self.depth -= 1;
        let (theirs, stats) = match handle.join() {
            Ok(outcome) => outcome,
            Err(_) => return Err(self.fail("race thread panicked".to_owned())),
        };
        self.stats.merge(&stats);
        mine?;
        theirs.map_err(|failure| {
            self.fail(format!(
                "race thread: {}\n    {}",
                failure.what,
                failure.log.join("\n    ")
            ))
        })
    }

    /// Closes every pooled descriptor.
    pub fn close_all(&mut self) {
        for slot in self.pool.drain(..) {
            let _ = sys::close(slot.fd);
        }
    }

    /// A well-formed operation compared with the userspace reference.
    fn op_check(&mut self) -> Step {
        let outcome = match self.rng.below(10) {
            0..=3 => self.check_hash(),
            4..=8 => self.check_cipher(),
            _ => self.check_rng(),
        }?;
        match outcome {
            Ok(()) => self.stats.checks += 1,
            Err(reason) => *self.stats.check_skips.entry(reason).or_default() += 1,
        }
        Ok(())
    }

    /// A call of a reference check: any error but a transient limit fails.
    fn check_call(
        &mut self,
        call: Call,
        result: SysResult,
        what: String,
    ) -> Result<Result<usize, String>, Failure> {
        self.stats.ops += 1;
        self.ctx.ops.fetch_add(1, Ordering::Relaxed);
        *self.stats.calls.entry(call.name().to_owned()).or_default() += 1;
        self.log(format!("check: {what} = {}", show(&result)));
        match result {
            Ok(value) => Ok(Ok(value)),
            Err(errno @ (libc::EAGAIN | libc::ENOBUFS | libc::ENOMEM)) => {
                Ok(Err(format!("{} {}", call.name(), errno_name(errno))))
            }
            // A socket inode that could not be allocated (sock_alloc()).
            Err(errno @ libc::ENFILE) if self.ctx.faults => {
                Ok(Err(format!("{} {}", call.name(), errno_name(errno))))
            }
            Err(errno) => Err(self.fail(format!(
                "check: {what}: {} on a well-formed operation",
                errno_name(errno)
            ))),
        }
    }

    /// Opens and binds a socket for a check; `Err` names why it was skipped.
    fn check_bind(
        &mut self,
        fds: &mut Fds,
        type_: &str,
        name: &str,
    ) -> Result<Result<i32, String>, Failure> {
        let result = sys::socket(i32::from(self.ctx.family), libc::SOCK_SEQPACKET, 0);
        let tfm = match self.check_call(Call::Socket, result, "socket".to_owned())? {
            Ok(fd) => fd as i32,
            Err(skip) => return Ok(Err(skip)),
        };
        fds.0.push(tfm);
        let addr = kcrypto::SockaddrAlg::new(
            kcrypto::Family::new(i32::from(self.ctx.family)).unwrap_or(kcrypto::Family::AF_ALG),
            type_,
            name,
        )
        .map_err(|e| self.fail(format!("check: address for {name}: {e}")))?;
        let result = sys::bind(tfm, addr.as_bytes());
        if let Err(errno @ (libc::ENOENT | libc::EPERM | libc::EACCES)) = result {
            // Not in this kernel, or refused by the policy.
            self.log(format!(
                "check: bind {type_} {name} = {}",
                errno_name(errno)
            ));
            return Ok(Err(format!("{name} unavailable ({})", errno_name(errno))));
        }
        Ok(self
            .check_call(Call::Bind, result, format!("bind {type_} {name}"))?
            .map(|_| tfm))
    }

    /// Sends `data` as one message in random parts (sendmsg, sometimes a
    /// pipe spliced in), the first part carrying `control`.
    fn check_send(
        &mut self,
        fd: i32,
        data: &[u8],
        control: &[u8],
    ) -> Result<Result<(), String>, Failure> {
        let mut cuts: Vec<usize> = (0..self.rng.below(4))
            .map(|_| self.rng.below(data.len() + 1))
            .collect();
        cuts.push(0);
        cuts.push(data.len());
        cuts.sort_unstable();
        let parts = cuts.len() - 1;
        for (i, w) in cuts.windows(2).enumerate() {
            let part = &data[w[0]..w[1]];
            let last = i + 1 == parts;
            let control = if i == 0 { control } else { &[] };
            let result = if i > 0 && !part.is_empty() && part.len() <= 65536 && self.rng.one_in(4) {
                self.splice_part(fd, part, last)
            } else {
                let flags = if last { 0 } else { libc::MSG_MORE };
                sys::sendmsg(fd, &[part], control, &[], flags)
            };
            match self.check_call(
                Call::Send,
                result,
                format!("send part {i} of {parts}: {} bytes", part.len()),
            )? {
                Ok(sent) if sent != part.len() && self.ctx.faults => {
                    return Ok(Err(format!("send partial ({sent} of {})", part.len())));
                }
                Ok(sent) if sent != part.len() => {
                    return Err(
                        self.fail(format!("check: send of {} bytes took {sent}", part.len()))
                    );
                }
                Ok(_) => {}
                Err(skip) => return Ok(Err(skip)),
            }
        }
        Ok(Ok(()))
    }

    fn splice_part(&mut self, fd: i32, part: &[u8], last: bool) -> SysResult {
        let (read_end, write_end) = sys::pipe()?;
        let _pipe = Fds(vec![read_end, write_end]);
        let written = sys::write(write_end, part)?;
        if written != part.len() {
            return Err(libc::EAGAIN);
        }
        let flags = if last { 0 } else { libc::SPLICE_F_MORE };
        sys::splice(read_end, fd, part.len(), flags)
    }

    /// Receives exactly `len` bytes (several calls allowed if `whole` is
    /// false); blocking, bounded by the watchdog.
    fn check_recv(
        &mut self,
        fd: i32,
        len: usize,
        whole: bool,
    ) -> Result<Result<Vec<u8>, String>, Failure> {
        let mut out = Vec::with_capacity(len);
        loop {
            let room = if whole {
                len + self.rng.below(2) * 16
            } else {
                self.rng.between(1, (len - out.len()).max(1) + 16)
            };
            let mut buf = vec![0u8; room];
            let result = sys::recvmsg(fd, &mut buf, &mut [], 0).map(|r| r.len);
            let got = match self.check_call(Call::Recv, result, format!("recv {room} bytes"))? {
                Ok(got) => got,
                Err(skip) => return Ok(Err(skip)),
            };
            out.extend_from_slice(&buf[..got]);
            if whole || out.len() >= len || got == 0 {
                break;
            }
        }
        Ok(Ok(out))
    }

    fn mismatch(&self, what: &str, got: &[u8], want: &[u8]) -> Failure {
        let first = got.iter().zip(want).position(|(a, b)| a != b);
        self.fail(format!(
            "check: WRONG ANSWER for {what}: {} bytes, expected {}, first difference at {first:?}",
            got.len(),
            want.len()
        ))
    }

    fn check_hash(&mut self) -> Result<Result<(), String>, Failure> {
        let (name, keyed) = oracle::HASHES[self.rng.below(oracle::HASHES.len())];
        let mut fds = Fds(Vec::new());
        let tfm = match self.check_bind(&mut fds, "hash", name)? {
            Ok(fd) => fd,
            Err(skip) => return Ok(Err(skip)),
        };
        let key = if keyed {
            let len = self.rng.between(1, 200);
            self.rng.bytes(len)
        } else {
            Vec::new()
        };
        if keyed {
            let result = sys::setsockopt(tfm, SOL_ALG, ALG_SET_KEY, Some(&key), 0);
            if let Err(skip) =
                self.check_call(Call::SetKey, result, format!("set {} byte key", key.len()))?
            {
                return Ok(Err(skip));
            }
        }
        let op = match self.check_call(Call::Accept, sys::accept(tfm), "accept".to_owned())? {
            Ok(fd) => fd as i32,
            Err(skip) => return Ok(Err(skip)),
        };
        fds.0.push(op);
        let len = self.rng.below(20_000);
        let (start, end) = self.noise(len);
        let ctx = self.ctx.clone();
        let data = &ctx.noise[start..end];
        let Some(want) = oracle::digest(name, &key, data) else {
            return Ok(Err(format!("{name}: no reference")));
        };
        // Sometimes clone the state part-way (accept on the operation
        // socket): both must give the same digest.
        let split = self.rng.below(data.len() + 1);
        let clone = self.rng.one_in(3);
        let (head, tail) = data.split_at(split);
        if let Err(skip) = self.check_send_more(op, head)? {
            return Ok(Err(skip));
        }
        let mut sockets = vec![op];
        if clone {
            match self.check_call(Call::Accept, sys::accept(op), "accept(op) clone".to_owned())? {
                Ok(fd) => {
                    fds.0.push(fd as i32);
                    sockets.push(fd as i32);
                }
                Err(skip) => return Ok(Err(skip)),
            }
        }
        for fd in sockets {
            if let Err(skip) = self.check_send(fd, tail, &[])? {
                return Ok(Err(skip));
            }
            let got = match self.check_recv(fd, want.len(), true)? {
                Ok(got) => got,
                Err(skip) => return Ok(Err(skip)),
            };
            if got != want {
                return Err(self.mismatch(
                    &format!("{name} of {len} bytes (split at {split})"),
                    &got,
                    &want,
                ));
            }
        }
        Ok(Ok(()))
    }

    /// Sends `data` with MSG_MORE on every part (the message goes on).
    fn check_send_more(&mut self, fd: i32, data: &[u8]) -> Result<Result<(), String>, Failure> {
        if data.is_empty() {
            return Ok(Ok(()));
        }
        let result = sys::sendmsg(fd, &[data], &[], &[], libc::MSG_MORE);
        match self.check_call(
            Call::Send,
            result,
            format!("send {} bytes, MSG_MORE", data.len()),
        )? {
            Ok(sent) if sent != data.len() => {
                Err(self.fail(format!("check: send of {} bytes took {sent}", data.len())))
            }
            Ok(_) => Ok(Ok(())),
            Err(skip) => Ok(Err(skip)),
        }
    }

    fn check_cipher(&mut self) -> Result<Result<(), String>, Failure> {
        let alg = &ALGORITHMS[self.rng.below(ALGORITHMS.len())];
        let type_ = match alg.kind {
            AlgKind::Skcipher => "skcipher",
            AlgKind::Aead => "aead",
        };
        let mut fds = Fds(Vec::new());
        let tfm = match self.check_bind(&mut fds, type_, alg.name)? {
            Ok(fd) => fd,
            Err(skip) => return Ok(Err(skip)),
        };
        let key_len = alg.key_lens[self.rng.below(alg.key_lens.len())];
        let key = self.rng.bytes(key_len);
        let result = sys::setsockopt(tfm, SOL_ALG, ALG_SET_KEY, Some(&key), 0);
        if let Err(skip) =
            self.check_call(Call::SetKey, result, format!("set {} byte key", key.len()))?
        {
            return Ok(Err(skip));
        }
        let iv = if alg.name == "ccm(aes)" {
            let lens = reference::CCM_NONCE_LENS;
            let nonce_len = lens[self.rng.below(lens.len())];
            let nonce = self.rng.bytes(nonce_len);
            reference::ccm_iv(&nonce)
        } else {
            self.rng.bytes(alg.iv_len)
        };
        let tag = if alg.kind == AlgKind::Aead {
            let tag = alg.tag_lens[self.rng.below(alg.tag_lens.len())];
            let result = sys::setsockopt(tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, None, tag as u32);
            if let Err(skip) = self.check_call(Call::SetOpt, result, format!("authsize {tag}"))? {
                return Ok(Err(skip));
            }
            tag
        } else {
            0
        };
        let op = match self.check_call(Call::Accept, sys::accept(tfm), "accept".to_owned())? {
            Ok(fd) => fd as i32,
            Err(skip) => return Ok(Err(skip)),
        };
        fds.0.push(op);
        let what = format!("{} key {} iv {}", alg.name, key.len(), iv.len());
        if alg.kind == AlgKind::Skcipher {
            let mut len = self.rng.between(alg.min_len.max(1), 16 * 1024);
            len -= len % alg.block;
            len = len.max(alg.min_len).max(alg.block);
            let (start, end) = self.noise(len);
            let ctx = self.ctx.clone();
            let data = &ctx.noise[start..end];
            let want = reference::skcipher(alg, &key, &iv, data, true);
            let control = encode_control(&[Control::Op(ALG_OP_ENCRYPT), Control::Iv(&iv)]);
            if let Err(skip) = self.check_send(op, data, &control)? {
                return Ok(Err(skip));
            }
            let got = match self.check_recv(op, len, false)? {
                Ok(got) => got,
                Err(skip) => return Ok(Err(skip)),
            };
            if got != want {
                return Err(self.mismatch(&format!("{what} encrypt {len}"), &got, &want));
            }
            let control = encode_control(&[Control::Op(ALG_OP_DECRYPT), Control::Iv(&iv)]);
            if let Err(skip) = self.check_send(op, &want, &control)? {
                return Ok(Err(skip));
            }
            let got = match self.check_recv(op, len, false)? {
                Ok(got) => got,
                Err(skip) => return Ok(Err(skip)),
            };
            if got != data {
                return Err(self.mismatch(&format!("{what} decrypt {len}"), &got, data));
            }
            return Ok(Ok(()));
        }
        let aad_len = if alg.aad_lens.is_empty() {
            self.rng.below(64)
        } else {
            alg.aad_lens[self.rng.below(alg.aad_lens.len())]
        };
        let aad = self.rng.bytes(aad_len);
        let pt_len = self.rng.below(8192);
        let pt = self.rng.bytes(pt_len);
        let mut want = aad.clone();
        want.extend(reference::aead_seal(alg, &key, &iv, &aad, &pt, tag));
        let input = [aad.as_slice(), &pt].concat();
        let seal = encode_control(&[
            Control::Op(ALG_OP_ENCRYPT),
            Control::Iv(&iv),
            Control::AssocLen(aad_len as u32),
        ]);
        if let Err(skip) = self.check_send(op, &input, &seal)? {
            return Ok(Err(skip));
        }
        let got = match self.check_recv(op, want.len(), true)? {
            Ok(got) => got,
            Err(skip) => return Ok(Err(skip)),
        };
        if got != want {
            return Err(self.mismatch(
                &format!("{what} seal aad {aad_len} pt {pt_len} tag {tag}"),
                &got,
                &want,
            ));
        }
        let open = encode_control(&[
            Control::Op(ALG_OP_DECRYPT),
            Control::Iv(&iv),
            Control::AssocLen(aad_len as u32),
        ]);
        let mut sealed = want;
        let tamper = self.rng.below(3) == 0;
        if tamper {
            let at = self.rng.between(aad_len, sealed.len() - 1);
            sealed[at] ^= 1 << self.rng.below(8);
        }
        if let Err(skip) = self.check_send(op, &sealed, &open)? {
            return Ok(Err(skip));
        }
        let mut buf = vec![0u8; input.len() + 16];
        let result = sys::recvmsg(op, &mut buf, &mut [], 0).map(|r| r.len);
        if tamper {
            self.stats.ops += 1;
            self.log(format!(
                "check: recv of a tampered message = {}",
                show(&result)
            ));
            return match result {
                Err(libc::EBADMSG) => Ok(Ok(())),
                other => Err(self.fail(format!(
                    "check: {what}: a tampered message gave {} (expected EBADMSG)",
                    show(&other)
                ))),
            };
        }
        let got = match self.check_call(Call::Recv, result, "recv opened".to_owned())? {
            Ok(got) => buf[..got].to_vec(),
            Err(skip) => return Ok(Err(skip)),
        };
        if got != input {
            return Err(self.mismatch(
                &format!("{what} open aad {aad_len} pt {pt_len} tag {tag}"),
                &got,
                &input,
            ));
        }
        Ok(Ok(()))
    }

    fn check_rng(&mut self) -> Result<Result<(), String>, Failure> {
        const NAMES: &[&str] = &["stdrng", "drbg_nopr_hmac_sha256", "drbg_pr_ctr_aes128"];
        let name = NAMES[self.rng.below(NAMES.len())];
        let mut fds = Fds(Vec::new());
        let tfm = match self.check_bind(&mut fds, "rng", name)? {
            Ok(fd) => fd,
            Err(skip) => return Ok(Err(skip)),
        };
        let op = match self.check_call(Call::Accept, sys::accept(tfm), "accept".to_owned())? {
            Ok(fd) => fd as i32,
            Err(skip) => return Ok(Err(skip)),
        };
        fds.0.push(op);
        let len = self.rng.between(64, 4096);
        let mut reads = Vec::new();
        for _ in 0..2 {
            let mut buf = vec![0u8; len];
            let result = sys::recvmsg(op, &mut buf, &mut [], 0).map(|r| r.len);
            match self.check_call(Call::Recv, result, format!("recv {len} random bytes"))? {
                Ok(got) if got != len => {
                    return Err(self.fail(format!("check: {name}: {got} of {len} random bytes")));
                }
                Ok(_) => reads.push(buf),
                Err(skip) => return Ok(Err(skip)),
            }
        }
        if reads[0] == reads[1] || reads[0].iter().all(|&b| b == reads[0][0]) {
            return Err(self.fail(format!("check: {name}: random output repeats")));
        }
        Ok(Ok(()))
    }
}
