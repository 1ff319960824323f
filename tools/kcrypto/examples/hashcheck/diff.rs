// SPDX-License-Identifier: GPL-2.0

//! Differential test: the same random operations on two families must give
//! the same results, byte for byte and errno for errno.
//!
//! Each round picks an algorithm and key, a message of 0 to `--max-len`
//! bytes, and a script of system calls on operation sockets: sends of
//! random chunks (`send` or multi-buffer `sendmsg`, with `MSG_MORE` or not),
//! state clones (`accept` on an operation socket), receives into buffers of
//! random size. Both families run the script; every call's result is
//! compared.

use std::io::IoSlice;

use kcrypto::socket::{MSG_MORE, MSG_TRUNC};
use kcrypto::{Family, Hash, Socket, hex};

use crate::rng::Rng;

/// Command-line options of `diff` and `abi`.
#[derive(Debug)]
pub struct Options {
    pub a: String,
    pub b: String,
    pub seed: Option<u64>,
    pub rounds: usize,
    pub max_len: usize,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            a: "38".to_owned(),
            b: "kcrypto".to_owned(),
            seed: None,
            rounds: 64,
            max_len: 1 << 20,
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
                "--a" => options.a = value.clone(),
                "--b" => options.b = value.clone(),
                "--seed" => options.seed = Some(number()?),
                "--rounds" => options.rounds = number()? as usize,
                "--max-len" => options.max_len = number()? as usize,
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        Ok(options)
    }
}

/// Algorithms and how to key them.
const ALGORITHMS: &[(&str, KeyKind)] = &[
    ("sha1", KeyKind::None),
    ("sha256", KeyKind::None),
    ("sha512", KeyKind::None),
    ("hmac(sha256)", KeyKind::Hmac),
    ("cmac(aes)", KeyKind::Aes),
];

#[derive(Clone, Copy, Debug)]
enum KeyKind {
    None,
    Hmac,
    Aes,
}

/// One system call of a round's script.
#[derive(Clone, Debug)]
enum Op {
    /// `send`/`sendmsg` of `data[start..end]` on socket `sock`, cut into
    /// buffers at `cuts` (absolute offsets; none: plain `send`).
    Send {
        sock: usize,
        start: usize,
        end: usize,
        more: bool,
        cuts: Vec<usize>,
    },
    /// `recvmsg` of at most `len` bytes on socket `sock`.
    Recv { sock: usize, len: usize },
    /// `accept` on operation socket `from`: a new socket with its state.
    Clone { from: usize },
    /// `Hash::digest` of `data[start..end]` on a fresh operation socket.
    OneShot { start: usize, end: usize },
}

/// What a call returned.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Done,
    Sent(usize),
    Received {
        len: usize,
        trunc: bool,
        bytes: String,
    },
    Failed(String),
}

impl Outcome {
    fn from_error(err: &std::io::Error) -> Outcome {
        Outcome::Failed(errno_text(err))
    }
}

fn errno_text(err: &std::io::Error) -> String {
    match err.raw_os_error() {
        Some(errno) => {
            let kc = kcrypto::Error::from_errno(errno);
            format!("errno {errno}: {kc}")
        }
        None => err.to_string(),
    }
}

/// One round: everything both families get.
#[derive(Debug)]
struct Round {
    algorithm: &'static str,
    key: Option<Vec<u8>>,
    data: Vec<u8>,
    ops: Vec<Op>,
}

/// A message length: mostly short ones and block or page boundaries, some
/// anywhere up to `max`.
fn message_len(rng: &mut Rng, max: usize) -> usize {
    const EDGES: &[usize] = &[
        0, 1, 3, 15, 16, 17, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 4095, 4096, 4097, 65535,
        65536, 65537,
    ];
    let len = match rng.below(8) {
        0..=2 => rng.between(0, 300),
        3 | 4 => EDGES[rng.below(EDGES.len())],
        5 => rng.between(0, 65536),
        _ => rng.between(0, max),
    };
    len.min(max)
}

/// A receive buffer length: usually room for any digest, often less.
fn recv_len(rng: &mut Rng) -> usize {
    match rng.below(4) {
        0 => rng.between(1, kcrypto::MAX_DIGEST_SIZE),
        1 => rng.between(1, 2 * kcrypto::MAX_DIGEST_SIZE),
        _ => kcrypto::MAX_DIGEST_SIZE,
    }
}

fn make_round(rng: &mut Rng, max_len: usize) -> Round {
    let (algorithm, kind) = ALGORITHMS[rng.below(ALGORITHMS.len())];
    let key = match kind {
        KeyKind::None => None,
        KeyKind::Hmac => Some(rng.between(0, 200)),
        // Now and then a key length AES rejects: the errors must agree too.
        KeyKind::Aes if rng.one_in(10) => Some(rng.between(0, 40)),
        KeyKind::Aes => Some([16, 24, 32][rng.below(3)]),
    }
    .map(|len| rng.bytes(len));
    let data_len = message_len(rng, max_len);
    let data = rng.bytes(data_len);
    let len = data.len();

    let mut ops = Vec::new();
    if rng.one_in(4) {
        let start = rng.between(0, len);
        ops.push(Op::OneShot { start, end: len });
    }
    // Chunking style: few big pieces, many small ones, or a mix.
    let style = rng.below(3);
    let (mut socks, mut cur, mut pos) = (1, 0, 0);
    if len == 0 || rng.one_in(8) {
        // Zero-length sends, with and without MSG_MORE.
        ops.push(Op::Send {
            sock: 0,
            start: 0,
            end: 0,
            more: rng.one_in(2),
            cuts: vec![],
        });
    }
    while pos < len {
        let left = len - pos;
        let mut chunk = match style {
            0 => rng.between(1, left),
            1 if len <= 65536 => rng.between(1, 300),
            _ => {
                let scale = rng.between(0, 17);
                rng.between(1, 1 << scale)
            }
        }
        .min(left);
        if ops.len() > 2000 {
            chunk = left;
        }
        if rng.one_in(25) {
            chunk = 0;
        }
        let end = pos + chunk;
        let last = end == len;
        let more = if last {
            !rng.one_in(2)
        } else {
            !rng.one_in(20)
        };
        let cuts = if chunk > 1 && rng.one_in(4) {
            let mut cuts: Vec<usize> = (0..rng.between(1, 6))
                .map(|_| rng.between(pos + 1, end - 1))
                .collect();
            cuts.sort_unstable();
            cuts.dedup();
            cuts
        } else {
            vec![]
        };
        ops.push(Op::Send {
            sock: cur,
            start: pos,
            end,
            more,
            cuts,
        });
        pos = end;
        if !more && !last {
            // Finished mid-message: read that digest; the socket starts over.
            ops.push(Op::Recv {
                sock: cur,
                len: recv_len(rng),
            });
        }
        if !last && rng.one_in(12) {
            ops.push(Op::Clone { from: cur });
            let new = socks;
            socks += 1;
            // One of the pair finishes now, the other goes on.
            if rng.one_in(2) {
                ops.push(Op::Recv {
                    sock: cur,
                    len: recv_len(rng),
                });
                cur = new;
            } else {
                ops.push(Op::Recv {
                    sock: new,
                    len: recv_len(rng),
                });
            }
        }
    }
    if rng.one_in(6) {
        ops.push(Op::Clone { from: cur });
        cur = socks;
    }
    ops.push(Op::Recv {
        sock: cur,
        len: recv_len(rng),
    });
    if rng.one_in(4) {
        // A second receive: what a finished socket gives next.
        ops.push(Op::Recv {
            sock: cur,
            len: kcrypto::MAX_DIGEST_SIZE,
        });
    }
    Round {
        algorithm,
        key,
        data,
        ops,
    }
}

/// Runs `round` on `family`: the outcome of setting up, then of every op.
fn execute(family: Family, round: &Round) -> Vec<Outcome> {
    let mut outcomes = Vec::with_capacity(round.ops.len() + 1);
    let hash = match Hash::open(family, round.algorithm) {
        Ok(hash) => hash,
        Err(err) => {
            outcomes.push(Outcome::Failed(format!("bind: {err}")));
            return outcomes;
        }
    };
    if let Some(key) = &round.key {
        if let Err(err) = hash.socket().set_key(key) {
            // Both must refuse the key alike. What follows differs by design:
            // AF_ALG accepts operation sockets that fail with ENOKEY later,
            // kcrypto fails the accept (Documentation/userspace-api.rst).
            outcomes.push(Outcome::from_error(&err));
            return outcomes;
        }
    }
    outcomes.push(Outcome::Done);
    let mut socks: Vec<Option<Socket>> = vec![hash.socket().accept().ok()];
    let data = &round.data;
    for op in &round.ops {
        let outcome = match op {
            Op::Send {
                sock,
                start,
                end,
                more,
                cuts,
            } => with_socket(&socks, *sock, |s| {
                let flags = if *more { MSG_MORE } else { 0 };
                let result = if cuts.is_empty() {
                    s.send(&data[*start..*end], flags)
                } else {
                    let mut bounds = vec![*start];
                    bounds.extend(cuts);
                    bounds.push(*end);
                    let bufs: Vec<IoSlice<'_>> = bounds
                        .windows(2)
                        .map(|w| IoSlice::new(&data[w[0]..w[1]]))
                        .collect();
                    s.send_vectored(&bufs, flags)
                };
                result.map_or_else(|e| Outcome::from_error(&e), Outcome::Sent)
            }),
            Op::Recv { sock, len } => with_socket(&socks, *sock, |s| {
                let mut buf = vec![0; *len];
                match s.recv_msg(&mut buf, 0) {
                    Ok((n, flags)) => Outcome::Received {
                        len: n,
                        trunc: flags & MSG_TRUNC != 0,
                        bytes: hex::encode(&buf[..n.min(buf.len())]),
                    },
                    Err(err) => Outcome::from_error(&err),
                }
            }),
            Op::Clone { from } => {
                let (outcome, new) = match socks.get(*from).and_then(Option::as_ref) {
                    Some(s) => match s.accept() {
                        Ok(new) => (Outcome::Done, Some(new)),
                        Err(err) => (Outcome::from_error(&err), None),
                    },
                    None => (Outcome::Failed("no such socket".to_owned()), None),
                };
                socks.push(new);
                outcome
            }
            Op::OneShot { start, end } => match hash.digest(&data[*start..*end]) {
                Ok(digest) => Outcome::Received {
                    len: digest.len(),
                    trunc: false,
                    bytes: hex::encode(&digest),
                },
                Err(err) => Outcome::Failed(err.to_string()),
            },
        };
        outcomes.push(outcome);
    }
    outcomes
}

fn with_socket(
    socks: &[Option<Socket>],
    index: usize,
    f: impl FnOnce(&Socket) -> Outcome,
) -> Outcome {
    match socks.get(index).and_then(Option::as_ref) {
        Some(socket) => f(socket),
        None => Outcome::Failed("no such socket".to_owned()),
    }
}

/// A short description of an op for failure reports.
fn describe(op: &Op) -> String {
    match op {
        Op::Send {
            sock,
            start,
            end,
            more,
            cuts,
        } => format!(
            "socket {sock}: send bytes {start}..{end}{}{}",
            if *more { " MSG_MORE" } else { "" },
            if cuts.is_empty() {
                String::new()
            } else {
                format!(" as {} buffers", cuts.len() + 1)
            }
        ),
        Op::Recv { sock, len } => format!("socket {sock}: recvmsg into {len} bytes"),
        Op::Clone { from } => format!("socket {from}: accept (clone)"),
        Op::OneShot { start, end } => format!("one-shot digest of bytes {start}..{end}"),
    }
}

pub fn run(options: &Options) -> kcrypto::Result<bool> {
    let a = crate::resolve(&options.a)?;
    let b = crate::resolve(&options.b)?;
    let seed = options.seed.unwrap_or_else(Rng::fresh_seed);
    println!(
        "diff: family {a} vs {b}, {} rounds, messages up to {} bytes, --seed {seed}",
        options.rounds, options.max_len
    );
    let mut rng = Rng::new(seed);
    let (mut failed, mut calls, mut bytes) = (0, 0, 0);
    for index in 0..options.rounds {
        let round = make_round(&mut rng, options.max_len);
        let (left, right) = (execute(a, &round), execute(b, &round));
        calls += left.len();
        bytes += round.data.len();
        // Outcome 0 is the key, then one per op.
        let mismatch = left
            .iter()
            .zip(&right)
            .position(|(x, y)| x != y)
            .or_else(|| (left.len() != right.len()).then(|| left.len().min(right.len())));
        if let Some(at) = mismatch {
            failed += 1;
            let what = match at {
                0 => "bind/set key".to_owned(),
                n => describe(&round.ops[n - 1]),
            };
            println!(
                "FAIL: diff round {index}: {} key {} bytes, message {} bytes, {} calls; call {at} ({what}):\n  family {a}: {:?}\n  family {b}: {:?}",
                round.algorithm,
                round.key.as_ref().map_or(0, Vec::len),
                round.data.len(),
                round.ops.len(),
                left.get(at),
                right.get(at)
            );
        }
    }
    println!(
        "diff: {} of {} rounds differed ({calls} calls, {bytes} message bytes each side, --seed {seed})",
        failed, options.rounds
    );
    Ok(failed == 0)
}
