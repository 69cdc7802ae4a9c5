// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "events_features.h"
#include "events_seq.h"

struct ev_seq_open {
	struct ev_seq s;	/* s.n == 0: none open */
	__s32 x[EV_SEQ_MAX_PACKETS];
};

void ev_seq_init(struct ev_sequencer *sq, __u64 gap_ns, ev_seq_fn fn, void *ctx)
{
	memset(sq, 0, sizeof(*sq));
	sq->gap_ns = gap_ns;
	sq->fn = fn;
	sq->ctx = ctx;
}

static int seq_close(struct ev_sequencer *sq, struct ev_seq_open *o)
{
	int err;

	if (!o->s.n)
		return 0;
	o->s.x = o->x;
	err = sq->fn(sq->ctx, &o->s);
	o->s.n = 0;
	return err;
}

static struct ev_seq_open *open_of(struct ev_sequencer *sq, __u32 device)
{
	if (device >= sq->n_open) {
		size_t n = device + 1;
		struct ev_seq_open *v = realloc(sq->open, n * sizeof(*v));

		if (!v)
			return NULL;
		for (size_t i = sq->n_open; i < n; i++)
			v[i].s.n = 0;
		sq->open = v;
		sq->n_open = n;
	}
	return &sq->open[device];
}

int ev_seq_push(struct ev_sequencer *sq, __u32 device, __u64 ts_ns, __s32 feature)
{
	struct ev_seq_open *o = open_of(sq, device);
	int err;

	if (!o)
		return -ENOMEM;
	if (o->s.n && ts_ns > o->s.end_ns && ts_ns - o->s.end_ns > sq->gap_ns) {
		err = seq_close(sq, o);
		if (err)
			return err;
	}
	if (o->s.n == EV_SEQ_MAX_PACKETS) {
		err = seq_close(sq, o);
		if (err)
			return err;
	}
	if (!o->s.n) {
		o->s.device = device;
		o->s.start_ns = ts_ns;
		o->s.end_ns = ts_ns;
	}
	if (ts_ns > o->s.end_ns)
		o->s.end_ns = ts_ns;
	o->x[o->s.n++] = feature;
	return 0;
}

int ev_seq_idle(struct ev_sequencer *sq, __u64 now_ns)
{
	for (size_t i = 0; i < sq->n_open; i++) {
		struct ev_seq_open *o = &sq->open[i];
		int err;

		if (o->s.n && now_ns > o->s.end_ns && now_ns - o->s.end_ns > sq->gap_ns) {
			err = seq_close(sq, o);
			if (err)
				return err;
		}
	}
	return 0;
}

int ev_seq_flush(struct ev_sequencer *sq)
{
	for (;;) {
		struct ev_seq_open *oldest = NULL;
		int err;

		for (size_t i = 0; i < sq->n_open; i++)
			if (sq->open[i].s.n && (!oldest || sq->open[i].s.start_ns < oldest->s.start_ns))
				oldest = &sq->open[i];
		if (!oldest)
			return 0;
		err = seq_close(sq, oldest);
		if (err)
			return err;
	}
}

void ev_seq_free(struct ev_sequencer *sq)
{
	free(sq->open);
	sq->open = NULL;
	sq->n_open = 0;
}

static int by_time(const void *a, const void *b, void *base)
{
	const struct ev_packet *pa = (const struct ev_packet *)base + *(const size_t *)a;
	const struct ev_packet *pb = (const struct ev_packet *)base + *(const size_t *)b;

	if (pa->ts_ns != pb->ts_ns)
		return pa->ts_ns < pb->ts_ns ? -1 : 1;
	/* Equal times keep the file's order: qsort is not stable. */
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

int ev_seq_cut(const struct ev_packets *p, __u64 gap_ns, ev_seq_fn fn, void *ctx)
{
	struct ev_sequencer sq;
	size_t *order;
	int err = 0;

	order = malloc((p->n ? p->n : 1) * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		order[i] = i;
	qsort_r(order, p->n, sizeof(*order), by_time, p->v);
	ev_seq_init(&sq, gap_ns, fn, ctx);
	for (size_t i = 0; i < p->n && !err; i++) {
		const struct ev_packet *pk = &p->v[order[i]];

		err = ev_seq_push(&sq, pk->device, pk->ts_ns, ev_feature(pk->dir, pk->len));
	}
	if (!err)
		err = ev_seq_flush(&sq);
	ev_seq_free(&sq);
	free(order);
	return err;
}
