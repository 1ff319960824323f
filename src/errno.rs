// SPDX-License-Identifier: GPL-2.0

//! Error codes kcrypto returns that the 6.12 `kernel` crate does not name.
//!
//! Userspace sees the same numbers AF_ALG uses for the same conditions.

use kernel::{bindings, error::Error};

/// An errno missing from [`kernel::error::code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Errno {
    /// A name (algorithm, type) is longer than the crypto API accepts.
    NameTooLong = bindings::ENAMETOOLONG,
    /// A message exceeds a size limit.
    MessageSize = bindings::EMSGSIZE,
    /// The operation is not supported by this socket or algorithm.
    NotSupported = bindings::EOPNOTSUPP,
    /// A keyed algorithm was used before a key was set.
    NoKey = bindings::ENOKEY,
    /// An address names a family this socket does not belong to.
    AddressFamily = bindings::EAFNOSUPPORT,
    /// No such option at this level, or not in this socket's state (as AF_ALG).
    NoProtocolOption = bindings::ENOPROTOOPT,
    /// A message failed authentication (an AEAD tag did not match).
    BadMessage = bindings::EBADMSG,
    /// A driver did not complete a request in time.
    TimedOut = bindings::ETIMEDOUT,
}

impl Errno {
    /// Every variant, for tests.
    #[cfg(CONFIG_KUNIT = "y")]
    const ALL: [Errno; 8] = [
        Errno::NameTooLong,
        Errno::MessageSize,
        Errno::NotSupported,
        Errno::NoKey,
        Errno::AddressFamily,
        Errno::NoProtocolOption,
        Errno::BadMessage,
        Errno::TimedOut,
    ];
}

impl From<Errno> for Error {
    fn from(errno: Errno) -> Error {
        // All variants are positive errnos below `MAX_ERRNO`, the range `from_errno` accepts.
        Error::from_errno(-(errno as i32))
    }
}

#[cfg(CONFIG_KUNIT = "y")]
mod tests {
    use super::*;
    use kernel::error::code::EINVAL;

    kunit_case!(kcrypto_test_errno_mapping, |t| {
        for errno in Errno::ALL {
            let err = Error::from(errno);
            // `from_errno` turns numbers it does not accept into EINVAL.
            kunit_expect!(t, err != EINVAL, "{errno:?} collapsed to EINVAL");
            kunit_expect_eq!(t, err.to_errno(), -(errno as i32));
        }
    });
}
