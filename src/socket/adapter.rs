// SPDX-License-Identifier: GPL-2.0

//! The Rust side of the socket operations table in `src/shim.c`.
//!
//! Each `kcrypto_state_*` function is one operation of that table: it turns the raw pointers
//! it gets from C into safe types and calls the matching [`Socket`] method. A socket's state is
//! a `Pin<KBox<Socket>>` handed to C as a foreign pointer when the socket is created and taken
//! back when it is released.

use core::ffi::c_void;
use kernel::{
    bindings,
    error::{from_result, to_result},
    ffi::{c_int, c_uint},
    prelude::*,
    types::ForeignOwnable,
};

use super::Socket;
use crate::{family, ffi, msg::Msg};

type SocketBox = Pin<KBox<Socket>>;

/// Borrows a socket's state.
///
/// # Safety
///
/// `state` must come from [`kcrypto_state_new`] or [`kcrypto_state_accept`] and not be freed
/// before the returned reference is dropped.
unsafe fn socket<'a>(state: *const c_void) -> Pin<&'a Socket> {
    // SAFETY: The caller guarantees `state` is a live foreign `SocketBox`.
    unsafe { SocketBox::borrow(state) }
}

/// Converts a byte count for return to C; the socket layer keeps counts below `INT_MAX`.
fn count(len: usize) -> Result<c_int> {
    c_int::try_from(len).map_err(|_| EINVAL)
}

/// Creates the state of a new socket in `*out`.
///
/// # Safety
///
/// `out` must be valid for writes.
#[no_mangle]
unsafe extern "C" fn kcrypto_state_new(out: *mut *const c_void) -> c_int {
    from_result(|| {
        let state = KBox::pin_init(Socket::unbound(), GFP_KERNEL_ACCOUNT)?;
        // SAFETY: The caller guarantees `out` is valid for writes.
        unsafe { out.write(state.into_foreign()) };
        Ok(0)
    })
}

/// Frees a socket's state.
///
/// # Safety
///
/// `state` must come from [`kcrypto_state_new`] or [`kcrypto_state_accept`] and must not be
/// used afterwards.
#[no_mangle]
unsafe extern "C" fn kcrypto_state_free(state: *const c_void) {
    if !state.is_null() {
        // SAFETY: The caller passes ownership of a live foreign `SocketBox`.
        drop(unsafe { SocketBox::from_foreign(state) });
    }
}

/// `bind`: `addr` is the kernel's copy of the caller's address.
///
/// # Safety
///
/// `state` must be a live socket state and `addr` valid for reads of `len` bytes.
#[no_mangle]
unsafe extern "C" fn kcrypto_state_bind(
    state: *const c_void,
    addr: *const bindings::sockaddr,
    len: c_int,
) -> c_int {
    from_result(|| {
        let len = usize::try_from(len).map_err(|_| EINVAL)?;
        if addr.is_null() {
            return Err(EINVAL);
        }
        // SAFETY: The caller guarantees `addr` is valid for `len` bytes.
        let addr = unsafe { core::slice::from_raw_parts(addr.cast::<u8>(), len) };
        // SAFETY: The caller guarantees `state` is live.
        unsafe { socket(state) }.bind(addr, family::number())?;
        Ok(0)
    })
}

/// `accept`: creates the state of the accepted socket in `*child`.
///
/// # Safety
///
/// `state` must be a live socket state and `child` valid for writes.
#[no_mangle]
unsafe extern "C" fn kcrypto_state_accept(
    state: *const c_void,
    child: *mut *const c_void,
) -> c_int {
    from_result(|| {
        // SAFETY: The caller guarantees `state` is live.
        let init = unsafe { socket(state) }.accept()?;
        let new = KBox::pin_init(init, GFP_KERNEL_ACCOUNT)?;
        // SAFETY: The caller guarantees `child` is valid for writes.
        unsafe { child.write(new.into_foreign()) };
        Ok(0)
    })
}

/// `setsockopt` for levels other than `SOL_SOCKET`.
///
/// # Safety
///
/// `state` must be a live socket state and `optval` point to the call's `sockptr_t`, whose
/// memory holds `optlen` bytes.
#[no_mangle]
unsafe extern "C" fn kcrypto_state_setsockopt(
    state: *const c_void,
    level: c_int,
    optname: c_int,
    optval: *const bindings::sockptr_t,
    optlen: c_uint,
) -> c_int {
    from_result(|| {
        let read = |buf: &mut [u8]| {
            // SAFETY: The caller guarantees `optval` holds `optlen` bytes; `set_option` asks
            // for at most `optlen` bytes into a buffer of that size.
            to_result(unsafe {
                ffi::kcrypto_copy_from_sockptr(buf.as_mut_ptr().cast(), optval, buf.len())
            })
        };
        // SAFETY: The caller guarantees `state` is live.
        unsafe { socket(state) }.set_option(level, optname, optlen as usize, read)?;
        Ok(0)
    })
}

/// `getsockopt` at level `SOL_ALG`: fills `buf` (`size` bytes) and sets `*needed` to the
/// length of the whole answer, which may exceed `size`.
///
/// # Safety
///
/// `state` must be a live socket state, `buf` valid for writes of `size` bytes and `needed`
/// valid for writes.
#[no_mangle]
unsafe extern "C" fn kcrypto_state_getsockopt(
    state: *const c_void,
    optname: c_int,
    buf: *mut c_void,
    size: usize,
    needed: *mut usize,
) -> c_int {
    from_result(|| {
        if buf.is_null() {
            return Err(EINVAL);
        }
        // SAFETY: The caller guarantees `buf` is valid for writes of `size` bytes.
        let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), size) };
        // SAFETY: The caller guarantees `state` is live.
        let len = unsafe { socket(state) }.get_option(optname, buf)?;
        // SAFETY: The caller guarantees `needed` is valid for writes.
        unsafe { needed.write(len) };
        Ok(0)
    })
}

/// `sendmsg`: returns the number of bytes taken.
///
/// # Safety
///
/// `state` must be a live socket state, `sk` its `struct sock` and `msg` the call's message.
#[no_mangle]
unsafe extern "C" fn kcrypto_state_sendmsg(
    state: *const c_void,
    sk: *mut ffi::Sock,
    msg: *mut bindings::msghdr,
    _len: usize,
) -> c_int {
    from_result(|| {
        // SAFETY: The caller guarantees `msg` is the call's message, used by nobody else, on
        // the socket `sk`.
        let mut msg = unsafe { Msg::from_raw(msg, sk) }?;
        // SAFETY: The caller guarantees `state` is live.
        count(unsafe { socket(state) }.send(&mut msg)?)
    })
}

/// Publishes readiness for `poll` (see [`Socket::publish_ready`]).
///
/// # Safety
///
/// `state` must be a live socket state and `sk` its socket.
#[no_mangle]
unsafe extern "C" fn kcrypto_state_update_ready(state: *const c_void, sk: *mut ffi::Sock) {
    // SAFETY: The caller guarantees `state` is live and `sk` its socket.
    unsafe { socket(state) }.publish_ready(
        |readable, writable, held| {
            // SAFETY: The caller guarantees `sk` is the socket; the C side only stores the flags
            // and the figure and wakes waiters.
            unsafe { ffi::kcrypto_sock_publish_ready(sk, readable, writable, held) }
        },
        || {
            // SAFETY: As above.
            unsafe { ffi::kcrypto_sock_sndbuf(sk) }
        },
    );
}

/// `recvmsg`: returns the number of bytes written.
///
/// # Safety
///
/// `state` must be a live socket state and `msg` the call's message.
#[no_mangle]
unsafe extern "C" fn kcrypto_state_recvmsg(
    state: *const c_void,
    msg: *mut bindings::msghdr,
    len: usize,
    flags: c_int,
) -> c_int {
    from_result(|| {
        // SAFETY: The caller guarantees `msg` is the call's message, used by nobody else.
        let mut msg = unsafe { Msg::from_raw(msg, core::ptr::null_mut()) }?;
        let wait = flags as u32 & bindings::MSG_DONTWAIT == 0;
        // SAFETY: The caller guarantees `state` is live.
        count(unsafe { socket(state) }.receive(&mut msg, len, wait)?)
    })
}
