// SPDX-License-Identifier: GPL-2.0

//! A thin, unchecked wrapper over the socket system calls.
//!
//! [`Socket`] passes its arguments to the kernel unchanged and returns the
//! kernel's answer as an [`io::Error`]: it is for tests of the ABI and for
//! operations the high-level API does not cover. [`Hash`](crate::Hash) is
//! built on it.

use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::ptr;

use crate::family::Family;
use crate::sockaddr::SockaddrAlg;

/// The socket option level of AF_ALG and kcrypto (`SOL_ALG`).
pub const SOL_ALG: i32 = 279;
/// Sets the key of a transform socket (`ALG_SET_KEY`).
pub const ALG_SET_KEY: i32 = 1;
/// Control message: the IV of an operation (`ALG_SET_IV`, a `struct af_alg_iv`).
pub const ALG_SET_IV: i32 = 2;
/// Control message: encrypt or decrypt (`ALG_SET_OP`, a `u32`).
pub const ALG_SET_OP: i32 = 3;
/// Control message: the length of an AEAD operation's associated data
/// (`ALG_SET_AEAD_ASSOCLEN`, a `u32`).
pub const ALG_SET_AEAD_ASSOCLEN: i32 = 4;
/// Socket option: the tag length of an AEAD transform
/// (`ALG_SET_AEAD_AUTHSIZE`; no value, the length is the option length).
pub const ALG_SET_AEAD_AUTHSIZE: i32 = 5;
/// Socket option: entropy for the next seeding of a DRBG
/// (`ALG_SET_DRBG_ENTROPY`, needs `CAP_SYS_ADMIN`).
pub const ALG_SET_DRBG_ENTROPY: i32 = 6;
/// Socket option: the key is the payload of a kernel key, given by its serial
/// number (`ALG_SET_KEY_BY_KEY_SERIAL`, an `i32`).
pub const ALG_SET_KEY_BY_KEY_SERIAL: i32 = 7;
/// `ALG_SET_OP` value: decrypt (`ALG_OP_DECRYPT`).
pub const ALG_OP_DECRYPT: u32 = 0;
/// `ALG_SET_OP` value: encrypt (`ALG_OP_ENCRYPT`).
pub const ALG_OP_ENCRYPT: u32 = 1;
/// Do not wait: fail with `EAGAIN` instead (`MSG_DONTWAIT`).
pub const MSG_DONTWAIT: i32 = libc::MSG_DONTWAIT;
/// More data follows in a later send (`MSG_MORE`).
pub const MSG_MORE: i32 = libc::MSG_MORE;
/// Set in the returned flags of [`Socket::recv_msg`] when the digest was
/// longer than the buffer (`MSG_TRUNC`).
pub const MSG_TRUNC: i32 = libc::MSG_TRUNC;

/// A control message of an operation's first `sendmsg` (level `SOL_ALG`).
///
/// # Examples
///
/// ```
/// use kcrypto::socket::{ALG_OP_ENCRYPT, Control, encode_control};
///
/// let control = encode_control(&[Control::Op(ALG_OP_ENCRYPT), Control::Iv(&[0; 16])]);
/// // Two headers of 16 bytes, a padded u32 and a padded 4 + 16 byte af_alg_iv.
/// assert_eq!(control.len(), 16 + 8 + 16 + 24);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control<'a> {
    /// `ALG_SET_OP`: [`ALG_OP_ENCRYPT`] or [`ALG_OP_DECRYPT`] (any value is
    /// sent as given).
    Op(u32),
    /// `ALG_SET_IV`: a `struct af_alg_iv` with `ivlen` = the slice's length.
    Iv(&'a [u8]),
    /// `ALG_SET_AEAD_ASSOCLEN`: how many leading bytes of an AEAD
    /// operation's input are associated data.
    AssocLen(u32),
    /// Any level, type and payload, for tests of what the kernel refuses.
    Raw {
        /// `cmsg_level`.
        level: i32,
        /// `cmsg_type`.
        type_: i32,
        /// The payload, sent as is.
        data: &'a [u8],
    },
}

/// `CMSG_ALIGN`: control data is aligned to `size_t`.
const fn cmsg_align(len: usize) -> usize {
    let align = size_of::<usize>();
    (len + align - 1) & !(align - 1)
}

/// `sizeof(struct cmsghdr)`, aligned.
const CMSG_HEADER: usize = cmsg_align(size_of::<libc::cmsghdr>());

/// The bytes of `msg_control` for `messages`, laid out as `CMSG_FIRSTHDR`/
/// `CMSG_NXTHDR` walk them (each `struct cmsghdr` followed by its payload,
/// padded to `size_t`).
pub fn encode_control(messages: &[Control<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for message in messages {
        let (level, type_, payload): (i32, i32, Vec<u8>) = match *message {
            Control::Op(op) => (SOL_ALG, ALG_SET_OP, op.to_ne_bytes().to_vec()),
            Control::AssocLen(len) => (SOL_ALG, ALG_SET_AEAD_ASSOCLEN, len.to_ne_bytes().to_vec()),
            Control::Iv(iv) => {
                // struct af_alg_iv { __u32 ivlen; __u8 iv[]; }; an IV longer
                // than u32 cannot be described, send the length cut (the
                // kernel refuses it either way).
                let len = u32::try_from(iv.len()).unwrap_or(u32::MAX);
                let mut payload = len.to_ne_bytes().to_vec();
                payload.extend_from_slice(iv);
                (SOL_ALG, ALG_SET_IV, payload)
            }
            Control::Raw { level, type_, data } => (level, type_, data.to_vec()),
        };
        // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; }
        out.extend_from_slice(&(CMSG_HEADER + payload.len()).to_ne_bytes());
        out.extend_from_slice(&level.to_ne_bytes());
        out.extend_from_slice(&type_.to_ne_bytes());
        out.resize(out.len().next_multiple_of(size_of::<usize>()), 0);
        out.extend_from_slice(&payload);
        out.resize(cmsg_align(out.len()), 0);
    }
    out
}

/// A socket of any family, closed on drop.
///
/// Transform sockets come from [`Socket::new`] and [`Socket::bind`];
/// operation sockets from [`Socket::accept`] on a transform socket, and
/// state clones from `accept` on an operation socket.
///
/// # Examples
///
/// ```no_run
/// use kcrypto::{Family, SockaddrAlg, Socket, socket::MSG_MORE};
///
/// let family = Family::discover()?;
/// let tfm = Socket::new(family)?;
/// tfm.bind(&SockaddrAlg::new(family, "hash", "sha256")?)?;
/// let op = tfm.accept()?;
/// op.send(b"a", MSG_MORE)?;
/// op.send(b"bc", 0)?;
/// let mut digest = [0; 16];
/// let (len, flags) = op.recv_msg(&mut digest, 0)?;
/// assert_eq!(len, 16);
/// assert!(flags & kcrypto::socket::MSG_TRUNC != 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Socket {
    fd: OwnedFd,
}

/// Turns a `-1` return into the current `errno`.
fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Like [`check`] for calls returning `ssize_t`.
fn check_len(ret: libc::ssize_t) -> io::Result<usize> {
    usize::try_from(ret).map_err(|_| io::Error::last_os_error())
}

/// A length the kernel takes as `socklen_t`, or `EINVAL`.
fn socklen(len: usize) -> io::Result<libc::socklen_t> {
    libc::socklen_t::try_from(len).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

impl Socket {
    /// Takes ownership of a descriptor `socket()` or `accept4()` just returned.
    fn from_new_fd(fd: RawFd) -> Socket {
        // SAFETY: callers pass a descriptor the kernel has just created, which
        // nothing else owns or will close.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Socket { fd }
    }

    /// A `SOCK_SEQPACKET` socket of `family` (close-on-exec).
    pub fn new(family: Family) -> io::Result<Socket> {
        Socket::new_raw(family.number(), libc::SOCK_SEQPACKET, 0)
    }

    /// `socket(domain, type_ | SOCK_CLOEXEC, protocol)` with any arguments.
    pub fn new_raw(domain: i32, type_: i32, protocol: i32) -> io::Result<Socket> {
        // SAFETY: socket() takes no pointers; any argument values are safe.
        let fd = check(unsafe { libc::socket(domain, type_ | libc::SOCK_CLOEXEC, protocol) })?;
        Ok(Socket::from_new_fd(fd))
    }

    /// Binds a transform socket to an algorithm.
    pub fn bind(&self, addr: &SockaddrAlg) -> io::Result<()> {
        self.bind_raw(addr.as_bytes())
    }

    /// `bind()` with any address bytes and length (see
    /// [`sockaddr::encode_raw`](crate::sockaddr::encode_raw)).
    pub fn bind_raw(&self, addr: &[u8]) -> io::Result<()> {
        let len = socklen(addr.len())?;
        // SAFETY: the kernel reads at most `len` bytes from `addr`, which is
        // valid for that many bytes; it copies them before looking at them, so
        // their alignment does not matter.
        check(unsafe {
            libc::bind(
                self.fd.as_raw_fd(),
                addr.as_ptr().cast::<libc::sockaddr>(),
                len,
            )
        })?;
        Ok(())
    }

    /// `setsockopt(level, name, value)`.
    pub fn set_option(&self, level: i32, name: i32, value: &[u8]) -> io::Result<()> {
        let len = socklen(value.len())?;
        // SAFETY: the kernel reads at most `len` bytes from `value`, valid
        // for that many bytes.
        check(unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                value.as_ptr().cast::<libc::c_void>(),
                len,
            )
        })?;
        Ok(())
    }

    /// Sets the key of a transform socket (`SOL_ALG`, `ALG_SET_KEY`).
    pub fn set_key(&self, key: &[u8]) -> io::Result<()> {
        self.set_option(SOL_ALG, ALG_SET_KEY, key)
    }

    /// `accept()`: an operation socket from a transform socket, or a clone of
    /// an operation socket's state from an operation socket.
    pub fn accept(&self) -> io::Result<Socket> {
        // SAFETY: null address pointers ask for no peer address.
        let fd = check(unsafe {
            libc::accept4(
                self.fd.as_raw_fd(),
                ptr::null_mut(),
                ptr::null_mut(),
                libc::SOCK_CLOEXEC,
            )
        })?;
        Ok(Socket::from_new_fd(fd))
    }

    /// `send(buf, flags)`; returns how many bytes the kernel took.
    pub fn send(&self, buf: &[u8], flags: i32) -> io::Result<usize> {
        // SAFETY: the kernel reads at most `buf.len()` bytes from `buf`.
        check_len(unsafe {
            libc::send(
                self.fd.as_raw_fd(),
                buf.as_ptr().cast::<libc::c_void>(),
                buf.len(),
                flags,
            )
        })
    }

    /// `sendmsg()` of several buffers as one message, without control data.
    pub fn send_vectored(&self, bufs: &[IoSlice<'_>], flags: i32) -> io::Result<usize> {
        // SAFETY: all-zero is a valid msghdr (no name, no iovecs, no control).
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        // `IoSlice` is ABI-compatible with `struct iovec` on Unix; the kernel
        // only reads through it.
        msg.msg_iov = bufs.as_ptr().cast_mut().cast::<libc::iovec>();
        msg.msg_iovlen = bufs.len();
        // SAFETY: `msg` points to `bufs.len()` iovecs, each valid for reads of
        // its length for the duration of the call.
        check_len(unsafe { libc::sendmsg(self.fd.as_raw_fd(), &msg, flags) })
    }

    /// `sendmsg()` of several buffers as one message with control messages
    /// (none: like [`Socket::send_vectored`]).
    pub fn send_msg(
        &self,
        bufs: &[IoSlice<'_>],
        control: &[Control<'_>],
        flags: i32,
    ) -> io::Result<usize> {
        let bytes = encode_control(control);
        // Control data is read as `struct cmsghdr`s: keep it size_t-aligned.
        let mut aligned = vec![0usize; bytes.len().div_ceil(size_of::<usize>())];
        for (word, chunk) in aligned.iter_mut().zip(bytes.chunks(size_of::<usize>())) {
            let mut buf = [0; size_of::<usize>()];
            buf[..chunk.len()].copy_from_slice(chunk);
            *word = usize::from_ne_bytes(buf);
        }
        // SAFETY: all-zero is a valid msghdr (no name, no iovecs, no control).
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        // `IoSlice` is ABI-compatible with `struct iovec` on Unix; the kernel
        // only reads through it.
        msg.msg_iov = bufs.as_ptr().cast_mut().cast::<libc::iovec>();
        msg.msg_iovlen = bufs.len();
        if !bytes.is_empty() {
            msg.msg_control = aligned.as_mut_ptr().cast::<libc::c_void>();
            msg.msg_controllen = bytes.len();
        }
        // SAFETY: `msg` points to `bufs.len()` iovecs, each valid for reads of
        // its length, and to `bytes.len()` bytes of control data in
        // `aligned`, all alive for the duration of the call.
        check_len(unsafe { libc::sendmsg(self.fd.as_raw_fd(), &msg, flags) })
    }

    /// `setsockopt(level, name, NULL, len)`: an option whose value is its
    /// length (`ALG_SET_AEAD_AUTHSIZE`).
    pub fn set_option_len(&self, level: i32, name: i32, len: usize) -> io::Result<()> {
        let len = socklen(len)?;
        // SAFETY: a null optval is never dereferenced by this call itself;
        // the kernel checks it (and faults safely) if the option reads it.
        check(unsafe { libc::setsockopt(self.fd.as_raw_fd(), level, name, ptr::null(), len) })?;
        Ok(())
    }

    /// `getsockopt(level, name)` of an `int` option (`SO_SNDBUF`, ...).
    pub fn option_int(&self, level: i32, name: i32) -> io::Result<i32> {
        let mut value: libc::c_int = 0;
        let mut len = size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `value` is writable for `len` bytes and `len` is a valid
        // socklen_t the kernel updates.
        check(unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                (&raw mut value).cast::<libc::c_void>(),
                &mut len,
            )
        })?;
        Ok(value)
    }

    /// `getsockopt(level, name)` into `buf`; returns the option's whole
    /// length, which exceeds `buf.len()` if it did not fit (the kernel's
    /// `ERANGE`; retry with that much room).
    pub fn option_bytes(&self, level: i32, name: i32, buf: &mut [u8]) -> io::Result<usize> {
        let mut len = socklen(buf.len())?;
        // SAFETY: `buf` is writable for `len` bytes and `len` is a valid
        // socklen_t the kernel updates.
        let ret = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                buf.as_mut_ptr().cast::<libc::c_void>(),
                &mut len,
            )
        };
        match check(ret) {
            Ok(_) => Ok(len as usize),
            Err(err) if err.raw_os_error() == Some(libc::ERANGE) && len as usize > buf.len() => {
                Ok(len as usize)
            }
            Err(err) => Err(err),
        }
    }

    /// `setsockopt(level, name)` of an `int` option.
    pub fn set_option_int(&self, level: i32, name: i32, value: i32) -> io::Result<()> {
        self.set_option(level, name, &value.to_ne_bytes())
    }

    /// `recv(buf, flags)`; returns the length received.
    pub fn recv(&self, buf: &mut [u8], flags: i32) -> io::Result<usize> {
        // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
        check_len(unsafe {
            libc::recv(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast::<libc::c_void>(),
                buf.len(),
                flags,
            )
        })
    }

    /// `recvmsg()` into several buffers; returns the length received and the
    /// message flags the kernel set.
    pub fn recv_vectored(
        &self,
        bufs: &mut [IoSliceMut<'_>],
        flags: i32,
    ) -> io::Result<(usize, i32)> {
        // SAFETY: all-zero is a valid msghdr (no name, no iovecs, no control).
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        // `IoSliceMut` is ABI-compatible with `struct iovec` on Unix.
        msg.msg_iov = bufs.as_mut_ptr().cast::<libc::iovec>();
        msg.msg_iovlen = bufs.len();
        // SAFETY: `msg` points to `bufs.len()` iovecs, each writable for its
        // length, and to no name or control buffer.
        let len = check_len(unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, flags) })?;
        Ok((len, msg.msg_flags))
    }

    /// `recvmsg()` into one buffer; returns the length received and the
    /// message flags the kernel set (`MSG_TRUNC` when the digest was longer
    /// than `buf`).
    pub fn recv_msg(&self, buf: &mut [u8], flags: i32) -> io::Result<(usize, i32)> {
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast::<libc::c_void>(),
            iov_len: buf.len(),
        };
        // SAFETY: all-zero is a valid msghdr (no name, no iovecs, no control).
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        // SAFETY: `msg` points to one iovec describing `buf`, writable for
        // its length, and to no name or control buffer.
        let len = check_len(unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, flags) })?;
        Ok((len, msg.msg_flags))
    }
}

impl AsFd for Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl From<OwnedFd> for Socket {
    fn from(fd: OwnedFd) -> Socket {
        Socket { fd }
    }
}

impl From<Socket> for OwnedFd {
    fn from(socket: Socket) -> OwnedFd {
        socket.fd
    }
}

/// Both ends of an AF_UNIX `SOCK_SEQPACKET` pair: every host has those, so the
/// plumbing can be tested without AF_ALG.
#[cfg(test)]
pub(crate) fn seqpacket_pair() -> (Socket, Socket) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors socketpair() writes.
    let ret = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    assert_eq!(ret, 0, "socketpair: {}", io::Error::last_os_error());
    // SAFETY: socketpair() returned two new descriptors that nothing else owns.
    let (a, b) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    (Socket::from(a), Socket::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_the_uapi() {
        assert_eq!(SOL_ALG, libc::SOL_ALG);
        assert_eq!(ALG_SET_KEY, libc::ALG_SET_KEY);
        assert_eq!(ALG_SET_IV, libc::ALG_SET_IV);
        assert_eq!(ALG_SET_OP, libc::ALG_SET_OP);
        assert_eq!(ALG_SET_AEAD_ASSOCLEN, libc::ALG_SET_AEAD_ASSOCLEN);
        assert_eq!(ALG_SET_AEAD_AUTHSIZE, libc::ALG_SET_AEAD_AUTHSIZE);
        assert_eq!(ALG_SET_DRBG_ENTROPY, 6);
        assert_eq!(ALG_SET_KEY_BY_KEY_SERIAL, 7);
        assert_eq!(ALG_OP_DECRYPT as i32, libc::ALG_OP_DECRYPT);
        assert_eq!(ALG_OP_ENCRYPT as i32, libc::ALG_OP_ENCRYPT);
        assert_eq!(MSG_MORE, 0x8000);
        assert_eq!(MSG_TRUNC, 0x20);
    }

    #[test]
    fn calls_on_a_unix_socket_return_os_errors() {
        // A family every host has: the wrappers must hand back the kernel's errno.
        let sock = Socket::new_raw(libc::AF_UNIX, libc::SOCK_SEQPACKET, 0).expect("AF_UNIX");
        let err = sock.set_key(b"key").expect_err("AF_UNIX has no SOL_ALG");
        assert!(err.raw_os_error().is_some(), "{err:?}");
        let err = sock.accept().expect_err("not listening");
        assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
        let mut buf = [0; 4];
        let err = sock
            .recv(&mut buf, libc::MSG_DONTWAIT)
            .expect_err("not connected");
        assert!(err.raw_os_error().is_some(), "{err:?}");
    }

    #[test]
    fn vectored_send_and_recv_msg_move_bytes() {
        let (a, b) = seqpacket_pair();

        let sent = a
            .send_vectored(&[IoSlice::new(b"hello, "), IoSlice::new(b"world")], 0)
            .expect("sendmsg");
        assert_eq!(sent, 12);
        let mut buf = [0; 5];
        let (len, flags) = b.recv_msg(&mut buf, 0).expect("recvmsg");
        // SEQPACKET cuts the record to the buffer and says so.
        assert_eq!((len, &buf[..]), (5, &b"hello"[..]));
        assert_ne!(flags & MSG_TRUNC, 0);

        assert_eq!(a.send(b"x", 0).expect("send"), 1);
        let mut buf = [0; 8];
        assert_eq!(b.recv(&mut buf, 0).expect("recv"), 1);
        assert_eq!(buf[0], b'x');
    }

    #[test]
    fn control_messages_are_laid_out_like_cmsg() {
        let iv = [7u8; 12];
        let bytes = encode_control(&[
            Control::Op(ALG_OP_ENCRYPT),
            Control::Iv(&iv),
            Control::AssocLen(20),
        ]);
        // What the CMSG_* macros give (64-bit: 16-byte header, 8-byte alignment).
        // SAFETY: CMSG_SPACE and CMSG_LEN only compute sizes.
        let sizes = unsafe {
            [
                libc::CMSG_SPACE(4),
                libc::CMSG_SPACE(16),
                libc::CMSG_SPACE(4),
                libc::CMSG_LEN(4),
                libc::CMSG_LEN(16),
            ]
        };
        assert_eq!(bytes.len(), (sizes[0] + sizes[1] + sizes[2]) as usize);
        let word = |at: usize| usize::from_ne_bytes(bytes[at..at + 8].try_into().expect("8"));
        let int = |at: usize| i32::from_ne_bytes(bytes[at..at + 4].try_into().expect("4"));
        assert_eq!(word(0), sizes[3] as usize);
        assert_eq!((int(8), int(12), int(16)), (SOL_ALG, ALG_SET_OP, 1));
        let second = sizes[0] as usize;
        assert_eq!(word(second), sizes[4] as usize);
        assert_eq!((int(second + 8), int(second + 12)), (SOL_ALG, ALG_SET_IV));
        assert_eq!(int(second + 16), 12);
        assert_eq!(&bytes[second + 20..second + 32], &iv);
        let third = second + sizes[1] as usize;
        assert_eq!(
            (int(third + 8), int(third + 12), int(third + 16)),
            (SOL_ALG, ALG_SET_AEAD_ASSOCLEN, 20)
        );
        assert!(encode_control(&[]).is_empty());
    }

    #[test]
    fn control_messages_reach_the_kernel() {
        // AF_UNIX ignores SOL_ALG messages but parses SOL_SOCKET ones: a
        // well-formed SCM_RIGHTS is accepted, a short SCM_CREDENTIALS refused.
        let (a, b) = seqpacket_pair();
        let fd = b.as_raw_fd().to_ne_bytes();
        let rights = |data| Control::Raw {
            level: libc::SOL_SOCKET,
            type_: libc::SCM_RIGHTS,
            data,
        };
        let sent = a.send_msg(&[IoSlice::new(b"xy")], &[Control::Op(1), rights(&fd)], 0);
        assert_eq!(sent.ok(), Some(2));
        let short_credentials = Control::Raw {
            level: libc::SOL_SOCKET,
            type_: libc::SCM_CREDENTIALS,
            data: &[0; 4],
        };
        let err = a
            .send_msg(&[IoSlice::new(b"x")], &[short_credentials], 0)
            .expect_err("a 4-byte SCM_CREDENTIALS");
        assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
    }

    #[test]
    fn int_options_round_trip() {
        let sock = Socket::new_raw(libc::AF_UNIX, libc::SOCK_SEQPACKET, 0).expect("AF_UNIX");
        sock.set_option_int(libc::SOL_SOCKET, libc::SO_SNDBUF, 65536)
            .expect("SO_SNDBUF");
        // Linux doubles the value for its bookkeeping.
        assert_eq!(
            sock.option_int(libc::SOL_SOCKET, libc::SO_SNDBUF).ok(),
            Some(131072)
        );
        let err = sock
            .set_option_len(SOL_ALG, ALG_SET_AEAD_AUTHSIZE, 16)
            .expect_err("not SOL_ALG");
        assert!(err.raw_os_error().is_some());
    }

    #[test]
    fn bind_raw_rejects_oversized_lengths_before_the_kernel() {
        let sock = Socket::new_raw(libc::AF_UNIX, libc::SOCK_SEQPACKET, 0).expect("AF_UNIX");
        // Longer than sockaddr_storage: the kernel answers EINVAL.
        let err = sock.bind_raw(&[0; 200]).expect_err("too long");
        assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
    }
}
