// SPDX-License-Identifier: GPL-2.0

//! Hash many files through io_uring, printed like `sha256sum`:
//!
//! ```text
//! uring-hash [--batch N] ALGORITHM FILE...
//! ```
//!
//! Each file is one message on a single operation socket in record mode
//! (`KCRYPTO_SET_RECORDS`), where digests queue instead of replacing each
//! other. A batch of N files (default 32, at most 64: the digests a socket
//! queues) becomes
//! N `IORING_OP_SENDMSG` and N `IORING_OP_RECVMSG` entries, linked so they run
//! in order, and one `io_uring_enter()` submits them and waits for all: one
//! system call per batch. Files are read whole (at most 1 MiB each).

use std::{env, error::Error, fs, os::fd::AsRawFd, process::ExitCode};

use io_uring::{IoUring, opcode, squeue, types};
use kcrypto::{Hash, hex, socket::SOL_ALG};

const USAGE: &str = "usage: uring-hash [--batch N] ALGORITHM FILE...";
const MAX_BATCH: usize = 64;
const MAX_FILE: u64 = 1 << 20;
/// `KCRYPTO_SET_RECORDS` (include/uapi/linux/if_kcrypto.h).
const KCRYPTO_SET_RECORDS: i32 = 66;

/// Hashes `files` on the operation socket `fd` in one submission; returns their digests.
fn hash_batch(
    ring: &mut IoUring,
    fd: i32,
    files: &[String],
) -> Result<Vec<Vec<u8>>, Box<dyn Error>> {
    let mut data = Vec::with_capacity(files.len());
    for path in files {
        if fs::metadata(path)?.len() > MAX_FILE {
            return Err(format!("{path}: larger than 1 MiB").into());
        }
        data.push(fs::read(path)?);
    }
    let mut digests = vec![[0u8; 64]; files.len()];
    let mut send_iovs: Vec<libc::iovec> = data
        .iter()
        .map(|d| libc::iovec {
            iov_base: d.as_ptr() as *mut libc::c_void,
            iov_len: d.len(),
        })
        .collect();
    let mut recv_iovs: Vec<libc::iovec> = digests
        .iter_mut()
        .map(|d| libc::iovec {
            iov_base: d.as_mut_ptr().cast(),
            iov_len: d.len(),
        })
        .collect();
    // SAFETY: msghdr is plain data; all zeroes is a valid value.
    let blank: libc::msghdr = unsafe { std::mem::zeroed() };
    let header = |iov: &mut libc::iovec| libc::msghdr {
        msg_iov: iov,
        msg_iovlen: 1,
        ..blank
    };
    let sends: Vec<libc::msghdr> = send_iovs.iter_mut().map(header).collect();
    let mut recvs: Vec<libc::msghdr> = recv_iovs.iter_mut().map(header).collect();

    let fd = types::Fd(fd);
    let mut entries: Vec<squeue::Entry> = sends
        .iter()
        .map(|m| opcode::SendMsg::new(fd, m).build())
        .collect();
    entries.extend(
        recvs
            .iter_mut()
            .enumerate()
            .map(|(i, m)| opcode::RecvMsg::new(fd, m).build().user_data(i as u64 + 1)),
    );
    let last = entries.len() - 1;
    for (i, entry) in entries.into_iter().enumerate() {
        // Linked: each entry starts when the one before it has completed.
        let entry = if i < last {
            entry.flags(squeue::Flags::IO_LINK)
        } else {
            entry
        };
        // SAFETY: the entries point to headers, iovecs and buffers that live until all
        // completions are reaped below.
        unsafe { ring.submission().push(&entry) }.map_err(|_| "submission queue full")?;
    }
    ring.submit_and_wait(2 * files.len())?;
    let mut lens = vec![0usize; files.len()];
    for cqe in ring.completion() {
        let result = cqe.result();
        if result < 0 {
            return Err(std::io::Error::from_raw_os_error(-result).into());
        }
        if let Some(len) = (cqe.user_data() as usize)
            .checked_sub(1)
            .and_then(|i| lens.get_mut(i))
        {
            *len = result as usize;
        }
    }
    Ok(digests
        .iter()
        .zip(lens)
        .map(|(d, len)| d[..len].to_vec())
        .collect())
}

fn run(args: &[String]) -> Result<(), Box<dyn Error>> {
    let (batch, rest) = match args {
        [flag, n, rest @ ..] if flag == "--batch" => (n.parse::<usize>()?, rest),
        rest => (32, rest),
    };
    let [algorithm, files @ ..] = rest else {
        return Err(USAGE.into());
    };
    if files.is_empty() || !(1..=MAX_BATCH).contains(&batch) {
        return Err(USAGE.into());
    }
    let hash = Hash::new(algorithm)?;
    let hasher = hash.hasher()?;
    hasher
        .socket()
        .set_option_int(SOL_ALG, KCRYPTO_SET_RECORDS, 1)?;
    let mut ring = IoUring::new(2 * batch as u32)?;
    for chunk in files.chunks(batch) {
        let digests = hash_batch(&mut ring, hasher.socket().as_raw_fd(), chunk)?;
        for (digest, path) in digests.iter().zip(chunk) {
            println!("{}  {path}", hex::encode(digest));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("uring-hash: {e}");
            ExitCode::FAILURE
        }
    }
}
