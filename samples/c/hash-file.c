// SPDX-License-Identifier: GPL-2.0
/*
 * hash-file: hash (or HMAC) a file through AF_KCRYPTO, written exactly as an
 * AF_ALG program is; only the family number differs, read at runtime.
 *
 *   hash-file [-f FAMILY] [-k HEXKEY] ALGORITHM FILE
 *
 * -f 38 runs the same code on the kernel's own AF_ALG. Prints the digest in
 * hex followed by two spaces and the file name, like sha256sum.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "sample.h"

static int fail(const char *what)
{
	fprintf(stderr, "hash-file: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_alg sa = { .salg_type = "hash" };
	unsigned char key[128], buf[65536], digest[64];
	int family = kcrypto_family(), keylen = -1, opt, tfm, op, fd;
	ssize_t n, len;

	while ((opt = getopt(argc, argv, "f:k:")) != -1) {
		if (opt == 'f') {
			family = atoi(optarg);
		} else if (opt == 'k') {
			keylen = unhex(optarg, key, sizeof(key));
			if (keylen < 0) {
				fprintf(stderr, "hash-file: bad hex key\n");
				return 2;
			}
		} else {
			return 2;
		}
	}
	if (argc - optind != 2 || strlen(argv[optind]) >= sizeof(sa.salg_name)) {
		fprintf(stderr, "usage: hash-file [-f FAMILY] [-k HEXKEY] ALGORITHM FILE\n");
		return 2;
	}
	sa.salg_family = family;
	memcpy(sa.salg_name, argv[optind], strlen(argv[optind]));

	tfm = socket(family, SOCK_SEQPACKET, 0);
	if (tfm < 0)
		return fail("socket");
	if (bind(tfm, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail("bind");
	if (keylen >= 0 && setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, keylen) < 0)
		return fail("setsockopt(ALG_SET_KEY)");
	op = accept(tfm, NULL, NULL);
	if (op < 0)
		return fail("accept");

	fd = open(argv[optind + 1], O_RDONLY);
	if (fd < 0)
		return fail(argv[optind + 1]);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (send(op, buf, n, MSG_MORE) != n)
			return fail("send");
	if (n < 0)
		return fail("read");
	if (send(op, NULL, 0, 0) < 0)
		return fail("send");
	len = recv(op, digest, sizeof(digest), 0);
	if (len < 0)
		return fail("recv");

	for (ssize_t i = 0; i < len; i++)
		printf("%02x", digest[i]);
	printf("  %s\n", argv[optind + 1]);
	close(fd);
	close(op);
	close(tfm);
	return 0;
}
