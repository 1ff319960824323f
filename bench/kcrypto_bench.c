// SPDX-License-Identifier: GPL-2.0
/*
 * kcrypto_bench: the in-kernel limit that `make bench` compares kcrypto with.
 * It runs an algorithm on kernel buffers, with no user copy and no socket,
 * through the same crypto API calls and request style kcrypto uses:
 * crypto_shash_tfm_digest() for a hash, skcipher/aead requests over page
 * scatterlists with MAY_SLEEP | MAY_BACKLOG and a completion callback (one
 * request at a time this is crypto_wait_req(); with a queue depth, a batch
 * of requests in flight, as kcrypto keeps for an async driver).
 *
 * A companion module rather than an entry point in kcrypto: kcrypto.ko never
 * carries benchmark code, in any build, and this one is loaded only by
 * scripts/bench (vm-run --insmod) in the bench kernel.
 *
 * Interface (root only): write "TYPE ALG LEN MS DEPTH KEYLEN" to
 * /sys/kernel/debug/kcrypto_bench/run, TYPE being hash, skcipher or aead; the
 * write runs operations of LEN bytes for at least MS milliseconds. Reading
 * the file gives "OPS NS DRIVER" of the last run.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define BENCH_MAX_LEN		SZ_1M
#define BENCH_MAX_DEPTH		64U
#define BENCH_MAX_BYTES		SZ_16M	/* LEN x DEPTH */
#define BENCH_MAX_MS		60000U
#define BENCH_TAG_ROOM		64U

struct bench_slot {
	struct sg_table src, dst;
	u8 iv[32];
	union {
		struct skcipher_request *skcipher;
		struct aead_request *aead;
	};
};

struct bench_batch {
	atomic_t pending;
	int err;
	struct completion done;
};

struct bench_run {
	char type[16];
	char alg[CRYPTO_MAX_ALG_NAME];
	unsigned int len, ms, depth, keylen;
	struct bench_slot *slots;
	struct page **pages;
	unsigned int npages;
	struct bench_batch batch;
	/* results */
	u64 ops, ns;
	char driver[CRYPTO_MAX_ALG_NAME];
};

static DEFINE_MUTEX(bench_lock);
static char bench_last[CRYPTO_MAX_ALG_NAME + 64];
static struct dentry *bench_dir;

static void bench_done(void *data, int err)
{
	struct bench_batch *batch = data;

	if (err == -EINPROGRESS)	/* left the backlog: still running */
		return;
	if (err)
		WRITE_ONCE(batch->err, err);
	if (atomic_dec_and_test(&batch->pending))
		complete(&batch->done);
}

/* A submission's immediate result: done now, or the callback comes later. */
static void bench_started(struct bench_batch *batch, int ret)
{
	if (ret != -EINPROGRESS && ret != -EBUSY)
		bench_done(batch, ret);
}

static void bench_free_pages(struct bench_run *run)
{
	unsigned int i;

	for (i = 0; i < run->npages; i++)
		__free_page(run->pages[i]);
	kvfree(run->pages);
}

/* Source and destination page lists of LEN (+ tag room) bytes per slot. */
static int bench_alloc_slots(struct bench_run *run)
{
	unsigned int per = DIV_ROUND_UP(run->len + BENCH_TAG_ROOM, PAGE_SIZE);
	unsigned int d, i, p = 0;

	run->slots = kcalloc(run->depth, sizeof(*run->slots), GFP_KERNEL);
	run->pages = kvcalloc(2 * per * run->depth, sizeof(*run->pages),
			      GFP_KERNEL);
	if (!run->slots || !run->pages)
		return -ENOMEM;
	for (; run->npages < 2 * per * run->depth; run->npages++) {
		run->pages[run->npages] = alloc_page(GFP_KERNEL);
		if (!run->pages[run->npages])
			return -ENOMEM;
		memset(page_address(run->pages[run->npages]), 0x5a, PAGE_SIZE);
	}
	for (d = 0; d < run->depth; d++) {
		struct bench_slot *slot = &run->slots[d];
		struct sg_table *t[2] = { &slot->src, &slot->dst };
		struct scatterlist *sg;
		unsigned int k;

		for (k = 0; k < 2; k++) {
			if (sg_alloc_table(t[k], per, GFP_KERNEL))
				return -ENOMEM;
			for_each_sg(t[k]->sgl, sg, per, i)
				sg_set_page(sg, run->pages[p++], PAGE_SIZE, 0);
		}
	}
	return 0;
}

static void bench_free_slots(struct bench_run *run, bool aead)
{
	unsigned int d;

	for (d = 0; run->slots && d < run->depth; d++) {
		struct bench_slot *slot = &run->slots[d];

		if (aead)
			aead_request_free(slot->aead);
		else
			skcipher_request_free(slot->skcipher);
		sg_free_table(&slot->src);
		sg_free_table(&slot->dst);
	}
	kfree(run->slots);
	if (run->pages)
		bench_free_pages(run);
}

static bool bench_more(struct bench_run *run, u64 start)
{
	cond_resched();
	return !fatal_signal_pending(current) &&
	       ktime_get_ns() - start < (u64)run->ms * NSEC_PER_MSEC;
}

static int bench_hash(struct bench_run *run, const u8 *key)
{
	struct crypto_shash *tfm;
	u8 out[HASH_MAX_DIGESTSIZE];
	u64 start;
	u8 *buf;
	int err;

	tfm = crypto_alloc_shash(run->alg, 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	strscpy(run->driver, crypto_shash_driver_name(tfm), sizeof(run->driver));
	err = crypto_shash_get_flags(tfm) & CRYPTO_TFM_NEED_KEY ?
	      crypto_shash_setkey(tfm, key, run->keylen) : 0;
	buf = kvmalloc(run->len ?: 1, GFP_KERNEL);
	if (!buf)
		err = -ENOMEM;
	if (!err) {
		memset(buf, 0x5a, run->len);
		start = ktime_get_ns();
		do {
			err = crypto_shash_tfm_digest(tfm, buf, run->len, out);
			run->ops++;
		} while (!err && bench_more(run, start));
		run->ns = ktime_get_ns() - start;
	}
	kvfree(buf);
	crypto_free_shash(tfm);
	return err;
}

static int bench_batch_wait(struct bench_run *run)
{
	wait_for_completion(&run->batch.done);
	run->ops += run->depth;
	return READ_ONCE(run->batch.err);
}

static void bench_batch_start(struct bench_run *run)
{
	atomic_set(&run->batch.pending, run->depth);
	reinit_completion(&run->batch.done);
}

static int bench_skcipher(struct bench_run *run, const u8 *key)
{
	u32 flags = CRYPTO_TFM_REQ_MAY_SLEEP | CRYPTO_TFM_REQ_MAY_BACKLOG;
	struct crypto_skcipher *tfm;
	unsigned int d;
	u64 start;
	int err;

	tfm = crypto_alloc_skcipher(run->alg, 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	strscpy(run->driver, crypto_skcipher_driver_name(tfm),
		sizeof(run->driver));
	err = crypto_skcipher_setkey(tfm, key, run->keylen);
	if (!err)
		err = bench_alloc_slots(run);
	for (d = 0; !err && d < run->depth; d++) {
		run->slots[d].skcipher = skcipher_request_alloc(tfm, GFP_KERNEL);
		if (!run->slots[d].skcipher)
			err = -ENOMEM;
		else
			skcipher_request_set_callback(run->slots[d].skcipher,
						      flags, bench_done,
						      &run->batch);
	}
	start = ktime_get_ns();
	while (!err) {
		bench_batch_start(run);
		for (d = 0; d < run->depth; d++) {
			struct bench_slot *slot = &run->slots[d];

			skcipher_request_set_crypt(slot->skcipher, slot->src.sgl,
						   slot->dst.sgl, run->len,
						   slot->iv);
			bench_started(&run->batch,
				      crypto_skcipher_encrypt(slot->skcipher));
		}
		err = bench_batch_wait(run);
		if (!bench_more(run, start))
			break;
	}
	run->ns = ktime_get_ns() - start;
	bench_free_slots(run, false);
	crypto_free_skcipher(tfm);
	return err;
}

static int bench_aead(struct bench_run *run, const u8 *key)
{
	u32 flags = CRYPTO_TFM_REQ_MAY_SLEEP | CRYPTO_TFM_REQ_MAY_BACKLOG;
	struct crypto_aead *tfm;
	unsigned int d;
	u64 start;
	int err;

	tfm = crypto_alloc_aead(run->alg, 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	strscpy(run->driver, crypto_aead_driver_name(tfm), sizeof(run->driver));
	err = crypto_aead_setkey(tfm, key, run->keylen);
	if (!err)
		err = bench_alloc_slots(run);
	for (d = 0; !err && d < run->depth; d++) {
		run->slots[d].aead = aead_request_alloc(tfm, GFP_KERNEL);
		if (!run->slots[d].aead) {
			err = -ENOMEM;
			break;
		}
		aead_request_set_callback(run->slots[d].aead, flags, bench_done,
					  &run->batch);
		aead_request_set_ad(run->slots[d].aead, 0);
	}
	start = ktime_get_ns();
	while (!err) {
		bench_batch_start(run);
		for (d = 0; d < run->depth; d++) {
			struct bench_slot *slot = &run->slots[d];

			aead_request_set_crypt(slot->aead, slot->src.sgl,
					       slot->dst.sgl, run->len, slot->iv);
			bench_started(&run->batch,
				      crypto_aead_encrypt(slot->aead));
		}
		err = bench_batch_wait(run);
		if (!bench_more(run, start))
			break;
	}
	run->ns = ktime_get_ns() - start;
	bench_free_slots(run, true);
	crypto_free_aead(tfm);
	return err;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	struct bench_run *run;
	char cmd[256];
	u8 key[64];
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';
	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return -ENOMEM;
	init_completion(&run->batch.done);
	err = -EINVAL;
	if (sscanf(cmd, "%15s %127s %u %u %u %u", run->type, run->alg,
		   &run->len, &run->ms, &run->depth, &run->keylen) != 6 ||
	    run->len > BENCH_MAX_LEN || run->ms > BENCH_MAX_MS ||
	    !run->depth || run->depth > BENCH_MAX_DEPTH ||
	    (u64)run->len * run->depth > BENCH_MAX_BYTES ||
	    run->keylen > sizeof(key))
		goto out;
	memset(key, 0x42, sizeof(key));
	mutex_lock(&bench_lock);
	if (!strcmp(run->type, "hash"))
		err = bench_hash(run, key);
	else if (!strcmp(run->type, "skcipher"))
		err = bench_skcipher(run, key);
	else if (!strcmp(run->type, "aead"))
		err = bench_aead(run, key);
	if (!err)
		snprintf(bench_last, sizeof(bench_last), "%llu %llu %s\n",
			 run->ops, run->ns, run->driver);
	else
		bench_last[0] = '\0';
	mutex_unlock(&bench_lock);
out:
	kfree(run);
	return err ?: count;
}

static ssize_t bench_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&bench_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, bench_last,
				      strlen(bench_last));
	mutex_unlock(&bench_lock);
	return ret;
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.write = bench_write,
	.read = bench_read,
	.llseek = default_llseek,
};

static int __init bench_init(void)
{
	bench_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("run", 0600, bench_dir, NULL, &bench_fops);
	return 0;
}

static void __exit bench_exit(void)
{
	debugfs_remove(bench_dir);
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_DESCRIPTION("kcrypto benchmark: the crypto API on kernel buffers");
MODULE_LICENSE("GPL");
