// SPDX-License-Identifier: GPL-2.0

//! The `aead` type: authenticated encryption (`gcm(aes)`, `ccm(aes)`, `rfc4106(gcm(aes))`,
//! `rfc7539(chacha20,poly1305)`, ...).
//!
//! A message (one `sendmsg` or several, all but the last with `MSG_MORE`) is collected whole,
//! then processed as one request when its last part arrives. Its direction, IV and
//! associated-data length are fixed by its first part. Unlike AF_ALG, every message must bring
//! its own IV: reusing the previous message's would repeat a nonce.
//!
//! In record mode (`KCRYPTO_SET_RECORDS`) every iovec of a `sendmsg` is a whole message, its IV
//! first: up to [`MAX_RECORDS`](super::MAX_RECORDS) messages go to the driver as one request.

use kernel::{prelude::*, sync::Arc};

use super::{
    check_room, message_footprint, output::Output, Algorithm, Child, Children, Records, Settings,
};
use crate::crypto::AlgInfo;
use crate::{
    buffer::{PageBuf, SecretBuf},
    crypto::{
        aead::Aead,
        request::{self, Job, Op, Request, Tfm},
        Direction,
    },
    errno::Errno,
    msg::{Msg, MSG_MORE},
};

/// The transform of a socket bound to an AEAD.
pub(crate) struct AeadTransform {
    alg: Algorithm,
    tfm: Arc<Aead>,
    /// The key and tag size given so far, applied together to each new transform.
    key: Option<SecretBuf>,
    tag_size: Option<usize>,
    children: Children,
}

impl AeadTransform {
    /// The implementation serving this socket.
    pub(crate) fn info(&self) -> AlgInfo {
        self.tfm.info()
    }

    pub(crate) fn new(alg: Algorithm) -> Result<Self> {
        let tfm = Arc::new(alg.alloc(Aead::new)?, GFP_KERNEL_ACCOUNT)?;
        Ok(Self {
            alg,
            tfm,
            key: None,
            tag_size: None,
            children: Children::new()?,
        })
    }

    /// A new transform with `key` and `tag_size` applied.
    fn build(&self, key: Option<&[u8]>, tag_size: Option<usize>) -> Result<Arc<Aead>> {
        let mut tfm = self.alg.alloc(Aead::new)?;
        if let Some(len) = tag_size {
            tfm.set_tag_size(len)?;
        }
        if let Some(key) = key {
            tfm.set_key(key)?;
        }
        Ok(Arc::new(tfm, GFP_KERNEL_ACCOUNT)?)
    }

    /// Sets the key for operations accepted from now on (`EBUSY` while any is open). As in
    /// AF_ALG, a refused key leaves the socket without a key.
    pub(crate) fn set_key(&mut self, key: &[u8]) -> Result {
        self.children.check_none()?;
        let mut copy = SecretBuf::zeroed(key.len())?;
        copy.copy_from_slice(key);
        match self.build(Some(&copy), self.tag_size) {
            Ok(tfm) => {
                self.tfm = tfm;
                self.key = Some(copy);
                Ok(())
            }
            Err(err) => {
                // `accept` refuses a socket without a key, whatever its transform.
                self.key = None;
                Err(err)
            }
        }
    }

    /// Sets the tag size (`ALG_SET_AEAD_AUTHSIZE`); `EINVAL` for one the algorithm refuses,
    /// which changes nothing.
    pub(crate) fn set_tag_size(&mut self, len: usize) -> Result {
        self.children.check_none()?;
        self.tfm = self.build(self.key.as_deref(), Some(len))?;
        self.tag_size = Some(len);
        Ok(())
    }

    /// Starts an operation socket's state; `ENOKEY` without a key.
    pub(crate) fn accept(&self) -> Result<AeadOp> {
        if self.key.is_none() || self.tfm.needs_key() {
            return Err(Errno::NoKey.into());
        }
        Ok(AeadOp {
            tfm: self.tfm.clone(),
            direction: Direction::Decrypt,
            assoc_len: 0,
            message: None,
            records: false,
            output: Output::new(),
            _child: self.children.add(),
        })
    }
}

/// A message whose last part has not arrived.
struct Message {
    direction: Direction,
    iv: SecretBuf,
    assoc_len: u32,
    input: PageBuf,
}

/// The state of an operation socket bound to an AEAD.
pub(crate) struct AeadOp {
    tfm: Arc<Aead>,
    /// Direction and associated-data length for the next message that brings none.
    direction: Direction,
    assoc_len: u32,
    message: Option<Message>,
    /// `KCRYPTO_SET_RECORDS`: one message per iovec, its IV first.
    records: bool,
    output: Output,
    _child: Child,
}

impl AeadOp {
    /// The implementation serving this socket.
    pub(crate) fn info(&self) -> AlgInfo {
        self.tfm.info()
    }

    /// Takes one part of a message; returns the number of bytes taken (all of them).
    pub(crate) fn send(&mut self, msg: &mut Msg<'_>) -> Result<usize> {
        let settings = Settings::parse(msg)?;
        if self.records {
            return self.send_records(msg, &settings);
        }
        if self.message.is_some() && !settings.is_empty() {
            // The message in progress keeps what it started with.
            return Err(EINVAL);
        }
        let len = msg.data_left();
        let bound = msg.send_buffer();
        let collected = self.message.as_ref().map_or(0, |m| m.input.len());
        let need = self.footprint(collected.saturating_add(len));
        if need > bound {
            // The whole message must fit in the socket: it can never be processed.
            self.message = None;
            return Err(Errno::MessageSize.into());
        }
        check_room(need, self.output.held(), bound)?;
        self.output.check_room()?;
        request::check_room()?;

        let mut message = match self.message.take() {
            Some(message) => message,
            None => self.start(&settings)?,
        };
        message.input.append_from(msg, len)?;
        // The message's settings become the socket's once a part of it is taken.
        self.direction = message.direction;
        self.assoc_len = message.assoc_len;
        if msg.flags() & MSG_MORE != 0 {
            self.message = Some(message);
            return Ok(len);
        }
        let assoc_len = message.assoc_len as usize;
        // The request's own failures (a tag that does not match, associated data too short for
        // an RFC 4106 IV) come out of `recvmsg`; a failed decryption's output, possibly
        // unauthenticated plaintext, is never handed out.
        let request = self
            .tfm
            .submit(message.direction, message.iv, message.input, assoc_len)?;
        self.output.push_request(request, false)?;
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

    /// Record mode: every iovec of `msg` is one whole message, its IV followed by its
    /// associated data and text, at most [`MAX_RECORDS`](super::MAX_RECORDS) of them
    /// (`EMSGSIZE`). Direction and associated-data length are the message's or the socket's,
    /// as for any message, and the same for every record; an `ALG_SET_IV` or `MSG_MORE` is
    /// `EINVAL`, as is a record too short for its IV, associated data and (to decrypt) tag, or
    /// with no data or no output (an IV alone; a tag alone to decrypt). Every check is made
    /// before any data is taken; the records are submitted as one request, whose output (each
    /// record's as one message's) is read by one `recvmsg`. A record that fails (`EBADMSG`)
    /// fails them all: no output of the request is handed out.
    fn send_records(&mut self, msg: &mut Msg<'_>, settings: &Settings<'_>) -> Result<usize> {
        let records = Records::of(msg, settings, self.tfm.iv_size())?;
        let direction = settings.direction()?.unwrap_or(self.direction);
        let assoc_len = settings.assoc_len.unwrap_or(self.assoc_len);
        if records.is_empty() {
            return Ok(0);
        }
        let sizes = records.sizes(|data| {
            match self.tfm.output_len(direction, assoc_len as usize, data)? {
                // A record that decrypts to nothing: send it as a message.
                0 => Err(EINVAL),
                len => Ok(len),
            }
        })?;
        let (data, out) = (sizes.data, sizes.output);
        let need = message_footprint(data, out) + records.footprint();
        check_room(need, self.output.held(), msg.send_buffer())?;
        self.output.check_room()?;
        request::check_room()?;

        let (ivs, src, lens) = records.take(msg)?;
        let mut dst = PageBuf::zeroed(out)?;
        // Each record's associated data comes back with its output, as a message's does.
        let (mut at, mut to) = (0, 0);
        for (&len, &out) in lens.iter().zip(sizes.outputs()) {
            dst.copy_within(to, &src, at, assoc_len as usize)?;
            at += len as usize;
            to += out as usize;
        }
        let job = Job::records(Tfm::Aead(self.tfm.clone()), src, dst, ivs, lens)?;
        let op = Op::Records {
            direction,
            len: data,
            assoc_len: assoc_len as usize,
        };
        let request = Request::submit(job, op)?;
        self.output.push_request(request, false)?;
        self.direction = direction;
        self.assoc_len = assoc_len;
        Ok(records.bytes())
    }

    /// The most memory a message of `len` bytes takes: its output is at most a tag longer.
    fn footprint(&self, len: usize) -> usize {
        message_footprint(len, len.saturating_add(self.tfm.tag_size()))
    }

    fn start(&mut self, settings: &Settings<'_>) -> Result<Message> {
        let iv = settings.iv.ok_or(EINVAL)?;
        if iv.len() != self.tfm.iv_size() {
            return Err(EINVAL);
        }
        let mut iv_copy = SecretBuf::zeroed(iv.len())?;
        iv_copy.copy_from_slice(iv);
        Ok(Message {
            direction: settings.direction()?.unwrap_or(self.direction),
            iv: iv_copy,
            assoc_len: settings.assoc_len.unwrap_or(self.assoc_len),
            input: PageBuf::new(),
        })
    }

    /// Whether `recvmsg` has something to return and `sendmsg` room (see [`Output::ready`]).
    pub(crate) fn ready(&self, sndbuf: usize) -> (bool, bool) {
        let collected = self.message.as_ref().map_or(0, |m| m.input.len());
        self.output.ready(self.footprint(collected), sndbuf)
    }

    /// The memory the socket's messages and results take.
    pub(crate) fn held(&self) -> usize {
        let collected = self.message.as_ref().map_or(0, |m| m.input.footprint());
        self.output.held() + collected
    }

    /// Copies the next result into `msg`, whose `len` bytes must hold all of it (`EINVAL`
    /// otherwise, and it stays queued); a failed request's error (`EBADMSG`) comes out here.
    /// In record mode the result of one `sendmsg` of records is one result.
    pub(crate) fn receive(&mut self, msg: &mut Msg<'_>, len: usize, wait: bool) -> Result<usize> {
        self.output.read_record(msg, len, wait)
    }
}
