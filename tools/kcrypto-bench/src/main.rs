// SPDX-License-Identifier: GPL-2.0

//! `kcrypto-bench`: the measuring side of `make bench` (issue 7).
//!
//! Runs inside one guest (scripts/bench boots it) and measures each algorithm and size on every
//! path: kcrypto's socket family, the in-kernel AF_ALG (sendmsg and splice), userspace crypto
//! (RustCrypto, OpenSSL) and the in-kernel limit (bench/kcrypto_bench.ko). Repetitions of the
//! paths of one point are interleaved, so a noisy host disturbs them alike.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;

mod alg;
mod kernel;
mod memory;
mod report;
mod sock;
mod user;

use alg::{ALGS, Alg, SIZES};
use report::{Meta, Point, Report};

/// Measure kcrypto against AF_ALG, userspace crypto and the in-kernel limit.
///
/// Run as root in a guest with kcrypto.ko, algif_hash/skcipher/aead and
/// bench/kcrypto_bench.ko loaded (scripts/bench does all of it). Progress goes
/// to stderr; the markdown table to stdout unless --markdown names a file.
#[derive(Debug, Parser)]
#[command(name = "kcrypto-bench", version)]
struct Cli {
    /// Timed repetitions of every point (median and spread are over these)
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Milliseconds each repetition runs
    #[arg(long, default_value_t = 200)]
    rep_ms: u64,
    /// A short run: 3 repetitions of 30 ms (overrides --reps and --rep-ms)
    #[arg(long)]
    quick: bool,
    /// Requests in flight for the queue-depth paths (virtio)
    #[arg(long, default_value_t = 16)]
    depth: usize,
    /// Messages per sendmmsg()/recvmmsg() pair on the batched kcrypto path
    #[arg(long, default_value_t = 16)]
    batch: usize,
    /// Messages per sendmsg()/recvmsg() pair on the record path (kcrypto's most)
    #[arg(long, default_value_t = 64)]
    records: usize,
    /// Only these algorithms (table label, e.g. "gcm(aes)"; repeatable)
    #[arg(long = "alg")]
    algs: Vec<String>,
    /// Only these sizes in bytes (repeatable)
    #[arg(long = "size")]
    sizes: Vec<usize>,
    /// Only these paths (e.g. "kcrypto", "af_alg-sendmsg"; repeatable)
    #[arg(long = "path")]
    paths: Vec<String>,
    /// Write the results as JSON to this file
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the markdown tables to this file
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// QEMU accelerator to record (default: KVM if kvm-clock exists, else TCG)
    #[arg(long)]
    accel: Option<String>,
    /// Skip the memory per socket measurement
    #[arg(long)]
    no_memory: bool,
}

/// The paths a point is measured on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathKind {
    Kcrypto,
    KcryptoBatch,
    KcryptoUring,
    KcryptoRecords,
    KcryptoQueue,
    AfAlgSendmsg,
    AfAlgSplice,
    RustCrypto,
    OpenSsl,
    Kernel,
    KernelQueue,
}

impl PathKind {
    pub const ALL: [PathKind; 11] = [
        PathKind::Kcrypto,
        PathKind::KcryptoBatch,
        PathKind::KcryptoUring,
        PathKind::KcryptoRecords,
        PathKind::KcryptoQueue,
        PathKind::AfAlgSendmsg,
        PathKind::AfAlgSplice,
        PathKind::RustCrypto,
        PathKind::OpenSsl,
        PathKind::Kernel,
        PathKind::KernelQueue,
    ];

    pub fn id(self) -> &'static str {
        match self {
            PathKind::Kcrypto => "kcrypto",
            PathKind::KcryptoBatch => "kcrypto-batch",
            PathKind::KcryptoUring => "kcrypto-uring",
            PathKind::KcryptoRecords => "kcrypto-records",
            PathKind::KcryptoQueue => "kcrypto-queue",
            PathKind::AfAlgSendmsg => "af_alg-sendmsg",
            PathKind::AfAlgSplice => "af_alg-splice",
            PathKind::RustCrypto => "rustcrypto",
            PathKind::OpenSsl => "openssl",
            PathKind::Kernel => "in-kernel",
            PathKind::KernelQueue => "in-kernel-queue",
        }
    }

    fn applies(self, alg: &Alg) -> bool {
        match self {
            PathKind::KcryptoQueue | PathKind::KernelQueue => alg.hardware,
            PathKind::RustCrypto | PathKind::OpenSsl => !alg.hardware,
            _ => true,
        }
    }
}

type Error = Box<dyn std::error::Error>;

/// A path set up for one point.
enum Runner {
    Sock(sock::AlgSocket, PathKind, usize),
    Uring(sock::AlgSocket, Box<io_uring::IoUring>, usize),
    User(user::User),
    Ssl(user::OpenSsl),
    Kernel(usize),
}

impl Runner {
    fn new(
        path: PathKind,
        alg: &Alg,
        family: i32,
        depth: usize,
        batch: usize,
    ) -> Result<Option<Runner>, Error> {
        Ok(Some(match path {
            PathKind::Kcrypto => Runner::Sock(sock::AlgSocket::new(family, alg, false)?, path, 1),
            PathKind::KcryptoBatch => {
                let sock = sock::AlgSocket::new(family, alg, false)?;
                if alg.kind == alg::Kind::Hash {
                    // Digests queue only in record mode.
                    sock.set_records()?;
                }
                Runner::Sock(sock, path, batch)
            }
            PathKind::KcryptoRecords => {
                let sock = sock::AlgSocket::new(family, alg, false)?;
                sock.set_records()?;
                Runner::Sock(sock, path, batch)
            }
            PathKind::KcryptoUring => {
                let sock = sock::AlgSocket::new(family, alg, false)?;
                if alg.kind == alg::Kind::Hash {
                    sock.set_records()?;
                }
                Runner::Uring(
                    sock,
                    Box::new(io_uring::IoUring::new(2 * batch as u32)?),
                    batch,
                )
            }
            PathKind::KcryptoQueue => {
                Runner::Sock(sock::AlgSocket::new(family, alg, false)?, path, depth)
            }
            PathKind::AfAlgSendmsg => {
                Runner::Sock(sock::AlgSocket::new(libc::AF_ALG, alg, false)?, path, 1)
            }
            PathKind::AfAlgSplice => {
                Runner::Sock(sock::AlgSocket::new(libc::AF_ALG, alg, true)?, path, 1)
            }
            PathKind::RustCrypto => match user::User::rustcrypto(alg) {
                Some(u) => Runner::User(u),
                None => return Ok(None),
            },
            PathKind::OpenSsl => match user::OpenSsl::new(alg)? {
                Some(s) => Runner::Ssl(s),
                None => return Ok(None),
            },
            PathKind::Kernel => Runner::Kernel(1),
            PathKind::KernelQueue => Runner::Kernel(depth),
        }))
    }

    /// Operations per call of [`Runner::op`].
    fn depth(&self) -> usize {
        match self {
            Runner::Sock(_, _, d) | Runner::Uring(_, _, d) | Runner::Kernel(d) => *d,
            _ => 1,
        }
    }

    /// One call: `depth()` operations; returns the system calls made.
    fn op(&mut self, input: &[u8], out: &mut [u8]) -> Result<u64, Error> {
        let mut calls = 0;
        match self {
            Runner::Sock(s, PathKind::AfAlgSplice, _) => s.op_splice(input, out, &mut calls)?,
            Runner::Sock(s, PathKind::KcryptoBatch, n) => s.op_batch(input, out, *n, &mut calls)?,
            Runner::Sock(s, PathKind::KcryptoRecords, n) => {
                s.op_records(input, out, *n, &mut calls)?
            }
            Runner::Uring(s, ring, n) => s.op_uring(ring, input, out, *n, &mut calls)?,
            Runner::Sock(s, _, 1) => s.op_sendmsg(input, out, &mut calls)?,
            Runner::Sock(s, _, d) => s.op_queue(input, out, *d, &mut calls)?,
            Runner::User(u) => u.op(input, out)?,
            Runner::Ssl(s) => s.op(input, out)?,
            Runner::Kernel(_) => return Err("the in-kernel path is timed by the module".into()),
        }
        Ok(calls)
    }
}

/// One timed repetition: (operations per second, system calls per operation, driver).
fn sample(
    runner: &mut Runner,
    alg: &Alg,
    input: &[u8],
    out: &mut [u8],
    rep: Duration,
) -> Result<(f64, Option<f64>, Option<String>), Error> {
    if let Runner::Kernel(depth) = runner {
        let run = kernel::run(alg, input.len(), rep.as_millis() as u64, *depth)?;
        return Ok((run.ops as f64 / run.secs, None, Some(run.driver)));
    }
    let depth = runner.depth() as u64;
    let (mut ops, mut calls, mut batch) = (0u64, 0u64, 1u64);
    let start = Instant::now();
    let elapsed = loop {
        for _ in 0..batch {
            calls += runner.op(input, out)?;
            ops += depth;
        }
        let elapsed = start.elapsed();
        if elapsed >= rep {
            break elapsed;
        }
        // Read the clock less often when operations are short.
        if elapsed < rep / 32 {
            batch *= 2;
        }
    };
    let syscalls =
        matches!(runner, Runner::Sock(..) | Runner::Uring(..)).then(|| calls as f64 / ops as f64);
    Ok((ops as f64 / elapsed.as_secs_f64(), syscalls, None))
}

/// What every path must produce for `alg` on `input`: the RustCrypto result (virtio's
/// cbc(aes) against the software cbc(aes)).
fn reference(alg: &Alg, input: &[u8]) -> Result<Vec<u8>, Error> {
    let soft = if alg.hardware {
        ALGS.iter().find(|a| a.name == "cbc(aes)").unwrap_or(alg)
    } else {
        alg
    };
    let mut user = user::User::rustcrypto(soft).ok_or("no reference implementation")?;
    let mut out = vec![0; alg.output_len(input.len())];
    user.op(input, &mut out)?;
    Ok(out)
}

fn detect_accel() -> String {
    let clocks = std::fs::read_to_string(
        "/sys/devices/system/clocksource/clocksource0/available_clocksource",
    )
    .unwrap_or_default();
    if clocks.contains("kvm-clock") {
        "KVM"
    } else {
        "TCG"
    }
    .to_string()
}

fn meta(cli: &Cli, reps: usize, rep_ms: u64, family: i32) -> Meta {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    // The kernel copies user memory with `rep movsb` where the CPU has ERMS or FSRM; QEMU's TCG
    // runs that one byte per iteration (scripts/bench explains why its guest has neither).
    let user_copy = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("flags"))
                .map(|l| l.split_whitespace().any(|f| f == "erms" || f == "fsrm"))
        })
        .map_or(
            "unknown",
            |erms| if erms { "rep movsb" } else { "rep movsq" },
        )
        .to_string();
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let text = |path: &str| {
        std::fs::read_to_string(path)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    Meta {
        date,
        kernel: text("/proc/sys/kernel/osrelease"),
        kernel_version: text("/proc/sys/kernel/version"),
        accel: cli.accel.clone().unwrap_or_else(detect_accel),
        cpu,
        cpus,
        user_copy,
        openssl: openssl::version::version().to_string(),
        kcrypto_family: family,
        reps,
        rep_ms,
        depth: cli.depth,
        batch: cli.batch,
        records: cli.records,
    }
}

fn run(cli: &Cli) -> Result<Report, Error> {
    let (reps, rep_ms) = if cli.quick {
        (3, 30)
    } else {
        (cli.reps.max(1), cli.rep_ms.max(1))
    };
    let rep = Duration::from_millis(rep_ms);
    if !(1..=64).contains(&cli.depth) {
        return Err("--depth must be 1 to 64 (the bench module's limit)".into());
    }
    if !(1..=64).contains(&cli.batch) {
        return Err("--batch must be 1 to 64 (a hash socket queues at most 64 digests)".into());
    }
    if !(1..=64).contains(&cli.records) {
        return Err("--records must be 1 to 64 (the records one sendmsg takes)".into());
    }
    let family = kcrypto::Family::discover()?.number();
    if !kernel::available() {
        eprintln!(
            "kcrypto-bench: {} missing: no in-kernel limit (load bench/kcrypto_bench.ko)",
            kernel::RUN_PATH
        );
    }
    let algs: Vec<&Alg> = ALGS
        .iter()
        .filter(|a| cli.algs.is_empty() || cli.algs.iter().any(|n| n == a.label))
        .collect();
    let sizes: Vec<usize> = SIZES
        .iter()
        .copied()
        .filter(|s| cli.sizes.is_empty() || cli.sizes.contains(s))
        .collect();
    let total: usize = algs
        .iter()
        .map(|a| sizes.iter().filter(|&&s| a.takes(s)).count())
        .sum();
    let mut points = Vec::new();
    let mut done = 0;
    let started = Instant::now();
    for alg in &algs {
        for &size in sizes.iter().filter(|&&s| alg.takes(s)) {
            done += 1;
            eprint!(
                "[{done}/{total} {:>4}s] {} {}:",
                started.elapsed().as_secs(),
                alg.label,
                report::size_label(size)
            );
            points.extend(measure_point(
                alg,
                size,
                family,
                (cli.depth, cli.batch, cli.records),
                reps,
                rep,
                &cli.paths,
            )?);
            eprintln!();
        }
    }
    eprintln!(
        "kcrypto-bench: {} points in {} s",
        points.len(),
        started.elapsed().as_secs()
    );
    let mut mem = Vec::new();
    if !cli.no_memory {
        for alg in &algs {
            eprint!("memory per socket, {}:", alg.label);
            for &size in sizes.iter().filter(|&&s| alg.takes(s)) {
                let point = memory::measure(alg, size, family)?;
                eprint!(
                    " {} {} KiB{}",
                    report::size_label(size),
                    point.bytes >> 10,
                    if point.within { "" } else { " ABOVE ITS BOUND" }
                );
                let _ = std::io::stderr().flush();
                mem.push(point);
            }
            eprintln!();
        }
    }
    Ok(Report::new(meta(cli, reps, rep_ms, family), points, mem))
}

/// All paths of one (algorithm, size) point, repetitions interleaved.
fn measure_point(
    alg: &Alg,
    size: usize,
    family: i32,
    (depth, batch, records): (usize, usize, usize),
    reps: usize,
    rep: Duration,
    only: &[String],
) -> Result<Vec<Point>, Error> {
    let input = alg::input(size);
    let want = reference(alg, &input)?;
    let mut paths = Vec::new();
    let chosen = |p: &PathKind| only.is_empty() || only.iter().any(|id| id == p.id());
    for path in PathKind::ALL
        .into_iter()
        .filter(|p| p.applies(alg) && chosen(p))
    {
        let mut point = Point::new(alg, size, path);
        // A batch stays well inside the socket's buffer (SOCKBUF): large messages go fewer at a time.
        let (batch, bytes) = match path {
            // One sendmsg of records is one message: its input and output count together.
            PathKind::KcryptoRecords => (records, 2 << 20),
            _ => (batch, 4 << 20),
        };
        let batch = batch.min(bytes / size.max(1)).max(1);
        match Runner::new(path, alg, family, depth, batch) {
            Ok(Some(mut runner)) => {
                let mut out = vec![0u8; want.len() * runner.depth()];
                point.depth = runner.depth();
                // A warm-up operation whose output must be right.
                if !matches!(runner, Runner::Kernel(_)) {
                    match runner.op(&input, &mut out) {
                        Ok(_) => {
                            point.verified =
                                Some(out.chunks(want.len()).all(|c| c == want.as_slice()))
                        }
                        Err(e) => point.error = Some(e.to_string()),
                    }
                } else if !kernel::available() {
                    point.error = Some("bench module not loaded".into());
                }
                paths.push((point, Some(runner), out));
            }
            Ok(None) => {}
            Err(e) => {
                point.error = Some(e.to_string());
                paths.push((point, None, Vec::new()));
            }
        }
    }
    for _ in 0..reps {
        for (point, runner, out) in paths.iter_mut() {
            let Some(runner) = runner else { continue };
            if point.error.is_some() {
                continue;
            }
            match sample(runner, alg, &input, out, rep) {
                Ok((ops, syscalls, driver)) => {
                    point.reps.push(ops);
                    point.syscalls_per_op = syscalls.or(point.syscalls_per_op);
                    point.driver = driver.or(point.driver.take());
                }
                Err(e) => point.error = Some(e.to_string()),
            }
        }
    }
    let mut points = Vec::new();
    for (mut point, _, _) in paths {
        point.finish();
        match (&point.error, point.verified) {
            (Some(e), _) => eprint!(" {} ERROR ({e})", point.path),
            (None, Some(false)) => eprint!(" {} WRONG OUTPUT", point.path),
            _ => eprint!(" {} {}", point.path, report::rate(point.ops_per_s)),
        }
        let _ = std::io::stderr().flush();
        points.push(point);
    }
    Ok(points)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let report = match run(&cli) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kcrypto-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let markdown = report.markdown();
    let written = (|| -> Result<(), Error> {
        if let Some(path) = &cli.json {
            std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")?;
        }
        match &cli.markdown {
            Some(path) => std::fs::write(path, &markdown)?,
            None => print!("{markdown}"),
        }
        Ok(())
    })();
    if let Err(e) = written {
        eprintln!("kcrypto-bench: {e}");
        return ExitCode::FAILURE;
    }
    if report.failures() > 0 {
        eprintln!(
            "kcrypto-bench: {} measurements failed or gave wrong output",
            report.failures()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
