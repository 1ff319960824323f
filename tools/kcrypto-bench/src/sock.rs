// SPDX-License-Identifier: GPL-2.0
//! The socket paths: kcrypto's family and the in-kernel AF_ALG share AF_ALG's ABI, so one
//! implementation over raw system calls serves both and counts every call it makes.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::ptr;

use io_uring::{IoUring, opcode, squeue, types};

use crate::alg::{Alg, Kind};

/// A batch of `n` operations: one iovec per message and per output, and message headers
/// over each.
struct Batch {
    send_iovs: Vec<libc::iovec>,
    recv_iovs: Vec<libc::iovec>,
    sends: Vec<libc::mmsghdr>,
    recvs: Vec<libc::mmsghdr>,
    /// Bytes of output per operation.
    each: usize,
}

/// Operation sockets may hold this much (SO_SNDBUFFORCE and SO_RCVBUFFORCE, root): a 1 MiB
/// message and its output, or a queue of 64 KiB ones, for AF_ALG and kcrypto alike.
const SOCKBUF: libc::c_int = 8 << 20;
/// The pipe of the splice path (the default pipe-max-size).
const PIPE_SIZE: libc::c_int = 1 << 20;
/// `KCRYPTO_SET_RECORDS` (include/uapi/linux/if_kcrypto.h).
const KCRYPTO_SET_RECORDS: libc::c_int = 66;

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn check_len(ret: isize) -> io::Result<usize> {
    usize::try_from(ret).map_err(|_| io::Error::last_os_error())
}

/// A bound socket and one operation socket accepted from it (kept for every operation).
#[derive(Debug)]
pub struct AlgSocket {
    kind: Kind,
    iv_len: usize,
    _tfm: OwnedFd,
    op: OwnedFd,
    /// Read and write ends of the splice path's pipe.
    pipe: Option<(OwnedFd, OwnedFd)>,
    cmsg: Vec<u64>,
    cmsg_len: usize,
    /// The control messages of a sendmsg of records: those of `cmsg` but the IV.
    records_cmsg: Vec<u64>,
    records_cmsg_len: usize,
    /// Record mode for a cipher: `n` records of an IV and the input, and the input's address,
    /// length and `n` they were laid out for.
    records: Vec<u8>,
    records_of: (usize, usize, usize),
}

fn new_socket(family: i32) -> io::Result<OwnedFd> {
    // SAFETY: socket() has no memory arguments.
    let fd = check(unsafe { libc::socket(family, libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC, 0) })?;
    // SAFETY: `fd` was just returned by socket() and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A control buffer holding `SOL_ALG` control messages of these types and data, and its
/// length.
fn control_messages(entries: &[(libc::c_int, Vec<u8>)]) -> (Vec<u64>, usize) {
    let space: usize = entries
        .iter()
        // SAFETY: CMSG_SPACE only computes a size.
        .map(|(_, data)| unsafe { libc::CMSG_SPACE(data.len() as u32) } as usize)
        .sum();
    let mut buf = vec![0u64; space.div_ceil(8)];
    // SAFETY: msghdr is plain data; all zeroes is a valid value.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_control = buf.as_mut_ptr().cast();
    msg.msg_controllen = space;
    // SAFETY: `msg` describes the zeroed control buffer of `space` bytes just allocated, which
    // has room for every entry (its size is the sum of their CMSG_SPACE); CMSG_NXTHDR stays
    // within it.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        for (ty, data) in entries {
            (*c).cmsg_level = libc::SOL_ALG;
            (*c).cmsg_type = *ty;
            (*c).cmsg_len = libc::CMSG_LEN(data.len() as u32) as usize;
            ptr::copy_nonoverlapping(data.as_ptr(), libc::CMSG_DATA(c), data.len());
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    (buf, space)
}

fn set_opt(fd: RawFd, level: libc::c_int, name: libc::c_int, val: &[u8]) -> io::Result<()> {
    let len =
        libc::socklen_t::try_from(val.len()).map_err(|_| io::Error::other("option too long"))?;
    let ptr = if val.is_empty() {
        ptr::null()
    } else {
        val.as_ptr().cast()
    };
    // SAFETY: `ptr` is null or points to `len` readable bytes.
    check(unsafe { libc::setsockopt(fd, level, name, ptr, len) }).map(|_| ())
}

impl AlgSocket {
    /// Binds `alg` in `family` (kcrypto's number or AF_ALG), sets its key, accepts an operation
    /// socket; `splice` also sets up a pipe for the splice path.
    pub fn new(family: i32, alg: &Alg, splice: bool) -> io::Result<AlgSocket> {
        Self::with_buffers(family, alg, splice, Some(SOCKBUF))
    }

    /// As [`AlgSocket::new`], with send and receive buffers of `sockbuf` bytes (root), or the
    /// defaults (`None`).
    pub fn with_buffers(
        family: i32,
        alg: &Alg,
        splice: bool,
        sockbuf: Option<libc::c_int>,
    ) -> io::Result<AlgSocket> {
        let tfm = new_socket(family)?;
        // SAFETY: sockaddr_alg is plain data; all zeroes is a valid value.
        let mut sa: libc::sockaddr_alg = unsafe { std::mem::zeroed() };
        sa.salg_family = family as libc::sa_family_t;
        let ty = alg.kind.name().as_bytes();
        sa.salg_type[..ty.len()].copy_from_slice(ty);
        let name = alg.name.as_bytes();
        if name.len() >= sa.salg_name.len() {
            return Err(io::Error::other("algorithm name too long"));
        }
        sa.salg_name[..name.len()].copy_from_slice(name);
        // SAFETY: `sa` is a sockaddr_alg of the size passed.
        check(unsafe {
            libc::bind(
                tfm.as_raw_fd(),
                ptr::from_ref(&sa).cast(),
                size_of::<libc::sockaddr_alg>() as libc::socklen_t,
            )
        })?;
        if alg.key_len > 0 {
            set_opt(
                tfm.as_raw_fd(),
                libc::SOL_ALG,
                libc::ALG_SET_KEY,
                &alg.key(),
            )?;
        }
        if alg.kind == Kind::Aead {
            // AF_ALG's ABI: the tag size is optlen, with no value.
            let len = alg.out_len as libc::socklen_t;
            // SAFETY: a null value with a length is what ALG_SET_AEAD_AUTHSIZE takes.
            check(unsafe {
                libc::setsockopt(
                    tfm.as_raw_fd(),
                    libc::SOL_ALG,
                    libc::ALG_SET_AEAD_AUTHSIZE,
                    ptr::null(),
                    len,
                )
            })?;
        }
        // SAFETY: accept() may take null address arguments.
        let op = check(unsafe {
            libc::accept4(
                tfm.as_raw_fd(),
                ptr::null_mut(),
                ptr::null_mut(),
                libc::SOCK_CLOEXEC,
            )
        })?;
        // SAFETY: `op` was just returned by accept4() and is owned by nobody else.
        let op = unsafe { OwnedFd::from_raw_fd(op) };
        if let Some(size) = sockbuf {
            set_opt(
                op.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_SNDBUFFORCE,
                &size.to_ne_bytes(),
            )?;
            // AF_ALG bounds its output scatterlist by the receive buffer (an AEAD output that
            // does not fit is EINVAL); kcrypto does not use it.
            set_opt(
                op.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUFFORCE,
                &size.to_ne_bytes(),
            )?;
        }
        let pipe = if splice { Some(new_pipe()?) } else { None };
        let mut sock = AlgSocket {
            kind: alg.kind,
            iv_len: alg.iv_len,
            _tfm: tfm,
            op,
            pipe,
            cmsg: Vec::new(),
            cmsg_len: 0,
            records_cmsg: Vec::new(),
            records_cmsg_len: 0,
            records: Vec::new(),
            records_of: (0, 0, 0),
        };
        sock.build_cmsg();
        Ok(sock)
    }

    /// The control messages of every cipher message: encrypt, a zero IV, no associated data;
    /// and of a sendmsg of records, without the IV (each record brings its own).
    fn build_cmsg(&mut self) {
        if self.kind == Kind::Hash {
            return;
        }
        let op = (
            libc::ALG_SET_OP,
            (libc::ALG_OP_ENCRYPT as u32).to_ne_bytes().to_vec(),
        );
        let mut iv = (self.iv_len as u32).to_ne_bytes().to_vec();
        iv.resize(4 + self.iv_len, 0);
        let mut entries = vec![op.clone(), (libc::ALG_SET_IV, iv)];
        let mut records = vec![op];
        if self.kind == Kind::Aead {
            let assoc = (libc::ALG_SET_AEAD_ASSOCLEN, 0u32.to_ne_bytes().to_vec());
            entries.push(assoc.clone());
            records.push(assoc);
        }
        (self.cmsg, self.cmsg_len) = control_messages(&entries);
        (self.records_cmsg, self.records_cmsg_len) = control_messages(&records);
    }

    /// sendmsg() of `data` (with the control messages if `cmsg`), all of it or an error.
    fn send(
        &mut self,
        data: &[u8],
        cmsg: bool,
        flags: libc::c_int,
        calls: &mut u64,
    ) -> io::Result<()> {
        let mut iov = libc::iovec {
            iov_base: data.as_ptr() as *mut libc::c_void,
            iov_len: data.len(),
        };
        // SAFETY: msghdr is plain data; all zeroes is a valid value.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        if cmsg && self.cmsg_len > 0 {
            msg.msg_control = self.cmsg.as_mut_ptr().cast();
            msg.msg_controllen = self.cmsg_len;
        }
        *calls += 1;
        // SAFETY: `msg` points to one iovec over `data` and to the control buffer; the kernel only
        // reads them.
        let sent = check_len(unsafe { libc::sendmsg(self.op.as_raw_fd(), &msg, flags) })?;
        if sent != data.len() {
            return Err(io::Error::other(format!(
                "short send: {sent} of {} bytes",
                data.len()
            )));
        }
        Ok(())
    }

    /// recv() until `out` is full (a hash's digest comes in one call).
    fn recv_all(&mut self, out: &mut [u8], calls: &mut u64) -> io::Result<()> {
        let mut got = 0;
        while got < out.len() {
            let rest = &mut out[got..];
            *calls += 1;
            // SAFETY: `rest` is writable for its length.
            let n = check_len(unsafe {
                libc::recv(self.op.as_raw_fd(), rest.as_mut_ptr().cast(), rest.len(), 0)
            })?;
            if n == 0 {
                return Err(io::Error::other("recv returned 0 bytes"));
            }
            got += n;
            if self.kind == Kind::Hash {
                break;
            }
        }
        Ok(())
    }

    /// One operation by sendmsg + recv: `out` receives the digest or the whole output.
    pub fn op_sendmsg(&mut self, input: &[u8], out: &mut [u8], calls: &mut u64) -> io::Result<()> {
        self.send(input, true, 0, calls)?;
        self.recv_all(out, calls)
    }

    /// `depth` messages in flight: `depth` sendmsg() calls, then the outputs, in order.
    pub fn op_queue(
        &mut self,
        input: &[u8],
        out: &mut [u8],
        depth: usize,
        calls: &mut u64,
    ) -> io::Result<()> {
        for _ in 0..depth {
            self.send(input, true, 0, calls)?;
        }
        self.recv_all(out, calls)
    }

    /// The headers of `n` messages of `input` (with the control messages) and of `n`
    /// receives into equal chunks of `out`.
    fn batch(&mut self, input: &[u8], out: &mut [u8], n: usize) -> Batch {
        let mut send_iovs = vec![
            libc::iovec {
                iov_base: input.as_ptr() as *mut libc::c_void,
                iov_len: input.len(),
            };
            n
        ];
        let mut recv_iovs: Vec<libc::iovec> = out
            .chunks_mut((out.len() / n).max(1))
            .take(n)
            .map(|chunk| libc::iovec {
                iov_base: chunk.as_mut_ptr().cast(),
                iov_len: chunk.len(),
            })
            .collect();
        // SAFETY: mmsghdr is plain data; all zeroes is a valid value.
        let blank: libc::mmsghdr = unsafe { std::mem::zeroed() };
        let mut sends = vec![blank; n];
        for (m, iov) in sends.iter_mut().zip(send_iovs.iter_mut()) {
            m.msg_hdr.msg_iov = iov;
            m.msg_hdr.msg_iovlen = 1;
            if self.cmsg_len > 0 {
                m.msg_hdr.msg_control = self.cmsg.as_mut_ptr().cast();
                m.msg_hdr.msg_controllen = self.cmsg_len;
            }
        }
        let mut recvs = vec![blank; recv_iovs.len()];
        for (m, iov) in recvs.iter_mut().zip(recv_iovs.iter_mut()) {
            m.msg_hdr.msg_iov = iov;
            m.msg_hdr.msg_iovlen = 1;
        }
        Batch {
            send_iovs,
            recv_iovs,
            sends,
            recvs,
            each: out.len() / n,
        }
    }

    /// `n` operations in two system calls: `n` messages by one sendmmsg(), their `n` outputs
    /// by one recvmmsg() (kcrypto queues cipher results, and digests in record mode; AF_ALG
    /// would merge or overwrite them).
    pub fn op_batch(
        &mut self,
        input: &[u8],
        out: &mut [u8],
        n: usize,
        calls: &mut u64,
    ) -> io::Result<()> {
        let mut b = self.batch(input, out, n);
        *calls += 1;
        // SAFETY: every header points to the one iovec over `input` and to the control buffer,
        // which outlive the call; the kernel only reads them.
        let sent = check(unsafe {
            libc::sendmmsg(
                self.op.as_raw_fd(),
                b.sends.as_mut_ptr(),
                n as libc::c_uint,
                0,
            )
        })?;
        if sent as usize != n || b.sends.iter().any(|m| m.msg_len as usize != input.len()) {
            return Err(io::Error::other(format!(
                "sendmmsg took {sent} of {n} messages"
            )));
        }
        *calls += 1;
        // SAFETY: every header points to its own iovec over a distinct chunk of `out`, which
        // outlive the call.
        let got = check(unsafe {
            libc::recvmmsg(
                self.op.as_raw_fd(),
                b.recvs.as_mut_ptr(),
                n as libc::c_uint,
                0,
                ptr::null_mut(),
            )
        })?;
        if got as usize != n || b.recvs.iter().any(|m| m.msg_len as usize != b.each) {
            return Err(io::Error::other(format!(
                "recvmmsg returned {got} of {n} outputs"
            )));
        }
        Ok(())
    }

    /// The operation socket's `SO_SNDBUF`: the bytes kcrypto lets it hold.
    pub fn sndbuf(&self) -> io::Result<usize> {
        let mut val: libc::c_int = 0;
        let mut len = size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `val` and `len` are writable and `len` is the size of `val`.
        check(unsafe {
            libc::getsockopt(
                self.op.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_SNDBUF,
                ptr::from_mut(&mut val).cast(),
                &mut len,
            )
        })?;
        usize::try_from(val).map_err(|_| io::Error::other("negative SO_SNDBUF"))
    }

    /// Sends messages of `input` without reading until the socket refuses the next (`EAGAIN`)
    /// or `max` are held; returns how many it took. A hash socket must be in record mode.
    pub fn fill(&mut self, input: &[u8], max: usize) -> io::Result<usize> {
        let mut calls = 0;
        for held in 0..max {
            match self.send(input, true, libc::MSG_DONTWAIT, &mut calls) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => return Ok(held),
                Err(e) => return Err(e),
            }
        }
        Ok(max)
    }

    /// Turns on `KCRYPTO_SET_RECORDS` (hash and cipher operation sockets): one message per
    /// iovec.
    pub fn set_records(&self) -> io::Result<()> {
        set_opt(
            self.op.as_raw_fd(),
            libc::SOL_ALG,
            KCRYPTO_SET_RECORDS,
            &1i32.to_ne_bytes(),
        )
    }

    /// `n` operations in two system calls on a socket in record mode: one sendmsg() of `n`
    /// iovecs (one message each: for a cipher, an IV and the input, encrypting), one recvmsg()
    /// of `n` iovecs (one digest or output each).
    pub fn op_records(
        &mut self,
        input: &[u8],
        out: &mut [u8],
        n: usize,
        calls: &mut u64,
    ) -> io::Result<()> {
        let mut b = self.batch(input, out, n);
        // SAFETY: msghdr is plain data; all zeroes is a valid value.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        if self.kind != Kind::Hash {
            let record = self.iv_len + input.len();
            let of = (input.as_ptr() as usize, input.len(), n);
            if self.records_of != of {
                self.records = Vec::with_capacity(n * record);
                for _ in 0..n {
                    self.records.resize(self.records.len() + self.iv_len, 0);
                    self.records.extend_from_slice(input);
                }
                self.records_of = of;
            }
            for (iov, chunk) in b.send_iovs.iter_mut().zip(self.records.chunks(record)) {
                iov.iov_base = chunk.as_ptr() as *mut libc::c_void;
                iov.iov_len = chunk.len();
            }
            msg.msg_control = self.records_cmsg.as_mut_ptr().cast();
            msg.msg_controllen = self.records_cmsg_len;
        }
        msg.msg_iov = b.send_iovs.as_mut_ptr();
        msg.msg_iovlen = b.send_iovs.len();
        let want: usize = b.send_iovs.iter().map(|iov| iov.iov_len).sum();
        *calls += 1;
        // SAFETY: `msg` points to `n` iovecs over `input` or `self.records` and to the control
        // buffer; the kernel only reads them.
        let sent = check_len(unsafe { libc::sendmsg(self.op.as_raw_fd(), &msg, 0) })?;
        if sent != want {
            return Err(io::Error::other(format!("sendmsg took {sent} bytes")));
        }
        msg.msg_control = ptr::null_mut();
        msg.msg_controllen = 0;
        msg.msg_iov = b.recv_iovs.as_mut_ptr();
        msg.msg_iovlen = b.recv_iovs.len();
        *calls += 1;
        // SAFETY: `msg` points to iovecs over distinct chunks of `out`.
        let got = check_len(unsafe { libc::recvmsg(self.op.as_raw_fd(), &mut msg, 0) })?;
        if got != out.len() {
            return Err(io::Error::other(format!(
                "recvmsg returned {got} of {} bytes",
                out.len()
            )));
        }
        Ok(())
    }

    /// `n` operations in one system call: `n` IORING_OP_SENDMSG and `n` IORING_OP_RECVMSG
    /// entries, linked so they run in order, submitted and waited for by one
    /// io_uring_enter().
    pub fn op_uring(
        &mut self,
        ring: &mut IoUring,
        input: &[u8],
        out: &mut [u8],
        n: usize,
        calls: &mut u64,
    ) -> io::Result<()> {
        let mut b = self.batch(input, out, n);
        let fd = types::Fd(self.op.as_raw_fd());
        let entries = b.sends.iter().map(|m| {
            opcode::SendMsg::new(fd, &m.msg_hdr)
                .build()
                .user_data(input.len() as u64)
        });
        let each = b.each as u64;
        let entries: Vec<squeue::Entry> = entries
            .chain(b.recvs.iter_mut().map(|m| {
                opcode::RecvMsg::new(fd, &mut m.msg_hdr)
                    .build()
                    .user_data(each)
            }))
            .collect();
        let last = entries.len() - 1;
        for (i, entry) in entries.into_iter().enumerate() {
            let entry = if i < last {
                entry.flags(squeue::Flags::IO_LINK)
            } else {
                entry
            };
            // SAFETY: every entry points to headers, iovecs and buffers in `b`, `input` and
            // `out`, which live until the completions are reaped below.
            unsafe { ring.submission().push(&entry) }
                .map_err(|_| io::Error::other("io_uring submission queue full"))?;
        }
        *calls += 1;
        ring.submit_and_wait(2 * n)?;
        let mut done = 0;
        for cqe in ring.completion() {
            done += 1;
            if cqe.result() < 0 {
                return Err(io::Error::from_raw_os_error(-cqe.result()));
            }
            if cqe.result() as u64 != cqe.user_data() {
                return Err(io::Error::other(format!(
                    "io_uring operation moved {} of {} bytes",
                    cqe.result(),
                    cqe.user_data()
                )));
            }
        }
        if done != 2 * n {
            return Err(io::Error::other(format!("{done} of {} completions", 2 * n)));
        }
        Ok(())
    }

    /// One operation by AF_ALG's zero-copy path: the control messages by sendmsg (ciphers), the
    /// data by vmsplice into a pipe and splice onto the socket, then recv.
    pub fn op_splice(&mut self, input: &[u8], out: &mut [u8], calls: &mut u64) -> io::Result<()> {
        if self.kind != Kind::Hash {
            self.send(&[], true, libc::MSG_MORE, calls)?;
        }
        let (rd, wr) = match &self.pipe {
            Some((rd, wr)) => (rd.as_raw_fd(), wr.as_raw_fd()),
            None => return Err(io::Error::other("no pipe")),
        };
        let mut off = 0;
        while off < input.len() {
            let rest = &input[off..];
            let iov = libc::iovec {
                iov_base: rest.as_ptr() as *mut libc::c_void,
                iov_len: rest.len(),
            };
            *calls += 1;
            // SAFETY: `iov` describes readable memory that outlives its use: the socket consumes the
            // pipe's pages before recv returns the output.
            let n = check_len(unsafe { libc::vmsplice(wr, &iov, 1, 0) })?;
            let mut left = n;
            while left > 0 {
                let more = if off + n < input.len() {
                    libc::SPLICE_F_MORE
                } else {
                    0
                };
                *calls += 1;
                // SAFETY: splice() between two descriptors, with no offsets.
                let m = check_len(unsafe {
                    libc::splice(
                        rd,
                        ptr::null_mut(),
                        self.op.as_raw_fd(),
                        ptr::null_mut(),
                        left,
                        more,
                    )
                })?;
                if m == 0 {
                    return Err(io::Error::other("splice moved nothing"));
                }
                left -= m;
            }
            off += n;
        }
        self.recv_all(out, calls)
    }
}

fn new_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: both were just returned by pipe2() and are owned by nobody else.
    let pipe = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: fcntl() with an integer argument.
    check(unsafe { libc::fcntl(pipe.1.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_SIZE) })?;
    Ok(pipe)
}
