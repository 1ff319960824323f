// SPDX-License-Identifier: GPL-2.0

//! Random number generators: sockets of type `"rng"`.

use std::io;

use crate::error::{Error, Result};
use crate::family::Family;
use crate::socket::{ALG_SET_DRBG_ENTROPY, SOL_ALG, Socket};
use crate::transform;

/// The most bytes asked for in one read (kcrypto gives up to 4096 per call,
/// AF_ALG 128; both may give less, the loop asks again).
const READ_MAX: usize = 4096;

/// A kernel random number generator (`stdrng`, `drbg_nopr_hmac_sha256`,
/// `drbg_pr_ctr_aes128`, `jitterentropy_rng`, ...).
///
/// [`fill`](Rng::fill) reads as many times as it takes; `Rng` is also an
/// [`io::Read`] that never ends. A DRBG that has not been seeded is seeded
/// from the kernel's entropy (an empty seed) the first time it is used;
/// [`seed`](Rng::seed) sets a seed of your own (a DRBG mixes it in as
/// personalisation data).
///
/// # Examples
///
/// ```no_run
/// use std::io::Read;
/// use kcrypto::Rng;
///
/// let mut rng = Rng::new("stdrng")?;
/// let mut key = [0u8; 32];
/// rng.fill(&mut key)?;
/// let mut more = Vec::new();
/// rng.by_ref().take(1000).read_to_end(&mut more)?;
/// assert_eq!(more.len(), 1000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Rng {
    socket: Socket,
    op: Option<Socket>,
    family: Family,
    algorithm: String,
    seeded: bool,
}

impl Rng {
    /// Binds `algorithm` in the family [`Family::discover`] finds.
    ///
    /// # Errors
    ///
    /// The errors of [`Family::discover`] and of [`Rng::open`].
    pub fn new(algorithm: &str) -> Result<Rng> {
        Rng::open(Family::discover()?, algorithm)
    }

    /// Binds `algorithm` in `family`.
    ///
    /// # Errors
    ///
    /// [`Error::FamilyNotRegistered`], [`Error::NotFound`] (no such
    /// algorithm, or a family without the `rng` type),
    /// [`Error::NameTooLong`], [`Error::InvalidArgument`].
    pub fn open(family: Family, algorithm: &str) -> Result<Rng> {
        Ok(Rng {
            socket: transform::bind(family, "rng", algorithm)?,
            op: None,
            family,
            algorithm: algorithm.to_owned(),
            seeded: false,
        })
    }

    /// (Re)seeds the generator (`ALG_SET_KEY`, `crypto_rng_reset`). A DRBG
    /// takes any length, including none (fresh kernel entropy only).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a seed the algorithm refuses,
    /// [`Error::MessageTooLong`] above 1024 bytes (kcrypto).
    pub fn seed(&mut self, seed: &[u8]) -> Result<()> {
        // The key of a transform cannot change while operation sockets exist.
        self.op = None;
        self.socket.set_key(seed)?;
        self.seeded = true;
        Ok(())
    }

    /// Sets the entropy a DRBG uses at its next seeding, for CAVP-style
    /// tests (`ALG_SET_DRBG_ENTROPY`; needs `CAP_SYS_ADMIN`). Follow it with
    /// [`Rng::seed`].
    ///
    /// # Errors
    ///
    /// [`Error::PermissionDenied`] (`EPERM`) without the capability,
    /// [`Error::NotSupported`] for an algorithm that takes no entropy input,
    /// [`Error::Other`] with `ENOPROTOOPT` where the kernel lacks the option.
    pub fn set_entropy(&mut self, entropy: &[u8]) -> Result<()> {
        self.op = None;
        Ok(self
            .socket
            .set_option(SOL_ALG, ALG_SET_DRBG_ENTROPY, entropy)?)
    }

    /// Fills `buf` with random bytes, reading as often as needed.
    ///
    /// # Errors
    ///
    /// The errors of `accept()` and `recv()`.
    pub fn fill(&mut self, buf: &mut [u8]) -> Result<()> {
        let mut done = 0;
        while done < buf.len() {
            let end = buf.len().min(done + READ_MAX);
            let len = self.read_some(&mut buf[done..end])?;
            if len == 0 {
                return Err(Error::Other(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the generator returned no bytes",
                )));
            }
            done += len;
        }
        Ok(())
    }

    /// `len` random bytes.
    ///
    /// # Errors
    ///
    /// As [`Rng::fill`].
    pub fn bytes(&mut self, len: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0; len];
        self.fill(&mut buf)?;
        Ok(buf)
    }

    /// The algorithm name this generator is bound to.
    pub fn algorithm(&self) -> &str {
        &self.algorithm
    }

    /// The socket family this generator uses.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The transform socket, for operations this API does not cover.
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// One read of at most `buf.len()` bytes. An unseeded DRBG refuses to
    /// generate (`EINVAL` on AF_ALG): it is seeded with an empty seed once
    /// and asked again.
    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize> {
        match self.read_once(buf) {
            Err(Error::InvalidArgument) if !self.seeded => {
                self.seed(&[])?;
                self.read_once(buf)
            }
            result => result,
        }
    }

    fn read_once(&mut self, buf: &mut [u8]) -> Result<usize> {
        let op = match &self.op {
            Some(op) => op,
            None => self.op.insert(self.socket.accept()?),
        };
        let len = transform::read_expected(op, buf)?;
        self.seeded = true;
        Ok(len)
    }
}

impl io::Read for Rng {
    /// Random bytes: a full buffer (as far as one kernel read gives), never
    /// end of file.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let end = buf.len().min(READ_MAX);
        Ok(self.read_some(&mut buf[..end])?)
    }
}
