// SPDX-License-Identifier: GPL-2.0

//! The operation types a socket can be bound to, one file each.
//!
//! A type has two halves: the transform of a bound socket (algorithm and key, shared by every
//! operation socket accepted from it) and the operation of an accepted socket (the data and
//! state of one request stream, owned by that socket alone).
//!
//! A transform never changes under an operation: while operation sockets are open, their bound
//! socket refuses new keys (`EBUSY`, as AF_ALG), and a new key always goes into a new crypto API
//! transform, so even a refused key cannot leave a half-keyed transform in use.

pub(crate) mod aead;
pub(crate) mod akcipher;
pub(crate) mod hash;
pub(crate) mod output;
pub(crate) mod rng;
pub(crate) mod skcipher;

use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::{prelude::*, str::CStr, sync::Arc};

use crate::{
    buffer::{PageBuf, SecretBuf},
    crypto::{self, request::REQUEST_FOOTPRINT, Direction, Served},
    errno::Errno,
    limits,
    msg::{Control, Msg, MSG_MORE},
    policy,
};

/// `CRYPTO_ALG_ASYNC`: the implementation may complete requests asynchronously.
const CRYPTO_ALG_ASYNC: u32 = 0x80;
/// `CRYPTO_ALG_KERN_DRIVER_ONLY`: in `salg_feat`/`salg_mask`, kcrypto's driver class.
const CRYPTO_ALG_KERN_DRIVER_ONLY: u32 = 0x1000;

/// Which implementations a socket may be served by, from the bind address's
/// `salg_feat`/`salg_mask` (`CRYPTO_ALG_KERN_DRIVER_ONLY` in the mask selects a class).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// The highest-priority implementation, whatever it runs on.
    Any,
    /// Synchronous implementations on the CPU only.
    Software,
    /// Off-CPU implementations only (see `src/drivers.c`).
    Hardware,
}

impl Class {
    pub(crate) fn from_flags(feat: u32, mask: u32) -> Self {
        match (
            mask & CRYPTO_ALG_KERN_DRIVER_ONLY != 0,
            feat & CRYPTO_ALG_KERN_DRIVER_ONLY != 0,
        ) {
            (false, _) => Class::Any,
            (true, false) => Class::Software,
            (true, true) => Class::Hardware,
        }
    }
}

/// The algorithm a socket was bound to, kept to allocate a fresh transform for each key.
pub(crate) struct Algorithm {
    /// NUL-terminated generic or driver name.
    name: KVec<u8>,
    /// The `salg_type`, as the crypto API's algorithm list is searched by it.
    kind: &'static CStr,
    class: Class,
}

impl Algorithm {
    /// Remembers `name` of type `kind` with the bind address's `salg_feat`/`salg_mask` flags.
    pub(crate) fn new(name: &CStr, kind: &'static CStr, feat: u32, mask: u32) -> Result<Self> {
        let mut copy = KVec::with_capacity(name.len() + 1, GFP_KERNEL)?;
        copy.extend_from_slice(name.as_bytes_with_nul(), GFP_KERNEL)?;
        Ok(Self {
            name: copy,
            kind,
            class: Class::from_flags(feat, mask),
        })
    }

    /// The class of implementations the socket may be served by.
    pub(crate) fn class(&self) -> Class {
        self.class
    }

    /// Allocates a transform of the socket's class with `new(name, type, mask)`, served by an
    /// implementation the policy allows ([`policy::may_serve`]).
    pub(crate) fn alloc<T: Served>(&self, new: impl Fn(&CStr, u32, u32) -> Result<T>) -> Result<T> {
        let name = CStr::from_bytes_with_nul(&self.name).map_err(|_| EINVAL)?;
        let mask = match self.class {
            Class::Any => 0,
            Class::Software => CRYPTO_ALG_ASYNC | CRYPTO_ALG_KERN_DRIVER_ONLY,
            Class::Hardware => {
                let driver = crypto::find_hardware(name, self.kind)?;
                return new(driver_name(&driver)?, 0, 0);
            }
        };
        let tfm = new(name, 0, mask)?;
        if policy::may_serve(tfm.served_by().driver()) {
            return Ok(tfm);
        }
        // Someone else instantiated a refused construction that outranks the plain
        // implementation (IPsec's or root's pcrypt(gcm(aes)), say): take the best one allowed.
        drop(tfm);
        let software = self.class == Class::Software;
        let driver = crypto::find_servable(name, self.kind, software)?;
        new(driver_name(&driver)?, 0, mask)
    }
}

/// The NUL-terminated name at the start of `buf`.
fn driver_name(buf: &[u8]) -> Result<&CStr> {
    let end = buf.iter().position(|&b| b == 0).ok_or(EINVAL)?;
    CStr::from_bytes_with_nul(&buf[..=end]).map_err(|_| EINVAL)
}

/// Counts the operation sockets open on a transform.
pub(crate) struct Children(Arc<AtomicUsize>);

impl Children {
    pub(crate) fn new() -> Result<Self> {
        Ok(Self(Arc::new(AtomicUsize::new(0), GFP_KERNEL_ACCOUNT)?))
    }

    /// `EBUSY` while operation sockets are open.
    pub(crate) fn check_none(&self) -> Result {
        if self.0.load(Ordering::Acquire) != 0 {
            return Err(EBUSY);
        }
        Ok(())
    }

    /// Counts one more operation socket, until the returned token is dropped.
    pub(crate) fn add(&self) -> Child {
        self.0.fetch_add(1, Ordering::Relaxed);
        Child(self.0.clone())
    }
}

/// One open operation socket, counted in its transform's [`Children`].
pub(crate) struct Child(Arc<AtomicUsize>);

impl Child {
    /// Counts another operation socket on the same transform.
    pub(crate) fn sibling(&self) -> Child {
        self.0.fetch_add(1, Ordering::Relaxed);
        Child(self.0.clone())
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Release);
    }
}

/// An `ALG_SET_OP` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// `ALG_OP_DECRYPT`, `ALG_OP_ENCRYPT`.
    Cipher(Direction),
    /// `KCRYPTO_OP_SIGN`: refused, kcrypto holds no private keys.
    Sign,
    /// `KCRYPTO_OP_VERIFY`.
    Verify,
}

/// The settings a message's control messages carry, all optional.
#[derive(Default)]
pub(crate) struct Settings<'a> {
    pub(crate) op: Option<Op>,
    pub(crate) iv: Option<&'a [u8]>,
    pub(crate) assoc_len: Option<u32>,
}

impl<'a> Settings<'a> {
    /// Reads the `SOL_ALG` control messages of `msg`; `EINVAL` for a malformed one.
    pub(crate) fn parse(msg: &Msg<'a>) -> Result<Self> {
        let mut settings = Self::default();
        let mut cmsgs = msg.control()?;
        while let Some(control) = cmsgs.next_alg() {
            match control? {
                Control::Op(0) => settings.op = Some(Op::Cipher(Direction::Decrypt)),
                Control::Op(1) => settings.op = Some(Op::Cipher(Direction::Encrypt)),
                Control::Op(2) => settings.op = Some(Op::Sign),
                Control::Op(_) => settings.op = Some(Op::Verify),
                Control::Iv(iv) => settings.iv = Some(iv),
                Control::AssocLen(len) => settings.assoc_len = Some(len),
            }
        }
        Ok(settings)
    }

    /// Whether any setting was given.
    pub(crate) fn is_empty(&self) -> bool {
        self.op.is_none() && self.iv.is_none() && self.assoc_len.is_none()
    }

    /// The direction of a symmetric cipher; `EINVAL` for a public-key operation.
    pub(crate) fn direction(&self) -> Result<Option<Direction>> {
        match self.op {
            None => Ok(None),
            Some(Op::Cipher(direction)) => Ok(Some(direction)),
            Some(Op::Sign | Op::Verify) => Err(EINVAL),
        }
    }
}

/// The most memory a message of `in_len` input and `out_len` output bytes takes until its
/// result is read: both in whole pages, and its request.
pub(crate) fn message_footprint(in_len: usize, out_len: usize) -> usize {
    PageBuf::footprint_of(in_len) + PageBuf::footprint_of(out_len) + REQUEST_FOOTPRINT
}

/// Checks that a message taking `need` bytes of memory fits in a socket whose results take
/// `held` and which may hold `bound` (its send buffer): `EMSGSIZE` if it never could, `EAGAIN`
/// until results already there are read.
pub(crate) fn check_room(need: usize, held: usize, bound: usize) -> Result {
    if need > bound {
        return Err(crate::errno::Errno::MessageSize.into());
    }
    if held.saturating_add(need) > bound {
        return Err(EAGAIN);
    }
    Ok(())
}

/// The most records one `sendmsg` takes in record mode.
pub(crate) const MAX_RECORDS: usize = 64;

/// The records of one `sendmsg` in record mode (`KCRYPTO_SET_RECORDS`): every iovec a whole
/// message, its IV first.
pub(crate) struct Records {
    lens: [usize; MAX_RECORDS],
    count: usize,
    iv_size: usize,
}

/// The sizes of a `sendmsg` of records: their data and their outputs, in all, and each
/// record's output.
pub(crate) struct RecordSizes {
    pub(crate) data: usize,
    pub(crate) output: usize,
    outputs: [u32; MAX_RECORDS],
    count: usize,
}

impl RecordSizes {
    /// Each record's output length, in order.
    pub(crate) fn outputs(&self) -> &[u32] {
        self.outputs.get(..self.count).unwrap_or(&[])
    }
}

impl Records {
    /// The records of `msg`, each with an IV of `iv_size` bytes: at most [`MAX_RECORDS`]
    /// (`EMSGSIZE`); `MSG_MORE` or an `ALG_SET_IV` is `EINVAL` (each record brings its IV).
    pub(crate) fn of(msg: &Msg<'_>, settings: &Settings<'_>, iv_size: usize) -> Result<Self> {
        if msg.flags() & MSG_MORE != 0 || settings.iv.is_some() {
            return Err(EINVAL);
        }
        let mut lens = [0usize; MAX_RECORDS];
        let count = msg.segments(&mut lens)?;
        Ok(Self {
            lens,
            count,
            iv_size,
        })
    }

    fn lens(&self) -> &[usize] {
        self.lens.get(..self.count).unwrap_or(&[])
    }

    /// Whether there are none (a `sendmsg` without iovecs).
    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The bytes of the `sendmsg`, IVs included.
    pub(crate) fn bytes(&self) -> usize {
        self.lens().iter().sum()
    }

    /// Checks every record before any data is taken: `EINVAL` for one shorter than its IV or
    /// without data, `EMSGSIZE` for one over `max_op_bytes`, and whatever `output` (the
    /// length of a record's output from that of its data) refuses.
    pub(crate) fn sizes(&self, output: impl Fn(usize) -> Result<usize>) -> Result<RecordSizes> {
        let mut sizes = RecordSizes {
            data: 0,
            output: 0,
            outputs: [0; MAX_RECORDS],
            count: self.count,
        };
        for (&len, slot) in self.lens().iter().zip(sizes.outputs.iter_mut()) {
            let data = len.checked_sub(self.iv_size).ok_or(EINVAL)?;
            if data == 0 {
                // Nothing for a request to read: send an empty message as a message.
                return Err(EINVAL);
            }
            if data as u64 > limits::max_op_bytes() {
                return Err(Errno::MessageSize.into());
            }
            let out = output(data)?;
            *slot = u32::try_from(out).map_err(|_| Errno::MessageSize)?;
            sizes.output += out;
            sizes.data += data;
        }
        Ok(sizes)
    }

    /// The memory the records take besides their data and output (see
    /// [`message_footprint`]): their IVs and lengths.
    pub(crate) fn footprint(&self) -> usize {
        self.count * (self.iv_size.max(1) + core::mem::size_of::<u32>())
    }

    /// Copies the records in from `msg`: their IVs one after another, their data into one
    /// buffer, and each one's data length (checked by [`Self::sizes`]).
    pub(crate) fn take(&self, msg: &mut Msg<'_>) -> Result<(SecretBuf, PageBuf, KVec<u32>)> {
        let iv_size = self.iv_size;
        let mut ivs = SecretBuf::zeroed(self.count.checked_mul(iv_size).ok_or(EINVAL)?.max(1))?;
        let mut data = PageBuf::new();
        let mut records = KVec::with_capacity(self.count, GFP_KERNEL_ACCOUNT)?;
        for (i, &len) in self.lens().iter().enumerate() {
            let iv = ivs.get_mut(i * iv_size..(i + 1) * iv_size).ok_or(EINVAL)?;
            msg.copy_from(iv)?;
            let record = len.checked_sub(iv_size).ok_or(EINVAL)?;
            data.append_from(msg, record)?;
            records.push(
                u32::try_from(record).map_err(|_| EINVAL)?,
                GFP_KERNEL_ACCOUNT,
            )?;
        }
        Ok((ivs, data, records))
    }
}
