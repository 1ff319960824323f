// SPDX-License-Identifier: GPL-2.0

//! The error type of the high-level API.

use std::{fmt, io};

/// A specialised [`Result`](std::result::Result) for kcrypto operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while talking to the socket family.
///
/// Errors the kernel returns are mapped from their errno to a variant; the
/// number stays available through [`Error::errno`]. Errors found before a
/// system call (a name that cannot fit, a family that is not there) use the
/// variant, and where one exists the errno, the kernel would have used.
///
/// # Examples
///
/// ```no_run
/// use kcrypto::{Error, Hash};
///
/// match Hash::new("no-such-algorithm") {
///     Err(Error::NotFound) => println!("the kernel has no such algorithm"),
///     Err(err) if err.is_unavailable() => println!("no socket family: {err}"),
///     Err(err) => println!("failed: {err} (errno {:?})", err.errno()),
///     Ok(_) => unreachable!(),
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The kcrypto module is not loaded (`/sys/module/kcrypto` does not
    /// exist) and `KCRYPTO_FAMILY` is not set.
    ModuleNotLoaded,
    /// kcrypto.ko is loaded but has no `family` parameter: it was built
    /// without the socket family.
    NoFamilyParameter,
    /// The family number read from `origin` is not a valid family.
    InvalidFamily {
        /// Where the value came from: the environment variable or the sysfs path.
        origin: &'static str,
        /// The value as read.
        value: String,
    },
    /// No socket family with this number is registered (`EAFNOSUPPORT` from
    /// `socket()`).
    FamilyNotRegistered {
        /// The family number that was tried.
        family: i32,
    },
    /// The algorithm or socket type does not exist (`ENOENT`).
    NotFound,
    /// The algorithm needs a key and none was set (`ENOKEY`).
    NoKey,
    /// Invalid argument (`EINVAL`): a bad key length, bad flags, a name with
    /// an interior NUL, ...
    InvalidArgument,
    /// The message is longer than the family accepts (`EMSGSIZE`).
    MessageTooLong,
    /// An algorithm or type name is too long (`ENAMETOOLONG`).
    NameTooLong,
    /// Out of socket buffer space or quota (`ENOBUFS`).
    NoBuffers,
    /// The operation is not supported by this socket or algorithm (`EOPNOTSUPP`).
    NotSupported,
    /// Not allowed (`EACCES` or `EPERM`, see [`Error::errno`]).
    PermissionDenied {
        /// `EACCES` or `EPERM`.
        errno: i32,
    },
    /// The transform is in use (`EBUSY`): a key can only be set while no
    /// operation socket exists.
    Busy,
    /// An earlier send on this operation socket failed or was cut short; the
    /// kernel has discarded the partial state (hash, cipher or AEAD
    /// operation), so no result can follow.
    StateLost,
    /// AEAD decryption found the tag wrong (`EBADMSG`): the ciphertext, the
    /// associated data, the IV or the key is not what was sealed. No
    /// plaintext is released.
    AuthenticationFailed,
    /// Any other error.
    Other(io::Error),
}

impl Error {
    /// Maps an errno (a positive number) to its variant.
    pub fn from_errno(errno: i32) -> Error {
        match errno {
            libc::ENOENT => Error::NotFound,
            libc::ENOKEY => Error::NoKey,
            libc::EINVAL => Error::InvalidArgument,
            libc::EMSGSIZE => Error::MessageTooLong,
            libc::ENAMETOOLONG => Error::NameTooLong,
            libc::ENOBUFS => Error::NoBuffers,
            libc::EOPNOTSUPP => Error::NotSupported,
            libc::EACCES | libc::EPERM => Error::PermissionDenied { errno },
            libc::EBUSY => Error::Busy,
            libc::EBADMSG => Error::AuthenticationFailed,
            _ => Error::Other(io::Error::from_raw_os_error(errno)),
        }
    }

    /// The errno behind this error, if it has one.
    pub fn errno(&self) -> Option<i32> {
        Some(match self {
            Error::ModuleNotLoaded
            | Error::NoFamilyParameter
            | Error::InvalidFamily { .. }
            | Error::StateLost => return None,
            Error::FamilyNotRegistered { .. } => libc::EAFNOSUPPORT,
            Error::NotFound => libc::ENOENT,
            Error::NoKey => libc::ENOKEY,
            Error::InvalidArgument => libc::EINVAL,
            Error::MessageTooLong => libc::EMSGSIZE,
            Error::NameTooLong => libc::ENAMETOOLONG,
            Error::NoBuffers => libc::ENOBUFS,
            Error::NotSupported => libc::EOPNOTSUPP,
            Error::PermissionDenied { errno } => *errno,
            Error::Busy => libc::EBUSY,
            Error::AuthenticationFailed => libc::EBADMSG,
            Error::Other(err) => return err.raw_os_error(),
        })
    }

    /// Whether the socket family itself is missing (module not loaded, built
    /// without the family, or the family not registered), as opposed to an
    /// error of a working family. Tests use this to skip.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Error::ModuleNotLoaded | Error::NoFamilyParameter | Error::FamilyNotRegistered { .. }
        )
    }
}

/// The symbolic name of the errnos this crate talks about.
pub(crate) fn errno_name(errno: i32) -> Option<&'static str> {
    Some(match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINTR => "EINTR",
        libc::EBADF => "EBADF",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EINVAL => "EINVAL",
        libc::ENOSYS => "ENOSYS",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::ENOTSOCK => "ENOTSOCK",
        libc::EMSGSIZE => "EMSGSIZE",
        libc::ENOPROTOOPT => "ENOPROTOOPT",
        libc::EPROTONOSUPPORT => "EPROTONOSUPPORT",
        libc::ESOCKTNOSUPPORT => "ESOCKTNOSUPPORT",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::EAFNOSUPPORT => "EAFNOSUPPORT",
        libc::ENOBUFS => "ENOBUFS",
        libc::EBADMSG => "EBADMSG",
        libc::EKEYREJECTED => "EKEYREJECTED",
        libc::ENOKEY => "ENOKEY",
        libc::EAGAIN => "EAGAIN",
        libc::EKEYREVOKED => "EKEYREVOKED",
        libc::EKEYEXPIRED => "EKEYEXPIRED",
        _ => return None,
    })
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Error::ModuleNotLoaded => {
                return write!(
                    f,
                    "the kcrypto module is not loaded ({} does not exist); \
                     load kcrypto.ko or set {} to a family number",
                    crate::family::MODULE_PATH,
                    crate::family::FAMILY_ENV
                );
            }
            Error::NoFamilyParameter => {
                return write!(
                    f,
                    "kcrypto.ko is loaded but has no socket family ({} does not exist)",
                    crate::family::FAMILY_PATH
                );
            }
            Error::InvalidFamily { origin, value } => {
                return write!(f, "{origin}: {value:?} is not a socket family number");
            }
            Error::FamilyNotRegistered { family } => {
                return write!(
                    f,
                    "socket family {family} is not registered in the running kernel (EAFNOSUPPORT)"
                );
            }
            Error::NotFound => "no such algorithm or socket type (ENOENT)",
            Error::NoKey => "the algorithm needs a key and none is set (ENOKEY)",
            Error::InvalidArgument => "invalid argument (EINVAL)",
            Error::MessageTooLong => "message too long (EMSGSIZE)",
            Error::NameTooLong => "name too long (ENAMETOOLONG)",
            Error::NoBuffers => "no buffer space or quota left (ENOBUFS)",
            Error::NotSupported => "operation not supported (EOPNOTSUPP)",
            Error::PermissionDenied { errno } => {
                return write!(
                    f,
                    "permission denied ({})",
                    errno_name(*errno).unwrap_or("EACCES")
                );
            }
            Error::Busy => "the transform has operation sockets open (EBUSY)",
            Error::StateLost => {
                "an earlier send failed or was cut short; the kernel discarded the operation's state"
            }
            Error::AuthenticationFailed => {
                "authentication failed: the data, associated data, IV or key is not what was sealed (EBADMSG)"
            }
            Error::Other(err) => {
                return match err.raw_os_error().and_then(errno_name) {
                    Some(name) => write!(f, "{} ({name})", strip_os_error(err)),
                    None => write!(f, "{err}"),
                };
            }
        };
        f.write_str(text)
    }
}

/// `io::Error`'s text without the " (os error N)" it appends.
fn strip_os_error(err: &io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Other(err) => err.source(),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    /// Maps an OS error through [`Error::from_errno`]; an `io::Error` that
    /// wraps an [`Error`] (see `From<Error> for io::Error`) is unwrapped.
    fn from(err: io::Error) -> Error {
        if let Some(errno) = err.raw_os_error() {
            return Error::from_errno(errno);
        }
        if err.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            if let Some(inner) = err.into_inner() {
                if let Ok(inner) = inner.downcast::<Error>() {
                    return *inner;
                }
            }
            // Unreachable: the inner error was checked to be an `Error`.
            return Error::Other(io::Error::other("kcrypto error lost in conversion"));
        }
        Error::Other(err)
    }
}

impl From<Error> for io::Error {
    /// Errors with an errno become that OS error (so `io::ErrorKind` works);
    /// the others are wrapped and come back unchanged through `From<io::Error>`.
    fn from(err: Error) -> io::Error {
        match err {
            Error::Other(err) => err,
            err => match err.errno() {
                Some(errno) if !matches!(err, Error::FamilyNotRegistered { .. }) => {
                    io::Error::from_raw_os_error(errno)
                }
                _ => io::Error::other(err),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_mapping_round_trips() {
        let cases = [
            (libc::ENOENT, "NotFound"),
            (libc::ENOKEY, "NoKey"),
            (libc::EINVAL, "InvalidArgument"),
            (libc::EMSGSIZE, "MessageTooLong"),
            (libc::ENAMETOOLONG, "NameTooLong"),
            (libc::ENOBUFS, "NoBuffers"),
            (libc::EOPNOTSUPP, "NotSupported"),
            (libc::EACCES, "PermissionDenied"),
            (libc::EPERM, "PermissionDenied"),
            (libc::EBUSY, "Busy"),
            (libc::EBADMSG, "AuthenticationFailed"),
            (libc::ENOMEM, "Other"),
            (libc::EAGAIN, "Other"),
        ];
        for (errno, variant) in cases {
            let err = Error::from_errno(errno);
            assert!(
                format!("{err:?}").starts_with(variant),
                "{errno} mapped to {err:?}, want {variant}"
            );
            assert_eq!(err.errno(), Some(errno), "{err:?} lost its errno");
        }
    }

    #[test]
    fn enotsup_is_eopnotsupp() {
        // Linux gives both names one number; the kernel returns EOPNOTSUPP.
        assert!(matches!(
            Error::from_errno(libc::ENOTSUP),
            Error::NotSupported
        ));
    }

    #[test]
    fn io_errors_map_through_errno() {
        let err = Error::from(io::Error::from_raw_os_error(libc::ENOKEY));
        assert!(matches!(err, Error::NoKey));
        let err = Error::from(io::Error::new(io::ErrorKind::UnexpectedEof, "eof"));
        assert!(matches!(err, Error::Other(ref e) if e.kind() == io::ErrorKind::UnexpectedEof));
        assert_eq!(err.errno(), None);
    }

    #[test]
    fn conversion_to_io_and_back_keeps_the_variant() {
        for err in [
            Error::StateLost,
            Error::ModuleNotLoaded,
            Error::FamilyNotRegistered { family: 25 },
            Error::NoKey,
            Error::PermissionDenied { errno: libc::EPERM },
        ] {
            let before = format!("{err:?}");
            let after = Error::from(io::Error::from(err));
            assert_eq!(format!("{after:?}"), before);
        }
        let io_err = io::Error::from(Error::MessageTooLong);
        assert_eq!(io_err.raw_os_error(), Some(libc::EMSGSIZE));
    }

    #[test]
    fn display_names_the_errno() {
        assert_eq!(
            Error::NotFound.to_string(),
            "no such algorithm or socket type (ENOENT)"
        );
        assert_eq!(
            Error::PermissionDenied { errno: libc::EPERM }.to_string(),
            "permission denied (EPERM)"
        );
        let other = Error::from_errno(libc::ENOMEM).to_string();
        assert!(other.ends_with("(ENOMEM)"), "{other}");
        assert!(!other.contains("os error"), "{other}");
        assert!(
            Error::ModuleNotLoaded
                .to_string()
                .contains("kcrypto module is not loaded")
        );
        assert!(
            Error::FamilyNotRegistered { family: 25 }
                .to_string()
                .contains("25")
        );
    }

    #[test]
    fn unavailable_means_no_family() {
        assert!(Error::ModuleNotLoaded.is_unavailable());
        assert!(Error::NoFamilyParameter.is_unavailable());
        assert!(Error::FamilyNotRegistered { family: 38 }.is_unavailable());
        assert!(!Error::NotFound.is_unavailable());
        assert!(!Error::Other(io::Error::from_raw_os_error(libc::EAFNOSUPPORT)).is_unavailable());
    }
}
