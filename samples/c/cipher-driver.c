// SPDX-License-Identifier: GPL-2.0
/*
 * cipher-driver: choose which implementation runs a symmetric cipher (any,
 * hardware only, software only, or one driver by name) and report which one
 * served, with kcrypto's KCRYPTO_GET_DRIVER option.
 *
 *   cipher-driver [-f FAMILY] [-c any|hardware|software] [-d] ALGORITHM HEXKEY HEXIV
 *
 * Encrypts (-d: decrypts) standard input, a whole number of blocks and at
 * most 64 KiB, to standard output, and names the driver on standard error.
 * ALGORITHM is a generic name ("cbc(aes)") or a driver name
 * ("virtio_crypto_aes_cbc"). "-c hardware" fails with ENODEV where no
 * off-CPU driver implements the algorithm.
 */
#include <errno.h>
#include <sys/socket.h>

#include "sample.h"

#define MAX_DATA	65536
/* The one flag bind() takes in salg_feat/salg_mask (<linux/crypto.h>). */
#define CRYPTO_ALG_KERN_DRIVER_ONLY	0x00001000

static int fail(const char *what)
{
	fprintf(stderr, "cipher-driver: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Sends one whole message with its direction and IV. */
static int send_message(int op, int decrypt, const unsigned char *iv, int ivlen,
			const unsigned char *data, size_t len)
{
	union {
		char buf[CMSG_SPACE(4) + CMSG_SPACE(sizeof(struct af_alg_iv) + 64)];
		struct cmsghdr align;
	} control = { 0 };
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = CMSG_SPACE(4) +
				  CMSG_SPACE(sizeof(struct af_alg_iv) + ivlen),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	struct af_alg_iv *alg_iv;
	__u32 value = decrypt ? ALG_OP_DECRYPT : ALG_OP_ENCRYPT;

	cmsg->cmsg_level = SOL_ALG;
	cmsg->cmsg_type = ALG_SET_OP;
	cmsg->cmsg_len = CMSG_LEN(4);
	memcpy(CMSG_DATA(cmsg), &value, 4);

	cmsg = CMSG_NXTHDR(&msg, cmsg);
	cmsg->cmsg_level = SOL_ALG;
	cmsg->cmsg_type = ALG_SET_IV;
	cmsg->cmsg_len = CMSG_LEN(sizeof(*alg_iv) + ivlen);
	alg_iv = (struct af_alg_iv *)CMSG_DATA(cmsg);
	alg_iv->ivlen = ivlen;
	memcpy(alg_iv->iv, iv, ivlen);

	return sendmsg(op, &msg, 0) == (ssize_t)len ? 0 : -1;
}

int main(int argc, char **argv)
{
	static unsigned char in[MAX_DATA], out[MAX_DATA];
	struct sockaddr_alg sa = { .salg_type = "skcipher" };
	int family = kcrypto_family(), decrypt = 0, keylen, ivlen, opt, tfm, op;
	unsigned char key[64], iv[64];
	struct kcrypto_alg_info info;
	socklen_t infolen = sizeof(info);
	ssize_t len, n;

	while ((opt = getopt(argc, argv, "f:c:d")) != -1) {
		if (opt == 'f') {
			family = atoi(optarg);
		} else if (opt == 'd') {
			decrypt = 1;
		} else if (opt == 'c' && !strcmp(optarg, "hardware")) {
			sa.salg_feat = CRYPTO_ALG_KERN_DRIVER_ONLY;
			sa.salg_mask = CRYPTO_ALG_KERN_DRIVER_ONLY;
		} else if (opt == 'c' && !strcmp(optarg, "software")) {
			sa.salg_mask = CRYPTO_ALG_KERN_DRIVER_ONLY;
		} else if (opt != 'c' || strcmp(optarg, "any")) {
			return 2;
		}
	}
	if (argc - optind != 3 || strlen(argv[optind]) >= sizeof(sa.salg_name)) {
		fprintf(stderr, "usage: cipher-driver [-f FAMILY] [-c any|hardware|software] [-d]\n"
			"                     ALGORITHM HEXKEY HEXIV\n");
		return 2;
	}
	keylen = unhex(argv[optind + 1], key, sizeof(key));
	ivlen = unhex(argv[optind + 2], iv, sizeof(iv));
	if (keylen < 0 || ivlen < 0) {
		fprintf(stderr, "cipher-driver: bad hex key or IV\n");
		return 2;
	}
	len = read_all(STDIN_FILENO, in, sizeof(in));
	if (len < 0) {
		fprintf(stderr, "cipher-driver: unreadable input, or over %d bytes\n", MAX_DATA);
		return 2;
	}

	sa.salg_family = family;
	memcpy(sa.salg_name, argv[optind], strlen(argv[optind]));
	tfm = socket(family, SOCK_SEQPACKET, 0);
	if (tfm < 0)
		return fail("socket");
	if (bind(tfm, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail("bind");
	if (setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, keylen) < 0)
		return fail("setsockopt(ALG_SET_KEY)");

	/*
	 * Which implementation the bind chose, known before any data is sent.
	 * The kernel's AF_ALG has no such option (EOPNOTSUPP).
	 */
	if (getsockopt(tfm, SOL_ALG, KCRYPTO_GET_DRIVER, &info, &infolen) == 0)
		fprintf(stderr, "driver %s (%s, module %s, priority %u, %s, %s)\n",
			info.driver, info.name,
			info.module[0] ? info.module : "built in", info.priority,
			info.flags & KCRYPTO_ALG_HARDWARE ? "hardware" : "software",
			info.flags & KCRYPTO_ALG_ASYNC ? "async" : "sync");
	else if (errno == EOPNOTSUPP || errno == ENOPROTOOPT)
		fprintf(stderr, "driver not reported (family %d has no KCRYPTO_GET_DRIVER)\n",
			family);
	else
		return fail("getsockopt(KCRYPTO_GET_DRIVER)");

	op = accept(tfm, NULL, NULL);
	if (op < 0)
		return fail("accept");
	if (send_message(op, decrypt, iv, ivlen, in, len) < 0)
		return fail("sendmsg");
	/* Waits for the driver; exactly the input's length comes back. */
	n = len ? recv(op, out, len, 0) : 0;
	if (n != len)
		return fail("recv");
	if (write_all(STDOUT_FILENO, out, n) < 0)
		return fail("write");
	close(op);
	close(tfm);
	return 0;
}
