// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit registration for kcrypto. The 6.12 kernel crate cannot declare
 * suites, so they are declared here and every case body is a Rust function
 * (see the `tests` modules under src/). Suites run when the module loads.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/socket.h>

#include "kcrypto.h"

/* Called by src/kunit.rs when a Rust expectation fails. */
void kcrypto_kunit_fail(struct kunit *test, const char *msg)
{
	KUNIT_FAIL(test, "%s", msg);
}

void kcrypto_kunit_sleep(unsigned int ms)
{
	msleep(ms);
}

/*
 * In tree (AF_KCRYPTO is in <linux/socket.h>), CONFIG_KCRYPTO_KUNIT_TEST
 * decides whether the suite registers; out of tree, a built-in KUnit does.
 */
#if !defined(AF_KCRYPTO) || IS_ENABLED(CONFIG_KCRYPTO_KUNIT_TEST)
static struct kunit_case kcrypto_crypto_cases[] = {
	KUNIT_CASE(kcrypto_test_sha256_kat),
	KUNIT_CASE(kcrypto_test_sha256_streaming),
	KUNIT_CASE(kcrypto_test_hmac_sha256_kat),
	KUNIT_CASE(kcrypto_test_hash_errors),
	KUNIT_CASE(kcrypto_test_skcipher_kat),
	KUNIT_CASE(kcrypto_test_skcipher_records),
	KUNIT_CASE(kcrypto_test_skcipher_errors),
	KUNIT_CASE(kcrypto_test_aead_kat),
	KUNIT_CASE(kcrypto_test_akcipher_rsa),
	KUNIT_CASE(kcrypto_test_aead_lengths),
	KUNIT_CASE(kcrypto_test_rng),
	KUNIT_CASE(kcrypto_test_page_buf),
	KUNIT_CASE(kcrypto_test_output_memory),
	KUNIT_CASE(kcrypto_test_request_orphans),
	KUNIT_CASE(kcrypto_test_errno_mapping),
	KUNIT_CASE(kcrypto_test_sockaddr_parse),
	KUNIT_CASE(kcrypto_test_socket_options),
	KUNIT_CASE(kcrypto_test_cmsg_parse),
	KUNIT_CASE(kcrypto_test_policy_name_parse),
	KUNIT_CASE(kcrypto_test_policy_generic_name),
	KUNIT_CASE(kcrypto_test_policy_decisions),
	KUNIT_CASE(kcrypto_test_policy_defaults),
	{}
};

static struct kunit_suite kcrypto_crypto_suite = {
	.name = "kcrypto_crypto",
	.test_cases = kcrypto_crypto_cases,
};

kunit_test_suite(kcrypto_crypto_suite);
#endif
