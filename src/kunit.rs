// SPDX-License-Identifier: GPL-2.0

//! The Rust side of kcrypto's KUnit suites.
//!
//! `kunit/kcrypto_kunit.c` registers the suites; each case is a Rust function defined with
//! [`kunit_case!`] that reports failed expectations through [`Test`].

use core::{fmt, ptr::NonNull};
use kernel::{bindings, c_str, str::CString};

use crate::ffi;

/// The KUnit context of the running case.
///
/// # Invariants
///
/// `raw` is the `struct kunit` KUnit passed to the running case.
pub(crate) struct Test {
    raw: NonNull<bindings::kunit>,
}

impl Test {
    /// Wraps the context KUnit passes to a case.
    ///
    /// # Safety
    ///
    /// `raw` must be the context of the case that is running, and the returned value must not
    /// outlive that case.
    pub(crate) unsafe fn from_raw(raw: *mut bindings::kunit) -> Option<Self> {
        // INVARIANT: The caller guarantees `raw` is the running case's context.
        NonNull::new(raw).map(|raw| Self { raw })
    }

    /// Marks the case failed with a message naming the source location.
    pub(crate) fn fail(&self, file: &str, line: u32, args: fmt::Arguments<'_>) {
        let msg = CString::try_from_fmt(format_args!("{file}:{line}: {args}"));
        let msg = match &msg {
            Ok(msg) => msg.as_char_ptr(),
            Err(_) => c_str!("(no memory for the failure message)").as_char_ptr(),
        };
        // SAFETY: `raw` is the running case's context (type invariant); `msg` is NUL-terminated
        // and outlives the call.
        unsafe { ffi::kcrypto_kunit_fail(self.raw.as_ptr(), msg) };
    }
}

/// Decodes lowercase hexadecimal of exactly `2 * N` digits; `None` otherwise.
pub(crate) const fn unhex<const N: usize>(hex: &str) -> Option<[u8; N]> {
    const fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    let hex = hex.as_bytes();
    if hex.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        let (Some(high), Some(low)) = (nibble(hex[2 * i]), nibble(hex[2 * i + 1])) else {
            return None;
        };
        out[i] = high << 4 | low;
        i += 1;
    }
    Some(out)
}

/// A known-answer vector written in hex, decoded at compile time.
///
/// A malformed literal decodes to zeros, which is no digest's answer, so its test fails.
macro_rules! hex {
    ($($hex:literal)+) => {{
        const HEX: &str = concat!($($hex),+);
        const BYTES: [u8; HEX.len() / 2] = match crate::kunit::unhex(HEX) {
            Some(bytes) => bytes,
            None => [0; HEX.len() / 2],
        };
        BYTES
    }};
}

/// Defines a KUnit case body; the C suite in `kunit/kcrypto_kunit.c` lists it by name.
macro_rules! kunit_case {
    ($name:ident, |$test:ident| $body:block) => {
        #[no_mangle]
        extern "C" fn $name(raw: *mut kernel::bindings::kunit) {
            // SAFETY: KUnit calls a case with its own context, live for the whole call.
            let Some($test) = (unsafe { crate::kunit::Test::from_raw(raw) }) else {
                return;
            };
            $body
        }
    };
}

/// Fails the case unless `cond` holds.
macro_rules! kunit_expect {
    ($test:expr, $cond:expr) => {
        kunit_expect!($test, $cond, "expected {}", stringify!($cond))
    };
    ($test:expr, $cond:expr, $($arg:tt)+) => {
        if !$cond {
            $test.fail(file!(), line!(), format_args!($($arg)+));
        }
    };
}

/// Fails the case unless both sides are equal, printing both.
macro_rules! kunit_expect_eq {
    ($test:expr, $left:expr, $right:expr) => {
        kunit_expect_eq!($test, $left, $right, "")
    };
    ($test:expr, $left:expr, $right:expr, $($arg:tt)+) => {
        match (&$left, &$right) {
            (left, right) => kunit_expect!(
                $test,
                left == right,
                "{} != {}: {:?} != {:?} {}",
                stringify!($left),
                stringify!($right),
                left,
                right,
                format_args!($($arg)+)
            ),
        }
    };
}

/// Evaluates a `Result`, or fails the case and returns from it.
macro_rules! kunit_try {
    ($test:expr, $result:expr) => {
        match $result {
            Ok(value) => value,
            Err(err) => {
                $test.fail(
                    file!(),
                    line!(),
                    format_args!("{} failed: {:?}", stringify!($result), err),
                );
                return;
            }
        }
    };
}
