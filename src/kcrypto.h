/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Functions shared between kcrypto's C files and its Rust crate.
 *
 * The C side only wraps what Rust cannot call directly: static inline
 * functions, structure layouts and the socket object plumbing. src/ffi.rs
 * holds the matching Rust declarations; src/socket/adapter.rs defines the
 * kcrypto_state_* callbacks.
 */
#ifndef KCRYPTO_H
#define KCRYPTO_H

#include <linux/sockptr.h>
#include <linux/types.h>

struct crypto_aead;
struct crypto_akcipher;
struct crypto_rng;
struct crypto_shash;
struct crypto_skcipher;
struct kcrypto_state;
struct kunit;
struct msghdr;
struct page;
struct shash_desc;
struct sock;
struct sockaddr;

/* The sizes of a cipher or AEAD transform, in bytes (0: not applicable). */
struct kcrypto_cipher_sizes {
	unsigned int iv;
	unsigned int block;
	unsigned int chunk;	/* streaming step (skcipher) */
	unsigned int state;	/* state carried between parts (skcipher) */
	unsigned int tag;	/* current tag size (AEAD) */
	unsigned int max_tag;	/* largest tag size (AEAD) */
};

/* Pages of a request's source and destination (Rust PageBufs). */
struct kcrypto_buffers {
	struct page **src;
	unsigned int src_nents;
	size_t src_len;
	struct page **dst;
	unsigned int dst_nents;
	size_t dst_len;
};

/* src/request.c */
struct kcrypto_req;
int kcrypto_requests_init(void);
void kcrypto_requests_exit(void);
int kcrypto_requests_in_flight(void);
bool kcrypto_requests_full(void);
bool kcrypto_req_done(struct kcrypto_req *req);
struct kcrypto_req *kcrypto_skcipher_submit(struct crypto_skcipher *tfm,
					    const struct kcrypto_buffers *bufs,
					    bool encrypt, unsigned int len, u8 *iv,
					    void *state, bool cont, bool final,
					    void *job);
struct kcrypto_req *kcrypto_skcipher_records_submit(struct crypto_skcipher *tfm,
						    const struct kcrypto_buffers *bufs,
						    bool encrypt, const u32 *lens,
						    unsigned int count, u8 *ivs,
						    void *job);
struct kcrypto_req *kcrypto_aead_records_submit(struct crypto_aead *tfm,
						const struct kcrypto_buffers *bufs,
						bool encrypt, unsigned int assoclen,
						const u32 *lens, unsigned int count,
						u8 *ivs, void *job);
struct kcrypto_req *kcrypto_aead_submit(struct crypto_aead *tfm,
					const struct kcrypto_buffers *bufs,
					bool encrypt, unsigned int assoclen,
					unsigned int len, u8 *iv, void *job);
struct kcrypto_req *kcrypto_akcipher_submit(struct crypto_akcipher *tfm,
					    const struct kcrypto_buffers *bufs,
					    bool verify, unsigned int src_len,
					    unsigned int dst_len, void *job);
int kcrypto_req_wait(struct kcrypto_req *req);
void kcrypto_req_put(struct kcrypto_req *req);

/* Size of each allowlist module parameter, terminator included. */
#define KCRYPTO_POLICY_LIST_MAX	1024

/* src/shim.c */
unsigned int kcrypto_param_policy(void);
int kcrypto_policy_list(const char *type, bool priv, char *buf, size_t size);
bool kcrypto_policy_privileged(void);
int kcrypto_param_family(void);
u64 kcrypto_param_max_op_bytes(void);
void kcrypto_shash_free(struct crypto_shash *tfm);
unsigned int kcrypto_shash_digestsize(struct crypto_shash *tfm);
bool kcrypto_shash_needs_key(struct crypto_shash *tfm);
struct shash_desc *kcrypto_shash_desc_alloc(struct crypto_shash *tfm);
void kcrypto_shash_desc_free(struct shash_desc *desc);
int kcrypto_shash_init(struct shash_desc *desc);
struct shash_desc *kcrypto_shash_desc_clone(struct shash_desc *desc);
void kcrypto_skcipher_free(struct crypto_skcipher *tfm);
bool kcrypto_skcipher_needs_key(struct crypto_skcipher *tfm);
void kcrypto_skcipher_sizes(struct crypto_skcipher *tfm,
			    struct kcrypto_cipher_sizes *sizes);
void kcrypto_aead_free(struct crypto_aead *tfm);
bool kcrypto_aead_needs_key(struct crypto_aead *tfm);
void kcrypto_aead_sizes(struct crypto_aead *tfm,
			struct kcrypto_cipher_sizes *sizes);
void kcrypto_akcipher_free(struct crypto_akcipher *tfm);
int kcrypto_akcipher_set_pub_key(struct crypto_akcipher *tfm, const u8 *key,
				 unsigned int len);
unsigned int kcrypto_akcipher_max_size(struct crypto_akcipher *tfm);
int kcrypto_rsa_public_modulus(const u8 *key, unsigned int len,
			       unsigned int *offset, unsigned int *n_len);
void kcrypto_rng_free(struct crypto_rng *tfm);
int kcrypto_rng_get_bytes(struct crypto_rng *tfm, u8 *buf, unsigned int len);
int kcrypto_rng_set_entropy(struct crypto_rng *tfm, const u8 *data,
			    unsigned int len);
int kcrypto_key_read(s32 serial, u8 *buf, size_t size);
bool kcrypto_capable_sys_admin(void);
bool kcrypto_yield(void);
void kcrypto_memzero_explicit(void *buf, size_t len);
size_t kcrypto_msg_data_left(struct msghdr *msg);
int kcrypto_msg_copy_from(struct msghdr *msg, void *buf, size_t len);
int kcrypto_msg_copy_to(struct msghdr *msg, const void *buf, size_t len);
int kcrypto_msg_segments(struct msghdr *msg, size_t *lens, unsigned int max);
void kcrypto_msg_skip(struct msghdr *msg, size_t len);
void *kcrypto_sock_buf_alloc(struct sock *sk, size_t len);
void kcrypto_sock_buf_free(struct sock *sk, void *buf, size_t len);
int kcrypto_msg_copy_page_from(struct msghdr *msg, struct page *page,
			       size_t offset, size_t len);
int kcrypto_msg_copy_page_to(struct msghdr *msg, struct page *page,
			     size_t offset, size_t len);
size_t kcrypto_sock_sndbuf(struct sock *sk);
void kcrypto_sock_publish_ready(struct sock *sk, bool readable, bool writable,
				size_t held);
const void *kcrypto_msg_control(struct msghdr *msg, size_t *len);
int kcrypto_copy_from_sockptr(void *dst, const sockptr_t *src, size_t len);
int kcrypto_family_register(void);
void kcrypto_family_unregister(void);

/* src/drivers.c */
struct kcrypto_alg_info;
size_t kcrypto_alg_list(struct kcrypto_alg_info *buf, size_t count);
int kcrypto_find_hardware(const char *name, const char *kind, char *driver,
			  size_t size);
int kcrypto_find_servable(const char *name, const char *kind, bool software,
			  char *driver, size_t size);
int kcrypto_driver_alg_name(const char *driver, char *name, size_t size);

/* src/policy/mod.rs */
bool kcrypto_policy_may_serve(const char *driver);
void kcrypto_shash_info(struct crypto_shash *tfm, struct kcrypto_alg_info *info);
void kcrypto_skcipher_info(struct crypto_skcipher *tfm,
			   struct kcrypto_alg_info *info);
void kcrypto_aead_info(struct crypto_aead *tfm, struct kcrypto_alg_info *info);
void kcrypto_rng_info(struct crypto_rng *tfm, struct kcrypto_alg_info *info);
void kcrypto_akcipher_info(struct crypto_akcipher *tfm,
			   struct kcrypto_alg_info *info);
int kcrypto_akcipher_lookup(const char *name, u32 type, u32 mask,
			    struct kcrypto_alg_info *info);

/* src/crypto/request.rs */
void kcrypto_job_release(void *job);

/* src/socket/adapter.rs: the Rust side of every socket operation */
int kcrypto_state_new(struct kcrypto_state **state);
void kcrypto_state_free(struct kcrypto_state *state);
int kcrypto_state_bind(struct kcrypto_state *state, struct sockaddr *addr,
		       int len);
int kcrypto_state_accept(struct kcrypto_state *state,
			 struct kcrypto_state **child);
int kcrypto_state_setsockopt(struct kcrypto_state *state, int level,
			     int optname, const sockptr_t *optval,
			     unsigned int optlen);
int kcrypto_state_sendmsg(struct kcrypto_state *state, struct sock *sk,
			  struct msghdr *msg, size_t len);
int kcrypto_state_getsockopt(struct kcrypto_state *state, int optname,
			     void *buf, size_t size, size_t *needed);
int kcrypto_state_recvmsg(struct kcrypto_state *state, struct msghdr *msg,
			  size_t len, int flags);
void kcrypto_state_update_ready(struct kcrypto_state *state, struct sock *sk);

/* kunit/kcrypto_kunit.c */
void kcrypto_kunit_fail(struct kunit *test, const char *msg);
void kcrypto_kunit_sleep(unsigned int ms);

/* KUnit cases written in Rust */
void kcrypto_test_sha256_kat(struct kunit *test);
void kcrypto_test_sha256_streaming(struct kunit *test);
void kcrypto_test_hmac_sha256_kat(struct kunit *test);
void kcrypto_test_hash_errors(struct kunit *test);
void kcrypto_test_skcipher_kat(struct kunit *test);
void kcrypto_test_skcipher_records(struct kunit *test);
void kcrypto_test_skcipher_errors(struct kunit *test);
void kcrypto_test_aead_kat(struct kunit *test);
void kcrypto_test_akcipher_rsa(struct kunit *test);
void kcrypto_test_aead_lengths(struct kunit *test);
void kcrypto_test_rng(struct kunit *test);
void kcrypto_test_page_buf(struct kunit *test);
void kcrypto_test_output_memory(struct kunit *test);
void kcrypto_test_request_orphans(struct kunit *test);
void kcrypto_test_errno_mapping(struct kunit *test);
void kcrypto_test_sockaddr_parse(struct kunit *test);
void kcrypto_test_socket_options(struct kunit *test);
void kcrypto_test_cmsg_parse(struct kunit *test);
void kcrypto_test_policy_name_parse(struct kunit *test);
void kcrypto_test_policy_generic_name(struct kunit *test);
void kcrypto_test_policy_decisions(struct kunit *test);
void kcrypto_test_policy_defaults(struct kunit *test);

#endif /* KCRYPTO_H */
