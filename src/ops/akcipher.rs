// SPDX-License-Identifier: GPL-2.0

//! The `akcipher` type: RSA public-key operations (`rsa`, `pkcs1pad(rsa)`,
//! `pkcs1pad(rsa,sha256)`, ...), for hardware that implements them.
//!
//! Deliberately narrow (Documentation/userspace-api.rst explains why): the key is a public key,
//! so the operations are encryption (`ALG_OP_ENCRYPT`) and signature verification
//! (`KCRYPTO_OP_VERIFY`); decryption and signing would need a private key in the kernel and are
//! `EOPNOTSUPP`. Only RSA algorithms bind. A message is collected whole, like an AEAD's, and
//! is processed as one request when its last part arrives.

use kernel::{prelude::*, sync::Arc};

use super::{
    check_room, message_footprint, output::Output, Algorithm, Child, Children, Class, Op, Settings,
};
use crate::{
    buffer::PageBuf,
    crypto::{
        akcipher::{self, Akcipher},
        request, AlgInfo, Direction,
    },
    errno::Errno,
    msg::{Msg, MSG_MORE},
};

/// The transform of a socket bound to a public-key cipher.
pub(crate) struct AkcipherTransform {
    alg: Algorithm,
    /// What the name resolved to at bind time, reported until a key brings a transform.
    found: KBox<AlgInfo>,
    /// A transform exists only with a key (see [`Akcipher::with_public_key`]).
    tfm: Option<Arc<Akcipher>>,
    children: Children,
}

impl AkcipherTransform {
    /// `ENOENT` for anything but RSA. Choosing by class is limited to hardware: software-only
    /// cannot be guaranteed, as a driver whose flags do not say "async" (virtio-crypto's) may
    /// end up inside a template instance; name the software driver (`rsa-generic`) instead.
    pub(crate) fn new(alg: Algorithm) -> Result<Self> {
        if alg.class() == Class::Software {
            return Err(Errno::NotSupported.into());
        }
        Ok(Self {
            found: KBox::new(alg.alloc(akcipher::lookup)?, GFP_KERNEL_ACCOUNT)?,
            alg,
            tfm: None,
            children: Children::new()?,
        })
    }

    /// The implementation serving this socket.
    pub(crate) fn info(&self) -> AlgInfo {
        self.tfm.as_ref().map_or(*self.found, |tfm| tfm.info())
    }

    /// Sets the public key (a DER `RSAPublicKey`) for operations accepted from now on
    /// (`EBUSY` while any is open); a refused key leaves the socket without a key.
    pub(crate) fn set_key(&mut self, key: &[u8]) -> Result {
        self.children.check_none()?;
        self.tfm = None;
        let tfm = self
            .alg
            .alloc(|name, type_, mask| Akcipher::with_public_key(name, type_, mask, key))?;
        self.tfm = Some(Arc::new(tfm, GFP_KERNEL_ACCOUNT)?);
        Ok(())
    }

    /// Starts an operation socket's state; `ENOKEY` without a key.
    pub(crate) fn accept(&self) -> Result<AkcipherOp> {
        let tfm = self.tfm.as_ref().ok_or(Errno::NoKey)?;
        Ok(AkcipherOp {
            tfm: tfm.clone(),
            op: None,
            message: None,
            output: Output::new(),
            _child: self.children.add(),
        })
    }
}

/// A message whose last part has not arrived.
struct Message {
    verify: bool,
    input: PageBuf,
}

/// The state of an operation socket bound to a public-key cipher.
pub(crate) struct AkcipherOp {
    tfm: Arc<Akcipher>,
    /// The operation of the next message that names none.
    op: Option<Op>,
    message: Option<Message>,
    output: Output,
    _child: Child,
}

impl AkcipherOp {
    /// The implementation serving this socket.
    pub(crate) fn info(&self) -> AlgInfo {
        self.tfm.info()
    }

    /// Takes one part of a message; returns the number of bytes taken (all of them).
    pub(crate) fn send(&mut self, msg: &mut Msg<'_>) -> Result<usize> {
        let settings = Settings::parse(msg)?;
        if settings.iv.is_some() || settings.assoc_len.is_some() {
            return Err(EINVAL);
        }
        if self.message.is_some() && !settings.is_empty() {
            // The message in progress keeps its operation.
            return Err(EINVAL);
        }
        let verify = match &self.message {
            Some(message) => message.verify,
            None => self.check_op(settings.op.or(self.op))?,
        };
        let len = msg.data_left();
        let collected = self.message.as_ref().map_or(0, |m| m.input.len());
        // A signature and a digest, or one message: anything longer never fits.
        let longest = if verify {
            self.tfm.key_size() * 2
        } else {
            self.tfm.max_message()
        };
        if collected.saturating_add(len) > longest {
            self.message = None;
            return Err(Errno::MessageSize.into());
        }
        let need = message_footprint(collected.saturating_add(len), self.tfm.key_size());
        check_room(need, self.output.held(), msg.send_buffer())?;
        self.output.check_room()?;
        request::check_room()?;

        let mut message = match self.message.take() {
            Some(message) => message,
            None => Message {
                verify,
                input: PageBuf::new(),
            },
        };
        message.input.append_from(msg, len)?;
        self.op = Some(if verify {
            Op::Verify
        } else {
            Op::Cipher(Direction::Encrypt)
        });
        if msg.flags() & MSG_MORE != 0 {
            self.message = Some(message);
            return Ok(len);
        }
        // A signature that does not verify fails its request: `EBADMSG` from `recvmsg`.
        let request = if message.verify {
            self.tfm.verify(message.input)?
        } else {
            self.tfm.encrypt(message.input)?
        };
        self.output.push_request(request, false)?;
        Ok(len)
    }

    /// Whether `op` verifies (or encrypts); `EOPNOTSUPP` for what needs a private key or
    /// padding this algorithm lacks, `EINVAL` if no operation was ever given.
    fn check_op(&self, op: Option<Op>) -> Result<bool> {
        match op {
            None => Err(EINVAL),
            Some(Op::Cipher(Direction::Encrypt)) => Ok(false),
            Some(Op::Verify) if self.tfm.verifies() => Ok(true),
            Some(_) => Err(Errno::NotSupported.into()),
        }
    }

    /// Whether `recvmsg` has something to return and `sendmsg` room (see [`Output::ready`]).
    pub(crate) fn ready(&self, sndbuf: usize) -> (bool, bool) {
        let collected = self.message.as_ref().map_or(0, |m| m.input.len());
        let next = message_footprint(collected, self.tfm.key_size());
        self.output.ready(next, sndbuf)
    }

    /// The memory the socket's messages and results take.
    pub(crate) fn held(&self) -> usize {
        let collected = self.message.as_ref().map_or(0, |m| m.input.footprint());
        self.output.held() + collected
    }

    /// Copies the next result into `msg` (`EINVAL` if `len` bytes cannot hold it; it stays
    /// queued): a ciphertext, or nothing for a verified signature.
    pub(crate) fn receive(&mut self, msg: &mut Msg<'_>, len: usize, wait: bool) -> Result<usize> {
        self.output.read_record(msg, len, wait)
    }
}
