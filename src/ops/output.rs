// SPDX-License-Identifier: GPL-2.0

//! Results waiting for `recvmsg`, in the order their requests were sent.
//!
//! A result is the output of one request, or the error it failed with (an AEAD's `EBADMSG`),
//! reported when the reader reaches it. The queue bounds how many results a socket holds; the
//! socket's send buffer bounds their bytes.

use kernel::{error::Error, prelude::*};

use crate::{buffer::PageBuf, msg::Msg};

/// The most results a socket holds before its sender must read (`EAGAIN`): a bound for
/// empty results, which the byte bound does not limit.
pub(crate) const MAX_RESULTS: usize = 1024;

/// Slots allocated at first; the queue doubles as needed.
const INITIAL_SLOTS: usize = 4;

enum Entry {
    Data { buf: PageBuf, read: usize },
    Failed(Error),
}

/// A bounded FIFO of results.
pub(crate) struct Output {
    /// A ring of `slots.len()` slots, `count` of them used from `head` on.
    slots: KVec<Option<Entry>>,
    head: usize,
    count: usize,
    /// Unread bytes in all results.
    bytes: usize,
    /// Results ever queued.
    pushed: u64,
}

impl Output {
    pub(crate) fn new() -> Self {
        Self {
            slots: KVec::new(),
            head: 0,
            count: 0,
            bytes: 0,
            pushed: 0,
        }
    }

    /// Unread bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// `EAGAIN` if no further result fits.
    pub(crate) fn check_room(&self) -> Result {
        if self.count == MAX_RESULTS {
            return Err(EAGAIN);
        }
        Ok(())
    }

    /// Makes room for one more result, doubling the ring if it is full.
    fn reserve(&mut self) -> Result {
        let len = self.slots.len();
        if self.count < len {
            return Ok(());
        }
        let new_len = (len * 2).max(INITIAL_SLOTS);
        let mut slots = KVec::with_capacity(new_len, GFP_KERNEL_ACCOUNT)?;
        for i in 0..new_len {
            let entry = if i < self.count {
                self.slots[(self.head + i) % len].take()
            } else {
                None
            };
            slots.push(entry, GFP_KERNEL_ACCOUNT)?;
        }
        self.slots = slots;
        self.head = 0;
        Ok(())
    }

    fn push(&mut self, result: Entry) -> Result {
        self.check_room()?;
        self.reserve()?;
        if let Entry::Data { buf, .. } = &result {
            self.bytes += buf.len();
        }
        let len = self.slots.len();
        self.slots[(self.head + self.count) % len] = Some(result);
        self.count += 1;
        self.pushed += 1;
        Ok(())
    }

    /// The number of results ever queued, to name a point for [`Self::discard_since`].
    pub(crate) fn pushed(&self) -> u64 {
        self.pushed
    }

    /// Drops the results queued after `pushed` (a value of [`Self::pushed`]) that are unread.
    pub(crate) fn discard_since(&mut self, pushed: u64) {
        let newer = usize::try_from(self.pushed - pushed.min(self.pushed)).unwrap_or(usize::MAX);
        for _ in 0..newer.min(self.count) {
            let len = self.slots.len();
            let tail = (self.head + self.count - 1) % len;
            if let Some(Entry::Data { buf, read }) = self.slots[tail].take() {
                self.bytes -= buf.len() - read;
            }
            self.count -= 1;
        }
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
        self.head = (self.head + 1) % self.slots.len();
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
                    if let Err(err) = buf.write_to(msg, *read, n) {
                        // Report what reached the caller before the fault, if anything.
                        return if copied > 0 { Ok(copied) } else { Err(err) };
                    }
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
