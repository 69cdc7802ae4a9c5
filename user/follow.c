// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "follow.h"

#define TCP_FIN 0x01
#define TCP_RST 0x04

struct known {
	struct flow_entry e;	/* as seen at the last poll */
	struct iotprof_flow reported;	/* counters at its last end (this epoch) */
	bool has_reported;
	bool ended;
	bool quiet;		/* unchanged at the last poll */
};

struct follow {
	__u64 idle_ns;
	struct known *v;	/* sorted by key */
	size_t n;
};

struct follow *follow_new(__u64 idle_ns)
{
	struct follow *f = calloc(1, sizeof(*f));

	if (f)
		f->idle_ns = idle_ns;
	return f;
}

void follow_free(struct follow *f)
{
	if (!f)
		return;
	free(f->v);
	free(f);
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct flow_entry *)a)->key, &((const struct flow_entry *)b)->key,
		      sizeof(struct iotprof_flow_key));
}

static bool counters_changed(const struct iotprof_flow *a, const struct iotprof_flow *b)
{
	return a->last_ns != b->last_ns || a->packets[0] != b->packets[0] ||
	       a->packets[1] != b->packets[1] || a->blocked != b->blocked;
}

static bool tcp_closed(const struct flow_entry *e)
{
	const __u8 *fl = e->val.tcp_flags;

	return e->key.proto == 6 && (((fl[0] | fl[1]) & TCP_RST) || (fl[0] & fl[1] & TCP_FIN));
}

/* Why a record that is still in the map has ended, if it has. */
static enum follow_end_reason end_reason(const struct follow *f, const struct known *k, __u64 now_ns)
{
	/* A FIN is followed by the last ACK: wait for a poll without change. */
	if (k->quiet && tcp_closed(&k->e))
		return FOLLOW_END_FIN;
	if (f->idle_ns && now_ns > k->e.val.last_ns && now_ns - k->e.val.last_ns >= f->idle_ns)
		return FOLLOW_END_IDLE;
	return FOLLOW_END_NONE;
}

static const struct iotprof_flow *reported(const struct known *k)
{
	return k->has_reported ? &k->reported : NULL;
}

static int end(struct known *k, enum follow_end_reason why, follow_fn fn, void *ctx)
{
	int err = fn(ctx, FOLLOW_END, why, &k->e, reported(k));

	k->ended = true;
	k->reported = k->e.val;
	k->has_reported = true;
	return err;
}

/* The state of one record that is in the map now; old is its state at the
 * last poll, or NULL. */
static int track(struct follow *f, struct known *k, const struct known *old, __u64 now_ns,
		 follow_fn fn, void *ctx)
{
	enum follow_end_reason why;
	int err;

	if (old && old->e.val.epoch != k->e.val.epoch) {
		if (!old->ended && (err = fn(ctx, FOLLOW_END, FOLLOW_END_EPOCH, &old->e, reported(old))))
			return err;
		old = NULL;
	}
	if (old) {
		k->reported = old->reported;
		k->has_reported = old->has_reported;
	}
	if (old && old->ended && !counters_changed(&old->e.val, &k->e.val)) {
		k->ended = true;	/* nothing new since its end */
		return 0;
	}
	if (!old || old->ended) {
		if ((err = fn(ctx, FOLLOW_NEW, FOLLOW_END_NONE, &k->e, reported(k))))
			return err;
	} else {
		k->quiet = !counters_changed(&old->e.val, &k->e.val);
		if (memcmp(&old->e.val.app, &k->e.val.app, sizeof(k->e.val.app)) &&
		    (err = fn(ctx, FOLLOW_APP, FOLLOW_END_NONE, &k->e, reported(k))))
			return err;
	}
	why = end_reason(f, k, now_ns);
	return why ? end(k, why, fn, ctx) : 0;
}

int follow_update(struct follow *f, struct flow_table *t, __u64 now_ns, follow_fn fn, void *ctx)
{
	struct known *next = calloc(t->n ? t->n : 1, sizeof(*next));
	size_t i = 0, j = 0;
	int err = 0;

	if (!next)
		return -ENOMEM;
	qsort(t->v, t->n, sizeof(t->v[0]), key_cmp);
	for (; !err && i < t->n; i++) {
		int c = 1;

		while (j < f->n && (c = key_cmp(&f->v[j].e, &t->v[i])) < 0)
			j++;	/* gone: reported below */
		next[i].e = t->v[i];
		err = track(f, &next[i], j < f->n && c == 0 ? &f->v[j] : NULL, now_ns, fn, ctx);
	}
	/* Records of the last poll that are not in the map any more. */
	for (size_t a = 0, b = 0; !err && a < f->n; a++) {
		int c = 1;

		while (b < t->n && (c = key_cmp(&t->v[b], &f->v[a].e)) < 0)
			b++;
		if ((b >= t->n || c != 0) && !f->v[a].ended)
			err = fn(ctx, FOLLOW_END, FOLLOW_END_EVICTED, &f->v[a].e, reported(&f->v[a]));
	}
	free(f->v);
	f->v = next;
	f->n = i;	/* on an error, the records tracked so far */
	return err;
}

int follow_finish(struct follow *f, follow_fn fn, void *ctx)
{
	int err = 0;

	for (size_t i = 0; !err && i < f->n; i++) {
		if (!f->v[i].ended)
			err = end(&f->v[i], FOLLOW_END_EXIT, fn, ctx);
	}
	return err;
}

const char *follow_event_name(enum follow_event ev)
{
	return ev == FOLLOW_NEW ? "new" : ev == FOLLOW_APP ? "app" : "end";
}

const char *follow_end_reason_name(enum follow_end_reason why)
{
	static const char *const names[] = { "", "fin", "idle", "evicted", "epoch", "exit" };

	return why < sizeof(names) / sizeof(names[0]) ? names[why] : "";
}
