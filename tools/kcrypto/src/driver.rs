// SPDX-License-Identifier: GPL-2.0

//! Which implementation serves a socket, and which ones a caller may choose
//! (`KCRYPTO_GET_DRIVER`, `KCRYPTO_LIST_ALGS`; kcrypto only, not AF_ALG).
//!
//! ```no_run
//! use kcrypto::{Family, driver};
//!
//! for d in driver::list(Family::discover()?)? {
//!     if d.hardware {
//!         println!("{} {} (priority {})", d.name, d.driver, d.priority);
//!     }
//! }
//! # Ok::<(), kcrypto::Error>(())
//! ```

use crate::{Error, Family, Result, Socket};

/// `SOL_ALG`.
const SOL_ALG: i32 = 279;
/// `getsockopt` option: the implementation serving a bound or operation socket.
const KCRYPTO_GET_DRIVER: i32 = 64;
/// `getsockopt` option: every implementation a caller may bind to.
const KCRYPTO_LIST_ALGS: i32 = 65;
/// `KCRYPTO_ALG_ASYNC`.
const FLAG_ASYNC: u32 = 0x1;
/// `KCRYPTO_ALG_HARDWARE`.
const FLAG_HARDWARE: u32 = 0x2;
/// `sizeof(struct kcrypto_alg_info)`.
const RECORD: usize = 16 + 128 + 128 + 64 + 4 + 4;

/// `CRYPTO_ALG_KERN_DRIVER_ONLY`, the flag bind addresses select a class with.
pub const KERN_DRIVER_ONLY: u32 = 0x1000;

/// Which implementations a socket may be bound to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Class {
    /// The highest-priority implementation.
    #[default]
    Any,
    /// Synchronous CPU code only.
    Software,
    /// Off-CPU drivers only (`ENODEV` at bind if there is none).
    Hardware,
}

impl Class {
    /// `salg_feat` and `salg_mask` for a bind address.
    pub fn feat_mask(self) -> (u32, u32) {
        match self {
            Class::Any => (0, 0),
            Class::Software => (0, KERN_DRIVER_ONLY),
            Class::Hardware => (KERN_DRIVER_ONLY, KERN_DRIVER_ONLY),
        }
    }
}

/// One implementation (`struct kcrypto_alg_info`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Driver {
    /// Socket type: `hash`, `skcipher`, `aead` or `rng`.
    pub kind: String,
    /// Generic name, e.g. `cbc(aes)`.
    pub name: String,
    /// Driver name, e.g. `cbc-aes-aesni`.
    pub driver: String,
    /// Providing module; empty when built in.
    pub module: String,
    /// Crypto API priority: the highest serves a generic name.
    pub priority: u32,
    /// Requests may complete asynchronously.
    pub is_async: bool,
    /// Runs off the CPU.
    pub hardware: bool,
}

fn field(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

impl Driver {
    fn parse(record: &[u8]) -> Driver {
        let u32_at = |at: usize| {
            u32::from_ne_bytes([record[at], record[at + 1], record[at + 2], record[at + 3]])
        };
        let flags = u32_at(340);
        Driver {
            kind: field(&record[..16]),
            name: field(&record[16..144]),
            driver: field(&record[144..272]),
            module: field(&record[272..336]),
            priority: u32_at(336),
            is_async: flags & FLAG_ASYNC != 0,
            hardware: flags & FLAG_HARDWARE != 0,
        }
    }

    /// The implementation serving `socket`, a bound or operation socket.
    pub fn of(socket: &Socket) -> Result<Driver> {
        let mut record = [0u8; RECORD];
        let len = socket.option_bytes(SOL_ALG, KCRYPTO_GET_DRIVER, &mut record)?;
        if len != RECORD {
            return Err(Error::from_errno(libc::EPROTO));
        }
        Ok(Driver::parse(&record))
    }
}

/// Every implementation a caller may bind to on `family`.
pub fn list(family: Family) -> Result<Vec<Driver>> {
    let socket = Socket::new(family)?;
    let mut buf = vec![0u8; 256 * RECORD];
    loop {
        let len = socket.option_bytes(SOL_ALG, KCRYPTO_LIST_ALGS, &mut buf)?;
        if len <= buf.len() {
            buf.truncate(len - len % RECORD);
            return Ok(buf.chunks_exact(RECORD).map(Driver::parse).collect());
        }
        // Too short (the list may also grow meanwhile): the kernel said how much it needs.
        buf.resize(len, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_record() {
        let mut record = [0u8; RECORD];
        record[..8].copy_from_slice(b"skcipher");
        record[16..24].copy_from_slice(b"cbc(aes)");
        record[144..165].copy_from_slice(b"virtio_crypto_aes_cbc");
        record[336..340].copy_from_slice(&150u32.to_ne_bytes());
        record[340..344].copy_from_slice(&3u32.to_ne_bytes());
        let d = Driver::parse(&record);
        assert_eq!(d.kind, "skcipher");
        assert_eq!(d.name, "cbc(aes)");
        assert_eq!(d.driver, "virtio_crypto_aes_cbc");
        assert_eq!(d.module, "");
        assert_eq!(d.priority, 150);
        assert!(d.is_async && d.hardware);
    }

    #[test]
    fn classes_map_to_bind_flags() {
        assert_eq!(Class::Any.feat_mask(), (0, 0));
        assert_eq!(Class::Software.feat_mask(), (0, KERN_DRIVER_ONLY));
        assert_eq!(
            Class::Hardware.feat_mask(),
            (KERN_DRIVER_ONLY, KERN_DRIVER_ONLY)
        );
    }
}
