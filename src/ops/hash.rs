// SPDX-License-Identifier: GPL-2.0

//! The `hash` type: message digests and MACs (`sha256`, `hmac(sha256)`, `cmac(aes)`, ...).
//!
//! Semantics are AF_ALG's: `sendmsg` feeds data (`MSG_MORE`: more follows), `recvmsg` returns
//! the digest (`MSG_TRUNC` if the buffer is shorter) and starts over; `recvmsg` with nothing
//! sent returns the digest of the empty message; `accept` on an operation socket copies a
//! computation in progress.
//!
//! As in AF_ALG, a message's digest replaces an unread one. In record mode
//! (`KCRYPTO_SET_RECORDS`, kcrypto's own) every iovec of a `sendmsg` is a message, finished
//! digests queue (up to [`MAX_DIGESTS`]; `EAGAIN` beyond) and every iovec of a `recvmsg` takes
//! one, so that one `sendmsg`/`recvmsg` pair, `sendmmsg`/`recvmmsg` or io_uring can hash many
//! messages in a few system calls.

use kernel::{prelude::*, sync::Arc};

use super::{Algorithm, Child, Children};
use crate::crypto::AlgInfo;
use crate::{
    buffer,
    crypto::hash::{Digest, Shash},
    errno::Errno,
    limits,
    msg::{Msg, MSG_MORE, MSG_TRUNC},
};

/// The transform of a socket bound to a hash.
pub(crate) struct HashTransform {
    alg: Algorithm,
    tfm: Arc<Shash>,
    children: Children,
}

impl HashTransform {
    /// The implementation serving this socket.
    pub(crate) fn info(&self) -> AlgInfo {
        self.tfm.info()
    }

    pub(crate) fn new(alg: Algorithm) -> Result<Self> {
        let tfm = Arc::new(alg.alloc(Shash::new)?, GFP_KERNEL_ACCOUNT)?;
        Ok(Self {
            alg,
            tfm,
            children: Children::new()?,
        })
    }

    /// Sets the key for operations accepted from now on.
    ///
    /// As in AF_ALG, the key cannot change while operation sockets are open (`EBUSY`), and a
    /// refused key leaves no key usable. The new key goes into a new transform all the same,
    /// so no operation can ever see a key change under it.
    pub(crate) fn set_key(&mut self, key: &[u8]) -> Result {
        self.children.check_none()?;
        let mut tfm = self.alg.alloc(Shash::new)?;
        let result = tfm.set_key(key);
        self.tfm = Arc::new(tfm, GFP_KERNEL_ACCOUNT)?;
        result
    }

    /// Starts an operation socket's state; `ENOKEY` for a keyed hash without a key.
    pub(crate) fn accept(&self) -> Result<HashOp> {
        if self.tfm.needs_key() {
            return Err(Errno::NoKey.into());
        }
        Ok(HashOp {
            tfm: self.tfm.clone(),
            state: State::Idle,
            done: Digests::new(),
            records: false,
            child: self.children.add(),
        })
    }
}

/// The most finished digests an operation socket holds before its sender must read (`EAGAIN`).
pub(crate) const MAX_DIGESTS: usize = 64;

/// The result of a finished computation, waiting for `recvmsg`.
struct Output {
    bytes: [u8; limits::MAX_DIGEST_BYTES],
    len: usize,
}

impl Output {
    /// Room for a digest of `tfm`.
    fn new(tfm: &Shash) -> Result<Self> {
        let len = tfm.digest_size();
        if len > limits::MAX_DIGEST_BYTES {
            return Err(EINVAL);
        }
        Ok(Self {
            bytes: [0; limits::MAX_DIGEST_BYTES],
            len,
        })
    }
}

/// Finished digests: a ring of `ring.len()` slots, `count` of them used from `head` on.
struct Digests {
    ring: KVec<Output>,
    head: usize,
    count: usize,
}

impl Digests {
    const fn new() -> Self {
        Self {
            ring: KVec::new(),
            head: 0,
            count: 0,
        }
    }

    /// Makes room for `n` more digests (`EAGAIN` beyond [`MAX_DIGESTS`]): called before a
    /// message's data is taken, so that its digest always finds room.
    fn reserve(&mut self, n: usize) -> Result {
        let need = self.count.checked_add(n).ok_or(EAGAIN)?;
        if need > MAX_DIGESTS {
            return Err(EAGAIN);
        }
        let len = self.ring.len();
        if need <= len {
            return Ok(());
        }
        // Too small: grow (at least double) the ring, unread digests first.
        let new_len = need.max(len * 2).min(MAX_DIGESTS);
        let mut ring = KVec::with_capacity(new_len, GFP_KERNEL_ACCOUNT)?;
        let count = self.count;
        for i in 0..new_len {
            let output = match self.slot(i) {
                Some(output) if i < count => output.take(),
                _ => Output::empty(),
            };
            ring.push(output, GFP_KERNEL_ACCOUNT)?;
        }
        self.ring = ring;
        self.head = 0;
        Ok(())
    }

    /// The slot `i` places after the oldest digest.
    fn slot(&mut self, i: usize) -> Option<&mut Output> {
        let index = (self.head + i).checked_rem(self.ring.len())?;
        self.ring.get_mut(index)
    }

    /// Queues `output` in the room [`Self::reserve`] made.
    fn push(&mut self, output: Output) -> Result {
        if self.count >= self.ring.len() {
            return Err(EAGAIN);
        }
        let slot = self.slot(self.count).ok_or(EAGAIN)?;
        *slot = output;
        self.count += 1;
        Ok(())
    }

    /// Drops the `n` newest digests (those of a call that failed part-way).
    fn discard_newest(&mut self, n: usize) {
        for _ in 0..n.min(self.count) {
            self.count -= 1;
            if let Some(output) = self.slot(self.count) {
                drop(output.take());
            }
        }
    }

    /// Drops every digest.
    fn clear(&mut self) {
        self.discard_newest(self.count);
    }

    fn pop(&mut self) -> Option<Output> {
        if self.count == 0 {
            return None;
        }
        let output = self.slot(0)?.take();
        self.head = (self.head + 1).checked_rem(self.ring.len())?;
        self.count -= 1;
        Some(output)
    }
}

impl Output {
    /// An empty slot.
    const fn empty() -> Self {
        Self {
            bytes: [0; limits::MAX_DIGEST_BYTES],
            len: 0,
        }
    }

    /// Moves the digest out, leaving an empty (wiped) one behind.
    fn take(&mut self) -> Self {
        let taken = Self {
            bytes: self.bytes,
            len: self.len,
        };
        buffer::wipe(&mut self.bytes);
        self.len = 0;
        taken
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        // A MAC is as sensitive as the data it authenticates.
        buffer::wipe(&mut self.bytes);
    }
}

enum State {
    /// No message in progress.
    Idle,
    /// Data sent with `MSG_MORE`; `bytes` counts it against the operation limit.
    Streaming { digest: Digest, bytes: u64 },
}

/// The state of an operation socket bound to a hash.
pub(crate) struct HashOp {
    tfm: Arc<Shash>,
    state: State,
    done: Digests,
    /// `KCRYPTO_SET_RECORDS`: one message per iovec, one digest per receiving iovec.
    records: bool,
    /// Keeps the bound socket from re-keying while this operation is open.
    child: Child,
}

impl HashOp {
    /// The implementation serving this socket.
    pub(crate) fn info(&self) -> AlgInfo {
        self.tfm.info()
    }

    /// Copies this operation for `accept` on an operation socket.
    pub(crate) fn try_clone(&self) -> Result<Self> {
        let state = match &self.state {
            State::Streaming { digest, bytes } => State::Streaming {
                digest: digest.try_clone()?,
                bytes: *bytes,
            },
            State::Idle => State::Idle,
        };
        Ok(Self {
            tfm: self.tfm.clone(),
            state,
            done: Digests::new(),
            records: self.records,
            child: self.child.sibling(),
        })
    }

    /// Feeds the message's data; returns the number of bytes taken.
    ///
    /// A hash takes no control messages: an IV or an operation sent to one is a mistake that
    /// AF_ALG would silently ignore, so it is refused (`EINVAL`).
    pub(crate) fn send(&mut self, msg: &mut Msg<'_>) -> Result<usize> {
        if let Some(first) = msg.control()?.next_alg() {
            // Well-formed or not, a control message has no meaning here.
            first?;
            return Err(EINVAL);
        }
        if self.records {
            return self.send_records(msg);
        }
        let len = msg.data_left();
        let sent = match &self.state {
            State::Streaming { bytes, .. } => *bytes,
            State::Idle => 0,
        };
        let total = sent.saturating_add(len as u64);
        if total > limits::max_op_bytes() {
            return Err(Errno::MessageSize.into());
        }

        // As in AF_ALG, sending drops an unread digest (those of record mode too): a message
        // that ends here replaces it, one that starts with MSG_MORE is what recv finishes.
        self.done.clear();
        let more = msg.flags() & MSG_MORE != 0;
        if !more {
            self.done.reserve(1)?;
        }
        let streaming = matches!(self.state, State::Streaming { .. });
        let mut chunk = msg.buffer(len.min(limits::COPY_CHUNK))?;
        // From here on an error leaves the state Idle: a half-fed computation is dropped.
        let state = core::mem::replace(&mut self.state, State::Idle);

        // A whole message in one part: one copy and one digest call.
        if !more && !streaming && len <= limits::COPY_CHUNK {
            msg.copy_from(&mut chunk)?;
            let mut output = Output::new(&self.tfm)?;
            self.tfm.digest(&chunk, &mut output.bytes)?;
            self.done.push(output)?;
            return Ok(len);
        }

        let mut digest = match state {
            State::Streaming { digest, .. } => digest,
            State::Idle => self.tfm.start()?,
        };
        feed(&mut digest, msg, &mut chunk, len)?;

        if more {
            self.state = State::Streaming {
                digest,
                bytes: total,
            };
        } else {
            self.done.push(finish(digest)?)?;
        }
        Ok(len)
    }

    /// Whether `recvmsg` has something to return (always, but in record mode only a queued
    /// digest) and `sendmsg` room for a digest.
    pub(crate) fn ready(&self) -> (bool, bool) {
        (
            !self.records || self.done.count > 0,
            self.done.count < MAX_DIGESTS,
        )
    }

    /// Switches record mode (`KCRYPTO_SET_RECORDS`); `EBUSY` while a message is in progress.
    pub(crate) fn set_records(&mut self, on: bool) -> Result {
        if matches!(self.state, State::Streaming { .. }) {
            return Err(EBUSY);
        }
        self.records = on;
        Ok(())
    }

    /// Record mode: every iovec of `msg` is one whole message (`MSG_MORE` is `EINVAL`), at
    /// most [`MAX_DIGESTS`] of them (`EMSGSIZE`), and each leaves its digest. Room for all
    /// digests is checked before any data is taken (`EAGAIN`); a call that fails part-way
    /// leaves none of its digests behind.
    fn send_records(&mut self, msg: &mut Msg<'_>) -> Result<usize> {
        if msg.flags() & MSG_MORE != 0 {
            return Err(EINVAL);
        }
        let mut lens = [0usize; MAX_DIGESTS];
        let count = msg.segments(&mut lens)?;
        let lens = &lens[..count];
        if lens.iter().any(|&len| len as u64 > limits::max_op_bytes()) {
            return Err(Errno::MessageSize.into());
        }
        self.done.reserve(count)?;
        let total = lens.iter().sum::<usize>();
        let mut chunk = msg.buffer(total.min(limits::COPY_CHUNK))?;
        let mut queued = 0;
        if let Err(err) = self.digest_records(msg, &mut chunk, lens, &mut queued) {
            self.done.discard_newest(queued);
            return Err(err);
        }
        Ok(total)
    }

    /// Queues the digests of records of `lens` bytes from `msg`, counting them in `queued`.
    /// Records that fit `chunk` together are copied in by one call (per-call overhead is most
    /// of what copying a small record costs); a larger one is digested in `chunk`-sized parts.
    fn digest_records(
        &mut self,
        msg: &mut Msg<'_>,
        chunk: &mut [u8],
        lens: &[usize],
        queued: &mut usize,
    ) -> Result {
        let mut next = 0;
        while let Some(&first) = lens.get(next) {
            if first > chunk.len() {
                let mut digest = self.tfm.start()?;
                feed(&mut digest, msg, chunk, first)?;
                self.done.push(finish(digest)?)?;
                *queued += 1;
                next += 1;
                continue;
            }
            let (mut end, mut bytes) = (next, 0);
            while let Some(&len) = lens.get(end).filter(|&&len| bytes + len <= chunk.len()) {
                bytes += len;
                end += 1;
            }
            let data = chunk.get_mut(..bytes).ok_or(EINVAL)?;
            msg.copy_from(data)?;
            let mut at = 0;
            for &len in lens.get(next..end).ok_or(EINVAL)? {
                let mut output = Output::new(&self.tfm)?;
                self.tfm
                    .digest(data.get(at..at + len).ok_or(EINVAL)?, &mut output.bytes)?;
                self.done.push(output)?;
                *queued += 1;
                at += len;
            }
            next = end;
        }
        Ok(())
    }

    /// Record mode: every iovec of `msg` (at most [`MAX_DIGESTS`], `EMSGSIZE`) receives the
    /// next queued digest, truncated to the iovec (`MSG_TRUNC`); returns the bytes written.
    /// `EAGAIN` with no digest queued.
    fn receive_records(&mut self, msg: &mut Msg<'_>) -> Result<usize> {
        let mut lens = [0usize; MAX_DIGESTS];
        let count = msg.segments(&mut lens)?;
        if self.done.count == 0 {
            return Err(EAGAIN);
        }
        let mut total = 0;
        for &room in &lens[..count] {
            let Some(output) = self.done.pop() else {
                break;
            };
            let len = room.min(output.len);
            if len < output.len {
                msg.add_flags(MSG_TRUNC);
            }
            msg.copy_to(&output.bytes[..len])?;
            msg.skip(room - len);
            total += len;
        }
        Ok(total)
    }

    /// Writes the oldest finished digest into the message (truncated to `len`); without one,
    /// finishes the message in progress (or the empty message) and starts over. In record
    /// mode, one digest per iovec.
    pub(crate) fn receive(&mut self, msg: &mut Msg<'_>, len: usize) -> Result<usize> {
        if self.records {
            return self.receive_records(msg);
        }
        let output = match self.done.pop() {
            Some(output) => output,
            None => match core::mem::replace(&mut self.state, State::Idle) {
                State::Streaming { digest, .. } => finish(digest)?,
                State::Idle => finish(self.tfm.start()?)?,
            },
        };
        let len = if len < output.len {
            msg.add_flags(MSG_TRUNC);
            len
        } else {
            output.len
        };
        msg.copy_to(&output.bytes[..len])?;
        Ok(len)
    }
}

/// Feeds the next `len` bytes of `msg` to `digest`, copied in steps of `chunk`'s size.
fn feed(digest: &mut Digest, msg: &mut Msg<'_>, chunk: &mut [u8], len: usize) -> Result {
    let mut left = len;
    while left > 0 {
        let part = chunk.get_mut(..left.min(chunk.len())).ok_or(EINVAL)?;
        if part.is_empty() {
            return Err(EINVAL);
        }
        msg.copy_from(part)?;
        digest.update(part)?;
        left -= part.len();
        // A large message must not hog the CPU, nor outlive its killed sender.
        if left > 0 && limits::yield_now() {
            return Err(EINTR);
        }
    }
    Ok(())
}

fn finish(digest: Digest) -> Result<Output> {
    let mut output = Output::new(digest.shash())?;
    digest.finish(&mut output.bytes)?;
    Ok(output)
}
