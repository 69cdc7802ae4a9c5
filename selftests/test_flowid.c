// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flow IDs and signatures on synthetic traces: the port rule (well known,
 * or the same in every trace), noise present in only some traces, local
 * addresses, and the intersection.
 */
#include <string.h>
#include "check.h"
#include "flowid.h"

struct check_state check_state = { .suite = "flowid" };

static struct flowid fl(const char *src, const char *dst, const char *proto, int sport, int dport)
{
	struct flowid f = { .sport = sport, .dport = dport };

	snprintf(f.src, sizeof(f.src), "%s", src);
	snprintf(f.dst, sizeof(f.dst), "%s", dst);
	snprintf(f.proto, sizeof(f.proto), "%s", proto);
	return f;
}

static bool has(const struct flowid_set *s, const char *src, const char *dst, int sport, int dport)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].src, src) && !strcmp(s->v[i].dst, dst) && s->v[i].sport == sport &&
		    s->v[i].dport == dport)
			return true;
	return false;
}

static void test_port_rule_and_noise(void)
{
	struct well_known wk = { .n = 1 };
	struct flowid_set t[3] = {}, sig;

	wk.v[0].port = 443;
	for (int i = 0; i < 3; i++) {
		struct flowid f;

		/* cloud: ephemeral source port, well-known destination */
		f = fl("10.0.0.5", "api.example", "tcp", 40000 + i, 443);
		flowid_set_add(&t[i], &f);
		/* local control: the same odd port in every trace */
		f = fl("10.0.0.9", "10.0.0.5", "tcp", 50000 + i, 9999);
		flowid_set_add(&t[i], &f);
		/* noise: only in traces 0 and 1 */
		if (i < 2) {
			f = fl("10.0.0.5", "ntp.example", "udp", 123, 123);
			flowid_set_add(&t[i], &f);
		}
		/* a port that changes between traces, not well known: a wildcard */
		f = fl("10.0.0.5", "log.example", "udp", 33000 + i, 8000 + i);
		flowid_set_add(&t[i], &f);
	}
	EXPECT(flowid_signature(t, 3, &wk, &sig) == 0, "signature");
	EXPECT_EQ(sig.n, 3, "Flow IDs in every trace");
	EXPECT(has(&sig, "10.0.0.5", "api.example", FLOWID_PORT_ANY, 443), "cloud flow, ephemeral source");
	EXPECT(has(&sig, "10.0.0.9", "10.0.0.5", FLOWID_PORT_ANY, 9999), "odd port kept: in all traces");
	EXPECT(has(&sig, "10.0.0.5", "log.example", FLOWID_PORT_ANY, FLOWID_PORT_ANY), "both ports wild");
	EXPECT(!has(&sig, "10.0.0.5", "ntp.example", 123, 123), "noise in 2 of 3 traces left out");
	flowid_set_free(&sig);
	for (int i = 0; i < 3; i++)
		flowid_set_free(&t[i]);
}

static void test_app_data_distinguishes(void)
{
	struct flowid_set t[2] = {}, sig;
	struct flowid f;

	for (int i = 0; i < 2; i++) {
		f = fl("10.0.0.5", "10.0.0.1", "udp", 40000 + i, 53);
		f.app_kind = IOTPROF_APP_DNS;
		snprintf(f.app_a, sizeof(f.app_a), "%s", i ? "b.example" : "a.example");
		snprintf(f.app_b, sizeof(f.app_b), "A");
		flowid_set_add(&t[i], &f);
	}
	EXPECT(flowid_signature(t, 2, NULL, &sig) == 0 && sig.n == 0,
	       "different names are different Flow IDs: %zu shared", sig.n);
	flowid_set_free(&sig);
	flowid_set_free(&t[0]);
	flowid_set_free(&t[1]);
}

static void test_local_addresses(void)
{
	EXPECT(flowid_address_is_local("192.168.1.1"), "192.168/16");
	EXPECT(flowid_address_is_local("172.20.0.1"), "172.16/12");
	EXPECT(!flowid_address_is_local("172.32.0.1"), "172.32 is public");
	EXPECT(flowid_address_is_local("10.1.2.3"), "10/8");
	EXPECT(flowid_address_is_local("224.0.0.251"), "multicast");
	EXPECT(flowid_address_is_local("fe80::1"), "IPv6 link-local");
	EXPECT(flowid_address_is_local("fd00::1"), "IPv6 unique-local");
	EXPECT(!flowid_address_is_local("52.3.101.168"), "public IPv4");
	EXPECT(!flowid_address_is_local("2001:db8::1"), "global IPv6");
}

int main(void)
{
	RUN(test_port_rule_and_noise);
	RUN(test_app_data_distinguishes);
	RUN(test_local_addresses);
	return check_state.cases_failed ? 1 : 0;
}
