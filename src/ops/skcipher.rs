// SPDX-License-Identifier: GPL-2.0

//! The `skcipher` type: symmetric ciphers (`cbc(aes)`, `ctr(aes)`, `xts(aes)`, `chacha20`, ...).
//!
//! A message is one `sendmsg` or several, all but the last with `MSG_MORE`. Its direction and
//! IV are fixed by its first part (control messages on a later part are refused), taken from
//! that part's control messages or else, as AF_ALG, from the previous message (initially:
//! decrypt, zero IV; after a message: its chained IV). Output is queued for `recvmsg` as it is
//! produced: part by part for an algorithm that chains, at the last part for one that does not.
//!
//! In record mode (`KCRYPTO_SET_RECORDS`, kcrypto's own) every iovec of a `sendmsg` is a whole
//! message of its own, its IV first: up to [`MAX_RECORDS`](super::MAX_RECORDS) messages go to
//! the driver as one request, and their output is read as one stream.

use kernel::{prelude::*, sync::Arc};

use super::{
    check_room, message_footprint, output::Output, Algorithm, Child, Children, Records, Settings,
};
use crate::crypto::AlgInfo;
use crate::{
    buffer::{PageBuf, SecretBuf},
    crypto::{
        request::{self, Job, Op, Request, Tfm},
        skcipher::{Skcipher, Stream},
        Direction,
    },
    errno::Errno,
    limits,
    msg::{Msg, MSG_MORE},
};

/// The transform of a socket bound to a cipher.
pub(crate) struct SkcipherTransform {
    alg: Algorithm,
    tfm: Arc<Skcipher>,
    children: Children,
}

impl SkcipherTransform {
    /// The implementation serving this socket.
    pub(crate) fn info(&self) -> AlgInfo {
        self.tfm.info()
    }

    pub(crate) fn new(alg: Algorithm) -> Result<Self> {
        let tfm = Arc::new(alg.alloc(Skcipher::new)?, GFP_KERNEL_ACCOUNT)?;
        Ok(Self {
            alg,
            tfm,
            children: Children::new()?,
        })
    }

    /// Sets the key for operations accepted from now on (`EBUSY` while any is open).
    pub(crate) fn set_key(&mut self, key: &[u8]) -> Result {
        self.children.check_none()?;
        let mut tfm = self.alg.alloc(Skcipher::new)?;
        let result = tfm.set_key(key);
        let tfm = Arc::new(tfm, GFP_KERNEL_ACCOUNT)?;
        if result.is_ok() {
            tfm.probe();
        }
        self.tfm = tfm;
        result
    }

    /// Starts an operation socket's state; `ENOKEY` without a key.
    pub(crate) fn accept(&self) -> Result<SkcipherOp> {
        if self.tfm.needs_key() {
            return Err(Errno::NoKey.into());
        }
        let iv = SecretBuf::zeroed(self.tfm.iv_size())?;
        Ok(SkcipherOp {
            tfm: self.tfm.clone(),
            direction: Direction::Decrypt,
            chain: Chain::Iv(iv),
            message: None,
            records: false,
            output: Output::new(),
            _child: self.children.add(),
        })
    }
}

/// Where the IV of a message that brings none comes from (AF_ALG: the previous message).
enum Chain {
    /// Known: initially zeros, or the chained IV of a message processed here.
    Iv(SecretBuf),
    /// The chained IV of the previous message's last request (result number), once done.
    After(u64),
    /// None after a failed message: a message must bring its IV.
    None,
}

/// A message whose last part has not arrived.
struct Message {
    stream: Stream,
    /// Input not processed yet: a partial chunk, or everything for a cipher that cannot chain.
    pending: PageBuf,
    total: u64,
    /// The output queue's count of results when the message started.
    first_result: u64,
}

/// The state of an operation socket bound to a cipher.
pub(crate) struct SkcipherOp {
    tfm: Arc<Skcipher>,
    /// Direction and IV for the next message that brings none.
    direction: Direction,
    chain: Chain,
    message: Option<Message>,
    /// `KCRYPTO_SET_RECORDS`: one message per iovec, its IV first.
    records: bool,
    output: Output,
    _child: Child,
}

impl SkcipherOp {
    /// The implementation serving this socket.
    pub(crate) fn info(&self) -> AlgInfo {
        self.tfm.info()
    }

    /// Takes one part of a message; returns the number of bytes taken (all of them).
    ///
    /// A part refused for want of room (`EAGAIN`) or for its control messages leaves the
    /// message in progress as it was; any other error drops the message with whatever of its
    /// output is still queued, and the socket's IV with it: the next message must bring one.
    pub(crate) fn send(&mut self, msg: &mut Msg<'_>) -> Result<usize> {
        let settings = Settings::parse(msg)?;
        if settings.assoc_len.is_some() {
            return Err(EINVAL);
        }
        if self.records {
            return self.send_records(msg, &settings);
        }
        if self.message.is_some() && !settings.is_empty() {
            // The message in progress keeps what it started with.
            return Err(EINVAL);
        }
        let len = msg.data_left();
        let bound = msg.send_buffer();
        let (pending, sent) = self
            .message
            .as_ref()
            .map_or((0, 0), |m| (m.pending.len(), m.total));
        let total = sent.saturating_add(len as u64);
        // The message's unprocessed input once this part is in, and its output.
        let need = message_footprint(pending.saturating_add(len), pending.saturating_add(len));
        if (!self.tfm.chains() && need > bound) || total > limits::max_op_bytes() {
            // This message could never be processed.
            self.abort();
            return Err(Errno::MessageSize.into());
        }
        check_room(need, self.output.held(), bound)?;
        self.output.check_room()?;
        request::check_room()?;

        let mut message = match self.message.take() {
            Some(message) => message,
            None => self.start(&settings)?,
        };
        let last = msg.flags() & MSG_MORE == 0;
        let result = message
            .pending
            .append_from(msg, len)
            .and_then(|()| self.process(&mut message, total, last));
        let submitted = match result {
            Ok(submitted) => submitted,
            Err(err) => {
                self.message = Some(message);
                self.abort();
                return Err(err);
            }
        };
        self.direction = message.stream.direction();
        if !last {
            self.message = Some(message);
        } else if let Some(seq) = submitted {
            self.chain = Chain::After(seq);
        } else {
            let chained = message.stream.iv(&self.tfm);
            let mut iv = SecretBuf::zeroed(chained.len())?;
            iv.copy_from_slice(chained);
            self.chain = Chain::Iv(iv);
        }
        Ok(len)
    }

    /// Switches record mode (`KCRYPTO_SET_RECORDS`); `EBUSY` while a message is in progress.
    pub(crate) fn set_records(&mut self, on: bool) -> Result {
        if self.message.is_some() {
            return Err(EBUSY);
        }
        self.records = on;
        Ok(())
    }

    /// Record mode: every iovec of `msg` is one whole message, its IV followed by its data, at
    /// most [`MAX_RECORDS`](super::MAX_RECORDS) of them (`EMSGSIZE`); the direction is the
    /// message's or the socket's, as for any message, and an `ALG_SET_IV` or `MSG_MORE` is
    /// `EINVAL`. A record shorter than an IV and a block, or, for an algorithm that chains, not
    /// a whole number of blocks, is `EINVAL`. Every check is made before any data is taken;
    /// the records are submitted as one request, whose output is queued as one result.
    fn send_records(&mut self, msg: &mut Msg<'_>, settings: &Settings<'_>) -> Result<usize> {
        let records = Records::of(msg, settings, self.tfm.iv_size())?;
        let direction = settings.direction()?.unwrap_or(self.direction);
        if records.is_empty() {
            return Ok(0);
        }
        let block = self.tfm.block_size();
        let sizes = records.sizes(|data| {
            if data < block || (self.tfm.chains() && data % block != 0) {
                return Err(EINVAL);
            }
            if data > self.tfm.max_request() {
                return Err(Errno::MessageSize.into());
            }
            Ok(data)
        })?;
        let data = sizes.data;
        let need = message_footprint(data, data) + records.footprint();
        check_room(need, self.output.held(), msg.send_buffer())?;
        self.output.check_room()?;
        request::check_room()?;

        let (ivs, src, lens) = records.take(msg)?;
        let tfm = Tfm::Skcipher(self.tfm.clone());
        let job = Job::records(tfm, src, PageBuf::zeroed(data)?, ivs, lens)?;
        let op = Op::Records {
            direction,
            len: data,
            assoc_len: 0,
        };
        let request = Request::submit(job, op)?;
        self.output.push_request(request, false)?;
        self.direction = direction;
        Ok(records.bytes())
    }

    /// Starts a message with `settings`, or the socket's direction and IV where they are silent.
    fn start(&mut self, settings: &Settings<'_>) -> Result<Message> {
        let direction = settings.direction()?.unwrap_or(self.direction);
        let stream = match (settings.iv, &self.chain) {
            (Some(iv), _) => Stream::new(&self.tfm, direction, Some(iv))?,
            (None, Chain::Iv(iv)) => Stream::new(&self.tfm, direction, Some(iv))?,
            (None, &Chain::After(seq)) => {
                let iv = self.output.chained_iv(seq)?;
                let iv = iv.get(..self.tfm.iv_size()).ok_or(EINVAL)?;
                Stream::new(&self.tfm, direction, Some(iv))?
            }
            // After a failed message only an explicit IV will do (no IV: nothing to reuse).
            (None, Chain::None) if self.tfm.iv_size() == 0 => {
                Stream::new(&self.tfm, direction, None)?
            }
            (None, Chain::None) => return Err(EINVAL),
        };
        Ok(Message {
            stream,
            pending: PageBuf::new(),
            total: 0,
            first_result: self.output.pushed(),
        })
    }

    /// Drops the message in progress, its queued output and the socket's IV.
    fn abort(&mut self) {
        if let Some(message) = self.message.take() {
            self.output.discard_since(message.first_result);
            self.chain = Chain::None;
        }
    }

    /// Processes what of `message`'s pending input can be processed and queues the output:
    /// a middle part is waited for (the next continues from it), the last part is left with
    /// its driver for `recvmsg` to collect. Returns the last part's result number, if any.
    fn process(&mut self, message: &mut Message, total: u64, last: bool) -> Result<Option<u64>> {
        message.total = total;
        let pending = message.pending.len();
        let len = if last {
            if self.tfm.chains() && total % self.tfm.block_size() as u64 != 0 {
                return Err(EINVAL);
            }
            pending
        } else if self.tfm.chains() {
            pending - pending % self.tfm.chunk_size()
        } else {
            0
        };
        if len == 0 && !last {
            return Ok(None);
        }
        let tail = message.pending.split_tail(len)?;
        let mut src = core::mem::replace(&mut message.pending, tail);
        let limit = self.tfm.max_request();
        if src.len() > limit {
            if !self.tfm.chains() || limit % self.tfm.chunk_size() != 0 {
                return Err(Errno::MessageSize.into());
            }
            while src.len() > limit {
                let rest = src.split_off(limit)?;
                let out = message.stream.part(&self.tfm, src)?;
                self.output.push_part(out, message.first_result)?;
                src = rest;
            }
        }
        if !last {
            let out = message.stream.part(&self.tfm, src)?;
            self.output.push_part(out, message.first_result)?;
            return Ok(None);
        }
        // An empty message still goes to the algorithm, which may refuse it (XTS needs a
        // block); an empty last part of a longer one has nothing left to do.
        if len == 0 && message.stream.started() {
            self.output.push_data(PageBuf::new())?;
            return Ok(None);
        }
        let request = message.stream.finish(&self.tfm, src)?;
        self.output.push_request(request, true).map(Some)
    }

    /// Whether `recvmsg` has something to return and `sendmsg` room (see [`Output::ready`]).
    pub(crate) fn ready(&self, sndbuf: usize) -> (bool, bool) {
        let pending = self.message.as_ref().map_or(0, |m| m.pending.len());
        self.output
            .ready(message_footprint(pending, pending), sndbuf)
    }

    /// The memory the socket's messages and results take.
    pub(crate) fn held(&self) -> usize {
        let pending = self.message.as_ref().map_or(0, |m| m.pending.footprint());
        self.output.held() + pending
    }

    /// Copies queued output into `msg`, up to `len` bytes; `EAGAIN` if there is none.
    pub(crate) fn receive(&mut self, msg: &mut Msg<'_>, len: usize, wait: bool) -> Result<usize> {
        self.output.read_stream(msg, len, wait)
    }
}
