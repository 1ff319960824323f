/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers the C samples share: the family number, hex keys, reading input.
 * Each sample is otherwise a plain AF_ALG program.
 */
#ifndef KCRYPTO_SAMPLE_H
#define KCRYPTO_SAMPLE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_kcrypto.h>

/* The family kcrypto.ko registered (its "family" parameter), else the default. */
static inline int kcrypto_family(void)
{
	FILE *f = fopen(KCRYPTO_FAMILY_PATH, "r");
	int family = AF_KCRYPTO_DEFAULT;

	if (f) {
		if (fscanf(f, "%d", &family) != 1)
			family = AF_KCRYPTO_DEFAULT;
		fclose(f);
	}
	return family;
}

/* Decodes @hex into @out (at most @max bytes); returns the length or -1. */
static inline int unhex(const char *hex, unsigned char *out, size_t max)
{
	size_t len = strlen(hex) / 2;

	if (strlen(hex) % 2 || len > max)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &out[i]) != 1)
			return -1;
	return (int)len;
}

/* Reads all of @fd into @buf; returns the length, or -1 on error or above @max bytes. */
static inline ssize_t read_all(int fd, unsigned char *buf, size_t max)
{
	unsigned char extra;
	size_t len = 0;
	ssize_t n = 0;

	while (len < max && (n = read(fd, buf + len, max - len)) > 0)
		len += n;
	if (n < 0 || (len == max && read(fd, &extra, 1) != 0))
		return -1;
	return (ssize_t)len;
}

/* Writes all of @buf to @fd; returns 0 or -1. */
static inline int write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

#endif /* KCRYPTO_SAMPLE_H */
