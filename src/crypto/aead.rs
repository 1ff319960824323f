// SPDX-License-Identifier: GPL-2.0

//! Authenticated encryption (`struct crypto_aead`): `gcm(aes)`, `ccm(aes)`, `rfc4106(gcm(aes))`,
//! `rfc7539(chacha20,poly1305)`, ...
//!
//! A message is AF_ALG's layout: associated data, then the text (and, to decrypt, the tag).
//! [`Aead::crypt`] checks every length before a request exists and works out of place.

use core::ptr::NonNull;
use kernel::{error::to_result, prelude::*, str::CStr, sync::Arc};

use super::{
    api_len,
    request::{Job, Op, Request, Tfm},
    Direction,
};
use crate::{
    buffer::{PageBuf, SecretBuf},
    errno::Errno,
    ffi,
};

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
    pub(crate) fn output_len(
        &self,
        direction: Direction,
        assoc_len: usize,
        len: usize,
    ) -> Result<usize> {
        let text = len.checked_sub(assoc_len).ok_or(EINVAL)?;
        match direction {
            Direction::Encrypt => len
                .checked_add(self.tag_size())
                .ok_or(Errno::MessageSize.into()),
            Direction::Decrypt if text < self.tag_size() => Err(EINVAL),
            Direction::Decrypt => Ok(len - self.tag_size()),
        }
    }

    /// Submits the message in `src` (its first `assoc_len` bytes are associated data) with
    /// `iv`; the request's job holds the output once it completes. The associated data is
    /// copied to the output too, as AF_ALG returns it.
    ///
    /// A decryption whose tag does not match fails with `EBADMSG`; the output is then never
    /// handed out.
    pub(crate) fn submit(
        self: &Arc<Self>,
        direction: Direction,
        iv: SecretBuf,
        src: PageBuf,
        assoc_len: usize,
    ) -> Result<Request> {
        let len = src.len();
        let out_len = self.output_len(direction, assoc_len, len)?;
        if iv.len() != self.iv_size() {
            return Err(EINVAL);
        }
        let mut dst = PageBuf::zeroed(out_len)?;
        dst.copy_within(0, &src, 0, assoc_len)?;
        let state = SecretBuf::new();
        let job = Job::new(Tfm::Aead(self.clone()), src, dst, iv, state);
        let op = Op::Aead {
            direction,
            len,
            assoc_len,
        };
        Request::submit(job, op)
    }

    /// The transform, for a request.
    pub(crate) fn as_raw(&self) -> *mut ffi::CryptoAead {
        self.tfm.as_ptr()
    }
}

impl Aead {
    /// The implementation serving this transform.
    pub(crate) fn info(&self) -> super::AlgInfo {
        // SAFETY: `tfm` is live (type invariant); the C side writes one whole record.
        super::AlgInfo::read(|info| unsafe { ffi::kcrypto_aead_info(self.tfm.as_ptr(), info) })
    }
}

impl super::Served for Aead {
    fn served_by(&self) -> super::AlgInfo {
        self.info()
    }
}

impl Drop for Aead {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the transform is owned by `self`; every request holds
        // an `Arc` to it, so none is left. The crypto API wipes the key when freeing.
        unsafe { ffi::kcrypto_aead_free(self.tfm.as_ptr()) };
    }
}

#[cfg(CONFIG_KUNIT = "y")]
mod tests {
    use super::*;
    use kernel::c_str;

    // The GCM specification (McGrew, Viega), test case 4: AES-128 with associated data.
    const KEY: [u8; 16] = hex!("feffe9928665731c6d6a8f9467308308");
    const IV: [u8; 12] = hex!("cafebabefacedbaddecaf888");
    const AAD: [u8; 20] = hex!("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const PLAIN: [u8; 60] = hex!(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    );
    const SEALED: [u8; 76] = hex!(
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
        "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
        "5bc94fbc3221a5db94fae95ae7121a47"
    );

    fn run(tfm: &Arc<Aead>, direction: Direction, input: &[&[u8]], out: &mut [u8]) -> Result {
        let mut src = PageBuf::new();
        for part in input {
            src.append(part)?;
        }
        let mut iv = SecretBuf::zeroed(IV.len())?;
        iv.copy_from_slice(&IV);
        let mut request = tfm.submit(direction, iv, src, AAD.len())?;
        let output = request.wait()?.output();
        if output.len() != out.len() {
            return Err(EINVAL);
        }
        output.read(0, out)
    }

    kunit_case!(kcrypto_test_aead_kat, |t| {
        let mut tfm = kunit_try!(t, Aead::new(c_str!("gcm(aes)"), 0, 0));
        kunit_expect!(t, tfm.needs_key());
        kunit_try!(t, tfm.set_key(&KEY));
        kunit_expect_eq!(t, (tfm.iv_size(), tfm.tag_size()), (12, 16));
        let tfm = kunit_try!(t, Arc::new(tfm, GFP_KERNEL));

        // Encrypt AAD || PT into AAD || CT || TAG, and back.
        let mut sealed = [0u8; 96];
        kunit_try!(
            t,
            run(&tfm, Direction::Encrypt, &[&AAD, &PLAIN], &mut sealed)
        );
        kunit_expect_eq!(t, &sealed[..20], &AAD);
        kunit_expect_eq!(t, &sealed[20..], &SEALED);
        let mut opened = [0u8; 80];
        kunit_try!(
            t,
            run(&tfm, Direction::Decrypt, &[&AAD, &SEALED], &mut opened)
        );
        kunit_expect_eq!(t, &opened[20..], &PLAIN);

        // A changed byte anywhere fails authentication.
        for at in [0usize, 30, 75] {
            let mut bad = SEALED;
            bad[at] ^= 0x80;
            let result = run(&tfm, Direction::Decrypt, &[&AAD, &bad], &mut opened);
            kunit_expect_eq!(t, result, Err(Errno::BadMessage.into()), "byte {at}");
        }

        // A shorter tag is a prefix of the full one.
        let mut tfm = kunit_try!(t, Aead::new(c_str!("gcm(aes)"), 0, 0));
        kunit_try!(t, tfm.set_key(&KEY));
        kunit_try!(t, tfm.set_tag_size(12));
        kunit_expect_eq!(t, tfm.set_tag_size(17), Err(EINVAL));
        kunit_expect_eq!(t, tfm.set_tag_size(3), Err(EINVAL));
        let tfm = kunit_try!(t, Arc::new(tfm, GFP_KERNEL));
        let mut short = [0u8; 92];
        kunit_try!(
            t,
            run(&tfm, Direction::Encrypt, &[&AAD, &PLAIN], &mut short)
        );
        kunit_expect_eq!(t, &short[20..], &SEALED[..72]);
    });

    kunit_case!(kcrypto_test_aead_lengths, |t| {
        let mut tfm = kunit_try!(t, Aead::new(c_str!("gcm(aes)"), 0, 0));
        kunit_try!(t, tfm.set_key(&KEY));
        let tfm = kunit_try!(t, Arc::new(tfm, GFP_KERNEL));
        let (enc, dec) = (Direction::Encrypt, Direction::Decrypt);
        kunit_expect_eq!(t, tfm.output_len(enc, 20, 80), Ok(96));
        kunit_expect_eq!(t, tfm.output_len(dec, 20, 96), Ok(80));
        kunit_expect_eq!(t, tfm.output_len(enc, 0, 0), Ok(16));
        // Associated data longer than the message, a ciphertext shorter than a tag.
        kunit_expect_eq!(t, tfm.output_len(enc, 21, 20), Err(EINVAL));
        kunit_expect_eq!(t, tfm.output_len(dec, 20, 35), Err(EINVAL));
        // A message too short for its associated data is refused before any request exists.
        let mut out = [0u8; 96];
        let result = run(&tfm, enc, &[&AAD[..10]], &mut out);
        kunit_expect_eq!(t, result, Err(EINVAL));
    });
}
