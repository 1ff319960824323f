// SPDX-License-Identifier: GPL-2.0

//! Symmetric ciphers: sockets of type `"skcipher"`.

use std::io::{self, IoSlice, IoSliceMut};

use crate::charge;
use crate::error::{Error, Result};
use crate::family::Family;
use crate::socket::{ALG_OP_DECRYPT, ALG_OP_ENCRYPT, Control, MSG_MORE, SOL_ALG, Socket};
use crate::transform::{self, KCRYPTO_SET_RECORDS, MAX_RECORDS, PAGE};

/// The largest part a [`CipherStream`] sends in one `sendmsg`.
pub const PART_MAX: usize = 64 * 1024;
/// Every part of a [`CipherStream`] but the last is a multiple of this many
/// bytes, so that counter modes (block size 1, chunk size 16 or 64) stay in
/// step even on AF_ALG, which processes whatever it has when output is read.
pub const PART_ALIGN: usize = 64;
/// A [`CipherStream`] collects at least this much input before it sends a
/// part (but the last), so that small updates do not become small requests.
pub const PART_MIN: usize = 4096;

/// Whether an operation encrypts or decrypts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `ALG_OP_ENCRYPT`.
    Encrypt,
    /// `ALG_OP_DECRYPT`.
    Decrypt,
}

impl Direction {
    /// The `ALG_SET_OP` value.
    pub fn op(self) -> u32 {
        match self {
            Direction::Encrypt => ALG_OP_ENCRYPT,
            Direction::Decrypt => ALG_OP_DECRYPT,
        }
    }
}

/// A symmetric cipher (`cbc(aes)`, `ctr(aes)`, `xts(aes)`, `chacha20`, ...):
/// a transform socket of type `"skcipher"` bound to it.
///
/// Set the key once, then run any number of operations: each
/// [`encrypt`](Cipher::encrypt)/[`decrypt`](Cipher::decrypt) and each
/// [`CipherStream`] uses its own operation socket. The IV is given per
/// operation; its length must be the algorithm's IV size (none for
/// `ecb(...)`: pass `&[]`).
///
/// # Examples
///
/// ```no_run
/// use kcrypto::Cipher;
///
/// let aes = Cipher::with_key("cbc(aes)", &[0x2b; 16])?;
/// let iv = [0u8; 16];
/// let ct = aes.encrypt(&iv, &[0x6b; 32])?;
/// assert_eq!(aes.decrypt(&iv, &ct)?, [0x6b; 32]);
/// # Ok::<(), kcrypto::Error>(())
/// ```
#[derive(Debug)]
pub struct Cipher {
    socket: Socket,
    family: Family,
    algorithm: String,
}

impl Cipher {
    /// Binds `algorithm` in the family [`Family::discover`] finds.
    ///
    /// # Errors
    ///
    /// The errors of [`Family::discover`] and of [`Cipher::open`].
    pub fn new(algorithm: &str) -> Result<Cipher> {
        Cipher::open(Family::discover()?, algorithm)
    }

    /// Binds `algorithm` in the discovered family and sets its key.
    ///
    /// # Errors
    ///
    /// As [`Cipher::new`], and those of [`Cipher::set_key`].
    pub fn with_key(algorithm: &str, key: &[u8]) -> Result<Cipher> {
        let cipher = Cipher::new(algorithm)?;
        cipher.set_key(key)?;
        Ok(cipher)
    }

    /// Binds `algorithm` in `family`.
    ///
    /// # Errors
    ///
    /// [`Error::FamilyNotRegistered`] if the family does not exist,
    /// [`Error::NotFound`] for an unknown algorithm (or a family without the
    /// `skcipher` type), [`Error::NameTooLong`] or [`Error::InvalidArgument`]
    /// for a name that does not fit `sockaddr_alg`.
    pub fn open(family: Family, algorithm: &str) -> Result<Cipher> {
        Ok(Cipher {
            socket: transform::bind(family, "skcipher", algorithm)?,
            family,
            algorithm: algorithm.to_owned(),
        })
    }

    /// Sets the key (`ALG_SET_KEY`), for operations started from now on.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a key the algorithm refuses (length,
    /// or equal XTS halves where that is checked), [`Error::MessageTooLong`]
    /// above 1024 bytes (kcrypto), [`Error::Busy`] while a [`CipherStream`]
    /// of this cipher exists.
    pub fn set_key(&self, key: &[u8]) -> Result<()> {
        Ok(self.socket.set_key(key)?)
    }

    /// Sets the key to the payload of the kernel key `serial` (a `user` or
    /// `logon` key, `ALG_SET_KEY_BY_KEY_SERIAL`): the key bytes never pass
    /// through this process.
    ///
    /// # Errors
    ///
    /// The keyring's errors: [`Error::NoKey`] (`ENOKEY`) for no such key or
    /// one this process may not search, [`Error::PermissionDenied`]
    /// (`EACCES`), `EKEYREVOKED`/`EKEYEXPIRED`/`EKEYREJECTED` as
    /// [`Error::Other`]; then those of [`Cipher::set_key`].
    pub fn set_key_serial(&self, serial: i32) -> Result<()> {
        transform::set_key_serial(&self.socket, serial)
    }

    /// The algorithm name this cipher is bound to.
    pub fn algorithm(&self) -> &str {
        &self.algorithm
    }

    /// The socket family this cipher uses.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The transform socket, for operations this API does not cover.
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// Encrypts `data` with `iv` in one operation.
    ///
    /// # Errors
    ///
    /// See [`Cipher::crypt`].
    pub fn encrypt(&self, iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        self.crypt(Direction::Encrypt, iv, data)
    }

    /// Decrypts `data` with `iv` in one operation.
    ///
    /// # Errors
    ///
    /// See [`Cipher::crypt`].
    pub fn decrypt(&self, iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        self.crypt(Direction::Decrypt, iv, data)
    }

    /// One operation over `data`: a single `sendmsg` (after raising the
    /// socket buffer to fit `data`, as far as the kernel allows) and reads
    /// of exactly `data.len()` bytes. Data larger than the socket buffer
    /// allows goes through a [`CipherStream`] (see there for what AF_ALG
    /// does with that).
    ///
    /// # Errors
    ///
    /// [`Error::NoKey`] without a key, [`Error::InvalidArgument`] for an IV
    /// of the wrong length or a length the algorithm cannot take (not a
    /// multiple of the block size for `cbc`/`ecb`, under 16 bytes for
    /// `xts`), and the errors of the system calls.
    pub fn crypt(&self, direction: Direction, iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        let socket = self.socket.accept()?;
        let limit = transform::grow_send_limit(&socket, data.len())?;
        if data.len() > limit {
            let mut stream = CipherStream::new(self, socket, direction, iv)?;
            let mut out = stream.update(data)?;
            out.extend(stream.finish()?);
            return Ok(out);
        }
        let control = first_part_control(direction, iv);
        transform::send_whole(&socket, &[IoSlice::new(data)], &control, 0)?;
        let mut out = vec![0; data.len()];
        transform::read_exact(&socket, &mut out)?;
        Ok(out)
    }

    /// Many operations, each `(iv, data)` a message of its own, in two system
    /// calls per 64 of them (kcrypto only): an operation socket in record
    /// mode (`KCRYPTO_SET_RECORDS`) takes one message per iovec of a
    /// `sendmsg`, its IV first, and one request runs them all; one `recvmsg`
    /// returns their outputs. The fast path for many small messages.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use kcrypto::{Cipher, Direction};
    ///
    /// let aes = Cipher::with_key("cbc(aes)", &[0x2b; 16])?;
    /// let (a, b) = ([1u8; 16], [2u8; 16]);
    /// let outs = aes.crypt_many(Direction::Encrypt, &[(&a, &[0x6b; 64]), (&b, &[0; 16])])?;
    /// assert_eq!(outs[0], aes.encrypt(&a, &[0x6b; 64])?);
    /// # Ok::<(), kcrypto::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NoKey`] without a key, [`Error::InvalidArgument`] for an IV
    /// of the wrong length (all must have the same), a message with no data
    /// or of a length the algorithm cannot take, `EOPNOTSUPP`/`ENOPROTOOPT`
    /// from AF_ALG, which has no record mode, and the errors of the system
    /// calls.
    pub fn crypt_many(
        &self,
        direction: Direction,
        messages: &[(&[u8], &[u8])],
    ) -> Result<Vec<Vec<u8>>> {
        let Some(((iv, data), rest)) = messages.split_first() else {
            return Ok(Vec::new());
        };
        if rest.iter().any(|(other, _)| other.len() != iv.len()) || data.is_empty() {
            return Err(Error::InvalidArgument);
        }
        // The kernel checks the length of an ALG_SET_IV but cannot tell a
        // record's IV from its data: the first message, sent as a message,
        // checks the length for all.
        let mut outs = Vec::with_capacity(messages.len());
        outs.push(self.crypt(direction, iv, data)?);
        if rest.is_empty() {
            return Ok(outs);
        }
        let messages = rest;
        let op = self.socket.accept()?;
        op.set_option_int(SOL_ALG, KCRYPTO_SET_RECORDS, 1)?;
        let total: usize = messages.iter().map(|(_, data)| data.len()).sum();
        // The records' IVs (at least a byte each) and lengths count besides their data.
        let spare = MAX_RECORDS * (iv.len().max(1) + charge::RECORD);
        let limit = transform::grow_send_limit(&op, total + spare)?.saturating_sub(spare);
        let control = [Control::Op(direction.op())];
        let mut rest = messages;
        while !rest.is_empty() {
            let count = transform::records_that_fit(rest.iter().map(|(_, data)| data.len()), limit);
            let (batch, next) = rest.split_at(count);
            let bytes: usize = batch.iter().map(|(_, data)| data.len()).sum();
            let records: Vec<Vec<u8>> = batch
                .iter()
                .map(|(iv, data)| [*iv, *data].concat())
                .collect();
            let slices: Vec<IoSlice<'_>> = records.iter().map(|r| IoSlice::new(r)).collect();
            transform::send_whole(&op, &slices, &control, 0)?;
            let mut out: Vec<Vec<u8>> = batch.iter().map(|(_, data)| vec![0; data.len()]).collect();
            let mut bufs: Vec<IoSliceMut<'_>> =
                out.iter_mut().map(|o| IoSliceMut::new(o)).collect();
            let (len, _) = op.recv_vectored(&mut bufs, 0)?;
            if len != bytes {
                return Err(Error::StateLost);
            }
            outs.extend(out);
            rest = next;
        }
        Ok(outs)
    }

    /// A streaming encryption with `iv`.
    ///
    /// # Errors
    ///
    /// Those of `accept()` and `getsockopt(SO_SNDBUF)`.
    pub fn encryptor(&self, iv: &[u8]) -> Result<CipherStream> {
        CipherStream::new(self, self.socket.accept()?, Direction::Encrypt, iv)
    }

    /// A streaming decryption with `iv`.
    ///
    /// # Errors
    ///
    /// As [`Cipher::encryptor`].
    pub fn decryptor(&self, iv: &[u8]) -> Result<CipherStream> {
        CipherStream::new(self, self.socket.accept()?, Direction::Decrypt, iv)
    }
}

/// The control messages of an operation's first part: the direction, and the
/// IV unless it is empty (algorithms without IV, such as `ecb(...)`).
fn first_part_control(direction: Direction, iv: &[u8]) -> Vec<Control<'_>> {
    let mut control = vec![Control::Op(direction.op())];
    if !iv.is_empty() {
        control.push(Control::Iv(iv));
    }
    control
}

/// Whether AF_ALG gets `algorithm` right when it processes a message in
/// pieces (whenever output is read before the last part): block modes that
/// carry their state from block to block in the IV. By name: the generic
/// template (`cbc(`, `ecb(`, `ctr(`) or a driver named after it (`cbc-aes-aesni`).
fn chains_by_block(algorithm: &str) -> bool {
    let name = algorithm.to_ascii_lowercase();
    ["cbc", "ecb", "ctr"]
        .iter()
        .any(|mode| name.starts_with(&format!("{mode}(")) || name.starts_with(&format!("{mode}-")))
}

/// One streaming cipher operation: an operation socket fed in parts.
///
/// [`update`](CipherStream::update) sends its input as parts with `MSG_MORE`
/// (each a multiple of [`PART_ALIGN`] bytes, at least [`PART_MIN`] and at
/// most [`PART_MAX`]; the rest waits here for more input) and returns the output that had to be read to
/// make room; [`finish`](CipherStream::finish) sends the last part and
/// returns the rest. The output, concatenated, is the one-shot result over
/// the concatenated input.
///
/// The stream keeps what the kernel holds (input not yet read back as
/// output) within the socket buffer: before a part would overflow it, or
/// when kcrypto refuses a part with `EAGAIN` (too much or too many results
/// unread), the output ready so far is read (without waiting). If nothing is ready
/// (kcrypto holds the whole input of algorithms that do not chain across
/// parts, such as `xts` or `chacha20`, until the last part), the socket
/// buffer is raised as far as the kernel allows, then
/// [`Error::MessageTooLong`] is returned.
///
/// On the in-kernel AF_ALG every read of output processes what has been sent
/// so far as a request of its own, which is right only for algorithms that
/// carry their state over in the IV (`cbc`, `ecb`, `ctr`). For the others
/// (`xts`, `chacha20`, ...) a stream on AF_ALG never reads before the last
/// part: it raises the socket buffer to hold the whole message instead
/// (with `CAP_NET_ADMIN`, any size; else up to `net.core.wmem_max`) and
/// fails with [`Error::MessageTooLong`] beyond, rather than give wrong
/// output. kcrypto gives the one-shot result for every algorithm, with
/// output read as it comes for those that chain.
///
/// # Examples
///
/// ```no_run
/// use kcrypto::Cipher;
///
/// let ctr = Cipher::with_key("ctr(aes)", &[7; 32])?;
/// let iv = [0u8; 16];
/// let mut enc = ctr.encryptor(&iv)?;
/// let mut ct = enc.update(b"streamed ")?;
/// ct.extend(enc.update(b"in parts")?);
/// ct.extend(enc.finish()?);
/// assert_eq!(ct, ctr.encrypt(&iv, b"streamed in parts")?);
/// # Ok::<(), kcrypto::Error>(())
/// ```
#[derive(Debug)]
pub struct CipherStream {
    socket: Socket,
    direction: Direction,
    iv: Vec<u8>,
    started: bool,
    pending: Vec<u8>,
    sent: usize,
    received: usize,
    limit: usize,
    lost: bool,
    /// Whether output may be read before the last part (see the type's
    /// documentation).
    read_early: bool,
}

impl CipherStream {
    fn new(
        cipher: &Cipher,
        socket: Socket,
        direction: Direction,
        iv: &[u8],
    ) -> Result<CipherStream> {
        let limit = transform::send_limit(&socket)?;
        transform::grow_receive_buffer(&socket, limit + PART_MAX);
        Ok(CipherStream {
            read_early: cipher.family != Family::AF_ALG || chains_by_block(&cipher.algorithm),
            socket,
            direction,
            iv: iv.to_vec(),
            started: false,
            pending: Vec::new(),
            sent: 0,
            received: 0,
            limit,
            lost: false,
        })
    }

    /// Feeds `data`; returns the output read to make room (possibly empty).
    ///
    /// # Errors
    ///
    /// [`Error::StateLost`] after an earlier failure,
    /// [`Error::MessageTooLong`] when the kernel must hold more than the
    /// socket buffer allows, and the errors of the system calls (after which
    /// the stream is unusable).
    pub fn update(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        if self.lost {
            return Err(Error::StateLost);
        }
        let mut out = Vec::new();
        self.pending.extend_from_slice(data);
        let ready = if self.pending.len() < PART_MIN {
            0
        } else {
            self.pending.len() / PART_ALIGN * PART_ALIGN
        };
        let mut pos = 0;
        while pos < ready {
            let len = (ready - pos).min(self.part_size());
            let result = self.send_part(pos, len, true, &mut out);
            self.check(result)?;
            pos += len;
        }
        self.pending.drain(..ready);
        Ok(out)
    }

    /// Sends the last part; returns the rest of the output.
    ///
    /// # Errors
    ///
    /// As [`CipherStream::update`]; [`Error::InvalidArgument`] if the
    /// total length is one the algorithm cannot take.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        if self.lost {
            return Err(Error::StateLost);
        }
        let mut out = Vec::new();
        let len = self.pending.len();
        let result = self.send_part(0, len, false, &mut out);
        self.check(result)?;
        let start = out.len();
        out.resize(start + (self.sent - self.received), 0);
        transform::read_exact(&self.socket, &mut out[start..])?;
        Ok(out)
    }

    /// Bytes sent to the kernel so far.
    pub fn bytes_sent(&self) -> usize {
        self.sent
    }

    /// The operation socket, for operations this API does not cover.
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// A part's size: well within the socket buffer.
    fn part_size(&self) -> usize {
        (self.limit / 2 / PART_ALIGN * PART_ALIGN).clamp(PART_ALIGN, PART_MAX)
    }

    /// Marks the stream lost if `result` failed.
    fn check<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.is_err() {
            self.lost = true;
        }
        result
    }

    /// Sends `pending[start..start + len]` (the direction and IV with the
    /// first part), after making room for it; appends output read to `out`.
    fn send_part(&mut self, start: usize, len: usize, more: bool, out: &mut Vec<u8>) -> Result<()> {
        // AF_ALG copies only while a page is free: keep one free whatever
        // the length (kcrypto needs just the length).
        let need = len.max(PAGE);
        let flags = if more { MSG_MORE } else { 0 };
        loop {
            if self.sent - self.received + need > self.limit {
                self.make_room(need, out)?;
                continue;
            }
            let control = if self.started {
                Vec::new()
            } else {
                first_part_control(self.direction, &self.iv)
            };
            let part = [IoSlice::new(&self.pending[start..start + len])];
            match self.socket.send_msg(&part, &control, flags) {
                Ok(sent) if sent == len => {
                    self.started = true;
                    self.sent += len;
                    return Ok(());
                }
                // AF_ALG keeps what it took of a short send: the operation
                // cannot be completed correctly.
                Ok(_) => return Err(Error::StateLost),
                // kcrypto takes a part whole or not at all: EAGAIN when the
                // socket holds too much (or too many results) until output
                // is read.
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.make_room(need, out)?;
                }
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// Makes room for a part of `need` bytes: reads the output that is
    /// ready, or else raises the socket buffer; [`Error::MessageTooLong`]
    /// when neither is possible.
    fn make_room(&mut self, need: usize, out: &mut Vec<u8>) -> Result<()> {
        if self.read_early && self.read_ready(out)? > 0 {
            return Ok(());
        }
        let want = (self.sent - self.received + need).max(self.limit.saturating_mul(2));
        let limit = transform::grow_send_limit(&self.socket, want)?;
        if limit <= self.limit {
            return Err(Error::MessageTooLong);
        }
        self.limit = limit;
        transform::grow_receive_buffer(&self.socket, limit + PART_MAX);
        Ok(())
    }

    /// Reads the output that is ready, without waiting; returns its length.
    fn read_ready(&mut self, out: &mut Vec<u8>) -> Result<usize> {
        let start = out.len();
        out.resize(start + (self.sent - self.received), 0);
        let mut got = 0;
        loop {
            let len = transform::read_ready(&self.socket, &mut out[start + got..])?;
            got += len;
            if len == 0 || start + got == out.len() {
                break;
            }
        }
        out.truncate(start + got);
        self.received += got;
        Ok(got)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_chaining_modes_are_known_by_name() {
        for name in [
            "cbc(aes)",
            "ECB(aes)",
            "ctr(aes)",
            "cbc-aes-aesni",
            "ctr(aes-generic)",
        ] {
            assert!(chains_by_block(name), "{name}");
        }
        for name in [
            "xts(aes)",
            "chacha20",
            "cts(cbc(aes))",
            "rfc3686(ctr(aes))",
            "xctr(aes)",
            "ctraes",
        ] {
            assert!(!chains_by_block(name), "{name}");
        }
    }

    #[test]
    fn directions_are_alg_set_op_values() {
        assert_eq!(Direction::Encrypt.op(), 1);
        assert_eq!(Direction::Decrypt.op(), 0);
    }
}
