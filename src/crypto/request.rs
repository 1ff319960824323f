// SPDX-License-Identifier: GPL-2.0

//! Requests that may complete later, on another CPU or on a device (`src/request.c`).
//!
//! A [`Request`] is the submitter's handle; the memory the driver reads and writes lives in a
//! [`Job`] the request owns. Dropping the handle before the driver is done (a killed task, a
//! closed socket) leaves the job to the request, which frees it only when the driver has
//! completed: nothing is ever freed under a driver's feet. Every transform the job needs is
//! held by it too.

use core::ptr::NonNull;
use kernel::{bindings, error::from_err_ptr, error::to_result, prelude::*, sync::Arc};

use super::{aead::Aead, akcipher::Akcipher, api_len, skcipher::Skcipher, Direction};
use crate::{
    buffer::{PageBuf, SecretBuf},
    errno::Errno,
    ffi,
};

/// The module-wide state of requests (their workqueue); requests can be submitted while it
/// exists. Dropping it waits for the last request to be freed.
pub(crate) struct Requests(());

impl Requests {
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: Called once, from module init.
        to_result(unsafe { ffi::kcrypto_requests_init() })?;
        Ok(Self(()))
    }
}

impl Drop for Requests {
    fn drop(&mut self) {
        // SAFETY: Module exit: every request holds a module reference, so none is left but
        // possibly the release of the last, which this waits for.
        unsafe { ffi::kcrypto_requests_exit() };
    }
}

/// `EAGAIN` when the module-wide bound on requests (`max_requests`) is reached: checked before
/// a message takes any data, so a caller can retry it whole.
pub(crate) fn check_room() -> Result {
    // SAFETY: Reads counters; no preconditions.
    if unsafe { ffi::kcrypto_requests_full() } {
        return Err(EAGAIN);
    }
    Ok(())
}

/// Requests not yet freed, module-wide.
#[cfg(CONFIG_KUNIT = "y")]
pub(crate) fn in_flight() -> i32 {
    // SAFETY: Reads a counter; no preconditions.
    unsafe { ffi::kcrypto_requests_in_flight() }
}

/// The transform a job's request runs on.
pub(crate) enum Tfm {
    Skcipher(Arc<Skcipher>),
    Aead(Arc<Aead>),
    Akcipher(Arc<Akcipher>),
}

/// The memory of one request: input, output, IV and (for a cipher) the state carried between
/// the parts of a message, or the lengths of its records (their IVs one after another in `iv`).
pub(crate) struct Job {
    tfm: Tfm,
    src: PageBuf,
    dst: PageBuf,
    iv: SecretBuf,
    state: SecretBuf,
    records: KVec<u32>,
}

impl Job {
    pub(crate) fn new(
        tfm: Tfm,
        src: PageBuf,
        dst: PageBuf,
        iv: SecretBuf,
        state: SecretBuf,
    ) -> Self {
        Self {
            tfm,
            src,
            dst,
            iv,
            state,
            records: KVec::new(),
        }
    }

    /// A job of records, each a message of its own: record `i` is the `lens[i]` bytes of `src`
    /// after those of the records before it, processed with the IV at `i * iv_size` of `ivs`;
    /// its output follows the outputs before it in `dst` ([`Op::Records`] checks that it has
    /// room). `EINVAL` unless the records are not empty and exactly fill `src`, and `ivs`
    /// holds an IV for each.
    pub(crate) fn records(
        tfm: Tfm,
        src: PageBuf,
        dst: PageBuf,
        ivs: SecretBuf,
        lens: KVec<u32>,
    ) -> Result<Self> {
        let total = lens.iter().try_fold(0usize, |sum, &len| match len {
            0 => None,
            len => sum.checked_add(len as usize),
        });
        let iv_size = match &tfm {
            Tfm::Skcipher(tfm) => tfm.iv_size(),
            Tfm::Aead(tfm) => tfm.iv_size(),
            Tfm::Akcipher(_) => return Err(EINVAL),
        };
        let ivs_len = lens.len().checked_mul(iv_size).ok_or(EINVAL)?;
        if lens.is_empty() || total != Some(src.len()) || ivs.len() < ivs_len {
            return Err(EINVAL);
        }
        Ok(Self {
            tfm,
            src,
            dst,
            iv: ivs,
            state: SecretBuf::new(),
            records: lens,
        })
    }

    /// The output length of its records (see [`Job::records`]) in `direction` with `assoc_len`
    /// bytes of associated data each; `EINVAL` for a record too short for it or without
    /// output.
    fn records_output(&self, direction: Direction, assoc_len: usize) -> Result<usize> {
        let mut total = 0usize;
        for &len in self.records.iter() {
            let out = match &self.tfm {
                Tfm::Skcipher(_) if assoc_len == 0 => len as usize,
                Tfm::Aead(tfm) => tfm.output_len(direction, assoc_len, len as usize)?,
                _ => return Err(EINVAL),
            };
            if out == 0 {
                return Err(EINVAL);
            }
            total = total.checked_add(out).ok_or(EINVAL)?;
        }
        Ok(total)
    }

    /// The list of record lengths for the C side, and its length, once the records and their
    /// outputs are found to fill exactly the `len` bytes of input and `out_len` of output the
    /// request's scatterlists cover, all within the C side's 32-bit offsets (`EINVAL`).
    fn record_list(
        &self,
        direction: Direction,
        assoc_len: usize,
        len: usize,
        out_len: usize,
    ) -> Result<(*const u32, u32)> {
        if self.records.is_empty()
            || len != self.src.len()
            || self.records_output(direction, assoc_len)? != out_len
        {
            return Err(EINVAL);
        }
        api_len(len)?;
        api_len(out_len)?;
        let count = u32::try_from(self.records.len()).map_err(|_| EINVAL)?;
        Ok((self.records.as_ptr(), count))
    }

    /// What the job takes besides its pages and [`REQUEST_FOOTPRINT`]: a job of records, its
    /// IVs and lengths.
    fn records_footprint(&self) -> usize {
        if self.records.is_empty() {
            return 0;
        }
        self.iv.len() + self.records.len() * core::mem::size_of::<u32>()
    }
}

/// Frees a job once its request is released (called by `src/request.c`).
///
/// # Safety
///
/// `job` must come from `KBox::into_raw` in [`Request::submit`] and not be used afterwards.
#[no_mangle]
unsafe extern "C" fn kcrypto_job_release(job: *mut kernel::ffi::c_void) {
    // SAFETY: The caller passes back the box handed over in `Request::submit`.
    drop(unsafe { KBox::from_raw(job.cast::<Job>()) });
}

/// The submitter's handle on a request in flight or completed.
///
/// # Invariants
///
/// `raw` is a request from `kcrypto_*_submit` on which this value holds one reference; `job` is
/// the job it owns, which lives as long as that reference. Once the request has completed (a
/// wait returned), the driver no longer touches the job.
pub(crate) struct Request {
    raw: NonNull<ffi::Req>,
    job: NonNull<Job>,
    /// The memory the request and its job take (see [`Request::footprint`]).
    footprint: usize,
    /// The job's output length.
    output_len: usize,
}

/// What a request takes besides its job's pages, at most: the request with its scatterlists
/// and the crypto API's request, the job, its IV and state, a result slot. (kcrypto's software
/// drivers need about half; a driver with a larger request context is still charged to the
/// memory cgroup, see Documentation/userspace-api.rst.)
pub(crate) const REQUEST_FOOTPRINT: usize = 2048;

// SAFETY: The handle only refers to heap objects; the C side synchronises with the driver.
unsafe impl Send for Request {}

/// What a request does with its job's source.
#[derive(Clone, Copy)]
pub(crate) enum Op {
    /// A cipher part of `len` bytes; `cont`: continues from the job's state, `last`: no part
    /// follows.
    Cipher {
        direction: Direction,
        len: usize,
        cont: bool,
        last: bool,
    },
    /// The job's records, `len` bytes in all, each starting with `assoc_len` bytes of
    /// associated data (an AEAD's; none for a cipher) (see [`Job::records`]).
    Records {
        direction: Direction,
        len: usize,
        assoc_len: usize,
    },
    /// An AEAD message of `len` bytes, the first `assoc_len` of them associated data.
    Aead {
        direction: Direction,
        len: usize,
        assoc_len: usize,
    },
    /// A public-key encryption of `len` bytes.
    Encrypt { len: usize },
    /// A signature verification: `sig_len` bytes of signature, then the digest, `len` bytes in
    /// all.
    Verify { len: usize, sig_len: usize },
}

impl Op {
    /// The number of source bytes the request reads.
    fn len(self) -> usize {
        match self {
            Op::Cipher { len, .. }
            | Op::Records { len, .. }
            | Op::Aead { len, .. }
            | Op::Encrypt { len }
            | Op::Verify { len, .. } => len,
        }
    }
}

impl Request {
    /// Submits `job` to do `op`; the job's transform must be of the kind `op` needs.
    pub(crate) fn submit(job: Job, op: Op) -> Result<Self> {
        let footprint =
            job.src.footprint() + job.dst.footprint() + REQUEST_FOOTPRINT + job.records_footprint();
        let mut job = KBox::new(job, GFP_KERNEL_ACCOUNT)?;
        let len = op.len();
        let out_len = job.dst.len();
        let mut src_pages = job.src.pages(len)?;
        let mut dst_pages = job.dst.pages(out_len)?;
        let buffers = ffi::Buffers {
            src: src_pages.as_mut_ptr(),
            src_nents: u32::try_from(src_pages.len()).map_err(|_| EINVAL)?,
            src_len: len,
            dst: dst_pages.as_mut_ptr(),
            dst_nents: u32::try_from(dst_pages.len()).map_err(|_| EINVAL)?,
            dst_len: out_len,
        };
        let iv = job.iv.as_mut_ptr();
        let state = job.state.as_mut_ptr().cast();
        let (raw, job) = match (&job.tfm, op) {
            (
                Tfm::Skcipher(tfm),
                Op::Cipher {
                    direction,
                    len,
                    cont,
                    last,
                },
            ) => {
                if !job.records.is_empty() {
                    return Err(EINVAL);
                }
                let (tfm, len) = (tfm.as_raw(), api_len(len)?);
                let encrypt = direction == Direction::Encrypt;
                let job = KBox::into_raw(job);
                // SAFETY: Every pointer refers to memory of `job`, which is heap-allocated, so
                // it stays put, and which the request owns from here on if the submission
                // succeeds; the page arrays outlive the call. The transform is live: `job`
                // holds it.
                let raw = unsafe {
                    ffi::kcrypto_skcipher_submit(
                        tfm,
                        &buffers,
                        encrypt,
                        len,
                        iv,
                        state,
                        cont,
                        last,
                        job.cast(),
                    )
                };
                (raw, job)
            }
            (
                Tfm::Skcipher(tfm),
                Op::Records {
                    direction,
                    len,
                    assoc_len,
                },
            ) => {
                let (lens, count) = job.record_list(direction, assoc_len, len, out_len)?;
                let tfm = tfm.as_raw();
                let encrypt = direction == Direction::Encrypt;
                let job = KBox::into_raw(job);
                // SAFETY: As for a cipher part above; `lens` has `count` entries, non-empty
                // records whose inputs and outputs fill the scatterlists (`Job::record_list`),
                // and the IVs are `count` IVs of the transform's size (`Job::records`), all in
                // `job`.
                let raw = unsafe {
                    ffi::kcrypto_skcipher_records_submit(
                        tfm,
                        &buffers,
                        encrypt,
                        lens,
                        count,
                        iv,
                        job.cast(),
                    )
                };
                (raw, job)
            }
            (
                Tfm::Aead(tfm),
                Op::Records {
                    direction,
                    len,
                    assoc_len,
                },
            ) => {
                let (lens, count) = job.record_list(direction, assoc_len, len, out_len)?;
                let (tfm, assoc_len) = (tfm.as_raw(), api_len(assoc_len)?);
                let encrypt = direction == Direction::Encrypt;
                let job = KBox::into_raw(job);
                // SAFETY: As for cipher records above; every record holds its associated data
                // and, to decrypt, a tag (`Job::records_output`).
                let raw = unsafe {
                    ffi::kcrypto_aead_records_submit(
                        tfm,
                        &buffers,
                        encrypt,
                        assoc_len,
                        lens,
                        count,
                        iv,
                        job.cast(),
                    )
                };
                (raw, job)
            }
            (
                Tfm::Aead(tfm),
                Op::Aead {
                    direction,
                    len,
                    assoc_len,
                },
            ) => {
                if !job.records.is_empty() {
                    return Err(EINVAL);
                }
                let (tfm, len, assoc_len) = (tfm.as_raw(), api_len(len)?, api_len(assoc_len)?);
                let encrypt = direction == Direction::Encrypt;
                let job = KBox::into_raw(job);
                // SAFETY: As for a cipher part above.
                let raw = unsafe {
                    ffi::kcrypto_aead_submit(tfm, &buffers, encrypt, assoc_len, len, iv, job.cast())
                };
                (raw, job)
            }
            (Tfm::Akcipher(tfm), Op::Encrypt { len }) => {
                let (tfm, len, out_len) = (tfm.as_raw(), api_len(len)?, api_len(out_len)?);
                let job = KBox::into_raw(job);
                // SAFETY: As for a cipher part above.
                let raw = unsafe {
                    ffi::kcrypto_akcipher_submit(tfm, &buffers, false, len, out_len, job.cast())
                };
                (raw, job)
            }
            (Tfm::Akcipher(tfm), Op::Verify { len, sig_len }) => {
                let digest_len = api_len(len.checked_sub(sig_len).ok_or(EINVAL)?)?;
                let (tfm, sig_len) = (tfm.as_raw(), api_len(sig_len)?);
                let job = KBox::into_raw(job);
                // SAFETY: As for a cipher part above.
                let raw = unsafe {
                    ffi::kcrypto_akcipher_submit(
                        tfm,
                        &buffers,
                        true,
                        sig_len,
                        digest_len,
                        job.cast(),
                    )
                };
                (raw, job)
            }
            _ => return Err(EINVAL),
        };
        let raw = match from_err_ptr(raw) {
            Ok(raw) => raw,
            Err(err) => {
                // SAFETY: The request was not created, so `job` is still ours.
                drop(unsafe { KBox::from_raw(job) });
                return Err(err);
            }
        };
        let raw = NonNull::new(raw).ok_or(ENOMEM)?;
        // SAFETY: `job` came from `KBox::into_raw` and is not null.
        let job = unsafe { NonNull::new_unchecked(job) };
        // INVARIANT: The submission gave us one reference; the request owns `job`.
        Ok(Self {
            raw,
            job,
            footprint,
            output_len: out_len,
        })
    }

    /// The number of bytes the request writes.
    pub(crate) fn output_len(&self) -> usize {
        self.output_len
    }

    /// The memory the request holds until it is dropped: its job's pages and
    /// [`REQUEST_FOOTPRINT`].
    pub(crate) fn footprint(&self) -> usize {
        self.footprint
    }

    /// Whether the driver has completed the request (a wait would not block).
    pub(crate) fn is_done(&self) -> bool {
        // SAFETY: `raw` is a live request (type invariant).
        unsafe { ffi::kcrypto_req_done(self.raw.as_ptr()) }
    }

    /// Waits for the request, killably and at most the module's `request_timeout_ms`:
    /// its result, `EINTR` if the task is killed, `ETIMEDOUT` if the driver is too slow,
    /// `EOPNOTSUPP` if it lacks the operation.
    pub(crate) fn wait(&mut self) -> Result<&mut Job> {
        // SAFETY: `raw` is a live request (type invariant).
        let ret = unsafe { ffi::kcrypto_req_wait(self.raw.as_ptr()) };
        // A driver without the operation (virtio-crypto's pkcs1pad cannot verify) answers
        // ENOSYS, which means "no such system call" to userspace.
        if ret == -(bindings::ENOSYS as i32) {
            return Err(Errno::NotSupported.into());
        }
        to_result(ret)?;
        // SAFETY: The request completed, so the driver no longer touches the job, which lives
        // as long as our reference (type invariant); `&mut self` makes this the only access.
        Ok(unsafe { self.job.as_mut() })
    }
}

impl Job {
    /// The output.
    pub(crate) fn output(&mut self) -> &mut PageBuf {
        &mut self.dst
    }

    /// The IV after the request (a cipher's chained IV).
    pub(crate) fn iv(&self) -> &[u8] {
        &self.iv
    }

    /// The algorithm's state after the request, for the next part of a message.
    pub(crate) fn state(&self) -> &[u8] {
        &self.state
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        // SAFETY: We hold one reference (type invariant) and give it up; the request frees the
        // job when the driver is done with it.
        unsafe { ffi::kcrypto_req_put(self.raw.as_ptr()) };
    }
}

#[cfg(CONFIG_KUNIT = "y")]
mod tests {
    use super::*;
    use crate::crypto::skcipher::Stream;
    use kernel::c_str;

    kunit_case!(kcrypto_test_request_orphans, |t| {
        let mut tfm = kunit_try!(t, Skcipher::new(c_str!("cbc(aes)"), 0, 0));
        kunit_try!(t, tfm.set_key(&[0x42; 32]));
        let tfm = kunit_try!(t, Arc::new(tfm, GFP_KERNEL));
        let before = in_flight();

        // Requests whose handles are dropped at once free themselves when done.
        for _ in 0..16 {
            let mut stream = kunit_try!(t, Stream::new(&tfm, Direction::Encrypt, None));
            let src = kunit_try!(t, PageBuf::zeroed(64 * 1024));
            drop(kunit_try!(t, stream.finish(&tfm, src)));
        }
        // The transform outlives this reference: the requests hold their own.
        drop(tfm);
        let mut waited = 0;
        while in_flight() > before && waited < 5000 {
            // SAFETY: Sleeping in a KUnit case (process context).
            unsafe { ffi::kcrypto_kunit_sleep(10) };
            waited += 10;
        }
        kunit_expect_eq!(t, in_flight(), before, "requests left after {waited} ms");
    });
}
