// SPDX-License-Identifier: GPL-2.0

//! Authenticated encryption (`struct crypto_aead`): `gcm(aes)`, `ccm(aes)`, `rfc4106(gcm(aes))`,
//! `rfc7539(chacha20,poly1305)`, ...
//!
//! A message is AF_ALG's layout: associated data, then the text (and, to decrypt, the tag).
//! [`Aead::crypt`] checks every length before a request exists and works out of place.

use core::ptr::NonNull;
use kernel::{error::to_result, prelude::*, str::CStr};

use super::{api_len, Direction};
use crate::{buffer::PageBuf, errno::Errno, ffi};

/// An AEAD transform.
///
/// # Invariants
///
/// `tfm` was returned by `crypto_alloc_aead` and is owned by this value; `sizes` are its
/// current sizes.
pub(crate) struct Aead {
    tfm: NonNull<ffi::CryptoAead>,
    sizes: ffi::CipherSizes,
}

// SAFETY: A transform is not tied to the thread that allocated it.
unsafe impl Send for Aead {}

// SAFETY: The `&self` methods only run requests, which the crypto API allows concurrently on one
// transform; changing the key or tag size needs `&mut self`.
unsafe impl Sync for Aead {}

impl Aead {
    /// Allocates the best implementation of `name` whose flags selected by `mask` equal `type_`.
    pub(crate) fn new(name: &CStr, type_: u32, mask: u32) -> Result<Self> {
        let tfm = super::alloc(name, type_, mask, ffi::crypto_alloc_aead)?;
        let mut aead = Self {
            tfm,
            sizes: ffi::CipherSizes::default(),
        };
        // INVARIANT: The transform was just allocated and its sizes are read here.
        aead.read_sizes();
        Ok(aead)
    }

    fn read_sizes(&mut self) {
        // SAFETY: `tfm` is live (type invariant); `sizes` is valid for writes.
        unsafe { ffi::kcrypto_aead_sizes(self.tfm.as_ptr(), &mut self.sizes) };
    }

    /// The size of an IV in bytes.
    pub(crate) fn iv_size(&self) -> usize {
        self.sizes.iv as usize
    }

    /// The size of the tag in bytes.
    pub(crate) fn tag_size(&self) -> usize {
        self.sizes.tag as usize
    }

    /// Whether the algorithm still lacks a key.
    pub(crate) fn needs_key(&self) -> bool {
        // SAFETY: By the type invariant `tfm` is a live transform.
        unsafe { ffi::kcrypto_aead_needs_key(self.tfm.as_ptr()) }
    }

    /// Sets the key.
    pub(crate) fn set_key(&mut self, key: &[u8]) -> Result {
        let len = api_len(key.len())?;
        // SAFETY: `tfm` is live (type invariant) and not in use by anyone else (`&mut self`);
        // `key` is valid for `len` bytes.
        to_result(unsafe { ffi::crypto_aead_setkey(self.tfm.as_ptr(), key.as_ptr(), len) })
    }

    /// Sets the tag size; `EINVAL` for a size the algorithm refuses.
    pub(crate) fn set_tag_size(&mut self, len: usize) -> Result {
        if len > self.sizes.max_tag as usize {
            return Err(EINVAL);
        }
        let len = api_len(len)?;
        // SAFETY: `tfm` is live (type invariant) and not in use by anyone else (`&mut self`).
        let result = to_result(unsafe { ffi::crypto_aead_setauthsize(self.tfm.as_ptr(), len) });
        self.read_sizes();
        result
    }

    /// The length of the output for an input of `len` bytes with `assoc_len` bytes of associated
    /// data; `EINVAL` if the input is too short to be a message.
    pub(crate) fn output_len(&self, direction: Direction, assoc_len: usize, len: usize) -> Result<usize> {
        let text = len.checked_sub(assoc_len).ok_or(EINVAL)?;
        match direction {
            Direction::Encrypt => len.checked_add(self.tag_size()).ok_or(Errno::MessageSize.into()),
            Direction::Decrypt if text < self.tag_size() => Err(EINVAL),
            Direction::Decrypt => Ok(len - self.tag_size()),
        }
    }

    /// Encrypts or decrypts the `len`-byte message in `src` (its first `assoc_len` bytes are
    /// associated data) into `dst`, which must hold [`Self::output_len`] bytes. The associated
    /// data is copied to `dst` too, as AF_ALG returns it.
    ///
    /// A decryption whose tag does not match fails with `EBADMSG`; whatever the algorithm wrote
    /// into `dst` must then be discarded.
    pub(crate) fn crypt(
        &self,
        direction: Direction,
        iv: &mut [u8],
        src: &mut PageBuf,
        assoc_len: usize,
        dst: &mut PageBuf,
    ) -> Result {
        let len = src.len();
        let out_len = self.output_len(direction, assoc_len, len)?;
        if iv.len() != self.iv_size() || dst.len() != out_len {
            return Err(EINVAL);
        }
        dst.copy_prefix(src, assoc_len)?;
        let (api_assoc, api_len) = (api_len(assoc_len)?, api_len(len)?);
        let src = src.sg(len)?;
        let dst = dst.sg(out_len)?;
        // SAFETY: `tfm` is live (type invariant); the scatterlists cover the lengths checked
        // above; `iv` holds an IV and is exclusively borrowed for the call.
        to_result(unsafe {
            ffi::kcrypto_aead_crypt(
                self.tfm.as_ptr(),
                direction == Direction::Encrypt,
                src.as_ptr(),
                dst.as_ptr(),
                api_assoc,
                api_len,
                iv.as_mut_ptr(),
            )
        })
    }
}

impl Drop for Aead {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the transform is owned by `self`; requests borrow it, so
        // none is left. The crypto API wipes the key when freeing.
        unsafe { ffi::kcrypto_aead_free(self.tfm.as_ptr()) };
    }
}
