// SPDX-License-Identifier: GPL-2.0
/*
 * Which implementation serves a socket, and which ones a caller may choose:
 * kcrypto reads the crypto API's algorithm list (crypto/internal.h) the way
 * crypto_user does, to report drivers and to find hardware ones.
 *
 * "Hardware" means off the CPU: drivers flagged CRYPTO_ALG_KERN_DRIVER_ONLY,
 * and async drivers that are not CPU code behind an async front (template
 * instances such as ccm_base(ctr-aes-aesni,...) or cryptd(...), and SIMD
 * wrappers, whose synchronous twin is "__<driver>").
 * virtio-crypto, for one, sets only CRYPTO_ALG_ASYNC.
 */

#include <crypto/aead.h>
#include <crypto/akcipher.h>
#include <crypto/hash.h>
#include <crypto/rng.h>
#include <crypto/skcipher.h>
#include <linux/module.h>
#include <linux/rwsem.h>
#include <linux/string.h>
#include <linux/if_kcrypto.h>

#include "internal.h"
#include "kcrypto.h"

/*
 * crypto_engine.c's private flag on every algorithm it drives: only device
 * drivers queue through crypto_engine, and some of them (virtio-crypto's
 * akcipher) set neither CRYPTO_ALG_ASYNC nor CRYPTO_ALG_KERN_DRIVER_ONLY.
 */
#define KCRYPTO_ALG_ENGINE 0x200

#define KCRYPTO_ALG_UNUSABLE (CRYPTO_ALG_INTERNAL | CRYPTO_ALG_LARVAL | \
			      CRYPTO_ALG_DEAD | CRYPTO_ALG_DYING)

/* The salg_type kcrypto serves @alg as, or NULL. */
static const char *kcrypto_alg_kind(const struct crypto_alg *alg)
{
	switch (alg->cra_flags & CRYPTO_ALG_TYPE_MASK) {
	case CRYPTO_ALG_TYPE_SHASH:
		return "hash";
	case CRYPTO_ALG_TYPE_SKCIPHER:
	case CRYPTO_ALG_TYPE_LSKCIPHER:
		return "skcipher";
	case CRYPTO_ALG_TYPE_AEAD:
		return "aead";
	case CRYPTO_ALG_TYPE_RNG:
		return "rng";
	case CRYPTO_ALG_TYPE_AKCIPHER:
		return "akcipher";
	}
	return NULL;
}

/* Caller holds crypto_alg_sem. */
static bool kcrypto_alg_is_hardware(const struct crypto_alg *alg)
{
	const char *driver = alg->cra_driver_name;
	char twin[CRYPTO_MAX_ALG_NAME];
	struct crypto_alg *other;

	if (alg->cra_flags & (CRYPTO_ALG_KERN_DRIVER_ONLY | KCRYPTO_ALG_ENGINE))
		return true;
	if (!(alg->cra_flags & CRYPTO_ALG_ASYNC))
		return false;
	/* A template instance is CPU code, async only through what it wraps. */
	if (alg->cra_flags & CRYPTO_ALG_INSTANCE)
		return false;
	if (snprintf(twin, sizeof(twin), "__%s", driver) >= sizeof(twin))
		return true;
	list_for_each_entry(other, &crypto_alg_list, cra_list) {
		if ((other->cra_flags & CRYPTO_ALG_INTERNAL) &&
		    !strcmp(other->cra_driver_name, twin))
			return false;
	}
	return true;
}

/* Caller holds crypto_alg_sem. */
static void kcrypto_alg_fill(const struct crypto_alg *alg, const char *kind,
			     struct kcrypto_alg_info *info)
{
	memset(info, 0, sizeof(*info));
	strscpy(info->type, kind, sizeof(info->type));
	strscpy(info->name, alg->cra_name, sizeof(info->name));
	strscpy(info->driver, alg->cra_driver_name, sizeof(info->driver));
	if (alg->cra_module)
		strscpy(info->module, module_name(alg->cra_module),
			sizeof(info->module));
	info->priority = alg->cra_priority;
	if (alg->cra_flags & CRYPTO_ALG_ASYNC)
		info->flags |= KCRYPTO_ALG_ASYNC;
	if (kcrypto_alg_is_hardware(alg))
		info->flags |= KCRYPTO_ALG_HARDWARE;
}

static bool kcrypto_alg_usable(const struct crypto_alg *alg)
{
	return (alg->cra_flags & CRYPTO_ALG_TESTED) &&
	       !(alg->cra_flags & KCRYPTO_ALG_UNUSABLE) &&
	       kcrypto_alg_kind(alg);
}

/*
 * Fills @buf (room for @count records) with every implementation a caller
 * may bind to; returns how many there are, which may exceed @count.
 */
size_t kcrypto_alg_list(struct kcrypto_alg_info *buf, size_t count)
{
	struct crypto_alg *alg;
	size_t n = 0;

	down_read(&crypto_alg_sem);
	list_for_each_entry(alg, &crypto_alg_list, cra_list) {
		if (!kcrypto_alg_usable(alg))
			continue;
		if (n < count)
			kcrypto_alg_fill(alg, kcrypto_alg_kind(alg), &buf[n]);
		n++;
	}
	up_read(&crypto_alg_sem);
	return n;
}

/*
 * Copies the driver name of the highest-priority hardware implementation of
 * @name (generic or driver name) of type @kind into @driver; -ENODEV if none.
 */
int kcrypto_find_hardware(const char *name, const char *kind, char *driver,
			  size_t size)
{
	struct crypto_alg *alg, *best = NULL;
	int err = -ENODEV;

	down_read(&crypto_alg_sem);
	list_for_each_entry(alg, &crypto_alg_list, cra_list) {
		if (!kcrypto_alg_usable(alg) ||
		    strcmp(kcrypto_alg_kind(alg), kind) ||
		    (strcmp(alg->cra_name, name) &&
		     strcmp(alg->cra_driver_name, name)) ||
		    !kcrypto_alg_is_hardware(alg) ||
		    !kcrypto_policy_may_serve(alg->cra_driver_name))
			continue;
		if (!best || alg->cra_priority > best->cra_priority)
			best = alg;
	}
	if (best)
		err = strscpy(driver, best->cra_driver_name, size) < 0 ?
		      -ENAMETOOLONG : 0;
	up_read(&crypto_alg_sem);
	return err;
}

static void kcrypto_tfm_alg_info(const struct crypto_alg *alg, const char *kind,
				 struct kcrypto_alg_info *info)
{
	down_read(&crypto_alg_sem);
	kcrypto_alg_fill(alg, kind, info);
	up_read(&crypto_alg_sem);
}

/*
 * Copies the driver name of the highest-priority implementation of @name
 * (generic or driver name) of type @kind that the policy lets serve a socket
 * (@software: synchronous CPU code only) into @driver; -ENOENT if none.
 */
int kcrypto_find_servable(const char *name, const char *kind, bool software,
			  char *driver, size_t size)
{
	struct crypto_alg *alg, *best = NULL;
	int err = -ENOENT;

	down_read(&crypto_alg_sem);
	list_for_each_entry(alg, &crypto_alg_list, cra_list) {
		if (!kcrypto_alg_usable(alg) ||
		    strcmp(kcrypto_alg_kind(alg), kind) ||
		    (strcmp(alg->cra_name, name) &&
		     strcmp(alg->cra_driver_name, name)) ||
		    (software && (alg->cra_flags & (CRYPTO_ALG_ASYNC |
						    CRYPTO_ALG_KERN_DRIVER_ONLY))) ||
		    !kcrypto_policy_may_serve(alg->cra_driver_name))
			continue;
		if (!best || alg->cra_priority > best->cra_priority)
			best = alg;
	}
	if (best)
		err = strscpy(driver, best->cra_driver_name, size) < 0 ?
		      -ENAMETOOLONG : 0;
	up_read(&crypto_alg_sem);
	return err;
}

/*
 * Copies the generic name (cra_name) of the registered implementation whose
 * driver name is @driver into @name; returns its length, or 0 if there is
 * none or it is its own generic name. Only reads the list: nothing is loaded
 * or instantiated, so a driver is found only once it exists.
 */
int kcrypto_driver_alg_name(const char *driver, char *name, size_t size)
{
	struct crypto_alg *alg;
	int ret = 0;

	down_read(&crypto_alg_sem);
	list_for_each_entry(alg, &crypto_alg_list, cra_list) {
		if ((alg->cra_flags & KCRYPTO_ALG_UNUSABLE) ||
		    strcmp(alg->cra_driver_name, driver) ||
		    !strcmp(alg->cra_name, driver))
			continue;
		ret = strscpy(name, alg->cra_name, size);
		break;
	}
	up_read(&crypto_alg_sem);
	return ret;
}

static void kcrypto_tfm_info(struct crypto_tfm *tfm, const char *kind,
			     struct kcrypto_alg_info *info)
{
	kcrypto_tfm_alg_info(tfm->__crt_alg, kind, info);
}

void kcrypto_shash_info(struct crypto_shash *tfm, struct kcrypto_alg_info *info)
{
	kcrypto_tfm_info(crypto_shash_tfm(tfm), "hash", info);
}

void kcrypto_skcipher_info(struct crypto_skcipher *tfm,
			   struct kcrypto_alg_info *info)
{
	kcrypto_tfm_info(crypto_skcipher_tfm(tfm), "skcipher", info);
}

void kcrypto_aead_info(struct crypto_aead *tfm, struct kcrypto_alg_info *info)
{
	kcrypto_tfm_info(crypto_aead_tfm(tfm), "aead", info);
}

void kcrypto_rng_info(struct crypto_rng *tfm, struct kcrypto_alg_info *info)
{
	kcrypto_tfm_info(crypto_rng_tfm(tfm), "rng", info);
}

void kcrypto_akcipher_info(struct crypto_akcipher *tfm,
			   struct kcrypto_alg_info *info)
{
	kcrypto_tfm_info(crypto_akcipher_tfm(tfm), "akcipher", info);
}

/*
 * Resolves @name as crypto_alloc_akcipher() would, without a transform: a
 * driver may not free one that never got a key (virtio-crypto's RSA in 6.12
 * dereferences its missing device).
 */
int kcrypto_akcipher_lookup(const char *name, u32 type, u32 mask,
			    struct kcrypto_alg_info *info)
{
	struct crypto_alg *alg;

	alg = crypto_alg_mod_lookup(name, CRYPTO_ALG_TYPE_AKCIPHER | type,
				    CRYPTO_ALG_TYPE_MASK | mask);
	if (IS_ERR(alg))
		return PTR_ERR(alg);
	kcrypto_tfm_alg_info(alg, "akcipher", info);
	crypto_mod_put(alg);
	return 0;
}
