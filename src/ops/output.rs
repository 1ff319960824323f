// SPDX-License-Identifier: GPL-2.0

//! Results waiting for `recvmsg`, in the order their requests were sent.
//!
//! A result is the output of one request, or the error it failed with (an AEAD's `EBADMSG`),
//! reported when the reader reaches it. The queue bounds how many results a socket holds; the
//! socket's send buffer bounds their bytes.

use kernel::{error::Error, prelude::*};

use crate::{buffer::PageBuf, msg::Msg};

/// The most results a socket holds before its sender must read (`EAGAIN`).
pub(crate) const DEPTH: usize = 16;

enum Entry {
    Data { buf: PageBuf, read: usize },
    Failed(Error),
}

/// A bounded FIFO of results.
pub(crate) struct Output {
    slots: KBox<[Option<Entry>; DEPTH]>,
    head: usize,
    count: usize,
    /// Unread bytes in all results.
    bytes: usize,
}

impl Output {
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            slots: KBox::new([const { None }; DEPTH], GFP_KERNEL_ACCOUNT)?,
            head: 0,
            count: 0,
            bytes: 0,
        })
    }

    /// Unread bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// `EAGAIN` if no further result fits.
    pub(crate) fn check_room(&self) -> Result {
        if self.count == DEPTH {
            return Err(EAGAIN);
        }
        Ok(())
    }

    fn push(&mut self, result: Entry) -> Result {
        self.check_room()?;
        if let Entry::Data { buf, .. } = &result {
            self.bytes += buf.len();
        }
        self.slots[(self.head + self.count) % DEPTH] = Some(result);
        self.count += 1;
        Ok(())
    }

    /// Queues the output of a request.
    pub(crate) fn push_data(&mut self, buf: PageBuf) -> Result {
        self.push(Entry::Data { buf, read: 0 })
    }

    /// Queues the failure of a request.
    pub(crate) fn push_error(&mut self, err: Error) -> Result {
        self.push(Entry::Failed(err))
    }

    fn pop(&mut self) -> Option<Entry> {
        if self.count == 0 {
            return None;
        }
        let result = self.slots[self.head].take();
        self.head = (self.head + 1) % DEPTH;
        self.count -= 1;
        if let Some(Entry::Data { buf, read }) = &result {
            self.bytes -= buf.len() - read;
        }
        result
    }

    /// Copies up to `len` bytes of output into `msg`, across results, stopping before a
    /// failed one unless it comes first (then its error is returned and it is dropped).
    /// `EAGAIN` if there is nothing to read: kcrypto never waits for data not yet sent.
    pub(crate) fn read_stream(&mut self, msg: &mut Msg<'_>, len: usize) -> Result<usize> {
        let mut copied = 0;
        let mut any = false;
        while self.count > 0 {
            let head = self.head;
            match &mut self.slots[head] {
                Some(Entry::Failed(_)) if any => break,
                Some(Entry::Failed(err)) => {
                    let err = *err;
                    self.pop();
                    return Err(err);
                }
                Some(Entry::Data { buf, read }) => {
                    any = true;
                    let n = (buf.len() - *read).min(len - copied);
                    buf.write_to(msg, *read, n)?;
                    *read += n;
                    let done = *read == buf.len();
                    self.bytes -= n;
                    copied += n;
                    if !done {
                        break;
                    }
                    self.pop();
                }
                None => break,
            }
        }
        if !any {
            return Err(EAGAIN);
        }
        Ok(copied)
    }

    /// Copies the next result whole into `msg`, which must have room for it (`EINVAL`
    /// otherwise, and the result stays); a failed result returns its error and is dropped.
    pub(crate) fn read_record(&mut self, msg: &mut Msg<'_>, len: usize) -> Result<usize> {
        if self.count == 0 {
            return Err(EAGAIN);
        }
        match &self.slots[self.head] {
            None => Err(EAGAIN),
            Some(Entry::Failed(err)) => {
                let err = *err;
                self.pop();
                Err(err)
            }
            Some(Entry::Data { buf, read }) => {
                let n = buf.len() - read;
                if len < n {
                    return Err(EINVAL);
                }
                buf.write_to(msg, *read, n)?;
                self.pop();
                Ok(n)
            }
        }
    }
}
