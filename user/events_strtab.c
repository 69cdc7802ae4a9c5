// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "events_strtab.h"

int ev_strtab_find(const struct ev_strtab *t, const char *s)
{
	/* Linear: tables hold tens of labels and a few devices. */
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i], s))
			return (int)i;
	return -ENOENT;
}

int ev_strtab_intern(struct ev_strtab *t, const char *s)
{
	int i = ev_strtab_find(t, s);
	char *copy;

	if (i >= 0)
		return i;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		char **v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	t->v[t->n] = copy;
	return (int)t->n++;
}

void ev_strtab_free(struct ev_strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

int ev_token_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > EV_TOKEN_MAX)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}
