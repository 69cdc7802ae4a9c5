/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The names map, filled as packets pass: every A/AAAA answer of a DNS
 * response links its address to the query name (the name the device asked
 * for, whatever CNAMEs lie between), and a TLS ClientHello links the server
 * address to its SNI.  Flows take the names of their endpoints when they are
 * created and at each new epoch.
 */
#ifndef IOTPROF_BPF_NAMES_H
#define IOTPROF_BPF_NAMES_H

#include "maps.h"
#include "meta.h"
#include "app_scratch.h"

static __always_inline void name_link(__u8 family, const __u8 *addr, __u32 id, __u8 source,
				      __u64 now)
{
	struct iotprof_name_key k = { .family = family };
	struct iotprof_name v = { .id = id, .source = source, .updated_ns = now };
	struct iotprof_name *old;

	__builtin_memcpy(k.addr, addr, 16);
	old = bpf_map_lookup_elem(&names, &k);
	if (old && old->id == id && old->source == source)	/* the usual case */
		return;
	if (bpf_map_update_elem(&names, &k, &v, BPF_ANY) == 0)
		stat_inc(IOTPROF_STAT_NAMES_LEARNED);
}

/* Not inlined: its eight optional map updates would otherwise split the
 * verifier's walk of everything after it 2^8 ways. */
static __noinline void names_learn(const struct pkt_meta *m, struct app_scratch *s, __u64 now)
{
	if (!s->name_id)
		return;
	if (s->app.kind == IOTPROF_APP_DNS && s->app.dns.response && s->app.dns.n_answers &&
	    s->app.dns.rcode == 0) {
		/* The first spelling of a name stays: ids ignore case, and
		 * a later "API.Example.com" must not rename every flow. */
		bpf_map_update_elem(&name_strings, &s->name_id, s->app.dns.qname, BPF_NOEXIST);
#pragma unroll
		for (int i = 0; i < IOTPROF_DNS_ANSWERS_MAX; i++)
			if (i < s->app.dns.n_answers)
				name_link(s->app.dns.answer_family[i], s->app.dns.answers[i],
					  s->name_id, IOTPROF_NAME_DNS, now);
	} else if (s->app.kind == IOTPROF_APP_TLS && s->app.tls.sni[0] &&
		   !(s->app.flags & (IOTPROF_APP_F_INCOMPLETE | IOTPROF_APP_F_TRUNCATED))) {
		/* a cut SNI is not the server's name */
		bpf_map_update_elem(&name_strings, &s->name_id, s->app.tls.sni, BPF_NOEXIST);
		name_link(m->family, m->dst.b, s->name_id, IOTPROF_NAME_SNI, now);
	}
}

static __always_inline __u32 name_of(__u8 family, const __u8 *addr)
{
	struct iotprof_name_key k = { .family = family };
	struct iotprof_name *n;

	__builtin_memcpy(k.addr, addr, 16);
	n = bpf_map_lookup_elem(&names, &k);
	return n ? n->id : 0;
}

#endif
