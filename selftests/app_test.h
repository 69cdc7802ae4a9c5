/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared harness of the application-layer tests (test_app_*.c): one loaded
 * program for the whole suite (loading costs seconds; emptying its maps
 * costs nothing), feeding helpers, and record look-ups.  Include after
 * check.h, with check_state defined by the test.
 */
#ifndef IOTPROF_APP_TEST_H
#define IOTPROF_APP_TEST_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "appbuild.h"
#include "check.h"
#include "flows.h"
#include "log.h"
#include "offline.h"
#include "state.h"

static struct offline_run *R;
static __u64 stats_base[IOTPROF_STAT__MAX];

static inline void map_clear(int fd)
{
	__u8 key[64];	/* the largest key, a flow key, is 40 bytes */

	while (bpf_map_get_next_key(fd, NULL, key) == 0)
		if (bpf_map_delete_elem(fd, key))
			break;
}

/* Starts a case: no flows, no names, statistics counted from here. */
static inline void reset(void)
{
	map_clear(offline_flows_fd(R));
	map_clear(offline_names_fd(R));
	map_clear(offline_name_strings_fd(R));
	stats_read(offline_stats_fd(R), stats_base);
}

static inline __u64 stat_delta(enum iotprof_stat which)
{
	__u64 s[IOTPROF_STAT__MAX];

	stats_read(offline_stats_fd(R), s);
	return s[which] - stats_base[which];
}

/* Feeds the first caplen bytes of a frame that was f->len long on the wire. */
static inline void feed_cut(const struct pkt_buf *f, __u32 caplen)
{
	EXPECT(offline_feed_frame(R, f->b, caplen, f->len, 1000) == 0, "test_run failed");
}

static inline void feed(const struct pkt_buf *f)
{
	feed_cut(f, f->len);
}

/* Wraps a payload into a frame and feeds it. */
static inline void send_app(uint8_t proto, const char *src, uint16_t sport, const char *dst,
		     uint16_t dport, const struct pkt_buf *payload)
{
	struct pkt_buf f;

	ab_wrap(&f, proto, src, sport, dst, dport, payload->b, payload->len);
	feed(&f);
}

static inline struct flow_table table(void)
{
	struct flow_table t = {};

	EXPECT(flows_read_map(offline_flows_fd(R), &t) == 0, "reading flows failed");
	return t;
}

/* The n-th record (in map order) whose application kind is `kind`, NULL
 * when there are fewer; *count (if given) gets how many there are. */
static inline const struct flow_entry *app_rec(const struct flow_table *t, __u8 kind, size_t n,
					size_t *count)
{
	const struct flow_entry *found = NULL;
	size_t k = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].val.app.kind != kind)
			continue;
		if (k == n)
			found = &t->v[i];
		k++;
	}
	if (count)
		*count = k;
	return found;
}

static inline size_t app_count(const struct flow_table *t, __u8 kind)
{
	size_t n;

	app_rec(t, kind, 0, &n);
	return n;
}

/* The connection's own record (app_id 0) of a flow with this port. */
static inline const struct flow_entry *conn_rec(const struct flow_table *t, __u16 port)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].key.app_id == 0 &&
		    (t->v[i].key.port_lo == port || t->v[i].key.port_hi == port))
			return &t->v[i];
	return NULL;
}

/* The name the names map gives an address, "" when none; *source too. */
static inline const char *name_of_addr(const char *text, __u8 *source)
{
	static struct iotprof_name_string str;
	struct iotprof_name_key k = {};
	struct iotprof_name v;

	addr_parse_ip(text, k.addr, &k.family);
	str.name[0] = 0;
	if (bpf_map_lookup_elem(offline_names_fd(R), &k, &v))
		return "";
	if (source)
		*source = v.source;
	if (bpf_map_lookup_elem(offline_name_strings_fd(R), &v.id, &str))
		return "(id without string)";
	str.name[sizeof(str.name) - 1] = 0;
	return str.name;
}

/* The text of a name id, "" when unknown. */
static inline const char *name_of_id(__u32 id)
{
	static struct iotprof_name_string str;

	str.name[0] = 0;
	if (bpf_map_lookup_elem(offline_name_strings_fd(R), &id, &str))
		return "";
	str.name[sizeof(str.name) - 1] = 0;
	return str.name;
}

/* Is a a prefix of b (both NUL-terminated within max)? */
static inline bool str_prefix(const char *a, const char *b, size_t max)
{
	size_t la = strnlen(a, max), lb = strnlen(b, max);

	return la < max && lb < max && la <= lb && memcmp(a, b, la) == 0;
}

#define EXPECT_STR(actual, expected, what) \
	EXPECT(strcmp((actual), (expected)) == 0, "%s: got \"%s\", expected \"%s\"", (what), \
	       (actual), (expected))

/* A string of n copies of c (n < 1024). */
static inline const char *repeat(char c, size_t n)
{
	static char buf[4][1024];
	static int which;
	char *s = buf[which++ & 3];

	memset(s, c, n);
	s[n] = 0;
	return s;
}

/* The device and the server of the TLS, HTTP and CoAP cases. */
#define DEV "10.0.0.2"
#define SRV "198.51.100.7"

/* The one record of a kind after the packets fed since reset(). */
static inline const struct flow_entry *only_rec(const struct flow_table *t, __u8 kind)
{
	size_t n;
	const struct flow_entry *e = app_rec(t, kind, 0, &n);

	EXPECT_EQ(n, 1, "records of the application");
	return n == 1 ? e : NULL;
}

/* Sends one segment from DEV to SRV and expects it refused: no record of
 * the kind, one rejection, the packet counted to its connection. */
static inline void expect_app_rejected(__u8 kind, uint8_t proto, uint16_t dport,
				       const struct pkt_buf *m, const char *what)
{
	struct flow_table t;

	reset();
	send_app(proto, DEV, 40000, SRV, dport, m);
	t = table();
	EXPECT(app_count(&t, kind) == 0, "%s: accepted", what);
	EXPECT_EQ(stat_delta(IOTPROF_STAT_APP_REJECTED), 1, "rejections");
	EXPECT_EQ(t.n, 1, "the packet still counts to its connection");
	flows_free(&t);
}

/* Opens the program once.  Returns -1 to go on, or main's exit status
 * (0 when skipped: not root). */
static inline int app_suite_open(const char *suite)
{
	struct offline_opts o = { .flows = 4096 };

	if (geteuid() != 0) {
		printf("SKIP: %s: needs root for BPF_PROG_TEST_RUN\n", suite);
		return 0;
	}
	log_quiet = true;
	log_hook_libraries();
	R = offline_open(&o);
	if (!R) {
		printf("FAIL: %s load: the XDP program does not load on this kernel\n", suite);
		return 1;
	}
	return -1;
}

#endif
