// SPDX-License-Identifier: GPL-2.0

//! ABI corner cases on two families.
//!
//! *Strict* probes are behaviour the AF_ALG ABI defines and programs rely on:
//! the two families must answer alike. *Info* probes are cases where kcrypto
//! documents another answer (Documentation/userspace-api.rst: `ENOKEY` from
//! `accept` without a key, keys per operation instead of `EBUSY`, one bind
//! per socket, names NUL-terminated within the address) or where a hardened
//! family may rightly differ: both answers are printed, and a difference is
//! not a failure.

use kcrypto::socket::{MSG_MORE, MSG_TRUNC};
use kcrypto::{Family, SockaddrAlg, Socket, hex, sockaddr};

use crate::diff::Options;

type Probe = fn(Family) -> Vec<String>;

/// Collects the result of each step of a probe as text.
struct Trace(Vec<String>);

impl Trace {
    fn step<T>(&mut self, what: &str, result: std::io::Result<T>) -> Option<T> {
        match result {
            Ok(value) => {
                self.0.push(format!("{what}: ok"));
                Some(value)
            }
            Err(err) => {
                let errno = err.raw_os_error().unwrap_or(0);
                self.0
                    .push(format!("{what}: {}", kcrypto::Error::from_errno(errno)));
                None
            }
        }
    }

    fn note(&mut self, text: String) {
        self.0.push(text);
    }
}

fn bound(family: Family, trace: &mut Trace, name: &str) -> Option<Socket> {
    let socket = trace.step("socket", Socket::new(family))?;
    let addr = SockaddrAlg::new(family, "hash", name).ok()?;
    trace.step(&format!("bind {name}"), socket.bind(&addr))?;
    Some(socket)
}

fn run_probe(body: impl FnOnce(&mut Trace)) -> Vec<String> {
    let mut trace = Trace(Vec::new());
    body(&mut trace);
    trace.0
}

const STRICT: &[(&str, Probe)] = &[
    ("unknown algorithm", |f| {
        run_probe(|t| {
            bound(f, t, "no-such-algorithm");
        })
    }),
    ("unknown type", |f| {
        run_probe(|t| {
            if let Some(s) = t.step("socket", Socket::new(f)) {
                let addr = SockaddrAlg::new(f, "no-such-type", "sha256");
                if let Ok(addr) = addr {
                    t.step("bind", s.bind(&addr));
                }
            }
        })
    }),
    ("accept on an unbound socket", |f| {
        run_probe(|t| {
            if let Some(s) = t.step("socket", Socket::new(f)) {
                t.step("accept", s.accept());
            }
        })
    }),
    ("address without a name (24 bytes)", |f| {
        run_probe(|t| {
            if let Some(s) = t.step("socket", Socket::new(f)) {
                let raw = sockaddr::encode_raw(f.sa_family(), b"hash", 0, 0, b"");
                t.step("bind", s.bind_raw(&raw));
            }
        })
    }),
    ("feature bits not allowed", |f| {
        run_probe(|t| {
            if let Some(s) = t.step("socket", Socket::new(f)) {
                if let Ok(addr) = SockaddrAlg::new(f, "hash", "sha256") {
                    t.step("bind feat=1", s.bind(&addr.clone().with_feat_mask(1, 0)));
                    t.step("bind mask=1", s.bind(&addr.with_feat_mask(0, 1)));
                }
            }
        })
    }),
    ("send on a transform socket", |f| {
        run_probe(|t| {
            if let Some(s) = bound(f, t, "sha256") {
                t.step("send", s.send(b"abc", 0));
            }
        })
    }),
    ("short receive buffer", |f| {
        run_probe(|t| {
            if let Some(s) = bound(f, t, "sha256") {
                if let Some(op) = t.step("accept", s.accept()) {
                    t.step("send", op.send(b"abc", 0));
                    let mut buf = [0; 16];
                    if let Some((len, flags)) = t.step("recvmsg", op.recv_msg(&mut buf, 0)) {
                        t.note(format!(
                            "len {len} MSG_TRUNC {} {}",
                            flags & MSG_TRUNC != 0,
                            hex::encode(&buf[..len.min(16)])
                        ));
                    }
                }
            }
        })
    }),
    ("receive twice, and before any send", |f| {
        run_probe(|t| {
            if let Some(s) = bound(f, t, "sha256") {
                if let Some(op) = t.step("accept", s.accept()) {
                    for what in ["recv before send", "send", "recv", "recv again"] {
                        if what == "send" {
                            t.step(what, op.send(b"abc", MSG_MORE));
                            continue;
                        }
                        let mut buf = [0; 64];
                        if let Some(len) = t.step(what, op.recv(&mut buf, 0)) {
                            t.note(hex::encode(&buf[..len.min(64)]));
                        }
                    }
                }
            }
        })
    }),
    ("clone of a fresh operation socket", |f| {
        run_probe(|t| {
            if let Some(s) = bound(f, t, "sha256") {
                if let Some(op) = t.step("accept", s.accept()) {
                    if let Some(clone) = t.step("clone", op.accept()) {
                        let mut buf = [0; 64];
                        if let Some(len) = t.step("recv on clone", clone.recv(&mut buf, 0)) {
                            t.note(hex::encode(&buf[..len.min(64)]));
                        }
                    }
                }
            }
        })
    }),
];

const INFO: &[(&str, Probe)] = &[
    ("keyed algorithm without a key", |f| {
        run_probe(|t| {
            if let Some(s) = bound(f, t, "hmac(sha256)") {
                if let Some(op) = t.step("accept", s.accept()) {
                    t.step("send", op.send(b"abc", MSG_MORE));
                    t.step("recv", op.recv(&mut [0; 64], 0));
                }
            }
        })
    }),
    ("key set after accept", |f| {
        run_probe(|t| {
            if let Some(s) = bound(f, t, "hmac(sha256)") {
                t.step("set key", s.set_key(b"key"));
                let op = t.step("accept", s.accept());
                t.step("set key again", s.set_key(b"other key"));
                drop(op);
                t.step("set key after close", s.set_key(b"other key"));
            }
        })
    }),
    ("accept before the key, then key the transform", |f| {
        run_probe(|t| {
            if let Some(s) = bound(f, t, "hmac(sha256)") {
                let op = t.step("accept", s.accept());
                t.step("set key", s.set_key(b"key"));
                if let Some(op) = op {
                    t.step("send", op.send(b"abc", 0));
                    let mut buf = [0; 64];
                    if let Some(len) = t.step("recv", op.recv(&mut buf, 0)) {
                        t.note(hex::encode(&buf[..len.min(64)]));
                    }
                }
            }
        })
    }),
    ("64-byte name without NUL", |f| {
        run_probe(|t| {
            if let Some(s) = t.step("socket", Socket::new(f)) {
                let raw = sockaddr::encode_raw(f.sa_family(), b"hash\0", 0, 0, &[b'a'; 64]);
                t.step("bind", s.bind_raw(&raw));
            }
        })
    }),
    ("sha256 name without NUL, 64-byte field", |f| {
        run_probe(|t| {
            if let Some(s) = t.step("socket", Socket::new(f)) {
                let mut name = [b' '; 64];
                name[..6].copy_from_slice(b"sha256");
                let raw = sockaddr::encode_raw(f.sa_family(), b"hash\0", 0, 0, &name);
                t.step("bind", s.bind_raw(&raw));
            }
        })
    }),
    ("100-byte name (sockaddr_alg_new)", |f| {
        run_probe(|t| {
            if let Some(s) = t.step("socket", Socket::new(f)) {
                let mut name = vec![b'a'; 100];
                name.push(0);
                let raw = sockaddr::encode_raw(f.sa_family(), b"hash\0", 0, 0, &name);
                t.step("bind", s.bind_raw(&raw));
            }
        })
    }),
    ("type without NUL", |f| {
        run_probe(|t| {
            if let Some(s) = t.step("socket", Socket::new(f)) {
                let mut name = [0; 64];
                name[..6].copy_from_slice(b"sha256");
                let raw = sockaddr::encode_raw(f.sa_family(), b"hashhashhashha", 0, 0, &name);
                t.step("bind", s.bind_raw(&raw));
            }
        })
    }),
    ("bind twice", |f| {
        run_probe(|t| {
            if let Some(s) = bound(f, t, "sha256") {
                if let Ok(addr) = SockaddrAlg::new(f, "hash", "sha512") {
                    t.step("bind sha512", s.bind(&addr));
                }
            }
        })
    }),
    ("key for an unkeyed hash", |f| {
        run_probe(|t| {
            if let Some(s) = bound(f, t, "sha256") {
                t.step("set key", s.set_key(b"key"));
            }
        })
    }),
    ("empty HMAC key", |f| {
        run_probe(|t| {
            if let Some(s) = bound(f, t, "hmac(sha256)") {
                t.step("set key", s.set_key(b""));
            }
        })
    }),
    ("zero-length address", |f| {
        run_probe(|t| {
            if let Some(s) = t.step("socket", Socket::new(f)) {
                t.step("bind", s.bind_raw(&[]));
            }
        })
    }),
    ("SOCK_STREAM socket", |f| {
        run_probe(|t| {
            t.step("socket", Socket::new_raw(f.number(), libc::SOCK_STREAM, 0));
        })
    }),
];

pub fn run(options: &Options) -> kcrypto::Result<bool> {
    let a = crate::resolve(&options.a)?;
    let b = crate::resolve(&options.b)?;
    println!("abi: family {a} vs {b}");
    let mut failed = 0;
    for (name, probe) in STRICT {
        let (left, right) = (probe(a), probe(b));
        if left == right {
            println!("pass: abi: {name}: {}", left.join(", "));
        } else {
            failed += 1;
            println!(
                "FAIL: abi: {name}:\n  family {a}: {}\n  family {b}: {}",
                left.join(", "),
                right.join(", ")
            );
        }
    }
    for (name, probe) in INFO {
        let (left, right) = (probe(a), probe(b));
        if left == right {
            println!("info: abi: {name}: same: {}", left.join(", "));
        } else {
            println!(
                "info: abi: {name}: differs (allowed):\n  family {a}: {}\n  family {b}: {}",
                left.join(", "),
                right.join(", ")
            );
        }
    }
    println!("abi: {failed} of {} strict probes differed", STRICT.len());
    Ok(failed == 0)
}
