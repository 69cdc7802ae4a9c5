/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small table of distinct strings (event labels, device names): records
 * and samples carry an index into it instead of a copy of the text.
 */
#ifndef IOTPROF_EVENTS_STRTAB_H
#define IOTPROF_EVENTS_STRTAB_H

#include <stddef.h>

struct ev_strtab {
	char **v;
	size_t n, cap;
};

/* The index of s, added when new.  Returns the index or -ENOMEM. */
int ev_strtab_intern(struct ev_strtab *t, const char *s);

/* The index of s, or -ENOENT. */
int ev_strtab_find(const struct ev_strtab *t, const char *s);

void ev_strtab_free(struct ev_strtab *t);

/* True when s is usable as one whitespace-free token of our text files:
 * non-empty, printable, no spaces, at most EV_TOKEN_MAX bytes. */
#define EV_TOKEN_MAX 128
int ev_token_ok(const char *s);

#endif
