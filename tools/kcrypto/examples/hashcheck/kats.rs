// SPDX-License-Identifier: GPL-2.0

//! Known-answer tests through the library, and the vectors as files.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use kcrypto::socket::{MSG_MORE, MSG_TRUNC};
use kcrypto::{Family, Hash, hex};

use crate::kat::{self, KATS, Kat};

/// Runs every vector every way the ABI allows; prints one line per vector.
pub fn run(family: Family) -> kcrypto::Result<bool> {
    println!("kat: family {family}, {} vectors", KATS.len());
    let mut failed = 0;
    for kat in KATS {
        let problems = check(family, kat);
        if problems.is_empty() {
            println!("pass: kat: {} ({})", kat.source, kat.algorithm);
        } else {
            failed += 1;
            for problem in problems {
                println!("FAIL: kat: {} ({}): {problem}", kat.source, kat.algorithm);
            }
        }
    }
    println!("kat: {} of {} vectors failed", failed, KATS.len());
    Ok(failed == 0)
}

/// Every way of computing `kat`; returns what went wrong.
fn check(family: Family, kat: &Kat) -> Vec<String> {
    let mut checker = Checker {
        problems: Vec::new(),
        want: kat.expected(),
        digest: kat.digest,
    };
    if let Err(err) = check_into(family, kat, &mut checker) {
        checker.problems.push(format!("error: {err}"));
    }
    checker.problems
}

/// Collects what did not match.
struct Checker {
    problems: Vec<String>,
    want: Vec<u8>,
    digest: &'static str,
}

impl Checker {
    /// `got` must start with the expected digest (which may be truncated).
    fn expect(&mut self, what: &str, got: &[u8]) {
        if !got.starts_with(&self.want) {
            self.problem(format!(
                "{what}: got {}, want {}",
                hex::encode(got),
                self.digest
            ));
        }
    }

    fn problem(&mut self, text: String) {
        self.problems.push(text);
    }
}

fn check_into(family: Family, kat: &Kat, c: &mut Checker) -> kcrypto::Result<()> {
    let hash = Hash::open(family, kat.algorithm)?;
    if let Some(key) = kat.key {
        hash.set_key(&key.to_vec())?;
    }
    let message = kat.message.to_vec();
    let size = kat::digest_size(kat.algorithm);

    // One send without MSG_MORE.
    let digest = hash.digest(&message)?;
    c.expect("one-shot", &digest);

    // kcrypto's record mode: 70 copies in two batches, one iovec each.
    if family != Family::AF_ALG {
        let copies = vec![message.as_slice(); 70];
        let digests = hash.digest_many(&copies)?;
        if digests.len() != copies.len() {
            c.problem(format!(
                "digest_many: {} digests for 70 messages",
                digests.len()
            ));
        }
        for digest in &digests {
            c.expect("digest_many (KCRYPTO_SET_RECORDS)", digest);
        }
    }
    if digest.len() != size {
        c.problem(format!("digest of {} bytes, want {size}", digest.len()));
    }
    let measured = hash.digest_size()?;
    if measured != size {
        c.problem(format!("digest_size() {measured}, want {size}"));
    }

    // Streamed in thirds through io::Write, and byte by byte if short.
    let third = message.len() / 3;
    let mut hasher = hash.hasher()?;
    for piece in [
        &message[..third],
        &message[third..2 * third],
        &message[2 * third..],
    ] {
        hasher.write_all(piece)?;
    }
    c.expect("streamed in thirds", &hasher.finish()?);
    if message.len() <= 256 {
        let mut hasher = hash.hasher()?;
        for byte in message.chunks(1) {
            hasher.update(byte)?;
        }
        c.expect("byte by byte", &hasher.finish()?);
    }

    // Cloned halfway: both the clone and the original finish the message.
    let half = message.len() / 2;
    let mut original = hash.hasher()?;
    original.update(&message[..half])?;
    let mut clone = original.try_clone()?;
    original.update(&message[half..])?;
    clone.update(&message[half..])?;
    c.expect("clone halfway", &clone.finish()?);
    c.expect("original after clone", &original.finish()?);

    // Receive buffers shorter and longer than the digest.
    let op = hash.socket().accept()?;
    op.send(&message, MSG_MORE)?;
    let mut short = vec![0; c.want.len().min(size - 1)];
    let (len, flags) = op.recv_msg(&mut short, 0)?;
    if len != short.len() || flags & MSG_TRUNC == 0 {
        c.problem(format!(
            "recv into {} bytes: length {len}, MSG_TRUNC {}",
            short.len(),
            flags & MSG_TRUNC != 0
        ));
    }
    if !c.want.starts_with(&short) {
        c.problem(format!(
            "truncated digest {}, want a prefix of {}",
            hex::encode(&short),
            kat.digest
        ));
    }
    let op = hash.socket().accept()?;
    op.send(&message, 0)?;
    let mut long = [0; 2 * kcrypto::MAX_DIGEST_SIZE];
    let (len, flags) = op.recv_msg(&mut long, 0)?;
    if len != size || flags & MSG_TRUNC != 0 {
        c.problem(format!(
            "recv into {} bytes: length {len} (want {size}), MSG_TRUNC {}",
            long.len(),
            flags & MSG_TRUNC != 0
        ));
    }
    c.expect("recv into a long buffer", &long[..len.min(long.len())]);
    Ok(())
}

/// Writes each vector's message to `DIR/NN.bin` and `DIR/manifest`, one line
/// per vector: `NN ALGORITHM KEY-HEX-OR-- DIGEST-HEX SOURCE...`.
pub fn export(dir: &str) -> kcrypto::Result<bool> {
    let dir = Path::new(dir);
    std::fs::create_dir_all(dir)?;
    let mut manifest = String::new();
    for (index, kat) in KATS.iter().enumerate() {
        let name = format!("{index:02}");
        std::fs::write(dir.join(format!("{name}.bin")), kat.message.to_vec())?;
        let key = kat
            .key
            .map_or_else(|| "-".to_owned(), |key| hex::encode(&key.to_vec()));
        // Writing to a String cannot fail.
        let _ = writeln!(
            manifest,
            "{name} {} {key} {} {}",
            kat.algorithm, kat.digest, kat.source
        );
    }
    let mut file = std::fs::File::create(dir.join("manifest"))?;
    file.write_all(manifest.as_bytes())?;
    println!("export-kat: {} vectors in {}", KATS.len(), dir.display());
    Ok(true)
}
