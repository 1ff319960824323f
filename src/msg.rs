// SPDX-License-Identifier: GPL-2.0

//! The message of a `sendmsg`/`recvmsg` call, through which data crosses to and from userspace.
//!
//! Data only moves by copying between the message and kernel-owned buffers; no page of the
//! message is ever referenced afterwards, whatever backs it (user memory or spliced pages).

use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    bindings,
    error::to_result,
    page::{Page, PAGE_SIZE},
    prelude::*,
};

use crate::{buffer::SockBuf, ffi};

/// `MSG_MORE`: more data of this operation follows.
pub(crate) const MSG_MORE: u32 = bindings::MSG_MORE;
/// `MSG_TRUNC`: the output did not fit in the receive buffer.
pub(crate) const MSG_TRUNC: u32 = bindings::MSG_TRUNC;

/// A socket message handed to a `sendmsg` or `recvmsg` callback.
///
/// # Invariants
///
/// `raw` points to the live `struct msghdr` of the call in progress, used by nobody else for
/// `'a`; `sk`, if not null, is the socket of the call.
pub(crate) struct Msg<'a> {
    raw: NonNull<bindings::msghdr>,
    sk: *mut ffi::Sock,
    _call: PhantomData<&'a mut bindings::msghdr>,
}

impl<'a> Msg<'a> {
    /// Wraps the message of a socket callback.
    ///
    /// # Safety
    ///
    /// `raw` must be the message of the callback in progress, not used elsewhere while the
    /// returned value exists; `sk` must be null or the socket of the call.
    pub(crate) unsafe fn from_raw(raw: *mut bindings::msghdr, sk: *mut ffi::Sock) -> Result<Self> {
        let raw = NonNull::new(raw).ok_or(EINVAL)?;
        // INVARIANT: The caller guarantees exclusive use of the live message and its socket.
        Ok(Self {
            raw,
            sk,
            _call: PhantomData,
        })
    }

    /// A zeroed buffer of `len` bytes charged to the call's socket (`ENOBUFS` when the socket
    /// is over `net.core.optmem_max`).
    pub(crate) fn buffer(&self, len: usize) -> Result<SockBuf<'a>> {
        let sk = NonNull::new(self.sk).ok_or(EINVAL)?;
        // SAFETY: By the type invariant `sk` is the call's socket, live for `'a`.
        unsafe { SockBuf::new(sk, len) }
    }

    /// The `MSG_*` flags of the message.
    pub(crate) fn flags(&self) -> u32 {
        // SAFETY: `raw` is live and exclusively ours (type invariant).
        unsafe { (*self.raw.as_ptr()).msg_flags }
    }

    /// Adds `flags` to the flags returned to userspace.
    pub(crate) fn add_flags(&mut self, flags: u32) {
        // SAFETY: `raw` is live and exclusively ours (type invariant).
        unsafe { (*self.raw.as_ptr()).msg_flags |= flags };
    }

    /// The number of bytes left to copy from (or room left to copy into) the message.
    pub(crate) fn data_left(&self) -> usize {
        // SAFETY: `raw` is live and exclusively ours (type invariant).
        unsafe { ffi::kcrypto_msg_data_left(self.raw.as_ptr().cast()) }
    }

    /// Fills `buf` from the message; `EFAULT` unless all of it could be copied.
    pub(crate) fn copy_from(&mut self, buf: &mut [u8]) -> Result {
        // SAFETY: `raw` is live and exclusively ours (type invariant); `buf` is valid for writes
        // of its length.
        to_result(unsafe {
            ffi::kcrypto_msg_copy_from(self.raw.as_ptr().cast(), buf.as_mut_ptr().cast(), buf.len())
        })
    }

    /// Copies `buf` into the message; `EFAULT` unless all of it could be copied.
    pub(crate) fn copy_to(&mut self, buf: &[u8]) -> Result {
        // SAFETY: `raw` is live and exclusively ours (type invariant); `buf` is valid for reads
        // of its length.
        to_result(unsafe {
            ffi::kcrypto_msg_copy_to(self.raw.as_ptr().cast(), buf.as_ptr().cast(), buf.len())
        })
    }

    /// Writes the length left in each of the message's iovecs into `lens`; returns how many
    /// there are (`EMSGSIZE` if more than `lens` holds). A message not made of iovecs (a
    /// splice's pages) is one.
    pub(crate) fn segments(&self, lens: &mut [usize]) -> Result<usize> {
        let max = u32::try_from(lens.len()).map_err(|_| EINVAL)?;
        // SAFETY: `raw` is live and exclusively ours (type invariant); `lens` is valid for writes
        // of `max` entries.
        let count =
            unsafe { ffi::kcrypto_msg_segments(self.raw.as_ptr().cast(), lens.as_mut_ptr(), max) };
        usize::try_from(count).map_err(|_| Error::from_errno(count))
    }

    /// Skips `len` bytes of the message (up to what is left).
    pub(crate) fn skip(&mut self, len: usize) {
        // SAFETY: `raw` is live and exclusively ours (type invariant); advancing an iterator
        // stops at its end.
        unsafe { ffi::kcrypto_msg_skip(self.raw.as_ptr().cast(), len) };
    }

    /// Fills `offset..offset + len` of `page` from the message; `EFAULT` unless all was copied.
    pub(crate) fn copy_page_from(&mut self, page: &Page, offset: usize, len: usize) -> Result {
        if offset.checked_add(len).ok_or(EINVAL)? > PAGE_SIZE {
            return Err(EINVAL);
        }
        // SAFETY: `raw` is live and exclusively ours (type invariant); the range is within the
        // page, which the caller's `&Page` keeps allocated.
        to_result(unsafe {
            ffi::kcrypto_msg_copy_page_from(
                self.raw.as_ptr().cast(),
                page.as_ptr().cast(),
                offset,
                len,
            )
        })
    }

    /// Copies `offset..offset + len` of `page` into the message; `EFAULT` unless all was copied.
    pub(crate) fn copy_page_to(&mut self, page: &Page, offset: usize, len: usize) -> Result {
        if offset.checked_add(len).ok_or(EINVAL)? > PAGE_SIZE {
            return Err(EINVAL);
        }
        // SAFETY: As in `copy_page_from`.
        to_result(unsafe {
            ffi::kcrypto_msg_copy_page_to(
                self.raw.as_ptr().cast(),
                page.as_ptr().cast(),
                offset,
                len,
            )
        })
    }

    /// The send buffer size of the call's socket (`SO_SNDBUF`), which bounds the data it holds.
    pub(crate) fn send_buffer(&self) -> usize {
        if self.sk.is_null() {
            return 0;
        }
        // SAFETY: By the type invariant a non-null `sk` is the call's live socket.
        unsafe { ffi::kcrypto_sock_sndbuf(self.sk) }
    }

    /// The control messages sent with the message (none on receive).
    pub(crate) fn control(&self) -> Result<ControlMessages<'a>> {
        let mut len = 0usize;
        // SAFETY: `raw` is live and exclusively ours (type invariant); `len` is valid for writes.
        let ptr = unsafe { ffi::kcrypto_msg_control(self.raw.as_ptr().cast(), &mut len) };
        if ptr.is_null() {
            return Ok(ControlMessages { buf: &[] });
        }
        // SAFETY: On sendmsg the control data is a kernel copy of `len` bytes that lives for the
        // whole call, which `'a` does not outlive.
        let buf = unsafe { core::slice::from_raw_parts(ptr.cast::<u8>(), len) };
        Ok(ControlMessages { buf })
    }
}

/// `ALG_SET_IV`: the IV for the operation (`struct af_alg_iv`).
const ALG_SET_IV: i32 = 2;
/// `ALG_SET_OP`: encrypt or decrypt.
const ALG_SET_OP: i32 = 3;
/// `ALG_SET_AEAD_ASSOCLEN`: the length of the associated data.
const ALG_SET_AEAD_ASSOCLEN: i32 = 4;

/// `CMSG_ALIGN`: control messages are aligned to `long`.
const CMSG_ALIGN: usize = core::mem::size_of::<usize>();
/// `struct cmsghdr`: `size_t cmsg_len; int cmsg_level; int cmsg_type;`, aligned.
const CMSG_HEADER: usize = (CMSG_ALIGN + 8).next_multiple_of(CMSG_ALIGN);

/// A control message at level `SOL_ALG`, validated.
// The skcipher and AEAD types read the values; the hash type only refuses them.
#[cfg_attr(not(CONFIG_KUNIT = "y"), allow(dead_code))]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Control<'a> {
    /// `ALG_SET_IV`: the IV bytes (`ivlen` checked against the message).
    Iv(&'a [u8]),
    /// `ALG_SET_OP`: `ALG_OP_DECRYPT` (0), `ALG_OP_ENCRYPT` (1), or for a public-key cipher
    /// `KCRYPTO_OP_SIGN` (2), `KCRYPTO_OP_VERIFY` (3).
    Op(u32),
    /// `ALG_SET_AEAD_ASSOCLEN`.
    AssocLen(u32),
}

/// The control messages of a `sendmsg` call, parsed one at a time.
pub(crate) struct ControlMessages<'a> {
    buf: &'a [u8],
}

fn u32_at(data: &[u8], offset: usize) -> Result<u32> {
    let bytes = data.get(offset..offset + 4).ok_or(EINVAL)?;
    Ok(u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

impl<'a> ControlMessages<'a> {
    /// Parses `buf` as a sequence of control messages.
    #[cfg(CONFIG_KUNIT = "y")]
    fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    /// Whether there are no (more) control messages.
    fn is_empty(&self) -> bool {
        self.buf.len() < CMSG_HEADER
    }

    /// The next `SOL_ALG` message; `EINVAL` for a malformed one or another level.
    pub(crate) fn next_alg(&mut self) -> Option<Result<Control<'a>>> {
        if self.is_empty() {
            return None;
        }
        let result = self.parse_one();
        if result.is_err() {
            // Stop after the first error: the rest cannot be trusted.
            self.buf = &[];
        }
        Some(result)
    }

    fn parse_one(&mut self) -> Result<Control<'a>> {
        let mut len_bytes = [0u8; CMSG_ALIGN];
        len_bytes.copy_from_slice(&self.buf[..CMSG_ALIGN]);
        let len = usize::from_ne_bytes(len_bytes);
        if len < CMSG_HEADER || len > self.buf.len() {
            return Err(EINVAL);
        }
        let level = u32_at(self.buf, CMSG_ALIGN)? as i32;
        let kind = u32_at(self.buf, CMSG_ALIGN + 4)? as i32;
        let data = &self.buf[CMSG_HEADER..len];
        let next = len.next_multiple_of(CMSG_ALIGN).min(self.buf.len());
        self.buf = &self.buf[next..];

        if level != bindings::SOL_ALG as i32 {
            return Err(EINVAL);
        }
        match kind {
            ALG_SET_IV => {
                let end = (u32_at(data, 0)? as usize).checked_add(4).ok_or(EINVAL)?;
                data.get(4..end).map(Control::Iv).ok_or(EINVAL)
            }
            ALG_SET_OP if data.len() == 4 => match u32_at(data, 0)? {
                op @ 0..=3 => Ok(Control::Op(op)),
                _ => Err(EINVAL),
            },
            ALG_SET_AEAD_ASSOCLEN if data.len() == 4 => Ok(Control::AssocLen(u32_at(data, 0)?)),
            _ => Err(EINVAL),
        }
    }
}

#[cfg(CONFIG_KUNIT = "y")]
mod tests {
    use super::*;

    /// Appends one control message (header, data, padding) to `buf` at `at`; returns the end.
    fn put(buf: &mut [u8], at: usize, level: u32, kind: i32, data: &[u8]) -> usize {
        let len = CMSG_HEADER + data.len();
        buf[at..at + 8].copy_from_slice(&len.to_ne_bytes());
        buf[at + 8..at + 12].copy_from_slice(&level.to_ne_bytes());
        buf[at + 12..at + 16].copy_from_slice(&kind.to_ne_bytes());
        buf[at + 16..at + len].copy_from_slice(data);
        at + len.next_multiple_of(CMSG_ALIGN)
    }

    kunit_case!(kcrypto_test_cmsg_parse, |t| {
        let sol_alg = bindings::SOL_ALG;
        let mut buf = [0u8; 256];
        let mut iv = [0u8; 20];
        iv[..4].copy_from_slice(&16u32.to_ne_bytes());
        iv[4..].copy_from_slice(&[0xab; 16]);
        let mut end = put(&mut buf, 0, sol_alg, ALG_SET_OP, &1u32.to_ne_bytes());
        end = put(&mut buf, end, sol_alg, ALG_SET_IV, &iv);
        end = put(
            &mut buf,
            end,
            sol_alg,
            ALG_SET_AEAD_ASSOCLEN,
            &13u32.to_ne_bytes(),
        );
        let mut cmsgs = ControlMessages::new(&buf[..end]);
        kunit_expect_eq!(t, cmsgs.next_alg(), Some(Ok(Control::Op(1))));
        kunit_expect_eq!(t, cmsgs.next_alg(), Some(Ok(Control::Iv(&[0xab; 16][..]))));
        kunit_expect_eq!(t, cmsgs.next_alg(), Some(Ok(Control::AssocLen(13))));
        kunit_expect_eq!(t, cmsgs.next_alg(), None);
        kunit_expect!(t, ControlMessages::new(&[]).is_empty());

        // Each of these is refused, and parsing stops there.
        let bad_cases: [(u32, i32, &[u8]); 6] = [
            (sol_alg, ALG_SET_OP, &4u32.to_ne_bytes()),  // no such op
            (sol_alg, ALG_SET_OP, &[1, 0]),              // short value
            (sol_alg, ALG_SET_IV, &17u32.to_ne_bytes()), // ivlen past the message
            (sol_alg, 9, &[0; 4]),                       // unknown type
            (1, ALG_SET_OP, &1u32.to_ne_bytes()),        // SOL_SOCKET
            (sol_alg, ALG_SET_AEAD_ASSOCLEN, &[0; 8]),   // wrong size
        ];
        for (level, kind, data) in bad_cases {
            let mut buf = [0u8; 64];
            let end = put(&mut buf, 0, level, kind, data);
            let end = put(&mut buf, end, sol_alg, ALG_SET_OP, &0u32.to_ne_bytes());
            let mut cmsgs = ControlMessages::new(&buf[..end]);
            kunit_expect_eq!(t, cmsgs.next_alg(), Some(Err(EINVAL)));
            kunit_expect_eq!(t, cmsgs.next_alg(), None);
        }

        // A length field shorter than the header or past the buffer.
        for len in [0usize, 15, 200] {
            let mut buf = [0u8; 32];
            buf[..8].copy_from_slice(&len.to_ne_bytes());
            let mut cmsgs = ControlMessages::new(&buf);
            kunit_expect_eq!(t, cmsgs.next_alg(), Some(Err(EINVAL)));
        }
    });
}
