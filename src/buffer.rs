// SPDX-License-Identifier: GPL-2.0

//! Kernel-owned buffers for data that came from userspace.
//!
//! Keys, plaintext and digests only ever live in a [`SecretBuf`] or a [`SockBuf`]: linearly
//! mapped (kmalloc), charged to the caller's memory cgroup (and a [`SockBuf`] to its socket),
//! and wiped before the memory is freed.

use core::{
    marker::PhantomData,
    ops::{Deref, DerefMut},
    ptr::NonNull,
};
use kernel::{error::from_err_ptr, prelude::*};

use crate::ffi;

/// A zero-initialised byte buffer that is wiped on drop.
pub(crate) struct SecretBuf {
    buf: KVec<u8>,
}

impl SecretBuf {
    /// Allocates `len` zero bytes, charged to the current task's memory cgroup.
    pub(crate) fn zeroed(len: usize) -> Result<Self> {
        Ok(Self {
            buf: KVec::from_elem(0u8, len, GFP_KERNEL_ACCOUNT)?,
        })
    }
}

impl Deref for SecretBuf {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.buf.as_slice()
    }
}

impl DerefMut for SecretBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.buf.as_mut_slice()
    }
}

impl Drop for SecretBuf {
    fn drop(&mut self) {
        wipe(&mut self.buf);
    }
}

/// Zeroes `buf` in a way the compiler cannot elide (`memzero_explicit`).
pub(crate) fn wipe(buf: &mut [u8]) {
    // SAFETY: The pointer and length describe `buf`, valid for writes.
    unsafe { ffi::kcrypto_memzero_explicit(buf.as_mut_ptr().cast(), buf.len()) };
}

/// A zeroed buffer charged to a socket's option memory (`net.core.optmem_max`), wiped and
/// uncharged on drop.
///
/// # Invariants
///
/// `buf` was returned by `kcrypto_sock_buf_alloc(sk, len)`, is owned by this value, and `sk`
/// stays live for `'a`.
pub(crate) struct SockBuf<'a> {
    sk: NonNull<ffi::Sock>,
    buf: NonNull<u8>,
    len: usize,
    _sock: PhantomData<&'a ffi::Sock>,
}

impl SockBuf<'_> {
    /// Allocates `len` zero bytes charged to `sk`.
    ///
    /// # Safety
    ///
    /// `sk` must be a live socket for the lifetime of the returned value.
    pub(crate) unsafe fn new(sk: NonNull<ffi::Sock>, len: usize) -> Result<Self> {
        // SAFETY: The caller guarantees `sk` is live.
        let buf = from_err_ptr(unsafe { ffi::kcrypto_sock_buf_alloc(sk.as_ptr(), len) })?;
        let buf = NonNull::new(buf.cast::<u8>()).ok_or(ENOMEM)?;
        // INVARIANT: `buf` was just allocated for `sk` with `len` bytes.
        Ok(Self {
            sk,
            buf,
            len,
            _sock: PhantomData,
        })
    }
}

impl Deref for SockBuf<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: `buf` holds `len` zero-initialised bytes owned by `self` (type invariant).
        unsafe { core::slice::from_raw_parts(self.buf.as_ptr(), self.len) }
    }
}

impl DerefMut for SockBuf<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: `buf` holds `len` initialised bytes owned by `self` (type invariant).
        unsafe { core::slice::from_raw_parts_mut(self.buf.as_ptr(), self.len) }
    }
}

impl Drop for SockBuf<'_> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant `buf` came from `kcrypto_sock_buf_alloc(sk, len)` and
        // `sk` is still live.
        unsafe { ffi::kcrypto_sock_buf_free(self.sk.as_ptr(), self.buf.as_ptr().cast(), self.len) };
    }
}
