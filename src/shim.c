// SPDX-License-Identifier: GPL-2.0
/*
 * kcrypto's C shim: static inline crypto API functions and structure
 * layouts that Rust cannot reach through the 6.12 kernel crate. No logic
 * lives here; see src/ffi.rs for the Rust side.
 */

#include <crypto/hash.h>
#include <linux/slab.h>

#include "kcrypto.h"

void kcrypto_shash_free(struct crypto_shash *tfm)
{
	crypto_free_shash(tfm);
}

unsigned int kcrypto_shash_digestsize(struct crypto_shash *tfm)
{
	return crypto_shash_digestsize(tfm);
}

bool kcrypto_shash_needs_key(struct crypto_shash *tfm)
{
	return crypto_shash_get_flags(tfm) & CRYPTO_TFM_NEED_KEY;
}

/* A descriptor is a header followed by the algorithm's state. */
struct shash_desc *kcrypto_shash_desc_alloc(struct crypto_shash *tfm)
{
	struct shash_desc *desc;

	desc = kmalloc(sizeof(*desc) + crypto_shash_descsize(tfm),
		       GFP_KERNEL_ACCOUNT);
	if (desc)
		desc->tfm = tfm;
	return desc;
}

/* The state may be derived from a key: wipe it. */
void kcrypto_shash_desc_free(struct shash_desc *desc)
{
	kfree_sensitive(desc);
}

int kcrypto_shash_init(struct shash_desc *desc)
{
	return crypto_shash_init(desc);
}
