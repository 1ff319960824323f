// SPDX-License-Identifier: GPL-2.0

//! `ciphercheck`: a seeded differential test of a family's `skcipher` and
//! `aead` types against RustCrypto, run inside a test guest by
//! `tests/guest/65-cli-cipher.sh`.
//!
//! ```text
//! ciphercheck probe [--family F]      exit 0 if F has the skcipher type, 3 if not
//! ciphercheck diff [--family F] [--seed N] [--rounds N] [--max-len BYTES]
//! ciphercheck abi [--family F]        kcrypto's contract, errno by errno
//! ```
//!
//! `F` is a family number or `kcrypto` (the default: `KCRYPTO_FAMILY`, else
//! kcrypto.ko's family). Each round picks an algorithm, a random key, IV,
//! tag length and message, and runs encryption and decryption through the
//! kernel in one of several ways: the library's one-shot calls, its streams
//! with random update sizes, or raw `sendmsg` parts with `MSG_MORE` cut at
//! random (several buffers per part, reads of output between parts and
//! short reads where the family allows them); AEAD rounds also check that a
//! changed byte is refused with `EBADMSG`. Every result is compared with
//! RustCrypto's. Output: one `ok - ...` / `not ok - ...` line per algorithm
//! (failures name the round and the seed to replay it), then a summary.
//! Exit status: 0 passed, 1 failed, 2 usage, 3 no such family or type.

use std::collections::BTreeMap;
use std::io::IoSlice;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kcrypto::socket::{Control, MSG_DONTWAIT, MSG_MORE};
use kcrypto::{Aead, Cipher, Direction, Error, Family, Rng as KernelRng, Socket, charge, hex};

mod abi;
mod reference;
#[path = "../hashcheck/rng.rs"]
mod rng;

use reference::{ALGORITHMS, Alg, Kind};
use rng::Rng;

const USAGE: &str = "\
usage: ciphercheck probe [--family F]
       ciphercheck diff [--family F] [--seed N] [--rounds N] [--max-len BYTES]
       ciphercheck abi [--family F]
F is a family number or \"kcrypto\" (default: KCRYPTO_FAMILY, else kcrypto.ko's family).";

/// Exit status for a missing family or type.
const UNAVAILABLE: u8 = 3;
/// AEAD messages stay below this (the kernel holds them whole).
const AEAD_MAX: usize = 96 * 1024;
/// A round that takes longer than this is reported as hung (a blocked
/// system call would otherwise hang the guest until its timeout).
const HANG_TIMEOUT: Duration = Duration::from_secs(120);

/// What is running now and since when, for the watchdog.
static CURRENT: Mutex<Option<(Instant, String)>> = Mutex::new(None);

/// Notes what runs from now on (`None`: nothing).
fn now_running(what: Option<String>) {
    if let Ok(mut current) = CURRENT.lock() {
        *current = what.map(|what| (Instant::now(), what));
    }
}

/// Exits with a `not ok` line if one thing runs longer than [`HANG_TIMEOUT`].
fn start_watchdog() {
    std::thread::spawn(|| {
        loop {
            std::thread::sleep(Duration::from_secs(1));
            let Ok(current) = CURRENT.lock() else { return };
            if let Some((since, what)) = &*current {
                if since.elapsed() > HANG_TIMEOUT {
                    println!(
                        "not ok - {what}: no answer for {} s (hung)",
                        HANG_TIMEOUT.as_secs()
                    );
                    std::process::exit(1);
                }
            }
        }
    });
}

#[derive(Debug)]
struct Options {
    family: String,
    seed: Option<u64>,
    rounds: usize,
    max_len: usize,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            family: "kcrypto".to_owned(),
            seed: None,
            rounds: 300,
            max_len: 300 * 1024,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("{flag}: {value:?} is not a number"))
            };
            match flag.as_str() {
                "--family" => options.family = value.clone(),
                "--seed" => options.seed = Some(number()?),
                "--rounds" => options.rounds = number()? as usize,
                "--max-len" => options.max_len = number()? as usize,
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        Ok(options)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        return usage("no command");
    };
    let options = match command.as_str() {
        "-h" | "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        "probe" | "diff" | "abi" => match Options::parse(rest) {
            Ok(options) => options,
            Err(msg) => return usage(&msg),
        },
        _ => return usage(&format!("bad command line: {args:?}")),
    };
    let family = match resolve(&options.family) {
        Ok(family) => family,
        Err(err) => {
            println!("ciphercheck: no socket family: {err}");
            return ExitCode::from(UNAVAILABLE);
        }
    };
    // The family must have the skcipher type (kcrypto before issue 4 has
    // only "hash": ENOENT for the type).
    if let Err(err) = Cipher::open(family, "cbc(aes)") {
        println!("ciphercheck: family {family} has no skcipher type (cbc(aes): {err})");
        return ExitCode::from(UNAVAILABLE);
    }
    if command == "probe" {
        println!("ciphercheck: family {family} has the skcipher type");
        return ExitCode::SUCCESS;
    }
    let passed = if command == "abi" {
        abi::run(family)
    } else {
        run(family, &options)
    };
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("ciphercheck: {msg}\n{USAGE}");
    ExitCode::from(2)
}

/// A family argument: a number, or `kcrypto` for the discovered one.
fn resolve(arg: &str) -> kcrypto::Result<Family> {
    let family = if arg == "kcrypto" {
        Family::discover()?
    } else {
        Family::parse(arg).ok_or_else(|| Error::InvalidFamily {
            origin: "command line",
            value: arg.to_owned(),
        })?
    };
    match Socket::new(family) {
        Ok(_) => Ok(family),
        Err(err) if err.raw_os_error() == Some(libc::EAFNOSUPPORT) => {
            Err(Error::FamilyNotRegistered {
                family: family.number(),
            })
        }
        Err(err) => Err(err.into()),
    }
}

/// How a round drives the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Method {
    /// `Cipher::encrypt`/`Aead::seal` and their inverses.
    OneShot,
    /// `CipherStream`/`AeadStream` with random update sizes.
    Stream,
    /// `sendmsg` parts by hand.
    Raw,
    /// `Cipher::crypt_many`/`Aead::seal_many` (kcrypto's record mode), the
    /// message twice in one `sendmsg`.
    Records,
}

/// Per algorithm: rounds run, bytes, failures.
#[derive(Debug, Default)]
struct Tally {
    rounds: usize,
    bytes: usize,
    methods: BTreeMap<Method, usize>,
    rejected: usize,
    failures: Vec<String>,
}

fn run(family: Family, options: &Options) -> bool {
    let seed = options.seed.unwrap_or_else(Rng::fresh_seed);
    let afalg = family == Family::AF_ALG;
    println!(
        "ciphercheck: family {family}, {} rounds, messages up to {} bytes, --seed {seed}",
        options.rounds, options.max_len
    );
    let mut rng = Rng::new(seed);
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    start_watchdog();
    for index in 0..options.rounds {
        let alg = &ALGORITHMS[rng.below(ALGORITHMS.len())];
        let tally = tallies.entry(alg.name).or_default();
        let round = Round::new(&mut rng, alg, options.max_len, afalg);
        now_running(Some(format!(
            "family {family}: round {index}: {} ({:?}, {} bytes; --seed {seed})",
            alg.name,
            round.method,
            round.data.len()
        )));
        tally.rounds += 1;
        tally.bytes += round.data.len();
        *tally.methods.entry(round.method).or_default() += 1;
        if !round.valid {
            tally.rejected += 1;
        }
        if let Err(msg) = round.run(family) {
            tally.failures.push(format!(
                "round {index}: {} ({:?}, key {} bytes, {} bytes{}): {msg}",
                alg.name,
                round.method,
                round.key.len(),
                round.data.len(),
                match alg.kind {
                    Kind::Aead => format!(", aad {}, tag {}", round.aad.len(), round.tag),
                    Kind::Skcipher => String::new(),
                }
            ));
        }
    }
    let mut failed = 0;
    for (name, tally) in &tallies {
        let methods: Vec<String> = tally
            .methods
            .iter()
            .map(|(method, n)| format!("{n} {method:?}"))
            .collect();
        if tally.failures.is_empty() {
            println!(
                "ok - family {family}: {name}: {} rounds ({}; {} with lengths the kernel must refuse), {} bytes, encrypt and decrypt match RustCrypto",
                tally.rounds,
                methods.join(", "),
                tally.rejected,
                tally.bytes
            );
        } else {
            failed += 1;
            println!(
                "not ok - family {family}: {name}: {} of {} rounds failed (--seed {seed})",
                tally.failures.len(),
                tally.rounds
            );
            for failure in tally.failures.iter().take(5) {
                println!("    {failure}");
            }
        }
    }
    now_running(Some(format!("family {family}: key serial and rng checks")));
    let extra = [key_by_serial(family), rng_check(family)];
    now_running(None);
    for (what, result) in extra {
        match result {
            Ok(Some(skip)) => println!("ok - family {family}: {what} # SKIP {skip}"),
            Ok(None) => println!("ok - family {family}: {what}"),
            Err(msg) => {
                failed += 1;
                println!("not ok - family {family}: {what}: {msg}");
            }
        }
    }
    println!(
        "ciphercheck: {failed} failed, {} algorithms, {} rounds, --seed {seed}",
        tallies.len(),
        options.rounds
    );
    failed == 0
}

/// Everything one round needs.
#[derive(Debug)]
struct Round {
    alg: &'static Alg,
    method: Method,
    key: Vec<u8>,
    iv: Vec<u8>,
    aad: Vec<u8>,
    tag: usize,
    data: Vec<u8>,
    /// Whether the kernel must accept the length.
    valid: bool,
    /// Where raw parts end (increasing, the last is `data.len()`), and
    /// whether each part goes as several buffers.
    cuts: Vec<(usize, bool)>,
    /// Whether the last part is an extra empty send.
    empty_final: bool,
    /// Update sizes for streams.
    updates: Vec<usize>,
    /// Read output between parts (raw).
    interleave: bool,
    /// Read sizes of the final reads (raw; 0: all at once).
    read_size: usize,
    /// Byte to change for the AEAD tamper check (`None`: skip).
    tamper: Option<usize>,
    /// Driver RNG for the raw method's random choices.
    seed: u64,
}

/// A message length: short ones and edges, often; any up to `max`.
fn message_len(rng: &mut Rng, max: usize) -> usize {
    const EDGES: &[usize] = &[
        0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 4095, 4096, 4097, 65535, 65536, 65537,
    ];
    let len = match rng.below(8) {
        0..=2 => rng.between(0, 300),
        3 | 4 => EDGES[rng.below(EDGES.len())],
        5 => rng.between(0, 70_000),
        _ => rng.between(0, max),
    };
    len.min(max)
}

impl Round {
    fn new(rng: &mut Rng, alg: &'static Alg, max_len: usize, afalg: bool) -> Round {
        let key_len = alg.key_lens[rng.below(alg.key_lens.len())];
        let key = rng.bytes(key_len);
        let mut iv = rng.bytes(alg.iv_len);
        if alg.name == "chacha20" && !rng.one_in(8) {
            // Mostly small block counters; sometimes near the 32-bit end.
            let counter = if rng.one_in(2) {
                rng.below(4) as u32
            } else {
                u32::MAX - 16 - (max_len as u32 / 64)
            };
            iv[..4].copy_from_slice(&counter.to_le_bytes());
        }
        if alg.name == "chacha20" {
            let counter = u32::from_le_bytes(iv[..4].try_into().unwrap_or_default());
            if u64::from(counter) + (max_len as u64 / 64) + 2 > u64::from(u32::MAX) {
                iv[..4].copy_from_slice(&0u32.to_le_bytes());
            }
        }
        if alg.name == "ccm(aes)" {
            let nonce_len = reference::CCM_NONCE_LENS[rng.below(reference::CCM_NONCE_LENS.len())];
            iv = reference::ccm_iv(&rng.bytes(nonce_len));
        }
        let (mut aad, tag) = match alg.kind {
            Kind::Skcipher => (Vec::new(), 0),
            Kind::Aead => {
                let aad_len = if alg.aad_lens.is_empty() {
                    match rng.below(4) {
                        0 => 0,
                        1 => rng.between(1, 40),
                        2 => rng.between(0, 600),
                        _ => rng.between(0, 5000),
                    }
                } else {
                    alg.aad_lens[rng.below(alg.aad_lens.len())]
                };
                let tag = if rng.one_in(2) {
                    alg.tag_lens[0]
                } else {
                    alg.tag_lens[rng.below(alg.tag_lens.len())]
                };
                (rng.bytes(aad_len), tag)
            }
        };
        if alg.name == "rfc4106(gcm(aes))" {
            // The associated data ends with the IV (crypto API rule).
            let at = aad.len() - 8;
            aad[at..].copy_from_slice(&iv);
        }
        let method = match rng.below(4) {
            0 => Method::OneShot,
            1 => Method::Stream,
            2 if !afalg => Method::Records,
            _ => Method::Raw,
        };
        let max = match alg.kind {
            Kind::Skcipher => max_len,
            Kind::Aead => max_len.min(AEAD_MAX),
        };
        let mut len = message_len(rng, max);
        if alg.name == "ccm(aes)" && iv[0] == 1 {
            // A 13-byte nonce leaves 2 bytes for the length (L = 2).
            len = len.min(65535);
        }
        // Mostly valid lengths; some the kernel must refuse.
        if alg.kind == Kind::Skcipher && !reference::valid_len(alg, len) && !rng.one_in(4) {
            len = (len / alg.block * alg.block).max(alg.min_len);
        }
        let valid = match alg.kind {
            Kind::Skcipher => reference::valid_len(alg, len),
            Kind::Aead => true,
        };
        let data = rng.bytes(len);
        // Raw parts: the AEAD input is aad || data (the cuts run over both).
        let total = len + aad.len();
        let mut cuts = Vec::new();
        let mut pos = 0;
        let style = rng.below(3);
        while pos < total {
            let left = total - pos;
            let chunk = match style {
                0 => rng.between(1, left),
                1 => rng.between(1, 300).min(left),
                _ => {
                    let scale = rng.between(0, 16);
                    rng.between(1, 1 << scale).min(left)
                }
            };
            // Bounded number of parts.
            let chunk = if cuts.len() > 400 { left } else { chunk };
            pos += chunk;
            cuts.push((pos, chunk > 1 && rng.one_in(4)));
        }
        let empty_final = cuts.is_empty() || rng.one_in(6);
        let mut updates = Vec::new();
        let mut left = len;
        while left > 0 && updates.len() < 400 {
            let size = match rng.below(3) {
                0 => rng.between(1, 100),
                1 => rng.between(1, 70_000),
                _ => rng.between(1, left),
            }
            .min(left);
            updates.push(size);
            left -= size;
        }
        if left > 0 {
            updates.push(left);
        }
        // Output read before the last part, or in short reads, is right on
        // AF_ALG only for block-by-block modes; kcrypto allows it always.
        let splittable = !afalg || alg.afalg_splittable;
        let interleave = splittable && rng.one_in(2);
        // AF_ALG rounds a short read down to whole blocks (a read of less
        // than a block fails); kcrypto returns any prefix.
        let read_sizes: &[usize] = if afalg {
            &[16, 100, 4096, 65536]
        } else {
            &[1, 15, 16, 100, 4096, 65536]
        };
        let read_size = if splittable && rng.one_in(2) {
            read_sizes[rng.below(read_sizes.len())]
        } else {
            0
        };
        let tamper =
            (alg.kind == Kind::Aead && rng.one_in(2)).then(|| rng.below(aad.len() + len + tag));
        Round {
            alg,
            method,
            key,
            iv,
            aad,
            tag,
            data,
            valid,
            cuts,
            empty_final,
            updates,
            interleave,
            read_size,
            tamper,
            seed: rng.next_u64(),
        }
    }

    fn run(&self, family: Family) -> Result<(), String> {
        match self.alg.kind {
            Kind::Skcipher => self.run_skcipher(family),
            Kind::Aead => self.run_aead(family),
        }
    }

    fn run_skcipher(&self, family: Family) -> Result<(), String> {
        let cipher = Cipher::open(family, self.alg.name).map_err(|e| format!("bind: {e}"))?;
        cipher
            .set_key(&self.key)
            .map_err(|e| format!("set key: {e}"))?;
        if !self.valid {
            // Both directions must be refused with EINVAL.
            for direction in [Direction::Encrypt, Direction::Decrypt] {
                match self.skcipher_op(&cipher, direction, &self.data) {
                    Err(OpError::Errno(libc::EINVAL)) => {}
                    // AF_ALG never runs an empty operation (nothing to read).
                    Ok(out) if self.data.is_empty() && out.is_empty() => {}
                    other => {
                        return Err(format!(
                            "{direction:?} of an invalid length: {}, want EINVAL",
                            describe(&other)
                        ));
                    }
                }
            }
            return Ok(());
        }
        let ct = reference::skcipher(self.alg, &self.key, &self.iv, &self.data, true);
        let got = self.skcipher_op(&cipher, Direction::Encrypt, &self.data);
        compare("encrypt", got, &ct)?;
        let got = self.skcipher_op(&cipher, Direction::Decrypt, &ct);
        compare("decrypt", got, &self.data)
    }

    fn skcipher_op(
        &self,
        cipher: &Cipher,
        direction: Direction,
        input: &[u8],
    ) -> Result<Vec<u8>, OpError> {
        match self.method {
            // A record has data: an empty message goes as one.
            Method::OneShot | Method::Records if input.is_empty() => {
                Ok(cipher.crypt(direction, &self.iv, input)?)
            }
            Method::OneShot => Ok(cipher.crypt(direction, &self.iv, input)?),
            Method::Records => {
                let iv = self.iv.as_slice();
                let outs = cipher.crypt_many(direction, &[(iv, input), (iv, input)])?;
                match outs.as_slice() {
                    [first, second] if first == second => Ok(first.clone()),
                    _ => Err(OpError::Other(format!(
                        "records: {} outputs, not twice the same",
                        outs.len()
                    ))),
                }
            }
            Method::Stream => {
                let mut stream = match direction {
                    Direction::Encrypt => cipher.encryptor(&self.iv)?,
                    Direction::Decrypt => cipher.decryptor(&self.iv)?,
                };
                let mut out = Vec::new();
                let mut pos = 0;
                for &size in &self.updates {
                    out.extend(stream.update(&input[pos..pos + size])?);
                    pos += size;
                }
                out.extend(stream.finish()?);
                Ok(out)
            }
            Method::Raw => {
                let op = cipher.socket().accept()?;
                let mut control = vec![Control::Op(direction.op())];
                if !self.iv.is_empty() {
                    control.push(Control::Iv(&self.iv));
                }
                self.raw(&op, &control, input, input.len())
            }
        }
    }

    /// Sends `input` in the round's parts (control messages with the
    /// first), reading output between parts if the round says so, then
    /// reads `out_len` bytes (more for AEAD: the kernel says how many).
    fn raw(
        &self,
        op: &Socket,
        control: &[Control<'_>],
        input: &[u8],
        out_len: usize,
    ) -> Result<Vec<u8>, OpError> {
        let mut rng = Rng::new(self.seed);
        // Hold the whole operation: raise the socket buffer (root may). kcrypto
        // counts input and output in whole pages (each part's output may start
        // a page of its own) and a request per part.
        let parts = self.cuts.len() + 2;
        let want = (input.len() + out_len + (2 * charge::PAGE + charge::REQUEST) * parts) as i32;
        // AF_ALG also works on no more output per read than SO_RCVBUF.
        let _ = op.set_option_int(libc::SOL_SOCKET, libc::SO_SNDBUFFORCE, want / 2 + 4096);
        let _ = op.set_option_int(libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, want / 2 + 4096);
        let limit = op.option_int(libc::SOL_SOCKET, libc::SO_SNDBUF)? as usize / 4096 * 4096;
        let mut out = Vec::new();
        let mut start = 0;
        // The cuts were made for the encryption's input: decryption input
        // (ct || tag) is longer, its last part ends at its end.
        let mut cuts: Vec<(usize, bool)> = self
            .cuts
            .iter()
            .copied()
            .filter(|&(end, _)| end < input.len())
            .collect();
        if !input.is_empty() {
            cuts.push((input.len(), false));
        }
        for (i, &(end, split)) in cuts.iter().enumerate() {
            let last = i + 1 == cuts.len() && !self.empty_final;
            let part = &input[start..end];
            let bufs: Vec<IoSlice<'_>> = if split {
                let mid = rng.between(1, part.len() - 1);
                vec![IoSlice::new(&part[..mid]), IoSlice::new(&part[mid..])]
            } else {
                vec![IoSlice::new(part)]
            };
            // Keep what the kernel holds within the buffer: read first.
            // AF_ALG copies only while a page is free.
            while self.alg.kind == Kind::Skcipher
                && start - out.len() + part.len().max(4096) > limit
                && read_some(op, &mut out, out_len, MSG_DONTWAIT)? > 0
            {}
            let ctl = if i == 0 { control } else { &[] };
            let flags = if last { 0 } else { MSG_MORE };
            let sent = op.send_msg(&bufs, ctl, flags)?;
            if sent != part.len() {
                return Err(OpError::Other(format!(
                    "sendmsg took {sent} of {}",
                    part.len()
                )));
            }
            start = end;
            if self.interleave && !last && rng.one_in(3) {
                read_some(op, &mut out, out_len, MSG_DONTWAIT)?;
            }
        }
        if self.empty_final || cuts.is_empty() {
            let ctl = if cuts.is_empty() { control } else { &[] };
            op.send_msg(&[], ctl, 0)?;
        }
        if self.alg.kind == Kind::Aead {
            // One read of the whole result.
            let mut buf = vec![0; out_len];
            let len = read_wait(op, &mut buf)?;
            buf.truncate(len);
            return Ok(buf);
        }
        while out.len() < out_len {
            let before = out.len();
            let size = if self.read_size == 0 {
                out_len
            } else {
                self.read_size
            };
            let want = (out.len() + size).min(out_len);
            out.resize(want, 0);
            let len = read_wait(op, &mut out[before..])?;
            out.truncate(before + len);
            if len == 0 {
                return Err(OpError::Other(format!(
                    "output ended after {before} of {out_len} bytes"
                )));
            }
        }
        Ok(out)
    }

    fn run_aead(&self, family: Family) -> Result<(), String> {
        let aead = Aead::open_family(family, self.alg.name).map_err(|e| format!("bind: {e}"))?;
        aead.set_key(&self.key)
            .map_err(|e| format!("set key: {e}"))?;
        aead.set_tag_len(self.tag)
            .map_err(|e| format!("set tag length {}: {e}", self.tag))?;
        let sealed = reference::aead_seal(
            self.alg, &self.key, &self.iv, &self.aad, &self.data, self.tag,
        );
        let got = self.aead_op(&aead, Direction::Encrypt, &self.aad, &self.data);
        compare("seal", got, &sealed)?;
        let got = self.aead_op(&aead, Direction::Decrypt, &self.aad, &sealed);
        compare("open", got, &self.data)?;
        if let Some(at) = self.tamper {
            let (mut aad, mut sealed) = (self.aad.clone(), sealed.clone());
            let mut at = at;
            if self.alg.name == "rfc4106(gcm(aes))" && at >= aad.len() - 8 && at < aad.len() {
                // The IV copy in the associated data is not authenticated.
                at = 0;
            }
            if at < aad.len() {
                aad[at] ^= 0x80;
            } else {
                sealed[at - aad.len()] ^= 1;
            }
            match self.aead_op(&aead, Direction::Decrypt, &aad, &sealed) {
                Err(OpError::Errno(libc::EBADMSG)) => {}
                other => {
                    return Err(format!(
                        "open with byte {at} of aad || ct || tag changed: {}, want EBADMSG",
                        describe(&other)
                    ));
                }
            }
        }
        // A sealed input shorter than the tag is refused.
        if self.tag > 0 && self.method == Method::OneShot {
            match aead.open(&self.iv, &self.aad, &sealed[..self.tag - 1]) {
                Err(Error::InvalidArgument) => {}
                other => {
                    return Err(format!(
                        "open of {} bytes with a {}-byte tag: {other:?}, want EINVAL",
                        self.tag - 1,
                        self.tag
                    ));
                }
            }
        }
        Ok(())
    }

    fn aead_op(
        &self,
        aead: &Aead,
        direction: Direction,
        aad: &[u8],
        input: &[u8],
    ) -> Result<Vec<u8>, OpError> {
        match self.method {
            Method::OneShot => Ok(match direction {
                Direction::Encrypt => aead.seal(&self.iv, aad, input)?,
                Direction::Decrypt => aead.open(&self.iv, aad, input)?,
            }),
            Method::Stream => {
                let mut stream = match direction {
                    Direction::Encrypt => aead.sealer(&self.iv, aad)?,
                    Direction::Decrypt => aead.opener(&self.iv, aad)?,
                };
                let mut pos = 0;
                for &size in &self.updates {
                    let end = (pos + size).min(input.len());
                    stream.update(&input[pos..end])?;
                    pos = end;
                }
                stream.update(&input[pos..])?;
                Ok(stream.finish()?)
            }
            Method::Records if !(aad.is_empty() && input.is_empty()) => {
                let message = (self.iv.as_slice(), aad, input);
                let outs = match direction {
                    Direction::Encrypt => aead.seal_many(&[message, message])?,
                    Direction::Decrypt => aead.open_many(&[message, message])?,
                };
                match outs.as_slice() {
                    [first, second] if first == second => Ok(first.clone()),
                    _ => Err(OpError::Other(format!(
                        "records: {} outputs, not twice the same",
                        outs.len()
                    ))),
                }
            }
            // A record has data or associated data: an empty message goes by hand.
            Method::Raw | Method::Records => {
                let op = aead.socket().accept()?;
                let assoclen = aad.len() as u32;
                let control = [
                    Control::Op(direction.op()),
                    Control::Iv(&self.iv),
                    Control::AssocLen(assoclen),
                ];
                let mut whole = aad.to_vec();
                whole.extend_from_slice(input);
                let out_len = match direction {
                    Direction::Encrypt => whole.len() + self.tag,
                    Direction::Decrypt => whole.len().saturating_sub(self.tag),
                };
                let out = self.raw(&op, &control, &whole, out_len)?;
                if out.len() != out_len || out[..aad.len()] != *aad {
                    return Err(OpError::Other(format!(
                        "{} bytes of output, want {out_len} starting with the associated data",
                        out.len()
                    )));
                }
                Ok(out[aad.len()..].to_vec())
            }
        }
    }
}

/// Why an operation failed.
#[derive(Debug)]
enum OpError {
    Errno(i32),
    Other(String),
}

impl From<Error> for OpError {
    fn from(err: Error) -> OpError {
        match err.errno() {
            Some(errno) => OpError::Errno(errno),
            None => OpError::Other(err.to_string()),
        }
    }
}

impl From<std::io::Error> for OpError {
    fn from(err: std::io::Error) -> OpError {
        OpError::from(Error::from(err))
    }
}

fn describe(result: &Result<Vec<u8>, OpError>) -> String {
    match result {
        Ok(out) => format!("succeeded with {} bytes", out.len()),
        Err(OpError::Errno(errno)) => format!("failed: {}", Error::from_errno(*errno)),
        Err(OpError::Other(msg)) => format!("failed: {msg}"),
    }
}

fn compare(what: &str, got: Result<Vec<u8>, OpError>, want: &[u8]) -> Result<(), String> {
    match got {
        Ok(out) if out == want => Ok(()),
        Ok(out) => {
            let at = out
                .iter()
                .zip(want)
                .position(|(a, b)| a != b)
                .unwrap_or(out.len().min(want.len()));
            let window = |v: &[u8]| hex::encode(&v[at.min(v.len())..(at + 16).min(v.len())]);
            Err(format!(
                "{what}: {} bytes, want {}; first difference at byte {at}: got {}…, want {}…",
                out.len(),
                want.len(),
                window(&out),
                window(want)
            ))
        }
        Err(err) => Err(format!("{what}: {}", describe(&Err(err)))),
    }
}

/// Reads what is ready (up to `out_len` in all) without waiting; returns
/// how many bytes came.
fn read_some(op: &Socket, out: &mut Vec<u8>, out_len: usize, flags: i32) -> Result<usize, OpError> {
    let before = out.len();
    if before >= out_len {
        return Ok(0);
    }
    out.resize(out_len, 0);
    let result = op.recv(&mut out[before..], flags);
    match result {
        Ok(len) => {
            out.truncate(before + len);
            Ok(len)
        }
        Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
            out.truncate(before);
            Ok(0)
        }
        Err(err) => {
            out.truncate(before);
            Err(err.into())
        }
    }
}

/// A read of output that must come: AF_ALG blocks for it, kcrypto answers
/// EAGAIN until it is there (an asynchronous driver may still work on it).
fn read_wait(op: &Socket, buf: &mut [u8]) -> Result<usize, OpError> {
    for _ in 0..3000 {
        match op.recv(buf, 0) {
            Ok(len) => return Ok(len),
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(OpError::Other(
        "EAGAIN for 3 s while output was due".to_owned(),
    ))
}

/// `add_key("user", description, payload, KEY_SPEC_PROCESS_KEYRING)`.
fn add_user_key(description: &str, payload: &[u8]) -> std::io::Result<i32> {
    let kind = c"user";
    let description = std::ffi::CString::new(description).map_err(std::io::Error::other)?;
    // SAFETY: the strings are NUL-terminated, the payload is valid for its
    // length; add_key copies them all.
    let serial = unsafe {
        libc::syscall(
            libc::SYS_add_key,
            kind.as_ptr(),
            description.as_ptr(),
            payload.as_ptr(),
            payload.len(),
            -2i32, // KEY_SPEC_PROCESS_KEYRING
        )
    };
    if serial < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(serial as i32)
    }
}

/// A key set by serial (a "user" key) encrypts like the same key set
/// directly; a serial that is no key gives ENOKEY.
fn key_by_serial(family: Family) -> (&'static str, Result<Option<String>, String>) {
    let what = "cbc(aes) and gcm(aes) keyed by key serial (ALG_SET_KEY_BY_KEY_SERIAL) match the key itself";
    let result = (|| {
        let key = [0x5c; 32];
        let serial = match add_user_key("kcrypto:ciphercheck", &key) {
            Ok(serial) => serial,
            Err(err) => return Ok(Some(format!("add_key: {err}"))),
        };
        let by_serial = Cipher::open(family, "cbc(aes)").map_err(|e| e.to_string())?;
        by_serial
            .set_key_serial(serial)
            .map_err(|e| format!("set key serial {serial}: {e}"))?;
        let direct = Cipher::open(family, "cbc(aes)").map_err(|e| e.to_string())?;
        direct.set_key(&key).map_err(|e| e.to_string())?;
        let data = [0x77; 64];
        let a = by_serial
            .encrypt(&[1; 16], &data)
            .map_err(|e| e.to_string())?;
        let b = direct.encrypt(&[1; 16], &data).map_err(|e| e.to_string())?;
        if a != b {
            return Err("cbc(aes) by serial differs from the key".to_owned());
        }
        let aead = Aead::open_family(family, "gcm(aes)").map_err(|e| e.to_string())?;
        aead.set_key_serial(serial)
            .map_err(|e| format!("gcm set key serial: {e}"))?;
        let want = reference::aead_seal(&ALGORITHMS[5], &key, &[2; 12], b"aad", b"pt", 16);
        let got = aead
            .seal(&[2; 12], b"aad", b"pt")
            .map_err(|e| e.to_string())?;
        if got != want {
            return Err("gcm(aes) by serial differs from RustCrypto".to_owned());
        }
        match by_serial.set_key_serial(0x7fff_fff0) {
            Err(Error::NoKey) => Ok(None),
            other => Err(format!("a serial that is no key: {other:?}, want ENOKEY")),
        }
    })();
    (what, result)
}

/// The rng type: fills of several sizes (beyond one read), distinct output,
/// seeding.
fn rng_check(family: Family) -> (&'static str, Result<Option<String>, String>) {
    let what = "rng stdrng: fills of 1, 128, 129, 5000 and 70000 bytes, distinct, reseedable";
    let result = (|| {
        let mut rng = KernelRng::open(family, "stdrng").map_err(|e| format!("bind: {e}"))?;
        let mut seen = Vec::new();
        for len in [1, 128, 129, 5000, 70_000] {
            let bytes = rng.bytes(len).map_err(|e| format!("fill {len}: {e}"))?;
            if len >= 128 && (bytes.iter().all(|&b| b == 0) || seen.contains(&bytes)) {
                return Err(format!("{len} bytes look wrong"));
            }
            seen.push(bytes);
        }
        rng.seed(b"ciphercheck personalisation")
            .map_err(|e| format!("seed: {e}"))?;
        let a = rng.bytes(64).map_err(|e| format!("after seed: {e}"))?;
        let b = rng.bytes(64).map_err(|e| format!("after seed: {e}"))?;
        if a == b {
            return Err("two reads after seeding are equal".to_owned());
        }
        Ok(None)
    })();
    (what, result)
}
