// SPDX-License-Identifier: GPL-2.0

//! Hashes and MACs: sockets of type `"hash"`.

use std::io::{self, IoSlice, IoSliceMut};
use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::family::Family;
use crate::sockaddr::SockaddrAlg;
use crate::socket::{MSG_MORE, SOL_ALG, Socket};
use crate::transform::{KCRYPTO_SET_RECORDS, MAX_RECORDS};

/// The largest digest the kernel's hash API produces (`HASH_MAX_DIGESTSIZE`).
pub const MAX_DIGEST_SIZE: usize = 64;

/// A hash or MAC algorithm: a transform socket bound to it.
///
/// Each [`digest`](Hash::digest) and each [`Hasher`] uses its own operation
/// socket, so one `Hash` serves any number of computations, also from several
/// threads. A keyed algorithm (`hmac(...)`, `cmac(...)`) needs its key before
/// the first computation. Changing the key while a [`Hasher`] exists is
/// refused by AF_ALG ([`Error::Busy`]); kcrypto allows it, and hashers
/// already started keep the key they started with.
///
/// # Examples
///
/// ```no_run
/// use kcrypto::Hash;
///
/// let sha256 = Hash::new("sha256")?;
/// let digest = sha256.digest(b"abc")?;
/// assert_eq!(digest.len(), sha256.digest_size()?);
///
/// let mac = Hash::with_key("hmac(sha256)", b"Jefe")?;
/// let tag = mac.digest(b"what do ya want for nothing?")?;
/// println!("{}", kcrypto::hex::encode(&tag));
/// # Ok::<(), kcrypto::Error>(())
/// ```
#[derive(Debug)]
pub struct Hash {
    socket: Socket,
    family: Family,
    algorithm: String,
    digest_size: OnceLock<usize>,
}

impl Hash {
    /// Binds `algorithm` in the family [`Family::discover`] finds.
    ///
    /// # Errors
    ///
    /// The errors of [`Family::discover`] and of [`Hash::open`].
    pub fn new(algorithm: &str) -> Result<Hash> {
        Hash::open(Family::discover()?, algorithm)
    }

    /// Binds the keyed `algorithm` in the discovered family and sets its key.
    ///
    /// # Errors
    ///
    /// As [`Hash::new`], and those of [`Hash::set_key`].
    pub fn with_key(algorithm: &str, key: &[u8]) -> Result<Hash> {
        let hash = Hash::new(algorithm)?;
        hash.set_key(key)?;
        Ok(hash)
    }

    /// Binds `algorithm` in `family`.
    ///
    /// # Errors
    ///
    /// [`Error::FamilyNotRegistered`] if the family does not exist,
    /// [`Error::NotFound`] for an unknown algorithm, [`Error::NameTooLong`] or
    /// [`Error::InvalidArgument`] for a name that does not fit `sockaddr_alg`.
    pub fn open(family: Family, algorithm: &str) -> Result<Hash> {
        let addr = SockaddrAlg::new(family, "hash", algorithm)?;
        let socket = Socket::new(family).map_err(|err| match err.raw_os_error() {
            Some(libc::EAFNOSUPPORT) => Error::FamilyNotRegistered {
                family: family.number(),
            },
            _ => Error::from(err),
        })?;
        socket.bind(&addr)?;
        Ok(Hash {
            socket,
            family,
            algorithm: algorithm.to_owned(),
            digest_size: OnceLock::new(),
        })
    }

    /// Sets the key of a keyed algorithm, for computations started from now on.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a key length the algorithm rejects,
    /// [`Error::Other`] with `ENOSYS` for an unkeyed algorithm, and on AF_ALG
    /// [`Error::Busy`] while a [`Hasher`] of this `Hash` exists. A refused key
    /// leaves no usable key.
    pub fn set_key(&self, key: &[u8]) -> Result<()> {
        Ok(self.socket.set_key(key)?)
    }

    /// The algorithm name this `Hash` is bound to.
    pub fn algorithm(&self) -> &str {
        &self.algorithm
    }

    /// The socket family this `Hash` uses.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The digest size in bytes, measured once by computing an empty digest
    /// (the kernel returns at most the digest size).
    ///
    /// # Errors
    ///
    /// Those of [`Hash::hasher`] and [`Hasher::finish`]; [`Error::NoKey`] for a
    /// keyed algorithm without its key.
    pub fn digest_size(&self) -> Result<usize> {
        if let Some(&size) = self.digest_size.get() {
            return Ok(size);
        }
        let size = self.hasher()?.finish()?.len();
        Ok(*self.digest_size.get_or_init(|| size))
    }

    /// The digest of `data` in one operation: one `send` without `MSG_MORE`,
    /// then `recv`.
    ///
    /// # Errors
    ///
    /// [`Error::NoKey`] for a keyed algorithm without its key,
    /// [`Error::StateLost`] if the kernel took only part of `data`, and any
    /// error of the system calls.
    pub fn digest(&self, data: &[u8]) -> Result<Vec<u8>> {
        let op = self.socket.accept()?;
        if !data.is_empty() {
            let sent = op.send(data, 0)?;
            if sent != data.len() {
                return Err(Error::StateLost);
            }
        }
        receive_digest(&op)
    }

    /// The digests of many messages, two system calls per 64 of them
    /// (kcrypto only): an operation socket in record mode
    /// (`KCRYPTO_SET_RECORDS`) takes one message per iovec of a `sendmsg`
    /// and returns one digest per iovec of a `recvmsg`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use kcrypto::Hash;
    ///
    /// let hash = Hash::new("sha256")?;
    /// let digests = hash.digest_many(&[b"abc".as_slice(), b"", b"more"])?;
    /// assert_eq!(digests.len(), 3);
    /// assert_eq!(digests[0], hash.digest(b"abc")?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NoKey`] for a keyed algorithm without its key,
    /// `EOPNOTSUPP`/`ENOPROTOOPT` from AF_ALG, which has no record mode, and
    /// any error of the system calls.
    pub fn digest_many(&self, messages: &[&[u8]]) -> Result<Vec<Vec<u8>>> {
        let size = self.digest_size()?;
        let op = self.socket.accept()?;
        op.set_option_int(SOL_ALG, KCRYPTO_SET_RECORDS, 1)?;
        let mut digests = Vec::with_capacity(messages.len());
        for batch in messages.chunks(MAX_RECORDS) {
            let slices: Vec<IoSlice<'_>> = batch.iter().map(|m| IoSlice::new(m)).collect();
            let sent = op.send_vectored(&slices, 0)?;
            if sent != batch.iter().map(|m| m.len()).sum::<usize>() {
                return Err(Error::StateLost);
            }
            let mut out = vec![vec![0u8; size]; batch.len()];
            let mut bufs: Vec<IoSliceMut<'_>> =
                out.iter_mut().map(|d| IoSliceMut::new(d)).collect();
            let (len, _) = op.recv_vectored(&mut bufs, 0)?;
            if len != size * batch.len() {
                return Err(Error::StateLost);
            }
            digests.extend(out);
        }
        Ok(digests)
    }

    /// A new streaming computation.
    ///
    /// # Errors
    ///
    /// Those of `accept()`. A keyed algorithm without its key gives
    /// [`Error::NoKey`] here on kcrypto, and at the first send or at
    /// [`Hasher::finish`] on AF_ALG.
    pub fn hasher(&self) -> Result<Hasher> {
        Ok(Hasher {
            socket: self.socket.accept()?,
            lost: false,
        })
    }

    /// The transform socket, for operations this API does not cover.
    pub fn socket(&self) -> &Socket {
        &self.socket
    }
}

/// One streaming hash computation: an operation socket.
///
/// Every write is a `send` with `MSG_MORE`; [`finish`](Hasher::finish)
/// receives the digest. [`try_clone`](Hasher::try_clone) copies the state
/// reached so far into a new, independent `Hasher`.
///
/// After a failed (or short) send the kernel has dropped the partial state, so
/// every later call returns [`Error::StateLost`] instead of a wrong digest.
///
/// # Examples
///
/// ```no_run
/// use std::io::Write;
/// use kcrypto::Hash;
///
/// let hash = Hash::new("sha256")?;
/// let mut hasher = hash.hasher()?;
/// hasher.write_all(b"common prefix, ")?;
/// let mut other = hasher.try_clone()?;
/// hasher.update(b"one ending")?;
/// other.update(b"another ending")?;
/// let (a, b) = (hasher.finish()?, other.finish()?);
/// assert_ne!(a, b);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Hasher {
    socket: Socket,
    lost: bool,
}

impl Hasher {
    /// Feeds all of `data` (nothing is sent for an empty slice).
    ///
    /// # Errors
    ///
    /// [`Error::StateLost`] after an earlier failure; otherwise the error of
    /// the send, after which the `Hasher` is unusable.
    pub fn update(&mut self, mut data: &[u8]) -> Result<()> {
        while !data.is_empty() {
            let sent = self.send_more(data)?;
            data = &data[sent..];
        }
        Ok(())
    }

    /// The digest of everything fed so far.
    ///
    /// # Errors
    ///
    /// [`Error::StateLost`] after an earlier failure, [`Error::NoKey`] for a
    /// keyed algorithm without its key, and any error of `recv`.
    pub fn finish(self) -> Result<Vec<u8>> {
        if self.lost {
            return Err(Error::StateLost);
        }
        receive_digest(&self.socket)
    }

    /// A new `Hasher` that continues from the state reached so far
    /// (`accept()` on the operation socket).
    ///
    /// # Errors
    ///
    /// [`Error::StateLost`] after an earlier failure, and those of `accept()`.
    pub fn try_clone(&self) -> Result<Hasher> {
        if self.lost {
            return Err(Error::StateLost);
        }
        Ok(Hasher {
            socket: self.socket.accept()?,
            lost: false,
        })
    }

    /// The operation socket, for operations this API does not cover.
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// One send with `MSG_MORE` of a non-empty `data`; returns the length sent.
    fn send_more(&mut self, data: &[u8]) -> Result<usize> {
        if self.lost {
            return Err(Error::StateLost);
        }
        match self.socket.send(data, MSG_MORE) {
            Ok(sent) if sent == data.len() => Ok(sent),
            // AF_ALG takes less than everything only when it failed midway,
            // and then it has reset the hash.
            Ok(_) => {
                self.lost = true;
                Err(Error::StateLost)
            }
            Err(err) => {
                self.lost = true;
                Err(Error::from(err))
            }
        }
    }
}

impl io::Write for Hasher {
    /// Sends `buf` with `MSG_MORE`; all of it or an error.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        Ok(self.send_more(buf)?)
    }

    /// Nothing to flush: every write reached the kernel.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Receives a digest of any size the kernel has.
fn receive_digest(op: &Socket) -> Result<Vec<u8>> {
    let mut buf = [0; MAX_DIGEST_SIZE];
    let len = op.recv(&mut buf, 0)?;
    Ok(buf[..len].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A hasher over one end of an AF_UNIX socket pair, and the other end.
    fn unix_hasher() -> (Hasher, Socket) {
        let (ours, peer) = crate::socket::seqpacket_pair();
        let hasher = Hasher {
            socket: ours,
            lost: false,
        };
        (hasher, peer)
    }

    #[test]
    fn writes_are_sends_and_finish_receives() {
        let (mut hasher, peer) = unix_hasher();
        hasher.write_all(b"abc").expect("write");
        hasher.update(b"").expect("empty update sends nothing");
        assert_eq!(hasher.write(b"").expect("empty write"), 0);
        let mut buf = [0; 16];
        // One record: the empty writes sent nothing.
        assert_eq!(peer.recv(&mut buf, 0).expect("recv"), 3);
        assert_eq!(&buf[..3], b"abc");

        peer.send(&[0x5a; 20], 0).expect("send digest");
        assert_eq!(hasher.finish().expect("finish"), [0x5a; 20]);
    }

    #[test]
    fn a_failed_send_loses_the_state_for_good() {
        let (mut hasher, peer) = unix_hasher();
        drop(peer);
        let err = hasher.update(b"abc").expect_err("peer closed");
        assert_eq!(err.errno(), Some(libc::EPIPE), "{err:?}");
        assert!(matches!(hasher.update(b"more"), Err(Error::StateLost)));
        let err = hasher.write(b"more").expect_err("lost");
        assert!(matches!(Error::from(err), Error::StateLost));
        assert!(matches!(hasher.try_clone(), Err(Error::StateLost)));
        assert!(matches!(hasher.finish(), Err(Error::StateLost)));
    }

    #[test]
    fn digests_longer_than_the_maximum_are_cut() {
        let (hasher, peer) = unix_hasher();
        peer.send(&[1; 100], 0).expect("send");
        assert_eq!(hasher.finish().expect("finish").len(), MAX_DIGEST_SIZE);
    }
}
