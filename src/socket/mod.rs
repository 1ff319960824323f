// SPDX-License-Identifier: GPL-2.0

//! The state of an `AF_KCRYPTO` socket and the rules for moving between states.
//!
//! ```text
//!   socket() ──> Unbound ──bind()──> Bound ──accept()──> Operation ──accept()──> Operation
//!                                     │ setsockopt(ALG_SET_KEY)          (copies the state)
//! ```
//!
//! A bound socket holds the transform (algorithm and key); an operation socket holds a
//! reference to the transform it was accepted with plus its own request state, so closing or
//! re-keying the bound socket never affects operations already accepted.
//!
//! Locking: each socket's state sits behind its own mutex, held for the whole of every call
//! (including crypto work and user copies), so concurrent calls on one socket are serialised.
//! A call holds at most one socket's mutex, except `accept`, which holds the parent's while it
//! builds the child, whose mutex nobody else can see yet.

pub(crate) mod adapter;
pub(crate) mod addr;

use kernel::{bindings, prelude::*, sync::Mutex};

use crate::{
    buffer::SecretBuf,
    crypto::{self, AlgInfo},
    errno::Errno,
    keys, limits,
    msg::Msg,
    ops::{
        aead::{AeadOp, AeadTransform},
        akcipher::{AkcipherOp, AkcipherTransform},
        hash::{HashOp, HashTransform},
        rng::{RngOp, RngTransform},
        skcipher::{SkcipherOp, SkcipherTransform},
        Algorithm,
    },
    policy,
};

// Options of a bound socket (<linux/if_alg.h>, which the kernel crate's bindings lack).
/// `ALG_SET_KEY`: set the key.
const ALG_SET_KEY: i32 = 1;
/// `ALG_SET_AEAD_AUTHSIZE`: the tag size of an AEAD, in `optlen` (no value).
const ALG_SET_AEAD_AUTHSIZE: i32 = 5;
/// `ALG_SET_DRBG_ENTROPY`: fixed entropy for a DRBG (CAVP testing).
const ALG_SET_DRBG_ENTROPY: i32 = 6;
/// `ALG_SET_KEY_BY_KEY_SERIAL`: the key is the payload of a key in the caller's keyrings.
const ALG_SET_KEY_BY_KEY_SERIAL: i32 = 7;

// kcrypto's own options (include/uapi/linux/if_kcrypto.h).
/// `KCRYPTO_GET_DRIVER`: the implementation serving a bound or operation socket.
const KCRYPTO_GET_DRIVER: i32 = 64;
/// `KCRYPTO_LIST_ALGS`: every implementation a caller may bind to.
const KCRYPTO_LIST_ALGS: i32 = 65;
/// `KCRYPTO_SET_RECORDS`: one message per iovec on a hash or cipher operation socket.
const KCRYPTO_SET_RECORDS: i32 = 66;

enum State {
    Unbound,
    Bound(Transform),
    Operation(Operation),
}

enum Transform {
    Hash(HashTransform),
    Skcipher(SkcipherTransform),
    Aead(AeadTransform),
    Rng(RngTransform),
    Akcipher(AkcipherTransform),
}

impl Transform {
    fn info(&self) -> AlgInfo {
        match self {
            Transform::Hash(hash) => hash.info(),
            Transform::Skcipher(cipher) => cipher.info(),
            Transform::Aead(aead) => aead.info(),
            Transform::Rng(rng) => rng.info(),
            Transform::Akcipher(akcipher) => akcipher.info(),
        }
    }

    fn set_key(&mut self, key: &[u8]) -> Result {
        match self {
            Transform::Hash(hash) => hash.set_key(key),
            Transform::Skcipher(cipher) => cipher.set_key(key),
            Transform::Aead(aead) => aead.set_key(key),
            Transform::Rng(rng) => rng.set_key(key),
            Transform::Akcipher(akcipher) => akcipher.set_key(key),
        }
    }
}

enum Operation {
    Hash(HashOp),
    Skcipher(SkcipherOp),
    Aead(AeadOp),
    Rng(RngOp),
    Akcipher(AkcipherOp),
}

impl Operation {
    fn info(&self) -> AlgInfo {
        match self {
            Operation::Hash(op) => op.info(),
            Operation::Skcipher(op) => op.info(),
            Operation::Aead(op) => op.info(),
            Operation::Rng(op) => op.info(),
            Operation::Akcipher(op) => op.info(),
        }
    }
}

/// The private state of one socket.
#[pin_data]
pub(crate) struct Socket {
    #[pin]
    state: Mutex<State>,
}

impl Socket {
    fn new(state: State) -> impl PinInit<Self> {
        pin_init!(Self {
            state <- kernel::new_mutex!(state, "kcrypto_socket"),
        })
    }

    /// A new, unbound socket.
    pub(crate) fn unbound() -> impl PinInit<Self> {
        Self::new(State::Unbound)
    }

    /// Binds to the algorithm named by `addr` (a `struct sockaddr_alg`).
    pub(crate) fn bind(&self, addr: &[u8], family: u16) -> Result {
        let addr = addr::parse(addr, family)?;
        let mut state = self.state.lock();
        match *state {
            State::Unbound => {}
            // A socket binds once (AF_ALG allows rebinding a socket without children).
            State::Bound(_) => return Err(EINVAL),
            State::Operation(_) => return Err(Errno::NotSupported.into()),
        }
        // The only place a name reaches the crypto API from userspace.
        policy::check(addr.kind.name(), addr.name)?;
        let alg = Algorithm::new(addr.name, addr.kind.name(), addr.feat, addr.mask)?;
        let transform = match addr.kind {
            addr::Kind::Hash => Transform::Hash(HashTransform::new(alg)?),
            addr::Kind::Skcipher => Transform::Skcipher(SkcipherTransform::new(alg)?),
            addr::Kind::Aead => Transform::Aead(AeadTransform::new(alg)?),
            addr::Kind::Rng => Transform::Rng(RngTransform::new(alg)?),
            addr::Kind::Akcipher => Transform::Akcipher(AkcipherTransform::new(alg)?),
        };
        *state = State::Bound(transform);
        Ok(())
    }

    /// Creates the state of a socket accepted from this one.
    pub(crate) fn accept(&self) -> Result<impl PinInit<Self>> {
        let state = self.state.lock();
        let child = match &*state {
            State::Unbound => return Err(EINVAL),
            State::Bound(Transform::Hash(hash)) => Operation::Hash(hash.accept()?),
            State::Bound(Transform::Skcipher(cipher)) => Operation::Skcipher(cipher.accept()?),
            State::Bound(Transform::Aead(aead)) => Operation::Aead(aead.accept()?),
            State::Bound(Transform::Rng(rng)) => Operation::Rng(rng.accept()),
            State::Bound(Transform::Akcipher(akcipher)) => Operation::Akcipher(akcipher.accept()?),
            State::Operation(Operation::Hash(op)) => Operation::Hash(op.try_clone()?),
            // Only a hash has a state worth copying.
            State::Operation(_) => return Err(Errno::NotSupported.into()),
        };
        Ok(Self::new(State::Operation(child)))
    }

    /// Handles `setsockopt` at level `SOL_ALG`; `read` copies the option value in.
    ///
    /// As in AF_ALG, anything but an option of a bound socket is `ENOPROTOOPT`, except
    /// kcrypto's `KCRYPTO_SET_RECORDS` on an operation socket (hash, skcipher and aead only:
    /// `EOPNOTSUPP` for the others).
    pub(crate) fn set_option(
        &self,
        level: i32,
        name: i32,
        len: usize,
        read: impl FnOnce(&mut [u8]) -> Result,
    ) -> Result {
        if level != bindings::SOL_ALG as i32 {
            return Err(Errno::NoProtocolOption.into());
        }
        let mut state = self.state.lock();
        let transform = match (&mut *state, name) {
            (State::Bound(transform), _) => transform,
            (State::Operation(op), KCRYPTO_SET_RECORDS) => {
                let mut value = [0u8; 4];
                if len != value.len() {
                    return Err(EINVAL);
                }
                read(&mut value)?;
                let on = match i32::from_ne_bytes(value) {
                    0 => false,
                    1 => true,
                    _ => return Err(EINVAL),
                };
                return match op {
                    Operation::Hash(hash) => hash.set_records(on),
                    Operation::Skcipher(cipher) => cipher.set_records(on),
                    Operation::Aead(aead) => aead.set_records(on),
                    _ => Err(Errno::NotSupported.into()),
                };
            }
            _ => return Err(Errno::NoProtocolOption.into()),
        };
        match (name, transform) {
            (ALG_SET_KEY, transform) => {
                let key = read_secret(len, read)?;
                transform.set_key(&key)
            }
            (ALG_SET_KEY_BY_KEY_SERIAL, transform) => {
                let mut serial = [0u8; 4];
                if len != serial.len() {
                    return Err(EINVAL);
                }
                read(&mut serial)?;
                let key = keys::read(i32::from_ne_bytes(serial))?;
                transform.set_key(&key)
            }
            // The tag size is the option's length; there is no value to read.
            (ALG_SET_AEAD_AUTHSIZE, Transform::Aead(aead)) => aead.set_tag_size(len),
            (ALG_SET_DRBG_ENTROPY, Transform::Rng(rng)) => {
                if !keys::capable_sys_admin() {
                    return Err(EPERM);
                }
                if len == 0 {
                    return Err(EINVAL);
                }
                let entropy = read_secret(len, read)?;
                rng.set_entropy(&entropy)
            }
            _ => Err(Errno::NoProtocolOption.into()),
        }
    }

    /// Handles `getsockopt` at level `SOL_ALG`: writes at most `buf.len()` bytes of the answer
    /// into `buf` and returns its whole length.
    pub(crate) fn get_option(&self, name: i32, buf: &mut [u8]) -> Result<usize> {
        let info = match (name, &*self.state.lock()) {
            (KCRYPTO_LIST_ALGS, _) => return crypto::list_algorithms(buf),
            (KCRYPTO_GET_DRIVER, State::Bound(transform)) => transform.info(),
            (KCRYPTO_GET_DRIVER, State::Operation(op)) => op.info(),
            _ => return Err(Errno::NoProtocolOption.into()),
        };
        let bytes = info.as_bytes();
        if let Some(out) = buf.get_mut(..bytes.len()) {
            out.copy_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    /// Handles `sendmsg`: only operation sockets take data.
    pub(crate) fn send(&self, msg: &mut Msg<'_>) -> Result<usize> {
        match &mut *self.state.lock() {
            State::Operation(Operation::Hash(op)) => op.send(msg),
            State::Operation(Operation::Skcipher(op)) => op.send(msg),
            State::Operation(Operation::Aead(op)) => op.send(msg),
            State::Operation(Operation::Rng(op)) => op.send(msg),
            State::Operation(Operation::Akcipher(op)) => op.send(msg),
            State::Unbound | State::Bound(_) => Err(Errno::NotSupported.into()),
        }
    }

    /// Reports whether `recvmsg` has something to return, whether `sendmsg` has room (under a
    /// send buffer of `sndbuf()` bytes) and the memory the socket's messages and results take
    /// to `publish`, with the state locked so that reports from concurrent calls cannot land
    /// out of order.
    pub(crate) fn publish_ready(
        &self,
        publish: impl FnOnce(bool, bool, usize),
        sndbuf: impl FnOnce() -> usize,
    ) {
        let state = self.state.lock();
        let ((readable, writable), held) = match &*state {
            State::Operation(Operation::Hash(op)) => (op.ready(), 0),
            State::Operation(Operation::Skcipher(op)) => (op.ready(sndbuf()), op.held()),
            State::Operation(Operation::Aead(op)) => (op.ready(sndbuf()), op.held()),
            State::Operation(Operation::Rng(_)) => ((true, false), 0),
            State::Operation(Operation::Akcipher(op)) => (op.ready(sndbuf()), op.held()),
            State::Unbound | State::Bound(_) => ((false, false), 0),
        };
        publish(readable, writable, held);
    }

    /// Handles `recvmsg` for a buffer of `len` bytes; without `wait` (`MSG_DONTWAIT`), a
    /// result still with its driver is `EAGAIN`.
    pub(crate) fn receive(&self, msg: &mut Msg<'_>, len: usize, wait: bool) -> Result<usize> {
        match &mut *self.state.lock() {
            State::Operation(Operation::Hash(op)) => op.receive(msg, len),
            State::Operation(Operation::Skcipher(op)) => op.receive(msg, len, wait),
            State::Operation(Operation::Aead(op)) => op.receive(msg, len, wait),
            State::Operation(Operation::Rng(op)) => op.receive(msg, len),
            State::Operation(Operation::Akcipher(op)) => op.receive(msg, len, wait),
            State::Unbound | State::Bound(_) => Err(Errno::NotSupported.into()),
        }
    }
}

/// Copies a key-sized option value in; `EMSGSIZE` over [`limits::MAX_KEY_BYTES`].
fn read_secret(len: usize, read: impl FnOnce(&mut [u8]) -> Result) -> Result<SecretBuf> {
    if len > limits::MAX_KEY_BYTES {
        return Err(Errno::MessageSize.into());
    }
    let mut buf = SecretBuf::zeroed(len)?;
    read(&mut buf)?;
    Ok(buf)
}

#[cfg(CONFIG_KUNIT = "y")]
mod tests {
    use super::*;
    use crate::family;
    use core::cell::Cell;
    use kernel::error::Error;

    const SOL_ALG: i32 = bindings::SOL_ALG as i32;

    fn hash_addr(name: &[u8]) -> [u8; 88] {
        let mut addr = [0u8; 88];
        addr[..2].copy_from_slice(&family::number().to_ne_bytes());
        addr[2..6].copy_from_slice(b"hash");
        addr[24..24 + name.len()].copy_from_slice(name);
        addr
    }

    kunit_case!(kcrypto_test_socket_options, |t| {
        let sock = kunit_try!(t, KBox::pin_init(Socket::unbound(), GFP_KERNEL));
        let reads = Cell::new(0);
        let read = |buf: &mut [u8]| {
            reads.set(reads.get() + 1);
            buf.fill(0x0b);
            Ok(())
        };
        let no_option = Error::from(Errno::NoProtocolOption);

        // Nothing is read from userspace for a call that is refused.
        let unbound = sock.set_option(SOL_ALG, ALG_SET_KEY, 16, read);
        kunit_expect_eq!(t, unbound, Err(no_option));
        let addr = hash_addr(b"hmac(sha256)\0");
        kunit_try!(t, sock.bind(&addr, family::number()));
        let too_big = Error::from(Errno::MessageSize);
        let key_len = limits::MAX_KEY_BYTES + 1;
        let big = sock.set_option(SOL_ALG, ALG_SET_KEY, key_len, read);
        kunit_expect_eq!(t, big, Err(too_big));
        let other_level = sock.set_option(0, ALG_SET_KEY, 16, read);
        kunit_expect_eq!(t, other_level, Err(no_option));
        let unknown = sock.set_option(SOL_ALG, 99, 16, read);
        kunit_expect_eq!(t, unknown, Err(no_option));
        kunit_expect_eq!(t, reads.get(), 0);

        // A key that cannot be copied in leaves the socket without a key.
        let fault = sock.set_option(SOL_ALG, ALG_SET_KEY, 20, |_| Err(EFAULT));
        kunit_expect_eq!(t, fault, Err(EFAULT));
        kunit_expect_eq!(t, sock.accept().err(), Some(Error::from(Errno::NoKey)));

        kunit_try!(t, sock.set_option(SOL_ALG, ALG_SET_KEY, 20, read));
        kunit_expect_eq!(t, reads.get(), 1);
        let child = kunit_try!(t, sock.accept());
        let child = kunit_try!(t, KBox::pin_init(child, GFP_KERNEL));
        // Operation sockets take no options and cannot be bound; a socket binds once.
        let child_key = child.set_option(SOL_ALG, ALG_SET_KEY, 16, read);
        kunit_expect_eq!(t, child_key, Err(no_option));
        let sha256 = hash_addr(b"sha256\0");
        let rebind = child.bind(&sha256, family::number());
        kunit_expect_eq!(t, rebind, Err(Error::from(Errno::NotSupported)));
        kunit_expect_eq!(t, sock.bind(&sha256, family::number()), Err(EINVAL));
    });
}
