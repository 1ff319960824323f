// SPDX-License-Identifier: GPL-2.0

//! kcrypto: a hardened, copy-based socket interface to the kernel crypto API.
//!
//! Data flows one way: user buffer → copy into kernel-owned memory ([`buffer`], [`msg`]) →
//! crypto API ([`crypto`]) → copy out. [`family`] registers the `AF_KCRYPTO` socket family,
//! [`socket`] holds each socket's state machine, [`ops`] the operation types. [`ffi`] declares
//! every C function the crate calls, [`errno`] the error codes the `kernel` crate lacks,
//! [`limits`] the size limits and [`policy`] which algorithms a socket may bind to.

use kernel::prelude::*;

#[cfg(CONFIG_KUNIT = "y")]
#[macro_use]
mod kunit;

mod buffer;
mod crypto;
mod errno;
mod family;
mod ffi;
mod keys;
mod limits;
mod msg;
mod ops;
mod policy;
mod socket;

module! {
    type: Kcrypto,
    name: "kcrypto",
    author: "The kcrypto developers",
    description: "Hardened copy-based socket interface to the kernel crypto API",
    license: "GPL",
}

struct Kcrypto {
    // Dropped in this order: no socket is left to submit a request when requests go.
    _family: family::Registration,
    _requests: crypto::request::Requests,
}

impl kernel::Module for Kcrypto {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let requests = crypto::request::Requests::new()?;
        let family = family::Registration::new()?;
        pr_info!("socket family {} registered\n", family::number());
        Ok(Kcrypto {
            _family: family,
            _requests: requests,
        })
    }
}

impl Drop for Kcrypto {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
