/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Functions shared between kcrypto's C files and its Rust crate.
 *
 * The C side only wraps what Rust cannot call directly: static inline
 * functions and the layout of structures bindgen does not describe.
 * src/ffi.rs holds the matching Rust declarations.
 */
#ifndef KCRYPTO_H
#define KCRYPTO_H

#include <linux/types.h>

struct crypto_shash;
struct shash_desc;
struct kunit;

/* src/shim.c */
void kcrypto_shash_free(struct crypto_shash *tfm);
unsigned int kcrypto_shash_digestsize(struct crypto_shash *tfm);
bool kcrypto_shash_needs_key(struct crypto_shash *tfm);
struct shash_desc *kcrypto_shash_desc_alloc(struct crypto_shash *tfm);
void kcrypto_shash_desc_free(struct shash_desc *desc);
int kcrypto_shash_init(struct shash_desc *desc);

/* kunit/kcrypto_kunit.c */
void kcrypto_kunit_fail(struct kunit *test, const char *msg);

/* KUnit cases written in Rust (src/crypto/hash.rs, src/errno.rs) */
void kcrypto_test_sha256_kat(struct kunit *test);
void kcrypto_test_sha256_streaming(struct kunit *test);
void kcrypto_test_hmac_sha256_kat(struct kunit *test);
void kcrypto_test_hash_errors(struct kunit *test);
void kcrypto_test_errno_mapping(struct kunit *test);

#endif /* KCRYPTO_H */
