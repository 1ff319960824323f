// SPDX-License-Identifier: GPL-2.0

//! Safe wrappers over the kernel crypto API.
//!
//! Each type owns one crypto API object and frees it on drop; an operation that needs prior
//! set-up (a digest needs an initialised state) can only be reached through a value proving it.

pub(crate) mod aead;
pub(crate) mod akcipher;
pub(crate) mod hash;
pub(crate) mod request;
pub(crate) mod rng;
pub(crate) mod skcipher;

use kernel::{error::from_err_ptr, error::to_result, prelude::*, str::CStr};

use crate::{errno::Errno, ffi};

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

/// A description of an implementation (`struct kcrypto_alg_info`), as userspace gets it.
#[derive(Clone, Copy)]
pub(crate) struct AlgInfo(ffi::AlgInfo);

impl AlgInfo {
    /// Size of the record in bytes.
    pub(crate) const SIZE: usize = core::mem::size_of::<ffi::AlgInfo>();

    /// Fills a record with `fill`, which writes a whole `struct kcrypto_alg_info`.
    pub(crate) fn read(fill: impl FnOnce(*mut ffi::AlgInfo)) -> Self {
        let mut info = ffi::AlgInfo::zeroed();
        fill(&mut info);
        Self(info)
    }

    /// Fills a record with `fill`, which writes a whole `struct kcrypto_alg_info` or returns a
    /// negative errno.
    pub(crate) fn try_read(
        fill: impl FnOnce(*mut ffi::AlgInfo) -> kernel::ffi::c_int,
    ) -> Result<Self> {
        let mut info = ffi::AlgInfo::zeroed();
        to_result(fill(&mut info))?;
        Ok(Self(info))
    }

    /// The generic algorithm name (`cra_name`), without its terminator.
    pub(crate) fn name(&self) -> &[u8] {
        let name = &self.0.name;
        let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        &name[..end]
    }

    /// The implementation's driver name.
    pub(crate) fn driver(&self) -> &[u8] {
        let driver = &self.0.driver;
        &driver[..driver.iter().position(|&b| b == 0).unwrap_or(driver.len())]
    }

    /// Whether the implementation runs off the CPU (`KCRYPTO_ALG_HARDWARE`).
    pub(crate) fn is_hardware(&self) -> bool {
        self.0.flags & 0x2 != 0
    }

    /// The record as the bytes userspace reads.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        // SAFETY: `ffi::AlgInfo` is `repr(C)` plain data without padding (byte arrays, then two
        // `u32` at a 4-aligned offset), so all of its bytes are initialised.
        unsafe { core::slice::from_raw_parts((&self.0 as *const ffi::AlgInfo).cast(), Self::SIZE) }
    }
}

/// Writes as many implementation records as fit into `buf`; returns the size of the whole
/// list in bytes (more than `buf.len()` if it did not fit).
pub(crate) fn list_algorithms(buf: &mut [u8]) -> Result<usize> {
    let room = buf.len() / AlgInfo::SIZE;
    let mut records = KVVec::<ffi::AlgInfo>::with_capacity(room, GFP_KERNEL_ACCOUNT)?;
    // SAFETY: `records` has room for `room` records, which the C side writes whole.
    let count = unsafe { ffi::kcrypto_alg_list(records.as_mut_ptr(), room) };
    // SAFETY: The first `min(count, room)` records were initialised by the call above.
    unsafe { records.set_len(count.min(room)) };
    let mut at = 0;
    for record in records.iter() {
        let bytes = AlgInfo(*record);
        let bytes = bytes.as_bytes();
        if let Some(out) = buf.get_mut(at..at + bytes.len()) {
            out.copy_from_slice(bytes);
        }
        at += bytes.len();
    }
    count.checked_mul(AlgInfo::SIZE).ok_or(ENOMEM)
}

/// The driver name of the best hardware implementation of `name` of type `kind`; `ENODEV` if
/// there is none.
pub(crate) fn find_hardware(name: &CStr, kind: &CStr) -> Result<[u8; MAX_ALG_NAME]> {
    let mut driver = [0u8; MAX_ALG_NAME];
    // SAFETY: `name` and `kind` are NUL-terminated; `driver` is valid for its length.
    to_result(unsafe {
        ffi::kcrypto_find_hardware(
            name.as_char_ptr(),
            kind.as_char_ptr(),
            driver.as_mut_ptr().cast(),
            driver.len(),
        )
    })?;
    Ok(driver)
}

/// The driver name of the highest-priority implementation of `name` (generic or driver name)
/// of type `kind` that the policy lets serve a socket (`software`: synchronous CPU code only);
/// `ENOENT` if there is none.
pub(crate) fn find_servable(
    name: &CStr,
    kind: &CStr,
    software: bool,
) -> Result<[u8; MAX_ALG_NAME]> {
    let mut driver = [0u8; MAX_ALG_NAME];
    // SAFETY: `name` and `kind` are NUL-terminated; `driver` is valid for its length.
    to_result(unsafe {
        ffi::kcrypto_find_servable(
            name.as_char_ptr(),
            kind.as_char_ptr(),
            software,
            driver.as_mut_ptr().cast(),
            driver.len(),
        )
    })?;
    Ok(driver)
}

/// A transform of any type: which implementation serves it.
pub(crate) trait Served {
    /// The implementation serving the transform.
    fn served_by(&self) -> AlgInfo;
}

/// A name resolved without a transform (see [`akcipher::lookup`]) is served by what it found.
impl Served for AlgInfo {
    fn served_by(&self) -> AlgInfo {
        *self
    }
}

/// Which way a cipher or AEAD runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Decrypt (`ALG_OP_DECRYPT`, AF_ALG's initial direction).
    Decrypt,
    /// Encrypt (`ALG_OP_ENCRYPT`).
    Encrypt,
}
