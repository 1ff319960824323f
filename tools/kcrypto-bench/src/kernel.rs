// SPDX-License-Identifier: GPL-2.0
//! The in-kernel limit: bench/kcrypto_bench.ko runs the algorithm on kernel buffers through the
//! crypto API calls kcrypto makes, without sockets or user copies.

use std::fs::OpenOptions;
use std::io::{self, Read, Seek, Write};

use crate::alg::Alg;

/// The bench module's control file (root only).
pub const RUN_PATH: &str = "/sys/kernel/debug/kcrypto_bench/run";

/// One timed run of the bench module.
#[derive(Debug)]
pub struct KernelRun {
    pub ops: u64,
    pub secs: f64,
    pub driver: String,
}

/// Runs `alg` on `len`-byte inputs for at least `ms` milliseconds, `depth` requests at a time.
pub fn run(alg: &Alg, len: usize, ms: u64, depth: usize) -> io::Result<KernelRun> {
    let mut file = OpenOptions::new().read(true).write(true).open(RUN_PATH)?;
    let cmd = format!(
        "{} {} {} {} {} {}\n",
        alg.kind.name(),
        alg.name,
        len,
        ms,
        depth,
        alg.key_len
    );
    file.write_all(cmd.as_bytes())?;
    file.rewind()?;
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    let mut fields = text.split_whitespace();
    let bad = || io::Error::other(format!("unexpected answer from {RUN_PATH}: {text:?}"));
    let ops: u64 = fields.next().and_then(|f| f.parse().ok()).ok_or_else(bad)?;
    let ns: u64 = fields.next().and_then(|f| f.parse().ok()).ok_or_else(bad)?;
    let driver = fields.next().ok_or_else(bad)?.to_string();
    Ok(KernelRun {
        ops,
        secs: ns as f64 / 1e9,
        driver,
    })
}

/// Whether the bench module is loaded.
pub fn available() -> bool {
    std::path::Path::new(RUN_PATH).exists()
}
