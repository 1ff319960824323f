// SPDX-License-Identifier: GPL-2.0

//! Keys from the caller's keyrings (`ALG_SET_KEY_BY_KEY_SERIAL`), so a secret can reach a
//! transform without ever passing through the caller's memory.

use kernel::{error::to_result, prelude::*};

use crate::{buffer::SecretBuf, ffi, limits};

/// Copies the payload of the `user` or `logon` key `serial`, which the caller must be allowed to
/// search for: the keyring's errno otherwise (`ENOKEY`, `EACCES`, `EKEYREVOKED`, ...), and
/// `EKEYREJECTED` for a key of another type, `EMSGSIZE` for a payload over the key size limit.
pub(crate) fn read(serial: i32) -> Result<SecretBuf> {
    let mut buf = SecretBuf::zeroed(limits::MAX_KEY_BYTES)?;
    // SAFETY: `buf` is valid for writes of its length; the C side takes and drops its own
    // reference to the key.
    let len = unsafe { ffi::kcrypto_key_read(serial, buf.as_mut_ptr(), buf.len()) };
    to_result(len)?;
    buf.truncate(usize::try_from(len).map_err(|_| EINVAL)?);
    Ok(buf)
}

/// Whether the caller has `CAP_SYS_ADMIN` (needed to fix a DRBG's entropy).
pub(crate) fn capable_sys_admin() -> bool {
    // SAFETY: Checks the current task's credentials; no preconditions.
    unsafe { ffi::kcrypto_capable_sys_admin() }
}
