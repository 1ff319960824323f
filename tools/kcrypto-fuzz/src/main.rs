// SPDX-License-Identifier: GPL-2.0

//! `kcrypto-fuzz`: a seeded, reproducible system-call sequence fuzzer for
//! kcrypto's AF_KCRYPTO socket family, run inside a test guest
//! (`make fuzz`, `tests/guest/80-fuzz.sh`). See `Documentation/testing.rst`.

use std::io::Write as _;
use std::os::fd::IntoRawFd as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use serde::{Deserialize, Serialize};

mod engine;
mod input;
mod oracle;
#[allow(dead_code)]
#[path = "../../kcrypto/examples/ciphercheck/reference.rs"]
mod reference;
#[allow(dead_code)]
#[path = "../../kcrypto/examples/hashcheck/rng.rs"]
mod rng;
mod sys;

use engine::{Context, Engine, Failure, NOISE_LEN, Stats, Status};
use rng::Rng;

const REFCNT_PATH: &str = "/sys/module/kcrypto/refcnt";

/// Drives socket, bind, setsockopt, getsockopt, accept, sendmsg, recvmsg,
/// splice, vmsplice, sendfile, poll, close, dup, fork and threads against
/// AF_KCRYPTO with inputs derived from one seed, and checks every answer:
/// errnos from an allowed set per call, no call blocking longer than a
/// bound, results of well-formed operations equal to RustCrypto's, the
/// read-only file spliced from unchanged, and at the end every socket
/// closed and the module's reference count back where it started.
///
/// A failure prints the seed, the worker and the last operations; run
/// again with the same --seed, --procs, --threads and --iterations to
/// replay it (one worker is fully reproducible; with several, each
/// worker's sequence is, their interleaving is not).
#[derive(Debug, Parser)]
#[command(name = "kcrypto-fuzz", version, verbatim_doc_comment)]
struct Args {
    /// Seed (decimal or 0x-hex); random if not given, printed either way.
    #[arg(long, value_parser = parse_seed)]
    seed: Option<u64>,
    /// Run for this many seconds (default 60 unless --iterations is given).
    #[arg(long)]
    seconds: Option<f64>,
    /// Stop each worker after this many operations.
    #[arg(long)]
    iterations: Option<u64>,
    /// Worker processes (forked at start).
    #[arg(long, default_value_t = 1)]
    procs: u32,
    /// Worker threads per process.
    #[arg(long, default_value_t = 2)]
    threads: u32,
    /// Print the summary as JSON on standard output.
    #[arg(long)]
    json: bool,
    /// Family number, or "kcrypto" for kcrypto.ko's (KCRYPTO_FAMILY, else
    /// /sys/module/kcrypto/parameters/family).
    #[arg(long, default_value = "kcrypto")]
    family: String,
    /// A call running longer than this is reported as a hang.
    #[arg(long, default_value_t = 60)]
    hang_seconds: u64,
    /// Never bind names containing this (repeatable), e.g. to keep a
    /// known upstream report out of a run.
    #[arg(long, value_name = "SUBSTRING")]
    avoid: Vec<String>,
    /// Run every step with this thread's /proc/thread-self/make-it-fail
    /// set, for failslab/fail_page_alloc with task-filter=Y (scripts/faults):
    /// allocation failures may fail any call with a clean errno.
    #[arg(long)]
    faults: bool,
    /// Seconds between progress lines on standard error (0: none).
    #[arg(long, default_value_t = 10.0)]
    progress: f64,
}

fn parse_seed(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("{text:?} is not a number"))
}

/// The seed of worker `thread` of process `proc_`.
fn worker_seed(seed: u64, proc_: u32, thread: u32) -> u64 {
    Rng::new(
        seed ^ (u64::from(proc_) << 32 | u64::from(thread)).wrapping_mul(0x2545_f491_4f6c_dd1d),
    )
    .next_u64()
}

/// What a process reports to the parent.
#[derive(Debug, Default, Serialize, Deserialize)]
struct ProcReport {
    stats: Stats,
    failures: Vec<String>,
}

fn read_refcnt() -> Option<i64> {
    std::fs::read_to_string(REFCNT_PATH)
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |dir| dir.count())
}

/// A counter shared with forked processes.
fn shared_counter() -> &'static AtomicU64 {
    // SAFETY: an anonymous shared mapping of one page, never unmapped;
    // zeroed memory is a valid AtomicU64 and the page is suitably aligned.
    unsafe {
        let page = libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if page == libc::MAP_FAILED {
            return Box::leak(Box::new(AtomicU64::new(0)));
        }
        &*page.cast::<AtomicU64>()
    }
}

/// The per-process context: random data, a read-only unlinked file, keys.
fn context(
    args: &Args,
    family: u16,
    seed: u64,
    proc_: u32,
    ops: &'static AtomicU64,
) -> Result<Context, String> {
    let mut rng = Rng::new(seed ^ 0x6e6f_6973_6500_0000 ^ u64::from(proc_));
    let noise = rng.bytes(NOISE_LEN);
    let file_len = 64 * 1024 + rng.below(4096);
    let file_data = rng.bytes(file_len);
    let path = std::env::temp_dir().join(format!("kcrypto-fuzz-{}", std::process::id()));
    std::fs::write(&path, &file_data).map_err(|e| format!("{}: {e}", path.display()))?;
    let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let _ = std::fs::remove_file(&path);
    const PROCESS_KEYRING: i32 = -2;
    let mut keys = Vec::new();
    for (type_, description, len) in [
        ("user", "kcrypto-fuzz:16", 16),
        ("user", "kcrypto-fuzz:32", 32),
        ("logon", "kcrypto-fuzz:logon", 32),
        ("keyring", "kcrypto-fuzz-ring", 0),
        ("user", "kcrypto-fuzz:revoked", 16),
    ] {
        if let Ok(serial) = sys::add_key(type_, description, &rng.bytes(len), PROCESS_KEYRING) {
            keys.push(serial);
        }
    }
    if let Some(&revoked) = keys.last() {
        let _ = sys::revoke_key(revoked);
    }
    Ok(Context {
        family,
        file_fd: file.into_raw_fd(),
        file_data,
        keys,
        noise,
        avoid: args.avoid.clone(),
        ops,
        faults: args.faults,
    })
}

/// Runs one process's workers to the end; prints failures as they come.
fn run_process(
    args: &Args,
    seed: u64,
    family: u16,
    proc_: u32,
    ops: &'static AtomicU64,
) -> ProcReport {
    let fds_before = open_fds();
    let ctx = match context(args, family, seed, proc_, ops) {
        Ok(ctx) => Arc::new(ctx),
        Err(e) => {
            return ProcReport {
                failures: vec![format!("setup: {e}")],
                ..ProcReport::default()
            };
        }
    };
    let deadline = args
        .seconds
        .or(if args.iterations.is_some() {
            None
        } else {
            Some(60.0)
        })
        .map(|s| Instant::now() + Duration::from_secs_f64(s));
    let steps = args.iterations.unwrap_or(u64::MAX);
    let statuses: Vec<Arc<Status>> = (0..args.threads).map(|_| Status::new()).collect();
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let statuses = statuses.clone();
        let done = done.clone();
        let hang = Duration::from_secs(args.hang_seconds);
        let replay = replay_hint(args, seed);
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(250));
                for (thread, status) in statuses.iter().enumerate() {
                    if status.busy_for().is_some_and(|busy| busy > hang) {
                        let failure = Failure {
                            what: format!("HANG: a call has not returned for {} s", hang.as_secs()),
                            log: status.tail(),
                        };
                        report(&failure, proc_, thread as u32, seed, &replay);
                        // SAFETY: ends the process at once; a thread stuck
                        // in the kernel cannot be joined.
                        unsafe { libc::_exit(3) };
                    }
                }
            }
        })
    };
    let failures = Arc::new(Mutex::new(Vec::new()));
    let total = Arc::new(Mutex::new(Stats::default()));
    let workers: Vec<_> = statuses
        .iter()
        .enumerate()
        .map(|(thread, status)| {
            let thread = thread as u32;
            let mut engine = Engine::new(
                ctx.clone(),
                worker_seed(seed, proc_, thread),
                status.clone(),
            );
            let failures = failures.clone();
            let total = total.clone();
            let replay = replay_hint(args, seed);
            std::thread::spawn(move || {
                let result = engine.run(steps, deadline);
                engine.close_all();
                if let Err(failure) = result {
                    report(&failure, proc_, thread, seed, &replay);
                    if let Ok(mut failures) = failures.lock() {
                        failures.push(format!("worker {proc_}.{thread}: {}", failure.what));
                    }
                }
                if let Ok(mut total) = total.lock() {
                    total.merge(&engine.stats);
                }
            })
        })
        .collect();
    for worker in workers {
        if worker.join().is_err() {
            if let Ok(mut failures) = failures.lock() {
                failures.push(format!("process {proc_}: a worker panicked"));
            }
        }
    }
    done.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
    let _ = sys::close(ctx.file_fd);
    let mut failures = failures.lock().map(|f| f.clone()).unwrap_or_default();
    let fds_after = open_fds();
    if fds_after > fds_before {
        failures.push(format!(
            "process {proc_}: {} descriptors left open",
            fds_after - fds_before
        ));
    }
    let stats = total.lock().map(|s| s.clone()).unwrap_or_default();
    ProcReport { stats, failures }
}

fn replay_hint(args: &Args, seed: u64) -> String {
    let mut hint = format!(
        "kcrypto-fuzz --seed {seed:#x} --procs {} --threads {}",
        args.procs, args.threads
    );
    if let Some(iterations) = args.iterations {
        hint += &format!(" --iterations {iterations}");
    }
    if let Some(seconds) = args.seconds {
        hint += &format!(" --seconds {seconds}");
    }
    for avoid in &args.avoid {
        hint += &format!(" --avoid '{avoid}'");
    }
    if args.faults {
        hint += " --faults";
    }
    hint
}

fn report(failure: &Failure, proc_: u32, thread: u32, seed: u64, replay: &str) {
    let mut text = format!(
        "kcrypto-fuzz: FAIL: worker {proc_}.{thread} (seed {seed:#x}): {}\n\
         kcrypto-fuzz: replay: {replay}\n\
         kcrypto-fuzz: last operations of worker {proc_}.{thread}:\n",
        failure.what
    );
    for line in &failure.log {
        text += &format!("    {line}\n");
    }
    // One write, so lines of concurrent reports do not interleave.
    let _ = sys::write(2, text.as_bytes());
}

/// Forks `procs` processes; each runs its workers and sends back its
/// report as JSON through a pipe.
fn run_forked(args: &Args, seed: u64, family: u16, ops: &'static AtomicU64) -> ProcReport {
    let mut children = Vec::new();
    let mut total = ProcReport::default();
    for proc_ in 0..args.procs {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for two descriptors.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            total.failures.push("pipe failed".to_owned());
            continue;
        }
        // SAFETY: the parent has no other threads yet (the progress thread
        // starts after the last fork); the child runs and _exits.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let _ = sys::close(fds[0]);
            let report = run_process(args, seed, family, proc_, ops);
            let json = serde_json::to_vec(&report).unwrap_or_default();
            let mut written = 0;
            while written < json.len() {
                match sys::write(fds[1], &json[written..]) {
                    Ok(n) if n > 0 => written += n,
                    _ => break,
                }
            }
            let code = if report.failures.is_empty() { 0 } else { 1 };
            // SAFETY: ends the child without the parent's exit handlers.
            unsafe { libc::_exit(code) };
        }
        let _ = sys::close(fds[1]);
        if pid < 0 {
            let _ = sys::close(fds[0]);
            total
                .failures
                .push(format!("fork of process {proc_} failed"));
            continue;
        }
        children.push((proc_, pid, fds[0]));
    }
    let progress = start_progress(args, ops);
    for (proc_, pid, fd) in children {
        let mut json = Vec::new();
        let mut buf = vec![0u8; 65536];
        loop {
            // SAFETY: `buf` is valid for its length.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                break;
            }
            json.extend_from_slice(&buf[..n as usize]);
        }
        let _ = sys::close(fd);
        let mut status = 0;
        // SAFETY: waits for our own child; `status` is valid.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        match serde_json::from_slice::<ProcReport>(&json) {
            Ok(report) => {
                total.stats.merge(&report.stats);
                total.failures.extend(report.failures);
            }
            Err(_) => total.failures.push(format!(
                "process {proc_} ended without a report (wait status {status:#x})"
            )),
        }
    }
    progress.store(true, Ordering::Relaxed);
    total
}

/// Prints a progress line every `--progress` seconds until told to stop.
fn start_progress(args: &Args, ops: &'static AtomicU64) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    if args.progress > 0.0 {
        let every = Duration::from_secs_f64(args.progress);
        let stop = stop.clone();
        let start = Instant::now();
        std::thread::spawn(move || {
            let mut next = every;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if start.elapsed() >= next {
                    next += every;
                    let secs = start.elapsed().as_secs_f64();
                    let done = ops.load(Ordering::Relaxed);
                    eprintln!(
                        "kcrypto-fuzz: {secs:.0} s, {done} ops ({:.0}/s)",
                        done as f64 / secs
                    );
                }
            }
        });
    }
    stop
}

fn main() -> ExitCode {
    let args = Args::parse();
    let seed = args.seed.unwrap_or_else(Rng::fresh_seed);
    let family = match args.family.as_str() {
        "kcrypto" => kcrypto::Family::discover(),
        text => kcrypto::Family::parse(text).ok_or(kcrypto::Error::InvalidArgument),
    };
    let family = match family {
        Ok(family) => family.sa_family(),
        Err(e) => {
            eprintln!("kcrypto-fuzz: no kcrypto family ({e}); is kcrypto.ko loaded?");
            return ExitCode::from(2);
        }
    };
    if args.procs == 0 || args.threads == 0 {
        eprintln!("kcrypto-fuzz: --procs and --threads must be at least 1");
        return ExitCode::from(2);
    }
    // SAFETY: ignoring SIGPIPE: a write to a closed pipe returns EPIPE.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    if args.faults {
        // Grow the heap early and never give it back, so that the steps
        // (run with make-it-fail set) rarely need new memory maps and the
        // fuzzer itself is not what fails.
        // SAFETY: mallopt only changes glibc's allocation thresholds.
        unsafe {
            libc::mallopt(libc::M_TOP_PAD, 16 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
            // No page faults on the fuzzer's own memory while a step runs:
            // under fail_page_alloc a failing fault is retried, not
            // answered with an errno, and slows the run to a crawl.
            libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE);
        }
    }
    let refcnt_before = read_refcnt();
    eprintln!(
        "kcrypto-fuzz: seed {seed:#x}, family {family}, {} process(es) x {} thread(s)",
        args.procs, args.threads
    );
    let ops = shared_counter();
    let start = Instant::now();
    let mut total = if args.procs == 1 {
        let progress = start_progress(&args, ops);
        let report = run_process(&args, seed, family, 0, ops);
        progress.store(true, Ordering::Relaxed);
        report
    } else {
        run_forked(&args, seed, family, ops)
    };
    let elapsed = start.elapsed().as_secs_f64();
    // Requests still with a driver hold module references until they
    // complete; give them time.
    let mut refcnt_after = read_refcnt();
    let settle = Instant::now();
    while refcnt_after != refcnt_before && settle.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(200));
        refcnt_after = read_refcnt();
    }
    if refcnt_after != refcnt_before {
        total.failures.push(format!(
            "module reference count {refcnt_before:?} before, {refcnt_after:?} after"
        ));
    }
    let stats = &total.stats;
    let rate = stats.ops as f64 / elapsed.max(0.001);
    let passed = total.failures.is_empty();
    if args.json {
        let summary = serde_json::json!({
            "seed": format!("{seed:#x}"),
            "family": family,
            "procs": args.procs,
            "threads": args.threads,
            "seconds": elapsed,
            "ops": stats.ops,
            "ops_per_second": rate,
            "checks": stats.checks,
            "slowest_ms": stats.slowest_ms,
            "slowest": stats.slowest,
            "check_skips": stats.check_skips,
            "calls": stats.calls,
            "errnos": stats.errnos,
            "refcnt_before": refcnt_before,
            "refcnt_after": refcnt_after,
            "failures": total.failures,
            "result": if passed { "pass" } else { "fail" },
        });
        println!("{summary:#}");
    } else {
        let mut out = String::new();
        out += &format!("seed: {seed:#x} (replay: {})\n", replay_hint(&args, seed));
        out += &format!(
            "ops: {} in {elapsed:.1} s ({rate:.0}/s), reference checks: {} passed, {} skipped\n",
            stats.ops,
            stats.checks,
            stats.check_skips.values().sum::<u64>()
        );
        out += "calls:";
        for (call, count) in &stats.calls {
            out += &format!(" {call} {count},");
        }
        out.pop();
        out += "\nerrno histogram:\n";
        for (errno, count) in &stats.errnos {
            out += &format!("  {errno:<28} {count}\n");
        }
        if !stats.check_skips.is_empty() {
            out += "checks skipped:\n";
            for (reason, count) in &stats.check_skips {
                out += &format!("  {reason:<40} {count}\n");
            }
        }
        out += &format!(
            "slowest operation: {} ms: {}\n",
            stats.slowest_ms, stats.slowest
        );
        out += &format!("module refcnt: {refcnt_before:?} -> {refcnt_after:?}\n");
        for failure in &total.failures {
            out += &format!("failure: {failure}\n");
        }
        out += &if passed {
            format!("PASS: {} ops, seed {seed:#x}\n", stats.ops)
        } else {
            format!(
                "FAIL: {} failure(s), seed {seed:#x} (replay: {})\n",
                total.failures.len(),
                replay_hint(&args, seed)
            )
        };
        let _ = std::io::stdout().write_all(out.as_bytes());
    }
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_seeds_differ_and_repeat() {
        assert_eq!(worker_seed(1, 0, 0), worker_seed(1, 0, 0));
        assert_ne!(worker_seed(1, 0, 0), worker_seed(1, 0, 1));
        assert_ne!(worker_seed(1, 0, 1), worker_seed(1, 1, 0));
        assert_ne!(worker_seed(1, 0, 0), worker_seed(2, 0, 0));
    }

    #[test]
    fn seeds_parse_in_both_notations() {
        assert_eq!(parse_seed("0x10"), Ok(16));
        assert_eq!(parse_seed("16"), Ok(16));
        assert!(parse_seed("x").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }
}
