// SPDX-License-Identifier: GPL-2.0

//! kcrypto: a hardened, copy-based socket interface to the kernel crypto API.
//!
//! Data flows one way: user buffer → copy into kernel-owned memory → crypto API → copy out.
//! [`crypto`] wraps the crypto API, [`ffi`] holds every C function the crate calls and
//! [`errno`] names the error codes the `kernel` crate lacks.

// The socket family that uses the crypto wrappers is not there yet; until then only the
// KUnit suites call them.
#![cfg_attr(not(CONFIG_KUNIT), allow(dead_code))]

use kernel::prelude::*;

#[cfg(CONFIG_KUNIT)]
#[macro_use]
mod kunit;

mod crypto;
mod errno;
mod ffi;

module! {
    type: Kcrypto,
    name: "kcrypto",
    author: "The kcrypto developers",
    description: "Hardened copy-based socket interface to the kernel crypto API",
    license: "GPL",
}

struct Kcrypto;

impl kernel::Module for Kcrypto {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("loaded\n");
        Ok(Kcrypto)
    }
}

impl Drop for Kcrypto {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
