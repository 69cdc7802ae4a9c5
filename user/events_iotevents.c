// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "events_features.h"
#include "events_iotevents.h"
#include "events_sigfile.h"
#include "events_text.h"
#include "log.h"

void ev_iotevents_device(const char *path, char *out, size_t size)
{
	const char *base = strrchr(path, '/');
	char *dot;

	snprintf(out, size, "%s", base ? base + 1 : path);
	dot = strrchr(out, '.');
	if (dot && dot != out)
		*dot = '\0';
	for (char *p = out; *p; p++)	/* a device name is one token */
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			*p = '_';
	if (!*out)
		snprintf(out, size, "iotevents");
}

/* "\tTIME\tSPEED\tDIR\tLEN[\t]" into a feature and a time. */
static int parse_row(struct ev_lines *in, __s32 *feature, __u64 *t_ns)
{
	char *f[7], *s = in->line;
	int nf = 0;
	__u64 dir, len;

	while (nf < 7) {
		f[nf++] = s;
		s = strchr(s, '\t');
		if (!s)
			break;
		*s++ = '\0';
	}
	if (nf < 5 || nf > 6 || (nf == 6 && strspn(f[5], " ") != strlen(f[5])))
		return ev_lines_error(in, "a packet row is TAB time TAB speed TAB dir TAB len [TAB]");
	if (ev_parse_seconds_ns(f[1], t_ns))
		return ev_lines_error(in, "time '%s' is not seconds since the epoch", f[1]);
	if (ev_parse_u64(f[3], 1, &dir))
		return ev_lines_error(in, "dir '%s' is neither 0 (inbound) nor 1 (outbound)", f[3]);
	if (ev_parse_u64(f[4], 65535, &len) || !len)
		return ev_lines_error(in, "len '%s' is not a frame length from 1 to 65535", f[4]);
	*feature = ev_feature(dir ? IOTPROF_EVENT_OUT : IOTPROF_EVENT_IN, len);
	return 0;
}

/* The label line, trimmed, inner white space as '_'; NULL if unusable. */
static char *clean_label(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	for (char *p = s; *p; p++) {
		if (*p == ' ' || *p == '\t')
			*p = '_';
		else if ((unsigned char)*p < ' ' || (unsigned char)*p >= 0x7f)
			return NULL;
	}
	return ev_token_ok(s) ? s : NULL;
}

int ev_iotevents_read(const char *path, struct ev_dataset *ds)
{
	size_t first = ds->n, n = 0;
	unsigned long rows_from = 0;
	char device[256];
	struct ev_lines in;
	__u64 t0 = 0, t;
	__s32 *x;
	int err;

	ev_iotevents_device(path, device, sizeof(device));
	x = malloc(EV_SIG_MAX_N * sizeof(*x));
	if (!x)
		return -ENOMEM;
	err = ev_lines_open(&in, path);
	if (err) {
		free(x);
		return err;
	}
	while ((err = ev_lines_next(&in)) > 0) {
		char *label;

		if (in.line[0] == '\t') {
			if (n == EV_SIG_MAX_N) {
				err = ev_lines_error(&in, "a sequence longer than %d packets", EV_SIG_MAX_N);
				break;
			}
			err = parse_row(&in, &x[n], &t);
			if (err)
				break;
			if (!n++) {
				t0 = t;
				rows_from = in.no;
			}
			continue;
		}
		if (strspn(in.line, " \t") == in.len)
			continue;	/* blank lines carry no meaning */
		label = clean_label(in.line);
		if (!label) {
			err = ev_lines_error(&in, "a label line must be printable text");
			break;
		}
		if (!n) {
			err = ev_lines_error(&in, "label '%s' closes no packet rows", label);
			break;
		}
		err = ev_dataset_add(ds, x, n, label, device, t0);
		if (err < 0)
			break;
		err = 0;
		n = 0;
	}
	if (!err && n)
		pr_warn("%s:%lu: %zu packet rows after the last label have no label: ignored",
			path, rows_from, n);
	ev_lines_close(&in);
	free(x);
	if (err < 0) {
		while (ds->n > first)
			free(ds->v[--ds->n].x);
		return err;
	}
	return (int)(ds->n - first);
}
