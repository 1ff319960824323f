// SPDX-License-Identifier: GPL-2.0

//! Registration of the `AF_KCRYPTO` socket family.
//!
//! The `net_proto_family` and `proto_ops` tables live in `src/shim.c` and call into
//! [`crate::socket::adapter`]. The family number is the module parameter `family`.

use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{error::to_result, prelude::*};

use crate::ffi;

/// Whether the family is registered: there is only one `net_proto_family` to register.
static REGISTERED: AtomicBool = AtomicBool::new(false);

/// The registered family; unregisters it when dropped.
///
/// Sockets hold a reference to the module, so the module (and with it this value) cannot go
/// away while any socket of the family exists.
pub(crate) struct Registration(());

impl Registration {
    /// Registers the family; `EEXIST` if its number is taken (the kernel log names it).
    pub(crate) fn new() -> Result<Self> {
        if REGISTERED.swap(true, Ordering::AcqRel) {
            return Err(EBUSY);
        }
        // SAFETY: `REGISTERED` guarantees this is the only registration.
        if let Err(err) = to_result(unsafe { ffi::kcrypto_family_register() }) {
            REGISTERED.store(false, Ordering::Release);
            return Err(err);
        }
        Ok(Self(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: `self` exists, so the family is registered; this is the only value that
        // unregisters it.
        unsafe { ffi::kcrypto_family_unregister() };
        REGISTERED.store(false, Ordering::Release);
    }
}

/// The family number in use (module parameter `family`).
pub(crate) fn number() -> u16 {
    // SAFETY: Reads a module parameter; no preconditions.
    let family = unsafe { ffi::kcrypto_param_family() };
    // The C side refuses numbers outside 1..NPROTO before registering.
    u16::try_from(family).unwrap_or(0)
}
