// SPDX-License-Identifier: GPL-2.0

//! Symmetric ciphers (`struct crypto_skcipher`): `cbc(aes)`, `ctr(aes)`, `xts(aes)`, ...
//!
//! [`Skcipher`] owns a transform and its key. Data is processed out of place, from one
//! [`PageBuf`] into another; a long message can be processed in parts through a [`Stream`],
//! which carries the IV and the algorithm's state from part to part.

use core::{
    ptr::NonNull,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{error::to_result, prelude::*, str::CStr, sync::Arc};

use super::{
    api_len,
    request::{Job, Op, Request, Tfm},
    Direction,
};
use crate::{
    buffer::{PageBuf, Scratch, SecretBuf, MAX_TAIL},
    ffi,
};

/// The largest request to an off-CPU driver (see [`Skcipher::max_request`]).
pub(crate) const MAX_HARDWARE_REQUEST: usize = 64 * 1024;

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
    chains: AtomicBool,
    /// Whether the implementation runs off the CPU.
    hardware: bool,
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
        let mut skcipher = Self {
            tfm,
            sizes,
            chains: AtomicBool::new(false),
            hardware: false,
        };
        skcipher.hardware = skcipher.info().is_hardware();
        Ok(skcipher)
    }

    /// The largest request sent to the implementation: 64 KiB for hardware. Some drivers
    /// describe a scatterlist to their device with more descriptors than pages (virtio-crypto
    /// 6.12 needs n(n+1)+3 for n pages each way and wedges its device past QEMU's 1024), so
    /// longer messages go as several chained requests, or are refused if the algorithm
    /// cannot chain.
    pub(crate) fn max_request(&self) -> usize {
        if self.hardware {
            MAX_HARDWARE_REQUEST
        } else {
            usize::MAX
        }
    }

    /// The transform, for a request.
    pub(crate) fn as_raw(&self) -> *mut ffi::CryptoSkcipher {
        self.tfm.as_ptr()
    }

    /// The size of an IV in bytes.
    pub(crate) fn iv_size(&self) -> usize {
        self.sizes.iv as usize
    }

    /// The block size: the length of a message must be a multiple of it.
    pub(crate) fn block_size(&self) -> usize {
        (self.sizes.block as usize).max(1)
    }

    /// The step in which a message processed in parts must be cut.
    pub(crate) fn chunk_size(&self) -> usize {
        (self.sizes.chunk as usize).max(self.block_size())
    }

    /// Whether a message can be processed in parts as it arrives (see [`Self::probe`]).
    pub(crate) fn chains(&self) -> bool {
        self.chains.load(Ordering::Relaxed)
    }

    /// Whether the algorithm still lacks a key.
    pub(crate) fn needs_key(&self) -> bool {
        // SAFETY: By the type invariant `tfm` is a live transform.
        unsafe { ffi::kcrypto_skcipher_needs_key(self.tfm.as_ptr()) }
    }

    /// Sets the key.
    pub(crate) fn set_key(&mut self, key: &[u8]) -> Result {
        let len = api_len(key.len())?;
        // SAFETY: `tfm` is live (type invariant) and not in use by anyone else (`&mut self`);
        // `key` is valid for `len` bytes.
        to_result(unsafe { ffi::crypto_skcipher_setkey(self.tfm.as_ptr(), key.as_ptr(), len) })
    }

    /// Finds out, with the key set, whether the algorithm chains.
    ///
    /// The crypto API lets a request continue an earlier one (the IV and any algorithm state
    /// carried over), but not every implementation honours that: some restart their counter or
    /// tweak for every request. Rather than trusting a list of names, a short probe with the
    /// real key compares two-part runs with one-part runs, both ways; only an algorithm that
    /// gives the same answers has a message processed as its parts arrive. A probe that fails
    /// (no memory) only costs streaming.
    pub(crate) fn probe(self: &Arc<Self>) {
        let chains = self.probe_chaining().unwrap_or(false);
        self.chains.store(chains, Ordering::Relaxed);
    }

    fn probe_chaining(self: &Arc<Self>) -> Result<bool> {
        let step = self.chunk_size();
        if step > MAX_TAIL {
            return Ok(false);
        }
        for direction in [Direction::Encrypt, Direction::Decrypt] {
            let whole =
                Stream::new(self, direction, None)?.run(self, PageBuf::zeroed(2 * step)?)?;
            let mut stream = Stream::new(self, direction, None)?;
            let first = stream.part(self, PageBuf::zeroed(step)?)?;
            let second = stream.run(self, PageBuf::zeroed(step)?)?;
            let (mut got, mut want) = (Scratch::<MAX_TAIL>::new(), Scratch::<MAX_TAIL>::new());
            for (i, part) in [&first, &second].into_iter().enumerate() {
                part.read(0, &mut got[..step])?;
                whole.read(i * step, &mut want[..step])?;
                if got[..step] != want[..step] {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }
}

impl Skcipher {
    /// The implementation serving this transform.
    pub(crate) fn info(&self) -> super::AlgInfo {
        // SAFETY: `tfm` is live (type invariant); the C side writes one whole record.
        super::AlgInfo::read(|info| unsafe { ffi::kcrypto_skcipher_info(self.tfm.as_ptr(), info) })
    }
}

impl super::Served for Skcipher {
    fn served_by(&self) -> super::AlgInfo {
        self.info()
    }
}

impl Drop for Skcipher {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the transform is owned by `self`; every request holds
        // an `Arc` to it, so none is left. The crypto API wipes the key when freeing.
        unsafe { ffi::kcrypto_skcipher_free(self.tfm.as_ptr()) };
    }
}

/// The state of one message being processed, possibly in parts: its direction, its IV (the
/// chained IV after each part) and the algorithm's own state between parts.
///
/// Everything a request reads is captured here when the message starts, so nothing that
/// arrives later (another IV, another direction) can change a message in progress; each
/// request gets its own copy.
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
            // Most algorithms have no state to carry (size 0): no allocation.
            state: SecretBuf::zeroed(tfm.sizes.state as usize)?,
            started: false,
        })
    }

    /// The message's direction.
    pub(crate) fn direction(&self) -> Direction {
        self.direction
    }

    /// Whether a part has been submitted.
    pub(crate) fn started(&self) -> bool {
        self.started
    }

    /// The IV the next part starts from (none once the last part is submitted: its request
    /// has it).
    pub(crate) fn iv(&self, tfm: &Skcipher) -> &[u8] {
        self.iv.get(..tfm.iv_size()).unwrap_or(&[])
    }

    fn submit(&mut self, tfm: &Arc<Skcipher>, src: PageBuf, last: bool) -> Result<Request> {
        let len = src.len();
        if !last && len % tfm.chunk_size() != 0 {
            return Err(EINVAL);
        }
        let (iv, state) = if last {
            // Nothing follows the last part: its request takes the IV and state over.
            (
                core::mem::replace(&mut self.iv, SecretBuf::new()),
                core::mem::replace(&mut self.state, SecretBuf::new()),
            )
        } else {
            let mut iv = SecretBuf::zeroed(self.iv.len())?;
            iv.copy_from_slice(&self.iv);
            let mut state = SecretBuf::zeroed(self.state.len())?;
            state.copy_from_slice(&self.state);
            (iv, state)
        };
        let job = Job::new(
            Tfm::Skcipher(tfm.clone()),
            src,
            PageBuf::zeroed(len)?,
            iv,
            state,
        );
        let cont = self.started;
        self.started = true;
        let op = Op::Cipher {
            direction: self.direction,
            len,
            cont,
            last,
        };
        Request::submit(job, op)
    }

    /// Processes a part that more parts follow (a whole number of chunks): waits for it, since
    /// the next part continues from its IV and state. Returns its output.
    pub(crate) fn part(&mut self, tfm: &Arc<Skcipher>, src: PageBuf) -> Result<PageBuf> {
        let mut request = self.submit(tfm, src, false)?;
        let job = request.wait()?;
        self.iv.copy_from_slice(job.iv());
        self.state.copy_from_slice(job.state());
        Ok(core::mem::replace(job.output(), PageBuf::new()))
    }

    /// Submits the last part; the request's job holds the output and the chained IV once it
    /// completes. The algorithm refuses lengths it cannot process (`EINVAL`) before any work.
    pub(crate) fn finish(&mut self, tfm: &Arc<Skcipher>, src: PageBuf) -> Result<Request> {
        self.submit(tfm, src, true)
    }

    /// Processes the last part and waits for it; returns its output.
    pub(crate) fn run(&mut self, tfm: &Arc<Skcipher>, src: PageBuf) -> Result<PageBuf> {
        let mut request = self.finish(tfm, src)?;
        let job = request.wait()?;
        let mut iv = SecretBuf::zeroed(job.iv().len())?;
        iv.copy_from_slice(job.iv());
        self.iv = iv;
        Ok(core::mem::replace(job.output(), PageBuf::new()))
    }
}

#[cfg(CONFIG_KUNIT = "y")]
mod tests {
    use super::*;
    use kernel::c_str;

    // NIST SP 800-38A, F.2.5 (CBC-AES256.Encrypt) and F.5.5 (CTR-AES256.Encrypt).
    const KEY: [u8; 32] = hex!("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
    const PLAIN: [u8; 64] = hex!(
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
        "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
    );
    const CBC_IV: [u8; 16] = hex!("000102030405060708090a0b0c0d0e0f");
    const CBC: [u8; 64] = hex!(
        "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
        "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"
    );
    const CTR_IV: [u8; 16] = hex!("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    const CTR: [u8; 64] = hex!(
        "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
        "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6"
    );

    /// Runs `data` through `tfm` in parts cut at `cuts`, returning the concatenated output.
    fn crypt_parts(
        tfm: &Arc<Skcipher>,
        direction: Direction,
        iv: &[u8],
        data: &[u8],
        cuts: &[usize],
    ) -> Result<[u8; 64]> {
        let mut out = [0u8; 64];
        let mut stream = Stream::new(tfm, direction, Some(iv))?;
        let mut start = 0;
        for i in 0..=cuts.len() {
            let end = cuts.get(i).copied().unwrap_or(data.len());
            let mut src = PageBuf::new();
            src.append(&data[start..end])?;
            let part = if i == cuts.len() {
                stream.run(tfm, src)?
            } else {
                stream.part(tfm, src)?
            };
            part.read(0, &mut out[start..end])?;
            start = end;
        }
        Ok(out)
    }

    /// A keyed, probed transform.
    fn keyed(name: &CStr, key: &[u8]) -> Result<Arc<Skcipher>> {
        let mut tfm = Skcipher::new(name, 0, 0)?;
        tfm.set_key(key)?;
        let tfm = Arc::new(tfm, GFP_KERNEL)?;
        tfm.probe();
        Ok(tfm)
    }

    kunit_case!(kcrypto_test_skcipher_kat, |t| {
        for (name, iv, want) in [
            (c_str!("cbc(aes)"), &CBC_IV, &CBC),
            (c_str!("ctr(aes)"), &CTR_IV, &CTR),
        ] {
            let tfm = kunit_try!(t, Skcipher::new(name, 0, 0));
            kunit_expect!(t, tfm.needs_key());
            let tfm = kunit_try!(t, keyed(name, &KEY));
            kunit_expect!(t, !tfm.needs_key());
            kunit_expect!(t, tfm.chains(), "{name} should process parts as they come");
            kunit_expect_eq!(t, tfm.iv_size(), 16);

            for cuts in [&[][..], &[16], &[16, 32, 48], &[48]] {
                let enc = kunit_try!(t, crypt_parts(&tfm, Direction::Encrypt, iv, &PLAIN, cuts));
                kunit_expect_eq!(t, &enc, want, "{name} encrypt, cut at {cuts:?}");
                let dec = kunit_try!(t, crypt_parts(&tfm, Direction::Decrypt, iv, want, cuts));
                kunit_expect_eq!(t, dec, PLAIN, "{name} decrypt, cut at {cuts:?}");
            }
            // The chained IV after the whole message continues it (CBC: the last block).
            let mut stream = kunit_try!(t, Stream::new(&tfm, Direction::Encrypt, Some(iv)));
            let mut src = PageBuf::new();
            kunit_try!(t, src.append(&PLAIN));
            kunit_try!(t, stream.run(&tfm, src));
            if name.as_bytes() == b"cbc(aes)" {
                kunit_expect_eq!(t, stream.iv(&tfm), &CBC[48..]);
            }
        }
    });

    kunit_case!(kcrypto_test_skcipher_records, |t| {
        let tfm = kunit_try!(t, keyed(c_str!("cbc(aes)"), &KEY));
        // Three records in one request: the whole vector, its first three blocks and its
        // last, each from its own IV (the last block's IV is the ciphertext before it).
        let records: [(&[u8], &[u8], &[u8]); 3] = [
            (&CBC_IV, &PLAIN, &CBC),
            (&CBC_IV, &PLAIN[..48], &CBC[..48]),
            (&CBC[32..48], &PLAIN[48..], &CBC[48..]),
        ];
        let (mut src, mut lens, mut want) = (PageBuf::new(), KVec::new(), KVec::new());
        let mut ivs = kunit_try!(t, SecretBuf::zeroed(3 * 16));
        for (i, (iv, plain, cipher)) in records.iter().enumerate() {
            ivs[i * 16..(i + 1) * 16].copy_from_slice(iv);
            kunit_try!(t, src.append(plain));
            kunit_try!(t, lens.push(plain.len() as u32, GFP_KERNEL));
            kunit_try!(t, want.extend_from_slice(cipher, GFP_KERNEL));
        }
        let len = src.len();
        let job = kunit_try!(
            t,
            Job::records(
                Tfm::Skcipher(tfm.clone()),
                src,
                kunit_try!(t, PageBuf::zeroed(len)),
                ivs,
                lens
            )
        );
        let op = Op::Records {
            direction: Direction::Encrypt,
            len,
            assoc_len: 0,
        };
        let mut request = kunit_try!(t, Request::submit(job, op));
        let job = kunit_try!(t, request.wait());
        let mut got = [0u8; 128];
        kunit_try!(t, job.output().read(0, &mut got[..len]));
        kunit_expect_eq!(t, &got[..len], &want[..]);

        // A job whose records do not exactly fill its buffers, one that is empty, or one
        // without an IV for each is refused.
        for (lens, ivs) in [
            (&[16u32, 32][..], 32),
            (&[64, 0], 32),
            (&[], 0),
            (&[48, 16], 16),
        ] {
            let mut list = KVec::new();
            kunit_try!(t, list.extend_from_slice(lens, GFP_KERNEL));
            let mut src = PageBuf::new();
            kunit_try!(t, src.append(&PLAIN));
            let job = Job::records(
                Tfm::Skcipher(tfm.clone()),
                src,
                kunit_try!(t, PageBuf::zeroed(64)),
                kunit_try!(t, SecretBuf::zeroed(ivs)),
                list,
            );
            kunit_expect_eq!(
                t,
                job.err(),
                Some(EINVAL),
                "records {lens:?}, {ivs}-byte IVs"
            );
        }
        // Nor may the output differ in length from what the records give.
        let mut src = PageBuf::new();
        kunit_try!(t, src.append(&PLAIN));
        let mut lens = KVec::new();
        kunit_try!(t, lens.push(64, GFP_KERNEL));
        let dst = kunit_try!(t, PageBuf::zeroed(48));
        let ivs = kunit_try!(t, SecretBuf::zeroed(16));
        let job = kunit_try!(t, Job::records(Tfm::Skcipher(tfm), src, dst, ivs, lens));
        let op = Op::Records {
            direction: Direction::Encrypt,
            len: 64,
            assoc_len: 0,
        };
        kunit_expect_eq!(t, Request::submit(job, op).err(), Some(EINVAL));
    });

    kunit_case!(kcrypto_test_skcipher_errors, |t| {
        let mut tfm = kunit_try!(t, Skcipher::new(c_str!("cbc(aes)"), 0, 0));
        // Key and IV sizes the algorithm refuses.
        kunit_expect_eq!(t, tfm.set_key(&KEY[..15]), Err(EINVAL));
        kunit_expect!(t, tfm.needs_key());
        let tfm = kunit_try!(t, keyed(c_str!("cbc(aes)"), &KEY));
        kunit_expect_eq!(
            t,
            Stream::new(&tfm, Direction::Encrypt, Some(&CBC_IV[..8])).err(),
            Some(EINVAL)
        );
        // A length the algorithm cannot process, and a part that is not a whole number of
        // chunks.
        let mut stream = kunit_try!(t, Stream::new(&tfm, Direction::Encrypt, Some(&CBC_IV)));
        let mut src = PageBuf::new();
        kunit_try!(t, src.append(&PLAIN[..20]));
        kunit_expect_eq!(t, stream.part(&tfm, src).err(), Some(EINVAL));
        let mut src = PageBuf::new();
        kunit_try!(t, src.append(&PLAIN[..20]));
        kunit_expect_eq!(t, stream.run(&tfm, src).err(), Some(EINVAL));

        // Algorithms that restart their tweak or counter per request are found out.
        let mut xts_key = [0u8; 64];
        xts_key[..32].copy_from_slice(&KEY);
        xts_key[32..].copy_from_slice(&KEY);
        xts_key[63] ^= 1;
        let xts = kunit_try!(t, keyed(c_str!("xts(aes)"), &xts_key));
        kunit_expect!(
            t,
            !xts.chains(),
            "xts(aes) cannot continue a message across requests"
        );
        kunit_expect_eq!(
            t,
            Skcipher::new(c_str!("no-such-cipher"), 0, 0).err(),
            Some(ENOENT)
        );
    });
}
