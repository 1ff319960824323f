// SPDX-License-Identifier: GPL-2.0

//! Requests that may complete later, on another CPU or on a device (`src/request.c`).
//!
//! A [`Request`] is the submitter's handle; the memory the driver reads and writes lives in a
//! [`Job`] the request owns. Dropping the handle before the driver is done (a killed task, a
//! closed socket) leaves the job to the request, which frees it only when the driver has
//! completed: nothing is ever freed under a driver's feet. Every transform the job needs is
//! held by it too.

use core::ptr::NonNull;
use kernel::{error::from_err_ptr, error::to_result, prelude::*, sync::Arc};

use super::{aead::Aead, api_len, skcipher::Skcipher, Direction};
use crate::{
    buffer::{PageBuf, SecretBuf},
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

/// The transform a job's request runs on.
pub(crate) enum Tfm {
    Skcipher(Arc<Skcipher>),
    Aead(Arc<Aead>),
}

/// The memory of one request: input, output, IV and (for a cipher) the state carried between
/// the parts of a message.
pub(crate) struct Job {
    tfm: Tfm,
    src: PageBuf,
    dst: PageBuf,
    iv: SecretBuf,
    state: SecretBuf,
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
        }
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
}

// SAFETY: The handle only refers to heap objects; the C side synchronises with the driver.
unsafe impl Send for Request {}

impl Request {
    /// Submits `job` (`len` bytes of its source): a cipher part, or an AEAD message whose first
    /// `assoc_len` bytes are associated data.
    pub(crate) fn submit(
        job: Job,
        direction: Direction,
        len: usize,
        assoc_len: usize,
        cont: bool,
        last: bool,
    ) -> Result<Self> {
        let mut job = KBox::new(job, GFP_KERNEL_ACCOUNT)?;
        let encrypt = direction == Direction::Encrypt;
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
        let (len, assoc_len) = (api_len(len)?, api_len(assoc_len)?);
        let iv = job.iv.as_mut_ptr();
        let state = job.state.as_mut_ptr().cast();
        let job = KBox::into_raw(job);
        // SAFETY: Every pointer refers to memory of `job`, which is heap-allocated, so it stays
        // put, and which the request owns from here on if the submission succeeds; the page
        // arrays outlive the call. The transform is live: `job` holds it.
        let raw = unsafe {
            match &(*job).tfm {
                Tfm::Skcipher(tfm) => ffi::kcrypto_skcipher_submit(
                    tfm.as_raw(),
                    &buffers,
                    encrypt,
                    len,
                    iv,
                    state,
                    cont,
                    last,
                    job.cast(),
                ),
                Tfm::Aead(tfm) => ffi::kcrypto_aead_submit(
                    tfm.as_raw(),
                    &buffers,
                    encrypt,
                    assoc_len,
                    len,
                    iv,
                    job.cast(),
                ),
            }
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
        Ok(Self { raw, job })
    }

    /// Waits for the request, killably and at most the module's `request_timeout_ms`:
    /// its result, `EINTR` if the task is killed, `ETIMEDOUT` if the driver is too slow.
    pub(crate) fn wait(&mut self) -> Result<&mut Job> {
        // SAFETY: `raw` is a live request (type invariant).
        to_result(unsafe { ffi::kcrypto_req_wait(self.raw.as_ptr()) })?;
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
