// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "events_strtab.h"
#include "events_text.h"
#include "events_trigger.h"

int ev_triggers_add(struct ev_triggers *t, __u64 t_ns, const char *event, const char *device)
{
	struct ev_trigger *e;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct ev_trigger *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	e = &t->v[t->n];
	e->t_ns = t_ns;
	e->event = strdup(event);
	e->device = device && *device ? strdup(device) : NULL;
	if (!e->event || (device && *device && !e->device)) {
		free(e->event);
		free(e->device);
		return -ENOMEM;
	}
	t->n++;
	return 0;
}

void ev_triggers_sort(struct ev_triggers *t)
{
	/* Insertion sort: stable (equal times keep the log's order) and
	 * linear on the usual log, written in time order already. */
	for (size_t i = 1; i < t->n; i++) {
		struct ev_trigger e = t->v[i];
		size_t j = i;

		for (; j > 0 && t->v[j - 1].t_ns > e.t_ns; j--)
			t->v[j] = t->v[j - 1];
		t->v[j] = e;
	}
}

void ev_triggers_free(struct ev_triggers *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].event);
		free(t->v[i].device);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

int ev_parse_iso8601_ns(const char *s, __u64 *out)
{
	struct tm tm = {};
	const char *p;
	__u64 frac = 0, scale = 100000000;
	long off = 0;
	time_t secs;

	p = strptime(s, "%Y-%m-%d", &tm);
	if (!p || (*p != 'T' && *p != ' '))
		return -EINVAL;
	p = strptime(p + 1, "%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -EINVAL;
		for (p++; *p >= '0' && *p <= '9'; p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int h, m;
		char sign = *p;

		if (sscanf(p + 1, "%2d:%2d", &h, &m) != 2 || h > 23 || m > 59 || strlen(p) != 6)
			return -EINVAL;
		off = (h * 3600L + m * 60L) * (sign == '+' ? 1 : -1);
		p += 6;
	}
	if (*p)
		return -EINVAL;
	secs = timegm(&tm) - off;
	if (secs < 0)
		return -EINVAL;
	*out = (__u64)secs * 1000000000ull + frac;
	return 0;
}

static int parse_time(const char *s, __u64 *out)
{
	return ev_parse_seconds_ns(s, out) == 0 ? 0 : ev_parse_iso8601_ns(s, out);
}

/* Splits a CSV line in place: quoted fields, "" inside quotes. */
static int csv_split(char *s, char **f, int max)
{
	int n = 0;

	for (;;) {
		char *w;

		if (n == max)
			return max + 1;
		while (*s == ' ')
			s++;
		f[n++] = w = s;
		if (*s == '"') {
			for (s++;; s++) {
				if (!*s)
					return -1;	/* unterminated quote */
				if (*s == '"' && s[1] == '"')
					s++;
				else if (*s == '"') {
					s++;
					break;
				}
				*w++ = *s;
			}
			while (*s == ' ')
				s++;
			if (*s && *s != ',')
				return -1;
		} else {
			while (*s && *s != ',')
				*w++ = *s++;
			while (w > f[n - 1] && w[-1] == ' ')
				w--;
		}
		if (!*s) {
			*w = '\0';
			return n;
		}
		*w = '\0';
		s++;
	}
}

struct columns {
	int time, event, device;	/* -1 when absent */
};

/* A header row names the columns; a row whose first field is a time is
 * data, in the default order. */
static bool csv_header(char **f, int nf, struct columns *c)
{
	__u64 t;

	if (parse_time(f[0], &t) == 0)
		return false;
	c->time = c->event = c->device = -1;
	for (int i = 0; i < nf; i++) {
		if (!strcasecmp(f[i], "time") || !strcasecmp(f[i], "timestamp"))
			c->time = i;
		else if (!strcasecmp(f[i], "event") || !strcasecmp(f[i], "label"))
			c->event = i;
		else if (!strcasecmp(f[i], "device"))
			c->device = i;
	}
	return true;
}

static int read_line(struct ev_lines *in, struct ev_triggers *t, bool csv, bool *first,
		     struct columns *c)
{
	char *f[17];
	const char *dev;
	int nf;
	__u64 ts;

	nf = csv ? csv_split(in->line, f, 16) : ev_split(in->line, f, 3);
	if (nf < 0)
		return ev_lines_error(in, "an unterminated quoted field");
	if (nf == 0 || (nf == 1 && !*f[0]) || f[0][0] == '#')
		return 0;
	if (csv && *first) {
		*first = false;
		if (csv_header(f, nf, c)) {
			if (c->time < 0 || c->event < 0)
				return ev_lines_error(in, "the CSV header names no 'time' or no 'event' column");
			return 0;
		}
	}
	*first = false;
	if (nf > (csv ? 16 : 3))
		return ev_lines_error(in, "too many fields: a trigger is TIME EVENT [DEVICE]");
	if (nf <= c->time || nf <= c->event)
		return ev_lines_error(in, "a trigger needs a time and an event");
	if (parse_time(f[c->time], &ts))
		return ev_lines_error(in, "'%s' is not Unix seconds or an ISO 8601 time", f[c->time]);
	if (!ev_token_ok(f[c->event]))
		return ev_lines_error(in, "the event '%s' is not a name without spaces", f[c->event]);
	dev = c->device >= 0 && c->device < nf ? f[c->device] : NULL;
	if (dev && *dev && !ev_token_ok(dev))
		return ev_lines_error(in, "the device '%s' is not a name without spaces", dev);
	return ev_triggers_add(t, ts, f[c->event], dev);
}

int ev_triggers_read(const char *path, struct ev_triggers *t)
{
	struct columns c = { 0, 1, 2 };
	size_t len = strlen(path), first_n = t->n;
	bool csv = len > 4 && !strcasecmp(path + len - 4, ".csv");
	bool first = true, decided = csv;
	struct ev_lines in;
	int err;

	err = ev_lines_open(&in, path);
	if (err)
		return err;
	while ((err = ev_lines_next(&in)) > 0) {
		if (!decided && in.line[0] != '#' && strspn(in.line, " \t") != in.len) {
			csv = strchr(in.line, ',') != NULL;
			decided = true;
		}
		err = read_line(&in, t, csv, &first, &c);
		if (err)
			break;
	}
	ev_lines_close(&in);
	if (err < 0) {
		while (t->n > first_n) {
			t->n--;
			free(t->v[t->n].event);
			free(t->v[t->n].device);
		}
		return err;
	}
	ev_triggers_sort(t);
	return 0;
}
