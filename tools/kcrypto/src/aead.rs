// SPDX-License-Identifier: GPL-2.0

//! Authenticated encryption: sockets of type `"aead"`.

use std::io::IoSlice;

use crate::charge;
use crate::cipher::Direction;
use crate::error::{Error, Result};
use crate::family::Family;
use crate::socket::{ALG_SET_AEAD_AUTHSIZE, Control, MSG_MORE, SOL_ALG, Socket};
use crate::transform::{self, KCRYPTO_SET_RECORDS, MAX_RECORDS, PAGE};

/// The longest tag any kernel AEAD produces (`authenc(hmac(sha512),...)`).
pub const MAX_TAG_LEN: usize = 64;

/// An AEAD algorithm (`gcm(aes)`, `ccm(aes)`, `rfc4106(gcm(aes))`,
/// `rfc7539(chacha20,poly1305)`, ...): a transform socket of type `"aead"`.
///
/// [`seal`](Aead::seal) returns ciphertext and tag (`ct || tag`),
/// [`open`](Aead::open) takes them and returns the plaintext, or
/// [`Error::AuthenticationFailed`] without any plaintext. The tag length is
/// the algorithm's maximum unless [`set_tag_len`](Aead::set_tag_len) says
/// otherwise.
///
/// The kernel holds a whole operation (associated data and input) before it
/// works on it, so an operation is bounded by the operation socket's buffer
/// (`SO_SNDBUF`). This type raises it as far as the kernel allows
/// (`SO_SNDBUFFORCE` for `CAP_NET_ADMIN`, else `net.core.wmem_max`) and
/// fails with [`Error::MessageTooLong`] beyond.
///
/// # Examples
///
/// ```no_run
/// use kcrypto::{Aead, Error};
///
/// let gcm = Aead::with_key("gcm(aes)", &[0x42; 16])?;
/// let nonce = [1u8; 12];
/// let sealed = gcm.seal(&nonce, b"header", b"secret")?;
/// assert_eq!(sealed.len(), 6 + 16);
/// assert_eq!(gcm.open(&nonce, b"header", &sealed)?, b"secret");
/// assert!(matches!(
///     gcm.open(&nonce, b"other header", &sealed),
///     Err(Error::AuthenticationFailed)
/// ));
/// # Ok::<(), kcrypto::Error>(())
/// ```
#[derive(Debug)]
pub struct Aead {
    socket: Socket,
    family: Family,
    algorithm: String,
}

impl Aead {
    /// Binds `algorithm` in the family [`Family::discover`] finds.
    ///
    /// # Errors
    ///
    /// The errors of [`Family::discover`] and of [`Aead::open_family`].
    pub fn new(algorithm: &str) -> Result<Aead> {
        Aead::open_family(Family::discover()?, algorithm)
    }

    /// Binds `algorithm` in the discovered family and sets its key.
    ///
    /// # Errors
    ///
    /// As [`Aead::new`], and those of [`Aead::set_key`].
    pub fn with_key(algorithm: &str, key: &[u8]) -> Result<Aead> {
        let aead = Aead::new(algorithm)?;
        aead.set_key(key)?;
        Ok(aead)
    }

    /// Binds `algorithm` in `family` (named so because [`Aead::open`]
    /// decrypts).
    ///
    /// # Errors
    ///
    /// [`Error::FamilyNotRegistered`], [`Error::NotFound`] (no such
    /// algorithm, or a family without the `aead` type),
    /// [`Error::NameTooLong`], [`Error::InvalidArgument`].
    pub fn open_family(family: Family, algorithm: &str) -> Result<Aead> {
        Ok(Aead {
            socket: transform::bind(family, "aead", algorithm)?,
            family,
            algorithm: algorithm.to_owned(),
        })
    }

    /// Sets the key (`ALG_SET_KEY`). For `rfc4106(gcm(aes))` the key is the
    /// AES key followed by the 4-byte salt.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a key the algorithm refuses,
    /// [`Error::Busy`] while an [`AeadStream`] of this AEAD exists.
    pub fn set_key(&self, key: &[u8]) -> Result<()> {
        Ok(self.socket.set_key(key)?)
    }

    /// Sets the key to the payload of the kernel key `serial`
    /// (`ALG_SET_KEY_BY_KEY_SERIAL`, see [`Cipher::set_key_serial`](crate::Cipher::set_key_serial)).
    ///
    /// # Errors
    ///
    /// The keyring's errors, then those of [`Aead::set_key`].
    pub fn set_key_serial(&self, serial: i32) -> Result<()> {
        transform::set_key_serial(&self.socket, serial)
    }

    /// Sets the tag length (`ALG_SET_AEAD_AUTHSIZE`), for operations
    /// started from now on.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a length the algorithm refuses (GCM:
    /// 4, 8 and 12 to 16; CCM: even, 4 to 16; ChaCha20-Poly1305: 16),
    /// [`Error::Busy`] while an [`AeadStream`] exists.
    pub fn set_tag_len(&self, len: usize) -> Result<()> {
        Ok(self
            .socket
            .set_option_len(SOL_ALG, ALG_SET_AEAD_AUTHSIZE, len)?)
    }

    /// The algorithm name this AEAD is bound to.
    pub fn algorithm(&self) -> &str {
        &self.algorithm
    }

    /// The socket family this AEAD uses.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The transform socket, for operations this API does not cover.
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// Encrypts and authenticates `plaintext` and authenticates `aad`:
    /// returns the ciphertext followed by the tag. One `sendmsg`, one read.
    ///
    /// # Errors
    ///
    /// [`Error::NoKey`] without a key, [`Error::InvalidArgument`] for an IV
    /// of the wrong length (or, for `rfc4106`, associated data that is not
    /// 8 or 12 bytes), [`Error::MessageTooLong`] beyond the socket buffer.
    pub fn seal(&self, iv: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        self.sealer(iv, aad)?.finish_with(plaintext)
    }

    /// Checks and decrypts `sealed` (ciphertext followed by tag) with
    /// associated data `aad`: returns the plaintext.
    ///
    /// # Errors
    ///
    /// [`Error::AuthenticationFailed`] if the tag does not match (no
    /// plaintext is released), [`Error::InvalidArgument`] if `sealed` is
    /// shorter than the tag; otherwise as [`Aead::seal`].
    pub fn open(&self, iv: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        self.opener(iv, aad)?.finish_with(sealed)
    }

    /// Seals many messages, each `(iv, aad, plaintext)`, in two system calls
    /// per 64 of them (kcrypto only): an operation socket in record mode
    /// (`KCRYPTO_SET_RECORDS`) takes one message per iovec of a `sendmsg`,
    /// its IV first, and one request runs them all. All associated data
    /// must have the same length. Returns each message's `ct || tag`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use kcrypto::Aead;
    ///
    /// let gcm = Aead::with_key("gcm(aes)", &[7; 16])?;
    /// let (a, b) = ([1u8; 12], [2u8; 12]);
    /// let sealed = gcm.seal_many(&[(&a, b"hdr1", b"one"), (&b, b"hdr2", b"two")])?;
    /// assert_eq!(sealed[1], gcm.seal(&b, b"hdr2", b"two")?);
    /// # Ok::<(), kcrypto::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Aead::seal`]; [`Error::InvalidArgument`] also for associated
    /// data or IVs of different lengths, or a message with neither
    /// associated data nor plaintext; `EOPNOTSUPP`/`ENOPROTOOPT` from AF_ALG,
    /// which has no record mode.
    pub fn seal_many(&self, messages: &[(&[u8], &[u8], &[u8])]) -> Result<Vec<Vec<u8>>> {
        self.crypt_many(Direction::Encrypt, messages)
    }

    /// Opens many messages, each `(iv, aad, ct || tag)`, as
    /// [`Aead::seal_many`] seals them; returns each plaintext.
    ///
    /// # Errors
    ///
    /// [`Error::AuthenticationFailed`] if any message's tag does not match:
    /// no plaintext of its batch of up to 64 is released (open them one by
    /// one to find which); otherwise as [`Aead::seal_many`].
    pub fn open_many(&self, messages: &[(&[u8], &[u8], &[u8])]) -> Result<Vec<Vec<u8>>> {
        self.crypt_many(Direction::Decrypt, messages)
    }

    fn crypt_many(
        &self,
        direction: Direction,
        messages: &[(&[u8], &[u8], &[u8])],
    ) -> Result<Vec<Vec<u8>>> {
        let Some(((iv, aad, text), rest)) = messages.split_first() else {
            return Ok(Vec::new());
        };
        let same = |(other_iv, other_aad, _): &(&[u8], &[u8], &[u8])| {
            other_iv.len() == iv.len() && other_aad.len() == aad.len()
        };
        if !rest.iter().all(same) || (aad.is_empty() && text.is_empty()) {
            return Err(Error::InvalidArgument);
        }
        // The kernel checks the length of an ALG_SET_IV but cannot tell a
        // record's IV from its data: the first message, sent as a message,
        // checks the length for all.
        let mut outs = Vec::with_capacity(messages.len());
        outs.push(match direction {
            Direction::Encrypt => self.seal(iv, aad, text)?,
            Direction::Decrypt => self.open(iv, aad, text)?,
        });
        if rest.is_empty() {
            return Ok(outs);
        }
        let op = self.socket.accept()?;
        op.set_option_int(SOL_ALG, KCRYPTO_SET_RECORDS, 1)?;
        let size = |(_, aad, text): &(&[u8], &[u8], &[u8])| aad.len() + text.len() + MAX_TAG_LEN;
        let total: usize = rest.iter().map(size).sum();
        // The records' IVs (at least a byte each) and lengths count besides their data.
        let spare = MAX_RECORDS * (iv.len().max(1) + charge::RECORD);
        let limit = transform::grow_send_limit(&op, total + spare)?.saturating_sub(spare);
        let assoc = u32::try_from(aad.len()).map_err(|_| Error::MessageTooLong)?;
        let control = [Control::Op(direction.op()), Control::AssocLen(assoc)];
        let mut rest = rest;
        while !rest.is_empty() {
            let count = transform::records_that_fit(rest.iter().map(size), limit);
            let (batch, next) = rest.split_at(count);
            outs.extend(self.records(&op, &control, batch, direction)?);
            rest = next;
        }
        Ok(outs)
    }

    /// One sendmsg of records and the recvmsg of their outputs, without
    /// their associated data.
    fn records(
        &self,
        op: &Socket,
        control: &[Control<'_>],
        batch: &[(&[u8], &[u8], &[u8])],
        direction: Direction,
    ) -> Result<Vec<Vec<u8>>> {
        let records: Vec<Vec<u8>> = batch
            .iter()
            .map(|(iv, aad, text)| [*iv, *aad, *text].concat())
            .collect();
        let slices: Vec<IoSlice<'_>> = records.iter().map(|r| IoSlice::new(r)).collect();
        transform::send_whole(op, &slices, control, 0)?;
        // One result: each record's output after the one before, a tag
        // longer or shorter than its input (the tag length is the socket's).
        let inputs: Vec<usize> = batch.iter().map(|(_, a, t)| a.len() + t.len()).collect();
        let sum: usize = inputs.iter().sum();
        let room = match direction {
            Direction::Encrypt => sum + batch.len() * MAX_TAG_LEN,
            Direction::Decrypt => sum,
        };
        let mut out = vec![0; room];
        let len = transform::read_expected(op, &mut out)?;
        let n = batch.len();
        let tag = match direction {
            Direction::Encrypt => len.checked_sub(sum),
            Direction::Decrypt => sum.checked_sub(len),
        }
        .filter(|diff| diff % n == 0)
        .ok_or(Error::StateLost)?
            / n;
        let mut outs = Vec::with_capacity(n);
        let mut at = 0;
        for ((_, aad, _), input) in batch.iter().zip(inputs) {
            let each = match direction {
                Direction::Encrypt => input + tag,
                Direction::Decrypt => input - tag,
            };
            let record = out.get(at + aad.len()..at + each).ok_or(Error::StateLost)?;
            outs.push(record.to_vec());
            at += each;
        }
        Ok(outs)
    }

    /// A streaming encryption: feed the plaintext with
    /// [`AeadStream::update`], get `ct || tag` from [`AeadStream::finish`].
    ///
    /// # Errors
    ///
    /// Those of `accept()` and of the first `sendmsg` (`aad` goes with it
    /// when the first part is sent).
    pub fn sealer(&self, iv: &[u8], aad: &[u8]) -> Result<AeadStream> {
        AeadStream::new(self.socket.accept()?, Direction::Encrypt, iv, aad)
    }

    /// A streaming decryption: feed `ct || tag` with [`AeadStream::update`],
    /// get the plaintext from [`AeadStream::finish`] (or
    /// [`Error::AuthenticationFailed`]).
    ///
    /// # Errors
    ///
    /// As [`Aead::sealer`].
    pub fn opener(&self, iv: &[u8], aad: &[u8]) -> Result<AeadStream> {
        AeadStream::new(self.socket.accept()?, Direction::Decrypt, iv, aad)
    }
}

/// One AEAD operation fed in parts (`MSG_MORE`); the kernel works on it when
/// [`finish`](AeadStream::finish) sends the last part.
///
/// The associated data goes with the first part, with the direction, the IV
/// and `ALG_SET_AEAD_ASSOCLEN`. Nothing comes out before `finish`.
///
/// # Examples
///
/// ```no_run
/// use kcrypto::Aead;
///
/// let aead = Aead::with_key("rfc7539(chacha20,poly1305)", &[9; 32])?;
/// let nonce = [0u8; 12];
/// let mut sealer = aead.sealer(&nonce, b"aad")?;
/// sealer.update(b"part one, ")?;
/// sealer.update(b"part two")?;
/// let sealed = sealer.finish()?;
/// assert_eq!(sealed, aead.seal(&nonce, b"aad", b"part one, part two")?);
/// # Ok::<(), kcrypto::Error>(())
/// ```
#[derive(Debug)]
pub struct AeadStream {
    socket: Socket,
    direction: Direction,
    iv: Vec<u8>,
    aad: Vec<u8>,
    started: bool,
    sent: usize,
    lost: bool,
}

impl AeadStream {
    fn new(socket: Socket, direction: Direction, iv: &[u8], aad: &[u8]) -> Result<AeadStream> {
        if u32::try_from(aad.len()).is_err() {
            return Err(Error::MessageTooLong);
        }
        Ok(AeadStream {
            socket,
            direction,
            iv: iv.to_vec(),
            aad: aad.to_vec(),
            started: false,
            sent: 0,
            lost: false,
        })
    }

    /// Sends `data` as a part with `MSG_MORE` (in pieces of at most
    /// [`PART_MAX`](crate::cipher::PART_MAX) bytes).
    ///
    /// # Errors
    ///
    /// [`Error::StateLost`] after an earlier failure,
    /// [`Error::MessageTooLong`] when the operation outgrows the socket
    /// buffer, and the errors of `sendmsg`.
    pub fn update(&mut self, data: &[u8]) -> Result<()> {
        for part in data.chunks(crate::cipher::PART_MAX) {
            self.send(part, true)?;
        }
        Ok(())
    }

    /// Sends the last part and returns the result: `ct || tag` when
    /// sealing, the plaintext when opening.
    ///
    /// # Errors
    ///
    /// [`Error::AuthenticationFailed`] when opening data whose tag does not
    /// match; [`Error::InvalidArgument`] for input shorter than the tag;
    /// otherwise as [`AeadStream::update`].
    pub fn finish(self) -> Result<Vec<u8>> {
        self.finish_with(&[])
    }

    /// [`update`](AeadStream::update) with `data` and
    /// [`finish`](AeadStream::finish) in one `sendmsg` when it fits.
    ///
    /// # Errors
    ///
    /// As [`AeadStream::finish`].
    pub fn finish_with(mut self, data: &[u8]) -> Result<Vec<u8>> {
        let (head, last) = data.split_at(data.len().saturating_sub(crate::cipher::PART_MAX));
        self.update(head)?;
        self.send(last, false)?;
        // Output: the associated data again, then ct || tag (encrypt) or
        // the plaintext (decrypt, shorter than the input by the tag).
        let input = self.sent - self.aad.len();
        let room = match self.direction {
            Direction::Encrypt => self.sent + MAX_TAG_LEN,
            Direction::Decrypt => self.sent,
        };
        let mut out = vec![0; room];
        let len = transform::read_expected(&self.socket, &mut out)?;
        if len < self.aad.len() || (self.direction == Direction::Decrypt && len > self.sent) {
            return Err(Error::StateLost);
        }
        out.truncate(len);
        out.drain(..self.aad.len());
        debug_assert!(self.direction == Direction::Decrypt || out.len() >= input);
        Ok(out)
    }

    /// One part; the first carries the control messages and the
    /// associated data.
    fn send(&mut self, data: &[u8], more: bool) -> Result<()> {
        if self.lost {
            return Err(Error::StateLost);
        }
        let result = self.send_inner(data, more);
        if result.is_err() {
            self.lost = true;
        }
        result
    }

    fn send_inner(&mut self, data: &[u8], more: bool) -> Result<()> {
        let flags = if more { MSG_MORE } else { 0 };
        let aad: &[u8] = if self.started { &[] } else { &self.aad };
        let total = self.sent + aad.len() + data.len();
        // AF_ALG copies only while a page is free.
        let want = total.max(self.sent + PAGE);
        if want > transform::grow_send_limit(&self.socket, want)? {
            return Err(Error::MessageTooLong);
        }
        let mut control = Vec::new();
        if !self.started {
            control.push(Control::Op(self.direction.op()));
            if !self.iv.is_empty() {
                control.push(Control::Iv(&self.iv));
            }
            // Checked to fit in `new`.
            control.push(Control::AssocLen(aad.len() as u32));
        }
        transform::send_whole(
            &self.socket,
            &[IoSlice::new(aad), IoSlice::new(data)],
            &control,
            flags,
        )?;
        self.started = true;
        self.sent = total;
        Ok(())
    }
}
