// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Packet fuzzer for the XDP program: well-formed DNS, TLS, HTTP and CoAP
 * frames, mutated (snap-length cuts, shortened segments, bit flips, random
 * bytes, corrupted IP/UDP/DNS/TLS/CoAP length fields and nibbles, ports and
 * protocols swapped, bytes inserted or deleted), run through the real
 * program with BPF_PROG_TEST_RUN.  After each batch every flow record and
 * name is checked for well-formedness; on a violation the batch is replayed
 * one packet at a time to find the packet that made it, which is dumped.
 *
 * usage: fuzz_packets [COUNT [SEED]]     (or FUZZ_COUNT, FUZZ_SEED)
 * Exits 0 when every record was well formed, 1 on a violation, 2 on error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "app_json.h"
#include "fuzz_gen.h"
#include "flows.h"
#include "log.h"
#include "offline.h"
#include "state.h"

#define BATCH 1000

/* ---- checks --------------------------------------------------------------- */

static bool terminated(const char *s, size_t max) { return strnlen(s, max) < max; }

static bool zero(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((const __u8 *)p)[i])
			return false;
	return true;
}

static bool chars_in(const char *s, size_t max, __u8 lo, __u8 hi)
{
	for (size_t i = 0; i < max && s[i]; i++)
		if ((__u8)s[i] < lo || (__u8)s[i] > hi)
			return false;
	return true;
}

static bool either_port(const struct iotprof_flow_key *k, __u16 p)
{
	return k->port_lo == p || k->port_hi == p;
}

#define BAD(...) do { snprintf(why, WHY_MAX, __VA_ARGS__); return false; } while (0)
#define WHY_MAX 160

/* Is a record well formed?  If not, why says why. */
static bool record_ok(const struct flow_entry *e, char *why)
{
	const struct iotprof_flow_key *k = &e->key;
	const struct iotprof_flow *v = &e->val;
	const struct iotprof_app *a = &v->app;
	bool tcp = k->proto == 6, udp = k->proto == 17;

	if (k->family != 4 && k->family != 6)
		BAD("family %u", k->family);
	if (k->family == 4 && !(zero(k->addr_lo + 4, 12) && zero(k->addr_hi + 4, 12)))
		BAD("IPv4 address with bytes past the fourth");
	if (!tcp && !udp && (k->port_lo || k->port_hi))
		BAD("ports on protocol %u", k->proto);
	if (k->pad || v->initiator > 1 || v->data_side > 1 || v->flags & ~(IOTPROF_FLOW_F_FRAGMENTS | IOTPROF_FLOW_F_LOCAL_OUT |
							   IOTPROF_FLOW_F_HANDSHAKE | IOTPROF_FLOW_F_PAYLOAD |
							   IOTPROF_FLOW_F_DATA))
		BAD("key pad %u, initiator %u, flow flags 0x%x", k->pad, v->initiator, v->flags);
	/* Only a DNS message's further questions are recorded without a
	 * packet (it counts to the first question's record). */
	if (v->packets[0] + v->packets[1] == 0 && a->kind != IOTPROF_APP_DNS)
		BAD("no packets");
	if (a->kind > IOTPROF_APP_COAP)
		BAD("app kind %u", a->kind);
	if (a->flags & ~(IOTPROF_APP_F_TRUNCATED | IOTPROF_APP_F_INCOMPLETE))
		BAD("app flags 0x%x", a->flags);
	if ((k->app_id != 0) != (a->kind == IOTPROF_APP_DNS || a->kind == IOTPROF_APP_HTTP ||
				 a->kind == IOTPROF_APP_COAP))
		BAD("app_id %u with app kind %u", k->app_id, a->kind);
	switch (a->kind) {
	case IOTPROF_APP_NONE:
		if (!zero(a, sizeof(*a)))
			BAD("app data without a kind");
		break;
	case IOTPROF_APP_DNS:
		if (!(udp && (either_port(k, 53) || either_port(k, 5353))) && !(tcp && either_port(k, 53)))
			BAD("DNS on protocol %u ports %u/%u", k->proto, k->port_lo, k->port_hi);
		if (!terminated(a->dns.qname, sizeof(a->dns.qname)))
			BAD("qname not terminated");
		if (a->dns.n_answers > IOTPROF_DNS_ANSWERS_MAX || a->dns.response > 1 || a->dns.rcode > 15)
			BAD("n_answers %u response %u rcode %u", a->dns.n_answers, a->dns.response,
			    a->dns.rcode);
		/* (A query may carry answers: mDNS known-answer suppression.) */
		if (a->dns.announcement > 1 || (a->dns.announcement && !a->dns.response))
			BAD("announcement %u in a %s", a->dns.announcement,
			    a->dns.response ? "response" : "query");
		for (int i = 0; i < a->dns.n_answers && i < IOTPROF_DNS_ANSWERS_MAX; i++) {
			if (a->dns.answer_family[i] != 4 && a->dns.answer_family[i] != 6)
				BAD("answer %d family %u", i, a->dns.answer_family[i]);
			if (a->dns.answer_family[i] == 4 && !zero(a->dns.answers[i] + 4, 12))
				BAD("answer %d: IPv4 with bytes past the fourth", i);
		}
		break;
	case IOTPROF_APP_TLS:
		if (!tcp)
			BAD("TLS on protocol %u", k->proto);
		if (!terminated(a->tls.sni, sizeof(a->tls.sni)) ||
		    !chars_in(a->tls.sni, sizeof(a->tls.sni), 0x21, 0x7e))
			BAD("SNI not terminated or not printable");
		if (a->tls.n_versions > IOTPROF_TLS_VERSIONS_MAX)
			BAD("n_versions %u", a->tls.n_versions);
		for (int i = 0; i < a->tls.n_versions; i++)
			if ((a->tls.versions[i] & 0x0F0F) == 0x0A0A &&
			    a->tls.versions[i] >> 8 == (a->tls.versions[i] & 0xFF))
				BAD("GREASE version 0x%04x kept", a->tls.versions[i]);
		break;
	case IOTPROF_APP_HTTP: {
		/* A method is an RFC 9110 token starting with an upper-case
		 * letter (bpf/parse_http.h), over TCP or UDP. */
		size_t n = strnlen(a->http.method, sizeof(a->http.method));

		if (!tcp && !udp)
			BAD("HTTP on protocol %u", k->proto);
		if (!n || n == sizeof(a->http.method) || a->http.method[0] < 'A' || a->http.method[0] > 'Z' ||
		    strspn(a->http.method, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
					   "!#$%&'*+-.^_`|~") != n)
			BAD("method \"%.16s\"", a->http.method);
		if (!terminated(a->http.uri, sizeof(a->http.uri)) || !a->http.uri[0] ||
		    !chars_in(a->http.uri, sizeof(a->http.uri), 0x21, 0xff) || strchr(a->http.uri, 0x7f))
			BAD("URI empty, not terminated or with control bytes");
		if (!terminated(a->http.host, sizeof(a->http.host)) ||
		    !chars_in(a->http.host, sizeof(a->http.host), 0x20, 0xff) || strchr(a->http.host, 0x7f))
			BAD("host not terminated or with control bytes");
		break;
	}
	case IOTPROF_APP_COAP:
		if (!udp || !either_port(k, 5683))
			BAD("CoAP on protocol %u ports %u/%u", k->proto, k->port_lo, k->port_hi);
		if (a->coap.version != 1 || a->coap.type > 3 || a->coap.token_len > 8)
			BAD("version %u type %u token_len %u", a->coap.version, a->coap.type,
			    a->coap.token_len);
		if (!zero(a->coap.token + a->coap.token_len, 8 - a->coap.token_len))
			BAD("token bytes past its length");
		if (!terminated(a->coap.uri, sizeof(a->coap.uri)) ||
		    !terminated(a->coap.host, sizeof(a->coap.host)))
			BAD("CoAP URI or host not terminated");
		break;
	}
	return true;
}

/* ---- the run ---------------------------------------------------------------- */

static struct offline_run *R;
static struct frame batch[BATCH];
static __u64 n_records, per_kind[5];

static void map_clear(int fd)
{
	__u8 key[64];

	while (bpf_map_get_next_key(fd, NULL, key) == 0)
		if (bpf_map_delete_elem(fd, key))
			break;
}

static void clear_all(void)
{
	map_clear(offline_flows_fd(R));
	map_clear(offline_names_fd(R));
	map_clear(offline_name_strings_fd(R));
}

/* Checks every record and name; the first bad one goes to *bad. */
static bool state_ok(struct flow_entry *bad, char *why, bool count)
{
	struct flow_table t = {};
	struct iotprof_name_key nk, nnext;
	struct iotprof_name nv;
	struct iotprof_name_string ns;
	__u32 sk, snext;
	int fd;
	bool ok = true, first = true;

	if (flows_read_map(offline_flows_fd(R), &t))
		BAD("reading the flows map failed");
	for (size_t i = 0; i < t.n && ok; i++) {
		ok = record_ok(&t.v[i], why);
		if (!ok)
			*bad = t.v[i];
		if (count) {
			n_records++;
			per_kind[t.v[i].val.app.kind < 5 ? t.v[i].val.app.kind : 0]++;
		}
	}
	flows_free(&t);
	if (!ok)
		return false;
	memset(bad, 0, sizeof(*bad));
	fd = offline_names_fd(R);
	for (; bpf_map_get_next_key(fd, first ? NULL : &nk, &nnext) == 0; first = false) {
		nk = nnext;
		if (bpf_map_lookup_elem(fd, &nk, &nv))
			continue;
		if ((nk.family != 4 && nk.family != 6) || nv.id == 0 || nv.source < 1 || nv.source > 3)
			BAD("names entry: family %u id %u source %u", nk.family, nv.id, nv.source);
		if (nk.family == 4 && !zero(nk.addr + 4, 12))
			BAD("names entry: IPv4 address with bytes past the fourth");
		if (bpf_map_lookup_elem(offline_name_strings_fd(R), &nv.id, &ns))
			BAD("names entry: id %u has no string", nv.id);
	}
	fd = offline_name_strings_fd(R);
	for (first = true; bpf_map_get_next_key(fd, first ? NULL : &sk, &snext) == 0; first = false) {
		sk = snext;
		if (!bpf_map_lookup_elem(fd, &sk, &ns) && !terminated(ns.name, sizeof(ns.name)))
			BAD("name string %u not terminated", sk);
	}
	return true;
}

static void feed_frame(const struct frame *f, __u64 n)
{
	if (offline_feed_frame(R, f->b, f->caplen, f->len, 1000 + n)) {
		fprintf(stderr, "fuzz: BPF_PROG_TEST_RUN failed\n");
		exit(2);
	}
}

static void dump_record(const struct flow_entry *e)
{
	struct json_object *j = app_to_json(&e->val.app);
	char lo[ADDR_STR_MAX], hi[ADDR_STR_MAX];

	printf("  record: family %u proto %u %s:%u <-> %s:%u app_id %u packets %llu/%llu\n",
	       e->key.family, e->key.proto, addr_format(e->key.addr_lo, e->key.family == 6 ? 6 : 4, lo),
	       e->key.port_lo, addr_format(e->key.addr_hi, e->key.family == 6 ? 6 : 4, hi),
	       e->key.port_hi, e->key.app_id, (unsigned long long)e->val.packets[0],
	       (unsigned long long)e->val.packets[1]);
	printf("  app: kind %u flags 0x%x %s\n", e->val.app.kind, e->val.app.flags,
	       j ? json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN) : "null");
	json_object_put(j);
}

/* Replays a bad batch one frame at a time and dumps the frame after which
 * the state first goes bad. */
static void find_culprit(int n)
{
	struct flow_entry bad;
	char why[WHY_MAX];

	clear_all();
	for (int i = 0; i < n; i++) {
		feed_frame(&batch[i], i);
		if (state_ok(&bad, why, false))
			continue;
		printf("  packet %d of the batch (caplen %u, wire length %u) makes it:\n", i,
		       batch[i].caplen, batch[i].len);
		for (__u32 k = 0; k < batch[i].caplen; k++)
			printf("%s%02x", k % 32 ? "" : k ? "\n    " : "    ", batch[i].b[k]);
		printf("\n");
		if (bad.key.family || bad.val.packets[0] || bad.val.packets[1])
			dump_record(&bad);
		return;
	}
	printf("  (replayed alone, the batch does not go bad: earlier state matters)\n");
}

int main(int argc, char **argv)
{
	static const char *const stat_names[] = IOTPROF_STAT_NAMES;
	const char *env_count = getenv("FUZZ_COUNT"), *env_seed = getenv("FUZZ_SEED");
	__u64 count = 100000, seed = (__u64)time(NULL) ^ ((__u64)getpid() << 32), done = 0;
	struct offline_opts o = { .flows = 4 * BATCH };
	__u64 st[IOTPROF_STAT__MAX];
	struct flow_entry bad;
	char why[WHY_MAX];
	struct timespec t0, t1;

	if (argc > 1 || env_count)
		count = strtoull(argc > 1 ? argv[1] : env_count, NULL, 0);
	if (argc > 2 || env_seed)
		seed = strtoull(argc > 2 ? argv[2] : env_seed, NULL, 0);
	rng_state = seed;
	printf("fuzz: %llu packets, seed %llu (FUZZ_SEED=%llu reproduces)\n",
	       (unsigned long long)count, (unsigned long long)seed, (unsigned long long)seed);
	log_quiet = true;
	log_hook_libraries();
	R = offline_open(&o);
	if (!R) {
		fprintf(stderr, "fuzz: the XDP program does not load (root needed)\n");
		return 2;
	}
	build_seeds();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < count) {
		int n = count - done < BATCH ? (int)(count - done) : BATCH;

		for (int i = 0; i < n; i++) {
			make_frame(&batch[i]);
			feed_frame(&batch[i], done + i);
		}
		if (!state_ok(&bad, why, true)) {
			printf("FAIL: after packet %llu: %s\n", (unsigned long long)(done + n), why);
			if (bad.key.family || bad.val.packets[0] || bad.val.packets[1])
				dump_record(&bad);
			find_culprit(n);
			offline_close(R);
			return 1;
		}
		clear_all();
		done += n;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	stats_read(offline_stats_fd(R), st);
	printf("fuzz: %llu packets in %.2f s, %llu records checked (app: dns %llu, tls %llu, "
	       "http %llu, coap %llu)\n", (unsigned long long)done,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (unsigned long long)n_records, (unsigned long long)per_kind[1],
	       (unsigned long long)per_kind[2], (unsigned long long)per_kind[3],
	       (unsigned long long)per_kind[4]);
	printf("fuzz: stats:");
	for (int i = 0; i < IOTPROF_STAT__MAX; i++)
		if (st[i])
			printf(" %s %llu", stat_names[i], (unsigned long long)st[i]);
	printf("\n");
	offline_close(R);
	return 0;
}
