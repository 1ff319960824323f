// SPDX-License-Identifier: GPL-2.0

//! Userspace API of kcrypto, a hardened, copy-based socket interface to the
//! Linux kernel crypto API.
//!
//! kcrypto.ko registers a socket family, `AF_KCRYPTO`, with exactly the
//! userspace ABI of the kernel's AF_ALG (`<linux/if_alg.h>`, kcrypto's
//! `include/uapi/linux/if_kcrypto.h`):
//!
//! 1. `socket(family, SOCK_SEQPACKET, 0)` and `bind()` to a
//!    `struct sockaddr_alg` naming a type (`"hash"`, `"skcipher"`, `"aead"`,
//!    `"rng"`) and an algorithm (`"sha256"`, `"cbc(aes)"`, `"gcm(aes)"`,
//!    `"stdrng"`) give a *transform socket*;
//! 2. `setsockopt(SOL_ALG, ALG_SET_KEY, key)` keys it;
//! 3. `accept()` on it gives an *operation socket*; data goes in with
//!    `send()` (`MSG_MORE` while more follows; ciphers take the direction,
//!    the IV and the associated data length as control messages of the
//!    first part) and the result comes out of `recv()`;
//! 4. `accept()` on a hash operation socket clones its partial state.
//!
//! This crate wraps that in safe types:
//!
//! * [`Family`] finds the family number: the `KCRYPTO_FAMILY` environment
//!   variable if set (38 points everything at the in-kernel AF_ALG), else
//!   kcrypto.ko's `family` parameter in sysfs;
//! * [`Hash`](struct@Hash) is a bound transform socket with one-shot
//!   [`digest`](Hash::digest), and [`Hasher`] a streaming computation that
//!   implements [`std::io::Write`] and can be cloned mid-stream;
//! * [`Cipher`] encrypts and decrypts in one call or as a [`CipherStream`],
//!   [`Aead`] seals and opens (`ct || tag`, [`Error::AuthenticationFailed`]
//!   for a bad tag, streamed input with [`AeadStream`]), [`Rng`] fills
//!   buffers and is an [`io::Read`](std::io::Read); keys can come from the
//!   kernel keyring by serial number;
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
//! Encrypt with AES-256-CBC and seal with AES-GCM:
//!
//! ```no_run
//! use kcrypto::{Aead, Cipher};
//!
//! let cbc = Cipher::with_key("cbc(aes)", &[0x11; 32])?;
//! let iv = [0x22; 16];
//! let ct = cbc.encrypt(&iv, &[0; 64])?;
//! assert_eq!(cbc.decrypt(&iv, &ct)?, [0; 64]);
//!
//! let gcm = Aead::with_key("gcm(aes)", &[0x33; 16])?;
//! let sealed = gcm.seal(&[0x44; 12], b"header", b"payload")?;
//! assert_eq!(gcm.open(&[0x44; 12], b"header", &sealed)?, b"payload");
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

mod aead;
pub mod akcipher;
pub mod cipher;
pub mod driver;
mod error;
pub mod family;
mod hash;
pub mod hex;
mod rng;
pub mod sockaddr;
pub mod socket;
mod transform;

/// What kcrypto counts against an operation socket's `SO_SNDBUF` for the
/// messages and results it holds (Documentation/userspace-api.rst, "Data
/// held by a socket").
pub mod charge {
    /// Per page of a message's input and of its output: the page and its
    /// entry in the buffer's page list.
    pub const PAGE: usize = 4096 + 8;
    /// Per message: its request.
    pub const REQUEST: usize = 2048;
    /// Per record of a `KCRYPTO_SET_RECORDS` `sendmsg`, besides its IV (which
    /// counts at least a byte): its length.
    pub const RECORD: usize = 4;
}

pub use aead::{Aead, AeadStream, MAX_TAG_LEN};
pub use akcipher::{Akcipher, KCRYPTO_OP_VERIFY};
pub use cipher::{Cipher, CipherStream, Direction};
pub use driver::{Class, Driver};
pub use error::{Error, Result};
pub use family::Family;
pub use hash::{Hash, Hasher, MAX_DIGEST_SIZE};
pub use rng::Rng;
pub use sockaddr::SockaddrAlg;
pub use socket::Socket;
