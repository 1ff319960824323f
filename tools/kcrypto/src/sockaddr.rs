// SPDX-License-Identifier: GPL-2.0

//! `struct sockaddr_alg`, the address a transform socket is bound to.
//!
//! ```c
//! struct sockaddr_alg {
//!     __u16 salg_family;
//!     __u8  salg_type[14];   /* "hash", NUL-terminated */
//!     __u32 salg_feat;
//!     __u32 salg_mask;
//!     __u8  salg_name[64];   /* "hmac(sha256)", NUL-terminated */
//! };
//! ```

use crate::error::{Error, Result};
use crate::family::Family;

/// Size of `salg_type`, the terminating NUL included.
pub const TYPE_LEN: usize = 14;
/// Size of `salg_name` in the classic structure, the terminating NUL included.
pub const NAME_LEN: usize = 64;
/// Offset of `salg_type`.
const TYPE_OFFSET: usize = 2;
/// Offset of `salg_feat`.
const FEAT_OFFSET: usize = 16;
/// Offset of `salg_mask`.
const MASK_OFFSET: usize = 20;
/// Offset of `salg_name`: also `sizeof(struct sockaddr_alg_new)`, the header
/// before a variable-length name.
pub const NAME_OFFSET: usize = 24;
/// `sizeof(struct sockaddr_alg)`.
pub const SOCKADDR_ALG_LEN: usize = NAME_OFFSET + NAME_LEN;

/// A validated `struct sockaddr_alg`, kept as the bytes `bind()` receives.
///
/// The type and the name must each fit in their field with the terminating
/// NUL (at most 13 and 63 bytes) and contain no NUL. To send anything else,
/// build the bytes with [`encode_raw`] and use
/// [`Socket::bind_raw`](crate::Socket::bind_raw).
///
/// # Examples
///
/// ```no_run
/// use kcrypto::{Family, SockaddrAlg, Socket};
///
/// let addr = SockaddrAlg::new(Family::AF_ALG, "hash", "sha256")?;
/// assert_eq!(addr.name(), b"sha256");
/// let socket = Socket::new(Family::AF_ALG)?;
/// socket.bind(&addr)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SockaddrAlg {
    bytes: [u8; SOCKADDR_ALG_LEN],
}

impl SockaddrAlg {
    /// Builds the address of algorithm `name` of type `type_` (`"hash"`,
    /// `"skcipher"`, ...), with `salg_feat` and `salg_mask` zero.
    ///
    /// # Errors
    ///
    /// [`Error::NameTooLong`] if `type_` is longer than 13 bytes or `name`
    /// longer than 63, [`Error::InvalidArgument`] if either contains a NUL.
    pub fn new(family: Family, type_: &str, name: &str) -> Result<SockaddrAlg> {
        let mut bytes = [0; SOCKADDR_ALG_LEN];
        bytes[..TYPE_OFFSET].copy_from_slice(&family.sa_family().to_ne_bytes());
        put_cstr(&mut bytes[TYPE_OFFSET..FEAT_OFFSET], type_.as_bytes())?;
        put_cstr(&mut bytes[NAME_OFFSET..], name.as_bytes())?;
        Ok(SockaddrAlg { bytes })
    }

    /// Sets `salg_feat` and `salg_mask` (AF_ALG accepts only
    /// `CRYPTO_ALG_KERN_DRIVER_ONLY` in either).
    #[must_use]
    pub fn with_feat_mask(mut self, feat: u32, mask: u32) -> SockaddrAlg {
        self.bytes[FEAT_OFFSET..MASK_OFFSET].copy_from_slice(&feat.to_ne_bytes());
        self.bytes[MASK_OFFSET..NAME_OFFSET].copy_from_slice(&mask.to_ne_bytes());
        self
    }

    /// `salg_family`.
    pub fn family(&self) -> u16 {
        u16::from_ne_bytes([self.bytes[0], self.bytes[1]])
    }

    /// `salg_type` up to its NUL.
    pub fn type_(&self) -> &[u8] {
        until_nul(&self.bytes[TYPE_OFFSET..FEAT_OFFSET])
    }

    /// `salg_name` up to its NUL.
    pub fn name(&self) -> &[u8] {
        until_nul(&self.bytes[NAME_OFFSET..])
    }

    /// `salg_feat`.
    pub fn feat(&self) -> u32 {
        read_u32(&self.bytes[FEAT_OFFSET..MASK_OFFSET])
    }

    /// `salg_mask`.
    pub fn mask(&self) -> u32 {
        read_u32(&self.bytes[MASK_OFFSET..NAME_OFFSET])
    }

    /// The structure as `bind()` receives it: [`SOCKADDR_ALG_LEN`] bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl std::fmt::Debug for SockaddrAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SockaddrAlg")
            .field("family", &self.family())
            .field("type", &String::from_utf8_lossy(self.type_()))
            .field("feat", &self.feat())
            .field("mask", &self.mask())
            .field("name", &String::from_utf8_lossy(self.name()))
            .finish()
    }
}

/// Builds an address byte for byte, without any check, for tests of what the
/// kernel does with bad input.
///
/// `type_` is copied into the 14-byte `salg_type` (cut or NUL-padded; no NUL
/// is added when it fills the field) and `name` is appended as is after the
/// 24-byte header, like `struct sockaddr_alg_new`: pass a name of 64 bytes for
/// the classic size, shorter or longer ones for other address lengths, and
/// include the terminating NUL yourself.
///
/// # Examples
///
/// ```no_run
/// use kcrypto::{Family, Socket, sockaddr};
///
/// // A 64-byte name with no room for the NUL.
/// let addr = sockaddr::encode_raw(Family::AF_ALG.sa_family(), b"hash", 0, 0, &[b'a'; 64]);
/// let err = Socket::new(Family::AF_ALG)?.bind_raw(&addr).unwrap_err();
/// println!("bind: {err}");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn encode_raw(family: u16, type_: &[u8], feat: u32, mask: u32, name: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(NAME_OFFSET + name.len());
    bytes.extend_from_slice(&family.to_ne_bytes());
    let mut type_field = [0; TYPE_LEN];
    let n = type_.len().min(TYPE_LEN);
    type_field[..n].copy_from_slice(&type_[..n]);
    bytes.extend_from_slice(&type_field);
    bytes.extend_from_slice(&feat.to_ne_bytes());
    bytes.extend_from_slice(&mask.to_ne_bytes());
    bytes.extend_from_slice(name);
    bytes
}

/// Copies `value` and a NUL into `field`, which starts zeroed.
fn put_cstr(field: &mut [u8], value: &[u8]) -> Result<()> {
    if value.contains(&0) {
        return Err(Error::InvalidArgument);
    }
    if value.len() >= field.len() {
        return Err(Error::NameTooLong);
    }
    field[..value.len()].copy_from_slice(value);
    Ok(())
}

fn until_nul(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    &field[..end]
}

fn read_u32(field: &[u8]) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(field);
    u32::from_ne_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    #[test]
    fn layout_matches_libc() {
        assert_eq!(size_of::<libc::sockaddr_alg>(), SOCKADDR_ALG_LEN);
        assert_eq!(SOCKADDR_ALG_LEN, 88);
        assert_eq!(offset_of!(libc::sockaddr_alg, salg_type), TYPE_OFFSET);
        assert_eq!(offset_of!(libc::sockaddr_alg, salg_feat), FEAT_OFFSET);
        assert_eq!(offset_of!(libc::sockaddr_alg, salg_mask), MASK_OFFSET);
        assert_eq!(offset_of!(libc::sockaddr_alg, salg_name), NAME_OFFSET);
    }

    #[test]
    fn fields_are_where_the_kernel_reads_them() {
        let addr = SockaddrAlg::new(Family::AF_ALG, "hash", "hmac(sha256)")
            .expect("valid")
            .with_feat_mask(0x1000, 0x2000);
        let b = addr.as_bytes();
        assert_eq!(b.len(), 88);
        assert_eq!(&b[0..2], &38u16.to_ne_bytes());
        assert_eq!(&b[2..7], b"hash\0");
        assert!(b[7..16].iter().all(|&x| x == 0));
        assert_eq!(&b[16..20], &0x1000u32.to_ne_bytes());
        assert_eq!(&b[20..24], &0x2000u32.to_ne_bytes());
        assert_eq!(&b[24..37], b"hmac(sha256)\0");
        assert!(b[37..].iter().all(|&x| x == 0));
        assert_eq!(addr.family(), 38);
        assert_eq!(addr.type_(), b"hash");
        assert_eq!(addr.name(), b"hmac(sha256)");
        assert_eq!((addr.feat(), addr.mask()), (0x1000, 0x2000));
    }

    #[test]
    fn name_length_boundary_is_63() {
        let name63 = "a".repeat(63);
        let addr = SockaddrAlg::new(Family::AF_ALG, "hash", &name63).expect("63 bytes fit");
        assert_eq!(addr.name(), name63.as_bytes());
        // The last byte of the field is the terminating NUL.
        assert_eq!(addr.as_bytes()[SOCKADDR_ALG_LEN - 1], 0);
        assert_eq!(addr.as_bytes()[SOCKADDR_ALG_LEN - 2], b'a');

        let name64 = "a".repeat(64);
        assert!(matches!(
            SockaddrAlg::new(Family::AF_ALG, "hash", &name64),
            Err(Error::NameTooLong)
        ));
    }

    #[test]
    fn type_length_boundary_is_13() {
        assert!(SockaddrAlg::new(Family::AF_ALG, &"t".repeat(13), "x").is_ok());
        assert!(matches!(
            SockaddrAlg::new(Family::AF_ALG, &"t".repeat(14), "x"),
            Err(Error::NameTooLong)
        ));
    }

    #[test]
    fn interior_nul_is_rejected() {
        assert!(matches!(
            SockaddrAlg::new(Family::AF_ALG, "hash", "sha\0x256"),
            Err(Error::InvalidArgument)
        ));
        assert!(matches!(
            SockaddrAlg::new(Family::AF_ALG, "ha\0sh", "sha256"),
            Err(Error::InvalidArgument)
        ));
    }

    #[test]
    fn empty_names_are_left_to_the_kernel() {
        let addr = SockaddrAlg::new(Family::AF_ALG, "", "").expect("empty is encodable");
        assert!(addr.as_bytes()[2..].iter().all(|&x| x == 0));
    }

    #[test]
    fn raw_encoding_is_verbatim() {
        let name = [b'x'; 64];
        let raw = encode_raw(25, b"hash-type-too-long", 1, 2, &name);
        assert_eq!(raw.len(), SOCKADDR_ALG_LEN);
        assert_eq!(&raw[0..2], &25u16.to_ne_bytes());
        // Cut to the field, no NUL added.
        assert_eq!(&raw[2..16], b"hash-type-too-");
        assert_eq!(&raw[16..20], &1u32.to_ne_bytes());
        assert_eq!(&raw[20..24], &2u32.to_ne_bytes());
        assert_eq!(&raw[24..], &name[..]);

        // Variable length (struct sockaddr_alg_new).
        let long = encode_raw(38, b"hash", 0, 0, b"0123456789\0");
        assert_eq!(long.len(), NAME_OFFSET + 11);
        assert_eq!(&long[2..7], b"hash\0");
        let short = encode_raw(38, b"hash", 0, 0, b"");
        assert_eq!(short.len(), NAME_OFFSET);
    }

    #[test]
    fn validated_and_raw_agree() {
        let addr = SockaddrAlg::new(Family::AF_ALG, "hash", "sha256").expect("valid");
        let mut name = [0u8; NAME_LEN];
        name[..6].copy_from_slice(b"sha256");
        assert_eq!(addr.as_bytes(), &encode_raw(38, b"hash", 0, 0, &name)[..]);
    }
}
