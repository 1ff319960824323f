// SPDX-License-Identifier: GPL-2.0
/*
 * A module that misbehaves on request, so `make check` can prove that its
 * harness notices: scripts/vm-run must fail on a WARN or a KASAN report, and
 * KUnit parsing must fail on a failed case. Never loaded outside those checks.
 *
 *   insmod kcrypto_canary.ko mode=warn|kasan|kunit_fail
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static char *mode = "";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "how to misbehave: warn, kasan or kunit_fail");

#if IS_ENABLED(CONFIG_KUNIT)
static void canary_kunit_case(struct kunit *test)
{
	KUNIT_EXPECT_STREQ_MSG(test, mode, "", "failing on request (mode=%s)", mode);
}

static struct kunit_case canary_cases[] = {
	KUNIT_CASE(canary_kunit_case),
	{}
};

static struct kunit_suite canary_suite = {
	.name = "kcrypto_canary",
	.test_cases = canary_cases,
};

kunit_test_suite(canary_suite);
#endif

static int __init canary_init(void)
{
	if (!strcmp(mode, "warn")) {
		WARN_ON(1);
	} else if (!strcmp(mode, "kasan")) {
		char *p = kmalloc(8, GFP_KERNEL);

		if (!p)
			return -ENOMEM;
		OPTIMIZER_HIDE_VAR(p);
		pr_info("reading past a kmalloc(8): %d\n", READ_ONCE(p[8]));
		kfree(p);
	}
	return 0;
}

static void __exit canary_exit(void)
{
}

module_init(canary_init);
module_exit(canary_exit);
MODULE_DESCRIPTION("kcrypto test harness canary");
MODULE_LICENSE("GPL");
