// SPDX-License-Identifier: GPL-2.0

//! Public-key ciphers (`struct crypto_akcipher`): `rsa` and `pkcs1pad(rsa[,hash])`.
//!
//! Only the public half exists here: a transform is built with a public key
//! ([`Akcipher::with_public_key`]), so no private key ever enters kcrypto and the only
//! operations are encryption and signature verification. Lengths are checked against the key size before a request
//! exists.

use core::ptr::NonNull;
use kernel::{error::to_result, prelude::*, str::CStr, sync::Arc};

use super::{
    api_len,
    request::{Job, Op, Request, Tfm},
};
use crate::{
    buffer::{PageBuf, SecretBuf},
    errno::Errno,
    ffi,
};

/// The shortest PKCS #1 v1.5 encryption padding (RFC 8017, 7.2.1).
const PKCS1_PADDING: usize = 11;

/// `bytes` without its leading zero bytes.
fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Whether an algorithm named `name` (`cra_name`) is RSA, and whether it pads.
fn rsa_kind(name: &[u8]) -> Result<bool> {
    match name {
        b"rsa" => Ok(false),
        name if name.starts_with(b"pkcs1pad(rsa") => Ok(true),
        _ => Err(ENOENT),
    }
}

/// What `name` resolves to, as [`Akcipher::with_public_key`] would allocate it, without
/// allocating a transform; `ENOENT` for anything but RSA.
pub(crate) fn lookup(name: &CStr, type_: u32, mask: u32) -> Result<super::AlgInfo> {
    if name.len() >= super::MAX_ALG_NAME {
        return Err(Errno::NameTooLong.into());
    }
    // SAFETY: `name` is NUL-terminated; the C side writes one whole record.
    let info = super::AlgInfo::try_read(|info| unsafe {
        ffi::kcrypto_akcipher_lookup(name.as_char_ptr(), type_, mask, info)
    })?;
    rsa_kind(info.name())?;
    Ok(info)
}

/// A public-key transform with its key.
///
/// # Invariants
///
/// `tfm` was returned by `crypto_alloc_akcipher` and is owned by this value. Once
/// [`Akcipher::with_public_key`] returns it, it has a public key whose modulus is `key_size`
/// (> 0) bytes long.
pub(crate) struct Akcipher {
    tfm: NonNull<ffi::CryptoAkcipher>,
    key_size: usize,
    /// Whether the algorithm pads and so can verify signatures (raw RSA cannot).
    verifies: bool,
    /// The modulus less one, big-endian without leading zeros: raw messages must be below.
    limit: KVec<u8>,
}

// SAFETY: A transform is not tied to the thread that allocated it.
unsafe impl Send for Akcipher {}

// SAFETY: The `&self` methods only run requests, which the crypto API allows concurrently on one
// transform; nothing changes a transform once built.
unsafe impl Sync for Akcipher {}

impl Akcipher {
    /// Allocates the best implementation of `name` whose flags selected by `mask` equal `type_`,
    /// with the public key `key` (a DER `RSAPublicKey`, RFC 8017 A.1.1); `ENOENT` for anything
    /// but RSA. The key is parsed before any driver sees it, so that no transform is left
    /// without one (not every driver can free such a transform).
    pub(crate) fn with_public_key(name: &CStr, type_: u32, mask: u32, key: &[u8]) -> Result<Self> {
        let len = api_len(key.len())?;
        let limit = Self::modulus_less_one(key)?;
        let tfm = super::alloc(name, type_, mask, ffi::crypto_alloc_akcipher)?;
        // Freed on drop from here on, and handed out only once keyed.
        let mut akcipher = Self {
            tfm,
            key_size: 0,
            verifies: false,
            limit,
        };
        akcipher.verifies = rsa_kind(akcipher.info().name())?;
        // SAFETY: `tfm` is live and ours alone; `key` is valid for `len` bytes.
        to_result(unsafe { ffi::kcrypto_akcipher_set_pub_key(tfm.as_ptr(), key.as_ptr(), len) })?;
        // SAFETY: As above; with a key set, the maximum size is the modulus size (without one,
        // some implementations would read a missing modulus).
        let size = unsafe { ffi::kcrypto_akcipher_max_size(tfm.as_ptr()) };
        if size == 0 {
            return Err(EINVAL);
        }
        // INVARIANT: The key is set and its size read.
        akcipher.key_size = size as usize;
        Ok(akcipher)
    }

    /// Parses `key` (`EBADMSG`/`EINVAL` if it is no `RSAPublicKey`) and returns its modulus
    /// less one.
    fn modulus_less_one(key: &[u8]) -> Result<KVec<u8>> {
        let (mut offset, mut len) = (0, 0);
        // SAFETY: `key` is valid for its length; the C side writes both numbers on success.
        to_result(unsafe {
            ffi::kcrypto_rsa_public_modulus(
                key.as_ptr(),
                api_len(key.len())?,
                &mut offset,
                &mut len,
            )
        })?;
        let end = (offset as usize).checked_add(len as usize).ok_or(EINVAL)?;
        let modulus = strip_zeros(key.get(offset as usize..end).ok_or(EINVAL)?);
        let mut limit = KVec::with_capacity(modulus.len(), GFP_KERNEL)?;
        limit.extend_from_slice(modulus, GFP_KERNEL)?;
        // n - 1, borrowing through trailing zero bytes (an RSA modulus is odd: none).
        for byte in limit.iter_mut().rev() {
            let (value, borrow) = byte.overflowing_sub(1);
            *byte = value;
            if !borrow {
                break;
            }
        }
        if strip_zeros(&limit).is_empty() {
            return Err(EINVAL);
        }
        Ok(limit)
    }

    /// Whether the big-endian number `message` lies in 2..=n-2, the range RSA encryption is
    /// defined on (RFC 8017 5.1.1 allows 0..n-1; SP 800-56B and the kernel's own `rsa` refuse
    /// 0, 1 and n-1, which encrypt to themselves). Checked here so every driver agrees.
    fn in_range(&self, message: &[u8]) -> bool {
        let message = strip_zeros(message);
        let limit = strip_zeros(&self.limit);
        let at_least_two = message.len() > 1 || message.first().is_some_and(|&b| b >= 2);
        let below_limit =
            message.len() < limit.len() || (message.len() == limit.len() && message < limit);
        at_least_two && below_limit
    }

    /// The size of the modulus in bytes: of a ciphertext and a signature.
    pub(crate) fn key_size(&self) -> usize {
        self.key_size
    }

    /// Whether the algorithm can verify signatures (`pkcs1pad`; raw RSA cannot).
    pub(crate) fn verifies(&self) -> bool {
        self.verifies
    }

    /// The longest message [`Self::encrypt`] takes: the key size, less PKCS #1 v1.5 padding
    /// (at least 11 bytes) if the algorithm pads.
    pub(crate) fn max_message(&self) -> usize {
        if self.verifies {
            self.key_size.saturating_sub(PKCS1_PADDING)
        } else {
            self.key_size
        }
    }

    /// Submits the encryption of `src` (1 to [`Self::max_message`] bytes; for raw RSA a number
    /// in 2..=n-2, else `EINVAL`); the output is key-sized.
    pub(crate) fn encrypt(self: &Arc<Self>, src: PageBuf) -> Result<Request> {
        let len = src.len();
        if len > self.max_message() {
            return Err(Errno::MessageSize.into());
        }
        // PKCS #1 allows an empty message, but virtio-crypto (6.12) crashes on one.
        if len == 0 {
            return Err(EINVAL);
        }
        if !self.verifies {
            let mut message = SecretBuf::zeroed(len)?;
            src.read(0, &mut message)?;
            if !self.in_range(&message) {
                return Err(EINVAL);
            }
        }
        let dst = PageBuf::zeroed(self.key_size)?;
        Request::submit(self.job(src, dst)?, Op::Encrypt { len })
    }

    /// Submits the verification of `src`: a key-sized signature followed by the digest it
    /// must sign (at most key-sized too). There is no output; a signature that does not
    /// verify fails the request with `EBADMSG`. `EOPNOTSUPP` for raw RSA.
    pub(crate) fn verify(self: &Arc<Self>, src: PageBuf) -> Result<Request> {
        if !self.verifies {
            return Err(Errno::NotSupported.into());
        }
        let len = src.len();
        let sig_len = self.key_size;
        match len.checked_sub(sig_len) {
            Some(digest) if digest > 0 && digest <= sig_len => {}
            _ => return Err(EINVAL),
        }
        let dst = PageBuf::zeroed(0)?;
        Request::submit(self.job(src, dst)?, Op::Verify { len, sig_len })
    }

    fn job(self: &Arc<Self>, src: PageBuf, dst: PageBuf) -> Result<Job> {
        let (iv, state) = (SecretBuf::zeroed(0)?, SecretBuf::zeroed(0)?);
        Ok(Job::new(Tfm::Akcipher(self.clone()), src, dst, iv, state))
    }

    /// The transform, for a request.
    pub(crate) fn as_raw(&self) -> *mut ffi::CryptoAkcipher {
        self.tfm.as_ptr()
    }

    /// The implementation serving this transform.
    pub(crate) fn info(&self) -> super::AlgInfo {
        // SAFETY: `tfm` is live (type invariant); the C side writes one whole record.
        super::AlgInfo::read(|info| unsafe { ffi::kcrypto_akcipher_info(self.tfm.as_ptr(), info) })
    }
}

impl super::Served for Akcipher {
    fn served_by(&self) -> super::AlgInfo {
        self.info()
    }
}

impl Drop for Akcipher {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the transform is owned by `self`; every request holds
        // an `Arc` to it, so none is left.
        unsafe { ffi::kcrypto_akcipher_free(self.tfm.as_ptr()) };
    }
}

#[cfg(CONFIG_KUNIT = "y")]
mod tests {
    use super::*;
    use kernel::c_str;

    // testmgr's 2048-bit public-key vector for "rsa" (crypto/testmgr.h, rsa_tv_template).
    const KEY: [u8; 269] = hex!(
        "3082010902820100db101ac2a3f1dcff136bed44dff0026d13c788da706b54f1"
        "e827dcc30f996afac667ff1d1e3c1dc1b55f6cc0b2073a6d41e42599acfcd20f"
        "02d3d154061a5177bdb6bfeaa75c06a95d698445d7f505ba47f01bd72b24eccb"
        "9b1b108d81a0beb18c33e436b843eb192a818dde810a9948b6f6bccd49343a8f"
        "2694e328821a7c8f599f45e85d1a4576045605a1d01b8c776daf53fa71e267e0"
        "9afe03a985d2c9aaba2abcf4a008f51398135df0d933342a61c38955f0ae1a9c"
        "22ee19058d32feec9c84bab7f96c3a4f07fc45eb12e57bfd55e62969d1c2e8b9"
        "7859f67910c64eeb6a5eb99ac7c45b63daa33f5e927a815ed6b0e2628f7426c2"
        "0cd39a1747e68eab0203010001"
    );
    const PLAIN: [u8; 8] = hex!("54859b342c49ea2a");
    const CIPHER: [u8; 256] = hex!(
        "b29776b4ae3e383c7e641fcca27ff6becf49bc48d36c8f0a0ec173bd7b557936"
        "0ea18788b92c90a6535ee9efc4e24dddf7a669823f56a47bfb62e0aeb8d304b3"
        "ac5a152ae3199b039a0b41da64ec0a69fcf21092f3c1bf847ffd2caec8b5f641"
        "70c547038af8ff6f3fd26f09b422f330bea985cb9c8df98feb3291a225848ff5"
        "dcc7069c2de5112c09098709a9f6337390f160f265dd30a566ce627bd0f82d3d"
        "198277e30a5f752f8eb1e5e891351b3b33b76692d1f28e6fe5750cad36fb4ed0"
        "6661bd49fef41aa22b49fe034c74478d9a66b249464d77ea334d6b3cb4494ac6"
        "7d3db5b9564115670f943c936527e0215d59c362d5a6da3826225e341c94af98"
    );

    fn page_buf(bytes: &[u8]) -> Result<PageBuf> {
        let mut buf = PageBuf::new();
        buf.append(bytes)?;
        Ok(buf)
    }

    kunit_case!(kcrypto_test_akcipher_rsa, |t| {
        let rsa = c_str!("rsa-generic");
        let info = kunit_try!(t, lookup(c_str!("rsa"), 0, 0));
        kunit_expect_eq!(t, info.name(), b"rsa");
        kunit_expect_eq!(t, lookup(c_str!("sha256"), 0, 0).err(), Some(ENOENT));
        // A truncated or private key is refused before a transform exists.
        let truncated = Akcipher::with_public_key(rsa, 0, 0, &KEY[..100]).err();
        kunit_expect!(t, truncated.is_some());
        let tfm = kunit_try!(t, Akcipher::with_public_key(rsa, 0, 0, &KEY));
        kunit_expect_eq!(t, (tfm.key_size(), tfm.verifies()), (256, false));
        let tfm = kunit_try!(t, Arc::new(tfm, GFP_KERNEL));

        // Raw RSA: m^e mod n, key-sized with its leading zeros.
        let mut request = kunit_try!(t, tfm.encrypt(kunit_try!(t, page_buf(&PLAIN))));
        let output = kunit_try!(t, request.wait()).output();
        let mut out = [0u8; 256];
        kunit_expect_eq!(t, output.len(), out.len());
        kunit_try!(t, output.read(0, &mut out));
        kunit_expect_eq!(t, &out[..], &CIPHER[..]);

        // Lengths are refused before a request exists; raw RSA cannot verify.
        let long = kunit_try!(t, PageBuf::zeroed(257));
        let result = tfm.encrypt(long).err();
        kunit_expect_eq!(t, result, Some(Errno::MessageSize.into()));
        let verify = tfm.verify(kunit_try!(t, PageBuf::zeroed(288))).err();
        kunit_expect_eq!(t, verify, Some(Errno::NotSupported.into()));

        // Raw messages outside 2..=n-2 are refused before a request exists.
        let mut n_less_one = [0u8; 256];
        n_less_one.copy_from_slice(&KEY[8..264]);
        n_less_one[255] = n_less_one[255].wrapping_sub(1);
        let mut n_less_two = n_less_one;
        n_less_two[255] = n_less_two[255].wrapping_sub(1);
        for (bad, what) in [
            (&[][..], "empty"),
            (&[0, 0, 1][..], "1"),
            (&n_less_one[..], "n - 1"),
            (&KEY[8..264], "n"),
            (&[0xff; 256][..], "above n"),
        ] {
            let result = tfm.encrypt(kunit_try!(t, page_buf(bad))).err();
            kunit_expect_eq!(t, result, Some(EINVAL), "{what}");
        }
        for good in [&[0, 2][..], &n_less_two[..]] {
            let mut request = kunit_try!(t, tfm.encrypt(kunit_try!(t, page_buf(good))));
            kunit_expect!(t, request.wait().is_ok());
        }
    });
}
