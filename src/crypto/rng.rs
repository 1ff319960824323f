// SPDX-License-Identifier: GPL-2.0

//! Random number generators (`struct crypto_rng`): `stdrng`, `drbg_nopr_hmac_sha256`, ...

use core::ptr::NonNull;
use kernel::{error::to_result, prelude::*, str::CStr};

use super::api_len;
use crate::{buffer::SecretBuf, ffi};

/// A random number generator.
///
/// # Invariants
///
/// `tfm` was returned by `crypto_alloc_rng` and is owned by this value. If `entropy` is set,
/// the algorithm refers to it (`crypto_rng_set_entropy` keeps the pointer), so it is freed only
/// after the transform.
pub(crate) struct Rng {
    tfm: NonNull<ffi::CryptoRng>,
    entropy: Option<SecretBuf>,
}

// SAFETY: A transform is not tied to the thread that allocated it.
unsafe impl Send for Rng {}

// SAFETY: Generating is allowed concurrently on one transform (the algorithms lock their state);
// seeding needs `&mut self`.
unsafe impl Sync for Rng {}

impl Rng {
    /// Allocates the best implementation of `name` whose flags selected by `mask` equal `type_`.
    pub(crate) fn new(name: &CStr, type_: u32, mask: u32) -> Result<Self> {
        let tfm = super::alloc(name, type_, mask, ffi::crypto_alloc_rng)?;
        // INVARIANT: The transform was just allocated and nothing else refers to it.
        Ok(Self { tfm, entropy: None })
    }

    /// Gives a DRBG fixed entropy for its next seeding (CAVP testing); `EOPNOTSUPP` for an
    /// algorithm that takes none.
    pub(crate) fn set_entropy(&mut self, entropy: &[u8]) -> Result {
        let len = api_len(entropy.len())?;
        let mut copy = SecretBuf::zeroed(entropy.len())?;
        copy.copy_from_slice(entropy);
        // SAFETY: `tfm` is live (type invariant) and not in use by anyone else (`&mut self`);
        // `copy` holds `len` bytes and is kept in `self` until after the transform is freed.
        to_result(unsafe { ffi::kcrypto_rng_set_entropy(self.tfm.as_ptr(), copy.as_ptr(), len) })?;
        // INVARIANT: The buffer the algorithm refers to now lives as long as the transform; the
        // one it replaces is no longer referred to.
        self.entropy = Some(copy);
        Ok(())
    }

    /// Seeds the generator (`seed` may be empty: seed from the system).
    pub(crate) fn seed(&mut self, seed: &[u8]) -> Result {
        let len = api_len(seed.len())?;
        // SAFETY: `tfm` is live (type invariant) and not in use by anyone else (`&mut self`);
        // `seed` is valid for `len` bytes.
        to_result(unsafe { ffi::crypto_rng_reset(self.tfm.as_ptr(), seed.as_ptr(), len) })
    }

    /// Fills `out` with random bytes.
    pub(crate) fn fill(&self, out: &mut [u8]) -> Result {
        let len = api_len(out.len())?;
        // SAFETY: `tfm` is live (type invariant); `out` is valid for writes of `len` bytes.
        to_result(unsafe { ffi::kcrypto_rng_get_bytes(self.tfm.as_ptr(), out.as_mut_ptr(), len) })
    }
}

impl Rng {
    /// The implementation serving this transform.
    pub(crate) fn info(&self) -> super::AlgInfo {
        // SAFETY: `tfm` is live (type invariant); the C side writes one whole record.
        super::AlgInfo::read(|info| unsafe { ffi::kcrypto_rng_info(self.tfm.as_ptr(), info) })
    }
}

impl super::Served for Rng {
    fn served_by(&self) -> super::AlgInfo {
        self.info()
    }
}

impl Drop for Rng {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the transform is owned by `self`. `entropy` is dropped
        // after this, once nothing refers to it.
        unsafe { ffi::kcrypto_rng_free(self.tfm.as_ptr()) };
    }
}

#[cfg(CONFIG_KUNIT = "y")]
mod tests {
    use super::*;
    use kernel::c_str;

    fn drbg(entropy: &[u8], seed: &[u8], out: &mut [u8]) -> Result {
        let mut rng = Rng::new(c_str!("drbg_nopr_hmac_sha256"), 0, 0)?;
        rng.set_entropy(entropy)?;
        rng.seed(seed)?;
        rng.fill(out)
    }

    kunit_case!(kcrypto_test_rng, |t| {
        // A DRBG with fixed entropy is deterministic; each input changes its output.
        let entropy = [0x5au8; 48];
        let (mut a, mut b, mut c, mut d) = ([0u8; 64], [0u8; 64], [0u8; 64], [0u8; 64]);
        kunit_try!(t, drbg(&entropy, b"seed", &mut a));
        kunit_try!(t, drbg(&entropy, b"seed", &mut b));
        kunit_try!(t, drbg(&entropy, b"seee", &mut c));
        kunit_try!(t, drbg(&[0x5b; 48], b"seed", &mut d));
        kunit_expect_eq!(t, a, b);
        kunit_expect!(t, a != c && a != d && c != d);

        // Seeded by the system, two draws differ.
        let mut rng = kunit_try!(t, Rng::new(c_str!("stdrng"), 0, 0));
        kunit_try!(t, rng.seed(&[]));
        kunit_try!(t, rng.fill(&mut a));
        kunit_try!(t, rng.fill(&mut b));
        kunit_expect!(t, a != b && a != [0; 64]);
        // Only DRBGs take entropy.
        let mut jent = kunit_try!(t, Rng::new(c_str!("jitterentropy_rng"), 0, 0));
        let unsupported = Error::from(crate::errno::Errno::NotSupported);
        kunit_expect_eq!(t, jent.set_entropy(&entropy), Err(unsupported));
    });
}
