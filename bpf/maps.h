/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The maps shared by the programs.  Pinned by name under the loader's pin
 * directory so that every interface's program instance, the CLI and bpftool
 * see the same maps (BTF-typed: bpftool prints named fields, through the
 * descriptive types of btf_view.h, byte for byte the ABI's).
 */
#ifndef IOTPROF_BPF_MAPS_H
#define IOTPROF_BPF_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "btf_view.h"
#include "iotprof_abi.h"
#include "meta.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IOTPROF_FLOWS_DEFAULT);	/* set by --flows at load time */
	__type(key, struct iotprof_flow_key_view);
	__type(value, struct iotprof_flow_view);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IOTPROF_FRAG_ENTRIES);
	__type(key, struct iotprof_frag_key_view);
	__type(value, struct iotprof_frag);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} frags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOTPROF_WATCH_ENTRIES);
	__type(key, struct iotprof_watch_key_view);
	__type(value, struct iotprof_watch);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} watch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct iotprof_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} settings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IOTPROF_STAT__MAX);
	__type(key, __u32);		/* enum iotprof_stat: an array's key must be a u32 */
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOTPROF_IFACE_ENTRIES);
	__type(key, __u32);
	__type(value, struct iotprof_iface_view);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ifaces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IOTPROF_NAME_ENTRIES);
	__type(key, struct iotprof_name_key_view);
	__type(value, struct iotprof_name_view);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IOTPROF_NAME_ENTRIES);
	__type(key, __u32);
	__type(value, struct iotprof_name_string);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} name_strings SEC(".maps");

/* Per-packet records of the devices watched for event fingerprinting
 * (struct iotprof_event; bpf/events.h). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, IOTPROF_EVENTS_RING_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} events SEC(".maps");

/* A flow record is larger than the BPF stack: new records are built here. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct iotprof_flow);
} flow_scratch SEC(".maps");

/* The packet's facts after L4, for the code that follows (see
 * account_packet()). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pkt_meta);
} meta_scratch SEC(".maps");

static __always_inline void stat_inc(enum iotprof_stat which)
{
	__u32 key = which;
	__u64 *v = bpf_map_lookup_elem(&stats, &key);

	if (v)
		*v += 1;	/* per-CPU: no atomic needed */
}

#endif
