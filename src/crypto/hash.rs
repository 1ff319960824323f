// SPDX-License-Identifier: GPL-2.0

//! Synchronous message digests (`struct crypto_shash`).
//!
//! [`Shash`] owns a transform and its key; [`Digest`] is one computation in progress. A
//! [`Digest`] only comes from [`Shash::start`], so data cannot be fed to an uninitialised state,
//! and it keeps its transform alive: re-keying a socket replaces the transform instead of
//! changing one that computations in progress use.

use core::ptr::NonNull;
use kernel::{error::from_err_ptr, error::to_result, prelude::*, str::CStr, sync::Arc};

use super::api_len;
#[cfg(CONFIG_KUNIT = "y")]
use super::MAX_ALG_NAME;
use crate::{errno::Errno, ffi};

/// A synchronous hash transform, keyed or not.
///
/// # Invariants
///
/// `tfm` was returned by `crypto_alloc_shash` and is owned by this value.
pub(crate) struct Shash {
    tfm: NonNull<ffi::CryptoShash>,
}

// SAFETY: A transform is not tied to the thread that allocated it.
unsafe impl Send for Shash {}

// SAFETY: The `&self` methods only compute digests, which the crypto API allows concurrently on
// one transform; changing the key needs `&mut self`.
unsafe impl Sync for Shash {}

impl Shash {
    /// Allocates the best implementation of `name` (a generic or a driver name) whose
    /// `CRYPTO_ALG_*` flags selected by `mask` equal those in `type_`.
    pub(crate) fn new(name: &CStr, type_: u32, mask: u32) -> Result<Self> {
        let tfm = super::alloc(name, type_, mask, ffi::crypto_alloc_shash)?;
        // INVARIANT: The transform was just allocated and nothing else refers to it.
        Ok(Self { tfm })
    }

    /// The size of a digest in bytes.
    pub(crate) fn digest_size(&self) -> usize {
        // SAFETY: By the type invariant `tfm` is a live transform.
        unsafe { ffi::kcrypto_shash_digestsize(self.tfm.as_ptr()) as usize }
    }

    /// Whether the algorithm is keyed and still lacks a key.
    pub(crate) fn needs_key(&self) -> bool {
        // SAFETY: By the type invariant `tfm` is a live transform.
        unsafe { ffi::kcrypto_shash_needs_key(self.tfm.as_ptr()) }
    }

    /// Sets the key; the crypto API copies it into the transform.
    pub(crate) fn set_key(&mut self, key: &[u8]) -> Result {
        let len = api_len(key.len())?;
        // SAFETY: `tfm` is live (type invariant) and not in use by anyone else (`&mut self`);
        // `key` is valid for `len` bytes.
        to_result(unsafe { ffi::crypto_shash_setkey(self.tfm.as_ptr(), key.as_ptr(), len) })
    }

    /// Computes the digest of `data` into the first [`Self::digest_size`] bytes of `out`.
    pub(crate) fn digest(&self, data: &[u8], out: &mut [u8]) -> Result {
        let len = api_len(data.len())?;
        if out.len() < self.digest_size() {
            return Err(EINVAL);
        }
        // SAFETY: `tfm` is live (type invariant), `data` is valid for `len` bytes and `out` for
        // a whole digest, as checked above.
        to_result(unsafe {
            ffi::crypto_shash_tfm_digest(self.tfm.as_ptr(), data.as_ptr(), len, out.as_mut_ptr())
        })
    }

    /// Starts a digest computation that takes its data in parts.
    pub(crate) fn start(self: &Arc<Self>) -> Result<Digest> {
        // SAFETY: By the type invariant `tfm` is a live transform.
        let desc = unsafe { ffi::kcrypto_shash_desc_alloc(self.tfm.as_ptr()) };
        let desc = NonNull::new(desc).ok_or(ENOMEM)?;
        // SAFETY: `desc` was just allocated for `tfm`, which outlives it.
        let ret = unsafe { ffi::kcrypto_shash_init(desc.as_ptr()) };
        if let Err(err) = to_result(ret) {
            // SAFETY: `desc` came from `kcrypto_shash_desc_alloc` and is not used afterwards.
            unsafe { ffi::kcrypto_shash_desc_free(desc.as_ptr()) };
            return Err(err);
        }
        // INVARIANT: `desc` belongs to `self.tfm`, is initialised and owned by the new value.
        Ok(Digest {
            desc,
            shash: self.clone(),
        })
    }
}

impl Shash {
    /// The implementation serving this transform.
    pub(crate) fn info(&self) -> super::AlgInfo {
        // SAFETY: `tfm` is live (type invariant); the C side writes one whole record.
        super::AlgInfo::read(|info| unsafe { ffi::kcrypto_shash_info(self.tfm.as_ptr(), info) })
    }
}

impl super::Served for Shash {
    fn served_by(&self) -> super::AlgInfo {
        self.info()
    }
}

impl Drop for Shash {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the transform is owned by `self`; every `Digest` using it
        // holds an `Arc` to `self`, so none is left. The crypto API wipes the key when freeing.
        unsafe { ffi::kcrypto_shash_free(self.tfm.as_ptr()) };
    }
}

/// A digest computation in progress.
///
/// # Invariants
///
/// `desc` was allocated by `kcrypto_shash_desc_alloc` for `shash`'s transform, initialised by
/// `crypto_shash_init`, and is owned by this value.
pub(crate) struct Digest {
    desc: NonNull<ffi::ShashDesc>,
    shash: Arc<Shash>,
}

// SAFETY: The state is plain memory owned by this value; the transform is `Sync`.
unsafe impl Send for Digest {}

impl Digest {
    /// The transform this computation uses.
    pub(crate) fn shash(&self) -> &Arc<Shash> {
        &self.shash
    }

    /// Copies the computation, so both copies can continue independently.
    pub(crate) fn try_clone(&self) -> Result<Self> {
        // SAFETY: `desc` is an initialised state (type invariant).
        let desc = from_err_ptr(unsafe { ffi::kcrypto_shash_desc_clone(self.desc.as_ptr()) })?;
        let desc = NonNull::new(desc).ok_or(ENOMEM)?;
        // INVARIANT: The clone holds the same initialised state for the same transform.
        Ok(Self {
            desc,
            shash: self.shash.clone(),
        })
    }

    /// Feeds `data` into the computation.
    pub(crate) fn update(&mut self, data: &[u8]) -> Result {
        let len = api_len(data.len())?;
        // SAFETY: `desc` is an initialised state (type invariant) used only through `&mut self`;
        // `data` is valid for `len` bytes.
        to_result(unsafe { ffi::crypto_shash_update(self.desc.as_ptr(), data.as_ptr(), len) })
    }

    /// Writes the digest into the first [`Shash::digest_size`] bytes of `out`.
    pub(crate) fn finish(self, out: &mut [u8]) -> Result {
        if out.len() < self.shash.digest_size() {
            return Err(EINVAL);
        }
        // SAFETY: `desc` is an initialised state (type invariant) and `out` holds a digest.
        to_result(unsafe { ffi::crypto_shash_final(self.desc.as_ptr(), out.as_mut_ptr()) })
    }
}

impl Drop for Digest {
    fn drop(&mut self) {
        // SAFETY: By the type invariant `desc` is owned by `self` and not used after this.
        unsafe { ffi::kcrypto_shash_desc_free(self.desc.as_ptr()) };
    }
}

#[cfg(CONFIG_KUNIT = "y")]
mod tests {
    use super::*;
    use kernel::c_str;

    // FIPS 180-2, appendix B: SHA-256 examples.
    const ABC: &[u8] = b"abc";
    const ABC_SHA256: [u8; 32] =
        hex!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const TWO_BLOCKS: &[u8] = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    const TWO_BLOCKS_SHA256: [u8; 32] =
        hex!("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const MILLION_A_SHA256: [u8; 32] =
        hex!("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    const EMPTY_SHA256: [u8; 32] =
        hex!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    kunit_case!(kcrypto_test_sha256_kat, |t| {
        let tfm = kunit_try!(t, Shash::new(c_str!("sha256"), 0, 0));
        kunit_expect_eq!(t, tfm.digest_size(), 32);
        kunit_expect!(t, !tfm.needs_key());
        for (data, want) in [
            (&b""[..], &EMPTY_SHA256),
            (ABC, &ABC_SHA256),
            (TWO_BLOCKS, &TWO_BLOCKS_SHA256),
        ] {
            let mut out = [0u8; 32];
            kunit_try!(t, tfm.digest(data, &mut out));
            kunit_expect_eq!(t, &out, want);
        }
    });

    kunit_case!(kcrypto_test_sha256_streaming, |t| {
        let tfm = kunit_try!(
            t,
            Arc::new(
                kunit_try!(t, Shash::new(c_str!("sha256"), 0, 0)),
                GFP_KERNEL
            )
        );

        // One million 'a' in parts of 1000 bytes.
        let part = [b'a'; 1000];
        let mut digest = kunit_try!(t, tfm.start());
        for _ in 0..1000 {
            kunit_try!(t, digest.update(&part));
        }
        let mut out = [0u8; 32];
        kunit_try!(t, digest.finish(&mut out));
        kunit_expect_eq!(t, out, MILLION_A_SHA256);

        // Every split of a two-block message gives the one-shot answer.
        for split in 0..=TWO_BLOCKS.len() {
            let mut digest = kunit_try!(t, tfm.start());
            kunit_try!(t, digest.update(&TWO_BLOCKS[..split]));
            kunit_try!(t, digest.update(&TWO_BLOCKS[split..]));
            let mut out = [0u8; 32];
            kunit_try!(t, digest.finish(&mut out));
            kunit_expect_eq!(t, out, TWO_BLOCKS_SHA256);
        }

        // A clone continues independently of the original.
        let mut digest = kunit_try!(t, tfm.start());
        kunit_try!(t, digest.update(&TWO_BLOCKS[..20]));
        let mut copy = kunit_try!(t, digest.try_clone());
        kunit_try!(t, digest.update(&TWO_BLOCKS[20..]));
        kunit_try!(t, copy.update(b"garbage"));
        kunit_try!(t, digest.finish(&mut out));
        kunit_expect_eq!(t, out, TWO_BLOCKS_SHA256);

        // A computation dropped unfinished frees its state (kmemleak checks this).
        kunit_try!(t, copy.update(ABC));
        drop(copy);
    });

    kunit_case!(kcrypto_test_hmac_sha256_kat, |t| {
        // RFC 4231 test cases 1, 2 and 6 (a key longer than the block size).
        let long_key = [0xaau8; 131];
        let cases: [(&[u8], &[u8], [u8; 32]); 3] = [
            (
                &[0x0b; 20],
                b"Hi There",
                hex!("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            ),
            (
                b"Jefe",
                b"what do ya want for nothing?",
                hex!("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ),
            (
                &long_key,
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                hex!("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            ),
        ];
        for (key, data, want) in cases {
            let mut tfm = kunit_try!(t, Shash::new(c_str!("hmac(sha256)"), 0, 0));
            kunit_expect!(t, tfm.needs_key());
            kunit_try!(t, tfm.set_key(key));
            kunit_expect!(t, !tfm.needs_key());
            let tfm = kunit_try!(t, Arc::new(tfm, GFP_KERNEL));
            let mut out = [0u8; 32];
            kunit_try!(t, tfm.digest(data, &mut out));
            kunit_expect_eq!(t, out, want);

            let mut digest = kunit_try!(t, tfm.start());
            for byte in data.chunks(1) {
                kunit_try!(t, digest.update(byte));
            }
            let mut out = [0u8; 32];
            kunit_try!(t, digest.finish(&mut out));
            kunit_expect_eq!(t, out, want);
        }
    });

    kunit_case!(kcrypto_test_hash_errors, |t| {
        let no_key: Error = Errno::NoKey.into();
        let too_long: Error = Errno::NameTooLong.into();

        kunit_expect_eq!(
            t,
            Shash::new(c_str!("no-such-hash"), 0, 0).err(),
            Some(ENOENT)
        );
        // 128 characters: one more than fits with the terminator, refused before the API sees it.
        let long = c_str!(
            "sha256aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        );
        kunit_expect_eq!(t, long.len(), MAX_ALG_NAME);
        kunit_expect_eq!(t, Shash::new(long, 0, 0).err(), Some(too_long));

        // A keyed hash refuses to work before it has a key.
        let tfm = kunit_try!(
            t,
            Arc::new(
                kunit_try!(t, Shash::new(c_str!("hmac(sha256)"), 0, 0)),
                GFP_KERNEL
            )
        );
        let mut out = [0u8; 32];
        kunit_expect_eq!(t, tfm.digest(ABC, &mut out), Err(no_key));
        kunit_expect_eq!(t, tfm.start().err(), Some(no_key));

        // An output buffer shorter than the digest is refused, not overrun.
        let tfm = kunit_try!(
            t,
            Arc::new(
                kunit_try!(t, Shash::new(c_str!("sha256"), 0, 0)),
                GFP_KERNEL
            )
        );
        let mut short = [0u8; 31];
        kunit_expect_eq!(t, tfm.digest(ABC, &mut short), Err(EINVAL));
        let digest = kunit_try!(t, tfm.start());
        kunit_expect_eq!(t, digest.finish(&mut short), Err(EINVAL));
    });
}
