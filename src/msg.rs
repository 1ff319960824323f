// SPDX-License-Identifier: GPL-2.0

//! The message of a `sendmsg`/`recvmsg` call, through which data crosses to and from userspace.
//!
//! Data only moves by copying between the message and kernel-owned buffers; no page of the
//! message is ever referenced afterwards, whatever backs it (user memory or spliced pages).

use core::{marker::PhantomData, ptr::NonNull};
use kernel::{bindings, error::to_result, prelude::*};

use crate::ffi;

/// `MSG_MORE`: more data of this operation follows.
pub(crate) const MSG_MORE: u32 = bindings::MSG_MORE;
/// `MSG_TRUNC`: the output did not fit in the receive buffer.
pub(crate) const MSG_TRUNC: u32 = bindings::MSG_TRUNC;

/// A socket message handed to a `sendmsg` or `recvmsg` callback.
///
/// # Invariants
///
/// `raw` points to the live `struct msghdr` of the call in progress, used by nobody else for
/// `'a`.
pub(crate) struct Msg<'a> {
    raw: NonNull<bindings::msghdr>,
    _call: PhantomData<&'a mut bindings::msghdr>,
}

impl Msg<'_> {
    /// Wraps the message of a socket callback.
    ///
    /// # Safety
    ///
    /// `raw` must be the message of the callback in progress, not used elsewhere while the
    /// returned value exists.
    pub(crate) unsafe fn from_raw(raw: *mut bindings::msghdr) -> Result<Self> {
        let raw = NonNull::new(raw).ok_or(EINVAL)?;
        // INVARIANT: The caller guarantees exclusive use of the live message.
        Ok(Self {
            raw,
            _call: PhantomData,
        })
    }

    /// The `MSG_*` flags of the message.
    pub(crate) fn flags(&self) -> u32 {
        // SAFETY: `raw` is live and exclusively ours (type invariant).
        unsafe { (*self.raw.as_ptr()).msg_flags }
    }

    /// Adds `flags` to the flags returned to userspace.
    pub(crate) fn add_flags(&mut self, flags: u32) {
        // SAFETY: `raw` is live and exclusively ours (type invariant).
        unsafe { (*self.raw.as_ptr()).msg_flags |= flags };
    }

    /// The number of bytes left to copy from (or room left to copy into) the message.
    pub(crate) fn data_left(&self) -> usize {
        // SAFETY: `raw` is live and exclusively ours (type invariant).
        unsafe { ffi::kcrypto_msg_data_left(self.raw.as_ptr().cast()) }
    }

    /// Fills `buf` from the message; `EFAULT` unless all of it could be copied.
    pub(crate) fn copy_from(&mut self, buf: &mut [u8]) -> Result {
        // SAFETY: `raw` is live and exclusively ours (type invariant); `buf` is valid for writes
        // of its length.
        to_result(unsafe {
            ffi::kcrypto_msg_copy_from(self.raw.as_ptr().cast(), buf.as_mut_ptr().cast(), buf.len())
        })
    }

    /// Copies `buf` into the message; `EFAULT` unless all of it could be copied.
    pub(crate) fn copy_to(&mut self, buf: &[u8]) -> Result {
        // SAFETY: `raw` is live and exclusively ours (type invariant); `buf` is valid for reads
        // of its length.
        to_result(unsafe {
            ffi::kcrypto_msg_copy_to(self.raw.as_ptr().cast(), buf.as_ptr().cast(), buf.len())
        })
    }
}
