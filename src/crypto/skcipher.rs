// SPDX-License-Identifier: GPL-2.0

//! Symmetric ciphers (`struct crypto_skcipher`): `cbc(aes)`, `ctr(aes)`, `xts(aes)`, ...
//!
//! [`Skcipher`] owns a transform and its key. Data is processed out of place, from one
//! [`PageBuf`] into another; a long message can be processed in parts through a [`Stream`],
//! which carries the IV and the algorithm's state from part to part.

use core::ptr::NonNull;
use kernel::{error::to_result, prelude::*, str::CStr};

use super::{api_len, Direction};
use crate::{
    buffer::{PageBuf, SecretBuf},
    errno::Errno,
    ffi,
};

/// A symmetric cipher transform.
///
/// # Invariants
///
/// `tfm` was returned by `crypto_alloc_skcipher` and is owned by this value; `sizes` are its
/// sizes.
pub(crate) struct Skcipher {
    tfm: NonNull<ffi::CryptoSkcipher>,
    sizes: ffi::CipherSizes,
    /// Whether processing a message in parts gives the same result as in one go.
    chains: bool,
}

// SAFETY: A transform is not tied to the thread that allocated it.
unsafe impl Send for Skcipher {}

// SAFETY: The `&self` methods only run requests, which the crypto API allows concurrently on one
// transform; changing the key needs `&mut self`.
unsafe impl Sync for Skcipher {}

impl Skcipher {
    /// Allocates the best implementation of `name` whose flags selected by `mask` equal `type_`.
    pub(crate) fn new(name: &CStr, type_: u32, mask: u32) -> Result<Self> {
        let tfm = super::alloc(name, type_, mask, ffi::crypto_alloc_skcipher)?;
        let mut sizes = ffi::CipherSizes::default();
        // SAFETY: `tfm` was just allocated; `sizes` is valid for writes.
        unsafe { ffi::kcrypto_skcipher_sizes(tfm.as_ptr(), &mut sizes) };
        // INVARIANT: The transform was just allocated, nothing else refers to it, and `sizes`
        // were read from it.
        Ok(Self {
            tfm,
            sizes,
            chains: false,
        })
    }

    /// The size of an IV in bytes.
    pub(crate) fn iv_size(&self) -> usize {
        self.sizes.iv as usize
    }

    /// The block size: the length of a message must be a multiple of it.
    pub(crate) fn block_size(&self) -> usize {
        self.sizes.block as usize
    }

    /// The step in which a message processed in parts must be cut.
    pub(crate) fn chunk_size(&self) -> usize {
        (self.sizes.chunk as usize).max(self.block_size()).max(1)
    }

    /// Whether a message can be processed in parts as it arrives (see [`Self::set_key`]).
    pub(crate) fn chains(&self) -> bool {
        self.chains
    }

    /// Whether the algorithm still lacks a key.
    pub(crate) fn needs_key(&self) -> bool {
        // SAFETY: By the type invariant `tfm` is a live transform.
        unsafe { ffi::kcrypto_skcipher_needs_key(self.tfm.as_ptr()) }
    }

    /// Sets the key, then finds out whether the algorithm chains.
    ///
    /// The crypto API lets a request continue an earlier one (the IV and any algorithm state
    /// carried over), but not every implementation honours that: some restart their counter or
    /// tweak for every request. Rather than trusting a list of names, a short probe with the
    /// real key compares a two-part run with a one-part run; only an algorithm that gives the
    /// same answer has a message processed as its parts arrive.
    pub(crate) fn set_key(&mut self, key: &[u8]) -> Result {
        let len = api_len(key.len())?;
        self.chains = false;
        // SAFETY: `tfm` is live (type invariant) and not in use by anyone else (`&mut self`);
        // `key` is valid for `len` bytes.
        to_result(unsafe { ffi::crypto_skcipher_setkey(self.tfm.as_ptr(), key.as_ptr(), len) })?;
        self.chains = self.probe_chaining()?;
        Ok(())
    }

    fn probe_chaining(&self) -> Result<bool> {
        let step = self.chunk_size();
        if step > crate::buffer::MAX_TAIL {
            return Ok(false);
        }
        let mut input = PageBuf::zeroed(2 * step)?;
        let mut whole = PageBuf::zeroed(2 * step)?;
        let mut stream = Stream::new(self, Direction::Encrypt, None)?;
        stream.run(self, &mut input, &mut whole, 2 * step, true)?;

        let mut parts = PageBuf::zeroed(step)?;
        let mut first = [0u8; crate::buffer::MAX_TAIL];
        let mut second = [0u8; crate::buffer::MAX_TAIL];
        let mut stream = Stream::new(self, Direction::Encrypt, None)?;
        let mut input = PageBuf::zeroed(step)?;
        stream.run(self, &mut input, &mut parts, step, false)?;
        parts.read(0, &mut first[..step])?;
        stream.run(self, &mut input, &mut parts, step, true)?;
        parts.read(0, &mut second[..step])?;

        let mut expect = [0u8; crate::buffer::MAX_TAIL];
        whole.read(0, &mut expect[..step])?;
        let mut same = expect[..step] == first[..step];
        whole.read(step, &mut expect[..step])?;
        same &= expect[..step] == second[..step];
        Ok(same)
    }
}

impl Drop for Skcipher {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the transform is owned by `self`; requests borrow it, so
        // none is left. The crypto API wipes the key when freeing.
        unsafe { ffi::kcrypto_skcipher_free(self.tfm.as_ptr()) };
    }
}

/// The state of one message being processed, possibly in parts: its direction, its IV (the
/// chained IV after each part) and the algorithm's own state between parts.
///
/// Everything a request reads is captured here when the message starts, so nothing that
/// arrives later (another IV, another direction) can change a message in progress.
pub(crate) struct Stream {
    direction: Direction,
    iv: SecretBuf,
    state: SecretBuf,
    started: bool,
}

impl Stream {
    /// Starts a message for `tfm`; `iv` must have the algorithm's IV size (none: zeros).
    pub(crate) fn new(tfm: &Skcipher, direction: Direction, iv: Option<&[u8]>) -> Result<Self> {
        let mut buf = SecretBuf::zeroed(tfm.iv_size().max(1))?;
        if let Some(iv) = iv {
            if iv.len() != tfm.iv_size() {
                return Err(EINVAL);
            }
            buf[..iv.len()].copy_from_slice(iv);
        }
        Ok(Self {
            direction,
            iv: buf,
            state: SecretBuf::zeroed((tfm.sizes.state as usize).max(1))?,
            started: false,
        })
    }

    /// The IV the next part starts from (after the last part: the chained IV).
    pub(crate) fn iv(&self, tfm: &Skcipher) -> &[u8] {
        &self.iv[..tfm.iv_size()]
    }

    /// Processes the first `len` bytes of `src` into `dst`; `last` ends the message.
    ///
    /// Only the last part may have a length that is not a multiple of the chunk size; the
    /// algorithm refuses lengths it cannot process (`EINVAL`) before it processes anything.
    pub(crate) fn run(
        &mut self,
        tfm: &Skcipher,
        src: &mut PageBuf,
        dst: &mut PageBuf,
        len: usize,
        last: bool,
    ) -> Result {
        if !last && len % tfm.chunk_size() != 0 {
            return Err(EINVAL);
        }
        if len > dst.len() {
            return Err(Errno::MessageSize.into());
        }
        let api_len = api_len(len)?;
        let src = src.sg(len)?;
        let dst = dst.sg(len)?;
        let cont = self.started;
        self.started = true;
        // SAFETY: `tfm` is live (type invariant of `Skcipher`); the scatterlists cover `len`
        // bytes of buffers borrowed for the call; `iv` holds an IV and `state` the algorithm's
        // state, both owned by `self`.
        to_result(unsafe {
            ffi::kcrypto_skcipher_crypt(
                tfm.tfm.as_ptr(),
                self.direction == Direction::Encrypt,
                src.as_ptr(),
                dst.as_ptr(),
                api_len,
                self.iv.as_mut_ptr(),
                self.state.as_mut_ptr().cast(),
                cont,
                last,
            )
        })
    }
}
