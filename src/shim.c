// SPDX-License-Identifier: GPL-2.0
/*
 * kcrypto's C shim: static inline kernel functions, structure layouts and
 * the socket object plumbing that Rust cannot reach through the 6.12 kernel
 * crate. Decisions (state machine, parsing, limits) are made in Rust; see
 * src/ffi.rs for the Rust side of every function here.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <crypto/akcipher.h>
#include <crypto/internal/rsa.h>
#include <crypto/hash.h>
#include <crypto/internal/rng.h>
#include <crypto/rng.h>
#include <crypto/skcipher.h>
#include <keys/user-type.h>
#include <linux/capability.h>
#include <linux/key.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sockptr.h>
#include <linux/uio.h>
#include <linux/user_namespace.h>
#include <net/sock.h>
#include <linux/if_kcrypto.h>

#include "kcrypto.h"

/* Module parameters (the 6.12 Rust module! macro has none). */

/*
 * In tree, <linux/socket.h> reserves AF_KCRYPTO (scripts/patch-series adds
 * it); out of tree the default is a number no 6.12 kernel registers.
 */
#ifdef AF_KCRYPTO
#define KCRYPTO_FAMILY_DEFAULT	AF_KCRYPTO
#else
#define KCRYPTO_FAMILY_DEFAULT	AF_KCRYPTO_DEFAULT
#endif

static int family = KCRYPTO_FAMILY_DEFAULT;
module_param(family, int, 0444);
MODULE_PARM_DESC(family, "socket family number to register (default "
		 __stringify(KCRYPTO_FAMILY_DEFAULT) "; " __stringify(AF_ALG)
		 " = AF_ALG compat mode, needs the kernel's af_alg unloaded)");

static unsigned long max_op_bytes = 1UL << 30;
module_param(max_op_bytes, ulong, 0644);
MODULE_PARM_DESC(max_op_bytes, "most bytes one operation may take in (default 1 GiB)");

/*
 * Algorithm policy (src/policy/, Documentation/userspace-api.rst "Policy"):
 * which names bind() accepts. The lists are read under kernel_param_lock, so
 * a concurrent write through sysfs is never seen half-done.
 */
static unsigned int policy = 1;

static int kcrypto_policy_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 2);
}

static const struct kernel_param_ops kcrypto_policy_ops = {
	.set = kcrypto_policy_set,
	.get = param_get_uint,
};

module_param_cb(policy, &kcrypto_policy_ops, &policy, 0644);
MODULE_PARM_DESC(policy, "which algorithms bind() accepts: 0 open, 1 allowlists (default), 2 none");

/*
 * Allowlists, one pair per type: allow_TYPE for everyone, allow_TYPE_priv in
 * addition for privileged callers. Names are separated by white space or by
 * commas outside parentheses; each is a generic name (see src/policy/).
 */
#define KCRYPTO_ALLOW_HASH "sha1 sha224 sha256 sha384 sha512 sha3-224 sha3-256 sha3-384 sha3-512 hmac(sha1) hmac(sha224) hmac(sha256) hmac(sha384) hmac(sha512) hmac(sha3-224) hmac(sha3-256) hmac(sha3-384) hmac(sha3-512) cmac(aes) xcbc(aes) crc32c"
#define KCRYPTO_ALLOW_HASH_PRIV "md5 hmac(md5) crc32 xxhash64 blake2b-160 blake2b-256 blake2b-384 blake2b-512 sm3 hmac(sm3) streebog256 streebog512 ghash polyval cmac(sm4) cmac(des3_ede) michael_mic"
#define KCRYPTO_ALLOW_SKCIPHER "cbc(aes) ecb(aes) ctr(aes) xts(aes) cts(cbc(aes)) xctr(aes) rfc3686(ctr(aes)) chacha20 xchacha20"
#define KCRYPTO_ALLOW_SKCIPHER_PRIV "xchacha12 hctr2(aes) essiv(cbc(aes),sha256) adiantum(xchacha12,aes) adiantum(xchacha20,aes) cbc(sm4) ctr(sm4) ecb(sm4) xts(sm4) cbc(des3_ede) ecb(des3_ede) ctr(des3_ede) cbc(camellia) ecb(camellia) xts(camellia) cbc(serpent) xts(serpent) cbc(twofish) xts(twofish)"
#define KCRYPTO_ALLOW_AEAD "gcm(aes) ccm(aes) rfc4106(gcm(aes)) rfc4309(ccm(aes)) rfc4543(gcm(aes)) rfc7539(chacha20,poly1305) rfc7539esp(chacha20,poly1305)"
#define KCRYPTO_ALLOW_AEAD_PRIV "authenc(hmac(sha1),cbc(aes)) authenc(hmac(sha256),cbc(aes)) authenc(hmac(sha384),cbc(aes)) authenc(hmac(sha512),cbc(aes)) authenc(hmac(sha256),rfc3686(ctr(aes))) authenc(hmac(sha1),cbc(des3_ede)) gcm(sm4) ccm(sm4)"
#define KCRYPTO_ALLOW_RNG "stdrng"
#define KCRYPTO_ALLOW_RNG_PRIV "jitterentropy_rng"
#define KCRYPTO_ALLOW_AKCIPHER "rsa pkcs1pad(rsa) pkcs1pad(rsa,sha256) pkcs1pad(rsa,sha384) pkcs1pad(rsa,sha512)"
#define KCRYPTO_ALLOW_AKCIPHER_PRIV "pkcs1pad(rsa,sha1) pkcs1pad(rsa,sha224) pkcs1pad(rsa,sha3-256) pkcs1pad(rsa,sha3-384) pkcs1pad(rsa,sha3-512)"

static char allow_hash[KCRYPTO_POLICY_LIST_MAX] = KCRYPTO_ALLOW_HASH;
module_param_string(allow_hash, allow_hash, KCRYPTO_POLICY_LIST_MAX, 0644);
MODULE_PARM_DESC(allow_hash, "hash algorithms anyone may bind to");
static char allow_hash_priv[KCRYPTO_POLICY_LIST_MAX] = KCRYPTO_ALLOW_HASH_PRIV;
module_param_string(allow_hash_priv, allow_hash_priv, KCRYPTO_POLICY_LIST_MAX,
		    0644);
MODULE_PARM_DESC(allow_hash_priv,
		 "hash algorithms CAP_NET_ADMIN/CAP_SYS_ADMIN callers may bind to as well");

static char allow_skcipher[KCRYPTO_POLICY_LIST_MAX] = KCRYPTO_ALLOW_SKCIPHER;
module_param_string(allow_skcipher, allow_skcipher, KCRYPTO_POLICY_LIST_MAX, 0644);
MODULE_PARM_DESC(allow_skcipher, "skcipher algorithms anyone may bind to");
static char allow_skcipher_priv[KCRYPTO_POLICY_LIST_MAX] = KCRYPTO_ALLOW_SKCIPHER_PRIV;
module_param_string(allow_skcipher_priv, allow_skcipher_priv, KCRYPTO_POLICY_LIST_MAX,
		    0644);
MODULE_PARM_DESC(allow_skcipher_priv,
		 "skcipher algorithms CAP_NET_ADMIN/CAP_SYS_ADMIN callers may bind to as well");

static char allow_aead[KCRYPTO_POLICY_LIST_MAX] = KCRYPTO_ALLOW_AEAD;
module_param_string(allow_aead, allow_aead, KCRYPTO_POLICY_LIST_MAX, 0644);
MODULE_PARM_DESC(allow_aead, "aead algorithms anyone may bind to");
static char allow_aead_priv[KCRYPTO_POLICY_LIST_MAX] = KCRYPTO_ALLOW_AEAD_PRIV;
module_param_string(allow_aead_priv, allow_aead_priv, KCRYPTO_POLICY_LIST_MAX,
		    0644);
MODULE_PARM_DESC(allow_aead_priv,
		 "aead algorithms CAP_NET_ADMIN/CAP_SYS_ADMIN callers may bind to as well");

static char allow_rng[KCRYPTO_POLICY_LIST_MAX] = KCRYPTO_ALLOW_RNG;
module_param_string(allow_rng, allow_rng, KCRYPTO_POLICY_LIST_MAX, 0644);
MODULE_PARM_DESC(allow_rng, "rng algorithms anyone may bind to");
static char allow_rng_priv[KCRYPTO_POLICY_LIST_MAX] = KCRYPTO_ALLOW_RNG_PRIV;
module_param_string(allow_rng_priv, allow_rng_priv, KCRYPTO_POLICY_LIST_MAX,
		    0644);
MODULE_PARM_DESC(allow_rng_priv,
		 "rng algorithms CAP_NET_ADMIN/CAP_SYS_ADMIN callers may bind to as well");

static char allow_akcipher[KCRYPTO_POLICY_LIST_MAX] = KCRYPTO_ALLOW_AKCIPHER;
module_param_string(allow_akcipher, allow_akcipher, KCRYPTO_POLICY_LIST_MAX, 0644);
MODULE_PARM_DESC(allow_akcipher, "akcipher algorithms anyone may bind to");
static char allow_akcipher_priv[KCRYPTO_POLICY_LIST_MAX] = KCRYPTO_ALLOW_AKCIPHER_PRIV;
module_param_string(allow_akcipher_priv, allow_akcipher_priv, KCRYPTO_POLICY_LIST_MAX,
		    0644);
MODULE_PARM_DESC(allow_akcipher_priv,
		 "akcipher algorithms CAP_NET_ADMIN/CAP_SYS_ADMIN callers may bind to as well");

static const struct {
	const char *type;
	const char *list;
	const char *priv;
} kcrypto_allowlists[] = {
	{ "hash", allow_hash, allow_hash_priv },
	{ "skcipher", allow_skcipher, allow_skcipher_priv },
	{ "aead", allow_aead, allow_aead_priv },
	{ "rng", allow_rng, allow_rng_priv },
	{ "akcipher", allow_akcipher, allow_akcipher_priv },
};

unsigned int kcrypto_param_policy(void)
{
	return READ_ONCE(policy);
}

/*
 * Copies the allowlist of @type (@priv: the additions for privileged callers)
 * into @buf; returns its length, or -ENOENT for a type without a list.
 */
int kcrypto_policy_list(const char *type, bool priv, char *buf, size_t size)
{
	ssize_t len;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kcrypto_allowlists); i++) {
		if (strcmp(kcrypto_allowlists[i].type, type))
			continue;
		kernel_param_lock(THIS_MODULE);
		len = strscpy(buf, priv ? kcrypto_allowlists[i].priv :
			      kcrypto_allowlists[i].list, size);
		kernel_param_unlock(THIS_MODULE);
		return len;
	}
	return -ENOENT;
}

/*
 * Privileged callers get the wider lists: CAP_NET_ADMIN in the initial user
 * namespace (as for other network configuration) or CAP_SYS_ADMIN. Not
 * audited: a refusal here only means the shorter list applies.
 */
bool kcrypto_policy_privileged(void)
{
	return ns_capable_noaudit(&init_user_ns, CAP_NET_ADMIN) ||
	       ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN);
}

int kcrypto_param_family(void)
{
	return family;
}

u64 kcrypto_param_max_op_bytes(void)
{
	return READ_ONCE(max_op_bytes);
}

/* Synchronous hashes */

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

/* Copy a computation in progress through the algorithm's export format. */
struct shash_desc *kcrypto_shash_desc_clone(struct shash_desc *desc)
{
	struct shash_desc *copy;
	void *state;
	int err;

	state = kmalloc(crypto_shash_statesize(desc->tfm), GFP_KERNEL_ACCOUNT);
	if (!state)
		return ERR_PTR(-ENOMEM);
	copy = kcrypto_shash_desc_alloc(desc->tfm);
	err = copy ? crypto_shash_export(desc, state) : -ENOMEM;
	if (!err)
		err = crypto_shash_import(copy, state);
	kfree_sensitive(state);
	if (err) {
		kfree_sensitive(copy);
		return ERR_PTR(err);
	}
	return copy;
}

/* Symmetric ciphers and AEADs (their requests: src/request.c) */

void kcrypto_skcipher_free(struct crypto_skcipher *tfm)
{
	crypto_free_skcipher(tfm);
}

bool kcrypto_skcipher_needs_key(struct crypto_skcipher *tfm)
{
	return crypto_skcipher_get_flags(tfm) & CRYPTO_TFM_NEED_KEY;
}

void kcrypto_skcipher_sizes(struct crypto_skcipher *tfm,
			    struct kcrypto_cipher_sizes *sizes)
{
	*sizes = (struct kcrypto_cipher_sizes) {
		.iv = crypto_skcipher_ivsize(tfm),
		.block = crypto_skcipher_blocksize(tfm),
		.chunk = crypto_skcipher_chunksize(tfm),
		.state = crypto_skcipher_statesize(tfm),
	};
}

void kcrypto_aead_free(struct crypto_aead *tfm)
{
	crypto_free_aead(tfm);
}

bool kcrypto_aead_needs_key(struct crypto_aead *tfm)
{
	return crypto_aead_get_flags(tfm) & CRYPTO_TFM_NEED_KEY;
}

void kcrypto_aead_sizes(struct crypto_aead *tfm,
			struct kcrypto_cipher_sizes *sizes)
{
	*sizes = (struct kcrypto_cipher_sizes) {
		.iv = crypto_aead_ivsize(tfm),
		.block = crypto_aead_blocksize(tfm),
		.chunk = crypto_aead_blocksize(tfm),
		.tag = crypto_aead_authsize(tfm),
		.max_tag = crypto_aead_maxauthsize(tfm),
	};
}

/* Public-key ciphers: only the public key is ever set (see ops/akcipher.rs) */

void kcrypto_akcipher_free(struct crypto_akcipher *tfm)
{
	crypto_free_akcipher(tfm);
}

int kcrypto_akcipher_set_pub_key(struct crypto_akcipher *tfm, const u8 *key,
				 unsigned int len)
{
	return crypto_akcipher_set_pub_key(tfm, key, len);
}

unsigned int kcrypto_akcipher_max_size(struct crypto_akcipher *tfm)
{
	return crypto_akcipher_maxsize(tfm);
}

/*
 * Parses @key as an RSAPublicKey before any driver sees it (virtio-crypto's
 * RSA in 6.12 cannot free a transform whose key it failed to parse) and
 * finds its modulus: *@offset and *@len in @key.
 */
int kcrypto_rsa_public_modulus(const u8 *key, unsigned int len,
			       unsigned int *offset, unsigned int *n_len)
{
#if IS_REACHABLE(CONFIG_CRYPTO_RSA)
	struct rsa_key parsed = {};
	int err = rsa_parse_pub_key(&parsed, key, len);

	if (err)
		return err;
	if (!parsed.n_sz || !parsed.e_sz)
		return -EINVAL;
	*offset = parsed.n - key;
	*n_len = parsed.n_sz;
	return 0;
#else
	return -ENOENT;
#endif
}

/* Random number generators */

void kcrypto_rng_free(struct crypto_rng *tfm)
{
	crypto_free_rng(tfm);
}

int kcrypto_rng_get_bytes(struct crypto_rng *tfm, u8 *buf, unsigned int len)
{
	return crypto_rng_get_bytes(tfm, buf, len);
}

/*
 * Test entropy for a DRBG; the algorithm keeps @data, which must outlive @tfm.
 * Other generators would silently ignore it (rng_default_set_ent).
 */
int kcrypto_rng_set_entropy(struct crypto_rng *tfm, const u8 *data,
			    unsigned int len)
{
	const char *driver = crypto_tfm_alg_driver_name(crypto_rng_tfm(tfm));

	if (strncmp(driver, "drbg_", 5))
		return -EOPNOTSUPP;
	crypto_rng_set_entropy(tfm, data, len);
	return 0;
}

/* Keys from the caller's keyrings */

/*
 * Copies the payload of the user or logon key @serial into @buf (search
 * permission needed, as AF_ALG); returns its length or -errno.
 */
int kcrypto_key_read(s32 serial, u8 *buf, size_t size)
{
	const struct user_key_payload *payload;
	key_ref_t ref;
	struct key *key;
	int ret;

	ref = lookup_user_key(serial, 0, KEY_NEED_SEARCH);
	if (IS_ERR(ref))
		return PTR_ERR(ref);
	key = key_ref_to_ptr(ref);
	down_read(&key->sem);
	if (key->type != &key_type_user && key->type != &key_type_logon) {
		ret = -EKEYREJECTED;
		goto out;
	}
	payload = user_key_payload_locked(key);
	if (!payload) {
		ret = -EKEYREVOKED;
		goto out;
	}
	if (payload->datalen > size) {
		ret = -EMSGSIZE;
		goto out;
	}
	memcpy(buf, payload->data, payload->datalen);
	ret = payload->datalen;
out:
	up_read(&key->sem);
	key_put(key);
	return ret;
}

bool kcrypto_capable_sys_admin(void)
{
	return capable(CAP_SYS_ADMIN);
}

/* Long operations: let others run; true if the task is being killed. */
bool kcrypto_yield(void)
{
	cond_resched();
	return fatal_signal_pending(current);
}

/* Buffers */

void kcrypto_memzero_explicit(void *buf, size_t len)
{
	memzero_explicit(buf, len);
}

/* Socket messages and options */

size_t kcrypto_msg_data_left(struct msghdr *msg)
{
	return msg_data_left(msg);
}

/* Returns 0 if all of @len was copied, -EFAULT otherwise. */
int kcrypto_msg_copy_from(struct msghdr *msg, void *buf, size_t len)
{
	return copy_from_iter(buf, len, &msg->msg_iter) == len ? 0 : -EFAULT;
}

int kcrypto_msg_copy_to(struct msghdr *msg, const void *buf, size_t len)
{
	return copy_to_iter(buf, len, &msg->msg_iter) == len ? 0 : -EFAULT;
}

/*
 * The lengths of what is left of each of the message's iovecs, into @lens
 * (room for @max), empty ones included; returns their number, or -EMSGSIZE
 * if there are more. A message not made of iovecs (send()'s single buffer, a
 * splice's pages) is one segment.
 */
int kcrypto_msg_segments(struct msghdr *msg, size_t *lens, unsigned int max)
{
	const struct iov_iter *iter = &msg->msg_iter;
	size_t left = iov_iter_count(iter), offset = iter->iov_offset;
	unsigned int i;

	if (!iter_is_iovec(iter)) {
		if (!max)
			return -EMSGSIZE;
		lens[0] = left;
		return 1;
	}
	for (i = 0; i < iter->nr_segs; i++) {
		size_t len = min(iter_iov(iter)[i].iov_len - offset, left);

		if (i == max)
			return -EMSGSIZE;
		lens[i] = len;
		left -= len;
		offset = 0;
	}
	return i;
}

/* Skips @len bytes of the message. */
void kcrypto_msg_skip(struct msghdr *msg, size_t len)
{
	iov_iter_advance(&msg->msg_iter, len);
}

/*
 * Buffers for a socket's data, charged to its option memory (bounded by
 * net.core.optmem_max) and to the caller's memory cgroup; zeroed, and wiped
 * when freed. -ENOBUFS when the socket is over its bound.
 */
void *kcrypto_sock_buf_alloc(struct sock *sk, size_t len)
{
	void *buf;

	if (len > INT_MAX)
		return ERR_PTR(-EMSGSIZE);
	buf = sock_kmalloc(sk, len, GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN);
	return buf ?: ERR_PTR(-ENOBUFS);
}

void kcrypto_sock_buf_free(struct sock *sk, void *buf, size_t len)
{
	sock_kzfree_s(sk, buf, len);
}

/*
 * The control messages of a sendmsg(): a kernel copy (msg_control_is_user is
 * false there), or NULL with *len = 0 if there are none or they are not.
 */
const void *kcrypto_msg_control(struct msghdr *msg, size_t *len)
{
	if (msg->msg_control_is_user || !msg->msg_control) {
		*len = 0;
		return NULL;
	}
	*len = msg->msg_controllen;
	return msg->msg_control;
}

int kcrypto_msg_copy_page_from(struct msghdr *msg, struct page *page,
			       size_t offset, size_t len)
{
	return copy_page_from_iter(page, offset, len, &msg->msg_iter) == len ?
	       0 : -EFAULT;
}

int kcrypto_msg_copy_page_to(struct msghdr *msg, struct page *page,
			     size_t offset, size_t len)
{
	return copy_page_to_iter(page, offset, len, &msg->msg_iter) == len ?
	       0 : -EFAULT;
}

/* The socket's send buffer size (SO_SNDBUF) bounds the data it holds. */
size_t kcrypto_sock_sndbuf(struct sock *sk)
{
	return READ_ONCE(sk->sk_sndbuf);
}

int kcrypto_copy_from_sockptr(void *dst, const sockptr_t *src, size_t len)
{
	return copy_from_sockptr(dst, *src, len);
}

/*
 * The socket family. Every socket's private state is a Rust object
 * (struct kcrypto_state, src/socket/) created with the socket and freed on
 * release; these functions only manage the struct sock around it.
 */

struct kcrypto_sock {
	struct sock sk;
	struct kcrypto_state *state;
	/* EPOLLIN/EPOLLOUT as the state last reported them (see kcrypto_poll) */
	__poll_t ready;
};

static struct kcrypto_sock *kcrypto_sk(struct sock *sk)
{
	return container_of(sk, struct kcrypto_sock, sk);
}

static struct kcrypto_state *kcrypto_state(struct socket *sock)
{
	return kcrypto_sk(sock->sk)->state;
}

static struct proto kcrypto_proto = {
	.name = "KCRYPTO",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct kcrypto_sock),
};

static const struct proto_ops kcrypto_ops;

/* Wraps @state (consumed) in a new struct sock attached to @sock. */
static int kcrypto_sock_attach(struct net *net, struct socket *sock,
			       struct kcrypto_state *state, int kern)
{
	struct sock *sk;

	sk = sk_alloc(net, family, GFP_KERNEL, &kcrypto_proto, kern);
	if (!sk) {
		kcrypto_state_free(state);
		return -ENOMEM;
	}
	kcrypto_sk(sk)->state = state;
	sock->ops = &kcrypto_ops;
	sock_init_data(sock, sk);
	return 0;
}

static int kcrypto_create(struct net *net, struct socket *sock, int protocol,
			  int kern)
{
	struct kcrypto_state *state;
	int err;

	if (sock->type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	if (protocol != 0)
		return -EPROTONOSUPPORT;
	err = kcrypto_state_new(&state);
	if (err)
		return err;
	return kcrypto_sock_attach(net, sock, state, kern);
}

static int kcrypto_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	kcrypto_state_free(kcrypto_sk(sk)->state);
	kcrypto_sk(sk)->state = NULL;
	sock_orphan(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static int kcrypto_bind(struct socket *sock, struct sockaddr *addr, int len)
{
	return kcrypto_state_bind(kcrypto_state(sock), addr, len);
}

/*
 * Readiness of an operation socket, published by its state (with the state
 * locked) after every call: readable when recv has something to return
 * (possibly after waiting for a driver), writable when a send has room.
 * Bound sockets take no data. poll() itself reads the published flags only,
 * so it never waits for a call in progress. The memory the socket's messages
 * and results take (@held, what SO_SNDBUF bounds) goes where SO_MEMINFO reads
 * it: SK_MEMINFO_WMEM_QUEUED.
 */
void kcrypto_sock_publish_ready(struct sock *sk, bool readable, bool writable,
				size_t held)
{
	__poll_t ready = (readable ? EPOLLIN | EPOLLRDNORM : 0) |
			 (writable ? EPOLLOUT | EPOLLWRNORM : 0);
	__poll_t old = xchg(&kcrypto_sk(sk)->ready, ready);

	WRITE_ONCE(sk->sk_wmem_queued, min_t(size_t, held, INT_MAX));

	if ((ready & ~old) & EPOLLIN)
		sk->sk_data_ready(sk);
	if ((ready & ~old) & EPOLLOUT)
		sk->sk_write_space(sk);
}

static int kcrypto_accept(struct socket *sock, struct socket *newsock,
			  struct proto_accept_arg *arg)
{
	struct kcrypto_state *child;
	int err;

	err = kcrypto_state_accept(kcrypto_state(sock), &child);
	if (err)
		return err;
	err = kcrypto_sock_attach(sock_net(sock->sk), newsock, child, arg->kern);
	if (err)
		return err;
	security_sock_graft(newsock->sk, newsock);
	security_sk_clone(sock->sk, newsock->sk);
	kcrypto_state_update_ready(child, newsock->sk);
	newsock->state = SS_CONNECTED;
	return 0;
}

static int kcrypto_setsockopt(struct socket *sock, int level, int optname,
			      sockptr_t optval, unsigned int optlen)
{
	return kcrypto_state_setsockopt(kcrypto_state(sock), level, optname,
					&optval, optlen);
}

/* The longest answer getsockopt() gives: the driver list, ~3000 entries. */
#define KCRYPTO_GETSOCKOPT_MAX	SZ_1M

static int kcrypto_getsockopt(struct socket *sock, int level, int optname,
			      char __user *optval, int __user *optlen)
{
	size_t size, needed = 0;
	void *buf;
	int len, err;

	if (level != SOL_ALG)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	size = min_t(size_t, len, KCRYPTO_GETSOCKOPT_MAX);
	buf = kvzalloc(size ?: 1, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	err = kcrypto_state_getsockopt(kcrypto_state(sock), optname, buf, size,
				       &needed);
	if (!err && needed > size)
		err = needed > KCRYPTO_GETSOCKOPT_MAX ? -ENOBUFS : -ERANGE;
	if (!err && copy_to_user(optval, buf, needed))
		err = -EFAULT;
	if ((!err || err == -ERANGE) && put_user((int)needed, optlen))
		err = -EFAULT;
	kvfree(buf);
	return err;
}

static int kcrypto_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	int ret;

	ret = kcrypto_state_sendmsg(kcrypto_state(sock), sock->sk, msg, len);
	kcrypto_state_update_ready(kcrypto_state(sock), sock->sk);
	return ret;
}

static int kcrypto_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
			   int flags)
{
	int ret;

	ret = kcrypto_state_recvmsg(kcrypto_state(sock), msg, len, flags);
	kcrypto_state_update_ready(kcrypto_state(sock), sock->sk);
	return ret;
}

static __poll_t kcrypto_poll(struct file *file, struct socket *sock,
			     poll_table *wait)
{
	sock_poll_wait(file, sock, wait);
	if (sock->state != SS_CONNECTED)
		return 0;
	return READ_ONCE(kcrypto_sk(sock->sk)->ready);
}

/*
 * proto_ops.family is informational (sockets take the registered number from
 * net_proto_family below), so the const table states the default.
 */
static const struct proto_ops kcrypto_ops = {
	.family = KCRYPTO_FAMILY_DEFAULT,
	.owner = THIS_MODULE,
	.release = kcrypto_release,
	.bind = kcrypto_bind,
	.connect = sock_no_connect,
	.socketpair = sock_no_socketpair,
	.accept = kcrypto_accept,
	.getname = sock_no_getname,
	.poll = kcrypto_poll,
	.ioctl = sock_no_ioctl,
	.listen = sock_no_listen,
	.shutdown = sock_no_shutdown,
	.setsockopt = kcrypto_setsockopt,
	.getsockopt = kcrypto_getsockopt,
	.sendmsg = kcrypto_sendmsg,
	.recvmsg = kcrypto_recvmsg,
	.mmap = sock_no_mmap,
};

static struct net_proto_family kcrypto_family = {
	.create = kcrypto_create,
	.owner = THIS_MODULE,
};

int kcrypto_family_register(void)
{
	int err;

	if (family <= 0 || family >= NPROTO) {
		pr_err("family=%d is out of range (1..%d)\n", family, NPROTO - 1);
		return -EINVAL;
	}
	/* A slab of its own, so every struct sock is charged to its memcg. */
	err = proto_register(&kcrypto_proto, 1);
	if (err)
		return err;
	kcrypto_family.family = family;
	err = sock_register(&kcrypto_family);
	if (err && family == AF_ALG)
		pr_err("AF_ALG compat mode (family=%d): AF_ALG is registered by the kernel's af_alg (%d); unload algif_* and af_alg, or keep them from loading, first\n",
		       family, err);
	else if (err)
		pr_err("socket family %d is taken (%d); load with family=N for a free number\n",
		       family, err);
	if (err) {
		proto_unregister(&kcrypto_proto);
		return err;
	}
	if (family == AF_ALG)
		pr_info("AF_ALG compat mode: serving AF_ALG programs\n");
	return 0;
}

void kcrypto_family_unregister(void)
{
	sock_unregister(family);
	proto_unregister(&kcrypto_proto);
}
