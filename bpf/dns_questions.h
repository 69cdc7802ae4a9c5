/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A DNS message may ask several questions (mDNS queries often do).  The
 * first one names the record the packet counts to; each further question
 * is an exchange too, recorded as its own record of the flow with no packet
 * counted to it (the packet is counted once, to the first question).
 *
 * The further questions are walked by the same name walk as the first,
 * continuing from question to question: when a name ends in this mode, the
 * question is recorded here and the walk goes on with the next one.
 */
#ifndef IOTPROF_BPF_DNS_QUESTIONS_H
#define IOTPROF_BPF_DNS_QUESTIONS_H

#include "app_scratch.h"
#include "maps.h"

struct dns_name_walk;

static __always_inline void dns_record_question(struct app_scratch *s, __u16 qtype, __u32 hash)
{
	struct iotprof_flow *fresh, *old;
	struct iotprof_flow_key k = s->dns_key;
	__u32 zero = 0;

	k.app_id = dns_exchange_id(hash, qtype, s->dns_txid);
	old = bpf_map_lookup_elem(&flows, &k);
	if (old) {
		if (s->app.dns.response && old->app.kind == IOTPROF_APP_DNS) {
			old->app.dns.response = 1;
			old->app.dns.rcode = s->app.dns.rcode;
		}
		return;
	}
	fresh = bpf_map_lookup_elem(&flow_scratch, &zero);
	if (!fresh)
		return;
	__builtin_memset(fresh, 0, sizeof(*fresh));
	fresh->initiator = s->dns_sender;
	fresh->epoch = s->dns_epoch;
	fresh->first_ns = s->dns_now;
	fresh->last_ns = s->dns_now;
	fresh->app.kind = IOTPROF_APP_DNS;
	fresh->app.dns.qtype = qtype;
	fresh->app.dns.response = s->app.dns.response;
	fresh->app.dns.rcode = s->app.dns.rcode;
	__builtin_memcpy(fresh->app.dns.qname, s->app.dns.qname, IOTPROF_NAME_MAX);
	if (bpf_map_update_elem(&flows, &k, fresh, BPF_NOEXIST) == 0)
		stat_inc(IOTPROF_STAT_FLOW_CREATED);
}

/* A further question's name has ended: record it, and set the walk on the
 * next one.  Returns the bpf_loop verdict: 0 to go on, 1 to stop. */
static __always_inline long dns_question_done(struct app_scratch *s, struct dns_name_walk *w)
{
	__u32 at = w->base + w->end;
	__u32 out = w->out;
	__u16 qtype;

	if (at + 4 > s->len)
		return 1;
	qtype = sb16(s, at);
	s->app.dns.qname[out & (IOTPROF_NAME_MAX - 1)] = 0;
	dns_record_question(s, qtype, w->hash ?: 1);
	if (s->dns_more_q <= 1)
		return 1;
	s->dns_more_q--;
	/* the next question starts after this one's type and class */
	w->pos = w->end + 4;
	w->end = 0;
	w->out = 0;
	w->left = 0;
	w->wire = 0;
	w->hash = FNV_SEED;
	w->jumped = 0;
	w->done = 0;
	return 0;
}

#endif
