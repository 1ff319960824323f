// SPDX-License-Identifier: GPL-2.0

//! Parsing `struct sockaddr_alg` (and `sockaddr_alg_new`, whose name may be longer).
//!
//! Layout: `u16 family; u8 type[14]; u32 feat; u32 mask; u8 name[]`. The name runs to the end
//! of the address and must be NUL-terminated within it: unlike AF_ALG, kcrypto never
//! terminates a string for the caller.

use kernel::{bindings, prelude::*, str::CStr};

use crate::{crypto::MAX_ALG_NAME, errno::Errno};

/// `AF_ALG`: addresses written for it are accepted too, so AF_ALG programs work unchanged.
const AF_ALG: u16 = bindings::AF_ALG as u16;
/// The only flag `salg_feat`/`salg_mask` may carry, as in AF_ALG.
const CRYPTO_ALG_KERN_DRIVER_ONLY: u32 = 0x1000;

const TYPE_OFFSET: usize = 2;
const TYPE_LEN: usize = 14;
const FEAT_OFFSET: usize = TYPE_OFFSET + TYPE_LEN;
const MASK_OFFSET: usize = FEAT_OFFSET + 4;
const NAME_OFFSET: usize = MASK_OFFSET + 4;

/// The operation type named in `salg_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `"hash"`: message digests and MACs.
    Hash,
    /// `"skcipher"`: symmetric ciphers.
    Skcipher,
    /// `"aead"`: authenticated encryption.
    Aead,
    /// `"rng"`: random number generators.
    Rng,
    /// `"akcipher"`: public-key operations (kcrypto only).
    Akcipher,
}

impl Kind {
    /// The `salg_type` string.
    pub(crate) fn name(self) -> &'static CStr {
        match self {
            Kind::Hash => kernel::c_str!("hash"),
            Kind::Skcipher => kernel::c_str!("skcipher"),
            Kind::Aead => kernel::c_str!("aead"),
            Kind::Rng => kernel::c_str!("rng"),
            Kind::Akcipher => kernel::c_str!("akcipher"),
        }
    }
}

/// A validated bind address.
#[derive(Debug)]
pub(crate) struct AlgAddr<'a> {
    pub(crate) kind: Kind,
    pub(crate) name: &'a CStr,
    pub(crate) feat: u32,
    pub(crate) mask: u32,
}

fn u32_at(addr: &[u8], offset: usize) -> u32 {
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&addr[offset..offset + 4]);
    u32::from_ne_bytes(bytes)
}

/// Splits off a NUL-terminated string; `EINVAL` if `bytes` holds no NUL.
fn c_string(bytes: &[u8]) -> Result<&CStr> {
    let end = bytes.iter().position(|&b| b == 0).ok_or(EINVAL)?;
    CStr::from_bytes_with_nul(&bytes[..=end]).map_err(|_| EINVAL)
}

/// Validates a bind address for a socket of family `family`.
pub(crate) fn parse(addr: &[u8], family: u16) -> Result<AlgAddr<'_>> {
    if addr.len() <= NAME_OFFSET {
        return Err(EINVAL);
    }
    let addr_family = u16::from_ne_bytes([addr[0], addr[1]]);
    if addr_family != family && addr_family != AF_ALG {
        return Err(Errno::AddressFamily.into());
    }
    let feat = u32_at(addr, FEAT_OFFSET);
    let mask = u32_at(addr, MASK_OFFSET);
    if (feat | mask) & !CRYPTO_ALG_KERN_DRIVER_ONLY != 0 {
        return Err(EINVAL);
    }

    let kind = match c_string(&addr[TYPE_OFFSET..FEAT_OFFSET])?.as_bytes() {
        b"hash" => Kind::Hash,
        b"skcipher" => Kind::Skcipher,
        b"aead" => Kind::Aead,
        b"rng" => Kind::Rng,
        b"akcipher" => Kind::Akcipher,
        _ => return Err(ENOENT),
    };

    let name = c_string(&addr[NAME_OFFSET..])?;
    if name.len() >= MAX_ALG_NAME {
        return Err(Errno::NameTooLong.into());
    }
    if name.is_empty() {
        return Err(ENOENT);
    }
    // Algorithm and driver names are plain identifiers with templates: refuse anything else
    // before the crypto API (and its module loader) sees it.
    let allowed = |c: &u8| c.is_ascii_alphanumeric() || b"-_(),.".contains(c);
    if !name.as_bytes().iter().all(allowed) {
        return Err(EINVAL);
    }
    Ok(AlgAddr {
        kind,
        name,
        feat,
        mask,
    })
}

#[cfg(CONFIG_KUNIT = "y")]
mod tests {
    use super::*;
    use kernel::error::Error;

    const FAMILY: u16 = 25;

    /// Builds an address: `name` is copied as given (include the NUL to terminate it).
    fn addr(family: u16, kind: &[u8], feat: u32, name: &[u8]) -> [u8; 128] {
        let mut buf = [0u8; 128];
        buf[..2].copy_from_slice(&family.to_ne_bytes());
        buf[TYPE_OFFSET..TYPE_OFFSET + kind.len()].copy_from_slice(kind);
        buf[FEAT_OFFSET..MASK_OFFSET].copy_from_slice(&feat.to_ne_bytes());
        buf[NAME_OFFSET..NAME_OFFSET + name.len()].copy_from_slice(name);
        buf
    }

    fn errno(result: Result<AlgAddr<'_>>) -> Option<Error> {
        result.err()
    }

    kunit_case!(kcrypto_test_sockaddr_parse, |t| {
        let sockaddr_alg_len = NAME_OFFSET + 64;

        let good = addr(FAMILY, b"hash", 0, b"hmac(sha256)\0");
        let parsed = kunit_try!(t, parse(&good[..sockaddr_alg_len], FAMILY));
        kunit_expect_eq!(t, parsed.kind, Kind::Hash);
        kunit_expect_eq!(t, parsed.name.as_bytes(), b"hmac(sha256)");
        // AF_ALG's family number is accepted for compatibility, others are not.
        kunit_expect!(
            t,
            parse(&addr(AF_ALG, b"hash", 0, b"sha1\0"), FAMILY).is_ok()
        );
        let bad_family = errno(parse(&addr(2, b"hash", 0, b"sha1\0"), FAMILY));
        kunit_expect_eq!(t, bad_family, Some(Error::from(Errno::AddressFamily)));
        // A shorter address is fine as long as the name is terminated within it.
        kunit_expect!(t, parse(&good[..NAME_OFFSET + 13], FAMILY).is_ok());
        kunit_expect_eq!(
            t,
            errno(parse(&good[..NAME_OFFSET + 12], FAMILY)),
            Some(EINVAL)
        );
        kunit_expect_eq!(t, errno(parse(&good[..NAME_OFFSET], FAMILY)), Some(EINVAL));
        kunit_expect_eq!(t, errno(parse(&[], FAMILY)), Some(EINVAL));

        // A name filling all 64 bytes without a NUL is refused, not truncated.
        let unterminated = addr(FAMILY, b"hash", 0, &[b'a'; 64]);
        kunit_expect_eq!(
            t,
            errno(parse(&unterminated[..sockaddr_alg_len], FAMILY)),
            Some(EINVAL)
        );
        // sockaddr_alg_new carries longer names.
        let mut long = [b'a'; 90];
        long[89] = 0;
        let long_addr = addr(FAMILY, b"hash", 0, &long);
        let parsed = kunit_try!(t, parse(&long_addr[..NAME_OFFSET + 90], FAMILY));
        kunit_expect_eq!(t, parsed.name.len(), 89);

        // The type must be known and terminated.
        kunit_expect_eq!(
            t,
            errno(parse(&addr(FAMILY, b"hashx", 0, b"sha1\0"), FAMILY)),
            Some(ENOENT)
        );
        for (kind, want) in [
            (&b"skcipher"[..], Kind::Skcipher),
            (b"aead", Kind::Aead),
            (b"rng", Kind::Rng),
        ] {
            let buf = addr(FAMILY, kind, 0, b"x\0");
            let parsed = kunit_try!(t, parse(&buf, FAMILY));
            kunit_expect_eq!(t, parsed.kind, want);
        }
        let unterminated_type = addr(FAMILY, &[b'h'; 14], 0, b"sha1\0");
        kunit_expect_eq!(t, errno(parse(&unterminated_type, FAMILY)), Some(EINVAL));

        // Flags: only CRYPTO_ALG_KERN_DRIVER_ONLY.
        let driver_only = addr(FAMILY, b"hash", CRYPTO_ALG_KERN_DRIVER_ONLY, b"sha1\0");
        kunit_expect!(t, parse(&driver_only, FAMILY).is_ok());
        let async_flag = addr(FAMILY, b"hash", 0x80, b"sha1\0");
        kunit_expect_eq!(t, errno(parse(&async_flag, FAMILY)), Some(EINVAL));

        // Names: not empty, identifier characters only.
        kunit_expect_eq!(
            t,
            errno(parse(&addr(FAMILY, b"hash", 0, b"\0"), FAMILY)),
            Some(ENOENT)
        );
        kunit_expect_eq!(
            t,
            errno(parse(&addr(FAMILY, b"hash", 0, b"sha 1\0"), FAMILY)),
            Some(EINVAL)
        );
        kunit_expect_eq!(
            t,
            errno(parse(&addr(FAMILY, b"hash", 0, b"sha1/x\0"), FAMILY)),
            Some(EINVAL)
        );
    });
}
