/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * if_kcrypto.h: userspace interface of kcrypto, a hardened, copy-based
 * socket interface to the kernel crypto API.
 *
 * The ABI is AF_ALG's (see <linux/if_alg.h>): SOCK_SEQPACKET sockets bound
 * with struct sockaddr_alg, options at level SOL_ALG, operation sockets from
 * accept(). A program written for AF_ALG works by changing only the family.
 */
#ifndef _UAPI_LINUX_IF_KCRYPTO_H
#define _UAPI_LINUX_IF_KCRYPTO_H

#include <linux/if_alg.h>
#include <linux/types.h>

/*
 * The family number is a parameter of kcrypto.ko: out of tree this is its
 * default; in tree the default is AF_KCRYPTO from <linux/socket.h>. Read the
 * number in use from KCRYPTO_FAMILY_PATH.
 */
#define AF_KCRYPTO_DEFAULT	25
#define KCRYPTO_FAMILY_PATH	"/sys/module/kcrypto/parameters/family"

/* Options are at level SOL_ALG, like AF_ALG's. */
#ifndef SOL_ALG
#define SOL_ALG			279
#endif

/*
 * kcrypto's own options start at 64: clear of upstream AF_ALG's numbers
 * (1-7 so far) and of libkcapi's never-merged 6-9.
 */
#define KCRYPTO_OPT_BASE	64

/*
 * getsockopt(SOL_ALG, KCRYPTO_GET_DRIVER) on a bound or operation socket:
 * one struct kcrypto_alg_info naming the implementation that serves it.
 */
#define KCRYPTO_GET_DRIVER	(KCRYPTO_OPT_BASE + 0)

/*
 * getsockopt(SOL_ALG, KCRYPTO_LIST_ALGS) on an unbound socket: an array of
 * struct kcrypto_alg_info, one per implementation a caller may bind to.
 * *optlen is set to the size of the whole list; a shorter buffer gets
 * ERANGE (retry with that size).
 */
#define KCRYPTO_LIST_ALGS	(KCRYPTO_OPT_BASE + 1)

/*
 * setsockopt(SOL_ALG, KCRYPTO_SET_RECORDS, &int, sizeof(int)) on a hash,
 * skcipher or aead operation socket: 1 makes every iovec of a sendmsg() one
 * whole message, so one call pair processes up to 64 messages; 0 restores
 * AF_ALG's semantics. A hash queues each message's digest and gives every
 * iovec of a recvmsg() one. A cipher or AEAD message starts with its IV
 * (ALG_SET_IV is refused), takes the sendmsg's direction and AAD length,
 * and the messages of one sendmsg are one request whose outputs are read
 * in order (see Documentation/userspace-api.rst).
 */
#define KCRYPTO_SET_RECORDS	(KCRYPTO_OPT_BASE + 2)

/* struct kcrypto_alg_info.flags */
#define KCRYPTO_ALG_ASYNC	0x1	/* requests may complete asynchronously */
#define KCRYPTO_ALG_HARDWARE	0x2	/* runs off the CPU (see userspace-api.rst) */

struct kcrypto_alg_info {
	char type[16];		/* salg_type: "hash", "skcipher", ... */
	char name[128];		/* generic name, e.g. "cbc(aes)" */
	char driver[128];	/* implementation, e.g. "cbc-aes-aesni" */
	char module[64];	/* providing module, "" if built in */
	__u32 priority;
	__u32 flags;		/* KCRYPTO_ALG_* */
};

/*
 * salg_type "akcipher": RSA public-key operations ("rsa", "pkcs1pad(rsa)",
 * "pkcs1pad(rsa,sha256)", ...). ALG_SET_KEY takes a DER RSAPublicKey; the
 * operations (ALG_SET_OP) are ALG_OP_ENCRYPT and KCRYPTO_OP_VERIFY (a
 * key-sized signature followed by the digest; recvmsg returns 0 bytes, or
 * EBADMSG if it does not verify). ALG_OP_DECRYPT and KCRYPTO_OP_SIGN would
 * need a private key in the kernel: EOPNOTSUPP.
 */
#define KCRYPTO_OP_SIGN		2
#define KCRYPTO_OP_VERIFY	3

/*
 * Driver classes in bind()'s salg_feat/salg_mask (the one flag AF_ALG takes):
 * feat = mask = CRYPTO_ALG_KERN_DRIVER_ONLY binds to hardware only,
 * feat = 0, mask = CRYPTO_ALG_KERN_DRIVER_ONLY to software only.
 */

#endif /* _UAPI_LINUX_IF_KCRYPTO_H */
