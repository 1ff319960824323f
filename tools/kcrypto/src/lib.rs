// SPDX-License-Identifier: GPL-2.0

//! Userspace API of kcrypto, a hardened, copy-based socket interface to the
//! Linux kernel crypto API.
//!
//! kcrypto.ko registers a socket family, `AF_KCRYPTO`, with exactly the
//! userspace ABI of the kernel's AF_ALG (`<linux/if_alg.h>`, kcrypto's
//! `include/uapi/linux/if_kcrypto.h`):
//!
//! 1. `socket(family, SOCK_SEQPACKET, 0)` and `bind()` to a
//!    `struct sockaddr_alg` naming a type (`"hash"`) and an algorithm
//!    (`"sha256"`, `"hmac(sha256)"`) give a *transform socket*;
//! 2. `setsockopt(SOL_ALG, ALG_SET_KEY, key)` keys it;
//! 3. `accept()` on it gives an *operation socket*; data goes in with
//!    `send()` (`MSG_MORE` while more follows) and the digest comes out of
//!    `recv()` (`MSG_TRUNC` in the message flags if the buffer was shorter);
//! 4. `accept()` on an operation socket clones its partial state.
//!
//! This crate wraps that in safe types:
//!
//! * [`Family`] finds the family number: the `KCRYPTO_FAMILY` environment
//!   variable if set (38 points everything at the in-kernel AF_ALG), else
//!   kcrypto.ko's `family` parameter in sysfs;
//! * [`Hash`](struct@Hash) is a bound transform socket with one-shot
//!   [`digest`](Hash::digest), and [`Hasher`] a streaming computation that
//!   implements [`std::io::Write`] and can be cloned mid-stream;
//! * [`Socket`] and [`sockaddr`] expose the raw system calls with any
//!   arguments, for tests of what the kernel does with bad input;
//! * [`Error`] maps the kernel's errnos to variants and keeps the number.
//!
//! Sockets are [`OwnedFd`](std::os::fd::OwnedFd)s, closed on drop.
//!
//! # Examples
//!
//! Hash a file in large chunks:
//!
//! ```no_run
//! use std::{fs::File, io};
//! use kcrypto::Hash;
//!
//! let sha256 = Hash::new("sha256")?;
//! let mut hasher = sha256.hasher()?;
//! io::copy(&mut File::open("/etc/os-release")?, &mut hasher)?;
//! println!("{}", kcrypto::hex::encode(&hasher.finish()?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! HMAC with a key, against the in-kernel AF_ALG explicitly:
//!
//! ```no_run
//! use kcrypto::{Family, Hash};
//!
//! let hmac = Hash::open(Family::AF_ALG, "hmac(sha256)")?;
//! hmac.set_key(b"Jefe")?;
//! let tag = hmac.digest(b"what do ya want for nothing?")?;
//! assert_eq!(
//!     kcrypto::hex::encode(&tag),
//!     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
//! );
//! # Ok::<(), kcrypto::Error>(())
//! ```
//!
//! Tell a missing family apart from other failures:
//!
//! ```no_run
//! match kcrypto::Hash::new("sha256") {
//!     Ok(hash) => println!("family {}", hash.family()),
//!     Err(err) if err.is_unavailable() => eprintln!("skipped: {err}"),
//!     Err(err) => panic!("{err}"),
//! }
//! ```

#![warn(missing_docs)]

mod error;
pub mod family;
mod hash;
pub mod hex;
pub mod sockaddr;
pub mod socket;

pub use error::{Error, Result};
pub use family::Family;
pub use hash::{Hash, Hasher, MAX_DIGEST_SIZE};
pub use sockaddr::SockaddrAlg;
pub use socket::Socket;
