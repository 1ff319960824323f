// SPDX-License-Identifier: GPL-2.0

//! Safe wrappers over the kernel crypto API.
//!
//! Each type owns one crypto API object and frees it on drop; an operation that needs prior
//! set-up (a digest needs an initialised state) can only be reached through a value proving it.

pub(crate) mod hash;
pub(crate) mod aead;
pub(crate) mod rng;
pub(crate) mod skcipher;

use kernel::{error::from_err_ptr, prelude::*, str::CStr};

use crate::errno::Errno;

/// The longest algorithm name the crypto API accepts, terminator included.
pub(crate) const MAX_ALG_NAME: usize = 128;

/// Converts a length for the crypto API, which counts in `unsigned int`.
pub(crate) fn api_len(len: usize) -> Result<u32> {
    u32::try_from(len).map_err(|_| Errno::MessageSize.into())
}

/// Allocates a transform with `alloc(name, type, mask)` (a `crypto_alloc_*` function).
fn alloc<T>(
    name: &CStr,
    type_: u32,
    mask: u32,
    alloc: unsafe extern "C" fn(*const kernel::ffi::c_char, u32, u32) -> *mut T,
) -> Result<core::ptr::NonNull<T>> {
    if name.len() >= MAX_ALG_NAME {
        return Err(Errno::NameTooLong.into());
    }
    // SAFETY: `name` is NUL-terminated and outlives the call; a `crypto_alloc_*` function has
    // no other preconditions.
    let tfm = from_err_ptr(unsafe { alloc(name.as_char_ptr(), type_, mask) })?;
    core::ptr::NonNull::new(tfm).ok_or(ENOMEM)
}

/// Which way a cipher or AEAD runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Decrypt (`ALG_OP_DECRYPT`, AF_ALG's initial direction).
    Decrypt,
    /// Encrypt (`ALG_OP_ENCRYPT`).
    Encrypt,
}
