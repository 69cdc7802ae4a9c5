// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Job 2's steps on crafted data: sequences, pairing, features, the split,
 * the refusals, the kNN methods and their ties, choosing k, the report
 * and detection.  (The kNN against scikit-learn itself:
 * test_events_sklearn.py.)
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "events_detect.h"
#include "events_pair.h"
#include "events_report.h"
#include "events_seq.h"
#include "events_train.h"
#include "events_test.h"
#include "log.h"

struct check_state check_state = { .suite = "events-model" };

#define S 1000000000ull

struct seqs {
	struct ev_seq v[16];
	__s32 x[16][8];
	size_t n;
};

static int keep_seq(void *ctx, const struct ev_seq *s)
{
	struct seqs *c = ctx;

	if (c->n == 16)
		return -ENOSPC;
	c->v[c->n] = *s;
	memcpy(c->x[c->n], s->x, (s->n < 8 ? s->n : 8) * sizeof(__s32));
	c->n++;
	return 0;
}

static void add_pkt(struct ev_packets *p, const char *dev, __u64 t, __u8 dir, __u32 len)
{
	struct ev_packet k = { .ts_ns = t, .dir = dir, .len = len };

	k.device = ev_strtab_intern(&p->devices, dev);
	ev_packets_add(p, &k);
}

static void test_sequences_cut_at_gap(void)
{
	struct ev_packets p = {};
	struct seqs c = {};

	/* Out of order in the file, two devices interleaved. */
	add_pkt(&p, "a", 10 * S, IOTPROF_EVENT_OUT, 100);
	add_pkt(&p, "a", 10 * S + S / 2, IOTPROF_EVENT_IN, 200);
	add_pkt(&p, "b", 10 * S + S / 4, IOTPROF_EVENT_IN, 60);
	add_pkt(&p, "a", 11 * S + S / 2, IOTPROF_EVENT_OUT, 300);	/* gap exactly 1 s: same */
	add_pkt(&p, "a", 12 * S + S / 2 + 1, IOTPROF_EVENT_IN, 400);	/* gap 1 s + 1 ns: cut */
	add_pkt(&p, "b", 9 * S, IOTPROF_EVENT_OUT, 70);
	EXPECT_RET(ev_seq_cut(&p, S, keep_seq, &c), 0, "cut");
	if (!EXPECT_EQ(c.n, 4, "sequences"))
		goto out;
	/* b's first packet is 9 s, then 10.25 s: a gap above a. */
	EXPECT(c.v[0].device == 1 && c.v[0].n == 1 && c.x[0][0] == -70, "b alone at 9 s");
	EXPECT(c.v[1].device == 0 && c.v[1].n == 3, "a: three packets within a");
	EXPECT(c.x[1][0] == -100 && c.x[1][1] == 200 && c.x[1][2] == -300, "d·l: in +, out -");
	EXPECT_EQ(c.v[1].start_ns, 10 * S, "start");
	EXPECT_EQ(c.v[1].end_ns, 11 * S + S / 2, "end");
	EXPECT(c.v[2].device == 1 && c.x[2][0] == 60, "b's second, flushed by age");
	EXPECT(c.v[3].device == 0 && c.v[3].n == 1 && c.x[3][0] == 400, "a's last");
out:
	ev_packets_free(&p);
}

static void test_sequence_limits_and_idle(void)
{
	struct ev_sequencer sq;
	struct seqs c = {};

	ev_seq_init(&sq, S, keep_seq, &c);
	for (int i = 0; i < EV_SEQ_MAX_PACKETS + 3; i++)
		ev_seq_push(&sq, 0, 5 * S + i, 60);
	EXPECT_EQ(c.n, 1, "a full sequence closes");
	EXPECT_EQ(c.v[0].n, EV_SEQ_MAX_PACKETS, "at the maximum");
	ev_seq_push(&sq, 2, 5 * S, -60);
	EXPECT_RET(ev_seq_idle(&sq, 5 * S + S / 2), 0, "idle");
	EXPECT_EQ(c.n, 1, "not idle for more than a yet");
	EXPECT_RET(ev_seq_idle(&sq, 6 * S + 2000), 0, "idle");
	EXPECT_EQ(c.n, 3, "both quiet for more than a");
	EXPECT_EQ(c.v[1].n, 3, "the rest of the long one");
	ev_seq_push(&sq, 1, 4 * S, 1);
	ev_seq_push(&sq, 1, 3 * S, 2);	/* earlier: a zero gap, same sequence */
	EXPECT_RET(ev_seq_flush(&sq), 0, "flush");
	EXPECT(c.n == 4 && c.v[3].n == 2, "an earlier packet does not cut");
	ev_seq_free(&sq);
}

static void test_pairing(void)
{
	struct ev_packets p = {};
	struct ev_triggers t = {};
	struct ev_dataset ds = {};
	struct ev_pair_stats st;
	const char *said;

	add_pkt(&p, "10.0.0.2", 100 * S, IOTPROF_EVENT_OUT, 100);	/* 0.5 s after toggle */
	add_pkt(&p, "10.0.0.2", 200 * S, IOTPROF_EVENT_OUT, 100);	/* nothing near: other */
	add_pkt(&p, "10.0.0.3", 99 * S + S / 2, IOTPROF_EVENT_OUT, 100);	/* another device */
	add_pkt(&p, "10.0.0.3", 300 * S, IOTPROF_EVENT_IN, 100);	/* 1.5 s before "cam" trigger */
	ev_triggers_add(&t, 99 * S + S / 2, "toggle", "10.0.0.2");
	ev_triggers_add(&t, 98 * S, "boot", NULL);			/* 1.5 s before 10.0.0.3's */
	ev_triggers_add(&t, 301 * S + S / 2, "motion", "cam");		/* a name, not an address */
	ev_triggers_add(&t, 500 * S, "never", NULL);
	ev_triggers_sort(&t);
	stderr_begin();
	EXPECT_RET(ev_pair_records(&p, &t, S, 2 * S, &ds, &st), 0, "pair");
	said = stderr_end();
	EXPECT(strstr(said, "device 'cam' is in no packet record") != NULL, "said: %s", said);
	if (!EXPECT_EQ(ds.n, 4, "samples"))
		goto out;
	for (size_t i = 0; i < ds.n; i++) {
		const char *l = ds.labels.v[ds.v[i].label], *d = ds.devices.v[ds.v[i].device];
		__u64 t0 = ds.v[i].t_ns;

		if (!strcmp(d, "10.0.0.2") && t0 == 100 * S)
			EXPECT(!strcmp(l, "toggle"), "device's own trigger: %s", l);
		else if (!strcmp(d, "10.0.0.2"))
			EXPECT(!strcmp(l, EV_LABEL_OTHER), "unpaired: %s", l);
		else if (t0 < 200 * S)
			EXPECT(!strcmp(l, "boot"), "any-device trigger, not toggle of another device: %s", l);
		else
			EXPECT(!strcmp(l, "motion"), "unknown device name: any device: %s", l);
	}
	EXPECT_EQ(st.sequences, 4, "sequences");
	EXPECT_EQ(st.paired, 3, "paired");
	EXPECT_EQ(st.triggers_unpaired, 1, "unpaired triggers");
out:
	ev_dataset_free(&ds);
	ev_triggers_free(&t);
	ev_packets_free(&p);
}

static void test_split_is_seeded(void)
{
	struct ev_dataset a = {}, b = {};
	size_t held = 0, same = 0;

	for (int i = 0; i < 101; i++) {
		__s32 x = i + 1;

		ev_dataset_add(&a, &x, 1, i % 2 ? "on" : "off", "d", i);
		ev_dataset_add(&b, &x, 1, i % 2 ? "on" : "off", "d", i);
	}
	ev_dataset_split(&a, 7);
	ev_dataset_split(&b, 7);
	for (size_t i = 0; i < a.n; i++) {
		held += a.v[i].test;
		same += a.v[i].test == b.v[i].test;
	}
	EXPECT_EQ(held, 21, "ceil(20 %) held out");
	EXPECT_EQ(same, 101, "same seed, same split");
	ev_dataset_split(&b, 8);
	same = 0;
	for (size_t i = 0; i < a.n; i++)
		same += a.v[i].test && b.v[i].test;
	EXPECT(same < 21, "another seed, another split");
	ev_dataset_free(&a);
	ev_dataset_free(&b);
}

static void test_refusals(void)
{
	struct ev_dataset ds = {};
	__s32 x = 60;
	const char *said;

	stderr_begin();
	EXPECT(ev_dataset_check(&ds, "empty.sig") == -EINVAL, "empty refused");
	said = stderr_end();
	EXPECT(strstr(said, "empty.sig: no sequences") != NULL, "says why: %s", said);
	for (int i = 0; i < 10; i++)
		ev_dataset_add(&ds, &x, 1, "on", "d", 0);
	ev_dataset_split(&ds, 1);
	stderr_begin();
	EXPECT(ev_dataset_check(&ds, "one.sig") == -EINVAL, "single class refused");
	said = stderr_end();
	EXPECT(strstr(said, "every sequence is labelled 'on'") != NULL, "says why: %s", said);
	/* Two labels, but the one 'off' is held out: training has one. */
	ev_dataset_add(&ds, &x, 1, "off", "d", 0);
	for (size_t i = 0; i < ds.n; i++)
		ds.v[i].test = i == 10;
	stderr_begin();
	EXPECT(ev_dataset_check(&ds, "t.sig") == -EINVAL, "single-class training refused");
	said = stderr_end();
	EXPECT(strstr(said, "training samples (80 %) are all labelled 'on'") != NULL, "says why: %s", said);
	ev_dataset_free(&ds);
}

/* Training samples of lengths 2 and 4; queries of length 2, 3 and 5. */
static void small_set(struct ev_dataset *ds)
{
	ev_dataset_add(ds, (__s32[]){ 100, -100 }, 2, "b", "d", 0);
	ev_dataset_add(ds, (__s32[]){ 100, -100 }, 2, "a", "d", 0);	/* same vector: a tie */
	ev_dataset_add(ds, (__s32[]){ 500, -500 }, 2, "c", "d", 0);
	ev_dataset_add(ds, (__s32[]){ 100, -100, 60, 60 }, 4, "long", "d", 0);
}

static void test_knn_methods(void)
{
	struct ev_dataset ds = {};
	struct ev_model m;

	small_set(&ds);
	if (ev_model_build(&m, &ds, EV_METHOD_PAPER, false))
		return;
	EXPECT_RET(ev_model_predict(&m, (__s32[]){ 110, -90 }, 2, 1), 0,
		   "paper k=1: equal distances, the earlier sample");
	EXPECT_RET(ev_model_predict(&m, (__s32[]){ 110, -90 }, 2, 2), 1,
		   "paper k=2: one vote each, 'a' first in byte order");
	EXPECT_RET(ev_model_predict(&m, (__s32[]){ 110, -90 }, 2, 50), 1,
		   "k above the group: the whole group votes");
	EXPECT_RET(ev_model_predict(&m, (__s32[]){ 1, 2, 3 }, 3, 1), -1, "paper: unseen length");
	ev_model_free(&m);

	ev_model_build(&m, &ds, EV_METHOD_NEAREST, false);
	EXPECT_RET(ev_model_predict(&m, (__s32[]){ 100, -100, 60 }, 3, 1), 0,
		   "nearest: length 3 to the shorter group on a tie (2)");
	EXPECT_RET(ev_model_predict(&m, (__s32[]){ 500, -500, 60, 60, 9 }, 5, 1), 3,
		   "nearest: length 5 to the group of 4, cut");
	ev_model_free(&m);

	ev_model_build(&m, &ds, EV_METHOD_PAD, false);
	EXPECT_EQ(m.pad_len, 4, "pad to the longest");
	EXPECT_RET(ev_model_predict(&m, (__s32[]){ 100, -100, 60 }, 3, 1), 0,
		   "pad: [100,-100,60,0] as near to [100,-100,0,0] as to the long one: the earlier");
	EXPECT_RET(ev_model_predict(&m, (__s32[]){ 100, -100, 60, 50 }, 4, 1), 3,
		   "pad: nearest to the long one");
	EXPECT_RET(ev_model_predict(&m, (__s32[]){ 490, -500, 0, 0, 0, 70000 }, 6, 1), 2,
		   "pad: a longer query is cut");
	ev_model_free(&m);
	ev_dataset_free(&ds);
}

static void test_heap_selection(void)
{
	/* scikit-learn's heap: among equal distances, which one a nearer
	 * candidate evicts is the heap's choice.  k=3 over [2,2,1,1] keeps
	 * 1, 2, 3 there, not 0, 2, 3 (the earliest ones). */
	__u64 d[] = { 2, 2, 1, 1 };
	size_t pos[4];
	bool kept[4] = {};
	unsigned n = ev_select_k(d, 4, 3, pos);

	EXPECT_EQ(n, 3, "three kept");
	for (unsigned i = 0; i < n; i++)
		kept[pos[i]] = true;
	EXPECT(!kept[0] && kept[1] && kept[2] && kept[3], "the heap's choice: %zu %zu %zu",
	       pos[0], pos[1], pos[2]);
	n = ev_select_k(d, 4, 9, pos);
	EXPECT_EQ(n, 4, "k above the count");
}

static void test_k_scan_and_report(void)
{
	struct ev_signature sig = { .method = EV_METHOD_PAPER, .k = 1 };
	struct ev_dataset *ds = &sig.ds;
	struct ev_kscan scan;
	struct ev_report r;
	int pred[16];

	/* Training: on = +60 ±, off = -60 ±; held out: one of each, one other
	 * sequence, and one of a length nobody trained. */
	for (int i = 0; i < 4; i++) {
		ev_dataset_add(ds, (__s32[]){ 60 + i, -60 }, 2, "on", "plug", 0);
		ev_dataset_add(ds, (__s32[]){ -60 - i, 60 }, 2, "off", "plug", 0);
	}
	ev_dataset_add(ds, (__s32[]){ 61, -61 }, 2, "on", "plug", 0);
	ev_dataset_add(ds, (__s32[]){ -61, 61 }, 2, "other", "cam", 0);
	ev_dataset_add(ds, (__s32[]){ -61, 61, 5 }, 3, "off", "plug", 0);
	for (size_t i = 8; i < ds->n; i++)
		ds->v[i].test = 1;
	EXPECT_RET(ev_scan_k(ds, EV_METHOD_PAPER, 3, &scan), 0, "scan");
	EXPECT_EQ(scan.n_test, 3, "held out");
	EXPECT_EQ(scan.correct[1], 1, "k=1: 'on' right, 'other' unknown to training, length 3 unseen");
	EXPECT_EQ(scan.best_k, 1, "the smallest k of the best");
	EXPECT_RET(ev_predict_held_out(ds, EV_METHOD_PAPER, 1, pred), 0, "predict");
	EXPECT_EQ(pred[0], -2, "training samples: -2");
	EXPECT_EQ(pred[10], -1, "unseen length: -1");
	EXPECT_RET(ev_report_compute(ds, pred, &r), 0, "report");
	EXPECT_EQ(r.n_test, 3, "report's held out");
	EXPECT_EQ(r.unclassified, 1, "unclassified");
	EXPECT_EQ(r.event_total[0], 2, "plug: two event sequences");
	EXPECT_EQ(r.event_correct[0], 1, "plug: one recognised (leakage 0.5)");
	EXPECT_EQ(r.event_total[1], 0, "cam: no event sequence (leakage undefined)");
	EXPECT_EQ(r.confusion[1 * 4 + 3], 1, "off -> not classified");
	ev_report_free(&r);
	ev_sig_free(&sig);
}

static void test_detection(void)
{
	struct ev_signature sig = { .method = EV_METHOD_PAD, .k = 1, .gap_ns = S };
	struct ev_privacy priv = {};
	struct ev_detector d;
	char out[512] = "";
	FILE *f = fmemopen(out, sizeof(out), "w");
	const char *path = ev_test_file("p.yaml", "events: [on]\n");

	ev_dataset_add(&sig.ds, (__s32[]){ 60, -60 }, 2, "on", "plug", 0);
	ev_dataset_add(&sig.ds, (__s32[]){ -300, 300 }, 2, "other", "plug", 0);
	sig.ds.v[1].test = 1;	/* detection uses held-out samples too */
	ev_privacy_read(path, &priv);
	if (ev_detector_init(&d, &sig, EV_METHOD_PAD, 0, f))
		return;
	d.privacy = &priv;
	stderr_begin();
	EXPECT_RET(ev_detect(&d, "10.0.0.2", 1577670337780211000ull, (__s32[]){ 61, -59 }, 2, NULL), 0,
		   "'on'");
	EXPECT_RET(ev_detect(&d, "10.0.0.2", 5 * S, (__s32[]){ -290, 310 }, 2, "other"), 1,
		   "'other', from a held-out sample");
	EXPECT(strstr(stderr_end(), "ALERT: privacy event 'on' on 10.0.0.2") != NULL, "alert");
	fclose(f);
	EXPECT(!strcmp(out, "2019-12-30T01:45:37.780211Z 10.0.0.2 on packets=2\n"),
	       "one line per event, 'other' not printed: '%s'", out);
	EXPECT(d.events == 1 && d.alerts == 1 && d.known == 1 && d.agreed == 1, "counts");
	ev_detector_free(&d);
	ev_privacy_free(&priv);
	ev_sig_free(&sig);
}

int main(void)
{
	log_prog = "iotprof";
	RUN(test_sequences_cut_at_gap);
	RUN(test_sequence_limits_and_idle);
	RUN(test_pairing);
	RUN(test_split_is_seeded);
	RUN(test_refusals);
	RUN(test_knn_methods);
	RUN(test_heap_selection);
	RUN(test_k_scan_and_report);
	RUN(test_detection);
	return check_state.cases_failed ? 1 : 0;
}
