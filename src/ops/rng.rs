// SPDX-License-Identifier: GPL-2.0

//! The `rng` type: random number generators (`stdrng`, `drbg_*`).
//!
//! Every operation socket of a bound socket draws from the same generator. `ALG_SET_KEY` seeds
//! a new generator (from the system when no key is set); `ALG_SET_DRBG_ENTROPY` fixes the
//! entropy of the next seeding, for CAVP testing, and needs `CAP_SYS_ADMIN`.

use kernel::{prelude::*, sync::Arc};

use super::{Algorithm, Child, Children};
use crate::crypto::AlgInfo;
use crate::{buffer::SecretBuf, crypto::rng::Rng, errno::Errno, msg::Msg};

/// The most bytes one `recvmsg` returns (AF_ALG: 128).
pub(crate) const MAX_READ: usize = 4096;

/// The transform of a socket bound to a random number generator.
pub(crate) struct RngTransform {
    alg: Algorithm,
    tfm: Arc<Rng>,
    entropy: Option<SecretBuf>,
    children: Children,
}

impl RngTransform {
    /// The implementation serving this socket.
    pub(crate) fn info(&self) -> AlgInfo {
        self.tfm.info()
    }

    /// Binds to a generator seeded from the system.
    pub(crate) fn new(alg: Algorithm) -> Result<Self> {
        let mut tfm = alg.alloc(Rng::new)?;
        tfm.seed(&[])?;
        Ok(Self {
            alg,
            tfm: Arc::new(tfm, GFP_KERNEL_ACCOUNT)?,
            entropy: None,
            children: Children::new()?,
        })
    }

    /// Seeds a new generator with `seed` (and the test entropy, if set); `EBUSY` while
    /// operation sockets are open.
    pub(crate) fn set_key(&mut self, seed: &[u8]) -> Result {
        self.children.check_none()?;
        let mut tfm = self.alg.alloc(Rng::new)?;
        if let Some(entropy) = &self.entropy {
            tfm.set_entropy(entropy)?;
        }
        tfm.seed(seed)?;
        self.tfm = Arc::new(tfm, GFP_KERNEL_ACCOUNT)?;
        Ok(())
    }

    /// Sets the entropy the next `ALG_SET_KEY` seeds with; `EPERM` without `CAP_SYS_ADMIN`,
    /// `EOPNOTSUPP` for a generator that takes none.
    pub(crate) fn set_entropy(&mut self, entropy: &[u8]) -> Result {
        self.children.check_none()?;
        // Checked on a scratch generator, so a refusal comes now rather than at seeding.
        self.alg.alloc(Rng::new)?.set_entropy(entropy)?;
        let mut copy = SecretBuf::zeroed(entropy.len())?;
        copy.copy_from_slice(entropy);
        self.entropy = Some(copy);
        Ok(())
    }

    pub(crate) fn accept(&self) -> RngOp {
        RngOp {
            tfm: self.tfm.clone(),
            _child: self.children.add(),
        }
    }
}

/// The state of an operation socket bound to a random number generator.
pub(crate) struct RngOp {
    tfm: Arc<Rng>,
    _child: Child,
}

impl RngOp {
    /// The implementation serving this socket.
    pub(crate) fn info(&self) -> AlgInfo {
        self.tfm.info()
    }

    /// Writes up to [`MAX_READ`] random bytes into `msg`.
    pub(crate) fn receive(&mut self, msg: &mut Msg<'_>, len: usize) -> Result<usize> {
        let len = len.min(MAX_READ);
        if len == 0 {
            return Ok(0);
        }
        let mut buf = SecretBuf::zeroed(len)?;
        self.tfm.fill(&mut buf)?;
        msg.copy_to(&buf)?;
        Ok(len)
    }

    /// Generators take no input.
    pub(crate) fn send(&mut self, _msg: &mut Msg<'_>) -> Result<usize> {
        Err(Errno::NotSupported.into())
    }
}
