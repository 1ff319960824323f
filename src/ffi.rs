// SPDX-License-Identifier: GPL-2.0

//! Every C function kcrypto calls that the `kernel` crate does not wrap.
//!
//! Exported kernel functions are declared as the kernel defines them; `kcrypto_*` functions
//! live in `src/shim.c` (static inlines, structure layouts, socket plumbing) and
//! `kunit/kcrypto_kunit.c` (test reporting), declared for C in `src/kcrypto.h`. Only the safe
//! wrappers in [`crate::crypto`], [`crate::buffer`], [`crate::msg`], [`crate::family`],
//! [`crate::limits`] and [`crate::kunit`] call into this module.

use core::{marker::PhantomData, marker::PhantomPinned};
use kernel::bindings::sockptr_t;
use kernel::ffi::{c_char, c_int, c_uint, c_void};

/// Declares a C structure that Rust only ever handles by pointer.
macro_rules! opaque_types {
    ($($(#[$meta:meta])* $name:ident;)*) => {$(
        $(#[$meta])*
        #[repr(C)]
        pub(crate) struct $name {
            _data: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}

opaque_types! {
    /// `struct crypto_shash`: a synchronous hash transform.
    CryptoShash;
    /// `struct shash_desc`: the state of one synchronous hash computation.
    ShashDesc;
    /// `struct msghdr`, for the C helpers that move its data (see [`crate::msg`]).
    MsgHdr;
    /// `struct sock`, for the C helpers that charge memory to it.
    Sock;
}

extern "C" {
    // include/crypto/hash.h (exported by crypto/shash.c)
    pub(crate) fn crypto_alloc_shash(
        name: *const c_char,
        type_: u32,
        mask: u32,
    ) -> *mut CryptoShash;
    pub(crate) fn crypto_shash_setkey(tfm: *mut CryptoShash, key: *const u8, len: c_uint) -> c_int;
    pub(crate) fn crypto_shash_tfm_digest(
        tfm: *mut CryptoShash,
        data: *const u8,
        len: c_uint,
        out: *mut u8,
    ) -> c_int;
    pub(crate) fn crypto_shash_update(desc: *mut ShashDesc, data: *const u8, len: c_uint) -> c_int;
    pub(crate) fn crypto_shash_final(desc: *mut ShashDesc, out: *mut u8) -> c_int;

    // src/shim.c: module parameters
    pub(crate) fn kcrypto_param_family() -> c_int;
    pub(crate) fn kcrypto_param_max_op_bytes() -> u64;

    // src/shim.c: synchronous hashes
    pub(crate) fn kcrypto_shash_free(tfm: *mut CryptoShash);
    pub(crate) fn kcrypto_shash_digestsize(tfm: *mut CryptoShash) -> c_uint;
    pub(crate) fn kcrypto_shash_needs_key(tfm: *mut CryptoShash) -> bool;
    pub(crate) fn kcrypto_shash_desc_alloc(tfm: *mut CryptoShash) -> *mut ShashDesc;
    pub(crate) fn kcrypto_shash_desc_free(desc: *mut ShashDesc);
    pub(crate) fn kcrypto_shash_init(desc: *mut ShashDesc) -> c_int;
    pub(crate) fn kcrypto_shash_desc_clone(desc: *mut ShashDesc) -> *mut ShashDesc;

    // src/shim.c: buffers, messages, options
    pub(crate) fn kcrypto_yield() -> bool;
    pub(crate) fn kcrypto_memzero_explicit(buf: *mut c_void, len: usize);
    pub(crate) fn kcrypto_msg_data_left(msg: *mut MsgHdr) -> usize;
    pub(crate) fn kcrypto_msg_copy_from(msg: *mut MsgHdr, buf: *mut c_void, len: usize) -> c_int;
    pub(crate) fn kcrypto_msg_copy_to(msg: *mut MsgHdr, buf: *const c_void, len: usize) -> c_int;
    pub(crate) fn kcrypto_sock_buf_alloc(sk: *mut Sock, len: usize) -> *mut c_void;
    pub(crate) fn kcrypto_sock_buf_free(sk: *mut Sock, buf: *mut c_void, len: usize);
    pub(crate) fn kcrypto_msg_control(msg: *mut MsgHdr, len: *mut usize) -> *const c_void;
    pub(crate) fn kcrypto_copy_from_sockptr(
        dst: *mut c_void,
        src: *const sockptr_t,
        len: usize,
    ) -> c_int;

    // src/shim.c: the socket family
    pub(crate) fn kcrypto_family_register() -> c_int;
    pub(crate) fn kcrypto_family_unregister();
}

#[cfg(CONFIG_KUNIT = "y")]
extern "C" {
    // kunit/kcrypto_kunit.c
    pub(crate) fn kcrypto_kunit_fail(test: *mut kernel::bindings::kunit, msg: *const c_char);
}
