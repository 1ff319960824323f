// SPDX-License-Identifier: GPL-2.0

//! Every C function kcrypto calls that the `kernel` crate does not wrap.
//!
//! Exported kernel functions are declared as the kernel defines them; `kcrypto_*` functions
//! live in `src/shim.c` (static inlines, structure layouts, socket plumbing) and
//! `kunit/kcrypto_kunit.c` (test reporting), declared for C in `src/kcrypto.h`. Only the safe
//! wrappers in [`crate::crypto`], [`crate::buffer`], [`crate::msg`], [`crate::family`],
//! [`crate::limits`], [`crate::policy`] and [`crate::kunit`] call into this module.

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
    /// `struct crypto_skcipher`: a symmetric cipher transform.
    CryptoSkcipher;
    /// `struct crypto_aead`: an authenticated encryption transform.
    CryptoAead;
    /// `struct crypto_rng`: a random number generator.
    CryptoRng;
    /// `struct crypto_akcipher`: a public-key cipher transform.
    CryptoAkcipher;
    /// `struct kcrypto_req`: a request that may outlive its submitter (src/request.c).
    Req;
    /// `struct page`, for the C helpers that copy to and build scatterlists over pages.
    RawPage;
    /// `struct msghdr`, for the C helpers that move its data (see [`crate::msg`]).
    MsgHdr;
    /// `struct sock`, for the C helpers that charge memory to it.
    Sock;
}

/// `struct kcrypto_cipher_sizes` (src/kcrypto.h): the sizes of a cipher or AEAD transform.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CipherSizes {
    pub(crate) iv: c_uint,
    pub(crate) block: c_uint,
    pub(crate) chunk: c_uint,
    pub(crate) state: c_uint,
    pub(crate) tag: c_uint,
    pub(crate) max_tag: c_uint,
}

/// `struct kcrypto_alg_info` (include/uapi/linux/if_kcrypto.h): one implementation, as
/// reported to userspace.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct AlgInfo {
    pub(crate) kind: [u8; 16],
    pub(crate) name: [u8; 128],
    pub(crate) driver: [u8; 128],
    pub(crate) module: [u8; 64],
    pub(crate) priority: u32,
    pub(crate) flags: u32,
}

impl AlgInfo {
    /// An empty record, for the C side to fill.
    pub(crate) const fn zeroed() -> Self {
        Self {
            kind: [0; 16],
            name: [0; 128],
            driver: [0; 128],
            module: [0; 64],
            priority: 0,
            flags: 0,
        }
    }
}

/// `struct kcrypto_buffers` (src/kcrypto.h): the pages of a request's source and destination.
#[repr(C)]
pub(crate) struct Buffers {
    pub(crate) src: *mut *mut RawPage,
    pub(crate) src_nents: c_uint,
    pub(crate) src_len: usize,
    pub(crate) dst: *mut *mut RawPage,
    pub(crate) dst_nents: c_uint,
    pub(crate) dst_len: usize,
}

extern "C" {
    // include/crypto/skcipher.h, aead.h, rng.h (exported by crypto/)
    pub(crate) fn crypto_alloc_skcipher(
        name: *const c_char,
        type_: u32,
        mask: u32,
    ) -> *mut CryptoSkcipher;
    pub(crate) fn crypto_skcipher_setkey(
        tfm: *mut CryptoSkcipher,
        key: *const u8,
        len: c_uint,
    ) -> c_int;
    pub(crate) fn crypto_alloc_aead(name: *const c_char, type_: u32, mask: u32) -> *mut CryptoAead;
    pub(crate) fn crypto_aead_setkey(tfm: *mut CryptoAead, key: *const u8, len: c_uint) -> c_int;
    pub(crate) fn crypto_aead_setauthsize(tfm: *mut CryptoAead, len: c_uint) -> c_int;
    pub(crate) fn crypto_alloc_akcipher(
        name: *const c_char,
        type_: u32,
        mask: u32,
    ) -> *mut CryptoAkcipher;
    pub(crate) fn crypto_alloc_rng(name: *const c_char, type_: u32, mask: u32) -> *mut CryptoRng;
    pub(crate) fn crypto_rng_reset(tfm: *mut CryptoRng, seed: *const u8, len: c_uint) -> c_int;

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
    pub(crate) fn kcrypto_param_policy() -> c_uint;
    pub(crate) fn kcrypto_policy_list(
        kind: *const c_char,
        privileged: bool,
        buf: *mut c_char,
        size: usize,
    ) -> c_int;
    pub(crate) fn kcrypto_policy_privileged() -> bool;
    pub(crate) fn kcrypto_param_max_op_bytes() -> u64;

    // src/shim.c: synchronous hashes
    pub(crate) fn kcrypto_shash_free(tfm: *mut CryptoShash);
    pub(crate) fn kcrypto_shash_digestsize(tfm: *mut CryptoShash) -> c_uint;
    pub(crate) fn kcrypto_shash_needs_key(tfm: *mut CryptoShash) -> bool;
    pub(crate) fn kcrypto_shash_desc_alloc(tfm: *mut CryptoShash) -> *mut ShashDesc;
    pub(crate) fn kcrypto_shash_desc_free(desc: *mut ShashDesc);
    pub(crate) fn kcrypto_shash_init(desc: *mut ShashDesc) -> c_int;
    pub(crate) fn kcrypto_shash_desc_clone(desc: *mut ShashDesc) -> *mut ShashDesc;

    // src/shim.c: ciphers, AEADs, RNGs
    pub(crate) fn kcrypto_skcipher_free(tfm: *mut CryptoSkcipher);
    pub(crate) fn kcrypto_skcipher_needs_key(tfm: *mut CryptoSkcipher) -> bool;
    pub(crate) fn kcrypto_skcipher_sizes(tfm: *mut CryptoSkcipher, sizes: *mut CipherSizes);
    pub(crate) fn kcrypto_aead_free(tfm: *mut CryptoAead);
    pub(crate) fn kcrypto_aead_needs_key(tfm: *mut CryptoAead) -> bool;
    pub(crate) fn kcrypto_aead_sizes(tfm: *mut CryptoAead, sizes: *mut CipherSizes);
    pub(crate) fn kcrypto_akcipher_free(tfm: *mut CryptoAkcipher);
    pub(crate) fn kcrypto_akcipher_set_pub_key(
        tfm: *mut CryptoAkcipher,
        key: *const u8,
        len: c_uint,
    ) -> c_int;
    pub(crate) fn kcrypto_akcipher_max_size(tfm: *mut CryptoAkcipher) -> c_uint;
    pub(crate) fn kcrypto_rsa_public_modulus(
        key: *const u8,
        len: c_uint,
        offset: *mut c_uint,
        n_len: *mut c_uint,
    ) -> c_int;
    pub(crate) fn kcrypto_rng_free(tfm: *mut CryptoRng);
    pub(crate) fn kcrypto_rng_get_bytes(tfm: *mut CryptoRng, buf: *mut u8, len: c_uint) -> c_int;
    pub(crate) fn kcrypto_rng_set_entropy(
        tfm: *mut CryptoRng,
        data: *const u8,
        len: c_uint,
    ) -> c_int;

    // src/request.c: requests that may complete later
    pub(crate) fn kcrypto_requests_init() -> c_int;
    pub(crate) fn kcrypto_requests_exit();
    pub(crate) fn kcrypto_requests_in_flight() -> c_int;
    pub(crate) fn kcrypto_requests_full() -> bool;
    pub(crate) fn kcrypto_req_done(req: *mut Req) -> bool;
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn kcrypto_skcipher_submit(
        tfm: *mut CryptoSkcipher,
        bufs: *const Buffers,
        encrypt: bool,
        len: c_uint,
        iv: *mut u8,
        state: *mut c_void,
        cont: bool,
        last: bool,
        job: *mut c_void,
    ) -> *mut Req;
    pub(crate) fn kcrypto_skcipher_records_submit(
        tfm: *mut CryptoSkcipher,
        bufs: *const Buffers,
        encrypt: bool,
        lens: *const u32,
        count: c_uint,
        ivs: *mut u8,
        job: *mut c_void,
    ) -> *mut Req;
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn kcrypto_aead_records_submit(
        tfm: *mut CryptoAead,
        bufs: *const Buffers,
        encrypt: bool,
        assoclen: c_uint,
        lens: *const u32,
        count: c_uint,
        ivs: *mut u8,
        job: *mut c_void,
    ) -> *mut Req;
    pub(crate) fn kcrypto_aead_submit(
        tfm: *mut CryptoAead,
        bufs: *const Buffers,
        encrypt: bool,
        assoclen: c_uint,
        len: c_uint,
        iv: *mut u8,
        job: *mut c_void,
    ) -> *mut Req;
    pub(crate) fn kcrypto_akcipher_submit(
        tfm: *mut CryptoAkcipher,
        bufs: *const Buffers,
        verify: bool,
        src_len: c_uint,
        dst_len: c_uint,
        job: *mut c_void,
    ) -> *mut Req;
    pub(crate) fn kcrypto_req_wait(req: *mut Req) -> c_int;
    pub(crate) fn kcrypto_req_put(req: *mut Req);

    // src/drivers.c: implementations and their drivers
    pub(crate) fn kcrypto_alg_list(buf: *mut AlgInfo, count: usize) -> usize;
    pub(crate) fn kcrypto_find_hardware(
        name: *const c_char,
        kind: *const c_char,
        driver: *mut c_char,
        size: usize,
    ) -> c_int;
    pub(crate) fn kcrypto_find_servable(
        name: *const c_char,
        kind: *const c_char,
        software: bool,
        driver: *mut c_char,
        size: usize,
    ) -> c_int;
    pub(crate) fn kcrypto_driver_alg_name(
        driver: *const c_char,
        name: *mut c_char,
        size: usize,
    ) -> c_int;
    pub(crate) fn kcrypto_shash_info(tfm: *mut CryptoShash, info: *mut AlgInfo);
    pub(crate) fn kcrypto_skcipher_info(tfm: *mut CryptoSkcipher, info: *mut AlgInfo);
    pub(crate) fn kcrypto_aead_info(tfm: *mut CryptoAead, info: *mut AlgInfo);
    pub(crate) fn kcrypto_rng_info(tfm: *mut CryptoRng, info: *mut AlgInfo);
    pub(crate) fn kcrypto_akcipher_info(tfm: *mut CryptoAkcipher, info: *mut AlgInfo);
    pub(crate) fn kcrypto_akcipher_lookup(
        name: *const c_char,
        type_: u32,
        mask: u32,
        info: *mut AlgInfo,
    ) -> c_int;

    // src/shim.c: keys and credentials
    pub(crate) fn kcrypto_key_read(serial: i32, buf: *mut u8, size: usize) -> c_int;
    pub(crate) fn kcrypto_capable_sys_admin() -> bool;

    // src/shim.c: buffers, messages, options
    pub(crate) fn kcrypto_yield() -> bool;
    pub(crate) fn kcrypto_memzero_explicit(buf: *mut c_void, len: usize);
    pub(crate) fn kcrypto_msg_data_left(msg: *mut MsgHdr) -> usize;
    pub(crate) fn kcrypto_msg_copy_from(msg: *mut MsgHdr, buf: *mut c_void, len: usize) -> c_int;
    pub(crate) fn kcrypto_msg_copy_to(msg: *mut MsgHdr, buf: *const c_void, len: usize) -> c_int;
    pub(crate) fn kcrypto_msg_segments(msg: *mut MsgHdr, lens: *mut usize, max: c_uint) -> c_int;
    pub(crate) fn kcrypto_msg_skip(msg: *mut MsgHdr, len: usize);
    pub(crate) fn kcrypto_msg_copy_page_from(
        msg: *mut MsgHdr,
        page: *mut RawPage,
        offset: usize,
        len: usize,
    ) -> c_int;
    pub(crate) fn kcrypto_msg_copy_page_to(
        msg: *mut MsgHdr,
        page: *mut RawPage,
        offset: usize,
        len: usize,
    ) -> c_int;
    pub(crate) fn kcrypto_sock_sndbuf(sk: *mut Sock) -> usize;
    pub(crate) fn kcrypto_sock_publish_ready(
        sk: *mut Sock,
        readable: bool,
        writable: bool,
        held: usize,
    );
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
    pub(crate) fn kcrypto_kunit_sleep(ms: c_uint);
}
