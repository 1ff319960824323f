// SPDX-License-Identifier: GPL-2.0

//! What the cipher, AEAD and RNG types share: binding a transform socket,
//! keys by serial, the socket buffer that bounds an operation, and reading
//! output that is known to be ready.

use std::io::{self, IoSlice};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::charge;
use crate::error::{Error, Result};
use crate::family::Family;
use crate::sockaddr::SockaddrAlg;
use crate::socket::{ALG_SET_KEY_BY_KEY_SERIAL, Control, MSG_DONTWAIT, SOL_ALG, Socket};

/// The page size AF_ALG rounds the socket buffer down to. AF_ALG also waits
/// (forever, when nothing reads) before copying data unless at least this
/// much room is left, however short the data: senders keep this much free.
pub(crate) const PAGE: usize = 4096;
/// `KCRYPTO_SET_RECORDS` (include/uapi/linux/if_kcrypto.h).
pub(crate) const KCRYPTO_SET_RECORDS: i32 = 66;
/// The most messages of one record-mode `sendmsg`.
pub(crate) const MAX_RECORDS: usize = 64;
/// How long to wait for output that must come (an asynchronous driver may
/// still be working on it) before giving up.
const OUTPUT_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest socket buffer asked for (the kernel keeps it in an `int`, doubled).
const MAX_SNDBUF: usize = 1 << 30;

/// A socket of `family` bound to `algorithm` of type `type_`.
pub(crate) fn bind(family: Family, type_: &str, algorithm: &str) -> Result<Socket> {
    let addr = SockaddrAlg::new(family, type_, algorithm)?;
    let socket = Socket::new(family).map_err(|err| match err.raw_os_error() {
        Some(libc::EAFNOSUPPORT) => Error::FamilyNotRegistered {
            family: family.number(),
        },
        _ => Error::from(err),
    })?;
    socket.bind(&addr)?;
    Ok(socket)
}

/// `setsockopt(SOL_ALG, ALG_SET_KEY_BY_KEY_SERIAL, &serial, 4)`.
pub(crate) fn set_key_serial(socket: &Socket, serial: i32) -> Result<()> {
    Ok(socket.set_option(SOL_ALG, ALG_SET_KEY_BY_KEY_SERIAL, &serial.to_ne_bytes())?)
}

/// How many bytes of messages an operation socket may hold: kcrypto counts
/// each message's input and output in whole pages and a request
/// (Documentation/userspace-api.rst), so a little under half of
/// `SO_SNDBUF`, less a page an AEAD's tag may spill into. Below AF_ALG's
/// limit (`SO_SNDBUF` rounded down to a page) too.
pub(crate) fn send_limit(socket: &Socket) -> Result<usize> {
    let sndbuf = socket.option_int(libc::SOL_SOCKET, libc::SO_SNDBUF)?;
    let sndbuf = usize::try_from(sndbuf).unwrap_or(0);
    let pages = sndbuf.saturating_sub(charge::REQUEST) / (2 * charge::PAGE);
    Ok(pages.saturating_sub(1) * PAGE)
}

/// Raises `SO_SNDBUF` so that at least `want` bytes fit, as far as the
/// kernel allows (`SO_SNDBUFFORCE` with `CAP_NET_ADMIN`, else up to
/// `net.core.wmem_max`); returns the limit now in force. `SO_RCVBUF` goes
/// up with it: AF_ALG works on no more output per read than that buffer
/// holds, and a read that stops short splits the operation in two (wrong
/// output for algorithms that do not chain, such as `xts`).
pub(crate) fn grow_send_limit(socket: &Socket, want: usize) -> Result<usize> {
    let current = send_limit(socket)?;
    if current >= want {
        return Ok(current);
    }
    // The inverse of send_limit(); the kernel doubles the value it is given.
    let pages = want.min(MAX_SNDBUF).div_ceil(PAGE) + 1;
    let ask = ((2 * pages * charge::PAGE + charge::REQUEST) / 2 + PAGE) as i32;
    for (force, plain) in [
        (libc::SO_SNDBUFFORCE, libc::SO_SNDBUF),
        (libc::SO_RCVBUFFORCE, libc::SO_RCVBUF),
    ] {
        if socket.set_option_int(libc::SOL_SOCKET, force, ask).is_err() {
            // Without privilege: capped at net.core.wmem_max (rmem_max),
            // never an error for a positive value.
            socket.set_option_int(libc::SOL_SOCKET, plain, ask)?;
        }
    }
    Ok(send_limit(socket)?.max(current))
}

/// Raises `SO_RCVBUF` (best effort) so that AF_ALG works on `want` bytes of
/// output in one read (see [`grow_send_limit`]).
pub(crate) fn grow_receive_buffer(socket: &Socket, want: usize) {
    let current = socket
        .option_int(libc::SOL_SOCKET, libc::SO_RCVBUF)
        .map_or(0, |value| usize::try_from(value).unwrap_or(0));
    if current >= want + PAGE {
        return;
    }
    let ask = (want.min(MAX_SNDBUF) / 2 + PAGE) as i32;
    if socket
        .set_option_int(libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, ask)
        .is_err()
    {
        let _ = socket.set_option_int(libc::SOL_SOCKET, libc::SO_RCVBUF, ask);
    }
}

/// One `sendmsg` that the kernel must take whole: a short send means the
/// operation is broken (AF_ALG keeps what it took; kcrypto never sends part).
pub(crate) fn send_whole(
    socket: &Socket,
    bufs: &[IoSlice<'_>],
    control: &[Control<'_>],
    flags: i32,
) -> Result<()> {
    let len: usize = bufs.iter().map(|buf| buf.len()).sum();
    let sent = socket.send_msg(bufs, control, flags)?;
    if sent == len {
        Ok(())
    } else {
        Err(Error::StateLost)
    }
}

/// Reads without waiting: the number of bytes read (0 when the kernel has
/// nothing ready: `EAGAIN`).
pub(crate) fn read_ready(socket: &Socket, buf: &mut [u8]) -> Result<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    match socket.recv(buf, MSG_DONTWAIT) {
        Ok(len) => Ok(len),
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => Ok(0),
        Err(err) => Err(err.into()),
    }
}

/// One read of output that must come, never blocking in the kernel: where
/// the family answers `EAGAIN` (kcrypto never blocks; an asynchronous driver
/// may still be working), it waits in `poll()` and asks again, for at most
/// 30 s. AF_ALG would block forever where the buffer is larger than what it
/// has (an AEAD encryption without associated data waits for a next
/// operation to fill it). Returns the length read (0 only for an empty `buf`
/// or the end of the output).
pub(crate) fn read_expected(socket: &Socket, buf: &mut [u8]) -> Result<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    let deadline = Instant::now() + OUTPUT_TIMEOUT;
    loop {
        match socket.recv(buf, MSG_DONTWAIT) {
            Ok(len) => return Ok(len),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Err(err.into());
                }
                wait_readable(socket, Duration::from_millis(10));
            }
            Err(err) => return Err(err.into()),
        }
    }
}

/// Fills `buf` with output that must come, or fails with
/// [`Error::StateLost`] if the output ends first.
pub(crate) fn read_exact(socket: &Socket, mut buf: &mut [u8]) -> Result<()> {
    while !buf.is_empty() {
        let len = read_expected(socket, buf)?;
        if len == 0 {
            return Err(Error::StateLost);
        }
        buf = &mut buf[len..];
    }
    Ok(())
}

/// `poll()` for input for at most `timeout`, then a pause of the same length
/// if the family reports the socket readable all along (as the hash type
/// does), so that retries do not spin.
fn wait_readable(socket: &Socket, timeout: Duration) {
    let mut pfd = libc::pollfd {
        fd: socket.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = timeout.as_millis() as libc::c_int;
    // SAFETY: `pfd` is one valid pollfd, writable for the call.
    let ready = unsafe { libc::poll(&mut pfd, 1, ms) };
    if ready != 0 {
        std::thread::sleep(timeout);
    }
}

/// How many messages of `sizes` bytes go into the next record-mode `sendmsg`:
/// as many as fit `limit` bytes together, at most [`MAX_RECORDS`], and at
/// least one.
pub(crate) fn records_that_fit(sizes: impl Iterator<Item = usize>, limit: usize) -> usize {
    let mut bytes = 0;
    let fit = sizes
        .take(MAX_RECORDS)
        .take_while(|&size| {
            bytes += size;
            bytes <= limit
        })
        .count();
    fit.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::seqpacket_pair;

    #[test]
    fn records_fit_the_limit_and_their_count() {
        assert_eq!(records_that_fit([10, 20, 30].into_iter(), 30), 2);
        assert_eq!(records_that_fit([10, 20, 30].into_iter(), 60), 3);
        assert_eq!(records_that_fit([100, 1].into_iter(), 50), 1);
        assert_eq!(records_that_fit(std::iter::repeat(1), 1000), MAX_RECORDS);
        assert_eq!(records_that_fit([0, 0].into_iter(), 0), 2);
    }

    #[test]
    fn limits_follow_so_sndbuf() {
        let (a, _b) = seqpacket_pair();
        a.set_option_int(libc::SOL_SOCKET, libc::SO_SNDBUF, 50_000)
            .expect("SO_SNDBUF");
        // 100000 (doubled): 11 pages of input and output and a request,
        // less a page.
        assert_eq!(send_limit(&a).ok(), Some(10 * PAGE));
        let limit = grow_send_limit(&a, 150_000).expect("grow");
        assert!(limit >= 150_000, "{limit}");
        assert_eq!(grow_send_limit(&a, 1000).ok(), Some(limit));
    }

    #[test]
    fn reads_wait_for_what_must_come() {
        let (a, b) = seqpacket_pair();
        let mut buf = [0; 8];
        assert_eq!(read_ready(&a, &mut buf).ok(), Some(0));
        b.send(b"abc", 0).expect("send");
        assert_eq!(read_ready(&a, &mut buf).ok(), Some(3));
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            b.send(b"defg", 0).expect("send");
            b.send(b"h", 0).expect("send");
            b
        });
        let mut exact = [0; 5];
        read_exact(&a, &mut exact).expect("read exact");
        assert_eq!(&exact, b"defgh");
        drop(writer.join());
        // The peer is gone: the output ended early.
        assert!(matches!(read_exact(&a, &mut exact), Err(Error::StateLost)));
    }

    #[test]
    fn short_sends_lose_the_operation() {
        let (a, b) = seqpacket_pair();
        send_whole(&a, &[IoSlice::new(b"ab"), IoSlice::new(b"c")], &[], 0).expect("send");
        let mut buf = [0; 4];
        assert_eq!(b.recv(&mut buf, 0).ok(), Some(3));
    }
}
