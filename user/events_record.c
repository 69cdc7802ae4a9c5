// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "events_record.h"
#include "events_text.h"
#include "log.h"

int ev_packets_add(struct ev_packets *p, const struct ev_packet *pkt)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct ev_packet *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = *pkt;
	return 0;
}

void ev_packets_free(struct ev_packets *p)
{
	free(p->v);
	ev_strtab_free(&p->devices);
	memset(p, 0, sizeof(*p));
}

int ev_record_write_header(FILE *f)
{
	return fprintf(f, "%s %d\n# time_ns device dir len proto peer peer_port device_port\n",
		       EV_RECORD_MAGIC, EV_RECORD_VERSION) < 0 ? -EIO : 0;
}

int ev_record_write(FILE *f, const struct ev_packet *p, const char *device)
{
	char peer[ADDR_STR_MAX] = "-";

	if (p->family == 4 || p->family == 6)
		addr_format(p->peer, p->family, peer);
	return fprintf(f, "%llu %s %s %u %u %s %u %u\n", (unsigned long long)p->ts_ns, device,
		       p->dir == IOTPROF_EVENT_IN ? "in" : "out", p->len, p->proto, peer,
		       p->peer_port, p->device_port) < 0 ? -EIO : 0;
}

/* One record line (already split into 8 fields) into *p. */
static const char *parse_record(char **f, struct ev_packet *p, struct ev_packets *out)
{
	__u64 v;
	int dev;

	memset(p, 0, sizeof(*p));
	if (ev_parse_u64(f[0], UINT64_MAX, &p->ts_ns))
		return "time_ns is not a whole number of nanoseconds";
	if (!ev_token_ok(f[1]))
		return "the device is not a name without spaces";
	if (!strcmp(f[2], "in"))
		p->dir = IOTPROF_EVENT_IN;
	else if (!strcmp(f[2], "out"))
		p->dir = IOTPROF_EVENT_OUT;
	else
		return "dir is neither 'in' nor 'out'";
	if (ev_parse_u64(f[3], 65535, &v) || !v)
		return "len is not a frame length from 1 to 65535";
	p->len = v;
	if (ev_parse_u64(f[4], 255, &v))
		return "proto is not an IP protocol number (0-255)";
	p->proto = v;
	if (strcmp(f[5], "-") && addr_parse_ip(f[5], p->peer, &p->family))
		return "peer is not an IPv4 or IPv6 address (or '-')";
	if (ev_parse_u64(f[6], 65535, &v))
		return "peer_port is not a port (0-65535)";
	p->peer_port = v;
	if (ev_parse_u64(f[7], 65535, &v))
		return "device_port is not a port (0-65535)";
	p->device_port = v;
	dev = ev_strtab_intern(&out->devices, f[1]);
	if (dev < 0)
		return "out of memory";
	p->device = dev;
	return NULL;
}

int ev_record_read(const char *path, struct ev_packets *out)
{
	struct ev_lines in;
	size_t first = out->n;
	bool header = false;
	char *f[9];
	int err, nf;

	err = ev_lines_open(&in, path);
	if (err)
		return err;
	while ((err = ev_lines_next(&in)) > 0) {
		struct ev_packet p;
		const char *why;

		nf = ev_split(in.line, f, 9);
		if (nf == 0 || f[0][0] == '#')
			continue;
		if (!header) {
			err = ev_check_version(&in, f, nf, EV_RECORD_MAGIC, EV_RECORD_VERSION);
			if (err)
				goto fail;
			header = true;
			continue;
		}
		if (nf != 8) {
			err = ev_lines_error(&in, "expected 8 fields (time_ns device dir len proto peer peer_port device_port), found %d", nf);
			goto fail;
		}
		why = parse_record(f, &p, out);
		if (why) {
			err = ev_lines_error(&in, "%s", why);
			goto fail;
		}
		if (ev_packets_add(out, &p)) {
			err = -ENOMEM;
			goto fail;
		}
	}
	if (err < 0)
		goto fail;
	if (!header)
		err = ev_lines_error(&in, "empty file: no '%s %d' line", EV_RECORD_MAGIC, EV_RECORD_VERSION);
fail:
	if (err < 0)
		out->n = first;
	ev_lines_close(&in);
	return err < 0 ? err : 0;
}
