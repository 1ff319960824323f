// SPDX-License-Identifier: GPL-2.0

//! Results waiting for `recvmsg`, in the order their requests were sent.
//!
//! A result is a request still with its driver, the output of a completed one, or the error
//! it failed with (an AEAD's `EBADMSG`), reported when the reader reaches it. Requests are
//! submitted by `sendmsg` and waited for by `recvmsg`, so a socket can keep a hardware queue
//! busy. The queue bounds how many results a socket holds; the socket's send buffer bounds
//! the memory they take (whole pages and requests, not just their bytes: a 64-byte result
//! takes a page).

use kernel::{error::Error, page::PAGE_SIZE, prelude::*};

use crate::{
    buffer::{PageBuf, SecretBuf},
    crypto::request::Request,
    errno::Errno,
    msg::Msg,
};

/// The most results a socket holds before its sender must read (`EAGAIN`): a bound for
/// empty results, which the byte bound does not limit.
pub(crate) const MAX_RESULTS: usize = 1024;

/// Slots allocated at first; the queue doubles as needed.
const INITIAL_SLOTS: usize = 4;

enum Entry {
    /// With its driver; `chains` if its IV continues the socket's next message.
    Pending {
        request: Request,
        chains: bool,
    },
    Data {
        buf: PageBuf,
        read: usize,
    },
    Failed(Error),
}

struct Slot {
    /// The value of [`Output::pushed`] when the entry was queued.
    seq: u64,
    entry: Entry,
}

/// A bounded FIFO of results.
pub(crate) struct Output {
    /// A ring of `slots.len()` slots, `count` of them used from `head` on.
    slots: KVec<Option<Slot>>,
    head: usize,
    count: usize,
    /// The memory all results take (see [`Output::footprint`]).
    held: usize,
    /// Results ever queued.
    pushed: u64,
    /// The chained IV of the newest completed result that had one, and its sequence number.
    chained: Option<(u64, SecretBuf)>,
}

impl Output {
    pub(crate) fn new() -> Self {
        Self {
            slots: KVec::new(),
            head: 0,
            count: 0,
            held: 0,
            pushed: 0,
            chained: None,
        }
    }

    /// The memory the results take, those still with their drivers included.
    pub(crate) fn held(&self) -> usize {
        self.held
    }

    /// What a result takes: a request in flight, its job's pages and itself; an output, its
    /// pages.
    fn footprint(entry: &Entry) -> usize {
        match entry {
            Entry::Pending { request, .. } => request.footprint(),
            Entry::Data { buf, .. } => buf.footprint(),
            Entry::Failed(_) => 0,
        }
    }

    /// Readiness: anything queued can be read (a request in flight is waited for), and a
    /// send has room while the results and a message of `next` bytes (of memory: the one in
    /// progress, or the smallest) fit in `sndbuf`.
    pub(crate) fn ready(&self, next: usize, sndbuf: usize) -> (bool, bool) {
        let writable = self.count < MAX_RESULTS && self.held.saturating_add(next) <= sndbuf;
        (self.count > 0, writable)
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
            let slot = if i < self.count {
                self.slots[(self.head + i) % len].take()
            } else {
                None
            };
            // Cannot fail: the capacity is reserved.
            slots.push(slot, GFP_KERNEL_ACCOUNT)?;
        }
        self.slots = slots;
        self.head = 0;
        Ok(())
    }

    fn push(&mut self, entry: Entry) -> Result<u64> {
        self.check_room()?;
        self.reserve()?;
        self.held += Self::footprint(&entry);
        let seq = self.pushed;
        let len = self.slots.len();
        self.slots[(self.head + self.count) % len] = Some(Slot { seq, entry });
        self.count += 1;
        self.pushed += 1;
        Ok(seq)
    }

    /// Queues the output of a completed request.
    pub(crate) fn push_data(&mut self, buf: PageBuf) -> Result {
        self.push(Entry::Data { buf, read: 0 }).map(|_| ())
    }

    /// Queues the output of a part of a message whose first result is numbered `since`: a
    /// small one is appended to the newest result if that is the same message's output, so
    /// that a stream of small parts does not take a page each.
    pub(crate) fn push_part(&mut self, buf: PageBuf, since: u64) -> Result {
        if buf.len() < PAGE_SIZE {
            if let Some(Slot {
                seq,
                entry: Entry::Data { buf: last, .. },
            }) = self.tail().and_then(|tail| self.slots[tail].as_mut())
            {
                if *seq >= since {
                    let before = last.footprint();
                    last.append_buf(&buf)?;
                    let after = last.footprint();
                    self.recharge(before, after);
                    return Ok(());
                }
            }
        }
        self.push_data(buf)
    }

    /// The index of the newest result, if any.
    fn tail(&self) -> Option<usize> {
        let newest = self.count.checked_sub(1)?;
        (self.head + newest).checked_rem(self.slots.len())
    }

    /// Counts a result that took `before` bytes of memory as taking `after`.
    fn recharge(&mut self, before: usize, after: usize) {
        self.held = self.held - before + after;
    }

    /// Queues a request with its driver; `chains` if its chained IV may continue the next
    /// message. Returns its sequence number.
    pub(crate) fn push_request(&mut self, request: Request, chains: bool) -> Result<u64> {
        self.push(Entry::Pending { request, chains })
    }

    /// The number of results ever queued, to name a point for [`Self::discard_since`].
    pub(crate) fn pushed(&self) -> u64 {
        self.pushed
    }

    /// Drops the unread results queued since `pushed` (a value of [`Self::pushed`]).
    /// Requests among them stay with their drivers until done, then free themselves.
    pub(crate) fn discard_since(&mut self, pushed: u64) {
        while let Some(tail) = self.tail() {
            match &self.slots[tail] {
                Some(slot) if slot.seq >= pushed => {}
                _ => break,
            }
            if let Some(slot) = self.slots[tail].take() {
                self.held -= Self::footprint(&slot.entry);
            }
            self.count -= 1;
        }
    }

    fn pop(&mut self) {
        if self.count == 0 {
            return;
        }
        if let Some(slot) = self.slots[self.head].take() {
            self.held -= Self::footprint(&slot.entry);
        }
        self.head = (self.head + 1) % self.slots.len();
        self.count -= 1;
    }

    /// Waits for the request at the head, if any, and turns it into its output or error.
    ///
    /// A killed reader (`EINTR`) leaves it queued; a driver too slow (`ETIMEDOUT`) loses it.
    fn settle_head(&mut self, wait: bool) -> Result {
        if self.count == 0 {
            return Ok(());
        }
        let head = self.head;
        let Some(slot) = self.slots[head].as_mut() else {
            return Ok(());
        };
        let Entry::Pending {
            request, chains, ..
        } = &mut slot.entry
        else {
            return Ok(());
        };
        if !wait && !request.is_done() {
            return Err(EAGAIN);
        }
        let settled = match request.wait() {
            Ok(job) => {
                if *chains {
                    Self::record_chain(&mut self.chained, slot.seq, job.iv())?;
                }
                Entry::Data {
                    buf: core::mem::replace(job.output(), PageBuf::new()),
                    read: 0,
                }
            }
            Err(err) if err == EINTR => return Err(err),
            Err(err) if err == Errno::TimedOut.into() => {
                self.pop();
                return Err(err);
            }
            Err(err) => Entry::Failed(err),
        };
        // The output of a failed request is never handed out: it goes with the request.
        let before = Self::footprint(&slot.entry);
        slot.entry = settled;
        let after = Self::footprint(&slot.entry);
        self.recharge(before, after);
        Ok(())
    }

    /// The chained IV of the result numbered `seq` (a message's last request), waiting for
    /// it if need be: how a message without an IV of its own continues one still with its
    /// driver. `EINVAL` if that request failed.
    pub(crate) fn chained_iv(&mut self, seq: u64) -> Result<&[u8]> {
        for i in 0..self.count {
            let index = (self.head + i) % self.slots.len();
            let Some(slot) = self.slots[index].as_mut() else {
                continue;
            };
            if slot.seq != seq {
                continue;
            }
            if let Entry::Pending { request, .. } = &mut slot.entry {
                let job = request.wait()?;
                Self::record_chain(&mut self.chained, seq, job.iv())?;
            }
            break;
        }
        match &self.chained {
            Some((done, iv)) if *done == seq => Ok(iv),
            _ => Err(EINVAL),
        }
    }

    /// Keeps `iv` as the chained IV of result `seq` unless a newer one is kept.
    fn record_chain(chained: &mut Option<(u64, SecretBuf)>, seq: u64, iv: &[u8]) -> Result {
        match chained {
            Some((done, _)) if *done >= seq => return Ok(()),
            // Every message of a socket chains an IV of the same size: no allocation.
            Some((done, kept)) if kept.len() == iv.len() => {
                kept.copy_from_slice(iv);
                *done = seq;
                return Ok(());
            }
            _ => {}
        }
        let mut copy = SecretBuf::zeroed(iv.len())?;
        copy.copy_from_slice(iv);
        *chained = Some((seq, copy));
        Ok(())
    }

    /// Copies up to `len` bytes of output into `msg`, across results, waiting for requests
    /// in order; stops before a failed result unless it comes first (then its error is
    /// returned and it is dropped). `EAGAIN` if there is nothing to read: kcrypto never waits
    /// for data not yet sent.
    ///
    /// Without `wait` (`MSG_DONTWAIT`), a request still with its driver is `EAGAIN` too.
    pub(crate) fn read_stream(
        &mut self,
        msg: &mut Msg<'_>,
        len: usize,
        wait: bool,
    ) -> Result<usize> {
        let mut copied = 0;
        let mut any = false;
        while self.count > 0 && (copied < len || !any) {
            // Only the first result is waited for: later ones are taken if already done, and
            // their errors are left for the next call.
            if let Err(err) = self.settle_head(wait && !any) {
                return if any { Ok(copied) } else { Err(err) };
            }
            let head = self.head;
            let Some(slot) = self.slots[head].as_mut() else {
                break;
            };
            match &mut slot.entry {
                Entry::Failed(_) if any => break,
                Entry::Failed(err) => {
                    let err = *err;
                    self.pop();
                    return Err(err);
                }
                Entry::Pending { .. } => break,
                Entry::Data { buf, read } => {
                    any = true;
                    let n = (buf.len() - *read).min(len - copied);
                    if let Err(err) = buf.write_to(msg, *read, n) {
                        // Report what reached the caller before the fault, if anything.
                        return if copied > 0 { Ok(copied) } else { Err(err) };
                    }
                    *read += n;
                    let done = *read == buf.len();
                    copied += n;
                    if !done {
                        break;
                    }
                    self.pop();
                }
            }
        }
        if !any {
            return Err(EAGAIN);
        }
        Ok(copied)
    }

    /// Copies the next result whole into `msg`, which must have room for it (`EINVAL`
    /// otherwise, and the result stays); a failed result returns its error and is dropped.
    /// Without `wait` (`MSG_DONTWAIT`), a request still with its driver is `EAGAIN`.
    pub(crate) fn read_record(
        &mut self,
        msg: &mut Msg<'_>,
        len: usize,
        wait: bool,
    ) -> Result<usize> {
        if self.count == 0 {
            return Err(EAGAIN);
        }
        let head = self.head;
        let unread = match self.slots[head].as_ref().map(|s| &s.entry) {
            Some(Entry::Pending { request, .. }) => request.output_len(),
            Some(Entry::Data { buf, read }) => buf.len() - read,
            Some(Entry::Failed(_)) | None => 0,
        };
        if len < unread {
            // Checked before waiting: the answer does not depend on the driver.
            return Err(EINVAL);
        }
        self.settle_head(wait)?;
        match self.slots[head].as_ref().map(|s| &s.entry) {
            Some(Entry::Failed(err)) => {
                let err = *err;
                self.pop();
                Err(err)
            }
            Some(Entry::Data { buf, read }) => {
                let n = buf.len() - read;
                buf.write_to(msg, *read, n)?;
                self.pop();
                Ok(n)
            }
            Some(Entry::Pending { .. }) | None => Err(EAGAIN),
        }
    }
}

#[cfg(CONFIG_KUNIT = "y")]
mod tests {
    use super::*;

    kunit_case!(kcrypto_test_output_memory, |t| {
        // Every result counts its pages while queued; what leaves the queue leaves the count.
        let mut out = Output::new();
        let first = out.pushed();
        let mut total = 0;
        for len in [1, 4096, 4097] {
            let buf = kunit_try!(t, PageBuf::zeroed(len));
            total += buf.footprint();
            kunit_try!(t, out.push_data(buf));
            kunit_expect_eq!(t, out.held(), total);
        }
        kunit_expect_eq!(
            t,
            total,
            PageBuf::footprint_of(1) + 3 * PageBuf::footprint_of(4096)
        );
        out.pop();
        kunit_expect_eq!(t, out.held(), total - PageBuf::footprint_of(1));
        out.discard_since(first);
        kunit_expect_eq!(
            t,
            (out.held(), out.ready(0, usize::MAX)),
            (0, (false, true))
        );
    });
}
