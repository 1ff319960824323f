// SPDX-License-Identifier: GPL-2.0

//! Thin wrappers over the system calls the fuzzer drives: raw file
//! descriptors in, `Ok(return value)` or `Err(errno)` out, nothing checked,
//! so every malformed argument reaches the kernel as generated.

use std::ptr;

/// A system call's result: its non-negative return value or its errno.
pub type SysResult = Result<usize, i32>;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn ret(value: isize) -> SysResult {
    if value < 0 {
        Err(errno())
    } else {
        Ok(value as usize)
    }
}

pub fn socket(domain: i32, type_: i32, protocol: i32) -> SysResult {
    // SAFETY: no pointers are passed.
    ret(unsafe { libc::socket(domain, type_ | libc::SOCK_CLOEXEC, protocol) } as isize)
}

pub fn bind(fd: i32, addr: &[u8]) -> SysResult {
    // SAFETY: `addr` is valid for `addr.len()` bytes; the kernel reads at
    // most that many (and refuses lengths it cannot use).
    ret(unsafe { libc::bind(fd, addr.as_ptr().cast(), addr.len() as libc::socklen_t) } as isize)
}

/// `setsockopt` with `value` (or NULL) and an `optlen` that may differ from
/// the value's size only when `value` is `None` (the AUTHSIZE convention).
pub fn setsockopt(fd: i32, level: i32, name: i32, value: Option<&[u8]>, len: u32) -> SysResult {
    let (ptr, len) = match value {
        Some(value) => (value.as_ptr().cast(), value.len() as libc::socklen_t),
        None => (ptr::null(), len),
    };
    // SAFETY: `ptr` is NULL or valid for `len` bytes.
    ret(unsafe { libc::setsockopt(fd, level, name, ptr, len) } as isize)
}

/// `getsockopt` into `buf`; returns the `optlen` the kernel wrote back.
pub fn getsockopt(fd: i32, level: i32, name: i32, buf: &mut [u8]) -> SysResult {
    let mut len = buf.len() as libc::socklen_t;
    // SAFETY: `buf` is valid for `len` bytes and `len` is a valid socklen_t.
    let rc = unsafe { libc::getsockopt(fd, level, name, buf.as_mut_ptr().cast(), &mut len) };
    ret(rc as isize).map(|_| len as usize)
}

pub fn accept(fd: i32) -> SysResult {
    // SAFETY: NULL address and length are allowed.
    ret(unsafe { libc::accept4(fd, ptr::null_mut(), ptr::null_mut(), libc::SOCK_CLOEXEC) } as isize)
}

/// `sendmsg` of `parts` with raw control bytes and an optional raw name.
pub fn sendmsg(fd: i32, parts: &[&[u8]], control: &[u8], name: &[u8], flags: i32) -> SysResult {
    let iov: Vec<libc::iovec> = parts
        .iter()
        .map(|part| libc::iovec {
            iov_base: part.as_ptr().cast_mut().cast(),
            iov_len: part.len(),
        })
        .collect();
    // SAFETY: all-zero is a valid msghdr (no name, no buffers).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = iov.as_ptr().cast_mut();
    msg.msg_iovlen = iov.len();
    if !control.is_empty() {
        msg.msg_control = control.as_ptr().cast_mut().cast();
        msg.msg_controllen = control.len();
    }
    if !name.is_empty() {
        msg.msg_name = name.as_ptr().cast_mut().cast();
        msg.msg_namelen = name.len() as libc::socklen_t;
    }
    // SAFETY: every pointer in `msg` is valid for its length for the call;
    // the kernel only reads them.
    ret(unsafe { libc::sendmsg(fd, &msg, flags) })
}

/// What `recvmsg` returned: bytes and control bytes written.
#[derive(Debug)]
pub struct Received {
    pub len: usize,
    pub control_len: usize,
}

pub fn recvmsg(fd: i32, buf: &mut [u8], control: &mut [u8], flags: i32) -> Result<Received, i32> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: all-zero is a valid msghdr.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if !control.is_empty() {
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = control.len();
    }
    // SAFETY: the buffers in `msg` are valid and writable for their lengths.
    let len = ret(unsafe { libc::recvmsg(fd, &mut msg, flags) })?;
    Ok(Received {
        len,
        control_len: msg.msg_controllen,
    })
}

pub fn splice(fd_in: i32, fd_out: i32, len: usize, flags: u32) -> SysResult {
    // SAFETY: NULL offsets: both files are used at their current position.
    ret(unsafe { libc::splice(fd_in, ptr::null_mut(), fd_out, ptr::null_mut(), len, flags) })
}

pub fn sendfile(out_fd: i32, in_fd: i32, offset: i64, count: usize) -> SysResult {
    let mut offset = offset as libc::off_t;
    // SAFETY: `offset` is a valid off_t for the call.
    ret(unsafe { libc::sendfile(out_fd, in_fd, &mut offset, count) })
}

pub fn vmsplice(fd: i32, data: &[u8], flags: u32) -> SysResult {
    let iov = libc::iovec {
        iov_base: data.as_ptr().cast_mut().cast(),
        iov_len: data.len(),
    };
    // SAFETY: `iov` describes `data`, which outlives the call; without
    // SPLICE_F_GIFT the pipe only references the pages while `data` lives,
    // and the fuzzer splices or closes the pipe before dropping `data`.
    ret(unsafe { libc::vmsplice(fd, &iov, 1, flags) })
}

/// A pipe, both ends non-blocking.
pub fn pipe() -> Result<(i32, i32), i32> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    ret(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } as isize)?;
    Ok((fds[0], fds[1]))
}

pub fn write(fd: i32, data: &[u8]) -> SysResult {
    // SAFETY: `data` is valid for its length.
    ret(unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) })
}

pub fn poll(fds: &mut [libc::pollfd], timeout_ms: i32) -> SysResult {
    // SAFETY: `fds` is a valid array of its length.
    ret(unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) } as isize)
}

pub fn close(fd: i32) -> SysResult {
    // SAFETY: closing a descriptor this program owns.
    ret(unsafe { libc::close(fd) } as isize)
}

pub fn dup(fd: i32) -> SysResult {
    // SAFETY: no pointers are passed.
    ret(unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) } as isize)
}

/// `add_key(type, description, payload, keyring)`: the new key's serial.
pub fn add_key(type_: &str, description: &str, payload: &[u8], keyring: i32) -> Result<i32, i32> {
    let type_ = std::ffi::CString::new(type_).map_err(|_| libc::EINVAL)?;
    let description = std::ffi::CString::new(description).map_err(|_| libc::EINVAL)?;
    // SAFETY: the strings are NUL-terminated, `payload` is valid for its
    // length (NULL and 0 for a keyring).
    let rc = unsafe {
        libc::syscall(
            libc::SYS_add_key,
            type_.as_ptr(),
            description.as_ptr(),
            if payload.is_empty() {
                ptr::null()
            } else {
                payload.as_ptr()
            },
            payload.len(),
            keyring,
        )
    };
    ret(rc as isize).map(|serial| serial as i32)
}

/// `keyctl(KEYCTL_REVOKE, serial)`.
pub fn revoke_key(serial: i32) -> SysResult {
    const KEYCTL_REVOKE: libc::c_long = 3;
    // SAFETY: no pointers are passed.
    ret(unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_REVOKE, serial) } as isize)
}

/// The symbolic name of an errno, for histograms and logs.
pub fn errno_name(errno: i32) -> String {
    let name = match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENODEV => "ENODEV",
        libc::EINVAL => "EINVAL",
        libc::ENFILE => "ENFILE",
        libc::EMFILE => "EMFILE",
        libc::ESPIPE => "ESPIPE",
        libc::EPIPE => "EPIPE",
        libc::EDOM => "EDOM",
        libc::ERANGE => "ERANGE",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::ENOSYS => "ENOSYS",
        libc::ELOOP => "ELOOP",
        libc::ENOPKG => "ENOPKG",
        libc::ELIBBAD => "ELIBBAD",
        libc::EBADMSG => "EBADMSG",
        libc::EOVERFLOW => "EOVERFLOW",
        libc::ENOTSOCK => "ENOTSOCK",
        libc::EDESTADDRREQ => "EDESTADDRREQ",
        libc::EMSGSIZE => "EMSGSIZE",
        libc::EPROTOTYPE => "EPROTOTYPE",
        libc::ENOPROTOOPT => "ENOPROTOOPT",
        libc::EPROTONOSUPPORT => "EPROTONOSUPPORT",
        libc::ESOCKTNOSUPPORT => "ESOCKTNOSUPPORT",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::EAFNOSUPPORT => "EAFNOSUPPORT",
        libc::EISCONN => "EISCONN",
        libc::ENOTCONN => "ENOTCONN",
        libc::ENOBUFS => "ENOBUFS",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::ENOKEY => "ENOKEY",
        libc::EKEYEXPIRED => "EKEYEXPIRED",
        libc::EKEYREVOKED => "EKEYREVOKED",
        libc::EKEYREJECTED => "EKEYREJECTED",
        524 => "ENOTSUPP",
        _ => return format!("E{errno}"),
    };
    name.to_owned()
}
