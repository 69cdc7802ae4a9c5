// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "events_text.h"
#include "log.h"

int ev_lines_open(struct ev_lines *in, const char *path)
{
	memset(in, 0, sizeof(*in));
	in->path = path;
	in->f = fopen(path, "r");
	if (!in->f) {
		int err = -errno;

		pr_warn("%s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

int ev_lines_next(struct ev_lines *in)
{
	ssize_t n;

	errno = 0;
	n = getline(&in->line, &in->cap, in->f);
	if (n < 0) {
		if (errno == ENOMEM)
			return -ENOMEM;
		if (ferror(in->f)) {
			pr_warn("%s: read error after line %lu", in->path, in->no);
			return -EIO;
		}
		return 0;
	}
	in->no++;
	if (n && in->line[n - 1] == '\n')
		n--;
	if (n && in->line[n - 1] == '\r')
		n--;
	in->line[n] = '\0';
	in->len = n;
	if (strlen(in->line) != (size_t)n)
		return ev_lines_error(in, "a NUL byte: not a text file");
	return 1;
}

void ev_lines_close(struct ev_lines *in)
{
	if (in->f)
		fclose(in->f);
	free(in->line);
	memset(in, 0, sizeof(*in));
}

int ev_lines_error(const struct ev_lines *in, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_warn("%s:%lu: %s", in->path, in->no, msg);
	return -EINVAL;
}

int ev_split(char *s, char **fields, int max)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (!*s)
			return n;
		if (n == max)
			return max + 1;
		fields[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
}

int ev_parse_u64(const char *s, __u64 max, __u64 *out)
{
	__u64 v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d = (unsigned char)*s - '0';

		if (d > 9 || v > max / 10)
			return -EINVAL;
		v *= 10;
		if (d > max - v)
			return -EINVAL;
		v += d;
	}
	*out = v;
	return 0;
}

int ev_parse_s64(const char *s, __s64 max, __s64 *out)
{
	bool neg = *s == '-';
	__u64 v;

	if (*s == '-' || *s == '+')
		s++;
	if (ev_parse_u64(s, (__u64)max, &v))
		return -EINVAL;
	*out = neg ? -(__s64)v : (__s64)v;
	return 0;
}

int ev_parse_seconds_ns(const char *s, __u64 *out)
{
	const char *dot = strchr(s, '.');
	char whole[24];
	__u64 sec, ns = 0, scale = 100000000;
	size_t wl = dot ? (size_t)(dot - s) : strlen(s);

	if (!wl || wl >= sizeof(whole))
		return -EINVAL;
	memcpy(whole, s, wl);
	whole[wl] = '\0';
	/* 2^64 ns is year 2554: seconds up to 1.8e10 fit. */
	if (ev_parse_u64(whole, 18000000000ull, &sec))
		return -EINVAL;
	if (dot) {
		const char *p = dot + 1;

		if (!*p)
			return -EINVAL;
		for (; *p; p++) {
			unsigned d = (unsigned char)*p - '0';

			if (d > 9)
				return -EINVAL;
			ns += d * scale;	/* digits past the 9th are dropped */
			scale /= 10;
		}
	}
	*out = sec * 1000000000ull + ns;
	return 0;
}

int ev_parse_duration_ns(const char *s, __u64 *out)
{
	char num[32];
	size_t n = strlen(s);
	__u64 mul = 1, v;

	if (n >= sizeof(num) || !n)
		return -EINVAL;
	memcpy(num, s, n + 1);
	if (n > 2 && !strcmp(num + n - 2, "ms")) {
		num[n - 2] = '\0';
		mul = 1000000;
	} else if (n > 2 && !strcmp(num + n - 2, "us")) {
		num[n - 2] = '\0';
		mul = 1000;
	} else if (n > 1 && num[n - 1] == 's') {
		num[n - 1] = '\0';
	}
	if (ev_parse_seconds_ns(num, &v))
		return -EINVAL;
	*out = mul == 1 ? v : v / (1000000000ull / mul);
	return 0;
}

int ev_check_version(const struct ev_lines *in, char **f, int nf, const char *magic,
		     int version)
{
	__u64 v;

	if (nf != 2 || strcmp(f[0], magic))
		return ev_lines_error(in, "not a %s file: the first line must be '%s %d'",
				      magic, magic, version);
	if (ev_parse_u64(f[1], 1000000, &v) || v != (__u64)version)
		return ev_lines_error(in, "%s version '%s' is not supported (this iotprof reads version %d)",
				      magic, f[1], version);
	return 0;
}
