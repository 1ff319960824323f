// SPDX-License-Identifier: GPL-2.0

//! Kernel-owned buffers for data that came from userspace.
//!
//! Keys, plaintext and digests only ever live in a [`SecretBuf`]: linearly mapped (kmalloc),
//! charged to the caller's memory cgroup, and wiped before the memory is freed.

use core::ops::{Deref, DerefMut};
use kernel::prelude::*;

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
        // SAFETY: The pointer and length describe the vector's initialised elements.
        unsafe { ffi::kcrypto_memzero_explicit(self.buf.as_mut_ptr().cast(), self.buf.len()) };
    }
}
