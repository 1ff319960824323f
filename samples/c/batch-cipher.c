// SPDX-License-Identifier: GPL-2.0
/*
 * batch-cipher: encrypt or decrypt many small messages, each with its own
 * IV, in two system calls per 64 of them. The operation socket is in record
 * mode (KCRYPTO_SET_RECORDS): every iovec of one sendmsg() is a whole
 * message, its IV first, and one recvmsg() gives each message's output into
 * its own iovec. This needs kcrypto.
 *
 *   batch-cipher [-d] [-b BATCH] ALGORITHM HEXKEY
 *
 * Reads lines "HEXIV HEXDATA" from standard input and writes the output of
 * each as a hex line, in order. An IV is the algorithm's IV size (none for
 * ecb: write "-"); data is at most 4 KiB per line and, for cbc and ecb, a
 * whole number of blocks.
 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "sample.h"

#define MAX_BATCH	64	/* records one sendmsg() takes */
#define MAX_IV		32
#define MAX_DATA	4096

static unsigned char records[MAX_BATCH][MAX_IV + MAX_DATA];
static unsigned char outputs[MAX_BATCH][MAX_DATA];

static int fail(const char *what)
{
	fprintf(stderr, "batch-cipher: %s: %s\n", what, strerror(errno));
	return 1;
}

/* One sendmsg() of @n records with ALG_SET_OP, one recvmsg() of their outputs. */
static int crypt_batch(int op, int decrypt, struct iovec *in, struct iovec *out,
		       unsigned int n)
{
	union {
		char buf[CMSG_SPACE(4)];
		struct cmsghdr align;
	} control = { 0 };
	struct msghdr msg = {
		.msg_iov = in,
		.msg_iovlen = n,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	__u32 value = decrypt ? ALG_OP_DECRYPT : ALG_OP_ENCRYPT;
	size_t want = 0;
	unsigned int i;
	ssize_t got;

	cmsg->cmsg_level = SOL_ALG;
	cmsg->cmsg_type = ALG_SET_OP;
	cmsg->cmsg_len = CMSG_LEN(4);
	memcpy(CMSG_DATA(cmsg), &value, 4);
	if (sendmsg(op, &msg, 0) < 0)
		return fail("sendmsg");
	for (i = 0; i < n; i++)
		want += out[i].iov_len;
	msg = (struct msghdr){ .msg_iov = out, .msg_iovlen = n };
	got = recvmsg(op, &msg, 0);
	if (got < 0)
		return fail("recvmsg");
	if ((size_t)got != want) {
		fprintf(stderr, "batch-cipher: read %zd of %zu bytes\n", got, want);
		return 1;
	}
	for (i = 0; i < n; i++) {
		for (size_t j = 0; j < out[i].iov_len; j++)
			printf("%02x", outputs[i][j]);
		printf("\n");
	}
	return 0;
}

/* Parses "HEXIV HEXDATA" into record @i; returns 0 or -1. */
static int parse_line(char *line, unsigned int i, struct iovec *in,
		      struct iovec *out)
{
	char *iv = strtok(line, " \t\n"), *data = strtok(NULL, " \t\n");
	int ivlen, len;

	if (!iv || !data)
		return -1;
	ivlen = strcmp(iv, "-") ? unhex(iv, records[i], MAX_IV) : 0;
	if (ivlen < 0)
		return -1;
	len = unhex(data, records[i] + ivlen, MAX_DATA);
	if (len <= 0)
		return -1;
	in[i] = (struct iovec){ records[i], (size_t)(ivlen + len) };
	out[i] = (struct iovec){ outputs[i], (size_t)len };
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_alg sa = { .salg_type = "skcipher" };
	struct iovec in[MAX_BATCH], out[MAX_BATCH];
	unsigned int batch = MAX_BATCH, n = 0;
	int family = kcrypto_family(), opt, tfm, op, decrypt = 0, one = 1;
	unsigned char key[64];
	char line[2 * (MAX_IV + MAX_DATA) + 8];
	int keylen;

	while ((opt = getopt(argc, argv, "db:")) != -1) {
		if (opt == 'd') {
			decrypt = 1;
			continue;
		}
		if (opt != 'b')
			return 2;
		batch = (unsigned int)atoi(optarg);
		if (batch < 1 || batch > MAX_BATCH) {
			fprintf(stderr, "batch-cipher: -b takes 1 to %d\n", MAX_BATCH);
			return 2;
		}
	}
	if (argc - optind != 2 || strlen(argv[optind]) >= sizeof(sa.salg_name)) {
		fprintf(stderr, "usage: batch-cipher [-d] [-b BATCH] ALGORITHM HEXKEY\n");
		return 2;
	}
	keylen = unhex(argv[optind + 1], key, sizeof(key));
	if (keylen < 0) {
		fprintf(stderr, "batch-cipher: bad hex key\n");
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
	op = accept(tfm, NULL, NULL);
	if (op < 0)
		return fail("accept");
	if (setsockopt(op, SOL_ALG, KCRYPTO_SET_RECORDS, &one, sizeof(one)) < 0)
		return fail("setsockopt(KCRYPTO_SET_RECORDS)");
	while (fgets(line, sizeof(line), stdin)) {
		if (parse_line(line, n, in, out) < 0) {
			fprintf(stderr, "batch-cipher: want \"HEXIV HEXDATA\" lines\n");
			return 2;
		}
		if (++n == batch) {
			if (crypt_batch(op, decrypt, in, out, n))
				return 1;
			n = 0;
		}
	}
	if (n && crypt_batch(op, decrypt, in, out, n))
		return 1;
	close(op);
	close(tfm);
	return 0;
}
