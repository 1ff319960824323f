// SPDX-License-Identifier: GPL-2.0

//! Size limits, checked before any buffer or crypto API object is created.
//!
//! Fixed limits are constants; tunable ones are module parameters defined in `src/shim.c`.

use crate::ffi;

/// Largest key `ALG_SET_KEY` accepts (a 4096-bit key plus room for encodings).
pub(crate) const MAX_KEY_BYTES: usize = 1024;

/// Bytes copied from a message per step: bounds the memory one call holds at a time (an
/// order-2 allocation, within even the old 20 KiB `net.core.optmem_max` default).
pub(crate) const COPY_CHUNK: usize = 16 * 1024;

/// The largest digest of any hash (`HASH_MAX_DIGESTSIZE`).
pub(crate) const MAX_DIGEST_BYTES: usize = 64;

/// Lets other tasks run between steps of a long operation; true if the caller is being
/// killed and should stop.
pub(crate) fn yield_now() -> bool {
    // SAFETY: Called from process context (a socket call); no other preconditions.
    unsafe { ffi::kcrypto_yield() }
}

/// Most bytes one operation may take in (module parameter `max_op_bytes`).
pub(crate) fn max_op_bytes() -> u64 {
    // SAFETY: Reads a module parameter; no preconditions.
    unsafe { ffi::kcrypto_param_max_op_bytes() }
}
