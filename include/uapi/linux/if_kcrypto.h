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

/*
 * Out of tree, the family number is a parameter of kcrypto.ko; this is its
 * default. Read the number in use from KCRYPTO_FAMILY_PATH.
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

#endif /* _UAPI_LINUX_IF_KCRYPTO_H */
