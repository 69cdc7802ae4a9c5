/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading the line-oriented text files of job 2 (packet records, trigger
 * logs, IoTEvents sequences, signatures) with the same rules everywhere:
 * CRLF or LF, a NUL byte is an error, and every error names path:line.
 */
#ifndef IOTPROF_EVENTS_TEXT_H
#define IOTPROF_EVENTS_TEXT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

struct ev_lines {
	FILE *f;
	const char *path;
	char *line;		/* the current line, without its end of line */
	size_t len;		/* its length */
	size_t cap;
	unsigned long no;	/* 1-based number of the current line */
};

/* Returns 0 or -errno, having said why. */
int ev_lines_open(struct ev_lines *in, const char *path);
/* Reads the next line.  Returns 1, 0 at the end, or -errno. */
int ev_lines_next(struct ev_lines *in);
void ev_lines_close(struct ev_lines *in);

/* Says "path:line: <message>" and returns -EINVAL. */
int ev_lines_error(const struct ev_lines *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Splits s in place at runs of spaces and tabs into at most max fields
 * (further text lands in the last one's count: returns max + 1 then). */
int ev_split(char *s, char **fields, int max);

/* Whole decimal numbers, the whole string, within [0, max] or
 * [-max, max].  Return 0 or -EINVAL. */
int ev_parse_u64(const char *s, __u64 max, __u64 *out);
int ev_parse_s64(const char *s, __s64 max, __s64 *out);
/* A decimal number of seconds ("1.5", "1577670337.780211") to ns, without
 * going through a double: microsecond timestamps stay exact. */
int ev_parse_seconds_ns(const char *s, __u64 *out);
/* "2s", "500ms", "1.5" (seconds) to ns: the form of --gap and friends. */
int ev_parse_duration_ns(const char *s, __u64 *out);

/* Checks a "<magic> <version>" first line. */
int ev_check_version(const struct ev_lines *in, char **f, int nf, const char *magic,
		     int version);

#endif
