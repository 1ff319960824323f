// SPDX-License-Identifier: GPL-2.0
/*
 * Crypto requests that outlive their submitter. A request owns its buffers
 * (a Rust "job", released through kcrypto_job_release()) and holds two
 * references: the submitter's handle and the driver's. Whichever is dropped
 * last frees the request, so a task killed while waiting, or a socket closed
 * with requests in flight, never frees memory a driver may still write.
 *
 * Every request in flight holds a module reference and counts against the
 * module-wide max_requests; the last release happens on kcrypto's own
 * workqueue, which module exit destroys (and so drains). (A completion
 * callback that is not the last to drop its reference still returns through
 * a few instructions of this module after the submitter may have freed the
 * request; that needs an unload racing an in-flight completion to the
 * instruction, and the module reference of the request makes rmmod wait for
 * the submitter first.)
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <crypto/akcipher.h>
#include <crypto/skcipher.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "kcrypto.h"

static unsigned int max_requests = 4096;
module_param(max_requests, uint, 0644);
MODULE_PARM_DESC(max_requests, "most requests in flight, module-wide (default 4096)");

static unsigned int request_timeout_ms = 10000;
module_param(request_timeout_ms, uint, 0644);
MODULE_PARM_DESC(request_timeout_ms, "how long to wait for a driver to complete a request (default 10000)");

static struct workqueue_struct *kcrypto_wq;
static atomic_t kcrypto_requests = ATOMIC_INIT(0);

/* Pages a scatterlist inside the request covers without an allocation. */
#define KCRYPTO_INLINE_SG 2

struct kcrypto_sg {
	struct scatterlist *sgl;
	struct scatterlist inline_sg[KCRYPTO_INLINE_SG];
	struct sg_table table;		/* allocated for more pages */
};

/* Record mode: one record's pages of a buffer, and its entry at page pos. */
struct kcrypto_sg_cursor {
	struct scatterlist *rec;
	struct scatterlist rec_inline[KCRYPTO_INLINE_SG];
	struct scatterlist *at;
	unsigned int pos;
};

/* Record mode, see kcrypto_records_run(); only record requests have it. */
struct kcrypto_records {
	struct kcrypto_req *req;
	bool encrypt;
	const u32 *lens;
	u8 *ivs;
	unsigned int count, next, assoc;
	unsigned int src, dst;		/* where record next starts */
	struct kcrypto_sg_cursor src_sg, dst_sg;
	struct work_struct work;
};

/*
 * One allocation per request: this, the scatterlists of small buffers, and
 * the crypto API's request with its context (ctx), which is why the request
 * is freed with kfree_sensitive().
 */
struct kcrypto_req {
	refcount_t refs;
	struct completion done;
	int err;
	bool export;			/* skcipher part with more to follow */
	void *job;			/* Rust buffers, see kcrypto_job_release() */
	void *state;			/* skcipher state to export */
	struct kcrypto_sg src, dst;
	struct work_struct release;
	const char *driver;		/* of the transform the job holds */
	unsigned int out_len;		/* akcipher: pad the output to this */
	struct kcrypto_records *rec;	/* record mode */
	enum { KCRYPTO_SKCIPHER, KCRYPTO_AEAD, KCRYPTO_AKCIPHER_ENCRYPT,
	       KCRYPTO_AKCIPHER_VERIFY } kind;
	union {
		struct skcipher_request *skcipher;
		struct aead_request *aead;
		struct akcipher_request *akcipher;
	};
	u8 ctx[] CRYPTO_MINALIGN_ATTR;
};

int kcrypto_requests_init(void)
{
	kcrypto_wq = alloc_workqueue("kcrypto", WQ_UNBOUND, 0);
	return kcrypto_wq ? 0 : -ENOMEM;
}

/* Module exit: sockets and requests hold module references, so none is left. */
void kcrypto_requests_exit(void)
{
	destroy_workqueue(kcrypto_wq);
}

/* Whether the module-wide bound on requests is reached. */
bool kcrypto_requests_full(void)
{
	return atomic_read(&kcrypto_requests) >= READ_ONCE(max_requests);
}

bool kcrypto_req_done(struct kcrypto_req *req)
{
	return completion_done(&req->done);
}

/* Requests not yet freed, module-wide (for tests). */
int kcrypto_requests_in_flight(void)
{
	return atomic_read(&kcrypto_requests);
}

static void kcrypto_sg_cursor_free(struct kcrypto_sg_cursor *cursor)
{
	if (cursor->rec != cursor->rec_inline)
		kvfree(cursor->rec);
}

static void kcrypto_records_free(struct kcrypto_records *rec)
{
	if (!rec)
		return;
	kcrypto_sg_cursor_free(&rec->src_sg);
	kcrypto_sg_cursor_free(&rec->dst_sg);
	kfree(rec);
}

/*
 * Undoes kcrypto_req_new(): for a request that never reached a driver, and
 * the last step of freeing one that did.
 */
static void kcrypto_req_abandon(struct kcrypto_req *req)
{
	sg_free_table(&req->src.table);
	sg_free_table(&req->dst.table);
	kcrypto_records_free(req->rec);
	kfree_sensitive(req);
	atomic_dec(&kcrypto_requests);
	module_put(THIS_MODULE);
}

static void kcrypto_req_free(struct kcrypto_req *req)
{
	kcrypto_job_release(req->job);
	kcrypto_req_abandon(req);
}

static void kcrypto_req_release_work(struct work_struct *work)
{
	kcrypto_req_free(container_of(work, struct kcrypto_req, release));
}

/* The submitter's reference; called in process context. */
void kcrypto_req_put(struct kcrypto_req *req)
{
	if (refcount_dec_and_test(&req->refs))
		kcrypto_req_free(req);
}

/*
 * The driver's completion (any context, possibly inside the driver's own
 * call chain): the release is deferred to the workqueue.
 */
static void kcrypto_req_complete(void *data, int err)
{
	struct kcrypto_req *req = data;

	if (err == -EINPROGRESS)	/* left the backlog: still running */
		return;
	req->err = err;
	complete_all(&req->done);
	if (refcount_dec_and_test(&req->refs))
		queue_work(kcrypto_wq, &req->release);
}

static int kcrypto_sg_fill(struct kcrypto_sg *table, struct page **pages,
			   unsigned int nents, size_t len)
{
	struct scatterlist *sg;
	unsigned int i;

	if (!nents)
		return -EINVAL;
	if (nents <= KCRYPTO_INLINE_SG) {
		sg_init_table(table->inline_sg, nents);
		table->sgl = table->inline_sg;
	} else {
		if (sg_alloc_table(&table->table, nents, GFP_KERNEL_ACCOUNT))
			return -ENOMEM;
		table->sgl = table->table.sgl;
	}
	for_each_sg(table->sgl, sg, nents, i) {
		size_t part = min_t(size_t, len, PAGE_SIZE);

		sg_set_page(sg, pages[i], part, 0);
		len -= part;
	}
	return 0;
}

/* A request with @ctx_size bytes of room for the crypto API's request. */
static struct kcrypto_req *kcrypto_req_new(const struct kcrypto_buffers *bufs,
					   struct crypto_tfm *tfm,
					   size_t ctx_size)
{
	struct kcrypto_req *req;
	int err;

	if (atomic_inc_return(&kcrypto_requests) > READ_ONCE(max_requests)) {
		atomic_dec(&kcrypto_requests);
		return ERR_PTR(-EAGAIN);
	}
	req = kzalloc(struct_size(req, ctx, ctx_size), GFP_KERNEL_ACCOUNT);
	if (!req) {
		atomic_dec(&kcrypto_requests);
		return ERR_PTR(-ENOMEM);
	}
	__module_get(THIS_MODULE);
	refcount_set(&req->refs, 2);
	init_completion(&req->done);
	INIT_WORK(&req->release, kcrypto_req_release_work);
	req->driver = crypto_tfm_alg_driver_name(tfm);
	err = kcrypto_sg_fill(&req->src, bufs->src, bufs->src_nents, bufs->src_len);
	if (!err)
		err = kcrypto_sg_fill(&req->dst, bufs->dst, bufs->dst_nents,
				      bufs->dst_len);
	if (err) {
		kcrypto_req_abandon(req);
		return ERR_PTR(err);
	}
	return req;
}

/* A submission's immediate result: completed now, or the driver has it. */
static void kcrypto_req_started(struct kcrypto_req *req, int ret)
{
	if (ret != -EINPROGRESS && ret != -EBUSY)
		kcrypto_req_complete(req, ret);
}

/*
 * Submits one skcipher request over @bufs; on success the request owns @job.
 * @state is imported when @cont, exported by kcrypto_req_wait() unless @final.
 * An error the algorithm returns at once fails the submission.
 */
struct kcrypto_req *kcrypto_skcipher_submit(struct crypto_skcipher *tfm,
					    const struct kcrypto_buffers *bufs,
					    bool encrypt, unsigned int len, u8 *iv,
					    void *state, bool cont, bool final,
					    void *job)
{
	u32 flags = CRYPTO_TFM_REQ_MAY_SLEEP | CRYPTO_TFM_REQ_MAY_BACKLOG;
	struct kcrypto_req *req;
	int err = 0;

	req = kcrypto_req_new(bufs, crypto_skcipher_tfm(tfm),
			      sizeof(*req->skcipher) +
			      crypto_skcipher_reqsize(tfm));
	if (IS_ERR(req))
		return req;
	req->skcipher = (struct skcipher_request *)req->ctx;
	skcipher_request_set_tfm(req->skcipher, tfm);
	if (cont)
		flags |= CRYPTO_SKCIPHER_REQ_CONT;
	if (!final)
		flags |= CRYPTO_SKCIPHER_REQ_NOTFINAL;
	skcipher_request_set_callback(req->skcipher, flags,
				      kcrypto_req_complete, req);
	skcipher_request_set_crypt(req->skcipher, req->src.sgl, req->dst.sgl,
				   len, iv);
	if (cont)
		err = crypto_skcipher_import(req->skcipher, state);
	if (err) {
		kcrypto_req_abandon(req);
		return ERR_PTR(err);
	}
	req->export = !final;
	req->state = state;
	err = encrypt ? crypto_skcipher_encrypt(req->skcipher) :
			crypto_skcipher_decrypt(req->skcipher);
	if (err && err != -EINPROGRESS && err != -EBUSY) {
		/* Refused up front (a length it cannot process): no request. */
		kcrypto_req_abandon(req);
		return ERR_PTR(err);
	}
	req->job = job;
	kcrypto_req_started(req, err);
	return req;
}

/* Pages @len (at least one) bytes at @off take, in a buffer of whole pages. */
static unsigned int kcrypto_span(unsigned int off, unsigned int len)
{
	return (off + len - 1) / PAGE_SIZE - off / PAGE_SIZE + 1;
}

/*
 * Record mode: a cursor over @table with room for the scatterlist of the
 * record with the most pages.
 */
static int kcrypto_sg_cursor_init(struct kcrypto_sg_cursor *cursor,
				  struct kcrypto_sg *table, unsigned int nents)
{
	cursor->at = table->sgl;
	if (nents <= KCRYPTO_INLINE_SG) {
		cursor->rec = cursor->rec_inline;
		return 0;
	}
	cursor->rec = kvmalloc_array(nents, sizeof(*cursor->rec),
				     GFP_KERNEL_ACCOUNT);
	return cursor->rec ? 0 : -ENOMEM;
}

/*
 * Record mode: a scatterlist of just the @len bytes at @off of the cursor's
 * buffer, so that a driver describing a scatterlist to its device to the end
 * (as virtio-crypto does) sees only the record. Records come in order.
 */
static struct scatterlist *kcrypto_sg_range(struct kcrypto_sg_cursor *cursor,
					    unsigned int off, unsigned int len)
{
	unsigned int nents = kcrypto_span(off, len), in = off % PAGE_SIZE, i;
	struct scatterlist *sg;

	for (; cursor->pos < off / PAGE_SIZE; cursor->pos++)
		cursor->at = sg_next(cursor->at);
	sg_init_table(cursor->rec, nents);
	for (i = 0, sg = cursor->at; i < nents; i++, sg = sg_next(sg)) {
		unsigned int piece = min(len, sg->length - in);

		sg_set_page(&cursor->rec[i], sg_page(sg), piece, sg->offset + in);
		len -= piece;
		in = 0;
	}
	return cursor->rec;
}

/* Record mode: the output length of a record of @len bytes. */
static unsigned int kcrypto_record_out(struct kcrypto_req *req, unsigned int len)
{
	unsigned int tag;

	if (req->kind != KCRYPTO_AEAD)
		return len;
	tag = crypto_aead_authsize(crypto_aead_reqtfm(req->aead));
	return req->rec->encrypt ? len + tag : len - tag;
}

/*
 * Record mode: whether a record of @len bytes with an output of @out is one
 * the request can process: neither empty, the associated data within, and
 * for an AEAD a tag added (encrypt) or taken after the associated data.
 */
static bool kcrypto_record_valid(struct kcrypto_req *req, unsigned int len,
				 unsigned int out)
{
	struct kcrypto_records *rec = req->rec;

	if (!len || !out || len < rec->assoc)
		return false;
	if (req->kind != KCRYPTO_AEAD)
		return true;
	return rec->encrypt ? out >= len : out <= len && out >= rec->assoc;
}

/* Record mode: on to the next record. */
static void kcrypto_record_done(struct kcrypto_req *req)
{
	struct kcrypto_records *rec = req->rec;
	unsigned int len = rec->lens[rec->next++];

	rec->src += len;
	rec->dst += kcrypto_record_out(req, len);
}

/* Record mode: submits the record at next. */
static int kcrypto_record_submit(struct kcrypto_req *req)
{
	struct kcrypto_records *rec = req->rec;
	unsigned int len = rec->lens[rec->next];
	struct scatterlist *src, *dst;
	unsigned int ivsize;
	u8 *iv;

	src = kcrypto_sg_range(&rec->src_sg, rec->src, len);
	dst = kcrypto_sg_range(&rec->dst_sg, rec->dst,
			       kcrypto_record_out(req, len));
	if (req->kind == KCRYPTO_AEAD) {
		ivsize = crypto_aead_ivsize(crypto_aead_reqtfm(req->aead));
		iv = rec->ivs + rec->next * ivsize;
		aead_request_set_ad(req->aead, rec->assoc);
		aead_request_set_crypt(req->aead, src, dst, len - rec->assoc, iv);
		return rec->encrypt ? crypto_aead_encrypt(req->aead) :
				      crypto_aead_decrypt(req->aead);
	}
	ivsize = crypto_skcipher_ivsize(crypto_skcipher_reqtfm(req->skcipher));
	iv = rec->ivs + rec->next * ivsize;
	skcipher_request_set_crypt(req->skcipher, src, dst, len, iv);
	return rec->encrypt ? crypto_skcipher_encrypt(req->skcipher) :
			      crypto_skcipher_decrypt(req->skcipher);
}

/*
 * Record mode: runs the records from next on, each of lens[i] bytes (an
 * AEAD's starting with assoc bytes of associated data) after the records
 * before it, with its own IV. Returns 0 when all are done,
 * -EINPROGRESS or -EBUSY when a driver has one (its completion goes on from
 * there), or the error of the record that failed.
 */
static int kcrypto_records_run(struct kcrypto_req *req)
{
	int err;

	while (req->rec->next < req->rec->count) {
		err = kcrypto_record_submit(req);
		if (err)
			return err;
		kcrypto_record_done(req);
	}
	return 0;
}

/* The records after one a driver completed, in process context. */
static void kcrypto_records_work(struct work_struct *work)
{
	struct kcrypto_records *rec = container_of(work, struct kcrypto_records,
						   work);

	kcrypto_req_started(rec->req, kcrypto_records_run(rec->req));
}

/* A driver's completion of one record (any context). */
static void kcrypto_records_complete(void *data, int err)
{
	struct kcrypto_req *req = data;

	if (err == -EINPROGRESS)
		return;
	if (!err) {
		kcrypto_record_done(req);
		if (req->rec->next < req->rec->count) {
			queue_work(kcrypto_wq, &req->rec->work);
			return;
		}
	}
	kcrypto_req_complete(req, err);
}

/*
 * Record mode: sets up @req (its crypto request set up to the callback) for
 * @count records of @lens bytes, giving its record scatterlists room for
 * the record with the most pages, input and output. Every record and its
 * output must have at least one byte (-EINVAL).
 */
static int kcrypto_records_prepare(struct kcrypto_req *req, bool encrypt,
				   const u32 *lens, unsigned int count, u8 *ivs,
				   unsigned int assoc)
{
	unsigned int i, src = 0, dst = 0, src_nents = 1, dst_nents = 1;
	struct kcrypto_records *rec;
	int err;

	if (!count)
		return -EINVAL;
	rec = kzalloc(sizeof(*rec), GFP_KERNEL_ACCOUNT);
	if (!rec)
		return -ENOMEM;
	/* Freed with the request from here on. */
	req->rec = rec;
	rec->req = req;
	rec->encrypt = encrypt;
	rec->lens = lens;
	rec->ivs = ivs;
	rec->count = count;
	rec->assoc = assoc;
	INIT_WORK(&rec->work, kcrypto_records_work);
	for (i = 0; i < count; i++) {
		unsigned int out = kcrypto_record_out(req, lens[i]);

		if (!kcrypto_record_valid(req, lens[i], out))
			return -EINVAL;
		src_nents = max(src_nents, kcrypto_span(src, lens[i]));
		dst_nents = max(dst_nents, kcrypto_span(dst, out));
		src += lens[i];
		dst += out;
	}
	err = kcrypto_sg_cursor_init(&rec->src_sg, &req->src, src_nents);
	if (!err)
		err = kcrypto_sg_cursor_init(&rec->dst_sg, &req->dst, dst_nents);
	return err;
}

/*
 * Submits @count skcipher records as one request: record i is the next
 * @lens[i] bytes of @bufs, processed with the IV at @ivs + i * ivsize into
 * the same place of the output. The records are independent messages; one
 * request saves a request, two buffers and a completion per record. An error
 * a record returns at once fails the submission.
 */
struct kcrypto_req *kcrypto_skcipher_records_submit(struct crypto_skcipher *tfm,
						    const struct kcrypto_buffers *bufs,
						    bool encrypt, const u32 *lens,
						    unsigned int count, u8 *ivs,
						    void *job)
{
	struct kcrypto_req *req;
	int err;

	req = kcrypto_req_new(bufs, crypto_skcipher_tfm(tfm),
			      sizeof(*req->skcipher) +
			      crypto_skcipher_reqsize(tfm));
	if (IS_ERR(req))
		return req;
	req->skcipher = (struct skcipher_request *)req->ctx;
	skcipher_request_set_tfm(req->skcipher, tfm);
	skcipher_request_set_callback(req->skcipher, CRYPTO_TFM_REQ_MAY_SLEEP |
				      CRYPTO_TFM_REQ_MAY_BACKLOG,
				      kcrypto_records_complete, req);
	err = kcrypto_records_prepare(req, encrypt, lens, count, ivs, 0);
	if (!err)
		err = kcrypto_records_run(req);
	if (err && err != -EINPROGRESS && err != -EBUSY) {
		/* No driver holds the request: every record so far completed. */
		kcrypto_req_abandon(req);
		return ERR_PTR(err);
	}
	req->job = job;
	kcrypto_req_started(req, err);
	return req;
}

/* An AEAD request over @bufs whose driver completes with @done. */
static struct kcrypto_req *kcrypto_aead_req_new(struct crypto_aead *tfm,
						const struct kcrypto_buffers *bufs,
						crypto_completion_t done)
{
	struct kcrypto_req *req;

	req = kcrypto_req_new(bufs, crypto_aead_tfm(tfm),
			      sizeof(*req->aead) + crypto_aead_reqsize(tfm));
	if (IS_ERR(req))
		return req;
	req->kind = KCRYPTO_AEAD;
	req->aead = (struct aead_request *)req->ctx;
	aead_request_set_tfm(req->aead, tfm);
	aead_request_set_callback(req->aead, CRYPTO_TFM_REQ_MAY_SLEEP |
				  CRYPTO_TFM_REQ_MAY_BACKLOG, done, req);
	return req;
}

/*
 * Submits @count AEAD records as one request: record i is the next @lens[i]
 * bytes of @bufs, its first @assoclen associated data, with the IV at
 * @ivs + i * ivsize; its output (a tag longer or shorter) follows the
 * outputs before it. A record that fails (a tag that does not match) fails
 * the request, as one message would: no output is handed out.
 */
struct kcrypto_req *kcrypto_aead_records_submit(struct crypto_aead *tfm,
						const struct kcrypto_buffers *bufs,
						bool encrypt, unsigned int assoclen,
						const u32 *lens, unsigned int count,
						u8 *ivs, void *job)
{
	struct kcrypto_req *req;
	int err;

	req = kcrypto_aead_req_new(tfm, bufs, kcrypto_records_complete);
	if (IS_ERR(req))
		return req;
	err = kcrypto_records_prepare(req, encrypt, lens, count, ivs, assoclen);
	if (err) {
		kcrypto_req_abandon(req);
		return ERR_PTR(err);
	}
	req->job = job;
	/* As for one message, the records' own errors come with the result. */
	kcrypto_req_started(req, kcrypto_records_run(req));
	return req;
}

/* Submits one AEAD request: @len counts the associated data. */
struct kcrypto_req *kcrypto_aead_submit(struct crypto_aead *tfm,
					const struct kcrypto_buffers *bufs,
					bool encrypt, unsigned int assoclen,
					unsigned int len, u8 *iv, void *job)
{
	struct kcrypto_req *req;

	req = kcrypto_aead_req_new(tfm, bufs, kcrypto_req_complete);
	if (IS_ERR(req))
		return req;
	aead_request_set_ad(req->aead, assoclen);
	aead_request_set_crypt(req->aead, req->src.sgl, req->dst.sgl,
			       len - assoclen, iv);
	req->job = job;
	kcrypto_req_started(req, encrypt ? crypto_aead_encrypt(req->aead) :
					   crypto_aead_decrypt(req->aead));
	return req;
}

/*
 * Submits one public-key request: an encryption of @src_len bytes into
 * @dst_len (the key size), or a verification of a @src_len-byte signature
 * followed by a @dst_len-byte digest, which has no output.
 */
struct kcrypto_req *kcrypto_akcipher_submit(struct crypto_akcipher *tfm,
					    const struct kcrypto_buffers *bufs,
					    bool verify, unsigned int src_len,
					    unsigned int dst_len, void *job)
{
	struct kcrypto_req *req;

	req = kcrypto_req_new(bufs, crypto_akcipher_tfm(tfm),
			      sizeof(*req->akcipher) +
			      crypto_akcipher_reqsize(tfm));
	if (IS_ERR(req))
		return req;
	req->kind = verify ? KCRYPTO_AKCIPHER_VERIFY : KCRYPTO_AKCIPHER_ENCRYPT;
	req->akcipher = (struct akcipher_request *)req->ctx;
	akcipher_request_set_tfm(req->akcipher, tfm);
	akcipher_request_set_callback(req->akcipher, CRYPTO_TFM_REQ_MAY_SLEEP |
				      CRYPTO_TFM_REQ_MAY_BACKLOG,
				      kcrypto_req_complete, req);
	akcipher_request_set_crypt(req->akcipher, req->src.sgl,
				   verify ? NULL : req->dst.sgl, src_len,
				   dst_len);
	req->out_len = verify ? 0 : dst_len;
	req->job = job;
	kcrypto_req_started(req, verify ? crypto_akcipher_verify(req->akcipher) :
					  crypto_akcipher_encrypt(req->akcipher));
	return req;
}

/*
 * An RSA result is an integer: drivers may write it without its leading zero
 * bytes (virtio-crypto does). Move it to the end of the key-sized output.
 */
static int kcrypto_akcipher_pad(struct kcrypto_req *req)
{
	unsigned int len = req->akcipher->dst_len;
	unsigned int nents = sg_nents(req->dst.sgl);
	u8 *buf;

	if (len >= req->out_len)
		return 0;
	buf = kzalloc(req->out_len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	sg_copy_to_buffer(req->dst.sgl, nents, buf + req->out_len - len, len);
	sg_copy_from_buffer(req->dst.sgl, nents, buf, req->out_len);
	kfree_sensitive(buf);
	req->akcipher->dst_len = req->out_len;
	return 0;
}

/* The driver's verdict on a signature: every way of failing is EBADMSG. */
static int kcrypto_verify_result(int err)
{
	switch (err) {
	case -EINVAL:		/* not a padded value, or not below the modulus */
	case -EKEYREJECTED:	/* a different digest */
		return -EBADMSG;
	}
	return err;
}

/*
 * Waits for the driver, killably and at most request_timeout_ms; returns
 * the request's result, -EINTR if killed, -ETIMEDOUT (logged) if the driver
 * is too slow. The request stays valid either way.
 */
int kcrypto_req_wait(struct kcrypto_req *req)
{
	unsigned long timeout = msecs_to_jiffies(READ_ONCE(request_timeout_ms));
	long left;

	left = wait_for_completion_killable_timeout(&req->done, timeout ?: 1);
	if (left < 0)
		return -EINTR;
	if (!left) {
		pr_warn_ratelimited("driver %s did not complete a request in %u ms\n",
				    req->driver, request_timeout_ms);
		return -ETIMEDOUT;
	}
	if (!req->err && req->export) {
		req->err = crypto_skcipher_export(req->skcipher, req->state);
		req->export = false;
	}
	if (req->kind == KCRYPTO_AKCIPHER_VERIFY)
		return kcrypto_verify_result(req->err);
	if (!req->err && req->kind == KCRYPTO_AKCIPHER_ENCRYPT)
		req->err = kcrypto_akcipher_pad(req);
	return req->err;
}
