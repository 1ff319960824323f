// SPDX-License-Identifier: GPL-2.0
/*
 * batch-hash: hash many small files with two system calls per batch. Each
 * file is one message of a single operation socket in record mode
 * (KCRYPTO_SET_RECORDS), where finished digests queue (up to 64) instead of
 * replacing each other as in AF_ALG: sendmmsg() submits a batch of them and
 * recvmmsg() collects their digests, in order; with -r, one sendmsg() whose
 * iovecs are the files and one recvmsg() whose iovecs take the digests.
 * This needs kcrypto.
 *
 *   batch-hash [-r] [-b BATCH] ALGORITHM FILE...
 *
 * Prints one line per file, like sha256sum. Files larger than 64 KiB are
 * refused (this sample reads each file whole into memory).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "sample.h"

#define MAX_BATCH 64		/* kcrypto's queue of unread digests */
#define MAX_FILE 65536

static unsigned char data[MAX_BATCH][MAX_FILE];
static unsigned char digests[MAX_BATCH][64];

static int fail(const char *what, const char *name)
{
	fprintf(stderr, "batch-hash: %s%s%s: %s\n", what, name ? " " : "",
		name ? name : "", strerror(errno));
	return 1;
}

/*
 * Record mode: one sendmsg() of @n iovecs, one recvmsg() that writes a
 * digest into each of @n iovecs; returns the digest size, or -1.
 */
static int hash_records(int op, struct iovec *in, struct iovec *out, unsigned int n)
{
	struct msghdr msg = { .msg_iov = in, .msg_iovlen = n };
	ssize_t got;

	if (sendmsg(op, &msg, 0) < 0) {
		fail("sendmsg", NULL);
		return -1;
	}
	msg.msg_iov = out;
	got = recvmsg(op, &msg, 0);
	if (got < 0) {
		fail("recvmsg", NULL);
		return -1;
	}
	return (int)(got / n);
}

/*
 * Hashes @files[0..@n) on @op: one sendmmsg(), one recvmmsg(), or in record
 * mode (@records) one sendmsg() and one recvmsg().
 */
static int hash_batch(int op, char **files, unsigned int n, unsigned int size,
		      int records)
{
	struct iovec send_iov[MAX_BATCH], recv_iov[MAX_BATCH];
	struct mmsghdr sends[MAX_BATCH], recvs[MAX_BATCH];
	unsigned int i, j;
	int got, sent;

	memset(sends, 0, sizeof(sends));
	memset(recvs, 0, sizeof(recvs));
	for (i = 0; i < n; i++) {
		int fd = open(files[i], O_RDONLY);
		ssize_t len;

		if (fd < 0)
			return fail("open", files[i]);
		len = read_all(fd, data[i], MAX_FILE);
		close(fd);
		if (len < 0) {
			errno = errno ? errno : EFBIG;
			return fail("read (at most 64 KiB)", files[i]);
		}
		send_iov[i] = (struct iovec){ data[i], (size_t)len };
		sends[i].msg_hdr.msg_iov = &send_iov[i];
		sends[i].msg_hdr.msg_iovlen = 1;
		recv_iov[i] = (struct iovec){ digests[i], size };
		recvs[i].msg_hdr.msg_iov = &recv_iov[i];
		recvs[i].msg_hdr.msg_iovlen = 1;
	}
	if (records) {
		int len = hash_records(op, send_iov, recv_iov, n);

		if (len < 0)
			return 1;
		for (i = 0; i < n; i++)
			recvs[i].msg_len = (unsigned int)len;
		goto print;
	}
	/* Without MSG_MORE every message is a whole file and leaves a digest. */
	sent = sendmmsg(op, sends, n, 0);
	if (sent < 0)
		return fail("sendmmsg", NULL);
	if ((unsigned int)sent != n) {
		fprintf(stderr, "batch-hash: sendmmsg took %d of %u files\n", sent, n);
		return 1;
	}
	got = recvmmsg(op, recvs, n, 0, NULL);
	if (got < 0)
		return fail("recvmmsg", NULL);
	if ((unsigned int)got != n) {
		fprintf(stderr, "batch-hash: recvmmsg returned %d of %u digests\n", got, n);
		return 1;
	}
print:
	for (i = 0; i < n; i++) {
		for (j = 0; j < recvs[i].msg_len; j++)
			printf("%02x", digests[i][j]);
		printf("  %s\n", files[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_alg sa = { .salg_type = "hash" };
	unsigned int batch = 16, size = 64;
	int family = kcrypto_family(), opt, tfm, op, records = 0, one = 1;

	while ((opt = getopt(argc, argv, "rb:")) != -1) {
		if (opt == 'r') {
			records = 1;
			continue;
		}
		if (opt != 'b')
			return 2;
		batch = (unsigned int)atoi(optarg);
		if (batch < 1 || batch > MAX_BATCH) {
			fprintf(stderr, "batch-hash: -b takes 1 to %d\n", MAX_BATCH);
			return 2;
		}
	}
	if (argc - optind < 2 || strlen(argv[optind]) >= sizeof(sa.salg_name)) {
		fprintf(stderr, "usage: batch-hash [-r] [-b BATCH] ALGORITHM FILE...\n");
		return 2;
	}
	sa.salg_family = family;
	memcpy(sa.salg_name, argv[optind], strlen(argv[optind]));

	tfm = socket(family, SOCK_SEQPACKET, 0);
	if (tfm < 0)
		return fail("socket", NULL);
	if (bind(tfm, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail("bind", argv[optind]);
	op = accept(tfm, NULL, NULL);
	if (op < 0)
		return fail("accept", NULL);
	if (setsockopt(op, SOL_ALG, KCRYPTO_SET_RECORDS, &one, sizeof(one)) < 0)
		return fail("setsockopt(KCRYPTO_SET_RECORDS)", NULL);
	/* Nothing is truncated: each digest is at most 64 bytes. */
	for (int i = optind + 1; i < argc; i += batch) {
		unsigned int left = (unsigned int)(argc - i);
		unsigned int n = left < batch ? left : batch;

		if (hash_batch(op, argv + i, n, size, records))
			return 1;
	}
	close(op);
	close(tfm);
	return 0;
}
