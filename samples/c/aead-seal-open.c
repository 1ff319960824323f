// SPDX-License-Identifier: GPL-2.0
/*
 * aead-seal-open: seal (encrypt and authenticate) or open an AEAD message
 * through AF_KCRYPTO, written as an AF_ALG program.
 *
 *   aead-seal-open [-f FAMILY] [-d] [-t TAGLEN] [-A AAD] ALGORITHM HEXKEY HEXIV
 *
 * Seals standard input (at most 64 KiB) and writes ciphertext || tag to
 * standard output; -d opens ciphertext || tag and writes the plaintext, or
 * exits with status 1 and writes nothing if authentication fails. -A gives
 * associated data (a string), authenticated but not encrypted. Every message
 * carries its own IV: never seal two messages with one key and IV.
 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "sample.h"

#define MAX_DATA	65536
#define MAX_AAD		4096
#define MAX_TAG		32

static int fail(const char *what)
{
	fprintf(stderr, "aead-seal-open: %s: %s\n", what, strerror(errno));
	return 2;
}

/* One message: ALG_SET_OP, ALG_SET_IV and ALG_SET_AEAD_ASSOCLEN, then AAD || data. */
static int send_message(int op, int decrypt, const unsigned char *iv, int ivlen,
			const char *aad, size_t aadlen,
			const unsigned char *data, size_t len)
{
	union {
		char buf[CMSG_SPACE(4) + CMSG_SPACE(sizeof(struct af_alg_iv) + 64) +
			 CMSG_SPACE(4)];
		struct cmsghdr align;
	} control = { 0 };
	struct iovec iov[2] = {
		{ .iov_base = (void *)aad, .iov_len = aadlen },
		{ .iov_base = (void *)data, .iov_len = len },
	};
	struct msghdr msg = {
		.msg_iov = iov,
		.msg_iovlen = 2,
		.msg_control = control.buf,
		.msg_controllen = CMSG_SPACE(4) +
				  CMSG_SPACE(sizeof(struct af_alg_iv) + ivlen) +
				  CMSG_SPACE(4),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	struct af_alg_iv *alg_iv;
	__u32 value;

	cmsg->cmsg_level = SOL_ALG;
	cmsg->cmsg_type = ALG_SET_OP;
	cmsg->cmsg_len = CMSG_LEN(4);
	value = decrypt ? ALG_OP_DECRYPT : ALG_OP_ENCRYPT;
	memcpy(CMSG_DATA(cmsg), &value, 4);

	cmsg = CMSG_NXTHDR(&msg, cmsg);
	cmsg->cmsg_level = SOL_ALG;
	cmsg->cmsg_type = ALG_SET_IV;
	cmsg->cmsg_len = CMSG_LEN(sizeof(*alg_iv) + ivlen);
	alg_iv = (struct af_alg_iv *)CMSG_DATA(cmsg);
	alg_iv->ivlen = ivlen;
	memcpy(alg_iv->iv, iv, ivlen);

	cmsg = CMSG_NXTHDR(&msg, cmsg);
	cmsg->cmsg_level = SOL_ALG;
	cmsg->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
	cmsg->cmsg_len = CMSG_LEN(4);
	value = aadlen;
	memcpy(CMSG_DATA(cmsg), &value, 4);

	return sendmsg(op, &msg, 0) == (ssize_t)(aadlen + len) ? 0 : -1;
}

int main(int argc, char **argv)
{
	static unsigned char in[MAX_DATA], out[MAX_AAD + MAX_DATA + MAX_TAG];
	struct sockaddr_alg sa = { .salg_type = "aead" };
	int family = kcrypto_family(), decrypt = 0, taglen = 16;
	unsigned char key[64], iv[64];
	int keylen, ivlen, opt, tfm, op;
	const char *aad = "";
	size_t aadlen, outlen;
	ssize_t len, n;

	while ((opt = getopt(argc, argv, "f:dt:A:")) != -1) {
		if (opt == 'f')
			family = atoi(optarg);
		else if (opt == 'd')
			decrypt = 1;
		else if (opt == 't')
			taglen = atoi(optarg);
		else if (opt == 'A')
			aad = optarg;
		else
			return 2;
	}
	if (argc - optind != 3 || strlen(argv[optind]) >= sizeof(sa.salg_name)) {
		fprintf(stderr, "usage: aead-seal-open [-f FAMILY] [-d] [-t TAGLEN] [-A AAD]\n"
			"                      ALGORITHM HEXKEY HEXIV\n");
		return 2;
	}
	keylen = unhex(argv[optind + 1], key, sizeof(key));
	ivlen = unhex(argv[optind + 2], iv, sizeof(iv));
	aadlen = strlen(aad);
	if (keylen < 0 || ivlen < 0 || taglen <= 0 || taglen > MAX_TAG || aadlen > MAX_AAD) {
		fprintf(stderr, "aead-seal-open: bad key, IV, tag length or AAD\n");
		return 2;
	}
	len = read_all(STDIN_FILENO, in, sizeof(in));
	if (len < 0) {
		fprintf(stderr, "aead-seal-open: unreadable input, or over %d bytes\n", MAX_DATA);
		return 2;
	}
	if (decrypt && len < taglen) {
		fprintf(stderr, "aead-seal-open: input shorter than the tag\n");
		return 1;
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
	/* The tag size is passed as the option's length, with no value. */
	if (setsockopt(tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, taglen) < 0)
		return fail("setsockopt(ALG_SET_AEAD_AUTHSIZE)");
	op = accept(tfm, NULL, NULL);
	if (op < 0)
		return fail("accept");

	if (send_message(op, decrypt, iv, ivlen, aad, aadlen, in, len) < 0)
		return fail("sendmsg");
	/* Output: AAD || ciphertext || tag, or AAD || plaintext; exactly that size. */
	outlen = aadlen + (decrypt ? len - taglen : len + taglen);
	n = recv(op, out, outlen, 0);
	if (n < 0 && errno == EBADMSG) {
		fprintf(stderr, "aead-seal-open: authentication failed\n");
		return 1;
	}
	if (n < 0)
		return fail("recv");
	if ((size_t)n != outlen) {
		fprintf(stderr, "aead-seal-open: short output (%zd of %zu bytes)\n", n, outlen);
		return 2;
	}
	if (write_all(STDOUT_FILENO, out + aadlen, outlen - aadlen) < 0)
		return fail("write");
	close(op);
	close(tfm);
	return 0;
}
